package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
)

// reportValues is the column of a report's values in reportColumns.
const reportValues = `r."values"`

const reportColumns = `r.id::text, r.campaign_id::text, co.organisation_id::text, co.short_name, co.full_name, co.municipality_id::text,
	co.region_code, co.time_zone, c.form_code, c.form_version, c.status, c.year, c.deadline,
	(SELECT x.deadline FROM extensions x WHERE x.campaign_id = r.campaign_id AND x.organisation_id = r.organisation_id
		ORDER BY x.id DESC LIMIT 1),
	r.status, ` + reportValues + `, r.carried_over, r.return_comment, r.remarks, r.late, r.submit_time, r.reopen_reason,
	r.version, r.create_time, r.update_time`

const reportFrom = ` FROM reports r JOIN campaign_organisations co ON co.campaign_id = r.campaign_id AND co.organisation_id = r.organisation_id
	JOIN campaigns c ON c.id = r.campaign_id `

// reportRow is a report with what the server needs around it.
type reportRow struct {
	domain.Report
	campaignDeadline time.Time
	extended         bool
}

func scanReport(row pgx.Row, extra ...any) (reportRow, error) {
	var (
		r                reportRow
		cstatus, status  int16
		values, remarks  []byte
		submit, extended *time.Time
		campaignDeadline time.Time
	)
	err := row.Scan(append([]any{&r.ID, &r.CampaignID, &r.Organisation.ID, &r.Organisation.ShortName, &r.Organisation.FullName,
		&r.Organisation.MunicipalityID, &r.Organisation.RegionCode, &r.Organisation.TimeZone, &r.FormCode, &r.FormVersion,
		&cstatus, &r.Year, &campaignDeadline, &extended, &status, &values, &r.CarriedOver, &r.ReturnComment, &remarks, &r.Late,
		&submit, &r.ReopenReason, &r.Version, &r.CreateTime, &r.UpdateTime}, extra...)...)
	if err != nil {
		return reportRow{}, err
	}
	r.CampaignStatus, r.Status, r.Deadline, r.campaignDeadline = domain.CampaignStatus(cstatus), domain.Status(status), campaignDeadline, campaignDeadline
	// The latest extension's deadline (NOT NULL in its table), when there is
	// one, is in force: one subquery answers both.
	if extended != nil {
		r.Deadline, r.extended = *extended, true
	}
	if submit != nil {
		r.SubmitTime = *submit
	}
	// NULL values: the caller holds them (lockedReport).
	if values != nil {
		if err := json.Unmarshal(values, &r.Values); err != nil {
			return reportRow{}, fmt.Errorf("report %s values: %w", r.ID, err)
		}
	}
	if err := json.Unmarshal(remarks, &r.Remarks); err != nil {
		return reportRow{}, fmt.Errorf("report %s remarks: %w", r.ID, err)
	}
	return r, nil
}

// GetReport reads a report.
func (s *Store) GetReport(ctx context.Context, id string) (domain.Report, error) {
	r, err := getReport(ctx, s.db(ctx), id, "")
	return r.Report, translate("store.GetReport", err)
}

func getReport(ctx context.Context, q database.Querier, id, lock string) (reportRow, error) {
	return scanReport(q.QueryRow(ctx, `SELECT `+reportColumns+reportFrom+`WHERE r.id = $1 `+lock, id))
}

// ReportOf returns the id of an organisation's report in a campaign.
func (s *Store) ReportOf(ctx context.Context, campaignID, orgID string) (string, error) {
	var id string
	err := s.db(ctx).QueryRow(ctx, `SELECT id::text FROM reports WHERE campaign_id = $1 AND organisation_id = $2`, campaignID, orgID).Scan(&id)
	return id, translate("store.ReportOf", err)
}

// PreviousValues returns the values of the organisation's accepted report in
// a campaign of the year before with the same form code, or nil.
func (s *Store) PreviousValues(ctx context.Context, orgID string, year int, formCode string) (map[string]form.Value, error) {
	return previousValues(ctx, s.db(ctx), orgID, year, formCode)
}

