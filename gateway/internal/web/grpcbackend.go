package web

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/gateway/internal/inbox"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	notifyv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/notify/v1"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
)

// grpcBackend implements the backend interfaces over the services. Every call
// runs as the signed-in person (the context carries their identity), so the
// services answer within their scope.
type grpcBackend struct {
	campaigns  indicatorsv1.CampaignServiceClient
	reports    indicatorsv1.ReportServiceClient
	forms      indicatorsv1.FormServiceClient
	aggregates indicatorsv1.AggregateServiceClient
	roadmaps   roadmapv1.RoadmapServiceClient
	// organisations names the schools of the roadmap pages.
	organisations registryv1.OrganisationServiceClient
	// municipalities names the municipalities of the regional pages,
	// regions the regions of the country's.
	municipalities registryv1.MunicipalityServiceClient
	regions        registryv1.RegionServiceClient
	// accounts and audit serve the methodologist's administration pages.
	accounts registryv1.AccountServiceClient
	audit    registryv1.AuditServiceClient
	// notifications are the person's own, merged from every service that
	// sends them.
	notifications notifyv1.NotificationServiceClient
}

// Backend is every page area's backend.
type Backend interface {
	CuratorBackend
	RoadmapBackend
}

// NewBackend returns the backend over the indicators, roadmap and registry
// services. The writes of a form carrying an idempotency key send it on
// (keyedConn).
func NewBackend(indicators, roadmap, registry grpc.ClientConnInterface) Backend {
	indicators, roadmap, registry = keyedConn{indicators}, keyedConn{roadmap}, keyedConn{registry}
	return &grpcBackend{
		campaigns:      indicatorsv1.NewCampaignServiceClient(indicators),
		reports:        indicatorsv1.NewReportServiceClient(indicators),
		forms:          indicatorsv1.NewFormServiceClient(indicators),
		aggregates:     indicatorsv1.NewAggregateServiceClient(indicators),
		roadmaps:       roadmapv1.NewRoadmapServiceClient(roadmap),
		organisations:  registryv1.NewOrganisationServiceClient(registry),
		municipalities: registryv1.NewMunicipalityServiceClient(registry),
		regions:        registryv1.NewRegionServiceClient(registry),
		accounts:       registryv1.NewAccountServiceClient(registry),
		audit:          registryv1.NewAuditServiceClient(registry),
		notifications:  inbox.New(inbox.Source{Name: "indicators", Conn: indicators}, inbox.Source{Name: "roadmap", Conn: roadmap}),
	}
}

var _ CuratorBackend = (*grpcBackend)(nil)

const overdueShown = 10

// ruleRequired is the code of the violation "a required field is empty".
const ruleRequired = "required"

func (b *grpcBackend) Home(ctx context.Context, orgIDs []string) (CuratorHome, error) {
	var home CuratorHome
	cs, err := b.campaigns.ListCampaigns(ctx, &indicatorsv1.ListCampaignsRequest{
		Status: indicatorsv1.CampaignStatus_CAMPAIGN_STATUS_OPEN, PageSize: 50})
	if err != nil {
		return home, err
	}
	for _, c := range cs.GetCampaigns() {
		ex, err := b.campaigns.ListExpected(ctx, &indicatorsv1.ListExpectedRequest{CampaignId: c.GetId(), PageSize: 50})
		if err != nil {
			return home, err
		}
		for _, o := range ex.GetOrganisations() {
			if !slices.Contains(orgIDs, o.GetOrganisationId()) || o.GetDroppedOn() != "" {
				continue
			}
			day, _ := time.Parse(time.DateOnly, o.GetDeadline())
			home.Campaigns = append(home.Campaigns, CampaignCard{
				CampaignID: c.GetId(), Name: c.GetName(), Year: int(c.GetYear()),
				OrgID: o.GetOrganisationId(), OrgName: o.GetShortName(),
				Deadline: o.GetDeadlineTime().AsTime(), DeadlineDay: day, TimeZone: o.GetTimeZone(),
				State: expectedState(o), Late: o.GetLate(), ReportID: o.GetReportId(),
			})
		}
	}
	for _, org := range orgIDs {
		od, err := b.roadmaps.ListOverdue(ctx, &roadmapv1.ListOverdueRequest{OrganisationId: org, PageSize: overdueShown})
		if err != nil {
			return home, err
		}
		home.OverdueTotal += int(od.GetTotalSize())
		for _, o := range od.GetOccurrences() {
			due, _ := time.Parse(time.DateOnly, o.GetDue())
			home.Overdue = append(home.Overdue, OverdueItem{Number: o.GetItemNumber(), Measure: o.GetMeasure(),
				Responsible: o.GetResponsible(), Due: due, DaysOverdue: int(o.GetDaysOverdue())})
		}
	}
	return home, nil
}

