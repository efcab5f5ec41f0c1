package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// The indicators rows of the access matrix. The mentorship form is published
// once; campaign A (municipality A) and campaign B (municipality B) are the
// own and foreign campaigns. Each call that changes a report gets a fresh
// campaign with a fresh report in the state it needs, made by the operator
// straight at the service.

const formCode = "cmn_monitoring"

// indicatorsFixture holds the long-lived indicators objects of the matrix.
type indicatorsFixture struct {
	campA, campB string
	repA1        string // A1's report in campaign A
	repA2, repB1 string
	values       map[string]*indicatorsv1.Value
}

func (f *fixture) indicators() *indicatorsFixture {
	f.t.Helper()
	if f.ind != nil {
		return f.ind
	}
	ctx := context.Background()
	forms := indicatorsv1.NewFormServiceClient(f.p.ind.Conn)
	d, err := forms.DraftForm(ctx, &indicatorsv1.DraftFormRequest{Code: formCode})
	if err != nil {
		f.t.Fatalf("fixture: draft: %v", err)
	}
	pub, err := forms.PublishForm(ctx, &indicatorsv1.PublishFormRequest{Code: formCode, Version: 1, Revision: d.GetForm().GetRevision()})
	if err != nil {
		f.t.Fatalf("fixture: publish: %v", err)
	}
	values := map[string]*indicatorsv1.Value{}
	for _, s := range pub.GetForm().GetSections() {
		for _, fl := range s.GetFields() {
			switch fl.GetType() {
			case indicatorsv1.FieldType_FIELD_TYPE_COUNT:
				values[fl.GetCode()] = &indicatorsv1.Value{Kind: &indicatorsv1.Value_Count{Count: 10}}
			case indicatorsv1.FieldType_FIELD_TYPE_YES_NO:
				values[fl.GetCode()] = &indicatorsv1.Value{Kind: &indicatorsv1.Value_YesNo{YesNo: &indicatorsv1.YesNo{Yes: true,
					Reference: &indicatorsv1.Reference{Number: "1-од"}}}}
			}
		}
	}
	values["teachers_total"] = &indicatorsv1.Value{Kind: &indicatorsv1.Value_Count{Count: 100}}
	values["students_total"] = &indicatorsv1.Value{Kind: &indicatorsv1.Value_Count{Count: 1000}}
	f.ind = &indicatorsFixture{values: values}
	f.ind.campA = f.newCampaign(f.munA)
	f.ind.campB = f.newCampaign(f.munB)
	f.ind.repA1 = f.newReport(f.ind.campA, f.a1.GetId(), "draft")
	f.ind.repA2 = f.newReport(f.ind.campA, f.a2.GetId(), "draft")
	f.ind.repB1 = f.newReport(f.ind.campB, f.b1.GetId(), "draft")
	return f.ind
}

func (f *fixture) newCampaign(mun string) string {
	f.t.Helper()
	resp, err := indicatorsv1.NewCampaignServiceClient(f.p.ind.Conn).CreateCampaign(context.Background(), &indicatorsv1.CreateCampaignRequest{
		Campaign: &indicatorsv1.Campaign{Name: fmt.Sprint("Мониторинг ", f.seq()), Year: int32(f.nextYear(mun)), FormCode: formCode, FormVersion: 1,
			MunicipalityId: mun, Deadline: deadline(f.years[mun])}})
	if err != nil {
		f.t.Fatalf("fixture: campaign: %v", err)
	}
	return resp.GetCampaign().GetId()
}

// newReport starts org's report in a campaign and brings it to state:
// draft, filled, submitted or accepted.
func (f *fixture) newReport(campaign, org, state string) string {
	f.t.Helper()
	ctx := context.Background()
	reports := indicatorsv1.NewReportServiceClient(f.p.ind.Conn)
	resp, err := reports.CreateReport(ctx, &indicatorsv1.CreateReportRequest{CampaignId: campaign, OrganisationId: org})
	if err != nil {
		f.t.Fatalf("fixture: report: %v", err)
	}
	r := resp.GetReport()
	if state == "draft" {
		return r.GetId()
	}
	sv, err := reports.SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: r.GetId(), Version: r.GetVersion(), Values: f.indicators().values})
	if err != nil {
		f.t.Fatalf("fixture: save: %v", err)
	}
	r = sv.GetReport()
	if state == "filled" {
		return r.GetId()
	}
	sub, err := reports.SubmitReport(ctx, &indicatorsv1.SubmitReportRequest{Id: r.GetId(), Version: r.GetVersion()})
	if err != nil {
		f.t.Fatalf("fixture: submit: %v", err)
	}
	r = sub.GetReport()
	if state == "submitted" {
		return r.GetId()
	}
	if _, err := reports.AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: r.GetId(), Version: r.GetVersion()}); err != nil {
		f.t.Fatalf("fixture: accept: %v", err)
	}
	return r.GetId()
}