// lockedReport reads report $1 under lock for a write (UpdateReport), with
// last year's accepted report of its organisation (the latest campaign of
// the year before with the same form code) and the keys of the rows it
// joins (the campaign's and the organisation's place's xmin, the latest
// extension's id: see cachedReport), and leaves out the values that
// the caller holds: the report's when its row is still version $2 written by
// transaction $3, last year's when it is still report $4 at version $5
// written by $6 (see cachedReport).
var lockedReport = `SELECT ` + strings.Replace(reportColumns, reportValues,
	`CASE WHEN r.version = $2::bigint AND r.xmin = $3::xid THEN NULL ELSE r."values" END`, 1) +
	`, r.xmin, c.xmin, co.xmin, COALESCE((SELECT x.id FROM extensions x WHERE x.campaign_id = r.campaign_id
		AND x.organisation_id = r.organisation_id ORDER BY x.id DESC LIMIT 1), 0),
	pv.id::text, pv.version, pv.xmin, pv."values"` + reportFrom +
	`LEFT JOIN LATERAL (SELECT p.id, p.version, p.xmin,
			CASE WHEN p.id = $4::uuid AND p.version = $5::bigint AND p.xmin = $6::xid THEN NULL ELSE p."values" END AS "values"
		FROM reports p JOIN campaigns pc ON pc.id = p.campaign_id
		WHERE p.organisation_id = r.organisation_id AND pc.year = c.year - 1 AND pc.form_code = c.form_code AND p.status = 4
		ORDER BY pc.create_time DESC LIMIT 1) pv ON true
	WHERE r.id = $1 FOR UPDATE OF r`

func previousValues(ctx context.Context, q database.Querier, orgID string, year int, formCode string) (map[string]form.Value, error) {
	var raw []byte
	err := q.QueryRow(ctx, `SELECT r."values" FROM reports r JOIN campaigns c ON c.id = r.campaign_id
		WHERE r.organisation_id = $1 AND c.year = $2 AND c.form_code = $3 AND r.status = 4
		ORDER BY c.create_time DESC LIMIT 1`, orgID, year-1, formCode).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate("store.PreviousValues", err)
	}
	return decodePrevious(raw)
}

func decodePrevious(raw []byte) (map[string]form.Value, error) {
	if raw == nil {
		return nil, nil
	}
	out := map[string]form.Value{}
	return out, json.Unmarshal(raw, &out)
}

// CreateReport starts an expected organisation's report with values (carried
// over, listed in carried). An existing report is returned as it is.
func (s *Store) CreateReport(ctx context.Context, actor domain.Actor, campaignID, orgID string, values map[string]form.Value, carried []string, now time.Time) (domain.Report, error) {
	const op = "store.CreateReport"
	var id string
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var dropped bool
		if err := tx.QueryRow(ctx, `SELECT dropped_on IS NOT NULL FROM campaign_organisations
			WHERE campaign_id = $1 AND organisation_id = $2 FOR SHARE`, campaignID, orgID).Scan(&dropped); err != nil {
			return err
		}
		if dropped {
			return fmt.Errorf("the organisation is no longer expected: %w", domain.ErrState)
		}
		raw, err := json.Marshal(values)
		if err != nil {
			return err
		}
		if carried == nil {
			carried = []string{}
		}
		err = tx.QueryRow(ctx, `INSERT INTO reports (id, campaign_id, organisation_id, status, "values", carried_over, create_time, update_time)
			VALUES ($1, $2, $3, 1, $4, $5, $6, $6) ON CONFLICT (campaign_id, organisation_id) DO NOTHING RETURNING id::text`,
			uuid.New(), campaignID, orgID, raw, carried, now).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return tx.QueryRow(ctx, `SELECT id::text FROM reports WHERE campaign_id = $1 AND organisation_id = $2`, campaignID, orgID).Scan(&id)
		}
		if err != nil {
			return err
		}
		events := []domain.Event{{Kind: "status", NewValue: domain.Draft.String()}}
		for _, k := range carried {
			events = append(events, domain.Event{Kind: "carry_over", Field: k, NewValue: values[k].String()})
		}
		return insertEvents(ctx, tx, id, actor, now, 1, events)
	})
	if err != nil {
		return domain.Report{}, translate(op, err)
	}
	return s.GetReport(ctx, id)
}

