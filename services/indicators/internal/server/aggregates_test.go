package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/platform/servicetest"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
	"github.com/nastavnik/nastavnik/services/indicators/internal/indicator"
	"github.com/nastavnik/nastavnik/services/indicators/internal/server"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// manyOrgs is a directory of regions 24 and 38, three municipalities each,
// perMun organisations in each.
type manyOrgs struct{ orgs []domain.Organisation }

func newManyOrgs(perMun int) manyOrgs {
	var d manyOrgs
	for r, region := range []string{"24", "38"} {
		for m := range 3 {
			mun := fmt.Sprintf("00000000-0000-4000-8000-0000000%02d%03d", r, m)
			for o := range perMun {
				d.orgs = append(d.orgs, domain.Organisation{ID: fmt.Sprintf("10000000-0000-4000-8000-0000%02d%03d%03d", r, m, o),
					ShortName: fmt.Sprintf("Школа %d-%d-%03d", r, m, o), FullName: "Школа", MunicipalityID: mun, RegionCode: region,
					TimeZone: "Asia/Krasnoyarsk"})
			}
		}
	}
	return d
}

func (d manyOrgs) municipalities() []string {
	var out []string
	for _, o := range d.orgs {
		if len(out) == 0 || out[len(out)-1] != o.MunicipalityID {
			out = append(out, o.MunicipalityID)
		}
	}
	return out
}

func (d manyOrgs) Municipality(ctx context.Context, id string) (string, error) {
	p, _ := identity.FromContext(ctx)
	for _, o := range d.orgs {
		if o.MunicipalityID == id && p.Related(identity.Scope{Region: o.RegionCode, Municipality: id}) {
			return o.RegionCode, nil
		}
	}
	return "", domain.ErrNotFound
}

// MunicipalityName names a municipality "Муниципалитет <last two digits>".
func (d manyOrgs) MunicipalityName(ctx context.Context, id string) (string, error) {
	if _, err := d.Municipality(ctx, id); err != nil {
		return "", err
	}
	return "Муниципалитет " + id[len(id)-2:], nil
}

func (d manyOrgs) Region(ctx context.Context, code string) error {
	p, _ := identity.FromContext(ctx)
	if !p.Related(identity.Scope{Region: code}) || !slices.ContainsFunc(d.orgs, func(o domain.Organisation) bool { return o.RegionCode == code }) {
		return domain.ErrNotFound
	}
	return nil
}

func (d manyOrgs) OpenOrganisations(_ context.Context, region, mun string, _ time.Time) ([]domain.Organisation, error) {
	var out []domain.Organisation
	for _, o := range d.orgs {
		if o.RegionCode == region && (mun == "" || o.MunicipalityID == mun) {
			out = append(out, o)
		}
	}
	return out, nil
}

// randomValues fills the form with values that satisfy every error rule;
// some organisations have no young teachers (a zero denominator).
func randomValues(rng *rand.Rand) map[string]*indicatorsv1.Value {
	v := map[string]*indicatorsv1.Value{}
	n := func(hi int64) int64 { return rng.Int64N(hi + 1) }
	for _, f := range form.Mentorship().Fields() {
		switch f.Type {
		case form.Count:
			v[f.Code] = cnt(n(12))
		case form.YesNo:
			v[f.Code] = yes(fmt.Sprintf("%d-од", n(99)))
		}
	}
	teachers := 20 + n(100)
	young := n(teachers / 4)
	if rng.IntN(8) == 0 {
		young = 0
	}
	students := 100 + n(1400)
	v["teachers_total"], v["young_teachers"], v["young_teachers_supported"] = cnt(teachers), cnt(young), cnt(n(young))
	v["teachers_in_mentoring"], v["teachers_methodist_support"] = cnt(n(teachers)), cnt(n(teachers))
	v["students_total"], v["students_in_mentoring"] = cnt(students), cnt(n(students))
	for _, f := range form.Mentorship().Fields() {
		if strings.HasSuffix(f.Code, "_pairs") {
			mentees := strings.TrimSuffix(f.Code, "_pairs") + "_mentees"
			v[f.Code] = cnt(n(v[mentees].GetCount()))
		}
	}
	return v
}

type aggWorld struct {
	*world
	dir manyOrgs
	db  *pgx.Conn
}

