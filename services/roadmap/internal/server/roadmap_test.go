package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/platform/servicetest"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
	registryapp "github.com/nastavnik/nastavnik/services/registry/app"
	"github.com/nastavnik/nastavnik/services/roadmap/app"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/directory"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/server"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/store"
)

// clock is a settable clock shared by the test and the server.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// world is a registry with a region, a municipality and organisations in two
// time zones, and the roadmap service on a test clock.
type world struct {
	t        *testing.T
	reg      *servicetest.Running
	rm       *servicetest.Running
	clock    *clock
	region   string
	mun      string
	otherMun string
	orgs     []*registryv1.Organisation // orgs[0] Kaliningrad zone, orgs[1] Kamchatka zone, orgs[2] in otherMun
	// pool and store are the roadmap service's, for its outbox.
	pool  *pgxpool.Pool
	store *store.Store
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, clock: &clock{now: time.Date(2022, 6, 1, 12, 0, 0, 0, time.UTC)}}
	w.reg = servicetest.Start(t, registryapp.Spec)
	spec := app.Spec
	spec.Register = func(env service.Env) error {
		w.pool, w.store = env.Pool, store.New(env.Pool)
		server.New(w.store, directory.New(env.Signer, env.Registry)).WithClock(w.clock.Now).Register(env.Server)
		return nil
	}
	w.rm = servicetest.StartWith(t, spec, servicetest.Options{RegistryAddr: w.reg.Addr})
	ctx := context.Background()
	w.region = "24"
	if _, err := registryv1.NewRegionServiceClient(w.reg.Conn).CreateRegion(ctx, &registryv1.CreateRegionRequest{
		Region: &registryv1.Region{Code: w.region, Name: "Красноярский край", TimeZone: "Asia/Krasnoyarsk"}}); err != nil {
		t.Fatal(err)
	}
	muns := registryv1.NewMunicipalityServiceClient(w.reg.Conn)
	for i, name := range []string{"городской округ город Красноярск", "Тюхтетский муниципальный округ"} {
		m, err := muns.CreateMunicipality(ctx, &registryv1.CreateMunicipalityRequest{Municipality: &registryv1.Municipality{
			RegionCode: w.region, Name: name, Kind: registryv1.MunicipalityKind_MUNICIPALITY_KIND_URBAN_DISTRICT}})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			w.mun = m.GetMunicipality().GetId()
		} else {
			w.otherMun = m.GetMunicipality().GetId()
		}
	}
	orgs := registryv1.NewOrganisationServiceClient(w.reg.Conn)
	for i, o := range []struct{ mun, name, zone string }{
		{w.mun, "МАОУ СШ № 150", "Europe/Kaliningrad"},
		{w.mun, "МБОУ СШ № 7", "Asia/Kamchatka"},
		{w.otherMun, "МБОУ Тюхтетская СШ", ""},
	} {
		resp, err := orgs.CreateOrganisation(ctx, &registryv1.CreateOrganisationRequest{Organisation: &registryv1.Organisation{
			MunicipalityId: o.mun, FullName: o.name, ShortName: o.name, Inn: validINN(100 + i), TimeZone: o.zone,
			Kind: registryv1.OrganisationKind_ORGANISATION_KIND_SCHOOL}})
		if err != nil {
			t.Fatal(err)
		}
		w.orgs = append(w.orgs, resp.GetOrganisation())
	}
	return w
}

func validINN(n int) string {
	p := fmt.Sprintf("2465%05d", n)
	wt := []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	sum := 0
	for i := range 9 {
		sum += int(p[i]-'0') * wt[i]
	}
	return p + fmt.Sprint(sum%11%10)
}

func (w *world) methodologist() identity.Principal {
	return identity.Principal{AccountID: "meth", Login: "methodologist",
		Bindings: []identity.Binding{{Role: identity.Methodologist, Region: w.region, Municipality: w.mun}}}
}

func (w *world) curator(i int) identity.Principal {
	o := w.orgs[i]
	return identity.Principal{AccountID: fmt.Sprintf("cur%d", i), Login: fmt.Sprintf("curator%d", i),
		Bindings: []identity.Binding{{Role: identity.Curator, Region: w.region, Municipality: o.GetMunicipalityId(), Organisation: o.GetId()}}}
}

