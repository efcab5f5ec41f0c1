package server

import (
	"context"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/validation"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

// CreateRegion implements RegionService.
func (s *Server) CreateRegion(ctx context.Context, req *registryv1.CreateRegionRequest) (*registryv1.CreateRegionResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !mayEditRegions(p) {
		return nil, domain.ErrPermissionDenied
	}
	r := regionFromProto(req.GetRegion())
	if err := r.Validate(); err != nil {
		return nil, validation.Prefixed("region", err)
	}
	out, err := s.store.CreateRegion(ctx, actor(p), r)
	if err != nil {
		return nil, err
	}
	return &registryv1.CreateRegionResponse{Region: regionToProto(out)}, nil
}

// GetRegion implements RegionService.
func (s *Server) GetRegion(ctx context.Context, req *registryv1.GetRegionRequest) (*registryv1.GetRegionResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Related(identity.Scope{Region: req.GetCode()}) {
		return nil, domain.ErrNotFound
	}
	r, err := s.store.GetRegion(ctx, req.GetCode())
	if err != nil {
		return nil, err
	}
	return &registryv1.GetRegionResponse{Region: regionToProto(r)}, nil
}

type regionCursor struct {
	Code string `json:"c"`
}

// ListRegions implements RegionService.
func (s *Server) ListRegions(ctx context.Context, req *registryv1.ListRegionsRequest) (*registryv1.ListRegionsResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var cur regionCursor
	if err := pagination.Read(req.GetPageToken(), "regions", &cur); err != nil {
		return nil, err
	}
	size := pagination.Size(req.GetPageSize())
	list, err := s.store.ListRegions(ctx, p.Reach(), cur.Code, size+1)
	if err != nil {
		return nil, err
	}
	resp := &registryv1.ListRegionsResponse{}
	list, resp.NextPageToken, err = pagination.Trim(list, size, "regions", func(r domain.Region) any { return regionCursor{Code: r.Code} })
	if err != nil {
		return nil, err
	}
	for _, r := range list {
		resp.Regions = append(resp.Regions, regionToProto(r))
	}
	return resp, nil
}

// UpdateRegion implements RegionService.
func (s *Server) UpdateRegion(ctx context.Context, req *registryv1.UpdateRegionRequest) (*registryv1.UpdateRegionResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	r := regionFromProto(req.GetRegion())
	switch {
	case !p.Related(identity.Scope{Region: r.Code}):
		return nil, domain.ErrNotFound
	case !mayEditRegions(p):
		return nil, domain.ErrPermissionDenied
	}
	ve := &validation.Error{}
	if err := r.Validate(); err != nil {
		ve = validation.Prefixed("region", err).(*validation.Error)
	}
	if r.Version <= 0 {
		ve.Add("region.version", validation.BaseVersion("version"))
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	out, err := s.store.UpdateRegion(ctx, actor(p), r)
	if err != nil {
		return nil, err
	}
	return &registryv1.UpdateRegionResponse{Region: regionToProto(out)}, nil
}