func newAggWorld(t *testing.T, perMun int) *aggWorld {
	t.Helper()
	c := &clock{t: time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC)}
	dir := newManyOrgs(perMun)
	spec := service.Spec{
		Name:       "indicators",
		Defaults:   map[string]string{"DATABASE_SCHEMA": "indicators"},
		Errors:     server.Errors,
		Migrations: store.Migrations(),
		Register: func(env service.Env) error {
			st := store.New(env.Pool)
			if _, err := st.EnsureIndicators(context.Background(), indicator.Shipped); err != nil {
				return err
			}
			srv := server.New(st, dir).WithClock(c.Now)
			srv.Register(env.Server)
			server.NewAggregates(srv, nil).Register(env.Server)
			return nil
		},
	}
	w := &world{t: t, clock: c, svc: servicetest.Start(t, spec), conns: map[string]*grpc.ClientConn{}}
	for name, p := range principals {
		w.conns[name] = w.svc.Dial(t, p)
	}
	return &aggWorld{world: w, dir: dir, db: w.conn()}
}

// municipalCampaigns creates the 2026 campaign of each municipality (deadline
// 15 December) and returns their ids by municipality.
func (w *aggWorld) municipalCampaigns() map[string]string {
	w.t.Helper()
	out := map[string]string{}
	for _, mun := range w.dir.municipalities() {
		out[mun] = w.campaign("operator", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: mun,
			Deadline: "2026-12-15"}).GetId()
	}
	return out
}

func (w *aggWorld) aggregates(as string, req *indicatorsv1.GetAggregatesRequest) []*indicatorsv1.Aggregate {
	w.t.Helper()
	resp, err := indicatorsv1.NewAggregateServiceClient(w.conns[as]).GetAggregates(context.Background(), req)
	if err != nil {
		w.t.Fatalf("GetAggregates %v: %v", req, err)
	}
	return resp.GetAggregates()
}

// fields of each shipped indicator, written out independently of the
// definitions: the numerator's field and the denominator's ("" for counts).
var indicatorFields = map[string][2]string{
	"young_teacher_projects":         {"young_teacher_projects", ""},
	"young_teachers_supported_share": {"young_teachers_supported", "young_teachers"},
	"mentoring_programmes":           {"mentoring_programmes", ""},
	"personal_programmes":            {"personal_programmes", ""},
	"teachers_in_programmes_share":   {"teachers_in_mentoring", "teachers_total"},
	"teachers_methodist_share":       {"teachers_methodist_support", "teachers_total"},
	"community_programmes":           {"community_programmes", ""},
	"students_in_mentoring_share":    {"students_in_mentoring", "students_total"},
	"teachers_involved_share":        {"teachers_in_mentoring", "teachers_total"},
}

// sqlSums is the independent answer: plain SQL over the accepted reports'
// stored values, grouped by unit.
func (w *aggWorld) sqlSums(level string, year int, mun string) map[string][3]int64 {
	w.t.Helper()
	unit := map[string]string{"organisation": "r.organisation_id::text", "municipality": "co.municipality_id::text",
		"region": "co.region_code", "country": "''"}[level]
	out := map[string][3]int64{}
	for code, f := range indicatorFields {
		den := "0"
		if f[1] != "" {
			den = fmt.Sprintf(`COALESCE((r."values"->'%s'->>'c')::bigint, 0)`, f[1])
		}
		rows, err := w.db.Query(context.Background(), fmt.Sprintf(`SELECT %s, sum(COALESCE((r."values"->'%s'->>'c')::bigint, 0)), sum(%s), count(*)
			FROM indicators.reports r JOIN indicators.campaign_organisations co ON co.campaign_id = r.campaign_id AND co.organisation_id = r.organisation_id
			JOIN indicators.campaigns c ON c.id = r.campaign_id WHERE r.status = 4 AND c.year = $1 AND ($2 = '' OR co.municipality_id::text = $2) GROUP BY 1`, unit, f[0], den), year, mun)
		if err != nil {
			w.t.Fatal(err)
		}
		for rows.Next() {
			var u string
			var s [3]int64
			if err := rows.Scan(&u, &s[0], &s[1], &s[2]); err != nil {
				w.t.Fatal(err)
			}
			out[u+"/"+code] = s
		}
		rows.Close()
	}
	return out
}

