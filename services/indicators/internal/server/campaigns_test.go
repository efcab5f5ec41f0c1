package server_test

import (
	"context"
	"slices"
	"testing"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// ListCampaigns names the years of every campaign of its filter whatever
// the year asked and the page: one campaign read fills a year selector.
func TestListCampaignsYears(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.publish()
	for _, y := range []int32{2024, 2026, 2025} {
		w.campaign("methodologist", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН", Year: y, MunicipalityId: munA, Deadline: "2026-12-15"})
	}
	w.campaign("methodologistB", &indicatorsv1.Campaign{Name: "Мониторинг ЦМН", Year: 2023, MunicipalityId: munB, Deadline: "2026-12-15"})
	tests := []struct {
		name, as string
		req      *indicatorsv1.ListCampaignsRequest
		years    []int32
		total    int32
	}{
		{"the region, one of a year", "regional", &indicatorsv1.ListCampaignsRequest{Region: "24", Year: 2025, PageSize: 1}, []int32{2026, 2025, 2024}, 1},
		{"the region, a page", "regional", &indicatorsv1.ListCampaignsRequest{Region: "24", PageSize: 1}, []int32{2026, 2025, 2024}, 3},
		{"everything for the operator", "operator", &indicatorsv1.ListCampaignsRequest{PageSize: 1}, []int32{2026, 2025, 2024, 2023}, 4},
		{"another region's methodologist", "methodologistB", &indicatorsv1.ListCampaignsRequest{}, []int32{2023}, 1},
		{"a region it does not see", "methodologistB", &indicatorsv1.ListCampaignsRequest{Region: "24"}, nil, 0},
	}
	for _, tc := range tests {
		resp, err := w.campaigns(tc.as).ListCampaigns(ctx, tc.req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.Equal(resp.GetYears(), tc.years) || resp.GetTotalSize() != tc.total {
			t.Errorf("%s: years %v of %d campaigns, want %v of %d", tc.name, resp.GetYears(), resp.GetTotalSize(), tc.years, tc.total)
		}
	}
}
