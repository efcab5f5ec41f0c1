package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// MaxGroupFlushes is how many groups of held saves may be on their way to
// the database at once (writeGroups). A save that finds them all running
// waits for one to end and goes with whatever else queued meanwhile. One:
// on the December peak (8 curators) a second flush halved the groups (2.4
// saves a group on average → 1.5) and gave back half of PostgreSQL's saving,
// while a save waits at most for one round trip it would otherwise have
// competed with. Its cost: a group that waits on a row lock (a locked write
// of one of its reports) holds up the held saves queued behind it for that
// long — the locked writes are short transactions, and statement_timeout
// bounds the rest.
const MaxGroupFlushes = 1

// MaxGroup bounds the saves sent as one group: a group is one transaction,
// holding its reports' rows locked until the last of them is written.
const MaxGroup = 32

// writeGroups is the group commit of the held saves (updateCurrent). Each
// save's guarded statement (reportWritesCurrent) is one autocommit statement
// and so one round trip, one transaction and one write syscall on both ends;
// on the December peak that is most of what a save costs outside the
// executor. So a save joins a queue, and while fewer than MaxGroupFlushes
// flushes run, its caller becomes a flusher: it sends everything queued as
// one pgx batch — the statements, then one Sync, which PostgreSQL runs as
// one implicit transaction — and the flush goes on while the queue is not
// empty (in a goroutine of its own once the caller's save is written, so
// that no caller waits for other callers' saves). A
// save that finds the queue empty and a flush free goes alone, as one
// QueryRow with its own context, exactly as without groups. Nothing waits
// for company: a group is what queued while the flushes before it ran.
//
// A group's statements are sent in report id order, so two groups lock
// their reports' rows in one order. Each statement keeps its own guard: a
// second save of a report in the same group sees the first one's write (the
// transaction's own) and is refused like any save of a report changed since,
// taking the locked path afterwards. When the group fails as a whole (a
// statement's error, a deadlock, a lost connection), nothing of it was
// committed — or, for a lost connection, perhaps all of it, which the guards
// then refuse — and each of its saves is sent again alone, so one save's
// failure is only its own.
type writeGroups struct {
	pool *pgxpool.Pool

	mu       sync.Mutex
	queue    []*groupWrite
	flushing int

	// sizes[n] counts the groups of n saves sent; failed those that failed
	// as a whole (GroupStats).
	sizes  [MaxGroup + 1]atomic.Int64
	failed atomic.Int64
	// busy is the time the flushes spent sending groups, from a group's
	// first byte to its last answer (GroupStats.Busy).
	busy atomic.Int64
}

// groupWrite is one save in writeGroups: its statement, where its row goes,
// and, once done is closed, its answer.
type groupWrite struct {
	ctx  context.Context
	id   string // the report's, for the group's lock order
	sql  string
	args []any
	dest []any

	taken bool          // a flusher took it from the queue (under mu)
	done  chan struct{} // closed when err and alone are set
	err   error         // QueryRow's answer (pgx.ErrNoRows: the guard refused)
	alone bool          // the group failed: send it again alone
}

