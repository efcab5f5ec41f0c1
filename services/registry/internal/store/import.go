package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

// ImportPlanner decides an import given the stored organisations that have the
// file's INNs, in any municipality. It returns what to create and update, and
// whether to write at all.
type ImportPlanner func(existing map[string]domain.Organisation) (creates, updates []domain.Organisation, write bool)

// ImportOrganisations runs plan in one transaction that holds the municipality
// locked, so two imports into one municipality never interleave, and writes
// everything plan asks for or nothing.
func (s *Store) ImportOrganisations(ctx context.Context, actor domain.Actor, municipalityID string, inns []string, plan ImportPlanner) error {
	const op = "store.ImportOrganisations"
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		var region string
		if err := tx.QueryRow(ctx, `SELECT region_code FROM municipalities WHERE id = $1 FOR UPDATE`, municipalityID).Scan(&region); err != nil {
			return nil, notFound(op, err)
		}
		rows, err := tx.Query(ctx, `SELECT `+organisationColumns+organisationFrom+`WHERE o.inn = ANY($1) FOR UPDATE OF o`, inns)
		if err != nil {
			return nil, err
		}
		list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Organisation, error) { return scanOrganisation(row) })
		if err != nil {
			return nil, err
		}
		existing := make(map[string]domain.Organisation, len(list))
		for _, o := range list {
			existing[o.INN] = o
		}
		creates, updates, write := plan(existing)
		if !write {
			return nil, nil
		}
		batch := &pgx.Batch{}
		entries := []AuditEntry{{Action: "organisation.import", ObjectType: "municipality", ObjectID: municipalityID,
			Region: region, MunicipalityID: municipalityID, Details: map[string]int{"created": len(creates), "updated": len(updates)}}}
		for _, o := range creates {
			args := insertArgs(o, nil)
			args[0] = o.ID // planned, so the report can name it
			batch.Queue(insertOrganisation, args...)
			o.RegionCode = region
			entries = append(entries, organisationEntry("organisation.create", o, organisationFields(o)))
		}
		for _, o := range updates {
			batch.Queue(updateOrganisation, updateArgs(o)...)
			entries = append(entries, organisationEntry("organisation.update", o,
				fieldChanges(organisationFields(existing[o.INN]), organisationFields(o))))
		}
		br := tx.SendBatch(ctx, batch)
		for range batch.Len() {
			if _, err := br.Exec(); err != nil {
				br.Close()
				return nil, organisationErr(op, err)
			}
		}
		return entries, br.Close()
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}
