package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/nastavnik/nastavnik/platform/servicetest"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// TestImportReports loads a batch of reports in every final state: they
// come back with their lives in the history, the live aggregates equal plain
// SQL over the reports and what a rebuild computes, a repeated batch changes
// nothing, and an invalid batch names every bad report and writes nothing.
func TestImportReports(t *testing.T) {
	w := newAggWorld(t, 10) // 60 organisations in 6 municipalities of 2 regions
	ctx := context.Background()
	w.publish()
	campaigns := w.municipalCampaigns()
	w.clock.Set(time.Date(2026, 12, 20, 3, 0, 0, 0, time.UTC))
	submitted := time.Date(2026, 12, 10, 4, 0, 0, 0, time.UTC)
	late := time.Date(2026, 12, 17, 4, 0, 0, 0, time.UTC)
	decided := time.Date(2026, 12, 18, 5, 30, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(15, 2))
	states := []indicatorsv1.ReportStatus{indicatorsv1.ReportStatus_REPORT_STATUS_ACCEPTED, indicatorsv1.ReportStatus_REPORT_STATUS_ACCEPTED,
		indicatorsv1.ReportStatus_REPORT_STATUS_SUBMITTED, indicatorsv1.ReportStatus_REPORT_STATUS_RETURNED, indicatorsv1.ReportStatus_REPORT_STATUS_DRAFT}
	var batch []*indicatorsv1.ImportedReport
	want := map[indicatorsv1.ReportStatus]int{}
	for i, o := range w.dir.orgs {
		if i%7 == 6 {
			continue // missing
		}
		st := states[i%len(states)]
		item := &indicatorsv1.ImportedReport{CampaignId: campaigns[o.MunicipalityID], OrganisationId: o.ID, Values: randomValues(rng), Status: st}
		switch st {
		case indicatorsv1.ReportStatus_REPORT_STATUS_DRAFT:
			item.StartTime = at(submitted)
		case indicatorsv1.ReportStatus_REPORT_STATUS_RETURNED:
			item.SubmitTime, item.DecideTime, item.ReturnComment = at(submitted), at(decided), "Проверьте раздел «Педагоги»"
		default:
			item.SubmitTime, item.DecideTime = at(submitted), at(decided)
			if i%3 == 0 {
				item.SubmitTime = at(late)
			}
		}
		want[st]++
		batch = append(batch, item)
	}
	bulk := func(as string, items []*indicatorsv1.ImportedReport) (*indicatorsv1.ImportReportsResponse, error) {
		return w.reports(as).ImportReports(ctx, &indicatorsv1.ImportReportsRequest{Reports: items})
	}
	_, err := bulk("methodologist", batch)
	wantCode(t, "methodologist bulk-imports", err, codes.PermissionDenied)

	// An invalid batch: every bad report named, nothing written.
	bad := []*indicatorsv1.ImportedReport{proto.CloneOf(batch[0]), proto.CloneOf(batch[1]), proto.CloneOf(batch[2]), proto.CloneOf(batch[3])}
	bad[0].CampaignId = "00000000-0000-4000-8000-00000000ffff"
	bad[1].OrganisationId = orgQ1
	bad[2].SubmitTime = nil
	bad[3].Values["teachers_total"] = cnt(1) // fewer teachers than young ones: an error rule
	_, err = bulk("operator", append(slices.Clone(batch), bad...))
	wantCode(t, "invalid batch", err, codes.InvalidArgument)
	n := len(batch)
	got := fieldViolations(err)
	for i, f := range []string{"campaign_id", "organisation_id", "submit_time"} {
		if name := fmt.Sprintf("reports[%d].%s", n+i, f); !slices.Contains(got, name) {
			t.Errorf("invalid batch names %v, want %s", got, name)
		}
	}
	if rule := fmt.Sprintf("reports[%d].values[", n+3); !slices.ContainsFunc(got, func(f string) bool { return strings.HasPrefix(f, rule) }) {
		t.Errorf("invalid batch names %v, want %s…]", got, rule)
	}
	var count int
	if err := w.db.QueryRow(ctx, `SELECT count(*) FROM indicators.reports`).Scan(&count); err != nil || count != 0 {
		t.Fatalf("after the invalid batch: %d reports (%v), want 0", count, err)
	}

	// Two batches, as a loader sends them.
	total := 0
	for _, part := range [][]*indicatorsv1.ImportedReport{batch[:20], batch[20:]} {
		resp, err := bulk("operator", part)
		if err != nil {
			t.Fatalf("ImportReports: %v", err)
		}
		if resp.GetImported() != int32(len(part)) || resp.GetExisting() != 0 {
			t.Fatalf("imported %d, existing %d, want %d and 0", resp.GetImported(), resp.GetExisting(), len(part))
		}
		total += int(resp.GetImported())
	}
	// The states and lives, through the API.
	gotStates := map[indicatorsv1.ReportStatus]int{}
	for _, mun := range w.dir.municipalities() {
		resp, err := w.reports("operator").ListReports(ctx, &indicatorsv1.ListReportsRequest{CampaignId: campaigns[mun], PageSize: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resp.GetReports() {
			gotStates[r.GetStatus()]++
			if r.GetStatus() != indicatorsv1.ReportStatus_REPORT_STATUS_ACCEPTED || gotStates[r.GetStatus()] > 1 {
				continue
			}
			var kinds []string
			for _, e := range w.history(r.GetId()) {
				if e.GetKind() == "status" {
					kinds = append(kinds, e.GetNewValue())
				}
				if e.GetComment() != "загружено из архива" || e.GetLogin() != servicetest.OperatorPrincipal.Login {
					t.Errorf("event %v: comment %q by %q, want the import's by the operator", e.GetKind(), e.GetComment(), e.GetLogin())
				}
			}
			if !slices.Equal(kinds, []string{"draft", "submitted", "accepted"}) || r.GetVersion() != 4 {
				t.Errorf("accepted report's life %v at version %d, want draft, submitted, accepted at 4", kinds, r.GetVersion())
			}
		}
	}
	for st, n := range want {
		if gotStates[st] != n {
			t.Errorf("%v: %d reports, want %d", st, gotStates[st], n)
		}
	}
	var lateCount int
	if err := w.db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE late) FROM indicators.reports`).Scan(&lateCount); err != nil || lateCount == 0 {
		t.Errorf("%d late reports (%v), want some: submitted after 15 December", lateCount, err)
	}

	// The live aggregates equal plain SQL, and a rebuild changes none.
	if compared := w.checkAgainstSQL(t, 2026); compared == 0 {
		t.Fatal("no aggregates compared")
	}
	levels := []indicatorsv1.Level{indicatorsv1.Level_LEVEL_COUNTRY, indicatorsv1.Level_LEVEL_REGION, indicatorsv1.Level_LEVEL_MUNICIPALITY}
	var before [][]*indicatorsv1.Aggregate
	for _, l := range levels {
		before = append(before, w.aggregates("operator", &indicatorsv1.GetAggregatesRequest{Level: l, Years: []int32{2026}}))
	}
	if _, err := indicatorsv1.NewAggregateServiceClient(w.conns["operator"]).RebuildAggregates(ctx, &indicatorsv1.RebuildAggregatesRequest{}); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	for i, l := range levels {
		after := w.aggregates("operator", &indicatorsv1.GetAggregatesRequest{Level: l, Years: []int32{2026}})
		if len(after) != len(before[i]) {
			t.Fatalf("rebuild %v: %d aggregates, %d before", l, len(after), len(before[i]))
		}
		for j := range after {
			if !proto.Equal(before[i][j], after[j]) {
				t.Errorf("rebuild changed %v into %v", before[i][j], after[j])
			}
		}
	}

	// The same batch again: every report is there already.
	resp, err := bulk("operator", batch)
	if err != nil || resp.GetImported() != 0 || resp.GetExisting() != int32(total) {
		t.Fatalf("repeated batch: imported %d, existing %d (%v), want 0 and %d", resp.GetImported(), resp.GetExisting(), err, total)
	}
}
