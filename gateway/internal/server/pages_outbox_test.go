package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/notify/smtpsink"
)

// people are the recipients of the test's events, by the event's scope.
type people map[string]notify.Recipient

func (p people) Recipients(_ context.Context, auds []notify.Audience) (map[notify.Audience][]notify.Recipient, error) {
	out := map[notify.Audience][]notify.Recipient{}
	for _, a := range auds {
		out[a] = []notify.Recipient{p[a.Scope]}
	}
	return out, nil
}

type subjectOnly struct{}

func (subjectOnly) Render(kind string, _ json.RawMessage, _ notify.Recipient) (notify.Content, error) {
	return notify.Content{Subject: map[string]string{"report_returned": "Отчёт возвращён: СШ № 150",
		"reminder": "Осталось 3 дня: отчёт СШ № 7", "methodologist_digest": "Сводка на утро"}[kind], Text: "текст", HTML: "<p>текст</p>"}, nil
}

// dying is a mailer whose sender dies right after handing a mail over.
type dying struct {
	once sync.Once
	die  func()
}

func (d *dying) Open(context.Context) (notify.Session, error) { return d, nil }
func (d *dying) Close() error                                 { return nil }
func (d *dying) Send(context.Context, notify.Mail) error      { d.once.Do(d.die); return nil }