// signOffReady brings the sign-off of mun in the fixture's campaign of mun
// (A or B) to signed (sign true) or to sent back, straight at the service as
// the operator, and returns the campaign and the sign-off's version: the
// sign-off rows make no campaigns (the matrix runs out of years otherwise).
func (f *fixture) signOffReady(mun string, sign bool) (campaign, version string) {
	f.t.Helper()
	ctx := context.Background()
	campaign = f.indicators().campA
	if mun == f.munB {
		campaign = f.indicators().campB
	}
	cs := indicatorsv1.NewCampaignServiceClient(f.p.ind.Conn)
	list, err := cs.ListSignOffs(ctx, &indicatorsv1.ListSignOffsRequest{CampaignId: campaign})
	if err != nil {
		f.t.Fatalf("fixture: sign-offs: %v", err)
	}
	state, v := indicatorsv1.SignOffState_SIGN_OFF_STATE_NOT_SIGNED, int64(0)
	if so := list.GetSignOffs(); len(so) == 1 {
		state, v = so[0].GetState(), so[0].GetVersion()
	}
	signed := state == indicatorsv1.SignOffState_SIGN_OFF_STATE_SIGNED || state == indicatorsv1.SignOffState_SIGN_OFF_STATE_OUTDATED
	switch {
	case sign && !signed:
		resp, err := cs.SignOff(ctx, &indicatorsv1.SignOffRequest{CampaignId: campaign, MunicipalityId: mun, Version: v,
			Comment: "Отчёты ещё собираются"})
		if err != nil {
			f.t.Fatalf("fixture: sign off: %v", err)
		}
		v = resp.GetSignOff().GetVersion()
	case !sign && signed:
		resp, err := cs.SendBackSignOff(ctx, &indicatorsv1.SendBackSignOffRequest{CampaignId: campaign, MunicipalityId: mun, Version: v,
			Comment: "Рано"})
		if err != nil {
			f.t.Fatalf("fixture: send back: %v", err)
		}
		v = resp.GetSignOff().GetVersion()
	}
	return campaign, fmt.Sprint(v)
}

// freshReport is a report in state in a fresh campaign: A1's (own), or B1's
// (foreign; A2's for the curator).
func (f *fixture) freshReport(role string, own bool, state string) (id, version string) {
	f.t.Helper()
	f.indicators()
	mun, org := f.munA, f.a1.GetId()
	if !own {
		mun, org = f.munB, f.b1.GetId()
		if role == "curator" {
			mun, org = f.munA, f.a2.GetId()
		}
	}
	id = f.newReport(f.newCampaign(mun), org, state)
	resp, err := indicatorsv1.NewReportServiceClient(f.p.ind.Conn).GetReport(context.Background(), &indicatorsv1.GetReportRequest{Id: id})
	if err != nil {
		f.t.Fatalf("fixture: %v", err)
	}
	return id, fmt.Sprint(resp.GetReport().GetVersion())
}

// foreignReport is B1's report (A2's for the curator) in the fixture campaigns.
func (f *fixture) foreignReport(role string) string {
	if role == "curator" {
		return f.indicators().repA2
	}
	return f.indicators().repB1
}

// foreignCampaign is campaign B.
func (f *fixture) foreignCampaign(string) string { return f.indicators().campB }

