package registryclient_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strconv"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/registryclient"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

var signer = func() *identity.Signer {
	s, err := identity.NewSigner([]byte("registryclient-test-key-0123456789abcdef"))
	if err != nil {
		panic(err)
	}
	return s
}()

var caller = identity.Principal{AccountID: "00000000-0000-4000-8000-000000000007", Login: "curator",
	Bindings: []identity.Binding{{Role: identity.Regional, Region: "43"}}}

// fakeRegistry answers as the registry would. An id or code naming a gRPC
// code ("NotFound", "Unavailable", …) fails with that code; lists come in
// pages of two.
type fakeRegistry struct {
	registryv1.UnimplementedOrganisationServiceServer
	registryv1.UnimplementedMunicipalityServiceServer
	registryv1.UnimplementedRegionServiceServer
	t *testing.T
	// lists are the list requests received, in order.
	lists []string
}

// check fails a call whose identity is not the caller's, and one named after
// a gRPC code with that code.
func (f *fakeRegistry) check(ctx context.Context, key string) error {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get(identity.MetadataKey)
	if len(vals) != 1 {
		return status.Error(codes.Unauthenticated, "no identity")
	}
	p, err := signer.Verify(vals[0], time.Now())
	if err != nil || p.Login != caller.Login {
		f.t.Errorf("identity = %+v, %v; want the caller's", p, err)
	}
	for c := codes.OK + 1; c <= codes.Unauthenticated; c++ {
		if key == c.String() {
			return status.Error(c, "the registry says "+key)
		}
	}
	return nil
}

func (f *fakeRegistry) GetOrganisation(ctx context.Context, req *registryv1.GetOrganisationRequest) (*registryv1.GetOrganisationResponse, error) {
	if err := f.check(ctx, req.GetId()); err != nil {
		return nil, err
	}
	return &registryv1.GetOrganisationResponse{Organisation: org(req.GetId())}, nil
}

func org(id string) *registryv1.Organisation {
	return &registryv1.Organisation{Id: id, ShortName: "СШ " + id, FullName: "Средняя школа " + id, MunicipalityId: "m1",
		RegionCode: "43", TimeZone: "", EffectiveTimeZone: "Europe/Kirov", Inn: "4300000000"}
}

func (f *fakeRegistry) GetMunicipality(ctx context.Context, req *registryv1.GetMunicipalityRequest) (*registryv1.GetMunicipalityResponse, error) {
	if err := f.check(ctx, req.GetId()); err != nil {
		return nil, err
	}
	return &registryv1.GetMunicipalityResponse{Municipality: &registryv1.Municipality{Id: req.GetId(), RegionCode: "43",
		Name: "Кирово-Чепецкий район", EffectiveTimeZone: "Europe/Kirov"}}, nil
}

func (f *fakeRegistry) GetRegion(ctx context.Context, req *registryv1.GetRegionRequest) (*registryv1.GetRegionResponse, error) {
	if err := f.check(ctx, req.GetCode()); err != nil {
		return nil, err
	}
	return &registryv1.GetRegionResponse{Region: &registryv1.Region{Code: req.GetCode(), Name: "Кировская область",
		TimeZone: "Europe/Kirov"}}, nil
}

// page returns the page of a token of n objects in pages of two, and the next
// token.
func page(token string, n int) (from, to int, next string) {
	from, _ = strconv.Atoi(token)
	to = min(from+2, n)
	if to < n {
		next = strconv.Itoa(to)
	}
	return from, to, next
}

func (f *fakeRegistry) ListOrganisations(ctx context.Context, req *registryv1.ListOrganisationsRequest) (*registryv1.ListOrganisationsResponse, error) {
	f.lists = append(f.lists, fmt.Sprintf("organisations region=%q municipality=%q open_on=%q size=%d token=%q",
		req.GetRegion(), req.GetMunicipality(), req.GetOpenOn(), req.GetPageSize(), req.GetPageToken()))
	if err := f.check(ctx, req.GetRegion()); err != nil {
		return nil, err
	}
	from, to, next := page(req.GetPageToken(), 5)
	resp := &registryv1.ListOrganisationsResponse{NextPageToken: next}
	for i := from; i < to; i++ {
		resp.Organisations = append(resp.Organisations, org(strconv.Itoa(i)))
	}
	return resp, nil
}

