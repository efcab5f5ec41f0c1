package server_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/nastavnik/nastavnik/platform/dates"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
)

// TestCompletenessEqualsTheReplayOfEachHistory is a property test of
// GetCompleteness, which counts in SQL from each report's latest status (as
// of a day: its latest status change and submission before the day ends in
// the organisation's zone): on random histories made through the service
// itself — drafts, submissions before and after the deadline, deadlines
// extended, returns, edits, resubmissions, acceptances, reopenings, over
// five campaign years in four time zones, with organisations added late and
// dropped — every answer, as of now and of days before and after the
// deadlines, for every scope and caller, equals the replay of the history
// event by event that GetCompleteness used to do (replayStandings, below).
func TestCompletenessEqualsTheReplayOfEachHistory(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			checkCompletenessAgainstReplay(t, seed)
		})
	}
}

// step is one change of a generated history.
type step struct {
	at          time.Time
	campaign    string
	org, action string
	// scale picks the values an edit saves; extend the extension's day.
	scale  int64
	extend string
}

// features counts what the generated histories hold, so the test knows it
// tried each case.
type features map[string]int

// history generates one organisation's steps in a campaign with a deadline
// on 15 December of year: what happens next depends on the report's status,
// as the lifecycle allows.
func history(rng *rand.Rand, campaign, org string, year int, f features) []step {
	if rng.IntN(8) == 0 {
		f["no report"]++
		return nil
	}
	at := time.Date(year, 11, 15, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(35*24*60)) * time.Minute)
	next := func() time.Time {
		at = at.Add(time.Duration(60+rng.IntN(5*24*60)) * time.Minute)
		return at
	}
	out := []step{{at: at, campaign: campaign, org: org, action: "create"}}
	scale := int64(1)
	status := domain.Draft
	for range 1 + rng.IntN(7) {
		var action string
		switch status {
		case domain.Draft:
			if rng.IntN(4) == 0 {
				day := time.Date(year, 12, 15+1+rng.IntN(12), 0, 0, 0, 0, time.UTC)
				out = append(out, step{at: next(), campaign: campaign, org: org, action: "extend", extend: dates.Format(day)})
				f["extended"]++
			}
			action, status = "submit", domain.Submitted
		case domain.Submitted:
			action, status = "return", domain.Returned
			if rng.IntN(5) < 3 {
				action, status = "accept", domain.Accepted
			}
		case domain.Returned:
			action, status = "edit", domain.Draft
			if rng.IntN(2) == 0 {
				action, status = "submit", domain.Submitted
				f["resubmitted without an edit"]++
			}
		case domain.Accepted:
			action, status = "reopen", domain.Draft
		}
		if action == "edit" {
			scale++
		}
		f[action]++
		out = append(out, step{at: next(), campaign: campaign, org: org, action: action, scale: scale})
	}
	return out
}

