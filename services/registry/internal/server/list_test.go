package server_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

func TestListFiltersAndSearch(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	mun := seedMunicipality(t, c).GetId()
	names := []struct {
		short string
		kind  registryv1.OrganisationKind
	}{
		{"МБОУ Ёлкинская СОШ", registryv1.OrganisationKind_ORGANISATION_KIND_SCHOOL},
		{"МАОУ Гимназия № 2", registryv1.OrganisationKind_ORGANISATION_KIND_SCHOOL},
		{"КГБПОУ Педколледж", registryv1.OrganisationKind_ORGANISATION_KIND_COLLEGE},
		{"МБОУ ДО ДДТ «Ёлочка»", registryv1.OrganisationKind_ORGANISATION_KIND_ADDITIONAL},
	}
	for i, n := range names {
		o := newOrg(mun, 10+i, n.short)
		o.Kind = n.kind
		createOrg(t, c, o)
	}
	tests := []struct {
		name string
		req  *registryv1.ListOrganisationsRequest
		want []string
	}{
		{"by kind", &registryv1.ListOrganisationsRequest{Kind: registryv1.OrganisationKind_ORGANISATION_KIND_SCHOOL},
			[]string{"МАОУ Гимназия № 2", "МБОУ Ёлкинская СОШ"}},
		{"е finds ё, any case", &registryv1.ListOrganisationsRequest{Query: "ЕЛК"}, []string{"МБОУ Ёлкинская СОШ"}},
		{"ё finds ё", &registryv1.ListOrganisationsRequest{Query: "ёлоч"}, []string{"МБОУ ДО ДДТ «Ёлочка»"}},
		{"INN prefix", &registryv1.ListOrganisationsRequest{Query: inn(12)[:9]}, []string{"КГБПОУ Педколледж"}},
		{"LIKE metacharacters are literal", &registryv1.ListOrganisationsRequest{Query: "%"}, nil},
		{"region", &registryv1.ListOrganisationsRequest{Region: "24", Status: registryv1.OrganisationStatus_ORGANISATION_STATUS_OPEN},
			[]string{"КГБПОУ Педколледж", "МАОУ Гимназия № 2", "МБОУ ДО ДДТ «Ёлочка»", "МБОУ Ёлкинская СОШ"}},
		{"other region", &registryv1.ListOrganisationsRequest{Region: "43"}, nil},
		{"closed", &registryv1.ListOrganisationsRequest{Status: registryv1.OrganisationStatus_ORGANISATION_STATUS_CLOSED}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := c.orgs.ListOrganisations(ctx, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range resp.GetOrganisations() {
				got = append(got, o.GetShortName())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("organisations (-want +got):\n%s", diff)
			}
			if int(resp.GetTotalSize()) != len(tc.want) {
				t.Errorf("total_size = %d, want %d", resp.GetTotalSize(), len(tc.want))
			}
		})
	}
}

func TestPageTokenIsBoundToItsFilters(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	mun := seedMunicipality(t, c).GetId()
	for i := range 3 {
		createOrg(t, c, newOrg(mun, 20+i, "СШ "+string(rune('А'+i))))
	}
	first, err := c.orgs.ListOrganisations(ctx, &registryv1.ListOrganisationsRequest{PageSize: 1})
	if err != nil || first.GetNextPageToken() == "" {
		t.Fatalf("first page: %v, token %q", err, first.GetNextPageToken())
	}
	_, err = c.orgs.ListOrganisations(ctx, &registryv1.ListOrganisationsRequest{PageSize: 1, PageToken: first.GetNextPageToken(), Query: "сш"})
	if diff := cmp.Diff([]string{"page_token"}, violatedFields(t, err)); diff != "" {
		t.Errorf("token under other filters (-want +got):\n%s", diff)
	}
	_, err = c.orgs.ListOrganisations(ctx, &registryv1.ListOrganisationsRequest{PageSize: 501})
	if got := status.Code(err); got != codes.InvalidArgument {
		t.Errorf("page_size 501: %v, want InvalidArgument", got)
	}
}