func (f *fakeRegistry) ListRegions(ctx context.Context, req *registryv1.ListRegionsRequest) (*registryv1.ListRegionsResponse, error) {
	f.lists = append(f.lists, fmt.Sprintf("regions size=%d token=%q", req.GetPageSize(), req.GetPageToken()))
	if err := f.check(ctx, ""); err != nil {
		return nil, err
	}
	from, to, next := page(req.GetPageToken(), 3)
	resp := &registryv1.ListRegionsResponse{NextPageToken: next}
	for i := from; i < to; i++ {
		resp.Regions = append(resp.Regions, &registryv1.Region{Code: fmt.Sprintf("%02d", i), Name: "Регион " + strconv.Itoa(i)})
	}
	return resp, nil
}

func (f *fakeRegistry) ListMunicipalities(ctx context.Context, req *registryv1.ListMunicipalitiesRequest) (*registryv1.ListMunicipalitiesResponse, error) {
	f.lists = append(f.lists, fmt.Sprintf("municipalities region=%q size=%d token=%q", req.GetRegion(), req.GetPageSize(), req.GetPageToken()))
	if err := f.check(ctx, req.GetRegion()); err != nil {
		return nil, err
	}
	from, to, next := page(req.GetPageToken(), 4)
	resp := &registryv1.ListMunicipalitiesResponse{NextPageToken: next}
	for i := from; i < to; i++ {
		resp.Municipalities = append(resp.Municipalities, &registryv1.Municipality{Id: "m" + strconv.Itoa(i), Name: "Район " + strconv.Itoa(i)})
	}
	return resp, nil
}

// start serves a fake registry in-process and returns a client of it.
func start(t *testing.T) (*registryclient.Client, *fakeRegistry) {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	f := &fakeRegistry{t: t}
	registryv1.RegisterOrganisationServiceServer(srv, f)
	registryv1.RegisterMunicipalityServiceServer(srv, f)
	registryv1.RegisterRegionServiceServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///registry", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return registryclient.New(signer, conn), f
}

func asCaller() context.Context {
	return identity.WithPrincipal(context.Background(), caller)
}

func TestAnswersArePlainValues(t *testing.T) {
	c, _ := start(t)
	ctx := asCaller()
	o, err := c.Organisation(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	want := registryclient.Organisation{ID: "o1", ShortName: "СШ o1", FullName: "Средняя школа o1", MunicipalityID: "m1",
		RegionCode: "43", TimeZone: "Europe/Kirov"}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("Organisation = %+v, want %+v", o, want)
	}
	m, err := c.Municipality(ctx, "m9")
	if err != nil {
		t.Fatal(err)
	}
	wantM := registryclient.Municipality{ID: "m9", RegionCode: "43", Name: "Кирово-Чепецкий район", TimeZone: "Europe/Kirov"}
	if !reflect.DeepEqual(m, wantM) {
		t.Errorf("Municipality = %+v, want %+v", m, wantM)
	}
	r, err := c.Region(ctx, "43")
	if err != nil {
		t.Fatal(err)
	}
	wantR := registryclient.Region{Code: "43", Name: "Кировская область", TimeZone: "Europe/Kirov"}
	if !reflect.DeepEqual(r, wantR) {
		t.Errorf("Region = %+v, want %+v", r, wantR)
	}
}

