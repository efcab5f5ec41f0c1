package server_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The aggregate rows of the access matrix: everyone reads the definitions and
// targets; the operator sets any target and a regional centre its region's;
// aggregates are read within the caller's scope (a curator gets its own
// organisation's row), a foreign parent does not exist.

func aggregateRows() map[string]row {
	const svc = "/nastavnik.indicators.v1.AggregateService/"
	target := func(unit string) httpCall {
		return httpCall{"PUT", "/v1/targets", map[string]any{"target": map[string]any{"indicatorCode": "students_in_mentoring_share",
			"year": 2026, "level": "LEVEL_REGION", "unit": unit, "minValue": 70}}}
	}
	aggregates := func(path, prefix string) func(mun func(f *fixture) string) func(f *fixture, role string) httpCall {
		return func(mun func(f *fixture) string) func(f *fixture, role string) httpCall {
			return func(f *fixture, role string) httpCall {
				return httpCall{"GET", path + "?" + prefix + "level=LEVEL_ORGANISATION&" + prefix + "parent=" + mun(f) + "&" + prefix + "years=2026" +
					map[bool]string{true: "&format=EXPORT_FORMAT_CSV"}[prefix != ""], nil}
			}
		}
	}
	own := func(f *fixture) string { return f.munA }
	foreign := func(f *fixture) string { return f.munB }
	get, export := aggregates("/v1/aggregates", ""), aggregates("/v1/aggregates:export", "query.")
	return map[string]row{
		svc + "ListIndicators": {
			own:     func(f *fixture, role string) httpCall { return httpCall{"GET", "/v1/indicators", nil} },
			wantOwn: all(ok), wantForeign: all(ok),
		},
		svc + "ListTargets": {
			own:     func(f *fixture, role string) httpCall { return httpCall{"GET", "/v1/targets?years=2026", nil} },
			wantOwn: all(ok), wantForeign: all(ok),
		},
		svc + "PutTarget": {
			own:     func(f *fixture, role string) httpCall { return target("24") },
			foreign: func(f *fixture, role string) httpCall { return target("43") },
			wantOwn: want{ok, ok, pd, pd}, wantForeign: want{ok, pd, pd, pd},
		},
		svc + "GetAggregates": {
			own: get(own), foreign: get(foreign),
			wantOwn: all(ok), wantForeign: want{ok, nf, nf, nf},
		},
		svc + "RebuildAggregates": {
			own: func(f *fixture, role string) httpCall {
				return httpCall{"POST", "/v1/aggregates:rebuild", map[string]any{}}
			},
			wantOwn: want{ok, pd, pd, pd}, wantForeign: want{ok, pd, pd, pd},
		},
		svc + "ExportAggregates": {
			own: export(own), foreign: export(foreign),
			wantOwn: all(ok), wantForeign: want{ok, nf, nf, nf},
		},
	}
}

// TestAggregateDownload: the export as a file a browser saves, in the
// caller's scope.
func TestAggregateDownload(t *testing.T) {
	p := startPlatform(t)
	op := p.as(t, "operator", operatorPassword)
	get := func(query string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", p.base+"/v1/aggregates:download?"+query, nil)
		req.Header.Set("Authorization", "Bearer "+op.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, body := get("query.level=LEVEL_REGION&query.years=2026&query.years=2025&format=EXPORT_FORMAT_XLSX")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("download: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("Показатели")
	if err != nil || len(rows) < 1 || rows[0][0] != "Уровень" {
		t.Fatalf("xlsx rows: %v %v", err, rows)
	}
	resp, body = get("query.level=LEVEL_REGION&format=EXPORT_FORMAT_CSV")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "query.years") {
		t.Errorf("no years: %d %s", resp.StatusCode, body)
	}
	resp, _ = get("query.level=LEVEL_COUNTRY&query.years=2026&format=EXPORT_FORMAT_CSV")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("csv: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ := http.NewRequest("GET", p.base+"/v1/aggregates:download?query.level=LEVEL_COUNTRY&query.years=2026&format=EXPORT_FORMAT_CSV", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous download: %v %v", err, resp.StatusCode)
	}
}
