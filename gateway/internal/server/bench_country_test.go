package server_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/nastavnik/nastavnik/gateway/internal/country"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// BenchmarkReportLoad is why the country's reports go through ImportReports:
// a year of a generated country's reports (NASTAVNIK_BENCH_ORGS
// organisations, 4,000 by default; submitted or accepted), every other
// municipality's loaded one report per ImportReport call, the rest in
// batches of 500 per ImportReports call, each with four concurrent callers,
// one after the other on the same services. It reports both rates and their
// ratio. Run it once: -benchtime 1x (a second round would find every report
// there).
func BenchmarkReportLoad(b *testing.B) {
	ctx := context.Background()
	p := startPlatform(b)
	c, _, err := country.Load(ctx, country.Conns{Registry: p.reg.Conn, Indicators: p.ind.Conn, Roadmap: p.rm.Conn},
		country.Config{Seed: 1, Organisations: envInt("NASTAVNIK_BENCH_ORGS", 4000), Regions: 10, Years: 2,
			Skip: map[string]bool{"accounts": true, "reports": true, "close": true, "roadmaps": true}})
	if err != nil {
		b.Fatal(err)
	}
	munOf := map[string]int{}
	for i, m := range c.Regions {
		for j, mun := range m.Municipalities {
			for _, id := range mun.Campaigns {
				munOf[id] = i*1000 + j
			}
		}
	}
	var single, bulk []*indicatorsv1.ImportedReport
	for _, r := range c.Reports(c.Years()[0]) {
		if munOf[r.GetCampaignId()]%2 == 0 {
			single = append(single, r)
		} else {
			bulk = append(bulk, r)
		}
	}
	reports := indicatorsv1.NewReportServiceClient(p.ind.Conn)
	run := func(n int, fn func(ctx context.Context, i int) error) time.Duration {
		start := time.Now()
		g, ctx := errgroup.WithContext(ctx)
		g.SetLimit(4)
		for i := range n {
			g.Go(func() error { return fn(ctx, i) })
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var once sync.Once
	for b.Loop() {
		once.Do(func() {
			tSingle := run(len(single), func(ctx context.Context, i int) error {
				r := single[i]
				_, err := reports.ImportReport(ctx, &indicatorsv1.ImportReportRequest{CampaignId: r.GetCampaignId(),
					OrganisationId: r.GetOrganisationId(), Values: r.GetValues(), SubmitTime: r.GetSubmitTime(), AcceptTime: r.GetDecideTime()})
				return err
			})
			const batch = 500
			tBulk := run((len(bulk)+batch-1)/batch, func(ctx context.Context, i int) error {
				_, err := reports.ImportReports(ctx, &indicatorsv1.ImportReportsRequest{Reports: bulk[i*batch : min(len(bulk), (i+1)*batch)]})
				return err
			})
			perSingle, perBulk := float64(len(single))/tSingle.Seconds(), float64(len(bulk))/tBulk.Seconds()
			b.ReportMetric(perSingle, "ImportReport-reports/s")
			b.ReportMetric(perBulk, "ImportReports-reports/s")
			b.ReportMetric(perBulk/perSingle, "ratio")
			b.Logf("%d reports one by one in %s, %d in batches in %s", len(single), tSingle.Round(time.Millisecond), len(bulk), tBulk.Round(time.Millisecond))
		})
	}
	b.ReportMetric(0, "ns/op")
}
