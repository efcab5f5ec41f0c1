package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/notify/smtpsink"
	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/platform/servicetest"
	notifyv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/notify/v1"
)

// outboxService is a service with nothing but an outbox and its operator's
// view, registered as a real service registers it.
func outboxService(t *testing.T) (*servicetest.Running, *pgxpool.Pool) {
	t.Helper()
	var pool *pgxpool.Pool
	spec := service.Spec{
		Name:       "outboxtest",
		Defaults:   map[string]string{"DATABASE_SCHEMA": "outboxtest"},
		Migrations: notify.WithMigration(fstest.MapFS{}, 1, 2),
		Register: func(env service.Env) error {
			pool = env.Pool
			notify.RegisterOutboxService(env.Server, "outboxtest", env.Pool, env.Logger)
			return nil
		},
	}
	return servicetest.Start(t, spec), pool
}

// fieldOf returns the field of the first violation of an InvalidArgument.
func fieldOf(err error) string {
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) > 0 {
			return br.GetFieldViolations()[0].GetField()
		}
	}
	return ""
}

// The operator's view of delivery over a real outbox whose messages failed
// against a refusing SMTP server, were cut off while sending, or are waiting
// out a temporary refusal: counts, the list with its pages, retry (sent on
// the next pass, or cancelled when the guard no longer wants it) and both
// resolutions, each audited and idempotent; only for the operator.
func TestOutboxAPI(t *testing.T) {
	svc, pool := outboxService(t)
	ctx := context.Background()
	api := notifyv1.NewOutboxServiceClient(svc.Conn)

	// Two messages whose senders die while handing them over: uncertain.
	// Their leases outlive the test, so the second sender's own recovery
	// cannot take the first's message; the recovery after them reads a
	// clock past both.
	start := time.Now()
	enqueue(t, pool, start, notify.Event{Key: "cut1", Kind: "reminder", Audience: []notify.Audience{{Role: notify.Curator, Scope: "cut1"}}, Data: 1},
		notify.Event{Key: "cut2", Kind: "reminder", Audience: []notify.Audience{{Role: notify.Curator, Scope: "cut2"}}, Data: 1})
	for range 2 {
		dctx, die := context.WithCancel(ctx)
		dying := &recorder{fail: func(notify.Mail) error { die(); return nil }}
		ob := &notify.Outbox{Pool: pool, Directory: onlyFirst{}, Renderer: plain{}, Mailer: dying, Domain: "x.test",
			Lease: time.Hour, Batch: 1}
		if err := ob.Drain(dctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("the dying sender: %v", err)
		}
	}
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	if n, err := (&notify.Outbox{Pool: pool, Now: later}).Recover(ctx); err != nil || n != 2 {
		t.Fatalf("recover: %d, %v", n, err)
	}

	// Through a real SMTP conversation: five refused for good, one refused
	// for now, one accepted; "gone" is one the guard will no longer want.
	sink, err := smtpsink.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	sink.Refuse(func(rcpt string) string {
		switch {
		case strings.Contains(rcpt, "later@"):
			return "451 4.3.0 try again later"
		case strings.Contains(rcpt, "bad") || strings.Contains(rcpt, "gone@"):
			return "550 5.1.1 no such user"
		}
		return ""
	})
	var events []notify.Event
	for _, s := range []string{"bad1", "bad2", "bad3", "bad4", "gone", "later", "fine"} {
		kind := "report_returned"
		if s == "fine" || s == "later" {
			kind = "reminder"
		}
		events = append(events, notify.Event{Key: s, Kind: kind, Ref: s, Audience: []notify.Audience{{Role: notify.Curator, Scope: s}}, Data: 1})
	}
	enqueue(t, pool, time.Now(), events...)
	mailer := notify.NewSMTP(notify.Config{SMTPHost: "127.0.0.1", SMTPPort: sink.Addr().Port, SMTPTLS: "none",
		SMTPFrom: "Наставник <noreply@x.test>", SMTPTimeout: 5 * time.Second})
	wanted := func(_ context.Context, _ pgx.Tx, _, ref string) (bool, error) { return ref != "gone", nil }
	ob := &notify.Outbox{Pool: pool, Directory: onlyFirst{}, Renderer: plain{}, Mailer: mailer, Guard: wanted, Domain: "x.test",
		Backoff: notify.Backoff{Base: time.Hour}}
	// The guard wants "gone" until now, when it has been refused already.
	ob.Guard = nil
	if err := ob.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	ob.Guard = wanted
	if got := sink.Messages.Load(); got != 1 {
		t.Fatalf("the sink accepted %d, want 1", got)
	}
	ids := map[string]string{} // key → id
	rows, err := pool.Query(ctx, `SELECT split_part(key, '/', 1), id::text FROM notify_messages`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, id string
		if err := rows.Scan(&k, &id); err != nil {
			t.Fatal(err)
		}
		ids[k] = id
	}

	t.Run("only the operator", func(t *testing.T) {
		for _, role := range []identity.Role{identity.Regional, identity.Methodologist, identity.Curator} {
			conn := svc.Dial(t, identity.Principal{AccountID: "00000000-0000-4000-8000-000000000009", Login: string(role),
				Bindings: []identity.Binding{{Role: role, Region: "24"}}})
			c := notifyv1.NewOutboxServiceClient(conn)
			_, err1 := c.GetOutboxStats(ctx, &notifyv1.GetOutboxStatsRequest{Source: "outboxtest"})
			_, err2 := c.ListOutboxMessages(ctx, &notifyv1.ListOutboxMessagesRequest{Source: "outboxtest"})
			_, err3 := c.RetryOutboxMessage(ctx, &notifyv1.RetryOutboxMessageRequest{Source: "outboxtest", Id: ids["bad1"]})
			_, err4 := c.ResolveOutboxMessage(ctx, &notifyv1.ResolveOutboxMessageRequest{Source: "outboxtest", Id: ids["cut1"],
				Resolution: notifyv1.Resolution_RESOLUTION_DELIVERED})
			for i, err := range []error{err1, err2, err3, err4} {
				if status.Code(err) != codes.PermissionDenied {
					t.Errorf("%s, call %d: %v, want PermissionDenied", role, i+1, err)
				}
			}
		}
		anon := notifyv1.NewOutboxServiceClient(svc.Dial(t, identity.Principal{}))
		if _, err := anon.GetOutboxStats(ctx, &notifyv1.GetOutboxStatsRequest{Source: "outboxtest"}); status.Code(err) != codes.Unauthenticated {
			t.Errorf("no identity: %v, want Unauthenticated", err)
		}
	})

	t.Run("stats", func(t *testing.T) {
		resp, err := api.GetOutboxStats(ctx, &notifyv1.GetOutboxStatsRequest{Source: "outboxtest", WindowHours: 1})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, s := range resp.GetStates() {
			got[s.GetState().String()] = s.GetCount()
		}
		want := map[string]int64{"MESSAGE_STATE_QUEUED": 0, "MESSAGE_STATE_CLAIMED": 0, "MESSAGE_STATE_SENDING": 0,
			"MESSAGE_STATE_SENT": 1, "MESSAGE_STATE_FAILED": 5, "MESSAGE_STATE_CANCELLED": 0, "MESSAGE_STATE_UNCERTAIN": 2,
			"MESSAGE_STATE_NO_ADDRESS": 0, "MESSAGE_STATE_RETRYING": 1}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("states (-want +got):\n%s", diff)
		}
		kinds := map[string]int64{}
		for _, k := range resp.GetKinds() {
			kinds[k.GetKind()+" "+k.GetState().String()] = k.GetCount()
		}
		wantKinds := map[string]int64{"reminder MESSAGE_STATE_SENT": 1, "reminder MESSAGE_STATE_RETRYING": 1,
			"reminder MESSAGE_STATE_UNCERTAIN": 2, "report_returned MESSAGE_STATE_FAILED": 5}
		if diff := cmp.Diff(wantKinds, kinds); diff != "" {
			t.Errorf("kinds (-want +got):\n%s", diff)
		}
		if _, err := api.GetOutboxStats(ctx, &notifyv1.GetOutboxStatsRequest{Source: "roadmap"}); status.Code(err) != codes.InvalidArgument || fieldOf(err) != "source" {
			t.Errorf("another source: %v, want InvalidArgument on source", err)
		}
		if _, err := api.GetOutboxStats(ctx, &notifyv1.GetOutboxStatsRequest{Source: "outboxtest", WindowHours: -1}); status.Code(err) != codes.InvalidArgument || fieldOf(err) != "window_hours" {
			t.Errorf("a negative window: %v, want InvalidArgument on window_hours", err)
		}
	})

	t.Run("list pages", func(t *testing.T) {
		var got []string
		token := ""
		pages := 0
		for {
			resp, err := api.ListOutboxMessages(ctx, &notifyv1.ListOutboxMessagesRequest{Source: "outboxtest", PageSize: 2, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, m := range resp.GetMessages() {
				got = append(got, m.GetEmail())
				if m.GetState() == notifyv1.MessageState_MESSAGE_STATE_FAILED && (m.GetAttempts() != 1 || !strings.Contains(m.GetLastError(), "550")) {
					t.Errorf("failed %s: %d attempts, error %q", m.GetEmail(), m.GetAttempts(), m.GetLastError())
				}
			}
			if token = resp.GetNextPageToken(); token == "" {
				break
			}
			if pages > 10 {
				t.Fatal("endless pages")
			}
			// A token belongs to its filters.
			if _, err := api.ListOutboxMessages(ctx, &notifyv1.ListOutboxMessagesRequest{Source: "outboxtest", Kind: "reminder", PageToken: token}); status.Code(err) != codes.InvalidArgument || fieldOf(err) != "page_token" {
				t.Errorf("a token with other filters: %v", err)
			}
		}
		want := []string{"gone@x.test", "bad4@x.test", "bad3@x.test", "bad2@x.test", "bad1@x.test", "cut2@x.test", "cut1@x.test"}
		if diff := cmp.Diff(want, got); diff != "" || pages != 4 {
			t.Errorf("%d pages (-want +got):\n%s", pages, diff)
		}
		resp, err := api.ListOutboxMessages(ctx, &notifyv1.ListOutboxMessagesRequest{Source: "outboxtest",
			States: []notifyv1.MessageState{notifyv1.MessageState_MESSAGE_STATE_RETRYING}})
		if err != nil || len(resp.GetMessages()) != 1 || resp.GetMessages()[0].GetEmail() != "later@x.test" ||
			resp.GetMessages()[0].GetState() != notifyv1.MessageState_MESSAGE_STATE_RETRYING {
			t.Errorf("retrying: %v, %v", resp, err)
		}
		if _, err := api.ListOutboxMessages(ctx, &notifyv1.ListOutboxMessagesRequest{Source: "outboxtest",
			States: []notifyv1.MessageState{notifyv1.MessageState_MESSAGE_STATE_SENT}}); status.Code(err) != codes.InvalidArgument || !strings.HasPrefix(fieldOf(err), "states") {
			t.Errorf("listing sent ones: %v, want InvalidArgument on states", err)
		}
		if _, err := api.ListOutboxMessages(ctx, &notifyv1.ListOutboxMessagesRequest{Source: "outboxtest", PageToken: "forged"}); status.Code(err) != codes.InvalidArgument {
			t.Errorf("a forged token: %v", err)
		}
	})

	t.Run("retry", func(t *testing.T) {
		sink.Refuse(nil) // the mailbox exists now
		for range 2 {
			resp, err := api.RetryOutboxMessage(ctx, &notifyv1.RetryOutboxMessageRequest{Source: "outboxtest", Id: ids["bad1"]})
			if err != nil {
				t.Fatal(err)
			}
			if m := resp.GetMessage(); m.GetState() != notifyv1.MessageState_MESSAGE_STATE_QUEUED || m.GetAttempts() != 0 || m.GetLastError() != "" {
				t.Errorf("after retry: %v", m)
			}
		}
		if _, err := api.RetryOutboxMessage(ctx, &notifyv1.RetryOutboxMessageRequest{Source: "outboxtest", Id: ids["gone"]}); err != nil {
			t.Fatal(err)
		}
		if err := ob.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if got := sink.Messages.Load(); got != 2 {
			t.Errorf("the sink has %d, want 2: the retried one sent once, the unwanted one not", got)
		}
		st := states(t, pool)
		if st["bad1/acc-bad1"] != 4 || st["gone/acc-gone"] != 6 || st["bad2/acc-bad2"] != 5 {
			t.Errorf("states after the next pass: %v", st)
		}
		// A sent message is not failed; a repeat after it was sent is still a repeat.
		if _, err := api.RetryOutboxMessage(ctx, &notifyv1.RetryOutboxMessageRequest{Source: "outboxtest", Id: ids["fine"]}); status.Code(err) != codes.FailedPrecondition {
			t.Errorf("retrying a sent one: %v, want FailedPrecondition", err)
		}
		if _, err := api.RetryOutboxMessage(ctx, &notifyv1.RetryOutboxMessageRequest{Source: "outboxtest", Id: ids["bad1"]}); err != nil {
			t.Errorf("repeating the retry after the send: %v", err)
		}
		if _, err := api.RetryOutboxMessage(ctx, &notifyv1.RetryOutboxMessageRequest{Source: "outboxtest", Id: "999999999"}); status.Code(err) != codes.NotFound {
			t.Errorf("no such id: %v, want NotFound", err)
		}
		for _, bad := range []string{"abc", "", "-1", "1234567890123456789"} {
			if _, err := api.RetryOutboxMessage(ctx, &notifyv1.RetryOutboxMessageRequest{Source: "outboxtest", Id: bad}); status.Code(err) != codes.InvalidArgument || fieldOf(err) != "id" {
				t.Errorf("id %q: %v, want InvalidArgument on id", bad, err)
			}
		}
	})

	t.Run("resolve", func(t *testing.T) {
		before := sink.Messages.Load()
		for range 2 {
			resp, err := api.ResolveOutboxMessage(ctx, &notifyv1.ResolveOutboxMessageRequest{Source: "outboxtest", Id: ids["cut1"],
				Resolution: notifyv1.Resolution_RESOLUTION_DELIVERED})
			if err != nil {
				t.Fatal(err)
			}
			if m := resp.GetMessage(); m.GetState() != notifyv1.MessageState_MESSAGE_STATE_SENT || m.GetSentTime() == nil {
				t.Errorf("resolved delivered: %v", m)
			}
		}
		if _, err := api.ResolveOutboxMessage(ctx, &notifyv1.ResolveOutboxMessageRequest{Source: "outboxtest", Id: ids["cut1"],
			Resolution: notifyv1.Resolution_RESOLUTION_SEND_AGAIN}); status.Code(err) != codes.FailedPrecondition {
			t.Errorf("send again after delivered: %v, want FailedPrecondition", err)
		}
		resp, err := api.ResolveOutboxMessage(ctx, &notifyv1.ResolveOutboxMessageRequest{Source: "outboxtest", Id: ids["cut2"],
			Resolution: notifyv1.Resolution_RESOLUTION_SEND_AGAIN})
		if err != nil || resp.GetMessage().GetState() != notifyv1.MessageState_MESSAGE_STATE_QUEUED {
			t.Fatalf("send again: %v, %v", resp, err)
		}
		if _, err := api.ResolveOutboxMessage(ctx, &notifyv1.ResolveOutboxMessageRequest{Source: "outboxtest", Id: ids["cut2"]}); status.Code(err) != codes.InvalidArgument || fieldOf(err) != "resolution" {
			t.Errorf("no resolution: %v, want InvalidArgument on resolution", err)
		}
		if err := ob.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if got := sink.Messages.Load() - before; got != 1 {
			t.Errorf("sent %d after the resolutions, want 1 (cut2 again)", got)
		}
		if st := states(t, pool); st["cut1/acc-cut1"] != 4 || st["cut2/acc-cut2"] != 4 {
			t.Errorf("states: %v", st)
		}
	})

	t.Run("audited", func(t *testing.T) {
		rows, err := pool.Query(ctx, `SELECT m.key, a.action, a.from_state, a.to_state, a.actor_login, a.last_error <> ''
			FROM notify_actions a JOIN notify_messages m ON m.id = a.message_id ORDER BY a.id`)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var key, action, login string
			var from, to int16
			var hadError bool
			if err := rows.Scan(&key, &action, &from, &to, &login, &hadError); err != nil {
				t.Fatal(err)
			}
			got = append(got, strings.Join([]string{key, action, string(rune('0' + from)), string(rune('0' + to)), login,
				map[bool]string{true: "error", false: "-"}[hadError]}, " "))
		}
		want := []string{
			"bad1/acc-bad1 retry 5 1 test-operator error",
			"gone/acc-gone retry 5 1 test-operator error",
			"cut1/acc-cut1 resolve_delivered 7 4 test-operator -",
			"cut2/acc-cut2 resolve_send_again 7 1 test-operator -",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("notify_actions (-want +got):\n%s", diff)
		}
	})
}