func insertEvents(ctx context.Context, tx pgx.Tx, reportID string, actor domain.Actor, now time.Time, version int64, events []domain.Event) error {
	if len(events) == 0 {
		return nil
	}
	sql, args := eventsInsert(reportID, actor, now, version, events)
	_, err := tx.Exec(ctx, sql, args...)
	return err
}

// encodeReport is what a write stores of a report beside its plain columns:
// its values (when withValues) and remarks as JSON and its submit time, NULL
// when it has none. A report without remarks or carried-over fields gets
// empty ones (in r), as stored.
func encodeReport(r *domain.Report, withValues bool) (values, remarks []byte, submit *time.Time, err error) {
	if withValues {
		if values, err = json.Marshal(r.Values); err != nil {
			return nil, nil, nil, err
		}
	}
	if r.Remarks == nil {
		r.Remarks = map[string]string{}
	}
	if remarks, err = json.Marshal(r.Remarks); err != nil {
		return nil, nil, nil, err
	}
	if r.CarriedOver == nil {
		r.CarriedOver = []string{}
	}
	if !r.SubmitTime.IsZero() {
		submit = &r.SubmitTime
	}
	return values, remarks, submit, nil
}

// valuesChange is what a write of a report's values sends: the fields
// whose values were set (as JSON) and those cleared, from the values as read
// under lock (old) to the new ones. reportUpdate applies it to the stored
// values, so a save of one count sends and stores one field's JSON rather
// than the whole report's (which PostgreSQL would parse again). Values
// stored as JSON null (a report created without values) read as nil: every
// field is then set. Nil values are stored as null again (set is nil).
func valuesChange(old, values map[string]form.Value) (set []byte, cleared []string, err error) {
	if values == nil {
		return nil, []string{}, nil
	}
	changed := map[string]form.Value{}
	for k, v := range values {
		if o, ok := old[k]; !ok || o != v {
			changed[k] = v
		}
	}
	for k := range old {
		if _, ok := values[k]; !ok {
			cleared = append(cleared, k)
		}
	}
	if cleared == nil {
		cleared = []string{}
	}
	slices.Sort(cleared)
	set, err = json.Marshal(changed)
	return set, cleared, err
}

// reportEventColumns are the columns of a history row as a write fills them.
var reportEventColumns = []string{"report_id", "time", "account_id", "login", "kind", "field", "old_value", "new_value", "comment",
	"late", "version"}

// eventInsertOne and eventsInsertMany write a change's history rows in
// order, with eventsInsert's arguments. A single row (a save of one field, the
// commonest change) goes as one selected row of values: the arrays' unnest
// costs PostgreSQL a function scan per column. Their …When forms write only
// while a condition holds (%[1]s; writeAlways in a statement of their own,
// writeWithU in reportWritesCurrent).
const (
	eventInsertOneWhen = `INSERT INTO report_events (report_id, time, account_id, login, kind, field, old_value, new_value, comment, late, version)
			SELECT $1, $2, $3, $4, $6, $7, $8, $9, $10, $11, $5 WHERE %[1]s`
	eventsInsertManyWhen = `INSERT INTO report_events (report_id, time, account_id, login, kind, field, old_value, new_value, comment, late, version)
		SELECT $1, $2, $3, $4, e.kind, e.field, e.old_value, e.new_value, e.comment, e.late, $5
		FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::boolean[]) WITH ORDINALITY
			AS e (kind, field, old_value, new_value, comment, late, n)
		WHERE %[1]s
		ORDER BY e.n`
)

