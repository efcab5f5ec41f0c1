package server_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// The methodologist of Krasnoyarsk signs the municipality off with one school
// missing, naming it; a report changed afterwards outdates the sign-off in the
// same transaction; the regional centre sends it back; the methodologist signs
// again. Everyone else is refused, and foreign callers see nothing.
func TestSignOff(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.publish()
	ctx := context.Background()
	c := w.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг 2026", Year: 2026, MunicipalityId: munA, Deadline: "2026-12-15"})
	r := w.report("curator", c.GetId(), orgA1, false)
	w.clock.Set(time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC))
	r = w.save("curator", r, goodValues(1))
	sub, err := w.reports("curator").SubmitReport(ctx, &indicatorsv1.SubmitReportRequest{Id: r.GetId(), Version: r.GetVersion(), ConfirmWarnings: true})
	if err != nil {
		t.Fatalf("SubmitReport: %v", err)
	}
	acc, err := w.reports("methodologist").AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: r.GetId(), Version: sub.GetReport().GetVersion()})
	if err != nil {
		t.Fatalf("AcceptReport: %v", err)
	}
	sign := func(as, mun, comment string, version int64) (*indicatorsv1.SignOff, error) {
		resp, err := w.campaigns(as).SignOff(ctx, &indicatorsv1.SignOffRequest{CampaignId: c.GetId(), MunicipalityId: mun,
			Comment: comment, Version: version})
		return resp.GetSignOff(), err
	}
	sendBack := func(as, comment string, version int64) (*indicatorsv1.SignOff, error) {
		resp, err := w.campaigns(as).SendBackSignOff(ctx, &indicatorsv1.SendBackSignOffRequest{CampaignId: c.GetId(),
			MunicipalityId: munA, Comment: comment, Version: version})
		return resp.GetSignOff(), err
	}
	list := func(as string) []*indicatorsv1.SignOff {
		t.Helper()
		resp, err := w.campaigns(as).ListSignOffs(ctx, &indicatorsv1.ListSignOffsRequest{Year: 2026})
		if err != nil {
			t.Fatalf("ListSignOffs as %s: %v", as, err)
		}
		return resp.GetSignOffs()
	}

	// A2 has not reported: a comment must name it.
	w.clock.Set(time.Date(2026, 12, 16, 3, 0, 0, 0, time.UTC))
	_, err = sign("methodologist", munA, " ", 0)
	wantCode(t, "sign an incomplete summary without a comment", err, codes.InvalidArgument)
	if f := fieldViolations(err); !slices.Equal(f, []string{"comment"}) {
		t.Errorf("got violations %v, want comment", f)
	}
	for _, as := range []string{"curator", "regional"} {
		_, err = sign(as, munA, "Всё", 0)
		wantCode(t, as+" signs off", err, codes.PermissionDenied)
	}
	_, err = sign("methodologistB", munA, "Всё", 0)
	wantCode(t, "a foreign methodologist signs off", err, codes.NotFound)
	_, err = sign("methodologist", munB, "Всё", 0)
	wantCode(t, "sign off a municipality outside the campaign", err, codes.NotFound)
	_, err = sendBack("regional", "Рано", 0)
	wantCode(t, "send back version 0", err, codes.InvalidArgument)
	_, err = sendBack("regional", "Рано", 1)
	wantCode(t, "send back what was never signed", err, codes.FailedPrecondition)

	so, err := sign("methodologist", munA, "СШ № 2 не сдала: директор на больничном", 0)
	if err != nil {
		t.Fatalf("SignOff: %v", err)
	}
	want := &indicatorsv1.Completeness{Expected: 2, OnTime: 1, Accepted: 1, Missing: 1}
	if so.GetState() != indicatorsv1.SignOffState_SIGN_OFF_STATE_SIGNED || so.GetVersion() != 1 ||
		so.GetCompleteness().String() != want.String() || so.GetLogin() != "method-a" || so.GetRegionCode() != "24" {
		t.Errorf("got %v, want signed at version 1 by method-a with %v", so, want)
	}
	_, err = sign("methodologist", munA, "Ещё раз", 1)
	wantCode(t, "sign twice", err, codes.FailedPrecondition)

	// The regional centre sees it; a foreign methodologist and a curator of
	// another region do not.
	if got := list("regional"); len(got) != 1 || got[0].GetState() != indicatorsv1.SignOffState_SIGN_OFF_STATE_SIGNED {
		t.Errorf("regional lists %v, want the signed sign-off", got)
	}
	for _, as := range []string{"methodologistB", "curatorK"} {
		if got := list(as); len(got) != 0 {
			t.Errorf("%s lists %v, want nothing", as, got)
		}
	}

	// A2's curator starts and saves its report: the sign-off is outdated,
	// with who changed what.
	w.clock.Set(time.Date(2026, 12, 17, 3, 0, 0, 0, time.UTC))
	r2 := w.report("curatorA2", c.GetId(), orgA2, false)
	w.save("curatorA2", r2, goodValues(2))
	got := list("methodologist")
	if len(got) != 1 || got[0].GetState() != indicatorsv1.SignOffState_SIGN_OFF_STATE_OUTDATED || got[0].GetVersion() != 2 ||
		!got[0].GetOutdateTime().AsTime().Equal(w.clock.Now()) {
		t.Fatalf("after a report changed: %v, want outdated at version 2", got)
	}
	if ev := got[0].GetEvents(); len(ev) != 2 || ev[1].GetKind() != indicatorsv1.SignOffEventKind_SIGN_OFF_EVENT_KIND_OUTDATED ||
		ev[1].GetLogin() != "curator-a2" || ev[1].GetOrganisationId() != orgA2 {
		t.Errorf("history %v, want signed then outdated by curator-a2's report", ev)
	}
	// A further change writes nothing more.
	if _, err := w.reports("methodologist").ReopenReport(ctx, &indicatorsv1.ReopenReportRequest{Id: acc.GetReport().GetId(),
		Version: acc.GetReport().GetVersion(), Reason: "Исправить число наставников"}); err != nil {
		t.Fatalf("ReopenReport: %v", err)
	}
	if got := list("methodologist"); got[0].GetVersion() != 2 || len(got[0].GetEvents()) != 2 {
		t.Errorf("a second change: version %d, %d events; want 2 and 2", got[0].GetVersion(), len(got[0].GetEvents()))
	}

	// The regional centre sends it back; a methodologist may not.
	_, err = sendBack("methodologist", "Сами", 2)
	wantCode(t, "methodologist sends back", err, codes.PermissionDenied)
	_, err = sendBack("regional", "Нет отчёта СШ № 2", 1)
	wantCode(t, "send back based on an old version", err, codes.Aborted)
	back, err := sendBack("regional", "Нет отчёта СШ № 2", 2)
	if err != nil {
		t.Fatalf("SendBackSignOff: %v", err)
	}
	if back.GetState() != indicatorsv1.SignOffState_SIGN_OFF_STATE_SENT_BACK || back.GetSendBackLogin() != "regional-24" ||
		back.GetSendBackComment() != "Нет отчёта СШ № 2" {
		t.Errorf("sent back: %v", back)
	}
	// A report changed while sent back leaves it sent back.
	w.save("curatorA2", w.get("curatorA2", r2.GetId()), goodValues(3))
	again, err := sign("methodologist", munA, "СШ № 1 переоткрыта для исправления, СШ № 2 — черновик", 3)
	if err != nil {
		t.Fatalf("SignOff again: %v", err)
	}
	if again.GetState() != indicatorsv1.SignOffState_SIGN_OFF_STATE_SIGNED || again.GetVersion() != 4 || len(again.GetEvents()) != 4 ||
		again.GetCompleteness().GetAccepted() != 0 || again.GetCompleteness().GetMissing() != 2 {
		t.Errorf("signed again: %v", again)
	}
	// The counts the sign-off kept are those of GetCompleteness, by region
	// too; counts_only leaves the organisations out.
	comp, err := w.campaigns("operator").GetCompleteness(ctx, &indicatorsv1.GetCompletenessRequest{Year: 2026, CountsOnly: true})
	if err != nil {
		t.Fatalf("GetCompleteness: %v", err)
	}
	if len(comp.GetOrganisations()) != 0 || len(comp.GetRegions()) != 1 || comp.GetRegions()[0].GetRegionCode() != "24" ||
		comp.GetRegions()[0].GetCounts().String() != again.GetCompleteness().String() {
		t.Errorf("counts only: %d organisations, regions %v; want none and region 24 with %v", len(comp.GetOrganisations()),
			comp.GetRegions(), again.GetCompleteness())
	}
	_, err = w.campaigns("methodologist").ListSignOffs(ctx, &indicatorsv1.ListSignOffsRequest{})
	wantCode(t, "list without campaign or year", err, codes.InvalidArgument)
}
