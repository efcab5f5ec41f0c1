package server

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/russian"
	"github.com/nastavnik/nastavnik/platform/validation"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
	"github.com/nastavnik/nastavnik/services/indicators/internal/rules"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// fillers may change and submit a report; reviewers accept, return and
// reopen it.
var (
	fillers   = []identity.Role{identity.Operator, identity.Curator}
	reviewers = []identity.Role{identity.Operator, identity.Methodologist}
)

// check returns the violations of a report's values (or of values put over
// them), against last year's accepted counts.
func (s *Server) check(ctx context.Context, r domain.Report, values map[string]form.Value) ([]rules.Violation, error) {
	_, set, err := s.ruleSet(ctx, r.FormCode, r.FormVersion)
	if err != nil {
		return nil, err
	}
	prev, err := s.store.PreviousValues(ctx, r.Organisation.ID, r.Year, r.FormCode)
	if err != nil {
		return nil, err
	}
	return set.Check(values, domain.PrevCounts(prev)), nil
}

// withViolations converts a report with the violations of its values.
func (s *Server) withViolations(ctx context.Context, r domain.Report) (*indicatorsv1.Report, error) {
	vs, err := s.check(ctx, r, r.Values)
	if err != nil {
		return nil, err
	}
	return reportToProto(r, vs), nil
}

// CreateReport implements ReportService.
func (s *Server) CreateReport(ctx context.Context, req *indicatorsv1.CreateReportRequest) (*indicatorsv1.CreateReportResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.visibleCampaign(ctx, p, req.GetCampaignId())
	if err != nil {
		return nil, err
	}
	e, err := s.store.GetExpected(ctx, c.ID, req.GetOrganisationId())
	if errors.Is(err, domain.ErrNotFound) || err == nil && !p.Sees(orgLocation(e.Organisation)) {
		return nil, validation.Field("organisation_id", "not an organisation expected in this campaign")
	}
	if err != nil {
		return nil, err
	}
	if !p.Holds(orgLocation(e.Organisation), fillers...) {
		return nil, domain.ErrPermissionDenied
	}
	if c.Status == domain.CampaignClosed && len(e.Extensions) == 0 {
		return nil, domain.ErrCampaignClosed
	}
	f, err := s.store.GetForm(ctx, c.FormCode, c.FormVersion)
	if err != nil {
		return nil, err
	}
	values, carried := map[string]form.Value{}, []string{}
	if req.GetFromPreviousYear() {
		prev, err := s.store.PreviousValues(ctx, e.ID, c.Year, c.FormCode)
		if err != nil {
			return nil, err
		}
		values = domain.CarryOver(f, prev)
		for _, fl := range f.Fields() {
			if _, ok := values[fl.Code]; ok {
				carried = append(carried, fl.Code)
			}
		}
	}
	r, err := s.store.CreateReport(ctx, actor(p), c.ID, e.ID, values, carried, s.now())
	if err != nil {
		return nil, err
	}
	out, err := s.withViolations(ctx, r)
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.CreateReportResponse{Report: out}, nil
}

// GetReport implements ReportService.
func (s *Server) GetReport(ctx context.Context, req *indicatorsv1.GetReportRequest) (*indicatorsv1.GetReportResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.visibleReport(ctx, p, req.GetId())
	if err != nil {
		return nil, err
	}
	out, err := s.withViolations(ctx, r)
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.GetReportResponse{Report: out}, nil
}

// ListReports implements ReportService.
func (s *Server) ListReports(ctx context.Context, req *indicatorsv1.ListReportsRequest) (*indicatorsv1.ListReportsResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.visibleCampaign(ctx, p, req.GetCampaignId())
	if err != nil {
		return nil, err
	}
	f := store.ReportFilter{CampaignID: c.ID, Status: domain.Status(req.GetStatus()), Municipality: req.GetMunicipality(), Scope: orgScope(p)}
	var cur store.ExpectedCursor
	more, err := pagination.Decode(req.GetPageToken(), f, &cur)
	if err != nil {
		return nil, badToken(err)
	}
	var after *store.ExpectedCursor
	if more {
		after = &cur
	}
	size := pagination.Size(req.GetPageSize())
	list, total, err := s.store.ListReports(ctx, f, after, size+1)
	if err != nil {
		return nil, err
	}
	resp := &indicatorsv1.ListReportsResponse{TotalSize: int32(total)}
	list, resp.NextPageToken, err = pagination.Trim(list, size, f, func(r domain.Report) any {
		return store.ExpectedCursor{SortKey: russian.SortKey(r.Organisation.ShortName), ID: r.Organisation.ID}
	})
	if err != nil {
		return nil, err
	}
	for _, r := range list {
		resp.Reports = append(resp.Reports, reportToProto(r, nil))
	}
	return resp, nil
}

// writable reads a report the caller may act on with one of roles.
func (s *Server) writable(ctx context.Context, p identity.Principal, id string, roles []identity.Role) (domain.Report, error) {
	r, err := s.visibleReport(ctx, p, id)
	if err != nil {
		return domain.Report{}, err
	}
	if !p.Holds(orgLocation(r.Organisation), roles...) {
		return domain.Report{}, domain.ErrPermissionDenied
	}
	return r, nil
}