func (w *world) client(p identity.Principal) roadmapv1.RoadmapServiceClient {
	return roadmapv1.NewRoadmapServiceClient(w.rm.Dial(w.t, p))
}

// seed reads a source document from testdata/ by its number (000, 003).
func seed(t *testing.T, name string) []byte {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join("testdata", "*-"+name+".txt"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("testdata/*-%s.txt: %d files, %v", name, len(matches), err)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func code(err error) codes.Code { return status.Code(err) }

func items(r *roadmapv1.Roadmap) map[string]*roadmapv1.Item {
	out := map[string]*roadmapv1.Item{}
	for _, s := range r.GetStages() {
		for _, it := range s.GetItems() {
			out[it.GetNumber()] = it
		}
	}
	return out
}

func numbers(r *roadmapv1.Roadmap) []string {
	var out []string
	for _, s := range r.GetStages() {
		for _, it := range s.GetItems() {
			out = append(out, it.GetNumber())
		}
	}
	return out
}

// importKrasnoyarsk imports seed 003 as the municipality's roadmap.
func (w *world) importKrasnoyarsk(c roadmapv1.RoadmapServiceClient, dry bool) *roadmapv1.ImportRoadmapResponse {
	w.t.Helper()
	resp, err := c.ImportRoadmap(context.Background(), &roadmapv1.ImportRoadmapRequest{
		Owner: &roadmapv1.OwnerRef{MunicipalityId: w.mun}, Format: roadmapv1.ImportFormat_IMPORT_FORMAT_TSV,
		Content: seed(w.t, "003"), DryRun: dry})
	if err != nil {
		w.t.Fatalf("import 003: %v", err)
	}
	return resp
}

func TestImportSeedsPreviewThenSave(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	meth := w.client(w.methodologist())

	preview := w.importKrasnoyarsk(meth, true)
	if preview.GetSaved() || preview.GetRoadmap().GetId() != "" {
		t.Fatalf("dry run saved: %v %q", preview.GetSaved(), preview.GetRoadmap().GetId())
	}
	if list, err := meth.ListRoadmaps(ctx, &roadmapv1.ListRoadmapsRequest{}); err != nil || len(list.GetRoadmaps()) != 0 {
		t.Fatalf("after dry run: %v, %d roadmaps", err, len(list.GetRoadmaps()))
	}
	lines := strings.Count(strings.TrimRight(string(seed(t, "003")), "\n"), "\n") + 1
	if got := len(preview.GetRows()); got < lines {
		t.Errorf("report has %d rows for %d input lines", got, lines)
	}
	for i, row := range preview.GetRows() {
		if row.GetRow() != int32(i+1) || row.GetOutcome() == roadmapv1.ImportRowOutcome_IMPORT_ROW_OUTCOME_UNSPECIFIED {
			t.Errorf("row %d: %v", i+1, row)
		}
		var english []string
		for _, n := range row.GetNotes() {
			english = append(english, n.GetDescription())
			if n.GetCode() == "" || n.GetLocalizedMessage() == "" || n.GetLocalizedMessage() == n.GetDescription() {
				t.Errorf("row %d: note %v, want a code and a Russian text", i+1, n)
			}
		}
		if strings.Join(english, "; ") != row.GetNote() {
			t.Errorf("row %d: note %q, want its notes' English %q", i+1, row.GetNote(), english)
		}
	}

	saved := w.importKrasnoyarsk(meth, false)
	r := saved.GetRoadmap()
	if !saved.GetSaved() || r.GetId() == "" || r.GetVersion() != 1 {
		t.Fatalf("import: saved %v id %q version %d", saved.GetSaved(), r.GetId(), r.GetVersion())
	}
	if got, want := numbers(r), numbers(preview.GetRoadmap()); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("saved numbers %v, preview %v", got, want)
	}
	if n := len(r.GetStages()); n != 6 {
		t.Errorf("%d stages, want 6", n)
	}
	byNumber := items(r)
	if it := byNumber["5.2"]; it == nil || len(it.GetSchedule().GetRules()) != 2 {
		t.Errorf("5.2: %v", it)
	}
	if it := byNumber["1.1"]; it == nil || it.GetResponsible() == "" || it.GetDeadlineText() == "" || it.GetResultForm() == "" {
		t.Errorf("1.1 lost texts: %v", it)
	}
	got, err := meth.GetRoadmap(ctx, &roadmapv1.GetRoadmapRequest{Id: r.GetId()})
	if err != nil || len(items(got.GetRoadmap())) != len(byNumber) {
		t.Fatalf("get: %v, %d items, want %d", err, len(items(got.GetRoadmap())), len(byNumber))
	}

	// A curator of the city reads its municipality's roadmap but cannot change it.
	cur := w.client(w.curator(0))
	if _, err := cur.GetRoadmap(ctx, &roadmapv1.GetRoadmapRequest{Id: r.GetId()}); err != nil {
		t.Errorf("curator reads the municipality's roadmap: %v", err)
	}
	if _, err := cur.RenumberRoadmap(ctx, &roadmapv1.RenumberRoadmapRequest{Id: r.GetId(), Version: r.GetVersion()}); code(err) != codes.PermissionDenied {
		t.Errorf("curator renumbers the municipality's roadmap: %v", err)
	}
	// The other municipality's curator does not see it at all.
	other := w.client(w.curator(2))
	if _, err := other.GetRoadmap(ctx, &roadmapv1.GetRoadmapRequest{Id: r.GetId()}); code(err) != codes.NotFound {
		t.Errorf("foreign curator: %v", err)
	}

	// Seed 000, a school's roadmap, imported by its curator.
	school, err := cur.ImportRoadmap(ctx, &roadmapv1.ImportRoadmapRequest{Owner: &roadmapv1.OwnerRef{OrganisationId: w.orgs[0].GetId()},
		Format: roadmapv1.ImportFormat_IMPORT_FORMAT_TSV, Content: seed(t, "000"), PeriodStart: "2020-09-01", PeriodEnd: "2021-08-31"})
	if err != nil || len(school.GetRoadmap().GetStages()) == 0 {
		t.Fatalf("import 000: %v", err)
	}
	if school.GetRoadmap().GetOwner().GetTimeZone() != "Europe/Kaliningrad" || school.GetRoadmap().GetOwner().GetName() != "МАОУ СШ № 150" {
		t.Errorf("owner copied from the registry: %v", school.GetRoadmap().GetOwner())
	}
	// ...but not for another organisation.
	if _, err := cur.ImportRoadmap(ctx, &roadmapv1.ImportRoadmapRequest{Owner: &roadmapv1.OwnerRef{OrganisationId: w.orgs[1].GetId()},
		Format: roadmapv1.ImportFormat_IMPORT_FORMAT_TSV, Content: seed(t, "000")}); code(err) != codes.NotFound {
		t.Errorf("import for another school: %v", err)
	}
	// Lists are scoped: the curator sees its roadmap and its municipality's, the foreign curator neither.
	if l, err := cur.ListRoadmaps(ctx, &roadmapv1.ListRoadmapsRequest{}); err != nil || len(l.GetRoadmaps()) != 2 {
		t.Errorf("curator list: %v, %d", err, len(l.GetRoadmaps()))
	}
	if l, err := other.ListRoadmaps(ctx, &roadmapv1.ListRoadmapsRequest{}); err != nil || len(l.GetRoadmaps()) != 0 {
		t.Errorf("foreign curator list: %v, %d", err, len(l.GetRoadmaps()))
	}
}

func TestImportRejectsGarbage(t *testing.T) {
	w := newWorld(t)
	meth := w.client(w.methodologist())
	for name, req := range map[string]*roadmapv1.ImportRoadmapRequest{
		"not a docx": {Owner: &roadmapv1.OwnerRef{MunicipalityId: w.mun}, Format: roadmapv1.ImportFormat_IMPORT_FORMAT_DOCX, Content: []byte("hello")},
		"no table":   {Owner: &roadmapv1.OwnerRef{MunicipalityId: w.mun}, Format: roadmapv1.ImportFormat_IMPORT_FORMAT_TSV, Content: []byte("\n\n")},
		"two owners": {Owner: &roadmapv1.OwnerRef{MunicipalityId: w.mun, RegionCode: "24"}, Format: roadmapv1.ImportFormat_IMPORT_FORMAT_TSV, Content: seed(t, "003")},
		"no format":  {Owner: &roadmapv1.OwnerRef{MunicipalityId: w.mun}, Content: seed(t, "003")},
	} {
		if _, err := meth.ImportRoadmap(context.Background(), req); code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestEditItemsRenumberAndConflicts(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	cur := w.client(w.curator(0))
	created, err := cur.CreateRoadmap(ctx, &roadmapv1.CreateRoadmapRequest{Owner: &roadmapv1.OwnerRef{OrganisationId: w.orgs[0].GetId()},
		Title: "Дорожная карта СШ № 150", PeriodStart: "2021-01-01", PeriodEnd: "2024-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	r := created.GetRoadmap()
	st, err := cur.CreateStage(ctx, &roadmapv1.CreateStageRequest{RoadmapId: r.GetId(), Version: r.GetVersion(), Title: "Подготовка условий"})
	if err != nil {
		t.Fatal(err)
	}
	r = st.GetRoadmap()
	var ids []string
	for _, m := range []string{"Положение о наставничестве", "Приказ о внедрении", "База наставников"} {
		resp, err := cur.CreateItem(ctx, &roadmapv1.CreateItemRequest{StageId: st.GetStageId(), Version: r.GetVersion(),
			Item: &roadmapv1.ItemFields{Measure: m, DeadlineText: "Ежегодно, не позднее 15 декабря", Responsible: "Куратор"}})
		if err != nil {
			t.Fatal(err)
		}
		r = resp.GetRoadmap()
		ids = append(ids, resp.GetItemId())
	}
	if got := strings.Join(numbers(r), " "); got != "1.1 1.2 1.3" {
		t.Fatalf("numbers %s", got)
	}
	// Stale version: nothing written.
	if _, err := cur.UpdateItem(ctx, &roadmapv1.UpdateItemRequest{ItemId: ids[0], Version: r.GetVersion() - 1,
		Item: &roadmapv1.ItemFields{Measure: "Другое"}}); code(err) != codes.Aborted {
		t.Errorf("stale update: %v", err)
	}
	// Move the last item first, one level deeper than nothing → 1.1, then 1.2 nested under it.
	mv, err := cur.MoveItem(ctx, &roadmapv1.MoveItemRequest{ItemId: ids[2], Version: r.GetVersion(), StageId: st.GetStageId(), Position: 1})
	if err != nil {
		t.Fatal(err)
	}
	r = mv.GetRoadmap()
	if got := items(r)["1.1"].GetMeasure(); got != "База наставников" {
		t.Errorf("after move 1.1 is %q", got)
	}
	mv, err = cur.MoveItem(ctx, &roadmapv1.MoveItemRequest{ItemId: ids[1], Version: r.GetVersion(), StageId: st.GetStageId(), Position: 2, Depth: 2})
	if err != nil {
		t.Fatal(err)
	}
	r = mv.GetRoadmap()
	if got := strings.Join(numbers(r), " "); got != "1.1 1.1.1 1.2" {
		t.Errorf("after nesting: %s", got)
	}
	// The deadline is parsed again when it changes.
	up, err := cur.UpdateItem(ctx, &roadmapv1.UpdateItemRequest{ItemId: ids[0], Version: r.GetVersion(),
		Item: &roadmapv1.ItemFields{Measure: "Положение о наставничестве", DeadlineText: "Март – апрель, 2022"}})
	if err != nil {
		t.Fatal(err)
	}
	r = up.GetRoadmap()
	var it *roadmapv1.Item
	for _, x := range items(r) {
		if x.GetId() == ids[0] {
			it = x
		}
	}
	if len(it.GetOccurrences()) != 1 || it.GetOccurrences()[0].GetDue() != "2022-04-30" {
		t.Errorf("occurrences after new deadline: %v", it.GetOccurrences())
	}
	// An item with a done occurrence cannot be deleted; one without can.
	if _, err := cur.MarkOccurrence(ctx, &roadmapv1.MarkOccurrenceRequest{ItemId: ids[0], Due: "2022-04-30", Done: true, DoneOn: "2022-04-20",
		EvidenceUrl: "https://school150.ru/nastavnik/polozhenie.pdf"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cur.DeleteItem(ctx, &roadmapv1.DeleteItemRequest{ItemId: ids[0], Version: r.GetVersion()}); code(err) != codes.FailedPrecondition {
		t.Errorf("delete done item: %v", err)
	}
	del, err := cur.DeleteItem(ctx, &roadmapv1.DeleteItemRequest{ItemId: ids[2], Version: r.GetVersion()})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(numbers(del.GetRoadmap()), " "); got != "1.1 1.2" {
		t.Errorf("after delete: %s", got)
	}
	// Bad input names the field.
	_, err = cur.CreateItem(ctx, &roadmapv1.CreateItemRequest{StageId: st.GetStageId(), Version: del.GetRoadmap().GetVersion(),
		Item: &roadmapv1.ItemFields{Measure: "  "}})
	if code(err) != codes.InvalidArgument || !strings.Contains(fmt.Sprint(status.Convert(err).Details()), "item.measure") {
		t.Errorf("empty measure: %v %v", err, status.Convert(err).Details())
	}
}

// TestOverdueInLocalTime: the same instant is past the end of the due day in
// Kamchatka (UTC+12) and not in Kaliningrad (UTC+2).
func TestOverdueInLocalTime(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	var itemIDs []string
	for i := range 2 {
		c := w.client(w.curator(i))
		r, err := c.CreateRoadmap(ctx, &roadmapv1.CreateRoadmapRequest{Owner: &roadmapv1.OwnerRef{OrganisationId: w.orgs[i].GetId()},
			Title: "ДК", PeriodStart: "2022-01-01", PeriodEnd: "2022-12-31"})
		if err != nil {
			t.Fatal(err)
		}
		st, err := c.CreateStage(ctx, &roadmapv1.CreateStageRequest{RoadmapId: r.GetRoadmap().GetId(), Version: 1, Title: "Этап"})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []struct{ measure, deadline, who string }{
			{"Разработать положение", "До 31.03.2022", "Заместитель директора"},
			{"Сформировать базу наставников", "В течение года", "Куратор"},
		} {
			it, err := c.CreateItem(ctx, &roadmapv1.CreateItemRequest{StageId: st.GetStageId(), Version: st.GetRoadmap().GetVersion(),
				Item: &roadmapv1.ItemFields{Measure: m.measure, DeadlineText: m.deadline, Responsible: m.who}})
			if err != nil {
				t.Fatal(err)
			}
			st.Roadmap = it.GetRoadmap()
			if m.deadline == "До 31.03.2022" {
				itemIDs = append(itemIDs, it.GetItemId())
			}
		}
	}
	meth := w.client(w.methodologist())
	overdue := func() map[string]int32 {
		resp, err := meth.ListOverdue(ctx, &roadmapv1.ListOverdueRequest{MunicipalityId: w.mun})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int32{}
		for _, o := range resp.GetOccurrences() {
			out[o.GetOwner().GetName()+" "+o.GetItemNumber()] = o.GetDaysOverdue()
		}
		if int(resp.GetTotalSize()) != len(out) {
			t.Errorf("total %d for %d", resp.GetTotalSize(), len(out))
		}
		return out
	}
	w.clock.Set(time.Date(2022, 3, 31, 11, 59, 0, 0, time.UTC)) // 23:59 in Kamchatka, 13:59 in Kaliningrad
	if got := overdue(); len(got) != 0 {
		t.Errorf("at 23:59 Kamchatka: %v", got)
	}
	w.clock.Set(time.Date(2022, 3, 31, 12, 0, 0, 0, time.UTC)) // 00:00 1 April in Kamchatka, 14:00 in Kaliningrad
	if got := overdue(); len(got) != 1 || got["МБОУ СШ № 7 1.1"] != 0 {
		t.Errorf("at midnight Kamchatka: %v", got)
	}
	w.clock.Set(time.Date(2022, 3, 31, 22, 0, 0, 0, time.UTC)) // 00:00 1 April in Kaliningrad
	if got := overdue(); len(got) != 2 {
		t.Errorf("at midnight Kaliningrad: %v", got)
	}
	// Filters: by responsible and by stage.
	resp, err := meth.ListOverdue(ctx, &roadmapv1.ListOverdueRequest{MunicipalityId: w.mun, Responsible: "заместитель"})
	if err != nil || resp.GetTotalSize() != 2 {
		t.Errorf("responsible filter: %v %d", err, resp.GetTotalSize())
	}
	resp, err = meth.ListOverdue(ctx, &roadmapv1.ListOverdueRequest{MunicipalityId: w.mun, Responsible: "куратор"})
	if err != nil || resp.GetTotalSize() != 0 {
		t.Errorf("responsible filter, nobody: %v %d", err, resp.GetTotalSize())
	}
	resp, err = meth.ListOverdue(ctx, &roadmapv1.ListOverdueRequest{MunicipalityId: w.mun, StageNumber: 2})
	if err != nil || resp.GetTotalSize() != 0 {
		t.Errorf("stage filter: %v %d", err, resp.GetTotalSize())
	}
	// Pagination walks all of them once.
	page, err := meth.ListOverdue(ctx, &roadmapv1.ListOverdueRequest{MunicipalityId: w.mun, PageSize: 1})
	if err != nil || len(page.GetOccurrences()) != 1 || page.GetNextPageToken() == "" {
		t.Fatalf("page 1: %v %v", err, page)
	}
	page2, err := meth.ListOverdue(ctx, &roadmapv1.ListOverdueRequest{MunicipalityId: w.mun, PageSize: 1, PageToken: page.GetNextPageToken()})
	if err != nil || len(page2.GetOccurrences()) != 1 || page2.GetNextPageToken() != "" ||
		page2.GetOccurrences()[0].GetItemId() == page.GetOccurrences()[0].GetItemId() {
		t.Fatalf("page 2: %v %v", err, page2)
	}
	// Marked done: no longer overdue; marking twice on the same version conflicts.
	c := w.client(w.curator(1))
	m, err := c.MarkOccurrence(ctx, &roadmapv1.MarkOccurrenceRequest{ItemId: itemIDs[1], Due: "2022-03-31", Done: true, Note: "утверждено приказом № 12"})
	if err != nil || m.GetOccurrence().GetState() != roadmapv1.OccurrenceState_OCCURRENCE_STATE_DONE || m.GetOccurrence().GetDoneOn() != "2022-04-01" {
		t.Fatalf("mark: %v %v", err, m)
	}
	if _, err := c.MarkOccurrence(ctx, &roadmapv1.MarkOccurrenceRequest{ItemId: itemIDs[1], Due: "2022-03-31", Done: false}); code(err) != codes.Aborted {
		t.Errorf("stale mark: %v", err)
	}
	if got := overdue(); len(got) != 1 {
		t.Errorf("after mark: %v", got)
	}
	// Curators see their own organisation's overdue only.
	if _, err := c.ListOverdue(ctx, &roadmapv1.ListOverdueRequest{OrganisationId: w.orgs[0].GetId()}); code(err) != codes.NotFound {
		t.Errorf("curator, other school: %v", err)
	}
	if _, err := c.ListOverdue(ctx, &roadmapv1.ListOverdueRequest{MunicipalityId: w.mun}); code(err) != codes.NotFound {
		t.Errorf("curator, municipality: %v", err)
	}
	if _, err := c.MarkOccurrence(ctx, &roadmapv1.MarkOccurrenceRequest{ItemId: itemIDs[0], Due: "2022-03-31", Done: true}); code(err) != codes.NotFound {
		t.Errorf("curator marks another school's item: %v", err)
	}
	// Progress counts it.
	got, err := c.GetRoadmap(ctx, &roadmapv1.GetRoadmapRequest{Id: mustRoadmapOf(t, c, w.orgs[1].GetId())})
	if err != nil {
		t.Fatal(err)
	}
	if p := got.GetRoadmap().GetProgress(); p.GetTotal() != 2 || p.GetDone() != 1 || p.GetDue() != 1 || p.GetOverdue() != 0 || p.GetPercent() != 50 {
		t.Errorf("progress %v", p)
	}
}

func mustRoadmapOf(t *testing.T, c roadmapv1.RoadmapServiceClient, org string) string {
	t.Helper()
	l, err := c.ListRoadmaps(context.Background(), &roadmapv1.ListRoadmapsRequest{OrganisationId: org})
	if err != nil || len(l.GetRoadmaps()) == 0 {
		t.Fatalf("roadmap of %s: %v", org, err)
	}
	return l.GetRoadmaps()[0].GetId()
}

func TestCascadeMunicipalItem(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	meth := w.client(w.methodologist())
	r := w.importKrasnoyarsk(meth, false).GetRoadmap()
	item := items(r)["1.3"]
	if item == nil {
		t.Fatal("no item 1.3")
	}
	// A curator cannot hand it down.
	if _, err := w.client(w.curator(0)).CascadeItem(ctx, &roadmapv1.CascadeItemRequest{ItemId: item.GetId()}); code(err) != codes.PermissionDenied {
		t.Errorf("curator cascade: %v", err)
	}
	c, err := meth.CascadeItem(ctx, &roadmapv1.CascadeItemRequest{ItemId: item.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if c.GetAdded() != 2 || c.GetRoadmapsCreated() != 2 {
		t.Errorf("cascade: %v", c)
	}
	again, err := meth.CascadeItem(ctx, &roadmapv1.CascadeItemRequest{ItemId: item.GetId()})
	if err != nil || again.GetAdded() != 0 || again.GetExisting() != 2 {
		t.Errorf("repeat: %v %v", err, again)
	}
	// The school marks its linked item done.
	cur := w.client(w.curator(0))
	own, err := cur.GetRoadmap(ctx, &roadmapv1.GetRoadmapRequest{Id: mustRoadmapOf(t, cur, w.orgs[0].GetId())})
	if err != nil {
		t.Fatal(err)
	}
	var linked *roadmapv1.Item
	for _, it := range items(own.GetRoadmap()) {
		if it.GetSourceItemId() == item.GetId() {
			linked = it
		}
	}
	if linked == nil || linked.GetMeasure() != item.GetMeasure() || len(linked.GetOccurrences()) == 0 {
		t.Fatalf("linked item: %v", linked)
	}
	for _, o := range linked.GetOccurrences() {
		if _, err := cur.MarkOccurrence(ctx, &roadmapv1.MarkOccurrenceRequest{ItemId: linked.GetId(), Due: o.GetDue(), Done: true, DoneOn: "2022-03-01"}); err != nil {
			t.Fatal(err)
		}
	}
	// The source item cannot be deleted while organisations have it.
	if _, err := meth.DeleteItem(ctx, &roadmapv1.DeleteItemRequest{ItemId: item.GetId(), Version: r.GetVersion()}); code(err) != codes.FailedPrecondition {
		t.Errorf("delete cascaded item: %v", err)
	}
	w.clock.Set(time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC))
	list, err := meth.ListCascade(ctx, &roadmapv1.ListCascadeRequest{ItemId: item.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]roadmapv1.CascadeState{}
	for _, e := range list.GetEntries() {
		states[e.GetOrganisationName()] = e.GetState()
	}
	want := map[string]roadmapv1.CascadeState{
		"МАОУ СШ № 150": roadmapv1.CascadeState_CASCADE_STATE_DONE,
		"МБОУ СШ № 7":   roadmapv1.CascadeState_CASCADE_STATE_OVERDUE, // due by March 2022, not done
	}
	if fmt.Sprint(states) != fmt.Sprint(want) || list.GetDone() != 1 || list.GetOverdue() != 1 {
		t.Errorf("cascade states %v (done %d overdue %d), want %v", states, list.GetDone(), list.GetOverdue(), want)
	}
	// Curators do not see other schools' progress, in their municipality or another.
	for _, i := range []int{0, 2} {
		if _, err := w.client(w.curator(i)).ListCascade(ctx, &roadmapv1.ListCascadeRequest{ItemId: item.GetId()}); code(err) != codes.NotFound {
			t.Errorf("curator %d cascade list: %v", i, err)
		}
	}
}
