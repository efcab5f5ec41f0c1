package server_test

import (
	"net/http"
	"testing"

	"github.com/nastavnik/nastavnik/platform/servicetest"
)

// TestRouteMetrics sends API calls and page requests through the real
// gateway and reads its /metrics: every request is counted under its route
// pattern, never its raw path.
func TestRouteMetrics(t *testing.T) {
	p := startPlatform(t)
	op := p.operator(t)
	const missing = "00000000-0000-4000-8000-00000000dead"
	for range 2 {
		if code := op.do("GET", "/v1/regions", nil, nil); code != http.StatusOK {
			t.Fatalf("GET /v1/regions = %d", code)
		}
	}
	if code := op.do("GET", "/v1/campaigns/"+missing, nil, nil); code != http.StatusNotFound {
		t.Fatalf("GET a missing campaign = %d", code)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]int{"/login": http.StatusOK, "/reports/" + missing: http.StatusSeeOther, "/no/such/page": http.StatusNotFound} {
		resp, err := noRedirect.Get(p.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}

	page := servicetest.Scrape(t, p.metrics)
	tests := []struct {
		labels string
		want   float64
	}{
		{`{code="200",method="GET",route="/v1/regions"}`, 2},
		{`{code="404",method="GET",route="/v1/campaigns/{id=*}"}`, 1},
		{`{code="200",method="POST",route="/v1/auth/token"}`, 1},
		{`{code="200",method="GET",route="/login"}`, 1},
		{`{code="303",method="GET",route="/reports/{id}"}`, 1},
		{`{code="404",method="GET",route="unmatched"}`, 1},
	}
	for _, tc := range tests {
		if got, ok := servicetest.Sample(page, "http_requests_total", tc.labels); !ok || got != tc.want {
			t.Errorf("http_requests_total%s = %v (present %v), want %v", tc.labels, got, ok, tc.want)
		}
	}
	if got, ok := servicetest.Sample(page, "http_request_duration_seconds_count", `{class="2xx",method="GET",route="/v1/regions"}`); !ok || got != 2 {
		t.Errorf("duration count of GET /v1/regions = %v (present %v), want 2", got, ok)
	}
	if _, ok := servicetest.Sample(page, "http_requests_in_flight", ""); !ok {
		t.Error("http_requests_in_flight is missing")
	}
}
