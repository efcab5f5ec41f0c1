package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/nastavnik/nastavnik/gateway/internal/auth"
	"github.com/nastavnik/nastavnik/platform/identity"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// Fast page tests: the real pages, middleware and templates over a fake
// backend and a fake registry that knows one session. The browser tests in
// gateway/internal/server drive the same pages over the real services.

const (
	sessionCookie = "s3cret"
	csrfToken     = "csrf-of-the-session"
	reportID      = "0f7c8a52-6f0c-4d8e-9a39-2b3f0d5a9c11"
	// twoRolesCookie is the session of a curator who is also a methodologist.
	twoRolesCookie = "two-roles"
)

// fakeAuth knows one session, a curator's.
type fakeAuth struct {
	registryv1.AuthServiceClient
}

func (fakeAuth) Authenticate(_ context.Context, req *registryv1.AuthenticateRequest, _ ...grpc.CallOption) (*registryv1.AuthenticateResponse, error) {
	if req.GetSession() == twoRolesCookie {
		return &registryv1.AuthenticateResponse{CsrfToken: csrfToken, Principal: &registryv1.Principal{AccountId: "a2", Login: "petrova",
			Roles: []*registryv1.ScopedRole{
				{Role: registryv1.Role_ROLE_CURATOR, Region: "39", Municipality: "m1", Organisation: "o1"},
				{Role: registryv1.Role_ROLE_METHODOLOGIST, Region: "39", Municipality: "m1"}}}}, nil
	}
	if req.GetSession() != sessionCookie {
		return nil, WrongPassword
	}
	return &registryv1.AuthenticateResponse{CsrfToken: csrfToken, Principal: &registryv1.Principal{AccountId: "a1", Login: "ivanova",
		Roles: []*registryv1.ScopedRole{{Role: registryv1.Role_ROLE_CURATOR, Region: "39", Municipality: "m1", Organisation: "o1"}}}}, nil
}

// fakeCurator is the curator's backend with one report.
type fakeCurator struct {
	report ReportView
	saved  []map[string]FieldInput
	// conflict makes the next save answer a ConflictError with this report.
	conflict *ReportView
}

func (f *fakeCurator) Home(context.Context, []string) (CuratorHome, error) {
	return CuratorHome{Campaigns: []CampaignCard{{CampaignID: "c1", Name: "Мониторинг ЦМН 2026", Year: 2026, OrgID: "o1",
		OrgName: "МАОУ СШ № 7", Deadline: f.report.Deadline, DeadlineDay: time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC),
		TimeZone: "Europe/Kaliningrad", State: StateDraft, ReportID: reportID}}}, nil
}
func (f *fakeCurator) Report(context.Context, string) (ReportView, error) { return f.report, nil }
func (f *fakeCurator) StartReport(context.Context, string, string, bool) (string, error) {
	return reportID, nil
}
func (f *fakeCurator) SaveReport(_ context.Context, _ string, _ int64, values map[string]FieldInput, _ []string) error {
	if f.conflict != nil {
		return &ConflictError{Current: *f.conflict}
	}
	f.saved = append(f.saved, values)
	return nil
}
func (f *fakeCurator) SubmitReport(context.Context, string, int64, bool) (ReportView, error) {
	return f.report, nil
}
func (f *fakeCurator) CheckReport(context.Context, string, map[string]FieldInput) ([]ViolationView, error) {
	return nil, nil
}
func (f *fakeCurator) History(context.Context, string, string) (HistoryPage, error) {
	return HistoryPage{}, nil
}

func kaliningradReport() ReportView {
	kal, _ := time.LoadLocation("Europe/Kaliningrad")
	return ReportView{ID: reportID, CampaignName: "Мониторинг ЦМН 2026", OrgName: "МАОУ СШ № 7", Version: 4,
		Status: ReportDraft, Deadline: time.Date(2026, 12, 16, 0, 0, 0, 0, kal), TimeZone: "Europe/Kaliningrad",
		Sections: []SectionView{{Title: "Педагоги", Fields: []FieldView{
			{Code: "teachers_total", Label: "Педагогических работников, всего", Help: "Человек.", Type: FieldCount, Value: "40", Set: true},
			{Code: "young_teachers", Label: "Молодые педагоги", Type: FieldCount},
		}}}}
}

