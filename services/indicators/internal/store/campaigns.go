package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/russian"
	"github.com/nastavnik/nastavnik/platform/validation"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
)

const campaignColumns = `c.id, c.name, c.year, c.form_code, c.form_version, COALESCE(c.municipality_id::text, ''), c.region_code,
	c.deadline, c.opened_on, c.status, c.version, c.create_time, c.close_time,
	(SELECT count(*) FROM campaign_organisations co WHERE co.campaign_id = c.id AND co.dropped_on IS NULL),
	c.reminder_days, to_char(c.reminder_time, 'HH24:MI')`

func scanCampaign(row pgx.Row) (domain.Campaign, error) {
	var (
		c      domain.Campaign
		status int16
		closed *time.Time
	)
	err := row.Scan(&c.ID, &c.Name, &c.Year, &c.FormCode, &c.FormVersion, &c.MunicipalityID, &c.RegionCode,
		&c.Deadline, &c.OpenedOn, &status, &c.Version, &c.CreateTime, &closed, &c.ExpectedCount, &c.ReminderDays, &c.ReminderTime)
	c.Status = domain.CampaignStatus(status)
	if closed != nil {
		c.CloseTime = *closed
	}
	return c, err
}

// CreateCampaign opens a campaign expecting orgs. A retry with the same
// requestID returns the campaign the first call created.
func (s *Store) CreateCampaign(ctx context.Context, actor domain.Actor, c domain.Campaign, orgs []domain.Organisation, requestID string, now time.Time) (domain.Campaign, error) {
	const op = "store.CreateCampaign"
	var rid *string
	if requestID != "" {
		rid = &requestID
	}
	var mun *string
	if c.MunicipalityID != "" {
		mun = &c.MunicipalityID
	}
	var id string
	err := s.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO campaigns (id, name, year, form_code, form_version, municipality_id, region_code,
				deadline, opened_on, create_request_id, created_by, create_time, reminder_days, reminder_time)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::time)
			ON CONFLICT (create_request_id) DO NOTHING RETURNING id`,
			uuid.New(), c.Name, c.Year, c.FormCode, c.FormVersion, mun, c.RegionCode, c.Deadline, c.OpenedOn, rid,
			actor.Login, now, reminderDays(c.ReminderDays), c.ReminderTime).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) { // a retry
			return tx.QueryRow(ctx, `SELECT id FROM campaigns WHERE create_request_id = $1`, rid).Scan(&id)
		}
		if err != nil {
			return err
		}
		// One report per organisation and year of a form: a campaign may not
		// expect an organisation another campaign of the year already expects,
		// or its figures would count twice.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
			fmt.Sprintf("campaigns/%s/%d", c.FormCode, c.Year)); err != nil {
			return err
		}
		ids := make([]string, len(orgs))
		for i, o := range orgs {
			ids[i] = o.ID
		}
		var other string
		var n int
		err = tx.QueryRow(ctx, `SELECT COALESCE(min(c.name), ''), count(DISTINCT co.organisation_id) FROM campaign_organisations co
			JOIN campaigns c ON c.id = co.campaign_id
			WHERE c.year = $1 AND c.form_code = $2 AND c.id <> $3 AND co.dropped_on IS NULL AND co.organisation_id = ANY($4::uuid[])`, // the index on organisation_id, not a scan
			c.Year, c.FormCode, id, ids).Scan(&other, &n)
		if err != nil {
			return err
		}
		if n > 0 {
			return validation.Field("campaign", validation.New("campaign_overlap").With("count", n).With("other", other).With("year", c.Year))
		}
		return insertExpected(ctx, tx, id, orgs, c.OpenedOn)
	})
	if err != nil {
		return domain.Campaign{}, translate(op, err)
	}
	return s.GetCampaign(ctx, id)
}

func insertExpected(ctx context.Context, tx pgx.Tx, campaignID string, orgs []domain.Organisation, on time.Time) error {
	for _, o := range orgs {
		if _, err := tx.Exec(ctx, `INSERT INTO campaign_organisations (campaign_id, organisation_id, short_name, full_name, sort_key,
				municipality_id, region_code, time_zone, added_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (campaign_id, organisation_id) DO UPDATE SET dropped_on = NULL`,
			campaignID, o.ID, o.ShortName, o.FullName, russian.SortKey(o.ShortName), o.MunicipalityID, o.RegionCode, o.TimeZone, on); err != nil {
			return err
		}
	}
	return nil
}

// GetCampaign reads a campaign.
func (s *Store) GetCampaign(ctx context.Context, id string) (domain.Campaign, error) {
	c, err := scanCampaign(s.db(ctx).QueryRow(ctx, `SELECT `+campaignColumns+` FROM campaigns c WHERE c.id = $1`, id))
	return c, translate("store.GetCampaign", err)
}

// CampaignFilter filters campaigns.
type CampaignFilter struct {
	Year         int
	Region       string
	Municipality string
	Status       domain.CampaignStatus
	Reach        identity.Reach
}

// CampaignCursor is the keyset position in the campaign list.
type CampaignCursor struct {
	Year       int       `json:"y"`
	CreateTime time.Time `json:"t"`
	ID         string    `json:"i"`
}

func (w *where) campaigns(f CampaignFilter) {
	// Campaigns the reader is Related to: inside its regions, of the
	// municipalities it holds or lies in, region-wide ones of its region.
	// (A region asked that the reach holds is the reach's condition
	// already: the statement then has no arrays to plan.)
	if r := f.Reach; !r.All && (f.Region == "" || !slices.Contains(r.Regions, f.Region)) {
		w.Add(`(c.region_code = ANY(?) OR c.municipality_id = ANY(?::uuid[]) OR (c.municipality_id IS NULL AND c.region_code = ANY(?)))`,
			nn(r.Regions), uuids(r.RelatedMunicipalities()), nn(r.RegionsAbove))
	}
	if f.Year != 0 {
		w.Add("c.year = ?", f.Year)
	}
	if f.Region != "" {
		w.Add("c.region_code = ?", f.Region)
	}
	if f.Municipality != "" {
		w.Add(`(c.municipality_id = ?::uuid OR c.municipality_id IS NULL AND EXISTS (
			SELECT 1 FROM campaign_organisations co WHERE co.campaign_id = c.id AND co.municipality_id = ?::uuid))`, f.Municipality, f.Municipality)
	}
	if f.Status != domain.CampaignUnspecified {
		w.Add("c.status = ?", int16(f.Status))
	}
}

// ListCampaigns lists campaigns, newest year first.
func (s *Store) ListCampaigns(ctx context.Context, f CampaignFilter, after *CampaignCursor, limit int) ([]domain.Campaign, int, error) {
	const op = "store.ListCampaigns"
	var w where
	w.campaigns(f)
	var total int
	if err := s.db(ctx).QueryRow(ctx, `SELECT count(*) FROM campaigns c `+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, translate(op, err)
	}
	if after != nil {
		w.Add("(c.year < ? OR c.year = ? AND (c.create_time, c.id) < (?, ?::uuid))", after.Year, after.Year, after.CreateTime, after.ID)
	}
	w.Args = append(w.Args, limit)
	rows, err := s.db(ctx).Query(ctx, fmt.Sprintf(`SELECT %s FROM campaigns c %s ORDER BY c.year DESC, c.create_time DESC, c.id DESC LIMIT $%d`,
		campaignColumns, w.SQL(), len(w.Args)), w.Args...)
	if err != nil {
		return nil, 0, translate(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Campaign, error) { return scanCampaign(r) })
	return out, total, translate(op, err)
}

// CampaignYears lists the years of the campaigns of the filter, whatever
// its year, newest first.
func (s *Store) CampaignYears(ctx context.Context, f CampaignFilter) ([]int, error) {
	f.Year = 0
	var w where
	w.campaigns(f)
	rows, err := s.db(ctx).Query(ctx, `SELECT DISTINCT c.year FROM campaigns c `+w.SQL()+` ORDER BY 1 DESC`, w.Args...)
	if err != nil {
		return nil, translate("store.CampaignYears", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int])
	return out, translate("store.CampaignYears", err)
}

// CloseCampaign closes an open campaign at version.
func (s *Store) CloseCampaign(ctx context.Context, id string, version int64, now time.Time) (domain.Campaign, error) {
	const op = "store.CloseCampaign"
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var cur int64
		var status int16
		if err := tx.QueryRow(ctx, `SELECT version, status FROM campaigns WHERE id = $1 FOR UPDATE`, id).Scan(&cur, &status); err != nil {
			return err
		}
		switch {
		case cur != version:
			return domain.ErrStale
		case domain.CampaignStatus(status) == domain.CampaignClosed:
			return fmt.Errorf("campaign is already closed: %w", domain.ErrState)
		}
		_, err := tx.Exec(ctx, `UPDATE campaigns SET status = 2, close_time = $2, version = version + 1 WHERE id = $1`, id, now)
		return err
	})
	if err != nil {
		return domain.Campaign{}, translate(op, err)
	}
	return s.GetCampaign(ctx, id)
}

// SetReminders replaces a campaign's reminders when version is current.
func (s *Store) SetReminders(ctx context.Context, id string, version int64, days []int32, at string) (domain.Campaign, error) {
	const op = "store.SetReminders"
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var cur int64
		if err := tx.QueryRow(ctx, `SELECT version FROM campaigns WHERE id = $1 FOR UPDATE`, id).Scan(&cur); err != nil {
			return err
		}
		if cur != version {
			return domain.ErrStale
		}
		_, err := tx.Exec(ctx, `UPDATE campaigns SET reminder_days = $2, reminder_time = $3::time, version = version + 1 WHERE id = $1`,
			id, reminderDays(days), at)
		return err
	})
	if err != nil {
		return domain.Campaign{}, translate(op, err)
	}
	return s.GetCampaign(ctx, id)
}

func reminderDays(d []int32) []int32 {
	if d == nil {
		return []int32{}
	}
	return d
}

// RefreshExpected brings the expected list in line with the organisations
// open today: new ones are added; ones no longer open drop out unless their
// report was ever submitted.
func (s *Store) RefreshExpected(ctx context.Context, id string, open []domain.Organisation, today time.Time) (added, dropped []string, err error) {
	const op = "store.RefreshExpected"
	added, dropped = []string{}, []string{}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM campaigns WHERE id = $1 FOR UPDATE`, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT co.organisation_id::text, co.dropped_on IS NOT NULL,
				EXISTS (SELECT 1 FROM reports r WHERE r.campaign_id = co.campaign_id AND r.organisation_id = co.organisation_id
					AND (r.status <> 1 OR r.submit_time IS NOT NULL))
			FROM campaign_organisations co WHERE co.campaign_id = $1`, id)
		if err != nil {
			return err
		}
		type entry struct{ wasDropped, submitted bool }
		have := map[string]entry{}
		for rows.Next() {
			var org string
			var e entry
			if err := rows.Scan(&org, &e.wasDropped, &e.submitted); err != nil {
				return err
			}
			have[org] = e
		}
		if err := rows.Err(); err != nil {
			return err
		}
		openIDs := map[string]bool{}
		var fresh []domain.Organisation
		for _, o := range open {
			openIDs[o.ID] = true
			if e, ok := have[o.ID]; !ok || e.wasDropped {
				fresh = append(fresh, o)
				added = append(added, o.ID)
			}
		}
		if err := insertExpected(ctx, tx, id, fresh, today); err != nil {
			return err
		}
		for org, e := range have {
			if openIDs[org] || e.wasDropped || e.submitted {
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE campaign_organisations SET dropped_on = $3 WHERE campaign_id = $1 AND organisation_id = $2`,
				id, org, today); err != nil {
				return err
			}
			dropped = append(dropped, org)
		}
		return nil
	})
	return added, dropped, translate(op, err)
}

