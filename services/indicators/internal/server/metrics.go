package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// metrics are the service's business counters. The zero value (no
// Instrument) counts nothing.
type metrics struct {
	saved, submitted prometheus.Counter
}

func (m metrics) reportSaved() {
	if m.saved != nil {
		m.saved.Inc()
	}
}

func (m metrics) reportSubmitted() {
	if m.submitted != nil {
		m.submitted.Inc()
	}
}

// Instrument registers the business metrics on reg: counters of reports
// saved and submitted (rate() gives them per hour), and per-region gauges of
// the open campaigns (completeness, late share, reports awaiting review),
// computed by one bounded query at most every cacheFor, on scrape.
func (s *Server) Instrument(reg prometheus.Registerer, logger *slog.Logger, cacheFor time.Duration) error {
	s.metrics = metrics{
		saved: prometheus.NewCounter(prometheus.CounterOpts{Name: "nastavnik_reports_saved_total",
			Help: "Reports saved (a successful SaveReport)."}),
		submitted: prometheus.NewCounter(prometheus.CounterOpts{Name: "nastavnik_reports_submitted_total",
			Help: "Reports submitted for review (a successful SubmitReport)."}),
	}
	writes := func(read string, n func(held, locked int64) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "nastavnik_report_writes_total",
			Help:        "Reports written, by how the write read the report: held (one statement guarded by the rows the replica held) or locked (read under lock first).",
			ConstLabels: prometheus.Labels{"read": read}},
			func() float64 { return float64(n(s.store.Writes())) })
	}
	for _, c := range []prometheus.Collector{s.metrics.saved, s.metrics.submitted,
		writes("held", func(held, _ int64) int64 { return held }), writes("locked", func(_, locked int64) int64 { return locked }),
		writeGroups{s.store}, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "nastavnik_report_write_queue",
			Help: "Held saves waiting for a flush of their group (store.MaxGroupFlushes running)."},
			func() float64 { return float64(s.store.WriteGroups().Queued) }),
		newStandings(s.store, func() time.Time { return s.now() }, logger, cacheFor)} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// writeGroups collects the group commit's figures (store.WriteGroups): a
// histogram of the sizes of the groups of held saves sent (1: a save that
// went alone), the count of groups that failed as a whole and the time the
// flushes were on their way.
type writeGroups struct{ store *store.Store }

var (
	writeGroupSize = prometheus.NewDesc("nastavnik_report_write_group_size",
		"Held saves sent to the database together, as one transaction (1: alone).", nil, nil)
	writeGroupsFailed = prometheus.NewDesc("nastavnik_report_write_groups_failed_total",
		"Groups of held saves that failed as a whole (each save was then sent again alone).", nil, nil)
	writeGroupsBusy = prometheus.NewDesc("nastavnik_report_write_flush_seconds_total",
		"Time the flushes of held saves spent sending their groups and waiting for the answers: its rate is the share of time a flush was on its way (at most store.MaxGroupFlushes); divided by the groups sent, a group's round trip.", nil, nil)
	// writeGroupBuckets are the histogram's upper bounds, up to
	// store.MaxGroup.
	writeGroupBuckets = []int{1, 2, 3, 4, 6, 8, 12, 16, 24, store.MaxGroup}
)

// Describe implements prometheus.Collector.
func (c writeGroups) Describe(ch chan<- *prometheus.Desc) {
	ch <- writeGroupSize
	ch <- writeGroupsFailed
	ch <- writeGroupsBusy
}

