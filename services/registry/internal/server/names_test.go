package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"

	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// Names are stored clean — NFC, without zero-width characters or
// direction marks, white space collapsed — whether typed or imported, and a
// name with bidirectional controls (text that displays as other text) is a
// violation of its field.
func TestNamesAreCleaned(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	mun := seedMunicipality(t, c).GetId()

	o := newOrg(mun, 1, "  СШ\u00a0№\u200b 1\t")
	o.FullName = "Муниципальное\n\nучреждение «Краи\u0306»\ufeff"
	o.Address = "ул.\u2003Ленина,\u200e 1"
	got := createOrg(t, c, o)
	want := []string{"СШ № 1", "Муниципальное учреждение «Край»", "ул. Ленина, 1"}
	if diff := cmp.Diff(want, []string{got.GetShortName(), got.GetFullName(), got.GetAddress()}); diff != "" {
		t.Errorf("stored names (-want +got):\n%s", diff)
	}

	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"right-to-left override in a municipality", func() error {
			_, err := c.muns.CreateMunicipality(ctx, &registryv1.CreateMunicipalityRequest{Municipality: &registryv1.Municipality{
				RegionCode: "24", Name: "Ачинск\u202eкиньлоп", Kind: registryv1.MunicipalityKind_MUNICIPALITY_KIND_URBAN_DISTRICT}})
			return err
		}, "municipality.name"},
		{"isolate in an organisation", func() error {
			bad := newOrg(mun, 2, "СШ \u2067№ 2\u2069")
			bad.FullName = "Школа № 2"
			_, err := c.orgs.CreateOrganisation(ctx, &registryv1.CreateOrganisationRequest{Organisation: bad})
			return err
		}, "organisation.short_name"},
		{"embedding in a region", func() error {
			_, err := c.regions.CreateRegion(ctx, &registryv1.CreateRegionRequest{Region: &registryv1.Region{
				Code: "38", Name: "\u202bИркутская область", TimeZone: "Asia/Irkutsk"}})
			return err
		}, "region.name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var got []string
			for _, d := range status.Convert(err).Details() {
				if br, ok := d.(*errdetails.BadRequest); ok {
					for _, v := range br.GetFieldViolations() {
						got = append(got, v.GetField()+" "+v.GetReason())
					}
				}
			}
			if diff := cmp.Diff([]string{tc.field + " bidi_control"}, got); diff != "" {
				t.Errorf("violations of %v (-want +got):\n%s", err, diff)
			}
		})
	}

	// An imported file's names are cleaned the same way; a bidirectional
	// control rejects the row.
	bad := importFile(t, c, mun, registryv1.ImportFormat_IMPORT_FORMAT_CSV, []byte(header+csvRow(4, "СШ \u202e№ 4", "ОУ", "")), true)
	if bad.GetRejected() != 1 || !strings.Contains(fmt.Sprint(bad.GetRows()), "bidirectional control") {
		t.Errorf("a row with a bidirectional control: %d rejected, rows %v; want it rejected for the bidirectional control", bad.GetRejected(), bad.GetRows())
	}
	resp := importFile(t, c, mun, registryv1.ImportFormat_IMPORT_FORMAT_CSV, []byte(header+csvRow(3, "СШ\u200b № 3", "ОУ", "")), false)
	if !resp.GetApplied() || resp.GetCreated() != 1 {
		t.Fatalf("import: %v", resp)
	}
	list, err := c.orgs.ListOrganisations(ctx, &registryv1.ListOrganisationsRequest{Municipality: mun})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range list.GetOrganisations() {
		names = append(names, o.GetShortName())
	}
	if diff := cmp.Diff([]string{"СШ № 1", "СШ № 3"}, names); diff != "" {
		t.Errorf("organisations after the import (-want +got):\n%s", diff)
	}
}
