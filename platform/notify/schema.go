package notify

import (
	_ "embed"
	"fmt"
	"io/fs"
	"testing/fstest"
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
	out := fstest.MapFS{}
	err := fs.WalkDir(base, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(base, path)
		if err != nil {
			return err
		}
		out[path] = &fstest.MapFile{Data: b, Mode: 0o444}
		return nil
	})
	if err != nil {
		// base is an embedded FS: reading it does not fail.
		panic(fmt.Sprintf("notify.WithMigration: %v", err))
	}
	names := []string{"notify", "notify_actions"}
	for i, v := range versions {
		out[fmt.Sprintf("%05d_%s.sql", v, names[i])] = &fstest.MapFile{Data: migrations[i], Mode: 0o444}
	}
	return out
}
