package server_test

import (
	"context"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/notify/mailpit"
	"github.com/nastavnik/nastavnik/platform/russian"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/notices"
)

// people is the registry's RecipientService of these tests: each school has
// two curators, cur-<org> and cur2-<org> (who turned digests off), and each
// municipality one methodologist, meth-<municipality>; addresses are
// <account>@school.test.
type people struct{}

func (people) Recipients(_ context.Context, auds []notify.Audience) (map[notify.Audience][]notify.Recipient, error) {
	out := map[notify.Audience][]notify.Recipient{}
	for _, a := range auds {
		var ids []string
		switch a.Role {
		case notify.Curator:
			ids = []string{"cur-" + a.Scope, "cur2-" + a.Scope}
		case notify.Methodologist:
			ids = []string{"meth-" + a.Scope}
		}
		for _, id := range ids {
			out[a] = append(out[a], notify.Recipient{AccountID: id, Name: "Ответственный", Email: id + "@school.test",
				DigestsOff: strings.HasPrefix(id, "cur2-")})
		}
	}
	return out, nil
}

// mailWorld is the roadmap world with its outbox sending into a real Mailpit.
type mailWorld struct {
	*world
	mp *mailpit.Server
}

func newMailWorld(t *testing.T) *mailWorld {
	t.Helper()
	return &mailWorld{world: newWorld(t), mp: mailpit.Start(t)}
}

// outbox is one sender process (a replica) at the world's clock.
func (mw *mailWorld) outbox() *notify.Outbox {
	mw.t.Helper()
	tmpl, err := notices.Templates("https://nastavnik.test")
	if err != nil {
		mw.t.Fatal(err)
	}
	return &notify.Outbox{Pool: mw.pool, Directory: people{}, Renderer: tmpl, Guard: mw.store.Guard, Checker: mw.mp.Client,
		Mailer: notify.NewSMTP(notify.Config{SMTPHost: mw.mp.SMTPHost, SMTPPort: mw.mp.SMTPPort, SMTPTLS: "none",
			SMTPFrom: "Наставник <noreply@nastavnik.test>", SMTPTimeout: 10 * time.Second}),
		Domain: "nastavnik.test", Now: mw.clock.Now, Batch: 3}
}

// tick is one pass of two replicas at once: each schedules the digests and
// drains its outbox.
func (mw *mailWorld) tick() {
	mw.t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			if _, err := mw.store.ScheduleDigests(context.Background(), mw.clock.Now()); err != nil {
				errs[i] = err
				return
			}
			errs[i] = mw.outbox().Drain(context.Background())
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			mw.t.Fatal(err)
		}
	}
}

// drain sends what is written (no digests scheduled).
func (mw *mailWorld) drain() {
	mw.t.Helper()
	if err := mw.outbox().Drain(context.Background()); err != nil {
		mw.t.Fatal(err)
	}
}

// mails lists what Mailpit holds as "<to> <subject>", sorted.
func (mw *mailWorld) mails() []string {
	mw.t.Helper()
	all, err := mw.mp.All(context.Background())
	if err != nil {
		mw.t.Fatal(err)
	}
	var out []string
	for _, m := range all {
		out = append(out, m.To[0].Address+" "+m.Subject)
	}
	sort.Strings(out)
	return out
}

