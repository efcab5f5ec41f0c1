package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/validation"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
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
		ve.Add("submit_time", "is required: when the report was submitted")
	} else {
		submit = req.GetSubmitTime().AsTime().Truncate(time.Microsecond) // as the database keeps it
		opened, err := domain.DeadlineEnd(c.OpenedOn.AddDate(0, 0, -1), e.TimeZone)
		if err != nil {
			return submit, accept, err
		}
		switch {
		case submit.Before(opened):
			ve.Add("submit_time", fmt.Sprintf("must not be before the campaign opened (%s in %s)", dates.Format(c.OpenedOn), e.TimeZone))
		case submit.After(now):
			ve.Add("submit_time", "must not be in the future")
		}
	}
	if req.GetAcceptTime() != nil {
		if err := req.GetAcceptTime().CheckValid(); err != nil {
			ve.Add("accept_time", "is not a valid time")
		} else {
			accept = req.GetAcceptTime().AsTime().Truncate(time.Microsecond)
			switch {
			case !submit.IsZero() && accept.Before(submit):
				ve.Add("accept_time", "must not be before submit_time")
			case accept.After(now):
				ve.Add("accept_time", "must not be in the future")
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
		return nil, validation.Field("organisation_id", "not an organisation expected in this campaign")
	}
	if err != nil {
		return nil, err
	}
	if !p.Holds(orgLocation(e.Organisation), identity.Operator) {
		return nil, domain.ErrPermissionDenied
	}
	f, set, err := s.ruleSet(ctx, c.FormCode, c.FormVersion)
	if err != nil {
		return nil, err
	}
	change, err := valuesFromProto(f, req.GetValues(), false)
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
			return s.importAnswer(ctx, r)
		}
	case !errors.Is(err, domain.ErrNotFound):
		return nil, err
	}

	// Error rules block as on submission, before anything is written;
	// warnings do not: the archive's figures are what they are.
	prev, err := s.store.PreviousValues(ctx, e.ID, c.Year, c.FormCode)
	if err != nil {
		return nil, err
	}
	values, _, _ := r.Apply(change)
	if err := blocking(set.Check(values, domain.PrevCounts(prev)), true); err != nil {
		return nil, err
	}

	who := actor(p)
	if r.ID == "" {
		if c.Status == domain.CampaignClosed && len(e.Extensions) == 0 {
			return nil, domain.ErrCampaignClosed
		}
		if r, err = s.store.CreateReport(ctx, who, c.ID, e.ID, nil, nil, submit); err != nil {
			return nil, err
		}
	}
	// later refuses a step the report's history has already passed.
	later := func(r *domain.Report, at time.Time) error {
		if r.UpdateTime.After(at) {
			return stateErr{fmt.Sprintf("the report changed at %s, after the archive's time %s: an import cannot write history before it",
				r.UpdateTime.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))}
		}
		return nil
	}
	type step struct {
		at time.Time
		fn store.Mutation
	}
	steps := []step{
		{submit, func(r *domain.Report, extended bool) ([]domain.Event, error) { // the values
			values, carried, events := r.Apply(change)
			if len(events) == 0 {
				return nil, nil
			}
			switch r.Status {
			case domain.Submitted, domain.Accepted:
				return nil, stateErr{fmt.Sprintf("the report is %s with other values: return or reopen it before importing over it", r.Status)}
			}
			if err := editable(r, extended); err != nil {
				return nil, err
			}
			if err := later(r, submit); err != nil {
				return nil, err
			}
			if r.Status == domain.Returned {
				events = append(events, statusEvent(r.Status, domain.Draft, ""))
				r.Status = domain.Draft
			}
			for i := range events {
				events[i].Comment = note
			}
			r.Values, r.CarriedOver = values, carried
			return events, nil
		}},
		{submit, func(r *domain.Report, extended bool) ([]domain.Event, error) { // the submission
			if r.Status == domain.Submitted || r.Status == domain.Accepted {
				return nil, nil
			}
			if !domain.Transition(r.Status, domain.Submitted) {
				return nil, stateErr{fmt.Sprintf("the report is %s: only a draft or a returned report can be submitted", r.Status)}
			}
			if err := editable(r, extended); err != nil {
				return nil, err
			}
			if err := later(r, submit); err != nil {
				return nil, err
			}
			if err := blocking(set.Check(r.Values, domain.PrevCounts(prev)), true); err != nil {
				return nil, err
			}
			late, err := domain.Late(submit, r.Deadline, r.Organisation.TimeZone)
			if err != nil {
				return nil, err
			}
			ev := statusEvent(r.Status, domain.Submitted, note)
			ev.Late = late
			r.Status, r.Late, r.SubmitTime = domain.Submitted, late, submit
			return []domain.Event{ev}, nil
		}},
	}
	if target == domain.Accepted {
		steps = append(steps, step{accept, func(r *domain.Report, _ bool) ([]domain.Event, error) { // the acceptance
			if r.Status == domain.Accepted {
				return nil, nil
			}
			if r.Status != domain.Submitted {
				return nil, stateErr{fmt.Sprintf("the report is %s: it cannot become accepted", r.Status)}
			}
			if err := later(r, accept); err != nil {
				return nil, err
			}
			ev := statusEvent(r.Status, domain.Accepted, note)
			r.Status, r.ReturnComment, r.Remarks = domain.Accepted, "", map[string]string{}
			return []domain.Event{ev}, nil
		}})
	}
	for _, st := range steps {
		if r, err = s.store.UpdateReport(ctx, who, r.ID, st.at, st.fn); err != nil {
			return nil, err
		}
	}
	return s.importAnswer(ctx, r)
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

func (s *Server) importAnswer(ctx context.Context, r domain.Report) (*indicatorsv1.ImportReportResponse, error) {
	out, err := s.withViolations(ctx, r)
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.ImportReportResponse{Report: out}, nil
}