// TestOutboxPageInTheBrowser: messages of the indicators' outbox fail
// against a refusing SMTP server and one is cut off while sending; the
// operator sees the counts and the table, sends a failed one again (it goes
// out on the next pass) and marks the uncertain one delivered, both
// recorded; the page passes the page checks at every step.
func TestOutboxPageInTheBrowser(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, f.p.ind.Database.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	// The events fall due an hour ahead on this test's clock, so the
	// service's own outbox (real time, e-mail off) leaves them to it.
	now := time.Now().Add(time.Hour)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	dir := people{
		"ivanova":    {AccountID: "acc-ivanova", Name: "Иванова Мария Петровна", Email: "ivanova@school150.test"},
		"sidorov":    {AccountID: "acc-sidorov", Name: "Сидоров Пётр", Email: "sidorov@school7.test"},
		"petrov":     {AccountID: "acc-petrov", Name: "Петров Иван", Email: "petrov@school7.test"},
		"kuznetsova": {AccountID: "acc-kuznetsova", Name: "Кузнецова Анна", Email: "kuznetsova@kimc.test"},
	}
	enqueue := func(events ...notify.Event) {
		t.Helper()
		if err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
			_, err := notify.Enqueue(ctx, tx, now, events...)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	event := func(key, kind, who string) notify.Event {
		return notify.Event{Key: "outbox-page:" + key, Kind: kind, Audience: []notify.Audience{{Role: notify.Curator, Scope: who}}, Data: 1, Due: now}
	}
	// Petrov's reminder: the sender dies while handing it over.
	enqueue(event("3", "reminder", "petrov"))
	dctx, die := context.WithCancel(ctx)
	ob := &notify.Outbox{Pool: pool, Directory: dir, Renderer: subjectOnly{}, Mailer: &dying{die: die}, Domain: "x.test", Now: clock}
	if err := ob.Drain(dctx); err == nil {
		t.Fatal("the dying sender finished")
	}
	mu.Lock()
	now = now.Add(3 * time.Minute)
	mu.Unlock()
	if n, err := ob.Recover(ctx); err != nil || n != 1 {
		t.Fatalf("recover: %d, %v", n, err)
	}
	// The rest through a real SMTP conversation that refuses two mailboxes.
	sink, err := smtpsink.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	sink.Refuse(func(rcpt string) string {
		if strings.Contains(rcpt, "ivanova@") || strings.Contains(rcpt, "sidorov@") {
			return "550 5.1.1 <" + strings.Trim(rcpt, "<> ") + ">: no such mailbox"
		}
		return ""
	})
	enqueue(event("1", "report_returned", "ivanova"), event("2", "reminder", "sidorov"), event("4", "methodologist_digest", "kuznetsova"))
	ob.Mailer = notify.NewSMTP(notify.Config{SMTPHost: "127.0.0.1", SMTPPort: sink.Addr().Port, SMTPTLS: "none",
		SMTPFrom: "Наставник <noreply@x.test>", SMTPTimeout: 5 * time.Second})
	if err := ob.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	id := func(who string) string {
		var id string
		if err := pool.QueryRow(ctx, `SELECT id::text FROM notify_messages WHERE account_id = $1`, "acc-"+who).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	state := func(who string) int {
		var s int
		if err := pool.QueryRow(ctx, `SELECT state FROM notify_messages WHERE account_id = $1`, "acc-"+who).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := []int{state("ivanova"), state("sidorov"), state("petrov"), state("kuznetsova")}; got[0] != 5 || got[1] != 5 || got[2] != 7 || got[3] != 4 {
		t.Fatalf("states before the operator: %v, want failed, failed, uncertain, sent", got)
	}

	c := newPageChecker(t, f.p.base)
	b := c.b
	if err := b.SignIn("operator", rolePassword("operator")); err != nil {
		t.Fatal(err)
	}
	if err := b.Open("/"); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`main a[href="/operator/outbox"]`); err != nil {
		t.Fatal(err)
	}
	page := text(t, b, "main")
	for _, want := range []string{"Доставка писем", "2 не доставлено", "1 неизвестно, дошло ли", "Иванова Мария Петровна",
		"ivanova@school150.test", "Отчёт возвращён на доработку", "Напоминание о сроке отчёта", "no such mailbox", "petrov@school7.test"} {
		if !strings.Contains(strings.Join(strings.Fields(page), " "), want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "kuznetsova@") {
		t.Errorf("a sent message is in the table:\n%s", page)
	}
	c.check("outbox")

	if err := b.Submit(`form[action="/operator/outbox/indicators/messages/` + id("ivanova") + `/retry"] button`); err != nil {
		t.Fatal(err)
	}
	if msg := text(t, b, ".notice"); !strings.Contains(msg, "поставлено в очередь") {
		t.Errorf("after retry: %q", msg)
	}
	c.checkHere("outbox retried")
	if err := b.Submit(`form[action="/operator/outbox/indicators/messages/` + id("petrov") + `/resolve"] button[value="delivered"]`); err != nil {
		t.Fatal(err)
	}
	if msg := text(t, b, ".notice"); !strings.Contains(msg, "отмечено как дошедшее") {
		t.Errorf("after resolve: %q", msg)
	}
	// The mailbox exists now: the next pass sends Ivanova's message once.
	sink.Refuse(nil)
	before := sink.Messages.Load()
	if err := ob.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := []int{state("ivanova"), state("sidorov"), state("petrov")}; got[0] != 4 || got[1] != 5 || got[2] != 4 {
		t.Errorf("states after the operator: %v, want sent, failed, sent", got)
	}
	if got := sink.Messages.Load() - before; got != 1 {
		t.Errorf("the next pass sent %d, want 1", got)
	}
	if err := b.Open("/operator/outbox"); err != nil {
		t.Fatal(err)
	}
	page = strings.Join(strings.Fields(text(t, b, "main")), " ")
	if strings.Contains(page, "ivanova@") || strings.Contains(page, "petrov@") || !strings.Contains(page, "sidorov@school7.test") ||
		!strings.Contains(page, "1 не доставлено") {
		t.Errorf("after the actions:\n%s", page)
	}
	var actions []string
	rows, err := pool.Query(ctx, `SELECT action || ' ' || actor_login FROM notify_actions ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	if actions, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if strings.Join(actions, ", ") != "retry operator, resolve_delivered operator" {
		t.Errorf("recorded: %v", actions)
	}
}
