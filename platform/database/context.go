package database

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is what a store runs its SQL on: the pool, or the transaction a call
// runs in (see WithTx). *pgxpool.Pool and pgx.Tx satisfy it.
type DB interface {
	Querier
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Begin(ctx context.Context) (pgx.Tx, error)
}

var (
	_ DB = (*pgxpool.Pool)(nil)
	_ DB = (pgx.Tx)(nil)
)

type txKey struct{}

// WithTx returns ctx carrying tx: every store call made with it runs on tx
// (Use) and every InTx becomes a savepoint of tx, so that a whole call
// commits or rolls back as one with what its caller adds to tx (the stored
// answer of an idempotent call). A tx is not safe for concurrent use: a call
// carrying one must not query from several goroutines.
func WithTx(ctx context.Context, tx pgx.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

func txFrom(ctx context.Context) pgx.Tx {
	tx, _ := ctx.Value(txKey{}).(pgx.Tx)
	return tx
}

// Use is where a store runs SQL for ctx: the transaction ctx carries, or else
// the pool.
func Use(ctx context.Context, pool *pgxpool.Pool) DB {
	if tx := txFrom(ctx); tx != nil {
		return tx
	}
	return pool
}
