package server_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
)

func TestForms(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	_, err := w.forms("methodologist").DraftForm(ctx, &indicatorsv1.DraftFormRequest{Code: form.MentorshipCode})
	wantCode(t, "methodologist drafts a form", err, codes.PermissionDenied)
	_, err = w.forms("operator").DraftForm(ctx, &indicatorsv1.DraftFormRequest{Code: "unknown_form"})
	wantCode(t, "draft of a form with no version and no built-in", err, codes.NotFound)
	w.publish()

	got, err := w.forms("curator").GetForm(ctx, &indicatorsv1.GetFormRequest{Code: form.MentorshipCode, Version: 1})
	if err != nil || got.GetForm().GetStatus() != indicatorsv1.FormStatus_FORM_STATUS_PUBLISHED || len(got.GetForm().GetRules()) < 10 {
		t.Fatalf("curator reads the published form: %v %v", got, err)
	}
	v1 := got.GetForm()
	for _, s := range v1.GetSections() {
		for _, f := range s.GetFields() {
			if f.GetLabel() == "" || f.GetHelp() == "" {
				t.Errorf("field %s lacks a label or help", f.GetCode())
			}
		}
	}
	// A published version never changes.
	_, err = w.forms("operator").UpdateForm(ctx, &indicatorsv1.UpdateFormRequest{Form: v1})
	wantCode(t, "update of a published version", err, codes.FailedPrecondition)

	// Version 2 is drafted from version 1; a rule that does not compile blocks publishing.
	d, err := w.forms("operator").DraftForm(ctx, &indicatorsv1.DraftFormRequest{Code: form.MentorshipCode})
	if err != nil || d.GetForm().GetVersion() != 2 || len(d.GetForm().GetRules()) != len(v1.GetRules()) {
		t.Fatalf("draft of v2: %v %v", d, err)
	}
	v2 := proto.Clone(d.GetForm()).(*indicatorsv1.Form)
	v2.Rules = append(v2.Rules, &indicatorsv1.Rule{Code: "broken", Expression: "young_teachers <= teachers", Severity: indicatorsv1.Severity_SEVERITY_ERROR,
		Message: "Сломанное правило", Fields: []string{"young_teachers"}})
	upd, err := w.forms("operator").UpdateForm(ctx, &indicatorsv1.UpdateFormRequest{Form: v2})
	if err != nil {
		t.Fatalf("UpdateForm: %v", err)
	}
	_, err = w.forms("operator").UpdateForm(ctx, &indicatorsv1.UpdateFormRequest{Form: v2})
	wantCode(t, "update at a stale revision", err, codes.Aborted)
	_, err = w.forms("operator").PublishForm(ctx, &indicatorsv1.PublishFormRequest{Code: form.MentorshipCode, Version: 2, Revision: upd.GetForm().GetRevision()})
	wantCode(t, "publish with a broken rule", err, codes.InvalidArgument)
	if f := fieldViolations(err); len(f) != 1 || !strings.HasPrefix(f[0], "form.rules[") || !strings.Contains(status.Convert(err).Message(), "broken") {
		t.Errorf("publish with a broken rule names %v (%v), want the rule", f, err)
	}
	bad := proto.Clone(v2).(*indicatorsv1.Form)
	bad.Revision = upd.GetForm().GetRevision()
	bad.Sections[0].Fields[0].Label = ""
	_, err = w.forms("operator").UpdateForm(ctx, &indicatorsv1.UpdateFormRequest{Form: bad})
	wantCode(t, "update with an empty label", err, codes.InvalidArgument)
	if f := fieldViolations(err); !slices.Contains(f, "form.sections[0].fields[0].label") {
		t.Errorf("empty label names %v", f)
	}
}

