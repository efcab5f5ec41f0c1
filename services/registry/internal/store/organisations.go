package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/russian"
	"github.com/nastavnik/nastavnik/platform/validation"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

const organisationColumns = `o.id, o.municipality_id, m.region_code, o.full_name, o.short_name, o.inn, o.kind,
	o.time_zone, COALESCE(NULLIF(o.time_zone, ''), NULLIF(m.time_zone, ''), r.time_zone),
	o.address, o.curator_name, o.curator_email, o.curator_phone,
	o.opened_on, o.closed_on, o.closure_reason, o.successor_id,
	o.version, o.create_time, o.update_time`

const organisationFrom = ` FROM organisations o
	JOIN municipalities m ON m.id = o.municipality_id
	JOIN regions r ON r.code = m.region_code `

func scanOrganisation(row pgx.Row) (domain.Organisation, error) {
	var (
		o                  domain.Organisation
		kind, reason       int16
		openedOn, closedOn *time.Time
		successor          *string
	)
	err := row.Scan(&o.ID, &o.MunicipalityID, &o.RegionCode, &o.FullName, &o.ShortName, &o.INN, &kind,
		&o.TimeZone, &o.EffectiveTimeZone, &o.Address, &o.Curator.Name, &o.Curator.Email, &o.Curator.Phone,
		&openedOn, &closedOn, &reason, &successor, &o.Version, &o.CreateTime, &o.UpdateTime)
	o.Kind = domain.OrganisationKind(kind)
	o.ClosureReason = domain.ClosureReason(reason)
	if openedOn != nil {
		o.OpenedOn = *openedOn
	}
	if closedOn != nil {
		o.ClosedOn = *closedOn
	}
	if successor != nil {
		o.SuccessorID = *successor
	}
	return o, err
}

// organisationErr translates constraint violations of organisation writes.
func organisationErr(op string, err error) error {
	switch {
	case database.IsUniqueViolation(err, "organisations_inn_key"):
		return fmt.Errorf("%s: %w", op, domain.ErrDuplicateINN)
	case database.IsForeignKeyViolation(err):
		return fmt.Errorf("%s: %w", op, validation.Field("municipality_id", validation.NotFound("municipality")))
	}
	return notFound(op, err)
}

func nullDate(d time.Time) *time.Time {
	if d.IsZero() {
		return nil
	}
	return &d
}

const insertOrganisation = `INSERT INTO organisations
	(id, municipality_id, full_name, short_name, search_key, sort_key, inn, kind, time_zone, address,
	 curator_name, curator_email, curator_phone, opened_on, create_request_id)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
	ON CONFLICT (create_request_id) DO NOTHING
	RETURNING id`

func insertArgs(o domain.Organisation, requestID *string) []any {
	return []any{uuid.New(), o.MunicipalityID, o.FullName, o.ShortName, organisationSearchKey(o), russian.SortKey(o.ShortName), o.INN,
		int16(o.Kind), o.TimeZone, o.Address, o.Curator.Name, o.Curator.Email, o.Curator.Phone,
		nullDate(o.OpenedOn), requestID}
}

func organisationSearchKey(o domain.Organisation) string {
	return russian.SearchKey(o.ShortName, o.FullName)
}

// CreateOrganisation inserts an organisation. A retry with the same requestID
// returns the organisation the first call created.
func (s *Store) CreateOrganisation(ctx context.Context, actor domain.Actor, o domain.Organisation, requestID string) (domain.Organisation, error) {
	const op = "store.CreateOrganisation"
	var rid *string
	if requestID != "" {
		rid = &requestID
	}
	var id string
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		err := tx.QueryRow(ctx, insertOrganisation, insertArgs(o, rid)...).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) { // a retry: the first call created it
			return nil, tx.QueryRow(ctx, `SELECT id FROM organisations WHERE create_request_id = $1`, rid).Scan(&id)
		}
		if err != nil {
			return nil, err
		}
		o.ID = id
		return []AuditEntry{organisationEntry("organisation.create", o, organisationFields(o))}, nil
	})
	if err != nil {
		return domain.Organisation{}, organisationErr(op, err)
	}
	return s.GetOrganisation(ctx, id)
}

