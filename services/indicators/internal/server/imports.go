package server

import (
	"context"
	"errors"
	"time"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/validation"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// importComment marks every change an import makes in a report's history.
const importComment = "загружено из архива"

// importNote is the comment of an import's changes; it names the request, so
// that a retry finds what the first call did.
func importNote(requestID string) string {
	if requestID == "" {
		return importComment
	}
	return importComment + " (запрос " + requestID + ")"
}

// importTimes checks the archive's times: submitted not before the campaign
// opened in the organisation's zone, accepted not before submitted, neither
// in the future.
func (s *Server) importTimes(req *indicatorsv1.ImportReportRequest, c domain.Campaign, e domain.Expected) (submit, accept time.Time, err error) {
	ve := &validation.Error{}
	now := s.now()
	if err := req.GetSubmitTime().CheckValid(); err != nil {
		ve.Add("submit_time", validation.New("submit_time_required"))
	} else {
		submit = req.GetSubmitTime().AsTime().Truncate(time.Microsecond) // as the database keeps it
		opened, err := domain.DeadlineEnd(c.OpenedOn.AddDate(0, 0, -1), e.TimeZone)
		if err != nil {
			return submit, accept, err
		}
		switch {
		case submit.Before(opened):
			ve.Add("submit_time", validation.New("submitted_before_opening").With("opened", c.OpenedOn).With("zone", e.TimeZone))
		case submit.After(now):
			ve.Add("submit_time", validation.InFuture())
		}
	}
	if req.GetAcceptTime() != nil {
		if err := req.GetAcceptTime().CheckValid(); err != nil {
			ve.Add("accept_time", validation.New("time_format"))
		} else {
			accept = req.GetAcceptTime().AsTime().Truncate(time.Microsecond)
			switch {
			case !submit.IsZero() && accept.Before(submit):
				ve.Add("accept_time", validation.New("accepted_before_submitted"))
			case accept.After(now):
				ve.Add("accept_time", validation.InFuture())
			}
		}
	}
	return submit, accept, ve.Err()
}

// ImportReport implements ReportService. It runs the report's life through
// the same store paths as the curator's and the methodologist's calls, each
// step at the archive's time and each a no-op when already done, so that a
// retry after a failure finishes the job and a repeated call changes nothing.
func (s *Server) ImportReport(ctx context.Context, req *indicatorsv1.ImportReportRequest) (*indicatorsv1.ImportReportResponse, error) {
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
	if !mayImportArchive(p) {
		return nil, domain.ErrPermissionDenied
	}
	b, err := s.rulebook(ctx, c.FormCode, c.FormVersion, e.ID, c.Year)
	if err != nil {
		return nil, err
	}
	change, err := valuesFromProto(b.form, req.GetValues(), false)
	ve := &validation.Error{}
	ve.Merge("", asValidation(err))
	submit, accept, err := s.importTimes(req, c, e)
	if tv := asValidation(err); tv != nil {
		ve.Merge("", tv)
	} else if err != nil {
		return nil, err
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	target, note := domain.Submitted, importNote(req.GetRequestId())
	if !accept.IsZero() {
		target = domain.Accepted
	}

	// A retry, or the report already there with these values: nothing changes.
	var r domain.Report
	id, err := s.store.ReportOf(ctx, c.ID, e.ID)
	switch {
	case err == nil:
		if r, err = s.store.GetReport(ctx, id); err != nil {
			return nil, err
		}
		done, err := s.importDone(ctx, r, change, target, note, req.GetRequestId() != "")
		if err != nil {
			return nil, err
		}
		if done {
			return &indicatorsv1.ImportReportResponse{Report: b.withViolations(r)}, nil
		}
	case !errors.Is(err, domain.ErrNotFound):
		return nil, err
	}

	// Error rules block as on submission, before anything is written;
	// warnings do not: the archive's figures are what they are.
	values, _, _ := r.Apply(change)
	if err := domain.Blocking(b.check(values), true); err != nil {
		return nil, err
	}

	who := actor(p)
	if r.ID == "" {
		if err := e.Start(c); err != nil {
			return nil, err
		}
		if r, err = s.store.CreateReport(ctx, who, c.ID, e.ID, nil, nil, submit); err != nil {
			return nil, err
		}
	}
	// Each step is the curator's or the methodologist's, as an import at the
	// archive's time.
	imported := func(at time.Time, extended bool) domain.Step {
		return domain.Step{At: at, Extended: extended, Import: true, Note: note}
	}
	type step struct {
		at time.Time
		fn store.Mutation
	}
	steps := []step{
		{submit, func(r *domain.Report, extended bool) ([]domain.Event, error) { // the values
			return r.Save(change, imported(submit, extended))
		}},
		{submit, func(r *domain.Report, extended bool) ([]domain.Event, error) { // the submission
			return r.Submit(imported(submit, extended), b.check, true)
		}},
	}
	if target == domain.Accepted {
		steps = append(steps, step{accept, func(r *domain.Report, extended bool) ([]domain.Event, error) { // the acceptance
			return r.Accept(imported(accept, extended))
		}})
	}
	// The operator's access and the rulebook were checked and read above.
	known := func(context.Context, domain.Report, store.Reads) (form.Form, error) { return b.form, nil }
	for _, st := range steps {
		if r, err = s.store.UpdateReport(ctx, who, r.ID, st.at, known, st.fn); err != nil {
			return nil, err
		}
	}
	return &indicatorsv1.ImportReportResponse{Report: b.withViolations(r)}, nil
}

// importDone reports whether an import has nothing left to do: the request
// (named by its note) already brought the report to target, or the report
// is at target (or past it) with the imported values.
func (s *Server) importDone(ctx context.Context, r domain.Report, change domain.Change, target domain.Status, note string, named bool) (bool, error) {
	if _, _, events := r.Apply(change); len(events) == 0 &&
		(r.Status == target || target == domain.Submitted && r.Status == domain.Accepted) {
		return true, nil
	}
	if !named {
		return false, nil
	}
	const page = 500
	var after *store.HistoryCursor
	for {
		list, _, err := s.store.History(ctx, r.ID, after, page)
		if err != nil {
			return false, err
		}
		for _, ev := range list {
			if ev.Kind == "status" && ev.NewValue == target.String() && ev.Comment == note {
				return true, nil
			}
		}
		if len(list) < page {
			return false, nil
		}
		after = &store.HistoryCursor{ID: list[len(list)-1].ID}
	}
}