func TestReportLifecycle(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish()
	c := w.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15"})
	if c.GetExpectedCount() != 2 || c.GetRegionCode() != "24" {
		t.Fatalf("campaign expects %d organisations in %q, want 2 in 24", c.GetExpectedCount(), c.GetRegionCode())
	}

	// Scope: another tenant's campaign and reports are not found.
	_, err := w.campaigns("methodologistB").GetCampaign(ctx, &indicatorsv1.GetCampaignRequest{Id: c.GetId()})
	wantCode(t, "foreign methodologist reads the campaign", err, codes.NotFound)
	_, err = w.campaigns("methodologistB").CreateCampaign(ctx, &indicatorsv1.CreateCampaignRequest{Campaign: &indicatorsv1.Campaign{
		Name: "Чужая", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15", FormCode: form.MentorshipCode, FormVersion: 1}})
	wantCode(t, "campaign for a foreign municipality", err, codes.InvalidArgument)
	_, err = w.campaigns("curator").CreateCampaign(ctx, &indicatorsv1.CreateCampaignRequest{Campaign: &indicatorsv1.Campaign{
		Name: "Своя", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15", FormCode: form.MentorshipCode, FormVersion: 1}})
	wantCode(t, "curator opens a campaign", err, codes.PermissionDenied)
	_, err = w.reports("curator").CreateReport(ctx, &indicatorsv1.CreateReportRequest{CampaignId: c.GetId(), OrganisationId: orgA2})
	wantCode(t, "curator starts the neighbour's report", err, codes.InvalidArgument)

	r := w.report("curator", c.GetId(), orgA1, false)
	if again := w.report("curator", c.GetId(), orgA1, false); again.GetId() != r.GetId() {
		t.Errorf("a second CreateReport made another report")
	}
	_, err = w.reports("methodologistB").GetReport(ctx, &indicatorsv1.GetReportRequest{Id: r.GetId()})
	wantCode(t, "foreign methodologist reads the report", err, codes.NotFound)
	_, err = w.reports("curatorA2").GetReport(ctx, &indicatorsv1.GetReportRequest{Id: r.GetId()})
	wantCode(t, "neighbour curator reads the report", err, codes.NotFound)

	// Young teachers above teachers: submission is refused naming both fields; nothing is lost.
	values := goodValues(1)
	values["young_teachers"] = cnt(70)
	w.clock.Set(time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC))
	r = w.save("curator", r, values)
	if !slices.ContainsFunc(r.GetViolations(), func(v *indicatorsv1.Violation) bool { return v.GetRule() == "young_le_teachers" }) {
		t.Errorf("save shows violations %v, want young_le_teachers", r.GetViolations())
	}
	_, err = w.reports("curator").SubmitReport(ctx, &indicatorsv1.SubmitReportRequest{Id: r.GetId(), Version: r.GetVersion()})
	wantCode(t, "submit with young > teachers", err, codes.InvalidArgument)
	f := fieldViolations(err)
	for _, want := range []string{"values[young_teachers]", "values[teachers_total]"} {
		if !slices.Contains(f, want) {
			t.Errorf("submit names %v, want %s", f, want)
		}
	}
	after := w.get("curator", r.GetId())
	if after.GetStatus() != indicatorsv1.ReportStatus_REPORT_STATUS_DRAFT || after.GetVersion() != r.GetVersion() || len(after.GetValues()) != len(values) {
		t.Fatalf("after the refused submission: %v v%d with %d values, want a draft at v%d with %d", after.GetStatus(), after.GetVersion(),
			len(after.GetValues()), r.GetVersion(), len(values))
	}
	for k, v := range values {
		if !proto.Equal(after.GetValues()[k], v) {
			t.Errorf("value %s = %v, want %v", k, after.GetValues()[k], v)
		}
	}

	// Two saves based on the same version: exactly one wins, the other is ABORTED with the current report.
	base := after.GetVersion()
	edits := []map[string]*indicatorsv1.Value{{"young_teachers": cnt(9)}, {"young_teachers_supported": cnt(8)}}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range edits {
		wg.Go(func() {
			_, errs[i] = w.reports("curator").SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: r.GetId(), Version: base, Values: edits[i]})
		})
	}
	wg.Wait()
	won, lost := -1, -1
	for i, err := range errs {
		switch status.Code(err) {
		case codes.OK:
			won = i
		case codes.Aborted:
			lost = i
		}
	}
	if won < 0 || lost < 0 {
		t.Fatalf("concurrent saves: %v, want one OK and one ABORTED", errs)
	}
	var current *indicatorsv1.Report
	for _, d := range status.Convert(errs[lost]).Details() {
		if rep, ok := d.(*indicatorsv1.Report); ok {
			current = rep
		}
	}
	if current == nil || current.GetVersion() != base+1 {
		t.Fatalf("the conflict carries %v, want the current report at version %d", current, base+1)
	}
	// The loser merges and sends again: both values are kept.
	r = w.save("curator", current, edits[lost])
	if r.GetValues()["young_teachers"].GetCount() != 9 || r.GetValues()["young_teachers_supported"].GetCount() != 8 {
		t.Errorf("after the retry: young %d supported %d, want 9 and 8", r.GetValues()["young_teachers"].GetCount(),
			r.GetValues()["young_teachers_supported"].GetCount())
	}
	// A repeated save of the same values is a no-op, even on an old version.
	if again := w.save("curator", &indicatorsv1.Report{Id: r.GetId(), Version: base}, edits[won]); again.GetVersion() != r.GetVersion() {
		t.Errorf("a repeated save moved the version %d → %d", r.GetVersion(), again.GetVersion())
	}

	// Bad input.
	_, err = w.reports("curator").SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: r.GetId(), Version: r.GetVersion(),
		Values: map[string]*indicatorsv1.Value{"no_such": cnt(1), "act_order": cnt(1), "teachers_total": {}}})
	wantCode(t, "save with bad values", err, codes.InvalidArgument)
	if f := fieldViolations(err); !slices.Equal(f, []string{"values[act_order]", "values[no_such]", "values[teachers_total]"}) {
		t.Errorf("bad values name %v", f)
	}
	_, err = w.reports("curator").SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: "not-a-uuid", Version: 1})
	wantCode(t, "save of a malformed id", err, codes.InvalidArgument)

	// Submit on time; the curator cannot accept its own report.
	r, err = submit(w, "curator", r, false)
	if err != nil || r.GetStatus() != indicatorsv1.ReportStatus_REPORT_STATUS_SUBMITTED || r.GetLate() {
		t.Fatalf("submit: %v late=%v %v", r.GetStatus(), r.GetLate(), err)
	}
	_, err = w.reports("curator").AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: r.GetId(), Version: r.GetVersion()})
	wantCode(t, "curator accepts its own report", err, codes.PermissionDenied)
	_, err = w.reports("methodologistB").AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: r.GetId(), Version: r.GetVersion()})
	wantCode(t, "foreign methodologist accepts", err, codes.NotFound)
	_, err = w.reports("curator").SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: r.GetId(), Version: r.GetVersion(),
		Values: map[string]*indicatorsv1.Value{"teachers_total": cnt(61)}})
	wantCode(t, "edit of a submitted report", err, codes.FailedPrecondition)

	// Returned with remarks → edited (a draft again) → submitted → accepted → reopened.
	ret, err := w.reports("methodologist").ReturnReport(ctx, &indicatorsv1.ReturnReportRequest{Id: r.GetId(), Version: r.GetVersion(),
		Comment: "Проверьте численность", Remarks: map[string]string{"teachers_total": "Не совпадает с РИС"}})
	if err != nil || ret.GetReport().GetRemarks()["teachers_total"] == "" {
		t.Fatalf("return: %v %v", ret, err)
	}
	r = w.save("curator", ret.GetReport(), map[string]*indicatorsv1.Value{"teachers_total": cnt(62)})
	if r.GetStatus() != indicatorsv1.ReportStatus_REPORT_STATUS_DRAFT || r.GetRemarks()["teachers_total"] == "" {
		t.Errorf("after editing a returned report: %v, remarks %v", r.GetStatus(), r.GetRemarks())
	}
	if r, err = submit(w, "curator", r, false); err != nil {
		t.Fatal(err)
	}
	acc, err := w.reports("methodologist").AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: r.GetId(), Version: r.GetVersion()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.reports("methodologist").ReopenReport(ctx, &indicatorsv1.ReopenReportRequest{Id: r.GetId(), Version: r.GetVersion(), Reason: "x"})
	wantCode(t, "reopen at a stale version", err, codes.Aborted)
	re, err := w.reports("methodologist").ReopenReport(ctx, &indicatorsv1.ReopenReportRequest{Id: r.GetId(), Version: acc.GetReport().GetVersion(),
		Reason: "Уточнение данных по запросу РЦН"})
	if err != nil || re.GetReport().GetStatus() != indicatorsv1.ReportStatus_REPORT_STATUS_DRAFT || re.GetReport().GetReopenReason() == "" {
		t.Fatalf("reopen: %v %v", re, err)
	}

	// The history shows every value change with who and when.
	h, err := w.reports("methodologist").ListReportHistory(ctx, &indicatorsv1.ListReportHistoryRequest{Id: r.GetId(), PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	changed := map[string][]string{}
	var statuses []string
	for _, e := range h.GetEvents() {
		if e.GetLogin() == "" || e.GetAccountId() == "" || e.GetTime() == nil {
			t.Errorf("event without who or when: %v", e)
		}
		switch e.GetKind() {
		case "value":
			changed[e.GetField()] = append(changed[e.GetField()], e.GetOldValue()+"→"+e.GetNewValue())
		case "status":
			statuses = append(statuses, e.GetNewValue())
		}
	}
	if len(changed) != len(values) {
		t.Errorf("history has changes of %d fields, want %d", len(changed), len(values))
	}
	for field, want := range map[string][]string{
		"young_teachers":           {"→70", "70→9"},
		"young_teachers_supported": {"→10", "10→8"},
		"teachers_total":           {"→60", "60→62"},
	} {
		if !slices.Equal(changed[field], want) {
			t.Errorf("history of %s = %v, want %v", field, changed[field], want)
		}
	}
	if want := []string{"draft", "submitted", "returned", "draft", "submitted", "accepted", "draft"}; !slices.Equal(statuses, want) {
		t.Errorf("status history %v, want %v", statuses, want)
	}
	_, err = w.reports("curatorA2").ListReportHistory(ctx, &indicatorsv1.ListReportHistoryRequest{Id: r.GetId()})
	wantCode(t, "neighbour reads the history", err, codes.NotFound)
}

func submit(w *world, as string, r *indicatorsv1.Report, confirm bool) (*indicatorsv1.Report, error) {
	resp, err := w.reports(as).SubmitReport(context.Background(), &indicatorsv1.SubmitReportRequest{Id: r.GetId(), Version: r.GetVersion(), ConfirmWarnings: confirm})
	return resp.GetReport(), err
}

// TestDeadlineInEachOrganisationsZone submits at the same UTC instant in
// Kaliningrad and Kamchatka, and at the last local minute and the first
// minute after it.
func TestDeadlineInEachOrganisationsZone(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish()
	var reps = map[string]*indicatorsv1.Report{}
	for _, reg := range []struct{ region, as, org string }{{"39", "curatorK", orgK1}, {"41", "curatorQ", orgQ1}} {
		c := w.campaign("operator", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, RegionCode: reg.region, Deadline: "2026-12-15"})
		r := w.report(reg.as, c.GetId(), reg.org, false)
		reps[reg.as] = w.save(reg.as, r, goodValues(1))
	}
	// 14:00 UTC on 15.12 is 16:00 on the 15th in Kaliningrad and 02:00 on the 16th in Kamchatka.
	w.clock.Set(time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC))
	k, err := submit(w, "curatorK", reps["curatorK"], false)
	if err != nil || k.GetLate() {
		t.Errorf("Kaliningrad at 16:00 local: late=%v %v, want on time", k.GetLate(), err)
	}
	q, err := submit(w, "curatorQ", reps["curatorQ"], false)
	if err != nil || !q.GetLate() {
		t.Errorf("Kamchatka at 02:00 on the 16th local: late=%v %v, want late", q.GetLate(), err)
	}
	if !q.GetSubmitTime().AsTime().Equal(time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC)) {
		t.Errorf("submit time %v", q.GetSubmitTime().AsTime())
	}

	// The edges, through return and resubmission.
	edges := []struct {
		as, tz string
		day    int
		h, m   int
		late   bool
	}{
		{"curatorK", "Europe/Kaliningrad", 15, 23, 59, false},
		{"curatorK", "Europe/Kaliningrad", 16, 0, 0, true},
		{"curatorQ", "Asia/Kamchatka", 15, 23, 59, false},
		{"curatorQ", "Asia/Kamchatka", 16, 0, 0, true},
	}
	cur := map[string]*indicatorsv1.Report{"curatorK": k, "curatorQ": q}
	for _, e := range edges {
		loc, _ := time.LoadLocation(e.tz)
		ret, err := w.reports("operator").ReturnReport(ctx, &indicatorsv1.ReturnReportRequest{Id: cur[e.as].GetId(), Version: cur[e.as].GetVersion(), Comment: "ещё раз"})
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Set(time.Date(2026, 12, e.day, e.h, e.m, 0, 0, loc))
		r, err := submit(w, e.as, ret.GetReport(), false)
		if err != nil {
			t.Fatal(err)
		}
		if r.GetLate() != e.late {
			t.Errorf("%s %d.12 %02d:%02d local: late=%v, want %v", e.tz, e.day, e.h, e.m, r.GetLate(), e.late)
		}
		cur[e.as] = r
	}
}