// TestAggregatesEqualPlainSQLAtEveryLevel is the property: random reports
// for hundreds of organisations, some accepted, some returned, some only
// submitted or drafts; every aggregate equals Σ numerator / Σ denominator
// over the accepted reports, computed by plain SQL, exactly.
func TestAggregatesEqualPlainSQLAtEveryLevel(t *testing.T) {
	w := newAggWorld(t, 40) // 240 organisations
	ctx := context.Background()
	w.publish()
	rng := rand.New(rand.NewPCG(2026, 12))
	rc := w.reports("operator")
	for _, mun := range w.dir.municipalities() {
		c := w.campaign("operator", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: mun, Deadline: "2026-12-15"})
		for _, o := range w.dir.orgs {
			if o.MunicipalityID != mun || rng.IntN(10) == 0 {
				continue // missing
			}
			r := w.save("operator", w.report("operator", c.GetId(), o.ID, false), randomValues(rng))
			if rng.IntN(6) == 0 {
				continue // draft
			}
			sub, err := rc.SubmitReport(ctx, &indicatorsv1.SubmitReportRequest{Id: r.GetId(), Version: r.GetVersion(), ConfirmWarnings: true})
			if err != nil {
				t.Fatalf("submit: %v", err)
			}
			r = sub.GetReport()
			switch k := rng.IntN(10); {
			case k < 6:
				acc, err := rc.AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: r.GetId(), Version: r.GetVersion()})
				if err != nil {
					t.Fatalf("accept: %v", err)
				}
				if k == 0 { // reopened, edited, submitted and accepted again
					re, err := rc.ReopenReport(ctx, &indicatorsv1.ReopenReportRequest{Id: r.GetId(), Version: acc.GetReport().GetVersion(), Reason: "уточнение"})
					if err != nil {
						t.Fatalf("reopen: %v", err)
					}
					r = w.save("operator", re.GetReport(), map[string]*indicatorsv1.Value{"students_in_mentoring": cnt(1)})
					sub, err := rc.SubmitReport(ctx, &indicatorsv1.SubmitReportRequest{Id: r.GetId(), Version: r.GetVersion(), ConfirmWarnings: true})
					if err != nil {
						t.Fatalf("resubmit: %v", err)
					}
					if _, err := rc.AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: r.GetId(), Version: sub.GetReport().GetVersion()}); err != nil {
						t.Fatalf("accept again: %v", err)
					}
				}
			case k < 8:
				if _, err := rc.ReturnReport(ctx, &indicatorsv1.ReturnReportRequest{Id: r.GetId(), Version: r.GetVersion(), Comment: "проверьте"}); err != nil {
					t.Fatalf("return: %v", err)
				}
			}
		}
	}
	if total := w.checkAgainstSQL(t, 2026); total < 9*(1+2+6+100) {
		t.Errorf("only %d aggregates compared", total)
	}
	// A parent narrows the answer to its own units and changes nothing
	// else: a region's municipalities, and the region itself, are its share
	// of the answer without a parent (the store's query takes another shape
	// with a parent).
	regionOf := map[string]string{}
	for _, o := range w.dir.orgs {
		regionOf[o.MunicipalityID], regionOf[o.RegionCode] = o.RegionCode, o.RegionCode
	}
	for _, l := range []indicatorsv1.Level{indicatorsv1.Level_LEVEL_REGION, indicatorsv1.Level_LEVEL_MUNICIPALITY} {
		want := map[string][]*indicatorsv1.Aggregate{}
		for _, a := range w.aggregates("operator", &indicatorsv1.GetAggregatesRequest{Level: l, Years: []int32{2026}}) {
			want[regionOf[a.GetUnit()]] = append(want[regionOf[a.GetUnit()]], a)
		}
		if len(want) < 2 || want[""] != nil {
			t.Fatalf("%v: aggregates by region %v", l, slices.Collect(maps.Keys(want)))
		}
		for region, w2 := range want {
			got := w.aggregates("operator", &indicatorsv1.GetAggregatesRequest{Level: l, Parent: region, Years: []int32{2026}})
			if diff := cmp.Diff(w2, got, protocmp.Transform()); diff != "" {
				t.Errorf("%v of %s (-share of all +with the parent):\n%s", l, region, diff)
			}
			// Unnamed (omit_unit_names), the same aggregates without
			// their units' names.
			unnamed := w.aggregates("operator", &indicatorsv1.GetAggregatesRequest{Level: l, Parent: region, Years: []int32{2026},
				OmitUnitNames: true})
			if slices.ContainsFunc(got, func(a *indicatorsv1.Aggregate) bool { return a.GetUnitName() == "" }) {
				t.Errorf("%v of %s: a unit without a name", l, region)
			}
			if diff := cmp.Diff(w2, unnamed, protocmp.Transform(), protocmp.IgnoreFields(&indicatorsv1.Aggregate{}, "unit_name")); diff != "" {
				t.Errorf("%v of %s (-named +unnamed):\n%s", l, region, diff)
			}
			for _, a := range unnamed {
				if a.GetUnitName() != "" {
					t.Errorf("%v of %s: unit %s named %q, want no name", l, region, a.GetUnit(), a.GetUnitName())
				}
			}
		}
	}
	// Without a parent, a methodologist reads its municipality's rows and a
	// regional centre its region's (and region), exactly the operator's rows
	// of those units: the store reads no more than the caller sees.
	mun := w.dir.municipalities()[4] // of region 38
	for _, tc := range []struct {
		name  string
		p     identity.Principal
		level indicatorsv1.Level
		sees  func(unit string) bool
	}{
		{"methodologist", identity.Principal{AccountID: "20000000-0000-4000-8000-000000000101", Login: "method-38",
			Bindings: []identity.Binding{{Role: identity.Methodologist, Region: "38", Municipality: mun}}},
			indicatorsv1.Level_LEVEL_MUNICIPALITY, func(u string) bool { return u == mun }},
		{"regional municipalities", principals["regional"], indicatorsv1.Level_LEVEL_MUNICIPALITY,
			func(u string) bool { return slices.Index(w.dir.municipalities(), u) < 3 }},
		{"regional regions", principals["regional"], indicatorsv1.Level_LEVEL_REGION, func(u string) bool { return u == "24" }},
	} {
		req := &indicatorsv1.GetAggregatesRequest{Level: tc.level, Years: []int32{2026}}
		var want []*indicatorsv1.Aggregate
		for _, a := range w.aggregates("operator", req) {
			if tc.sees(a.GetUnit()) {
				want = append(want, a)
			}
		}
		resp, err := indicatorsv1.NewAggregateServiceClient(w.svc.Dial(t, tc.p)).GetAggregates(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(want, resp.GetAggregates(), protocmp.Transform()); len(want) == 0 || diff != "" {
			t.Errorf("%s: %d rows the operator sees; (-want +got)\n%s", tc.name, len(want), diff)
		}
	}
	// Rebuilding from the reports gives the same sums the writes kept, at every level.
	levels := []indicatorsv1.Level{indicatorsv1.Level_LEVEL_COUNTRY, indicatorsv1.Level_LEVEL_REGION, indicatorsv1.Level_LEVEL_MUNICIPALITY}
	var before [][]*indicatorsv1.Aggregate
	for _, l := range levels {
		before = append(before, w.aggregates("operator", &indicatorsv1.GetAggregatesRequest{Level: l, Years: []int32{2026}}))
	}
	rb, err := indicatorsv1.NewAggregateServiceClient(w.conns["operator"]).RebuildAggregates(ctx, &indicatorsv1.RebuildAggregatesRequest{})
	if err != nil || rb.GetReports() == 0 {
		t.Fatalf("rebuild: %v %v", err, rb)
	}
	for i, l := range levels {
		after := w.aggregates("operator", &indicatorsv1.GetAggregatesRequest{Level: l, Years: []int32{2026}})
		if len(before[i]) != len(after) {
			t.Fatalf("rebuild %v: %d aggregates, %d before", l, len(after), len(before[i]))
		}
		for j := range after {
			if !proto.Equal(before[i][j], after[j]) {
				t.Errorf("rebuild changed %v into %v", before[i][j], after[j])
			}
		}
	}
	// Coverage: the country expects every organisation.
	for _, a := range w.aggregates("operator", &indicatorsv1.GetAggregatesRequest{Level: indicatorsv1.Level_LEVEL_COUNTRY, Years: []int32{2026}}) {
		if a.GetExpected() != int32(len(w.dir.orgs)) || a.GetCoverage() != float64(a.GetContributors())*100/float64(len(w.dir.orgs)) {
			t.Errorf("country %s: %d of %d expected, coverage %v", a.GetIndicatorCode(), a.GetContributors(), a.GetExpected(), a.GetCoverage())
		}
	}
}

