package server

import (
	"context"
	"errors"
	"fmt"

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

// rulebook is what the checks of a report's values need: its form with the
// compiled rules, and last year's accepted values. A call reads it once and
// uses it before and after its write: neither changes with the report.
type rulebook struct {
	form  form.Form
	rules *rules.Set
	prev  map[string]form.Value // nil: no accepted report last year
}

// rulebook reads the rulebook of the reports of an organisation in a
// campaign of year with a form version.
func (s *Server) rulebook(ctx context.Context, formCode string, formVersion int, orgID string, year int) (rulebook, error) {
	f, set, err := s.ruleSet(ctx, formCode, formVersion)
	if err != nil {
		return rulebook{}, err
	}
	prev, err := s.store.PreviousValues(ctx, orgID, year, formCode)
	if err != nil {
		return rulebook{}, err
	}
	return rulebook{form: f, rules: set, prev: prev}, nil
}

// check returns the violations of values against the rules and last year's
// accepted counts.
func (b rulebook) check(values map[string]form.Value) []rules.Violation {
	return b.rules.Check(values, domain.PrevCounts(b.prev))
}

// withViolations converts a report with the violations of its values.
func (b rulebook) withViolations(r domain.Report) *indicatorsv1.Report {
	return reportToProto(r, b.check(r.Values))
}

// written converts a report a write left with the violations of its values,
// leaving the values out of the BASIC view. The check starts from this
// replica's last check of the report (rules.Recheck): a save of one count
// evaluates again only the rules that read it.
func (s *Server) written(b rulebook, r domain.Report, view indicatorsv1.ReportView) *indicatorsv1.Report {
	last, _ := s.checks.Get(r.ID)
	c := b.rules.Recheck(last, r.Values, domain.PrevCounts(b.prev))
	s.checks.Put(r.ID, c)
	if view == indicatorsv1.ReportView_REPORT_VIEW_BASIC {
		r.Values = nil
	}
	return reportToProto(r, c.Violations)
}

// loaded is a report as the caller may see it with its rulebook, each read
// once per call.
type loaded struct {
	report domain.Report
	rulebook
}

// load reads a report the caller Sees and, when roles are given, may act on
// with one of them, with its rulebook.
func (s *Server) load(ctx context.Context, p identity.Principal, id string, roles ...identity.Role) (loaded, error) {
	r, err := s.visibleReport(ctx, p, id)
	if err != nil {
		return loaded{}, err
	}
	if len(roles) > 0 && !p.Holds(orgLocation(r.Organisation), roles...) {
		return loaded{}, domain.ErrPermissionDenied
	}
	b, err := s.rulebook(ctx, r.FormCode, r.FormVersion, r.Organisation.ID, r.Year)
	if err != nil {
		return loaded{}, err
	}
	return loaded{report: r, rulebook: b}, nil
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
		return nil, validation.Field("organisation_id", validation.New("not_expected"))
	}
	if err != nil {
		return nil, err
	}
	if !p.Holds(orgLocation(e.Organisation), fillers...) {
		return nil, domain.ErrPermissionDenied
	}
	if err := e.Start(c); err != nil {
		return nil, err
	}
	b, err := s.rulebook(ctx, c.FormCode, c.FormVersion, e.ID, c.Year)
	if err != nil {
		return nil, err
	}
	values, carried := map[string]form.Value{}, []string{}
	if req.GetFromPreviousYear() {
		values = domain.CarryOver(b.form, b.prev)
		for _, fl := range b.form.Fields() {
			if _, ok := values[fl.Code]; ok {
				carried = append(carried, fl.Code)
			}
		}
	}
	r, err := s.store.CreateReport(ctx, actor(p), c.ID, e.ID, values, carried, s.now())
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.CreateReportResponse{Report: b.withViolations(r)}, nil
}

