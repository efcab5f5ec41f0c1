package web

import (
	"bytes"
	"context"
	"html"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/gateway/internal/auth"
	"github.com/nastavnik/nastavnik/platform/identity"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// The regional centre's pages over a fake backend: the municipalities with
// completeness and indicators against targets, sorting, the drill-down, the
// read-only report, targets with errors beside fields, and the workbooks.

const (
	regionalCookie = "regional-session"
	operatorCookie = "operator-session"
)

type regionalAuth struct{ methAuth }

func (a regionalAuth) Authenticate(ctx context.Context, req *registryv1.AuthenticateRequest, opts ...grpc.CallOption) (*registryv1.AuthenticateResponse, error) {
	if req.GetSession() == regionalCookie {
		return &registryv1.AuthenticateResponse{CsrfToken: csrfToken, Principal: &registryv1.Principal{AccountId: "a9", Login: "region",
			Roles: []*registryv1.ScopedRole{{Role: registryv1.Role_ROLE_REGIONAL, Region: "39"}}}}, nil
	}
	if req.GetSession() == operatorCookie {
		return &registryv1.AuthenticateResponse{CsrfToken: csrfToken, Principal: &registryv1.Principal{AccountId: "a0", Login: "operator",
			Roles: []*registryv1.ScopedRole{{Role: registryv1.Role_ROLE_OPERATOR}}}}, nil
	}
	return a.methAuth.Authenticate(ctx, req, opts...)
}

// The operator's country page reuses the region's: every region with data as
// a row opening the region's page, the others named in one line, sign-offs
// counted by region; the regional centre may not open it.
func TestCountryPageOverAFake(t *testing.T) {
	t.Parallel()
	_, get := newRegionalPages(t, operatorCookie)
	resp, page := get("GET", "/country?year=2026", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("country: %d\n%s", resp.StatusCode, page)
	}
	mustContain(t, page, "Мониторинг по стране", "Страна в целом", "Калининградская область", "/region/39?year=2026",
		"подписано 1, устарело 0, возвращено 0", "Без кампаний и данных за 2026 год: Камчатский край", "Страна в целом против целевых значений",
		`href="/country"`)
	if strings.Contains(page, "/region/41?") {
		t.Error("a region without data is a row")
	}
	_, get = newRegionalPages(t, regionalCookie)
	if resp, _ := get("GET", "/country", nil); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
		t.Errorf("the regional centre opens the country: %d", resp.StatusCode)
	}
}

type fakeRegional struct {
	put []IndicatorTarget
}

var regionDefs = []IndicatorDef{{Code: "share", Name: "Доля педагогов в наставничестве", Unit: "%", Share: true, Counts: "педагоги-наставники из всех педагогов"},
	{Code: "programmes", Name: "Программ наставничества", Unit: "ед."}}

func (f *fakeRegional) CampaignYears(context.Context, string) ([]int, error) {
	return []int{2026, 2025}, nil
}

func (f *fakeRegional) Region(_ context.Context, region string, year int) (RegionView, error) {
	if region != "39" {
		return RegionView{}, status.Error(codes.NotFound, "no region")
	}
	v := func(val float64, target float64, st TargetStatus, prev float64, comparable bool) UnitValue {
		return UnitValue{IndicatorYear: IndicatorYear{Year: year, HasValue: true, Value: val, Contributors: 2, Expected: 4, HasTarget: true,
			Target: target, Status: st, HasChange: comparable, Change: val - prev, Comparable: comparable}, HasPrevious: true, Previous: prev}
	}
	return RegionView{Region: region, Name: "Калининградская область", Year: year, Indicators: regionDefs,
		Total: UnitRow{ID: region, Counts: Counts{Expected: 7, Accepted: 3, Missing: 4}, Values: map[string]UnitValue{"share": v(45, 50, TargetNotMet, 40, true)}},
		Municipalities: []UnitRow{
			{ID: "m1", Name: "Калининград", Counts: Counts{Expected: 4, Accepted: 2, Missing: 2},
				Values: map[string]UnitValue{"share": v(55, 50, TargetMet, 50, true), "programmes": v(3, 0, TargetNone, 2, false)}},
			{ID: "m2", Name: "Балтийск", Counts: Counts{Expected: 3, Accepted: 1, Missing: 2},
				Values: map[string]UnitValue{"share": v(30, 50, TargetNotMet, 35, true)}},
		}}, nil
}

