package server_test

import (
	"testing"
)

// A save asked for in the BASIC view (AIP-157) answers the saved report's
// version and violations without its values; without a view it answers the
// whole report; an unknown view is a 400 naming view.
func TestSaveReportInBasicView(t *testing.T) {
	f := newFixture(t)
	f.indicators()
	report := f.newReport(f.newCampaign(f.munA), f.a1.GetId(), "filled")
	cur := f.clients["curator"]
	type answer struct {
		ID         string                    `json:"id"`
		Version    string                    `json:"version"`
		Status     string                    `json:"status"`
		Values     map[string]map[string]any `json:"values"`
		Violations []struct {
			Rule   string   `json:"rule"`
			Fields []string `json:"fields"`
		} `json:"violations"`
	}
	var r answer
	if code := cur.do("GET", "/v1/reports/"+report, nil, &r); code != 200 || len(r.Values) == 0 {
		t.Fatalf("GET: %d, %d values", code, len(r.Values))
	}
	save := func(view any, count string) (int, answer) {
		t.Helper()
		body := map[string]any{"version": r.Version, "values": map[string]any{"teachers_total": map[string]string{"count": count}}}
		if view != nil {
			body["view"] = view
		}
		var a answer
		return cur.do("PATCH", "/v1/reports/"+report, body, &a), a
	}
	code, basic := save("REPORT_VIEW_BASIC", "1")
	if code != 200 || basic.ID != report || basic.Version == r.Version || basic.Status == "" || len(basic.Values) != 0 {
		t.Fatalf("a BASIC save: got %d %+v, want 200 with a new version and no values", code, basic)
	}
	var stored answer
	if cur.do("GET", "/v1/reports/"+report, nil, &stored); stored.Version != basic.Version || stored.Values["teachers_total"]["count"] != "1" {
		t.Fatalf("after the BASIC save the report reads version %s, teachers %v; want %s and 1", stored.Version, stored.Values["teachers_total"], basic.Version)
	}
	if len(basic.Violations) == 0 || len(basic.Violations) != len(stored.Violations) {
		t.Errorf("a BASIC save answers %d violations, the report reads %d (1 teacher is fewer than its young teachers: want some)",
			len(basic.Violations), len(stored.Violations))
	}
	r = basic
	for _, view := range []any{nil, "REPORT_VIEW_FULL"} {
		code, full := save(view, "60")
		if code != 200 || len(full.Values) != len(stored.Values) || full.Values["teachers_total"]["count"] != "60" {
			t.Errorf("a save in view %v: got %d with %d values (teachers %v), want 200 with %d values", view, code, len(full.Values),
				full.Values["teachers_total"], len(stored.Values))
		}
		r = full
	}
	var e apiError
	body := map[string]any{"version": r.Version, "view": "REPORT_VIEW_NONE", "values": map[string]any{}}
	if code := cur.do("PATCH", "/v1/reports/"+report, body, &e); code != 400 || len(e.Details) != 1 || e.Details[0].Field != "view" {
		t.Errorf("an unknown view: got %d %+v, want 400 naming view", code, e)
	}
}