// writeAlways and writeWithU are the conditions of the …When statements:
// none, and that the statement's u (reportWritesCurrent) wrote the report.
const (
	writeAlways = "TRUE"
	writeWithU  = "EXISTS (SELECT FROM u)"
)

var (
	eventInsertOne   = fmt.Sprintf(eventInsertOneWhen, writeAlways)
	eventsInsertMany = fmt.Sprintf(eventsInsertManyWhen, writeAlways)
)

// eventsInsert is one statement writing a change's history rows in order.
func eventsInsert(reportID string, actor domain.Actor, now time.Time, version int64, events []domain.Event) (string, []any) {
	if len(events) == 1 {
		e := events[0]
		return eventInsertOne, []any{reportID, now, actor.AccountID, actor.Login, version, e.Kind, e.Field, e.OldValue, e.NewValue, e.Comment, e.Late}
	}
	n := len(events)
	kinds, fields, olds, news, comments, lates := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]bool, n)
	for i, e := range events {
		kinds[i], fields[i], olds[i], news[i], comments[i], lates[i] = e.Kind, e.Field, e.OldValue, e.NewValue, e.Comment, e.Late
	}
	return eventsInsertMany, []any{reportID, now, actor.AccountID, actor.Login, version, kinds, fields, olds, news, comments, lates}
}

// reportSet sets a report's columns ($1 … $11; the values as a
// valuesChange: $3 set, $11 cleared) as reports r.
const reportSet = `UPDATE reports r SET status = $2,
		"values" = CASE WHEN $3::jsonb IS NULL THEN 'null'::jsonb WHEN jsonb_typeof(r."values") = 'object' THEN (r."values" - $11::text[]) || $3::jsonb
			ELSE $3::jsonb END,
		carried_over = $4, return_comment = $5, remarks = $6,
		late = $7, submit_time = $8, reopen_reason = $9, version = r.version + 1, update_time = $10`

// reportReturning is what a write of a report returns: what the database
// keeps of it, with the row's xmin (see cachedReport).
const reportReturning = ` RETURNING r.version, r.update_time, r.submit_time, r.xmin`

// reportUpdate writes report $1 locked by the write's transaction
// (reportSet).
const reportUpdate = reportSet + ` WHERE r.id = $1` + reportReturning

// reportUpdateCurrent writes report $1 (reportSet) only while every row a
// write read of it is the one the service holds (a cachedReport): the
// report's at version $32 written by transaction $33, its campaign's
// written by $34, its organisation's place in the campaign written by $35,
// the latest extension of its deadline $36 (0: none) and last year's
// accepted report $37 (id/version/xmin; NULL: none) — the rows lockedReport
// reads. Otherwise it writes nothing. A report written meanwhile by a
// transaction that commits first is checked again as committed (read
// committed's re-check of an updated row), so its new xmin refuses it.
const reportUpdateCurrent = reportSet + ` FROM campaigns c, campaign_organisations co
	WHERE r.id = $1 AND r.version = $32::bigint AND r.xmin = $33::xid
		AND c.id = r.campaign_id AND c.xmin = $34::xid
		AND co.campaign_id = r.campaign_id AND co.organisation_id = r.organisation_id AND co.xmin = $35::xid
		AND COALESCE((SELECT x.id FROM extensions x WHERE x.campaign_id = r.campaign_id AND x.organisation_id = r.organisation_id
			ORDER BY x.id DESC LIMIT 1), 0) = $36::bigint
		AND (SELECT p.id::text || '/' || p.version || '/' || p.xmin FROM reports p JOIN campaigns pc ON pc.id = p.campaign_id
			WHERE p.organisation_id = r.organisation_id AND pc.year = c.year - 1 AND pc.form_code = c.form_code AND p.status = 4
			ORDER BY pc.create_time DESC LIMIT 1) IS NOT DISTINCT FROM $37::text` + reportReturning

