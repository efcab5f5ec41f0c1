package web

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/gateway/internal/auth"
	"github.com/nastavnik/nastavnik/platform/identity"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// The methodologist's pages over a fake backend: the dashboard, the list of
// organisations, the review with return, accept and reopen, and accepting
// in bulk.

const (
	methCookie  = "meth-session"
	munID       = "m1"
	campaignID  = "c1"
	submittedID = "1b0c8a52-6f0c-4d8e-9a39-2b3f0d5a9c22"
)

// methAuth knows the fake sessions plus a methodologist's.
type methAuth struct{ fakeAuth }

func (a methAuth) Authenticate(ctx context.Context, req *registryv1.AuthenticateRequest, opts ...grpc.CallOption) (*registryv1.AuthenticateResponse, error) {
	if req.GetSession() == methCookie {
		return &registryv1.AuthenticateResponse{CsrfToken: csrfToken, Principal: &registryv1.Principal{AccountId: "a3", Login: "sidorova",
			Roles: []*registryv1.ScopedRole{{Role: registryv1.Role_ROLE_METHODOLOGIST, Region: "39", Municipality: munID}}}}, nil
	}
	return a.fakeAuth.Authenticate(ctx, req, opts...)
}

// fakeMethodologist is a municipality with a few schools and one report
// under review.
type fakeMethodologist struct {
	orgs   []OrgStanding
	counts Counts
	review ReviewView
	// What the pages asked and did.
	asOf     []time.Time
	accepted []string
	returned []returnCall
	reopened []string
	// stale makes the next write answer a ConflictError.
	stale bool
	// none: the municipality has no campaign yet.
	none bool
}

type returnCall struct {
	comment string
	remarks map[string]string
	version int64
}

func newFakeMethodologist() *fakeMethodologist {
	kal, _ := time.LoadLocation("Europe/Kaliningrad")
	sub := time.Date(2026, 12, 10, 8, 30, 0, 0, time.UTC)
	f := &fakeMethodologist{
		orgs: []OrgStanding{
			{ID: "o10", Name: "МАОУ СШ № 10", State: StateMissing, TimeZone: "Europe/Kaliningrad"},
			{ID: "o2", Name: "МАОУ СШ № 2", State: StateSubmitted, SubmitTime: sub, TimeZone: "Europe/Kaliningrad", ReportID: submittedID},
			{ID: "o1", Name: "Гимназия № 1", State: StateAccepted, Late: true, SubmitTime: sub.AddDate(0, 0, 7), TimeZone: "Europe/Kaliningrad", ReportID: "r-acc"},
			{ID: "o7", Name: "МАОУ СШ № 7", State: StateReturned, SubmitTime: sub, TimeZone: "Europe/Kaliningrad", ReportID: "r-ret"},
		},
		counts: Counts{Expected: 4, OnTime: 1, Late: 1, Missing: 1, Submitted: 1, Returned: 1, Accepted: 1},
	}
	now := kaliningradReport()
	now.ID, now.OrgName, now.Status, now.Version, now.SubmitTime = submittedID, "МАОУ СШ № 2", ReportSubmitted, 7, sub
	now.Deadline = time.Date(2026, 12, 16, 0, 0, 0, 0, kal)
	now.Sections[0].Fields[1].Value, now.Sections[0].Fields[1].Set = "30", true
	now.Sections[0].Fields[1].Warnings = []string{"Молодых педагогов на 150 % больше, чем в прошлом году"}
	now.Violations = []ViolationView{{Rule: "young_teachers_change", Message: "Молодых педагогов на 150 % больше, чем в прошлом году",
		Warning: true, Fields: []string{"young_teachers"}}}
	prev := kaliningradReport()
	prev.ID, prev.Status = "r-prev", ReportAccepted
	prev.Sections[0].Fields[0].Value = "32"
	prev.Sections[0].Fields[1].Value, prev.Sections[0].Fields[1].Set = "12", true
	f.review = ReviewView{Report: now, Year: 2026, Previous: prev, PreviousYear: 2025, CampaignID: campaignID}
	return f
}

