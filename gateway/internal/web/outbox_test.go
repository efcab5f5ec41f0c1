package web

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/gateway/internal/auth"
	"github.com/nastavnik/nastavnik/platform/identity"
)

// fakeOutbox is two sources' outboxes.
type fakeOutbox struct {
	acted []string
	// stale makes the next action answer FailedPrecondition.
	stale bool
}

func (f *fakeOutbox) OutboxSources() []string { return []string{"indicators", "roadmap"} }

func (f *fakeOutbox) OutboxStats(_ context.Context, source string, hours int) (OutboxStats, error) {
	return OutboxStats{States: map[OutboxState]int64{OutboxFailed: 2, OutboxUncertain: 1, OutboxSent: int64(1000 + hours)}}, nil
}

func (f *fakeOutbox) OutboxProblems(_ context.Context, source, token string) (OutboxList, error) {
	if token == "old" {
		return OutboxList{}, status.Error(codes.InvalidArgument, "page token")
	}
	at := time.Date(2026, 12, 12, 6, 0, 0, 0, time.UTC)
	return OutboxList{Next: "p2", Items: []OutboxMessage{
		{ID: "41", Kind: "report_returned", Subject: "Отчёт возвращён", Name: "Иванова", Email: "ivanova@school.test",
			LastError: "550 no such mailbox", State: OutboxFailed, Attempts: 1, Created: at},
		{ID: "42", Kind: "roadmap_digest", Subject: "Сводка", Email: "petrov@school.test", State: OutboxUncertain, Attempts: 1, Created: at},
	}}, nil
}

func (f *fakeOutbox) act(what string) error {
	if f.stale {
		f.stale = false
		return status.Error(codes.FailedPrecondition, "no longer failed")
	}
	f.acted = append(f.acted, what)
	return nil
}

func (f *fakeOutbox) RetryOutboxMessage(_ context.Context, source, id string) error {
	return f.act("retry " + source + " " + id)
}

func (f *fakeOutbox) ResolveOutboxMessage(_ context.Context, source, id string, delivered bool) error {
	if delivered {
		return f.act("delivered " + source + " " + id)
	}
	return f.act("again " + source + " " + id)
}

// The operator's delivery page over a fake: tiles, the table with the kinds
// in Russian (an unknown kind as its code), the buttons of each state, the
// sources as tabs, the actions with their notices (a stale one said so), and
// bad requests refused.
func TestOutboxPageOverAFake(t *testing.T) {
	t.Parallel()
	signer, err := identity.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	ob := &fakeOutbox{}
	p, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Auth: &auth.Authenticator{Signer: signer, Auth: regionalAuth{}},
		Curator: &fakeCurator{report: kaliningradReport()}, Methodologist: newFakeMethodologist(), Outbox: ob})
	if err != nil {
		t.Fatal(err)
	}
	h := p.Handler()
	as := func(cookie, method, path string, form url.Values) (*http.Response, string) {
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
	get := func(method, path string, form url.Values) (*http.Response, string) {
		return as(operatorCookie, method, path, form)
	}

	_, start := get("GET", "/", nil)
	mustContain(t, start, `href="/operator/outbox"`, "Доставка писем")
	resp, page := get("GET", "/operator/outbox?hours=168", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("page: %d\n%s", resp.StatusCode, page)
	}
	mustContain(t, page, "2</span> <span class=\"tile__label\">не доставлено", "1\u00a0168</span>", "Отчёт возвращён на доработку",
		"roadmap_digest", "ivanova@school.test", "550 no such mailbox", `action="/operator/outbox/indicators/messages/41/retry"`,
		`action="/operator/outbox/indicators/messages/42/resolve"`, `value="delivered"`, `value="168" selected`,
		`aria-current="page">Мониторинг и показатели`, "Дорожные карты", "page=p2")
	if strings.Contains(page, "/messages/41/resolve") || strings.Contains(page, "/messages/42/retry") {
		t.Error("a failed message offers the resolution, or an uncertain one the retry")
	}
	// A page token of another listing: the first page.
	if resp, _ := get("GET", "/operator/outbox?page=old", nil); resp.StatusCode != 200 {
		t.Errorf("an old page token: %d", resp.StatusCode)
	}

	for _, tc := range []struct {
		path, resolution, done, acted string
	}{
		{"/operator/outbox/indicators/messages/41/retry", "", "Письмо поставлено в очередь", "retry indicators 41"},
		{"/operator/outbox/roadmap/messages/42/resolve", "delivered", "отмечено как дошедшее", "delivered roadmap 42"},
		{"/operator/outbox/indicators/messages/42/resolve", "again", "уйдёт снова", "again indicators 42"},
	} {
		form := url.Values{"csrf_token": {csrfToken}}
		if tc.resolution != "" {
			form.Set("resolution", tc.resolution)
		}
		resp, _ := get("POST", tc.path, form)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/operator/outbox?") {
			t.Fatalf("%s: %d %s", tc.path, resp.StatusCode, loc)
		}
		if got := ob.acted[len(ob.acted)-1]; got != tc.acted {
			t.Errorf("%s: acted %q, want %q", tc.path, got, tc.acted)
		}
		_, page := get("GET", loc, nil)
		mustContain(t, page, tc.done)
	}
	ob.stale = true
	resp, _ = get("POST", "/operator/outbox/indicators/messages/41/retry", url.Values{"csrf_token": {csrfToken}})
	_, page = get("GET", resp.Header.Get("Location"), nil)
	mustContain(t, page, "уже обработано")

	n := len(ob.acted)
	for _, tc := range []struct {
		method, path string
		form         url.Values
		want         int
	}{
		{"POST", "/operator/outbox/indicators/messages/41/resolve", url.Values{"csrf_token": {csrfToken}}, http.StatusBadRequest},
		{"POST", "/operator/outbox/indicators/messages/41/resolve", url.Values{"csrf_token": {csrfToken}, "resolution": {"maybe"}}, http.StatusBadRequest},
		{"POST", "/operator/outbox/mail/messages/41/retry", url.Values{"csrf_token": {csrfToken}}, http.StatusNotFound},
		{"POST", "/operator/outbox/indicators/messages/x1/retry", url.Values{"csrf_token": {csrfToken}}, http.StatusNotFound},
		{"POST", "/operator/outbox/indicators/messages/1234567890123456789/retry", url.Values{"csrf_token": {csrfToken}}, http.StatusNotFound},
		{"POST", "/operator/outbox/indicators/messages/41/retry", url.Values{}, http.StatusForbidden},
		{"GET", "/operator/outbox?source=mail", nil, http.StatusNotFound},
	} {
		if resp, _ := get(tc.method, tc.path, tc.form); resp.StatusCode != tc.want {
			t.Errorf("%s %s %v: %d, want %d", tc.method, tc.path, tc.form, resp.StatusCode, tc.want)
		}
	}
	if len(ob.acted) != n {
		t.Errorf("a refused request acted: %v", ob.acted[n:])
	}
	if resp, _ := as(regionalCookie, "GET", "/operator/outbox", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the regional centre opens the page: %d", resp.StatusCode)
	}
}
