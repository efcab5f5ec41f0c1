package database_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nastavnik/nastavnik/platform/config"
	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/testdb"
)

// TestServiceRolesCannotReadEachOthersSchemas bootstraps two service schemas in
// one database, as a deployment does, and checks that each role reaches only
// its own.
func TestServiceRolesCannotReadEachOthersSchemas(t *testing.T) {
	ctx := context.Background()
	migrations := fstest.MapFS{"00001_t.sql": {Data: []byte("-- +goose Up\nCREATE TABLE secrets (v text);\nINSERT INTO secrets VALUES ('mine');\n")}}
	alpha := testdb.New(t, "iso_alpha", migrations)

	admin, err := pgx.Connect(ctx, os.Getenv(testdb.EnvVar))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var db string
	if err := alpha.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	cfg := admin.Config().Copy()
	cfg.Database = db
	target, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close(ctx)
	if err := database.Bootstrap(ctx, target, "iso_beta", "nastavnik-test"); err != nil {
		t.Fatal(err)
	}

	var v string
	if err := alpha.QueryRow(ctx, "SELECT v FROM secrets").Scan(&v); err != nil || v != "mine" {
		t.Fatalf("own table: %q, %v", v, err)
	}
	// Connected as iso_beta, the other service's table is out of reach.
	betaCfg := cfg.Copy()
	betaCfg.User, betaCfg.Password = "iso_beta", "nastavnik-test"
	beta, err := pgx.ConnectConfig(ctx, betaCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer beta.Close(ctx)
	for _, q := range []string{"SELECT v FROM iso_alpha.secrets", "CREATE TABLE iso_alpha.x (v int)", "CREATE TABLE public.x (v int)"} {
		_, err := beta.Exec(ctx, q)
		var pe *pgconn.PgError
		if !pgErrAs(err, &pe) || pe.Code != pgerrcode.InsufficientPrivilege {
			t.Errorf("%s as another service: %v, want insufficient_privilege", q, err)
		}
	}
	if _, err := beta.Exec(ctx, "CREATE TABLE own (v int)"); err != nil {
		t.Errorf("a role must create tables in its own schema: %v", err)
	}
}

func pgErrAs(err error, target **pgconn.PgError) bool {
	pe, ok := err.(*pgconn.PgError)
	if ok {
		*target = pe
	}
	return ok
}

func TestBootstrapRefusesOddNames(t *testing.T) {
	for _, name := range []string{"", "Registry", "a;b", `x"y`, "1abc"} {
		if err := database.Bootstrap(context.Background(), nil, name, "p"); err == nil {
			t.Errorf("Bootstrap(%q) = nil, want an error", name)
		}
	}
}

// Errors of a database that cannot be reached or went away are Unavailable;
// others, and the caller's own deadline, are not.
func TestUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nobody listens there now
	cfg := config.Database{URL: "postgres://nobody@" + addr + "/none?connect_timeout=2", Schema: "none", MaxConns: 1}

	var logs bytes.Buffer
	_, refused := database.Connect(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if !database.IsUnavailable(refused) || logs.Len() != 0 {
		t.Errorf("connect to a closed port without a timeout: %v, logged %q, want one try and an unavailable error", refused, logs.String())
	}
	cfg.ConnectTimeout = time.Second
	_, err = database.Connect(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if n := strings.Count(logs.String(), "database is not answering; retrying"); !database.IsUnavailable(err) || n < 3 {
		t.Errorf("connect with a timeout: %v after %d retries, want retries (100, 200, 400 ms…), then unavailable", err, n)
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"refused", refused, true},
		{"admin shutdown", &pgconn.PgError{Code: pgerrcode.AdminShutdown}, true},
		{"cannot connect now", &pgconn.PgError{Code: pgerrcode.CannotConnectNow}, true},
		{"connection failure", &pgconn.PgError{Code: pgerrcode.ConnectionFailure}, true},
		{"an answer cut off", fmt.Errorf("store.X: %w", io.ErrUnexpectedEOF), true},
		{"unique violation", &pgconn.PgError{Code: pgerrcode.UniqueViolation}, false},
		{"the caller's deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{"no rows", pgx.ErrNoRows, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := errors.Is(database.Driver(tc.err), database.ErrUnavailable); got != tc.want {
				t.Errorf("Driver(%v) is ErrUnavailable: got %v, want %v", tc.err, got, tc.want)
			}
		})
	}
	if errors.Is(io.ErrUnexpectedEOF, database.ErrUnavailable) || database.IsUnavailable(io.ErrUnexpectedEOF) {
		t.Error("a bare unexpected EOF outside a database call is unavailable, want only through Driver")
	}
}

// TestSessionTimeouts opens a pool with the session timeouts of
// config.Database against a real PostgreSQL: a transaction left idle is
// ended by the server, a statement running too long is cancelled, and a
// migration that runs longer than the statement timeout still completes.
func TestSessionTimeouts(t *testing.T) {
	ctx := context.Background()
	first := fstest.MapFS{"00001_t.sql": {Data: []byte("-- +goose Up\nCREATE TABLE t (v int);\n")}}
	cfg := testdb.Config(t, "timeouts", first)
	cfg.IdleInTransactionTimeout = 300 * time.Millisecond
	cfg.StatementTimeout = 400 * time.Millisecond
	pool, err := database.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	var idle, stmt string
	if err := pool.QueryRow(ctx, "SELECT current_setting('idle_in_transaction_session_timeout'), current_setting('statement_timeout')").
		Scan(&idle, &stmt); err != nil || idle != "300ms" || stmt != "400ms" {
		t.Fatalf("the session's settings: %q, %q (%v), want 300ms, 400ms", idle, stmt, err)
	}

	// A transaction that takes a lock and is left idle: the server ends
	// its session, the lock is released, the caller's next statement fails.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := tx.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE t IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	gone := false
	for range 50 {
		time.Sleep(100 * time.Millisecond)
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if gone = n == 0; gone {
			break
		}
	}
	if !gone {
		t.Fatalf("the session %d idle in its transaction is still there after 5 s", pid)
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Errorf("the table the idle transaction locked: %v", err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO t VALUES (1)"); err == nil {
		t.Error("the idle transaction's next statement succeeded, want an error")
	}
	_ = tx.Rollback(ctx)

	// A statement longer than the statement timeout is cancelled.
	_, err = pool.Exec(ctx, "SELECT pg_sleep(2)")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != pgerrcode.QueryCanceled {
		t.Errorf("a 2 s statement: %v, want query_canceled", err)
	}

	// A migration is not cut by the statement timeout.
	slow := fstest.MapFS{"00001_t.sql": first["00001_t.sql"],
		"00002_slow.sql": {Data: []byte("-- +goose Up\nSELECT pg_sleep(0.6);\nCREATE TABLE slow (v int);\n")}}
	if err := database.Migrate(ctx, pool, slow, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("a migration longer than the statement timeout: %v", err)
	}
	if _, err := pool.Exec(ctx, "INSERT INTO slow VALUES (1)"); err != nil {
		t.Errorf("after the slow migration: %v", err)
	}
}