func (f *fakeRegional) Country(ctx context.Context, year int) (RegionView, error) {
	v, err := f.Region(ctx, "39", year)
	v.Name, v.Total.Name = "Россия", "Россия"
	v.Municipalities = []UnitRow{{ID: "39", Name: "Калининградская область", Counts: v.Total.Counts, Values: v.Total.Values},
		{ID: "41", Name: "Камчатский край"}}
	v.SignOffs = []SignOffView{{CampaignID: "c", MunicipalityID: "m1", RegionCode: "39", State: SignedOff}}
	return v, err
}

func (f *fakeRegional) Municipality(_ context.Context, id string, year int) (MunicipalityView, error) {
	if id == "m2" {
		return MunicipalityView{ID: id, Name: "Балтийск", Region: "39", Year: year, Indicators: regionDefs}, nil
	}
	if id != "m1" {
		return MunicipalityView{}, status.Error(codes.NotFound, "no municipality")
	}
	return MunicipalityView{ID: id, Name: "Калининград", Region: "39", Year: year, Indicators: regionDefs,
		Total: UnitRow{ID: id, Counts: Counts{Expected: 2, Accepted: 1, Submitted: 1}},
		Organisations: []UnitRow{
			{ID: "o2", Name: "МАОУ СШ № 2", State: StateSubmitted, ReportID: submittedID},
			{ID: "o1", Name: "Гимназия № 1", State: StateAccepted, Late: true, ReportID: "r-acc",
				Values: map[string]UnitValue{"share": {IndicatorYear: IndicatorYear{Year: year, HasValue: true, Value: 62.5, Contributors: 1, Expected: 1, Status: TargetMet, Comparable: true}}}},
		}}, nil
}

func (f *fakeRegional) Targets(context.Context, string, []int) ([]IndicatorTarget, error) {
	return []IndicatorTarget{{Indicator: "share", Year: 2026, Level: TargetRegion, Unit: "39", Min: 50, Source: "Приказ № 5"}}, nil
}

func (f *fakeRegional) PutTarget(_ context.Context, t IndicatorTarget) error {
	if t.Min > 100 {
		st, _ := status.New(codes.InvalidArgument, "bad").WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: "target.min_value", LocalizedMessage: &errdetails.LocalizedMessage{Locale: "ru", Message: "Не больше 100"}}}})
		return st.Err()
	}
	f.put = append(f.put, t)
	return nil
}

func newRegionalPages(t *testing.T, cookie string) (*fakeRegional, func(method, path string, form url.Values) (*http.Response, string)) {
	t.Helper()
	signer, err := identity.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	reg := &fakeRegional{}
	p, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Auth: &auth.Authenticator{Signer: signer, Auth: regionalAuth{}},
		Curator: &fakeCurator{report: kaliningradReport()}, Methodologist: newFakeMethodologist(), Regional: reg})
	if err != nil {
		t.Fatal(err)
	}
	p.now = func() time.Time { return time.Date(2026, 12, 13, 9, 0, 0, 0, time.UTC) }
	h := p.Handler()
	return reg, func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		body := strings.NewReader("")
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req := httptest.NewRequest(method, path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: cookie})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result(), html.UnescapeString(rec.Body.String())
	}
}