// TestAggregateFollowsEachDecision: a municipality's aggregate changes in the
// next read after an accept, a reopen and a return; the basis decides whether
// submitted reports count.
func TestAggregateFollowsEachDecision(t *testing.T) {
	w := newAggWorld(t, 3)
	ctx := context.Background()
	w.publish()
	mun := w.dir.municipalities()[0]
	c := w.campaign("operator", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: mun, Deadline: "2026-12-15"})
	rc := w.reports("operator")
	teachers := func(basis indicatorsv1.Basis) (int64, int32) {
		for _, a := range w.aggregates("operator", &indicatorsv1.GetAggregatesRequest{Level: indicatorsv1.Level_LEVEL_MUNICIPALITY,
			Parent: "24", Years: []int32{2026}, IndicatorCodes: []string{"teachers_in_programmes_share"}, Basis: basis}) {
			if a.GetUnit() == mun {
				return a.GetDenominator(), a.GetContributors()
			}
		}
		t.Fatalf("no aggregate of %s", mun)
		return 0, 0
	}
	var reps []*indicatorsv1.Report
	for i, o := range w.dir.orgs[:3] {
		r := w.save("operator", w.report("operator", c.GetId(), o.ID, false), goodValues(int64(i+1)))
		sub, err := rc.SubmitReport(ctx, &indicatorsv1.SubmitReportRequest{Id: r.GetId(), Version: r.GetVersion(), ConfirmWarnings: true})
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, sub.GetReport())
	}
	if d, n := teachers(indicatorsv1.Basis_BASIS_ACCEPTED); d != 0 || n != 0 {
		t.Errorf("nothing accepted: %d from %d", d, n)
	}
	if d, n := teachers(indicatorsv1.Basis_BASIS_SUBMITTED); d != 60+120+180 || n != 3 {
		t.Errorf("three submitted: %d from %d", d, n)
	}
	acc, err := rc.AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: reps[0].GetId(), Version: reps[0].GetVersion()})
	if err != nil {
		t.Fatal(err)
	}
	if d, n := teachers(indicatorsv1.Basis_BASIS_ACCEPTED); d != 60 || n != 1 {
		t.Errorf("after accept: %d from %d", d, n)
	}
	if _, err := rc.ReopenReport(ctx, &indicatorsv1.ReopenReportRequest{Id: acc.GetReport().GetId(), Version: acc.GetReport().GetVersion(), Reason: "ошибка"}); err != nil {
		t.Fatal(err)
	}
	if d, n := teachers(indicatorsv1.Basis_BASIS_ACCEPTED); d != 0 || n != 0 {
		t.Errorf("after reopen: %d from %d", d, n)
	}
	if _, err := rc.ReturnReport(ctx, &indicatorsv1.ReturnReportRequest{Id: reps[1].GetId(), Version: reps[1].GetVersion(), Comment: "нет"}); err != nil {
		t.Fatal(err)
	}
	if d, n := teachers(indicatorsv1.Basis_BASIS_SUBMITTED); d != 180 || n != 1 {
		t.Errorf("after return: %d from %d, want the third report only", d, n)
	}
}

