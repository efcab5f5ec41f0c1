package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nastavnik/nastavnik/platform/notify"
)

// TestAccountPagesInTheBrowser: a person creates an API token on the page,
// sees its secret once, uses it, and revokes it; the password page passes
// the page checks.
func TestAccountPagesInTheBrowser(t *testing.T) {
	f := newFixture(t)
	c := newPageChecker(t, f.p.base)
	b := c.b
	if err := b.SignIn("methodologist", rolePassword("methodologist")); err != nil {
		t.Fatal(err)
	}
	if err := b.Open("/account/password"); err != nil {
		t.Fatal(err)
	}
	c.check("password")
	if err := b.Open("/account/tokens"); err != nil {
		t.Fatal(err)
	}
	c.check("tokens")
	// An empty name is refused beside the field.
	if err := b.Submit(`form[action="/account/tokens"] button`); err != nil {
		t.Fatal(err)
	}
	if msg := text(t, b, "#error-summary"); !strings.Contains(msg, "Назовите ключ") {
		t.Errorf("empty name: %q", msg)
	}
	if _, err := b.EvalString(`(() => { document.getElementById("name").value = "Выгрузка для РЦН"; return ""; })()`); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action="/account/tokens"] button`); err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(text(t, b, "code.secret"))
	if secret == "" {
		t.Fatal("no secret shown")
	}
	c.check("token created")
	me := func() int {
		req, _ := http.NewRequest("GET", f.p.base+"/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := me(); code != 200 {
		t.Fatalf("the new token: %d, want 200", code)
	}
	// The secret is shown once: the list never carries it.
	if err := b.Open("/account/tokens"); err != nil {
		t.Fatal(err)
	}
	if page := text(t, b, "main"); strings.Contains(page, secret) || !strings.Contains(page, "Выгрузка для РЦН") {
		t.Errorf("token list:\n%s", page)
	}
	if err := b.Submit(`form[action$="/revoke"] button`); err != nil {
		t.Fatal(err)
	}
	if page := text(t, b, "main"); !strings.Contains(page, "Отозван") {
		t.Errorf("after revoking:\n%s", page)
	}
	if code := me(); code != 401 {
		t.Errorf("a revoked token: %d, want 401", code)
	}
}

// TestDigestsAndUnsubscribe: a person turns digests off and on on the
// account page; a digest's unsubscribe link works without signing in, a
// forged one is a Russian 400 page, and the choice reaches the registry.
func TestDigestsAndUnsubscribe(t *testing.T) {
	f := newFixture(t)
	c := newPageChecker(t, f.p.base)
	b := c.b
	digestsOff := func() bool {
		t.Helper()
		var me struct {
			DigestsOff bool `json:"digestsOff"`
		}
		if code := f.clients["methodologist"].do("GET", "/v1/me", nil, &me); code != 200 {
			t.Fatalf("GET /v1/me: %d", code)
		}
		return me.DigestsOff
	}
	if err := b.SignIn("methodologist", rolePassword("methodologist")); err != nil {
		t.Fatal(err)
	}
	if err := b.Open("/account/notifications"); err != nil {
		t.Fatal(err)
	}
	c.check("digests")
	if _, err := b.EvalString(`(() => { document.querySelector('input[name="digests"]').checked = false; return ""; })()`); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action="/account/notifications"] button`); err != nil {
		t.Fatal(err)
	}
	if msg := text(t, b, "main"); !strings.Contains(msg, "Сводки отключены") || !digestsOff() {
		t.Fatalf("after unchecking: %q, digests off %v", msg, digestsOff())
	}
	if _, err := b.EvalString(`(() => { document.querySelector('input[name="digests"]').checked = true; return ""; })()`); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action="/account/notifications"] button`); err != nil {
		t.Fatal(err)
	}
	if msg := text(t, b, "main"); !strings.Contains(msg, "Сводки включены") || digestsOff() {
		t.Fatalf("after checking: %q, digests off %v", msg, digestsOff())
	}

	// The link of a digest, without a session.
	get := func(method, token string) (int, string) {
		t.Helper()
		var resp *http.Response
		var err error
		if method == "GET" {
			resp, err = http.Get(f.p.base + "/unsubscribe?t=" + url.QueryEscape(token))
		} else {
			resp, err = http.PostForm(f.p.base+"/unsubscribe", url.Values{"t": {token}})
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	real := notify.UnsubscribeToken(f.ids["methodologist"], "methodologist_digest")
	forged := notify.UnsubscribeToken(f.ids["curator"], "methodologist_digest")
	forged = forged[:strings.Index(forged, ".")] + real[strings.Index(real, "."):] // the curator's name, another's signature
	for _, token := range []string{forged, "", "junk", real + "x"} {
		for _, method := range []string{"GET", "POST"} {
			if code, body := get(method, token); code != http.StatusBadRequest || !strings.Contains(body, "Ссылка недействительна") {
				t.Errorf("%s with token %q: %d\n%.300s", method, token, code, body)
			}
		}
	}
	if digestsOff() {
		t.Fatal("a forged token turned digests off")
	}
	code, body := get("GET", real)
	if code != 200 || !strings.Contains(body, "Отключить сводки по почте?") || digestsOff() {
		t.Fatalf("GET with the real token: %d, digests off %v\n%.300s", code, digestsOff(), body)
	}
	if err := b.Open("/unsubscribe?t=" + url.QueryEscape(real)); err != nil {
		t.Fatal(err)
	}
	c.check("unsubscribe")
	code, body = get("POST", real)
	if code != 200 || !strings.Contains(body, "Сводки отключены") || !digestsOff() {
		t.Fatalf("POST with the real token: %d, digests off %v\n%.300s", code, digestsOff(), body)
	}
	var cur struct {
		DigestsOff bool `json:"digestsOff"`
	}
	if f.clients["curator"].do("GET", "/v1/me", nil, &cur); cur.DigestsOff {
		t.Error("the methodologist's link turned the curator's digests off")
	}
}
