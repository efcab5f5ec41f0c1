package server_test

import (
	"context"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/servicetest"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/registry/app"
)

// The outboxes' directory over the real registry: curators of an
// organisation, methodologists of a municipality, the regional centre of a
// region; blocked accounts are left out; only a system identity may ask.
func TestListRecipients(t *testing.T) {
	r := servicetest.Start(t, app.Spec)
	c := clients{regions: registryv1.NewRegionServiceClient(r.Conn), muns: registryv1.NewMunicipalityServiceClient(r.Conn),
		orgs: registryv1.NewOrganisationServiceClient(r.Conn)}
	ctx := context.Background()
	mun := seedMunicipality(t, c)
	o1 := createOrg(t, c, newOrg(mun.GetId(), 1, "СШ № 1"))
	o2 := createOrg(t, c, newOrg(mun.GetId(), 2, "СШ № 2"))
	accounts := registryv1.NewAccountServiceClient(r.Conn)
	create := func(login, email string, role registryv1.Role, scope string) string {
		t.Helper()
		resp, err := accounts.CreateAccount(ctx, &registryv1.CreateAccountRequest{Password: "Recipient-pass-2026",
			Account: &registryv1.Account{Login: login, Name: "Имя " + login, Email: email,
				Roles: []*registryv1.RoleBinding{{Role: role, Scope: scope}}}})
		if err != nil {
			t.Fatalf("CreateAccount %s: %v", login, err)
		}
		return resp.GetAccount().GetId()
	}
	cur1 := create("cur1", "cur1@school.test", registryv1.Role_ROLE_CURATOR, o1.GetId())
	blocked := create("cur1b", "cur1b@school.test", registryv1.Role_ROLE_CURATOR, o1.GetId())
	create("cur2", "cur2@school.test", registryv1.Role_ROLE_CURATOR, o2.GetId())
	meth := create("meth", "meth@mun.test", registryv1.Role_ROLE_METHODOLOGIST, mun.GetId())
	reg := create("reg", "", registryv1.Role_ROLE_REGIONAL, "24")
	if _, err := accounts.BlockAccount(ctx, &registryv1.BlockAccountRequest{Id: blocked}); err != nil {
		t.Fatal(err)
	}

	sys := r.Dial(t, identity.Principal{Login: "indicators", Bindings: []identity.Binding{{Role: identity.System}}})
	dir := notify.NewRegistry(servicetest.Signer, r.Dial(t, identity.Principal{}), "indicators")
	got, err := dir.Recipients(ctx, []notify.Audience{{Role: notify.Curator, Scope: o1.GetId()},
		{Role: notify.Methodologist, Scope: mun.GetId()}, {Role: notify.Regional, Scope: "24"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, list := range got {
		sort.Slice(list, func(i, j int) bool { return list[i].AccountID < list[j].AccountID })
	}
	want := map[notify.Audience][]notify.Recipient{
		{Role: notify.Curator, Scope: o1.GetId()}:        {{AccountID: cur1, Name: "Имя cur1", Email: "cur1@school.test"}},
		{Role: notify.Methodologist, Scope: mun.GetId()}: {{AccountID: meth, Name: "Имя meth", Email: "meth@mun.test"}},
		{Role: notify.Regional, Scope: "24"}:             {{AccountID: reg, Name: "Имя reg"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recipients (-want +got):\n%s", diff)
	}

	// The methodologist turns digests off: its own account only, seen by
	// GetMe and by the outboxes (which then skip it for digests only).
	methConn := registryv1.NewAccountServiceClient(r.Dial(t, identity.Principal{AccountID: meth, Login: "meth",
		Bindings: []identity.Binding{{Role: identity.Methodologist, Region: "24", Municipality: mun.GetId()}}}))
	set, err := methConn.SetMyDigests(ctx, &registryv1.SetMyDigestsRequest{DigestsOff: true})
	if err != nil || set.GetAccount().GetId() != meth || !set.GetAccount().GetDigestsOff() {
		t.Fatalf("SetMyDigests: %v %v", set, err)
	}
	if me, err := methConn.GetMe(ctx, &registryv1.GetMeRequest{}); err != nil || !me.GetAccount().GetDigestsOff() {
		t.Errorf("GetMe after SetMyDigests: %v %v", me, err)
	}
	got, err = dir.Recipients(ctx, []notify.Audience{{Role: notify.Curator, Scope: o1.GetId()}, {Role: notify.Methodologist, Scope: mun.GetId()}})
	if err != nil {
		t.Fatal(err)
	}
	want = map[notify.Audience][]notify.Recipient{
		{Role: notify.Curator, Scope: o1.GetId()}:        {{AccountID: cur1, Name: "Имя cur1", Email: "cur1@school.test"}},
		{Role: notify.Methodologist, Scope: mun.GetId()}: {{AccountID: meth, Name: "Имя meth", Email: "meth@mun.test", DigestsOff: true}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recipients after digests off (-want +got):\n%s", diff)
	}
	if set, err = methConn.SetMyDigests(ctx, &registryv1.SetMyDigestsRequest{}); err != nil || set.GetAccount().GetDigestsOff() {
		t.Errorf("digests on again: %v %v", set, err)
	}

	// A malformed scope names the field; a person (even an operator) is refused.
	_, err = registryv1.NewRecipientServiceClient(sys).ListRecipients(ctx, &registryv1.ListRecipientsRequest{
		Audiences: []*registryv1.Audience{{Role: registryv1.Role_ROLE_CURATOR, Scope: "x"}}})
	if f := violatedFields(t, err); len(f) != 1 || f[0] != "audiences[0].scope" {
		t.Errorf("bad scope: %v %v", f, err)
	}
	_, err = registryv1.NewRecipientServiceClient(r.Conn).ListRecipients(ctx, &registryv1.ListRecipientsRequest{
		Audiences: []*registryv1.Audience{{Role: registryv1.Role_ROLE_REGIONAL, Scope: "24"}}})
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("an operator: %v, want PermissionDenied", err)
	}
}
