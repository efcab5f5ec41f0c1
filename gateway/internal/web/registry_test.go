package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/gateway/internal/auth"
	"github.com/nastavnik/nastavnik/platform/identity"
)

// The methodologist's administration pages over a fake registry: campaigns,
// the registry of organisations with its import, curators' accounts and the
// audit log.

type fakeRegistry struct {
	orgs      []OrgRecord
	accounts  []AccountRecord
	created   []OrgRecord
	curators  []NewCurator
	resets    map[string]string
	blocked   map[string]bool
	extended  []string
	imports   []bool // dry runs
	filters   []OrgFilter
	campaigns []CampaignRecord
	closed    []int64
	reminders []string
}

func newFakeRegistry() *fakeRegistry {
	f := &fakeRegistry{resets: map[string]string{}, blocked: map[string]bool{}}
	for i, n := range []string{"Гимназия № 1", "МАОУ СШ № 2", "МАОУ СШ № 7"} {
		f.orgs = append(f.orgs, OrgRecord{ID: "o" + string(rune('1'+i)), Municipality: munID, ShortName: n, FullName: n + " г. Калининграда",
			INN: "390600000" + string(rune('1'+i)), Kind: KindSchool, Version: 1})
	}
	f.accounts = []AccountRecord{{ID: "acc1", Login: "ivanova", Name: "Иванова Мария", Organisations: []string{"o1"}}}
	f.campaigns = []CampaignRecord{{ID: campaignID, Name: "Мониторинг 2026", Year: 2026, FormCode: "mentoring", FormVersion: 2,
		Municipality: munID, Deadline: time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC), Open: true, Expected: 3, Version: 4,
		ReminderDays: []int{7, 3, 1, 0}, ReminderTime: "09:00"}}
	return f
}

func badField(field, msg string) error {
	st, _ := status.New(codes.InvalidArgument, "invalid").WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
		{Field: field, LocalizedMessage: &errdetails.LocalizedMessage{Locale: "ru", Message: msg}}}})
	return st.Err()
}

func (f *fakeRegistry) Organisations(_ context.Context, q OrgFilter) (OrgListPage, error) {
	f.filters = append(f.filters, q)
	var match []OrgRecord
	for _, o := range f.orgs {
		if q.Query == "" || strings.Contains(o.ShortName, q.Query) || o.INN == q.Query {
			match = append(match, o)
		}
	}
	start := 0
	if q.PageToken == "p2" {
		start = 2
	}
	end := min(len(match), start+min(q.PageSize, 2))
	page := OrgListPage{Items: match[start:end], Total: len(match)}
	if end < len(match) {
		page.NextPageToken = "p2"
	}
	return page, nil
}

func (f *fakeRegistry) Organisation(_ context.Context, id string) (OrgRecord, error) {
	for _, o := range f.orgs {
		if o.ID == id {
			return o, nil
		}
	}
	return OrgRecord{}, status.Error(codes.NotFound, "no")
}

func (f *fakeRegistry) CreateOrganisation(_ context.Context, o OrgRecord, _ string) (OrgRecord, error) {
	if o.INN == "123" {
		return o, badField("organisation.inn", "ИНН организации — 10 цифр")
	}
	o.ID = "o9"
	f.created = append(f.created, o)
	f.orgs = append(f.orgs, o)
	return o, nil
}

func (f *fakeRegistry) UpdateOrganisation(_ context.Context, o OrgRecord) (OrgRecord, error) {
	return o, nil
}
func (f *fakeRegistry) CloseOrganisation(context.Context, OrgClosure) error { return nil }

func (f *fakeRegistry) ImportOrganisations(_ context.Context, _ string, _ bool, _ []byte, dryRun bool) (OrgImport, error) {
	f.imports = append(f.imports, dryRun)
	return OrgImport{Applied: !dryRun, Created: 1, Updated: 1, Rejected: 1, Rows: []OrgImportRow{
		{Number: 2, Action: "created", INN: "3906000009", ShortName: "СШ № 9"},
		{Number: 3, Action: "updated", INN: "3906000001", ShortName: "Гимназия № 1", Changed: []string{"address", "full_name"}},
		{Number: 4, Action: "rejected", INN: "12", Problems: []OrgImportProblem{{Column: "ИНН", Message: "ИНН организации — 10 цифр"}}},
	}}, nil
}

func (f *fakeRegistry) Curators(context.Context, string, string) (AccountPage, error) {
	return AccountPage{Items: f.accounts}, nil
}

