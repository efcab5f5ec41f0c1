package server_test

import (
	"net/http"
	"testing"
	"time"
)

// BenchmarkReportFormPage measures the server time of the curator's report
// form (GET /reports/{id}: session, report, form, campaign, rendering) at
// demo scale, against the JSON API's read of the same report
// (GET /v1/reports/{id}) timed alternately in the same loop, so the result is
// a ratio that machine noise hardly moves. scripts/bench-pages.sh runs it.
func BenchmarkReportFormPage(b *testing.B) {
	f := newFixture(b)
	report := f.indicators().repA1
	page := newBrowser(b, f.p.base)
	page.signIn("curator", rolePassword("curator"))
	api := f.clients["curator"]
	apiGet := func() {
		req, _ := http.NewRequest("GET", f.p.base+"/v1/reports/"+report, nil)
		req.Header.Set("Authorization", "Bearer "+api.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("API read: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	var pageTimes, apiTimes []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if code, _ := page.get("/reports/" + report); code != 200 {
			b.Fatalf("page: %d", code)
		}
		pageTimes = append(pageTimes, time.Since(start))
		start = time.Now()
		apiGet()
		apiTimes = append(apiTimes, time.Since(start))
	}
	b.StopTimer()
	p50, p95 := percentiles(pageTimes)
	a50, a95 := percentiles(apiTimes)
	b.ReportMetric(float64(p50.Microseconds())/1000, "page-p50-ms")
	b.ReportMetric(float64(p95.Microseconds())/1000, "page-p95-ms")
	b.ReportMetric(float64(a50.Microseconds())/1000, "api-p50-ms")
	b.ReportMetric(float64(a95.Microseconds())/1000, "api-p95-ms")
	b.ReportMetric(float64(p95)/float64(a95), "p95-ratio")
}
