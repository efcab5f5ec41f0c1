package database_test

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nastavnik/nastavnik/platform/database"
)

var (
	_ database.Querier = (*pgxpool.Pool)(nil)
	_ database.Querier = (*pgx.Conn)(nil)
	_ database.Querier = pgx.Tx(nil)
)

func TestMigrationsFS(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/00001_a.sql": {Data: []byte("-- +goose Up\n")},
		"store.go":               {Data: []byte("package store\n")},
	}
	sub := database.MigrationsFS(fsys, "migrations")
	names, err := fs.Glob(sub, "*")
	if err != nil || len(names) != 1 || names[0] != "00001_a.sql" {
		t.Errorf("MigrationsFS lists %q, %v; want [00001_a.sql]", names, err)
	}
	defer func() {
		if recover() == nil {
			t.Error("MigrationsFS of an invalid path did not panic")
		}
	}()
	database.MigrationsFS(fsys, "../migrations")
}

func TestWithMigrations(t *testing.T) {
	base := fstest.MapFS{"00001_a.sql": {Data: []byte("-- +goose Up\nA\n")}}
	got := database.WithMigrations(base, map[string][]byte{"00002_b.sql": []byte("-- +goose Up\nB\n")})
	for name, want := range map[string]string{"00001_a.sql": "-- +goose Up\nA\n", "00002_b.sql": "-- +goose Up\nB\n"} {
		b, err := fs.ReadFile(got, name)
		if err != nil || string(b) != want {
			t.Errorf("%s: got %q, %v, want %q", name, b, err, want)
		}
	}
	if names, _ := fs.Glob(got, "*"); len(names) != 2 {
		t.Errorf("got %q, want the two migrations", names)
	}
	defer func() {
		if recover() == nil {
			t.Error("adding a name the service has already did not panic")
		}
	}()
	database.WithMigrations(base, map[string][]byte{"00001_a.sql": []byte("-- +goose Up\n")})
}

func TestSentinelsTranslate(t *testing.T) {
	errNotFound := errors.New("not found")
	errPublished := errors.New("published")
	s := database.Sentinels{NoRows: errNotFound, States: map[string]error{pgerrcode.ObjectNotInPrerequisiteState: errPublished}}
	published := &pgconn.PgError{Code: pgerrcode.ObjectNotInPrerequisiteState, Message: "the version is published"}
	unique := &pgconn.PgError{Severity: "ERROR", Code: pgerrcode.UniqueViolation, Message: "duplicate key"}
	other := errors.New("connection reset")
	tests := []struct {
		name string
		err  error
		is   error
		text string
	}{
		{"no rows", pgx.ErrNoRows, errNotFound, "store.Get: not found"},
		{"wrapped no rows", fmt.Errorf("scan: %w", pgx.ErrNoRows), errNotFound, "store.Get: not found"},
		{"named state", published, errPublished, "store.Get: published"},
		{"wrapped named state", fmt.Errorf("exec: %w", published), errPublished, "store.Get: published"},
		{"other state", unique, unique, "store.Get: ERROR: duplicate key (SQLSTATE 23505)"},
		{"other error", other, other, "store.Get: connection reset"},
	}
	for _, tc := range tests {
		got := s.Translate("store.Get", tc.err)
		if !errors.Is(got, tc.is) || got.Error() != tc.text {
			t.Errorf("%s: Translate = %v, want %q wrapping %v", tc.name, got, tc.text, tc.is)
		}
	}
	if got := s.Translate("store.Get", nil); got != nil {
		t.Errorf("Translate(nil) = %v, want nil", got)
	}
	// Without NoRows, pgx.ErrNoRows stays itself.
	if got := (database.Sentinels{}).Translate("store.Get", pgx.ErrNoRows); !errors.Is(got, pgx.ErrNoRows) {
		t.Errorf("Translate without NoRows = %v, want pgx.ErrNoRows kept", got)
	}
}
