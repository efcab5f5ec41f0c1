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

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

const mentorshipForm = "cmn_monitoring"

// benchField is a field of the form as the API describes it.
type benchField struct {
	Code string `json:"code"`
	Type string `json:"type"`
}

// BenchmarkCountryByRegion measures the regional centre's heaviest read —
// every indicator for the whole country broken down by region — through the
// gateway, on a generated country-scale data set (NASTAVNIK_BENCH_ORGS
// organisations, 45,000 by default, in 2,300 municipalities of 89 regions,
// three years of reports), against the plain SQL GROUP BY over the raw
// reports in the same database, timed alternately in the same loop. It
// reports the p50 and p95 of both and their ratio. scripts/bench-aggregates.sh
// runs it.
func BenchmarkCountryByRegion(b *testing.B) {
	orgs := envInt("NASTAVNIK_BENCH_ORGS", 45000)
	muns := max(orgs/20, 1)
	p := startPlatform(b)
	op := p.as(b, "operator", operatorPassword)
	ctx := context.Background()
	regions := registryv1.NewRegionServiceClient(p.reg.Conn)
	for i := 1; i <= 89; i++ {
		if _, err := regions.CreateRegion(ctx, &registryv1.CreateRegionRequest{Region: &registryv1.Region{
			Code: fmt.Sprintf("%02d", i), Name: fmt.Sprintf("Регион %02d", i), TimeZone: "Europe/Moscow"}}); err != nil {
			b.Fatal(err)
		}
	}
	var draft struct {
		Revision string `json:"revision"`
		Sections []struct {
			Fields []benchField `json:"fields"`
		} `json:"sections"`
	}
	if code := op.do("POST", "/v1/forms/"+mentorshipForm+":draft", map[string]any{}, &draft); code != http.StatusOK {
		b.Fatalf("draft form: %d", code)
	}
	if code := op.do("POST", "/v1/forms/"+mentorshipForm+"/versions/1:publish", map[string]any{"revision": draft.Revision}, nil); code != http.StatusOK {
		b.Fatalf("publish form: %d", code)
	}
	db, err := pgx.Connect(ctx, p.ind.Database.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(ctx)
	start := time.Now()
	var fields []benchField
	for _, sec := range draft.Sections {
		fields = append(fields, sec.Fields...)
	}
	if err := generateCountry(ctx, db, fields, orgs, countryMunicipalities(muns)); err != nil {
		b.Fatal(err)
	}
	// Straight at the service: a rebuild of the country outlasts the gateway's request timeout.
	rebuilt, err := indicatorsv1.NewAggregateServiceClient(p.ind.Conn).RebuildAggregates(ctx, &indicatorsv1.RebuildAggregatesRequest{})
	if err != nil {
		b.Fatalf("rebuild: %v", err)
	}
	// The steady state of a live database: statistics and visibility maps current.
	if _, err := db.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d organisations in %d municipalities, %d counted reports, in %s", orgs, muns, rebuilt.GetReports(), time.Since(start).Round(time.Second))

	var rows []json200
	check := func() {
		var resp struct {
			Aggregates []json200 `json:"aggregates"`
		}
		if code := op.do("GET", "/v1/aggregates?level=LEVEL_REGION&years=2026", nil, &resp); code != http.StatusOK {
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
		if err := plainGroupBy(ctx, db); err != nil {
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
func plainGroupBy(ctx context.Context, db *pgx.Conn) error {
	fields := []string{"young_teacher_projects", "young_teachers_supported", "young_teachers", "mentoring_programmes", "personal_programmes",
		"teachers_in_mentoring", "teachers_total", "teachers_methodist_support", "community_programmes", "students_in_mentoring", "students_total"}
	sums := make([]string, len(fields))
	for i, f := range fields {
		sums[i] = fmt.Sprintf(`sum((r."values"->'%s'->>'c')::bigint)`, f)
	}
	rows, err := db.Query(ctx, `SELECT co.region_code, count(*), `+strings.Join(sums, ", ")+`
		FROM indicators.reports r JOIN indicators.campaigns c ON c.id = r.campaign_id
		JOIN indicators.campaign_organisations co ON co.campaign_id = r.campaign_id AND co.organisation_id = r.organisation_id
		WHERE c.year = 2026 AND r.status = 4 GROUP BY co.region_code`)
	if err != nil {
		return err
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if n != 89 {
		return fmt.Errorf("plain SQL: %d regions", n)
	}
	return rows.Err()
}

// countryMunicipalities makes the temporary table bench_mun (id, region) of
// muns municipalities spread over 89 regions.
func countryMunicipalities(muns int) string {
	return fmt.Sprintf(`CREATE TEMP TABLE bench_mun AS SELECT gen_random_uuid() AS id, lpad(((i %% 89) + 1)::text, 2, '0') AS region
		FROM generate_series(0, %d) i`, muns-1)
}

// generateCountry writes municipalities' campaigns for 2024–2026, the
// organisations they expect and their reports (nine in ten accepted, the
// rest submitted) straight into the indicators schema; the aggregates are
// then rebuilt through the API. munTable makes the temporary table bench_mun
// (id, region) of the municipalities; extra statements run last.
func generateCountry(ctx context.Context, db *pgx.Conn, fields []benchField, orgs int, munTable string, extra ...string) error {
	var vals []string
	for _, f := range fields {
		switch f.Type {
		case "FIELD_TYPE_COUNT":
			expr := "(random() * 12)::int"
			switch f.Code {
			case "teachers_total":
				expr = "g.t"
			case "young_teachers":
				expr = "g.y"
			case "young_teachers_supported":
				expr = "(g.y * random())::int"
			case "teachers_in_mentoring", "teachers_methodist_support":
				expr = "(g.t * random())::int"
			case "students_total":
				expr = "g.s"
			case "students_in_mentoring":
				expr = "(g.s * random())::int"
			}
			if strings.HasSuffix(f.Code, "_mentees") {
				expr = "10"
			}
			if strings.HasSuffix(f.Code, "_pairs") {
				expr = "(random() * 10)::int"
			}
			vals = append(vals, fmt.Sprintf(`'%s', jsonb_build_object('t', 1, 'c', %s)`, f.Code, expr))
		case "FIELD_TYPE_YES_NO":
			vals = append(vals, fmt.Sprintf(`'%s', jsonb_build_object('t', 2, 'y', true, 'r', jsonb_build_object('n', '1-од'))`, f.Code))
		}
	}
	stmts := []string{
		`SET search_path = indicators`,
		munTable,
		fmt.Sprintf(`CREATE TEMP TABLE bench_org AS SELECT gen_random_uuid() AS id, i,
			(SELECT id FROM bench_mun OFFSET (i %% (SELECT count(*) FROM bench_mun)) LIMIT 1) AS mun
			FROM generate_series(0, %d) i`, orgs-1),
		`UPDATE bench_org o SET mun = o.mun`,
		`CREATE TEMP TABLE bench_camp AS SELECT gen_random_uuid() AS id, m.id AS mun, m.region, y AS year FROM bench_mun m, generate_series(2024, 2026) y`,
		`INSERT INTO campaigns (id, name, year, form_code, form_version, municipality_id, region_code, deadline, opened_on, status, created_by)
			SELECT id, 'Мониторинг ЦМН ' || year, year, 'cmn_monitoring', 1, mun, region, make_date(year, 12, 15), make_date(year, 10, 1), 1, 'bench'
			FROM bench_camp`,
		`INSERT INTO campaign_organisations (campaign_id, organisation_id, short_name, full_name, sort_key, municipality_id, region_code, time_zone, added_on)
			SELECT c.id, o.id, 'Школа ' || o.i, 'Школа ' || o.i, lpad(o.i::text, 6, '0'), c.mun, c.region, 'Europe/Moscow', make_date(c.year, 10, 1)
			FROM bench_org o JOIN bench_camp c ON c.mun = o.mun`,
		`INSERT INTO reports (id, campaign_id, organisation_id, status, "values", version, create_time, update_time, submit_time)
			SELECT gen_random_uuid(), g.campaign_id, g.organisation_id, CASE WHEN random() < 0.9 THEN 4 ELSE 2 END,
				jsonb_build_object(` + strings.Join(vals, ", ") + `), 3, now(), now(), now()
			FROM (SELECT co.campaign_id, co.organisation_id, t, (t * random() * 0.25)::int AS y, s
				FROM campaign_organisations co,
				LATERAL (SELECT 20 + (random() * 100)::int + (co.organisation_id IS NULL)::int AS t,
					150 + (random() * 1350)::int + (co.organisation_id IS NULL)::int AS s) AS base) AS g`,
	}
	stmts = append(append(stmts, extra...), `ANALYZE`)
	for _, s := range stmts {
		if _, err := db.Exec(ctx, s); err != nil {
			return fmt.Errorf("%.80s…: %w", s, err)
		}
	}
	return nil
}
