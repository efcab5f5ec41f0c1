// Package registryclient asks the registry about regions, municipalities and
// organisations on behalf of the caller: the caller's identity is signed into
// every call, so the registry answers only what the caller may see. It returns
// plain Go values, never proto messages, and translates the registry's
// answers into this package's sentinels in one place:
//
//   - NotFound, PermissionDenied and InvalidArgument become ErrNotFound: what
//     the caller cannot see does not exist;
//   - Unavailable and DeadlineExceeded become ErrUnavailable;
//   - a context without a caller is ErrNoCaller.
//
// Anything else is returned as the registry answered it. A service maps the
// sentinels to gRPC codes in its error table.
package registryclient

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/identity"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

var (
	// ErrNotFound is an object the registry does not have or does not show
	// the caller.
	ErrNotFound = errors.New("not found")
	// ErrUnavailable is a registry that does not answer (in time).
	ErrUnavailable = errors.New("the registry is unavailable: try again later")
	// ErrNoCaller is a call without a caller's identity in its context.
	ErrNoCaller = errors.New("registryclient: no caller identity in the context")
)

// Organisation is what the registry says about an organisation.
type Organisation struct {
	ID             string
	ShortName      string
	FullName       string
	MunicipalityID string
	RegionCode     string
	// TimeZone is the effective one: the organisation's own, or else its
	// municipality's or region's.
	TimeZone string
}

// Municipality is what the registry says about a municipality.
type Municipality struct {
	ID         string
	RegionCode string
	Name       string
	// TimeZone is the effective one: the municipality's own or its region's.
	TimeZone string
}

// Region is what the registry says about a region.
type Region struct {
	Code     string
	Name     string
	TimeZone string
}

// pageSize is how many objects a list call asks for at a time.
const pageSize = 500

// Client is the registry over gRPC.
type Client struct {
	signer *identity.Signer
	orgs   registryv1.OrganisationServiceClient
	muns   registryv1.MunicipalityServiceClient
	rgns   registryv1.RegionServiceClient
}

// New returns a client over a registry connection that signs each caller's
// identity with signer.
func New(signer *identity.Signer, conn grpc.ClientConnInterface) *Client {
	return &Client{signer: signer, orgs: registryv1.NewOrganisationServiceClient(conn),
		muns: registryv1.NewMunicipalityServiceClient(conn), rgns: registryv1.NewRegionServiceClient(conn)}
}

// outgoing signs the caller of ctx into the outgoing call.
func (c *Client) outgoing(ctx context.Context) (context.Context, error) {
	p, ok := identity.FromContext(ctx)
	if !ok {
		return nil, ErrNoCaller
	}
	return c.signer.Outgoing(ctx, p)
}

// translate is the one mapping of the registry's answers to the sentinels.
// The registry's status is not wrapped into a sentinel: the chain must not
// carry a gRPC status, or the service's error table would pass it on as it
// is.
func translate(op string, err error) error {
	switch status.Code(err) {
	case codes.OK:
		return nil
	case codes.NotFound, codes.PermissionDenied, codes.InvalidArgument:
		return fmt.Errorf("registryclient.%s: %w", op, ErrNotFound)
	case codes.Unavailable, codes.DeadlineExceeded:
		return fmt.Errorf("registryclient.%s: %w", op, ErrUnavailable)
	}
	return err
}

// Organisation returns an organisation the caller may see.
func (c *Client) Organisation(ctx context.Context, id string) (Organisation, error) {
	ctx, err := c.outgoing(ctx)
	if err != nil {
		return Organisation{}, err
	}
	resp, err := c.orgs.GetOrganisation(ctx, &registryv1.GetOrganisationRequest{Id: id})
	if err != nil {
		return Organisation{}, translate("Organisation", err)
	}
	return organisation(resp.GetOrganisation()), nil
}

func organisation(o *registryv1.Organisation) Organisation {
	return Organisation{ID: o.GetId(), ShortName: o.GetShortName(), FullName: o.GetFullName(),
		MunicipalityID: o.GetMunicipalityId(), RegionCode: o.GetRegionCode(), TimeZone: o.GetEffectiveTimeZone()}
}

