package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestMunicipalRoadmapCascadeInTheBrowser: the methodologist opens an item of
// the municipality's roadmap, hands it down to every school, and reads the
// per-school table (done / not yet / overdue), each row opening the school's
// copy; handing it down again adds nobody. The pages pass axe-core, the
// weight bar and the 360-pixel check.
func TestMunicipalRoadmapCascadeInTheBrowser(t *testing.T) {
	f := newFixture(t)
	rm := f.roadmap("municipality", f.munA)

	c := newPageChecker(t, f.p.base)
	b := c.b
	if err := b.SignIn("methodologist", rolePassword("methodologist")); err != nil {
		t.Fatal(err)
	}
	item := "/roadmap/" + rm.id + "/items/" + rm.item
	if err := b.Open(item); err != nil {
		t.Fatal(err)
	}
	if main := text(t, b, "main"); !strings.Contains(main, "Мероприятие ещё не передано школам.") || !strings.Contains(main, "Передать всем школам") {
		t.Fatalf("the municipal item before the hand-down:\n%s", main)
	}
	c.check("municipal item")
	if err := b.Submit("#cascade-button"); err != nil {
		t.Fatal(err)
	}
	main := text(t, b, "main")
	for _, want := range []string{"получили 2 школы", f.a1.GetShortName(), f.a2.GetShortName()} {
		if !strings.Contains(main, want) {
			t.Errorf("after the hand-down, lacks %q:\n%s", want, main)
		}
	}
	counts := text(t, b, "#cascade-counts")
	if !strings.Contains(counts, "Выполнено — 0") {
		t.Errorf("counts: %q", counts)
	}
	rows := text(t, b, "#cascade-table tbody")
	if n := strings.Count(rows, "Просрочено") + strings.Count(rows, "Ещё не выполнено"); n != 2 {
		t.Errorf("per-school states: %q", rows)
	}
	c.check("municipal item handed down")
	shots(t, b, "methodologist-roadmap-cascade")

	// Each row opens the school's copy, read-only for the methodologist.
	if err := b.Submit("#cascade-table tbody a"); err != nil {
		t.Fatal(err)
	}
	if main = text(t, b, "main"); strings.Contains(main, "Передать всем школам") || !strings.Contains(main, "Вернуться к дорожной карте") {
		t.Errorf("the school's copy:\n%s", main)
	}
	if err := b.Open(item); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit("#cascade-button"); err != nil {
		t.Fatal(err)
	}
	if main = text(t, b, "main"); !strings.Contains(main, "получили 0 школ, у 2 школ оно уже было") {
		t.Errorf("a second hand-down:\n%s", main)
	}

	// The school's curator was told once (the roadmap service's outbox runs
	// every 200 ms here): the notice is in the merged list of the API and of
	// the notifications page, unread in the header, until read.
	cur := f.clients["curator"]
	type notice struct{ ID, Kind, Subject, Text string }
	var list struct {
		Notifications []notice `json:"notifications"`
		UnreadCount   int      `json:"unreadCount"`
	}
	handedDown := func() (notice, int) {
		var found notice
		n := 0
		for _, m := range list.Notifications {
			if m.Kind == "roadmap_item_handed_down" {
				found = m
				n++
			}
		}
		return found, n
	}
	for range 50 {
		if code := cur.do("GET", "/v1/notifications", nil, &list); code != 200 {
			t.Fatalf("GET /v1/notifications: %d", code)
		}
		if _, n := handedDown(); n > 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	// (With the real clock, the weekly overdue digest may be there too.)
	if m, n := handedDown(); n != 1 || list.UnreadCount != len(list.Notifications) || !strings.HasPrefix(m.ID, "roadmap-") ||
		!strings.Contains(m.Text, "Разработать положение о наставничестве") || !strings.Contains(m.Text, "/items/") {
		t.Fatalf("the curator's notifications: %+v", list)
	}
	if err := b.SignOut(); err != nil {
		t.Fatal(err)
	}
	if err := b.SignIn("curator", rolePassword("curator")); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, ".header__who"); !strings.Contains(got, fmt.Sprintf("Уведомления %d", list.UnreadCount)) {
		t.Errorf("the curator's header: %q, want %d unread", got, list.UnreadCount)
	}
	if err := b.Open("/notifications"); err != nil {
		t.Fatal(err)
	}
	notes := text(t, b, "main")
	for _, want := range []string{"Новое", "Новое мероприятие в дорожной карте: " + f.a1.GetShortName(), "Разработать положение о наставничестве"} {
		if !strings.Contains(notes, want) {
			t.Errorf("the curator's notifications page lacks %q:\n%s", want, notes)
		}
	}
	c.check("curator notifications, roadmap")
	shots(t, b, "curator-notifications-roadmap")
	if err := b.Submit(`h1 ~ form button[type="submit"]`); err != nil { // «Отметить все прочитанными»
		t.Fatal(err)
	}
	if got := text(t, b, "main"); !strings.Contains(got, "Все прочитаны.") {
		t.Errorf("after reading:\n%s", got)
	}
	if code := cur.do("GET", "/v1/notifications", nil, &list); code != 200 || list.UnreadCount != 0 {
		t.Errorf("after reading, unread %d (%d)", list.UnreadCount, code)
	}
}
