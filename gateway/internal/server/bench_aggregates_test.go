package server_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/gateway/internal/country"
)

// BenchmarkCountryByRegion measures the regional centre's heaviest read —
// every indicator for the whole country broken down by region — through the
// gateway, on the generated country of scripts/country.sh (package country:
// NASTAVNIK_BENCH_ORGS organisations, 45,000 by default, in 2,300
// municipalities of 89 regions, NASTAVNIK_BENCH_YEARS years of reports, five
// by default, loaded through the services' bulk paths with the live
// aggregates the writes keep), against the plain SQL GROUP BY over the raw
// reports in the same database, timed alternately in the same loop. It
// reports the p50 and p95 of both and their ratio. scripts/bench-aggregates.sh
// runs it.
func BenchmarkCountryByRegion(b *testing.B) {
	orgs := envInt("NASTAVNIK_BENCH_ORGS", 45000)
	p := startPlatform(b)
	op := p.as(b, "operator", operatorPassword)
	ctx := context.Background()
	// The country of scripts/country.sh (without accounts and roadmaps,
	// which these reads do not touch), loaded through the same bulk paths.
	c, st, err := country.Load(ctx, country.Conns{Registry: p.reg.Conn, Indicators: p.ind.Conn, Roadmap: p.rm.Conn},
		country.Config{Seed: 1, Organisations: orgs, Years: envInt("NASTAVNIK_BENCH_YEARS", 5), Workers: 4,
			Skip: map[string]bool{"accounts": true, "roadmaps": true}})
	if err != nil {
		b.Fatal(err)
	}
	year := c.CurrentYear
	db, err := pgx.Connect(ctx, p.ind.Database.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(ctx)
	// The steady state of a live database: statistics and visibility maps current.
	if _, err := db.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d organisations in %d municipalities, %d reports, in %s", st.Organisations, st.Municipalities, st.Reports,
		st.Total.Round(time.Second))

	var rows []json200
	check := func() {
		var resp struct {
			Aggregates []json200 `json:"aggregates"`
		}
		if code := op.do("GET", fmt.Sprintf("/v1/aggregates?level=LEVEL_REGION&years=%d", year), nil, &resp); code != http.StatusOK {
			b.Fatalf("aggregates: %d", code)
		}
		rows = resp.Aggregates
	}
	check()
	if len(rows) != 89*9 {
		b.Fatalf("%d aggregates, want %d", len(rows), 89*9)
	}
	var gw, plain []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		check()
		gw = append(gw, time.Since(t0))
		t0 = time.Now()
		if err := plainGroupBy(ctx, db, year); err != nil {
			b.Fatal(err)
		}
		plain = append(plain, time.Since(t0))
	}
	b.StopTimer()
	gp50, gp95 := percentiles(gw)
	sp50, sp95 := percentiles(plain)
	b.ReportMetric(ms(gp50), "gateway-p50-ms")
	b.ReportMetric(ms(gp95), "gateway-p95-ms")
	b.ReportMetric(ms(sp50), "sql-p50-ms")
	b.ReportMetric(ms(sp95), "sql-p95-ms")
	b.ReportMetric(ms(gp95)/ms(sp95), "p95-ratio")
	b.ReportMetric(0, "ns/op")
}

type json200 struct {
	Unit string `json:"unit"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func percentiles(d []time.Duration) (time.Duration, time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2], s[min(len(s)-1, len(s)*95/100)]
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// plainGroupBy is the baseline: the same nine indicators' numerators and
// denominators summed by region straight from the accepted reports' values.
func plainGroupBy(ctx context.Context, db *pgx.Conn, year int) error {
	fields := []string{"young_teacher_projects", "young_teachers_supported", "young_teachers", "mentoring_programmes", "personal_programmes",
		"teachers_in_mentoring", "teachers_total", "teachers_methodist_support", "community_programmes", "students_in_mentoring", "students_total"}
	sums := make([]string, len(fields))
	for i, f := range fields {
		sums[i] = fmt.Sprintf(`sum((r."values"->'%s'->>'c')::bigint)`, f)
	}
	rows, err := db.Query(ctx, `SELECT co.region_code, count(*), `+strings.Join(sums, ", ")+`
		FROM indicators.reports r JOIN indicators.campaigns c ON c.id = r.campaign_id
		JOIN indicators.campaign_organisations co ON co.campaign_id = r.campaign_id AND co.organisation_id = r.organisation_id
		WHERE c.year = $1 AND r.status = 4 GROUP BY co.region_code`, year)
	if err != nil {
		return err
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if n == 0 { // a small country may leave a region without an accepted report yet
		return fmt.Errorf("plain SQL: no region")
	}
	return rows.Err()
}
