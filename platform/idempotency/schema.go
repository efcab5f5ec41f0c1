package idempotency

import (
	_ "embed"
	"fmt"
	"io/fs"

	"github.com/nastavnik/nastavnik/platform/database"
)

// schema is the migration of the keys' table (idempotency_keys).
//
//go:embed schema.sql
var schema []byte

// WithMigration returns a service's migrations (goose SQL files at the root
// of base) with the keys' table added at version: the table lives in each
// service's own schema, its definition in one place. A service that has the
// table already keeps its version.
func WithMigration(base fs.FS, version int) fs.FS {
	return database.WithMigrations(base, map[string][]byte{fmt.Sprintf("%05d_idempotency.sql", version): schema})
}
