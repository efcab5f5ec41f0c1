package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
	"github.com/nastavnik/nastavnik/services/indicators/internal/indicator"
)

// ExpectedIn reads the expected organisations of campaigns, with their
// reports and the deadlines in force: what a bulk import checks its batch
// against, in one round trip per batch.
func (s *Store) ExpectedIn(ctx context.Context, campaignIDs []string) ([]domain.Expected, error) {
	out, err := queryExpected(ctx, s.db(ctx), `SELECT `+expectedColumns+expectedFrom+`WHERE co.campaign_id = ANY($1::uuid[])`, campaignIDs)
	return out, translate("store.ExpectedIn", err)
}

// PreviousValuesOf returns, by organisation, the accepted values of the
// organisations' reports in a campaign of the year before with the form
// code (the newest campaign's, as PreviousValues).
func (s *Store) PreviousValuesOf(ctx context.Context, orgIDs []string, year int, formCode string) (map[string]map[string]form.Value, error) {
	const op = "store.PreviousValuesOf"
	// From each organisation's few expected rows (indexed by organisation)
	// to its reports by their unique key: no scan of every report.
	rows, err := s.db(ctx).Query(ctx, `SELECT DISTINCT ON (co.organisation_id) co.organisation_id::text, r."values"
		FROM unnest($1::uuid[]) AS o(id)
		JOIN campaign_organisations co ON co.organisation_id = o.id
		JOIN campaigns c ON c.id = co.campaign_id AND c.year = $2 AND c.form_code = $3
		JOIN reports r ON r.campaign_id = co.campaign_id AND r.organisation_id = co.organisation_id AND r.status = 4
		ORDER BY co.organisation_id, c.create_time DESC`, orgIDs, year-1, formCode)
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	out := map[string]map[string]form.Value{}
	for rows.Next() {
		var (
			id  string
			raw []byte
		)
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, translate(op, err)
		}
		v, err := decodePrevious(raw)
		if err != nil {
			return nil, translate(op, err)
		}
		out[id] = v
	}
	return out, translate(op, rows.Err())
}

// Imported is a report of a bulk import as it ends, with the events of its
// life (each with its time and version) and its form.
type Imported struct {
	Report domain.Report
	Events []domain.Event
	Form   form.Form
}

// ImportReports writes a batch of reports that do not exist yet, in one
// transaction: the reports and their history with COPY, their
// contributions, and the municipal sums and rollups changed by the batch's
// deltas (the same rows a single report's write changes, in the same fixed
// order, so a bulk load runs beside ordinary writes without deadlocks); the
// municipalities' sign-offs of the campaigns are outdated as a report's write
// outdates them. A report whose organisation already has one in its campaign
// is skipped and counted in existing. It sets the reports' ids.
func (s *Store) ImportReports(ctx context.Context, actor domain.Actor, batch []Imported, now time.Time) (imported, existing int, err error) {
	const op = "store.ImportReports"
	err = s.tx(ctx, func(tx pgx.Tx) error {
		imported, existing = 0, 0
		campaigns, orgs := make([]string, len(batch)), make([]string, len(batch))
		for i, b := range batch {
			campaigns[i], orgs[i] = b.Report.CampaignID, b.Report.Organisation.ID
		}
		rows, err := tx.Query(ctx, `SELECT r.campaign_id::text, r.organisation_id::text FROM reports r
			JOIN unnest($1::uuid[], $2::uuid[]) AS k(c, o) ON r.campaign_id = k.c AND r.organisation_id = k.o`, campaigns, orgs)
		if err != nil {
			return err
		}
		have := map[[2]string]bool{}
		for rows.Next() {
			var c, o string
			if err := rows.Scan(&c, &o); err != nil {
				rows.Close()
				return err
			}
			have[[2]string{c, o}] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var reportRows, eventRows, contribRows [][]any
		sums := sumDeltas{}
		type signature struct {
			year           int
			indicator, sig string
		}
		signatures := map[signature]bool{}
		signOffs := map[[2]string]string{}         // (campaign, municipality) → an organisation of the change
		forms := map[string][]indicator.Compiled{} // by form version, compiled once per batch
		for i := range batch {
			b := &batch[i]
			r := &b.Report
			if have[[2]string{r.CampaignID, r.Organisation.ID}] {
				existing++
				continue
			}
			have[[2]string{r.CampaignID, r.Organisation.ID}] = true
			imported++
			r.ID = uuid.NewString()
			values, remarks, submit, err := encodeReport(r, true)
			if err != nil {
				return err
			}
			reportRows = append(reportRows, []any{r.ID, r.CampaignID, r.Organisation.ID, int16(r.Status), string(values), r.CarriedOver,
				r.ReturnComment, string(remarks), r.Late, submit, r.ReopenReason, r.Version, r.CreateTime, r.UpdateTime})
			for _, e := range b.Events {
				eventRows = append(eventRows, []any{r.ID, e.Time, actor.AccountID, actor.Login, e.Kind, e.Field, e.OldValue, e.NewValue,
					e.Comment, e.Late, e.Version})
			}
			signOffs[[2]string{r.CampaignID, r.Organisation.MunicipalityID}] = r.Organisation.ID
			if !counts(r.Status) {
				continue
			}
			key := fmt.Sprintf("%s/%d", b.Form.Code, b.Form.Version)
			compiled, ok := forms[key]
			if !ok {
				if compiled, err = s.compiled(ctx, tx, b.Form); err != nil {
					return err
				}
				forms[key] = compiled
			}
			cons, err := contributionsOf(compiled, r.Values, r.Status == domain.Accepted, r.Organisation.MunicipalityID,
				r.Organisation.RegionCode)
			if err != nil {
				return err
			}
			for _, c := range cons {
				contribRows = append(contribRows, c.row(r.ID, r.Year, r.Organisation.ID))
				signatures[signature{r.Year, c.indicator, c.signature}] = true
				sums.add(r.Year, c, +1)
			}
		}
		if imported == 0 {
			return nil
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"reports"}, []string{"id", "campaign_id", "organisation_id", "status", "values",
			"carried_over", "return_comment", "remarks", "late", "submit_time", "reopen_reason", "version", "create_time", "update_time"},
			pgx.CopyFromRows(reportRows)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"report_events"}, reportEventColumns, pgx.CopyFromRows(eventRows)); err != nil {
			return err
		}
		if len(contribRows) > 0 {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"contributions"}, contributionColumns, pgx.CopyFromRows(contribRows)); err != nil {
				return err
			}
		}
		// The sums in the order every writer takes them (sumDeltas.queue).
		q := &pgx.Batch{}
		sums.queue(q)
		for k := range signatures {
			queueSignature(q, k.year, k.indicator, k.sig)
		}
		for k, org := range signOffs {
			sql, args := outdateSignOff(k[0], k[1], org, actor, now)
			q.Queue(sql, args...)
		}
		return tx.SendBatch(ctx, q).Close()
	})
	if err != nil {
		return 0, 0, translate(op, err)
	}
	return imported, existing, nil
}
