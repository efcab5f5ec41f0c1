package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/testdb"
)

func TestBackoff(t *testing.T) {
	b := notify.Backoff{Base: 10 * time.Second, Max: time.Minute}
	tests := []struct {
		n    int
		want time.Duration
	}{{1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second}, {4, time.Minute}, {30, time.Minute}}
	for _, tc := range tests {
		if got := b.Delay(tc.n); got != tc.want {
			t.Errorf("Delay(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
	if got := (notify.Backoff{}).Delay(100); got != time.Hour {
		t.Errorf("default cap: got %v, want 1h", got)
	}
}

func TestMessageIDIsStable(t *testing.T) {
	a, b := notify.MessageID("reminder:x/acc", "n.test"), notify.MessageID("reminder:x/acc", "n.test")
	if a != b || a == notify.MessageID("reminder:y/acc", "n.test") || len(a) != 32+len("@n.test") {
		t.Errorf("got %q and %q", a, b)
	}
}

// recorder is a mailer that keeps what it was handed, failing as told.
type recorder struct {
	mu   sync.Mutex
	got  []notify.Mail
	fail func(m notify.Mail) error
}

func (r *recorder) Open(context.Context) (notify.Session, error) { return r, nil }
func (r *recorder) Close() error                                 { return nil }
func (r *recorder) Send(_ context.Context, m notify.Mail) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(m); err != nil {
			return err
		}
	}
	r.got = append(r.got, m)
	return nil
}

type everyone struct{}

func (everyone) Recipients(_ context.Context, auds []notify.Audience) (map[notify.Audience][]notify.Recipient, error) {
	out := map[notify.Audience][]notify.Recipient{}
	for _, a := range auds {
		out[a] = []notify.Recipient{{AccountID: "acc-" + a.Scope, Email: a.Scope + "@x.test"},
			{AccountID: "off-" + a.Scope, Email: "off-" + a.Scope + "@x.test", DigestsOff: true},
			{AccountID: "none-" + a.Scope}}
	}
	return out, nil
}

type plain struct{}

func (plain) Render(kind string, data json.RawMessage, to notify.Recipient) (notify.Content, error) {
	return notify.Content{Subject: kind + " " + string(data), Text: "text", HTML: "<p>html</p>"}, nil
}

func newPool(t *testing.T) *pgxpool.Pool {
	return testdb.New(t, "notifytest", notify.WithMigration(fstest.MapFS{}, 1, 2))
}

func enqueue(t *testing.T, pool *pgxpool.Pool, now time.Time, events ...notify.Event) int {
	t.Helper()
	var n int
	err := pgx.BeginTxFunc(context.Background(), pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		var err error
		n, err = notify.Enqueue(context.Background(), tx, now, events...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func states(t *testing.T, pool *pgxpool.Pool) map[string]int16 {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT key, state FROM notify_messages`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int16{}
	for rows.Next() {
		var k string
		var s int16
		if err := rows.Scan(&k, &s); err != nil {
			t.Fatal(err)
		}
		out[k] = s
	}
	return out
}

// An event is written once per key; it reaches each person of its audience
// once (a digest not those who turned digests off; a person without e-mail
// is recorded, not sent); a rolled-back change leaves no event.
func TestEnqueueExpandSend(t *testing.T) {
	pool := newPool(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ev := notify.Event{Key: "k1", Kind: "hello", Audience: []notify.Audience{{Role: notify.Curator, Scope: "a"}}, Data: map[string]int{"n": 1}}
	digest := notify.Event{Key: "k2", Kind: "digest", Audience: []notify.Audience{{Role: notify.Methodologist, Scope: "m"}}, Data: 1, Digest: true}
	later := notify.Event{Key: "k3", Kind: "later", Audience: []notify.Audience{{Role: notify.Curator, Scope: "b"}}, Data: 1, Due: now.Add(time.Hour)}
	if n := enqueue(t, pool, now, ev, digest, later); n != 3 {
		t.Fatalf("enqueued %d, want 3", n)
	}
	if n := enqueue(t, pool, now, ev); n != 0 {
		t.Fatalf("the same key again: %d new", n)
	}
	_ = pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := notify.Enqueue(ctx, tx, now, notify.Event{Key: "rolled-back", Kind: "x", Audience: ev.Audience, Data: 1}); err != nil {
			t.Fatal(err)
		}
		return errors.New("the change fails")
	})
	mail := &recorder{}
	ob := &notify.Outbox{Pool: pool, Directory: everyone{}, Renderer: plain{}, Mailer: mail, Domain: "x.test",
		Now: func() time.Time { return now }}
	if err := ob.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]int16{"k1/acc-a": 4, "k1/off-a": 4, "k1/none-a": 8, "k2/acc-m": 4, "k2/none-m": 8}
	if diff := cmp.Diff(want, states(t, pool)); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if len(mail.got) != 3 || mail.got[0].MessageID != notify.MessageID(keyOf(mail.got[0]), "x.test") {
		t.Errorf("sent %v", mail.got)
	}
}

func keyOf(m notify.Mail) string {
	for _, k := range []string{"k1/acc-a", "k1/off-a", "k2/acc-m"} {
		if notify.MessageID(k, "x.test") == m.MessageID {
			return k
		}
	}
	return ""
}

// A temporary failure waits its backoff and is sent once it passes; a
// permanent one fails at once; the last attempt fails.
func TestRetryAndFail(t *testing.T) {
	pool := newPool(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	for _, s := range []string{"temp", "perm", "always"} {
		enqueue(t, pool, now, notify.Event{Key: s, Kind: "k", Audience: []notify.Audience{{Role: notify.Curator, Scope: s}}, Data: 1})
	}
	tries := 0
	mail := &recorder{fail: func(m notify.Mail) error {
		switch m.To {
		case "temp@x.test":
			if tries++; tries == 1 {
				return errors.New("421 try later")
			}
		case "perm@x.test":
			return fmt.Errorf("550 no such user: %w", notify.ErrPermanent)
		case "always@x.test":
			return errors.New("451 busy")
		}
		return nil
	}}
	ob := &notify.Outbox{Pool: pool, Directory: onlyFirst{}, Renderer: plain{}, Mailer: mail, Domain: "x.test", Now: clock,
		Backoff: notify.Backoff{Base: time.Minute, Max: 4 * time.Minute}, MaxAttempts: 3}
	if err := ob.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]int16{"temp/acc-temp": 1, "perm/acc-perm": 5, "always/acc-always": 1}
	if diff := cmp.Diff(want, states(t, pool)); diff != "" {
		t.Errorf("after the first pass (-want +got):\n%s", diff)
	}
	now = now.Add(59 * time.Second) // not yet due again
	if err := ob.Drain(ctx); err != nil || len(mail.got) != 0 {
		t.Fatalf("before the backoff: %v sent %d", err, len(mail.got))
	}
	for range 3 {
		now = now.Add(5 * time.Minute)
		if err := ob.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want = map[string]int16{"temp/acc-temp": 4, "perm/acc-perm": 5, "always/acc-always": 5}
	if diff := cmp.Diff(want, states(t, pool)); diff != "" {
		t.Errorf("at the end (-want +got):\n%s", diff)
	}
	var attempts int
	var last string
	if err := pool.QueryRow(ctx, `SELECT attempts, last_error FROM notify_messages WHERE key = 'always/acc-always'`).Scan(&attempts, &last); err != nil ||
		attempts != 3 || last == "" {
		t.Errorf("the failed message: %d attempts, %q (%v)", attempts, last, err)
	}
}

type onlyFirst struct{}

func (onlyFirst) Recipients(_ context.Context, auds []notify.Audience) (map[notify.Audience][]notify.Recipient, error) {
	out := map[notify.Audience][]notify.Recipient{}
	for _, a := range auds {
		out[a] = []notify.Recipient{{AccountID: "acc-" + a.Scope, Email: a.Scope + "@x.test"}}
	}
	return out, nil
}

// Four replicas draining at once hand every message over exactly once.
func TestReplicasShareWithoutDuplicates(t *testing.T) {
	pool := newPool(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var events []notify.Event
	for i := range 300 {
		events = append(events, notify.Event{Key: fmt.Sprint("e", i), Kind: "k", Data: i,
			Audience: []notify.Audience{{Role: notify.Curator, Scope: fmt.Sprint("s", i)}}})
	}
	enqueue(t, pool, now, events...)
	mail := &recorder{}
	var g errgroup.Group
	for range 4 {
		ob := &notify.Outbox{Pool: pool, Directory: onlyFirst{}, Renderer: plain{}, Mailer: mail, Domain: "x.test",
			Now: func() time.Time { return now }, Batch: 7, Workers: 2}
		g.Go(func() error { return ob.Drain(ctx) })
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range mail.got {
		seen[m.MessageID]++
	}
	if len(mail.got) != 300 || len(seen) != 300 {
		t.Errorf("handed over %d mails, %d distinct, want 300", len(mail.got), len(seen))
	}
}

// Without a checker, a message whose sender died while sending it is never
// sent again (uncertain); a claimed one it never handed over is sent once.
func TestRecoverWithoutChecker(t *testing.T) {
	pool := newPool(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	enqueue(t, pool, now, notify.Event{Key: "a", Kind: "k", Audience: []notify.Audience{{Role: notify.Curator, Scope: "a"}}, Data: 1},
		notify.Event{Key: "b", Kind: "k", Audience: []notify.Audience{{Role: notify.Curator, Scope: "b"}}, Data: 1})
	dctx, die := context.WithCancel(ctx)
	dying := &recorder{fail: func(notify.Mail) error { die(); return nil }}
	ob := &notify.Outbox{Pool: pool, Directory: onlyFirst{}, Renderer: plain{}, Mailer: dying, Domain: "x.test", Now: clock,
		Lease: time.Minute}
	if err := ob.Drain(dctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("the dying sender: %v", err)
	}
	want := map[string]int16{"a/acc-a": 3, "b/acc-b": 2}
	if diff := cmp.Diff(want, states(t, pool)); diff != "" {
		t.Fatalf("after the death (-want +got):\n%s", diff)
	}
	next := &recorder{}
	ob.Mailer = next
	if err := ob.Drain(ctx); err != nil || len(next.got) != 0 {
		t.Fatalf("within the lease: %v, sent %d", err, len(next.got))
	}
	now = now.Add(2 * time.Minute)
	if err := ob.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	want = map[string]int16{"a/acc-a": 7, "b/acc-b": 4}
	if diff := cmp.Diff(want, states(t, pool)); diff != "" {
		t.Errorf("after recovery (-want +got):\n%s", diff)
	}
	if len(next.got) != 1 || next.got[0].To != "b@x.test" {
		t.Errorf("resent %v", next.got)
	}
}
