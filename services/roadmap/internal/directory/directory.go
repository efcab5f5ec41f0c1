// Package directory asks the registry about the owners of roadmaps, on behalf
// of the caller: the caller's identity is signed into each call, so the
// registry answers only what the caller may see.
package directory

import (
	"context"
	"errors"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/identity"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/domain"
)

// Directory resolves owners through the registry.
type Directory struct {
	signer *identity.Signer
	orgs   registryv1.OrganisationServiceClient
	muns   registryv1.MunicipalityServiceClient
	rgns   registryv1.RegionServiceClient
}

// New returns a directory over a registry connection.
func New(signer *identity.Signer, conn *grpc.ClientConn) *Directory {
	return &Directory{signer: signer, orgs: registryv1.NewOrganisationServiceClient(conn),
		muns: registryv1.NewMunicipalityServiceClient(conn), rgns: registryv1.NewRegionServiceClient(conn)}
}

// ErrUnavailable is a registry that does not answer.
var ErrUnavailable = errors.New("the registry is unavailable: try again later")

func (d *Directory) outgoing(ctx context.Context) (context.Context, error) {
	p, ok := identity.FromContext(ctx)
	if !ok {
		return nil, errors.New("directory: no caller")
	}
	return d.signer.Outgoing(ctx, p)
}

// translate maps the registry's answers: what the caller cannot see does not
// exist.
func translate(err error) error {
	switch status.Code(err) {
	case codes.OK:
		return nil
	case codes.NotFound, codes.PermissionDenied, codes.InvalidArgument:
		return domain.ErrNotFound
	case codes.Unavailable, codes.DeadlineExceeded:
		return ErrUnavailable
	}
	return err
}

// Organisation resolves an organisation.
func (d *Directory) Organisation(ctx context.Context, id string) (domain.Owner, error) {
	ctx, err := d.outgoing(ctx)
	if err != nil {
		return domain.Owner{}, err
	}
	resp, err := d.orgs.GetOrganisation(ctx, &registryv1.GetOrganisationRequest{Id: id})
	if err != nil {
		return domain.Owner{}, translate(err)
	}
	return organisationOwner(resp.GetOrganisation()), nil
}

func organisationOwner(o *registryv1.Organisation) domain.Owner {
	return domain.Owner{Kind: domain.OwnerOrganisation, Region: o.GetRegionCode(), Municipality: o.GetMunicipalityId(),
		Organisation: o.GetId(), Name: o.GetShortName(), TimeZone: o.GetEffectiveTimeZone()}
}

// Municipality resolves a municipality.
func (d *Directory) Municipality(ctx context.Context, id string) (domain.Owner, error) {
	ctx, err := d.outgoing(ctx)
	if err != nil {
		return domain.Owner{}, err
	}
	resp, err := d.muns.GetMunicipality(ctx, &registryv1.GetMunicipalityRequest{Id: id})
	if err != nil {
		return domain.Owner{}, translate(err)
	}
	m := resp.GetMunicipality()
	return domain.Owner{Kind: domain.OwnerMunicipality, Region: m.GetRegionCode(), Municipality: m.GetId(),
		Name: m.GetName(), TimeZone: m.GetEffectiveTimeZone()}, nil
}

// Region resolves a region.
func (d *Directory) Region(ctx context.Context, code string) (domain.Owner, error) {
	ctx, err := d.outgoing(ctx)
	if err != nil {
		return domain.Owner{}, err
	}
	resp, err := d.rgns.GetRegion(ctx, &registryv1.GetRegionRequest{Code: code})
	if err != nil {
		return domain.Owner{}, translate(err)
	}
	r := resp.GetRegion()
	return domain.Owner{Kind: domain.OwnerRegion, Region: r.GetCode(), Name: r.GetName(), TimeZone: r.GetTimeZone()}, nil
}

// OpenOrganisations lists the organisations open on date (YYYY-MM-DD) in a
// municipality or, with municipality empty, a region.
func (d *Directory) OpenOrganisations(ctx context.Context, region, municipality, date string) ([]domain.Owner, error) {
	ctx, err := d.outgoing(ctx)
	if err != nil {
		return nil, err
	}
	req := &registryv1.ListOrganisationsRequest{OpenOn: date, PageSize: 500}
	if municipality != "" {
		req.Municipality = municipality
	} else {
		req.Region = region
	}
	var out []domain.Owner
	for {
		resp, err := d.orgs.ListOrganisations(ctx, req)
		if err != nil {
			return nil, translate(err)
		}
		for _, o := range resp.GetOrganisations() {
			out = append(out, organisationOwner(o))
		}
		if resp.GetNextPageToken() == "" {
			return out, nil
		}
		req.PageToken = resp.GetNextPageToken()
	}
}
