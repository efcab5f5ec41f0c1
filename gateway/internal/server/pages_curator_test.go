package server_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	chromium "github.com/nastavnik/nastavnik/gateway/internal/browser"
)

// pageChecker runs the checks every page must pass, as a person's browser
// sees it: no serious or critical axe-core violation, under 100 KB on first
// load, and the security headers.
type pageChecker struct {
	t   *testing.T
	b   *chromium.Browser
	axe string
	// checked counts the pages checked, by path pattern.
	checked map[string]bool
}

func newPageChecker(t *testing.T, base string) *pageChecker {
	t.Helper()
	b, err := chromium.Start(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	axe, err := chromium.AxeSource()
	if err != nil {
		t.Fatal(err)
	}
	return &pageChecker{t: t, b: b, axe: axe, checked: map[string]bool{}}
}

const maxPageBytes = 100 * 1024

// check checks the page the browser shows now, named for the messages, as
// it comes on a fresh first load.
func (c *pageChecker) check(name string) {
	c.t.Helper()
	loc, err := c.b.EvalString("location.pathname + location.search")
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.b.Open(loc); err != nil {
		c.t.Fatal(err)
	}
	c.checkHere(name)
	narrow(c.t, c.b, name)
}

// checkHere runs the page checks on a page a POST answered, in place:
// loading its address again would show another page.
func (c *pageChecker) checkHere(name string) {
	c.t.Helper()
	vs, err := c.b.Axe(c.axe, "serious", "critical")
	if err != nil {
		c.t.Fatalf("%s: %v", name, err)
	}
	for _, v := range vs {
		c.t.Errorf("%s: axe %s (%s): %s at %v", name, v.ID, v.Impact, v.Help, v.Targets)
	}
	n, err := c.b.Weight()
	if err != nil {
		c.t.Fatal(err)
	}
	if n <= 0 || n > maxPageBytes {
		c.t.Errorf("%s: %d bytes, want 1..%d", name, n, maxPageBytes)
	}
	c.checked[name] = true
}

// narrow checks the page the browser shows fits a 360-pixel screen without
// scrolling sideways. With PAGE_SCREENSHOTS set to a directory, it saves the
// page there at 1280 and 360 pixels for a person to look at.
func narrow(t *testing.T, b *chromium.Browser, name string) {
	t.Helper()
	dir := os.Getenv("PAGE_SCREENSHOTS")
	slug := strings.NewReplacer(" ", "-", ":", "", "(", "", ")", "", "/", "-").Replace(name)
	for _, width := range []int64{1280, 360} {
		scroll, png, err := b.AtWidth(width, dir != "")
		if err != nil {
			t.Fatalf("%s at %d px: %v", name, width, err)
		}
		if scroll > width {
			t.Errorf("%s is %d pixels wide on a %d-pixel screen", name, scroll, width)
		}
		if dir != "" {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", slug, width)), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// checkHeaders fetches a page without the browser and checks its headers.
func checkHeaders(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", url, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: CSP %q allows unsafe code", url, csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %s = %q, want %q", url, h, got, want)
		}
	}
}

// TestCuratorYearInTheBrowser is the curator's December as a person goes
// through it in Chromium: sign in, see the deadline, fill the form, see a
// violation beside its field, fix it, submit; the methodologist returns the
// report with a comment and a field remark; the curator sees both in place,
// fixes and submits again. Every page passes axe-core and the weight bar.
func TestCuratorYearInTheBrowser(t *testing.T) {
	f := newFixture(t)
	ind := f.indicators()
	campaign, report := ind.campA, ind.repA1
	checkHeaders(t, f.p.base+"/login")
	c := newPageChecker(t, f.p.base)
	b := c.b

	if err := b.Open("/login"); err != nil {
		t.Fatal(err)
	}
	c.check("sign-in")
	if err := b.SignIn("curator", rolePassword("curator")); err != nil {
		t.Fatal(err)
	}
	// Home: the campaign, its deadline in the school's own time, the next step.
	main := text(t, b, "main")
	year := f.years[f.munA]
	for _, want := range []string{fmt.Sprintf("Срок: до 23:59 15 декабря %d г.", year), "по местному времени", "Черновик", "Продолжить заполнение"} {
		if !strings.Contains(main, want) {
			t.Errorf("home lacks %q:\n%s", want, main)
		}
	}
	c.check("curator home")

	// The report form: a young-teachers count above all teachers.
	if err := b.Open("/reports/" + report); err != nil {
		t.Fatal(err)
	}
	c.check("report form")
	// With JavaScript the violation appears as the person types.
	fill(t, b, map[string]string{"teachers_total": "", "young_teachers": ""})
	if err := b.Type("#f_teachers_total", "50"); err != nil {
		t.Fatal(err)
	}
	if err := b.Type("#f_young_teachers", "60"); err != nil {
		t.Fatal(err)
	}
	if err := b.WaitVisible("#field-young_teachers .live-message"); err != nil {
		t.Fatalf("no live check beside the field: %v", err)
	}
	if live := text(t, b, "#field-young_teachers .live-message"); !strings.Contains(live, "олодых") && !strings.Contains(live, "олодые") {
		t.Errorf("live message: %q", live)
	}
	fill(t, b, map[string]string{"teachers_total": "50", "young_teachers": "60"})
	if err := b.Submit(`button[value=save]`); err != nil {
		t.Fatal(err)
	}
	beside := text(t, b, "#field-young_teachers")
	if !strings.Contains(beside, "Ошибка") || !strings.Contains(text(t, b, "#error-summary"), "Исправьте") {
		t.Fatalf("no violation beside the field after save:\n%s", beside)
	}
	c.check("report form with violations")

	// Fix it and fill the rest as a school would.
	fillAll(t, b)
	fill(t, b, map[string]string{"teachers_total": "50", "young_teachers": "8", "young_teachers_supported": "6",
		"students_total": "600"})
	if err := b.Submit(`button[value=submit]`); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, "h1"); got != "Отправить отчёт методисту?" {
		t.Fatalf("after save and go on: h1 %q\n%s", got, text(t, b, "main"))
	}
	c.check("submit confirmation")
	confirmAndSubmit(t, b)
	if main := text(t, b, "main"); !strings.Contains(main, "Отправлен, на проверке") {
		t.Fatalf("home after submit:\n%s", main)
	}

	// The methodologist returns it with a comment and a remark on one field.
	meth := f.clients["methodologist"]
	var got struct {
		Version string `json:"version"` // GET answers the report itself
	}
	if code := meth.do("GET", "/v1/reports/"+report, nil, &got); code != 200 {
		t.Fatalf("methodologist reads the report: %d", code)
	}
	var errBody map[string]any
	if code := meth.do("POST", "/v1/reports/"+report+":return", map[string]any{"version": got.Version,
		"comment": "Проверьте число молодых педагогов", "remarks": map[string]string{"young_teachers": "В прошлом году было 12: уточните"}}, &errBody); code != 200 {
		t.Fatalf("return: %d %v", code, errBody)
	}

	// The curator sees the comment at the top and the remark at its field.
	if err := b.Open("/reports/" + report); err != nil {
		t.Fatal(err)
	}
	if main := text(t, b, "main"); !strings.Contains(main, "Комментарий методиста: Проверьте число молодых педагогов") {
		t.Errorf("returned report lacks the comment:\n%s", main)
	}
	if beside := text(t, b, "#field-young_teachers"); !strings.Contains(beside, "Замечание методиста: В прошлом году было 12: уточните") {
		t.Errorf("the remark is not beside its field:\n%s", beside)
	}
	c.check("returned report")
	fill(t, b, map[string]string{"young_teachers": "12", "young_teachers_supported": "9"})
	if err := b.Submit(`button[value=submit]`); err != nil {
		t.Fatal(err)
	}
	confirmAndSubmit(t, b)
	var rep struct {
		Status string                    `json:"status"`
		Values map[string]map[string]any `json:"values"`
	}
	meth.do("GET", "/v1/reports/"+report, nil, &rep)
	if rep.Status != "REPORT_STATUS_SUBMITTED" || fmt.Sprint(rep.Values["young_teachers"]["count"]) != "12" {
		t.Errorf("after resubmission: %s, young teachers %v", rep.Status, rep.Values["young_teachers"])
	}
	_ = campaign

	// The history lists every change: who, when, old → new.
	if err := b.Open("/reports/" + report + "/history"); err != nil {
		t.Fatal(err)
	}
	hist := text(t, b, "main")
	for _, want := range []string{"Статус: черновик → отправлен", "Статус: отправлен → возвращён на доработку",
		"Молодые педагоги", "curator", "methodologist", "Проверьте число молодых педагогов"} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q:\n%s", want, hist)
		}
	}
	c.check("report history")
}