// reportWrites are the statements of a change of a report (one history row,
// several): the report, its history rows and the municipality's signed
// summary, no longer the one signed, as common table expressions of one
// statement, so that PostgreSQL starts one executor for them (a save's
// three statements cost it a fifth more). It returns the report's version,
// update and submit times as written. Its arguments: reportUpdate's, then
// eventsInsert's, then outdateSignOffArgs (reportWrite). reportWritesCurrent
// are the same with reportUpdateCurrent, writing the history and the
// sign-off only when the report was written (u has its row), with the
// guard's arguments after them.
var reportWrites, reportWritesCurrent = func() (out, current [2]string) {
	for i, events := range []string{eventInsertOneWhen, eventsInsertManyWhen} {
		out[i] = `WITH u AS (` + reportUpdate + `),
		e AS (` + shift(fmt.Sprintf(events, writeAlways), 11) + `),
		` + shift(fmt.Sprintf(outdateSignOffCTEWhen, writeAlways), 22) + `
		SELECT version, update_time, submit_time, xmin FROM u`
		current[i] = `WITH u AS (` + reportUpdateCurrent + `),
		e AS (` + shift(fmt.Sprintf(events, writeWithU), 11) + `),
		` + shift(fmt.Sprintf(outdateSignOffCTEWhen, writeWithU), 22) + `
		SELECT version, update_time, submit_time, xmin FROM u`
	}
	return out, current
}()

// reportWrite is the statement of reportWrites for events with its
// arguments; with current (a cachedReport's guard, see
// reportUpdateCurrent) that of reportWritesCurrent.
func reportWrite(id string, r *domain.Report, set []byte, cleared []string, remarks []byte, submit *time.Time, actor domain.Actor,
	now time.Time, version int64, events []domain.Event, current *cachedReport) (string, []any) {
	args := make([]any, 0, 37)
	args = append(args, id, int16(r.Status), set, r.CarriedOver, r.ReturnComment, remarks, r.Late, submit, r.ReopenReason, now, cleared)
	sql, eargs := eventsInsert(id, actor, now, version, events)
	args = append(args, eargs...)
	args = append(args, outdateSignOffArgs(r.CampaignID, r.Organisation.MunicipalityID, r.Organisation.ID, actor, now)...)
	n := 0
	if sql != eventInsertOne {
		n = 1
	}
	if current == nil {
		return reportWrites[n], args
	}
	var prev *string
	if current.prevID != "" {
		k := current.prevID + "/" + strconv.FormatInt(current.prev.version, 10) + "/" + strconv.FormatUint(uint64(current.prev.xmin), 10)
		prev = &k
	}
	args = append(args, current.row.version, current.row.xmin, current.campaignXmin, current.placeXmin, current.extensionID, prev)
	return reportWritesCurrent[n], args
}

// placeholder is a statement's $n.
var placeholder = regexp.MustCompile(`\$([0-9]+)`)

// shift renumbers the placeholders of sql from $1 to $(1+by), for a
// statement that has by arguments before them.
func shift(sql string, by int) string {
	return placeholder.ReplaceAllStringFunc(sql, func(p string) string {
		n, _ := strconv.Atoi(p[1:]) // the pattern's digits
		return "$" + strconv.Itoa(n+by)
	})
}

// Mutation changes a locked report in place and returns the events of the
// change; none means nothing changed and nothing is written. It sees whether
// the campaign's own deadline or an extension is in force. It replaces the
// report's maps rather than changing them in place.
type Mutation func(r *domain.Report, extended bool) ([]domain.Event, error)

// Prepare runs on the report read under lock, before its mutation: it checks
// the caller may act on it and reads what the change needs through reads (the
// write's own transaction, so a write holds one connection). It returns the
// report's form, for the aggregates.
type Prepare func(ctx context.Context, r domain.Report, reads Reads) (form.Form, error)

