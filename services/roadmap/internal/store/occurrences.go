package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/domain"
)

// Mark records whether an occurrence is done. The mark's version must be
// the one given (0 for one never marked).
func (s *Store) Mark(ctx context.Context, actor string, m domain.Mark) (domain.Occurrence, error) {
	const op = "store.Mark"
	var o domain.Occurrence
	err := database.InTx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var version int64
		var scheduled bool
		err := tx.QueryRow(ctx, `SELECT version, scheduled FROM occurrence WHERE item_id = $1 AND due = $2 FOR UPDATE`,
			m.ItemID, m.Due).Scan(&version, &scheduled)
		if err != nil {
			return notFound("occurrence", err)
		}
		if version != m.Version {
			return domain.ErrStale
		}
		doneBy, note, evidence := actor, m.Note, m.EvidenceURL
		if !m.Done {
			m.DoneOn, doneBy = time.Time{}, ""
		}
		var start, doneOn *time.Time
		err = tx.QueryRow(ctx, `UPDATE occurrence SET done = $3, done_on = $4, done_by = $5, note = $6, evidence_url = $7,
			version = version + 1, mark_time = now() WHERE item_id = $1 AND due = $2
			RETURNING due, year, start_on, scheduled, done, done_on, done_by, note, evidence_url, version`,
			m.ItemID, m.Due, m.Done, nullDate(m.DoneOn), doneBy, note, evidence).
			Scan(&o.Due, &o.Year, &start, &o.Scheduled, &o.Done, &doneOn, &o.DoneBy, &o.Note, &o.EvidenceURL, &o.Version)
		if start != nil {
			o.Start = *start
		}
		if doneOn != nil {
			o.DoneOn = *doneOn
		}
		return err
	})
	if err != nil {
		return o, fmt.Errorf("%s: %w", op, err)
	}
	return o, nil
}

// OverdueFilter selects overdue occurrences: within one organisation,
// municipality or region, optionally one stage number and a responsible.
type OverdueFilter struct {
	Region       string
	Municipality string
	Organisation string
	StageNumber  int
	Responsible  string
}

// OverdueCursor is the position after the last occurrence of a page.
type OverdueCursor struct {
	Due    time.Time `json:"d"`
	ItemID string    `json:"i"`
}

// Overdue is an overdue occurrence with its item and roadmap.
type Overdue struct {
	RoadmapID   string
	Owner       domain.Owner
	ItemID      string
	ItemNumber  string
	Measure     string
	Responsible string
	StageNumber int
	Due         time.Time
	DueEnd      time.Time
}

// ListOverdue lists occurrences not done after the end of their due day,
// oldest first, with the total over all pages.
func (s *Store) ListOverdue(ctx context.Context, f OverdueFilter, now time.Time, after *OverdueCursor, limit int) ([]Overdue, int, error) {
	const op = "store.ListOverdue"
	var w where
	w.Add("NOT o.done AND o.scheduled AND o.due_end <= ?", now)
	switch {
	case f.Organisation != "":
		w.Add("r.organisation = ?", f.Organisation)
	case f.Municipality != "":
		w.Add("r.municipality = ?", f.Municipality)
	default:
		w.Add("r.region = ?", f.Region)
	}
	if f.StageNumber > 0 {
		w.Add("s.number = ?", f.StageNumber)
	}
	if f.Responsible != "" {
		w.Add(`lower(i.responsible) LIKE '%' || lower(?) || '%'`, database.LikeEscape(f.Responsible))
	}
	from := ` FROM occurrence o JOIN item i ON i.id = o.item_id JOIN stage s ON s.id = i.stage_id JOIN roadmap r ON r.id = o.roadmap_id `
	var total int
	if err := s.db(ctx).QueryRow(ctx, `SELECT count(*)`+from+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	if after != nil {
		w.Add("(o.due, o.item_id) > (?, ?)", after.Due, after.ItemID)
	}
	w.Args = append(w.Args, limit)
	rows, err := s.db(ctx).Query(ctx, fmt.Sprintf(`SELECT r.id, r.owner_kind, r.region, COALESCE(r.municipality::text, ''),
		COALESCE(r.organisation::text, ''), r.owner_name, r.time_zone, i.id, i.number, i.measure, i.responsible, s.number,
		o.due, o.due_end %s %s ORDER BY o.due, o.item_id LIMIT $%d`, from, w.SQL(), len(w.Args)), w.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Overdue, error) {
		var (
			o    Overdue
			kind string
		)
		err := row.Scan(&o.RoadmapID, &kind, &o.Owner.Region, &o.Owner.Municipality, &o.Owner.Organisation, &o.Owner.Name,
			&o.Owner.TimeZone, &o.ItemID, &o.ItemNumber, &o.Measure, &o.Responsible, &o.StageNumber, &o.Due, &o.DueEnd)
		o.Owner.Kind = domain.ParseOwnerKind(kind)
		return o, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	return out, total, nil
}