func newTestPages(t *testing.T, now time.Time) (*Pages, *fakeCurator, http.Handler) {
	t.Helper()
	signer, err := identity.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	cur := &fakeCurator{report: kaliningradReport()}
	p, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Auth: &auth.Authenticator{Signer: signer, Auth: fakeAuth{}}, Curator: cur,
		Methodologist: newFakeMethodologist()})
	if err != nil {
		t.Fatal(err)
	}
	p.now = func() time.Time { return now }
	return p, cur, p.Handler()
}

func do(t *testing.T, h http.Handler, method, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: sessionCookie})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result(), rec.Body.String()
}

func TestCuratorPagesOverAFake(t *testing.T) {
	t.Parallel()
	// 09:00 UTC on 13 December: 11:00 in Kaliningrad, two days and the rest of this one left.
	_, cur, h := newTestPages(t, time.Date(2026, 12, 13, 9, 0, 0, 0, time.UTC))

	t.Run("home shows the deadline in local time", func(t *testing.T) {
		resp, page := do(t, h, "GET", "/", nil)
		if resp.StatusCode != 200 || !strings.Contains(page, "до 23:59 15 декабря 2026 г.") || !strings.Contains(page, "осталось 2 дня") {
			t.Errorf("home: %d\n%s", resp.StatusCode, page)
		}
	})
	t.Run("a form without the CSRF token is refused and saves nothing", func(t *testing.T) {
		resp, _ := do(t, h, "POST", "/reports/"+reportID, url.Values{"version": {"4"}, "f_young_teachers": {"3"}})
		if resp.StatusCode != http.StatusForbidden || len(cur.saved) != 0 {
			t.Errorf("got %d with %d saves, want 403 and none", resp.StatusCode, len(cur.saved))
		}
	})
	t.Run("a word in a count is a Russian message beside the field, nothing saved", func(t *testing.T) {
		resp, page := do(t, h, "POST", "/reports/"+reportID, url.Values{"csrf_token": {csrfToken}, "version": {"4"},
			"teachers_total": {"40"}, "f_young_teachers": {"три"}})
		if resp.StatusCode != http.StatusBadRequest || len(cur.saved) != 0 {
			t.Fatalf("got %d with %d saves, want 400 and none", resp.StatusCode, len(cur.saved))
		}
		field := page[strings.Index(page, `id="field-young_teachers"`):]
		field = field[:strings.Index(field, "</div>")]
		if !strings.Contains(field, "Введите целое число") || !strings.Contains(field, `value="три"`) {
			t.Errorf("the field does not keep what was typed with its message:\n%s", field)
		}
		if !strings.Contains(page, `href="#f_young_teachers"`) {
			t.Errorf("the error summary does not link to the field")
		}
	})
	t.Run("only changed values are saved", func(t *testing.T) {
		resp, _ := do(t, h, "POST", "/reports/"+reportID, url.Values{"csrf_token": {csrfToken}, "version": {"4"},
			"f_teachers_total": {"40"}, "f_young_teachers": {"5"}})
		if resp.StatusCode != http.StatusSeeOther || len(cur.saved) != 1 {
			t.Fatalf("got %d with %d saves", resp.StatusCode, len(cur.saved))
		}
		if got := cur.saved[0]; len(got) != 1 || got["young_teachers"].Count != 5 {
			t.Errorf("saved %+v, want only young_teachers = 5", got)
		}
	})
	t.Run("a conflict keeps the person's values and shows the saved ones", func(t *testing.T) {
		theirs := kaliningradReport()
		theirs.Version = 5
		theirs.Sections[0].Fields[1].Value, theirs.Sections[0].Fields[1].Set = "9", true
		cur.conflict = &theirs
		defer func() { cur.conflict = nil }()
		resp, page := do(t, h, "POST", "/reports/"+reportID, url.Values{"csrf_token": {csrfToken}, "version": {"4"},
			"f_teachers_total": {"40"}, "f_young_teachers": {"6"}})
		if resp.StatusCode != http.StatusConflict {
			t.Fatalf("got %d, want 409", resp.StatusCode)
		}
		for _, want := range []string{`value="6"`, "Сейчас сохранено: 9", `name="version" value="5"`} {
			if !strings.Contains(page, want) {
				t.Errorf("conflict page lacks %q", want)
			}
		}
	})
	t.Run("pages are small and carry the security headers", func(t *testing.T) {
		for _, path := range []string{"/", "/reports/" + reportID, "/reports/" + reportID + "/submit", "/reports/" + reportID + "/history", "/account/password"} {
			resp, page := do(t, h, "GET", path, nil)
			if resp.StatusCode != 200 {
				t.Errorf("%s: %d", path, resp.StatusCode)
			}
			if len(page) > 60*1024 {
				t.Errorf("%s: %d bytes of HTML", path, len(page))
			}
			if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s: CSP %q", path, csp)
			}
		}
	})
}

