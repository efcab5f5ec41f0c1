package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
)

// SignOffKey names a municipality's sign-off of a campaign;
// MunicipalityName is for the regional centre's notice of a signing.
type SignOffKey struct {
	CampaignID, MunicipalityID, RegionCode string
	MunicipalityName                       string
}

// SignOffStep changes a locked sign-off (a fresh one, never signed, when it
// has no row) given the municipality's completeness now, and returns the
// event of the change.
type SignOffStep func(s *domain.SignOff, now domain.Counts) (domain.SignOffEvent, error)

// ChangeSignOff runs step on a municipality's sign-off in one transaction:
// it first takes a share lock on the municipality's reports of the campaign
// (a report write in flight finishes first; the next one waits for this
// transaction and then finds the new signing to outdate), reads the
// completeness now, reads the sign-off locked, applies step and writes the
// sign-off with its event; a signing also writes the regional centre's
// notice (notices.SignedOff) into the outbox.
func (s *Store) ChangeSignOff(ctx context.Context, key SignOffKey, step SignOffStep) (domain.SignOff, error) {
	const op = "store.ChangeSignOff"
	var out domain.SignOff
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM reports r JOIN campaign_organisations co
				ON co.campaign_id = r.campaign_id AND co.organisation_id = r.organisation_id
			WHERE r.campaign_id = $1 AND co.municipality_id = $2 FOR SHARE OF r`, key.CampaignID, key.MunicipalityID); err != nil {
			return err
		}
		tally, err := countStandings(ctx, tx, ExpectedFilter{CampaignID: key.CampaignID, Municipality: key.MunicipalityID,
			Reach: identity.Reach{All: true}}, time.Time{})
		if err != nil {
			return err
		}
		counts := tally.Total
		list, err := listSignOffs(ctx, tx, `WHERE s.campaign_id = $1 AND s.municipality_id = $2 FOR UPDATE OF s`,
			key.CampaignID, key.MunicipalityID)
		if err != nil {
			return err
		}
		so := domain.SignOff{CampaignID: key.CampaignID, MunicipalityID: key.MunicipalityID, RegionCode: key.RegionCode}
		if len(list) == 1 {
			so = list[0]
		}
		based := so.Version
		e, err := step(&so, counts)
		if err != nil {
			return err
		}
		if err := writeSignOff(ctx, tx, so, based); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sign_off_events (campaign_id, municipality_id, kind, time, account_id, login, comment, counts)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, so.CampaignID, so.MunicipalityID, e.Kind, e.Time, e.Actor.AccountID,
			e.Actor.Login, e.Comment, countsArray(e.Counts)); err != nil {
			return err
		}
		if e.Kind == domain.SignOffSigned {
			if err := enqueueSignedOff(ctx, tx, key, so, e.Time); err != nil {
				return err
			}
		}
		out = so
		return nil
	})
	if err != nil {
		return domain.SignOff{}, translate(op, err)
	}
	return out, nil
}

// writeSignOff stores a sign-off read at version based (0: it had no row).
func writeSignOff(ctx context.Context, tx pgx.Tx, so domain.SignOff, based int64) error {
	c := so.Counts
	args := []any{so.CampaignID, so.MunicipalityID, so.RegionCode, int16(so.State), c.Expected, c.OnTime, c.Late, c.Missing,
		c.Submitted, c.Returned, c.Accepted, so.Comment, so.Signer.AccountID, so.Signer.Login, so.SignTime,
		so.BackComment, so.BackBy.AccountID, so.BackBy.Login, nullTime(so.BackTime), nullTime(so.OutdateTime), so.Version}
	if based == 0 {
		// Two first signings at once: the second finds the row and is stale.
		tag, err := tx.Exec(ctx, `INSERT INTO sign_offs (campaign_id, municipality_id, region_code, state, expected, on_time, late,
				missing, submitted, returned, accepted, comment, account_id, login, sign_time, back_comment, back_account_id,
				back_login, back_time, outdate_time, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
			ON CONFLICT (campaign_id, municipality_id) DO NOTHING`, args...)
		if err == nil && tag.RowsAffected() == 0 {
			return domain.ErrStale
		}
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE sign_offs SET region_code = $3, state = $4, expected = $5, on_time = $6, late = $7, missing = $8,
			submitted = $9, returned = $10, accepted = $11, comment = $12, account_id = $13, login = $14, sign_time = $15,
			back_comment = $16, back_account_id = $17, back_login = $18, back_time = $19, outdate_time = $20, version = $21
		WHERE campaign_id = $1 AND municipality_id = $2`, args...)
	return err
}

// outdateSignOffCTE marks the municipality's sign-off of the campaign
// outdated by a change of an organisation's report, in the report's
// transaction: two common table expressions (o, so) of one statement on the
// sign-off's primary key, writing its event only when the state was
// domain.OutdatedFrom. Its arguments (outdateSignOffArgs) start at $1; a
// statement that has arguments of its own before them shifts it (shift).
// Its …When form writes only while a condition holds (%[1]s: writeAlways,
// writeWithU; see eventInsertOneWhen).
const outdateSignOffCTEWhen = `o AS (
			UPDATE sign_offs SET state = $3, outdate_time = $4, version = version + 1
			WHERE campaign_id = $1 AND municipality_id = $2 AND state = $5 AND %[1]s
			RETURNING campaign_id, municipality_id),
		so AS (INSERT INTO sign_off_events (campaign_id, municipality_id, kind, time, account_id, login, organisation_id)
			SELECT campaign_id, municipality_id, $6, $4, $7, $8, $9 FROM o)`

