package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/nastavnik/nastavnik/platform/servicetest"
)

var (
	promStrings  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	promMatchers = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promToken    = regexp.MustCompile(`\$?[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?|[0-9][0-9A-Za-z.+]*`)
	promKeywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true,
		"without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true, "inf": true, "nan": true}
)

// metricNames are the metric names a PromQL expression selects: what is left
// once strings, label matchers, ranges, groupings, functions, keywords,
// numbers and Grafana's $variables are taken out.
func metricNames(expr string) []string {
	s := promStrings.ReplaceAllString(expr, " ")
	s = promMatchers.ReplaceAllString(s, " ")
	s = promGrouping.ReplaceAllString(s, " ")
	var out []string
	for _, tok := range promToken.FindAllString(s, -1) {
		if tok[0] == '$' || (tok[0] >= '0' && tok[0] <= '9') || strings.HasSuffix(tok, "(") || promKeywords[strings.ToLower(tok)] {
			continue
		}
		out = append(out, tok)
	}
	return out
}

func TestMetricNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want []string
	}{
		{`sum by (route) (rate(http_requests_total{code=~"5.."}[$__rate_interval]))`, []string{"http_requests_total"}},
		{`histogram_quantile(0.95, sum by (le) (rate(a_bucket[5m]))) > 1e3 and on () b offset 1d`, []string{"a_bucket", "b"}},
		{`sum(x) / ignoring (code) group_left sum(nastavnik:y:rate5m) - time() < 3 * 86400`, []string{"x", "nastavnik:y:rate5m"}},
	}
	for _, tc := range tests {
		if got := metricNames(tc.expr); !slices.Equal(got, tc.want) {
			t.Errorf("metricNames(%q) = %v, want %v", tc.expr, got, tc.want)
		}
	}
}

// exposed collects every metric name on a /metrics page, with a histogram's
// _bucket, _sum and _count series.
func exposed(page string, into map[string]bool) {
	for _, line := range strings.Split(page, "\n") {
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			into[name] = true
			if typ == "histogram" || typ == "summary" {
				into[name+"_sum"], into[name+"_count"] = true, true
			}
			if typ == "histogram" {
				into[name+"_bucket"] = true
			}
		}
	}
}

// TestDashboardAndAlertMetricsExist runs the platform with a campaign and
// reports in it, scrapes the gateway and the three services, and checks that
// every metric the alert rules and the Grafana dashboard query is one they
// expose (or one the rules record).
func TestDashboardAndAlertMetricsExist(t *testing.T) {
	f := newFixture(t)
	f.freshReport("curator", true, "submitted") // saves, submits; the region gauges get a campaign
	if code := f.clients["operator"].do("GET", "/v1/regions", nil, nil); code != http.StatusOK {
		t.Fatalf("GET /v1/regions = %d", code)
	}

	names := map[string]bool{"up": true} // up: Prometheus's own, per target
	for _, addr := range []string{f.p.metrics, f.p.reg.MetricsAddr, f.p.rm.MetricsAddr, f.p.ind.MetricsAddr} {
		exposed(servicetest.Scrape(t, addr), names)
	}
	for _, must := range []string{"http_requests_total", "grpc_server_handled_total", "nastavnik_db_pool_acquired_conns",
		"nastavnik_reports_saved_total", "nastavnik_region_completeness_ratio"} {
		if !names[must] {
			t.Fatalf("%s is not exposed: the scrape is not what this test expects", must)
		}
	}

	exprs := map[string]string{} // expression → where
	rulesFile, err := os.ReadFile("../../../deploy/prometheus/nastavnik.rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct{ Record, Alert, Expr string }
		}
	}
	if err := yaml.Unmarshal(rulesFile, &rules); err != nil {
		t.Fatal(err)
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				names[r.Record] = true
			}
			exprs[r.Expr] = "rule " + r.Record + r.Alert
		}
	}
	dash, err := os.ReadFile("../../../deploy/grafana/nastavnik.json")
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(dash, &tree); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if e, ok := v["expr"].(string); ok {
				exprs[e] = "dashboard"
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(tree)
	if len(exprs) < 30 {
		t.Fatalf("found %d expressions in the rules and the dashboard, want them all", len(exprs))
	}

	// The check itself: a misspelt metric is caught.
	exprs[`rate(nastavnik_reports_sav_total[5m])`] = "a misspelt example"
	var missing []string
	for e, where := range exprs {
		for _, n := range metricNames(e) {
			if !names[n] {
				missing = append(missing, where+": "+n)
			}
		}
	}
	if want := []string{"a misspelt example: nastavnik_reports_sav_total"}; !slices.Equal(missing, want) {
		t.Errorf("metrics queried but not exposed: %v, want only %v", missing, want)
	}
}