func TestCompletenessExtensionAndCarryOver(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish()
	w.clock.Set(time.Date(2025, 10, 1, 3, 0, 0, 0, time.UTC))
	c25 := w.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2025", Year: 2025, MunicipalityId: munA, Deadline: "2025-12-15"})
	r := w.save("curator", w.report("curator", c25.GetId(), orgA1, false), goodValues(1))
	w.clock.Set(time.Date(2025, 12, 10, 3, 0, 0, 0, time.UTC))
	r, err := submit(w, "curator", r, false)
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Set(time.Date(2025, 12, 12, 3, 0, 0, 0, time.UTC))
	if _, err := w.reports("methodologist").AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: r.GetId(), Version: r.GetVersion()}); err != nil {
		t.Fatal(err)
	}
	comp := func(asOf string) *indicatorsv1.Completeness {
		t.Helper()
		resp, err := w.campaigns("methodologist").GetCompleteness(ctx, &indicatorsv1.GetCompletenessRequest{CampaignId: c25.GetId(), AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetTotal()
	}
	for _, tc := range []struct {
		asOf string
		want *indicatorsv1.Completeness
	}{
		{"", &indicatorsv1.Completeness{Expected: 2, OnTime: 1, Missing: 1, Accepted: 1}},
		{"2025-12-11", &indicatorsv1.Completeness{Expected: 2, OnTime: 1, Missing: 1, Submitted: 1}},
		{"2025-12-01", &indicatorsv1.Completeness{Expected: 2, Missing: 2}},
	} {
		if got := comp(tc.asOf); !proto.Equal(got, tc.want) {
			t.Errorf("completeness as of %q = %v, want %v", tc.asOf, got, tc.want)
		}
	}
	// The curator sees only its own organisation in the lists.
	cresp, err := w.campaigns("curator").GetCompleteness(ctx, &indicatorsv1.GetCompletenessRequest{Year: 2025})
	if err != nil || cresp.GetTotal().GetExpected() != 1 || len(cresp.GetOrganisations()) != 1 || cresp.GetOrganisations()[0].GetOrganisationId() != orgA1 {
		t.Errorf("curator's completeness: %v %v", cresp, err)
	}

	// The campaign closes; A2 gets an extension and may then report, late after its new deadline.
	c25cur, _ := w.campaigns("methodologist").GetCampaign(ctx, &indicatorsv1.GetCampaignRequest{Id: c25.GetId()})
	if _, err := w.campaigns("methodologist").CloseCampaign(ctx, &indicatorsv1.CloseCampaignRequest{Id: c25.GetId(), Version: c25cur.GetCampaign().GetVersion()}); err != nil {
		t.Fatal(err)
	}
	_, err = w.reports("curatorA2").CreateReport(ctx, &indicatorsv1.CreateReportRequest{CampaignId: c25.GetId(), OrganisationId: orgA2})
	wantCode(t, "report in a closed campaign", err, codes.FailedPrecondition)
	_, err = w.campaigns("curatorA2").ExtendDeadline(ctx, &indicatorsv1.ExtendDeadlineRequest{CampaignId: c25.GetId(), OrganisationId: orgA2, Deadline: "2025-12-25", Reason: "сам себе"})
	wantCode(t, "curator extends its own deadline", err, codes.PermissionDenied)
	ext, err := w.campaigns("methodologist").ExtendDeadline(ctx, &indicatorsv1.ExtendDeadlineRequest{CampaignId: c25.GetId(), OrganisationId: orgA2,
		Deadline: "2025-12-25", Reason: "Больничный куратора"})
	if err != nil || ext.GetOrganisation().GetDeadline() != "2025-12-25" || len(ext.GetOrganisation().GetExtensions()) != 1 ||
		ext.GetOrganisation().GetExtensions()[0].GetLogin() != "method-a" {
		t.Fatalf("extension: %v %v", ext, err)
	}
	// The list of the completeness carries A2's extension and the deadline
	// in force, and A1 none: the store reads the extensions by the list's
	// filter, not organisation by organisation.
	for _, req := range []*indicatorsv1.GetCompletenessRequest{{CampaignId: c25.GetId()}, {Year: 2025, Region: "24"}, {Year: 2025, Municipality: munA, AsOf: "2025-12-20"}} {
		resp, err := w.campaigns("methodologist").GetCompleteness(ctx, req)
		if err != nil {
			t.Fatalf("GetCompleteness %v: %v", req, err)
		}
		got := map[string]string{}
		for _, o := range resp.GetOrganisations() {
			got[o.GetOrganisationId()] = fmt.Sprintf("%s %d", o.GetDeadline(), len(o.GetExtensions()))
		}
		if want := map[string]string{orgA1: "2025-12-15 0", orgA2: "2025-12-25 1"}; !maps.Equal(got, want) {
			t.Errorf("GetCompleteness %v: deadlines and extensions %v, want %v", req, got, want)
		}
	}
	r2 := w.save("curatorA2", w.report("curatorA2", c25.GetId(), orgA2, false), goodValues(1))
	w.clock.Set(time.Date(2025, 12, 20, 3, 0, 0, 0, time.UTC))
	if r2, err = submit(w, "curatorA2", r2, false); err != nil || r2.GetLate() || r2.GetDeadline() != "2025-12-25" {
		t.Errorf("submission within the extension: late=%v deadline=%s %v", r2.GetLate(), r2.GetDeadline(), err)
	}

	// 2026 starts from the accepted 2025 report: local acts and totals carried over until confirmed.
	w.clock.Set(time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC))
	c26 := w.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15"})
	r26 := w.report("curator", c26.GetId(), orgA1, true)
	if !slices.Contains(r26.GetCarriedOver(), "act_order") || !slices.Contains(r26.GetCarriedOver(), "teachers_total") ||
		slices.Contains(r26.GetCarriedOver(), "young_teachers") || r26.GetValues()["act_order"].GetYesNo().GetReference().GetNumber() != "15-од" {
		t.Fatalf("carried over %v with values %v", r26.GetCarriedOver(), r26.GetValues())
	}
	conf, err := w.reports("curator").SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: r26.GetId(), Version: r26.GetVersion(),
		Values: map[string]*indicatorsv1.Value{"teachers_total": cnt(61)}, Confirm: []string{"act_order"}})
	if err != nil || slices.Contains(conf.GetReport().GetCarriedOver(), "act_order") || slices.Contains(conf.GetReport().GetCarriedOver(), "teachers_total") ||
		!slices.Contains(conf.GetReport().GetCarriedOver(), "act_curator") {
		t.Errorf("after confirming: %v %v", conf.GetReport().GetCarriedOver(), err)
	}
	// Counts far from last year's need the warning confirmed.
	all := goodValues(1)
	all["teachers_total"] = cnt(200)
	all["young_teachers"] = cnt(10)
	r26 = w.save("curator", conf.GetReport(), all)
	_, err = submit(w, "curator", r26, false)
	wantCode(t, "submit with an unconfirmed warning", err, codes.InvalidArgument)
	if f := fieldViolations(err); !slices.Contains(f, "confirm_warnings") || !slices.Contains(f, "values[teachers_total]") {
		t.Errorf("warning names %v", f)
	}
	if _, err := submit(w, "curator", r26, true); err != nil {
		t.Errorf("submit with the warning confirmed: %v", err)
	}
}

