package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

// ImportPlanner decides an import given the stored organisations that have the
// file's INNs, in any municipality. It returns what to create and update, and
// whether to write at all.
type ImportPlanner func(existing map[string]domain.Organisation) (creates, updates []domain.Organisation, write bool)

// ImportOrganisations runs plan in one transaction that holds the municipality
// locked, so two imports into one municipality never interleave, and writes
// everything plan asks for or nothing.
func (s *Store) ImportOrganisations(ctx context.Context, municipalityID string, inns []string, plan ImportPlanner) error {
	const op = "store.ImportOrganisations"
	err := database.InTx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM municipalities WHERE id = $1 FOR UPDATE`, municipalityID).Scan(&one); err != nil {
			return notFound(op, err)
		}
		rows, err := tx.Query(ctx, `SELECT `+organisationColumns+organisationFrom+`WHERE o.inn = ANY($1) FOR UPDATE OF o`, inns)
		if err != nil {
			return err
		}
		list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Organisation, error) { return scanOrganisation(row) })
		if err != nil {
			return err
		}
		existing := make(map[string]domain.Organisation, len(list))
		for _, o := range list {
			existing[o.INN] = o
		}
		creates, updates, write := plan(existing)
		if !write {
			return nil
		}
		batch := &pgx.Batch{}
		for _, o := range creates {
			args := insertArgs(o, nil)
			args[0] = o.ID // planned, so the report can name it
			batch.Queue(insertOrganisation, args...)
		}
		for _, o := range updates {
			batch.Queue(updateOrganisation, updateArgs(o)...)
		}
		br := tx.SendBatch(ctx, batch)
		for range batch.Len() {
			if _, err := br.Exec(); err != nil {
				br.Close()
				return organisationErr(op, err)
			}
		}
		return br.Close()
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}
