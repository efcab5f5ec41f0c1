package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// addNotice writes a sent message for account into a service's outbox, as
// its outbox would have (the rendering is the outbox's own tests' concern).
func addNotice(t *testing.T, db *pgx.Conn, key, account, subject string, at time.Time) {
	t.Helper()
	_, err := db.Exec(context.Background(), `
		WITH e AS (INSERT INTO notify_events (key, kind, audience, data, due_time, state, create_time)
			VALUES ($1, 'test', '[]', '{}', $4, 2, $4) RETURNING id)
		INSERT INTO notify_messages (key, message_id, event_id, kind, account_id, email, subject, text_body, html_body, state, due_time, create_time)
		SELECT $1 || '/' || $2, $1, e.id, 'test', $2, 'curator@school.test', $3, $3, $3, 4, $4, $4 FROM e`,
		key, account, subject, at)
	if err != nil {
		t.Fatal(err)
	}
}

// TestNotificationsWithoutRoadmap: with the roadmap service stopped, the
// curator's list, page and header still show the indicators' messages; the
// API names the missing source, the page says in Russian that part is
// missing.
func TestNotificationsWithoutRoadmap(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	at := time.Now().Add(-time.Hour)
	addNotice(t, f.idb, "ind-1", f.ids["curator"], "Отчёт принят", at)
	addNotice(t, f.rmdb, "rm-1", f.ids["curator"], "Пункт дорожной карты передан школе", at.Add(time.Minute))
	cur := f.clients["curator"]
	type list struct {
		Notifications []struct {
			ID      string `json:"id"`
			Subject string `json:"subject"`
		} `json:"notifications"`
		UnreadCount        int      `json:"unreadCount"`
		UnavailableSources []string `json:"unavailableSources"`
	}
	var all list
	if code := cur.do("GET", "/v1/notifications", nil, &all); code != 200 || len(all.Notifications) != 2 ||
		all.UnreadCount != 2 || len(all.UnavailableSources) != 0 {
		t.Fatalf("both services up: %d %+v", code, all)
	}
	b := newBrowser(t, f.p.base)
	b.signIn("curator", rolePassword("curator"))

	f.p.rm.Stop()

	var part list
	if code := cur.do("GET", "/v1/notifications", nil, &part); code != 200 || len(part.Notifications) != 1 ||
		part.Notifications[0].Subject != "Отчёт принят" || part.UnreadCount != 1 ||
		fmt.Sprint(part.UnavailableSources) != "[roadmap]" {
		t.Fatalf("roadmap stopped: %d %+v", code, part)
	}
	code, body := b.get("/notifications")
	if code != http.StatusOK {
		t.Fatalf("the page: %d\n%s", code, body)
	}
	for _, want := range []string{"Часть уведомлений сейчас недоступна, попробуйте обновить страницу позже",
		"Отчёт принят", "Непрочитанных: 1.", `Уведомления <span class="tag tag--yellow">1<span class="skip"> непрочитанное`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "Пункт дорожной карты") {
		t.Errorf("the page shows the stopped service's message:\n%s", body)
	}
	// Another page still counts what is there.
	if code, body := b.get("/account/notifications"); code != http.StatusOK ||
		!strings.Contains(body, `Уведомления <span class="tag tag--yellow">1<`) {
		t.Errorf("another page's header: %d\n%s", code, body)
	}

	// In a browser: the notice is read out (role=status), the page passes
	// axe, fits 360 px, and marking the indicators' message read still works.
	c := newPageChecker(t, f.p.base)
	if err := c.b.SignIn("curator", rolePassword("curator")); err != nil {
		t.Fatal(err)
	}
	if err := c.b.Open("/notifications"); err != nil {
		t.Fatal(err)
	}
	if got := text(t, c.b, `[role="status"]`); !strings.Contains(got, "Часть уведомлений сейчас недоступна") {
		t.Errorf("the notice: %q", got)
	}
	c.check("notifications-partial")
	if err := c.b.Submit(`h1 ~ form button[type="submit"]`); err != nil { // «Отметить все прочитанными»
		t.Fatal(err)
	}
	if got := text(t, c.b, "main"); !strings.Contains(got, "Все прочитаны.") || !strings.Contains(got, "Часть уведомлений сейчас недоступна") {
		t.Errorf("after marking what is there read: %q", got)
	}
}
