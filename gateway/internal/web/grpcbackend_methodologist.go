package web

import (
	"context"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
)

var _ MethodologistBackend = (*grpcBackend)(nil)

// listPage is the largest page the services give; a municipality's lists
// are read whole, page by page, up to listLimit entries.
const (
	listPage  = 500
	listLimit = 5000
)

func (b *grpcBackend) Campaigns(ctx context.Context, municipality string) ([]CampaignSummary, error) {
	resp, err := b.campaigns.ListCampaigns(ctx, &indicatorsv1.ListCampaignsRequest{Municipality: municipality, PageSize: 100})
	if err != nil {
		return nil, err
	}
	var out []CampaignSummary
	for _, c := range resp.GetCampaigns() {
		day, _ := time.Parse(time.DateOnly, c.GetDeadline())
		out = append(out, CampaignSummary{ID: c.GetId(), Name: c.GetName(), Year: int(c.GetYear()),
			Open: c.GetStatus() == indicatorsv1.CampaignStatus_CAMPAIGN_STATUS_OPEN, Deadline: day})
	}
	return out, nil
}

func (b *grpcBackend) Completeness(ctx context.Context, campaignID, municipality string, asOf time.Time) (CompletenessView, error) {
	req := &indicatorsv1.GetCompletenessRequest{CampaignId: campaignID, Municipality: municipality}
	if !asOf.IsZero() {
		req.AsOf = asOf.Format(time.DateOnly)
	}
	resp, err := b.campaigns.GetCompleteness(ctx, req)
	if err != nil {
		return CompletenessView{}, err
	}
	t := resp.GetTotal()
	out := CompletenessView{Counts: Counts{Expected: int(t.GetExpected()), OnTime: int(t.GetOnTime()), Late: int(t.GetLate()),
		Missing: int(t.GetMissing()), Submitted: int(t.GetSubmitted()), Returned: int(t.GetReturned()), Accepted: int(t.GetAccepted())}}
	for _, o := range resp.GetOrganisations() {
		s := OrgStanding{ID: o.GetOrganisationId(), Name: o.GetShortName(), State: expectedState(o), Late: o.GetLate(),
			TimeZone: o.GetTimeZone(), ReportID: o.GetReportId()}
		if o.GetSubmitTime() != nil {
			s.SubmitTime = o.GetSubmitTime().AsTime()
		}
		out.Organisations = append(out.Organisations, s)
	}
	return out, nil
}