func checkCompletenessAgainstReplay(t *testing.T, seed uint64) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish()
	rng := rand.New(rand.NewPCG(seed, 20261130))
	years := []int{2022, 2023, 2024, 2025, 2026}
	f := features{}
	campaigns := map[int][]string{}
	for _, year := range years {
		w.clock.Set(time.Date(year, 10, 1, 3, 0, 0, 0, time.UTC))
		var steps []step
		for _, region := range []string{"24", "43", "39", "41"} {
			c := w.campaign("operator", &indicatorsv1.Campaign{Name: fmt.Sprintf("Мониторинг %d", year), Year: int32(year),
				RegionCode: region, Deadline: fmt.Sprintf("%d-12-15", year)})
			campaigns[year] = append(campaigns[year], c.GetId())
			for _, o := range orgs {
				if o.RegionCode == region {
					steps = append(steps, history(rng, c.GetId(), o.ID, year, f)...)
				}
			}
		}
		slices.SortStableFunc(steps, func(a, b step) int { return a.at.Compare(b.at) })
		reports := map[string]*indicatorsv1.Report{}
		for _, s := range steps {
			w.clock.Set(s.at)
			key := s.campaign + "/" + s.org
			if late, err := w.apply(ctx, s, reports); err != nil {
				t.Fatalf("%s %s at %s: %v", s.action, key, s.at, err)
			} else if late {
				f["late"]++
			}
		}
	}
	// Some organisations joined the list late, some dropped out of it (a
	// refresh drops only the never-submitted; the counts must not care).
	db := w.conn()
	tag, err := db.Exec(ctx, `UPDATE campaign_organisations co SET added_on = make_date(c.year, 11, 20)
		FROM campaigns c WHERE c.id = co.campaign_id AND mod(abs(hashtext(co.campaign_id::text || co.organisation_id::text || $1)), 5) = 0`,
		fmt.Sprint(seed))
	if err != nil {
		t.Fatal(err)
	}
	f["added late"] = int(tag.RowsAffected())
	tag, err = db.Exec(ctx, `UPDATE campaign_organisations co SET dropped_on = make_date(c.year, 12, 10)
		FROM campaigns c WHERE c.id = co.campaign_id AND mod(abs(hashtext(co.organisation_id::text || co.campaign_id::text || $1)), 5) = 1`,
		fmt.Sprint(seed))
	if err != nil {
		t.Fatal(err)
	}
	f["dropped"] = int(tag.RowsAffected())
	for _, want := range []string{"no report", "extended", "submit", "late", "return", "edit", "resubmitted without an edit",
		"accept", "reopen", "added late", "dropped"} {
		if f[want] == 0 {
			t.Errorf("no history has %q: %v", want, f)
		}
	}
	t.Logf("histories: %v", f)

	expected, events := readHistories(t, ctx, db)
	type scope struct {
		as  string
		req *indicatorsv1.GetCompletenessRequest
		in  func(e domain.Expected, year int) bool
	}
	calls := 0
	for _, year := range years {
		inYear := func(e domain.Expected, y int) bool { return y == year }
		scopes := []scope{
			{"operator", &indicatorsv1.GetCompletenessRequest{Year: int32(year)}, inYear},
			{"operator", &indicatorsv1.GetCompletenessRequest{Year: int32(year), Municipality: munA},
				func(e domain.Expected, y int) bool { return y == year && e.MunicipalityID == munA }},
			// The methodologist sees only its municipality, the regional
			// centre its region.
			{"methodologist", &indicatorsv1.GetCompletenessRequest{Year: int32(year)},
				func(e domain.Expected, y int) bool { return y == year && e.MunicipalityID == munA }},
			{"regional", &indicatorsv1.GetCompletenessRequest{Year: int32(year), Region: "24"},
				func(e domain.Expected, y int) bool { return y == year && e.RegionCode == "24" }},
		}
		for _, region := range []string{"43", "39", "41"} {
			scopes = append(scopes, scope{"operator", &indicatorsv1.GetCompletenessRequest{Year: int32(year), Region: region},
				func(e domain.Expected, y int) bool { return y == year && e.RegionCode == region }})
		}
		for _, id := range campaigns[year] {
			scopes = append(scopes, scope{"operator", &indicatorsv1.GetCompletenessRequest{CampaignId: id},
				func(e domain.Expected, _ int) bool { return e.CampaignID == id }})
		}
		days := []string{""}
		for _, d := range []time.Time{time.Date(year, 10, 15, 0, 0, 0, 0, time.UTC), time.Date(year, 11, 20, 0, 0, 0, 0, time.UTC),
			time.Date(year, 12, 10, 0, 0, 0, 0, time.UTC), time.Date(year, 12, 15, 0, 0, 0, 0, time.UTC), time.Date(year+1, 2, 1, 0, 0, 0, 0, time.UTC)} {
			days = append(days, dates.Format(d))
		}
		for range 6 {
			days = append(days, dates.Format(time.Date(year, 11, 20+rng.IntN(45), 0, 0, 0, 0, time.UTC)))
		}
		for _, sc := range scopes {
			for _, day := range days {
				asOf, _ := dates.Parse(day)
				var list []domain.Expected
				for _, e := range expected {
					if sc.in(e.Expected, e.year) {
						list = append(list, e.Expected)
					}
				}
				for _, countsOnly := range []bool{false, true} {
					req := &indicatorsv1.GetCompletenessRequest{CampaignId: sc.req.GetCampaignId(), Year: sc.req.GetYear(),
						Region: sc.req.GetRegion(), Municipality: sc.req.GetMunicipality(), AsOf: day, CountsOnly: countsOnly}
					got, err := w.campaigns(sc.as).GetCompleteness(ctx, req)
					if err != nil {
						t.Fatalf("%s %v: %v", sc.as, req, err)
					}
					calls++
					want := replayCompleteness(list, events, asOf, countsOnly)
					if diff := gocmp.Diff(want, projectCompleteness(got), protocmp.Transform()); diff != "" {
						t.Errorf("%s %v (-replay +SQL):\n%s", sc.as, req, diff)
					}
				}
			}
		}
	}
	t.Logf("%d answers compared with the replay", calls)
}

