// Package servicetest runs a real service in-process for tests: its own fresh
// database, its gRPC server on a loopback port with the shared interceptor
// chain, and a client connection to it. Everything stops when the test ends.
package servicetest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/nastavnik/nastavnik/platform/config"
	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/platform/testdb"
)

// Running is a service started for a test.
type Running struct {
	Addr        string
	MetricsAddr string
	Conn        *grpc.ClientConn
	Database    config.Database
}

// Start runs spec against a fresh database and returns a connection to it.
func Start(t testing.TB, spec service.Spec) *Running {
	t.Helper()
	db := testdb.Config(t, spec.Defaults["DATABASE_SCHEMA"], spec.Migrations)
	cfg := service.Config{
		Server: config.Server{
			GRPCAddr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0",
			ShutdownTimeout: 5 * time.Second, LogLevel: "error",
		},
		Database: db,
	}
	ctx, cancel := context.WithCancel(context.Background())
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc, err := service.Start(ctx, spec, cfg, logger)
	if err != nil {
		cancel()
		t.Fatalf("servicetest: start %s: %v", spec.Name, err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Serve(ctx) }()
	conn, err := grpc.NewClient(svc.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		cancel()
		t.Fatalf("servicetest: dial: %v", err)
	}
	t.Cleanup(func() {
		conn.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("servicetest: %s stopped with %v", spec.Name, err)
		}
	})
	return &Running{Addr: svc.Addr(), MetricsAddr: svc.MetricsAddr(), Conn: conn, Database: db}
}

// testWriter sends service logs to the test log, shown only on failure.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