func TestListsReadEveryPage(t *testing.T) {
	c, f := start(t)
	ctx := asCaller()
	orgs, err := c.OpenOrganisations(ctx, "43", "m1", "2026-09-01")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range orgs {
		ids = append(ids, o.ID)
	}
	if want := []string{"0", "1", "2", "3", "4"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("OpenOrganisations ids = %+v, want %+v", ids, want)
	}
	regions, err := c.RegionNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"00": "Регион 0", "01": "Регион 1", "02": "Регион 2"}; !reflect.DeepEqual(regions, want) {
		t.Errorf("RegionNames = %+v, want %+v", regions, want)
	}
	muns, err := c.MunicipalityNames(ctx, "43")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"m0": "Район 0", "m1": "Район 1", "m2": "Район 2", "m3": "Район 3"}; !reflect.DeepEqual(muns, want) {
		t.Errorf("MunicipalityNames = %+v, want %+v", muns, want)
	}
	want := []string{
		`organisations region="43" municipality="m1" open_on="2026-09-01" size=500 token=""`,
		`organisations region="43" municipality="m1" open_on="2026-09-01" size=500 token="2"`,
		`organisations region="43" municipality="m1" open_on="2026-09-01" size=500 token="4"`,
		`regions size=500 token=""`,
		`regions size=500 token="2"`,
		`municipalities region="43" size=500 token=""`,
		`municipalities region="43" size=500 token="2"`,
	}
	if !reflect.DeepEqual(f.lists, want) {
		t.Errorf("requests = %+v, want %+v", f.lists, want)
	}
}

// calls are every method of the client, asked about key.
var calls = map[string]func(c *registryclient.Client, ctx context.Context, key string) error{
	"Organisation": func(c *registryclient.Client, ctx context.Context, key string) error {
		_, err := c.Organisation(ctx, key)
		return err
	},
	"Municipality": func(c *registryclient.Client, ctx context.Context, key string) error {
		_, err := c.Municipality(ctx, key)
		return err
	},
	"Region": func(c *registryclient.Client, ctx context.Context, key string) error {
		_, err := c.Region(ctx, key)
		return err
	},
	"OpenOrganisations": func(c *registryclient.Client, ctx context.Context, key string) error {
		_, err := c.OpenOrganisations(ctx, key, "", "2026-09-01")
		return err
	},
	"MunicipalityNames": func(c *registryclient.Client, ctx context.Context, key string) error {
		_, err := c.MunicipalityNames(ctx, key)
		return err
	},
}

func TestRegistryCodesBecomeSentinels(t *testing.T) {
	c, _ := start(t)
	tests := []struct {
		code codes.Code
		want error
	}{
		{codes.NotFound, registryclient.ErrNotFound},
		{codes.PermissionDenied, registryclient.ErrNotFound},
		{codes.InvalidArgument, registryclient.ErrNotFound},
		{codes.Unavailable, registryclient.ErrUnavailable},
		{codes.DeadlineExceeded, registryclient.ErrUnavailable},
	}
	for name, call := range calls {
		for _, tc := range tests {
			err := call(c, asCaller(), tc.code.String())
			if !errors.Is(err, tc.want) {
				t.Errorf("%s answered %v: err = %v, want %v", name, tc.code, err, tc.want)
			}
			// No gRPC status in the chain: the service's error table decides the code.
			if _, ok := status.FromError(err); ok {
				t.Errorf("%s answered %v: err = %v carries a gRPC status", name, tc.code, err)
			}
		}
		// Other answers pass as the registry gave them.
		err := call(c, asCaller(), codes.Internal.String())
		if st, _ := status.FromError(err); st.Code() != codes.Internal || errors.Is(err, registryclient.ErrNotFound) ||
			errors.Is(err, registryclient.ErrUnavailable) {
			t.Errorf("%s answered Internal: err = %v, want the registry's Internal", name, err)
		}
	}
}

func TestNoCallerIsAnErrorNotAStatus(t *testing.T) {
	c, f := start(t)
	for name, call := range calls {
		err := call(c, context.Background(), "43")
		if !errors.Is(err, registryclient.ErrNoCaller) {
			t.Errorf("%s without a caller: err = %v, want ErrNoCaller", name, err)
		}
		if _, ok := status.FromError(err); ok {
			t.Errorf("%s without a caller: err = %v is a gRPC status", name, err)
		}
	}
	if _, err := c.RegionNames(context.Background()); !errors.Is(err, registryclient.ErrNoCaller) {
		t.Errorf("RegionNames without a caller: err = %v, want ErrNoCaller", err)
	}
	if len(f.lists) != 0 {
		t.Errorf("the registry was asked without a caller: %q", f.lists)
	}
}
