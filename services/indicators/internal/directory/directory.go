// Package directory asks the registry about regions, municipalities and
// organisations on behalf of the caller, through platform/registryclient
// (which signs the caller in, reads every page and translates the registry's
// answers). It implements domain.Directory and server.Namer.
package directory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/registryclient"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
)

// Registry is the registry over gRPC.
type Registry struct {
	reg *registryclient.Client
}

var _ domain.Directory = (*Registry)(nil)

// New returns the directory over a registry connection.
func New(signer *identity.Signer, conn grpc.ClientConnInterface) *Registry {
	return &Registry{reg: registryclient.New(signer, conn)}
}

// fromRegistry names the operation and makes the registry's "not found" the
// domain's, which the service's handlers check for; other errors (the
// client's sentinels among them) stay as they are, for the error table.
func fromRegistry(op string, err error) error {
	if errors.Is(err, registryclient.ErrNotFound) {
		return fmt.Errorf("%s: %w", op, domain.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Municipality implements domain.Directory.
func (r *Registry) Municipality(ctx context.Context, id string) (string, error) {
	m, err := r.reg.Municipality(ctx, id)
	if err != nil {
		return "", fromRegistry("directory.Municipality", err)
	}
	return m.RegionCode, nil
}

// MunicipalityName implements domain.Directory.
func (r *Registry) MunicipalityName(ctx context.Context, id string) (string, error) {
	m, err := r.reg.Municipality(ctx, id)
	if err != nil {
		return "", fromRegistry("directory.MunicipalityName", err)
	}
	return m.Name, nil
}

// Region implements domain.Directory.
func (r *Registry) Region(ctx context.Context, code string) error {
	if _, err := r.reg.Region(ctx, code); err != nil {
		return fromRegistry("directory.Region", err)
	}
	return nil
}

// OpenOrganisations implements domain.Directory, reading every page.
func (r *Registry) OpenOrganisations(ctx context.Context, region, municipality string, on time.Time) ([]domain.Organisation, error) {
	orgs, err := r.reg.OpenOrganisations(ctx, region, municipality, on.Format(time.DateOnly))
	if err != nil {
		return nil, fromRegistry("directory.OpenOrganisations", err)
	}
	var out []domain.Organisation
	for _, o := range orgs {
		out = append(out, domain.Organisation{ID: o.ID, ShortName: o.ShortName, FullName: o.FullName,
			MunicipalityID: o.MunicipalityID, RegionCode: o.RegionCode, TimeZone: o.TimeZone})
	}
	return out, nil
}

// RegionNames returns the names of the regions, by code.
func (r *Registry) RegionNames(ctx context.Context) (map[string]string, error) {
	names, err := r.reg.RegionNames(ctx)
	if err != nil {
		return nil, fromRegistry("directory.RegionNames", err)
	}
	return names, nil
}

// MunicipalityNames returns the names of the municipalities of a region (all
// the caller sees when region is empty), by id.
func (r *Registry) MunicipalityNames(ctx context.Context, region string) (map[string]string, error) {
	names, err := r.reg.MunicipalityNames(ctx, region)
	if err != nil {
		return nil, fromRegistry("directory.MunicipalityNames", err)
	}
	return names, nil
}