func TestRegionalPagesOverAFake(t *testing.T) {
	t.Parallel()
	reg, get := newRegionalPages(t, regionalCookie)
	resp, page := get("GET", "/", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("home: %d\n%s", resp.StatusCode, page)
	}
	mustContain(t, page, "Калининградская область", "Калининград", "Балтийск", "55\u00a0%", "Цель достигнута", "Цель не достигнута",
		"2025: 50\u00a0% (+5\u00a0п.\u00a0п.)", "2025: сравнивать нельзя",
		"«Программ наставничества»: сравнивать с 2025 годом нельзя — в форме 2026 года изменилось",
		"/region/municipalities/m1?year=2026", "/export/dashboard.xlsx?region=39&year=2026", "по 2 из 4 организаций", "Целевые значения")
	if styleAttr.MatchString(page) {
		t.Error("a style attribute")
	}
	// Sorted by the share, highest first: Калининград before Балтийск;
	// lowest first the other way.
	_, desc := get("GET", "/?sort=share&desc=1", nil)
	if strings.Index(desc, "mun-m1") > strings.Index(desc, "mun-m2") {
		t.Error("descending by the share: Калининград first")
	}
	_, asc := get("GET", "/?sort=share", nil)
	if strings.Index(asc, "mun-m1") < strings.Index(asc, "mun-m2") {
		t.Error("ascending by the share: Балтийск first")
	}
	mustContain(t, asc, "desc=1&sort=share")

	resp, page = get("GET", "/region/municipalities/m1?year=2026", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("municipality: %d\n%s", resp.StatusCode, page)
	}
	mustContain(t, page, "Гимназия № 1", "62,5\u00a0%", "Принят", "После срока", "/region/reports/"+submittedID)
	resp, page = get("GET", "/region/reports/"+submittedID, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("report: %d\n%s", resp.StatusCode, page)
	}
	mustContain(t, page, "МАОУ СШ № 2: отчёт", "Только просмотр", "Молодые педагоги")
	if strings.Contains(page, "Принять отчёт") || strings.Contains(page, "<form method=\"post\" action=\"/review") {
		t.Error("the regional centre's view of a report has actions")
	}
	// Another region's municipality is not found.
	if resp, _ = get("GET", "/region/municipalities/m9", nil); resp.StatusCode != 404 {
		t.Errorf("another municipality: %d", resp.StatusCode)
	}
	// The review stays the methodologist's.
	if resp, _ = get("GET", "/review/"+submittedID, nil); resp.StatusCode != 403 {
		t.Errorf("review: %d", resp.StatusCode)
	}

	resp, page = get("GET", "/region/targets", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("targets: %d\n%s", resp.StatusCode, page)
	}
	mustContain(t, page, "Приказ № 5", "весь регион", "50\u00a0%")
	form := url.Values{"csrf_token": {csrfToken}, "indicator": {""}, "unit": {"region"}, "year": {"2026"}, "min": {"сорок"}}
	resp, page = get("POST", "/region/targets", form)
	if resp.StatusCode != 422 {
		t.Fatalf("bad target: %d", resp.StatusCode)
	}
	mustContain(t, page, "Выберите показатель", "Введите число, например 50 или 42,5", `value="сорок"`)
	form.Set("indicator", "share")
	form.Set("min", "150")
	_, page = get("POST", "/region/targets", form)
	mustContain(t, page, `id="min-error">Не больше 100`)
	form.Set("min", "52,5")
	form.Set("unit", "m1")
	resp, _ = get("POST", "/region/targets", form)
	if resp.StatusCode != 303 || len(reg.put) != 1 {
		t.Fatalf("target: %d, %v", resp.StatusCode, reg.put)
	}
	if got := reg.put[0]; got.Min != 52.5 || got.Level != TargetMunicipality || got.Unit != "m1" || got.Year != 2026 || got.Indicator != "share" {
		t.Errorf("put %+v", got)
	}
}

func TestRegionalExportWorkbook(t *testing.T) {
	t.Parallel()
	_, get := newRegionalPages(t, regionalCookie)
	resp, body := get("GET", "/export/dashboard.xlsx?region=39&year=2026", nil)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); strings.Join(got, "|") != "Показатели|Сдача отчётов|Организации" {
		t.Fatalf("sheets %v", got)
	}
	checkSheet(t, f, "Показатели", "A2", "Калининград")
	checkSheet(t, f, "Показатели", "D2", "0.55")
	if fmtCode := numFmtOf(t, f, "Показатели", "D2"); fmtCode != "0.0%" {
		t.Errorf("share format %q", fmtCode)
	}
	checkSheet(t, f, "Сдача отчётов", "B2", "4")
	checkSheet(t, f, "Организации", "B2", "МАОУ СШ № 2")
	panes, err := f.GetPanes("Показатели")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v %v", panes, err)
	}

	_, mget := newMethodologistPages(t)
	_, page := mget("GET", "/", nil)
	mustContain(t, page, "/export/dashboard.xlsx?year=2026")
}