func (b *grpcBackend) Indicators(ctx context.Context, municipality string, years []int) ([]IndicatorView, error) {
	var defs *indicatorsv1.ListIndicatorsResponse
	var aggs *indicatorsv1.GetAggregatesResponse
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		defs, err = b.aggregates.ListIndicators(gctx, &indicatorsv1.ListIndicatorsRequest{})
		return err
	})
	g.Go(func() (err error) {
		ys := make([]int32, len(years))
		for i, y := range years {
			ys[i] = int32(y)
		}
		aggs, err = b.aggregates.GetAggregates(gctx, &indicatorsv1.GetAggregatesRequest{Level: indicatorsv1.Level_LEVEL_MUNICIPALITY,
			Years: ys, Basis: indicatorsv1.Basis_BASIS_ACCEPTED})
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	byCode := map[string]map[int]*indicatorsv1.Aggregate{}
	for _, a := range aggs.GetAggregates() {
		if a.GetUnit() != municipality {
			continue
		}
		if byCode[a.GetIndicatorCode()] == nil {
			byCode[a.GetIndicatorCode()] = map[int]*indicatorsv1.Aggregate{}
		}
		byCode[a.GetIndicatorCode()][int(a.GetYear())] = a
	}
	var out []IndicatorView
	for _, d := range defs.GetIndicators() {
		v := IndicatorView{Code: d.GetCode(), Name: d.GetName(), Counts: d.GetCounts(), Unit: d.GetUnit(),
			Share: d.GetKind() == indicatorsv1.IndicatorKind_INDICATOR_KIND_SHARE}
		for _, y := range years {
			iy := IndicatorYear{Year: y, Status: TargetNoData, Comparable: true}
			if a, ok := byCode[d.GetCode()][y]; ok {
				iy.HasValue, iy.Value = a.Value != nil, a.GetValue()
				iy.Numerator, iy.Denominator = a.GetNumerator(), a.GetDenominator()
				iy.Contributors, iy.Expected = int(a.GetContributors()), int(a.GetExpected())
				iy.HasTarget, iy.Target = a.Target != nil, a.GetTarget()
				iy.HasChange, iy.Change = a.Change != nil, a.GetChange()
				iy.Comparable = a.GetComparable()
				iy.Status = targetStatus(a.GetStatus())
			}
			v.Years = append(v.Years, iy)
		}
		out = append(out, v)
	}
	return out, nil
}

func targetStatus(s indicatorsv1.TargetStatus) TargetStatus {
	switch s {
	case indicatorsv1.TargetStatus_TARGET_STATUS_MET:
		return TargetMet
	case indicatorsv1.TargetStatus_TARGET_STATUS_NOT_MET:
		return TargetNotMet
	case indicatorsv1.TargetStatus_TARGET_STATUS_NO_TARGET:
		return TargetNone
	}
	return TargetNoData
}

func (b *grpcBackend) MunicipalOverdue(ctx context.Context, municipality, pageToken string, n int) (OverduePage, error) {
	od, err := b.roadmaps.ListOverdue(ctx, &roadmapv1.ListOverdueRequest{MunicipalityId: municipality, PageSize: int32(n), PageToken: pageToken})
	if err != nil {
		return OverduePage{}, err
	}
	out := OverduePage{NextPageToken: od.GetNextPageToken(), Total: int(od.GetTotalSize())}
	for _, o := range od.GetOccurrences() {
		due, _ := time.Parse(time.DateOnly, o.GetDue())
		out.Items = append(out.Items, OverdueItem{Number: o.GetItemNumber(), Measure: o.GetMeasure(), Responsible: o.GetResponsible(),
			Owner: o.GetOwner().GetName(), Due: due, DaysOverdue: int(o.GetDaysOverdue())})
	}
	return out, nil
}

// reportsOf reads a campaign's reports in the municipality, page by page,
// without their values (BASIC): who is in which status, not what they wrote.
func (b *grpcBackend) reportsOf(ctx context.Context, campaignID, municipality string, status indicatorsv1.ReportStatus) ([]*indicatorsv1.Report, error) {
	var out []*indicatorsv1.Report
	token := ""
	for {
		resp, err := b.reports.ListReports(ctx, &indicatorsv1.ListReportsRequest{CampaignId: campaignID, Municipality: municipality,
			Status: status, PageSize: listPage, PageToken: token, View: indicatorsv1.ReportView_REPORT_VIEW_BASIC})
		if err != nil {
			return nil, err
		}
		out = append(out, resp.GetReports()...)
		token = resp.GetNextPageToken()
		if token == "" || len(out) >= listLimit {
			return out, nil
		}
	}
}

func (b *grpcBackend) Activity(ctx context.Context, campaignID, municipality string, n int) ([]ActivityItem, error) {
	reports, err := b.reportsOf(ctx, campaignID, municipality, indicatorsv1.ReportStatus_REPORT_STATUS_UNSPECIFIED)
	if err != nil {
		return nil, err
	}
	var out []ActivityItem
	for _, r := range reports {
		it := ActivityItem{OrgName: r.GetOrganisationName(), ReportID: r.GetId(), Late: r.GetLate(), TimeZone: r.GetTimeZone(),
			Time: r.GetUpdateTime().AsTime()}
		switch r.GetStatus() {
		case indicatorsv1.ReportStatus_REPORT_STATUS_SUBMITTED:
			it.Kind, it.Time = "submitted", r.GetSubmitTime().AsTime()
			if r.GetReturnComment() != "" {
				it.Kind = "resubmitted"
			}
		case indicatorsv1.ReportStatus_REPORT_STATUS_RETURNED:
			it.Kind = "returned"
		case indicatorsv1.ReportStatus_REPORT_STATUS_ACCEPTED:
			it.Kind = "accepted"
		default:
			if r.GetReopenReason() == "" {
				continue // a draft being filled is not news
			}
			it.Kind = "reopened"
		}
		out = append(out, it)
	}
	slices.SortStableFunc(out, func(a, b ActivityItem) int { return b.Time.Compare(a.Time) })
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}

func (b *grpcBackend) Review(ctx context.Context, id string) (ReviewView, error) {
	resp, err := b.reports.GetReport(ctx, &indicatorsv1.GetReportRequest{Id: id})
	if err != nil {
		return ReviewView{}, err
	}
	r := resp.GetReport()
	c, err := b.campaigns.GetCampaign(ctx, &indicatorsv1.GetCampaignRequest{Id: r.GetCampaignId()})
	if err != nil {
		return ReviewView{}, err
	}
	camp := c.GetCampaign()
	out := ReviewView{Year: int(camp.GetYear()), CampaignID: camp.GetId()}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		f, err := b.forms.GetForm(gctx, &indicatorsv1.GetFormRequest{Code: r.GetFormCode(), Version: r.GetFormVersion()})
		if err != nil {
			return err
		}
		out.Report = reportView(r, f.GetForm(), camp.GetName())
		return nil
	})
	g.Go(func() (err error) {
		out.Previous, err = b.previousReport(gctx, r, camp.GetYear()-1)
		if out.Previous.ID != "" {
			out.PreviousYear = int(camp.GetYear()) - 1
		}
		return err
	})
	if err := g.Wait(); err != nil {
		return ReviewView{}, err
	}
	return out, nil
}