// apply makes a step through the service as the operator, and reports a
// late submission.
func (w *world) apply(ctx context.Context, s step, reports map[string]*indicatorsv1.Report) (late bool, err error) {
	key := s.campaign + "/" + s.org
	r := reports[key]
	rs := w.reports("operator")
	var resp interface{ GetReport() *indicatorsv1.Report }
	switch s.action {
	case "create":
		r = w.save("operator", w.report("operator", s.campaign, s.org, false), goodValues(1))
	case "extend":
		_, err = w.campaigns("operator").ExtendDeadline(ctx, &indicatorsv1.ExtendDeadlineRequest{CampaignId: s.campaign,
			OrganisationId: s.org, Deadline: s.extend, Reason: "болезнь"})
	case "submit":
		resp, err = rs.SubmitReport(ctx, &indicatorsv1.SubmitReportRequest{Id: r.GetId(), Version: r.GetVersion(), ConfirmWarnings: true})
	case "return":
		resp, err = rs.ReturnReport(ctx, &indicatorsv1.ReturnReportRequest{Id: r.GetId(), Version: r.GetVersion(), Comment: "Проверьте"})
	case "accept":
		resp, err = rs.AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: r.GetId(), Version: r.GetVersion()})
	case "reopen":
		resp, err = rs.ReopenReport(ctx, &indicatorsv1.ReopenReportRequest{Id: r.GetId(), Version: r.GetVersion(), Reason: "Исправить"})
	case "edit":
		resp, err = rs.SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: r.GetId(), Version: r.GetVersion(), Values: goodValues(s.scale)})
	}
	if err != nil {
		return false, err
	}
	if resp != nil {
		r = resp.GetReport()
	}
	reports[key] = r
	return s.action == "submit" && r.GetLate(), nil
}

// expectedIn is an expected organisation with its campaign's year.
type expectedIn struct {
	domain.Expected
	year int
}

// statusEvent is a status change of a report, as the history keeps it.
type statusEvent struct {
	time   time.Time
	status domain.Status
	late   bool
}

