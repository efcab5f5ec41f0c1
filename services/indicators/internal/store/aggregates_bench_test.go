package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/nastavnik/nastavnik/platform/testdb"
	"github.com/nastavnik/nastavnik/services/indicators/internal/indicator"
)

// BenchmarkAggregatesRegion reads a region's municipalities as its page
// does (the year and the year before, accepted reports) from sums of the
// largest region at country scale: 116 municipalities, 13 indicators, and
// as many in another region that the read must leave out. It checks the
// rows' number and order once.
func BenchmarkAggregatesRegion(b *testing.B) {
	ctx := context.Background()
	pool := testdb.New(b, "indicators", Migrations())
	const muns, inds = 116, 13
	var codes []string
	for i := range inds {
		codes = append(codes, fmt.Sprintf("ind%02d", i))
	}
	for _, region := range []string{"77", "50"} {
		if _, err := pool.Exec(ctx, `INSERT INTO municipal_expected (year, municipality_id, region_code, expected)
			SELECT y, md5($1 || m)::uuid, $1, 20 FROM generate_series(1, $2) m, generate_series(2025, 2026) y`, region, muns); err != nil {
			b.Fatal(err)
		}
		// Every fifth municipality has no sums in 2026: its rows come from
		// the expected counts.
		if _, err := pool.Exec(ctx, `INSERT INTO municipal_sums (year, indicator_code, basis, municipality_id, region_code, numerator, denominator, contributors)
			SELECT y, c, b, md5($1 || m)::uuid, $1, m * 3, 40, 12 FROM generate_series(1, $2) m, generate_series(2025, 2026) y,
				unnest($3::text[]) c, generate_series(1, 2) b WHERE y = 2025 OR m % 5 <> 0`, region, muns, codes); err != nil {
			b.Fatal(err)
		}
	}
	s := New(pool)
	q := AggregateQuery{Level: indicator.LevelMunicipality, Parent: "77", Years: []int{2025, 2026}, Indicators: codes, Basis: BasisAccepted}
	sums, err := s.Aggregates(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	if got, want := len(sums), muns*2*inds; got != want {
		b.Fatalf("got %d rows, want %d", got, want)
	}
	for i := 1; i < len(sums); i++ {
		a, c := sums[i-1], sums[i]
		if a.Unit > c.Unit || a.Unit == c.Unit && (a.Year > c.Year || a.Year == c.Year && a.Indicator >= c.Indicator) {
			b.Fatalf("row %d (%s %d %s) after (%s %d %s)", i, c.Unit, c.Year, c.Indicator, a.Unit, a.Year, a.Indicator)
		}
		if c.Region != "77" || c.Expected != 20 {
			b.Fatalf("row %d: region %q, expected %d", i, c.Region, c.Expected)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Aggregates(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}
