package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/nastavnik/nastavnik/platform/dates"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// keptRow is one campaign's and municipality's counts of who has reported.
type keptRow struct {
	Campaign, Municipality, Region                      string
	Year, Expected, Submitted, Returned, Accepted, Late int
}

// keptCounts reads completeness_counts as the triggers keep it (rows that
// count nobody left out), and recount counts the same from the expected
// lists and the reports.
func (w *aggWorld) keptCounts() (kept, recount map[string]keptRow) {
	w.t.Helper()
	read := func(sql string) map[string]keptRow {
		rows, err := w.db.Query(context.Background(), sql)
		if err != nil {
			w.t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]keptRow{}
		for rows.Next() {
			var r keptRow
			if err := rows.Scan(&r.Campaign, &r.Municipality, &r.Region, &r.Year, &r.Expected, &r.Submitted, &r.Returned, &r.Accepted, &r.Late); err != nil {
				w.t.Fatal(err)
			}
			if r != (keptRow{Campaign: r.Campaign, Municipality: r.Municipality, Region: r.Region, Year: r.Year}) {
				out[r.Campaign+"/"+r.Municipality] = r
			}
		}
		if err := rows.Err(); err != nil {
			w.t.Fatal(err)
		}
		return out
	}
	kept = read(`SELECT campaign_id::text, municipality_id::text, region_code, year, expected, submitted, returned, accepted, late
		FROM indicators.completeness_counts`)
	recount = read(`SELECT co.campaign_id::text, co.municipality_id::text, co.region_code, c.year, count(*)::int,
			count(*) FILTER (WHERE r.status = 2)::int, count(*) FILTER (WHERE r.status = 3)::int,
			count(*) FILTER (WHERE r.status = 4)::int, count(*) FILTER (WHERE r.status IN (2, 4) AND r.late)::int
		FROM indicators.campaign_organisations co JOIN indicators.campaigns c ON c.id = co.campaign_id
		LEFT JOIN indicators.reports r ON r.campaign_id = co.campaign_id AND r.organisation_id = co.organisation_id
		WHERE co.dropped_on IS NULL GROUP BY 1, 2, 3, 4`)
	return kept, recount
}

