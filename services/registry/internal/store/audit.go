package store

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/nastavnik/nastavnik/platform/identity"

	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

// AuditEntry is what a change records besides its actor.
type AuditEntry struct {
	Action         string
	ObjectType     string
	ObjectID       string
	Region         string
	MunicipalityID string
	Details        any
}

// change runs fn and records the audit entries it returns, in one
// transaction: a change is never without its record, nor a record without
// its change.
func (s *Store) change(ctx context.Context, a domain.Actor, fn func(tx pgx.Tx) ([]AuditEntry, error)) error {
	return database.InTx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		entries, err := fn(tx)
		if err != nil {
			return err
		}
		return insertAudit(ctx, tx, a, entries...)
	})
}

func insertAudit(ctx context.Context, tx pgx.Tx, a domain.Actor, entries ...AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var actor *string
	if a.AccountID != "" {
		actor = &a.AccountID
	}
	batch := &pgx.Batch{}
	for _, e := range entries {
		details, err := json.Marshal(e.Details)
		if err != nil {
			return fmt.Errorf("store.insertAudit: %w", database.Driver(err))
		}
		if e.Details == nil {
			details = []byte("{}")
		}
		var mun *string
		if e.MunicipalityID != "" {
			mun = &e.MunicipalityID
		}
		batch.Queue(`INSERT INTO audit_events
			(actor_id, actor_login, action, object_type, object_id, region, municipality_id, details, remote_addr, request_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			actor, a.Login, e.Action, e.ObjectType, e.ObjectID, e.Region, mun, details, a.RemoteAddr, a.RequestID)
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("store.insertAudit: %w", database.Driver(err))
	}
	return nil
}

// record writes audit entries in a transaction of their own, for events that
// change nothing else (a failed sign-in).
func (s *Store) record(ctx context.Context, a domain.Actor, entries ...AuditEntry) error {
	return s.change(ctx, a, func(pgx.Tx) ([]AuditEntry, error) { return entries, nil })
}

// AuditFilter selects audit events. Reach limits them to what the reader may
// see: all for an operator, the regions it is a regional centre of, the
// municipalities it is a methodologist of.
type AuditFilter struct {
	Reach          identity.Reach `json:"sc"`
	MunicipalityID string         `json:"m,omitempty"`
	ActorID        string         `json:"a,omitempty"`
	ActionPrefix   string         `json:"p,omitempty"`
}

// ListAuditEvents returns up to limit events older than beforeID (0: newest),
// newest first.
func (s *Store) ListAuditEvents(ctx context.Context, f AuditFilter, beforeID int64, limit int) ([]domain.AuditEvent, error) {
	const op = "store.ListAuditEvents"
	var w where
	if !f.Reach.All {
		w.Add("(region = ANY(?) OR municipality_id::text = ANY(?))", f.Reach.Regions, f.Reach.Municipalities)
	}
	if f.MunicipalityID != "" {
		w.Add("municipality_id = ?", f.MunicipalityID)
	}
	if f.ActorID != "" {
		w.Add("actor_id = ?", f.ActorID)
	}
	if f.ActionPrefix != "" {
		w.Add("action LIKE ? || '%'", database.LikeEscape(f.ActionPrefix))
	}
	if beforeID > 0 {
		w.Add("id < ?", beforeID)
	}
	w.Args = append(w.Args, limit)
	q := fmt.Sprintf(`SELECT id, time, COALESCE(actor_id::text, ''), actor_login, action, object_type, object_id, region,
		COALESCE(municipality_id::text, ''), details::text, remote_addr, request_id
		FROM audit_events %s ORDER BY id DESC LIMIT $%d`, w.SQL(), len(w.Args))
	rows, err := s.db(ctx).Query(ctx, q, w.Args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.AuditEvent, error) {
		var e domain.AuditEvent
		err := row.Scan(&e.ID, &e.Time, &e.ActorID, &e.ActorLogin, &e.Action, &e.ObjectType, &e.ObjectID, &e.Region,
			&e.MunicipalityID, &e.Details, &e.RemoteAddr, &e.RequestID)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}
