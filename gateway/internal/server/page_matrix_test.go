package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/nastavnik/nastavnik/gateway/internal/web"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// pagePrincipals are the columns of the page access matrix.
var pagePrincipals = []string{"anonymous", "curator", "methodologist", "methodologist of B", "regional", "regional of 43", "operator"}

// pageSessions signs every principal in through the form: cookie and CSRF token.
func (f *fixture) pageSessions(t *testing.T) map[string][2]string {
	t.Helper()
	createAccount(t, f.p.reg, "page-methodologist-b", "Fixture-pass-2026", registryv1.Role_ROLE_METHODOLOGIST, f.munB)
	createAccount(t, f.p.reg, "page-regional-43", "Fixture-pass-2026", registryv1.Role_ROLE_REGIONAL, "43")
	out := map[string][2]string{"anonymous": {}}
	for _, p := range pagePrincipals[1:] {
		login, pw := p, rolePassword(p)
		switch p {
		case "methodologist of B":
			login, pw = "page-methodologist-b", "Fixture-pass-2026"
		case "regional of 43":
			login, pw = "page-regional-43", "Fixture-pass-2026"
		}
		cookie, csrf := pageSession(t, f.p.base, login, pw)
		out[p] = [2]string{cookie, csrf}
	}
	return out
}

