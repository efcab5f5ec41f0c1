package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// groupSizes is a collector shaped as the indicators' (their metrics.go):
// a constant histogram of the group commit's group sizes.
type groupSizes struct {
	count   uint64
	sum     float64
	buckets map[float64]uint64
}

var groupSizeDesc = prometheus.NewDesc("nastavnik_report_write_group_size", "Held saves sent together.", nil, nil)

func (g *groupSizes) Describe(ch chan<- *prometheus.Desc) { ch <- groupSizeDesc }

func (g *groupSizes) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstHistogram(groupSizeDesc, g.count, g.sum, g.buckets)
}

// The load reads the group commit's figures from a metrics page as
// Prometheus's client writes it, and the difference over a phase.
func TestScrapeWriteGroups(t *testing.T) {
	g := &groupSizes{count: 10, sum: 25, buckets: map[float64]uint64{1: 4, 2: 6, 4: 9, 8: 10}}
	reg := prometheus.NewRegistry()
	busy := prometheus.NewCounter(prometheus.CounterOpts{Name: "nastavnik_report_write_flush_seconds_total"})
	busy.Add(1.5)
	reg.MustRegister(g, prometheus.NewCounter(prometheus.CounterOpts{Name: "nastavnik_report_write_groups_failed_total"}), busy)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	before := scrapeWriteGroups(addr)
	if !before.ok || before.groups != 10 || before.saves != 25 || before.alone != 4 || !before.busyOK || before.busy != 1.5 {
		t.Fatalf("scraped %+v, want 10 groups of 25 saves, 4 alone, 1.5 s on their way", before)
	}
	g.count, g.sum, g.buckets[1], g.buckets[2], g.buckets[4], g.buckets[8] = 16, 40, 5, 9, 14, 16
	busy.Add(0.25)
	if got := scrapeWriteGroups(addr).minus(before); !got.ok || got.groups != 6 || got.saves != 15 || got.alone != 1 || !got.busyOK || got.busy != 0.25 {
		t.Errorf("over the phase %+v, want 6 groups of 15 saves, 1 alone, 0.25 s on their way", got)
	}

	// A page without the histogram (another process), or no page at all,
	// gives nothing to print.
	if got := scrapeWriteGroups(""); got.ok {
		t.Errorf("no address: %+v", got)
	}
	empty := httptest.NewServer(promhttp.HandlerFor(prometheus.NewRegistry(), promhttp.HandlerOpts{}))
	defer empty.Close()
	if got := scrapeWriteGroups(strings.TrimPrefix(empty.URL, "http://")); got.ok {
		t.Errorf("a page without the histogram: %+v", got)
	}
	// Indicators that do not tell the flushes' time still tell the groups.
	old := prometheus.NewRegistry()
	old.MustRegister(&groupSizes{count: 1, sum: 1, buckets: map[float64]uint64{1: 1}})
	oldSrv := httptest.NewServer(promhttp.HandlerFor(old, promhttp.HandlerOpts{}))
	defer oldSrv.Close()
	if got := scrapeWriteGroups(strings.TrimPrefix(oldSrv.URL, "http://")); !got.ok || got.busyOK {
		t.Errorf("a page without the flushes' time: %+v, want the groups alone", got)
	}
	if got := scrapeWriteGroups(addr).minus(writeGroups{}); got.ok {
		t.Errorf("a difference from a failed scrape: %+v", got)
	}
}

// The machine's busy time grows at least by the CPU this test burns.
func TestMachineBusy(t *testing.T) {
	before := machineBusy()
	if before <= 0 {
		t.Fatalf("machine busy %v", before)
	}
	for start := time.Now(); time.Since(start) < 300*time.Millisecond; {
	}
	if busy := machineBusy() - before; busy < 200*time.Millisecond {
		t.Errorf("the machine was busy %v while this test spun 300 ms", busy)
	}
}

// The reads take their answers as they came: asked compressed, not
// inflated (a 200 whose body claims gzip but is not passes), and an error's
// compressed JSON is inflated for its code.
func TestGetLeavesTheAnswerCompressed(t *testing.T) {
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.Header.Get("Accept-Encoding"))
		w.Header().Set("Content-Encoding", "gzip")
		if r.URL.Path == "/ok" {
			_, _ = w.Write([]byte("not gzip at all: the load must not inflate it"))
			return
		}
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write([]byte(`{"code":"PERMISSION_DENIED","message":"нет доступа"}`))
		_ = zw.Close()
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write(b.Bytes())
	}))
	defer srv.Close()
	c := client{base: srv.URL, http: srv.Client(), token: "t"}

	if err := c.get(context.Background(), "/ok"); err != nil {
		t.Errorf("a 200: %v, want nil (its answer read as it came)", err)
	}
	var ae *apiError
	if err := c.get(context.Background(), "/denied"); !errors.As(err, &ae) || ae.Status != http.StatusForbidden || ae.Code != "PERMISSION_DENIED" {
		t.Errorf("a 403: %v, want an apiError with its code", err)
	}
	if strings.Join(asked, ",") != "gzip,gzip" {
		t.Errorf("Accept-Encoding %q, want gzip each time", asked)
	}
}
