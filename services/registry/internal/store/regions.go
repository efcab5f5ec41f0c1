package store

import (
	"context"
	"errors"
	"fmt"
	"github.com/nastavnik/nastavnik/platform/identity"

	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

const regionColumns = `code, name, time_zone, version, create_time, update_time`

func scanRegion(row pgx.Row) (domain.Region, error) {
	var r domain.Region
	err := row.Scan(&r.Code, &r.Name, &r.TimeZone, &r.Version, &r.CreateTime, &r.UpdateTime)
	return r, err
}

// CreateRegion inserts a region. Creating an identical region again returns it
// unchanged (an idempotent retry); another region with the same code is a
// conflict.
func (s *Store) CreateRegion(ctx context.Context, actor domain.Actor, r domain.Region) (domain.Region, error) {
	const q = `INSERT INTO regions (code, name, time_zone) VALUES ($1, $2, $3)
		ON CONFLICT (code) DO NOTHING
		RETURNING ` + regionColumns
	var out domain.Region
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		var err error
		if out, err = scanRegion(tx.QueryRow(ctx, q, r.Code, r.Name, r.TimeZone)); err != nil {
			return nil, err
		}
		return []AuditEntry{{Action: "region.create", ObjectType: "region", ObjectID: r.Code, Region: r.Code,
			Details: map[string]string{"name": r.Name, "time_zone": r.TimeZone}}}, nil
	})
	if err == nil {
		return out, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return domain.Region{}, fmt.Errorf("store.CreateRegion: %w", database.Driver(err))
	}
	existing, err := s.GetRegion(ctx, r.Code)
	if err != nil {
		return domain.Region{}, err
	}
	if existing.Name != r.Name || existing.TimeZone != r.TimeZone {
		return domain.Region{}, fmt.Errorf("store.CreateRegion: %w", domain.ErrRegionInUse)
	}
	return existing, nil
}

// GetRegion reads one region.
func (s *Store) GetRegion(ctx context.Context, code string) (domain.Region, error) {
	r, err := scanRegion(s.db(ctx).QueryRow(ctx, `SELECT `+regionColumns+` FROM regions WHERE code = $1`, code))
	if err != nil {
		return domain.Region{}, notFound("store.GetRegion", err)
	}
	return r, nil
}

// ListRegions returns up to limit regions with codes after the given one
// that the reader holds or lies in (all of them for an operator).
func (s *Store) ListRegions(ctx context.Context, reach identity.Reach, after string, limit int) ([]domain.Region, error) {
	rows, err := s.db(ctx).Query(ctx, `SELECT `+regionColumns+` FROM regions WHERE code > $1 AND ($2 OR code = ANY($3))
		ORDER BY code LIMIT $4`, after, reach.All, reach.RelatedRegions(), limit)
	if err != nil {
		return nil, fmt.Errorf("store.ListRegions: %w", database.Driver(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Region, error) { return scanRegion(row) })
	if err != nil {
		return nil, fmt.Errorf("store.ListRegions: %w", database.Driver(err))
	}
	return out, nil
}

// UpdateRegion replaces name and time zone when r.Version is current.
func (s *Store) UpdateRegion(ctx context.Context, actor domain.Actor, r domain.Region) (domain.Region, error) {
	const q = `UPDATE regions SET name = $3, time_zone = $4, version = version + 1, update_time = now()
		WHERE code = $1 AND version = $2
		RETURNING ` + regionColumns
	var out domain.Region
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		old, err := scanRegion(tx.QueryRow(ctx, `SELECT `+regionColumns+` FROM regions WHERE code = $1 FOR UPDATE`, r.Code))
		if err != nil {
			return nil, err
		}
		if out, err = scanRegion(tx.QueryRow(ctx, q, r.Code, r.Version, r.Name, r.TimeZone)); err != nil {
			return nil, err
		}
		return []AuditEntry{{Action: "region.update", ObjectType: "region", ObjectID: r.Code, Region: r.Code,
			Details: map[string][]string{"name": {old.Name, r.Name}, "time_zone": {old.TimeZone, r.TimeZone}}}}, nil
	})
	if errors.Is(err, pgx.ErrNoRows) {
		if _, gerr := s.GetRegion(ctx, r.Code); gerr != nil {
			return domain.Region{}, gerr
		}
		return domain.Region{}, fmt.Errorf("store.UpdateRegion: %w", domain.ErrStale)
	}
	if err != nil {
		return domain.Region{}, fmt.Errorf("store.UpdateRegion: %w", database.Driver(err))
	}
	return out, nil
}
