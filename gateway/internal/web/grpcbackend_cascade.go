package web

import (
	"context"

	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
)

var _ CascadeBackend = (*grpcBackend)(nil)

func (b *grpcBackend) CascadeItem(ctx context.Context, itemID string) (CascadeResult, error) {
	resp, err := b.roadmaps.CascadeItem(ctx, &roadmapv1.CascadeItemRequest{ItemId: itemID})
	if err != nil {
		return CascadeResult{}, err
	}
	return CascadeResult{Added: int(resp.GetAdded()), Existing: int(resp.GetExisting()), RoadmapsCreated: int(resp.GetRoadmapsCreated())}, nil
}

// cascadePages bounds the schools read: 20 pages of 500.
const cascadePages = 20

func (b *grpcBackend) Cascade(ctx context.Context, itemID string) (CascadeView, error) {
	var out CascadeView
	token := ""
	for range cascadePages {
		resp, err := b.roadmaps.ListCascade(ctx, &roadmapv1.ListCascadeRequest{ItemId: itemID, PageSize: 500, PageToken: token})
		if err != nil {
			return CascadeView{}, err
		}
		out.Done, out.NotDone, out.Overdue = int(resp.GetDone()), int(resp.GetNotDone()), int(resp.GetOverdue())
		for _, e := range resp.GetEntries() {
			out.Rows = append(out.Rows, CascadeRow{OrgName: e.GetOrganisationName(), RoadmapID: e.GetRoadmapId(), ItemID: e.GetItemId(),
				State: CascadeState(e.GetState()), Done: int(e.GetOccurrencesDone()), Total: int(e.GetOccurrencesTotal()),
				Overdue: int(e.GetOccurrencesOverdue())})
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	return out, nil
}
