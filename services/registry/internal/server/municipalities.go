package server

import (
	"context"

	"github.com/google/uuid"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/russian"
	"github.com/nastavnik/nastavnik/platform/validation"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
	"github.com/nastavnik/nastavnik/services/registry/internal/store"
)

// CreateMunicipality implements MunicipalityService.
func (s *Server) CreateMunicipality(ctx context.Context, req *registryv1.CreateMunicipalityRequest) (*registryv1.CreateMunicipalityResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	m := municipalityFromProto(req.GetMunicipality())
	if err := m.Validate(); err != nil {
		return nil, validation.Prefixed("municipality", err)
	}
	region := identity.Scope{Region: m.RegionCode}
	switch {
	case !p.Related(region):
		return nil, validation.Field("municipality.region_code", validation.NotFound("region"))
	case !mayEditMunicipalities(p, region):
		return nil, domain.ErrPermissionDenied
	}
	out, err := s.store.CreateMunicipality(ctx, actor(p), m, req.GetRequestId())
	if err != nil {
		return nil, validation.Prefixed("municipality", err)
	}
	return &registryv1.CreateMunicipalityResponse{Municipality: municipalityToProto(out)}, nil
}

// GetMunicipality implements MunicipalityService.
func (s *Server) GetMunicipality(ctx context.Context, req *registryv1.GetMunicipalityRequest) (*registryv1.GetMunicipalityResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.store.GetMunicipality(ctx, req.GetId())
	if err == nil && !p.Related(m.Scope()) {
		err = domain.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &registryv1.GetMunicipalityResponse{Municipality: municipalityToProto(m)}, nil
}

// ListMunicipalities implements MunicipalityService.
func (s *Server) ListMunicipalities(ctx context.Context, req *registryv1.ListMunicipalitiesRequest) (*registryv1.ListMunicipalitiesResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	f := store.MunicipalityFilter{RegionCode: req.GetRegion(), Query: russian.SearchKey(req.GetQuery()),
		Reach: p.Reach()}
	after, err := pagination.After[store.NameCursor](req.GetPageToken(), f)
	if err != nil {
		return nil, err
	}
	size := pagination.Size(req.GetPageSize())
	list, total, err := s.store.ListMunicipalities(ctx, f, after, size+1)
	if err != nil {
		return nil, err
	}
	resp := &registryv1.ListMunicipalitiesResponse{TotalSize: int32(total)}
	list, resp.NextPageToken, err = pagination.Trim(list, size, f, func(m domain.Municipality) any {
		return store.NameCursor{SortKey: russian.SortKey(m.Name), ID: m.ID}
	})
	if err != nil {
		return nil, err
	}
	for _, m := range list {
		resp.Municipalities = append(resp.Municipalities, municipalityToProto(m))
	}
	return resp, nil
}

// UpdateMunicipality implements MunicipalityService.
func (s *Server) UpdateMunicipality(ctx context.Context, req *registryv1.UpdateMunicipalityRequest) (*registryv1.UpdateMunicipalityResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	m := municipalityFromProto(req.GetMunicipality())
	stored, err := s.store.GetMunicipality(ctx, m.ID)
	if err := checkUpdate(m.ID, m.Version, "municipality", err); err != nil {
		return nil, err
	}
	switch {
	case !p.Related(stored.Scope()):
		return nil, domain.ErrNotFound
	case !mayEditMunicipalities(p, stored.Scope()):
		return nil, domain.ErrPermissionDenied
	}
	m.RegionCode = stored.RegionCode // a municipality never moves between regions
	if err := m.Validate(); err != nil {
		return nil, validation.Prefixed("municipality", err)
	}
	out, err := s.store.UpdateMunicipality(ctx, actor(p), m)
	if err != nil {
		return nil, validation.Prefixed("municipality", err)
	}
	return &registryv1.UpdateMunicipalityResponse{Municipality: municipalityToProto(out)}, nil
}

// checkUpdate validates the id and version of an update and passes on the
// error of reading the stored object.
func checkUpdate(id string, version int64, prefix string, getErr error) error {
	var ve validation.Error
	if _, err := uuid.Parse(id); err != nil {
		ve.Add(prefix+".id", validation.BadUUID())
	}
	if version <= 0 {
		ve.Add(prefix+".version", validation.BaseVersion("version"))
	}
	if err := ve.Err(); err != nil {
		return err
	}
	return getErr
}
