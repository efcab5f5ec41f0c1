package server_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/notify/smtpsink"
	"github.com/nastavnik/nastavnik/platform/testdb"
	"github.com/nastavnik/nastavnik/services/indicators/internal/notices"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// BenchmarkReminders writes and sends the 7-day reminders of one campaign
// for NASTAVNIK_BENCH_ORGS organisations (45,000 by default) in six zones,
// through the whole outbox (schedule, expand, render, claim, guard, SMTP,
// mark sent) into an SMTP sink, and as the baseline hands the same number of
// pre-rendered mails to the same sink over one connection with go-mail
// alone. It reports both times, their ratio, the peak Go heap in use and the
// process's peak RSS. scripts/bench-reminders.sh runs it.
func BenchmarkReminders(b *testing.B) {
	n := 45000
	if v := os.Getenv("NASTAVNIK_BENCH_ORGS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	pool := testdb.New(b, "indicators", store.Migrations())
	st := store.New(pool)
	// One campaign of n organisations, deadline 15 December.
	if _, err := pool.Exec(ctx, `INSERT INTO forms (code, version, title, status, definition) VALUES ('bench', 1, 'bench', 2, '{}');
		INSERT INTO campaigns (id, name, year, form_code, form_version, region_code, deadline, opened_on, created_by)
		VALUES ('00000000-0000-4000-8000-00000000bbbb', 'Мониторинг ЦМН 2026', 2026, 'bench', 1, '99', '2026-12-15', '2026-10-01', 'bench')`); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO campaign_organisations (campaign_id, organisation_id, short_name, full_name, sort_key,
			municipality_id, region_code, time_zone, added_on)
		SELECT '00000000-0000-4000-8000-00000000bbbb', md5('org' || i)::uuid, 'Школа № ' || i, 'Школа № ' || i, lpad(i::text, 6, '0'),
			md5('mun' || (i % 500))::uuid, '99',
			(ARRAY['Europe/Kaliningrad', 'Europe/Moscow', 'Asia/Yekaterinburg', 'Asia/Krasnoyarsk', 'Asia/Vladivostok', 'Asia/Kamchatka'])[1 + i % 6],
			'2026-10-01'
		FROM generate_series(1, $1) AS i`, n); err != nil {
		b.Fatal(err)
	}
	tmpl, err := notices.Templates("https://nastavnik.test")
	if err != nil {
		b.Fatal(err)
	}
	sink, err := smtpsink.New()
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	mailer := notify.NewSMTP(notify.Config{SMTPHost: "127.0.0.1", SMTPPort: sink.Addr().Port, SMTPTLS: "none",
		SMTPFrom: "Наставник <noreply@nastavnik.test>", SMTPTimeout: 30 * time.Second})

	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	defer close(stop)

	// After the last zone's 7-day point (Kaliningrad, 07:00 UTC on the 8th).
	now := time.Date(2026, 12, 8, 8, 0, 0, 0, time.UTC)
	ob := &notify.Outbox{Pool: pool, Directory: people{}, Renderer: tmpl, Mailer: mailer, Guard: st.Guard,
		Domain: "nastavnik.test", Now: func() time.Time { return now }, Batch: 500, Workers: 4}
	b.ResetTimer()
	start := time.Now()
	written, err := st.ScheduleReminders(ctx, now)
	if err != nil {
		b.Fatal(err)
	}
	scheduled := time.Since(start)
	if err := ob.Drain(ctx); err != nil {
		b.Fatal(err)
	}
	outbox := time.Since(start)
	b.StopTimer()
	if written != n || sink.Messages.Load() != int64(n) {
		b.Fatalf("written %d, sink got %d, want %d", written, sink.Messages.Load(), n)
	}
	var sent int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM notify_messages WHERE state = 4`).Scan(&sent); err != nil || sent != n {
		b.Fatalf("sent %d (%v), want %d", sent, err, n)
	}

	// Baseline: the same number of mails of the same size, rendered up
	// front, handed to the sink over one connection by go-mail alone.
	c, err := tmpl.Render(notices.KindReminder, []byte(`{"campaign":"Мониторинг ЦМН 2026","organisation":"Школа № 1",
		"timeZone":"Asia/Kamchatka","deadline":"2026-12-15","days":7,"at":"2026-12-07T21:00:00Z"}`),
		notify.Recipient{AccountID: "a", Name: "Имя", Email: "a@school.test"})
	if err != nil {
		b.Fatal(err)
	}
	before := sink.Messages.Load()
	start = time.Now()
	sess, err := mailer.Open(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if err := sess.Send(ctx, notify.Mail{MessageID: fmt.Sprintf("%d@bench", i), To: "a@school.test", ToName: "Имя",
			Subject: c.Subject, Text: c.Text, HTML: c.HTML}); err != nil {
			b.Fatal(err)
		}
	}
	_ = sess.Close()
	raw := time.Since(start)
	if got := sink.Messages.Load() - before; got != int64(n) {
		b.Fatalf("baseline: sink got %d, want %d", got, n)
	}
	b.ReportMetric(float64(n), "orgs")
	b.ReportMetric(scheduled.Seconds(), "schedule-s")
	b.ReportMetric(outbox.Seconds(), "outbox-s")
	b.ReportMetric(raw.Seconds(), "raw-smtp-s")
	b.ReportMetric(outbox.Seconds()/raw.Seconds(), "outbox/raw")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(peakRSS(), "peak-rss-MiB")
}

// peakRSS is the process's peak resident set (VmHWM) in MiB.
func peakRSS() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