func (f *fakeRegistry) CreateCurator(_ context.Context, a NewCurator) (AccountRecord, error) {
	if a.Login == "ivanova" {
		return AccountRecord{}, status.Error(codes.AlreadyExists, "taken")
	}
	f.curators = append(f.curators, a)
	return AccountRecord{ID: "acc2", Login: a.Login}, nil
}

func (f *fakeRegistry) ResetPassword(_ context.Context, id, pw string) error {
	f.resets[id] = pw
	return nil
}
func (f *fakeRegistry) SetBlocked(_ context.Context, id string, b bool) error {
	f.blocked[id] = b
	return nil
}

func (f *fakeRegistry) Audit(_ context.Context, q AuditQuery) (AuditPage, error) {
	if q.ActorID != "" && q.ActorID != "acc1" {
		return AuditPage{}, nil
	}
	return AuditPage{NextPageToken: "next", Events: []AuditEvent{
		{Time: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Login: "sidorova", Action: "organisation.update",
			Details: `{"full_name":["СШ № 1","Гимназия № 1"]}`},
		{Time: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), Login: "sidorova", Action: "account.create",
			Details: `{"login":"ivanova","name":"Иванова Мария"}`},
	}}, nil
}

func (f *fakeRegistry) AccountID(_ context.Context, login string) (string, error) {
	if login == "ivanova" {
		return "acc1", nil
	}
	return "", nil
}

func (f *fakeRegistry) Forms(context.Context) ([]FormChoice, error) {
	return []FormChoice{{Code: "mentoring", Title: "Мониторинг наставничества", Version: 2}}, nil
}

func (f *fakeRegistry) CampaignList(context.Context, string) ([]CampaignRecord, error) {
	return f.campaigns, nil
}
func (f *fakeRegistry) Campaign(_ context.Context, id string) (CampaignRecord, error) {
	for _, c := range f.campaigns {
		if c.ID == id {
			return c, nil
		}
	}
	return CampaignRecord{}, status.Error(codes.NotFound, "no")
}

func (f *fakeRegistry) CreateCampaign(_ context.Context, c CampaignRecord, _ string) (CampaignRecord, error) {
	if c.Deadline.Year() < c.Year {
		return c, badField("campaign.deadline", "Срок сдачи раньше начала кампании")
	}
	c.ID = "c2"
	f.campaigns = append(f.campaigns, c)
	return c, nil
}

func (f *fakeRegistry) Expected(context.Context, string, string) ([]ExpectedRow, error) {
	d := time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)
	return []ExpectedRow{
		{OrgID: "o2", Name: "МАОУ СШ № 2", State: StateSubmitted, Deadline: d},
		{OrgID: "o1", Name: "Гимназия № 1", State: StateMissing, Deadline: d.AddDate(0, 0, 7),
			Extensions: []Extension{{Deadline: d.AddDate(0, 0, 7), Reason: "карантин", Login: "sidorova"}}},
	}, nil
}

func (f *fakeRegistry) RefreshExpected(context.Context, string) ([]string, []string, error) {
	return []string{"o3"}, nil, nil
}

func (f *fakeRegistry) ExtendDeadline(_ context.Context, _, org string, d time.Time, reason string) error {
	f.extended = append(f.extended, org+" "+d.Format(time.DateOnly)+" "+reason)
	return nil
}

func (f *fakeRegistry) SetReminders(_ context.Context, _ string, version int64, days []int, at string) error {
	if at != "" && (len(at) != 5 || at[2] != ':' || at > "23:59") {
		return badField("reminder_time", "Время в формате ЧЧ:ММ, например 09:00")
	}
	f.reminders = append(f.reminders, fmt.Sprintf("v%d %v %s", version, days, at))
	return nil
}

func (f *fakeRegistry) CloseCampaign(_ context.Context, _ string, version int64) error {
	f.closed = append(f.closed, version)
	return nil
}

type pageDo func(method, path string, form url.Values) (*http.Response, string)

func newRegistryPages(t *testing.T) (*fakeRegistry, pageDo, http.Handler) {
	t.Helper()
	signer, err := identity.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	reg := newFakeRegistry()
	p, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Auth: &auth.Authenticator{Signer: signer, Auth: methAuth{}},
		Curator: &fakeCurator{report: kaliningradReport()}, Methodologist: newFakeMethodologist(), Registry: reg})
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
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: methCookie})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result(), html.UnescapeString(rec.Body.String())
	}, h
}

func mustContain(t *testing.T, page string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if styleAttr.MatchString(page) {
		t.Error("page has a style attribute")
	}
}

