package database

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// MigrationsFS returns the directory dir of fsys, the root Migrate expects
// of a store's embedded migrations:
//
//	//go:embed migrations/*.sql
//	var migrations embed.FS
//
//	func Migrations() fs.FS { return database.MigrationsFS(migrations, "migrations") }
//
// It panics when dir is not a valid path, which the embed pattern naming the
// directory rules out.
func MigrationsFS(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(fmt.Sprintf("database.MigrationsFS: %v", err))
	}
	return sub
}

// WithMigrations returns base (a service's goose SQL files at its root) with
// the files of added (file name → SQL) beside them: how a platform package
// whose tables live in each service's own schema (the outbox, the
// idempotency keys) adds its migrations, defined in one place, at the
// versions the service gives it. It panics when a name of added is in base
// already, or when base cannot be read (an embedded FS can): programming
// errors, found by the service's first test.
func WithMigrations(base fs.FS, added map[string][]byte) fs.FS {
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
		panic(fmt.Sprintf("database.WithMigrations: %v", err))
	}
	for name, sql := range added {
		if _, ok := out[name]; ok {
			panic(fmt.Sprintf("database.WithMigrations: %s is a service's migration already", name))
		}
		out[name] = &fstest.MapFile{Data: sql, Mode: 0o444}
	}
	return out
}

// Querier is a pool or a transaction: what a store's read helpers need of
// either. *pgxpool.Pool, *pgx.Conn and pgx.Tx all satisfy it.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Sentinels is how a store turns driver errors into its domain's sentinels.
type Sentinels struct {
	// NoRows is what pgx.ErrNoRows becomes: the domain's "not found".
	NoRows error
	// States maps SQLSTATE codes (pgerrcode) to sentinels.
	States map[string]error
}

// Translate names the operation op in err and, when err is a driver error
// the Sentinels name, puts their sentinel in its place; nil stays nil.
func (s Sentinels) Translate(op string, err error) error {
	var pe *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.Is(Driver(err), ErrUnavailable):
		return fmt.Errorf("%s: %w", op, Driver(err))
	case s.NoRows != nil && errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%s: %w", op, s.NoRows)
	case errors.As(err, &pe):
		if sentinel, ok := s.States[pe.Code]; ok {
			return fmt.Errorf("%s: %w", op, sentinel)
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}
