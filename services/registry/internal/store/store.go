// Package store keeps the registry in PostgreSQL. All of the registry's SQL is
// here, next to the method that runs it; driver errors are translated into the
// domain's sentinels once, in this package.
package store

import (
	"context"
	"embed"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/idempotency"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the embedded migrations, rooted at their directory,
// with the idempotency keys' table (platform/idempotency) as version 3.
func Migrations() fs.FS {
	return idempotency.WithMigration(database.MigrationsFS(migrations, "migrations"), 3)
}

// Store is the registry's database.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a store over pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// db is where a call runs its SQL: the transaction its context carries
// (an idempotent call's), or the pool.
func (s *Store) db(ctx context.Context) database.DB { return database.Use(ctx, s.pool) }

// sentinels are the domain's errors for the driver's.
var sentinels = database.Sentinels{NoRows: domain.ErrNotFound}

// notFound names op in err and translates pgx.ErrNoRows into
// domain.ErrNotFound.
func notFound(op string, err error) error { return sentinels.Translate(op, err) }

// where is a query's conditions, with the store's own filters as methods.
type where struct{ database.Where }
