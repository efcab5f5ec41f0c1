// Package store keeps roadmaps in PostgreSQL. All of the roadmap's SQL is
// here, next to the method that runs it; driver errors are translated into the
// domain's sentinels once, in this package.
package store

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"github.com/nastavnik/nastavnik/platform/identity"
	"io/fs"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/idempotency"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/domain"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the embedded migrations, rooted at their directory.
// The idempotency keys' table (platform/idempotency) is migration 2, the
// notification outbox's tables (platform/notify) are migrations 3 and 4.
func Migrations() fs.FS {
	return idempotency.WithMigration(notify.WithMigration(database.MigrationsFS(migrations, "migrations"), 3, 4), 2)
}

// Store is the roadmap's database.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a store over pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// db is where a call runs its SQL: the transaction its context carries
// (an idempotent call's), or the pool.
func (s *Store) db(ctx context.Context) database.DB { return database.Use(ctx, s.pool) }

// sentinels are the domain's errors for the driver's.
var sentinels = database.Sentinels{NoRows: domain.ErrNotFound}

// notFound names op in err and translates pgx.ErrNoRows into
// domain.ErrNotFound.
func notFound(op string, err error) error { return sentinels.Translate(op, err) }

// where is a query's conditions, with the store's own filters as methods.
type where struct{ database.Where }

// reach adds the read filter of the caller's reach over the roadmap alias r:
// roadmaps inside its scopes, and the municipal and regional ones above them.
func (w *where) reach(v identity.Reach) {
	if v.All {
		return
	}
	w.Add(`(r.region = ANY(?) OR r.municipality::text = ANY(?) OR r.organisation::text = ANY(?)
		OR (r.owner_kind = 'region' AND r.region = ANY(?))
		OR (r.owner_kind = 'municipality' AND r.municipality::text = ANY(?)))`,
		v.Regions, v.Municipalities, v.Organisations, v.RegionsAbove, v.MunicipalitiesAbove)
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullDate(d time.Time) *time.Time {
	if d.IsZero() {
		return nil
	}
	return &d
}

const roadmapColumns = `r.id, r.owner_kind, r.region, COALESCE(r.municipality::text, ''), COALESCE(r.organisation::text, ''),
	r.owner_name, r.time_zone, r.title, r.goal, r.targets, r.period_start, r.period_end, r.version, r.create_time, r.update_time`

func scanRoadmap(row pgx.Row) (domain.Roadmap, error) {
	var (
		r       domain.Roadmap
		kind    string
		targets []byte
	)
	err := row.Scan(&r.ID, &kind, &r.Owner.Region, &r.Owner.Municipality, &r.Owner.Organisation,
		&r.Owner.Name, &r.Owner.TimeZone, &r.Title, &r.Goal, &targets, &r.Period.Start, &r.Period.End,
		&r.Version, &r.Created, &r.Updated)
	if err != nil {
		return r, err
	}
	r.Owner.Kind = domain.ParseOwnerKind(kind)
	if err := json.Unmarshal(targets, &r.Targets); err != nil {
		return r, fmt.Errorf("targets: %w", err)
	}
	return r, nil
}

// load reads a roadmap with its stages, items and occurrences; lock is a
// locking clause for the roadmap row ("" or "FOR UPDATE").
func load(ctx context.Context, q database.Querier, id, lock string) (domain.Roadmap, error) {
	r, err := scanRoadmap(q.QueryRow(ctx, `SELECT `+roadmapColumns+` FROM roadmap r WHERE r.id = $1 `+lock, id))
	if err != nil {
		return r, notFound("load roadmap", err)
	}
	rows, err := q.Query(ctx, `SELECT id, number, title, task, result FROM stage WHERE roadmap_id = $1 ORDER BY position`, id)
	if err != nil {
		return r, err
	}
	r.Stages, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Stage, error) {
		var s domain.Stage
		return s, row.Scan(&s.ID, &s.Number, &s.Title, &s.Task, &s.Result)
	})
	if err != nil {
		return r, fmt.Errorf("load stages: %w", err)
	}
	stageAt := map[string]int{}
	for i, s := range r.Stages {
		stageAt[s.ID] = i
	}
	occ, err := loadOccurrences(ctx, q, id)
	if err != nil {
		return r, err
	}
	rows, err = q.Query(ctx, `SELECT id, stage_id, number, depth, measure, result_form, deadline_text, responsible,
		schedule, COALESCE(source_item_id::text, '') FROM item WHERE roadmap_id = $1 ORDER BY position`, id)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			it      domain.Item
			stageID string
			sch     []byte
		)
		if err := rows.Scan(&it.ID, &stageID, &it.Number, &it.Depth, &it.Measure, &it.ResultForm, &it.DeadlineText,
			&it.Responsible, &sch, &it.SourceItemID); err != nil {
			return r, fmt.Errorf("load items: %w", err)
		}
		if err := json.Unmarshal(sch, &it.Schedule); err != nil {
			return r, fmt.Errorf("item %s schedule: %w", it.ID, err)
		}
		it.Occurrences = occ[it.ID]
		si := stageAt[stageID]
		r.Stages[si].Items = append(r.Stages[si].Items, it)
	}
	return r, rows.Err()
}