// GetOrganisation reads one organisation.
func (s *Store) GetOrganisation(ctx context.Context, id string) (domain.Organisation, error) {
	return getOrganisation(ctx, s.db(ctx), id, "")
}

func getOrganisation(ctx context.Context, q database.Querier, id, lock string) (domain.Organisation, error) {
	o, err := scanOrganisation(q.QueryRow(ctx, `SELECT `+organisationColumns+organisationFrom+`WHERE o.id = $1 `+lock, id))
	if err != nil {
		return domain.Organisation{}, notFound("store.GetOrganisation", err)
	}
	return o, nil
}

const updateOrganisation = `UPDATE organisations SET
	full_name = $3, short_name = $4, search_key = $5, sort_key = $6, inn = $7, kind = $8, time_zone = $9,
	address = $10, curator_name = $11, curator_email = $12, curator_phone = $13, opened_on = $14,
	version = version + 1, update_time = now()
	WHERE id = $1 AND version = $2`

func updateArgs(o domain.Organisation) []any {
	return []any{o.ID, o.Version, o.FullName, o.ShortName, organisationSearchKey(o), russian.SortKey(o.ShortName), o.INN, int16(o.Kind),
		o.TimeZone, o.Address, o.Curator.Name, o.Curator.Email, o.Curator.Phone, nullDate(o.OpenedOn)}
}

// UpdateOrganisation replaces the editable fields when o.Version is current;
// otherwise nothing is written and ErrStale returned.
func (s *Store) UpdateOrganisation(ctx context.Context, actor domain.Actor, o domain.Organisation) (domain.Organisation, error) {
	const op = "store.UpdateOrganisation"
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		old, err := getOrganisation(ctx, tx, o.ID, "FOR UPDATE OF o")
		if err != nil {
			return nil, err
		}
		if old.Version != o.Version {
			return nil, domain.ErrStale
		}
		if _, err := tx.Exec(ctx, updateOrganisation, updateArgs(o)...); err != nil {
			return nil, err
		}
		return []AuditEntry{organisationEntry("organisation.update", old, fieldChanges(organisationFields(old), organisationFields(o)))}, nil
	})
	if err != nil {
		return domain.Organisation{}, organisationErr(op, err)
	}
	return s.GetOrganisation(ctx, o.ID)
}

func organisationEntry(action string, o domain.Organisation, details any) AuditEntry {
	return AuditEntry{Action: action, ObjectType: "organisation", ObjectID: o.ID, Region: o.RegionCode,
		MunicipalityID: o.MunicipalityID, Details: details}
}

// organisationFields are the editable fields as the audit log shows them.
func organisationFields(o domain.Organisation) map[string]string {
	return map[string]string{
		"full_name": o.FullName, "short_name": o.ShortName, "inn": o.INN, "kind": fmt.Sprint(int(o.Kind)),
		"time_zone": o.TimeZone, "address": o.Address, "curator.name": o.Curator.Name,
		"curator.email": o.Curator.Email, "curator.phone": o.Curator.Phone, "opened_on": dates.Format(o.OpenedOn),
	}
}

// fieldChanges lists the fields that differ as field → [old, new].
func fieldChanges(before, after map[string]string) map[string][2]string {
	out := map[string][2]string{}
	for k, v := range after {
		if before[k] != v {
			out[k] = [2]string{before[k], v}
		}
	}
	return out
}