func TestAggregateAccessTargetsAndExport(t *testing.T) {
	w := newAggWorld(t, 2)
	ctx := context.Background()
	w.publish()
	agg := func(as string) indicatorsv1.AggregateServiceClient {
		return indicatorsv1.NewAggregateServiceClient(w.conns[as])
	}
	// The regional centre of 24 sets a target for its region, not another's.
	if _, err := agg("regional").PutTarget(ctx, &indicatorsv1.PutTargetRequest{Target: &indicatorsv1.Target{IndicatorCode: "students_in_mentoring_share",
		Year: 2026, Level: indicatorsv1.Level_LEVEL_REGION, Unit: "24", MinValue: 75}}); err != nil {
		t.Fatal(err)
	}
	_, err := agg("regional").PutTarget(ctx, &indicatorsv1.PutTargetRequest{Target: &indicatorsv1.Target{IndicatorCode: "students_in_mentoring_share",
		Year: 2026, Level: indicatorsv1.Level_LEVEL_REGION, Unit: "38", MinValue: 75}})
	wantCode(t, "regional target for another region", err, codes.PermissionDenied)
	_, err = agg("operator").PutTarget(ctx, &indicatorsv1.PutTargetRequest{Target: &indicatorsv1.Target{IndicatorCode: "nope", Year: 2026, MinValue: 1}})
	wantCode(t, "target of no indicator", err, codes.InvalidArgument)
	if _, err := agg("operator").PutTarget(ctx, &indicatorsv1.PutTargetRequest{Target: &indicatorsv1.Target{IndicatorCode: "students_in_mentoring_share",
		Year: 2026, MinValue: 70}}); err != nil {
		t.Fatal(err)
	}
	mun := w.dir.municipalities()[0]
	c := w.campaign("operator", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: mun, Deadline: "2026-12-15"})
	// A second campaign of the year for the same schools would count them twice.
	_, err = w.campaigns("operator").CreateCampaign(ctx, &indicatorsv1.CreateCampaignRequest{Campaign: &indicatorsv1.Campaign{
		Name: "Ещё один мониторинг", Year: 2026, RegionCode: "24", Deadline: "2026-12-20", FormCode: form.MentorshipCode, FormVersion: 1}})
	wantCode(t, "overlapping campaign", err, codes.InvalidArgument)
	r := w.save("operator", w.report("operator", c.GetId(), w.dir.orgs[0].ID, false), goodValues(1)) // students 700, in mentoring 10
	sub, err := w.reports("operator").SubmitReport(ctx, &indicatorsv1.SubmitReportRequest{Id: r.GetId(), Version: r.GetVersion(), ConfirmWarnings: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.reports("operator").AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: r.GetId(), Version: sub.GetReport().GetVersion()}); err != nil {
		t.Fatal(err)
	}
	// Region 24 is measured against its own target (75), the country against the general one (70).
	for _, tc := range []struct {
		as     string
		level  indicatorsv1.Level
		parent string
		target float64
	}{{"regional", indicatorsv1.Level_LEVEL_REGION, "24", 75}, {"operator", indicatorsv1.Level_LEVEL_COUNTRY, "", 70}} {
		got := w.aggregates(tc.as, &indicatorsv1.GetAggregatesRequest{Level: tc.level, Parent: tc.parent, Years: []int32{2026},
			IndicatorCodes: []string{"students_in_mentoring_share"}})
		if len(got) != 1 || got[0].GetTarget() != tc.target || got[0].GetStatus() != indicatorsv1.TargetStatus_TARGET_STATUS_NOT_MET ||
			got[0].GetValue() != float64(10)*100/700 {
			t.Errorf("%v: %v", tc.level, got)
		}
	}
	// Scope: the country is the operator's; another region does not exist for the regional centre;
	// a curator sees its own organisation only.
	_, err = agg("regional").GetAggregates(ctx, &indicatorsv1.GetAggregatesRequest{Level: indicatorsv1.Level_LEVEL_COUNTRY, Years: []int32{2026}})
	wantCode(t, "regional reads the country", err, codes.PermissionDenied)
	_, err = agg("regional").GetAggregates(ctx, &indicatorsv1.GetAggregatesRequest{Level: indicatorsv1.Level_LEVEL_MUNICIPALITY, Parent: "38", Years: []int32{2026}})
	wantCode(t, "regional reads another region", err, codes.NotFound)
	if got := w.aggregates("regional", &indicatorsv1.GetAggregatesRequest{Level: indicatorsv1.Level_LEVEL_REGION, Years: []int32{2026}}); len(got) != 9 || got[0].GetUnit() != "24" {
		t.Errorf("regional, all regions: %d rows", len(got))
	}
	// Its region read alone (the store reads only the regions the caller
	// sees) is the operator's row of that region, to the last field; a
	// methodologist sees no region.
	var want []*indicatorsv1.Aggregate
	for _, a := range w.aggregates("operator", &indicatorsv1.GetAggregatesRequest{Level: indicatorsv1.Level_LEVEL_REGION, Years: []int32{2026}}) {
		if a.GetUnit() == "24" {
			want = append(want, a)
		}
	}
	if diff := cmp.Diff(want, w.aggregates("regional", &indicatorsv1.GetAggregatesRequest{Level: indicatorsv1.Level_LEVEL_REGION, Years: []int32{2026}}), protocmp.Transform()); diff != "" {
		t.Errorf("regional's region (-operator's +regional's):\n%s", diff)
	}
	if got := w.aggregates("methodologist", &indicatorsv1.GetAggregatesRequest{Level: indicatorsv1.Level_LEVEL_REGION, Years: []int32{2026}}); len(got) != 0 {
		t.Errorf("methodologist, all regions: %d rows, want none", len(got))
	}
	_, err = agg("operator").GetAggregates(ctx, &indicatorsv1.GetAggregatesRequest{Level: indicatorsv1.Level_LEVEL_ORGANISATION, Parent: "24", Years: []int32{2026}})
	wantCode(t, "organisations under a region", err, codes.InvalidArgument)
	_, err = agg("operator").GetAggregates(ctx, &indicatorsv1.GetAggregatesRequest{Level: indicatorsv1.Level_LEVEL_REGION, Years: []int32{2026}, IndicatorCodes: []string{"x"}})
	wantCode(t, "unknown indicator", err, codes.InvalidArgument)

	// Export: the same rows with Russian headers, as CSV and XLSX.
	q := &indicatorsv1.GetAggregatesRequest{Level: indicatorsv1.Level_LEVEL_ORGANISATION, Parent: mun, Years: []int32{2026}}
	rows := w.aggregates("operator", q)
	csvResp, err := agg("operator").ExportAggregates(ctx, &indicatorsv1.ExportAggregatesRequest{Query: q, Format: indicatorsv1.ExportFormat_EXPORT_FORMAT_CSV})
	if err != nil {
		t.Fatal(err)
	}
	r2 := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(csvResp.GetContent(), []byte("\uFEFF"))))
	r2.Comma = ';'
	recs, err := r2.ReadAll()
	if err != nil || len(recs) != len(rows)+1 || recs[0][0] != "Уровень" || recs[0][5] != "Значение" || !strings.HasSuffix(csvResp.GetFileName(), ".csv") {
		t.Fatalf("csv: %v, %d records for %d rows, header %v", err, len(recs), len(rows), recs[0])
	}
	xResp, err := agg("operator").ExportAggregates(ctx, &indicatorsv1.ExportAggregatesRequest{Query: q, Format: indicatorsv1.ExportFormat_EXPORT_FORMAT_XLSX})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(xResp.GetContent()))
	if err != nil {
		t.Fatal(err)
	}
	xr, err := f.GetRows("Показатели")
	if err != nil || len(xr) != len(rows)+1 || xr[0][2] != "Наименование" {
		t.Fatalf("xlsx: %v, %d rows", err, len(xr))
	}
	if xr[1][2] != w.dir.orgs[0].ShortName && xr[1][2] != w.dir.orgs[1].ShortName {
		t.Errorf("xlsx names the organisation %q", xr[1][2])
	}
}

