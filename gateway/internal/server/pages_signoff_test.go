package server_test

import (
	"strings"
	"testing"
)

// TestMunicipalSignOffInTheBrowser is the end of the season in Chromium: the
// methodologist signs municipality A's summary off to the region with one
// school still missing (a comment is required and named beside the field);
// the regional centre sees the municipality signed with who and the comment,
// drills down to the municipality and on to the school's report, and sends
// the summary back (an empty comment refused beside the field); the
// methodologist reads why and signs again; a school's report changed
// afterwards marks the sign-off outdated on the region's page; the operator
// sees it on the country's page and drills down region → municipality →
// school. Every page
// passes axe-core, the weight bar and the 360-pixel check.
func TestMunicipalSignOffInTheBrowser(t *testing.T) {
	f := newFixture(t)
	ind := f.indicators()
	f.newReport(ind.campA, f.a1.GetId(), "accepted")

	c := newPageChecker(t, f.p.base)
	b := c.b
	if err := b.SignIn("methodologist", rolePassword("methodologist")); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit("#signoff-link"); err != nil {
		t.Fatal(err)
	}
	main := text(t, b, "main")
	for _, want := range []string{"Подписание сводки для региона", "Не подписано", "принято 1 из 2", f.a2.GetShortName(),
		"Обязательно: не все отчёты приняты", "Сводку ещё не подписывали"} {
		if !strings.Contains(main, want) {
			t.Errorf("sign-off page lacks %q:\n%s", want, main)
		}
	}
	c.check("sign-off")
	shots(t, b, "methodologist-signoff")

	// Without a comment: refused, said beside the field.
	if err := b.Submit("#sign"); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, "#comment-error"); !strings.Contains(got, "Не все отчёты приняты") {
		t.Errorf("the comment's error: %q", got)
	}
	c.checkHere("sign-off refused")
	const comment = "СШ № 2 не сдала: директор на больничном до 20 декабря"
	if _, err := b.EvalString(`(() => { document.getElementById("comment").value = "` + comment + `"; return ""; })()`); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit("#sign"); err != nil {
		t.Fatal(err)
	}
	main = text(t, b, "main")
	for _, want := range []string{"Сводка подписана и передана в регион.", "Подписано", "methodologist", comment,
		"Подписано и передано в регион", "принято 1 из 2"} {
		if !strings.Contains(main, want) {
			t.Errorf("after signing, lacks %q:\n%s", want, main)
		}
	}
	if n, err := b.EvalString(`String(document.querySelectorAll("#comment").length)`); err != nil || n != "0" {
		t.Errorf("a signed summary still offers the form: %s %v", n, err)
	}
	c.check("signed off")
	shots(t, b, "methodologist-signed-off")
	if err := b.SignOut(); err != nil {
		t.Fatal(err)
	}

	// The regional centre sees it on the region's page.
	if err := b.SignIn("regional", rolePassword("regional")); err != nil {
		t.Fatal(err)
	}
	row := text(t, b, `#completeness-table a[href^="/region/municipalities/`+f.munA+`"]`)
	if row == "" {
		t.Fatal("no row of municipality A")
	}
	cell, err := b.EvalString(`document.querySelector('#completeness-table a[href^="/region/municipalities/` + f.munA +
		`"]').closest("tr").querySelector('[data-label="Подписание"]').innerText`)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Подписано", "methodologist", comment} {
		if !strings.Contains(cell, want) {
			t.Errorf("municipality A's sign-off cell lacks %q: %q", want, cell)
		}
	}
	if got := text(t, b, "#signoff-counts"); !strings.Contains(got, "подписано 1") {
		t.Errorf("sign-off counts: %q", got)
	}
	c.check("regional dashboard with a sign-off")
	shots(t, b, "regional-dashboard-signoff")

	// Drill down: the municipality, then the school's report.
	if err := b.Submit(`#completeness-table a[href^="/region/municipalities/` + f.munA + `"]`); err != nil {
		t.Fatal(err)
	}
	main = text(t, b, "main")
	for _, want := range []string{"Подписание сводки", "Подписано", comment, "Вернуть сводку", f.a1.GetShortName()} {
		if !strings.Contains(main, want) {
			t.Errorf("municipality page lacks %q:\n%s", want, main)
		}
	}
	c.check("regional municipality with a sign-off")
	shots(t, b, "regional-municipality-signoff")
	munURL, err := b.EvalString("location.pathname + location.search")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`a[href^="/region/reports/"]`); err != nil {
		t.Fatal(err)
	}
	if main = text(t, b, "main"); !strings.Contains(main, f.a1.GetShortName()) || !strings.Contains(main, "Только просмотр") {
		t.Errorf("the school's report:\n%s", main)
	}

	// Send it back: an empty comment is refused beside the field.
	if err := b.Open(munURL); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action$="/sendback"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, ".signoff .error-message"); !strings.Contains(got, "Напишите") && !strings.Contains(got, "Не короче") {
		t.Errorf("an empty send-back: %q", got)
	}
	c.checkHere("send-back refused")
	const why = "Досдайте отчёт СШ № 2 до 25 декабря"
	if _, err := b.EvalString(`(() => { document.querySelector('form[action$="/sendback"] textarea').value = "` + why + `"; return ""; })()`); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action$="/sendback"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	main = text(t, b, "main")
	for _, want := range []string{"Сводка возвращена муниципалитету.", "Возвращено регионом", why, "regional"} {
		if !strings.Contains(main, want) {
			t.Errorf("after sending back, lacks %q:\n%s", want, main)
		}
	}
	if err := b.SignOut(); err != nil {
		t.Fatal(err)
	}

	// The methodologist reads why and signs again.
	if err := b.SignIn("methodologist", rolePassword("methodologist")); err != nil {
		t.Fatal(err)
	}
	if err := b.Open("/campaigns/" + ind.campA + "/signoff"); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, "#sent-back"); !strings.Contains(got, why) {
		t.Errorf("the send-back's comment: %q", got)
	}
	c.check("sign-off sent back")
	shots(t, b, "methodologist-signoff-sent-back")
	if _, err := b.EvalString(`(() => { document.getElementById("comment").value = "СШ № 2 сдаст 24 декабря"; return ""; })()`); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit("#sign"); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, "#signoff-state"); !strings.Contains(got, "Подписано") {
		t.Errorf("signed again: %q", got)
	}
	if err := b.SignOut(); err != nil {
		t.Fatal(err)
	}

	// School A2's curator saves its report: the region sees the sign-off
	// outdated.
	f.newReport(ind.campA, f.a2.GetId(), "filled")
	if err := b.SignIn("regional", rolePassword("regional")); err != nil {
		t.Fatal(err)
	}
	cell, err = b.EvalString(`document.querySelector('#completeness-table a[href^="/region/municipalities/` + f.munA +
		`"]').closest("tr").querySelector('[data-label="Подписание"]').innerText`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cell, "Подпись устарела") {
		t.Errorf("after a report changed, municipality A's sign-off: %q", cell)
	}
	if err := b.SignOut(); err != nil {
		t.Fatal(err)
	}

	// The operator's country: region 24 with its sign-offs, drilled down to
	// the municipality and on to the school.
	if err := b.SignIn("operator", rolePassword("operator")); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`a[href="/country"]`); err != nil {
		t.Fatal(err)
	}
	cell, err = b.EvalString(`document.querySelector('#completeness-table a[href^="/region/24?"]').closest("tr").innerText`)
	if err != nil {
		t.Fatalf("no row of region 24: %v\n%s", err, text(t, b, "main"))
	}
	if !strings.Contains(cell, "устарело 1") {
		t.Errorf("region 24's row: %q", cell)
	}
	if main = text(t, b, "main"); !strings.Contains(main, "Страна в целом") {
		t.Errorf("country page:\n%s", main)
	}
	c.check("country")
	shots(t, b, "operator-country")
	if err := b.Submit(`#completeness-table a[href^="/region/24?"]`); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`#completeness-table a[href^="/region/municipalities/` + f.munA + `"]`); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`a[href^="/region/reports/"]`); err != nil {
		t.Fatal(err)
	}
	if main = text(t, b, "main"); !strings.Contains(main, "Только просмотр") {
		t.Errorf("the operator's drill-down to the school:\n%s", main)
	}
}
