package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
)

// definition is the stored content of a form version.
type definition struct {
	Sections []form.Section `json:"sections"`
	Rules    []form.Rule    `json:"rules"`
	Share    float64        `json:"share"`
}

const formColumns = `code, version, title, status, definition, revision, publish_time, update_time`

func scanForm(row pgx.Row) (form.Form, error) {
	var (
		f       form.Form
		status  int16
		def     []byte
		publish *time.Time
	)
	if err := row.Scan(&f.Code, &f.Version, &f.Title, &status, &def, &f.Revision, &publish, &f.UpdateTime); err != nil {
		return form.Form{}, err
	}
	f.Status = form.Status(status)
	if publish != nil {
		f.PublishTime = *publish
	}
	var d definition
	if err := json.Unmarshal(def, &d); err != nil {
		return form.Form{}, fmt.Errorf("form %s v%d: %w", f.Code, f.Version, err)
	}
	f.Sections, f.Rules, f.Share = d.Sections, d.Rules, d.Share
	return f, nil
}

func formDefinition(f form.Form) ([]byte, error) {
	return json.Marshal(definition{Sections: f.Sections, Rules: f.Rules, Share: f.Share})
}

// GetForm reads one form version.
func (s *Store) GetForm(ctx context.Context, code string, version int) (form.Form, error) {
	f, err := scanForm(s.db(ctx).QueryRow(ctx, `SELECT `+formColumns+` FROM forms WHERE code = $1 AND version = $2`, code, version))
	return f, translate("store.GetForm", err)
}

// FormCursor is the keyset position in the form list.
type FormCursor struct {
	Code    string `json:"c"`
	Version int    `json:"v"`
}

// ListForms lists form versions by code, newest version first.
func (s *Store) ListForms(ctx context.Context, code string, status form.Status, after *FormCursor, limit int) ([]form.Form, int, error) {
	const op = "store.ListForms"
	var w where
	if code != "" {
		w.Add("code = ?", code)
	}
	if status != form.StatusUnspecified {
		w.Add("status = ?", int16(status))
	}
	var total int
	if err := s.db(ctx).QueryRow(ctx, `SELECT count(*) FROM forms `+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, translate(op, err)
	}
	if after != nil {
		w.Add("(code > ? OR code = ? AND version < ?)", after.Code, after.Code, after.Version)
	}
	w.Args = append(w.Args, limit)
	rows, err := s.db(ctx).Query(ctx, fmt.Sprintf(`SELECT %s FROM forms %s ORDER BY code, version DESC LIMIT $%d`, formColumns, w.SQL(), len(w.Args)), w.Args...)
	if err != nil {
		return nil, 0, translate(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (form.Form, error) { return scanForm(r) })
	return out, total, translate(op, err)
}

// DraftForm creates the next draft of a form from its latest version, or
// from initial when the form has none; an existing draft is returned as it
// is.
func (s *Store) DraftForm(ctx context.Context, code string, initial func() (form.Form, bool), now time.Time) (form.Form, error) {
	const op = "store.DraftForm"
	var out form.Form
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// Serialise drafting of one form.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('form:' || $1))`, code); err != nil {
			return err
		}
		latest, err := scanForm(tx.QueryRow(ctx, `SELECT `+formColumns+` FROM forms WHERE code = $1 ORDER BY version DESC LIMIT 1`, code))
		var next form.Form
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			f, ok := initial()
			if !ok {
				return domain.ErrNotFound
			}
			next = f
			next.Code, next.Version, next.Status, next.Revision = code, 1, form.Draft, 1
		case err != nil:
			return err
		case latest.Status == form.Draft:
			out = latest
			return nil
		default:
			next = latest.NextDraft()
		}
		def, err := formDefinition(next)
		if err != nil {
			return err
		}
		out, err = scanForm(tx.QueryRow(ctx, `INSERT INTO forms (code, version, title, status, definition, revision, create_time, update_time)
			VALUES ($1, $2, $3, 1, $4, 1, $5, $5) RETURNING `+formColumns, next.Code, next.Version, next.Title, def, now))
		return err
	})
	return out, translate(op, err)
}

// UpdateForm replaces a draft's title and content when f.Revision is
// current.
func (s *Store) UpdateForm(ctx context.Context, f form.Form, now time.Time) (form.Form, error) {
	const op = "store.UpdateForm"
	var out form.Form
	err := s.tx(ctx, func(tx pgx.Tx) error {
		cur, err := scanForm(tx.QueryRow(ctx, `SELECT `+formColumns+` FROM forms WHERE code = $1 AND version = $2 FOR UPDATE`, f.Code, f.Version))
		switch {
		case err != nil:
			return err
		case cur.Status == form.Published:
			return domain.ErrPublished
		case cur.Revision != f.Revision:
			return domain.ErrStale
		}
		def, err := formDefinition(f)
		if err != nil {
			return err
		}
		out, err = scanForm(tx.QueryRow(ctx, `UPDATE forms SET title = $3, definition = $4, revision = revision + 1, update_time = $5
			WHERE code = $1 AND version = $2 RETURNING `+formColumns, f.Code, f.Version, f.Title, def, now))
		return err
	})
	return out, translate(op, err)
}

// PublishForm publishes a draft at revision when check, given the draft,
// accepts it.
func (s *Store) PublishForm(ctx context.Context, code string, version int, revision int64, check func(form.Form) error, now time.Time) (form.Form, error) {
	const op = "store.PublishForm"
	var out form.Form
	err := s.tx(ctx, func(tx pgx.Tx) error {
		cur, err := scanForm(tx.QueryRow(ctx, `SELECT `+formColumns+` FROM forms WHERE code = $1 AND version = $2 FOR UPDATE`, code, version))
		switch {
		case err != nil:
			return err
		case cur.Status == form.Published:
			return domain.ErrPublished
		case cur.Revision != revision:
			return domain.ErrStale
		}
		if err := check(cur); err != nil {
			return err
		}
		out, err = scanForm(tx.QueryRow(ctx, `UPDATE forms SET status = 2, publish_time = $3, update_time = $3
			WHERE code = $1 AND version = $2 RETURNING `+formColumns, code, version, now))
		return err
	})
	return out, translate(op, err)
}