// Reads are what a write may read inside its transaction.
type Reads interface {
	// Form reads a form version.
	Form(ctx context.Context, code string, version int) (form.Form, error)
	// PreviousValues reads the organisation's accepted values of the year
	// before.
	PreviousValues(ctx context.Context, orgID string, year int, formCode string) (map[string]form.Value, error)
}

type txReads struct {
	q database.Querier
	// prev: the previous year's values read with the locked report, for
	// its own organisation, year and form code.
	prev    map[string]form.Value
	prevFor *domain.Report
}

func (t txReads) Form(ctx context.Context, code string, version int) (form.Form, error) {
	f, err := scanForm(t.q.QueryRow(ctx, `SELECT `+formColumns+` FROM forms WHERE code = $1 AND version = $2`, code, version))
	return f, translate("store.Form", err)
}

func (t txReads) PreviousValues(ctx context.Context, orgID string, year int, formCode string) (map[string]form.Value, error) {
	if r := t.prevFor; r != nil && r.Organisation.ID == orgID && r.Year == year && r.FormCode == formCode {
		return t.prev, nil
	}
	return previousValues(ctx, t.q, orgID, year, formCode)
}

// UpdateReport reads the report once, locked, runs prepare on it, applies fn
// and, when it made events, writes the report with its version incremented
// and the events, in one transaction, with the aggregates the report
// contributes to and the municipality's sign-off of the campaign outdated. It returns the report as written (as it was, when fn
// changed nothing), without reading it again. A save is two round trips:
// BEGIN with the locked read, the writes with COMMIT (InPipelinedTx) — or
// one, when the service holds the report as it stands (updateCurrent).
func (s *Store) UpdateReport(ctx context.Context, actor domain.Actor, id string, now time.Time, prepare Prepare, fn Mutation) (domain.Report, error) {
	const op = "store.UpdateReport"
	held, _ := s.values.Get(id) // what the cache held of the report
	if out, done, err := s.updateCurrent(ctx, actor, id, now, held, prepare, fn); done {
		return out, translate(op, err)
	}
	var (
		out  domain.Report
		cur  reportRow
		read cachedReport // what the read gave (or the cache)
		// written: the row this write made, kept once it commits.
		written cachedReport
	)
	var prevID *string
	if held.prevID != "" {
		prevID = &held.prevID
	}
	// The report, locked, with last year's accepted values, each left out
	// when the cache holds them: it goes to the server with the
	// transaction's begin.
	first := &pgx.Batch{}
	first.Queue(lockedReport, id, held.row.version, held.row.xmin, prevID, held.prev.version, held.prev.xmin).QueryRow(
		func(row pgx.Row) (err error) {
			var (
				pID      *string
				pVersion *int64
				pXmin    *uint32
				prevRaw  []byte
			)
			if cur, err = scanReport(row, &read.row.xmin, &read.campaignXmin, &read.placeXmin, &read.extensionID,
				&pID, &pVersion, &pXmin, &prevRaw); err != nil {
				return err
			}
			read.row.version = cur.Version
			if cur.Values == nil {
				cur.Values = held.values
			}
			read.values = cur.Values
			read.full, read.report = true, cur
			if pID == nil {
				return nil // no accepted report last year
			}
			read.prevID, read.prev = *pID, rowKey{version: *pVersion, xmin: *pXmin}
			if prevRaw == nil {
				read.prevV = held.prevV
				return nil
			}
			read.prevV, err = decodePrevious(prevRaw)
			return err
		})
	err := database.InPipelinedTx(ctx, s.pool, first, func(tx *database.PipelinedTx) error {
		s.values.Put(id, read)
		prev := read.prevV
		f, err := prepare(ctx, cur.Report, txReads{q: tx, prev: prev, prevFor: &cur.Report})
		if err != nil {
			return err
		}
		r := cur.Report
		events, err := fn(&r, cur.extended)
		if err != nil {
			return err
		}
		if len(events) == 0 {
			out = cur.Report
			return nil
		}
		_, remarks, submit, err := encodeReport(&r, false)
		if err != nil {
			return err
		}
		set, cleared, err := valuesChange(cur.Values, r.Values)
		if err != nil {
			return err
		}
		var stored *time.Time
		written = read
		// The report, its history rows and the municipality's signed summary,
		// no longer the one signed, in one statement and one round trip. The
		// times come back as the database keeps them (to the microsecond).
		batch := &pgx.Batch{}
		sql, args := reportWrite(id, &r, set, cleared, remarks, submit, actor, now, cur.Version+1, events, nil)
		batch.Queue(sql, args...).QueryRow(func(row pgx.Row) error {
			return row.Scan(&r.Version, &r.UpdateTime, &stored, &written.row.xmin)
		})
		// Only a change of status has notices, and only submitted and
		// accepted reports have contributions: a change that neither starts
		// nor ends in one of them leaves every sum. Without either, the
		// batch carries the commit too.
		status, sums := changesStatus(events), counts(cur.Status) || counts(r.Status)
		done := func() {
			r.SubmitTime = time.Time{}
			if stored != nil {
				r.SubmitTime = *stored
			}
			out = r
			written.row.version, written.values, written.report.Report = r.Version, r.Values, r
		}
		if !status && !sums {
			if err := tx.CommitWith(ctx, batch); err != nil {
				return err
			}
			done()
			return nil
		}
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return err
		}
		done()
		if err := enqueueReportNotices(ctx, tx.Tx, out, events, f, now); err != nil {
			return err
		}
		if sums {
			return s.contribute(ctx, tx.Tx, out, f)
		}
		return nil
	})
	if err != nil {
		return domain.Report{}, translate(op, err)
	}
	if written.values != nil {
		s.values.Put(id, written) // the row as committed (or, in a caller's transaction, as it will be)
		s.writes.locked.Add(1)
	}
	return out, nil
}