func loadOccurrences(ctx context.Context, q database.Querier, roadmapID string) (map[string][]domain.Occurrence, error) {
	rows, err := q.Query(ctx, `SELECT item_id, due, year, start_on, scheduled, done, done_on, done_by, note, evidence_url, version
		FROM occurrence WHERE roadmap_id = $1 ORDER BY due`, roadmapID)
	if err != nil {
		return nil, fmt.Errorf("load occurrences: %w", err)
	}
	defer rows.Close()
	out := map[string][]domain.Occurrence{}
	for rows.Next() {
		var (
			itemID        string
			o             domain.Occurrence
			start, doneOn *time.Time
		)
		if err := rows.Scan(&itemID, &o.Due, &o.Year, &start, &o.Scheduled, &o.Done, &doneOn, &o.DoneBy, &o.Note,
			&o.EvidenceURL, &o.Version); err != nil {
			return nil, fmt.Errorf("load occurrences: %w", err)
		}
		if start != nil {
			o.Start = *start
		}
		if doneOn != nil {
			o.DoneOn = *doneOn
		}
		out[itemID] = append(out[itemID], o)
	}
	return out, rows.Err()
}

// save writes a roadmap's heading and content as r holds it: stages and items
// it no longer has are deleted, occurrences follow each item's schedule (done
// ones the schedule lost are kept, unscheduled). New stages and items get ids.
func save(ctx context.Context, tx pgx.Tx, r *domain.Roadmap) error {
	targets, err := json.Marshal(r.Targets)
	if err != nil {
		return err
	}
	if r.Targets == nil {
		targets = []byte("[]")
	}
	loc := r.Owner.Location()
	b := &pgx.Batch{}
	b.Queue(`UPDATE roadmap SET owner_name = $2, time_zone = $3, title = $4, goal = $5, targets = $6,
		period_start = $7, period_end = $8, version = version + 1, update_time = now() WHERE id = $1`,
		r.ID, r.Owner.Name, r.Owner.TimeZone, r.Title, r.Goal, targets, r.Period.Start, r.Period.End)
	var stageIDs, itemIDs []string
	for si := range r.Stages {
		s := &r.Stages[si]
		if s.ID == "" {
			s.ID = uuid.NewString()
		}
		stageIDs = append(stageIDs, s.ID)
		for ii := range s.Items {
			if s.Items[ii].ID == "" {
				s.Items[ii].ID = uuid.NewString()
			}
			itemIDs = append(itemIDs, s.Items[ii].ID)
		}
	}
	b.Queue(`DELETE FROM item WHERE roadmap_id = $1 AND NOT (id::text = ANY($2))`, r.ID, itemIDs)
	position := 0
	for si := range r.Stages {
		s := &r.Stages[si]
		b.Queue(`INSERT INTO stage (id, roadmap_id, position, number, title, task, result) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (id) DO UPDATE SET position = $3, number = $4, title = $5, task = $6, result = $7`,
			s.ID, r.ID, si+1, s.Number, s.Title, s.Task, s.Result)
		for ii := range s.Items {
			it := &s.Items[ii]
			position++
			sch, err := json.Marshal(it.Schedule)
			if err != nil {
				return err
			}
			b.Queue(`INSERT INTO item (id, roadmap_id, stage_id, position, depth, number, measure, result_form, deadline_text,
				responsible, schedule, understood, source_item_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
				ON CONFLICT (id) DO UPDATE SET stage_id = $3, position = $4, depth = $5, number = $6, measure = $7,
				result_form = $8, deadline_text = $9, responsible = $10, schedule = $11, understood = $12`,
				it.ID, r.ID, s.ID, position, it.Depth, it.Number, it.Measure, it.ResultForm, it.DeadlineText,
				it.Responsible, sch, it.Schedule.Understood, nullString(it.SourceItemID))
			it.Occurrences = domain.Occurrences(it.Schedule, r.Period, it.Occurrences)
			var dues []time.Time
			for _, o := range it.Occurrences {
				dues = append(dues, o.Due)
				b.Queue(`INSERT INTO occurrence (item_id, due, roadmap_id, year, start_on, due_end, scheduled)
					VALUES ($1, $2, $3, $4, $5, $6, $7)
					ON CONFLICT (item_id, due) DO UPDATE SET year = $4, start_on = $5, due_end = $6, scheduled = $7`,
					it.ID, o.Due, r.ID, o.Year, nullDate(o.Start), domain.DueEnd(o.Due, loc), o.Scheduled)
			}
			b.Queue(`DELETE FROM occurrence WHERE item_id = $1 AND NOT (due = ANY($2))`, it.ID, dues)
		}
	}
	b.Queue(`DELETE FROM stage WHERE roadmap_id = $1 AND NOT (id::text = ANY($2))`, r.ID, stageIDs)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		if database.IsForeignKeyViolation(err) {
			return domain.ErrInUse
		}
		return err
	}
	r.Version++
	return nil
}
