package idempotency_test

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/nastavnik/nastavnik/platform/idempotency"
)

// TestWithMigration: the keys' table is added at the version the service
// gives, beside the service's own migrations.
func TestWithMigration(t *testing.T) {
	got := idempotency.WithMigration(fstest.MapFS{"00001_own.sql": {Data: []byte("-- +goose Up\n")}}, 4)
	names, err := fs.Glob(got, "*.sql")
	if err != nil || strings.Join(names, " ") != "00001_own.sql 00004_idempotency.sql" {
		t.Fatalf("got %q, %v, want 00001_own.sql 00004_idempotency.sql", names, err)
	}
	b, err := fs.ReadFile(got, "00004_idempotency.sql")
	if err != nil || !strings.Contains(string(b), "CREATE TABLE idempotency_keys") {
		t.Errorf("00004_idempotency.sql: got %q, %v, want the keys' table", b, err)
	}
}