// updateCurrent is UpdateReport's one round trip: prepare and fn run on the
// report as the service holds it (held, full) and the change goes to the
// database as one statement that writes it only while every row that report
// was read from is unchanged (reportWritesCurrent), in a transaction of its
// own — or, when other saves come at once, of a group of them (writeGroups).
// done says it wrote the report (or the statement failed). Otherwise
// nothing was written and UpdateReport reads the report under lock and
// decides again from what it reads: a report not held, or changed since by
// anyone; a step fn refuses (a stale version among them) or that changes
// nothing; a change of status or of a report that counts in the aggregates
// (notices and contributions are written beside it); a call in a caller's
// transaction. So every answer is the one the locked read gives.
func (s *Store) updateCurrent(ctx context.Context, actor domain.Actor, id string, now time.Time, held cachedReport,
	prepare Prepare, fn Mutation) (out domain.Report, done bool, err error) {
	if _, pooled := s.db(ctx).(*pgxpool.Pool); !held.full || !pooled {
		return domain.Report{}, false, nil
	}
	cur := held.report
	if _, err := prepare(ctx, cur.Report, txReads{q: s.pool, prev: held.prevV, prevFor: &cur.Report}); err != nil {
		return domain.Report{}, false, nil
	}
	r := cur.Report
	events, err := fn(&r, cur.extended)
	if err != nil || len(events) == 0 || changesStatus(events) || counts(cur.Status) || counts(r.Status) {
		return domain.Report{}, false, nil
	}
	_, remarks, submit, err := encodeReport(&r, false)
	if err != nil {
		return domain.Report{}, true, err
	}
	set, cleared, err := valuesChange(cur.Values, r.Values)
	if err != nil {
		return domain.Report{}, true, err
	}
	var stored *time.Time
	written := held
	sql, args := reportWrite(id, &r, set, cleared, remarks, submit, actor, now, cur.Version+1, events, &held)
	err = s.groups.write(ctx, id, sql, args, &r.Version, &r.UpdateTime, &stored, &written.row.xmin)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Report{}, false, nil // a row changed: read it under lock
	}
	if err != nil {
		return domain.Report{}, true, err
	}
	r.SubmitTime = time.Time{}
	if stored != nil {
		r.SubmitTime = *stored
	}
	written.row.version, written.values, written.report.Report = r.Version, r.Values, r
	s.values.Put(id, written)
	s.writes.held.Add(1)
	return r, true, nil
}