// ListOrganisations returns up to limit organisations after the cursor (nil:
// from the start) in short-name order, and how many match in all.
func (s *Store) ListOrganisations(ctx context.Context, f domain.OrganisationFilter, after *NameCursor, limit int) ([]domain.Organisation, int, error) {
	const op = "store.ListOrganisations"
	var w where
	if v := f.Visible; !v.All {
		w.Add("(m.region_code = ANY(?) OR o.municipality_id::text = ANY(?) OR o.id::text = ANY(?))",
			v.Regions, v.Municipalities, v.Organisations)
	}
	if f.RegionCode != "" {
		w.Add("m.region_code = ?", f.RegionCode)
	}
	if f.MunicipalityID != "" {
		w.Add("o.municipality_id = ?", f.MunicipalityID)
	}
	if f.Kind != domain.KindUnspecified {
		w.Add("o.kind = ?", int16(f.Kind))
	}
	switch f.Status {
	case domain.StatusOpen:
		w.Add("o.closed_on IS NULL")
	case domain.StatusClosed:
		w.Add("o.closed_on IS NOT NULL")
	}
	if f.Query != "" {
		w.Add(`(o.search_key LIKE '%' || ? || '%' OR o.inn LIKE ? || '%')`, database.LikeEscape(f.Query), database.LikeEscape(f.Query))
	}
	if !f.OpenOn.IsZero() {
		w.Add("(o.opened_on IS NULL OR o.opened_on <= ?) AND (o.closed_on IS NULL OR o.closed_on > ?)", f.OpenOn, f.OpenOn)
	}
	var total int
	if err := s.db(ctx).QueryRow(ctx, `SELECT count(*) FROM organisations o JOIN municipalities m ON m.id = o.municipality_id `+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	if after != nil {
		w.Add("(o.sort_key, o.id) > (?, ?)", after.SortKey, after.ID)
	}
	w.Args = append(w.Args, limit)
	q := fmt.Sprintf(`SELECT %s %s %s ORDER BY o.sort_key, o.id LIMIT $%d`, organisationColumns, organisationFrom, w.SQL(), len(w.Args))
	rows, err := s.db(ctx).Query(ctx, q, w.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Organisation, error) { return scanOrganisation(row) })
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	return out, total, nil
}

// CloseOrganisation records a closure. The organisation must be open at
// c.Version; a successor must exist and be open on the closing date.
// The successor must be one canSee reports true for.
func (s *Store) CloseOrganisation(ctx context.Context, actor domain.Actor, c domain.Closure, canSee func(domain.Organisation) bool) (domain.Organisation, error) {
	const op = "store.CloseOrganisation"
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		o, err := getOrganisation(ctx, tx, c.ID, "FOR UPDATE OF o")
		if err != nil {
			return nil, err
		}
		if o.Version != c.Version {
			return nil, domain.ErrStale
		}
		if o.Status() == domain.StatusClosed {
			return nil, domain.ErrAlreadyClosed
		}
		if err := c.Validate(o); err != nil {
			return nil, err
		}
		if c.SuccessorID != "" {
			succ, err := getOrganisation(ctx, tx, c.SuccessorID, "FOR SHARE OF o")
			if errors.Is(err, domain.ErrNotFound) || err == nil && !canSee(succ) {
				return nil, validation.Field("successor_id", validation.NotFound("organisation"))
			}
			if err != nil {
				return nil, err
			}
			if !succ.OpenOn(c.ClosedOn) {
				return nil, validation.Field("successor_id", validation.New("successor_state"))
			}
		}
		var successor *string
		if c.SuccessorID != "" {
			successor = &c.SuccessorID
		}
		if _, err = tx.Exec(ctx, `UPDATE organisations
			SET closed_on = $2, closure_reason = $3, successor_id = $4, version = version + 1, update_time = now()
			WHERE id = $1`, c.ID, c.ClosedOn, int16(c.Reason), successor); err != nil {
			return nil, err
		}
		return []AuditEntry{organisationEntry("organisation.close", o, map[string]any{
			"closed_on": dates.Format(c.ClosedOn), "reason": int(c.Reason), "successor_id": c.SuccessorID})}, nil
	})
	if err != nil {
		return domain.Organisation{}, fmt.Errorf("%s: %w", op, err)
	}
	return s.GetOrganisation(ctx, c.ID)
}
