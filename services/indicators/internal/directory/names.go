package directory

import (
	"context"

	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// RegionNames returns the names of the regions, by code.
func (r *Registry) RegionNames(ctx context.Context) (map[string]string, error) {
	ctx, err := r.outgoing(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	req := &registryv1.ListRegionsRequest{PageSize: 500}
	for {
		resp, err := registryv1.NewRegionServiceClient(r.conn).ListRegions(ctx, req)
		if err != nil {
			return nil, registryErr("directory.RegionNames", err)
		}
		for _, g := range resp.GetRegions() {
			out[g.GetCode()] = g.GetName()
		}
		if resp.GetNextPageToken() == "" {
			return out, nil
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

// MunicipalityNames returns the names of the municipalities of a region (all
// the caller sees when region is empty), by id.
func (r *Registry) MunicipalityNames(ctx context.Context, region string) (map[string]string, error) {
	ctx, err := r.outgoing(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	req := &registryv1.ListMunicipalitiesRequest{Region: region, PageSize: 500}
	for {
		resp, err := registryv1.NewMunicipalityServiceClient(r.conn).ListMunicipalities(ctx, req)
		if err != nil {
			return nil, registryErr("directory.MunicipalityNames", err)
		}
		for _, m := range resp.GetMunicipalities() {
			out[m.GetId()] = m.GetName()
		}
		if resp.GetNextPageToken() == "" {
			return out, nil
		}
		req.PageToken = resp.GetNextPageToken()
	}
}