// write runs a save's guarded statement sql and scans its row into dest,
// answering as QueryRow(ctx, sql, args...).Scan(dest...) would: nil,
// pgx.ErrNoRows (the guard refused) or the error. id is the report's.
func (g *writeGroups) write(ctx context.Context, id, sql string, args []any, dest ...any) error {
	w := &groupWrite{ctx: ctx, id: id, sql: sql, args: args, dest: dest, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	if g.flushing < MaxGroupFlushes {
		g.flushing++
		g.mu.Unlock()
		g.flush(w)
	} else {
		g.mu.Unlock()
	}
	select {
	case <-w.done:
	case <-ctx.Done():
		g.mu.Lock()
		taken := w.taken
		if !taken {
			g.queue = slices.DeleteFunc(g.queue, func(q *groupWrite) bool { return q == w })
		}
		g.mu.Unlock()
		if !taken {
			return ctx.Err()
		}
		// Sent: its write may commit, so the answer waits for the
		// database's, as a cancelled QueryRow's would.
		<-w.done
	}
	if w.alone {
		return g.pool.QueryRow(ctx, sql, args...).Scan(dest...)
	}
	return w.err
}

// flush sends the queue in groups of at most MaxGroup until it is empty,
// then leaves its place among the flushes. own is its caller's save: once
// that is written, what is left is flushed by a goroutine that takes over
// the place, and the caller goes back with its answer.
func (g *writeGroups) flush(own *groupWrite) {
	for {
		g.mu.Lock()
		n := min(len(g.queue), MaxGroup)
		if n == 0 {
			g.flushing--
			g.mu.Unlock()
			return
		}
		if own != nil && own.taken {
			g.mu.Unlock()
			go g.flush(nil)
			return
		}
		group := slices.Clone(g.queue[:n])
		g.queue = slices.Delete(g.queue, 0, n)
		for _, w := range group {
			w.taken = true
		}
		g.mu.Unlock()
		g.sizes[n].Add(1)
		start := time.Now()
		g.send(group)
		g.busy.Add(int64(time.Since(start)))
	}
}

// send writes a group and closes each save's done. One save goes alone, as
// QueryRow with its own context; more go as one batch in report id order
// (stable: two saves of a report keep their order) with a context no one
// save's cancellation stops (groupContext).
func (g *writeGroups) send(group []*groupWrite) {
	if len(group) == 1 {
		w := group[0]
		w.err = g.pool.QueryRow(w.ctx, w.sql, w.args...).Scan(w.dest...)
		close(w.done)
		return
	}
	slices.SortStableFunc(group, func(a, b *groupWrite) int { return strings.Compare(a.id, b.id) })
	ctx, cancel := groupContext(group)
	defer cancel()
	batch := &pgx.Batch{}
	for _, w := range group {
		batch.Queue(w.sql, w.args...)
	}
	// The rows are scanned as they come, but no answer counts before Close
	// has read the transaction's end: a later statement's error rolls back
	// the earlier ones.
	br := g.pool.SendBatch(ctx, batch)
	var err error
	for _, w := range group {
		w.err = br.QueryRow().Scan(w.dest...)
		if w.err != nil && !errors.Is(w.err, pgx.ErrNoRows) {
			err = w.err
			break
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		g.failed.Add(1)
	}
	for _, w := range group {
		w.alone = err != nil
		close(w.done)
	}
}

// groupContext is a group's context: its first save's values, not
// cancelled with any save, and the latest of the saves' deadlines (none
// when one has none, as for a save alone; the server's statement_timeout
// bounds the statements either way), so no save's answer is cut short
// before its own deadline.
func groupContext(group []*groupWrite) (context.Context, context.CancelFunc) {
	ctx := context.WithoutCancel(group[0].ctx)
	var latest time.Time
	for _, w := range group {
		d, ok := w.ctx.Deadline()
		if !ok {
			return ctx, func() {}
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(ctx, latest)
}

// GroupStats are the group commit's figures since the store started
// (writeGroups).
type GroupStats struct {
	// Sizes[n] is how many groups of n held saves were sent (Sizes[1]: the
	// saves that went alone).
	Sizes [MaxGroup + 1]int64
	// Failed is how many groups failed as a whole (their saves were sent
	// again alone).
	Failed int64
	// Queued is how many saves wait in the queue now.
	Queued int
	// Busy is the time the flushes spent sending groups and waiting for
	// their answers: over a span of time, the share of it a flush was on
	// its way (up to MaxGroupFlushes), and over the groups sent, a group's
	// round trip.
	Busy time.Duration
}

// WriteGroups returns the group commit's figures.
func (s *Store) WriteGroups() GroupStats {
	g := &s.groups
	var out GroupStats
	for n := range g.sizes {
		out.Sizes[n] = g.sizes[n].Load()
	}
	out.Failed = g.failed.Load()
	out.Busy = time.Duration(g.busy.Load())
	g.mu.Lock()
	out.Queued = len(g.queue)
	g.mu.Unlock()
	return out
}
