package server

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/validation"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/domain"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/schedule"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/store"
)

func stageTexts(title, task, result string) error {
	return domain.StageTexts{Title: title, Task: task, Result: result}.Validate()
}

// CreateStage implements RoadmapService.
func (s *Server) CreateStage(ctx context.Context, req *roadmapv1.CreateStageRequest) (*roadmapv1.CreateStageResponse, error) {
	if err := stageTexts(req.GetTitle(), req.GetTask(), req.GetResult()); err != nil {
		return nil, err
	}
	id := uuid.NewString()
	r, err := s.mutate(ctx, req.GetRoadmapId(), req.GetVersion(), func(r *domain.Roadmap) error {
		r.InsertStage(int(req.GetPosition()), domain.Stage{ID: id, Title: req.GetTitle(), Task: req.GetTask(), Result: req.GetResult()})
		r.Renumber()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &roadmapv1.CreateStageResponse{Roadmap: r, StageId: id}, nil
}

// UpdateStage implements RoadmapService.
func (s *Server) UpdateStage(ctx context.Context, req *roadmapv1.UpdateStageRequest) (*roadmapv1.UpdateStageResponse, error) {
	if err := stageTexts(req.GetTitle(), req.GetTask(), req.GetResult()); err != nil {
		return nil, err
	}
	r, err := s.mutateStage(ctx, req.GetStageId(), req.GetVersion(), func(r *domain.Roadmap, si int) error {
		st := &r.Stages[si]
		st.Title, st.Task, st.Result = req.GetTitle(), req.GetTask(), req.GetResult()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &roadmapv1.UpdateStageResponse{Roadmap: r}, nil
}

func texts(f *roadmapv1.ItemFields) domain.Texts {
	return domain.Texts{Measure: f.GetMeasure(), ResultForm: f.GetResultForm(), DeadlineText: f.GetDeadlineText(), Responsible: f.GetResponsible()}
}

// CreateItem implements RoadmapService.
func (s *Server) CreateItem(ctx context.Context, req *roadmapv1.CreateItemRequest) (*roadmapv1.CreateItemResponse, error) {
	t := texts(req.GetItem())
	if err := t.Validate("item."); err != nil {
		return nil, err
	}
	itemID := uuid.NewString()
	r, err := s.mutateStage(ctx, req.GetStageId(), req.GetVersion(), func(r *domain.Roadmap, si int) error {
		it := domain.Item{ID: itemID, Depth: max(int(req.GetDepth()), 1), Measure: t.Measure, ResultForm: t.ResultForm,
			DeadlineText: t.DeadlineText, Responsible: t.Responsible, Schedule: schedule.Parse(t.DeadlineText, r.Period)}
		r.InsertItem(si, int(req.GetPosition()), it)
		r.Renumber()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &roadmapv1.CreateItemResponse{Roadmap: r, ItemId: itemID}, nil
}

// UpdateItem implements RoadmapService.
func (s *Server) UpdateItem(ctx context.Context, req *roadmapv1.UpdateItemRequest) (*roadmapv1.UpdateItemResponse, error) {
	t := texts(req.GetItem())
	if err := t.Validate("item."); err != nil {
		return nil, err
	}
	r, err := s.mutateItem(ctx, req.GetItemId(), req.GetVersion(), func(r *domain.Roadmap, si, ii int) error {
		it := &r.Stages[si].Items[ii]
		if it.DeadlineText != t.DeadlineText {
			it.Schedule = schedule.Parse(t.DeadlineText, r.Period)
		}
		it.Measure, it.ResultForm, it.DeadlineText, it.Responsible = t.Measure, t.ResultForm, t.DeadlineText, t.Responsible
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &roadmapv1.UpdateItemResponse{Roadmap: r}, nil
}

// MoveItem implements RoadmapService.
func (s *Server) MoveItem(ctx context.Context, req *roadmapv1.MoveItemRequest) (*roadmapv1.MoveItemResponse, error) {
	r, err := s.mutateItem(ctx, req.GetItemId(), req.GetVersion(), func(r *domain.Roadmap, si, ii int) error {
		to, ok := r.FindStage(req.GetStageId())
		if !ok {
			return validation.Field("stage_id", validation.NotFound("stage"))
		}
		it := r.RemoveItem(si, ii)
		it.Depth = max(int(req.GetDepth()), 1)
		r.InsertItem(to, int(req.GetPosition()), it)
		r.Renumber()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &roadmapv1.MoveItemResponse{Roadmap: r}, nil
}

// DeleteItem implements RoadmapService.
func (s *Server) DeleteItem(ctx context.Context, req *roadmapv1.DeleteItemRequest) (*roadmapv1.DeleteItemResponse, error) {
	r, err := s.mutateItem(ctx, req.GetItemId(), req.GetVersion(), func(r *domain.Roadmap, si, ii int) error {
		for _, o := range r.Stages[si].Items[ii].Occurrences {
			if o.Done {
				return domain.ErrInUse
			}
		}
		r.RemoveItem(si, ii)
		r.Renumber()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &roadmapv1.DeleteItemResponse{Roadmap: r}, nil
}

// RenumberRoadmap implements RoadmapService.
func (s *Server) RenumberRoadmap(ctx context.Context, req *roadmapv1.RenumberRoadmapRequest) (*roadmapv1.RenumberRoadmapResponse, error) {
	r, err := s.mutate(ctx, req.GetId(), req.GetVersion(), func(r *domain.Roadmap) error {
		r.Renumber()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &roadmapv1.RenumberRoadmapResponse{Roadmap: r}, nil
}

// MarkOccurrence implements RoadmapService.
func (s *Server) MarkOccurrence(ctx context.Context, req *roadmapv1.MarkOccurrenceRequest) (*roadmapv1.MarkOccurrenceResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var ve validation.Error
	m := domain.Mark{ItemID: req.GetItemId(), Due: parseDate("due", req.GetDue(), &ve), Version: req.GetVersion(),
		Done: req.GetDone(), DoneOn: parseDate("done_on", req.GetDoneOn(), &ve), Note: req.GetNote(), EvidenceURL: req.GetEvidenceUrl()}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	_, owner, writable, err := s.roadmapOf(ctx, p, req.GetItemId(), "")
	if err != nil {
		return nil, err
	}
	if !writable {
		return nil, domain.ErrPermissionDenied
	}
	now, loc := s.now(), owner.Location()
	if err := m.Validate(now, loc); err != nil {
		return nil, err
	}
	if m.Done && m.DoneOn.IsZero() {
		m.DoneOn = domain.Today(now, loc)
	}
	o, err := s.store.Mark(ctx, p.Login, m)
	if err != nil {
		return nil, err
	}
	return &roadmapv1.MarkOccurrenceResponse{Occurrence: occurrenceToProto(o, now, loc)}, nil
}

// ListOverdue implements RoadmapService.
func (s *Server) ListOverdue(ctx context.Context, req *roadmapv1.ListOverdueRequest) (*roadmapv1.ListOverdueResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, v := range []string{req.GetOrganisationId(), req.GetMunicipalityId(), req.GetRegionCode()} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return nil, validation.Field("organisation_id", validation.New("owner_one"))
	}
	// The scope must be one the caller sees; the registry says where it lies.
	var owner domain.Owner
	switch {
	case req.GetOrganisationId() != "":
		owner, err = s.dir.Organisation(ctx, req.GetOrganisationId())
	case req.GetMunicipalityId() != "":
		owner, err = s.dir.Municipality(ctx, req.GetMunicipalityId())
	default:
		owner, err = s.dir.Region(ctx, req.GetRegionCode())
	}
	if err == nil && !domain.CanSeeProgress(p, owner) {
		err = domain.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	f := store.OverdueFilter{Region: req.GetRegionCode(), Municipality: req.GetMunicipalityId(), Organisation: req.GetOrganisationId(),
		StageNumber: int(req.GetStageNumber()), Responsible: req.GetResponsible()}
	after, err := pagination.After[store.OverdueCursor](req.GetPageToken(), f)
	if err != nil {
		return nil, err
	}
	size := pagination.Size(req.GetPageSize())
	now := s.now()
	list, total, err := s.store.ListOverdue(ctx, f, now, after, size+1)
	if err != nil {
		return nil, err
	}
	resp := &roadmapv1.ListOverdueResponse{TotalSize: int32(total)}
	list, resp.NextPageToken, err = pagination.Trim(list, size, f, func(o store.Overdue) any {
		return store.OverdueCursor{Due: o.Due, ItemID: o.ItemID}
	})
	if err != nil {
		return nil, err
	}
	for _, o := range list {
		resp.Occurrences = append(resp.Occurrences, &roadmapv1.OverdueOccurrence{
			RoadmapId: o.RoadmapID, Owner: ownerToProto(o.Owner), ItemId: o.ItemID, ItemNumber: o.ItemNumber,
			Measure: o.Measure, Responsible: o.Responsible, StageNumber: int32(o.StageNumber), Due: dates.Format(o.Due),
			DaysOverdue: int32(now.Sub(o.DueEnd) / (24 * time.Hour)),
		})
	}
	return resp, nil
}

// CascadeItem implements RoadmapService.
func (s *Server) CascadeItem(ctx context.Context, req *roadmapv1.CascadeItemRequest) (*roadmapv1.CascadeItemResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	id, owner, writable, err := s.roadmapOf(ctx, p, req.GetItemId(), "")
	if err != nil {
		return nil, err
	}
	if !writable {
		return nil, domain.ErrPermissionDenied
	}
	if owner.Kind == domain.OwnerOrganisation {
		return nil, domain.ErrNotCascadable
	}
	r, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	orgs, err := s.dir.OpenOrganisations(ctx, r.Owner.Region, r.Owner.Municipality, dates.Format(domain.Today(s.now(), r.Owner.Location())))
	if err != nil {
		return nil, err
	}
	c, err := s.store.Cascade(ctx, p.AccountID, r, req.GetItemId(), orgs, s.now())
	if err != nil {
		return nil, err
	}
	return &roadmapv1.CascadeItemResponse{Added: int32(c.Added), Existing: int32(c.Existing), RoadmapsCreated: int32(c.RoadmapsCreated)}, nil
}

var cascadeStates = map[domain.OccurrenceState]roadmapv1.CascadeState{
	domain.Done: roadmapv1.CascadeState_CASCADE_STATE_DONE, domain.Pending: roadmapv1.CascadeState_CASCADE_STATE_NOT_DONE,
	domain.Overdue: roadmapv1.CascadeState_CASCADE_STATE_OVERDUE,
}

// ListCascade implements RoadmapService.
func (s *Server) ListCascade(ctx context.Context, req *roadmapv1.ListCascadeRequest) (*roadmapv1.ListCascadeResponse, error) {
	// Other organisations' progress is for those who see the whole scope of
	// the item's roadmap, not for a curator reading it as reference.
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	_, owner, _, err := s.roadmapOf(ctx, p, req.GetItemId(), "")
	if err != nil {
		return nil, err
	}
	if !domain.CanSeeProgress(p, owner) {
		return nil, domain.ErrNotFound
	}
	f := struct{ Item string }{req.GetItemId()}
	after, err := pagination.After[store.CascadeCursor](req.GetPageToken(), f)
	if err != nil {
		return nil, err
	}
	size := pagination.Size(req.GetPageSize())
	list, totals, err := s.store.ListCascade(ctx, req.GetItemId(), s.now(), after, size+1)
	if err != nil {
		return nil, err
	}
	resp := &roadmapv1.ListCascadeResponse{Done: int32(totals.Done), NotDone: int32(totals.NotDone), Overdue: int32(totals.Overdue)}
	list, resp.NextPageToken, err = pagination.Trim(list, size, f, func(e store.CascadeEntry) any {
		return store.CascadeCursor{Name: e.OrganisationName, ID: e.Organisation}
	})
	if err != nil {
		return nil, err
	}
	for _, e := range list {
		resp.Entries = append(resp.Entries, &roadmapv1.CascadeEntry{
			OrganisationId: e.Organisation, OrganisationName: e.OrganisationName, RoadmapId: e.RoadmapID, ItemId: e.ItemID,
			State: cascadeStates[e.State()], OccurrencesDone: int32(e.Done), OccurrencesTotal: int32(e.Total), OccurrencesOverdue: int32(e.Overdue),
		})
	}
	return resp, nil
}