func TestRegionsAndMunicipalities(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	seedMunicipality(t, c)
	for _, r := range []*registryv1.Region{
		{Code: "43", Name: "Кировская область", TimeZone: "Europe/Kirov"},
		{Code: "38", Name: "Иркутская область", TimeZone: "Asia/Irkutsk"},
	} {
		if _, err := c.regions.CreateRegion(ctx, &registryv1.CreateRegionRequest{Region: r}); err != nil {
			t.Fatal(err)
		}
	}
	// The same region again is an idempotent retry; a different one with its code is a conflict.
	if _, err := c.regions.CreateRegion(ctx, &registryv1.CreateRegionRequest{Region: &registryv1.Region{Code: "43", Name: "Кировская область", TimeZone: "Europe/Kirov"}}); err != nil {
		t.Errorf("identical retry: %v", err)
	}
	_, err := c.regions.CreateRegion(ctx, &registryv1.CreateRegionRequest{Region: &registryv1.Region{Code: "43", Name: "Другая", TimeZone: "Europe/Kirov"}})
	if got := status.Code(err); got != codes.AlreadyExists {
		t.Errorf("conflicting region: %v, want AlreadyExists", got)
	}
	_, err = c.regions.CreateRegion(ctx, &registryv1.CreateRegionRequest{Region: &registryv1.Region{Code: "7", Name: "", TimeZone: "MSK"}})
	if diff := cmp.Diff([]string{"region.code", "region.name", "region.time_zone"}, violatedFields(t, err)); diff != "" {
		t.Errorf("bad region (-want +got):\n%s", diff)
	}

	var codesSeen []string
	token := ""
	for {
		resp, err := c.regions.ListRegions(ctx, &registryv1.ListRegionsRequest{PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resp.GetRegions() {
			codesSeen = append(codesSeen, r.GetCode())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if diff := cmp.Diff([]string{"24", "38", "43"}, codesSeen); diff != "" {
		t.Errorf("regions (-want +got):\n%s", diff)
	}

	// A municipality inherits the region's zone unless it has its own.
	m, err := c.muns.CreateMunicipality(ctx, &registryv1.CreateMunicipalityRequest{Municipality: &registryv1.Municipality{
		RegionCode: "43", Name: "Тужинский муниципальный район", Kind: registryv1.MunicipalityKind_MUNICIPALITY_KIND_MUNICIPAL_DISTRICT}})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.GetMunicipality().GetEffectiveTimeZone(); got != "Europe/Kirov" {
		t.Errorf("effective zone = %q, want Europe/Kirov", got)
	}
	upd := m.GetMunicipality()
	upd.TimeZone = "Europe/Moscow"
	u, err := c.muns.UpdateMunicipality(ctx, &registryv1.UpdateMunicipalityRequest{Municipality: upd})
	if err != nil {
		t.Fatal(err)
	}
	if got := u.GetMunicipality().GetEffectiveTimeZone(); got != "Europe/Moscow" {
		t.Errorf("effective zone after update = %q, want Europe/Moscow", got)
	}
	_, err = c.muns.UpdateMunicipality(ctx, &registryv1.UpdateMunicipalityRequest{Municipality: upd})
	if got := status.Code(err); got != codes.Aborted {
		t.Errorf("stale municipality update: %v, want Aborted", got)
	}
	list, err := c.muns.ListMunicipalities(ctx, &registryv1.ListMunicipalitiesRequest{Region: "43", Query: "ТУЖИН"})
	if err != nil || len(list.GetMunicipalities()) != 1 {
		t.Errorf("search municipalities: %v %v, want one", err, list.GetMunicipalities())
	}
	_, err = c.muns.CreateMunicipality(ctx, &registryv1.CreateMunicipalityRequest{Municipality: &registryv1.Municipality{
		RegionCode: "43", Name: "Тужинский муниципальный район", Kind: registryv1.MunicipalityKind_MUNICIPALITY_KIND_MUNICIPAL_DISTRICT}})
	if got := status.Code(err); got != codes.AlreadyExists {
		t.Errorf("duplicate municipality name: %v, want AlreadyExists", got)
	}
}

func TestOrganisationTimeZoneInheritance(t *testing.T) {
	c := start(t)
	mun := seedMunicipality(t, c).GetId()
	inherit := createOrg(t, c, newOrg(mun, 30, "СШ наследует"))
	own := newOrg(mun, 31, "СШ своя зона")
	own.TimeZone = "Asia/Irkutsk"
	overridden := createOrg(t, c, own)
	if got := inherit.GetEffectiveTimeZone(); got != "Asia/Krasnoyarsk" {
		t.Errorf("inherited zone = %q, want Asia/Krasnoyarsk", got)
	}
	if got := overridden.GetEffectiveTimeZone(); got != "Asia/Irkutsk" {
		t.Errorf("own zone = %q, want Asia/Irkutsk", got)
	}
}
