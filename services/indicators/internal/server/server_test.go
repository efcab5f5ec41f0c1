package server_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/platform/servicetest"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
	"github.com/nastavnik/nastavnik/services/indicators/internal/server"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// The world of these tests: Krasnoyarsk city (region 24) with schools A1, A2;
// Tuzha (43) with B1; Kaliningrad (39) with K1; Kamchatka (41) with Q1.
const (
	munA  = "00000000-0000-4000-8000-00000000000a"
	munB  = "00000000-0000-4000-8000-00000000000b"
	munK  = "00000000-0000-4000-8000-00000000000c"
	munQ  = "00000000-0000-4000-8000-00000000000d"
	orgA1 = "10000000-0000-4000-8000-0000000000a1"
	orgA2 = "10000000-0000-4000-8000-0000000000a2"
	orgB1 = "10000000-0000-4000-8000-0000000000b1"
	orgK1 = "10000000-0000-4000-8000-0000000000c1"
	orgQ1 = "10000000-0000-4000-8000-0000000000d1"
)

var orgs = []domain.Organisation{
	{ID: orgA1, ShortName: "МАОУ СШ № 150", FullName: "Средняя школа № 150", MunicipalityID: munA, RegionCode: "24", TimeZone: "Asia/Krasnoyarsk"},
	{ID: orgA2, ShortName: "МАОУ СШ № 2", FullName: "Средняя школа № 2", MunicipalityID: munA, RegionCode: "24", TimeZone: "Asia/Krasnoyarsk"},
	{ID: orgB1, ShortName: "КОГОБУ СШ пгт Тужа", FullName: "Школа Тужи", MunicipalityID: munB, RegionCode: "43", TimeZone: "Europe/Kirov"},
	{ID: orgK1, ShortName: "МАОУ СОШ № 1 Калининград", FullName: "Школа Калининграда", MunicipalityID: munK, RegionCode: "39", TimeZone: "Europe/Kaliningrad"},
	{ID: orgQ1, ShortName: "МБОУ СШ № 1 Петропавловск", FullName: "Школа Камчатки", MunicipalityID: munQ, RegionCode: "41", TimeZone: "Asia/Kamchatka"},
}

// fakeDirectory answers as the registry would, within the caller's scope.
type fakeDirectory struct{}

func (fakeDirectory) Municipality(ctx context.Context, id string) (string, error) {
	p, _ := identity.FromContext(ctx)
	for _, o := range orgs {
		if o.MunicipalityID == id && p.Related(identity.Scope{Region: o.RegionCode, Municipality: id}) {
			return o.RegionCode, nil
		}
	}
	return "", domain.ErrNotFound
}

// MunicipalityName names a municipality "Муниципалитет <last two digits>".
func (fakeDirectory) MunicipalityName(ctx context.Context, id string) (string, error) {
	if _, err := (fakeDirectory{}).Municipality(ctx, id); err != nil {
		return "", err
	}
	return "Муниципалитет " + id[len(id)-2:], nil
}

func (fakeDirectory) Region(ctx context.Context, code string) error {
	p, _ := identity.FromContext(ctx)
	if !p.Related(identity.Scope{Region: code}) {
		return domain.ErrNotFound
	}
	return nil
}

func (fakeDirectory) OpenOrganisations(_ context.Context, region, mun string, _ time.Time) ([]domain.Organisation, error) {
	var out []domain.Organisation
	for _, o := range orgs {
		if o.RegionCode == region && (mun == "" || o.MunicipalityID == mun) {
			out = append(out, o)
		}
	}
	return out, nil
}

// clock is the server's settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

type world struct {
	t     *testing.T
	clock *clock
	svc   *servicetest.Running
	conns map[string]*grpc.ClientConn
}

