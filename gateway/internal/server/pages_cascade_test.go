package server_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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

// TestMunicipalRoadmapKeptInTheBrowser: the methodologist keeps the
// municipality's roadmap with the same pages as a school's: loads it from a
// file through the import form and its preview, adds an item, edits it, moves
// it up and marks it done. The pages pass axe-core, the weight bar and the
// 360-pixel check.
func TestMunicipalRoadmapKeptInTheBrowser(t *testing.T) {
	f := newFixture(t)
	c := newPageChecker(t, f.p.base)
	b := c.b
	if err := b.SignIn("methodologist", rolePassword("methodologist")); err != nil {
		t.Fatal(err)
	}
	if err := b.Open("/roadmap"); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`a[href="/roadmap/import?org=` + f.munA + `"]`); err != nil {
		t.Fatal(err)
	}
	c.check("municipal roadmap import form")
	file := filepath.Join(t.TempDir(), "карта-муниципалитета.txt")
	if err := os.WriteFile(file, []byte(municipalTSV), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := b.Do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.SetValue(chromedp.ID("period_start"), "2021-01-01"), chromedp.SetValue(chromedp.ID("period_end"), "2021-12-31")); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action="/roadmap/import"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	if h1 := text(t, b, "h1"); h1 != "Проверьте дорожную карту перед сохранением" {
		t.Fatalf("after upload: %q\n%s", h1, text(t, b, "main"))
	}
	if main := text(t, b, "main"); !strings.Contains(main, "Муниципалитет") || !strings.Contains(main, "Представить отчёт о мониторинге наставничества") {
		t.Errorf("municipal preview:\n%s", main)
	}
	c.checkHere("municipal roadmap import preview")
	if err := b.Submit(`form[action="/roadmap/import/confirm"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(b.Context(), chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`/roadmap/([0-9a-f-]{36})\?done=imported$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("after confirming: %s\n%s", loc, text(t, b, "main"))
	}
	roadmap := "/roadmap/" + m[1]
	c.check("municipal roadmap")

	// Add an item to stage 1.
	if err := b.Submit(`#stage-1 a[href*="/items/new"]`); err != nil {
		t.Fatal(err)
	}
	c.check("municipal new item form")
	if err := b.Do(chromedp.SetValue(chromedp.ID("measure"), "Провести семинар для кураторов"),
		chromedp.SetValue(chromedp.ID("deadline_text"), "До 01.12.2021")); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action$="/items/new"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	if h1 := text(t, b, "h1"); h1 != "Мероприятие 1.2" {
		t.Fatalf("new item: %q\n%s", h1, text(t, b, "main"))
	}
	// Edit it.
	if err := b.Submit(`a[href$="/edit"]`); err != nil {
		t.Fatal(err)
	}
	if err := b.Do(chromedp.SetValue(chromedp.ID("measure"), "Провести семинар для кураторов школ")); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action$="/edit"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	if main := text(t, b, "main"); !strings.Contains(main, "Провести семинар для кураторов школ") {
		t.Fatalf("edited item:\n%s", main)
	}
	// Move it up: it becomes 1.1.
	if err := b.Open(roadmap); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`#stage-1 tr:last-child button[value=up]`); err != nil {
		t.Fatal(err)
	}
	if row := text(t, b, "#stage-1 tbody tr:first-child"); !strings.Contains(row, "1.1") || !strings.Contains(row, "Провести семинар для кураторов школ") {
		t.Errorf("after moving up, 1.1 is:\n%s", row)
	}
	// Mark it done, on its page.
	if err := b.Submit(`#stage-1 tr:first-child td a[href*="/items/"]`); err != nil {
		t.Fatal(err)
	}
	if err := b.Do(chromedp.SetValue(chromedp.ID("note-2021-12-01"), "Семинар проведён")); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`#occ-2021-12-01 button[value=yes]`); err != nil {
		t.Fatal(err)
	}
	occ := text(t, b, "#occ-2021-12-01")
	for _, want := range []string{"выполнено", "отметил(а) methodologist", "Заметка: Семинар проведён"} {
		if !strings.Contains(occ, want) {
			t.Errorf("marked occurrence lacks %q:\n%s", want, occ)
		}
	}
	c.check("municipal roadmap item done")
	shots(t, b, "methodologist-municipal-roadmap-item")
}