func expectedState(o *indicatorsv1.ExpectedOrganisation) ReportState {
	switch o.GetState() {
	case indicatorsv1.ReportState_REPORT_STATE_SUBMITTED:
		return StateSubmitted
	case indicatorsv1.ReportState_REPORT_STATE_RETURNED:
		return StateReturned
	case indicatorsv1.ReportState_REPORT_STATE_ACCEPTED:
		return StateAccepted
	}
	if o.GetReportId() != "" {
		return StateDraft
	}
	return StateMissing
}

func (b *grpcBackend) Report(ctx context.Context, id string) (ReportView, error) {
	resp, err := b.reports.GetReport(ctx, &indicatorsv1.GetReportRequest{Id: id})
	if err != nil {
		return ReportView{}, err
	}
	return b.view(ctx, resp.GetReport())
}

// view joins a report with its form version and campaign.
func (b *grpcBackend) view(ctx context.Context, r *indicatorsv1.Report) (ReportView, error) {
	f, err := b.forms.GetForm(ctx, &indicatorsv1.GetFormRequest{Code: r.GetFormCode(), Version: r.GetFormVersion()})
	if err != nil {
		return ReportView{}, err
	}
	c, err := b.campaigns.GetCampaign(ctx, &indicatorsv1.GetCampaignRequest{Id: r.GetCampaignId()})
	if err != nil {
		return ReportView{}, err
	}
	return reportView(r, f.GetForm(), c.GetCampaign().GetName()), nil
}

func reportView(r *indicatorsv1.Report, f *indicatorsv1.Form, campaign string) ReportView {
	v := ReportView{ID: r.GetId(), CampaignName: campaign, OrgName: r.GetOrganisationName(), Version: r.GetVersion(),
		FormCode: r.GetFormCode(), FormVersion: r.GetFormVersion(),
		Status: ReportStatus(r.GetStatus()), Deadline: r.GetDeadlineTime().AsTime(), TimeZone: r.GetTimeZone(),
		Late: r.GetLate(), ReturnComment: r.GetReturnComment(), ReopenReason: r.GetReopenReason()}
	if r.GetSubmitTime() != nil {
		v.SubmitTime = r.GetSubmitTime().AsTime()
	}
	errs, warns := map[string][]string{}, map[string][]string{}
	for _, x := range r.GetViolations() {
		warn := x.GetSeverity() == indicatorsv1.Severity_SEVERITY_WARNING
		v.Violations = append(v.Violations, ViolationView{Rule: x.GetRule(), Message: x.GetMessage(), Warning: warn, Fields: x.GetFields()})
		for _, fc := range x.GetFields() {
			if x.GetRule() == ruleRequired {
				continue // an empty field is shown as such, not as an error, until submit
			}
			if warn {
				warns[fc] = append(warns[fc], x.GetMessage())
			} else {
				errs[fc] = append(errs[fc], x.GetMessage())
			}
		}
	}
	slices.SortStableFunc(v.Violations, func(a, b ViolationView) int {
		switch {
		case a.Warning == b.Warning:
			return 0
		case b.Warning:
			return -1
		}
		return 1
	})
	for _, s := range f.GetSections() {
		sv := SectionView{Title: s.GetTitle()}
		for _, fd := range s.GetFields() {
			fv := FieldView{Code: fd.GetCode(), Label: fd.GetLabel(), Help: fd.GetHelp(), Type: FieldType(fd.GetType()),
				Required: fd.GetRequired(), Min: fd.GetMin(), Max: fd.GetMax(),
				CarriedOver: slices.Contains(r.GetCarriedOver(), fd.GetCode()), Remark: r.GetRemarks()[fd.GetCode()],
				Errors: errs[fd.GetCode()], Warnings: warns[fd.GetCode()]}
			if val, ok := r.GetValues()[fd.GetCode()]; ok {
				fv.Set = true
				switch k := val.GetKind().(type) {
				case *indicatorsv1.Value_Count:
					fv.Value = strconv.FormatInt(k.Count, 10)
				case *indicatorsv1.Value_Text:
					fv.Value = k.Text
				case *indicatorsv1.Value_YesNo:
					fv.Yes = k.YesNo.GetYes()
					fv.RefNumber, fv.RefDate, fv.RefLink = k.YesNo.GetReference().GetNumber(), k.YesNo.GetReference().GetDate(), k.YesNo.GetReference().GetLink()
				}
			}
			sv.Fields = append(sv.Fields, fv)
		}
		v.Sections = append(v.Sections, sv)
	}
	return v
}