func (f *fakeMethodologist) Campaigns(context.Context, string) ([]CampaignSummary, error) {
	if f.none {
		return nil, nil
	}
	return []CampaignSummary{
		{ID: campaignID, Name: "Мониторинг ЦМН 2026", Year: 2026, Open: true, Deadline: time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)},
		{ID: "c0", Name: "Мониторинг ЦМН 2025", Year: 2025, Deadline: time.Date(2025, 12, 15, 0, 0, 0, 0, time.UTC)},
	}, nil
}

func (f *fakeMethodologist) Completeness(_ context.Context, id, _ string, asOf time.Time) (CompletenessView, error) {
	if id != campaignID && id != "c0" {
		return CompletenessView{}, status.Error(codes.NotFound, "no campaign")
	}
	f.asOf = append(f.asOf, asOf)
	return CompletenessView{Counts: f.counts, Organisations: f.orgs}, nil
}

func (f *fakeMethodologist) Indicators(_ context.Context, _ string, years []int) ([]IndicatorView, error) {
	share := IndicatorView{Code: "teachers_involved_share", Name: "Доля педагогов, вовлечённых в наставничество", Unit: "%", Share: true}
	count := IndicatorView{Code: "mentoring_programmes", Name: "Наличие программ наставничества", Unit: "ед."}
	for i, y := range years {
		iy := IndicatorYear{Year: y, HasValue: i >= len(years)-3, Value: 40 + float64(i-2)*2.5, Contributors: 40, Expected: 40,
			HasTarget: true, Target: 50, Status: TargetNotMet, Comparable: true}
		if y == years[len(years)-1] {
			iy.Contributors, iy.HasChange, iy.Change = 3, true, 2.5
		}
		share.Years = append(share.Years, iy)
		count.Years = append(count.Years, IndicatorYear{Year: y, Expected: 40, Status: TargetNoData, Comparable: true})
	}
	return []IndicatorView{share, count}, nil
}

func (f *fakeMethodologist) MunicipalOverdue(_ context.Context, _, token string, n int) (OverduePage, error) {
	page := OverduePage{Total: 7}
	for i := range min(n, 7) {
		page.Items = append(page.Items, OverdueItem{Number: fmt.Sprint("1.", i+1), Measure: "Провести педсовет", Owner: "МАОУ СШ № 7",
			Responsible: "Директор", Due: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), DaysOverdue: 100})
	}
	if token == "" && n < 7 {
		page.NextPageToken = "next"
	}
	return page, nil
}

func (f *fakeMethodologist) Activity(context.Context, string, string, int) ([]ActivityItem, error) {
	return []ActivityItem{{Time: time.Date(2026, 12, 10, 8, 30, 0, 0, time.UTC), OrgName: "МАОУ СШ № 2", ReportID: submittedID,
		Kind: "resubmitted", TimeZone: "Europe/Kaliningrad"}}, nil
}

func (f *fakeMethodologist) Review(_ context.Context, id string) (ReviewView, error) {
	if id != submittedID {
		return ReviewView{}, status.Error(codes.NotFound, "no report")
	}
	return f.review, nil
}

func (f *fakeMethodologist) Acceptable(context.Context, string, string) ([]ReportSummary, error) {
	return []ReportSummary{{ID: submittedID, OrgName: "МАОУ СШ № 2", Version: 7, TimeZone: "Europe/Kaliningrad",
		SubmitTime: time.Date(2026, 12, 10, 8, 30, 0, 0, time.UTC)},
		{ID: "r-other", OrgName: "МАОУ СШ № 3", Version: 3, TimeZone: "Europe/Kaliningrad"}}, nil
}

func (f *fakeMethodologist) write(version int64) error {
	if f.stale || version != f.review.Report.Version {
		f.stale = false
		return &ConflictError{Current: f.review.Report}
	}
	return nil
}

func (f *fakeMethodologist) AcceptReport(_ context.Context, id string, version int64) error {
	if id == submittedID {
		if err := f.write(version); err != nil {
			return err
		}
	}
	f.accepted = append(f.accepted, id)
	return nil
}

func (f *fakeMethodologist) ReturnReport(_ context.Context, _ string, version int64, comment string, remarks map[string]string) error {
	if err := f.write(version); err != nil {
		return err
	}
	f.returned = append(f.returned, returnCall{comment: comment, remarks: remarks, version: version})
	return nil
}