// previousReport finds the organisation's report in a campaign of year,
// through the expected lists of its municipality.
func (b *grpcBackend) previousReport(ctx context.Context, r *indicatorsv1.Report, year int32) (ReportView, error) {
	cs, err := b.campaigns.ListCampaigns(ctx, &indicatorsv1.ListCampaignsRequest{Year: year, Municipality: r.GetMunicipalityId(), PageSize: 20})
	if err != nil {
		return ReportView{}, err
	}
	for _, pc := range cs.GetCampaigns() {
		token := ""
		for n := 0; n < listLimit; n += listPage {
			ex, err := b.campaigns.ListExpected(ctx, &indicatorsv1.ListExpectedRequest{CampaignId: pc.GetId(),
				Municipality: r.GetMunicipalityId(), PageSize: listPage, PageToken: token})
			if err != nil {
				return ReportView{}, err
			}
			for _, o := range ex.GetOrganisations() {
				if o.GetOrganisationId() != r.GetOrganisationId() || o.GetReportId() == "" {
					continue
				}
				prev, err := b.reports.GetReport(ctx, &indicatorsv1.GetReportRequest{Id: o.GetReportId()})
				if err != nil {
					return ReportView{}, err
				}
				f, err := b.forms.GetForm(ctx, &indicatorsv1.GetFormRequest{Code: prev.GetReport().GetFormCode(), Version: prev.GetReport().GetFormVersion()})
				if err != nil {
					return ReportView{}, err
				}
				return reportView(prev.GetReport(), f.GetForm(), pc.GetName()), nil
			}
			if token = ex.GetNextPageToken(); token == "" {
				break
			}
		}
	}
	return ReportView{}, nil
}

func (b *grpcBackend) Acceptable(ctx context.Context, campaignID, municipality string) ([]ReportSummary, error) {
	reports, err := b.reportsOf(ctx, campaignID, municipality, indicatorsv1.ReportStatus_REPORT_STATUS_SUBMITTED)
	if err != nil {
		return nil, err
	}
	// The list carries no violations: each report is read, a few at a time.
	ok := make([]bool, len(reports))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, r := range reports {
		g.Go(func() error {
			full, err := b.reports.GetReport(gctx, &indicatorsv1.GetReportRequest{Id: r.GetId()})
			if err != nil {
				return err
			}
			ok[i] = full.GetReport().GetStatus() == indicatorsv1.ReportStatus_REPORT_STATUS_SUBMITTED &&
				len(full.GetReport().GetViolations()) == 0
			reports[i] = full.GetReport()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []ReportSummary
	for i, r := range reports {
		if !ok[i] {
			continue
		}
		out = append(out, ReportSummary{ID: r.GetId(), OrgName: r.GetOrganisationName(), Version: r.GetVersion(),
			SubmitTime: r.GetSubmitTime().AsTime(), Late: r.GetLate(), TimeZone: r.GetTimeZone()})
	}
	return out, nil
}

func (b *grpcBackend) AcceptReport(ctx context.Context, id string, version int64) error {
	_, err := b.reports.AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: id, Version: version})
	return b.writeErr(ctx, err)
}

func (b *grpcBackend) ReturnReport(ctx context.Context, id string, version int64, comment string, remarks map[string]string) error {
	_, err := b.reports.ReturnReport(ctx, &indicatorsv1.ReturnReportRequest{Id: id, Version: version, Comment: comment, Remarks: remarks})
	return b.writeErr(ctx, err)
}

func (b *grpcBackend) ReopenReport(ctx context.Context, id string, version int64, reason string) error {
	_, err := b.reports.ReopenReport(ctx, &indicatorsv1.ReopenReportRequest{Id: id, Version: version, Reason: reason})
	return b.writeErr(ctx, err)
}
