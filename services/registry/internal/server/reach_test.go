package server_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/servicetest"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/registry/app"
)

// The municipalities a person may list follow its reach, on the real
// database: a methodologist its own municipality, a curator its
// organisation's, the regional centre the region's; an id in a binding that
// is not a UUID matches nothing (the store compares ids as uuids).
func TestMunicipalitiesFollowTheReach(t *testing.T) {
	r := servicetest.Start(t, app.Spec)
	c := clients{regions: registryv1.NewRegionServiceClient(r.Conn), muns: registryv1.NewMunicipalityServiceClient(r.Conn),
		orgs: registryv1.NewOrganisationServiceClient(r.Conn)}
	ctx := context.Background()
	m1 := seedMunicipality(t, c)
	resp, err := c.muns.CreateMunicipality(ctx, &registryv1.CreateMunicipalityRequest{Municipality: &registryv1.Municipality{
		RegionCode: "24", Name: "Емельяновский муниципальный район", Kind: registryv1.MunicipalityKind_MUNICIPALITY_KIND_MUNICIPAL_DISTRICT}})
	if err != nil {
		t.Fatal(err)
	}
	m2 := resp.GetMunicipality()
	org := createOrg(t, c, newOrg(m2.GetId(), 1, "СШ № 1"))
	names := func(p identity.Principal) []string {
		t.Helper()
		list, err := registryv1.NewMunicipalityServiceClient(r.Dial(t, p)).ListMunicipalities(ctx,
			&registryv1.ListMunicipalitiesRequest{PageSize: 100})
		if err != nil {
			t.Fatalf("ListMunicipalities as %s: %v", p.Login, err)
		}
		var out []string
		for _, m := range list.GetMunicipalities() {
			out = append(out, m.GetName())
		}
		if int(list.GetTotalSize()) != len(out) {
			t.Errorf("as %s: total %d, listed %d", p.Login, list.GetTotalSize(), len(out))
		}
		return out
	}
	for _, tc := range []struct {
		p    identity.Principal
		want []string
	}{
		{identity.Principal{Login: "meth", Bindings: []identity.Binding{{Role: identity.Methodologist, Region: "24", Municipality: m1.GetId()}}},
			[]string{m1.GetName()}},
		{identity.Principal{Login: "cur", Bindings: []identity.Binding{{Role: identity.Curator, Region: "24", Municipality: m2.GetId(),
			Organisation: org.GetId()}}}, []string{m2.GetName()}},
		{identity.Principal{Login: "reg", Bindings: []identity.Binding{{Role: identity.Regional, Region: "24"}}},
			[]string{m1.GetName(), m2.GetName()}},
		{identity.Principal{Login: "odd", Bindings: []identity.Binding{{Role: identity.Methodologist, Municipality: "not-a-uuid"}}}, nil},
	} {
		got := names(tc.p)
		if diff := cmp.Diff(tc.want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("as %s (-want +got):\n%s", tc.p.Login, diff)
		}
	}
}
