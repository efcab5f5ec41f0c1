package grafana

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCommittedDashboardIsGenerated keeps nastavnik.json equal to what the
// code builds: change dashboard.go, then run `go run ./grafana/gen` in deploy/.
func TestCommittedDashboardIsGenerated(t *testing.T) {
	want, err := JSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("nastavnik.json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("nastavnik.json is stale; run `go run ./grafana/gen` in deploy/ (-generated +committed):\n%s", diff)
	}
}

// TestEveryPanelQueriesPrometheus checks the built dashboard's structure:
// every panel has a title and at least one query, each with an expression,
// against the datasource variable.
func TestEveryPanelQueriesPrometheus(t *testing.T) {
	b, err := JSON()
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Type, Title string
			Datasource  *struct{ Type, UID string }
			Targets     []struct {
				Expr       string
				Datasource struct{ Type, UID string }
			}
		}
		Templating struct {
			List []struct{ Name, Type, Query string }
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Templating.List) != 1 || d.Templating.List[0].Name != "datasource" {
		t.Errorf("variables %+v, want one: datasource", d.Templating.List)
	}
	var panels int
	for _, p := range d.Panels {
		if p.Type == "row" {
			continue
		}
		panels++
		if p.Title == "" || len(p.Targets) == 0 {
			t.Errorf("panel %q (%s) has %d queries", p.Title, p.Type, len(p.Targets))
		}
		for _, q := range p.Targets {
			if q.Expr == "" || q.Datasource.UID != "${datasource}" || q.Datasource.Type != "prometheus" {
				t.Errorf("panel %q: query %+v", p.Title, q)
			}
		}
	}
	if panels < 20 {
		t.Errorf("%d panels, want every row filled", panels)
	}
}
