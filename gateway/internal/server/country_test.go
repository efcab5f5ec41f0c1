package server_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/nastavnik/nastavnik/gateway/internal/country"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// TestCountryLoads runs the country generator at a small scale against the
// real services and reads what it made back through the gateway's API: the
// organisations, every year's reports by status, the closed campaigns, the
// roadmaps and the accounts (a methodologist signs in and sees their
// municipality). A second load of the same seed finds everything in place.
func TestCountryLoads(t *testing.T) {
	p := startPlatform(t)
	ctx := context.Background()
	conns := country.Conns{Registry: p.reg.Conn, Indicators: p.ind.Conn, Roadmap: p.rm.Conn}
	cfg := country.Config{Seed: 7, Organisations: 300, Regions: 2, CuratorEvery: 50, Workers: 2, Password: "Country-test-2026", Now: time.Now()}
	c, st, err := country.Load(ctx, conns, cfg)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Logf("%+v", st)
	if st.Regions != 2 || st.Organisations != 300 || st.Municipalities < 2 || st.Campaigns != 5*st.Municipalities ||
		st.ClosedCampaigns != 4*st.Municipalities || st.Roadmaps != st.Municipalities {
		t.Fatalf("made %+v, want 2 regions, 300 organisations, 5 campaigns, 4 closed and a roadmap per municipality", st)
	}
	// Two regions spread over the list: Kaliningrad's zone is not Kamchatka's,
	// and every zone is a region's real one.
	if c.Regions[0].TimeZone == c.Regions[1].TimeZone {
		t.Errorf("both regions in %s", c.Regions[0].TimeZone)
	}

	op := p.as(t, "operator", operatorPassword)
	var orgs struct {
		TotalSize int `json:"totalSize"`
	}
	if code := op.do("GET", "/v1/organisations?pageSize=1", nil, &orgs); code != http.StatusOK || orgs.TotalSize != 300 {
		t.Fatalf("organisations: %d, %d in all, want 300", code, orgs.TotalSize)
	}
	// Every year's reports by status, as the generator reported them.
	for _, year := range c.Years() {
		want := st.ReportsByYear[year]
		got := map[string]int{}
		for _, r := range c.Regions {
			var resp struct {
				Total struct {
					Expected  int `json:"expected"`
					Submitted int `json:"submitted"`
					Returned  int `json:"returned"`
					Accepted  int `json:"accepted"`
				} `json:"total"`
			}
			if code := op.do("GET", fmt.Sprintf("/v1/completeness?year=%d&region=%s&countsOnly=true", year, r.Code), nil, &resp); code != http.StatusOK {
				t.Fatalf("completeness %d of %s: %d", year, r.Code, code)
			}
			got["expected"] += resp.Total.Expected
			got["submitted"] += resp.Total.Submitted
			got["returned"] += resp.Total.Returned
			got["accepted"] += resp.Total.Accepted
			for _, m := range r.Municipalities {
				var drafts struct {
					TotalSize int `json:"totalSize"`
				}
				if code := op.do("GET", "/v1/campaigns/"+m.Campaigns[year]+"/reports?status=REPORT_STATUS_DRAFT&pageSize=1", nil, &drafts); code != http.StatusOK {
					t.Fatalf("drafts: %d", code)
				}
				got["draft"] += drafts.TotalSize
			}
		}
		if got["expected"] != 300 {
			t.Errorf("%d: %d expected, want 300", year, got["expected"])
		}
		for _, s := range []string{"accepted", "submitted", "returned", "draft"} {
			if got[s] != want[s] {
				t.Errorf("%d: %d %s through the API, the generator made %d", year, got[s], s, want[s])
			}
		}
		if year < c.CurrentYear && want["accepted"] < 270 {
			t.Errorf("%d: only %d of 300 accepted in a past year", year, want["accepted"])
		}
		if year == c.CurrentYear && (want["accepted"] == 0 || want["submitted"] == 0 || want["draft"] == 0 || want["returned"] == 0) {
			t.Errorf("current year %d without a mix of states: %v", year, want)
		}
	}
	// The roadmaps, with recurring items' occurrences.
	var roadmaps struct {
		Roadmaps []struct {
			ID string `json:"id"`
		} `json:"roadmaps"`
	}
	if code := op.do("GET", "/v1/roadmaps?regionCode="+c.Regions[0].Code+"&pageSize=500", nil, &roadmaps); code != http.StatusOK ||
		len(roadmaps.Roadmaps) != len(c.Regions[0].Municipalities) {
		t.Fatalf("roadmaps of %s: %d, %d, want %d", c.Regions[0].Code, code, len(roadmaps.Roadmaps), len(c.Regions[0].Municipalities))
	}
	var rm struct {
		Roadmap struct {
			Stages []struct {
				Items []struct {
					Occurrences []struct {
						Due string `json:"due"`
					} `json:"occurrences"`
				} `json:"items"`
			} `json:"stages"`
		} `json:"roadmap"`
	}
	if code := op.do("GET", "/v1/roadmaps/"+roadmaps.Roadmaps[0].ID, nil, &rm); code != http.StatusOK {
		t.Fatalf("roadmap: %d", code)
	}
	most := 0
	for _, s := range rm.Roadmap.Stages {
		for _, it := range s.Items {
			most = max(most, len(it.Occurrences))
		}
	}
	if most < 12 {
		t.Errorf("no monthly item: at most %d occurrences", most)
	}
	// A generated methodologist signs in and sees their municipality's campaigns.
	m := c.Regions[1].Municipalities[0]
	meth := p.as(t, country.Login(registryv1.Role_ROLE_METHODOLOGIST, c.Regions[1].Code, 1), cfg.Password)
	var camps struct {
		Campaigns []struct {
			MunicipalityID string `json:"municipalityId"`
		} `json:"campaigns"`
	}
	if code := meth.do("GET", "/v1/campaigns?pageSize=50", nil, &camps); code != http.StatusOK || len(camps.Campaigns) != 5 ||
		camps.Campaigns[0].MunicipalityID != m.ID {
		t.Fatalf("methodologist's campaigns: %d, %+v, want the 5 of %s", code, camps.Campaigns, m.ID)
	}

	// The same seed again: everything is there, nothing is added.
	cfg.Skip = map[string]bool{"accounts": true}
	_, again, err := country.Load(ctx, conns, cfg)
	if err != nil {
		t.Fatalf("second Load: %v", err)
	}
	if again.Reports != st.Reports || again.Campaigns != st.Campaigns {
		t.Errorf("second load: %d reports, %d campaigns, want %d and %d", again.Reports, again.Campaigns, st.Reports, st.Campaigns)
	}
	if code := op.do("GET", "/v1/organisations?pageSize=1", nil, &orgs); code != http.StatusOK || orgs.TotalSize != 300 {
		t.Fatalf("organisations after the second load: %d in all, want 300", orgs.TotalSize)
	}
}