func TestSubmitAfterTheDeadlineSaysLate(t *testing.T) {
	t.Parallel()
	// 22:30 UTC on 15 December: 00:30 on the 16th in Kaliningrad.
	_, _, h := newTestPages(t, time.Date(2026, 12, 15, 22, 30, 0, 0, time.UTC))
	_, page := do(t, h, "GET", "/reports/"+reportID+"/submit", nil)
	if !strings.Contains(page, "Срок уже прошёл") || !strings.Contains(page, "после срока") {
		t.Errorf("no late notice:\n%s", page)
	}
	// One minute before the end of the day there is none.
	_, _, h = newTestPages(t, time.Date(2026, 12, 15, 21, 59, 0, 0, time.UTC))
	if _, page := do(t, h, "GET", "/reports/"+reportID+"/submit", nil); strings.Contains(page, "Срок уже прошёл") {
		t.Errorf("late notice before the deadline")
	}
}

func TestSignedOutIsSentToSignIn(t *testing.T) {
	t.Parallel()
	_, _, h := newTestPages(t, time.Now())
	req := httptest.NewRequest("GET", "/reports/"+reportID, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != "/login?next=/reports/"+reportID {
		t.Errorf("got %d → %q", rec.Code, loc)
	}
}

func TestScopeSwitcher(t *testing.T) {
	t.Parallel()
	_, _, h := newTestPages(t, time.Date(2026, 12, 13, 9, 0, 0, 0, time.UTC))
	get := func(cookies ...*http.Cookie) string {
		req := httptest.NewRequest("GET", "/", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	session := &http.Cookie{Name: auth.SessionCookie, Value: twoRolesCookie}
	page := get(session)
	if !strings.Contains(page, `action="/account/scope"`) || !strings.Contains(page, "куратор") || !strings.Contains(page, "методист") {
		t.Fatalf("no switcher for two roles:\n%s", page)
	}
	if !strings.Contains(page, "до 23:59 15 декабря 2026 г.") {
		t.Errorf("with every role the curator's home shows")
	}
	// Switching to the methodologist's role: the cookie, then its start page.
	form := url.Values{"csrf_token": {csrfToken}, "scope": {"methodologist:39:m1:"}}
	req := httptest.NewRequest("POST", "/account/scope", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(session)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var chosen *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == scopeCookie {
			chosen = c
		}
	}
	if rec.Code != http.StatusSeeOther || chosen == nil || chosen.Value != "methodologist:39:m1:" {
		t.Fatalf("switch: %d, cookie %v", rec.Code, chosen)
	}
	if page := get(session, chosen); strings.Contains(page, "до 23:59 15 декабря") || !strings.Contains(page, `selected>методист`) {
		t.Errorf("as a methodologist the curator's home still shows:\n%s", page)
	}
	// A binding the person does not hold is refused.
	form.Set("scope", "operator:::")
	req = httptest.NewRequest("POST", "/account/scope", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(session)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("foreign binding: %d, want 400", rec.Code)
	}
	// A single-role person sees no switcher.
	if page := get(&http.Cookie{Name: auth.SessionCookie, Value: sessionCookie}); strings.Contains(page, `action="/account/scope"`) {
		t.Errorf("a switcher for one role")
	}
}
