package notify

import (
	_ "embed"
	"fmt"
	"io/fs"
	"testing/fstest"
)

//go:embed schema.sql
var schema []byte

// WithMigration returns a service's migrations (goose SQL files at the root
// of base) with the outbox's tables added as migration version: the tables
// live in the service's own schema, and their definition in one place.
func WithMigration(base fs.FS, version int) fs.FS {
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
	out[fmt.Sprintf("%05d_notify.sql", version)] = &fstest.MapFile{Data: schema, Mode: 0o444}
	return out
}
