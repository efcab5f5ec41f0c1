package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/nastavnik/nastavnik/platform/idempotency"
)

// keyed sends a JSON request with an Idempotency-Key and decodes the answer
// into out; it returns the status and whether the answer was a replay.
func (c client) keyed(method, path, key string, body, out any) (int, bool) {
	c.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(b))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set(idempotency.Header, key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, resp.Header.Get("Idempotent-Replayed") == "true"
}

type keyedReport struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Status  string `json:"status"`
}

// TestIdempotencyKeys: every keyed write through the gateway — create, save,
// submit, return, accept — sent twice changes the data once and answers the
// repeat with the first answer; the same key with another request is a 400
// naming the key; a key on a write that takes none is refused.
func TestIdempotencyKeys(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	curator, methodologist := f.clients["curator"], f.clients["methodologist"]
	f.indicators() // the published form
	campaign := f.newCampaign(f.munA)

	// counts is the number of reports of the campaign and of history rows of
	// report id.
	counts := func(id string) (reports, events int) {
		t.Helper()
		if err := f.idb.QueryRow(ctx, `SELECT count(*) FROM reports WHERE campaign_id = $1`, campaign).Scan(&reports); err != nil {
			t.Fatal(err)
		}
		if id != "" {
			if err := f.idb.QueryRow(ctx, `SELECT count(*) FROM report_events WHERE report_id = $1`, id).Scan(&events); err != nil {
				t.Fatal(err)
			}
		}
		return reports, events
	}
	// twice sends a keyed write twice and checks that the second answer is
	// the first, replayed, and that the counts did not move.
	var r keyedReport
	twice := func(c client, name, method, path string, body any, wantStatus string) {
		t.Helper()
		key := fmt.Sprintf("test-%s-%d", name, f.seq())
		var first, second keyedReport
		if code, replayed := c.keyed(method, path, key, body, &first); code != http.StatusOK || replayed {
			t.Fatalf("%s: %d replayed=%v, want 200 fresh", name, code, replayed)
		}
		reports, events := counts(first.ID)
		if code, replayed := c.keyed(method, path, key, body, &second); code != http.StatusOK || !replayed {
			t.Fatalf("%s again: %d replayed=%v, want 200 replayed", name, code, replayed)
		}
		if second != first || first.Status != wantStatus {
			t.Errorf("%s: got %+v then %+v, want the same answer in %s", name, first, second, wantStatus)
		}
		if r2, e2 := counts(first.ID); r2 != reports || e2 != events {
			t.Errorf("%s repeated: %d reports, %d history rows, want %d, %d", name, r2, e2, reports, events)
		}
		r = first
	}

	values := map[string]any{}
	for k, v := range f.indicators().values {
		b, _ := protojson.Marshal(v)
		var m any
		_ = json.Unmarshal(b, &m)
		values[k] = m
	}
	twice(curator, "create", "POST", "/v1/campaigns/"+campaign+"/reports", map[string]any{"organisationId": f.a1.GetId()}, "REPORT_STATUS_DRAFT")
	if reports, _ := counts(""); reports != 1 {
		t.Fatalf("after a repeated create: %d reports, want 1", reports)
	}
	twice(curator, "save", "PATCH", "/v1/reports/"+r.ID, map[string]any{"version": r.Version, "values": values}, "REPORT_STATUS_DRAFT")
	twice(curator, "submit", "POST", "/v1/reports/"+r.ID+":submit", map[string]any{"version": r.Version}, "REPORT_STATUS_SUBMITTED")
	twice(methodologist, "return", "POST", "/v1/reports/"+r.ID+":return", map[string]any{"version": r.Version, "comment": "Проверьте число наставников"}, "REPORT_STATUS_RETURNED")
	twice(curator, "resubmit", "POST", "/v1/reports/"+r.ID+":submit", map[string]any{"version": r.Version}, "REPORT_STATUS_SUBMITTED")
	twice(methodologist, "accept", "POST", "/v1/reports/"+r.ID+":accept", map[string]any{"version": r.Version}, "REPORT_STATUS_ACCEPTED")

	t.Run("the same key with another request names the key", func(t *testing.T) {
		key := fmt.Sprint("reused-", f.seq())
		o := organisation{MunicipalityID: f.munA, FullName: "МАОУ «Средняя школа № 900»", ShortName: "МАОУ СШ № 900",
			INN: validINN(900), Kind: "ORGANISATION_KIND_SCHOOL"}
		op := f.p.as(t, "operator", operatorPassword)
		if code, _ := op.keyed("POST", "/v1/organisations", key, o, nil); code != http.StatusOK {
			t.Fatalf("create: %d", code)
		}
		o.ShortName = "МАОУ СШ № 901"
		var e apiError
		if code, _ := op.keyed("POST", "/v1/organisations", key, o, &e); code != http.StatusBadRequest ||
			len(e.Details) != 1 || e.Details[0].Field != idempotency.Header || e.Details[0].Reason != "idempotency_key_reused" {
			t.Errorf("reused key: %d %+v, want 400 naming %s", code, e, idempotency.Header)
		}
	})
	t.Run("an expired key is free again and expired keys are removed", func(t *testing.T) {
		op := f.p.as(t, "operator", operatorPassword)
		key := fmt.Sprint("expiring-", f.seq())
		create := func(key string, n int) (int, bool) {
			o := organisation{MunicipalityID: f.munA, FullName: fmt.Sprintf("МАОУ «Средняя школа № %d»", n),
				ShortName: fmt.Sprintf("МАОУ СШ № %d", n), INN: validINN(n), Kind: "ORGANISATION_KIND_SCHOOL"}
			return op.keyed("POST", "/v1/organisations", key, o, nil)
		}
		if code, _ := create(key, 920); code != http.StatusOK {
			t.Fatalf("create: %d", code)
		}
		if _, err := f.db.Exec(ctx, `UPDATE idempotency_keys SET expire_time = now() - interval '1 second' WHERE key = $1`, key); err != nil {
			t.Fatal(err)
		}
		if code, replayed := create(key, 921); code != http.StatusOK || replayed {
			t.Errorf("another request under an expired key: %d replayed=%v, want 200 fresh", code, replayed)
		}
		if _, err := f.db.Exec(ctx, `UPDATE idempotency_keys SET expire_time = now() - interval '1 second' WHERE key = $1`, key); err != nil {
			t.Fatal(err)
		}
		if code, _ := create(key+"-next", 922); code != http.StatusOK { // a new key's write removes the expired ones
			t.Fatalf("create: %d", code)
		}
		var expired int
		if err := f.db.QueryRow(ctx, `SELECT count(*) FROM idempotency_keys WHERE expire_time < now()`).Scan(&expired); err != nil {
			t.Fatal(err)
		}
		if expired != 0 {
			t.Errorf("%d expired keys left, want them removed", expired)
		}
	})
	t.Run("a key on a write that takes none is refused", func(t *testing.T) {
		var e apiError
		if code, _ := methodologist.keyed("POST", "/v1/campaigns/"+campaign+":close", "close-1", map[string]any{"version": "1"}, &e); code != http.StatusBadRequest ||
			len(e.Details) != 1 || e.Details[0].Reason != "idempotency_key_unsupported" {
			t.Errorf("close with a key: %d %+v, want 400 idempotency_key_unsupported", code, e)
		}
	})
	t.Run("a roadmap's edit sent twice changes it once", func(t *testing.T) {
		op := f.p.as(t, "operator", operatorPassword)
		type roadmap struct {
			Roadmap struct {
				ID, Version string
				Stages      []struct{ Title string }
			}
		}
		var rm roadmap
		if code, _ := op.keyed("POST", "/v1/roadmaps", fmt.Sprint("roadmap-", f.seq()), map[string]any{
			"owner": map[string]string{"municipalityId": f.munA}, "title": "Дорожная карта",
			"periodStart": "2026-09-01", "periodEnd": "2027-06-30"}, &rm); code != http.StatusOK {
			t.Fatalf("create roadmap: %d", code)
		}
		key := fmt.Sprint("stage-", f.seq())
		body := map[string]any{"version": rm.Roadmap.Version, "title": "Подготовительный этап"}
		var first, second roadmap
		if code, replayed := op.keyed("POST", "/v1/roadmaps/"+rm.Roadmap.ID+"/stages", key, body, &first); code != http.StatusOK || replayed {
			t.Fatalf("create stage: %d replayed=%v, want 200 fresh", code, replayed)
		}
		// Without the key the repeat would be a 409: the version moved on.
		if code, replayed := op.keyed("POST", "/v1/roadmaps/"+rm.Roadmap.ID+"/stages", key, body, &second); code != http.StatusOK || !replayed {
			t.Fatalf("create stage again: %d replayed=%v, want 200 replayed", code, replayed)
		}
		var got roadmap
		if code := op.do("GET", "/v1/roadmaps/"+rm.Roadmap.ID, nil, &got); code != http.StatusOK ||
			len(got.Roadmap.Stages) != 1 || got.Roadmap.Version != first.Roadmap.Version || second.Roadmap.Version != first.Roadmap.Version {
			t.Errorf("after a repeated stage: %d %+v (answers v%s, v%s), want one stage at v%s",
				code, got.Roadmap, first.Roadmap.Version, second.Roadmap.Version, first.Roadmap.Version)
		}
	})
	t.Run("keys of different callers do not meet", func(t *testing.T) {
		key := fmt.Sprint("shared-", f.seq())
		var a, b organisation
		for _, c := range []struct {
			client client
			n      int
			out    *organisation
		}{{methodologist, 910, &a}, {f.p.as(t, "operator", operatorPassword), 911, &b}} {
			o := organisation{MunicipalityID: f.munA, FullName: fmt.Sprintf("МАОУ «Средняя школа № %d»", c.n),
				ShortName: fmt.Sprintf("МАОУ СШ № %d", c.n), INN: validINN(c.n), Kind: "ORGANISATION_KIND_SCHOOL"}
			if code, replayed := c.client.keyed("POST", "/v1/organisations", key, o, c.out); code != http.StatusOK || replayed {
				t.Fatalf("create %d: %d replayed=%v, want 200 fresh", c.n, code, replayed)
			}
		}
		if a.ID == b.ID {
			t.Errorf("two callers with one key got one organisation %s", a.ID)
		}
	})
}

