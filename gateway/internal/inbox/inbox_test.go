package inbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/gateway/internal/inbox"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/platform/servicetest"
	notifyv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/notify/v1"
)

// one is the audience of these tests: a single person, "acc", or "other".
type one struct{}

func (one) Recipients(_ context.Context, auds []notify.Audience) (map[notify.Audience][]notify.Recipient, error) {
	out := map[notify.Audience][]notify.Recipient{}
	for _, a := range auds {
		out[a] = []notify.Recipient{{AccountID: a.Scope, Email: a.Scope + "@school.test"}}
	}
	return out, nil
}

// subjectOnly renders the event's data "s" as the subject.
type subjectOnly struct{}

func (subjectOnly) Render(_ string, data json.RawMessage, _ notify.Recipient) (notify.Content, error) {
	var d struct{ S string }
	err := json.Unmarshal(data, &d)
	return notify.Content{Subject: d.S, Text: d.S}, err
}

// source is a service with an outbox and its NotificationService.
type source struct {
	run  *servicetest.Running
	pool *pgxpool.Pool
}

func startSource(t *testing.T, name string) *source {
	t.Helper()
	s := &source{}
	s.run = servicetest.Start(t, service.Spec{Name: name, Defaults: map[string]string{"DATABASE_SCHEMA": name},
		Migrations: notify.WithMigration(fstest.MapFS{}, 1, 2),
		Register: func(env service.Env) error {
			s.pool = env.Pool
			notifyv1.RegisterNotificationServiceServer(env.Server, &notify.Server{Inbox: notify.Inbox{Pool: env.Pool}, Source: name})
			return nil
		}})
	return s
}

