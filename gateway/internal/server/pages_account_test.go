package server_test

import (
	"net/http"
	"strings"
	"testing"
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
