package server_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

func (w *world) importReport(as string, req *indicatorsv1.ImportReportRequest) (*indicatorsv1.Report, error) {
	resp, err := w.reports(as).ImportReport(context.Background(), req)
	return resp.GetReport(), err
}

func (w *world) history(id string) []*indicatorsv1.ReportEvent {
	w.t.Helper()
	h, err := w.reports("operator").ListReportHistory(context.Background(), &indicatorsv1.ListReportHistoryRequest{Id: id, PageSize: 500})
	if err != nil {
		w.t.Fatalf("ListReportHistory: %v", err)
	}
	return h.GetEvents()
}

func at(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

// TestImportReport loads past reports with their archive times: the normal
// life with the operator as actor, late against the local deadline, error
// rules blocking, and repeated calls changing nothing.
func TestImportReport(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish()
	w.clock.Set(time.Date(2026, 2, 1, 3, 0, 0, 0, time.UTC))
	c := w.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2025", Year: 2025, MunicipalityId: munA,
		Deadline: "2025-12-15", OpenedOn: "2025-10-01"})
	if c.GetOpenedOn() != "2025-10-01" || c.GetExpectedCount() != 2 {
		t.Fatalf("past campaign opened on %s expecting %d, want 2025-10-01 and 2", c.GetOpenedOn(), c.GetExpectedCount())
	}
	_, err := w.campaigns("methodologist").CreateCampaign(ctx, &indicatorsv1.CreateCampaignRequest{Campaign: &indicatorsv1.Campaign{
		Name: "Будущая", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15", OpenedOn: "2026-10-01", FormCode: "cmn_monitoring", FormVersion: 1}})
	wantCode(t, "campaign opened in the future", err, codes.InvalidArgument)
	if f := fieldViolations(err); !slices.Equal(f, []string{"campaign.opened_on"}) {
		t.Errorf("future opening names %v, want campaign.opened_on", f)
	}

	submitted := time.Date(2025, 12, 10, 4, 0, 0, 0, time.UTC)
	accepted := time.Date(2025, 12, 12, 5, 30, 0, 0, time.UTC)
	req := &indicatorsv1.ImportReportRequest{CampaignId: c.GetId(), OrganisationId: orgA1, Values: goodValues(1),
		SubmitTime: at(submitted), AcceptTime: at(accepted)}

	// Only the operator imports; a foreign tenant does not even see the campaign.
	for _, tc := range []struct {
		as   string
		want codes.Code
	}{
		{"methodologist", codes.PermissionDenied},
		{"regional", codes.PermissionDenied},
		{"curator", codes.PermissionDenied},
		{"methodologistB", codes.NotFound},
	} {
		_, err := w.importReport(tc.as, req)
		wantCode(t, tc.as+" imports", err, tc.want)
	}
	_, err = w.importReport("curatorA2", req)
	wantCode(t, "curator imports the neighbour's report", err, codes.InvalidArgument)

	r, err := w.importReport("operator", req)
	if err != nil {
		t.Fatalf("ImportReport: %v", err)
	}
	if r.GetStatus() != indicatorsv1.ReportStatus_REPORT_STATUS_ACCEPTED || r.GetLate() || !r.GetSubmitTime().AsTime().Equal(submitted) ||
		!r.GetCreateTime().AsTime().Equal(submitted) || !r.GetUpdateTime().AsTime().Equal(accepted) || len(r.GetValues()) != len(req.GetValues()) {
		t.Fatalf("imported: %v late=%v submitted %v created %v updated %v with %d values", r.GetStatus(), r.GetLate(),
			r.GetSubmitTime().AsTime(), r.GetCreateTime().AsTime(), r.GetUpdateTime().AsTime(), len(r.GetValues()))
	}
	events := w.history(r.GetId())
	var statuses []string
	values := 0
	for _, e := range events {
		if e.GetLogin() != "test-operator" {
			t.Errorf("event %v by %q, want the operator", e, e.GetLogin())
		}
		switch e.GetKind() {
		case "status":
			statuses = append(statuses, e.GetNewValue()+"@"+e.GetTime().AsTime().Format(time.RFC3339))
		case "value":
			values++
		}
		if e.GetKind() == "value" || e.GetNewValue() != "draft" {
			if e.GetComment() != "загружено из архива" {
				t.Errorf("event %s %s has comment %q, want «загружено из архива»", e.GetKind(), e.GetField(), e.GetComment())
			}
		}
	}
	if want := []string{"draft@2025-12-10T04:00:00Z", "submitted@2025-12-10T04:00:00Z", "accepted@2025-12-12T05:30:00Z"}; !slices.Equal(statuses, want) {
		t.Errorf("status history %v, want %v", statuses, want)
	}
	if values != len(req.GetValues()) {
		t.Errorf("history has %d value changes, want %d", values, len(req.GetValues()))
	}

	// The same call again, and the same values with other times: nothing changes.
	for _, again := range []*indicatorsv1.ImportReportRequest{req, {CampaignId: c.GetId(), OrganisationId: orgA1, Values: goodValues(1),
		SubmitTime: at(submitted.Add(time.Hour)), AcceptTime: at(accepted.Add(time.Hour))}} {
		r2, err := w.importReport("operator", again)
		if err != nil || r2.GetVersion() != r.GetVersion() || len(w.history(r.GetId())) != len(events) {
			t.Errorf("repeated import: v%d (%v), %d events; want v%d and %d events", r2.GetVersion(), err, len(w.history(r.GetId())),
				r.GetVersion(), len(events))
		}
	}
	// Other values over an accepted report are refused, nothing written.
	other := proto.Clone(req).(*indicatorsv1.ImportReportRequest)
	other.Values = map[string]*indicatorsv1.Value{"teachers_total": cnt(61)}
	_, err = w.importReport("operator", other)
	wantCode(t, "import over an accepted report with other values", err, codes.FailedPrecondition)

	// A2 with a request id, left submitted. The methodologist returns it; a
	// retry of the request changes nothing, while a new import cannot write
	// history before the return.
	rid := "9a0e1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b"
	req2 := &indicatorsv1.ImportReportRequest{CampaignId: c.GetId(), OrganisationId: orgA2, Values: goodValues(2),
		SubmitTime: at(time.Date(2025, 12, 16, 2, 0, 0, 0, time.UTC)), RequestId: rid}
	r2, err := w.importReport("operator", req2)
	if err != nil || r2.GetStatus() != indicatorsv1.ReportStatus_REPORT_STATUS_SUBMITTED || !r2.GetLate() {
		t.Fatalf("import of A2 left submitted: %v late=%v %v; want submitted late (16.12 09:00 in Krasnoyarsk)", r2.GetStatus(), r2.GetLate(), err)
	}
	if evs := w.history(r2.GetId()); !strings.Contains(evs[len(evs)-1].GetComment(), rid) {
		t.Errorf("the import's events do not name the request: %v", evs[len(evs)-1])
	}
	ret, err := w.reports("methodologist").ReturnReport(ctx, &indicatorsv1.ReturnReportRequest{Id: r2.GetId(), Version: r2.GetVersion(), Comment: "Проверьте"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := w.importReport("operator", req2)
	if err != nil || again.GetVersion() != ret.GetReport().GetVersion() || again.GetStatus() != indicatorsv1.ReportStatus_REPORT_STATUS_RETURNED {
		t.Errorf("retry of the request after a return: %v v%d %v, want the returned report unchanged", again.GetStatus(), again.GetVersion(), err)
	}
	req2.RequestId = ""
	_, err = w.importReport("operator", req2)
	wantCode(t, "import before a later change", err, codes.FailedPrecondition)

	comp, err := w.campaigns("methodologist").GetCompleteness(ctx, &indicatorsv1.GetCompletenessRequest{CampaignId: c.GetId(), AsOf: "2025-12-13"})
	if want := (&indicatorsv1.Completeness{Expected: 2, OnTime: 1, Missing: 1, Accepted: 1}); err != nil || !proto.Equal(comp.GetTotal(), want) {
		t.Errorf("completeness as of 13.12: %v %v, want %v", comp.GetTotal(), err, want)
	}

	// Closed: no new report, though the accepted one still imports as a no-op.
	cur, _ := w.campaigns("methodologist").GetCampaign(ctx, &indicatorsv1.GetCampaignRequest{Id: c.GetId()})
	if _, err := w.campaigns("methodologist").CloseCampaign(ctx, &indicatorsv1.CloseCampaignRequest{Id: c.GetId(), Version: cur.GetCampaign().GetVersion()}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.importReport("operator", req); err != nil {
		t.Errorf("identical import into the closed campaign: %v", err)
	}
}

// TestImportReportChecks: bad times and values are 400 naming the field, and
// a report breaking an error rule is not created at all.
func TestImportReportChecks(t *testing.T) {
	w := newWorld(t)
	w.publish()
	w.clock.Set(time.Date(2026, 2, 1, 3, 0, 0, 0, time.UTC))
	c := w.campaign("operator", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2025", Year: 2025, MunicipalityId: munA,
		Deadline: "2025-12-15", OpenedOn: "2025-10-01"})
	ok := time.Date(2025, 12, 10, 4, 0, 0, 0, time.UTC)
	young := goodValues(1)
	young["young_teachers"] = cnt(70)
	partial := goodValues(1)
	delete(partial, "act_order")
	tests := []struct {
		name           string
		values         map[string]*indicatorsv1.Value
		submit, accept *timestamppb.Timestamp
		fields         []string
	}{
		{"no submit time", goodValues(1), nil, nil, []string{"submit_time"}},
		{"submitted in the future", goodValues(1), at(time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)), nil, []string{"submit_time"}},
		// 30.09 20:00 UTC is 1 October 03:00 in Krasnoyarsk: the campaign is open there.
		{"submitted before the campaign opened", goodValues(1), at(time.Date(2025, 9, 30, 16, 59, 0, 0, time.UTC)), nil, []string{"submit_time"}},
		{"accepted before submitted", goodValues(1), at(ok), at(ok.Add(-time.Minute)), []string{"accept_time"}},
		{"accepted in the future", goodValues(1), at(ok), at(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)), []string{"accept_time"}},
		{"young teachers above teachers", young, at(ok), at(ok), []string{"values[teachers_total]", "values[young_teachers]"}},
		{"a required field missing", partial, at(ok), nil, []string{"values[act_order]"}},
		{"no such field", map[string]*indicatorsv1.Value{"no_such": cnt(1)}, at(ok), nil, []string{"values[no_such]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.importReport("operator", &indicatorsv1.ImportReportRequest{CampaignId: c.GetId(), OrganisationId: orgA1,
				Values: tc.values, SubmitTime: tc.submit, AcceptTime: tc.accept})
			wantCode(t, tc.name, err, codes.InvalidArgument)
			got := fieldViolations(err)
			slices.Sort(got)
			got = slices.Compact(got)
			if !slices.Equal(got, tc.fields) {
				t.Errorf("%s names %v, want %v", tc.name, got, tc.fields)
			}
		})
	}
	if _, err := w.importReport("operator", &indicatorsv1.ImportReportRequest{CampaignId: c.GetId(), OrganisationId: orgA1,
		Values: goodValues(1), SubmitTime: at(time.Date(2025, 9, 30, 17, 0, 0, 0, time.UTC))}); err != nil {
		t.Errorf("submitted at the first moment of the opening day in Krasnoyarsk: %v", err)
	}
	list, err := w.reports("operator").ListReports(context.Background(), &indicatorsv1.ListReportsRequest{CampaignId: c.GetId()})
	if err != nil || list.GetTotalSize() != 1 {
		t.Errorf("reports after the refused imports: %d %v, want only the good one", list.GetTotalSize(), err)
	}
}