func outdateSignOffArgs(campaignID, municipalityID, organisationID string, actor domain.Actor, now time.Time) []any {
	return []any{campaignID, municipalityID, int16(domain.Outdated), now, int16(domain.OutdatedFrom), domain.SignOffOutdated,
		actor.AccountID, actor.Login, organisationID}
}

// outdateSignOff is outdateSignOffCTE as a statement of its own (the bulk
// import queues one per sign-off).
func outdateSignOff(campaignID, municipalityID, organisationID string, actor domain.Actor, now time.Time) (string, []any) {
	return `WITH ` + fmt.Sprintf(outdateSignOffCTEWhen, writeAlways) + ` SELECT`, outdateSignOffArgs(campaignID, municipalityID, organisationID, actor, now)
}

// SignOffFilter chooses sign-offs.
type SignOffFilter struct {
	CampaignID   string
	Year         int
	Region       string
	Municipality string
	Reach        identity.Reach
}

// ListSignOffs lists the sign-offs of the filter that the reader is related
// to (a municipality's methodologist and curators, its region's centre), by
// municipality, then newest campaign first, each with its history.
func (s *Store) ListSignOffs(ctx context.Context, f SignOffFilter) ([]domain.SignOff, error) {
	var w where
	w.municipalScope("s", f.Reach.All, f.Reach.Regions, f.Reach.RelatedMunicipalities(), f.Region, f.Municipality)
	if f.CampaignID != "" {
		w.Add("s.campaign_id = ?", f.CampaignID)
	}
	if f.Year != 0 {
		w.Add("s.campaign_id IN (SELECT id FROM campaigns WHERE year = ?)", f.Year)
	}
	out, err := listSignOffs(ctx, s.db(ctx), w.SQL()+` ORDER BY s.municipality_id, c.year DESC, c.create_time DESC, c.id`, w.Args...)
	return out, translate("store.ListSignOffs", err)
}

// listSignOffs reads the sign-offs of a condition on sign_offs s (and
// campaigns c), then their histories.
func listSignOffs(ctx context.Context, q database.Querier, cond string, args ...any) ([]domain.SignOff, error) {
	rows, err := q.Query(ctx, `SELECT s.campaign_id::text, s.municipality_id::text, s.region_code, s.state, s.expected, s.on_time,
			s.late, s.missing, s.submitted, s.returned, s.accepted, s.comment, s.account_id, s.login, s.sign_time, s.back_comment,
			s.back_account_id, s.back_login, s.back_time, s.outdate_time, s.version
		FROM sign_offs s JOIN campaigns c ON c.id = s.campaign_id `+cond, args...)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.SignOff, error) {
		var (
			so             domain.SignOff
			state          int16
			back, outdate  *time.Time
			c              = &so.Counts
			signer, backer = &so.Signer, &so.BackBy
		)
		err := row.Scan(&so.CampaignID, &so.MunicipalityID, &so.RegionCode, &state, &c.Expected, &c.OnTime, &c.Late, &c.Missing,
			&c.Submitted, &c.Returned, &c.Accepted, &so.Comment, &signer.AccountID, &signer.Login, &so.SignTime, &so.BackComment,
			&backer.AccountID, &backer.Login, &back, &outdate, &so.Version)
		so.State = domain.SignOffState(state)
		if back != nil {
			so.BackTime = *back
		}
		if outdate != nil {
			so.OutdateTime = *outdate
		}
		return so, err
	})
	if err != nil || len(list) == 0 {
		return list, err
	}
	campaigns, muns := make([]string, len(list)), make([]string, len(list))
	at := map[[2]string]int{}
	for i, so := range list {
		campaigns[i], muns[i] = so.CampaignID, so.MunicipalityID
		at[[2]string{so.CampaignID, so.MunicipalityID}] = i
	}
	erows, err := q.Query(ctx, `SELECT e.campaign_id::text, e.municipality_id::text, e.kind, e.time, e.account_id, e.login, e.comment,
			e.counts, COALESCE(e.organisation_id::text, '')
		FROM sign_off_events e JOIN unnest($1::uuid[], $2::uuid[]) AS k(c, m) ON e.campaign_id = k.c AND e.municipality_id = k.m
		ORDER BY e.id`, campaigns, muns)
	if err != nil {
		return nil, err
	}
	for erows.Next() {
		var (
			c, m   string
			e      domain.SignOffEvent
			counts []int32
		)
		if err := erows.Scan(&c, &m, &e.Kind, &e.Time, &e.Actor.AccountID, &e.Actor.Login, &e.Comment, &counts, &e.OrganisationID); err != nil {
			erows.Close()
			return nil, err
		}
		if e.Counts, err = countsOf(counts); err != nil {
			erows.Close()
			return nil, err
		}
		i := at[[2]string{c, m}]
		list[i].Events = append(list[i].Events, e)
	}
	return list, erows.Err()
}

// countsArray and countsOf store a completeness as an array: expected,
// on time, late, missing, submitted, returned, accepted.
func countsArray(c domain.Counts) []int32 {
	if c == (domain.Counts{}) {
		return []int32{}
	}
	return []int32{int32(c.Expected), int32(c.OnTime), int32(c.Late), int32(c.Missing), int32(c.Submitted), int32(c.Returned), int32(c.Accepted)}
}

func countsOf(a []int32) (domain.Counts, error) {
	switch len(a) {
	case 0:
		return domain.Counts{}, nil
	case 7:
		return domain.Counts{Expected: int(a[0]), OnTime: int(a[1]), Late: int(a[2]), Missing: int(a[3]), Submitted: int(a[4]),
			Returned: int(a[5]), Accepted: int(a[6])}, nil
	}
	return domain.Counts{}, fmt.Errorf("sign-off event counts: %d numbers, want 7", len(a))
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
