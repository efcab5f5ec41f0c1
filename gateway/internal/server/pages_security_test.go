package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/gateway/internal/config"
	"github.com/nastavnik/nastavnik/gateway/internal/web"
)

// Text that is not UTF-8 — in a page's path, query or form — is a 400 page
// before any service is asked (gRPC refused to encode it: a 500).
func TestPagesRefuseTextThatIsNotUTF8(t *testing.T) {
	f := newFixture(t)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	sessions := map[string][2]string{}
	for _, role := range []string{"curator", "regional", "methodologist"} {
		cookie, csrf := pageSession(t, f.p.base, role, rolePassword(role))
		sessions[role] = [2]string{cookie, csrf}
	}
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name, role, method, url, body string
	}{
		{"a report id", "curator", "GET", "/reports/%FF/history", ""},
		{"a municipality id", "regional", "GET", "/region/municipalities/%FF", ""},
		{"a registry search", "methodologist", "GET", "/registry?q=%ED%A0%80", ""},
		{"the current password", "curator", "POST", "/account/password", "current=%FF&new=x"},
		{"a token's name", "regional", "POST", "/account/tokens", "name=%C3%28"},
		{"a field's name", "methodologist", "POST", "/accounts/new", "%FF=1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := sessions[tc.role]
			body := tc.body
			if tc.method == "POST" {
				body += "&csrf_token=" + s[1]
			}
			status, page := doRaw(t, hc, f.p.base, "", s[0], fuzzRequest{method: tc.method, url: tc.url, body: []byte(body), contentType: form})
			if status != http.StatusBadRequest || !strings.Contains(page, "Недопустимые символы") {
				t.Errorf("got %d, want 400 «Недопустимые символы»: %.300s", status, page)
			}
		})
	}
	// The sign-in form too.
	b := newBrowser(t, f.p.base)
	_, page := b.get("/login")
	status, _ := doRaw(t, hc, f.p.base, "", "nastavnik_login_csrf="+csrfOf(t, page), fuzzRequest{method: "POST", url: "/login",
		body: []byte("login=%FF&password=x&csrf_token=" + csrfOf(t, page)), contentType: form})
	if status != http.StatusBadRequest {
		t.Errorf("sign-in with a login that is not UTF-8: %d, want 400", status)
	}
}

// dataState hashes every table of the three services' databases but the
// sessions and the sign-in failures (signing in and reading pages touch them).
func (f *fixture) dataState() string {
	f.t.Helper()
	ctx := context.Background()
	var out []string
	for _, db := range []*pgx.Conn{f.db, f.rmdb, f.idb} {
		rows, err := db.Query(ctx, `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables
			WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
			  AND table_name NOT IN ('sessions', 'sign_in_failures', 'goose_db_version') ORDER BY 1`)
		if err != nil {
			f.t.Fatal(err)
		}
		tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			f.t.Fatal(err)
		}
		for _, tbl := range tables {
			var h *string
			if err := db.QueryRow(ctx, `SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM `+tbl+` t`).Scan(&h); err != nil {
				f.t.Fatalf("%s: %v", tbl, err)
			}
			s := "empty"
			if h != nil {
				s = *h
			}
			out = append(out, tbl+"="+s)
		}
	}
	return strings.Join(out, ";")
}

// settledState is the dataState once the services' outboxes (every 200 ms
// here) have written what the objects just made call for (the roadmap's
// weekly overdue digests of new roadmaps): the same twice, half a second
// apart.
func (f *fixture) settledState() string {
	f.t.Helper()
	state := f.dataState()
	for range 40 {
		time.Sleep(500 * time.Millisecond)
		next := f.dataState()
		if next == state {
			return state
		}
		state = next
	}
	f.t.Fatal("the data never settled")
	return ""
}

// changedTables names the tables whose hashes differ between two dataStates.
func changedTables(before, after string) []string {
	was := map[string]bool{}
	for _, s := range strings.Split(before, ";") {
		was[s] = true
	}
	var out []string
	for _, s := range strings.Split(after, ";") {
		if !was[s] {
			out = append(out, strings.Split(s, "=")[0])
		}
	}
	return out
}

