package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
)

// keptCounts reads the counts of who has reported now from
// completeness_counts, which triggers keep per campaign and municipality in
// the transactions that change a report's status or the expected list
// (migration 14): a region's counts are its campaigns' rows, not a probe
// into reports for each of its organisations. ok is false when the kept
// counts cannot answer: a reach of single organisations (the counts know
// municipalities, not organisations).
func keptCounts(ctx context.Context, q database.Querier, f ExpectedFilter) (out domain.Tally, ok bool, err error) {
	sc := f.Reach
	if !sc.All && len(sc.Organisations) > 0 {
		return domain.Tally{}, false, nil
	}
	var w where
	w.municipalScope("k", sc.All, sc.Regions, sc.Municipalities, f.Region, f.Municipality)
	if f.CampaignID != "" {
		w.Add("k.campaign_id = ?", f.CampaignID)
	}
	if f.Year != 0 {
		w.Add("k.year = ?", f.Year)
	}
	rows, err := q.Query(ctx, `SELECT k.region_code, k.municipality_id::text, sum(k.expected)::int, sum(k.submitted)::int,
			sum(k.returned)::int, sum(k.accepted)::int, sum(k.late)::int
		FROM completeness_counts k `+w.SQL()+`
		GROUP BY 1, 2 HAVING sum(k.expected) > 0`, w.Args...)
	if err != nil {
		return domain.Tally{}, false, err
	}
	var (
		region, mun                                   string
		expected, submitted, returned, accepted, late int
	)
	_, err = pgx.ForEachRow(rows, []any{&region, &mun, &expected, &submitted, &returned, &accepted, &late}, func() error {
		out.AddCounts(region, mun, domain.Counts{Expected: expected, Submitted: submitted, Returned: returned, Accepted: accepted,
			Missing: expected - submitted - returned - accepted, Late: late, OnTime: submitted + accepted - late})
		return nil
	})
	return out, true, err
}
