package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	chromium "github.com/nastavnik/nastavnik/gateway/internal/browser"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// TestMethodologistReviewInTheBrowser is the methodologist's December in
// Chromium: the dashboard shows school A1's submitted report; the
// methodologist opens it beside last year's, returns it with a comment and
// a remark on one field; the curator resubmits; the methodologist accepts it
// and the municipality's indicator now counts it; the other school's clean
// report is accepted in bulk. Every page passes axe-core and the weight bar,
// and none is wider than a 360-pixel screen. With METHOD_SCREENSHOTS set to a
// directory the pages are saved there at 1280 and 360 pixels.
func TestMethodologistReviewInTheBrowser(t *testing.T) {
	f := newFixture(t)
	ind := f.indicators()
	campaign, report := ind.campA, ind.repA1
	// Last year: A1's report accepted in a 2025 campaign, from the archive.
	past := f.pastCampaign(f.munA, 2025)
	f.importAccepted(past, f.a1.GetId(), time.Date(2025, 12, 1, 5, 0, 0, 0, time.UTC))
	// This year: A1 and A2 submitted; a roadmap item of A1 overdue since 2022.
	f.newReport(campaign, f.a1.GetId(), "submitted")
	f.newReport(campaign, f.a2.GetId(), "submitted")
	f.roadmap("organisation", f.a1.GetId())

	c := newPageChecker(t, f.p.base)
	b := c.b
	if err := b.SignIn("methodologist", rolePassword("methodologist")); err != nil {
		t.Fatal(err)
	}
	const coverage = "#coverage-teachers_involved_share"
	main := text(t, b, "main")
	for _, want := range []string{"Кто сдал отчёт", "Ждут проверки", f.a1.GetShortName(), "Проверить",
		"Разработать положение о наставничестве", "Показатели муниципалитета за 2026 год", "отправлен отчёт"} {
		if !strings.Contains(main, want) {
			t.Errorf("dashboard lacks %q:\n%s", want, main)
		}
	}
	if got := text(t, b, coverage); !strings.Contains(got, "нет принятых отчётов (ожидается 2 организации)") {
		t.Errorf("coverage before any acceptance: %q", got)
	}
	c.check("methodologist dashboard")
	shots(t, b, "methodologist-dashboard")

	// The tile opens the list behind it.
	if err := b.Submit(`a.tile[href*="state=submitted"]`); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, "main"); !strings.Contains(got, "Организации: Ждут проверки") || !strings.Contains(got, "Показаны 1–2 из 2") {
		t.Errorf("the submitted list:\n%s", got)
	}
	c.check("organisations")
	shots(t, b, "methodologist-organisations")

	// The review: this year beside last year, the rule results.
	if err := b.Submit(`a[href="/review/` + report + `"]`); err != nil {
		t.Fatal(err)
	}
	main = text(t, b, "main")
	for _, want := range []string{"проверка отчёта", "Значения: 2026 и 2025 год", "Ошибок и предупреждений нет", "без изменений"} {
		if !strings.Contains(main, want) {
			t.Errorf("review lacks %q:\n%s", want, main)
		}
	}
	c.check("review")
	shots(t, b, "methodologist-review")

	// Return it with a comment and a remark on one field.
	if _, err := b.EvalString(`(() => {
		document.querySelector("#row-young_teachers + tr details").open = true;
		document.getElementById("remark_young_teachers").value = "В прошлом году было 10: уточните";
		document.getElementById("comment").value = "Проверьте раздел о молодых педагогах";
		return ""; })()`); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit("#return-button"); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, "main"); !strings.Contains(got, "Отчёт возвращён на доработку.") ||
		!strings.Contains(got, "Комментарий: Проверьте раздел о молодых педагогах") || !strings.Contains(got, "В прошлом году было 10: уточните") {
		t.Fatalf("after returning:\n%s", got)
	}
	c.check("returned review")

	// The curator reads both and resubmits (through the API), with young
	// teachers tripled: a warning the methodologist sees.
	cur := f.clients["curator"]
	var rep struct {
		Version       string            `json:"version"`
		Status        string            `json:"status"`
		ReturnComment string            `json:"returnComment"`
		Remarks       map[string]string `json:"remarks"`
	}
	if code := cur.do("GET", "/v1/reports/"+report, nil, &rep); code != 200 || rep.Status != "REPORT_STATUS_RETURNED" ||
		rep.ReturnComment != "Проверьте раздел о молодых педагогах" || rep.Remarks["young_teachers"] != "В прошлом году было 10: уточните" ||
		len(rep.Remarks) != 1 {
		t.Fatalf("the curator reads %d %+v", code, rep)
	}
	var errBody map[string]any
	if code := cur.do("PATCH", "/v1/reports/"+report, map[string]any{"version": rep.Version,
		"values": map[string]any{"young_teachers": map[string]any{"count": "30"}}}, &rep); code != 200 {
		t.Fatalf("curator saves: %d", code)
	}
	if code := cur.do("POST", "/v1/reports/"+report+":submit", map[string]any{"version": rep.Version, "confirmWarnings": true}, &errBody); code != 200 {
		t.Fatalf("curator resubmits: %d %v", code, errBody)
	}

	// The methodologist is told (the outbox runs every 200 ms here): the
	// header counts it, the notifications page shows it unread, until read.
	var notes string
	for range 50 {
		if err := b.Open("/notifications"); err != nil {
			t.Fatal(err)
		}
		if notes = text(t, b, "main"); strings.Contains(notes, "Отчёт после доработки сдан снова") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(notes, "Новое") || !strings.Contains(notes, f.a1.GetShortName()+" доработала и снова сдала отчёт") {
		t.Fatalf("the methodologist's notifications:\n%s", notes)
	}
	// The header counts every unread one: with the real clock, the
	// roadmap's weekly overdue digest may be there too.
	var list struct {
		UnreadCount int `json:"unreadCount"`
	}
	if code := f.clients["methodologist"].do("GET", "/v1/notifications", nil, &list); code != 200 || list.UnreadCount < 1 {
		t.Fatalf("the methodologist's list: %d %+v", code, list)
	}
	if got := text(t, b, ".header__who"); !strings.Contains(got, fmt.Sprintf("Уведомления %d", list.UnreadCount)) {
		t.Errorf("the header: %q, want %d unread", got, list.UnreadCount)
	}
	c.check("notifications")
	shots(t, b, "notifications")
	if err := b.Submit(`h1 ~ form button[type="submit"]`); err != nil { // «Отметить все прочитанными»
		t.Fatal(err)
	}
	if got := text(t, b, "main"); !strings.Contains(got, "Все прочитаны.") {
		t.Errorf("after reading:\n%s", got)
	}

	if err := b.Open("/"); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, "#activity + ul"); !strings.Contains(got, "отчёт отправлен повторно после доработки") {
		t.Errorf("activity: %q", got)
	}
	if err := b.Open("/review/" + report); err != nil {
		t.Fatal(err)
	}
	main = text(t, b, "main")
	for _, want := range []string{"1 предупреждение", "+20 (+200\u00a0%)"} {
		if !strings.Contains(main, want) {
			t.Errorf("resubmitted review lacks %q:\n%s", want, main)
		}
	}
	c.check("resubmitted review")
	shots(t, b, "methodologist-review-resubmitted")
	if err := b.Submit("#accept"); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, "main"); !strings.Contains(got, "Отчёт принят.") || !strings.Contains(got, "Открыть принятый отчёт для исправления") {
		t.Fatalf("after accepting:\n%s", got)
	}
	c.check("accepted review")

	// The municipality's indicator now counts A1.
	if err := b.Open("/"); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, coverage); !strings.Contains(got, "по 1 из 2 организаций") {
		t.Errorf("coverage after accepting A1: %q", got)
	}
	if got := text(t, b, "#value-teachers_involved_share"); strings.Contains(got, "нет данных") || !strings.Contains(got, "%") {
		t.Errorf("value after accepting A1: %q", got)
	}
	// The dashboard's workbook holds the same: A1 accepted, and the
	// municipality's share counted from 1 organisation of 2, as a number.
	wb := downloadWorkbook(t, b)
	if got := strings.Join(wb.GetSheetList(), "|"); got != "Показатели|Организации|Сдача отчётов|Просроченные мероприятия" {
		t.Fatalf("dashboard workbook's sheets: %s", got)
	}
	comp, err := wb.GetRows("Сдача отчётов")
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, r := range comp[1:] {
		if len(r) > 1 {
			states[r[0]] = r[1]
		}
	}
	if states[f.a1.GetShortName()] != "принят" {
		t.Errorf("workbook: A1's report %q, want принят (%v)", states[f.a1.GetShortName()], states)
	}
	rows, err := wb.GetRows("Показатели", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	counted := false
	for _, r := range rows[1:] {
		if len(r) > 8 && r[0] == "Муниципалитет в целом" && strings.HasPrefix(r[1], "Доля педагогов, участвующих") {
			v, err := strconv.ParseFloat(r[3], 64)
			counted = err == nil && v > 0 && v <= 1 && r[7] == "1" && r[8] == "2"
			if !counted {
				t.Errorf("workbook: the municipality's share row %v", r)
			}
		}
	}
	if !counted {
		t.Errorf("workbook: no row of the municipality's share of teachers involved:\n%v", rows)
	}

	// A2's report breaks no rule: accepted in bulk after the confirmation.
	if err := b.Submit(`a[href="/campaigns/` + campaign + `/accept"]`); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, "main"); !strings.Contains(got, f.a2.GetShortName()) || strings.Contains(got, f.a1.GetShortName()) ||
		!strings.Contains(got, "Принять 1 отчёт") {
		t.Errorf("bulk confirmation:\n%s", got)
	}
	c.check("bulk accept confirmation")
	shots(t, b, "methodologist-accept")
	if err := b.Submit(`form[action$="/accept"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, "h1"); got != "Принят 1 отчёт" {
		t.Errorf("bulk result: %q\n%s", got, text(t, b, "main"))
	}
	if err := b.Open("/"); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, coverage); !strings.Contains(got, "по 2 из 2 организаций") {
		t.Errorf("coverage after the bulk acceptance: %q", got)
	}
	if n, err := b.EvalString(`String(document.querySelectorAll("svg.chart--trend[role=img]").length)`); err != nil || n == "0" {
		t.Errorf("no trend over 2025 and 2026: %s %v", n, err)
	}
	c.check("methodologist dashboard with everything accepted")
	shots(t, b, "methodologist-dashboard-accepted")

	for _, page := range []struct{ name, path string }{
		{"review history", "/review/" + report + "/history"},
		{"overdue items", "/overdue"},
	} {
		if err := b.Open(page.path); err != nil {
			t.Fatal(err)
		}
		c.check(page.name)
		shots(t, b, "methodologist-"+strings.ReplaceAll(page.name, " ", "-"))
	}
	if got := text(t, b, "main"); !strings.Contains(got, "Разработать положение о наставничестве") {
		t.Errorf("overdue list:\n%s", got)
	}

	// Stale: while the methodologist writes a return, another accepts the
	// report. Nothing is written; what was typed is still on the page.
	next := f.newReport(f.newCampaign(f.munA), f.a2.GetId(), "submitted")
	if err := b.Open("/review/" + next); err != nil {
		t.Fatal(err)
	}
	if _, err := b.EvalString(`(() => {
		document.getElementById("remark_young_teachers").value = "Уточните число";
		document.getElementById("comment").value = "Проверьте молодых педагогов";
		return ""; })()`); err != nil {
		t.Fatal(err)
	}
	meth := f.clients["methodologist"]
	var seen struct {
		Version string `json:"version"`
	}
	meth.do("GET", "/v1/reports/"+next, nil, &seen)
	if code := meth.do("POST", "/v1/reports/"+next+":accept", map[string]any{"version": seen.Version}, nil); code != 200 {
		t.Fatalf("accept meanwhile: %d", code)
	}
	if err := b.Submit("#return-button"); err != nil {
		t.Fatal(err)
	}
	main = strings.ReplaceAll(text(t, b, "main"), "\u00a0", " ")
	for _, want := range []string{"Ничего не сохранено", "Отчёт изменился, пока вы его смотрели", "Комментарий: Проверьте молодых педагогов",
		"Молодые педагоги: Уточните число", "Принят"} {
		if !strings.Contains(main, want) {
			t.Errorf("stale return lacks %q:\n%s", want, main)
		}
	}
	var after struct {
		Status string `json:"status"`
	}
	if meth.do("GET", "/v1/reports/"+next, nil, &after); after.Status != "REPORT_STATUS_ACCEPTED" {
		t.Errorf("after the stale return: %s", after.Status)
	}
}

// pastCampaign opens a campaign of a past year, as the archive's are.
func (f *fixture) pastCampaign(mun string, year int) string {
	f.t.Helper()
	resp, err := indicatorsv1.NewCampaignServiceClient(f.p.ind.Conn).CreateCampaign(context.Background(), &indicatorsv1.CreateCampaignRequest{
		Campaign: &indicatorsv1.Campaign{Name: "Мониторинг прошлого года", Year: int32(year), FormCode: formCode, FormVersion: 1,
			MunicipalityId: mun, Deadline: time.Date(year, 12, 15, 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
			OpenedOn: time.Date(year, 9, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)}})
	if err != nil {
		f.t.Fatalf("fixture: past campaign: %v", err)
	}
	return resp.GetCampaign().GetId()
}

// importAccepted loads org's report into a past campaign, submitted and
// accepted at the time given.
func (f *fixture) importAccepted(campaign, org string, at time.Time) {
	f.t.Helper()
	if _, err := indicatorsv1.NewReportServiceClient(f.p.ind.Conn).ImportReport(context.Background(), &indicatorsv1.ImportReportRequest{
		CampaignId: campaign, OrganisationId: org, Values: f.indicators().values,
		SubmitTime: timestamppb.New(at), AcceptTime: timestamppb.New(at.Add(24 * time.Hour))}); err != nil {
		f.t.Fatalf("fixture: import: %v", err)
	}
}

// shots fails when the page is wider than a 360-pixel screen and, with
// METHOD_SCREENSHOTS set, saves it at 1280 and 360 pixels there.
func shots(t *testing.T, b *chromium.Browser, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 800)); err != nil {
		t.Fatal(err)
	}
	w, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
	if rerr := chromedp.Do(ctx, chromedp.EmulateReset()); err == nil {
		err = rerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if w > 360 {
		t.Errorf("%s is %d pixels wide on a 360-pixel screen", name, w)
	}
	out := os.Getenv("METHOD_SCREENSHOTS")
	if out == "" {
		return
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, width := range []int64{1280, 360} {
		png, err := b.Screenshot(width)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, fmt.Sprintf("%s-%d.png", name, width)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