// ownPagePath fills a page pattern with objects of the own scope.
func (f *fixture) ownPagePath(pattern string) string {
	_, path, _ := strings.Cut(pattern, " ")
	ind := f.indicators()
	own := map[string]string{"region": "24", "municipality": f.munA, "organisation": f.a1.GetId(), "campaign": ind.campA,
		"report": ind.repA1, "roadmap": f.pageRoadmap().id, "item": f.pageRoadmap().item, "account": f.accA2,
		"token": "0b0e4d4e-0000-4000-8000-000000000002", "source": "indicators", "message": f.pageOutboxMessage()}
	segs := strings.Split(strings.TrimSuffix(path, "{$}"), "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = own[pageParamKind(segs[i-1])]
		}
	}
	return strings.Join(segs, "/")
}

// pageOutboxMessages hold a failed message of the indicators' outbox for the
// page tests of each fixture, made once.
var pageOutboxMessages sync.Map // *fixture → id

func (f *fixture) pageOutboxMessage() string {
	if id, ok := pageOutboxMessages.Load(f); ok {
		return id.(string)
	}
	id := f.outboxMessage(5)
	pageOutboxMessages.Store(f, id)
	return id
}

// pageRoadmaps hold A1's roadmap for the page tests of each fixture, made once.
var pageRoadmaps sync.Map // *fixture → fixtureRoadmap

func (f *fixture) pageRoadmap() fixtureRoadmap {
	if r, ok := pageRoadmaps.Load(f); ok {
		return r.(fixtureRoadmap)
	}
	r := f.roadmap("organisation", f.a1.GetId())
	pageRoadmaps.Store(f, r)
	return r
}

// TestEveryFormNeedsItsCSRFToken posts to every state-changing page route
// (from web.Routes, so a new form is covered the day it is added) without
// the session's CSRF token and with another session's, as every role: each
// is refused with 403 and nothing in any database changes. At least one role
// must be refused for the token itself (the form is theirs), not for its role.
func TestEveryFormNeedsItsCSRFToken(t *testing.T) {
	f := newFixture(t)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	type session struct{ cookie, csrf, other string }
	sessions := map[string]session{}
	for _, role := range roles {
		cookie, csrf := pageSession(t, f.p.base, role, rolePassword(role))
		_, other := pageSession(t, f.p.base, role, rolePassword(role)) // the same person's second session
		if other == csrf {
			t.Fatalf("%s: two sessions share a CSRF token", role)
		}
		sessions[role] = session{cookie, csrf, other}
	}
	f.ownPagePath("GET /") // makes the objects the paths name before the state is taken
	before := f.settledState()
	forms, cells := 0, 0
	for _, pattern := range web.Routes() {
		method, _, _ := strings.Cut(pattern, " ")
		if method == "GET" || method == "HEAD" {
			continue
		}
		forms++
		if pattern == "POST /unsubscribe" {
			// Its authority is the digest's signed link, not a session (a
			// List-Unsubscribe click carries none): without a valid link it
			// is refused, signed in or not, and changes nothing.
			for _, cookie := range []string{"", sessions[roles[0]].cookie} {
				status, page := doRaw(t, hc, f.p.base, "", cookie, fuzzRequest{method: method, url: f.ownPagePath(pattern),
					body: []byte("t=forged.AAAA"), contentType: "application/x-www-form-urlencoded"})
				cells++
				if status != http.StatusBadRequest || !strings.Contains(page, "Ссылка недействительна") {
					t.Errorf("%s without a valid link: %d, want 400", pattern, status)
				}
			}
			continue
		}
		refusedForToken := false
		for _, role := range roles {
			s := sessions[role]
			path := f.ownPagePath(pattern)
			for _, tc := range []struct{ name, token string }{{"no token", ""}, {"another session's token", s.other}} {
				body := url.Values{"name": {"Ключ"}, "current": {rolePassword(role)}, "new": {"Stolen-pass-2026"},
					"reason": {"CLOSURE_REASON_LIQUIDATED"}, "closed_on": {"2026-09-01"}}
				if tc.token != "" {
					body.Set("csrf_token", tc.token)
				}
				cookie := s.cookie
				if pattern == "POST /login" {
					cookie += "; nastavnik_login_csrf=" + s.csrf // the sign-in form's cookie, but not its value
					body.Set("login", role)
					body.Set("password", rolePassword(role))
				}
				status, page := doRaw(t, hc, f.p.base, "", cookie, fuzzRequest{method: method, url: path,
					body: []byte(body.Encode()), contentType: "application/x-www-form-urlencoded"})
				cells++
				if status != http.StatusForbidden {
					t.Errorf("%s %s as %s with %s: %d, want 403", method, path, role, tc.name, status)
					continue
				}
				if strings.Contains(page, "Форма устарела") {
					refusedForToken = true
				}
			}
		}
		if !refusedForToken {
			t.Errorf("%s: no role was refused for the CSRF token (only for its role): no role may use it?", pattern)
		}
		// Nobody signed in: sent to sign in (or, for the sign-in form, refused).
		status, _ := doRaw(t, hc, f.p.base, "", "", fuzzRequest{method: method, url: f.ownPagePath(pattern),
			contentType: "application/x-www-form-urlencoded"})
		cells++
		if want := map[bool]int{true: http.StatusForbidden, false: http.StatusSeeOther}[pattern == "POST /login"]; status != want {
			t.Errorf("%s with nobody signed in: %d, want %d", pattern, status, want)
		}
	}
	if forms < 30 {
		t.Fatalf("web.Routes lists %d forms: is it complete?", forms)
	}
	if after := f.dataState(); after != before {
		t.Errorf("requests refused for their CSRF token changed data: %s", changedTables(before, after))
	}
	// The API, with the session cookie instead of a bearer token, needs the
	// X-CSRF-Token header on every state-changing route.
	routes, _ := apiRoutes(t, f.p.base)
	api := 0
	for _, r := range routes {
		if r.method == "GET" || r.String() == "POST /v1/auth/token" {
			continue
		}
		path := r.path
		for _, p := range r.pathParams {
			path = strings.Replace(path, "{"+p+"}", "0b0e4d4e-0000-4000-8000-000000000003", 1)
		}
		for _, token := range []string{"", sessions["operator"].other} {
			req, _ := http.NewRequest(r.method, f.p.base+path, strings.NewReader("{}"))
			req.Header.Set("Cookie", sessions["operator"].cookie)
			if token != "" {
				req.Header.Set("X-CSRF-Token", token)
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			api++
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s with the session cookie and CSRF header %q: %d, want 403", r, token, resp.StatusCode)
			}
		}
	}
	if after := f.dataState(); after != before {
		t.Errorf("API requests refused for their CSRF header changed data: %s", changedTables(before, after))
	}
	t.Logf("%d page forms × %d roles × 2 + nobody: %d requests refused; %d API requests without a valid X-CSRF-Token refused",
		forms, len(roles), cells, api)
}

