package server_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/nastavnik/nastavnik/platform/servicetest"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// writes are the service's writes of a report so far by how each read the
// report: held (one statement guarded by the rows the replica held) and
// locked (read under lock first).
func (w *world) writes() (held, locked float64) {
	w.t.Helper()
	page := servicetest.Scrape(w.t, w.svc.MetricsAddr)
	held, ok1 := servicetest.Sample(page, "nastavnik_report_writes_total", `{read="held"}`)
	locked, ok2 := servicetest.Sample(page, "nastavnik_report_writes_total", `{read="locked"}`)
	if !ok1 || !ok2 {
		w.t.Fatalf("nastavnik_report_writes_total: held present %v, locked present %v", ok1, ok2)
	}
	return held, locked
}

// A save of a report the service wrote last goes as one statement guarded
// by every row the report was read from; whatever changed elsewhere since —
// last year's accepted report, the organisation's place in the campaign, the
// campaign itself, an extension of its deadline — sends the save back to the
// read under lock, so the answer and the rules are those of the report as it
// stands.
func TestSaveFromTheHeldReport(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish()
	db := w.conn()
	last, c26, r := w.lastYearThenThis(false)

	// step saves one count and checks the answer is the report as stored
	// and how the save read the report.
	step := func(what, field string, n int64, wantRead string) {
		t.Helper()
		held, locked := w.writes()
		got := w.save("curator", r, map[string]*indicatorsv1.Value{field: cnt(n)})
		if diff := cmp.Diff(w.get("operator", r.GetId()), got, protocmp.Transform()); diff != "" {
			t.Errorf("%s: the save answers (-stored +got):\n%s", what, diff)
		}
		h, l := w.writes()
		if read := map[[2]float64]string{{held + 1, locked}: "held", {held, locked + 1}: "locked"}[[2]float64{h, l}]; read != wantRead {
			t.Errorf("%s: writes held %v → %v, locked %v → %v; want one %s", what, held, h, locked, l, wantRead)
		}
		r = got
	}
	step("a save after a save", "teachers_total", 200, "held")
	if len(r.GetViolations()) != 0 {
		t.Fatalf("violations %v without last year's accepted report", r.GetViolations())
	}
	step("a save after a save after a save", "teachers_total", 201, "held")

	// Last year's report is accepted: 201 teachers against 60 is now a
	// year-over-year warning.
	if _, err := w.reports("methodologist").AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: last.GetId(), Version: last.GetVersion()}); err != nil {
		t.Fatal(err)
	}
	step("a save after last year's report was accepted", "teachers_total", 202, "locked")
	if !slices.ContainsFunc(r.GetViolations(), func(v *indicatorsv1.Violation) bool { return v.GetRule() == "yoy_teachers_total" }) {
		t.Errorf("violations after last year's report was accepted: %v, want yoy_teachers_total among them", r.GetViolations())
	}
	step("a save after that", "teachers_total", 203, "held")

	// The organisation's place in the campaign changes elsewhere (its name).
	if _, err := db.Exec(ctx, `UPDATE indicators.campaign_organisations SET short_name = 'МАОУ СШ № 150 им. Н. Н. Наставникова', full_name = 'МАОУ СШ № 150 им. Н. Н. Наставникова'
		WHERE campaign_id = $1 AND organisation_id = $2`, c26.GetId(), orgA1); err != nil {
		t.Fatal(err)
	}
	step("a save after the organisation was renamed", "teachers_total", 204, "locked")
	if got := r.GetOrganisationName(); got != "МАОУ СШ № 150 им. Н. Н. Наставникова" {
		t.Errorf("the organisation after its renaming: %q", got)
	}

	// The campaign closes: the held report says it is open, the save is refused.
	w.clock.Set(time.Date(2026, 12, 20, 3, 0, 0, 0, time.UTC))
	cur, err := w.campaigns("methodologist").GetCampaign(ctx, &indicatorsv1.GetCampaignRequest{Id: c26.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	step("a save before the campaign closes", "teachers_total", 205, "held")
	if _, err := w.campaigns("methodologist").CloseCampaign(ctx, &indicatorsv1.CloseCampaignRequest{Id: c26.GetId(), Version: cur.GetCampaign().GetVersion()}); err != nil {
		t.Fatal(err)
	}
	_, err = w.reports("curator").SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: r.GetId(), Version: r.GetVersion(),
		Values: map[string]*indicatorsv1.Value{"teachers_total": cnt(206)}})
	wantCode(t, "a save once the campaign closed", err, codes.FailedPrecondition)
	if got := w.get("operator", r.GetId()); got.GetVersion() != r.GetVersion() {
		t.Fatalf("the refused save wrote version %d", got.GetVersion())
	}

	// An extension of the organisation's deadline: the report takes saves again.
	if _, err := w.campaigns("methodologist").ExtendDeadline(ctx, &indicatorsv1.ExtendDeadlineRequest{CampaignId: c26.GetId(), OrganisationId: orgA1,
		Deadline: "2026-12-25", Reason: "Больничный куратора"}); err != nil {
		t.Fatal(err)
	}
	step("a save after an extension", "teachers_total", 206, "locked")
	if r.GetDeadline() != "2026-12-25" {
		t.Errorf("the deadline after the extension: %q", r.GetDeadline())
	}
	step("a save after a save under the extension", "teachers_total", 207, "held")
	// A second extension moves the deadline again.
	if _, err := w.campaigns("methodologist").ExtendDeadline(ctx, &indicatorsv1.ExtendDeadlineRequest{CampaignId: c26.GetId(), OrganisationId: orgA1,
		Deadline: "2026-12-28", Reason: "Продлено ещё раз"}); err != nil {
		t.Fatal(err)
	}
	step("a save after a second extension", "teachers_total", 208, "locked")
	if r.GetDeadline() != "2026-12-28" {
		t.Errorf("the deadline after the second extension: %q", r.GetDeadline())
	}

	// A stale version is refused on either path, with the current report.
	_, err = w.reports("curator").SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: r.GetId(), Version: r.GetVersion() - 1,
		Values: map[string]*indicatorsv1.Value{"teachers_total": cnt(300)}})
	wantCode(t, "a save on the version before", err, codes.Aborted)
	step("a save after a stale one", "teachers_total", 209, "held")

	// Each save wrote one history row, the refused ones none: a guarded
	// statement that found a row changed wrote nothing.
	var rows int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM indicators.report_events WHERE report_id = $1 AND kind = 'value' AND field = 'teachers_total'`,
		r.GetId()).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if want := 1 + 10; rows != want { // the first save of every field, then 200 … 209
		t.Errorf("history rows of teachers_total: %d, want %d", rows, want)
	}
}

// Curators saving the same report at once on the same version, with another
// writer changing it beside them: one save of each round wins, the others
// are refused as stale, and no acknowledged change is lost.
func TestConcurrentSavesLoseNothing(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish()
	db := w.conn()
	c := w.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15"})
	r := w.save("curator", w.report("curator", c.GetId(), orgA1, false), goodValues(1))
	r = w.save("curator", r, map[string]*indicatorsv1.Value{"teachers_total": cnt(61)}) // held from here
	const savers, rounds = 6, 12
	wins, elsewhere := 0, 0
	for round := range rounds {
		based := w.get("curator", r.GetId())
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			won     []int64
			refused int
		)
		for i := range savers {
			wg.Go(func() {
				n := int64(1000*round + i)
				_, err := w.reports("curator").SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: based.GetId(), Version: based.GetVersion(),
					Values: map[string]*indicatorsv1.Value{"teachers_total": cnt(n)}, View: indicatorsv1.ReportView_REPORT_VIEW_BASIC})
				mu.Lock()
				defer mu.Unlock()
				switch status.Code(err) {
				case codes.OK:
					won = append(won, n)
				case codes.Aborted:
					refused++
				default:
					t.Errorf("round %d: a save: %v", round, err)
				}
			})
		}
		// Every other round another writer changes another count meanwhile,
		// moving the version on.
		young := int64(round)
		if round%2 == 1 {
			wg.Go(func() {
				if _, err := db.Exec(ctx, `UPDATE indicators.reports SET "values" = jsonb_set("values", '{young_teachers,c}', to_jsonb($2::int)),
					version = version + 1 WHERE id = $1`, based.GetId(), young); err != nil {
					t.Errorf("round %d: the other writer: %v", round, err)
				}
			})
			elsewhere++
		}
		wg.Wait()
		if len(won) > 1 || len(won)+refused != savers {
			t.Fatalf("round %d: %d saves won (%v), %d refused; want at most one, the rest refused", round, len(won), won, refused)
		}
		r = w.get("operator", based.GetId())
		if len(won) == 1 {
			wins++
			if got := r.GetValues()["teachers_total"].GetCount(); got != won[0] {
				t.Errorf("round %d: teachers %d, want the winning save's %d", round, got, won[0])
			}
		}
		if round%2 == 1 {
			if got := r.GetValues()["young_teachers"].GetCount(); got != young {
				t.Errorf("round %d: young teachers %d, want the other writer's %d", round, got, young)
			}
		}
		if want := based.GetVersion() + int64(len(won)) + int64(round%2); r.GetVersion() != want {
			t.Errorf("round %d: version %d, want %d", round, r.GetVersion(), want)
		}
	}
	if wins < rounds/2 {
		t.Errorf("%d of %d rounds had a winning save", wins, rounds)
	}
	// The history has one row for each winning save.
	var rows int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM indicators.report_events WHERE report_id = $1 AND kind = 'value' AND field = 'teachers_total'`,
		r.GetId()).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if want := 1 + 1 + wins; rows != want { // the first save of every field, the 61, the winners
		t.Errorf("history rows of teachers_total: %d, want %d", rows, want)
	}
	held, locked := w.writes()
	t.Logf("%d rounds, %d won, %d written elsewhere; writes held %v, locked %v", rounds, wins, elsewhere, held, locked)
	if held == 0 {
		t.Error("no save went from the held report")
	}
}