// Collect implements prometheus.Collector.
func (c writeGroups) Collect(ch chan<- prometheus.Metric) {
	st := c.store.WriteGroups()
	var (
		count, sum uint64
		buckets    = make(map[float64]uint64, len(writeGroupBuckets))
		next       = 0
	)
	for n := 1; n < len(st.Sizes); n++ {
		for n > writeGroupBuckets[next] {
			buckets[float64(writeGroupBuckets[next])] = count
			next++
		}
		count += uint64(st.Sizes[n])
		sum += uint64(n) * uint64(st.Sizes[n])
	}
	for ; next < len(writeGroupBuckets); next++ {
		buckets[float64(writeGroupBuckets[next])] = count
	}
	ch <- prometheus.MustNewConstHistogram(writeGroupSize, count, float64(sum), buckets)
	ch <- prometheus.MustNewConstMetric(writeGroupsFailed, prometheus.CounterValue, float64(st.Failed))
	ch <- prometheus.MustNewConstMetric(writeGroupsBusy, prometheus.CounterValue, st.Busy.Seconds())
}

// standings collects the per-region gauges from store.RegionStandings,
// cached so that frequent scrapes (or several Prometheus servers) cost one
// query per cacheFor. When the query fails the last answer is served and the
// failure counted.
type standings struct {
	store    *store.Store
	now      func() time.Time
	logger   *slog.Logger
	cacheFor time.Duration

	mu      sync.Mutex
	at      time.Time
	regions []store.RegionStanding
	errors  float64

	expected, submitted, completeness, late, awaiting, oldest, deadline, failures *prometheus.Desc
}

func newStandings(st *store.Store, now func() time.Time, logger *slog.Logger, cacheFor time.Duration) *standings {
	region := []string{"region"}
	return &standings{store: st, now: now, logger: logger, cacheFor: cacheFor,
		expected: prometheus.NewDesc("nastavnik_region_expected_organisations",
			"Organisations expected to report in the campaigns open now.", region, nil),
		submitted: prometheus.NewDesc("nastavnik_region_submitted_reports",
			"Reports of the open campaigns submitted or accepted.", region, nil),
		completeness: prometheus.NewDesc("nastavnik_region_completeness_ratio",
			"Share of the expected organisations of the open campaigns whose report is submitted or accepted.", region, nil),
		late: prometheus.NewDesc("nastavnik_region_late_ratio",
			"Share of the submitted or accepted reports of the open campaigns that came after the deadline in force.", region, nil),
		awaiting: prometheus.NewDesc("nastavnik_region_reports_awaiting_review",
			"Reports submitted and neither accepted nor returned yet.", region, nil),
		oldest: prometheus.NewDesc("nastavnik_region_oldest_awaiting_review_seconds",
			"How long the oldest report awaiting review has waited since it was submitted.", region, nil),
		deadline: prometheus.NewDesc("nastavnik_region_next_deadline_timestamp_seconds",
			"End of the earliest deadline day of the open campaigns (the next midnight UTC after it), as a Unix time.", region, nil),
		failures: prometheus.NewDesc("nastavnik_region_gauges_errors_total",
			"Failed refreshes of the per-region gauges (the previous values were served).", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *standings) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.expected, c.submitted, c.completeness, c.late, c.awaiting, c.oldest, c.deadline, c.failures} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *standings) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) >= c.cacheFor {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		regions, err := c.store.RegionStandings(ctx, c.now())
		cancel()
		if err != nil {
			c.errors++
			c.logger.Warn("business gauges: refresh failed", "error", err)
		} else {
			c.regions = regions
		}
		c.at = time.Now()
	}
	for _, r := range c.regions {
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, r.Region)
		}
		gauge(c.expected, float64(r.Expected))
		gauge(c.submitted, float64(r.Submitted))
		gauge(c.completeness, ratio(r.Submitted, r.Expected))
		gauge(c.late, ratio(r.Late, r.Submitted))
		gauge(c.awaiting, float64(r.AwaitingReview))
		gauge(c.oldest, r.OldestAwaiting.Seconds())
		gauge(c.deadline, float64(r.NextDeadline.AddDate(0, 0, 1).Unix()))
	}
	ch <- prometheus.MustNewConstMetric(c.failures, prometheus.CounterValue, c.errors)
}

// ratio is part/whole, 0 for an empty whole.
func ratio(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}
