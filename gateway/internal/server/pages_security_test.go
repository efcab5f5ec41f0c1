package server_test

import (
	"net/http"
	"strings"
	"testing"
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