func (w *aggWorld) checkLevel(t *testing.T, year int32, level indicatorsv1.Level, name, parent string) int {
	t.Helper()
	got := w.aggregates("operator", &indicatorsv1.GetAggregatesRequest{Level: level, Parent: parent, Years: []int32{year}})
	mun := ""
	if level == indicatorsv1.Level_LEVEL_ORGANISATION {
		mun = parent
	}
	want := w.sqlSums(name, int(year), mun)
	n := 0
	for _, a := range got {
		key := a.GetUnit() + "/" + a.GetIndicatorCode()
		s, ok := want[key]
		if !ok {
			if a.GetContributors() != 0 || a.Value != nil {
				t.Errorf("%s %s: %d contributors, value %v; SQL has no accepted report", name, key, a.GetContributors(), a.Value)
			}
			continue
		}
		n++
		if a.GetNumerator() != s[0] || a.GetDenominator() != s[1] || int64(a.GetContributors()) != s[2] {
			t.Errorf("%s %s: %d/%d from %d, SQL %d/%d from %d", name, key, a.GetNumerator(), a.GetDenominator(), a.GetContributors(), s[0], s[1], s[2])
		}
		f := indicatorFields[a.GetIndicatorCode()]
		switch {
		case f[1] == "" && a.GetValue() != float64(s[0]):
			t.Errorf("%s %s: count %v, SQL %d", name, key, a.GetValue(), s[0])
		case f[1] != "" && s[1] == 0 && (a.Value != nil || a.GetStatus() == indicatorsv1.TargetStatus_TARGET_STATUS_MET):
			t.Errorf("%s %s: zero denominator gives %v (%v), want no data", name, key, a.Value, a.GetStatus())
		case f[1] != "" && s[1] != 0 && a.GetValue() != float64(s[0])*100/float64(s[1]):
			t.Errorf("%s %s: share %v, SQL %v", name, key, a.GetValue(), float64(s[0])*100/float64(s[1]))
		}
	}
	if n != len(want) {
		t.Errorf("%s: %d aggregates match SQL's %d", name, n, len(want))
	}
	return n
}