// TestIdempotencyKeyConcurrent: eight requests sent at once with one key
// create one organisation and submit a report once; every one of them gets
// the same answer.
func TestIdempotencyKeyConcurrent(t *testing.T) {
	f := newFixture(t)
	op := f.p.as(t, "operator", operatorPassword)
	f.indicators() // the published form
	const n = 8
	run := func(name string, c client, method, path string, body any) []keyedReport {
		t.Helper()
		key := fmt.Sprint("concurrent-", name, f.seq())
		got := make([]keyedReport, n)
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { codes[i], _ = c.keyed(method, path, key, body, &got[i]) })
		}
		wg.Wait()
		for i := range n {
			if codes[i] != http.StatusOK || got[i] != got[0] {
				t.Errorf("%s %d: %d %+v, want 200 %+v", name, i, codes[i], got[i], got[0])
			}
		}
		return got
	}
	o := organisation{MunicipalityID: f.munA, FullName: "МАОУ «Средняя школа № 950»", ShortName: "МАОУ СШ № 950",
		INN: validINN(950), Kind: "ORGANISATION_KIND_SCHOOL"}
	run("organisation", op, "POST", "/v1/organisations", o)
	var orgs int
	if err := f.db.QueryRow(context.Background(), `SELECT count(*) FROM organisations WHERE short_name = $1`, o.ShortName).Scan(&orgs); err != nil {
		t.Fatal(err)
	}
	if orgs != 1 {
		t.Errorf("%d organisations, want 1", orgs)
	}

	id := f.newReport(f.newCampaign(f.munA), f.a1.GetId(), "filled")
	var cur keyedReport
	if code := f.clients["curator"].do("GET", "/v1/reports/"+id, nil, &cur); code != http.StatusOK {
		t.Fatalf("get: %d", code)
	}
	got := run("submit", f.clients["curator"], "POST", "/v1/reports/"+id+":submit", map[string]any{"version": cur.Version})
	var submits int
	if err := f.idb.QueryRow(context.Background(), `SELECT count(*) FROM report_events WHERE report_id = $1 AND kind = 'status' AND new_value = 'submitted'`, id).Scan(&submits); err != nil {
		t.Fatal(err)
	}
	if submits != 1 || got[0].Status != "REPORT_STATUS_SUBMITTED" {
		t.Errorf("%d submissions recorded, report %s, want 1 and submitted", submits, got[0].Status)
	}
}