// TestWritesAnswerTheReportAsStored: every write answers with the report as
// a read gives it afterwards (values, status, version, times to the
// microsecond the database keeps, violations), on a clock with nanoseconds.
func TestWritesAnswerTheReportAsStored(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish()
	c := w.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15"})
	r := w.report("curator", c.GetId(), orgA1, false)
	tick := time.Date(2026, 11, 2, 3, 4, 5, 123456789, time.UTC)
	stored := func(what string, got *indicatorsv1.Report) {
		t.Helper()
		if want := w.get("operator", got.GetId()); !proto.Equal(got, want) {
			t.Errorf("%s answers\n%v\nwhile the report reads\n%v", what, got, want)
		}
		tick = tick.Add(time.Minute + 987*time.Nanosecond)
		w.clock.Set(tick)
	}
	w.clock.Set(tick)
	values := goodValues(1)
	values["young_teachers"] = cnt(70)
	r = w.save("curator", r, values)
	if len(r.GetViolations()) == 0 {
		t.Fatalf("the save shows no violations")
	}
	stored("a save with violations", r)
	r = w.save("curator", r, map[string]*indicatorsv1.Value{"young_teachers": cnt(19)})
	stored("a save", r)
	stored("a save that changes nothing", w.save("curator", r, map[string]*indicatorsv1.Value{"young_teachers": cnt(19)}))
	r, err := submit(w, "curator", r, false)
	if err != nil {
		t.Fatal(err)
	}
	stored("a submission", r)
	ret, err := w.reports("methodologist").ReturnReport(ctx, &indicatorsv1.ReturnReportRequest{Id: r.GetId(), Version: r.GetVersion(),
		Comment: "Проверьте", Remarks: map[string]string{"teachers_total": "Не совпадает с РИС"}})
	if err != nil {
		t.Fatal(err)
	}
	stored("a return", ret.GetReport())
	r = w.save("curator", ret.GetReport(), map[string]*indicatorsv1.Value{"teachers_total": cnt(62)})
	stored("an edit of a returned report", r)
	if r, err = submit(w, "curator", r, false); err != nil {
		t.Fatal(err)
	}
	stored("a second submission", r)
	acc, err := w.reports("methodologist").AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: r.GetId(), Version: r.GetVersion()})
	if err != nil {
		t.Fatal(err)
	}
	stored("an acceptance", acc.GetReport())
	re, err := w.reports("methodologist").ReopenReport(ctx, &indicatorsv1.ReopenReportRequest{Id: r.GetId(), Version: acc.GetReport().GetVersion(),
		Reason: "Уточнение данных"})
	if err != nil {
		t.Fatal(err)
	}
	stored("a reopening", re.GetReport())
}

