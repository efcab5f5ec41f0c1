package server_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/identity"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// TestTargetsFollowTheScope: every role lists the targets for every unit or
// a level, and those of the named units related to its scope — never
// another region's or municipality's.
func TestTargetsFollowTheScope(t *testing.T) {
	w := newAggWorld(t, 1)
	ctx := context.Background()
	muns := w.dir.municipalities() // 24: 0, 1, 2; 38: 3, 4, 5
	m24a, m24b, m38 := muns[0], muns[1], muns[3]
	org := func(mun string) string {
		for _, o := range w.dir.orgs {
			if o.MunicipalityID == mun {
				return o.ID
			}
		}
		t.Fatalf("no organisation in %s", mun)
		return ""
	}
	const code = "students_in_mentoring_share"
	put := indicatorsv1.NewAggregateServiceClient(w.conns["operator"])
	named := map[string]*indicatorsv1.Target{
		"all":  {IndicatorCode: code, Year: 2026, MinValue: 70},
		"R24":  {IndicatorCode: code, Year: 2026, Level: indicatorsv1.Level_LEVEL_REGION, Unit: "24", MinValue: 75},
		"R38":  {IndicatorCode: code, Year: 2026, Level: indicatorsv1.Level_LEVEL_REGION, Unit: "38", MinValue: 76},
		"M24a": {IndicatorCode: code, Year: 2026, Level: indicatorsv1.Level_LEVEL_MUNICIPALITY, Unit: m24a, MinValue: 77},
		"M24b": {IndicatorCode: code, Year: 2026, Level: indicatorsv1.Level_LEVEL_MUNICIPALITY, Unit: m24b, MinValue: 78},
		"M38":  {IndicatorCode: code, Year: 2026, Level: indicatorsv1.Level_LEVEL_MUNICIPALITY, Unit: m38, MinValue: 79},
	}
	for name, target := range named {
		if _, err := put.PutTarget(ctx, &indicatorsv1.PutTargetRequest{Target: target}); err != nil {
			t.Fatalf("put %s: %v", name, err)
		}
	}
	tests := []struct {
		role string
		p    identity.Principal
		want []string
	}{
		{"operator", principals["operator"], []string{"M24a", "M24b", "M38", "R24", "R38", "all"}},
		{"regional 24", identity.Principal{AccountID: "30000000-0000-4000-8000-000000000001", Login: "reg-24",
			Bindings: []identity.Binding{{Role: identity.Regional, Region: "24"}}}, []string{"M24a", "M24b", "R24", "all"}},
		{"regional 38", identity.Principal{AccountID: "30000000-0000-4000-8000-000000000002", Login: "reg-38",
			Bindings: []identity.Binding{{Role: identity.Regional, Region: "38"}}}, []string{"M38", "R38", "all"}},
		{"methodologist of a municipality of 24", identity.Principal{AccountID: "30000000-0000-4000-8000-000000000003", Login: "met",
			Bindings: []identity.Binding{{Role: identity.Methodologist, Region: "24", Municipality: m24a}}}, []string{"M24a", "R24", "all"}},
		{"curator of a school there", identity.Principal{AccountID: "30000000-0000-4000-8000-000000000004", Login: "cur",
			Bindings: []identity.Binding{{Role: identity.Curator, Region: "24", Municipality: m24a, Organisation: org(m24a)}}}, []string{"M24a", "R24", "all"}},
		{"curator in 38", identity.Principal{AccountID: "30000000-0000-4000-8000-000000000005", Login: "cur38",
			Bindings: []identity.Binding{{Role: identity.Curator, Region: "38", Municipality: m38, Organisation: org(m38)}}}, []string{"M38", "R38", "all"}},
		{"methodologist elsewhere", principals["methodologistB"], []string{"all"}},
	}
	for _, tc := range tests {
		t.Run(tc.role, func(t *testing.T) {
			resp, err := indicatorsv1.NewAggregateServiceClient(w.svc.Dial(t, tc.p)).ListTargets(ctx, &indicatorsv1.ListTargetsRequest{Years: []int32{2026}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, target := range resp.GetTargets() {
				for name, n := range named {
					if n.GetUnit() == target.GetUnit() && n.GetLevel() == target.GetLevel() {
						got = append(got, name)
					}
				}
			}
			slices.Sort(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("targets (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTargetUnitIsChecked: a target's unit is a region code (level region)
// or the id of a municipality (level municipality) that exists — anything
// else, long text or HTML included, is a violation of target.unit.
func TestTargetUnitIsChecked(t *testing.T) {
	w := newAggWorld(t, 1)
	ctx := context.Background()
	op := indicatorsv1.NewAggregateServiceClient(w.conns["operator"])
	target := func(level indicatorsv1.Level, unit string) *indicatorsv1.PutTargetRequest {
		return &indicatorsv1.PutTargetRequest{Target: &indicatorsv1.Target{IndicatorCode: "students_in_mentoring_share", Year: 2026,
			Level: level, Unit: unit, MinValue: 50}}
	}
	region, mun := indicatorsv1.Level_LEVEL_REGION, indicatorsv1.Level_LEVEL_MUNICIPALITY
	tests := []struct {
		name   string
		req    *indicatorsv1.PutTargetRequest
		reason string
	}{
		{"HTML as a region", target(region, "<b>24</b>"), "region_code"},
		{"long text as a region", target(region, strings.Repeat("x", 100000)), "string.max_len"},
		{"a region that does not exist", target(region, "99"), "not_found_region"},
		{"a municipality that is not an id", target(mun, "<script>alert(1)</script>"), "uuid"},
		{"a municipality that does not exist", target(mun, "00000000-0000-4000-8000-999999999999"), "not_found_municipality"},
		{"a unit at the organisation level", target(indicatorsv1.Level_LEVEL_ORGANISATION, "24"), "target_unit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := op.PutTarget(ctx, tc.req)
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("got %v, want InvalidArgument", err)
			}
			var fields []string
			for _, d := range status.Convert(err).Details() {
				if br, ok := d.(*errdetails.BadRequest); ok {
					for _, v := range br.GetFieldViolations() {
						fields = append(fields, v.GetField()+" "+v.GetReason())
					}
				}
			}
			if want := []string{"target.unit " + tc.reason}; !cmp.Equal(want, fields) {
				t.Errorf("violations %v, want %v", fields, want)
			}
		})
	}
	resp, err := op.ListTargets(ctx, &indicatorsv1.ListTargetsRequest{Years: []int32{2026}})
	if err != nil || len(resp.GetTargets()) != 0 {
		t.Errorf("targets after refusals: %v %v, want none", resp.GetTargets(), err)
	}
	if _, err := op.PutTarget(ctx, target(mun, w.dir.municipalities()[0])); err != nil {
		t.Errorf("a municipality's target: %v", err)
	}
}