// foreignIndicatorsState hashes the indicators rows of region 43 and of orgs.
func (f *fixture) foreignIndicatorsState(orgs []string) string {
	f.t.Helper()
	var h string
	err := f.idb.QueryRow(context.Background(), `
		WITH co AS (SELECT * FROM campaign_organisations WHERE region_code = '43' OR organisation_id::text = ANY($1)),
		     r AS (SELECT rp.* FROM reports rp JOIN co ON co.campaign_id = rp.campaign_id AND co.organisation_id = rp.organisation_id)
		SELECT md5(concat_ws('|',
			(SELECT string_agg(c::text, ',' ORDER BY id) FROM campaigns c WHERE region_code = '43'),
			(SELECT string_agg(co::text, ',' ORDER BY campaign_id, organisation_id) FROM co),
			(SELECT string_agg(x::text, ',' ORDER BY id) FROM extensions x
				JOIN co USING (campaign_id, organisation_id)),
			(SELECT string_agg(r::text, ',' ORDER BY id) FROM r),
			(SELECT string_agg(e::text, ',' ORDER BY id) FROM report_events e WHERE report_id IN (SELECT id FROM r)),
			(SELECT string_agg(s::text, ',' ORDER BY campaign_id, municipality_id) FROM sign_offs s WHERE region_code = '43'),
			(SELECT string_agg(e::text, ',' ORDER BY e.id) FROM sign_off_events e
				JOIN sign_offs s USING (campaign_id, municipality_id) WHERE s.region_code = '43')))`, orgs).Scan(&h)
	if err != nil {
		f.t.Fatalf("foreign indicators state: %v", err)
	}
	return h
}

