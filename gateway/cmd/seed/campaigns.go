package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/nastavnik/nastavnik/gateway/internal/country"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// The demo campaigns: Krasnoyarsk's monitoring of 2023–2025 loaded from the
// archive and closed, and the open campaign of 2026 half way through.
const (
	demoForm         = "cmn_monitoring"
	demoMunicipality = "городской округ город Красноярск"
	// demoCuratorSchool has a draft of 2026 started from its 2025 report, for
	// the demo curator to fill.
	demoCuratorSchool = "МАОУ СШ № 150"
	firstArchiveYear  = 2023
	openYear          = 2026
)

// campaignStats counts what loading campaigns did; a load that finds
// everything in place counts nothing but the campaigns.
type campaignStats struct {
	campaigns int // campaigns of the demo, created or found
	created   int // campaigns created
	imported  int // archive reports imported
	closed    int // campaigns closed
	changes   int // calls of the open campaign that changed a report
}

// changed reports whether the load wrote anything.
func (s campaignStats) changed() bool {
	return s.created+s.imported+s.closed+s.changes > 0
}

// loadCampaigns publishes the monitoring form, loads the archive campaigns
// of Krasnoyarsk through ImportReport and closes them, and brings the open
// campaign's reports to their demo states through the curator's and the
// methodologist's calls. It checks every state first, so a second load
// changes nothing.
func loadCampaigns(ctx context.Context, reg, ind grpc.ClientConnInterface, now time.Time) (campaignStats, error) {
	var st campaignStats
	if err := publishDemoForm(ctx, ind); err != nil {
		return st, err
	}
	mun, err := demoOwner(ctx, reg, demoRoadmap{municipality: demoMunicipality})
	if err != nil {
		return st, err
	}
	campaigns := indicatorsv1.NewCampaignServiceClient(ind)
	for year := firstArchiveYear; year <= openYear; year++ {
		opened := time.Date(year, 10, 1, 0, 0, 0, 0, time.UTC)
		if today := now.UTC().Truncate(24 * time.Hour); opened.After(today) {
			opened = today // the expected list cannot be taken ahead of time
		}
		name := fmt.Sprintf("Мониторинг ЦМН %d", year)
		c, err := findCampaign(ctx, campaigns, mun.GetMunicipalityId(), year, name)
		if err != nil {
			return st, fmt.Errorf("campaign %s: %w", name, err)
		}
		if c == nil {
			resp, err := campaigns.CreateCampaign(ctx, &indicatorsv1.CreateCampaignRequest{
				Campaign: &indicatorsv1.Campaign{Name: name, Year: int32(year), FormCode: demoForm, FormVersion: 1,
					MunicipalityId: mun.GetMunicipalityId(), Deadline: fmt.Sprintf("%d-12-15", year), OpenedOn: opened.Format(time.DateOnly)},
				RequestId: uuid.NewSHA1(namespace, []byte("campaign/"+mun.GetMunicipalityId()+"/"+name)).String(),
			})
			if err != nil {
				return st, fmt.Errorf("campaign %s: %w", name, err)
			}
			c = resp.GetCampaign()
			st.created++
		}
		st.campaigns++
		orgs, err := expectedOf(ctx, ind, c.GetId())
		if err != nil {
			return st, fmt.Errorf("campaign %s: %w", name, err)
		}
		if year < openYear {
			if err := loadArchive(ctx, ind, c, orgs, &st); err != nil {
				return st, fmt.Errorf("campaign %s: %w", name, err)
			}
			continue
		}
		if err := loadOpen(ctx, ind, c.GetId(), orgs, &st); err != nil {
			return st, fmt.Errorf("campaign %s: %w", name, err)
		}
	}
	return st, nil
}