var principals = map[string]identity.Principal{
	"operator":       servicetest.OperatorPrincipal,
	"methodologist":  {AccountID: "20000000-0000-4000-8000-000000000001", Login: "method-a", Bindings: []identity.Binding{{Role: identity.Methodologist, Region: "24", Municipality: munA}}},
	"methodologistB": {AccountID: "20000000-0000-4000-8000-000000000002", Login: "method-b", Bindings: []identity.Binding{{Role: identity.Methodologist, Region: "43", Municipality: munB}}},
	"curator":        {AccountID: "20000000-0000-4000-8000-000000000003", Login: "curator-a1", Bindings: []identity.Binding{{Role: identity.Curator, Region: "24", Municipality: munA, Organisation: orgA1}}},
	"curatorA2":      {AccountID: "20000000-0000-4000-8000-000000000004", Login: "curator-a2", Bindings: []identity.Binding{{Role: identity.Curator, Region: "24", Municipality: munA, Organisation: orgA2}}},
	"curatorK":       {AccountID: "20000000-0000-4000-8000-000000000005", Login: "curator-k1", Bindings: []identity.Binding{{Role: identity.Curator, Region: "39", Municipality: munK, Organisation: orgK1}}},
	"curatorQ":       {AccountID: "20000000-0000-4000-8000-000000000006", Login: "curator-q1", Bindings: []identity.Binding{{Role: identity.Curator, Region: "41", Municipality: munQ, Organisation: orgQ1}}},
	"regional":       {AccountID: "20000000-0000-4000-8000-000000000007", Login: "regional-24", Bindings: []identity.Binding{{Role: identity.Regional, Region: "24"}}},
}

func newWorld(t *testing.T) *world {
	t.Helper()
	c := &clock{t: time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC)}
	spec := service.Spec{
		Name:       "indicators",
		Defaults:   map[string]string{"DATABASE_SCHEMA": "indicators"},
		Errors:     server.Errors,
		Migrations: store.Migrations(),
		Register: func(env service.Env) error {
			srv := server.New(store.New(env.Pool).ReadFrom(env.ReadPool), fakeDirectory{}).WithClock(c.Now)
			srv.Register(env.Server)
			// Gauges cached for an hour: a test's first scrape computes them.
			return srv.Instrument(env.Metrics, env.Logger, time.Hour)
		},
	}
	// The reads that may lag go through a read-only pool, as on a replica.
	svc := servicetest.StartWith(t, spec, servicetest.Options{ReadReplica: true})
	w := &world{t: t, clock: c, svc: svc, conns: map[string]*grpc.ClientConn{}}
	for name, p := range principals {
		w.conns[name] = w.svc.Dial(t, p)
	}
	return w
}

func (w *world) forms(as string) indicatorsv1.FormServiceClient {
	return indicatorsv1.NewFormServiceClient(w.conns[as])
}
func (w *world) campaigns(as string) indicatorsv1.CampaignServiceClient {
	return indicatorsv1.NewCampaignServiceClient(w.conns[as])
}
func (w *world) reports(as string) indicatorsv1.ReportServiceClient {
	return indicatorsv1.NewReportServiceClient(w.conns[as])
}

// publish drafts and publishes version 1 of the mentorship form.
func (w *world) publish() {
	w.t.Helper()
	ctx := context.Background()
	d, err := w.forms("operator").DraftForm(ctx, &indicatorsv1.DraftFormRequest{Code: form.MentorshipCode})
	if err != nil {
		w.t.Fatalf("DraftForm: %v", err)
	}
	if _, err := w.forms("operator").PublishForm(ctx, &indicatorsv1.PublishFormRequest{Code: form.MentorshipCode, Version: 1,
		Revision: d.GetForm().GetRevision()}); err != nil {
		w.t.Fatalf("PublishForm: %v", err)
	}
}

func (w *world) campaign(as string, c *indicatorsv1.Campaign) *indicatorsv1.Campaign {
	w.t.Helper()
	if c.FormCode == "" {
		c.FormCode, c.FormVersion = form.MentorshipCode, 1
	}
	resp, err := w.campaigns(as).CreateCampaign(context.Background(), &indicatorsv1.CreateCampaignRequest{Campaign: c})
	if err != nil {
		w.t.Fatalf("CreateCampaign: %v", err)
	}
	return resp.GetCampaign()
}