// pageDo sends q with a session cookie and returns the status, the
// redirect's target and the body.
func pageDo(t *testing.T, hc *http.Client, base, cookie string, q fuzzRequest) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(q.method, base+q.url, strings.NewReader(string(q.body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", q.contentType)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// pageRows are the page access matrix: every route of web.Routes (a route
// without a row fails the test) × the pagePrincipals, on region 24's objects
// (school A1, municipality A). Each letter is the class of the answer:
//
//	A  reached the page: 2xx, or 303 elsewhere than to sign in (for a form
//	   also a 400/409/422 of its own checks) — never 404 or 5xx
//	L  sent to sign in (303 to /login)
//	R  refused for the role: 403 «Нет доступа»
//	N  404, as if the object did not exist
//	C  403 «Форма устарела»: the form's CSRF token is missing or wrong
//
// Forms are sent with the principal's CSRF token and school A1 as
// "organisation", and nothing else: the classes, not the outcomes, are the
// point here (the page tests do the outcomes).
var pageRows = map[string]struct {
	want   string // one letter per pagePrincipals
	suffix string // added to the path
}{
	"GET /static/":                              {want: "A A A A A A A", suffix: "site.css"},
	"GET /{$}":                                  {want: "L A A A A A A"},
	"GET /login":                                {want: "A A A A A A A"},
	"POST /login":                               {want: "C C C C C C C"}, // without the sign-in form's own cookie
	"POST /logout":                              {want: "L L L L L L L"}, // signed in: signed out, to /login
	"GET /account/password":                     {want: "L A A A A A A"},
	"POST /account/password":                    {want: "L A A A A A A"},
	"POST /account/scope":                       {want: "L A A A A A A"},
	"GET /account/notifications":                {want: "L A A A A A A"},
	"POST /account/notifications":               {want: "L A A A A A A"},
	"GET /unsubscribe":                          {want: "400 400 400 400 400 400 400"}, // no token: the 400 page, signed in or not
	"POST /unsubscribe":                         {want: "A A A A A A A"},               // no token: the 400 page
	"GET /account/tokens":                       {want: "L A A A A A A"},
	"POST /account/tokens":                      {want: "L A A A A A A"},
	"POST /account/tokens/{id}/revoke":          {want: "L N N N N N N"}, // a token nobody holds
	"GET /notifications":                        {want: "L A A A A A A"},
	"POST /notifications/read":                  {want: "L A A A A A A"},
	"POST /campaigns/{id}/start":                {want: "L A R R R R R"},
	"GET /reports/{id}":                         {want: "L A R R R R R"},
	"POST /reports/{id}":                        {want: "L A R R R R R"},
	"GET /reports/{id}/submit":                  {want: "L A R R R R R"},
	"POST /reports/{id}/submit":                 {want: "L A R R R R R"},
	"GET /reports/{id}/history":                 {want: "L A R R R R R"},
	"GET /reports/{id}/xlsx":                    {want: "L A R R R R R"},
	"GET /reports/{id}/upload":                  {want: "L A R R R R R"},
	"POST /reports/{id}/upload":                 {want: "L A R R R R R"},
	"POST /reports/{id}/upload/confirm":         {want: "L A R R R R R"},
	"GET /roadmap":                              {want: "L A A A R R R"},
	"GET /roadmap/import":                       {want: "L A R R R R R"},
	"POST /roadmap/import":                      {want: "L A R R R R R"},
	"POST /roadmap/import/confirm":              {want: "L A R R R R R"},
	"GET /roadmap/{id}":                         {want: "L A A N R R R"},
	"GET /roadmap/{id}/items/new":               {want: "L A R R R R R"},
	"POST /roadmap/{id}/items/new":              {want: "L A R R R R R"},
	"GET /roadmap/{id}/items/{item}":            {want: "L A A N R R R"},
	"GET /roadmap/{id}/items/{item}/edit":       {want: "L A R R R R R"},
	"POST /roadmap/{id}/items/{item}/edit":      {want: "L A R R R R R"},
	"POST /roadmap/{id}/items/{item}/mark":      {want: "L A R R R R R"},
	"POST /roadmap/{id}/items/{item}/move":      {want: "L A R R R R R"},
	"GET /organisations":                        {want: "L R A A R R R"},
	"GET /campaigns/{id}/organisations":         {want: "L R A N R R R"},
	"GET /campaigns/{id}/accept":                {want: "L R A N R R R"},
	"POST /campaigns/{id}/accept":               {want: "L R A N R R R"},
	"GET /campaigns/{id}/signoff":               {want: "L R A N R R R"},
	"POST /campaigns/{id}/signoff":              {want: "L R A N R R R"},
	"POST /region/municipalities/{id}/sendback": {want: "L R R R A N A"},
	"GET /country":                              {want: "L R R R R R A"},
	"POST /roadmap/{id}/items/{item}/cascade":   {want: "L R R N R R R"}, // A1's roadmap: only a municipal one hands down
	"GET /overdue":                              {want: "L R A A R R R"},
	"GET /review/{id}":                          {want: "L R A N R R R"},
	"POST /review/{id}/return":                  {want: "L R A N R R R"},
	"POST /review/{id}/accept":                  {want: "L R A N R R R"},
	"POST /review/{id}/reopen":                  {want: "L R A N R R R"},
	"GET /review/{id}/history":                  {want: "L R A N R R R"},
	"GET /region/{code}":                        {want: "L R R R A N A"},
	"GET /region/municipalities/{id}":           {want: "L R R R A N A"},
	"GET /region/reports/{id}":                  {want: "L R R R A N A"},
	"GET /region/targets":                       {want: "L R R R A N A", suffix: "?region=24"},
	"POST /region/targets":                      {want: "L R R R A A N"}, // no region named: one's own, none for the operator
	"GET /export/dashboard.xlsx":                {want: "L R A N A N A", suffix: "?region=24"},
	"GET /campaigns":                            {want: "L R A A R R R"},
	"GET /campaigns/new":                        {want: "L R A A R R R"},
	"POST /campaigns/new":                       {want: "L R A A R R R"},
	"GET /campaigns/{id}":                       {want: "L R A N R R R"},
	"POST /campaigns/{id}/reminders":            {want: "L R A N R R R"},
	"POST /campaigns/{id}/refresh":              {want: "L R A N R R R"},
	"POST /campaigns/{id}/close":                {want: "L R A N R R R"},
	"GET /campaigns/{id}/extend/{org}":          {want: "L R A N R R R"},
	"POST /campaigns/{id}/extend/{org}":         {want: "L R A N R R R"},
	"GET /registry":                             {want: "L R A A R R R"},
	"GET /registry/new":                         {want: "L R A A R R R"},
	"POST /registry/new":                        {want: "L R A A R R R"},
	"GET /registry/import":                      {want: "L R A A R R R"},
	"POST /registry/import":                     {want: "L R A A R R R"},
	"POST /registry/import/confirm":             {want: "L R A A R R R"},
	"GET /registry/{id}":                        {want: "L R A N R R R"},
	"POST /registry/{id}":                       {want: "L R A N R R R"},
	"GET /registry/{id}/close":                  {want: "L R A N R R R"},
	"POST /registry/{id}/close":                 {want: "L R A N R R R"},
	"GET /accounts":                             {want: "L R A A R R R"},
	"GET /accounts/new":                         {want: "L R A A R R R"},
	"POST /accounts/new":                        {want: "L R A A R R R"},
	"GET /accounts/{id}/password":               {want: "L R A N R R R"},
	"POST /accounts/{id}/password":              {want: "L R A N R R R"},
	"POST /accounts/{id}/block":                 {want: "L R A N R R R"},
	"POST /accounts/{id}/unblock":               {want: "L R A N R R R"},
	"GET /audit":                                {want: "L R A A R R R"},
	"GET /operator/outbox":                      {want: "L R R R R R A"},
	// A failed message of the indicators' outbox: the operator sends it again.
	"POST /operator/outbox/{source}/messages/{id}/retry": {want: "L R R R R R A"},
	// No resolution in the form: the operator's answer is a 400 of its own.
	"POST /operator/outbox/{source}/messages/{id}/resolve": {want: "L R R R R R A"},
}

// pageClass is the class letter of an answer (see pageRows).
func pageClass(method string, status int, location, body string) string {
	switch {
	case status == http.StatusSeeOther && strings.HasPrefix(location, "/login"):
		return "L"
	case status == http.StatusForbidden && strings.Contains(body, "Нет доступа"):
		return "R"
	case status == http.StatusForbidden && strings.Contains(body, "Форма устарела"):
		return "C"
	case status == http.StatusNotFound:
		return "N"
	case status >= 200 && status < 300, status == http.StatusSeeOther:
		return "A"
	case method == "POST" && (status == http.StatusBadRequest || status == http.StatusConflict || status == http.StatusUnprocessableEntity):
		return "A"
	}
	return fmt.Sprint(status)
}

// TestPageAccessMatrix runs pageRows through the real gateway and services.
func TestPageAccessMatrix(t *testing.T) {
	f := newFixture(t)
	f.ownPagePath("GET /")
	sessions := f.pageSessions(t)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	routes := web.Routes()
	var patterns []string
	for _, p := range routes {
		if _, ok := pageRows[p]; !ok {
			t.Errorf("%s has no row in the page access matrix: add one", p)
		}
		if p != "POST /logout" {
			patterns = append(patterns, p)
		}
	}
	for p := range pageRows {
		if !slices.Contains(routes, p) {
			t.Errorf("the page matrix has a row for %s, which web.Routes does not serve", p)
		}
	}
	// GETs first, then the forms (which may change what the pages show),
	// and signing out last.
	sort.SliceStable(patterns, func(i, j int) bool {
		return strings.HasPrefix(patterns[i], "GET ") && !strings.HasPrefix(patterns[j], "GET ")
	})
	patterns = append(patterns, "POST /logout")
	cells := 0
	for _, pattern := range patterns {
		row, ok := pageRows[pattern]
		if !ok {
			continue
		}
		method, _, _ := strings.Cut(pattern, " ")
		path := f.ownPagePath(pattern) + row.suffix
		want := strings.Fields(row.want)
		if len(want) != len(pagePrincipals) {
			t.Fatalf("%s: %d classes, want %d", pattern, len(want), len(pagePrincipals))
		}
		var got []string
		for _, p := range pagePrincipals {
			s := sessions[p]
			q := fuzzRequest{method: method, url: path, contentType: "application/x-www-form-urlencoded"}
			if method == "POST" {
				q.body = []byte(url.Values{"csrf_token": {s[1]}, "organisation": {f.a1.GetId()}}.Encode())
			}
			status, loc, body := pageDo(t, hc, f.p.base, s[0], q)
			got = append(got, pageClass(method, status, loc, body))
			cells++
		}
		if g := strings.Join(got, " "); g != row.want {
			t.Errorf("%s %s:\n got %s\nwant %s\n(%s)", method, path, g, row.want, strings.Join(pagePrincipals, ", "))
		}
	}
	// The static files are there, their directories are not listed.
	for _, dir := range []string{"/static/", "/static/?C=M;O=D"} {
		if status, _, body := pageDo(t, hc, f.p.base, "", fuzzRequest{method: "GET", url: dir}); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404 (%.200s)", dir, status, body)
		}
	}
	t.Logf("page access matrix: %d page routes × %d principals = %d cells", len(routes), len(pagePrincipals), cells)
}