// TestImportReportDeadlineEdges: late is computed against the end of 15
// December in the organisation's own zone, for the same UTC instant giving
// different answers in Kaliningrad and Kamchatka.
func TestImportReportDeadlineEdges(t *testing.T) {
	kaliningrad, _ := time.LoadLocation("Europe/Kaliningrad")
	kamchatka, _ := time.LoadLocation("Asia/Kamchatka")
	sameInstant := time.Date(2025, 12, 15, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name, region, org string
		submit            time.Time
		late              bool
	}{
		{"Kaliningrad 15.12 23:59", "39", orgK1, time.Date(2025, 12, 15, 23, 59, 59, 0, kaliningrad), false},
		{"Kaliningrad 16.12 00:00", "39", orgK1, time.Date(2025, 12, 16, 0, 0, 0, 0, kaliningrad), true},
		{"Kamchatka 15.12 23:59", "41", orgQ1, time.Date(2025, 12, 15, 23, 59, 59, 0, kamchatka), false},
		{"Kamchatka 16.12 00:00", "41", orgQ1, time.Date(2025, 12, 16, 0, 0, 0, 0, kamchatka), true},
		{"Kaliningrad at 14:00 UTC on 15.12", "39", orgK1, sameInstant, false},
		{"Kamchatka at 14:00 UTC on 15.12", "41", orgQ1, sameInstant, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A world each: one campaign a year may expect an organisation.
			w := newWorld(t)
			w.publish()
			w.clock.Set(time.Date(2026, 2, 1, 3, 0, 0, 0, time.UTC))
			c := w.campaign("operator", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2025 · " + tc.name, Year: 2025, RegionCode: tc.region,
				Deadline: "2025-12-15", OpenedOn: "2025-10-01"})
			r, err := w.importReport("operator", &indicatorsv1.ImportReportRequest{CampaignId: c.GetId(), OrganisationId: tc.org,
				Values: goodValues(1), SubmitTime: at(tc.submit), AcceptTime: at(tc.submit.Add(48 * time.Hour))})
			if err != nil {
				t.Fatal(err)
			}
			if r.GetLate() != tc.late || r.GetStatus() != indicatorsv1.ReportStatus_REPORT_STATUS_ACCEPTED {
				t.Errorf("%s: %v late=%v, want accepted late=%v", tc.name, r.GetStatus(), r.GetLate(), tc.late)
			}
			comp, err := w.campaigns("operator").GetCompleteness(context.Background(), &indicatorsv1.GetCompletenessRequest{CampaignId: c.GetId()})
			if err != nil || comp.GetTotal().GetLate() != map[bool]int32{true: 1}[tc.late] || comp.GetTotal().GetAccepted() != 1 {
				t.Errorf("%s: completeness %v %v", tc.name, comp.GetTotal(), err)
			}
		})
	}
}