func TestSaveInBasicView(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish()
	c := w.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15"})
	r := w.report("curator", c.GetId(), orgA1, false)
	values := goodValues(1)
	values["young_teachers"] = cnt(70) // more young teachers than teachers: a violation
	save := func(view indicatorsv1.ReportView, values map[string]*indicatorsv1.Value) *indicatorsv1.Report {
		t.Helper()
		resp, err := w.reports("curator").SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: r.GetId(), Version: r.GetVersion(),
			Values: values, View: view})
		if err != nil {
			t.Fatalf("SaveReport in %v: %v", view, err)
		}
		return resp.GetReport()
	}
	basic := save(indicatorsv1.ReportView_REPORT_VIEW_BASIC, values)
	stored := w.get("operator", r.GetId())
	if len(stored.GetValues()) == 0 || len(stored.GetViolations()) == 0 {
		t.Fatalf("the saved report has %d values and %d violations, want both", len(stored.GetValues()), len(stored.GetViolations()))
	}
	// BASIC is the stored report, violations of every value included, without the values.
	want := proto.Clone(stored).(*indicatorsv1.Report)
	want.Values = nil
	if diff := cmp.Diff(want, basic, protocmp.Transform()); diff != "" {
		t.Errorf("a BASIC save answers (-want +got):\n%s", diff)
	}
	r = basic
	for _, view := range []indicatorsv1.ReportView{indicatorsv1.ReportView_REPORT_VIEW_UNSPECIFIED, indicatorsv1.ReportView_REPORT_VIEW_FULL} {
		full := save(view, map[string]*indicatorsv1.Value{"teachers_total": cnt(int64(80 + view))})
		if diff := cmp.Diff(w.get("operator", r.GetId()), full, protocmp.Transform()); diff != "" {
			t.Errorf("a save in %v answers (-stored +got):\n%s", view, diff)
		}
		r = full
	}
	_, err := w.reports("curator").SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: r.GetId(), Version: r.GetVersion(),
		Values: values, View: indicatorsv1.ReportView(7)})
	if status.Code(err) != codes.InvalidArgument || !slices.Equal(fieldViolations(err), []string{"view"}) {
		t.Errorf("a save in view 7: got %v (fields %v), want InvalidArgument naming view", err, fieldViolations(err))
	}
	if got := w.get("operator", r.GetId()).GetVersion(); got != r.GetVersion() {
		t.Errorf("after the refused save the version is %d, want %d", got, r.GetVersion())
	}
}