func (b *grpcBackend) StartReport(ctx context.Context, campaignID, orgID string, fromPreviousYear bool) (string, error) {
	resp, err := b.reports.CreateReport(ctx, &indicatorsv1.CreateReportRequest{CampaignId: campaignID, OrganisationId: orgID,
		FromPreviousYear: fromPreviousYear})
	if err != nil {
		return "", err
	}
	return resp.GetReport().GetId(), nil
}

func (b *grpcBackend) SaveReport(ctx context.Context, id string, version int64, values map[string]FieldInput, confirm []string) error {
	// The page redirects to the report after a save: the answer's values,
	// form and campaign would go unused.
	req := &indicatorsv1.SaveReportRequest{Id: id, Version: version, Values: map[string]*indicatorsv1.Value{}, Confirm: confirm,
		View: indicatorsv1.ReportView_REPORT_VIEW_BASIC}
	for code, in := range values {
		req.Values[code] = protoValue(in)
	}
	if _, err := b.reports.SaveReport(ctx, req); err != nil {
		return b.writeErr(ctx, err)
	}
	return nil
}

func (b *grpcBackend) SubmitReport(ctx context.Context, id string, version int64, confirmWarnings bool) (ReportView, error) {
	resp, err := b.reports.SubmitReport(ctx, &indicatorsv1.SubmitReportRequest{Id: id, Version: version, ConfirmWarnings: confirmWarnings})
	if err != nil {
		return ReportView{}, b.writeErr(ctx, err)
	}
	return b.view(ctx, resp.GetReport())
}

// writeErr turns a stale write into a ConflictError with the current report.
func (b *grpcBackend) writeErr(ctx context.Context, err error) error {
	st := status.Convert(err)
	if st.Code() != codes.Aborted {
		return err
	}
	for _, d := range st.Details() {
		if r, ok := d.(*indicatorsv1.Report); ok {
			cur, verr := b.view(ctx, r)
			if verr != nil {
				return errors.Join(err, verr)
			}
			return &ConflictError{Current: cur}
		}
	}
	return err
}

func protoValue(in FieldInput) *indicatorsv1.Value {
	switch {
	case in.Clear:
		return &indicatorsv1.Value{Kind: &indicatorsv1.Value_Clear{Clear: true}}
	case in.Type == FieldCount:
		return &indicatorsv1.Value{Kind: &indicatorsv1.Value_Count{Count: in.Count}}
	case in.Type == FieldYesNo:
		return &indicatorsv1.Value{Kind: &indicatorsv1.Value_YesNo{YesNo: &indicatorsv1.YesNo{Yes: in.Yes,
			Reference: &indicatorsv1.Reference{Number: in.RefNumber, Date: in.RefDate, Link: in.RefLink}}}}
	}
	return &indicatorsv1.Value{Kind: &indicatorsv1.Value_Text{Text: in.Text}}
}

func (b *grpcBackend) History(ctx context.Context, id, pageToken string) (HistoryPage, error) {
	resp, err := b.reports.ListReportHistory(ctx, &indicatorsv1.ListReportHistoryRequest{Id: id, PageSize: 100, PageToken: pageToken})
	if err != nil {
		return HistoryPage{}, err
	}
	out := HistoryPage{NextPageToken: resp.GetNextPageToken(), Total: int(resp.GetTotalSize())}
	for _, e := range resp.GetEvents() {
		out.Events = append(out.Events, HistoryEvent{Time: e.GetTime().AsTime(), Login: e.GetLogin(), Kind: e.GetKind(),
			Field: e.GetField(), OldValue: e.GetOldValue(), NewValue: e.GetNewValue(), Comment: e.GetComment()})
	}
	return out, nil
}