func checkSheet(t *testing.T, f *excelize.File, sheet, cell, want string) {
	t.Helper()
	got, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil || got != want {
		t.Errorf("%s!%s = %q (%v), want %q", sheet, cell, got, err, want)
	}
}

func numFmtOf(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	return ""
}

// The cells written in Go escape every text and carry the same markup the
// tables need: the label, the target's and partial data's tags, the
// previous year (marked when not comparable).
func TestCellsHTML(t *testing.T) {
	t.Parallel()
	defs := []IndicatorDef{{Code: "a", Name: `Доля "<b>" & всё`}, {Code: "b", Name: "Число"}}
	got := string(cellsHTML(defs, []Cell{
		{Text: "55\u00a0%", Status: TargetMet, Partial: true, Coverage: "по 2 из 4 <организаций>", Before: "2025: 50\u00a0%"},
		{Text: "нет данных", Status: TargetNotMet, Coverage: "—", Before: "2025: сравнивать нельзя", NotComparable: true},
	}))
	want := `<td data-label="Доля &#34;&lt;b&gt;&#34; &amp; всё"><span class="cell__value">55` + "\u00a0" + `%</span>` +
		` <span class="tag tag--green">Цель достигнута</span> <span class="tag tag--yellow">Неполные данные</span>` +
		`<span class="detail">по 2 из 4 &lt;организаций&gt;</span><span class="detail">2025: 50` + "\u00a0" + `%</span></td>` +
		`<td data-label="Число"><span class="cell__value">нет данных</span> <span class="tag tag--red">Цель не достигнута</span>` +
		`<span class="detail">—</span><span class="detail warning-message">2025: сравнивать нельзя</span></td>`
	if got != want {
		t.Errorf("cells:\n%s\nwant\n%s", got, want)
	}
	if got := cellsHTML(defs, nil); got != "" {
		t.Errorf("no cells: %q", got)
	}
}

// The lines of the table of who has reported, written in Go, read as the
// template they replace rendered them (the same markup and, once the
// entities are read, the same text): each sign-off state, a region's count
// of sign-offs instead, comments, texts with markup in them.
func TestCompletenessHTMLIsTheTemplates(t *testing.T) {
	t.Parallel()
	tmpl := template.Must(template.New("row").Parse(`{{define "signoff-state"}}<span class="tag tag--{{.Tone}}">{{.StateText}}</span>{{with .Who}} <span class="detail">{{.}}</span>{{end}}{{end}}` +
		`<tr><th scope="row"><a href="{{.Href}}">{{.Name}}</a></th><td class="num" data-label="Ожидается">{{.Counts.Expected}}</td><td class="num" data-label="Принято">{{.Counts.Accepted}}</td><td class="num" data-label="Ждут проверки">{{.Counts.Submitted}}</td><td class="num" data-label="Возвращено">{{.Counts.Returned}}</td><td class="num" data-label="Не сдано">{{.Counts.Missing}}</td><td class="num" data-label="Охват">{{.Coverage}}</td><td data-label="Подписание">{{if .SignOffText}}{{.SignOffText}}{{else}}{{template "signoff-state" .SignOff}}{{end}}{{with .SignOff.Comment}}<span class="detail">«{{.}}»</span>{{end}}{{if eq .SignOff.State 3}}<span class="detail">Возвращено: «{{.SignOff.BackComment}}»</span>{{end}}</td></tr>`))
	at := time.Date(2026, 12, 14, 9, 30, 0, 0, time.UTC)
	counts := Counts{Expected: 21, OnTime: 3, Late: 2, Missing: 7, Submitted: 4, Returned: 1, Accepted: 9}
	lines := []UnitLine{
		{UnitRow: UnitRow{ID: "m1", Name: "Район «Северный» <b>&</b> \"кавычки\" 'апостроф' + плюс", Counts: counts},
			Href: "/region/municipalities/m1?year=2026", Coverage: "42,9\u00a0%"},
		{UnitRow: UnitRow{ID: "m2", Name: "Город"}, Href: "/region/municipalities/m2?year=2026", Coverage: "—",
			SignOff: SignOffView{State: SignedOff, Login: "meth<1>", SignTime: at, Comment: "Всё сдано & проверено"}},
		{UnitRow: UnitRow{ID: "m3", Name: "Посёлок"}, Href: "/region/municipalities/m3?year=2026", Coverage: "0\u00a0%",
			SignOff: SignOffView{State: SignOffOutdated, Login: "meth", SignTime: at}},
		{UnitRow: UnitRow{ID: "m4", Name: "Село"}, Href: "/region/municipalities/m4?year=2026", Coverage: "100\u00a0%",
			SignOff: SignOffView{State: SentBack, Login: "meth", SignTime: at, BackLogin: "reg", BackTime: at.Add(time.Hour),
				BackComment: "Проверьте <школу № 3>", Comment: "подписано"}},
		{UnitRow: UnitRow{ID: "77", Name: "Регион 77", Counts: counts}, Href: "/region/77?year=2026", Coverage: "42,9\u00a0%",
			SignOffText: "подписано 3, устарело 1, возвращено 0"},
	}
	for _, l := range lines {
		var want bytes.Buffer
		if err := tmpl.Execute(&want, l); err != nil {
			t.Fatal(err)
		}
		got := string(completenessHTML(l))
		if html.UnescapeString(got) != html.UnescapeString(want.String()) {
			t.Errorf("line %s:\n%s\nthe template's:\n%s", l.ID, got, want.String())
		}
		if strings.Contains(got, "<b>") || strings.Contains(got, "<школу") || strings.Contains(got, "meth<1>") {
			t.Errorf("line %s: text not escaped: %s", l.ID, got)
		}
	}
}