func TestRegistryPagesOverAFake(t *testing.T) {
	t.Parallel()
	reg, do, _ := newRegistryPages(t)
	resp, page := do("GET", "/registry?q=СШ&status=open&kind=1", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("list: %d", resp.StatusCode)
	}
	f := reg.filters[len(reg.filters)-1]
	if f.Query != "СШ" || f.Status != "open" || f.Kind != KindSchool || f.Municipality != munID {
		t.Errorf("filter %+v", f)
	}
	mustContain(t, page, "Показаны 1–2 из 2", `aria-current="page">Реестр`, "Кураторы", "Журнал", "Кампании")

	_, page = do("GET", "/registry", nil)
	mustContain(t, page, "Показаны 1–2 из 3", "Следующие", "page=p2")
	_, page = do("GET", "/registry?page=p2&from=3", nil)
	mustContain(t, page, "Показаны 3–3 из 3", "МАОУ СШ № 7", "В начало списка")
	if strings.Contains(page, ">Следующие<") {
		t.Error("the last page offers a next one")
	}
	resp, page = do("GET", "/registry?openOn=13.12.2026", nil)
	if resp.StatusCode != 400 {
		t.Errorf("bad date: %d", resp.StatusCode)
	}
	mustContain(t, page, "Дата в формате ГГГГ-ММ-ДД")

	// A bad INN is said beside its field, in the service's words; the form
	// keeps what was typed.
	form := url.Values{"csrf_token": {csrfToken}, "short_name": {"СШ № 9"}, "full_name": {"МАОУ СШ № 9"}, "inn": {"123"}, "kind": {"1"}}
	resp, page = do("POST", "/registry/new", form)
	if resp.StatusCode != 400 {
		t.Fatalf("bad INN: %d", resp.StatusCode)
	}
	mustContain(t, page, `href="#inn">ИНН организации — 10 цифр`, `id="inn" name="inn" value="123" aria-describedby="inn-hint" aria-invalid="true"`, `value="МАОУ СШ № 9"`)
	form.Set("inn", "3906000009")
	resp, _ = do("POST", "/registry/new", form)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/registry/o9?done=created" {
		t.Fatalf("create: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if len(reg.created) != 1 || reg.created[0].Municipality != munID {
		t.Errorf("created %+v", reg.created)
	}
	// Without the CSRF token nothing is written.
	form.Del("csrf_token")
	if resp, _ := do("POST", "/registry/new", form); resp.StatusCode != 403 || len(reg.created) != 1 {
		t.Errorf("without CSRF: %d", resp.StatusCode)
	}
	_, page = do("GET", "/registry/o9?done=created", nil)
	mustContain(t, page, "Организация добавлена", "/accounts/new?org=o9", "Закрыть организацию")

	// Closing asks a reason; the successor is one of the other open ones.
	_, page = do("GET", "/registry/o1/close", nil)
	mustContain(t, page, `<option value="o2">МАОУ СШ № 2</option>`, "data-confirm")
	resp, page = do("POST", "/registry/o1/close", url.Values{"csrf_token": {csrfToken}, "closed_on": {"2026-08-31"}, "version": {"1"}})
	if resp.StatusCode != 400 {
		t.Errorf("close without reason: %d", resp.StatusCode)
	}
	mustContain(t, page, "Выберите причину закрытия")
	resp, _ = do("POST", "/registry/o1/close", url.Values{"csrf_token": {csrfToken}, "closed_on": {"2026-08-31"}, "version": {"1"},
		"reason": {"3"}, "successor": {"o2"}})
	if resp.StatusCode != 303 {
		t.Errorf("close: %d", resp.StatusCode)
	}
}

