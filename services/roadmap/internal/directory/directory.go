// Package directory resolves the owners of roadmaps through the registry, on
// behalf of the caller (platform/registryclient signs the caller in and
// translates the registry's answers): it maps the registry's answers to
// domain.Owner.
package directory

import (
	"context"

	"google.golang.org/grpc"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/registryclient"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/domain"
)

// Directory resolves owners through the registry. Its errors are
// registryclient's sentinels, which the server's error table maps.
type Directory struct {
	reg *registryclient.Client
}

// New returns a directory over a registry connection.
func New(signer *identity.Signer, conn grpc.ClientConnInterface) *Directory {
	return &Directory{reg: registryclient.New(signer, conn)}
}

// Organisation resolves an organisation.
func (d *Directory) Organisation(ctx context.Context, id string) (domain.Owner, error) {
	o, err := d.reg.Organisation(ctx, id)
	if err != nil {
		return domain.Owner{}, err
	}
	return organisationOwner(o), nil
}

func organisationOwner(o registryclient.Organisation) domain.Owner {
	return domain.Owner{Kind: domain.OwnerOrganisation, Region: o.RegionCode, Municipality: o.MunicipalityID,
		Organisation: o.ID, Name: o.ShortName, TimeZone: o.TimeZone}
}

// Municipality resolves a municipality.
func (d *Directory) Municipality(ctx context.Context, id string) (domain.Owner, error) {
	m, err := d.reg.Municipality(ctx, id)
	if err != nil {
		return domain.Owner{}, err
	}
	return domain.Owner{Kind: domain.OwnerMunicipality, Region: m.RegionCode, Municipality: m.ID,
		Name: m.Name, TimeZone: m.TimeZone}, nil
}

// Region resolves a region.
func (d *Directory) Region(ctx context.Context, code string) (domain.Owner, error) {
	r, err := d.reg.Region(ctx, code)
	if err != nil {
		return domain.Owner{}, err
	}
	return domain.Owner{Kind: domain.OwnerRegion, Region: r.Code, Name: r.Name, TimeZone: r.TimeZone}, nil
}

// OpenOrganisations lists the organisations open on date (YYYY-MM-DD) in a
// municipality or, with municipality empty, a region.
func (d *Directory) OpenOrganisations(ctx context.Context, region, municipality, date string) ([]domain.Owner, error) {
	if municipality != "" {
		region = "" // the municipality alone says where
	}
	orgs, err := d.reg.OpenOrganisations(ctx, region, municipality, date)
	if err != nil {
		return nil, err
	}
	var out []domain.Owner
	for _, o := range orgs {
		out = append(out, organisationOwner(o))
	}
	return out, nil
}
