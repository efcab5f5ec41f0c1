package main

import (
	"context"
	"testing"

	"github.com/nastavnik/nastavnik/platform/servicetest"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	registryapp "github.com/nastavnik/nastavnik/services/registry/app"
)

func TestDemoDataLoadsOnceAndTwiceChangesNothing(t *testing.T) {
	reg := servicetest.Start(t, registryapp.Spec)
	ctx := context.Background()
	first, err := load(ctx, reg.Conn)
	if err != nil {
		t.Fatalf("first load: %v", err)
	}
	if first.created < 48 || first.updated != 0 || first.unchanged != 0 {
		t.Errorf("first load = %+v, want at least 48 organisations created", first)
	}
	second, err := load(ctx, reg.Conn)
	if err != nil {
		t.Fatalf("second load: %v", err)
	}
	if second != (stats{unchanged: first.created}) {
		t.Errorf("second load = %+v, want every organisation unchanged", second)
	}

	for range 2 {
		if err := loadAccounts(ctx, reg.Conn); err != nil {
			t.Fatalf("demo accounts: %v", err)
		}
	}
	al, err := registryv1.NewAccountServiceClient(reg.Conn).ListAccounts(ctx, &registryv1.ListAccountsRequest{})
	if err != nil || len(al.GetAccounts()) != len(demoAccounts) {
		t.Fatalf("accounts after two loads: %v, %v; want %d", al.GetAccounts(), err, len(demoAccounts))
	}
	for _, a := range al.GetAccounts() {
		if len(a.GetRoles()) != 1 || a.GetRoles()[0].GetScope() == "" {
			t.Errorf("demo account %s has roles %v, want one scoped role", a.GetLogin(), a.GetRoles())
		}
	}

	orgs := registryv1.NewOrganisationServiceClient(reg.Conn)
	muns := registryv1.NewMunicipalityServiceClient(reg.Conn)
	ml, err := muns.ListMunicipalities(ctx, &registryv1.ListMunicipalitiesRequest{})
	if err != nil || ml.GetTotalSize() != int32(len(municipalities)) {
		t.Fatalf("municipalities after two loads: %v, %v; want %d", ml.GetTotalSize(), err, len(municipalities))
	}
	kinds := map[registryv1.OrganisationKind]int{}
	zones := map[string]string{}
	for _, m := range ml.GetMunicipalities() {
		resp, err := orgs.ListOrganisations(ctx, &registryv1.ListOrganisationsRequest{Municipality: m.GetId(), PageSize: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range resp.GetOrganisations() {
			if m.GetRegionCode() == "24" {
				kinds[o.GetKind()]++
			}
			zones[o.GetShortName()] = o.GetEffectiveTimeZone()
		}
	}
	if kinds[registryv1.OrganisationKind_ORGANISATION_KIND_SCHOOL] == 0 || kinds[registryv1.OrganisationKind_ORGANISATION_KIND_COLLEGE] == 0 ||
		kinds[registryv1.OrganisationKind_ORGANISATION_KIND_ADDITIONAL] == 0 {
		t.Errorf("Krasnoyarsk lacks a kind of organisation: %v", kinds)
	}
	for name, want := range map[string]string{
		"КОГОБУ СШ с УИОП пгт Тужа":      "Europe/Kirov",
		"МБОУ г. Иркутска СОШ № 42":      "Asia/Irkutsk",
		"МОУ «СОШ № 14 г. Зеленокумска»": "Europe/Moscow",
		"МАОУ СШ № 150":                  "Asia/Krasnoyarsk",
	} {
		if got := zones[name]; got != want {
			t.Errorf("%s: time zone %q, want %q", name, got, want)
		}
	}
}
