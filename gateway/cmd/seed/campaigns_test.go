package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nastavnik/nastavnik/platform/servicetest"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	indicatorsapp "github.com/nastavnik/nastavnik/services/indicators/app"
	registryapp "github.com/nastavnik/nastavnik/services/registry/app"
)

func TestDemoCampaignsLoadOnceWithEveryState(t *testing.T) {
	reg := servicetest.Start(t, registryapp.Spec)
	ind := servicetest.StartWith(t, indicatorsapp.Spec, servicetest.Options{RegistryAddr: reg.Addr})
	ctx := context.Background()
	if _, err := load(ctx, reg.Conn); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	first, err := loadCampaigns(ctx, reg.Conn, ind.Conn, now)
	if err != nil {
		t.Fatalf("first load: %v", err)
	}
	if first.campaigns != 4 || first.created != 4 || first.closed != 3 || first.imported < 3*40 || first.changes == 0 {
		t.Errorf("first load = %+v", first)
	}

	campaigns := indicatorsv1.NewCampaignServiceClient(ind.Conn)
	reports := indicatorsv1.NewReportServiceClient(ind.Conn)
	// versions maps every campaign and report to its version.
	versions := func() map[string]int64 {
		t.Helper()
		out := map[string]int64{}
		list, err := campaigns.ListCampaigns(ctx, &indicatorsv1.ListCampaignsRequest{PageSize: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range list.GetCampaigns() {
			out["campaign "+c.GetName()] = c.GetVersion()
			rl, err := reports.ListReports(ctx, &indicatorsv1.ListReportsRequest{CampaignId: c.GetId(), PageSize: 500})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rl.GetReports() {
				out[fmt.Sprint(c.GetYear(), " ", r.GetOrganisationName())] = r.GetVersion()
			}
		}
		return out
	}
	before := versions()
	second, err := loadCampaigns(ctx, reg.Conn, ind.Conn, now)
	if err != nil {
		t.Fatalf("second load: %v", err)
	}
	if second.changed() || second.campaigns != 4 {
		t.Errorf("second load = %+v, want the four campaigns found and nothing changed", second)
	}
	if diff := cmp.Diff(before, versions()); diff != "" {
		t.Errorf("the second load changed versions (-before +after):\n%s", diff)
	}

	list, err := campaigns.ListCampaigns(ctx, &indicatorsv1.ListCampaignsRequest{PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	byYear := map[int32]*indicatorsv1.Campaign{}
	for _, c := range list.GetCampaigns() {
		byYear[c.GetYear()] = c
	}
	for year := int32(2023); year <= 2025; year++ {
		c := byYear[year]
		if c.GetStatus() != indicatorsv1.CampaignStatus_CAMPAIGN_STATUS_CLOSED || c.GetOpenedOn() != fmt.Sprintf("%d-10-01", year) ||
			c.GetDeadline() != fmt.Sprintf("%d-12-15", year) || c.GetExpectedCount() < 40 {
			t.Errorf("campaign %d: %v opened %s deadline %s expecting %d", year, c.GetStatus(), c.GetOpenedOn(), c.GetDeadline(), c.GetExpectedCount())
		}
		comp, err := campaigns.GetCompleteness(ctx, &indicatorsv1.GetCompletenessRequest{CampaignId: c.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		tot := comp.GetTotal()
		if tot.GetAccepted() != tot.GetExpected() || tot.GetExpected() != c.GetExpectedCount() {
			t.Errorf("campaign %d: %v, want every expected report accepted", year, tot)
		}
		if late := tot.GetLate(); (year == 2025) != (late > 0) {
			t.Errorf("campaign %d: %d late, want late reports in 2025 only", year, late)
		}
	}

	open := byYear[2026]
	if open.GetStatus() != indicatorsv1.CampaignStatus_CAMPAIGN_STATUS_OPEN || open.GetDeadline() != "2026-12-15" {
		t.Fatalf("campaign 2026: %v deadline %s", open.GetStatus(), open.GetDeadline())
	}
	comp, err := campaigns.GetCompleteness(ctx, &indicatorsv1.GetCompletenessRequest{CampaignId: open.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	tot := comp.GetTotal()
	if tot.GetAccepted() == 0 || tot.GetSubmitted() == 0 || tot.GetReturned() == 0 || tot.GetMissing() == 0 ||
		tot.GetAccepted()*4 < tot.GetExpected() || tot.GetReturned() > 3 {
		t.Errorf("completeness of 2026: %v, want about a third accepted, some submitted, 2–3 returned, some missing", tot)
	}
	noReport, drafts := 0, map[string]*indicatorsv1.Report{}
	for _, o := range comp.GetOrganisations() {
		if o.GetReportId() == "" {
			noReport++
			continue
		}
		r, err := reports.GetReport(ctx, &indicatorsv1.GetReportRequest{Id: o.GetReportId()})
		if err != nil {
			t.Fatal(err)
		}
		switch rep := r.GetReport(); rep.GetStatus() {
		case indicatorsv1.ReportStatus_REPORT_STATUS_DRAFT:
			drafts[rep.GetOrganisationName()] = rep
		case indicatorsv1.ReportStatus_REPORT_STATUS_RETURNED:
			if rep.GetReturnComment() == "" || len(rep.GetRemarks()) == 0 {
				t.Errorf("returned report of %s without a comment or remarks", rep.GetOrganisationName())
			}
		}
		for _, v := range r.GetReport().GetViolations() {
			if v.GetSeverity() == indicatorsv1.Severity_SEVERITY_ERROR && v.GetRule() != "required" {
				t.Errorf("%s: demo values break %s", o.GetShortName(), v.GetRule())
			}
		}
	}
	if noReport == 0 || len(drafts) < 2 {
		t.Errorf("2026: %d without a report, %d drafts; want both", noReport, len(drafts))
	}
	carried := 0
	for _, d := range drafts {
		if len(d.GetCarriedOver()) > 0 {
			carried++
		}
	}
	school := drafts[demoCuratorSchool]
	if school == nil || len(school.GetCarriedOver()) == 0 || school.GetValues()["act_order"].GetYesNo().GetReference().GetNumber() == "" {
		t.Errorf("the curator's school: %v, want a draft started from 2025 with carried-over values", school)
	}
	if carried < 2 {
		t.Errorf("%d drafts started from last year, want the curator's school and one more", carried)
	}
}