func text(t *testing.T, b *chromium.Browser, sel string) string {
	t.Helper()
	s, err := b.Text(sel)
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// fill types values into count fields by code.
func fill(t *testing.T, b *chromium.Browser, values map[string]string) {
	t.Helper()
	for code, v := range values {
		if _, err := b.EvalString(fmt.Sprintf(`(() => { const e = document.getElementById("f_%s"); e.value = %q; return e.value; })()`, code, v)); err != nil {
			t.Fatalf("fill %s: %v", code, err)
		}
	}
}

// fillAll gives every empty count 1, answers every yes/no «да» with a
// document number, and confirms carried-over values.
func fillAll(t *testing.T, b *chromium.Browser) {
	t.Helper()
	if _, err := b.EvalString(`(() => {
		document.querySelectorAll('input[inputmode=numeric]').forEach(e => { if (!e.value) e.value = "1"; });
		document.querySelectorAll('input[type=radio][value=yes]').forEach(e => { e.checked = true; });
		document.querySelectorAll('input[id$=_number]').forEach(e => { if (!e.value) e.value = "1-од"; });
		document.querySelectorAll('input[name=confirm]').forEach(e => { e.checked = true; });
		return "";
	})()`); err != nil {
		t.Fatal(err)
	}
}

// confirmAndSubmit ticks the warnings box when there is one and submits.
func confirmAndSubmit(t *testing.T, b *chromium.Browser) {
	t.Helper()
	if _, err := b.EvalString(`(() => { const c = document.getElementById("confirm_warnings"); if (c) c.checked = true; return ""; })()`); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action$="/submit"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
}