// TestKeptCompletenessCountsEqualARecount makes random changes through the
// service — reports imported in every state, created, saved, submitted
// before and after the deadline (some extended), returned, accepted,
// reopened; organisations dropped from and added back to the expected list
// by a refresh, and one that never was in the directory dropped — and after
// each one compares the counts the triggers keep (migration 14) with a
// recount from the expected lists and the reports. An ordinary save leaves
// the kept counts' rows untouched. At the end GetCompleteness's counts (read
// from the kept counts) equal those of its full answer (the organisations'
// standings one by one) for every scope.
func TestKeptCompletenessCountsEqualARecount(t *testing.T) {
	w := newAggWorld(t, 6) // 36 organisations in 6 municipalities of 2 regions
	ctx := context.Background()
	w.publish()
	campaigns := w.municipalCampaigns()
	rs := w.reports("operator")
	cs := w.campaigns("operator")
	rng := rand.New(rand.NewPCG(15, 20261130))
	now := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	w.clock.Set(now)
	seen := features{}
	check := func(after string) {
		t.Helper()
		kept, recount := w.keptCounts()
		if diff := gocmp.Diff(recount, kept); diff != "" {
			t.Fatalf("after %s, the kept counts (-recount +kept):\n%s", after, diff)
		}
	}
	check("the campaigns opened")

	// A third of the organisations' reports imported, in every state, as
	// an archive of past submissions (imported after the deadline).
	w.clock.Set(time.Date(2026, 12, 20, 3, 0, 0, 0, time.UTC))
	var batch []*indicatorsv1.ImportedReport
	states := []indicatorsv1.ReportStatus{indicatorsv1.ReportStatus_REPORT_STATUS_ACCEPTED, indicatorsv1.ReportStatus_REPORT_STATUS_SUBMITTED,
		indicatorsv1.ReportStatus_REPORT_STATUS_RETURNED, indicatorsv1.ReportStatus_REPORT_STATUS_DRAFT}
	imported := map[string]bool{}
	for i, o := range w.dir.orgs {
		if i%3 != 0 {
			continue
		}
		st := states[(i/3)%len(states)]
		item := &indicatorsv1.ImportedReport{CampaignId: campaigns[o.MunicipalityID], OrganisationId: o.ID, Values: randomValues(rng), Status: st}
		submit := time.Date(2026, 11, 10, 4, 0, 0, 0, time.UTC)
		if i%2 == 0 {
			submit = time.Date(2026, 12, 17, 4, 0, 0, 0, time.UTC) // late, as the archive says
		}
		switch st {
		case indicatorsv1.ReportStatus_REPORT_STATUS_DRAFT:
			item.StartTime = at(now.Add(-2 * time.Hour))
		case indicatorsv1.ReportStatus_REPORT_STATUS_RETURNED:
			item.SubmitTime, item.DecideTime, item.ReturnComment = at(submit), at(submit.Add(time.Hour)), "Проверьте"
		default:
			item.SubmitTime, item.DecideTime = at(submit), at(submit.Add(time.Hour))
		}
		batch = append(batch, item)
		imported[o.ID] = true
	}
	if _, err := rs.ImportReports(ctx, &indicatorsv1.ImportReportsRequest{Reports: batch}); err != nil {
		t.Fatalf("ImportReports: %v", err)
	}
	seen["import"] = len(batch)
	check("the import")
	w.clock.Set(now)

	// The other organisations' reports through their lives.
	type life struct {
		r      *indicatorsv1.Report
		status indicatorsv1.ReportStatus
	}
	lives := map[string]*life{}
	var live []string
	for _, o := range w.dir.orgs {
		if !imported[o.ID] {
			live = append(live, o.ID)
			lives[o.ID] = &life{}
		}
	}
	mun := map[string]string{}
	for _, o := range w.dir.orgs {
		mun[o.ID] = o.MunicipalityID
	}
	const (
		draft     = indicatorsv1.ReportStatus_REPORT_STATUS_DRAFT
		submitted = indicatorsv1.ReportStatus_REPORT_STATUS_SUBMITTED
		returned  = indicatorsv1.ReportStatus_REPORT_STATUS_RETURNED
		accepted  = indicatorsv1.ReportStatus_REPORT_STATUS_ACCEPTED
	)
	refresh := func(campaign string) *indicatorsv1.RefreshExpectedResponse {
		t.Helper()
		resp, err := cs.RefreshExpected(ctx, &indicatorsv1.RefreshExpectedRequest{Id: campaign})
		if err != nil {
			t.Fatalf("RefreshExpected: %v", err)
		}
		return resp
	}
	for step := range 260 {
		now = now.Add(time.Duration(60+rng.IntN(300)) * time.Minute) // past the deadline on the way
		w.clock.Set(now)
		org := live[rng.IntN(len(live))]
		campaign := campaigns[mun[org]]
		l := lives[org]
		var (
			action string
			resp   interface{ GetReport() *indicatorsv1.Report }
			err    error
		)
		switch {
		case rng.IntN(12) == 0:
			// Dropped from the list (as a closed organisation would be) and
			// added back by a refresh, or an organisation the directory does
			// not know put on the list and dropped by a refresh.
			if rng.IntN(2) == 0 {
				action = "dropped and added back"
				if _, err := w.db.Exec(ctx, `UPDATE indicators.campaign_organisations SET dropped_on = '2026-11-25'
					WHERE campaign_id = $1 AND organisation_id = $2`, campaign, org); err != nil {
					t.Fatal(err)
				}
				check(fmt.Sprintf("step %d: %s dropped", step, org))
				if got := refresh(campaign).GetAdded(); len(got) != 1 || got[0] != org {
					t.Fatalf("refresh added %v, want %s", got, org)
				}
			} else {
				action = "a stranger added and dropped"
				stranger := fmt.Sprintf("20000000-0000-4000-8000-%012d", step)
				if _, err := w.db.Exec(ctx, `INSERT INTO indicators.campaign_organisations (campaign_id, organisation_id, short_name,
						full_name, sort_key, municipality_id, region_code, time_zone, added_on)
					SELECT campaign_id, $2, 'Чужая школа', 'Чужая школа', 'чужая школа', municipality_id, region_code, time_zone, added_on
					FROM indicators.campaign_organisations WHERE campaign_id = $1 AND organisation_id = $3`, campaign, stranger, org); err != nil {
					t.Fatal(err)
				}
				check(fmt.Sprintf("step %d: a stranger added", step))
				if got := refresh(campaign).GetDropped(); len(got) != 1 || got[0] != stranger {
					t.Fatalf("refresh dropped %v, want %s", got, stranger)
				}
			}
		case l.r == nil:
			action = "create"
			l.r, l.status = w.save("operator", w.report("operator", campaign, org, false), goodValues(1)), draft
		case l.status == draft && rng.IntN(3) == 0:
			action = "save"
			before := w.keptVersions()
			resp, err = rs.SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: l.r.GetId(), Version: l.r.GetVersion(), Values: goodValues(int64(1 + rng.IntN(3)))})
			if err == nil {
				if after := w.keptVersions(); after != before {
					t.Errorf("step %d: an ordinary save rewrote the kept counts (row versions %s → %s)", step, before, after)
				}
			}
		case l.status == draft && rng.IntN(4) == 0:
			action = "extend"
			_, err = cs.ExtendDeadline(ctx, &indicatorsv1.ExtendDeadlineRequest{CampaignId: campaign, OrganisationId: org,
				Deadline: dates.Format(time.Date(2026, 12, 20+rng.IntN(10), 0, 0, 0, 0, time.UTC)), Reason: "болезнь"})
		case l.status == draft:
			action = "submit"
			resp, err = rs.SubmitReport(ctx, &indicatorsv1.SubmitReportRequest{Id: l.r.GetId(), Version: l.r.GetVersion(), ConfirmWarnings: true})
		case l.status == submitted && rng.IntN(2) == 0:
			action = "return"
			resp, err = rs.ReturnReport(ctx, &indicatorsv1.ReturnReportRequest{Id: l.r.GetId(), Version: l.r.GetVersion(), Comment: "Проверьте"})
		case l.status == submitted:
			action = "accept"
			resp, err = rs.AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: l.r.GetId(), Version: l.r.GetVersion()})
		case l.status == returned && rng.IntN(2) == 0:
			action = "resubmit"
			resp, err = rs.SubmitReport(ctx, &indicatorsv1.SubmitReportRequest{Id: l.r.GetId(), Version: l.r.GetVersion(), ConfirmWarnings: true})
		case l.status == returned:
			action = "edit after a return"
			resp, err = rs.SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: l.r.GetId(), Version: l.r.GetVersion(), Values: goodValues(2)})
		case l.status == accepted:
			action = "reopen"
			resp, err = rs.ReopenReport(ctx, &indicatorsv1.ReopenReportRequest{Id: l.r.GetId(), Version: l.r.GetVersion(), Reason: "Исправить"})
		}
		if err != nil {
			t.Fatalf("step %d: %s %s: %v", step, action, org, err)
		}
		if resp != nil {
			l.r, l.status = resp.GetReport(), resp.GetReport().GetStatus()
			if (action == "submit" || action == "resubmit") && l.r.GetLate() {
				seen["late submit"]++
			}
		}
		seen[action]++
		check(fmt.Sprintf("step %d: %s %s", step, action, org))
	}
	for _, want := range []string{"import", "create", "save", "extend", "submit", "late submit", "return", "accept", "resubmit",
		"edit after a return", "reopen", "dropped and added back", "a stranger added and dropped"} {
		if seen[want] == 0 {
			t.Errorf("no step %q: %v", want, seen)
		}
	}
	t.Logf("steps: %v", seen)

	// The counts GetCompleteness reads from the kept counts equal those of
	// its full answer, which tallies the organisations' standings.
	scopes := []struct {
		as  string
		req *indicatorsv1.GetCompletenessRequest
	}{
		{"operator", &indicatorsv1.GetCompletenessRequest{Year: 2026}},
		{"operator", &indicatorsv1.GetCompletenessRequest{Year: 2026, Region: "24"}},
		{"operator", &indicatorsv1.GetCompletenessRequest{Year: 2026, Region: "38"}},
		{"operator", &indicatorsv1.GetCompletenessRequest{CampaignId: campaigns[w.dir.municipalities()[4]]}},
		{"operator", &indicatorsv1.GetCompletenessRequest{Year: 2026, Municipality: w.dir.municipalities()[1]}},
		{"regional", &indicatorsv1.GetCompletenessRequest{Year: 2026, Region: "24"}},
		{"regional", &indicatorsv1.GetCompletenessRequest{Year: 2026}},
	}
	for _, sc := range scopes {
		counted, err := w.campaigns(sc.as).GetCompleteness(ctx, &indicatorsv1.GetCompletenessRequest{Year: sc.req.GetYear(),
			Region: sc.req.GetRegion(), Municipality: sc.req.GetMunicipality(), CampaignId: sc.req.GetCampaignId(), CountsOnly: true})
		if err != nil {
			t.Fatalf("%s %v: %v", sc.as, sc.req, err)
		}
		full, err := w.campaigns(sc.as).GetCompleteness(ctx, sc.req)
		if err != nil {
			t.Fatalf("%s %v: %v", sc.as, sc.req, err)
		}
		if counted.GetTotal().GetExpected() == 0 {
			t.Errorf("%s %v: nobody expected", sc.as, sc.req)
		}
		full.Organisations = nil
		if diff := gocmp.Diff(full, counted, protocmp.Transform()); diff != "" {
			t.Errorf("%s %v (-standings +kept counts):\n%s", sc.as, sc.req, diff)
		}
	}
}

// keptVersions is the kept counts' row versions (their ctids), which any
// write to a row changes.
func (w *aggWorld) keptVersions() string {
	w.t.Helper()
	var v string
	if err := w.db.QueryRow(context.Background(), `SELECT COALESCE(string_agg(ctid::text, ',' ORDER BY campaign_id, municipality_id), '')
		FROM indicators.completeness_counts`).Scan(&v); err != nil {
		w.t.Fatal(err)
	}
	return v
}