func indicatorRows() map[string]row {
	const ind = "/nastavnik.indicators.v1."
	get := func(path func(f *fixture, role string) string) func(f *fixture, role string) httpCall {
		return func(f *fixture, role string) httpCall { return httpCall{"GET", path(f, role), nil} }
	}
	// reportWrite is a call on a fresh report in state.
	reportWrite := func(state, verb string, body func(version string) map[string]any, wantOwn want) row {
		call := func(own bool) func(f *fixture, role string) httpCall {
			return func(f *fixture, role string) httpCall {
				id, version := f.freshReport(role, own, state)
				method, path := "POST", "/v1/reports/"+id+":"+verb
				if verb == "" {
					method, path = "PATCH", "/v1/reports/"+id
				}
				return httpCall{method, path, body(version)}
			}
		}
		return row{own: call(true), foreign: call(false), wantOwn: wantOwn, wantForeign: want{ok, nf, nf, nf}}
	}
	version := func(v string) map[string]any { return map[string]any{"version": v} }
	return map[string]row{
		ind + "FormService/GetForm": {
			own:     get(func(f *fixture, _ string) string { f.indicators(); return "/v1/forms/" + formCode + "/versions/1" }),
			wantOwn: all(ok), wantForeign: all(ok),
		},
		ind + "FormService/ListForms": {
			own:     get(func(f *fixture, _ string) string { return "/v1/forms?code=" + formCode }),
			wantOwn: all(ok), wantForeign: all(ok),
		},
		ind + "FormService/DraftForm": {
			own: func(f *fixture, _ string) httpCall {
				f.indicators()
				return httpCall{"POST", "/v1/forms/" + formCode + ":draft", map[string]any{}}
			},
			wantOwn: want{ok, pd, pd, pd}, wantForeign: want{ok, pd, pd, pd},
		},
		ind + "FormService/UpdateForm": {
			own: func(f *fixture, _ string) httpCall {
				f.indicators()
				d, err := indicatorsv1.NewFormServiceClient(f.p.ind.Conn).DraftForm(context.Background(), &indicatorsv1.DraftFormRequest{Code: formCode})
				if err != nil {
					f.t.Fatalf("fixture: %v", err)
				}
				body := map[string]any{"title": d.GetForm().GetTitle() + " (черновик)", "revision": fmt.Sprint(d.GetForm().GetRevision()),
					"share": 0.5, "sections": []map[string]any{{"code": "s", "title": "Раздел", "fields": []map[string]any{
						{"code": "teachers_total", "label": "Педагогов", "help": "Человек", "type": "FIELD_TYPE_COUNT"}}}}}
				return httpCall{"PUT", fmt.Sprintf("/v1/forms/%s/versions/%d", formCode, d.GetForm().GetVersion()), body}
			},
			wantOwn: want{ok, pd, pd, pd}, wantForeign: want{ok, pd, pd, pd},
		},
		ind + "FormService/PublishForm": {
			own: func(f *fixture, _ string) httpCall {
				f.indicators()
				d, err := indicatorsv1.NewFormServiceClient(f.p.ind.Conn).DraftForm(context.Background(), &indicatorsv1.DraftFormRequest{Code: formCode})
				if err != nil {
					f.t.Fatalf("fixture: %v", err)
				}
				return httpCall{"POST", fmt.Sprintf("/v1/forms/%s/versions/%d:publish", formCode, d.GetForm().GetVersion()),
					map[string]any{"revision": fmt.Sprint(d.GetForm().GetRevision())}}
			},
			wantOwn: want{ok, pd, pd, pd}, wantForeign: want{ok, pd, pd, pd},
		},
		ind + "CampaignService/CreateCampaign": {
			own: func(f *fixture, _ string) httpCall {
				f.indicators()
				y := f.nextYear(f.munA)
				return httpCall{"POST", "/v1/campaigns", map[string]any{"campaign": map[string]any{"name": "Мониторинг", "year": y,
					"formCode": formCode, "formVersion": 1, "municipalityId": f.munA, "deadline": deadline(y)}}}
			},
			foreign: func(f *fixture, _ string) httpCall {
				f.indicators()
				y := f.nextYear(f.munB)
				return httpCall{"POST", "/v1/campaigns", map[string]any{"campaign": map[string]any{"name": "Мониторинг", "year": y,
					"formCode": formCode, "formVersion": 1, "municipalityId": f.munB, "deadline": deadline(y)}}}
			},
			wantOwn: want{ok, ok, ok, pd}, wantForeign: want{ok, ia, ia, ia},
		},
		ind + "CampaignService/GetCampaign": {
			own:     get(func(f *fixture, _ string) string { return "/v1/campaigns/" + f.indicators().campA }),
			foreign: get(func(f *fixture, role string) string { return "/v1/campaigns/" + f.foreignCampaign(role) }),
			wantOwn: all(ok), wantForeign: want{ok, nf, nf, nf},
		},
		ind + "CampaignService/ListCampaigns": {
			own:     get(func(f *fixture, _ string) string { f.indicators(); return "/v1/campaigns?pageSize=500" }),
			foreign: get(func(f *fixture, _ string) string { f.indicators(); return "/v1/campaigns?municipality=" + f.munB }),
			wantOwn: all(ok), wantForeign: all(ok),
		},
		ind + "CampaignService/CloseCampaign": {
			own: func(f *fixture, _ string) httpCall {
				f.indicators()
				return httpCall{"POST", "/v1/campaigns/" + f.newCampaign(f.munA) + ":close", version("1")}
			},
			foreign: func(f *fixture, _ string) httpCall {
				f.indicators()
				return httpCall{"POST", "/v1/campaigns/" + f.newCampaign(f.munB) + ":close", version("1")}
			},
			wantOwn: want{ok, ok, ok, pd}, wantForeign: want{ok, nf, nf, nf},
		},
		"/nastavnik.notify.v1.NotificationService/ListNotifications": {
			own:     get(func(*fixture, string) string { return "/v1/notifications?pageSize=5" }),
			wantOwn: all(ok), wantForeign: all(ok),
		},
		"/nastavnik.notify.v1.NotificationService/MarkNotificationsRead": {
			own: func(*fixture, string) httpCall {
				return httpCall{"POST", "/v1/notifications:markRead", map[string]any{}}
			},
			foreign: func(*fixture, string) httpCall {
				return httpCall{"POST", "/v1/notifications:markRead", map[string]any{"ids": []string{"indicators-1", "roadmap-1"}}}
			},
			wantOwn: all(ok), wantForeign: all(ok),
		},
		ind + "CampaignService/SetReminders": {
			own: func(f *fixture, _ string) httpCall {
				f.indicators()
				return httpCall{"POST", "/v1/campaigns/" + f.newCampaign(f.munA) + ":setReminders",
					map[string]any{"version": "1", "reminderDays": []int{5, 0}, "reminderTime": "10:30"}}
			},
			foreign: func(f *fixture, _ string) httpCall {
				f.indicators()
				return httpCall{"POST", "/v1/campaigns/" + f.newCampaign(f.munB) + ":setReminders",
					map[string]any{"version": "1", "reminderDays": []int{5, 0}, "reminderTime": "10:30"}}
			},
			wantOwn: want{ok, ok, ok, pd}, wantForeign: want{ok, nf, nf, nf},
		},
		ind + "CampaignService/RefreshExpected": {
			own: func(f *fixture, _ string) httpCall {
				return httpCall{"POST", "/v1/campaigns/" + f.indicators().campA + ":refreshExpected", map[string]any{}}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/campaigns/" + f.foreignCampaign(role) + ":refreshExpected", map[string]any{}}
			},
			wantOwn: want{ok, ok, ok, pd}, wantForeign: want{ok, nf, nf, nf},
		},
		ind + "CampaignService/ExtendDeadline": {
			own: func(f *fixture, _ string) httpCall {
				return httpCall{"POST", "/v1/campaigns/" + f.indicators().campA + "/organisations/" + f.a1.GetId() + ":extend",
					map[string]any{"deadline": "2026-12-25", "reason": "Болезнь куратора"}}
			},
			foreign: func(f *fixture, role string) httpCall {
				camp, org := f.foreignCampaign(role), f.b1.GetId()
				if role == "curator" {
					camp, org = f.indicators().campA, f.a2.GetId()
				}
				return httpCall{"POST", "/v1/campaigns/" + camp + "/organisations/" + org + ":extend",
					map[string]any{"deadline": "2026-12-25", "reason": "Болезнь куратора"}}
			},
			wantOwn: want{ok, ok, ok, pd}, wantForeign: want{ok, nf, nf, nf},
		},
		ind + "CampaignService/ListExpected": {
			own: get(func(f *fixture, _ string) string { return "/v1/campaigns/" + f.indicators().campA + "/organisations" }),
			foreign: get(func(f *fixture, role string) string {
				return "/v1/campaigns/" + f.foreignCampaign(role) + "/organisations"
			}),
			wantOwn: all(ok), wantForeign: want{ok, nf, nf, nf},
		},
		ind + "CampaignService/GetCompleteness": {
			own:     get(func(f *fixture, _ string) string { return "/v1/completeness?campaignId=" + f.indicators().campA }),
			foreign: get(func(f *fixture, role string) string { return "/v1/completeness?campaignId=" + f.foreignCampaign(role) }),
			wantOwn: all(ok), wantForeign: want{ok, nf, nf, nf},
		},
		ind + "CampaignService/SignOff": {
			own: func(f *fixture, _ string) httpCall {
				c, v := f.signOffReady(f.munA, false)
				return httpCall{"POST", "/v1/campaigns/" + c + "/municipalities/" + f.munA + ":signOff",
					map[string]any{"comment": "Школы не сдали: обе на карантине", "version": v}}
			},
			foreign: func(f *fixture, _ string) httpCall {
				c, v := f.signOffReady(f.munB, false)
				return httpCall{"POST", "/v1/campaigns/" + c + "/municipalities/" + f.munB + ":signOff",
					map[string]any{"comment": "Школа не сдала", "version": v}}
			},
			wantOwn: want{ok, pd, ok, pd}, wantForeign: want{ok, nf, nf, nf},
		},
		ind + "CampaignService/SendBackSignOff": {
			own: func(f *fixture, _ string) httpCall {
				c, v := f.signOffReady(f.munA, true)
				return httpCall{"POST", "/v1/campaigns/" + c + "/municipalities/" + f.munA + ":sendBack",
					map[string]any{"comment": "Дозаполните", "version": v}}
			},
			foreign: func(f *fixture, _ string) httpCall {
				c, v := f.signOffReady(f.munB, true)
				return httpCall{"POST", "/v1/campaigns/" + c + "/municipalities/" + f.munB + ":sendBack",
					map[string]any{"comment": "Дозаполните", "version": v}}
			},
			wantOwn: want{ok, ok, pd, pd}, wantForeign: want{ok, nf, nf, nf},
		},
		ind + "CampaignService/ListSignOffs": {
			own: get(func(f *fixture, _ string) string {
				c, _ := f.signOffReady(f.munA, true)
				return "/v1/signOffs?campaignId=" + c
			}),
			foreign: get(func(f *fixture, _ string) string {
				c, _ := f.signOffReady(f.munB, true)
				return "/v1/signOffs?campaignId=" + c
			}),
			wantOwn: all(ok), wantForeign: want{ok, nf, nf, nf},
		},
		ind + "ReportService/CreateReport": {
			own: func(f *fixture, _ string) httpCall {
				f.indicators()
				return httpCall{"POST", "/v1/campaigns/" + f.newCampaign(f.munA) + "/reports", map[string]any{"organisationId": f.a1.GetId()}}
			},
			foreign: func(f *fixture, role string) httpCall {
				f.indicators()
				mun, org := f.munB, f.b1.GetId()
				if role == "curator" {
					mun, org = f.munA, f.a2.GetId()
				}
				return httpCall{"POST", "/v1/campaigns/" + f.newCampaign(mun) + "/reports", map[string]any{"organisationId": org}}
			},
			wantOwn: want{ok, pd, pd, ok}, wantForeign: want{ok, nf, nf, ia},
		},
		ind + "ReportService/GetReport": {
			own:     get(func(f *fixture, _ string) string { return "/v1/reports/" + f.indicators().repA1 }),
			foreign: get(func(f *fixture, role string) string { return "/v1/reports/" + f.foreignReport(role) }),
			wantOwn: all(ok), wantForeign: want{ok, nf, nf, nf},
		},
		ind + "ReportService/ListReports": {
			own:     get(func(f *fixture, _ string) string { return "/v1/campaigns/" + f.indicators().campA + "/reports" }),
			foreign: get(func(f *fixture, role string) string { return "/v1/campaigns/" + f.foreignCampaign(role) + "/reports" }),
			wantOwn: all(ok), wantForeign: want{ok, nf, nf, nf},
		},
		ind + "ReportService/SaveReport": reportWrite("draft", "", func(v string) map[string]any {
			return map[string]any{"version": v, "values": map[string]any{"teachers_total": map[string]any{"count": "55"}}}
		}, want{ok, pd, pd, ok}),
		ind + "ReportService/CheckReport": {
			own: func(f *fixture, _ string) httpCall {
				return httpCall{"POST", "/v1/reports/" + f.indicators().repA1 + ":check", map[string]any{}}
			},
			foreign: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/reports/" + f.foreignReport(role) + ":check", map[string]any{}}
			},
			wantOwn: all(ok), wantForeign: want{ok, nf, nf, nf},
		},
		ind + "ReportService/SubmitReport": reportWrite("filled", "submit", version, want{ok, pd, pd, ok}),
		ind + "ReportService/AcceptReport": reportWrite("submitted", "accept", version, want{ok, pd, ok, pd}),
		ind + "ReportService/ReturnReport": reportWrite("submitted", "return", func(v string) map[string]any {
			return map[string]any{"version": v, "comment": "Исправьте", "remarks": map[string]string{"teachers_total": "Проверьте"}}
		}, want{ok, pd, ok, pd}),
		ind + "ReportService/ReopenReport": reportWrite("accepted", "reopen", func(v string) map[string]any {
			return map[string]any{"version": v, "reason": "Уточнение"}
		}, want{ok, pd, ok, pd}),
		ind + "ReportService/ListReportHistory": {
			own:     get(func(f *fixture, _ string) string { return "/v1/reports/" + f.indicators().repA1 + "/history" }),
			foreign: get(func(f *fixture, role string) string { return "/v1/reports/" + f.foreignReport(role) + "/history" }),
			wantOwn: all(ok), wantForeign: want{ok, nf, nf, nf},
		},
		// The operator alone loads archives; the others see no foreign
		// campaign (the curator, no neighbour's report).
		ind + "ReportService/ImportReport": {
			own: func(f *fixture, _ string) httpCall {
				f.indicators()
				return importCall(f.newCampaign(f.munA), f.a1.GetId(), f.ind.values)
			},
			foreign: func(f *fixture, role string) httpCall {
				f.indicators()
				mun, org := f.munB, f.b1.GetId()
				if role == "curator" {
					mun, org = f.munA, f.a2.GetId()
				}
				return importCall(f.newCampaign(mun), org, f.ind.values)
			},
			wantOwn: want{ok, pd, pd, pd}, wantForeign: want{ok, nf, nf, ia},
		},
		// Bulk loads too: the others are refused before anything is read.
		ind + "ReportService/ImportReports": {
			own: func(f *fixture, _ string) httpCall {
				f.indicators()
				return bulkImportCall(f.newCampaign(f.munA), f.a1.GetId(), f.ind.values)
			},
			foreign: func(f *fixture, _ string) httpCall {
				f.indicators()
				return bulkImportCall(f.newCampaign(f.munB), f.b1.GetId(), f.ind.values)
			},
			wantOwn: want{ok, pd, pd, pd}, wantForeign: want{ok, pd, pd, pd},
		},
	}
}

