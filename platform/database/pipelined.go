package database

import (
	"context"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PipelinedTx is a read-committed transaction begun by InPipelinedTx. Its
// statements run through the embedded pgx.Tx; CommitWith sends its last
// batch and the commit in one round trip.
type PipelinedTx struct {
	pgx.Tx
	// savepoint: the transaction is a savepoint of the caller's (WithTx).
	savepoint bool
	done      bool
}

// InPipelinedTx runs fn in a read-committed transaction like InTx, without a
// round trip of its own for BEGIN or COMMIT: the begin goes to the server
// with first (a batch whose callbacks read its results; it is sent before
// fn runs), and fn may end the transaction with CommitWith, which sends its
// last statements with the commit; otherwise the transaction commits after
// fn returns nil. An error from first or fn rolls it back. When ctx carries
// a transaction (WithTx), everything runs in a savepoint of it instead, as
// InTx does, and commits with that transaction.
//
// A deadlock (PostgreSQL ends one of the transactions in it, so nothing of
// this one committed) is run again from first, a few times: at read
// committed, InTx leaves that to its caller, but fn here reads what it
// changes under lock with first, so a second run decides again from what
// it reads. fn and first's callbacks must therefore be safe to run again.
func InPipelinedTx(ctx context.Context, pool *pgxpool.Pool, first *pgx.Batch, fn func(*PipelinedTx) error) error {
	if txFrom(ctx) != nil {
		return inPipelinedTx(ctx, pool, first, fn) // a savepoint: the caller's transaction decides
	}
	return runAgain(ctx, func(err error) bool { return hasCode(err, pgerrcode.DeadlockDetected) }, func() error {
		return inPipelinedTx(ctx, pool, first, fn)
	})
}

// inPipelinedTx is one run of InPipelinedTx.
func inPipelinedTx(ctx context.Context, pool *pgxpool.Pool, first *pgx.Batch, fn func(*PipelinedTx) error) error {
	if outer := txFrom(ctx); outer != nil {
		return pgx.BeginFunc(ctx, outer, func(sp pgx.Tx) error {
			if err := sp.SendBatch(ctx, first).Close(); err != nil {
				return err
			}
			return fn(&PipelinedTx{Tx: sp, savepoint: true}) // BeginFunc releases the savepoint
		})
	}
	c, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// Released with the connection outside a transaction, it goes back to
	// the pool; left inside one (a failed rollback), the pool closes it.
	defer c.Release()
	b := &pgx.Batch{}
	b.BeginTx(pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	// Copies of first's queries: pgx keeps in each the statement it was
	// prepared as on the connection it went to, which a second run may not
	// get.
	for _, q := range first.QueuedQueries {
		b.QueuedQueries = append(b.QueuedQueries, &pgx.QueuedQuery{SQL: q.SQL, Arguments: q.Arguments, Fn: q.Fn})
	}
	br := c.SendBatch(ctx, b)
	t := &PipelinedTx{Tx: br.Tx()}
	if err := br.Close(); err != nil {
		t.rollback(ctx, c)
		return err
	}
	if err := fn(t); err != nil {
		t.rollback(ctx, c)
		return err
	}
	if t.done {
		return nil
	}
	return t.Commit(ctx)
}

// rollback ends a transaction that fn or its first batch left open.
func (t *PipelinedTx) rollback(ctx context.Context, c *pgxpool.Conn) {
	if c.Conn().PgConn().TxStatus() != 'I' {
		_ = t.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // the pool closes a connection left in a transaction
	}
}

// CommitWith sends b and the commit in one round trip; the transaction is
// then over. In a savepoint of the caller's transaction it only sends b:
// the savepoint is released when fn returns.
func (t *PipelinedTx) CommitWith(ctx context.Context, b *pgx.Batch) error {
	if t.done {
		return pgx.ErrTxClosed
	}
	if t.savepoint {
		err := t.SendBatch(ctx, b).Close()
		t.done = err == nil
		return err
	}
	b.Queue("commit").Exec(func(tag pgconn.CommandTag) error {
		if tag.String() == "ROLLBACK" {
			return pgx.ErrTxCommitRollback
		}
		return nil
	})
	err := t.SendBatch(ctx, b).Close()
	if err == nil {
		t.done = true
	}
	return err
}