// The lines of the indicators' table, written in Go, read as the template
// they replace rendered them (the same markup and, once the entities are
// read, the same text), their texts escaped; the lines made for one page
// (lines.line) equal those made one by one (unitLine).
func TestIndicatorRowHTMLIsTheTemplates(t *testing.T) {
	t.Parallel()
	tmpl := template.Must(template.New("row").Parse(`<tr id="mun-{{.ID}}"><th scope="row"><a href="{{.Href}}">{{.Name}}</a></th>{{.CellsHTML}}</tr>`))
	defs := []IndicatorDef{{Code: "a", Name: `Доля "<b>" & всё`, Share: true}, {Code: "b", Name: "Число", Unit: "чел."}}
	values := map[string]UnitValue{
		"a": {IndicatorYear: IndicatorYear{Year: 2026, HasValue: true, Value: 55, Contributors: 2, Expected: 4, Status: TargetMet,
			HasChange: true, Change: 5, Comparable: true}, HasPrevious: true, Previous: 50},
		"b": {IndicatorYear: IndicatorYear{Year: 2026, HasValue: true, Value: 12, Contributors: 4, Expected: 4, Comparable: false}},
	}
	rows := []UnitRow{
		{ID: "m1", Name: "Район «Северный» <b>&</b> \"кавычки\" 'апостроф' + плюс", Values: values},
		{ID: "m2", Name: "Город"},
		{ID: "77", Name: "Регион 77", Values: values},
	}
	ls := newLines(defs, 2026)
	for _, u := range rows {
		l := ls.line(u)
		if one := unitLine(u, defs, 2026); !reflect.DeepEqual(l, one) {
			t.Errorf("line %s: %+v, one by one %+v", u.ID, l, one)
		}
		l.Href = "/region/municipalities/" + u.ID + "?year=2026"
		var want bytes.Buffer
		if err := tmpl.Execute(&want, l); err != nil {
			t.Fatal(err)
		}
		got := string(indicatorRowHTML(l))
		if html.UnescapeString(got) != html.UnescapeString(want.String()) {
			t.Errorf("line %s:\n%s\nthe template's:\n%s", u.ID, got, want.String())
		}
		if strings.Contains(got, "<b>") {
			t.Errorf("line %s: text not escaped: %s", u.ID, got)
		}
	}
}