// bulkImportCall loads org's report, submitted a minute ago and accepted at
// once, into a campaign opened today, as a batch of one.
func bulkImportCall(campaign, org string, values map[string]*indicatorsv1.Value) httpCall {
	one := importCall(campaign, org, values).body.(map[string]any)
	one["campaignId"], one["status"] = campaign, "REPORT_STATUS_ACCEPTED"
	one["decideTime"] = one["acceptTime"]
	delete(one, "acceptTime")
	return httpCall{"POST", "/v1/reports:import", map[string]any{"reports": []any{one}}}
}

// importCall imports org's report, submitted a minute ago and accepted at
// once, into a campaign opened today.
func importCall(campaign, org string, values map[string]*indicatorsv1.Value) httpCall {
	body := map[string]any{}
	for k, v := range values {
		b, _ := protojson.Marshal(v)
		var m any
		_ = json.Unmarshal(b, &m)
		body[k] = m
	}
	at := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	return httpCall{"POST", "/v1/campaigns/" + campaign + "/reports:import", map[string]any{"organisationId": org, "values": body,
		"submitTime": at, "acceptTime": at}}
}

// TestReportThroughTheGateway: a submission with young teachers above
// teachers is a 400 naming both fields as the client sent them, the report
// stays a draft with every value; a save on a stale version is a 409.
func TestReportThroughTheGateway(t *testing.T) {
	f := newFixture(t)
	id, version := f.freshReport("curator", true, "draft")
	curator := f.clients["curator"]
	var saved struct {
		Version string `json:"version"`
	}
	values := map[string]any{}
	for k, v := range f.indicators().values {
		b, _ := protojson.Marshal(v)
		var m any
		_ = json.Unmarshal(b, &m)
		values[k] = m
	}
	values["young_teachers"] = map[string]any{"count": "150"}
	if code := curator.do("PATCH", "/v1/reports/"+id, map[string]any{"version": version, "values": values}, &saved); code != http.StatusOK {
		t.Fatalf("save: %d", code)
	}
	var apiErr struct {
		Code    string `json:"code"`
		Details []struct {
			Field       string `json:"field"`
			Description string `json:"description"`
		} `json:"details"`
	}
	if code := curator.do("POST", "/v1/reports/"+id+":submit", map[string]any{"version": saved.Version}, &apiErr); code != http.StatusBadRequest {
		t.Fatalf("submit: %d %+v, want 400", code, apiErr)
	}
	fields := map[string]string{}
	for _, d := range apiErr.Details {
		fields[d.Field] = d.Description
	}
	for _, want := range []string{"values[young_teachers]", "values[teachers_total]"} {
		if fields[want] == "" {
			t.Errorf("400 details %v, want %s named", apiErr.Details, want)
		}
	}
	var got struct {
		Status  string         `json:"status"`
		Version string         `json:"version"`
		Values  map[string]any `json:"values"`
	}
	if code := curator.do("GET", "/v1/reports/"+id, nil, &got); code != http.StatusOK || got.Status != "REPORT_STATUS_DRAFT" ||
		got.Version != saved.Version || len(got.Values) != len(values) {
		t.Errorf("after the refused submission: %d %s v%s with %d values, want a draft at v%s with %d", code, got.Status, got.Version,
			len(got.Values), saved.Version, len(values))
	}
	if code := curator.do("PATCH", "/v1/reports/"+id, map[string]any{"version": version,
		"values": map[string]any{"young_teachers": map[string]any{"count": "5"}}}, &apiErr); code != http.StatusConflict || apiErr.Code != "ABORTED" {
		t.Errorf("stale save: %d %s, want 409 ABORTED", code, apiErr.Code)
	}
}

// deadline is 15 December of a campaign's year, or of this year for the
// wrapped years before it (a deadline may not be before the campaign opens).
func deadline(year int) string { return fmt.Sprintf("%d-12-15", max(year, time.Now().Year())) }

// nextYear is a year no campaign of the municipality has yet: one campaign a
// year may expect an organisation. Years run from 2026 to 2100, the last a
// campaign may have, then on from 2005 (a dashboard still has the four years
// before a campaign's within the range).
func (f *fixture) nextYear(mun string) int {
	if f.years == nil {
		f.years = map[string]int{}
	}
	if f.years[mun] == 0 {
		f.years[mun] = 2025
	}
	f.years[mun]++
	if f.years[mun] > 2100 {
		f.years[mun] = 2005
	}
	return f.years[mun]
}