// Municipality returns a municipality the caller may see.
func (c *Client) Municipality(ctx context.Context, id string) (Municipality, error) {
	ctx, err := c.outgoing(ctx)
	if err != nil {
		return Municipality{}, err
	}
	resp, err := c.muns.GetMunicipality(ctx, &registryv1.GetMunicipalityRequest{Id: id})
	if err != nil {
		return Municipality{}, translate("Municipality", err)
	}
	m := resp.GetMunicipality()
	return Municipality{ID: m.GetId(), RegionCode: m.GetRegionCode(), Name: m.GetName(), TimeZone: m.GetEffectiveTimeZone()}, nil
}

// Region returns a region the caller may see.
func (c *Client) Region(ctx context.Context, code string) (Region, error) {
	ctx, err := c.outgoing(ctx)
	if err != nil {
		return Region{}, err
	}
	resp, err := c.rgns.GetRegion(ctx, &registryv1.GetRegionRequest{Code: code})
	if err != nil {
		return Region{}, translate("Region", err)
	}
	r := resp.GetRegion()
	return Region{Code: r.GetCode(), Name: r.GetName(), TimeZone: r.GetTimeZone()}, nil
}

// OpenOrganisations lists, reading every page, the organisations the caller
// sees that are open on date (YYYY-MM-DD) in a region and a municipality;
// either may be empty (no condition).
func (c *Client) OpenOrganisations(ctx context.Context, region, municipality, date string) ([]Organisation, error) {
	ctx, err := c.outgoing(ctx)
	if err != nil {
		return nil, err
	}
	req := &registryv1.ListOrganisationsRequest{Region: region, Municipality: municipality, OpenOn: date, PageSize: pageSize}
	var out []Organisation
	err = pages(func(token string) (string, error) {
		req.PageToken = token
		resp, err := c.orgs.ListOrganisations(ctx, req)
		if err != nil {
			return "", err
		}
		for _, o := range resp.GetOrganisations() {
			out = append(out, organisation(o))
		}
		return resp.GetNextPageToken(), nil
	})
	if err != nil {
		return nil, translate("OpenOrganisations", err)
	}
	return out, nil
}

// RegionNames returns the names of the regions the caller sees, by code.
func (c *Client) RegionNames(ctx context.Context) (map[string]string, error) {
	ctx, err := c.outgoing(ctx)
	if err != nil {
		return nil, err
	}
	req := &registryv1.ListRegionsRequest{PageSize: pageSize}
	out := map[string]string{}
	err = pages(func(token string) (string, error) {
		req.PageToken = token
		resp, err := c.rgns.ListRegions(ctx, req)
		if err != nil {
			return "", err
		}
		for _, r := range resp.GetRegions() {
			out[r.GetCode()] = r.GetName()
		}
		return resp.GetNextPageToken(), nil
	})
	if err != nil {
		return nil, translate("RegionNames", err)
	}
	return out, nil
}

// MunicipalityNames returns the names of the municipalities of a region (of
// all regions when region is empty) the caller sees, by id.
func (c *Client) MunicipalityNames(ctx context.Context, region string) (map[string]string, error) {
	ctx, err := c.outgoing(ctx)
	if err != nil {
		return nil, err
	}
	req := &registryv1.ListMunicipalitiesRequest{Region: region, PageSize: pageSize}
	out := map[string]string{}
	err = pages(func(token string) (string, error) {
		req.PageToken = token
		resp, err := c.muns.ListMunicipalities(ctx, req)
		if err != nil {
			return "", err
		}
		for _, m := range resp.GetMunicipalities() {
			out[m.GetId()] = m.GetName()
		}
		return resp.GetNextPageToken(), nil
	})
	if err != nil {
		return nil, translate("MunicipalityNames", err)
	}
	return out, nil
}

// pages calls page with the token of each page in turn, starting with none,
// until it fails or returns no next token.
func pages(page func(token string) (next string, err error)) error {
	token := ""
	for {
		next, err := page(token)
		if err != nil || next == "" {
			return err
		}
		token = next
	}
}
