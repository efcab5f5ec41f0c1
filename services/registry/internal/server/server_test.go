package server_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/nastavnik/nastavnik/platform/servicetest"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/registry/app"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

type clients struct {
	regions registryv1.RegionServiceClient
	muns    registryv1.MunicipalityServiceClient
	orgs    registryv1.OrganisationServiceClient
}

func start(t *testing.T) clients {
	t.Helper()
	r := servicetest.Start(t, app.Spec)
	return clients{
		regions: registryv1.NewRegionServiceClient(r.Conn),
		muns:    registryv1.NewMunicipalityServiceClient(r.Conn),
		orgs:    registryv1.NewOrganisationServiceClient(r.Conn),
	}
}

// inn returns a valid INN of region 24 numbered n.
func inn(n int) string {
	p := fmt.Sprintf("2465%05d", n)
	return p + string(domain.INNCheckDigit(p))
}

func seedMunicipality(t *testing.T, c clients) *registryv1.Municipality {
	t.Helper()
	ctx := context.Background()
	if _, err := c.regions.CreateRegion(ctx, &registryv1.CreateRegionRequest{Region: &registryv1.Region{
		Code: "24", Name: "Красноярский край", TimeZone: "Asia/Krasnoyarsk"}}); err != nil {
		t.Fatalf("CreateRegion: %v", err)
	}
	m, err := c.muns.CreateMunicipality(ctx, &registryv1.CreateMunicipalityRequest{Municipality: &registryv1.Municipality{
		RegionCode: "24", Name: "городской округ город Красноярск", Kind: registryv1.MunicipalityKind_MUNICIPALITY_KIND_URBAN_DISTRICT}})
	if err != nil {
		t.Fatalf("CreateMunicipality: %v", err)
	}
	return m.GetMunicipality()
}

func newOrg(mun string, n int, short string) *registryv1.Organisation {
	return &registryv1.Organisation{
		MunicipalityId: mun, FullName: "Муниципальное автономное общеобразовательное учреждение " + short,
		ShortName: short, Inn: inn(n), Kind: registryv1.OrganisationKind_ORGANISATION_KIND_SCHOOL,
	}
}

func createOrg(t *testing.T, c clients, o *registryv1.Organisation) *registryv1.Organisation {
	t.Helper()
	resp, err := c.orgs.CreateOrganisation(context.Background(), &registryv1.CreateOrganisationRequest{Organisation: o})
	if err != nil {
		t.Fatalf("CreateOrganisation(%s): %v", o.GetShortName(), err)
	}
	return resp.GetOrganisation()
}

// violatedFields returns the field violations of an InvalidArgument error.
func violatedFields(t *testing.T, err error) []string {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("code = %v (%v), want InvalidArgument", st.Code(), err)
	}
	var fields []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	sort.Strings(fields)
	return fields
}