// signInRaw signs in through the form with extra cookies planted in the
// request, and returns the answer's status and cookies.
func signInRaw(t *testing.T, base, planted, login, pw string, header map[string]string) (int, []*http.Cookie) {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", base+"/login", nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var loginCookie string
	for _, c := range resp.Cookies() {
		if c.Name == "nastavnik_login_csrf" {
			loginCookie = c.Value
			checkCookie(t, c, "/login", header["X-Forwarded-Proto"] == "https")
		}
	}
	form := url.Values{"login": {login}, "password": {pw}, "csrf_token": {csrfOf(t, string(page))}}
	req, _ = http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", strings.TrimPrefix(planted+"; nastavnik_login_csrf="+loginCookie, "; "))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if resp, err = hc.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Cookies()
}

// checkCookie checks a cookie the pages set: HttpOnly, SameSite=Lax, the
// path, and Secure exactly when the request came over TLS.
func checkCookie(t *testing.T, c *http.Cookie, path string, tls bool) {
	t.Helper()
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != path || c.Secure != tls {
		t.Errorf("cookie %s: HttpOnly=%v SameSite=%v Path=%q Secure=%v; want HttpOnly, Lax, %q, Secure=%v",
			c.Name, c.HttpOnly, c.SameSite, c.Path, c.Secure, path, tls)
	}
}

func sessionCookie(t *testing.T, cs []*http.Cookie) string {
	t.Helper()
	for _, c := range cs {
		if c.Name == "nastavnik_session" && c.Value != "" {
			return c.Value
		}
	}
	t.Fatalf("no session cookie in %v", cs)
	return ""
}

// whoIs opens the start page with a session cookie and returns the login it
// shows, or "" when it sends the visitor to sign in.
func whoIs(t *testing.T, base, session string) string {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", base+"/account/password", nil)
	req.Header.Set("Cookie", "nastavnik_session="+session)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	m := regexp.MustCompile(`<div class="header__who"><span>([^<·]+)`).FindSubmatch(page)
	if m == nil {
		return "?"
	}
	return strings.TrimSpace(string(m[1]))
}

