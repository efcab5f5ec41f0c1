package grpcserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/config"
	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/grpcserver"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// errGone is a sentinel of the fake service's error table.
var errGone = errors.New("the region is gone")

// closedErr declares itself errGone with its own public text.
type closedErr struct{ year int }

func (e closedErr) Error() string        { return fmt.Sprintf("closed in %d", e.year) }
func (e closedErr) Is(target error) bool { return target == errGone }

var table = grpcerr.Table{{Target: errGone, Code: codes.FailedPrecondition}}

// fakeRegions answers GetRegion by the code it is asked for: "01" panics,
// "02" blocks until released, "03" fails with an unexplained error, "04"
// with a wrapped sentinel of the table, "05" with an error declaring itself
// that sentinel.
type fakeRegions struct {
	registryv1.UnimplementedRegionServiceServer
	release chan struct{}
	entered chan struct{}
}

func (f *fakeRegions) GetRegion(ctx context.Context, req *registryv1.GetRegionRequest) (*registryv1.GetRegionResponse, error) {
	switch req.GetCode() {
	case "01":
		panic("boom with a secret: postgres://user:pw@db")
	case "02":
		f.entered <- struct{}{}
		<-f.release
	case "03":
		return nil, io.ErrUnexpectedEOF
	case "04":
		return nil, fmt.Errorf("store.GetRegion: select from internal_table: %w", errGone)
	case "05":
		return nil, fmt.Errorf("store.GetRegion: %w", closedErr{2024})
	}
	return &registryv1.GetRegionResponse{Region: &registryv1.Region{Code: req.GetCode()}}, nil
}

func startServer(t testing.TB, auth grpcserver.Authenticator) (*fakeRegions, registryv1.RegionServiceClient, *grpcserver.Server, context.CancelFunc, chan error) {
	t.Helper()
	return startLogged(t, auth, slog.New(slog.DiscardHandler))
}

// startLogged is startServer logging to logger.
func startLogged(t testing.TB, auth grpcserver.Authenticator, logger *slog.Logger) (*fakeRegions, registryv1.RegionServiceClient, *grpcserver.Server, context.CancelFunc, chan error) {
	t.Helper()
	srv, err := grpcserver.New(grpcserver.Options{
		Name: "test",
		Config: config.Server{GRPCAddr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0",
			ShutdownTimeout: 5 * time.Second, LogLevel: "info"},
		Logger:       logger,
		Authenticate: auth,
		Errors:       table,
	})
	if err != nil {
		t.Fatal(err)
	}
	fake := &fakeRegions{release: make(chan struct{}), entered: make(chan struct{}, 1)}
	registryv1.RegisterRegionServiceServer(srv.GRPC(), fake)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	conn, err := grpc.NewClient(srv.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		cancel()
		<-done
	})
	return fake, registryv1.NewRegionServiceClient(conn), srv, cancel, done
}

func TestInterceptorChain(t *testing.T) {
	_, client, srv, _, _ := startServer(t, nil)
	ctx := context.Background()

	t.Run("panic becomes Internal without leaking", func(t *testing.T) {
		_, err := client.GetRegion(ctx, &registryv1.GetRegionRequest{Code: "01"})
		st := status.Convert(err)
		if st.Code() != codes.Internal || strings.Contains(st.Message(), "secret") {
			t.Errorf("got %v %q, want Internal with a generic message", st.Code(), st.Message())
		}
	})
	t.Run("untranslated error becomes Internal", func(t *testing.T) {
		_, err := client.GetRegion(ctx, &registryv1.GetRegionRequest{Code: "03"})
		if st := status.Convert(err); st.Code() != codes.Internal || st.Message() != "internal error" {
			t.Errorf("got %v %q, want Internal \"internal error\"", st.Code(), st.Message())
		}
	})
	t.Run("the service's table maps plain errors once", func(t *testing.T) {
		tests := []struct {
			code, wantMsg string
		}{
			{"04", "the region is gone"},
			{"05", "closed in 2024"},
		}
		for _, tc := range tests {
			_, err := client.GetRegion(ctx, &registryv1.GetRegionRequest{Code: tc.code})
			if st := status.Convert(err); st.Code() != codes.FailedPrecondition || st.Message() != tc.wantMsg {
				t.Errorf("%s: got %v %q, want FailedPrecondition %q", tc.code, st.Code(), st.Message(), tc.wantMsg)
			}
		}
	})
	t.Run("a NUL character is the field's 400, before the handler", func(t *testing.T) {
		_, err := client.GetRegion(ctx, &registryv1.GetRegionRequest{Code: "2\x004"})
		st := status.Convert(err)
		var got []string
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					got = append(got, v.GetField()+" "+v.GetReason())
				}
			}
		}
		if st.Code() != codes.InvalidArgument || len(got) != 1 || got[0] != "code nul_character" {
			t.Errorf("got %v %v, want InvalidArgument [code nul_character]", st.Code(), got)
		}
	})
	t.Run("invalid request names the field", func(t *testing.T) {
		_, err := client.GetRegion(ctx, &registryv1.GetRegionRequest{Code: "abc"})
		st := status.Convert(err)
		if st.Code() != codes.InvalidArgument {
			t.Fatalf("got %v, want InvalidArgument", st.Code())
		}
		var fields []string
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					fields = append(fields, v.GetField())
					lm := v.GetLocalizedMessage()
					if v.GetReason() != "string.pattern" || v.GetDescription() == "" || lm.GetLocale() != "ru-RU" ||
						lm.GetMessage() != "Проверьте, как записано значение" {
						t.Errorf("violation %+v: want reason string.pattern, an English description and the Russian text", v)
					}
				}
			}
		}
		if len(fields) != 1 || fields[0] != "code" {
			t.Errorf("violations = %v, want [code]", fields)
		}
	})
	t.Run("request id is kept and echoed", func(t *testing.T) {
		var header metadata.MD
		octx := metadata.AppendToOutgoingContext(ctx, grpcserver.RequestIDKey, "rid-7")
		if _, err := client.GetRegion(octx, &registryv1.GetRegionRequest{Code: "24"}, grpc.Header(&header)); err != nil {
			t.Fatal(err)
		}
		if got := header.Get(grpcserver.RequestIDKey); len(got) != 1 || got[0] != "rid-7" {
			t.Errorf("x-request-id = %v, want [rid-7]", got)
		}
	})
	t.Run("metrics and health", func(t *testing.T) {
		resp, err := http.Get("http://" + srv.MetricsAddr() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), `grpc_server_handled_total{grpc_code="Internal",grpc_method="GetRegion",grpc_service="nastavnik.registry.v1.RegionService",grpc_type="unary"} 2`) {
			t.Errorf("/metrics lacks the handled counter of GetRegion:\n%s", b)
		}
	})
}

