package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	chromium "github.com/nastavnik/nastavnik/gateway/internal/browser"
)

// TestExcelRoundTripInTheBrowser is the curator filling the report offline:
// download the file from the report page, fill it in Excel, upload it, see
// every change and the rule it breaks, confirm, and find the values saved.
// Then the cases that must not lose anything: a file downloaded before the
// report changed, a report changed between the preview and the
// confirmation, another report's file, a cell that is not a number, a file
// over the limit, a multipart form without its CSRF token.
func TestExcelRoundTripInTheBrowser(t *testing.T) {
	f := newFixture(t)
	report := f.indicators().repA1
	c := newPageChecker(t, f.p.base)
	b := c.b
	meth := f.clients["methodologist"]
	dir := t.TempDir()

	if err := b.SignIn("curator", rolePassword("curator")); err != nil {
		t.Fatal(err)
	}
	if err := b.Open("/reports/" + report); err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{"Скачать для заполнения в Excel", "Загрузить заполненный файл"} {
		if !strings.Contains(text(t, b, "main"), link) {
			t.Errorf("the report page lacks «%s»", link)
		}
	}

	// Download with the browser's session, fill offline.
	data := download(t, b, "/reports/"+report+"/xlsx")
	first := fillFile(t, data, dir, "filled.xlsx", map[string]any{
		"Педагогических работников, всего": 50, "Молодые педагоги": 60, "Обучающихся, всего": "1 200"})

	// Upload it: the preview lists each change and the broken rule; nothing is saved yet.
	if err := b.Open("/reports/" + report + "/upload"); err != nil {
		t.Fatal(err)
	}
	c.check("upload form")
	uploadFile(t, b, first)
	preview := text(t, b, "main")
	for _, want := range []string{"Проверьте изменения из файла", "Ничего ещё не сохранено", "Файл меняет 3 поля",
		"Педагогических работников, всего", "пусто → 50", "пусто → 60", "пусто → 1200",
		"«Молодые педагоги» не может быть больше, чем «Педагогических работников, всего»"} {
		if !strings.Contains(preview, want) {
			t.Errorf("the preview lacks %q:\n%s", want, preview)
		}
	}
	if v := savedValues(t, meth, report); len(v) != 0 {
		t.Fatalf("saved before confirming: %v", v)
	}
	c.checkHere("upload preview")
	narrow(t, b, "preview")

	// Confirm: the report page says saved; the values are in the report.
	if err := b.Submit(`form[action$="/upload/confirm"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	if main := text(t, b, "main"); !strings.Contains(main, "Сохранено") {
		t.Errorf("after confirming:\n%s", main)
	}
	want := map[string]string{"teachers_total": "50", "young_teachers": "60", "students_total": "1200"}
	if got := savedValues(t, meth, report); !sameCounts(got, want) {
		t.Errorf("saved %v, want %v", got, want)
	}

	// A file made before the report changed: the upload says so and saves
	// nothing; saving over the current version keeps what changed meanwhile.
	old := download(t, b, "/reports/"+report+"/xlsx")
	if err := b.Open("/reports/" + report); err != nil {
		t.Fatal(err)
	}
	fill(t, b, map[string]string{"teachers_total": "70"})
	if err := b.Submit(`button[value=save]`); err != nil {
		t.Fatal(err)
	}
	staleFile := fillFile(t, old, dir, "stale.xlsx", map[string]any{"Молодые педагоги": 8})
	if err := b.Open("/reports/" + report + "/upload"); err != nil {
		t.Fatal(err)
	}
	uploadFile(t, b, staleFile)
	if h1 := text(t, b, "h1"); h1 != "Отчёт изменился после того, как вы скачали файл" {
		t.Errorf("stale file: h1 %q\n%s", h1, text(t, b, "main"))
	}
	for _, want := range []string{"Ничего не сохранено и ничего не потеряно", "скачать новый файл", "60 → 8"} {
		if main := text(t, b, "main"); !strings.Contains(main, want) {
			t.Errorf("the stale preview lacks %q:\n%s", want, main)
		}
	}
	want = map[string]string{"teachers_total": "70", "young_teachers": "60", "students_total": "1200"}
	if got := savedValues(t, meth, report); !sameCounts(got, want) {
		t.Errorf("a stale file saved something: %v", got)
	}
	c.checkHere("stale preview")
	narrow(t, b, "stale-preview")
	if err := b.Submit(`form[action$="/upload/confirm"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	want = map[string]string{"teachers_total": "70", "young_teachers": "8", "students_total": "1200"}
	if got := savedValues(t, meth, report); !sameCounts(got, want) {
		t.Errorf("saved over the current version: %v, want %v", got, want)
	}

	// The report changes between the preview and the confirmation.
	fresh := fillFile(t, download(t, b, "/reports/"+report+"/xlsx"), dir, "fresh.xlsx", map[string]any{"Молодые педагоги": 9})
	if err := b.Open("/reports/" + report + "/upload"); err != nil {
		t.Fatal(err)
	}
	uploadFile(t, b, fresh)
	curator := f.clients["curator"]
	var rep struct {
		Version string `json:"version"`
	}
	curator.do("GET", "/v1/reports/"+report, nil, &rep)
	if code := curator.do("PATCH", "/v1/reports/"+report, map[string]any{"version": rep.Version,
		"values": map[string]any{"students_total": map[string]any{"count": 1300}}}, nil); code != 200 {
		t.Fatalf("save through the API: %d", code)
	}
	if err := b.Submit(`form[action$="/upload/confirm"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	if h1 := text(t, b, "h1"); h1 != "Отчёт изменился после того, как вы скачали файл" {
		t.Errorf("changed before confirming: h1 %q", h1)
	}
	want = map[string]string{"teachers_total": "70", "young_teachers": "8", "students_total": "1300"}
	if got := savedValues(t, meth, report); !sameCounts(got, want) {
		t.Errorf("a stale confirmation saved something: %v", got)
	}

	// Another report's file, and a cell that is not a number: Russian
	// messages naming the sheet and cell; nothing saved.
	other := f.newReport(f.newCampaign(f.munA), f.a1.GetId(), "draft")
	foreign := fillFile(t, download(t, b, "/reports/"+other+"/xlsx"), dir, "other.xlsx", nil)
	bad := fillFile(t, download(t, b, "/reports/"+report+"/xlsx"), dir, "bad.xlsx", map[string]any{"Молодые педагоги": "много"})
	for name, tc := range map[string]struct{ path, want string }{
		"another report": {foreign, "Лист «Отчёт», ячейка B2: это файл другого отчёта"},
		"not a number":   {bad, "Лист «Отчёт», ячейка C11: введите целое число"},
	} {
		if err := b.Open("/reports/" + report + "/upload"); err != nil {
			t.Fatal(err)
		}
		uploadFile(t, b, tc.path)
		if got := text(t, b, "#error-summary"); !strings.Contains(got, tc.want) {
			t.Errorf("%s: the summary says %q, want %q", name, got, tc.want)
		}
		if got := text(t, b, ".field--error"); !strings.Contains(got, tc.want) {
			t.Errorf("%s: the field says %q", name, got)
		}
		c.checkHere("upload form with a problem: " + name)
		narrow(t, b, "upload-"+strings.ReplaceAll(name, " ", "-"))
	}
	if got := savedValues(t, meth, report); !sameCounts(got, want) {
		t.Errorf("a refused file saved something: %v", got)
	}

	// A file over the limit is refused before it is read.
	big := filepath.Join(dir, "big.xlsx")
	if err := os.WriteFile(big, bytes.Repeat([]byte("x"), 5<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := b.Open("/reports/" + report + "/upload"); err != nil {
		t.Fatal(err)
	}
	uploadFile(t, b, big)
	if h1 := text(t, b, "h1"); h1 != "Файл слишком большой" {
		t.Errorf("a 5 MB file: h1 %q", h1)
	}

	// A multipart form without the CSRF token is refused.
	if err := b.Open("/reports/" + report + "/upload"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.Context(), 30*time.Second)
	defer cancel()
	code, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const fd = new FormData(); fd.append("file", new Blob(["x"]), "a.xlsx");
		return fetch("/reports/`+report+`/upload", {method: "POST", body: fd}).then(r => String(r.status)); })()`, chromedp.EvalAwaitPromise))
	if err != nil || code != "403" {
		t.Errorf("a multipart form without its token: %s, %v", code, err)
	}
}

// download fetches a file in the page, with the browser's session, and
// checks it comes as an attachment of an xlsx.
func download(t *testing.T, b *chromium.Browser, path string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), 30*time.Second)
	defer cancel()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+strconv.Quote(path)+`).then(async r => {
		const u = new Uint8Array(await r.arrayBuffer());
		let s = "";
		for (let i = 0; i < u.length; i += 8192) s += String.fromCharCode.apply(null, u.subarray(i, i + 8192));
		return JSON.stringify({status: r.status, type: r.headers.get("Content-Type"),
			disposition: r.headers.get("Content-Disposition"), body: btoa(s)});
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download %s: %v", path, err)
	}
	var resp struct {
		Status            int
		Type, Disposition string
		Body              string
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.Type != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		!strings.HasPrefix(resp.Disposition, `attachment; filename="report.xlsx"; filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%20`) {
		t.Fatalf("download %s: %d %s %s", path, resp.Status, resp.Type, resp.Disposition)
	}
	data, err := base64.StdEncoding.DecodeString(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// fillFile sets the value cells of the fields with the given labels, as
// Excel would, and saves the file in dir.
func fillFile(t *testing.T, data []byte, dir, name string, values map[string]any) string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows("Отчёт")
	if err != nil {
		t.Fatal(err)
	}
	for label, v := range values {
		row := 0
		for i, r := range rows {
			if len(r) > 0 && r[0] == label {
				row = i + 1
			}
		}
		if row == 0 {
			t.Fatalf("no row «%s» in the file", label)
		}
		if err := x.SetCellValue("Отчёт", fmt.Sprintf("C%d", row), v); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, name)
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// uploadFile chooses a file in the upload form and sends it.
func uploadFile(t *testing.T, b *chromium.Browser, path string) {
	t.Helper()
	if err := b.Do(chromedp.SetUploadFiles(chromedp.ID("file"), []string{path})); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action$="/upload"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
}

// savedValues are the report's counts as the API answers them.
func savedValues(t *testing.T, c client, id string) map[string]string {
	t.Helper()
	var rep struct {
		Values map[string]map[string]any `json:"values"`
	}
	if code := c.do("GET", "/v1/reports/"+id, nil, &rep); code != 200 {
		t.Fatalf("read the report: %d", code)
	}
	out := map[string]string{}
	for k, v := range rep.Values {
		if n, ok := v["count"]; ok {
			out[k] = fmt.Sprint(n)
		}
	}
	return out
}

func sameCounts(got, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}