func TestHandedDownMail(t *testing.T) {
	mw := newMailWorld(t)
	ctx := context.Background()
	meth := mw.client(mw.methodologist())
	r := mw.importKrasnoyarsk(meth, false).GetRoadmap()
	item := items(r)["1.3"]
	if _, err := meth.CascadeItem(ctx, &roadmapv1.CascadeItemRequest{ItemId: item.GetId()}); err != nil {
		t.Fatal(err)
	}
	mw.drain()
	org0, org1 := mw.orgs[0].GetId(), mw.orgs[1].GetId()
	subject := "Новое мероприятие в дорожной карте: "
	want := []string{ // a hand-down notice is no digest: cur2 hears of it too
		"cur-" + org0 + "@school.test " + subject + "МАОУ СШ № 150",
		"cur-" + org1 + "@school.test " + subject + "МБОУ СШ № 7",
		"cur2-" + org0 + "@school.test " + subject + "МАОУ СШ № 150",
		"cur2-" + org1 + "@school.test " + subject + "МБОУ СШ № 7",
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, mw.mails()); diff != "" {
		t.Fatalf("mails after the hand-down (-want +got):\n%s", diff)
	}
	// The message names the item, its deadlines in the school's days and
	// links to the school's own item.
	cur := mw.client(mw.curator(1))
	own, err := cur.GetRoadmap(ctx, &roadmapv1.GetRoadmapRequest{Id: mustRoadmapOf(t, cur, org1)})
	if err != nil {
		t.Fatal(err)
	}
	var linked *roadmapv1.Item
	for _, it := range items(own.GetRoadmap()) {
		if it.GetSourceItemId() == item.GetId() {
			linked = it
		}
	}
	found, err := mw.mp.Search(ctx, "to:cur-"+org1+"@school.test")
	if err != nil || len(found) != 1 {
		t.Fatalf("search: %v %v", found, err)
	}
	m, err := mw.mp.Message(ctx, found[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	due, err := dates.Parse(linked.GetOccurrences()[0].GetDue())
	if err != nil {
		t.Fatal(err)
	}
	link := "https://nastavnik.test/roadmap/" + own.GetRoadmap().GetId() + "/items/" + linked.GetId()
	for _, part := range []string{item.GetMeasure(), russian.Date(due), "Asia/Kamchatka", link, "Сроки"} {
		if !strings.Contains(m.Text, part) || !strings.Contains(m.HTML, part) {
			t.Errorf("the notice lacks %q:\n%s\n%s", part, m.Text, m.HTML)
		}
	}
	if strings.Contains(m.Text, "unsubscribe") {
		t.Errorf("a notice is no digest, yet has an unsubscribe link:\n%s", m.Text)
	}

	// A new school in the municipality; the item handed down again: only
	// the new school hears of it; then twice at once: nobody.
	created, err := registryv1.NewOrganisationServiceClient(mw.reg.Conn).CreateOrganisation(ctx, &registryv1.CreateOrganisationRequest{
		Organisation: &registryv1.Organisation{MunicipalityId: mw.mun, FullName: "МБОУ СШ № 12", ShortName: "МБОУ СШ № 12",
			Inn: validINN(120), TimeZone: "Asia/Krasnoyarsk", Kind: registryv1.OrganisationKind_ORGANISATION_KIND_SCHOOL}})
	if err != nil {
		t.Fatal(err)
	}
	org3 := created.GetOrganisation().GetId()
	if _, err := meth.CascadeItem(ctx, &roadmapv1.CascadeItemRequest{ItemId: item.GetId()}); err != nil {
		t.Fatal(err)
	}
	mw.drain()
	// Two methodologists' clicks at once: nothing more.
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if _, err := meth.CascadeItem(ctx, &roadmapv1.CascadeItemRequest{ItemId: item.GetId()}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	mw.drain()
	want = append(want, "cur-"+org3+"@school.test "+subject+"МБОУ СШ № 12", "cur2-"+org3+"@school.test "+subject+"МБОУ СШ № 12")
	sort.Strings(want)
	if diff := cmp.Diff(want, mw.mails()); diff != "" {
		t.Fatalf("mails after handing down again (-want +got):\n%s", diff)
	}
}

func TestWeeklyOverdueDigest(t *testing.T) {
	mw := newMailWorld(t)
	ctx := context.Background()
	// Municipality A: its own roadmap (Krasnoyarsk time) with items overdue
	// and item 1.3 handed down to a school in Kaliningrad and one in
	// Kamchatka, due by March 2022 and not done. The other municipality's
	// school has a roadmap with nothing overdue.
	meth := mw.client(mw.methodologist())
	r := mw.importKrasnoyarsk(meth, false).GetRoadmap()
	if _, err := meth.CascadeItem(ctx, &roadmapv1.CascadeItemRequest{ItemId: items(r)["1.3"].GetId()}); err != nil {
		t.Fatal(err)
	}
	other := mw.client(mw.curator(2))
	created, err := other.CreateRoadmap(ctx, &roadmapv1.CreateRoadmapRequest{Owner: &roadmapv1.OwnerRef{OrganisationId: mw.orgs[2].GetId()},
		Title: "ДК", PeriodStart: "2022-01-01", PeriodEnd: "2022-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := other.CreateStage(ctx, &roadmapv1.CreateStageRequest{RoadmapId: created.GetRoadmap().GetId(), Version: 1, Title: "Этап"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.CreateItem(ctx, &roadmapv1.CreateItemRequest{StageId: st.GetStageId(), Version: st.GetRoadmap().GetVersion(),
		Item: &roadmapv1.ItemFields{Measure: "Провести форум наставников", DeadlineText: "До 30.11.2022"}}); err != nil {
		t.Fatal(err)
	}
	mw.drain() // the hand-down notices

	org0, org1 := mw.orgs[0].GetId(), mw.orgs[1].GetId()
	curator0 := "cur-" + org0 + "@school.test"
	curator1 := "cur-" + org1 + "@school.test"
	methodologist := "meth-" + mw.mun + "@school.test"
	// The clock moves hour by hour from Sunday 5 June 2022 10:00 UTC to
	// Monday 6 June 12:00 UTC, then in 6-hour steps to the next Sunday:
	// each digest arrives at Monday 08:00 in its own zone, once.
	arrived := map[string]time.Time{}
	seen := len(mw.mails())
	step := func(at time.Time) {
		mw.clock.Set(at)
		mw.tick()
		all, err := mw.mp.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range all[:len(all)-seen] { // newest first
			to := m.To[0].Address
			if _, dup := arrived[to]; dup {
				t.Errorf("a second digest to %s at %s: %s", to, at, m.Subject)
			}
			arrived[to] = at
		}
		seen = len(all)
	}
	// Saturday 4 June: the digests of the week of 30 May, which no sender
	// ran for, go out once, late.
	step(time.Date(2022, 6, 4, 6, 0, 0, 0, time.UTC))
	if len(arrived) != 3 {
		t.Fatalf("the missed digests of the week of 30 May: %v", arrived)
	}
	arrived = map[string]time.Time{}
	start := time.Date(2022, 6, 5, 10, 0, 0, 0, time.UTC)
	for at := start; !at.After(start.Add(26 * time.Hour)); at = at.Add(time.Hour) {
		step(at)
	}
	for at := start.Add(32 * time.Hour); at.Before(time.Date(2022, 6, 12, 12, 0, 0, 0, time.UTC)); at = at.Add(6 * time.Hour) {
		step(at)
	}
	want := map[string]time.Time{
		curator1:      time.Date(2022, 6, 5, 20, 0, 0, 0, time.UTC), // Monday 08:00 in Kamchatka (UTC+12)
		methodologist: time.Date(2022, 6, 6, 1, 0, 0, 0, time.UTC),  // Monday 08:00 in Krasnoyarsk (UTC+7)
		curator0:      time.Date(2022, 6, 6, 6, 0, 0, 0, time.UTC),  // Monday 08:00 in Kaliningrad (UTC+2)
	}
	if diff := cmp.Diff(want, arrived); diff != "" {
		t.Fatalf("digests of the first week, by arrival (-want +got):\n%s", diff)
	}

	// The curator's digest lists the school's overdue item and offers to
	// unsubscribe, in the footer and the List-Unsubscribe header.
	found, err := mw.mp.Search(ctx, "to:"+curator1+" subject:Просрочено")
	found = found[:min(len(found), 1)] // newest first: the week of 6 June's
	if err != nil || len(found) != 1 {
		t.Fatalf("search: %v %v", found, err)
	}
	m, err := mw.mp.Message(ctx, found[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Subject, "Просрочено в дорожной карте: 1 мероприятие, МБОУ СШ № 7") ||
		!strings.Contains(m.Text, items(r)["1.3"].GetMeasure()) || !strings.Contains(m.Text, "просрочено на") {
		t.Errorf("curator's digest:\n%s\n%s", m.Subject, m.Text)
	}
	var link string
	for _, line := range strings.Split(m.Text, "\n") {
		if after, ok := strings.CutPrefix(line, "Отписаться от сводок: "); ok {
			link = strings.TrimSpace(after)
		}
	}
	if !strings.HasPrefix(link, "https://nastavnik.test/unsubscribe?t=") || !strings.Contains(m.HTML, strings.ReplaceAll(link, "&", "&amp;")) {
		t.Fatalf("the digest's unsubscribe link %q:\n%s", link, m.Text)
	}
	h, err := mw.mp.Headers(ctx, found[0].ID)
	if err != nil || len(h["List-Unsubscribe"]) != 1 || h["List-Unsubscribe"][0] != "<"+link+">" {
		t.Errorf("List-Unsubscribe: %v %v, want <%s>", h["List-Unsubscribe"], err, link)
	}
	u, _ := url.Parse(link)
	if account, kind, err := notify.ParseUnsubscribe(u.Query().Get("t")); err != nil || account != "cur-"+org1 || kind != notices.KindCuratorDigest {
		t.Errorf("token names %q %q (%v)", account, kind, err)
	}
	// The methodologist's: the municipal roadmap's items, bounded, and the
	// schools with their counts.
	found, err = mw.mp.Search(ctx, "to:"+methodologist+" subject:Просрочено")
	if err != nil || len(found) != 2 {
		t.Fatalf("search: %v %v", found, err)
	}
	if m, err = mw.mp.Message(ctx, found[0].ID); err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"(городской округ город Красноярск) на 6 июня 2022 г.", "В дорожной карте муниципалитета просрочено",
		"- и ещё ", "В дорожных картах школ просрочено 2 мероприятия, школ с просрочкой — 2:", "- МАОУ СШ № 150: 1",
		"- МБОУ СШ № 7: 1", "https://nastavnik.test/overdue", "Отписаться от сводок: https://nastavnik.test/unsubscribe?t="} {
		if !strings.Contains(m.Text, part) {
			t.Errorf("methodologist's digest lacks %q:\n%s", part, m.Text)
		}
	}
	if own := strings.Count(m.Text, "просрочено на"); own != notices.DigestItems {
		t.Errorf("methodologist's digest lists %d items, want the bound %d", own, notices.DigestItems)
	}

	// The second week the service is down until Wednesday: each digest
	// goes out once when it is back, and not again that week.
	arrived = map[string]time.Time{}
	for at := time.Date(2022, 6, 15, 9, 0, 0, 0, time.UTC); at.Before(time.Date(2022, 6, 18, 0, 0, 0, 0, time.UTC)); at = at.Add(4 * time.Hour) {
		step(at)
	}
	back := time.Date(2022, 6, 15, 9, 0, 0, 0, time.UTC)
	want = map[string]time.Time{curator0: back, curator1: back, methodologist: back}
	if diff := cmp.Diff(want, arrived); diff != "" {
		t.Fatalf("digests of the second week, by arrival (-want +got):\n%s", diff)
	}
	// Every digest is in its recipient's list too; none was written for
	// the other municipality, with nothing overdue, nor for cur2 (digests off).
	var n int
	if err := mw.pool.QueryRow(ctx, `SELECT count(*) FROM notify_messages WHERE digest`).Scan(&n); err != nil || n != 9 {
		t.Errorf("digest messages: %d %v, want 9 (three weeks, three people)", n, err)
	}
	if err := mw.pool.QueryRow(ctx, `SELECT count(*) FROM notify_events WHERE digest AND (key LIKE '%' || $1 || '%' OR key LIKE '%' || $2 || '%')`,
		mw.orgs[2].GetId(), mw.otherMun).Scan(&n); err != nil || n != 0 {
		t.Errorf("digests with nothing overdue: %d %v", n, err)
	}
}

// TestDigestCheckedAtSendTime: the digests of Monday 6 June 2022 are written
// (with their content) at 06:00 UTC, when it is 08:00 or later in every
// zone; before they are sent the Kamchatka school marks its only overdue
// occurrence done. Its curator's digest is cancelled by the guard, not
// sent; the Kaliningrad curator's goes out, and the methodologist's — only
// part of whose items were done — goes out as written.
func TestDigestCheckedAtSendTime(t *testing.T) {
	mw := newMailWorld(t)
	ctx := context.Background()
	meth := mw.client(mw.methodologist())
	r := mw.importKrasnoyarsk(meth, false).GetRoadmap()
	if _, err := meth.CascadeItem(ctx, &roadmapv1.CascadeItemRequest{ItemId: items(r)["1.3"].GetId()}); err != nil {
		t.Fatal(err)
	}
	mw.drain() // the hand-down notices
	before := len(mw.mails())

	org0, org1 := mw.orgs[0].GetId(), mw.orgs[1].GetId()
	mw.clock.Set(time.Date(2022, 6, 6, 6, 0, 0, 0, time.UTC))
	if n, err := mw.store.ScheduleDigests(ctx, mw.clock.Now()); err != nil || n != 3 {
		t.Fatalf("digests written: %d %v, want 3", n, err)
	}
	if _, err := mw.outbox().Expand(ctx); err != nil { // rendered, not yet sent
		t.Fatal(err)
	}

	cur := mw.client(mw.curator(1))
	overdue, err := cur.ListOverdue(ctx, &roadmapv1.ListOverdueRequest{OrganisationId: org1})
	if err != nil || len(overdue.GetOccurrences()) != 1 {
		t.Fatalf("the Kamchatka school's overdue: %v %v", overdue, err)
	}
	o := overdue.GetOccurrences()[0]
	if _, err := cur.MarkOccurrence(ctx, &roadmapv1.MarkOccurrenceRequest{ItemId: o.GetItemId(), Due: o.GetDue(), Done: true}); err != nil {
		t.Fatal(err)
	}
	mw.drain()

	all := mw.mails()
	if len(all)-before != 2 || !strings.Contains(strings.Join(all, "\n"), "cur-"+org0+"@school.test Просрочено") ||
		!strings.Contains(strings.Join(all, "\n"), "meth-"+mw.mun+"@school.test Просрочено") ||
		strings.Contains(strings.Join(all, "\n"), "cur-"+org1+"@school.test Просрочено") {
		t.Fatalf("sent after the Kamchatka school's item was done:\n%s", strings.Join(all, "\n"))
	}
	var state int
	if err := mw.pool.QueryRow(ctx, `SELECT state FROM notify_messages WHERE kind = $1 AND account_id = $2`,
		notices.KindCuratorDigest, "cur-"+org1).Scan(&state); err != nil || state != 6 {
		t.Errorf("the Kamchatka curator's digest: state %d %v, want 6 (cancelled)", state, err)
	}
	// The methodologist's digest is the one written at 06:00: it still
	// counts the Kamchatka school.
	found, err := mw.mp.Search(ctx, "to:meth-"+mw.mun+"@school.test subject:Просрочено")
	if err != nil || len(found) != 1 {
		t.Fatalf("search: %v %v", found, err)
	}
	m, err := mw.mp.Message(ctx, found[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "- МАОУ СШ № 150: 1") || !strings.Contains(m.Text, "- МБОУ СШ № 7: 1") {
		t.Errorf("the methodologist's digest as written:\n%s", m.Text)
	}
}