// send writes a message to account at the instant at, through the outbox.
func (s *source) send(t *testing.T, account, subject string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := notify.Enqueue(ctx, tx, at, notify.Event{Key: subject + "/" + account, Kind: "test",
			Audience: []notify.Audience{{Role: notify.Curator, Scope: account}}, Data: map[string]string{"s": subject}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ob := &notify.Outbox{Pool: s.pool, Directory: one{}, Renderer: subjectOnly{}, Domain: "nastavnik.test", Now: func() time.Time { return at }}
	if _, err := ob.Expand(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestMergedPages: the indicators' and the roadmap's messages interleave
// in time; the merged list walks them newest first at every page size, each
// once, with the unread count of both; marking reaches the right service.
func TestMergedPages(t *testing.T) {
	ind, rm := startSource(t, "indicators"), startSource(t, "roadmap")
	base := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	var want []string // newest first
	for i, src := range []string{"i", "r", "r", "i", "i", "r", "r", "r", "i", "i"} {
		subject := fmt.Sprintf("%s%d", src, i)
		at := base.Add(time.Duration(i) * time.Minute)
		if src == "i" {
			ind.send(t, "acc", subject, at)
		} else {
			rm.send(t, "acc", subject, at)
		}
		want = append([]string{subject}, want...)
	}
	rm.send(t, "other", "not acc's", base)
	me := identity.Principal{AccountID: "acc", Login: "acc", Bindings: []identity.Binding{{Role: identity.Curator, Organisation: "o"}}}
	m := inbox.New(inbox.Source{Name: "indicators", Conn: ind.run.Dial(t, me)}, inbox.Source{Name: "roadmap", Conn: rm.run.Dial(t, me)})
	ctx := context.Background()
	for _, size := range []int32{1, 2, 3, 4, 10, 50} {
		var got []string
		token := ""
		for pages := 0; ; pages++ {
			if pages > 20 {
				t.Fatalf("size %d: more pages than messages", size)
			}
			resp, err := m.ListNotifications(ctx, &notifyv1.ListNotificationsRequest{PageSize: size, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			if resp.GetUnreadCount() != 10 || len(resp.GetNotifications()) > int(size) {
				t.Fatalf("size %d: unread %d, %d on a page", size, resp.GetUnreadCount(), len(resp.GetNotifications()))
			}
			for _, n := range resp.GetNotifications() {
				got = append(got, n.GetSubject())
			}
			if token = resp.GetNextPageToken(); token == "" {
				break
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("page size %d (-want +got):\n%s", size, diff)
		}
	}
	first, err := m.ListNotifications(ctx, &notifyv1.ListNotificationsRequest{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{first.GetNotifications()[0].GetId(), first.GetNotifications()[1].GetId()}
	if ids[0][:len("indicators-")] != "indicators-" || ids[1][:len("indicators-")] != "indicators-" {
		t.Fatalf("the newest two are the indicators': %v", ids)
	}
	// One of each service's marked: each service marks its own.
	last, err := m.ListNotifications(ctx, &notifyv1.ListNotificationsRequest{PageSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	mark := []string{last.GetNotifications()[0].GetId(), last.GetNotifications()[2].GetId()} // i9, r7
	marked, err := m.MarkNotificationsRead(ctx, &notifyv1.MarkNotificationsReadRequest{Ids: mark})
	if err != nil || marked.GetMarked() != 2 {
		t.Fatalf("mark %v: %v %v", mark, marked, err)
	}
	after, err := m.ListNotifications(ctx, &notifyv1.ListNotificationsRequest{PageSize: 4})
	if err != nil || after.GetUnreadCount() != 8 || !after.GetNotifications()[0].GetRead() || after.GetNotifications()[1].GetRead() ||
		!after.GetNotifications()[2].GetRead() {
		t.Fatalf("after marking two: %v %v", after, err)
	}
	all, err := m.MarkNotificationsRead(ctx, &notifyv1.MarkNotificationsReadRequest{})
	if err != nil || all.GetMarked() != 8 {
		t.Fatalf("mark all: %v %v", all, err)
	}
	// Another person's list is theirs alone; a forged token is refused.
	them := identity.Principal{AccountID: "other", Login: "other"}
	other := inbox.New(inbox.Source{Name: "indicators", Conn: ind.run.Dial(t, them)}, inbox.Source{Name: "roadmap", Conn: rm.run.Dial(t, them)})
	if resp, err := other.ListNotifications(ctx, &notifyv1.ListNotificationsRequest{}); err != nil ||
		len(resp.GetNotifications()) != 1 || resp.GetUnreadCount() != 1 {
		t.Errorf("the other's list: %v %v", resp, err)
	}
	if _, err := m.ListNotifications(ctx, &notifyv1.ListNotificationsRequest{PageToken: "junk"}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("a forged token: %v", err)
	}
	if _, err := m.MarkNotificationsRead(ctx, &notifyv1.MarkNotificationsReadRequest{Ids: []string{"7"}}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("an id without its service: %v", err)
	}
}

// TestMergedDegrades: a source that stops answering leaves the others'
// notifications and count, named in unavailable_sources; its position is
// kept in the page token, and it is asked again on the next page. Marking
// read marks the others'. With every source down both fail as Unavailable.
func TestMergedDegrades(t *testing.T) {
	ind, rm := startSource(t, "indicators"), startSource(t, "roadmap")
	base := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for i, subject := range []string{"i0", "i1", "i2"} {
		ind.send(t, "acc", subject, base.Add(time.Duration(i)*time.Minute))
	}
	rm.send(t, "acc", "r0", base.Add(-time.Minute))
	me := identity.Principal{AccountID: "acc", Login: "acc"}
	m := inbox.New(inbox.Source{Name: "indicators", Conn: ind.run.Dial(t, me)}, inbox.Source{Name: "roadmap", Conn: rm.run.Dial(t, me)})
	ctx := context.Background()
	rm.run.Stop()

	var got []string
	token := ""
	for pages := 0; pages < 10; pages++ {
		resp, err := m.ListNotifications(ctx, &notifyv1.ListNotificationsRequest{PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetUnreadCount() != 3 || !cmp.Equal(resp.GetUnavailableSources(), []string{"roadmap"}) {
			t.Fatalf("page %d: unread %d, unavailable %v", pages, resp.GetUnreadCount(), resp.GetUnavailableSources())
		}
		for _, n := range resp.GetNotifications() {
			got = append(got, n.GetSubject())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	// The walk ends with the indicators' last: no endless empty pages.
	if diff := cmp.Diff([]string{"i2", "i1", "i0"}, got); diff != "" {
		t.Errorf("with the roadmap down (-want +got):\n%s", diff)
	}

	// Marking all read marks what answered and says what did not.
	marked, err := m.MarkNotificationsRead(ctx, &notifyv1.MarkNotificationsReadRequest{})
	if err != nil || marked.GetMarked() != 3 || !cmp.Equal(marked.GetUnavailableSources(), []string{"roadmap"}) {
		t.Fatalf("mark all with the roadmap down: %v %v", marked, err)
	}

	ind.run.Stop()
	if _, err := m.MarkNotificationsRead(ctx, &notifyv1.MarkNotificationsReadRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("marking, both down: %v, want Unavailable", err)
	}
	if _, err := m.ListNotifications(ctx, &notifyv1.ListNotificationsRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("both down: %v, want Unavailable", err)
	}
}
