package main

import (
	"context"
	"embed"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"

	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
)

//go:embed roadmaps/*.tsv
var roadmapFiles embed.FS

// demoRoadmap is a roadmap of the demo, written in the style of the seeds and
// loaded through the real importer. Occurrences due before now are marked
// done, except those of the items in late, which stay overdue.
type demoRoadmap struct {
	file         string
	municipality string
	organisation string // empty for the municipality's own roadmap
	late         []string
	// cascade is the item handed down to every organisation of the
	// municipality; every third organisation has not done it.
	cascade string
}

var demoRoadmaps = []demoRoadmap{
	{file: "krasnoyarsk.tsv", municipality: "городской округ город Красноярск", late: []string{"3.2", "4.2"}, cascade: "1.3"},
	{file: "tuzha.tsv", municipality: "Тужинский муниципальный район", organisation: "КОГОБУ СШ с УИОП пгт Тужа", late: []string{"3.2", "6.1"}},
}

// roadmapStats counts what loading roadmaps did.
type roadmapStats struct {
	roadmaps, marked, cascaded int
}

// loadRoadmaps imports the demo roadmaps (idempotently, by request id), marks
// their past occurrences and hands the municipal item down.
func loadRoadmaps(ctx context.Context, reg, rm grpc.ClientConnInterface, now time.Time) (roadmapStats, error) {
	var st roadmapStats
	c := roadmapv1.NewRoadmapServiceClient(rm)
	for _, d := range demoRoadmaps {
		owner, err := demoOwner(ctx, reg, d)
		if err != nil {
			return st, err
		}
		content, err := roadmapFiles.ReadFile("roadmaps/" + d.file)
		if err != nil {
			return st, err
		}
		resp, err := c.ImportRoadmap(ctx, &roadmapv1.ImportRoadmapRequest{Owner: owner, Format: roadmapv1.ImportFormat_IMPORT_FORMAT_TSV,
			Content: content, RequestId: uuid.NewSHA1(namespace, []byte("roadmap/"+d.file)).String()})
		if err != nil {
			return st, fmt.Errorf("roadmap %s: %w", d.file, err)
		}
		st.roadmaps++
		r := resp.GetRoadmap()
		n, err := markPast(ctx, c, r, now, func(it *roadmapv1.Item, _ int) bool { return !slices.Contains(d.late, it.GetNumber()) })
		if err != nil {
			return st, fmt.Errorf("roadmap %s: %w", d.file, err)
		}
		st.marked += n
		if d.cascade == "" {
			continue
		}
		var source *roadmapv1.Item
		for _, s := range r.GetStages() {
			for _, it := range s.GetItems() {
				if it.GetNumber() == d.cascade {
					source = it
				}
			}
		}
		if source == nil {
			return st, fmt.Errorf("roadmap %s has no item %s", d.file, d.cascade)
		}
		if _, err := c.CascadeItem(ctx, &roadmapv1.CascadeItemRequest{ItemId: source.GetId()}); err != nil {
			return st, fmt.Errorf("cascade %s: %w", d.cascade, err)
		}
		entries, err := c.ListCascade(ctx, &roadmapv1.ListCascadeRequest{ItemId: source.GetId(), PageSize: 500})
		if err != nil {
			return st, err
		}
		st.cascaded += len(entries.GetEntries())
		for i, e := range entries.GetEntries() {
			if i%3 == 2 {
				continue // this one is late
			}
			got, err := c.GetRoadmap(ctx, &roadmapv1.GetRoadmapRequest{Id: e.GetRoadmapId()})
			if err != nil {
				return st, err
			}
			n, err := markPast(ctx, c, got.GetRoadmap(), now, func(it *roadmapv1.Item, _ int) bool { return it.GetId() == e.GetItemId() })
			if err != nil {
				return st, err
			}
			st.marked += n
		}
	}
	return st, nil
}

func demoOwner(ctx context.Context, reg grpc.ClientConnInterface, d demoRoadmap) (*roadmapv1.OwnerRef, error) {
	ml, err := registryv1.NewMunicipalityServiceClient(reg).ListMunicipalities(ctx, &registryv1.ListMunicipalitiesRequest{Query: d.municipality})
	if err != nil {
		return nil, err
	}
	var mun string
	for _, m := range ml.GetMunicipalities() {
		if m.GetName() == d.municipality {
			mun = m.GetId()
		}
	}
	if mun == "" {
		return nil, fmt.Errorf("no municipality %q", d.municipality)
	}
	if d.organisation == "" {
		return &roadmapv1.OwnerRef{MunicipalityId: mun}, nil
	}
	ol, err := registryv1.NewOrganisationServiceClient(reg).ListOrganisations(ctx, &registryv1.ListOrganisationsRequest{Municipality: mun, PageSize: 500})
	if err != nil {
		return nil, err
	}
	for _, o := range ol.GetOrganisations() {
		if o.GetShortName() == d.organisation {
			return &roadmapv1.OwnerRef{OrganisationId: o.GetId()}, nil
		}
	}
	return nil, fmt.Errorf("no organisation %q", d.organisation)
}

// markPast marks done the occurrences due before now of the items done
// selects, a few days before their due date; it returns how many it marked.
func markPast(ctx context.Context, c roadmapv1.RoadmapServiceClient, r *roadmapv1.Roadmap, now time.Time, done func(*roadmapv1.Item, int) bool) (int, error) {
	n := 0
	for _, s := range r.GetStages() {
		for _, it := range s.GetItems() {
			for i, o := range it.GetOccurrences() {
				due, err := time.Parse(time.DateOnly, o.GetDue())
				if err != nil || !due.Before(now.AddDate(0, 0, -1)) || o.GetState() == roadmapv1.OccurrenceState_OCCURRENCE_STATE_DONE || !done(it, i) {
					continue
				}
				doneOn := due.AddDate(0, 0, -3)
				if s := o.GetStart(); s != "" && doneOn.Format(time.DateOnly) < s {
					doneOn = due
				}
				if _, err := c.MarkOccurrence(ctx, &roadmapv1.MarkOccurrenceRequest{ItemId: it.GetId(), Due: o.GetDue(), Version: o.GetVersion(),
					Done: true, DoneOn: doneOn.Format(time.DateOnly), Note: "Выполнено (демо)"}); err != nil {
					return n, fmt.Errorf("mark %s %s: %w", it.GetNumber(), o.GetDue(), err)
				}
				n++
			}
		}
	}
	return n, nil
}
