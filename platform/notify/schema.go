package notify

import (
	_ "embed"
	"fmt"
	"io/fs"

	"github.com/nastavnik/nastavnik/platform/database"
)

// The outbox's migrations, in order: the tables, then the operator's audit
// log and indexes (OutboxService).
var (
	//go:embed schema.sql
	schema []byte
	//go:embed actions.sql
	actions []byte
)

var migrations = [][]byte{schema, actions}

// Migrations is how many migrations the outbox adds to a service: the number
// of versions WithMigration takes.
const Migrations = 2

// WithMigration returns a service's migrations (goose SQL files at the root
// of base) with the outbox's migrations added at versions, one version for
// each of them in order (Migrations): the tables live in the service's own
// schema, and their definition in one place. A service adding the outbox
// passes versions after its own last migration; one that has it already
// keeps its versions and appends the next.
func WithMigration(base fs.FS, versions ...int) fs.FS {
	if len(versions) != len(migrations) {
		// A programming error, found by the service's first test.
		panic(fmt.Sprintf("notify.WithMigration: the outbox has %d migrations, given %d versions", len(migrations), len(versions)))
	}
	names := []string{"notify", "notify_actions"}
	added := map[string][]byte{}
	for i, v := range versions {
		added[fmt.Sprintf("%05d_%s.sql", v, names[i])] = migrations[i]
	}
	return database.WithMigrations(base, added)
}
