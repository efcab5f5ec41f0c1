// Package directory asks the registry about regions, municipalities and
// organisations on behalf of the caller: the caller's identity is signed into
// every call, so the registry answers within the caller's scope. It
// implements domain.Directory.
package directory

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/identity"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
)

// Registry is the registry over gRPC.
type Registry struct {
	signer *identity.Signer
	conn   grpc.ClientConnInterface
}

var _ domain.Directory = (*Registry)(nil)

// New returns the directory over a registry connection.
func New(signer *identity.Signer, conn grpc.ClientConnInterface) *Registry {
	return &Registry{signer: signer, conn: conn}
}

// outgoing signs the caller of ctx into the outgoing call.
func (r *Registry) outgoing(ctx context.Context) (context.Context, error) {
	p, ok := identity.FromContext(ctx)
	if !ok {
		return nil, status.Error(codes.Unauthenticated, "no identity: sign in")
	}
	return r.signer.Outgoing(ctx, p)
}

// registryErr turns the registry's NotFound into domain.ErrNotFound; other
// failures stay errors (Internal or Unavailable to the caller).
func registryErr(op string, err error) error {
	switch status.Code(err) {
	case codes.NotFound, codes.InvalidArgument:
		return fmt.Errorf("%s: %w", op, domain.ErrNotFound)
	case codes.Unavailable, codes.DeadlineExceeded:
		return status.Error(codes.Unavailable, "the registry is unavailable: try again")
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Municipality implements domain.Directory.
func (r *Registry) Municipality(ctx context.Context, id string) (string, error) {
	ctx, err := r.outgoing(ctx)
	if err != nil {
		return "", err
	}
	resp, err := registryv1.NewMunicipalityServiceClient(r.conn).GetMunicipality(ctx, &registryv1.GetMunicipalityRequest{Id: id})
	if err != nil {
		return "", registryErr("directory.Municipality", err)
	}
	return resp.GetMunicipality().GetRegionCode(), nil
}

// Region implements domain.Directory.
func (r *Registry) Region(ctx context.Context, code string) error {
	ctx, err := r.outgoing(ctx)
	if err != nil {
		return err
	}
	if _, err := registryv1.NewRegionServiceClient(r.conn).GetRegion(ctx, &registryv1.GetRegionRequest{Code: code}); err != nil {
		return registryErr("directory.Region", err)
	}
	return nil
}

// OpenOrganisations implements domain.Directory, reading every page.
func (r *Registry) OpenOrganisations(ctx context.Context, region, municipality string, on time.Time) ([]domain.Organisation, error) {
	ctx, err := r.outgoing(ctx)
	if err != nil {
		return nil, err
	}
	client := registryv1.NewOrganisationServiceClient(r.conn)
	req := &registryv1.ListOrganisationsRequest{Region: region, Municipality: municipality,
		OpenOn: on.Format(time.DateOnly), PageSize: 500}
	var out []domain.Organisation
	for {
		resp, err := client.ListOrganisations(ctx, req)
		if err != nil {
			return nil, registryErr("directory.OpenOrganisations", err)
		}
		for _, o := range resp.GetOrganisations() {
			out = append(out, domain.Organisation{ID: o.GetId(), ShortName: o.GetShortName(), FullName: o.GetFullName(),
				MunicipalityID: o.GetMunicipalityId(), RegionCode: o.GetRegionCode(), TimeZone: o.GetEffectiveTimeZone()})
		}
		if resp.GetNextPageToken() == "" {
			return out, nil
		}
		req.PageToken = resp.GetNextPageToken()
	}
}