// stale answers a write based on an old version with the current report
// (values and version), which the error table puts in the status details.
func (s *Server) stale(ctx context.Context, id string, based int64) error {
	r, err := s.store.GetReport(ctx, id)
	if err != nil {
		return err
	}
	return &domain.StaleReport{Based: based, Current: r}
}

// update runs a mutation and answers a stale version with the current report.
func (s *Server) update(ctx context.Context, p identity.Principal, id string, based int64, fn store.Mutation) (*indicatorsv1.Report, error) {
	r, err := s.store.UpdateReport(ctx, actor(p), id, s.now(), fn)
	if errors.Is(err, domain.ErrStale) {
		return nil, s.stale(ctx, id, based)
	}
	if err != nil {
		return nil, err
	}
	out, err := s.withViolations(ctx, r)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// editable reports whether the organisation may still change its report.
func editable(r *domain.Report, extended bool) error {
	if r.CampaignStatus == domain.CampaignClosed && !extended {
		return domain.ErrCampaignClosed
	}
	return nil
}

// statusEvent is the event of a status change.
func statusEvent(from, to domain.Status, comment string) domain.Event {
	return domain.Event{Kind: "status", OldValue: from.String(), NewValue: to.String(), Comment: comment}
}

// SaveReport implements ReportService.
func (s *Server) SaveReport(ctx context.Context, req *indicatorsv1.SaveReportRequest) (*indicatorsv1.SaveReportResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.writable(ctx, p, req.GetId(), fillers)
	if err != nil {
		return nil, err
	}
	f, err := s.store.GetForm(ctx, r.FormCode, r.FormVersion)
	if err != nil {
		return nil, err
	}
	change, err := valuesFromProto(f, req.GetValues(), true)
	ve := &validation.Error{}
	ve.Merge("", asValidation(err))
	for i, c := range req.GetConfirm() {
		if _, ok := f.Field(c); !ok {
			ve.Add(fmt.Sprintf("confirm[%d]", i), "no such field in the form")
		}
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	change.Confirm = req.GetConfirm()
	out, err := s.update(ctx, p, r.ID, req.GetVersion(), func(r *domain.Report, extended bool) ([]domain.Event, error) {
		values, carried, events := r.Apply(change)
		if len(events) == 0 {
			return nil, nil // nothing changes: a repeated save is a no-op
		}
		if r.Version != req.GetVersion() {
			return nil, domain.ErrStale
		}
		switch r.Status {
		case domain.Submitted, domain.Accepted:
			return nil, stateErr{fmt.Sprintf("the report is %s: it cannot change until it is returned or reopened", r.Status)}
		}
		if err := editable(r, extended); err != nil {
			return nil, err
		}
		if r.Status == domain.Returned {
			events = append(events, statusEvent(r.Status, domain.Draft, ""))
			r.Status = domain.Draft
		}
		r.Values, r.CarriedOver = values, carried
		return events, nil
	})
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.SaveReportResponse{Report: out}, nil
}

// CheckReport implements ReportService.
func (s *Server) CheckReport(ctx context.Context, req *indicatorsv1.CheckReportRequest) (*indicatorsv1.CheckReportResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.visibleReport(ctx, p, req.GetId())
	if err != nil {
		return nil, err
	}
	f, err := s.store.GetForm(ctx, r.FormCode, r.FormVersion)
	if err != nil {
		return nil, err
	}
	change, err := valuesFromProto(f, req.GetValues(), false)
	if err != nil {
		return nil, err
	}
	values, _, _ := r.Apply(change)
	vs, err := s.check(ctx, r, values)
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.CheckReportResponse{Violations: violationsToProto(vs)}, nil
}

// blocking turns the violations that block a submission into field errors:
// one per field of every violated error rule (and, without confirmation,
// of every warning), named values[<code>], with the rule's message.
func blocking(vs []rules.Violation, confirmed bool) error {
	ve := &validation.Error{}
	warned := false
	for _, v := range vs {
		if v.Severity == form.Warning {
			if confirmed {
				continue
			}
			warned = true
		}
		for _, f := range v.Fields {
			ve.Add(fmt.Sprintf("values[%s]", f), v.Message)
		}
	}
	if warned && !slices.ContainsFunc(vs, func(v rules.Violation) bool { return v.Severity == form.Error }) {
		ve.Add("confirm_warnings", "the report has warnings: check them and submit with confirm_warnings")
	}
	return ve.Err()
}

// SubmitReport implements ReportService.
func (s *Server) SubmitReport(ctx context.Context, req *indicatorsv1.SubmitReportRequest) (*indicatorsv1.SubmitReportResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.writable(ctx, p, req.GetId(), fillers)
	if err != nil {
		return nil, err
	}
	_, set, err := s.ruleSet(ctx, r.FormCode, r.FormVersion)
	if err != nil {
		return nil, err
	}
	prev, err := s.store.PreviousValues(ctx, r.Organisation.ID, r.Year, r.FormCode)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out, err := s.update(ctx, p, r.ID, req.GetVersion(), func(r *domain.Report, extended bool) ([]domain.Event, error) {
		if r.Version != req.GetVersion() {
			return nil, domain.ErrStale
		}
		if !domain.Transition(r.Status, domain.Submitted) {
			return nil, stateErr{fmt.Sprintf("the report is %s: only a draft or a returned report can be submitted", r.Status)}
		}
		if err := editable(r, extended); err != nil {
			return nil, err
		}
		if err := blocking(set.Check(r.Values, domain.PrevCounts(prev)), req.GetConfirmWarnings()); err != nil {
			return nil, err
		}
		late, err := domain.Late(now, r.Deadline, r.Organisation.TimeZone)
		if err != nil {
			return nil, err
		}
		ev := statusEvent(r.Status, domain.Submitted, "")
		ev.Late = late
		r.Status, r.Late, r.SubmitTime = domain.Submitted, late, now
		return []domain.Event{ev}, nil
	})
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.SubmitReportResponse{Report: out}, nil
}

// review runs a reviewer's status change.
func (s *Server) review(ctx context.Context, id string, version int64, to domain.Status, comment string,
	apply func(r *domain.Report) error) (*indicatorsv1.Report, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.writable(ctx, p, id, reviewers); err != nil {
		return nil, err
	}
	return s.update(ctx, p, id, version, func(r *domain.Report, _ bool) ([]domain.Event, error) {
		if r.Version != version {
			return nil, domain.ErrStale
		}
		if !domain.Transition(r.Status, to) {
			return nil, stateErr{fmt.Sprintf("the report is %s: it cannot become %s", r.Status, to)}
		}
		if err := apply(r); err != nil {
			return nil, err
		}
		ev := statusEvent(r.Status, to, comment)
		r.Status = to
		return []domain.Event{ev}, nil
	})
}

// AcceptReport implements ReportService.
func (s *Server) AcceptReport(ctx context.Context, req *indicatorsv1.AcceptReportRequest) (*indicatorsv1.AcceptReportResponse, error) {
	out, err := s.review(ctx, req.GetId(), req.GetVersion(), domain.Accepted, "", func(r *domain.Report) error {
		r.ReturnComment, r.Remarks = "", map[string]string{}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.AcceptReportResponse{Report: out}, nil
}

// ReturnReport implements ReportService.
func (s *Server) ReturnReport(ctx context.Context, req *indicatorsv1.ReturnReportRequest) (*indicatorsv1.ReturnReportResponse, error) {
	out, err := s.review(ctx, req.GetId(), req.GetVersion(), domain.Returned, req.GetComment(), func(r *domain.Report) error {
		f, err := s.store.GetForm(ctx, r.FormCode, r.FormVersion)
		if err != nil {
			return err
		}
		ve := &validation.Error{}
		for k := range req.GetRemarks() {
			if _, ok := f.Field(k); !ok {
				ve.Add(fmt.Sprintf("remarks[%s]", k), "no such field in the form")
			}
		}
		if err := ve.Err(); err != nil {
			return err
		}
		r.ReturnComment, r.Remarks = req.GetComment(), req.GetRemarks()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.ReturnReportResponse{Report: out}, nil
}

// ReopenReport implements ReportService.
func (s *Server) ReopenReport(ctx context.Context, req *indicatorsv1.ReopenReportRequest) (*indicatorsv1.ReopenReportResponse, error) {
	out, err := s.review(ctx, req.GetId(), req.GetVersion(), domain.Draft, req.GetReason(), func(r *domain.Report) error {
		if r.Status != domain.Accepted {
			return stateErr{"only an accepted report can be reopened"}
		}
		r.ReopenReason, r.Late = req.GetReason(), false
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.ReopenReportResponse{Report: out}, nil
}

// ListReportHistory implements ReportService.
func (s *Server) ListReportHistory(ctx context.Context, req *indicatorsv1.ListReportHistoryRequest) (*indicatorsv1.ListReportHistoryResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.visibleReport(ctx, p, req.GetId())
	if err != nil {
		return nil, err
	}
	filter := r.ID
	var cur store.HistoryCursor
	more, err := pagination.Decode(req.GetPageToken(), filter, &cur)
	if err != nil {
		return nil, badToken(err)
	}
	var after *store.HistoryCursor
	if more {
		after = &cur
	}
	size := pagination.Size(req.GetPageSize())
	list, total, err := s.store.History(ctx, r.ID, after, size+1)
	if err != nil {
		return nil, err
	}
	resp := &indicatorsv1.ListReportHistoryResponse{TotalSize: int32(total)}
	list, resp.NextPageToken, err = pagination.Trim(list, size, filter, func(e store.HistoryEvent) any {
		return store.HistoryCursor{ID: e.ID}
	})
	if err != nil {
		return nil, err
	}
	for _, e := range list {
		resp.Events = append(resp.Events, &indicatorsv1.ReportEvent{Time: ts(e.Time), AccountId: e.Actor.AccountID, Login: e.Actor.Login,
			Kind: e.Kind, Field: e.Field, OldValue: e.OldValue, NewValue: e.NewValue, Comment: e.Comment, Version: e.Version})
	}
	return resp, nil
}