// findCampaign returns the municipality's campaign of a year by name, or nil.
func findCampaign(ctx context.Context, c indicatorsv1.CampaignServiceClient, mun string, year int, name string) (*indicatorsv1.Campaign, error) {
	resp, err := c.ListCampaigns(ctx, &indicatorsv1.ListCampaignsRequest{Year: int32(year), Municipality: mun, PageSize: 500})
	if err != nil {
		return nil, err
	}
	for _, c := range resp.GetCampaigns() {
		if c.GetName() == name && c.GetMunicipalityId() == mun {
			return c, nil
		}
	}
	return nil, nil
}

// publishDemoForm publishes version 1 of the monitoring form unless it is.
func publishDemoForm(ctx context.Context, ind grpc.ClientConnInterface) error {
	forms := indicatorsv1.NewFormServiceClient(ind)
	got, err := forms.GetForm(ctx, &indicatorsv1.GetFormRequest{Code: demoForm, Version: 1})
	switch {
	case err == nil && got.GetForm().GetStatus() == indicatorsv1.FormStatus_FORM_STATUS_PUBLISHED:
		return nil
	case err != nil && status.Code(err) != codes.NotFound:
		return fmt.Errorf("form %s: %w", demoForm, err)
	}
	d, err := forms.DraftForm(ctx, &indicatorsv1.DraftFormRequest{Code: demoForm})
	if err != nil {
		return fmt.Errorf("form %s: draft: %w", demoForm, err)
	}
	if _, err := forms.PublishForm(ctx, &indicatorsv1.PublishFormRequest{Code: demoForm, Version: d.GetForm().GetVersion(),
		Revision: d.GetForm().GetRevision()}); err != nil {
		return fmt.Errorf("form %s: publish: %w", demoForm, err)
	}
	return nil
}