func (f *fakeMethodologist) ReopenReport(_ context.Context, id string, version int64, _ string) error {
	if err := f.write(version); err != nil {
		return err
	}
	f.reopened = append(f.reopened, id)
	return nil
}

func (f *fakeMethodologist) History(context.Context, string, string) (HistoryPage, error) {
	return HistoryPage{Total: 1, Events: []HistoryEvent{{Time: time.Date(2026, 12, 10, 8, 30, 0, 0, time.UTC), Login: "ivanova",
		Kind: "status", OldValue: "draft", NewValue: "submitted"}}}, nil
}

func newMethodologistPages(t *testing.T) (*fakeMethodologist, func(method, path string, form url.Values) (*http.Response, string)) {
	t.Helper()
	signer, err := identity.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	meth := newFakeMethodologist()
	p, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Auth: &auth.Authenticator{Signer: signer, Auth: methAuth{}},
		Curator: &fakeCurator{report: kaliningradReport()}, Methodologist: meth})
	if err != nil {
		t.Fatal(err)
	}
	p.now = func() time.Time { return time.Date(2026, 12, 13, 9, 0, 0, 0, time.UTC) }
	h := p.Handler()
	return meth, func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		var body *strings.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		} else {
			body = strings.NewReader("")
		}
		req := httptest.NewRequest(method, path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: methCookie})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		// Compared as text: html/template writes + as &#43;.
		return rec.Result(), html.UnescapeString(rec.Body.String())
	}
}

// styleAttr finds a style attribute, which the CSP would block.
var styleAttr = regexp.MustCompile(`\sstyle=`)

