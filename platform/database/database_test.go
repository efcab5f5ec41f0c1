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