// expectedOf lists a campaign's expected organisations in name order.
func expectedOf(ctx context.Context, ind grpc.ClientConnInterface, campaign string) ([]*indicatorsv1.ExpectedOrganisation, error) {
	c := indicatorsv1.NewCampaignServiceClient(ind)
	req := &indicatorsv1.ListExpectedRequest{CampaignId: campaign, PageSize: 500}
	var out []*indicatorsv1.ExpectedOrganisation
	for {
		resp, err := c.ListExpected(ctx, req)
		if err != nil {
			return nil, err
		}
		out = append(out, resp.GetOrganisations()...)
		if resp.GetNextPageToken() == "" {
			return out, nil
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

// loadArchive imports every expected organisation's report of a past year,
// submitted in the first half of December (in 2025 a few a day or three
// late) and accepted a few days after, then closes the campaign.
func loadArchive(ctx context.Context, ind grpc.ClientConnInterface, c *indicatorsv1.Campaign, orgs []*indicatorsv1.ExpectedOrganisation, st *campaignStats) error {
	if c.GetStatus() == indicatorsv1.CampaignStatus_CAMPAIGN_STATUS_CLOSED {
		return nil
	}
	reports := indicatorsv1.NewReportServiceClient(ind)
	year := int(c.GetYear())
	for i, o := range orgs {
		if o.GetState() == indicatorsv1.ReportState_REPORT_STATE_ACCEPTED {
			continue
		}
		loc, err := time.LoadLocation(o.GetTimeZone())
		if err != nil {
			loc = time.UTC
		}
		name, y := o.GetShortName(), fmt.Sprint(year)
		day := 1 + pick(0, 14, name, y, "submitted")
		if year == 2025 && i%9 == 4 {
			day = 16 + pick(0, 2, name, y, "late")
		}
		submit := time.Date(year, 12, int(day), int(9+pick(0, 8, name, y, "hour")), int(pick(0, 59, name, y, "minute")), 0, 0, loc)
		accept := time.Date(year, 12, int(day+pick(2, 5, name, y, "review")), int(10+pick(0, 6, name, y, "review hour")),
			int(pick(0, 59, name, y, "review minute")), 0, 0, loc)
		if _, err := reports.ImportReport(ctx, &indicatorsv1.ImportReportRequest{CampaignId: c.GetId(), OrganisationId: o.GetOrganisationId(),
			Values: demoValues(name, year), SubmitTime: timestamppb.New(submit), AcceptTime: timestamppb.New(accept),
			RequestId: uuid.NewSHA1(namespace, []byte("import/"+c.GetId()+"/"+o.GetOrganisationId())).String()}); err != nil {
			return fmt.Errorf("import of %s: %w", name, err)
		}
		st.imported++
	}
	resp, err := indicatorsv1.NewCampaignServiceClient(ind).CloseCampaign(ctx, &indicatorsv1.CloseCampaignRequest{Id: c.GetId(), Version: c.GetVersion()})
	if err != nil {
		return fmt.Errorf("close: %w", err)
	}
	*c = *resp.GetCampaign()
	st.closed++
	return nil
}

// demoState is where a report of the open campaign is taken.
type demoState int

const (
	stateMissing demoState = iota
	stateDraft
	stateSubmitted
	stateReturned
	stateAccepted
)

// openPlan picks each organisation's state in the open campaign, by its
// place in name order: about a third accepted, a few submitted, returned
// and drafts, the rest missing; the demo curator's school has a draft.
func openPlan(j int) (demoState, bool) {
	switch j % 15 {
	case 0, 3, 6, 9, 12:
		return stateAccepted, true
	case 1, 7:
		return stateSubmitted, true
	case 2:
		return stateReturned, true
	case 4:
		return stateDraft, j == 4 // the first draft starts from last year
	case 10:
		return stateDraft, false
	}
	return stateMissing, false
}

// returns are the methodologist's demo returns, with remarks on fields.
var returns = []*indicatorsv1.ReturnReportRequest{
	{Comment: "Раздел «Педагоги» не сходится с данными РИС на 1 декабря: проверьте численность молодых педагогов и охват сопровождением.",
		Remarks: map[string]string{
			"young_teachers":           "По РИС молодых педагогов на двое больше: уточните по стажу на 1 декабря.",
			"young_teachers_supported": "Пересчитайте после исправления числа молодых педагогов.",
		}},
	{Comment: "Укажите реквизиты локальных актов, действующих в 2026 году.",
		Remarks: map[string]string{
			"act_roadmap":          "Дорожная карта 2023 года закончилась: приложите приказ о продлении или новую.",
			"mentoring_programmes": "Программ больше, чем утверждено положением: перечислите их в комментарии.",
		}},
	{Comment: "Формы наставничества: в форме «ученик – ученик» пар почти столько же, сколько наставляемых — проверьте, не посчитаны ли группы как пары.",
		Remarks: map[string]string{
			"mf_pupil_pupil_pairs":   "Группу считайте одной единицей.",
			"mf_pupil_pupil_mentees": "Проверьте: каждый наставляемый один раз.",
		}},
}

// loadOpen brings each report of the open campaign forward to its demo
// state through the normal calls, never back: a report already there (or
// elsewhere, changed by a demo user) is left as it is.
func loadOpen(ctx context.Context, ind grpc.ClientConnInterface, campaign string, orgs []*indicatorsv1.ExpectedOrganisation, st *campaignStats) error {
	reports := indicatorsv1.NewReportServiceClient(ind)
	j, returned := 0, 0
	for _, o := range orgs {
		want, fromPrevious := stateDraft, true
		if o.GetShortName() != demoCuratorSchool {
			want, fromPrevious = openPlan(j)
			j++
		}
		var ret *indicatorsv1.ReturnReportRequest
		if want == stateReturned {
			ret = returns[returned%len(returns)]
			returned++
		}
		if want == stateMissing {
			continue
		}
		if err := advance(ctx, reports, campaign, o, want, fromPrevious, ret, st); err != nil {
			return fmt.Errorf("report of %s: %w", o.GetShortName(), err)
		}
	}
	return nil
}

// advance takes one report of the open campaign forward to want.
func advance(ctx context.Context, reports indicatorsv1.ReportServiceClient, campaign string, o *indicatorsv1.ExpectedOrganisation, want demoState,
	fromPrevious bool, ret *indicatorsv1.ReturnReportRequest, st *campaignStats) error {
	values := demoValues(o.GetShortName(), openYear)
	var r *indicatorsv1.Report
	if o.GetReportId() == "" {
		resp, err := reports.CreateReport(ctx, &indicatorsv1.CreateReportRequest{CampaignId: campaign,
			OrganisationId: o.GetOrganisationId(), FromPreviousYear: fromPrevious})
		if err != nil {
			return fmt.Errorf("create: %w", err)
		}
		r = resp.GetReport()
		st.changes++
		if want == stateDraft {
			if fromPrevious {
				return nil
			}
			// Started from scratch: the curator has typed the first two sections.
			part := map[string]*indicatorsv1.Value{}
			for k, v := range values {
				if strings.HasPrefix(k, "teachers") || strings.HasPrefix(k, "young") || strings.HasPrefix(k, "students") {
					part[k] = v
				}
			}
			if _, err := reports.SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: r.GetId(), Version: r.GetVersion(), Values: part}); err != nil {
				return fmt.Errorf("save: %w", err)
			}
			return nil
		}
	} else {
		if want == stateDraft {
			return nil
		}
		resp, err := reports.GetReport(ctx, &indicatorsv1.GetReportRequest{Id: o.GetReportId()})
		if err != nil {
			return err
		}
		r = resp.GetReport()
	}
	if r.GetStatus() == indicatorsv1.ReportStatus_REPORT_STATUS_DRAFT {
		sv, err := reports.SaveReport(ctx, &indicatorsv1.SaveReportRequest{Id: r.GetId(), Version: r.GetVersion(), Values: values,
			Confirm: r.GetCarriedOver()})
		if err != nil {
			return fmt.Errorf("save: %w", err)
		}
		sub, err := reports.SubmitReport(ctx, &indicatorsv1.SubmitReportRequest{Id: r.GetId(), Version: sv.GetReport().GetVersion(),
			ConfirmWarnings: true})
		if err != nil {
			return fmt.Errorf("submit: %w", err)
		}
		r = sub.GetReport()
		st.changes += 2
	}
	if r.GetStatus() != indicatorsv1.ReportStatus_REPORT_STATUS_SUBMITTED {
		return nil
	}
	switch want {
	case stateAccepted:
		if _, err := reports.AcceptReport(ctx, &indicatorsv1.AcceptReportRequest{Id: r.GetId(), Version: r.GetVersion()}); err != nil {
			return fmt.Errorf("accept: %w", err)
		}
		st.changes++
	case stateReturned:
		if _, err := reports.ReturnReport(ctx, &indicatorsv1.ReturnReportRequest{Id: r.GetId(), Version: r.GetVersion(),
			Comment: ret.GetComment(), Remarks: ret.GetRemarks()}); err != nil {
			return fmt.Errorf("return: %w", err)
		}
		st.changes++
	}
	return nil
}

// pick is a number in [lo, hi] fixed by key: the demo's figures are the same
// on every load and every machine.
func pick(lo, hi int64, key ...string) int64 {
	h := fnv.New64a()
	for _, k := range key {
		_, _ = h.Write([]byte(k))
		_, _ = h.Write([]byte{0})
	}
	return lo + int64(h.Sum64()%uint64(hi-lo+1))
}

// demoValues are an organisation's plausible figures for a year
// (country.Values): the archive's first year is its first, a college is
// named as one, local acts adopted in that first year.
func demoValues(org string, year int) map[string]*indicatorsv1.Value {
	lower := strings.ToLower(org)
	college := strings.Contains(org, "ПОУ") || strings.Contains(lower, "колледж") || strings.Contains(lower, "техникум")
	return country.Values(pick, org, year, int64(year-firstArchiveYear), college, firstArchiveYear)
}
