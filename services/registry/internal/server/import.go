package server

import (
	"context"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/validation"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
	"github.com/nastavnik/nastavnik/services/registry/internal/importer"
)

// ImportOrganisations implements OrganisationService.
func (s *Server) ImportOrganisations(ctx context.Context, req *registryv1.ImportOrganisationsRequest) (*registryv1.ImportOrganisationsResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	mun, err := s.store.GetMunicipality(ctx, req.GetMunicipalityId())
	switch {
	case err == nil && !p.Related(mun.Scope()):
		return nil, domain.ErrNotFound
	case err != nil:
		return nil, err
	case !mayEditOrganisations(p, mun.Scope()):
		return nil, domain.ErrPermissionDenied
	}
	var table [][]string
	if req.GetFormat() == registryv1.ImportFormat_IMPORT_FORMAT_XLSX {
		table, err = importer.ReadXLSX(req.GetContent())
	} else {
		table, err = importer.ReadCSV(req.GetContent())
	}
	if err != nil {
		return nil, validation.Field("content", err)
	}
	sheet, err := importer.Parse(table)
	if err != nil {
		return nil, err
	}
	records := sheet.Records(req.GetMunicipalityId())
	inns := make([]string, 0, len(records))
	for _, r := range records {
		inns = append(inns, r.Org.INN)
	}
	var outcomes []importer.Outcome
	err = s.store.ImportOrganisations(ctx, actor(p), req.GetMunicipalityId(), inns,
		func(existing map[string]domain.Organisation) (creates, updates []domain.Organisation, write bool) {
			outcomes, creates, updates = sheet.Plan(records, existing)
			rejected := false
			for _, o := range outcomes {
				rejected = rejected || o.Action == importer.ActionRejected
			}
			return creates, updates, !req.GetDryRun() && !rejected
		})
	if err != nil {
		return nil, err
	}
	return importResponse(outcomes, sheet.Ignored, req.GetDryRun()), nil
}

func importResponse(outcomes []importer.Outcome, ignored []string, dryRun bool) *registryv1.ImportOrganisationsResponse {
	resp := &registryv1.ImportOrganisationsResponse{IgnoredColumns: ignored}
	for _, o := range outcomes {
		row := &registryv1.ImportRow{
			RowNumber: int32(o.Row), Action: registryv1.ImportAction(o.Action), Inn: o.INN,
			ShortName: o.ShortName, OrganisationId: o.OrganisationID, ChangedFields: o.ChangedFields,
		}
		for _, p := range o.Problems {
			row.Problems = append(row.Problems, &registryv1.ImportProblem{Column: p.Column, Code: p.Code, Description: p.Description,
				LocalizedMessage: p.Russian})
		}
		switch o.Action {
		case importer.ActionCreated:
			resp.Created++
		case importer.ActionUpdated:
			resp.Updated++
		case importer.ActionUnchanged:
			resp.Unchanged++
		case importer.ActionRejected:
			resp.Rejected++
		}
		resp.Rows = append(resp.Rows, row)
	}
	resp.Applied = !dryRun && resp.Rejected == 0
	if !resp.Applied {
		// Nothing was created: ids planned for new rows do not exist.
		for _, r := range resp.Rows {
			if r.Action == registryv1.ImportAction_IMPORT_ACTION_CREATED {
				r.OrganisationId = ""
			}
		}
	}
	return resp
}