// ExtendDeadline records a new deadline for one expected organisation.
func (s *Store) ExtendDeadline(ctx context.Context, actor domain.Actor, campaignID, orgID string, deadline time.Time, reason string, now time.Time) error {
	const op = "store.ExtendDeadline"
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var dropped bool
		if err := tx.QueryRow(ctx, `SELECT dropped_on IS NOT NULL FROM campaign_organisations
			WHERE campaign_id = $1 AND organisation_id = $2 FOR UPDATE`, campaignID, orgID).Scan(&dropped); err != nil {
			return err
		}
		if dropped {
			return fmt.Errorf("the organisation is no longer expected: %w", domain.ErrState)
		}
		_, err := tx.Exec(ctx, `INSERT INTO extensions (campaign_id, organisation_id, deadline, reason, account_id, login, create_time)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, campaignID, orgID, deadline, reason, actor.AccountID, actor.Login, now)
		return err
	})
	return translate(op, err)
}

// ExpectedFilter selects expected organisations: of one campaign, or of
// every campaign of a year in a region or municipality.
type ExpectedFilter struct {
	CampaignID   string
	Year         int
	Region       string
	Municipality string
	// WithDropped includes organisations that dropped out.
	WithDropped bool
	Reach       identity.Reach
}

// ExpectedCursor is the keyset position in the expected list.
type ExpectedCursor struct {
	SortKey string `json:"s"`
	ID      string `json:"i"`
}

const expectedColumns = `co.campaign_id::text, co.organisation_id::text, co.short_name, co.full_name, co.municipality_id::text, co.region_code,
	co.time_zone, co.added_on, co.dropped_on, c.deadline,
	COALESCE(r.id::text, ''), COALESCE(r.status, 0), COALESCE(r.late, false), r.submit_time`

const expectedFrom = ` FROM campaign_organisations co JOIN campaigns c ON c.id = co.campaign_id
	LEFT JOIN reports r ON r.campaign_id = co.campaign_id AND r.organisation_id = co.organisation_id `

func (w *where) expected(f ExpectedFilter) {
	w.orgScope("co", f.Reach)
	if f.CampaignID != "" {
		w.Add("co.campaign_id = ?", f.CampaignID)
	}
	if f.Year != 0 {
		w.Add("c.year = ?", f.Year)
	}
	if f.Region != "" {
		// A campaign expects organisations of its own region only (the
		// directory's open organisations of the campaign's region), so the
		// region's organisations are those of its campaigns: the condition
		// on c lets a region's read start from its campaigns of the year
		// (campaigns_region_idx, 116 of 2,300 at country scale) instead
		// of the region's expected organisations of every year.
		w.Add("co.region_code = ? AND c.region_code = ?", f.Region, f.Region)
	}
	if f.Municipality != "" {
		w.Add("co.municipality_id = ?::uuid", f.Municipality)
	}
	if !f.WithDropped {
		w.Add("co.dropped_on IS NULL")
	}
}

// ListExpected lists expected organisations in name order with their
// extensions and report state.
func (s *Store) ListExpected(ctx context.Context, f ExpectedFilter, after *ExpectedCursor, limit int) ([]domain.Expected, int, error) {
	return listExpected(ctx, s.db(ctx), f, after, limit)
}

func listExpected(ctx context.Context, q database.Querier, f ExpectedFilter, after *ExpectedCursor, limit int) ([]domain.Expected, int, error) {
	const op = "store.ListExpected"
	var w where
	w.expected(f)
	var total int
	if err := q.QueryRow(ctx, `SELECT count(*) `+expectedFrom+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, translate(op, err)
	}
	if after != nil {
		w.Add("(co.sort_key, co.organisation_id) > (?, ?::uuid)", after.SortKey, after.ID)
	}
	sql := `SELECT ` + expectedColumns + expectedFrom + w.SQL() + ` ORDER BY co.sort_key, co.organisation_id`
	if limit > 0 {
		w.Args = append(w.Args, limit)
		sql += fmt.Sprintf(" LIMIT $%d", len(w.Args))
	}
	out, err := queryExpected(ctx, q, sql, w.Args...)
	return out, total, translate(op, err)
}

func queryExpected(ctx context.Context, q database.Querier, sql string, args ...any) ([]domain.Expected, error) {
	out, err := scanExpected(q.Query(ctx, sql, args...))
	if err != nil || len(out) == 0 {
		return out, err
	}
	return out, withExtensions(ctx, q, out)
}

// scanExpected reads rows of expectedColumns.
func scanExpected(rows pgx.Rows, err error) ([]domain.Expected, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Expected, error) {
		var x expectedRow
		err := row.Scan(x.dest()...)
		return x.expected(), err
	})
}

// expectedRow is a row of expectedColumns being read.
type expectedRow struct {
	e       domain.Expected
	dropped *time.Time
	submit  *time.Time
	status  int16
}

// dest are the row's destinations, in the order of expectedColumns.
func (x *expectedRow) dest() []any {
	e := &x.e
	return []any{&e.CampaignID, &e.ID, &e.ShortName, &e.FullName, &e.MunicipalityID, &e.RegionCode, &e.TimeZone,
		&e.AddedOn, &x.dropped, &e.Deadline, &e.ReportID, &x.status, &e.Late, &x.submit}
}

func (x *expectedRow) expected() domain.Expected {
	e := x.e
	e.Status = domain.Status(x.status)
	if x.dropped != nil {
		e.DroppedOn = *x.dropped
	}
	if x.submit != nil {
		e.SubmitTime = *x.submit
	}
	return e
}

// withExtensions reads the extensions of the listed organisations, oldest
// first, and sets the deadline in force.
func withExtensions(ctx context.Context, q database.Querier, out []domain.Expected) error {
	campaigns, orgs := make([]string, len(out)), make([]string, len(out))
	for i, e := range out {
		campaigns[i], orgs[i] = e.CampaignID, e.ID
	}
	erows, err := q.Query(ctx, `SELECT `+extensionColumns+`
		FROM extensions x JOIN unnest($1::uuid[], $2::uuid[]) AS k(c, o) ON x.campaign_id = k.c AND x.organisation_id = k.o
		ORDER BY x.id`, campaigns, orgs)
	if err != nil {
		return err
	}
	ext, err := scanExtensions(erows)
	if err != nil {
		return err
	}
	for i := range out {
		out[i].Extensions = ext[[2]string{out[i].CampaignID, out[i].ID}]
		out[i].Deadline = domain.EffectiveDeadline(out[i].Deadline, out[i].Extensions)
	}
	return nil
}

// extensionColumns are an extension's columns (alias x) for scanExtensions.
const extensionColumns = `x.campaign_id::text, x.organisation_id::text, x.deadline, x.reason, x.account_id, x.login, x.create_time`

// scanExtensions reads rows of extensionColumns into each organisation's
// extensions (by campaign and organisation id), in the rows' order.
func scanExtensions(rows pgx.Rows) (map[[2]string][]domain.Extension, error) {
	ext := map[[2]string][]domain.Extension{}
	var (
		c, o string
		x    domain.Extension
	)
	_, err := pgx.ForEachRow(rows, []any{&c, &o, &x.Deadline, &x.Reason, &x.Actor.AccountID, &x.Actor.Login, &x.CreateTime}, func() error {
		ext[[2]string{c, o}] = append(ext[[2]string{c, o}], x)
		return nil
	})
	return ext, err
}

// GetExpected reads one expected organisation of a campaign.
func (s *Store) GetExpected(ctx context.Context, campaignID, orgID string) (domain.Expected, error) {
	out, err := queryExpected(ctx, s.db(ctx), `SELECT `+expectedColumns+expectedFrom+`WHERE co.campaign_id = $1 AND co.organisation_id = $2`, campaignID, orgID)
	if err == nil && len(out) == 0 {
		err = pgx.ErrNoRows
	}
	if err != nil {
		return domain.Expected{}, translate("store.GetExpected", err)
	}
	return out[0], nil
}

// Standings reads the organisations of the filter expected at the end of
// asOf (zero: now), in name order (by short name, byte by byte; equal names
// by sort key and id) with their extensions, each with its standing then
// (see standingsFrom). PostgreSQL sorts (COLLATE "C" compares as Go's
// strings.Compare does); the extensions are read by the same filter, not
// by the organisations read: a region's 2,260 organisations are not sent
// back to the database as 4,520 parameters.
func (s *Store) Standings(ctx context.Context, f ExpectedFilter, asOf time.Time) ([]domain.Standing, error) {
	const op = "store.Standings"
	q := s.db(ctx)
	f.WithDropped = true // standingsFrom picks who was expected
	var w where
	w.expected(f)
	from, cols, submit, err := standingsFrom(ctx, q, &w, asOf)
	if err != nil {
		return nil, translate(op, err)
	}
	rows, err := q.Query(ctx, `SELECT `+expectedColumns+`, `+cols+`, `+submit+from+w.SQL()+
		` ORDER BY co.short_name COLLATE "C", co.sort_key, co.organisation_id`, w.Args...)
	if err != nil {
		return nil, translate(op, err)
	}
	var (
		x   expectedRow
		at  standingAt
		out []domain.Standing
	)
	_, err = pgx.ForEachRow(rows, append(x.dest(), at.dest()...), func() error {
		out = append(out, at.standing(x.expected()))
		return nil
	})
	if err != nil || len(out) == 0 {
		return out, translate(op, err)
	}
	var xw where
	xw.expected(f)
	erows, err := q.Query(ctx, `SELECT `+extensionColumns+` FROM extensions x
		JOIN campaign_organisations co ON co.campaign_id = x.campaign_id AND co.organisation_id = x.organisation_id
		JOIN campaigns c ON c.id = co.campaign_id `+xw.SQL()+` ORDER BY x.id`, xw.Args...)
	if err != nil {
		return nil, translate(op, err)
	}
	ext, err := scanExtensions(erows)
	if err != nil {
		return nil, translate(op, err)
	}
	for i := range out {
		if e, ok := ext[[2]string{out[i].CampaignID, out[i].ID}]; ok {
			out[i].Extensions = e
			out[i].Deadline = domain.EffectiveDeadline(out[i].Deadline, e)
		}
	}
	return out, nil
}

// CountStandings counts the organisations of the filter expected at the end
// of asOf (zero: now) by their standing then, overall, by municipality and
// by region: now from the kept counts (keptCounts), as of a day by one
// grouped scan; the organisations never leave the database.
func (s *Store) CountStandings(ctx context.Context, f ExpectedFilter, asOf time.Time) (domain.Tally, error) {
	return countStandings(ctx, s.db(ctx), f, asOf)
}

func countStandings(ctx context.Context, q database.Querier, f ExpectedFilter, asOf time.Time) (domain.Tally, error) {
	const op = "store.CountStandings"
	if asOf.IsZero() {
		if out, ok, err := keptCounts(ctx, q, f); ok || err != nil {
			return out, translate(op, err)
		}
	}
	return recountStandings(ctx, q, f, asOf)
}

// recountStandings is CountStandings from the expected organisations and
// their reports (as of a day: their histories).
func recountStandings(ctx context.Context, q database.Querier, f ExpectedFilter, asOf time.Time) (domain.Tally, error) {
	const op = "store.CountStandings"
	f.WithDropped = true // standingsFrom picks who was expected
	var w where
	w.expected(f)
	from, cols, _, err := standingsFrom(ctx, q, &w, asOf)
	if err != nil {
		return domain.Tally{}, translate(op, err)
	}
	rows, err := q.Query(ctx, `SELECT co.region_code, co.municipality_id::text, `+cols+`, count(*)`+from+w.SQL()+
		` GROUP BY 1, 2, 3, 4`, w.Args...)
	if err != nil {
		return domain.Tally{}, translate(op, err)
	}
	var (
		out domain.Tally
		e   domain.Expected
		at  standingAt
		n   int
	)
	_, err = pgx.ForEachRow(rows, []any{&e.RegionCode, &e.MunicipalityID, &at.status, &at.late, &n}, func() error {
		out.Add(at.standing(e), n)
		return nil
	})
	return out, translate(op, err)
}

// standingAt is what a report's history says at a moment, as read: its
// latest status (a number from the report, a name from its history; none
// without a report) and its latest submission's lateness and time.
type standingAt struct {
	status reportStatus
	late   bool
	submit *time.Time
}

func (a *standingAt) dest() []any { return []any{&a.status, &a.late, &a.submit} }

// standing is e's standing by the domain's rule.
func (a *standingAt) standing(e domain.Expected) domain.Standing {
	var t time.Time
	if a.submit != nil {
		t = *a.submit
	}
	return domain.StandingOf(e, domain.Status(a.status), a.late, t)
}

// reportStatus reads a report's status as either form stores it: the
// reports table's number or the history's name.
type reportStatus domain.Status

// Scan implements sql.Scanner.
func (s *reportStatus) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s = reportStatus(domain.StatusNone)
	case int64:
		*s = reportStatus(v)
	case string:
		*s = reportStatus(domain.ParseStatus(v))
	default:
		return fmt.Errorf("report status of type %T", v)
	}
	return nil
}

// standingsFrom is the FROM of the expected organisations of w (its
// conditions on co and c) with what each report's history says at a
// moment (for standingAt: the status and lateness columns cols, the
// submission time column submit), and adds to w which of them were
// expected then: on the list on the day (added on or before it, not dropped
// on or before it), or now not dropped.
//
// Now, a report's own row is its history's end. As of a day, the history
// is read up to the end of that day in each organisation's zone
// (domain.AsOfCutoff, for the zones of w read first): its latest status
// change and its latest submission, each one step into
// report_events_status_idx.
func standingsFrom(ctx context.Context, q database.Querier, w *where, asOf time.Time) (from, cols, submit string, err error) {
	from = expectedFrom
	if asOf.IsZero() {
		w.Add("co.dropped_on IS NULL")
		return from, `r.status, COALESCE(r.late, false)`, `r.submit_time`, nil
	}
	rows, err := q.Query(ctx, `SELECT DISTINCT co.time_zone`+expectedFrom+w.SQL(), w.Args...)
	if err != nil {
		return "", "", "", err
	}
	zones, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", "", "", err
	}
	cutoffs := make([]time.Time, len(zones))
	for i, z := range zones {
		cutoffs[i] = domain.AsOfCutoff(asOf, z)
	}
	// A zone that appeared since: counted in UTC, as an unknown one.
	cutoff := fmt.Sprintf("COALESCE(z.cutoff, %s)", w.arg(domain.AsOfCutoff(asOf, "")))
	from += fmt.Sprintf(`LEFT JOIN unnest(%s::text[], %s::timestamptz[]) AS z (zone, cutoff) ON z.zone = co.time_zone
	LEFT JOIN LATERAL (SELECT e.new_value FROM report_events e
		WHERE e.report_id = r.id AND e.kind = 'status' AND e.time < %[3]s ORDER BY e.id DESC LIMIT 1) st ON true
	LEFT JOIN LATERAL (SELECT e.late, e.time FROM report_events e
		WHERE e.report_id = r.id AND e.kind = 'status' AND e.new_value = 'submitted' AND e.time < %[3]s
		ORDER BY e.id DESC LIMIT 1) sub ON true `, w.arg(zones), w.arg(cutoffs), cutoff)
	w.Add("co.added_on <= ? AND (co.dropped_on IS NULL OR co.dropped_on > ?)", asOf, asOf)
	return from, `st.new_value, COALESCE(sub.late, false)`, `sub.time`, nil
}