func TestAuthenticatorRunsBeforeHandlers(t *testing.T) {
	refuse := func(ctx context.Context, method string) (context.Context, error) {
		if strings.HasPrefix(method, "/grpc.health.v1.Health/") {
			return ctx, nil
		}
		return nil, status.Error(codes.Unauthenticated, "no identity")
	}
	_, client, srv, _, _ := startServer(t, refuse)
	if _, err := client.GetRegion(context.Background(), &registryv1.GetRegionRequest{Code: "24"}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("got %v, want Unauthenticated", status.Code(err))
	}
	conn, err := grpc.NewClient(srv.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health = %v, %v; want SERVING", resp.GetStatus(), err)
	}
}

func TestGracefulShutdownLetsInFlightCallsFinish(t *testing.T) {
	fake, client, _, cancel, done := startServer(t, nil)
	result := make(chan error, 1)
	go func() {
		_, err := client.GetRegion(context.Background(), &registryv1.GetRegionRequest{Code: "02"})
		result <- err
	}()
	<-fake.entered
	cancel() // SIGTERM
	select {
	case err := <-done:
		t.Fatalf("server stopped (%v) while a call was in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(fake.release)
	if err := <-result; err != nil {
		t.Errorf("in-flight call failed: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve returned %v, want nil", err)
	}
	done <- nil // for the cleanup
}

// lockedBuffer is a log sink for a server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) lines(t *testing.T) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for l := range bytes.Lines(b.buf.Bytes()) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// Every call's log line, and what its handler's errors log, carry the
// request id and the method; at level warn a call that succeeds logs nothing.
func TestCallsLogWithTheirRequestID(t *testing.T) {
	tests := []struct {
		name  string
		level slog.Level
		code  string
		want  []string // messages logged, in order
	}{
		{name: "info: a call that succeeds", level: slog.LevelInfo, code: "24", want: []string{"rpc"}},
		{name: "info: an unexplained error", level: slog.LevelInfo, code: "03", want: []string{"internal error", "rpc"}},
		{name: "warn: a call that succeeds", level: slog.LevelWarn, code: "24", want: nil},
		{name: "warn: an unexplained error", level: slog.LevelWarn, code: "03", want: []string{"internal error", "rpc"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := &lockedBuffer{}
			_, client, _, _, _ := startLogged(t, nil, slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: tc.level})))
			ctx := metadata.AppendToOutgoingContext(context.Background(), grpcserver.RequestIDKey, "rid-9")
			// The server logs a call before it answers.
			_, _ = client.GetRegion(ctx, &registryv1.GetRegionRequest{Code: tc.code})
			var got []string
			for _, l := range out.lines(t) {
				if l["msg"] == "serving" {
					continue
				}
				got = append(got, fmt.Sprint(l["msg"]))
				if l["request_id"] != "rid-9" || l["method"] != "/nastavnik.registry.v1.RegionService/GetRegion" {
					t.Errorf("line %v: got request_id %v, method %v, want rid-9 and GetRegion", l["msg"], l["request_id"], l["method"])
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
		})
	}
}

// BenchmarkUnaryCall is a call through the whole interceptor chain over
// loopback, from eight clients at once: the per-call cost every service pays
// (goroutine and stack, metadata, logging, validation).
func BenchmarkUnaryCall(b *testing.B) {
	_, client, _, _, _ := startServer(b, nil)
	ctx := metadata.AppendToOutgoingContext(context.Background(), grpcserver.RequestIDKey, "bench")
	b.SetParallelism(4) // 8 clients on 2 cores
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := client.GetRegion(ctx, &registryv1.GetRegionRequest{Code: "77"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time the process has used, user and system: on a
// shared machine a benchmark's CPU a call varies far less than its time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