// changesStatus reports whether a change's events change the report's
// status.
func changesStatus(events []domain.Event) bool {
	return slices.ContainsFunc(events, func(e domain.Event) bool { return e.Kind == "status" })
}

// counts reports whether a report in status st contributes to the aggregates.
func counts(st domain.Status) bool { return st == domain.Submitted || st == domain.Accepted }

// ReportFilter filters a campaign's reports.
type ReportFilter struct {
	CampaignID   string
	Status       domain.Status
	Municipality string
	Reach        identity.Reach
}

// ListReports lists a campaign's reports in organisation name order, with
// their values or (basic) without: then the values are never read.
func (s *Store) ListReports(ctx context.Context, f ReportFilter, after *ExpectedCursor, limit int, basic bool) ([]domain.Report, int, error) {
	const op = "store.ListReports"
	var w where
	w.Add("r.campaign_id = ?", f.CampaignID)
	w.orgScope("co", f.Reach)
	if f.Status != domain.StatusNone {
		w.Add("r.status = ?", int16(f.Status))
	}
	if f.Municipality != "" {
		w.Add("co.municipality_id = ?::uuid", f.Municipality)
	}
	var total int
	if err := s.db(ctx).QueryRow(ctx, `SELECT count(*) `+reportFrom+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, translate(op, err)
	}
	if after != nil {
		w.Add("(co.sort_key, co.organisation_id) > (?, ?::uuid)", after.SortKey, after.ID)
	}
	w.Args = append(w.Args, limit)
	cols := reportColumns
	if basic {
		cols = strings.Replace(cols, reportValues, `'{}'::jsonb`, 1)
	}
	rows, err := s.db(ctx).Query(ctx, fmt.Sprintf(`SELECT %s %s %s ORDER BY co.sort_key, co.organisation_id LIMIT $%d`,
		cols, reportFrom, w.SQL(), len(w.Args)), w.Args...)
	if err != nil {
		return nil, 0, translate(op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Report, error) {
		r, err := scanReport(row)
		return r.Report, err
	})
	return out, total, translate(op, err)
}

// HistoryCursor is the keyset position in a report's history.
type HistoryCursor struct {
	ID int64 `json:"i"`
}

// HistoryEvent is an event with its position.
type HistoryEvent struct {
	domain.Event
	ID int64
}

// History lists a report's events, oldest first.
func (s *Store) History(ctx context.Context, reportID string, after *HistoryCursor, limit int) ([]HistoryEvent, int, error) {
	const op = "store.History"
	var total int
	if err := s.db(ctx).QueryRow(ctx, `SELECT count(*) FROM report_events WHERE report_id = $1`, reportID).Scan(&total); err != nil {
		return nil, 0, translate(op, err)
	}
	var from int64
	if after != nil {
		from = after.ID
	}
	rows, err := s.db(ctx).Query(ctx, `SELECT id, time, account_id, login, kind, field, old_value, new_value, comment, late, version
		FROM report_events WHERE report_id = $1 AND id > $2 ORDER BY id LIMIT $3`, reportID, from, limit)
	if err != nil {
		return nil, 0, translate(op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (HistoryEvent, error) {
		var e HistoryEvent
		err := row.Scan(&e.ID, &e.Time, &e.Actor.AccountID, &e.Actor.Login, &e.Kind, &e.Field, &e.OldValue, &e.NewValue,
			&e.Comment, &e.Late, &e.Version)
		return e, err
	})
	return out, total, translate(op, err)
}
