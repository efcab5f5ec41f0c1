package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/validation"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// ImportReports implements ReportService: a batch of reports checked as
// ImportReport checks one, their lives run in memory through the domain's
// steps, then written in one transaction by the store's bulk path.
func (s *Server) ImportReports(ctx context.Context, req *indicatorsv1.ImportReportsRequest) (*indicatorsv1.ImportReportsResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !mayImportArchive(p) {
		return nil, domain.ErrPermissionDenied
	}
	// What the batch needs, read once: its campaigns, their expected
	// organisations, and last year's accepted values per campaign year.
	campaigns := map[string]domain.Campaign{}
	var ids []string
	for _, item := range req.GetReports() {
		if _, ok := campaigns[item.GetCampaignId()]; ok {
			continue
		}
		c, err := s.store.GetCampaign(ctx, item.GetCampaignId())
		switch {
		case errors.Is(err, domain.ErrNotFound):
			continue
		case err != nil:
			return nil, err
		}
		campaigns[c.ID] = c
		ids = append(ids, c.ID)
	}
	expected := map[[2]string]domain.Expected{}
	if len(ids) > 0 {
		list, err := s.store.ExpectedIn(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			expected[[2]string{e.CampaignID, e.ID}] = e
		}
	}
	type yearForm struct {
		year int
		code string
	}
	orgsOf := map[yearForm][]string{}
	for _, item := range req.GetReports() {
		if c, ok := campaigns[item.GetCampaignId()]; ok {
			k := yearForm{c.Year, c.FormCode}
			orgsOf[k] = append(orgsOf[k], item.GetOrganisationId())
		}
	}
	prev := map[yearForm]map[string]map[string]form.Value{}
	for k, orgs := range orgsOf {
		if prev[k], err = s.store.PreviousValuesOf(ctx, orgs, k.year, k.code); err != nil {
			return nil, err
		}
	}

	ve := &validation.Error{}
	batch := make([]store.Imported, 0, len(req.GetReports()))
	existing := 0
	for i, item := range req.GetReports() {
		prefix := fmt.Sprintf("reports[%d]", i)
		c, ok := campaigns[item.GetCampaignId()]
		if !ok {
			ve.Add(prefix+".campaign_id", validation.NotFound("campaign"))
			continue
		}
		e, ok := expected[[2]string{c.ID, item.GetOrganisationId()}]
		if !ok || !e.DroppedOn.IsZero() {
			ve.Add(prefix+".organisation_id", validation.New("not_expected"))
			continue
		}
		if e.ReportID != "" {
			existing++ // left as it is, whatever the batch says (even in a closed campaign)
			continue
		}
		f, set, err := s.ruleSet(ctx, c.FormCode, c.FormVersion)
		if err != nil {
			return nil, err
		}
		b := rulebook{form: f, rules: set, prev: prev[yearForm{c.Year, c.FormCode}][e.ID]}
		imp, err := s.bulkLife(item, c, e, b)
		if tv := asValidation(err); tv != nil {
			ve.Merge(prefix, tv)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", prefix, err)
		}
		batch = append(batch, imp)
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	imported, raced, err := s.store.ImportReports(ctx, actor(p), batch, s.now())
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.ImportReportsResponse{Imported: int32(imported), Existing: int32(existing + raced)}, nil
}

// bulkLife checks one report of a batch and runs its life in memory: the
// report as the curator's and the methodologist's steps leave it, and the
// events each step makes, with its time and the version it makes.
func (s *Server) bulkLife(item *indicatorsv1.ImportedReport, c domain.Campaign, e domain.Expected, b rulebook) (store.Imported, error) {
	ve := &validation.Error{}
	change, err := valuesFromProto(b.form, item.GetValues(), false)
	ve.Merge("", asValidation(err))
	target := domain.Status(item.GetStatus()) // the enum numbers are the domain's
	now := s.now()
	stamp := func(field string, ts *timestamppb.Timestamp, required bool) time.Time {
		if ts.CheckValid() != nil {
			if required {
				ve.Add(field, validation.Required())
			}
			return time.Time{}
		}
		t := ts.AsTime().Truncate(time.Microsecond) // as the database keeps it
		if t.After(now) {
			ve.Add(field, validation.InFuture())
		}
		return t
	}
	var submit, decide, start time.Time
	if item.GetSubmitTime() != nil || target != domain.Draft {
		submit = stamp("submit_time", item.GetSubmitTime(), target != domain.Draft)
	}
	if item.GetStartTime() != nil || target == domain.Draft && item.GetSubmitTime() == nil {
		start = stamp("start_time", item.GetStartTime(), true)
	}
	if target == domain.Accepted || target == domain.Returned {
		decide = stamp("decide_time", item.GetDecideTime(), true)
	}
	if start.IsZero() {
		start = submit
	}
	opened, err := domain.DeadlineEnd(c.OpenedOn.AddDate(0, 0, -1), e.TimeZone)
	if err != nil {
		return store.Imported{}, err
	}
	switch {
	case !start.IsZero() && start.Before(opened):
		ve.Add("start_time", validation.New("submitted_before_opening").With("opened", c.OpenedOn).With("zone", e.TimeZone))
	case !submit.IsZero() && start.After(submit):
		ve.Add("start_time", validation.New("accepted_before_submitted"))
	case !decide.IsZero() && !submit.IsZero() && decide.Before(submit):
		ve.Add("decide_time", validation.New("accepted_before_submitted"))
	}
	if err := ve.Err(); err != nil {
		return store.Imported{}, err
	}
	if err := e.Start(c); err != nil {
		return store.Imported{}, err
	}

	note := importNote("")
	r := domain.Report{CampaignID: c.ID, Organisation: e.Organisation, FormCode: c.FormCode, FormVersion: c.FormVersion,
		Status: domain.Draft, Values: map[string]form.Value{}, Remarks: map[string]string{}, Deadline: e.Deadline,
		Version: 1, CreateTime: start, UpdateTime: start, CampaignStatus: c.Status, Year: c.Year}
	events := []domain.Event{{Time: start, Kind: "status", NewValue: domain.Draft.String(), Comment: note, Version: 1}}
	extended := len(e.Extensions) > 0
	step := func(at time.Time, fn func(domain.Step) ([]domain.Event, error)) error {
		evs, err := fn(domain.Step{At: at, Extended: extended, Import: true, Note: note})
		if err != nil || len(evs) == 0 {
			return err
		}
		r.Version++
		r.UpdateTime = at
		for _, ev := range evs {
			ev.Time, ev.Version = at, r.Version
			events = append(events, ev)
		}
		return nil
	}
	if err := step(start, func(st domain.Step) ([]domain.Event, error) { return r.Save(change, st) }); err != nil {
		return store.Imported{}, err
	}
	if target != domain.Draft {
		// Error rules block as on submission; warnings do not.
		if err := domain.Blocking(b.check(r.Values), true); err != nil {
			return store.Imported{}, err
		}
		if err := step(submit, func(st domain.Step) ([]domain.Event, error) { return r.Submit(st, b.check, true) }); err != nil {
			return store.Imported{}, err
		}
	}
	switch target {
	case domain.Accepted:
		err = step(decide, func(st domain.Step) ([]domain.Event, error) { return r.Accept(st) })
	case domain.Returned:
		err = step(decide, func(st domain.Step) ([]domain.Event, error) {
			return r.Return(st, item.GetReturnComment(), map[string]string{}, b.form)
		})
	}
	if err != nil {
		return store.Imported{}, err
	}
	return store.Imported{Report: r, Events: events, Form: b.form}, nil
}