// A BASIC list is the full list without the values.
func TestListReportsInBasicView(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish()
	c := w.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15"})
	w.save("curator", w.report("curator", c.GetId(), orgA1, false), goodValues(1))
	w.report("curatorA2", c.GetId(), orgA2, false)
	list := func(view indicatorsv1.ReportView) []*indicatorsv1.Report {
		t.Helper()
		resp, err := w.reports("methodologist").ListReports(ctx, &indicatorsv1.ListReportsRequest{CampaignId: c.GetId(), Municipality: munA, View: view})
		if err != nil || resp.GetTotalSize() != 2 {
			t.Fatalf("ListReports in %v: %d %v", view, resp.GetTotalSize(), err)
		}
		return resp.GetReports()
	}
	full, basic := list(indicatorsv1.ReportView_REPORT_VIEW_FULL), list(indicatorsv1.ReportView_REPORT_VIEW_BASIC)
	if diff := cmp.Diff(full, list(indicatorsv1.ReportView_REPORT_VIEW_UNSPECIFIED), protocmp.Transform()); diff != "" {
		t.Errorf("unset view is not FULL (-full +unset):\n%s", diff)
	}
	if !slices.ContainsFunc(full, func(r *indicatorsv1.Report) bool { return len(r.GetValues()) > 0 }) {
		t.Fatal("the full list has no values")
	}
	for _, r := range full {
		r.Values = nil
	}
	if diff := cmp.Diff(full, basic, protocmp.Transform()); diff != "" {
		t.Errorf("a BASIC list (-full without values +basic):\n%s", diff)
	}
	_, err := w.reports("methodologist").ListReports(ctx, &indicatorsv1.ListReportsRequest{CampaignId: c.GetId(), View: 9})
	wantCode(t, "an unknown view", err, codes.InvalidArgument)
}