// Session fixation: a session cookie planted before sign-in — made up, or
// another person's live session — never becomes the signed-in session: sign-in
// always issues a new one, the planted one stays what it was, and sign-out
// kills the session it ends.
func TestSignInIssuesAFreshSession(t *testing.T) {
	f := newFixture(t)
	base := f.p.base

	// A made-up value planted by an attacker.
	status, cs := signInRaw(t, base, "nastavnik_session=attacker-chosen-0123456789", "methodologist", rolePassword("methodologist"), nil)
	if status != http.StatusSeeOther {
		t.Fatalf("sign in: %d, want 303", status)
	}
	s1 := sessionCookie(t, cs)
	if s1 == "attacker-chosen-0123456789" {
		t.Fatal("sign-in kept the planted session value")
	}
	if who := whoIs(t, base, "attacker-chosen-0123456789"); who != "" {
		t.Errorf("the planted value opens pages as %q", who)
	}
	if who := whoIs(t, base, s1); who != "methodologist" {
		t.Errorf("the new session opens pages as %q, want methodologist", who)
	}

	// The attacker's own live session planted in the victim's browser.
	attacker, _ := pageSession(t, base, "curator", rolePassword("curator"))
	planted := strings.TrimPrefix(attacker[strings.Index(attacker, "nastavnik_session="):], "nastavnik_session=")
	planted, _, _ = strings.Cut(planted, ";")
	_, cs = signInRaw(t, base, "nastavnik_session="+planted, "regional", rolePassword("regional"), nil)
	s2 := sessionCookie(t, cs)
	if s2 == planted || s2 == s1 {
		t.Errorf("sign-in reused a session value")
	}
	if who := whoIs(t, base, planted); who != "curator" {
		t.Errorf("the attacker's session became %q's; want it still the curator's", who)
	}
	if who := whoIs(t, base, s2); who != "regional" {
		t.Errorf("the victim's session opens pages as %q, want regional", who)
	}

	// Sign-out ends that session only, and its CSRF token with it.
	b := newBrowser(t, base)
	csrf := b.signIn("operator", operatorPassword)
	if code, _ := b.post("/logout", url.Values{"csrf_token": {csrf}}); code != http.StatusSeeOther {
		t.Fatalf("sign out: %d", code)
	}
	if code, _ := b.post("/account/tokens", url.Values{"csrf_token": {csrf}, "name": {"после выхода"}}); code != http.StatusSeeOther {
		t.Errorf("a form after sign-out: %d, want 303 to sign in", code)
	}
	if who := whoIs(t, base, s2); who != "regional" {
		t.Errorf("another person's sign-out ended the regional's session (%q)", who)
	}
}

// The cookies the pages set are HttpOnly, SameSite=Lax, scoped to their
// path, and Secure when the request came over TLS (here through a trusted
// proxy's X-Forwarded-Proto), which also brings HSTS.
func TestCookieAttributes(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain HTTP", true: "TLS at the proxy"}[tls], func(t *testing.T) {
			p := startPlatform(t, func(c *config.Config) { c.TrustForwarded = true })
			header := map[string]string{}
			if tls {
				header["X-Forwarded-Proto"] = "https"
			}
			status, cs := signInRaw(t, p.base, "", "operator", operatorPassword, header)
			if status != http.StatusSeeOther {
				t.Fatalf("sign in: %d", status)
			}
			var session *http.Cookie
			for _, c := range cs {
				switch c.Name {
				case "nastavnik_session":
					session = c
					checkCookie(t, c, "/", tls)
					if c.Expires.IsZero() || c.Expires.Before(time.Now()) {
						t.Errorf("session cookie expires %v", c.Expires)
					}
				case "nastavnik_login_csrf":
					if c.MaxAge >= 0 || c.Path != "/login" {
						t.Errorf("the sign-in form's cookie is not removed: %+v", c)
					}
				}
			}
			if session == nil {
				t.Fatal("no session cookie")
			}
			req, _ := http.NewRequest("GET", p.base+"/login", nil)
			for k, v := range header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if hsts := resp.Header.Get("Strict-Transport-Security"); (hsts != "") != tls {
				t.Errorf("Strict-Transport-Security %q over TLS=%v", hsts, tls)
			}
		})
	}
}
