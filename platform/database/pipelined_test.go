package database_test

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/testdb"
)

// TestInPipelinedTx runs a read-modify-write the way a report's save does —
// the locked read sent with BEGIN, the writes sent with COMMIT — and checks
// what commits, what rolls back, and that the connection goes back to the
// pool outside a transaction every time.
func TestInPipelinedTx(t *testing.T) {
	ctx := context.Background()
	migrations := fstest.MapFS{"00001_t.sql": {Data: []byte(`-- +goose Up
CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL CHECK (n < 100));
INSERT INTO counters VALUES (1, 0);
`)}}
	// One connection: every step must leave it idle for the next one.
	cfg := testdb.New(t, "pipelined", migrations).Config()
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	// step reads the counter under lock with the begin and writes n+add
	// with the commit (or, unless last, in a batch of its own and commits
	// after); fail makes fn fail after the write.
	step := func(ctx context.Context, add int, last bool, fail error) (int, error) {
		var n int
		first := &pgx.Batch{}
		first.Queue(`SELECT n FROM counters WHERE id = 1 FOR UPDATE`).QueryRow(func(row pgx.Row) error { return row.Scan(&n) })
		err := database.InPipelinedTx(ctx, pool, first, func(tx *database.PipelinedTx) error {
			b := &pgx.Batch{}
			b.Queue(`UPDATE counters SET n = $1 WHERE id = 1`, n+add)
			if last && fail == nil {
				return tx.CommitWith(ctx, b)
			}
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return err
			}
			return fail
		})
		return n, err
	}
	current := func() int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, `SELECT n FROM counters WHERE id = 1`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// idle checks that the pool's one connection is still the first one
	// (a connection released inside a transaction would have been closed)
	// and outside a transaction.
	idle := func() {
		t.Helper()
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		if st := c.Conn().PgConn().TxStatus(); st != 'I' {
			t.Fatalf("the connection is in transaction state %q, want idle", st)
		}
		if n := pool.Stat().NewConnsCount(); n != 1 {
			t.Fatalf("got %d connections opened, want 1", n)
		}
	}
	boom := errors.New("boom")
	tests := []struct {
		name    string
		add     int
		last    bool
		fail    error
		wantErr bool
		want    int // the counter after the step
	}{
		{name: "commit with the last batch", add: 1, last: true, want: 1},
		{name: "commit after fn", add: 2, want: 3},
		{name: "fn fails after a write: rolled back", add: 5, fail: boom, wantErr: true, want: 3},
		{name: "the commit's batch fails: rolled back", add: 200, last: true, wantErr: true, want: 3},
		{name: "a batch fails before the commit: rolled back", add: 300, wantErr: true, want: 3},
		{name: "again after the failures", add: 1, last: true, want: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := step(ctx, tc.add, tc.last, tc.fail)
			if (err != nil) != tc.wantErr {
				t.Fatalf("got error %v, want error %v", err, tc.wantErr)
			}
			if tc.fail != nil && !errors.Is(err, tc.fail) {
				t.Fatalf("got %v, want %v", err, tc.fail)
			}
			if got := current(); got != tc.want {
				t.Fatalf("got %d, want %d", got, tc.want)
			}
			idle()
		})
	}

	t.Run("the first batch fails: rolled back", func(t *testing.T) {
		first := &pgx.Batch{}
		first.Queue(`UPDATE counters SET n = n + 1 WHERE id = 1`)
		first.Queue(`SELECT n FROM no_such_table`)
		called := false
		err := database.InPipelinedTx(ctx, pool, first, func(*database.PipelinedTx) error { called = true; return nil })
		if err == nil || called {
			t.Fatalf("got error %v, fn called %v; want an error and fn not called", err, called)
		}
		if got := current(); got != 4 {
			t.Fatalf("got %d, want 4", got)
		}
		idle()
	})

	t.Run("in a caller's transaction: a savepoint of it", func(t *testing.T) {
		for _, commit := range []bool{true, false} {
			base := current()
			outer, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			inner := database.WithTx(ctx, outer)
			if _, err := step(inner, 10, true, nil); err != nil {
				t.Fatal(err)
			}
			// A failing step rolls back to its savepoint only.
			if _, err := step(inner, 20, false, boom); !errors.Is(err, boom) {
				t.Fatalf("got %v, want %v", err, boom)
			}
			var n int
			if err := outer.QueryRow(ctx, `SELECT n FROM counters WHERE id = 1`).Scan(&n); err != nil || n != base+10 {
				t.Fatalf("inside the caller's transaction: got %d (%v), want %d", n, err, base+10)
			}
			if commit {
				err = outer.Commit(ctx)
			} else {
				err = outer.Rollback(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
			want := base
			if commit {
				want = base + 10
			}
			if got := current(); got != want {
				t.Fatalf("commit %v: got %d, want %d", commit, got, want)
			}
			idle()
		}
	})
}

// TestInPipelinedTxRunsADeadlockAgain: a write whose transaction
// PostgreSQL ends to break a deadlock runs again from its first batch, on
// what it reads then, and commits.
func TestInPipelinedTxRunsADeadlockAgain(t *testing.T) {
	ctx := context.Background()
	migrations := fstest.MapFS{"00001_t.sql": {Data: []byte(`-- +goose Up
CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL);
INSERT INTO counters VALUES (1, 0), (2, 0);
`)}}
	pool := testdb.New(t, "pipelineddeadlock", migrations)
	other, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(ctx) //nolint:errcheck // committed below
	if _, err := other.Exec(ctx, `UPDATE counters SET n = n + 10 WHERE id = 2`); err != nil {
		t.Fatal(err)
	}

	// The write locks counter 1 with its begin, then waits for counter 2,
	// which other holds; other then waits for counter 1. The write waited
	// first, so its deadlock check runs first and ends it.
	runs, read := 0, []int{}
	done := make(chan error, 1)
	go func() {
		done <- func() error {
			var n int
			first := &pgx.Batch{}
			first.Queue(`SELECT n FROM counters WHERE id = 1 FOR UPDATE`).QueryRow(func(row pgx.Row) error { return row.Scan(&n) })
			return database.InPipelinedTx(ctx, pool, first, func(tx *database.PipelinedTx) error {
				runs++
				read = append(read, n)
				b := &pgx.Batch{}
				b.Queue(`UPDATE counters SET n = n + 1 WHERE id = 2`)
				b.Queue(`UPDATE counters SET n = $1 WHERE id = 1`, n+1)
				return tx.CommitWith(ctx, b)
			})
		}()
	}()
	waiting := func() bool {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE 'UPDATE counters SET n = n + 1%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	for deadline := time.Now().Add(10 * time.Second); !waiting(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the write never waited for counter 2")
		}
	}
	time.Sleep(200 * time.Millisecond) // well after the write began to wait: its check runs first
	if _, err := other.Exec(ctx, `UPDATE counters SET n = n + 100 WHERE id = 1`); err != nil {
		t.Fatalf("the other transaction: %v", err)
	}
	if err := other.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the write: %v", err)
	}
	// Its first run read 0 and was ended; its second read the other's 100.
	if runs != 2 || len(read) != 2 || read[0] != 0 || read[1] != 100 {
		t.Fatalf("fn ran %d times reading %v, want twice reading [0 100]", runs, read)
	}
	var one, two int
	if err := pool.QueryRow(ctx, `SELECT (SELECT n FROM counters WHERE id = 1), (SELECT n FROM counters WHERE id = 2)`).Scan(&one, &two); err != nil {
		t.Fatal(err)
	}
	if one != 101 || two != 11 {
		t.Fatalf("counters %d and %d, want 101 and 11", one, two)
	}
}
