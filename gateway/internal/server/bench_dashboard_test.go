package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// BenchmarkDashboardPages measures the server time of the methodologist's
// dashboard (GET / as a methodologist) and the regional centre's page (GET /
// as a regional centre), each against the JSON API's completeness read of
// the same scope timed alternately in the same loop, so each result is also a
// ratio that machine noise hardly moves. "demo" is the page tests' fixture
// (two schools); "region2000" a generated region of NASTAVNIK_BENCH_REGION_ORGS
// organisations (2,000 by default) in 60 municipalities known to the
// registry, three years of reports with their status history.
// scripts/bench-pages.sh runs it.
func BenchmarkDashboardPages(b *testing.B) {
	b.Run("demo", func(b *testing.B) {
		f := newFixture(b)
		ind := f.indicators()
		f.newReport(ind.campA, f.a1.GetId(), "accepted")
		f.newReport(ind.campA, f.a2.GetId(), "submitted")
		year := f.years[f.munA]
		benchDashboards(b, f.p, []benchPage{
			{name: "methodologist", login: "methodologist", password: rolePassword("methodologist"),
				api: "/v1/completeness?campaignId=" + ind.campA},
			{name: "regional", login: "regional", password: rolePassword("regional"),
				api: fmt.Sprintf("/v1/completeness?year=%d&region=24&countsOnly=true", year)},
		})
	})
	b.Run("region2000", func(b *testing.B) {
		orgs := envInt("NASTAVNIK_BENCH_REGION_ORGS", 2000)
		p := startPlatform(b)
		mun := generateRegion(b, p, orgs, 60)
		benchDashboards(b, p, []benchPage{
			{name: "methodologist", login: "bench-methodologist", password: rolePassword("methodologist"),
				api: "/v1/completeness?year=2026&municipality=" + mun},
			{name: "regional", login: "bench-regional", password: rolePassword("regional"),
				api: "/v1/completeness?year=2026&region=01&countsOnly=true"},
		})
	})
}

// benchPage is a page (GET / as login) and its baseline, an API read.
type benchPage struct {
	name, login, password, api string
}

func benchDashboards(b *testing.B, p platform, pages []benchPage) {
	type client struct {
		page  *browser
		token string
	}
	clients := make([]client, len(pages))
	for i, pg := range pages {
		br := newBrowser(b, p.base)
		br.signIn(pg.login, pg.password)
		clients[i] = client{page: br, token: p.as(b, pg.login, pg.password).token}
	}
	apiGet := func(path, token string) {
		req, _ := http.NewRequest("GET", p.base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("API read %s: %v %v", path, err, resp)
		}
		resp.Body.Close()
	}
	pageTimes, apiTimes := make([][]time.Duration, len(pages)), make([][]time.Duration, len(pages))
	b.ResetTimer()
	for b.Loop() {
		for i, pg := range pages {
			start := time.Now()
			if code, body := clients[i].page.get("/"); code != 200 || !strings.Contains(body, "</html>") {
				b.Fatalf("%s page: %d", pg.name, code)
			}
			pageTimes[i] = append(pageTimes[i], time.Since(start))
			start = time.Now()
			apiGet(pg.api, clients[i].token)
			apiTimes[i] = append(apiTimes[i], time.Since(start))
		}
	}
	b.StopTimer()
	for i, pg := range pages {
		p50, p95 := percentiles(pageTimes[i])
		_, a95 := percentiles(apiTimes[i])
		b.ReportMetric(ms(p50), pg.name+"-p50-ms")
		b.ReportMetric(ms(p95), pg.name+"-p95-ms")
		b.ReportMetric(ms(a95), pg.name+"-api-p95-ms")
		b.ReportMetric(ms(p95)/ms(a95), pg.name+"-p95-ratio")
	}
	b.ReportMetric(0, "ns/op")
}

// generateRegion makes region 01 with muns municipalities in the registry,
// a methodologist of the first (bench-methodologist) and a regional centre
// (bench-regional), and writes orgs organisations with three years of
// campaigns and reports, and each report's status history, into the
// indicators schema as BenchmarkCountryByRegion's generator does; the
// aggregates are rebuilt through the service. It returns the first
// municipality.
func generateRegion(b *testing.B, p platform, orgs, muns int) string {
	ctx := context.Background()
	if _, err := registryv1.NewRegionServiceClient(p.reg.Conn).CreateRegion(ctx, &registryv1.CreateRegionRequest{Region: &registryv1.Region{
		Code: "01", Name: "Регион 01", TimeZone: "Europe/Moscow"}}); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, muns)
	for i := range ids {
		resp, err := registryv1.NewMunicipalityServiceClient(p.reg.Conn).CreateMunicipality(ctx, &registryv1.CreateMunicipalityRequest{
			Municipality: &registryv1.Municipality{RegionCode: "01", Name: fmt.Sprintf("Муниципалитет %02d", i+1),
				Kind: registryv1.MunicipalityKind_MUNICIPALITY_KIND_MUNICIPAL_OKRUG}})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = resp.GetMunicipality().GetId()
	}
	createAccount(b, p.reg, "bench-methodologist", rolePassword("methodologist"), registryv1.Role_ROLE_METHODOLOGIST, ids[0])
	createAccount(b, p.reg, "bench-regional", rolePassword("regional"), registryv1.Role_ROLE_REGIONAL, "01")
	op := p.as(b, "operator", operatorPassword)
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
	var fields []benchField
	for _, sec := range draft.Sections {
		fields = append(fields, sec.Fields...)
	}
	db, err := pgx.Connect(ctx, p.ind.Database.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(ctx)
	start := time.Now()
	munTable := `CREATE TEMP TABLE bench_mun AS SELECT id::uuid AS id, '01' AS region FROM unnest(ARRAY['` +
		strings.Join(ids, "','") + `']) AS id`
	if err := generateCountry(ctx, db, fields, orgs, munTable,
		`INSERT INTO report_events (report_id, time, account_id, login, kind, new_value, version)
			SELECT id, now() - interval '2 days', 'bench', 'bench', 'status', 'submitted', 2 FROM reports`,
		`INSERT INTO report_events (report_id, time, account_id, login, kind, new_value, version)
			SELECT id, now() - interval '1 day', 'bench', 'bench', 'status', 'accepted', 3 FROM reports WHERE status = 4`); err != nil {
		b.Fatal(err)
	}
	rebuilt, err := indicatorsv1.NewAggregateServiceClient(p.ind.Conn).RebuildAggregates(ctx, &indicatorsv1.RebuildAggregatesRequest{})
	if err != nil {
		b.Fatalf("rebuild: %v", err)
	}
	if _, err := db.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d organisations in %d municipalities of region 01, %d counted reports, in %s", orgs, muns,
		rebuilt.GetReports(), time.Since(start).Round(time.Second))
	return ids[0]
}