func (w *world) report(as, campaign, org string, fromPrevious bool) *indicatorsv1.Report {
	w.t.Helper()
	resp, err := w.reports(as).CreateReport(context.Background(), &indicatorsv1.CreateReportRequest{CampaignId: campaign,
		OrganisationId: org, FromPreviousYear: fromPrevious})
	if err != nil {
		w.t.Fatalf("CreateReport: %v", err)
	}
	return resp.GetReport()
}

func cnt(n int64) *indicatorsv1.Value {
	return &indicatorsv1.Value{Kind: &indicatorsv1.Value_Count{Count: n}}
}

func yes(number string) *indicatorsv1.Value {
	return &indicatorsv1.Value{Kind: &indicatorsv1.Value_YesNo{YesNo: &indicatorsv1.YesNo{Yes: true,
		Reference: &indicatorsv1.Reference{Number: number, Date: "2025-09-01"}}}}
}

// goodValues fills every field of the form consistently.
func goodValues(scale int64) map[string]*indicatorsv1.Value {
	v := map[string]*indicatorsv1.Value{}
	for _, f := range form.Mentorship().Fields() {
		switch f.Type {
		case form.Count:
			v[f.Code] = cnt(10 * scale)
		case form.YesNo:
			v[f.Code] = yes("15-од")
		}
	}
	v["teachers_total"], v["students_total"] = cnt(60*scale), cnt(700*scale)
	return v
}

func (w *world) save(as string, r *indicatorsv1.Report, values map[string]*indicatorsv1.Value) *indicatorsv1.Report {
	w.t.Helper()
	resp, err := w.reports(as).SaveReport(context.Background(), &indicatorsv1.SaveReportRequest{Id: r.GetId(), Version: r.GetVersion(), Values: values})
	if err != nil {
		w.t.Fatalf("SaveReport: %v", err)
	}
	return resp.GetReport()
}

func (w *world) get(as, id string) *indicatorsv1.Report {
	w.t.Helper()
	resp, err := w.reports(as).GetReport(context.Background(), &indicatorsv1.GetReportRequest{Id: id})
	if err != nil {
		w.t.Fatalf("GetReport: %v", err)
	}
	return resp.GetReport()
}

// conn is a connection of the test's own to the service's database, for
// writing rows behind the service's back.
func (w *world) conn() *pgx.Conn {
	w.t.Helper()
	db, err := pgx.Connect(context.Background(), w.svc.Database.URL)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { db.Close(context.Background()) })
	return db
}

// lastYearThenThis has the curator of orgA1 submit a full 2025 report
// (accepted by the methodologist when accept) and then start the 2026 one
// with the same values, the clock on 1 October of each year in turn.
func (w *world) lastYearThenThis(accept bool) (last *indicatorsv1.Report, c26 *indicatorsv1.Campaign, r *indicatorsv1.Report) {
	w.t.Helper()
	w.clock.Set(time.Date(2025, 10, 1, 3, 0, 0, 0, time.UTC))
	c25 := w.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2025", Year: 2025, MunicipalityId: munA, Deadline: "2025-12-15"})
	last, err := submit(w, "curator", w.save("curator", w.report("curator", c25.GetId(), orgA1, false), goodValues(1)), false)
	if err != nil {
		w.t.Fatal(err)
	}
	if accept {
		if _, err := w.reports("methodologist").AcceptReport(context.Background(),
			&indicatorsv1.AcceptReportRequest{Id: last.GetId(), Version: last.GetVersion()}); err != nil {
			w.t.Fatal(err)
		}
	}
	w.clock.Set(time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC))
	c26 = w.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15"})
	return last, c26, w.save("curator", w.report("curator", c26.GetId(), orgA1, false), goodValues(1))
}

func fieldViolations(err error) []string {
	var out []string
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField())
			}
		}
	}
	return out
}

func wantCode(t *testing.T, what string, err error, want codes.Code) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Errorf("%s: %v (%v), want %v", what, got, err, want)
	}
}