// A save reads the report and last year's accepted values under lock, leaving
// out of the read what the service holds of the same rows (the values of the
// version it wrote or read last): a row written by anyone else — another
// replica, a migration, even one that keeps the version — is read again.
func TestSaveSeesRowsChangedElsewhere(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish()
	db := w.conn()
	last, _, r := w.lastYearThenThis(true)
	rules := func(r *indicatorsv1.Report) []string {
		var out []string
		for _, v := range r.GetViolations() {
			out = append(out, v.GetRule())
		}
		return out
	}
	// save saves one count and checks the answer is the report as stored.
	save := func(what, field string, n int64) *indicatorsv1.Report {
		t.Helper()
		got := w.save("curator", r, map[string]*indicatorsv1.Value{field: cnt(n)})
		if diff := cmp.Diff(w.get("operator", r.GetId()), got, protocmp.Transform()); diff != "" {
			t.Errorf("%s: the save answers (-stored +got):\n%s", what, diff)
		}
		return got
	}
	r = save("a save", "teachers_total", 61)
	r = save("a save after a save", "teachers_total", 62)
	if got := rules(r); len(got) != 0 {
		t.Fatalf("violations %v, want none", got)
	}
	// Another writer changes the report's values, keeping its version.
	if _, err := db.Exec(ctx, `UPDATE indicators.reports SET "values" = jsonb_set("values", '{young_teachers,c}', '11') WHERE id = $1`,
		r.GetId()); err != nil {
		t.Fatal(err)
	}
	r = save("a save after another writer's", "teachers_total", 63)
	if got := r.GetValues()["young_teachers"].GetCount(); got != 11 {
		t.Errorf("young teachers after another writer's change: %d, want 11", got)
	}
	// Another writer changes last year's accepted values: the year-over-year
	// rule now sees 63 teachers against 10.
	if _, err := db.Exec(ctx, `UPDATE indicators.reports SET "values" = jsonb_set("values", '{teachers_total,c}', '10') WHERE id = $1`,
		last.GetId()); err != nil {
		t.Fatal(err)
	}
	r = save("a save after last year's report changed", "students_total", 701)
	if got := rules(r); !slices.Equal(got, []string{"yoy_teachers_total"}) {
		t.Errorf("violations after last year's report changed: %v, want [yoy_teachers_total]", got)
	}
	// A write of the report elsewhere (its version moves on) is read too.
	if _, err := db.Exec(ctx, `UPDATE indicators.reports SET "values" = jsonb_set("values", '{young_teachers,c}', '12'), version = version + 1
		WHERE id = $1`, r.GetId()); err != nil {
		t.Fatal(err)
	}
	_, err := w.reports("curator").SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: r.GetId(), Version: r.GetVersion(),
		Values: map[string]*indicatorsv1.Value{"teachers_total": cnt(64)}})
	wantCode(t, "a save on the version before another writer's", err, codes.Aborted)
	r = w.get("curator", r.GetId())
	if r = save("a save on another writer's version", "teachers_total", 64); r.GetValues()["young_teachers"].GetCount() != 12 {
		t.Errorf("young teachers after another writer's version: %d, want 12", r.GetValues()["young_teachers"].GetCount())
	}
}

