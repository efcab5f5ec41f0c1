// Package servicetest runs a real service in-process for tests: its own fresh
// database, its gRPC server on a loopback port with the shared interceptor
// chain, and a client connection to it. Everything stops when the test ends.
package servicetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/nastavnik/nastavnik/platform/config"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/platform/testdb"
)

// Key is the identity key of services started for tests.
var Key = []byte("nastavnik-test-identity-key-0123456789abcdef")

// Signer signs identities with Key.
var Signer = func() *identity.Signer {
	s, err := identity.NewSigner(Key)
	if err != nil {
		panic(err)
	}
	return s
}()

// OperatorPrincipal is the identity of Running.Conn.
var OperatorPrincipal = identity.Principal{
	AccountID: "00000000-0000-4000-8000-000000000001", Login: "test-operator",
	Bindings: []identity.Binding{{Role: identity.Operator}},
}

// Running is a service started for a test.
type Running struct {
	Addr        string
	MetricsAddr string
	// Conn calls as an operator.
	Conn     *grpc.ClientConn
	Database config.Database
	logs     *Logs
	stop     func()
}

// Stop stops the service before the test ends (a test of what the others do
// without it): its listener is closed and its calls fail as Unavailable.
func (r *Running) Stop() { r.stop() }

// Logs is everything the service logged (at info and above).
func (r *Running) Logs() string { return r.logs.String() }

// Logs collects log output safely from many goroutines.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns what was written.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Dial returns a connection whose calls carry p; the zero principal sends no
// identity at all.
func (r *Running) Dial(t testing.TB, p identity.Principal) *grpc.ClientConn {
	t.Helper()
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if p.AccountID != "" || len(p.Bindings) > 0 {
		opts = append(opts, Signer.DialOption(p))
	}
	conn, err := grpc.NewClient(r.Addr, opts...)
	if err != nil {
		t.Fatalf("servicetest: dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// Start runs spec against a fresh database and returns a connection to it.
func Start(t testing.TB, spec service.Spec) *Running {
	t.Helper()
	return StartWith(t, spec, Options{})
}

// Options are what a test sets around a service.
type Options struct {
	// RegistryAddr is the registry a service with UsesRegistry talks to.
	RegistryAddr string
	// ReadReplica sets DATABASE_READ_URL to the test's own database: the
	// read pool then runs read-only sessions named "<schema>-ro", as it
	// would against a replica.
	ReadReplica bool
	// Notify is the notifications' configuration; by default e-mail is off
	// and the outbox looks for work every 200 ms.
	Notify *notify.Config
	// Now, when set, is the clock of the service's request handlers.
	Now func() time.Time
}

// StartWith runs spec with opts against a fresh database.
func StartWith(t testing.TB, spec service.Spec, opts Options) *Running {
	t.Helper()
	db := testdb.Config(t, spec.Defaults["DATABASE_SCHEMA"], spec.Migrations)
	cfg := service.Config{
		Server: config.Server{
			GRPCAddr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0",
			ShutdownTimeout: 5 * time.Second, LogLevel: "error",
		},
		Database:     db,
		IdentityKey:  base64.StdEncoding.EncodeToString(Key),
		RegistryAddr: opts.RegistryAddr,
		Now:          opts.Now,
		Notify: notify.Config{SMTPFrom: "Наставник <noreply@nastavnik.test>", SMTPTimeout: 5 * time.Second,
			PublicURL: "http://127.0.0.1", Interval: 200 * time.Millisecond, Workers: 1},
	}
	if opts.Notify != nil {
		cfg.Notify = *opts.Notify
	}
	if opts.ReadReplica {
		cfg.Database.ReadURL = db.URL
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &Logs{}
	logger := slog.New(slog.NewJSONHandler(io.MultiWriter(logs, testWriter{t}), &slog.HandlerOptions{Level: slog.LevelInfo}))
	svc, err := service.Start(ctx, spec, cfg, logger)
	if err != nil {
		cancel()
		t.Fatalf("servicetest: start %s: %v", spec.Name, err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Serve(ctx) }()
	conn, err := grpc.NewClient(svc.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		Signer.DialOption(OperatorPrincipal))
	if err != nil {
		cancel()
		t.Fatalf("servicetest: dial: %v", err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			conn.Close()
			cancel()
			if err := <-done; err != nil {
				t.Errorf("servicetest: %s stopped with %v", spec.Name, err)
			}
		})
	}
	t.Cleanup(stop)
	return &Running{Addr: svc.Addr(), MetricsAddr: svc.MetricsAddr(), Conn: conn, Database: db, logs: logs, stop: stop}
}

// testWriter sends warnings and errors of the service to the test log, shown
// only on failure.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(`"level":"WARN"`)) || bytes.Contains(p, []byte(`"level":"ERROR"`)) {
		w.t.Log(string(p))
	}
	return len(p), nil
}

// Scrape reads the /metrics page served at addr (host:port).
func Scrape(t testing.TB, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("servicetest: GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("servicetest: GET /metrics = %d, %v", resp.StatusCode, err)
	}
	return string(body)
}

// Sample is the value of metric with exactly the label set labels (as
// printed, e.g. `{pool="read"}`; "" for none) on a /metrics page, and
// whether it is there.
func Sample(page, metric, labels string) (float64, bool) {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(metric+labels) + ` (\S+)$`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}