// readHistories reads every expected organisation and every report's status
// history, oldest first, as GetCompleteness used to before it counted in SQL.
func readHistories(t *testing.T, ctx context.Context, db *pgx.Conn) ([]expectedIn, map[string][]statusEvent) {
	t.Helper()
	rows, err := db.Query(ctx, `SELECT co.campaign_id::text, co.organisation_id::text, co.short_name, co.municipality_id::text,
			co.region_code, co.time_zone, co.added_on, COALESCE(co.dropped_on, '0001-01-01'), COALESCE(r.id::text, ''), c.year
		FROM campaign_organisations co JOIN campaigns c ON c.id = co.campaign_id
		LEFT JOIN reports r ON r.campaign_id = co.campaign_id AND r.organisation_id = co.organisation_id
		ORDER BY co.sort_key, co.organisation_id`)
	if err != nil {
		t.Fatal(err)
	}
	expected, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (expectedIn, error) {
		var e expectedIn
		err := row.Scan(&e.CampaignID, &e.ID, &e.ShortName, &e.MunicipalityID, &e.RegionCode, &e.TimeZone, &e.AddedOn,
			&e.DroppedOn, &e.ReportID, &e.year)
		if e.DroppedOn.Year() == 1 {
			e.DroppedOn = time.Time{}
		}
		return e, err
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err = db.Query(ctx, `SELECT r.campaign_id::text || '/' || r.organisation_id::text, e.time, e.new_value, e.late
		FROM report_events e JOIN reports r ON r.id = e.report_id WHERE e.kind = 'status' ORDER BY e.id`)
	if err != nil {
		t.Fatal(err)
	}
	events := map[string][]statusEvent{}
	var (
		key, status string
		ev          statusEvent
	)
	if _, err := pgx.ForEachRow(rows, []any{&key, &ev.time, &status, &ev.late}, func() error {
		ev.status = domain.ParseStatus(status)
		events[key] = append(events[key], ev)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return expected, events
}

// replayCompleteness is GetCompleteness as it was before it counted in SQL:
// every organisation expected on the day (or now), its report's history
// replayed event by event up to the end of the day in its zone, counted in
// Go. It answers in projectCompleteness's shape.
func replayCompleteness(orgs []domain.Expected, events map[string][]statusEvent, asOf time.Time, countsOnly bool) *indicatorsv1.GetCompletenessResponse {
	var tally domain.Tally
	var standings []domain.Standing
	for _, e := range orgs {
		if !expectedOn(e, asOf) {
			continue
		}
		var cutoff time.Time
		if !asOf.IsZero() {
			end, err := domain.DeadlineEnd(asOf, e.TimeZone)
			if err != nil {
				end = asOf.AddDate(0, 0, 1)
			}
			cutoff = end
		}
		s := domain.Standing{Expected: e, State: domain.Missing}
		for _, ev := range events[e.CampaignID+"/"+e.ID] {
			if !cutoff.IsZero() && !ev.time.Before(cutoff) {
				break
			}
			s.State = domain.StateOf(ev.status)
			if ev.status == domain.Submitted {
				s.Late, s.SubmitTime = ev.late, ev.time
			}
			if ev.status == domain.Draft {
				s.Late, s.SubmitTime = false, time.Time{}
			}
		}
		standings = append(standings, s)
		tally.Add(s, 1)
	}
	slices.SortStableFunc(standings, func(a, b domain.Standing) int { return cmp.Compare(a.ShortName, b.ShortName) })
	out := &indicatorsv1.GetCompletenessResponse{Total: counts(tally.Total)}
	for _, m := range sortedKeys(tally.Municipalities) {
		out.Municipalities = append(out.Municipalities, &indicatorsv1.MunicipalityCompleteness{MunicipalityId: m, Counts: counts(tally.Municipalities[m])})
	}
	for _, r := range sortedKeys(tally.Regions) {
		out.Regions = append(out.Regions, &indicatorsv1.RegionCompleteness{RegionCode: r, Counts: counts(tally.Regions[r])})
	}
	for _, s := range standings {
		if countsOnly {
			break
		}
		o := &indicatorsv1.ExpectedOrganisation{OrganisationId: s.ID, ShortName: s.ShortName, MunicipalityId: s.MunicipalityID,
			State: indicatorsv1.ReportState(s.State), Late: s.Late, ReportId: s.ReportID}
		if !s.SubmitTime.IsZero() {
			o.SubmitTime = timestamppb.New(s.SubmitTime)
		}
		out.Organisations = append(out.Organisations, o)
	}
	return out
}

// expectedOn: on the list on the day (zero: now, not dropped).
func expectedOn(e domain.Expected, d time.Time) bool {
	if d.IsZero() {
		return e.DroppedOn.IsZero()
	}
	return !e.AddedOn.After(d) && (e.DroppedOn.IsZero() || e.DroppedOn.After(d))
}

// projectCompleteness keeps of an answer what the replay computes.
func projectCompleteness(r *indicatorsv1.GetCompletenessResponse) *indicatorsv1.GetCompletenessResponse {
	out := &indicatorsv1.GetCompletenessResponse{Total: r.GetTotal(), Municipalities: r.GetMunicipalities(), Regions: r.GetRegions()}
	for _, o := range r.GetOrganisations() {
		out.Organisations = append(out.Organisations, &indicatorsv1.ExpectedOrganisation{OrganisationId: o.GetOrganisationId(),
			ShortName: o.GetShortName(), MunicipalityId: o.GetMunicipalityId(), State: o.GetState(), Late: o.GetLate(),
			ReportId: o.GetReportId(), SubmitTime: o.GetSubmitTime()})
	}
	return out
}

func counts(c domain.Counts) *indicatorsv1.Completeness {
	return &indicatorsv1.Completeness{Expected: int32(c.Expected), OnTime: int32(c.OnTime), Late: int32(c.Late),
		Missing: int32(c.Missing), Submitted: int32(c.Submitted), Returned: int32(c.Returned), Accepted: int32(c.Accepted)}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