// checkAgainstSQL compares the aggregates of a year at every level with plain
// SQL over the accepted reports and returns how many it compared.
func (w *aggWorld) checkAgainstSQL(t *testing.T, year int32) int {
	t.Helper()
	total := w.checkLevel(t, year, indicatorsv1.Level_LEVEL_COUNTRY, "country", "")
	total += w.checkLevel(t, year, indicatorsv1.Level_LEVEL_REGION, "region", "")
	total += w.checkLevel(t, year, indicatorsv1.Level_LEVEL_MUNICIPALITY, "municipality", "")
	for _, mun := range w.dir.municipalities() {
		total += w.checkLevel(t, year, indicatorsv1.Level_LEVEL_ORGANISATION, "organisation", mun)
	}
	return total
}

// TestConcurrentDecisionsKeepExactSums: methodologists accepting, reopening
// and returning reports of the same municipalities at once neither deadlock
// nor lose a change: the sums equal plain SQL afterwards.
func TestConcurrentDecisionsKeepExactSums(t *testing.T) {
	w := newAggWorld(t, 12) // 72 organisations
	ctx := context.Background()
	w.publish()
	rng := rand.New(rand.NewPCG(7, 7))
	rc := w.reports("operator")
	var submitted []*indicatorsv1.Report
	for _, mun := range w.dir.municipalities() {
		c := w.campaign("operator", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: mun, Deadline: "2026-12-15"})
		for _, o := range w.dir.orgs {
			if o.MunicipalityID != mun {
				continue
			}
			r := w.save("operator", w.report("operator", c.GetId(), o.ID, false), randomValues(rng))
			sub, err := rc.SubmitReport(ctx, &indicatorsv1.SubmitReportRequest{Id: r.GetId(), Version: r.GetVersion(), ConfirmWarnings: true})
			if err != nil {
				t.Fatal(err)
			}
			submitted = append(submitted, sub.GetReport())
		}
	}
	errs := make(chan error, len(submitted))
	var wg sync.WaitGroup
	for i, r := range submitted {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acc, err := rc.AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: r.GetId(), Version: r.GetVersion()})
			if err != nil {
				errs <- err
				return
			}
			if i%3 == 0 {
				_, err = rc.ReopenReport(ctx, &indicatorsv1.ReopenReportRequest{Id: r.GetId(), Version: acc.GetReport().GetVersion(), Reason: "проверка"})
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent decision: %v", err)
		}
	}
	if n := w.checkAgainstSQL(t, 2026); n == 0 {
		t.Error("nothing compared")
	}
}

