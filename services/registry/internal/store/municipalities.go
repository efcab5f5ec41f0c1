package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/russian"
	"github.com/nastavnik/nastavnik/platform/validation"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

const municipalityColumns = `m.id, m.region_code, m.name, m.kind, m.time_zone,
	COALESCE(NULLIF(m.time_zone, ''), r.time_zone), m.oktmo, m.version, m.create_time, m.update_time`

const municipalityFrom = ` FROM municipalities m JOIN regions r ON r.code = m.region_code `

func scanMunicipality(row pgx.Row) (domain.Municipality, error) {
	var m domain.Municipality
	var kind int16
	err := row.Scan(&m.ID, &m.RegionCode, &m.Name, &kind, &m.TimeZone, &m.EffectiveTimeZone,
		&m.OKTMO, &m.Version, &m.CreateTime, &m.UpdateTime)
	m.Kind = domain.MunicipalityKind(kind)
	return m, err
}

// municipalityErr translates constraint violations of municipality writes.
func municipalityErr(op string, err error) error {
	switch {
	case database.IsUniqueViolation(err, "municipalities_region_name_key"):
		return fmt.Errorf("%s: %w", op, domain.ErrNameTaken)
	case database.IsUniqueViolation(err, "municipalities_oktmo_key"):
		return fmt.Errorf("%s: %w", op, validation.Field("oktmo", validation.New("oktmo_taken")))
	case database.IsForeignKeyViolation(err):
		return fmt.Errorf("%s: %w", op, validation.Field("region_code", validation.NotFound("region")))
	}
	return notFound(op, err)
}

// CreateMunicipality inserts a municipality. A retry with the same requestID
// returns the municipality the first call created.
func (s *Store) CreateMunicipality(ctx context.Context, actor domain.Actor, m domain.Municipality, requestID string) (domain.Municipality, error) {
	const op = "store.CreateMunicipality"
	var rid *string
	if requestID != "" {
		rid = &requestID
	}
	var id string
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		err := tx.QueryRow(ctx, `INSERT INTO municipalities
		(id, region_code, name, search_key, sort_key, kind, time_zone, oktmo, create_request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (create_request_id) DO NOTHING
		RETURNING id`,
			uuid.New(), m.RegionCode, m.Name, russian.SearchKey(m.Name), russian.SortKey(m.Name), int16(m.Kind), m.TimeZone, m.OKTMO, rid).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) { // a retry: the first call created it
			return nil, tx.QueryRow(ctx, `SELECT id FROM municipalities WHERE create_request_id = $1`, rid).Scan(&id)
		}
		if err != nil {
			return nil, err
		}
		return []AuditEntry{{Action: "municipality.create", ObjectType: "municipality", ObjectID: id, Region: m.RegionCode,
			MunicipalityID: id, Details: map[string]any{"name": m.Name, "kind": m.Kind, "time_zone": m.TimeZone, "oktmo": m.OKTMO}}}, nil
	})
	if err != nil {
		return domain.Municipality{}, municipalityErr(op, err)
	}
	return s.GetMunicipality(ctx, id)
}

// GetMunicipality reads one municipality.
func (s *Store) GetMunicipality(ctx context.Context, id string) (domain.Municipality, error) {
	m, err := scanMunicipality(s.db(ctx).QueryRow(ctx, `SELECT `+municipalityColumns+municipalityFrom+`WHERE m.id = $1`, id))
	if err != nil {
		return domain.Municipality{}, notFound("store.GetMunicipality", err)
	}
	return m, nil
}

// MunicipalityFilter selects municipalities; zero fields do not filter.
// Unless All, only municipalities of the listed regions or with the listed ids
// are visible.
type MunicipalityFilter struct {
	RegionCode string `json:"r,omitempty"`
	Query      string `json:"q,omitempty"`
	// Reach limits the list to what the reader may see: its regions'
	// municipalities and the municipalities it holds or lies in.
	Reach identity.Reach `json:"-"`
}

// NameCursor is the position after the last row of a page ordered by the sort
// key of its name, then id.
type NameCursor struct {
	SortKey string `json:"k"`
	ID      string `json:"i"`
}

