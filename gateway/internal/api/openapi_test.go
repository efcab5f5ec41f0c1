package api

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nastavnik/nastavnik/platform/idempotency"
)

type servedOp struct {
	OperationID string `json:"operationId"`
	Parameters  []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
}

func served(t *testing.T) map[string]map[string]servedOp {
	t.Helper()
	h, err := OpenAPIHandler()
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	body, _ := io.ReadAll(rec.Body)
	var doc struct {
		Info struct {
			Title string `json:"title"`
		} `json:"info"`
		Paths map[string]map[string]servedOp `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Info.Title != "nastavnik API" {
		t.Errorf("title %q, want nastavnik API", doc.Info.Title)
	}
	return doc.Paths
}

// TestOpenAPIListsHandRoutes: every hand-written route is in the served
// document, with the parameters of the route it is like; and NewMux has no
// way to register a route but through HandRoutes (one HandPath call).
func TestOpenAPIListsHandRoutes(t *testing.T) {
	paths := served(t)
	want := map[string]bool{"GET /v1/aggregates:download": false}
	for _, h := range HandRoutes {
		op, ok := paths[h.Path][strings.ToLower(h.Method)]
		if !ok {
			t.Errorf("%s %s is not in the OpenAPI document", h.Method, h.Path)
			continue
		}
		like := paths[h.Like][strings.ToLower(h.Method)]
		if op.OperationID != h.OperationID || len(op.Parameters) == 0 || len(op.Parameters) != len(like.Parameters) {
			t.Errorf("%s %s: %+v, want %s with the parameters of %s", h.Method, h.Path, op, h.OperationID, h.Like)
		}
		want[h.Method+" "+h.Path] = true
	}
	for r, seen := range want {
		if !seen {
			t.Errorf("%s is not among HandRoutes", r)
		}
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		calls += strings.Count(string(src), ".HandlePath(")
	}
	if calls != 1 {
		t.Errorf("%d HandlePath calls in the package, want the one that registers HandRoutes", calls)
	}
}

// TestOpenAPINamesIdempotencyKey: the operations of the methods that take an
// idempotency key, and only they, list the Idempotency-Key header.
func TestOpenAPINamesIdempotencyKey(t *testing.T) {
	paths := served(t)
	keyed := map[string]bool{}
	for _, m := range idempotency.Methods() {
		svc, name, _ := strings.Cut(strings.TrimPrefix(m, "/"), "/")
		keyed[svc[strings.LastIndex(svc, ".")+1:]+"_"+name] = true
	}
	found := map[string]bool{}
	for path, ops := range paths {
		for method, op := range ops {
			has := false
			for _, p := range op.Parameters {
				if p.Name == idempotency.Header && p.In == "header" {
					has = true
				}
			}
			if has != keyed[op.OperationID] {
				t.Errorf("%s %s (%s): Idempotency-Key listed %v, want %v", method, path, op.OperationID, has, keyed[op.OperationID])
			}
			if has {
				found[op.OperationID] = true
			}
		}
	}
	for id := range keyed {
		if !found[id] {
			t.Errorf("%s takes a key but no operation of the document lists the header", id)
		}
	}
	for _, id := range []string{"ReportService_SubmitReport", "OrganisationService_CreateOrganisation", "RoadmapService_CreateItem"} {
		if !found[id] {
			t.Errorf("%s does not list Idempotency-Key", id)
		}
	}
}
