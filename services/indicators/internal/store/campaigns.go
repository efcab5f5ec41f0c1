package store

import (
	"context"
	"errors"
	"fmt"
	"github.com/nastavnik/nastavnik/platform/identity"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/database"
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
	if r := f.Reach; !r.All {
		w.Add(`(c.region_code = ANY(?) OR c.municipality_id::text = ANY(?) OR (c.municipality_id IS NULL AND c.region_code = ANY(?)))`,
			nn(r.Regions), nn(r.RelatedMunicipalities()), nn(r.RegionsAbove))
	}
	if f.Year != 0 {
		w.Add("c.year = ?", f.Year)
	}
	if f.Region != "" {
		w.Add("c.region_code = ?", f.Region)
	}
	if f.Municipality != "" {
		w.Add(`(c.municipality_id::text = ? OR c.municipality_id IS NULL AND EXISTS (
			SELECT 1 FROM campaign_organisations co WHERE co.campaign_id = c.id AND co.municipality_id::text = ?))`, f.Municipality, f.Municipality)
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
		w.Add("co.region_code = ?", f.Region)
	}
	if f.Municipality != "" {
		w.Add("co.municipality_id::text = ?", f.Municipality)
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
		var (
			e       domain.Expected
			dropped *time.Time
			submit  *time.Time
			status  int16
		)
		err := row.Scan(&e.CampaignID, &e.ID, &e.ShortName, &e.FullName, &e.MunicipalityID, &e.RegionCode, &e.TimeZone,
			&e.AddedOn, &dropped, &e.Deadline, &e.ReportID, &status, &e.Late, &submit)
		e.Status = domain.Status(status)
		if dropped != nil {
			e.DroppedOn = *dropped
		}
		if submit != nil {
			e.SubmitTime = *submit
		}
		return e, err
	})
}

// withExtensions reads the extensions of the listed organisations, oldest
// first, and sets the deadline in force.
func withExtensions(ctx context.Context, q database.Querier, out []domain.Expected) error {
	campaigns, orgs := make([]string, len(out)), make([]string, len(out))
	for i, e := range out {
		campaigns[i], orgs[i] = e.CampaignID, e.ID
	}
	erows, err := q.Query(ctx, `SELECT x.campaign_id::text, x.organisation_id::text, x.deadline, x.reason, x.account_id, x.login, x.create_time
		FROM extensions x JOIN unnest($1::uuid[], $2::uuid[]) AS k(c, o) ON x.campaign_id = k.c AND x.organisation_id = k.o
		ORDER BY x.id`, campaigns, orgs)
	if err != nil {
		return err
	}
	ext := map[[2]string][]domain.Extension{}
	for erows.Next() {
		var c, o string
		var x domain.Extension
		if err := erows.Scan(&c, &o, &x.Deadline, &x.Reason, &x.Actor.AccountID, &x.Actor.Login, &x.CreateTime); err != nil {
			erows.Close()
			return err
		}
		ext[[2]string{c, o}] = append(ext[[2]string{c, o}], x)
	}
	if err := erows.Err(); err != nil {
		return err
	}
	for i := range out {
		out[i].Extensions = ext[[2]string{out[i].CampaignID, out[i].ID}]
		out[i].Deadline = domain.EffectiveDeadline(out[i].Deadline, out[i].Extensions)
	}
	return nil
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

// Completeness reads the organisations of the filter (dropped ones too) with
// the status history of their reports.
// With countsOnly the organisations come without their extensions (their
// Deadline is the campaign's): counting needs only their history.
func (s *Store) Completeness(ctx context.Context, f ExpectedFilter, countsOnly bool) ([]domain.Expected, map[string][]domain.StatusEvent, error) {
	return completeness(ctx, s.db(ctx), f, countsOnly)
}

func completeness(ctx context.Context, q database.Querier, f ExpectedFilter, countsOnly bool) ([]domain.Expected, map[string][]domain.StatusEvent, error) {
	const op = "store.Completeness"
	f.WithDropped = true
	var w where
	w.expected(f)
	// Counting needs no total, and no extensions: the states and lateness
	// come from the history.
	orgs, err := scanExpected(q.Query(ctx, `SELECT `+expectedColumns+expectedFrom+w.SQL()+` ORDER BY co.sort_key, co.organisation_id`, w.Args...))
	if err == nil && !countsOnly && len(orgs) > 0 {
		err = withExtensions(ctx, q, orgs)
	}
	if err != nil {
		return nil, nil, translate(op, err)
	}
	rows, err := q.Query(ctx, `SELECT co.campaign_id::text || '/' || co.organisation_id::text, e.time, e.new_value, e.late `+expectedFrom+`
		JOIN report_events e ON e.report_id = r.id AND e.kind = 'status' `+w.SQL()+` ORDER BY e.id`, w.Args...)
	if err != nil {
		return nil, nil, translate(op, err)
	}
	events := map[string][]domain.StatusEvent{}
	for rows.Next() {
		var key, status string
		var ev domain.StatusEvent
		if err := rows.Scan(&key, &ev.Time, &status, &ev.Late); err != nil {
			rows.Close()
			return nil, nil, translate(op, err)
		}
		ev.Status = domain.ParseStatus(status)
		events[key] = append(events[key], ev)
	}
	return orgs, events, translate(op, rows.Err())
}