// ListMunicipalities returns up to limit municipalities after the cursor
// (nil: from the start) in name order, and how many match in all. A first
// page shorter than limit is all of them: then nothing is counted.
func (s *Store) ListMunicipalities(ctx context.Context, f MunicipalityFilter, after *NameCursor, limit int) ([]domain.Municipality, int, error) {
	const op = "store.ListMunicipalities"
	var w where
	// A region asked that the reach holds is the reach's condition
	// already (a regional centre's page of its region): the statement then
	// has no arrays for PostgreSQL to plan at every execution.
	if !f.Reach.All && (f.RegionCode == "" || !slices.Contains(f.Reach.Regions, f.RegionCode)) {
		// m.id compared as a uuid, which the primary key answers (as
		// text it read every municipality of the country on every
		// methodologist's page); an id that is not a UUID matches nothing.
		var ids []string
		for _, id := range f.Reach.RelatedMunicipalities() {
			if len(id) == 36 && uuid.Validate(id) == nil {
				ids = append(ids, id)
			}
		}
		w.Add("(m.region_code = ANY(?) OR m.id = ANY(?::uuid[]))", f.Reach.Regions, ids)
	}
	if f.RegionCode != "" {
		w.Add("m.region_code = ?", f.RegionCode)
	}
	if f.Query != "" {
		w.Add(`m.search_key LIKE '%' || ? || '%'`, database.LikeEscape(f.Query))
	}
	count := func() (total int, err error) {
		err = s.db(ctx).QueryRow(ctx, `SELECT count(*) FROM municipalities m `+w.SQL(), w.Args...).Scan(&total)
		return total, err
	}
	page := w
	page.Args = slices.Clone(w.Args)
	page.Conds = slices.Clone(w.Conds)
	if after != nil {
		page.Add("(m.sort_key, m.id) > (?, ?)", after.SortKey, after.ID)
	}
	page.Args = append(page.Args, limit)
	q := fmt.Sprintf(`SELECT %s %s %s ORDER BY m.sort_key, m.id LIMIT $%d`, municipalityColumns, municipalityFrom, page.SQL(), len(page.Args))
	rows, err := s.db(ctx).Query(ctx, q, page.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Municipality, error) { return scanMunicipality(row) })
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	if after == nil && len(out) < limit {
		return out, len(out), nil
	}
	total, err := count()
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	return out, total, nil
}

// UpdateMunicipality replaces name, kind, time zone and OKTMO when m.Version is
// current.
func (s *Store) UpdateMunicipality(ctx context.Context, actor domain.Actor, m domain.Municipality) (domain.Municipality, error) {
	const op = "store.UpdateMunicipality"
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		old, err := scanMunicipality(tx.QueryRow(ctx, `SELECT `+municipalityColumns+municipalityFrom+`WHERE m.id = $1 FOR UPDATE OF m`, m.ID))
		if err != nil {
			return nil, err
		}
		if old.Version != m.Version {
			return nil, domain.ErrStale
		}
		_, err = tx.Exec(ctx, `UPDATE municipalities
		SET name = $3, search_key = $4, sort_key = $5, kind = $6, time_zone = $7, oktmo = $8,
		    version = version + 1, update_time = now()
		WHERE id = $1 AND version = $2`,
			m.ID, m.Version, m.Name, russian.SearchKey(m.Name), russian.SortKey(m.Name), int16(m.Kind), m.TimeZone, m.OKTMO)
		if err != nil {
			return nil, err
		}
		return []AuditEntry{{Action: "municipality.update", ObjectType: "municipality", ObjectID: m.ID, Region: old.RegionCode,
			MunicipalityID: m.ID, Details: map[string]any{
				"name": []string{old.Name, m.Name}, "kind": []domain.MunicipalityKind{old.Kind, m.Kind},
				"time_zone": []string{old.TimeZone, m.TimeZone}, "oktmo": []string{old.OKTMO, m.OKTMO}}}}, nil
	})
	if err != nil {
		return domain.Municipality{}, municipalityErr(op, err)
	}
	return s.GetMunicipality(ctx, m.ID)
}
