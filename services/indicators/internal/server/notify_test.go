package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/notify/mailpit"
	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/platform/servicetest"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	notifyv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/notify/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/notices"
	"github.com/nastavnik/nastavnik/services/indicators/internal/server"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// Region 99 of these tests spans two zones, as a campaign's organisations
// may: schools in Kaliningrad (UTC+2) and in Kamchatka (UTC+12).
const (
	munZ1 = "00000000-0000-4000-8000-0000000000e1"
	munZ2 = "00000000-0000-4000-8000-0000000000e2"
	orgK2 = "10000000-0000-4000-8000-0000000000e1"
	orgK3 = "10000000-0000-4000-8000-0000000000e2"
	orgK4 = "10000000-0000-4000-8000-0000000000e3"
	orgQ2 = "10000000-0000-4000-8000-0000000000e4"
	orgQ3 = "10000000-0000-4000-8000-0000000000e5"
)

func init() {
	k := func(id, name string) {
		orgs = append(orgs, orgFor(id, name, munZ1, "Europe/Kaliningrad"))
	}
	q := func(id, name string) {
		orgs = append(orgs, orgFor(id, name, munZ2, "Asia/Kamchatka"))
	}
	k(orgK2, "Школа № 2 Калининград")
	k(orgK3, "Школа № 3 Калининград")
	k(orgK4, "Школа № 4 Калининград")
	q(orgQ2, "Школа № 2 Петропавловск")
	q(orgQ3, "Школа № 3 Петропавловск")
}

func orgFor(id, name, mun, zone string) domain.Organisation {
	return domain.Organisation{ID: id, ShortName: name, FullName: name, MunicipalityID: mun, RegionCode: "99", TimeZone: zone}
}

// people is the registry of these tests: one curator per organisation
// (curator-<org>@school.test), one methodologist per municipality.
type people struct{}

func (people) Recipients(_ context.Context, auds []notify.Audience) (map[notify.Audience][]notify.Recipient, error) {
	out := map[notify.Audience][]notify.Recipient{}
	for _, a := range auds {
		id := a.Role + "-" + a.Scope
		for _, p := range principals { // the test principals are these people's accounts
			for _, b := range p.Bindings {
				if string(b.Role) == a.Role && (b.Organisation == a.Scope || b.Organisation == "" && b.Municipality == a.Scope ||
					b.Organisation == "" && b.Municipality == "" && b.Region == a.Scope) {
					id = p.AccountID
				}
			}
		}
		out[a] = []notify.Recipient{{AccountID: id, Name: "Ответственный " + a.Scope[len(a.Scope)-2:],
			Email: a.Role + "-" + a.Scope + "@school.test"}}
	}
	return out, nil
}

// notifyWorld is the service with its outbox, a real Mailpit and a clock.
type notifyWorld struct {
	*world
	pool  *pgxpool.Pool
	store *store.Store
	mp    *mailpit.Server
	tmpl  *notify.Templates
}

func newNotifyWorld(t *testing.T) *notifyWorld {
	t.Helper()
	c := &clock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	nw := &notifyWorld{mp: mailpit.Start(t)}
	spec := service.Spec{
		Name: "indicators", Defaults: map[string]string{"DATABASE_SCHEMA": "indicators"},
		Errors: server.Errors, Migrations: store.Migrations(),
		Register: func(env service.Env) error {
			nw.pool, nw.store = env.Pool, store.New(env.Pool)
			server.New(nw.store, fakeDirectory{}).WithClock(c.Now).Register(env.Server)
			return nil
		},
	}
	nw.world = &world{t: t, clock: c, svc: servicetest.Start(t, spec), conns: map[string]*grpc.ClientConn{}}
	for name, p := range principals {
		nw.conns[name] = nw.svc.Dial(t, p)
	}
	for _, id := range []string{orgK2, orgK3, orgK4, orgQ2, orgQ3} {
		mun := munZ1
		if id == orgQ2 || id == orgQ3 {
			mun = munZ2
		}
		nw.conns["curator-"+id] = nw.svc.Dial(t, identity.Principal{AccountID: "30000000-0000-4000-8000-0000000000" + id[len(id)-2:],
			Login: "c-" + id, Bindings: []identity.Binding{{Role: identity.Curator, Region: "99", Municipality: mun, Organisation: id}}})
	}
	var err error
	if nw.tmpl, err = notices.Templates("https://nastavnik.test"); err != nil {
		t.Fatal(err)
	}
	return nw
}