// GetReport implements ReportService.
func (s *Server) GetReport(ctx context.Context, req *indicatorsv1.GetReportRequest) (*indicatorsv1.GetReportResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	l, err := s.load(ctx, p, req.GetId())
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.GetReportResponse{Report: l.withViolations(l.report)}, nil
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
	f := store.ReportFilter{CampaignID: c.ID, Status: domain.Status(req.GetStatus()), Municipality: req.GetMunicipality(), Reach: p.Reach()}
	after, err := pagination.After[store.ExpectedCursor](req.GetPageToken(), f)
	if err != nil {
		return nil, err
	}
	size := pagination.Size(req.GetPageSize())
	list, total, err := s.store.ListReports(ctx, f, after, size+1, req.GetView() == indicatorsv1.ReportView_REPORT_VIEW_BASIC)
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

// stale answers a write based on an old version with the current report
// (values and version), which the error table puts in the status details.
func (s *Server) stale(ctx context.Context, id string, based int64) error {
	r, err := s.store.GetReport(ctx, id)
	if err != nil {
		return err
	}
	return &domain.StaleReport{Based: based, Current: r}
}

// write changes a report the caller may act on with one of roles. The report
// is read once, under lock, in the write's transaction; its rulebook comes
// from memory (published forms) and last year's values through the same
// transaction. apply builds the change from what was read; a stale version
// answers with the current report. The written report is answered in view.
func (s *Server) write(ctx context.Context, p identity.Principal, id string, based int64, roles []identity.Role,
	view indicatorsv1.ReportView, apply func(l loaded) store.Mutation) (*indicatorsv1.Report, error) {
	if !isUUID(id) {
		return nil, domain.ErrNotFound
	}
	var l loaded
	prepare := func(ctx context.Context, r domain.Report, reads store.Reads) (form.Form, error) {
		if !p.Sees(orgLocation(r.Organisation)) {
			return form.Form{}, domain.ErrNotFound
		}
		if !p.Holds(orgLocation(r.Organisation), roles...) {
			return form.Form{}, domain.ErrPermissionDenied
		}
		f, set, err := s.ruleSetFrom(ctx, r.FormCode, r.FormVersion, reads.Form)
		if err != nil {
			return form.Form{}, err
		}
		prev, err := reads.PreviousValues(ctx, r.Organisation.ID, r.Year, r.FormCode)
		if err != nil {
			return form.Form{}, err
		}
		l = loaded{report: r, rulebook: rulebook{form: f, rules: set, prev: prev}}
		return f, nil
	}
	r, err := s.store.UpdateReport(ctx, actor(p), id, s.now(), prepare, func(r *domain.Report, extended bool) ([]domain.Event, error) {
		return apply(l)(r, extended)
	})
	if errors.Is(err, domain.ErrStale) {
		return nil, s.stale(ctx, id, based)
	}
	if err != nil {
		return nil, err
	}
	return s.written(l.rulebook, r, view), nil
}

// SaveReport implements ReportService.
func (s *Server) SaveReport(ctx context.Context, req *indicatorsv1.SaveReportRequest) (*indicatorsv1.SaveReportResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	out, err := s.write(ctx, p, req.GetId(), req.GetVersion(), fillers, req.GetView(), func(l loaded) store.Mutation {
		return func(r *domain.Report, extended bool) ([]domain.Event, error) {
			change, err := valuesFromProto(l.form, req.GetValues(), true)
			ve := &validation.Error{}
			ve.Merge("", asValidation(err))
			for i, c := range req.GetConfirm() {
				if _, ok := l.form.Field(c); !ok {
					ve.Add(fmt.Sprintf("confirm[%d]", i), validation.New("unknown_field").With("value", c))
				}
			}
			if err := ve.Err(); err != nil {
				return nil, err
			}
			change.Confirm = req.GetConfirm()
			return r.Save(change, domain.Step{Based: req.GetVersion(), Extended: extended})
		}
	})
	if err != nil {
		return nil, err
	}
	s.metrics.reportSaved()
	return &indicatorsv1.SaveReportResponse{Report: out}, nil
}

// CheckReport implements ReportService.
func (s *Server) CheckReport(ctx context.Context, req *indicatorsv1.CheckReportRequest) (*indicatorsv1.CheckReportResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	l, err := s.load(ctx, p, req.GetId())
	if err != nil {
		return nil, err
	}
	change, err := valuesFromProto(l.form, req.GetValues(), false)
	if err != nil {
		return nil, err
	}
	values, _, _ := l.report.Apply(change)
	return &indicatorsv1.CheckReportResponse{Violations: violationsToProto(l.check(values))}, nil
}

// SubmitReport implements ReportService.
func (s *Server) SubmitReport(ctx context.Context, req *indicatorsv1.SubmitReportRequest) (*indicatorsv1.SubmitReportResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out, err := s.write(ctx, p, req.GetId(), req.GetVersion(), fillers, indicatorsv1.ReportView_REPORT_VIEW_FULL, func(l loaded) store.Mutation {
		return func(r *domain.Report, extended bool) ([]domain.Event, error) {
			return r.Submit(domain.Step{Based: req.GetVersion(), At: now, Extended: extended}, l.check, req.GetConfirmWarnings())
		}
	})
	if err != nil {
		return nil, err
	}
	s.metrics.reportSubmitted()
	return &indicatorsv1.SubmitReportResponse{Report: out}, nil
}

// review runs a reviewer's step of a report's life.
func (s *Server) review(ctx context.Context, id string, based int64,
	step func(r *domain.Report, l loaded, st domain.Step) ([]domain.Event, error)) (*indicatorsv1.Report, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.write(ctx, p, id, based, reviewers, indicatorsv1.ReportView_REPORT_VIEW_FULL, func(l loaded) store.Mutation {
		return func(r *domain.Report, _ bool) ([]domain.Event, error) {
			return step(r, l, domain.Step{Based: based})
		}
	})
}

// AcceptReport implements ReportService.
func (s *Server) AcceptReport(ctx context.Context, req *indicatorsv1.AcceptReportRequest) (*indicatorsv1.AcceptReportResponse, error) {
	out, err := s.review(ctx, req.GetId(), req.GetVersion(), func(r *domain.Report, _ loaded, st domain.Step) ([]domain.Event, error) {
		return r.Accept(st)
	})
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.AcceptReportResponse{Report: out}, nil
}

// ReturnReport implements ReportService.
func (s *Server) ReturnReport(ctx context.Context, req *indicatorsv1.ReturnReportRequest) (*indicatorsv1.ReturnReportResponse, error) {
	out, err := s.review(ctx, req.GetId(), req.GetVersion(), func(r *domain.Report, l loaded, st domain.Step) ([]domain.Event, error) {
		return r.Return(st, req.GetComment(), req.GetRemarks(), l.form)
	})
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.ReturnReportResponse{Report: out}, nil
}

// ReopenReport implements ReportService.
func (s *Server) ReopenReport(ctx context.Context, req *indicatorsv1.ReopenReportRequest) (*indicatorsv1.ReopenReportResponse, error) {
	out, err := s.review(ctx, req.GetId(), req.GetVersion(), func(r *domain.Report, _ loaded, st domain.Step) ([]domain.Event, error) {
		return r.Reopen(st, req.GetReason())
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
	after, err := pagination.After[store.HistoryCursor](req.GetPageToken(), filter)
	if err != nil {
		return nil, err
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
