package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/database"
)

// RegionStanding is where a region's expected organisations stand in the
// campaigns open now, for the business gauges.
type RegionStanding struct {
	Region string
	// Expected organisations (not dropped) of open campaigns.
	Expected int
	// Submitted counts reports submitted or accepted; Late those of them
	// submitted after the deadline in force.
	Submitted, Late int
	// AwaitingReview counts reports submitted and not yet accepted or
	// returned; OldestAwaiting is how long the oldest of them has waited.
	AwaitingReview int
	OldestAwaiting time.Duration
	// NextDeadline is the earliest deadline (a date) of the region's open
	// campaigns.
	NextDeadline time.Time
}

// RegionStandings counts, per region, the expected organisations of the open
// campaigns by where their reports stand. It reads from the read pool in one
// grouped scan (ages counted up to now), bounded by a statement timeout, so a scrape cannot hold the
// database.
func (s *Store) RegionStandings(ctx context.Context, now time.Time) ([]RegionStanding, error) {
	const op = "store.RegionStandings"
	var out []RegionStanding
	err := database.InTx(ctx, s.read, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = '5s'"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT co.region_code, count(*),
				count(*) FILTER (WHERE r.status IN (2, 4)),
				count(*) FILTER (WHERE r.status IN (2, 4) AND r.late),
				count(*) FILTER (WHERE r.status = 2),
				COALESCE(EXTRACT(EPOCH FROM $1 - min(r.submit_time) FILTER (WHERE r.status = 2)), 0)::float8,
				min(c.deadline)
			FROM campaign_organisations co JOIN campaigns c ON c.id = co.campaign_id
			LEFT JOIN reports r ON r.campaign_id = co.campaign_id AND r.organisation_id = co.organisation_id
			WHERE c.status = 1 AND co.dropped_on IS NULL
			GROUP BY co.region_code ORDER BY co.region_code`, now)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (RegionStanding, error) {
			var r RegionStanding
			var oldest float64
			err := row.Scan(&r.Region, &r.Expected, &r.Submitted, &r.Late, &r.AwaitingReview, &oldest, &r.NextDeadline)
			r.OldestAwaiting = time.Duration(oldest * float64(time.Second))
			return r, err
		})
		return err
	})
	return out, translate(op, err)
}