// outbox is a sender process: mailer wraps the real SMTP mailer.
func (nw *notifyWorld) outbox(wrap func(notify.Mailer) notify.Mailer) *notify.Outbox {
	var m notify.Mailer = notify.NewSMTP(notify.Config{SMTPHost: nw.mp.SMTPHost, SMTPPort: nw.mp.SMTPPort, SMTPTLS: "none",
		SMTPFrom: "Наставник <noreply@nastavnik.test>", SMTPTimeout: 10 * time.Second})
	if wrap != nil {
		m = wrap(m)
	}
	return &notify.Outbox{Pool: nw.pool, Directory: people{}, Renderer: nw.tmpl, Mailer: m, Guard: nw.store.Guard,
		Checker: nw.mp.Client, Domain: "nastavnik.test", Now: nw.clock.Now, Batch: 2, Lease: 5 * time.Minute}
}

// tick is one pass of a sender at the clock's time.
func (nw *notifyWorld) tick(ob *notify.Outbox) error {
	if _, err := nw.store.ScheduleReminders(context.Background(), nw.clock.Now()); err != nil {
		return err
	}
	return ob.Drain(context.Background())
}

func TestReturnedReportMail(t *testing.T) {
	nw := newNotifyWorld(t)
	ctx := context.Background()
	nw.publish()
	c := nw.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15"})
	r := nw.report("curator", c.GetId(), orgA1, false)
	r = nw.save("curator", r, goodValues(1))
	r, err := submit(nw.world, "curator", r, false)
	if err != nil {
		t.Fatal(err)
	}
	nw.clock.Set(time.Date(2026, 12, 2, 4, 30, 0, 0, time.UTC)) // 11:30 in Krasnoyarsk
	ret, err := nw.reports("methodologist").ReturnReport(ctx, &indicatorsv1.ReturnReportRequest{Id: r.GetId(), Version: r.GetVersion(),
		Comment: "Проверьте численность наставников", Remarks: map[string]string{"teachers_total": "Не совпадает с РИС"}})
	if err != nil {
		t.Fatal(err)
	}
	// Edited and submitted again: the methodologists hear of it; accepted:
	// the curator does.
	r = nw.save("curator", ret.GetReport(), map[string]*indicatorsv1.Value{"teachers_total": cnt(62)})
	if r, err = submit(nw.world, "curator", r, false); err != nil {
		t.Fatal(err)
	}
	if _, err := nw.reports("methodologist").AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: r.GetId(), Version: r.GetVersion()}); err != nil {
		t.Fatal(err)
	}
	if err := nw.outbox(nil).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := nw.mp.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range all {
		got = append(got, m.To[0].Address+" "+m.Subject)
	}
	sort.Strings(got)
	want := []string{
		"curator-" + orgA1 + "@school.test Отчёт возвращён на доработку: МАОУ СШ № 150, Мониторинг ЦМН 2026",
		"curator-" + orgA1 + "@school.test Отчёт принят: МАОУ СШ № 150, Мониторинг ЦМН 2026",
		"methodologist-" + munA + "@school.test Отчёт после доработки сдан снова: МАОУ СШ № 150",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("mails (-want +got):\n%s", diff)
	}
	found, err := nw.mp.Search(ctx, `subject:"возвращён"`)
	if err != nil || len(found) != 1 {
		t.Fatalf("search returned: %v %v", found, err)
	}
	m, err := nw.mp.Message(ctx, found[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	// The same messages in the people's notifications lists: their own only.
	notes := func(as string) *notifyv1.ListNotificationsResponse {
		t.Helper()
		resp, err := notifyv1.NewNotificationServiceClient(nw.conns[as]).ListNotifications(ctx, &notifyv1.ListNotificationsRequest{PageSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	first := notes("curator")
	if first.GetUnreadCount() != 2 || len(first.GetNotifications()) != 1 || first.GetNextPageToken() == "" ||
		first.GetNotifications()[0].GetKind() != notices.KindAccepted || first.GetNotifications()[0].GetRead() {
		t.Errorf("the curator's first page: %v", first)
	}
	if n := notes("curatorA2"); n.GetUnreadCount() != 0 || len(n.GetNotifications()) != 0 {
		t.Errorf("another school's curator sees %v", n)
	}
	foreign, err := notifyv1.NewNotificationServiceClient(nw.conns["methodologistB"]).MarkNotificationsRead(ctx,
		&notifyv1.MarkNotificationsReadRequest{Ids: []string{first.GetNotifications()[0].GetId()}})
	if err != nil || foreign.GetMarked() != 0 {
		t.Errorf("another person marks the curator's: %v %v", foreign, err)
	}
	own, err := notifyv1.NewNotificationServiceClient(nw.conns["curator"]).MarkNotificationsRead(ctx,
		&notifyv1.MarkNotificationsReadRequest{Ids: []string{first.GetNotifications()[0].GetId()}})
	if err != nil || own.GetMarked() != 1 || notes("curator").GetUnreadCount() != 1 {
		t.Errorf("the curator marks its own: %v %v", own, err)
	}
	_, err = notifyv1.NewNotificationServiceClient(nw.conns["curator"]).ListNotifications(ctx, &notifyv1.ListNotificationsRequest{PageToken: "junk"})
	if f := fieldViolations(err); !slices.Equal(f, []string{"page_token"}) {
		t.Errorf("a bad page token: %v %v", f, err)
	}
	for _, part := range []string{"Проверьте численность наставников", "Педагогических работников, всего", "Не совпадает с РИС",
		"2 декабря 2026 г., 11:30", "15 декабря 2026 г.", "https://nastavnik.test/reports/" + r.GetId()} {
		if !strings.Contains(m.Text, part) {
			t.Errorf("the text lacks %q:\n%s", part, m.Text)
		}
		if !strings.Contains(m.HTML, part) {
			t.Errorf("the HTML lacks %q:\n%s", part, m.HTML)
		}
	}
}

// TestSignedOffMail: a municipality's signing tells its region's centre by
// e-mail and in its notifications, once per signing; a send-back tells no
// one, a signing again after it is told again.
func TestSignedOffMail(t *testing.T) {
	nw := newNotifyWorld(t)
	ctx := context.Background()
	nw.publish()
	c := nw.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15"})
	nw.clock.Set(time.Date(2026, 12, 16, 4, 30, 0, 0, time.UTC)) // 11:30 in Krasnoyarsk
	so, err := nw.campaigns("methodologist").SignOff(ctx, &indicatorsv1.SignOffRequest{CampaignId: c.GetId(), MunicipalityId: munA,
		Comment: "Обе школы не сдали: карантин"})
	if err != nil {
		t.Fatal(err)
	}
	drain := func() []string {
		t.Helper()
		if err := nw.outbox(nil).Drain(ctx); err != nil {
			t.Fatal(err)
		}
		all, err := nw.mp.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range all {
			got = append(got, m.To[0].Address+" "+m.Subject)
		}
		sort.Strings(got)
		return got
	}
	one := "regional-24@school.test Муниципалитет подписал отчётность: Муниципалитет 0a, Мониторинг ЦМН 2026"
	if diff := cmp.Diff([]string{one}, drain()); diff != "" {
		t.Fatalf("mails after the signing (-want +got):\n%s", diff)
	}
	found, err := nw.mp.Search(ctx, `subject:"подписал"`)
	if err != nil || len(found) != 1 {
		t.Fatalf("search: %v %v", found, err)
	}
	m, err := nw.mp.Message(ctx, found[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"Муниципалитет 0a подписал отчётность «Мониторинг ЦМН 2026» 16 декабря 2026 г., 11:30",
		"https://nastavnik.test/region/municipalities/" + munA} {
		if !strings.Contains(m.Text, part) || !strings.Contains(m.HTML, part) {
			t.Errorf("the mail lacks %q:\n%s\n%s", part, m.Text, m.HTML)
		}
	}
	if strings.Contains(m.Text, "Отписаться") {
		t.Errorf("a notice that is not a digest offers to unsubscribe:\n%s", m.Text)
	}
	notes, err := notifyv1.NewNotificationServiceClient(nw.conns["regional"]).ListNotifications(ctx, &notifyv1.ListNotificationsRequest{})
	if err != nil || len(notes.GetNotifications()) != 1 || notes.GetNotifications()[0].GetKind() != notices.KindSignedOff {
		t.Fatalf("the regional's notifications: %v %v", notes, err)
	}
	if n, err := notifyv1.NewNotificationServiceClient(nw.conns["methodologist"]).ListNotifications(ctx,
		&notifyv1.ListNotificationsRequest{}); err != nil || len(n.GetNotifications()) != 0 {
		t.Errorf("the methodologist's notifications: %v %v", n, err)
	}

	back, err := nw.campaigns("regional").SendBackSignOff(ctx, &indicatorsv1.SendBackSignOffRequest{CampaignId: c.GetId(),
		MunicipalityId: munA, Comment: "Уточните причины", Version: so.GetSignOff().GetVersion()})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{one}, drain()); diff != "" {
		t.Fatalf("mails after the send-back (-want +got):\n%s", diff)
	}
	if _, err := nw.campaigns("methodologist").SignOff(ctx, &indicatorsv1.SignOffRequest{CampaignId: c.GetId(), MunicipalityId: munA,
		Comment: "Карантин до 20 декабря", Version: back.GetSignOff().GetVersion()}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{one, one}, drain()); diff != "" {
		t.Fatalf("mails after signing again (-want +got):\n%s", diff)
	}
}

// arrival is a reminder as it reached Mailpit: to whom, how many days before
// the deadline (from the subject) and the clock's time when it was first
// there.
type arrival struct {
	To   string
	Days string
	At   time.Time
}

// dieAfter is a mailer whose sender dies right after handing its n-th mail
// to the server: before it can write that the mail was sent.
type dieAfter struct {
	notify.Mailer
	n    int
	die  context.CancelFunc
	mu   sync.Mutex
	sent int
}

func (d *dieAfter) Open(ctx context.Context) (notify.Session, error) {
	s, err := d.Mailer.Open(ctx)
	if err != nil {
		return nil, err
	}
	return &dyingSession{Session: s, d: d}, nil
}

type dyingSession struct {
	notify.Session
	d *dieAfter
}

func (s *dyingSession) Send(ctx context.Context, m notify.Mail) error {
	if err := s.Session.Send(ctx, m); err != nil {
		return err
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if s.d.sent++; s.d.sent == s.d.n {
		s.d.die()
	}
	return nil
}

func TestRemindersAcrossZones(t *testing.T) {
	nw := newNotifyWorld(t)
	ctx := context.Background()
	nw.publish()
	c := nw.campaign("operator", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, RegionCode: "99", Deadline: "2026-12-15"})
	// Q3 submits at once: it hears nothing.
	submitAs := func(org string) {
		t.Helper()
		as := "curator-" + org
		r := nw.report(as, c.GetId(), org, false)
		r = nw.save(as, r, goodValues(1))
		if _, err := submit(nw.world, as, r, false); err != nil {
			t.Fatal(err)
		}
	}
	submitAs(orgQ3)

	sender := nw.outbox(nil)
	seen := map[string]arrival{}
	var arrivals []arrival
	collect := func() {
		t.Helper()
		all, err := nw.mp.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range all {
			if _, ok := seen[m.ID]; ok {
				continue
			}
			days := "0"
			if _, after, ok := strings.Cut(m.Subject, "До конца сдачи отчёта "); ok {
				days, _, _ = strings.Cut(after, " ")
			}
			a := arrival{To: strings.TrimSuffix(strings.TrimPrefix(m.To[0].Address, "curator-"), "@school.test"), Days: days, At: nw.clock.Now()}
			seen[m.ID] = a
			arrivals = append(arrivals, a)
		}
	}
	end := time.Date(2026, 12, 16, 0, 0, 0, 0, time.UTC)
	for now := nw.clock.Now(); now.Before(end); now = now.Add(time.Hour) {
		nw.clock.Set(now)
		switch now {
		case time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC):
			submitAs(orgK2) // after its 7-day reminder
		case time.Date(2026, 12, 12, 7, 0, 0, 0, time.UTC):
			// K4's 3-day reminder is written and expanded, then K4 submits
			// before it is sent: it is not sent.
			if _, err := nw.store.ScheduleReminders(ctx, now); err != nil {
				t.Fatal(err)
			}
			if _, err := sender.Expand(ctx); err != nil {
				t.Fatal(err)
			}
			submitAs(orgK4)
		case time.Date(2026, 12, 8, 7, 0, 0, 0, time.UTC):
			// Kaliningrad's 7-day point, three schools due: the sender
			// claims two, dies right after handing the first mail to the
			// server, before writing that it was sent; another starts once
			// the lease is over (6 minutes later) and sends the rest, each
			// once.
			dctx, die := context.WithCancel(ctx)
			dying := nw.outbox(func(m notify.Mailer) notify.Mailer { return &dieAfter{Mailer: m, n: 1, die: die} })
			if _, err := nw.store.ScheduleReminders(dctx, now); err != nil {
				t.Fatal(err)
			}
			if err := dying.Drain(dctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("the dying sender: %v", err)
			}
			collect()
			if len(arrivals) != 2 || arrivals[1].At != now {
				t.Fatalf("the dying sender handed over %v", arrivals)
			}
			var sending, claimed int
			if err := nw.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 3), count(*) FILTER (WHERE state = 2)
				FROM notify_messages`).Scan(&sending, &claimed); err != nil || sending != 1 || claimed != 1 {
				t.Fatalf("after the death: %d sending, %d claimed (%v)", sending, claimed, err)
			}
			nw.clock.Set(now.Add(6 * time.Minute))
			sender = nw.outbox(nil)
		}
		if err := nw.tick(sender); err != nil {
			t.Fatal(err)
		}
		collect()
	}

	// The local moments: 09:00 on the 8th, 12th, 14th and 15th in
	// Kaliningrad (07:00 UTC), the same days in Kamchatka (21:00 UTC the
	// day before). Kaliningrad's 7-day reminders: one from the sender that
	// died at 07:00, two from its successor at 07:06.
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, time.UTC) }
	want := []arrival{
		{orgQ2, "7", at(7, 21, 0)},
		{orgK2, "7", at(8, 7, 0)}, {orgK3, "7", at(8, 7, 0)}, {orgK4, "7", at(8, 7, 0)},
		{orgQ2, "3", at(11, 21, 0)},
		{orgK3, "3", at(12, 7, 0)},
		{orgQ2, "1", at(13, 21, 0)},
		{orgK3, "1", at(14, 7, 0)},
		{orgQ2, "0", at(14, 21, 0)},
		{orgK3, "0", at(15, 7, 0)},
	}
	var late int
	for i, a := range arrivals {
		if a.At == at(8, 7, 6) {
			late++
			arrivals[i].At = at(8, 7, 0)
		}
	}
	if late != 2 {
		t.Errorf("%d reminders from the restarted sender, want 2", late)
	}
	sortArrivals(want)
	sortArrivals(arrivals)
	if diff := cmp.Diff(want, arrivals); diff != "" {
		t.Errorf("reminders (-want +got):\n%s", diff)
	}
	// Each Message-ID once in Mailpit.
	var dup []string
	rows, err := nw.pool.Query(ctx, `SELECT message_id, state FROM notify_messages WHERE kind = 'reminder' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	type msg struct {
		id    string
		state int16
	}
	var msgs []msg
	for rows.Next() {
		var m msg
		if err := rows.Scan(&m.id, &m.state); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sent := 0
	for _, m := range msgs {
		found, err := nw.mp.Search(ctx, `message-id:"`+m.id+`"`)
		if err != nil {
			t.Fatal(err)
		}
		if m.state == 4 {
			sent++
		}
		if (m.state == 4) != (len(found) == 1) || len(found) > 1 {
			dup = append(dup, fmt.Sprintf("%s state %d in Mailpit %d times", m.id, m.state, len(found)))
		}
	}
	if len(dup) > 0 || sent != len(want) {
		t.Errorf("sent %d of %d; %v", sent, len(want), dup)
	}
}

func sortArrivals(a []arrival) {
	sort.Slice(a, func(i, j int) bool {
		if !a[i].At.Equal(a[j].At) {
			return a[i].At.Before(a[j].At)
		}
		return a[i].To < a[j].To
	})
}

// A campaign's reminders are the methodologist's: other days and another
// time of day move every school's reminders; none turns them off; a bad time
// names the field.
func TestSetReminders(t *testing.T) {
	nw := newNotifyWorld(t)
	ctx := context.Background()
	nw.publish()
	c := nw.campaign("operator", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, RegionCode: "99", Deadline: "2026-12-15"})
	if !slices.Equal(c.GetReminderDays(), []int32{7, 3, 1, 0}) || c.GetReminderTime() != "09:00" {
		t.Fatalf("default reminders: %v at %q", c.GetReminderDays(), c.GetReminderTime())
	}
	_, err := nw.campaigns("operator").SetReminders(ctx, &indicatorsv1.SetRemindersRequest{Id: c.GetId(), Version: c.GetVersion(),
		ReminderDays: []int32{2}, ReminderTime: "25:00"})
	if f := fieldViolations(err); !slices.Equal(f, []string{"reminder_time"}) {
		t.Errorf("bad time: %v %v", f, err)
	}
	set, err := nw.campaigns("operator").SetReminders(ctx, &indicatorsv1.SetRemindersRequest{Id: c.GetId(), Version: c.GetVersion(),
		ReminderDays: []int32{0, 2, 2}, ReminderTime: "18:30"})
	resp := set.GetCampaign()
	if err != nil || !slices.Equal(resp.GetReminderDays(), []int32{2, 0}) || resp.GetReminderTime() != "18:30" {
		t.Fatalf("SetReminders: %v %v", resp, err)
	}
	// 13 December 18:30 in Kaliningrad is 16:30 UTC: the Kaliningrad
	// schools' 2-day reminders are due then and not a minute before; the
	// Kamchatka schools' came at 06:30 UTC.
	count := func(at time.Time) (n int) {
		t.Helper()
		if _, err := nw.store.ScheduleReminders(ctx, at); err != nil {
			t.Fatal(err)
		}
		if err := nw.pool.QueryRow(ctx, `SELECT count(*) FROM notify_events WHERE kind = 'reminder'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, step := range []struct {
		at   time.Time
		want int
	}{
		{time.Date(2026, 12, 13, 6, 29, 0, 0, time.UTC), 0},
		{time.Date(2026, 12, 13, 6, 30, 0, 0, time.UTC), 2},
		{time.Date(2026, 12, 13, 16, 29, 0, 0, time.UTC), 2},
		{time.Date(2026, 12, 13, 16, 30, 0, 0, time.UTC), 5},
	} {
		if got := count(step.at); got != step.want {
			t.Errorf("at %s: %d reminders, want %d", step.at, got, step.want)
		}
	}
	off, err := nw.campaigns("operator").SetReminders(ctx, &indicatorsv1.SetRemindersRequest{Id: c.GetId(), Version: resp.GetVersion()})
	if err != nil || len(off.GetCampaign().GetReminderDays()) != 0 {
		t.Fatalf("reminders off: %v %v", off, err)
	}
	if got := count(time.Date(2026, 12, 15, 8, 0, 0, 0, time.UTC)); got != 5 {
		t.Errorf("with reminders off: %d, want still 5", got)
	}
}

// A sender down across reminder points sends, when it is back, the latest
// point's reminder once, not the ones it missed; after a school's deadline
// day has ended in its zone, nothing.
func TestRemindersAfterOutage(t *testing.T) {
	nw := newNotifyWorld(t)
	ctx := context.Background()
	nw.publish()
	nw.campaign("operator", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, RegionCode: "99", Deadline: "2026-12-15"})
	// Back at 12:00 UTC on 12 December: past the 7- and 3-day points in both
	// zones (Kaliningrad's 3-day point was 07:00 UTC that day).
	nw.clock.Set(time.Date(2026, 12, 12, 12, 0, 0, 0, time.UTC))
	sender := nw.outbox(nil)
	for range 2 { // a second pass changes nothing
		if err := nw.tick(sender); err != nil {
			t.Fatal(err)
		}
	}
	subjects := func() map[string]int {
		t.Helper()
		all, err := nw.mp.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, m := range all {
			out[m.Subject]++
		}
		return out
	}
	want := map[string]int{"До конца сдачи отчёта 3 дня: Мониторинг ЦМН 2026": 5}
	if diff := cmp.Diff(want, subjects()); diff != "" {
		t.Errorf("after the outage (-want +got):\n%s", diff)
	}
	// Down again until 16 December 00:00 UTC: Kaliningrad's deadline day
	// ended at 22:00 UTC on the 15th, Kamchatka's at 12:00: nothing more.
	nw.clock.Set(time.Date(2026, 12, 16, 0, 0, 0, 0, time.UTC))
	if err := nw.tick(sender); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, subjects()); diff != "" {
		t.Errorf("after the deadline (-want +got):\n%s", diff)
	}
}

// An organisation with an extended deadline is reminded before its own
// deadline, the latest extension's, even when the campaign's deadline is
// weeks away or long past; an earlier one's points are never written.
func TestRemindersWithExtensions(t *testing.T) {
	nw := newNotifyWorld(t)
	ctx := context.Background()
	nw.publish()
	nw.clock.Set(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
	c := nw.campaign("operator", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, RegionCode: "99", Deadline: "2026-12-15"})
	extend := func(org, deadline string) {
		t.Helper()
		if _, err := nw.campaigns("operator").ExtendDeadline(ctx, &indicatorsv1.ExtendDeadlineRequest{CampaignId: c.GetId(),
			OrganisationId: org, Deadline: deadline, Reason: "по заявлению"}); err != nil {
			t.Fatal(err)
		}
	}
	extend(orgK3, "2026-12-20")
	extend(orgK3, "2027-01-20") // the latest counts
	extend(orgQ2, "2026-11-20") // earlier than the campaign's
	key := func(org, deadline, days string) string {
		return "reminder:" + c.GetId() + ":" + org + ":" + deadline + ":" + days
	}
	for _, step := range []struct {
		name string
		at   time.Time
		want []string
	}{
		{"August: nothing near", time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC), nil},
		// 13 November 09:00 in Kamchatka is 12 November 21:00 UTC.
		{"Q2's 7-day point", time.Date(2026, 11, 13, 12, 0, 0, 0, time.UTC), []string{key(orgQ2, "2026-11-20", "7")}},
		{"the campaign's 7-day point", time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC), []string{
			key(orgK2, "2026-12-15", "7"), key(orgK4, "2026-12-15", "7"), key(orgQ3, "2026-12-15", "7")}},
		{"K3's first extension's point passes unheard", time.Date(2026, 12, 13, 12, 0, 0, 0, time.UTC), []string{
			key(orgK2, "2026-12-15", "3"), key(orgK4, "2026-12-15", "3"), key(orgQ3, "2026-12-15", "3")}},
		// 13 January 09:00 in Kaliningrad is 07:00 UTC.
		{"K3's 7-day point", time.Date(2027, 1, 13, 7, 0, 0, 0, time.UTC), []string{key(orgK3, "2027-01-20", "7")}},
		{"a minute later, nothing new", time.Date(2027, 1, 13, 7, 1, 0, 0, time.UTC), nil},
	} {
		before := nw.reminderKeys()
		if _, err := nw.store.ScheduleReminders(ctx, step.at); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, k := range nw.reminderKeys() {
			if !slices.Contains(before, k) {
				got = append(got, k)
			}
		}
		slices.Sort(step.want)
		if diff := cmp.Diff(step.want, got); diff != "" {
			t.Errorf("%s: new reminders (-want +got):\n%s", step.name, diff)
		}
	}
}

// reminderKeys is the outbox's reminders' keys, sorted.
func (nw *notifyWorld) reminderKeys() []string {
	nw.t.Helper()
	rows, err := nw.pool.Query(context.Background(), `SELECT key FROM notify_events WHERE kind = 'reminder' ORDER BY key`)
	if err != nil {
		nw.t.Fatal(err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		nw.t.Fatal(err)
	}
	return keys
}

// In December a methodologist gets a morning digest at 08:00 in the
// municipality's zone, once a day: submitted yesterday, waiting for review,
// returned, missing, late. Not in November.
func TestMethodologistDigest(t *testing.T) {
	nw := newNotifyWorld(t)
	ctx := context.Background()
	nw.publish()
	c := nw.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15"})
	digests := func(at time.Time) int {
		t.Helper()
		nw.clock.Set(at)
		n, err := nw.store.ScheduleDigests(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := digests(time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)); n != 0 {
		t.Errorf("in November: %d digests", n)
	}
	// A1 submits at noon on 8 December in Krasnoyarsk (UTC+7).
	nw.clock.Set(time.Date(2026, 12, 8, 5, 0, 0, 0, time.UTC))
	r := nw.report("curator", c.GetId(), orgA1, false)
	r = nw.save("curator", r, goodValues(1))
	if _, err := submit(nw.world, "curator", r, false); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		at   time.Time
		want int
	}{
		{time.Date(2026, 12, 9, 0, 59, 0, 0, time.UTC), 0}, // 07:59 there
		{time.Date(2026, 12, 9, 1, 0, 0, 0, time.UTC), 1},  // 08:00
		{time.Date(2026, 12, 9, 9, 0, 0, 0, time.UTC), 0},  // later that day: already written
	} {
		if n := digests(step.at); n != step.want {
			t.Errorf("at %s: %d digests, want %d", step.at, n, step.want)
		}
	}
	if err := nw.outbox(nil).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := nw.mp.All(ctx)
	if err != nil || len(all) != 1 || all[0].To[0].Address != "methodologist-"+munA+"@school.test" ||
		all[0].Subject != "Сводка на 9 декабря 2026 г.: ждут проверки — 1, не сдали — 1" {
		t.Fatalf("mails: %+v %v", all, err)
	}
	m, err := nw.mp.Message(ctx, all[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"сдано вчера: 1", "ждут проверки: 1", "возвращены и ещё не сданы снова: 0", "не сданы: 1", "сданы после срока: 0"} {
		if !strings.Contains(m.Text, part) {
			t.Errorf("the digest lacks %q:\n%s", part, m.Text)
		}
	}
	// The footer and the List-Unsubscribe header carry the same signed link,
	// naming the methodologist's account and the digest's kind.
	_, link, ok := strings.Cut(m.Text, "Отписаться от сводок: ")
	link = strings.TrimSpace(link)
	if !ok || !strings.HasPrefix(link, "https://nastavnik.test/unsubscribe?t=") || !strings.Contains(m.HTML, `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`) {
		t.Fatalf("the digest's unsubscribe link %q:\n%s\n%s", link, m.Text, m.HTML)
	}
	h, err := nw.mp.Headers(ctx, all[0].ID)
	if err != nil || len(h["List-Unsubscribe"]) != 1 || h["List-Unsubscribe"][0] != "<"+link+">" {
		t.Errorf("List-Unsubscribe: %v %v, want <%s>", h["List-Unsubscribe"], err, link)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	account, kind, err := notify.ParseUnsubscribe(u.Query().Get("t"))
	if err != nil || account != principals["methodologist"].AccountID || kind != notices.KindDigest {
		t.Errorf("the token names %q %q (%v), want %q %q", account, kind, err, principals["methodologist"].AccountID, notices.KindDigest)
	}
}
