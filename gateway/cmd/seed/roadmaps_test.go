package main

import (
	"context"
	"testing"
	"time"

	"github.com/nastavnik/nastavnik/platform/servicetest"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
	registryapp "github.com/nastavnik/nastavnik/services/registry/app"
	roadmapapp "github.com/nastavnik/nastavnik/services/roadmap/app"
)

func TestDemoRoadmapsLoadOnceWithDoneAndOverdue(t *testing.T) {
	reg := servicetest.Start(t, registryapp.Spec)
	rm := servicetest.StartWith(t, roadmapapp.Spec, servicetest.Options{RegistryAddr: reg.Addr})
	ctx := context.Background()
	if _, err := load(ctx, reg.Conn); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	first, err := loadRoadmaps(ctx, reg.Conn, rm.Conn, now)
	if err != nil {
		t.Fatalf("first load: %v", err)
	}
	if first.roadmaps != 2 || first.marked == 0 || first.cascaded < 40 {
		t.Errorf("first load = %+v", first)
	}
	second, err := loadRoadmaps(ctx, reg.Conn, rm.Conn, now)
	if err != nil {
		t.Fatalf("second load: %v", err)
	}
	if second.marked != 0 || second.cascaded != first.cascaded {
		t.Errorf("second load = %+v, want nothing marked and the same organisations", second)
	}
	c := roadmapv1.NewRoadmapServiceClient(rm.Conn)
	list, err := c.ListRoadmaps(ctx, &roadmapv1.ListRoadmapsRequest{PageSize: 500})
	if err != nil || len(list.GetRoadmaps()) != 2+first.cascaded {
		t.Fatalf("roadmaps after two loads: %v, %d; want %d", err, len(list.GetRoadmaps()), 2+first.cascaded)
	}
	var mun *roadmapv1.Roadmap
	for _, r := range list.GetRoadmaps() {
		if r.GetOwner().GetKind() == roadmapv1.OwnerKind_OWNER_KIND_MUNICIPALITY {
			mun = r
		}
		if r.GetOwner().GetName() != "КОГОБУ СШ с УИОП пгт Тужа" {
			continue
		}
		tuzha, err := c.GetRoadmap(ctx, &roadmapv1.GetRoadmapRequest{Id: r.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		if p := tuzha.GetRoadmap().GetProgress(); len(tuzha.GetRoadmap().GetStages()) != 7 || p.GetDone() == 0 || p.GetOverdue() == 0 {
			t.Errorf("Tuzha: %d stages, progress %v", len(tuzha.GetRoadmap().GetStages()), p)
		}
		for _, s := range tuzha.GetRoadmap().GetStages() {
			for _, it := range s.GetItems() {
				if !it.GetSchedule().GetUnderstood() {
					t.Errorf("Tuzha item %s: deadline %q not understood", it.GetNumber(), it.GetDeadlineText())
				}
			}
		}
	}
	got, err := c.GetRoadmap(ctx, &roadmapv1.GetRoadmapRequest{Id: mun.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	p := got.GetRoadmap().GetProgress()
	if p.GetDone() == 0 || p.GetOverdue() == 0 || p.GetTotal() <= p.GetDue() || len(got.GetRoadmap().GetStages()) != 6 {
		t.Errorf("Krasnoyarsk: %d stages, progress %v: want some done, some overdue, some still ahead", len(got.GetRoadmap().GetStages()), p)
	}
	for _, s := range got.GetRoadmap().GetStages() {
		for _, it := range s.GetItems() {
			if !it.GetSchedule().GetUnderstood() {
				t.Errorf("demo item %s: deadline %q not understood: %s", it.GetNumber(), it.GetDeadlineText(), it.GetSchedule().GetNote())
			}
			if it.GetNumber() == "1.3" {
				cl, err := c.ListCascade(ctx, &roadmapv1.ListCascadeRequest{ItemId: it.GetId()})
				if err != nil || cl.GetDone() == 0 || cl.GetOverdue() == 0 {
					t.Errorf("cascade of 1.3: %v, done %d, overdue %d", err, cl.GetDone(), cl.GetOverdue())
				}
			}
		}
	}
	over, err := c.ListOverdue(ctx, &roadmapv1.ListOverdueRequest{MunicipalityId: mun.GetOwner().GetMunicipalityId()})
	if err != nil || over.GetTotalSize() == 0 {
		t.Errorf("overdue in Krasnoyarsk: %v, %d", err, over.GetTotalSize())
	}
}
