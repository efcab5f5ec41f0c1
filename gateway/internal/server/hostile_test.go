package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// apiError is the gateway's JSON error.
type apiError struct {
	Code    string `json:"code"`
	Details []struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	} `json:"details"`
}

// A NUL character or text that is not UTF-8 — in a query parameter, a path
// or a body — is a 400 naming the field, never a 500 from a service or the
// database.
func TestNULAndBadUTF8AreNamedFieldErrors(t *testing.T) {
	p := startPlatform(t)
	op := p.as(t, "operator", operatorPassword)
	tests := []struct {
		name, method, path string
		body               any
		field, reason      string
	}{
		{"bad UTF-8 in a query parameter", "GET", "/v1/organisations?region=%FF%FE", nil, "region", "not_utf8"},
		{"NUL in a search", "GET", "/v1/organisations?query=%D0%B0%00", nil, "query", "nul_character"},
		{"NUL in a path", "GET", "/v1/regions/2%004", nil, "path", "nul_character"},
		{"NUL in a body's name", "POST", "/v1/regions", map[string]string{"code": "77", "name": "Мо\u0000сква", "timeZone": "Europe/Moscow"},
			"region.name", "nul_character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e apiError
			code := op.do(tc.method, tc.path, tc.body, &e)
			if code != 400 || e.Code != "INVALID_ARGUMENT" || len(e.Details) != 1 || e.Details[0].Field != tc.field || e.Details[0].Reason != tc.reason {
				t.Errorf("got %d %+v, want 400 naming %s (%s)", code, e, tc.field, tc.reason)
			}
		})
	}
}

// A count no organisation can have is refused on input (it once skewed the
// country's aggregate and then overflowed it): 400 naming the field, nothing
// stored.
func TestHugeCountsAreRefused(t *testing.T) {
	f := newFixture(t)
	report := f.indicators().repA1
	cur := f.clients["curator"]
	var r struct {
		Version string                    `json:"version"`
		Values  map[string]map[string]any `json:"values"`
	}
	if code := cur.do("GET", "/v1/reports/"+report, nil, &r); code != 200 {
		t.Fatal(code)
	}
	for _, n := range []string{"9223372036854775807", "1000001", "-1"} {
		var e apiError
		code := cur.do("PATCH", "/v1/reports/"+report, map[string]any{"version": r.Version,
			"values": map[string]any{"teachers_total": map[string]string{"count": n}}}, &e)
		if code != 400 || len(e.Details) != 1 || e.Details[0].Field != "values[teachers_total]" || e.Details[0].Reason != "range" {
			t.Errorf("%s: got %d %+v, want 400 naming values[teachers_total] (range)", n, code, e)
		}
	}
	var after struct {
		Version string `json:"version"`
	}
	if cur.do("GET", "/v1/reports/"+report, nil, &after); after.Version != r.Version {
		t.Errorf("version %s → %s: something was written", r.Version, after.Version)
	}
}

// The audit log records the address the gateway saw, never one the client
// wrote into the body.
func TestAuditAddressCannotBeForged(t *testing.T) {
	p := startPlatform(t)
	anon := client{t: t, base: p.base}
	var tok struct {
		Token string `json:"token"`
	}
	if code := anon.do("POST", "/v1/auth/token", map[string]string{"login": "operator", "password": operatorPassword,
		"remoteAddr": "6.6.6.6"}, &tok); code != 200 || tok.Token == "" {
		t.Fatalf("sign in: %d", code)
	}
	op := client{t: t, base: p.base, token: tok.Token}
	var list struct {
		Events []struct {
			Action     string `json:"action"`
			RemoteAddr string `json:"remoteAddr"`
		} `json:"events"`
	}
	if code := op.do("GET", "/v1/audit?pageSize=50", nil, &list); code != 200 {
		t.Fatal(code)
	}
	seen := 0
	for _, e := range list.Events {
		if e.Action == "token.create" || e.Action == "sign_in" || e.Action == "signin.ok" {
			seen++
		}
		if e.RemoteAddr == "6.6.6.6" {
			t.Errorf("%s recorded the forged address", e.Action)
		}
		if e.Action == "token.create" && e.RemoteAddr != "127.0.0.1" {
			t.Errorf("token.create from %q, want 127.0.0.1", e.RemoteAddr)
		}
	}
	if seen == 0 {
		t.Fatalf("no sign-in or token events in %+v", list.Events)
	}
}

// Every answer carries the security headers; the API's are never cached, and
// the reference page cannot be framed.
func TestSecurityHeadersEverywhere(t *testing.T) {
	p := startPlatform(t)
	for _, tc := range []struct {
		method, path, body string
		want               map[string]string
	}{
		{"POST", "/v1/auth/token", `{"login":"operator","password":"` + operatorPassword + `"}`,
			map[string]string{"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}},
		{"GET", "/docs", "", map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}},
		{"GET", "/openapi.json", "", map[string]string{"X-Content-Type-Options": "nosniff"}},
	} {
		req, _ := http.NewRequest(tc.method, p.base+tc.path, strings.NewReader(tc.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for h, want := range tc.want {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s %s: %s = %q, want %q", tc.method, tc.path, h, got, want)
			}
		}
		if tc.path == "/docs" {
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "style-src 'sha256-") {
				t.Errorf("/docs CSP %q", csp)
			}
		}
	}
}