// A save sends the database only the fields it sets and clears, which the
// database applies to the values it keeps: the report reads back as the
// save answers it, whatever mix of kinds the change carries, with one
// history row per field in order.
func TestSaveWritesTheChangeOfValues(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish()
	c := w.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН 2026", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15"})
	r := w.report("curator", c.GetId(), orgA1, false)
	clear := &indicatorsv1.Value{Kind: &indicatorsv1.Value_Clear{Clear: true}}
	quoted := &indicatorsv1.Value{Kind: &indicatorsv1.Value_YesNo{YesNo: &indicatorsv1.YesNo{Yes: true,
		Reference: &indicatorsv1.Reference{Number: `"12\од"`, Date: "2026-01-02", Link: "https://example.org/?a=1&b=2"}}}}
	for _, tc := range []struct {
		name    string
		change  map[string]*indicatorsv1.Value
		history []string // field of each history row
	}{
		{"every field", goodValues(1), nil},
		{"one count", map[string]*indicatorsv1.Value{"teachers_total": cnt(61)}, []string{"teachers_total"}},
		{"a count cleared, a reference with quotes set", map[string]*indicatorsv1.Value{"young_teachers_supported": clear, "act_order": quoted},
			[]string{"act_order", "young_teachers_supported"}},
		{"a cleared count set again, another cleared", map[string]*indicatorsv1.Value{"young_teachers_supported": cnt(3), "students_total": clear},
			[]string{"young_teachers_supported", "students_total"}},
	} {
		resp, err := w.reports("curator").SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: r.GetId(), Version: r.GetVersion(), Values: tc.change})
		if err != nil {
			t.Fatalf("%s: SaveReport: %v", tc.name, err)
		}
		got := resp.GetReport()
		if diff := cmp.Diff(w.get("operator", r.GetId()), got, protocmp.Transform()); diff != "" {
			t.Errorf("%s: the save answers (-stored +got):\n%s", tc.name, diff)
		}
		want := maps.Clone(r.GetValues())
		if want == nil {
			want = map[string]*indicatorsv1.Value{}
		}
		for k, v := range tc.change {
			if v.GetClear() {
				delete(want, k)
			} else {
				want[k] = v
			}
		}
		if diff := cmp.Diff(want, got.GetValues(), protocmp.Transform()); diff != "" {
			t.Errorf("%s: values (-want +got):\n%s", tc.name, diff)
		}
		if tc.history != nil {
			h, err := w.reports("curator").ListReportHistory(ctx, &indicatorsv1.ListReportHistoryRequest{Id: r.GetId(), PageSize: 500})
			if err != nil {
				t.Fatal(err)
			}
			var fields []string
			for _, e := range h.GetEvents() {
				if e.GetVersion() == got.GetVersion() {
					fields = append(fields, e.GetField())
				}
			}
			if !slices.Equal(fields, tc.history) {
				t.Errorf("%s: history rows of version %d name %v, want %v", tc.name, got.GetVersion(), fields, tc.history)
			}
		}
		r = got
	}
}
