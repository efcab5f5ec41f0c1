package server_test

import (
	"strings"
	"testing"
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
}
