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
	"github.com/nastavnik/nastavnik/services/roadmap/internal/domain"
)

// Create saves a new roadmap with its content. With a request id, a repeated
// call by the same actor returns the roadmap the first one created.
func (s *Store) Create(ctx context.Context, actor, requestID string, r domain.Roadmap) (domain.Roadmap, error) {
	const op = "store.Create"
	var out domain.Roadmap
	err := database.InTx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		r.ID = uuid.NewString()
		var id string
		err := tx.QueryRow(ctx, `INSERT INTO roadmap (id, owner_kind, region, municipality, organisation, owner_name, time_zone,
			title, period_start, period_end, version, request_id, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12)
			ON CONFLICT (created_by, request_id) WHERE request_id IS NOT NULL DO NOTHING RETURNING id`,
			r.ID, r.Owner.Kind.String(), r.Owner.Region, nullString(r.Owner.Municipality), nullString(r.Owner.Organisation),
			r.Owner.Name, r.Owner.TimeZone, r.Title, r.Period.Start, r.Period.End, nullString(requestID), actor).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			// The same request was made before: answer with what it created.
			if err := tx.QueryRow(ctx, `SELECT id FROM roadmap WHERE created_by = $1 AND request_id = $2`, actor, requestID).Scan(&id); err != nil {
				return err
			}
			out, err = load(ctx, tx, id, "")
			return err
		}
		if err != nil {
			return err
		}
		r.Renumber()
		if err := save(ctx, tx, &r); err != nil {
			return err
		}
		out, err = load(ctx, tx, r.ID, "")
		return err
	})
	if err != nil {
		return domain.Roadmap{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// Get reads a roadmap with everything in it.
func (s *Store) Get(ctx context.Context, id string) (domain.Roadmap, error) {
	r, err := load(ctx, s.db(ctx), id, "")
	if err != nil {
		return r, fmt.Errorf("store.Get: %w", database.Driver(err))
	}
	return r, nil
}

// Mutate changes a roadmap under its row lock: the version must be the one
// given, fn changes the roadmap in memory, and the store writes it back with
// the next version.
func (s *Store) Mutate(ctx context.Context, id string, version int64, fn func(*domain.Roadmap) error) (domain.Roadmap, error) {
	const op = "store.Mutate"
	var out domain.Roadmap
	err := database.InTx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		r, err := load(ctx, tx, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		if r.Version != version {
			return domain.ErrStale
		}
		if err := fn(&r); err != nil {
			return err
		}
		if err := save(ctx, tx, &r); err != nil {
			return err
		}
		out, err = load(ctx, tx, id, "")
		return err
	})
	if err != nil {
		return domain.Roadmap{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// Owner reads the owner of a roadmap, without its content.
func (s *Store) Owner(ctx context.Context, id string) (domain.Owner, error) {
	var (
		o    domain.Owner
		kind string
	)
	err := s.db(ctx).QueryRow(ctx, `SELECT owner_kind, region, COALESCE(municipality::text, ''), COALESCE(organisation::text, ''),
		owner_name, time_zone FROM roadmap WHERE id = $1`, id).Scan(&kind, &o.Region, &o.Municipality, &o.Organisation, &o.Name, &o.TimeZone)
	if err != nil {
		return o, notFound("store.Owner", err)
	}
	o.Kind = domain.ParseOwnerKind(kind)
	return o, nil
}

// RoadmapOf returns the id of the roadmap an item or a stage belongs to.
func (s *Store) RoadmapOf(ctx context.Context, itemID, stageID string) (string, error) {
	var id string
	var err error
	if itemID != "" {
		err = s.db(ctx).QueryRow(ctx, `SELECT roadmap_id FROM item WHERE id = $1`, itemID).Scan(&id)
	} else {
		err = s.db(ctx).QueryRow(ctx, `SELECT roadmap_id FROM stage WHERE id = $1`, stageID).Scan(&id)
	}
	if err != nil {
		return "", notFound("store.RoadmapOf", err)
	}
	return id, nil
}

// Filter selects roadmaps.
type Filter struct {
	Reach        identity.Reach
	Region       string
	Municipality string
	Organisation string
}

// Cursor is the position after the last roadmap of a page.
type Cursor struct {
	PeriodStart time.Time `json:"p"`
	ID          string    `json:"i"`
}

// List lists roadmaps without their content, newest period first.
func (s *Store) List(ctx context.Context, f Filter, after *Cursor, limit int) ([]domain.Roadmap, error) {
	var w where
	w.reach(f.Reach)
	if f.Region != "" {
		w.Add("r.region = ?", f.Region)
	}
	if f.Municipality != "" {
		w.Add("r.municipality = ?", f.Municipality)
	}
	if f.Organisation != "" {
		w.Add("r.organisation = ?", f.Organisation)
	}
	if after != nil {
		w.Add("(r.period_start, r.id) < (?, ?)", after.PeriodStart, after.ID)
	}
	w.Args = append(w.Args, limit)
	rows, err := s.db(ctx).Query(ctx, fmt.Sprintf(`SELECT %s FROM roadmap r %s ORDER BY r.period_start DESC, r.id DESC LIMIT $%d`,
		roadmapColumns, w.SQL(), len(w.Args)), w.Args...)
	if err != nil {
		return nil, fmt.Errorf("store.List: %w", database.Driver(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Roadmap, error) { return scanRoadmap(row) })
	if err != nil {
		return nil, fmt.Errorf("store.List: %w", database.Driver(err))
	}
	return out, nil
}