func TestMethodologistDashboardOverAFake(t *testing.T) {
	t.Parallel()
	meth, get := newMethodologistPages(t)
	resp, page := get("GET", "/", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("dashboard: %d\n%s", resp.StatusCode, page)
	}
	for _, want := range []string{
		// Tiles open the lists behind them.
		`href="/campaigns/c1/organisations?state=submitted"`, `href="/campaigns/c1/organisations?state=late"`,
		`href="/campaigns/c1/organisations?state=missing"`, "Ждут проверки", "Сдано после срока", "Принято",
		// The indicator against its target, with its coverage and the trend.
		"<strong>45\u00a0%</strong> · цель 50\u00a0%", "Цель не достигнута", "Неполные данные", "Охват: по 3 из 40 организаций",
		"+2,5\u00a0п.\u00a0п. к прошлому году", "role=\"img\" aria-label=\"Доля педагогов, вовлечённых в наставничество: 45\u00a0%, цель 50\u00a0%\"",
		"aria-label=\"Доля педагогов, вовлечённых в наставничество по годам: 2024 — 40\u00a0%; 2025 — 42,5\u00a0%; 2026 — 45\u00a0%\"",
		"Показатели по годам таблицей", "нет принятых отчётов (ожидается 40 организаций)",
		// The submitted report first, to be checked.
		`href="/review/` + submittedID + `">Проверить`, "Гимназия № 1", "После срока",
		// Overdue items across the municipality, and recent activity.
		"Всего: 7.", `href="/overdue"`, "отчёт отправлен повторно после доработки",
		`href="/campaigns/c1/accept"`, `href="/organisations"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if i, j := strings.Index(page, "МАОУ СШ № 2"), strings.Index(page, "МАОУ СШ № 10"); i < 0 || j < 0 || i > j {
		t.Errorf("the report awaiting review is not listed first")
	}
	if strings.Contains(page, "Продолжить заполнение") {
		t.Errorf("the curator's home shows to a methodologist")
	}
	if styleAttr.MatchString(page) || strings.Contains(page, "<script>") {
		t.Errorf("inline style or script, which the CSP blocks")
	}
	if len(page) > 60*1024 {
		t.Errorf("dashboard is %d bytes", len(page))
	}

	t.Run("as of a date", func(t *testing.T) {
		meth.asOf = nil
		_, page := get("GET", "/?year=2026&asOf=2026-12-01", nil)
		if len(meth.asOf) != 1 || !meth.asOf[0].Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("asked as of %v", meth.asOf)
		}
		if !strings.Contains(page, "на конец 1 декабря 2026 г.") || !strings.Contains(page, "asOf=2026-12-01&state=submitted") {
			t.Errorf("the date is not kept in the counts' links")
		}
		_, page = get("GET", "/?asOf=1.12.2026", nil)
		if !strings.Contains(page, "Дата в формате ГГГГ-ММ-ДД") {
			t.Errorf("a wrong date is not explained")
		}
	})
	t.Run("no campaign yet", func(t *testing.T) {
		meth.none = true
		defer func() { meth.none = false }()
		resp, page := get("GET", "/", nil)
		if resp.StatusCode != 200 || !strings.Contains(page, "Кампаний мониторинга для вашего муниципалитета пока нет") ||
			!strings.Contains(page, "Показатели муниципалитета за 2026 год") || strings.Contains(page, "Кто сдал отчёт") {
			t.Errorf("without a campaign: %d\n%s", resp.StatusCode, page)
		}
		if resp, _ := get("GET", "/organisations", nil); resp.Header.Get("Location") != "/" {
			t.Errorf("the list without a campaign leads to %q", resp.Header.Get("Location"))
		}
	})
	t.Run("a chosen year", func(t *testing.T) {
		_, page := get("GET", "/?year=2025", nil)
		if !strings.Contains(page, "Мониторинг ЦМН 2025") || !strings.Contains(page, "/campaigns/c0/organisations") {
			t.Errorf("the 2025 campaign is not shown")
		}
	})
}

func TestMethodologistOrganisationsOverAFake(t *testing.T) {
	t.Parallel()
	meth, get := newMethodologistPages(t)
	rows := func(page string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`<th scope="row" data-label="Организация">([^<]+)</th>`).FindAllStringSubmatch(page, -1) {
			out = append(out, m[1])
		}
		return out
	}
	_, page := get("GET", "/campaigns/c1/organisations", nil)
	if got := strings.Join(rows(page), "|"); got != "Гимназия № 1|МАОУ СШ № 2|МАОУ СШ № 7|МАОУ СШ № 10" {
		t.Errorf("by name, numbers by value: %s", got)
	}
	_, page = get("GET", "/campaigns/c1/organisations?state=submitted", nil)
	if got := strings.Join(rows(page), "|"); got != "МАОУ СШ № 2" || !strings.Contains(page, "Организации: Ждут проверки") {
		t.Errorf("submitted: %s", got)
	}
	_, page = get("GET", "/campaigns/c1/organisations?state=late", nil)
	if got := strings.Join(rows(page), "|"); got != "Гимназия № 1" {
		t.Errorf("late: %s", got)
	}
	_, page = get("GET", "/campaigns/c1/organisations?q=ГИМНАЗИЯ", nil)
	if got := strings.Join(rows(page), "|"); got != "Гимназия № 1" {
		t.Errorf("search: %s", got)
	}
	_, page = get("GET", "/campaigns/c1/organisations?sort=state", nil)
	if got := rows(page); len(got) != 4 || got[0] != "МАОУ СШ № 2" || got[3] != "Гимназия № 1" {
		t.Errorf("by state: %v", got)
	}
	// Pages of 25, the query kept in the links.
	for i := range 30 {
		meth.orgs = append(meth.orgs, OrgStanding{ID: fmt.Sprint("x", i), Name: fmt.Sprintf("Школа № %d", 100+i), State: StateMissing})
	}
	_, page = get("GET", "/campaigns/c1/organisations?state=missing", nil)
	if n := len(rows(page)); n != 25 || !strings.Contains(page, "Показаны 1–25 из 31") || !strings.Contains(page, `page=2`) {
		t.Errorf("first page: %d rows", n)
	}
	_, page = get("GET", "/campaigns/c1/organisations?state=missing&page=2", nil)
	if n := len(rows(page)); n != 6 || !strings.Contains(page, "Показаны 26–31 из 31") || !strings.Contains(page, "← Предыдущие") {
		t.Errorf("second page: %d rows", n)
	}
	if resp, _ := get("GET", "/campaigns/nope/organisations", nil); resp.StatusCode != 404 {
		t.Errorf("a campaign not of the municipality: %d", resp.StatusCode)
	}
	if resp, _ := get("GET", "/organisations", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/campaigns/c1/organisations" {
		t.Errorf("the nav's list: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, page := get("GET", "/overdue", nil); resp.StatusCode != 200 || !strings.Contains(page, "Всего: 7") {
		t.Errorf("overdue: %d", resp.StatusCode)
	}
}

func TestMethodologistReviewOverAFake(t *testing.T) {
	t.Parallel()
	meth, get := newMethodologistPages(t)
	path := "/review/" + submittedID
	resp, page := get("GET", path, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("review: %d\n%s", resp.StatusCode, page)
	}
	for _, want := range []string{"МАОУ СШ № 2: проверка отчёта", "Значения: 2026 и 2025 год", "+18 (+150\u00a0%)", "+8 (+25\u00a0%)",
		"Молодых педагогов на 150 % больше", "1 предупреждение", `href="#row-young_teachers"`,
		`name="remark_young_teachers"`, `id="comment"`, `action="` + path + `/accept"`, `name="version" value="7"`,
		`href="` + path + `/history"`} {
		if !strings.Contains(page, want) {
			t.Errorf("review lacks %q", want)
		}
	}
	if strings.Contains(page, path+"/reopen") {
		t.Errorf("a submitted report offers reopening")
	}

	t.Run("no CSRF token, nothing done", func(t *testing.T) {
		resp, _ := get("POST", path+"/accept", url.Values{"version": {"7"}})
		if resp.StatusCode != 403 || len(meth.accepted) != 0 {
			t.Errorf("%d, accepted %v", resp.StatusCode, meth.accepted)
		}
	})
	t.Run("return needs a comment", func(t *testing.T) {
		resp, page := get("POST", path+"/return", url.Values{"csrf_token": {csrfToken}, "version": {"7"},
			"remark_young_teachers": {"Уточните число"}})
		if resp.StatusCode != 400 || len(meth.returned) != 0 {
			t.Fatalf("%d, returned %v", resp.StatusCode, meth.returned)
		}
		if !strings.Contains(page, "Напишите, что школе нужно исправить") || !strings.Contains(page, `href="#comment"`) ||
			!strings.Contains(page, ">Уточните число</textarea>") {
			t.Errorf("the message or the typed remark is missing")
		}
	})
	t.Run("a stale version loses nothing", func(t *testing.T) {
		resp, page := get("POST", path+"/return", url.Values{"csrf_token": {csrfToken}, "version": {"6"},
			"comment": {"Проверьте раздел «Педагоги»"}, "remark_young_teachers": {"Уточните число"}})
		if resp.StatusCode != http.StatusConflict || len(meth.returned) != 0 {
			t.Fatalf("%d, returned %v", resp.StatusCode, meth.returned)
		}
		for _, want := range []string{"Отчёт изменился, пока вы его смотрели", ">Проверьте раздел «Педагоги»</textarea>",
			">Уточните число</textarea>", `name="version" value="7"`} {
			if !strings.Contains(page, want) {
				t.Errorf("conflict page lacks %q", want)
			}
		}
	})
	t.Run("return with a comment and only the remarks written", func(t *testing.T) {
		resp, _ := get("POST", path+"/return", url.Values{"csrf_token": {csrfToken}, "version": {"7"},
			"comment": {" Проверьте раздел «Педагоги» "}, "remark_young_teachers": {"Уточните число"}, "remark_teachers_total": {"  "}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path+"?done=returned#main" {
			t.Fatalf("%d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if len(meth.returned) != 1 {
			t.Fatalf("returned %v", meth.returned)
		}
		got := meth.returned[0]
		if got.comment != "Проверьте раздел «Педагоги»" || len(got.remarks) != 1 || got.remarks["young_teachers"] != "Уточните число" || got.version != 7 {
			t.Errorf("returned %+v", got)
		}
		if _, page := get("GET", path+"?done=returned", nil); !strings.Contains(page, "Отчёт возвращён на доработку.") {
			t.Errorf("no notice after returning")
		}
	})
	t.Run("accept on the version seen", func(t *testing.T) {
		resp, _ := get("POST", path+"/accept", url.Values{"csrf_token": {csrfToken}, "version": {"7"}})
		if resp.StatusCode != http.StatusSeeOther || len(meth.accepted) != 1 {
			t.Errorf("%d, accepted %v", resp.StatusCode, meth.accepted)
		}
		resp, page := get("POST", path+"/accept", url.Values{"csrf_token": {csrfToken}, "version": {"5"}})
		if resp.StatusCode != http.StatusConflict || len(meth.accepted) != 1 || !strings.Contains(page, "Ничего не сохранено") {
			t.Errorf("stale accept: %d, accepted %v", resp.StatusCode, meth.accepted)
		}
	})
	t.Run("reopen an accepted report with a reason", func(t *testing.T) {
		meth.review.Report.Status = ReportAccepted
		defer func() { meth.review.Report.Status = ReportSubmitted }()
		_, page := get("GET", path, nil)
		if !strings.Contains(page, path+"/reopen") || strings.Contains(page, path+"/accept") || strings.Contains(page, `name="remark_`) {
			t.Errorf("an accepted report's actions are wrong")
		}
		resp, page := get("POST", path+"/reopen", url.Values{"csrf_token": {csrfToken}, "version": {"7"}})
		if resp.StatusCode != 400 || !strings.Contains(page, "Напишите, почему отчёт нужно исправить") || len(meth.reopened) != 0 {
			t.Errorf("reopen without a reason: %d", resp.StatusCode)
		}
		resp, _ = get("POST", path+"/reopen", url.Values{"csrf_token": {csrfToken}, "version": {"7"}, "reason": {"Ошибка в числе учеников"}})
		if resp.StatusCode != http.StatusSeeOther || len(meth.reopened) != 1 {
			t.Errorf("reopen: %d, %v", resp.StatusCode, meth.reopened)
		}
	})
	t.Run("history leads back to the review", func(t *testing.T) {
		resp, page := get("GET", path+"/history", nil)
		if resp.StatusCode != 200 || !strings.Contains(page, `<a href="`+path+`">Вернуться к отчёту</a>`) || !strings.Contains(page, "черновик → отправлен") {
			t.Errorf("history: %d", resp.StatusCode)
		}
	})
	t.Run("the curator's pages are not the methodologist's", func(t *testing.T) {
		if resp, _ := get("GET", "/reports/"+reportID, nil); resp.StatusCode != 403 {
			t.Errorf("curator's form for a methodologist: %d", resp.StatusCode)
		}
		_, _, h := newTestPages(t, time.Now())
		if resp, _ := do(t, h, "GET", path, nil); resp.StatusCode != 403 {
			t.Errorf("review for a curator: %d", resp.StatusCode)
		}
	})
	if styleAttr.MatchString(page) {
		t.Errorf("inline style in the review")
	}
}

func TestMethodologistBulkAcceptOverAFake(t *testing.T) {
	t.Parallel()
	meth, get := newMethodologistPages(t)
	_, page := get("GET", "/campaigns/c1/accept", nil)
	for _, want := range []string{"Принять отчёты без замечаний?", "МАОУ СШ № 2", "МАОУ СШ № 3", "Принять 2 отчёта",
		`name="v_` + submittedID + `" value="7"`} {
		if !strings.Contains(page, want) {
			t.Errorf("confirmation lacks %q", want)
		}
	}
	// One confirmed on an old version is named, not accepted.
	resp, page := get("POST", "/campaigns/c1/accept", url.Values{"csrf_token": {csrfToken},
		"report": {submittedID, "r-other"}, "v_" + submittedID: {"6"}, "v_r-other": {"3"}})
	if resp.StatusCode != 200 || strings.Join(meth.accepted, ",") != "r-other" {
		t.Fatalf("%d, accepted %v", resp.StatusCode, meth.accepted)
	}
	if !strings.Contains(page, "Принят 1 отчёт") || !strings.Contains(page, "Не приняты: 1") || !strings.Contains(page, `href="/review/`+submittedID+`"`) {
		t.Errorf("result page:\n%s", page)
	}
}
