package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/domain"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/notices"
)

// CascadeStageTitle is the stage that receives the items handed down to an
// organisation.
const CascadeStageTitle = "Мероприятия, переданные из дорожной карты муниципалитета"

// CascadeCounts says what a cascade did.
type CascadeCounts struct {
	Added, Existing, RoadmapsCreated int
}

// Cascade hands the item down to each organisation at now: one transaction
// per organisation, serialised per organisation, so a repeat or a concurrent
// cascade adds nothing twice. The transaction that adds the item writes the
// notice to the school's curators (notices.HandedDown), so each school is
// told once, when it gets the item.
func (s *Store) Cascade(ctx context.Context, actor string, src domain.Roadmap, itemID string, orgs []domain.Owner, now time.Time) (CascadeCounts, error) {
	const op = "store.Cascade"
	var counts CascadeCounts
	si, ii, ok := src.FindItem(itemID)
	if !ok {
		return counts, fmt.Errorf("%s: %w", op, domain.ErrNotFound)
	}
	source := src.Stages[si].Items[ii]
	for _, org := range orgs {
		err := database.InTx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "cascade:"+org.Organisation); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM item i JOIN roadmap r ON r.id = i.roadmap_id
				WHERE r.organisation = $1 AND i.source_item_id = $2`, org.Organisation, itemID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				counts.Existing++
				return nil
			}
			var id string
			err := tx.QueryRow(ctx, `SELECT id FROM roadmap WHERE organisation = $1 AND period_start <= $3 AND period_end >= $2
				ORDER BY period_start DESC, id LIMIT 1`, org.Organisation, src.Period.Start, src.Period.End).Scan(&id)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				id = uuid.NewString()
				if _, err := tx.Exec(ctx, `INSERT INTO roadmap (id, owner_kind, region, municipality, organisation, owner_name,
					time_zone, title, goal, period_start, period_end, version, created_by)
					VALUES ($1, 'organisation', $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11)`,
					id, org.Region, org.Municipality, org.Organisation, org.Name, org.TimeZone,
					"Дорожная карта: "+org.Name, src.Goal, src.Period.Start, src.Period.End, actor); err != nil {
					return err
				}
				counts.RoadmapsCreated++
			case err != nil:
				return err
			}
			r, err := load(ctx, tx, id, "FOR UPDATE")
			if err != nil {
				return err
			}
			at := -1
			for i, st := range r.Stages {
				if st.Title == CascadeStageTitle {
					at = i
				}
			}
			if at < 0 {
				r.InsertStage(0, domain.Stage{Title: CascadeStageTitle})
				at = len(r.Stages) - 1
			}
			r.InsertItem(at, 0, domain.Item{
				Depth: 1, Measure: source.Measure, ResultForm: source.ResultForm, DeadlineText: source.DeadlineText,
				Responsible: source.Responsible, Schedule: source.Schedule, SourceItemID: itemID,
			})
			r.Renumber()
			counts.Added++
			if err := save(ctx, tx, &r); err != nil {
				return err
			}
			return handedDown(ctx, tx, r, itemID, src.Owner.Name, now)
		})
		if err != nil {
			return counts, fmt.Errorf("%s: organisation %s: %w", op, org.Organisation, err)
		}
	}
	return counts, nil
}

// handedDown writes the notice of the item handed down into r (as saved)
// from the item itemID of the roadmap named from.
func handedDown(ctx context.Context, tx pgx.Tx, r domain.Roadmap, itemID, from string, now time.Time) error {
	for _, st := range r.Stages {
		for _, it := range st.Items {
			if it.SourceItemID != itemID {
				continue
			}
			h := notices.HandedDown{SourceItemID: itemID, Organisation: r.Owner.Organisation, OrganisationName: r.Owner.Name,
				TimeZone: r.Owner.Location().String(), From: from, RoadmapID: r.ID, ItemID: it.ID, Number: it.Number,
				Measure: it.Measure, DeadlineText: it.DeadlineText}
			for _, o := range it.Occurrences {
				if o.Scheduled {
					h.Dues = append(h.Dues, o.Due)
				}
			}
			_, err := notify.Enqueue(ctx, tx, now, h.Event())
			return err
		}
	}
	return fmt.Errorf("handed-down item %s not in roadmap %s", itemID, r.ID)
}

// CascadeEntry is an item handed down, in one organisation.
type CascadeEntry struct {
	Organisation     string
	OrganisationName string
	RoadmapID        string
	ItemID           string
	Total, Done      int
	Overdue          int
}

// State of the entry: overdue when any occurrence is, done when all are.
func (e CascadeEntry) State() domain.OccurrenceState {
	switch {
	case e.Overdue > 0:
		return domain.Overdue
	case e.Total > 0 && e.Done == e.Total:
		return domain.Done
	}
	return domain.Pending
}

// CascadeCursor is the position after the last entry of a page.
type CascadeCursor struct {
	Name string `json:"n"`
	ID   string `json:"i"`
}

// CascadeTotals counts entries by state over all pages.
type CascadeTotals struct {
	Done, NotDone, Overdue int
}

const cascadeQuery = `SELECT r.organisation::text, r.owner_name, r.id, i.id,
	count(o.*) FILTER (WHERE o.scheduled),
	count(o.*) FILTER (WHERE o.scheduled AND o.done),
	count(o.*) FILTER (WHERE o.scheduled AND NOT o.done AND o.due_end <= $2)
	FROM item i JOIN roadmap r ON r.id = i.roadmap_id LEFT JOIN occurrence o ON o.item_id = i.id
	WHERE i.source_item_id = $1
	GROUP BY r.organisation, r.owner_name, r.id, i.id`

// ListCascade lists the organisations an item was handed down to, by name.
func (s *Store) ListCascade(ctx context.Context, itemID string, now time.Time, after *CascadeCursor, limit int) ([]CascadeEntry, CascadeTotals, error) {
	const op = "store.ListCascade"
	var totals CascadeTotals
	rows, err := s.db(ctx).Query(ctx, `SELECT
		count(*) FILTER (WHERE overdue > 0),
		count(*) FILTER (WHERE overdue = 0 AND total > 0 AND done = total),
		count(*) FILTER (WHERE overdue = 0 AND NOT (total > 0 AND done = total))
		FROM (`+cascadeQuery+`) AS e(org, name, roadmap, item, total, done, overdue)`, itemID, now)
	if err != nil {
		return nil, totals, fmt.Errorf("%s: %w", op, err)
	}
	if rows.Next() {
		if err := rows.Scan(&totals.Overdue, &totals.Done, &totals.NotDone); err != nil {
			rows.Close()
			return nil, totals, fmt.Errorf("%s: %w", op, err)
		}
	}
	rows.Close()
	args := []any{itemID, now, limit}
	cond := ""
	if after != nil {
		cond = "WHERE (name, org) > ($4, $5)"
		args = append(args, after.Name, after.ID)
	}
	rows, err = s.db(ctx).Query(ctx, `SELECT * FROM (`+cascadeQuery+`) AS e(org, name, roadmap, item, total, done, overdue) `+
		cond+` ORDER BY name, org LIMIT $3`, args...)
	if err != nil {
		return nil, totals, fmt.Errorf("%s: %w", op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (CascadeEntry, error) {
		var e CascadeEntry
		return e, row.Scan(&e.Organisation, &e.OrganisationName, &e.RoadmapID, &e.ItemID, &e.Total, &e.Done, &e.Overdue)
	})
	if err != nil {
		return nil, totals, fmt.Errorf("%s: %w", op, err)
	}
	return out, totals, nil
}