func TestCreateOrganisationValidation(t *testing.T) {
	c := start(t)
	mun := seedMunicipality(t, c)
	createOrg(t, c, newOrg(mun.GetId(), 1, "МАОУ СШ № 1"))

	tests := []struct {
		name       string
		mutate     func(o *registryv1.Organisation)
		wantCode   codes.Code
		wantFields []string
	}{
		{name: "valid", mutate: func(*registryv1.Organisation) {}, wantCode: codes.OK},
		{name: "INN with a bad check digit", mutate: func(o *registryv1.Organisation) { o.Inn = "1234567890" },
			wantCode: codes.InvalidArgument, wantFields: []string{"organisation.inn"}},
		{name: "duplicate INN", mutate: func(o *registryv1.Organisation) { o.Inn = inn(1) }, wantCode: codes.AlreadyExists},
		{name: "every field wrong at once", mutate: func(o *registryv1.Organisation) {
			o.Inn, o.TimeZone, o.Curator = "12", "Mars/Olympus", &registryv1.Curator{Email: "nope"}
			o.OpenedOn = "2020-13-45"
		}, wantCode: codes.InvalidArgument, wantFields: []string{
			"organisation.curator.email", "organisation.inn", "organisation.opened_on", "organisation.time_zone"}},
		{name: "kind missing", mutate: func(o *registryv1.Organisation) { o.Kind = 0 },
			wantCode: codes.InvalidArgument, wantFields: []string{"organisation.kind"}},
		{name: "names missing", mutate: func(o *registryv1.Organisation) { o.FullName, o.ShortName = "", "" },
			wantCode: codes.InvalidArgument, wantFields: []string{"organisation.full_name", "organisation.short_name"}},
		{name: "unknown municipality", mutate: func(o *registryv1.Organisation) { o.MunicipalityId = "7b0e4d4e-0000-4000-8000-000000000000" },
			wantCode: codes.InvalidArgument, wantFields: []string{"organisation.municipality_id"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := newOrg(mun.GetId(), 100+i, fmt.Sprintf("МБОУ СОШ № %d", 100+i))
			tc.mutate(o)
			_, err := c.orgs.CreateOrganisation(context.Background(), &registryv1.CreateOrganisationRequest{Organisation: o})
			if got := status.Code(err); got != tc.wantCode {
				t.Fatalf("code = %v (%v), want %v", got, err, tc.wantCode)
			}
			if tc.wantFields != nil {
				if diff := cmp.Diff(tc.wantFields, violatedFields(t, err)); diff != "" {
					t.Errorf("violated fields (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestCreateIsIdempotentWithRequestID(t *testing.T) {
	c := start(t)
	mun := seedMunicipality(t, c)
	req := &registryv1.CreateOrganisationRequest{Organisation: newOrg(mun.GetId(), 7, "МАОУ Лицей № 7"),
		RequestId: "0d6f3b1e-8a6c-4c1e-9a55-3f1d2e4b5c6d"}
	first, err := c.orgs.CreateOrganisation(context.Background(), req)
	if err != nil {
		t.Fatalf("first create: %v", err)
	}
	again, err := c.orgs.CreateOrganisation(context.Background(), req)
	if err != nil {
		t.Fatalf("retried create: %v", err)
	}
	if diff := cmp.Diff(first, again, protocmp.Transform()); diff != "" {
		t.Errorf("retry returned another organisation (-first +retry):\n%s", diff)
	}
}

func TestGetUnknownIsNotFound(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	_, err := c.orgs.GetOrganisation(ctx, &registryv1.GetOrganisationRequest{Id: "7b0e4d4e-0000-4000-8000-000000000000"})
	if got := status.Code(err); got != codes.NotFound {
		t.Errorf("GetOrganisation(unknown) code = %v, want NotFound", got)
	}
	_, err = c.orgs.GetOrganisation(ctx, &registryv1.GetOrganisationRequest{Id: "42"})
	if diff := cmp.Diff([]string{"id"}, violatedFields(t, err)); diff != "" {
		t.Errorf("GetOrganisation(42) fields (-want +got):\n%s", diff)
	}
	_, err = c.regions.GetRegion(ctx, &registryv1.GetRegionRequest{Code: "99"})
	if got := status.Code(err); got != codes.NotFound {
		t.Errorf("GetRegion(99) code = %v, want NotFound", got)
	}
}

func TestStaleUpdateIsRejectedAndChangesNothing(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	mun := seedMunicipality(t, c)
	o := createOrg(t, c, newOrg(mun.GetId(), 3, "МБОУ СШ № 3"))

	fresh := proto(o)
	fresh.Address = "660000, г. Красноярск, ул. Ленина, 1"
	updated, err := c.orgs.UpdateOrganisation(ctx, &registryv1.UpdateOrganisationRequest{Organisation: fresh})
	if err != nil {
		t.Fatalf("first update: %v", err)
	}
	if updated.GetOrganisation().GetVersion() != o.GetVersion()+1 {
		t.Errorf("version = %d, want %d", updated.GetOrganisation().GetVersion(), o.GetVersion()+1)
	}

	stale := proto(o) // still at the old version
	stale.ShortName = "перезапись"
	_, err = c.orgs.UpdateOrganisation(ctx, &registryv1.UpdateOrganisationRequest{Organisation: stale})
	if got := status.Code(err); got != codes.Aborted {
		t.Fatalf("stale update code = %v (%v), want Aborted", got, err)
	}
	got, err := c.orgs.GetOrganisation(ctx, &registryv1.GetOrganisationRequest{Id: o.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(updated.GetOrganisation(), got.GetOrganisation(), protocmp.Transform()); diff != "" {
		t.Errorf("stored organisation changed by a stale update (-want +got):\n%s", diff)
	}
}

func TestConcurrentUpdatesExactlyOneWins(t *testing.T) {
	c := start(t)
	mun := seedMunicipality(t, c)
	o := createOrg(t, c, newOrg(mun.GetId(), 4, "МБОУ СШ № 4"))
	const writers = 8
	var wg sync.WaitGroup
	codesSeen := make([]codes.Code, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := proto(o)
			u.Address = fmt.Sprintf("адрес %d", i)
			_, err := c.orgs.UpdateOrganisation(context.Background(), &registryv1.UpdateOrganisationRequest{Organisation: u})
			codesSeen[i] = status.Code(err)
		}()
	}
	wg.Wait()
	ok, aborted := 0, 0
	for _, code := range codesSeen {
		switch code {
		case codes.OK:
			ok++
		case codes.Aborted:
			aborted++
		}
	}
	if ok != 1 || aborted != writers-1 {
		t.Errorf("got %d OK and %d Aborted of %d (%v), want exactly one OK", ok, aborted, writers, codesSeen)
	}
}

func proto(o *registryv1.Organisation) *registryv1.Organisation {
	return &registryv1.Organisation{
		Id: o.GetId(), MunicipalityId: o.GetMunicipalityId(), FullName: o.GetFullName(), ShortName: o.GetShortName(),
		Inn: o.GetInn(), Kind: o.GetKind(), TimeZone: o.GetTimeZone(), Address: o.GetAddress(),
		Curator: o.GetCurator(), OpenedOn: o.GetOpenedOn(), Version: o.GetVersion(),
	}
}
