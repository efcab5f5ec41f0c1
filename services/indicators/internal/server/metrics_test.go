package server_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/nastavnik/nastavnik/platform/servicetest"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// TestBusinessMetrics saves and submits reports through the real service and
// reads the counters and the per-region gauges from its /metrics.
func TestBusinessMetrics(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish()
	c24 := w.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15"})
	c39 := w.campaign("operator", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, RegionCode: "39", Deadline: "2026-12-15"})

	w.clock.Set(time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC))
	a1 := w.save("curator", w.report("curator", c24.GetId(), orgA1, false), goodValues(1))
	if _, err := submit(w, "curator", a1, true); err != nil {
		t.Fatal(err)
	}
	k1 := w.save("curatorK", w.report("curatorK", c39.GetId(), orgK1, false), goodValues(1))
	k1 = w.save("curatorK", k1, goodValues(2))
	// Noon UTC on the 16th is past the deadline in Kaliningrad: late.
	w.clock.Set(time.Date(2026, 12, 16, 12, 0, 0, 0, time.UTC))
	k1, err := submit(w, "curatorK", k1, true)
	if err != nil || !k1.GetLate() {
		t.Fatalf("late submission: late=%v, %v", k1.GetLate(), err)
	}
	// A refused save counts nothing.
	if _, err := w.reports("curatorK").SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: k1.GetId(), Version: k1.GetVersion(), Values: goodValues(1)}); err == nil {
		t.Fatal("saving a submitted report succeeded")
	}

	w.clock.Set(time.Date(2026, 12, 18, 12, 0, 0, 0, time.UTC))
	page := servicetest.Scrape(t, w.svc.MetricsAddr)
	tests := []struct {
		metric, labels string
		want           float64
	}{
		{"nastavnik_reports_saved_total", "", 3},
		{"nastavnik_reports_submitted_total", "", 2},
		{"nastavnik_region_expected_organisations", `{region="24"}`, 2},
		{"nastavnik_region_submitted_reports", `{region="24"}`, 1},
		{"nastavnik_region_completeness_ratio", `{region="24"}`, 0.5},
		{"nastavnik_region_late_ratio", `{region="24"}`, 0},
		{"nastavnik_region_reports_awaiting_review", `{region="24"}`, 1},
		{"nastavnik_region_oldest_awaiting_review_seconds", `{region="24"}`, (17*24 + 9) * 3600},
		{"nastavnik_region_expected_organisations", `{region="39"}`, 1},
		{"nastavnik_region_completeness_ratio", `{region="39"}`, 1},
		{"nastavnik_region_late_ratio", `{region="39"}`, 1},
		{"nastavnik_region_oldest_awaiting_review_seconds", `{region="39"}`, 2 * 24 * 3600},
		{"nastavnik_region_next_deadline_timestamp_seconds", `{region="24"}`, float64(time.Date(2026, 12, 16, 0, 0, 0, 0, time.UTC).Unix())},
		{"nastavnik_region_gauges_errors_total", "", 0},
	}
	for _, tc := range tests {
		got, ok := servicetest.Sample(page, tc.metric, tc.labels)
		if !ok || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s%s = %v (present %v), want %v", tc.metric, tc.labels, got, ok, tc.want)
		}
	}

	// The gauges were read through the read-only pool.
	conn := w.conn()
	var ro int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'indicators-ro'`).Scan(&ro); err != nil || ro == 0 {
		t.Errorf("sessions of the read pool = %d, %v; want the gauges read through it", ro, err)
	}

	// Accepting a report changes the counts, but the gauges are cached: a
	// second scrape within the cache time costs no query and shows the same.
	if _, err := w.reports("operator").AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: a1.GetId(), Version: w.get("curator", a1.GetId()).GetVersion()}); err != nil {
		t.Fatal(err)
	}
	again := servicetest.Scrape(t, w.svc.MetricsAddr)
	if got, _ := servicetest.Sample(again, "nastavnik_region_reports_awaiting_review", `{region="24"}`); got != 1 {
		t.Errorf("awaiting review in 24 within the cache time = %v, want the cached 1", got)
	}
}