// TestComparabilityAcrossFormVersions: version 2 of the form counts young
// teachers differently; the support share of the year filled in on it is
// not compared with the year before, the students' share still is.
func TestComparabilityAcrossFormVersions(t *testing.T) {
	w := newAggWorld(t, 2)
	ctx := context.Background()
	w.publish()
	mun := w.dir.municipalities()[0]
	accept := func(year int32, formVersion int32, scale int64) {
		c := w.campaign("operator", &indicatorsv1.Campaign{Name: fmt.Sprint("Мониторинг ЦМН ", year), Year: year, MunicipalityId: mun,
			Deadline: fmt.Sprintf("%d-12-15", year), OpenedOn: fmt.Sprintf("%d-10-01", year), FormCode: form.MentorshipCode, FormVersion: formVersion})
		r := w.save("operator", w.report("operator", c.GetId(), w.dir.orgs[0].ID, false), goodValues(scale))
		sub, err := w.reports("operator").SubmitReport(ctx, &indicatorsv1.SubmitReportRequest{Id: r.GetId(), Version: r.GetVersion(), ConfirmWarnings: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.reports("operator").AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: r.GetId(), Version: sub.GetReport().GetVersion()}); err != nil {
			t.Fatal(err)
		}
	}
	accept(2025, 1, 1)
	forms := w.forms("operator")
	d, err := forms.DraftForm(ctx, &indicatorsv1.DraftFormRequest{Code: form.MentorshipCode})
	if err != nil {
		t.Fatal(err)
	}
	f := d.GetForm()
	for _, sec := range f.GetSections() {
		for _, fl := range sec.GetFields() {
			if fl.GetCode() == "young_teachers" {
				fl.Help = "Педагоги в возрасте до 30 лет с педагогическим стажем до пяти лет. Человек."
			}
		}
	}
	up, err := forms.UpdateForm(ctx, &indicatorsv1.UpdateFormRequest{Form: f})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := forms.PublishForm(ctx, &indicatorsv1.PublishFormRequest{Code: form.MentorshipCode, Version: up.GetForm().GetVersion(),
		Revision: up.GetForm().GetRevision()}); err != nil {
		t.Fatal(err)
	}
	accept(2026, up.GetForm().GetVersion(), 2)
	got := map[string]*indicatorsv1.Aggregate{}
	for _, a := range w.aggregates("operator", &indicatorsv1.GetAggregatesRequest{Level: indicatorsv1.Level_LEVEL_MUNICIPALITY,
		Parent: "24", Years: []int32{2026}}) {
		if a.GetUnit() == mun {
			got[a.GetIndicatorCode()] = a
		}
	}
	if a := got["young_teachers_supported_share"]; a == nil || a.GetComparable() || a.Change != nil || a.Value == nil || a.PreviousValue == nil {
		t.Errorf("support share across the changed field: %v", a)
	}
	if a := got["students_in_mentoring_share"]; a == nil || !a.GetComparable() || a.Change == nil {
		t.Errorf("students share across unchanged fields: %v", a)
	}
}
