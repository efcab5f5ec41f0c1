package server

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/nastavnik/nastavnik/platform/dates"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/domain"
)

var ownerKinds = map[domain.OwnerKind]roadmapv1.OwnerKind{
	domain.OwnerOrganisation: roadmapv1.OwnerKind_OWNER_KIND_ORGANISATION,
	domain.OwnerMunicipality: roadmapv1.OwnerKind_OWNER_KIND_MUNICIPALITY,
	domain.OwnerRegion:       roadmapv1.OwnerKind_OWNER_KIND_REGION,
}

func ownerToProto(o domain.Owner) *roadmapv1.Owner {
	return &roadmapv1.Owner{Kind: ownerKinds[o.Kind], OrganisationId: o.Organisation, MunicipalityId: o.Municipality,
		RegionCode: o.Region, Name: o.Name, TimeZone: o.TimeZone}
}

func progressToProto(p domain.Progress) *roadmapv1.Progress {
	return &roadmapv1.Progress{Total: int32(p.Total), Due: int32(p.Due), Done: int32(p.Done), Overdue: int32(p.Overdue), Percent: p.Percent()}
}

var occurrenceStates = map[domain.OccurrenceState]roadmapv1.OccurrenceState{
	domain.Pending: roadmapv1.OccurrenceState_OCCURRENCE_STATE_PENDING,
	domain.Done:    roadmapv1.OccurrenceState_OCCURRENCE_STATE_DONE,
	domain.Overdue: roadmapv1.OccurrenceState_OCCURRENCE_STATE_OVERDUE,
}

func occurrenceToProto(o domain.Occurrence, now time.Time, loc *time.Location) *roadmapv1.ItemOccurrence {
	return &roadmapv1.ItemOccurrence{Year: int32(o.Year), Start: dates.Format(o.Start), Due: dates.Format(o.Due),
		State: occurrenceStates[o.State(now, loc)], DoneOn: dates.Format(o.DoneOn), DoneBy: o.DoneBy, Note: o.Note,
		EvidenceUrl: o.EvidenceURL, Version: o.Version}
}

// roadmapToProto renders a roadmap; with content, its stages, items,
// occurrences and progress as of now in the owner's time zone.
func roadmapToProto(r domain.Roadmap, now time.Time, content bool) *roadmapv1.Roadmap {
	out := &roadmapv1.Roadmap{Id: r.ID, Owner: ownerToProto(r.Owner), Title: r.Title, Goal: r.Goal,
		PeriodStart: dates.Format(r.Period.Start), PeriodEnd: dates.Format(r.Period.End), Version: r.Version}
	if !r.Created.IsZero() {
		out.CreateTime, out.UpdateTime = timestamppb.New(r.Created), timestamppb.New(r.Updated)
	}
	for _, t := range r.Targets {
		out.Targets = append(out.Targets, &roadmapv1.Target{Year: int32(t.Year), Percent: int32(t.Percent)})
	}
	if !content {
		return out
	}
	loc := r.Owner.Location()
	var total domain.Progress
	for _, st := range r.Stages {
		ps := &roadmapv1.Stage{Id: st.ID, Number: int32(st.Number), Title: st.Title, Task: st.Task, Result: st.Result}
		var p domain.Progress
		p.Add(st.Items, now, loc)
		total.Add(st.Items, now, loc)
		ps.Progress = progressToProto(p)
		for _, it := range st.Items {
			pi := &roadmapv1.Item{Id: it.ID, StageId: st.ID, Number: it.Number, Depth: int32(it.Depth), Measure: it.Measure,
				ResultForm: it.ResultForm, DeadlineText: it.DeadlineText, Responsible: it.Responsible,
				Schedule: scheduleToProto(it.Schedule), SourceItemId: it.SourceItemID}
			for _, o := range it.Occurrences {
				pi.Occurrences = append(pi.Occurrences, occurrenceToProto(o, now, loc))
			}
			ps.Items = append(ps.Items, pi)
		}
		out.Stages = append(out.Stages, ps)
	}
	out.Progress = progressToProto(total)
	return out
}