func TestRegistryImportOverAFake(t *testing.T) {
	t.Parallel()
	reg, do, h := newRegistryPages(t)
	_, page := do("GET", "/registry/import", nil)
	mustContain(t, page, `enctype="multipart/form-data"`)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf_token", csrfToken)
	fw, _ := mw.CreateFormFile("file", "schools.csv")
	_, _ = fw.Write([]byte("ИНН;Краткое название\n3906000009;СШ № 9\n"))
	_ = mw.Close()
	req := httptest.NewRequest("POST", "/registry/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: methCookie})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	page = html.UnescapeString(rec.Body.String())
	if rec.Code != 200 {
		t.Fatalf("preview: %d %s", rec.Code, page)
	}
	mustContain(t, page, "Проверьте, что будет загружено", "будет добавлена", "Изменятся: адрес, полное название",
		"Столбец «ИНН»: ИНН организации — 10 цифр", "Не будет принято: <strong>1</strong>", `name="format" value="csv"`)
	if len(reg.imports) != 1 || !reg.imports[0] {
		t.Fatalf("imports %v", reg.imports)
	}
	content := base64.StdEncoding.EncodeToString([]byte("ИНН;Краткое название\n3906000009;СШ № 9\n"))
	body.Reset()
	mw = multipart.NewWriter(&body)
	for k, v := range map[string]string{"csrf_token": csrfToken, "format": "csv", "content": content, "file_name": "schools.csv"} {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	req = httptest.NewRequest("POST", "/registry/import/confirm", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: methCookie})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	page = html.UnescapeString(rec.Body.String())
	if rec.Code != 200 || len(reg.imports) != 2 || reg.imports[1] {
		t.Fatalf("confirm: %d %v", rec.Code, reg.imports)
	}
	mustContain(t, page, "Реестр загружен", "Добавлено: <strong>1</strong>")
}

func TestAccountsPagesOverAFake(t *testing.T) {
	t.Parallel()
	reg, do, _ := newRegistryPages(t)
	_, page := do("GET", "/accounts", nil)
	mustContain(t, page, "ivanova", "Гимназия № 1", "Заблокировать", "data-confirm")
	_, page = do("GET", "/accounts/new?org=o2", nil)
	mustContain(t, page, `<option value="o2" selected>`)
	form := url.Values{"csrf_token": {csrfToken}, "organisation": {"o2"}, "login": {"ivanova"}, "name": {"Петрова Анна"}, "password_mode": {"generate"}}
	resp, page := do("POST", "/accounts/new", form)
	if resp.StatusCode != 400 {
		t.Fatalf("taken login: %d", resp.StatusCode)
	}
	mustContain(t, page, `href="#login">Такой логин уже занят`)
	form.Set("login", "petrova")
	resp, page = do("POST", "/accounts/new", form)
	if resp.StatusCode != 200 || len(reg.curators) != 1 {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	pw := reg.curators[0].Password
	if len(pw) != 12 || !strings.Contains(page, pw) || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the generated password is not shown once: %q", pw)
	}
	// A typed password too short is said beside it.
	resp, page = do("POST", "/accounts/acc1/password", url.Values{"csrf_token": {csrfToken}, "password_mode": {"typed"}, "password": {"short"}})
	if resp.StatusCode != 400 {
		t.Errorf("short password: %d", resp.StatusCode)
	}
	mustContain(t, page, "Пароль не короче 10 символов")
	resp, _ = do("POST", "/accounts/acc1/password", url.Values{"csrf_token": {csrfToken}, "password_mode": {"typed"}, "password": {"Длинный-пароль-1"}})
	if resp.StatusCode != 200 || reg.resets["acc1"] != "Длинный-пароль-1" {
		t.Errorf("reset: %d %v", resp.StatusCode, reg.resets)
	}
	resp, _ = do("POST", "/accounts/acc1/block", url.Values{"csrf_token": {csrfToken}})
	if resp.StatusCode != 303 || !reg.blocked["acc1"] {
		t.Errorf("block: %d", resp.StatusCode)
	}
	if resp, _ := do("POST", "/accounts/acc1/unblock", url.Values{}); resp.StatusCode != 403 || !reg.blocked["acc1"] {
		t.Errorf("unblock without CSRF: %d", resp.StatusCode)
	}
	if resp, _ := do("POST", "/accounts/nobody/block", url.Values{"csrf_token": {csrfToken}}); resp.StatusCode != 404 {
		t.Errorf("someone else's account: %d", resp.StatusCode)
	}
}

func TestAuditPageOverAFake(t *testing.T) {
	t.Parallel()
	_, do, _ := newRegistryPages(t)
	_, page := do("GET", "/audit", nil)
	mustContain(t, page, "изменена организация", "<del>СШ № 1</del> → <ins>Гимназия № 1</ins>", "создана учётная запись",
		"логин: ivanova", "Более ранние", "page=next")
	_, page = do("GET", "/audit?login=ivanova&action=account.", nil)
	mustContain(t, page, `value="account." selected`, "sidorova")
	resp, page := do("GET", "/audit?login=nobody", nil)
	if resp.StatusCode != 400 {
		t.Errorf("unknown login: %d", resp.StatusCode)
	}
	mustContain(t, page, "Пользователя «nobody» нет")
}

func TestCampaignPagesOverAFake(t *testing.T) {
	t.Parallel()
	reg, do, _ := newRegistryPages(t)
	_, page := do("GET", "/campaigns", nil)
	mustContain(t, page, "Мониторинг 2026", "/campaigns/c1", "Идёт")
	_, page = do("GET", "/campaigns/new", nil)
	mustContain(t, page, "Мониторинг наставничества, версия 2", `value="2026"`)
	form := url.Values{"csrf_token": {csrfToken}, "form": {"mentoring:2"}, "name": {"Мониторинг 2027"}, "year": {"2027"}, "deadline": {"15.12.2027"}}
	resp, page := do("POST", "/campaigns/new", form)
	if resp.StatusCode != 400 {
		t.Fatalf("bad date: %d", resp.StatusCode)
	}
	mustContain(t, page, `href="#deadline">Дата в формате ГГГГ-ММ-ДД`)
	form.Set("deadline", "2026-01-10")
	_, page = do("POST", "/campaigns/new", form)
	mustContain(t, page, `href="#deadline">Срок сдачи раньше начала кампании`)
	form.Set("deadline", "2027-12-15")
	if resp, _ := do("POST", "/campaigns/new", form); resp.StatusCode != 303 || resp.Header.Get("Location") != "/campaigns/c2?done=created" {
		t.Fatalf("create: %d", resp.StatusCode)
	}

	_, page = do("GET", "/campaigns/c1", nil)
	mustContain(t, page, "Гимназия № 1", "карантин", "(sidorova)", "/campaigns/c1/extend/o1", "Сверить с реестром", "data-confirm")
	_, page = do("POST", "/campaigns/c1/refresh", url.Values{"csrf_token": {csrfToken}})
	mustContain(t, page, "Добавлены: МАОУ СШ № 7.")

	_, page = do("GET", "/campaigns/c1/extend/o2", nil)
	mustContain(t, page, `value="2026-12-22"`, " г. Новый срок действует только для этой организации.")
	if strings.Contains(page, "г..") {
		t.Errorf("the extension page writes a full stop after «г.»:\n%s", page)
	}
	resp, page = do("POST", "/campaigns/c1/extend/o2", url.Values{"csrf_token": {csrfToken}, "deadline": {"2026-12-22"}})
	if resp.StatusCode != 400 {
		t.Errorf("no reason: %d", resp.StatusCode)
	}
	mustContain(t, page, `href="#reason">Напишите, почему срок продлён`)
	resp, _ = do("POST", "/campaigns/c1/extend/o2", url.Values{"csrf_token": {csrfToken}, "deadline": {"2026-12-22"}, "reason": {"болезнь куратора"}})
	if resp.StatusCode != 303 || len(reg.extended) != 1 || reg.extended[0] != "o2 2026-12-22 болезнь куратора" {
		t.Errorf("extend: %d %v", resp.StatusCode, reg.extended)
	}
	if resp, _ := do("GET", "/campaigns/c1/extend/o9", nil); resp.StatusCode != 404 {
		t.Errorf("an organisation not expected: %d", resp.StatusCode)
	}
	// Reminders: the days as typed, a bad list or time named beside its field.
	_, page = do("GET", "/campaigns/c1", nil)
	mustContain(t, page, `id="reminder_days"`, `value="7, 3, 1, 0"`, `value="09:00"`)
	resp, page = do("POST", "/campaigns/c1/reminders", url.Values{"csrf_token": {csrfToken}, "version": {"4"}, "reminder_days": {"7, три"}, "reminder_time": {"09:00"}})
	if resp.StatusCode != 400 {
		t.Errorf("bad days: %d", resp.StatusCode)
	}
	mustContain(t, page, `href="#reminder_days">Не больше 10 чисел от 0 до 60`, `value="7, три"`)
	resp, page = do("POST", "/campaigns/c1/reminders", url.Values{"csrf_token": {csrfToken}, "version": {"4"}, "reminder_days": {"5, 1"}, "reminder_time": {"25:00"}})
	if resp.StatusCode != 400 {
		t.Errorf("bad time: %d", resp.StatusCode)
	}
	mustContain(t, page, `href="#reminder_time">Время в формате ЧЧ:ММ`)
	resp, _ = do("POST", "/campaigns/c1/reminders", url.Values{"csrf_token": {csrfToken}, "version": {"4"}, "reminder_days": {"5, 1"}, "reminder_time": {"18:30"}})
	if resp.StatusCode != 303 || len(reg.reminders) != 1 || reg.reminders[0] != "v4 [5 1] 18:30" {
		t.Errorf("reminders: %d %v", resp.StatusCode, reg.reminders)
	}
	resp, _ = do("POST", "/campaigns/c1/close", url.Values{"csrf_token": {csrfToken}, "version": {"4"}})
	if resp.StatusCode != 303 || len(reg.closed) != 1 || reg.closed[0] != 4 {
		t.Errorf("close: %d %v", resp.StatusCode, reg.closed)
	}
}
