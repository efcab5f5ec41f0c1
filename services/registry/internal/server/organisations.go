package server

import (
	"context"
	"errors"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/russian"
	"github.com/nastavnik/nastavnik/platform/validation"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
	"github.com/nastavnik/nastavnik/services/registry/internal/store"
)

// CreateOrganisation implements OrganisationService.
func (s *Server) CreateOrganisation(ctx context.Context, req *registryv1.CreateOrganisationRequest) (*registryv1.CreateOrganisationResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	o, err := organisationFromProto(req.GetOrganisation())
	ve := &validation.Error{}
	ve.Merge("", asValidation(err))
	ve.Merge("", asValidation(o.Validate()))
	if !isUUID(o.MunicipalityID) {
		ve.Add("municipality_id", validation.BadUUID())
	}
	if err := ve.Err(); err != nil {
		return nil, validation.Prefixed("organisation", err)
	}
	mun, err := s.store.GetMunicipality(ctx, o.MunicipalityID)
	switch {
	case errors.Is(err, domain.ErrNotFound) || err == nil && !p.Related(mun.Scope()):
		return nil, validation.Field("organisation.municipality_id", validation.NotFound("municipality"))
	case err != nil:
		return nil, err
	case !mayEditOrganisations(p, mun.Scope()):
		return nil, domain.ErrPermissionDenied
	}
	out, err := s.store.CreateOrganisation(ctx, actor(p), o, req.GetRequestId())
	if err != nil {
		return nil, validation.Prefixed("organisation", err)
	}
	return &registryv1.CreateOrganisationResponse{Organisation: organisationToProto(out)}, nil
}

// GetOrganisation implements OrganisationService.
func (s *Server) GetOrganisation(ctx context.Context, req *registryv1.GetOrganisationRequest) (*registryv1.GetOrganisationResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.visibleOrganisation(ctx, p, req.GetId())
	if err != nil {
		return nil, err
	}
	return &registryv1.GetOrganisationResponse{Organisation: organisationToProto(o)}, nil
}

// UpdateOrganisation implements OrganisationService.
func (s *Server) UpdateOrganisation(ctx context.Context, req *registryv1.UpdateOrganisationRequest) (*registryv1.UpdateOrganisationResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	o, convErr := organisationFromProto(req.GetOrganisation())
	stored, getErr := s.visibleOrganisation(ctx, p, o.ID)
	if err := checkUpdate(o.ID, o.Version, "organisation", getErr); err != nil {
		return nil, err
	}
	if !mayEditOrganisations(p, stored.Scope()) {
		return nil, domain.ErrPermissionDenied
	}
	o.MunicipalityID = stored.MunicipalityID // an organisation never moves by an update
	ve := &validation.Error{}
	ve.Merge("", asValidation(convErr))
	ve.Merge("", asValidation(o.Validate()))
	if err := ve.Err(); err != nil {
		return nil, validation.Prefixed("organisation", err)
	}
	out, err := s.store.UpdateOrganisation(ctx, actor(p), o)
	if err != nil {
		return nil, validation.Prefixed("organisation", err)
	}
	return &registryv1.UpdateOrganisationResponse{Organisation: organisationToProto(out)}, nil
}

// ListOrganisations implements OrganisationService.
func (s *Server) ListOrganisations(ctx context.Context, req *registryv1.ListOrganisationsRequest) (*registryv1.ListOrganisationsResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	openOn, err := dates.Parse(req.GetOpenOn())
	if err != nil {
		return nil, validation.Field("open_on", validation.BadDate(req.GetOpenOn()))
	}
	f := domain.OrganisationFilter{
		RegionCode:     req.GetRegion(),
		MunicipalityID: req.GetMunicipality(),
		Kind:           domain.OrganisationKind(req.GetKind()),
		Status:         domain.Status(req.GetStatus()),
		Query:          russian.SearchKey(req.GetQuery()),
		OpenOn:         openOn,
		Visible:        p.Reach(),
	}
	after, err := pagination.After[store.NameCursor](req.GetPageToken(), f)
	if err != nil {
		return nil, err
	}
	size := pagination.Size(req.GetPageSize())
	list, total, err := s.store.ListOrganisations(ctx, f, after, size+1)
	if err != nil {
		return nil, err
	}
	resp := &registryv1.ListOrganisationsResponse{TotalSize: int32(total)}
	list, resp.NextPageToken, err = pagination.Trim(list, size, f, func(o domain.Organisation) any {
		return store.NameCursor{SortKey: russian.SortKey(o.ShortName), ID: o.ID}
	})
	if err != nil {
		return nil, err
	}
	for _, o := range list {
		resp.Organisations = append(resp.Organisations, organisationToProto(o))
	}
	return resp, nil
}

// CloseOrganisation implements OrganisationService.
func (s *Server) CloseOrganisation(ctx context.Context, req *registryv1.CloseOrganisationRequest) (*registryv1.CloseOrganisationResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	stored, err := s.visibleOrganisation(ctx, p, req.GetId())
	if err != nil {
		return nil, err
	}
	if !mayEditOrganisations(p, stored.Scope()) {
		return nil, domain.ErrPermissionDenied
	}
	closedOn, err := dates.Parse(req.GetClosedOn())
	if err != nil {
		return nil, validation.Field("closed_on", validation.BadDate(req.GetClosedOn()))
	}
	out, err := s.store.CloseOrganisation(ctx, actor(p), domain.Closure{
		ID: req.GetId(), Version: req.GetVersion(), ClosedOn: closedOn,
		Reason: domain.ClosureReason(req.GetReason()), SuccessorID: req.GetSuccessorId(),
	}, func(o domain.Organisation) bool { return p.Sees(o.Scope()) })
	if err != nil {
		return nil, err
	}
	return &registryv1.CloseOrganisationResponse{Organisation: organisationToProto(out)}, nil
}

func asValidation(err error) *validation.Error {
	ve, _ := err.(*validation.Error)
	return ve
}

// visibleOrganisation reads an organisation the caller Sees; any other is
// ErrNotFound, exactly like a missing one.
func (s *Server) visibleOrganisation(ctx context.Context, p identity.Principal, id string) (domain.Organisation, error) {
	if !isUUID(id) {
		return domain.Organisation{}, domain.ErrNotFound
	}
	o, err := s.store.GetOrganisation(ctx, id)
	if err != nil {
		return domain.Organisation{}, err
	}
	if !p.Sees(o.Scope()) {
		return domain.Organisation{}, domain.ErrNotFound
	}
	return o, nil
}
