package database

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// PoolCollector exports a pgx pool's statistics to Prometheus, read from
// pool.Stat() at every scrape (no background work). Every metric carries the
// label pool: "primary" for the read-write pool, "read" for the replica's.
type PoolCollector struct {
	pools map[string]*pgxpool.Pool

	maxConns, totalConns, acquiredConns, idleConns, constructingConns *prometheus.Desc
	acquires, emptyAcquires, canceledAcquires, newConns               *prometheus.Desc
	acquireSeconds, emptyAcquireWaitSeconds                           *prometheus.Desc
}

var _ prometheus.Collector = (*PoolCollector)(nil)

// NewPoolCollector returns a collector of the named pools (nil ones are
// left out).
func NewPoolCollector(pools map[string]*pgxpool.Pool) *PoolCollector {
	c := &PoolCollector{pools: map[string]*pgxpool.Pool{}}
	for name, p := range pools {
		if p != nil {
			c.pools[name] = p
		}
	}
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("nastavnik_db_pool_"+name, help, []string{"pool"}, nil)
	}
	c.maxConns = d("max_conns", "The pool's maximum size (DATABASE_MAX_CONNS).")
	c.totalConns = d("total_conns", "Connections open now: acquired, idle and being opened.")
	c.acquiredConns = d("acquired_conns", "Connections in use by a request now.")
	c.idleConns = d("idle_conns", "Idle connections now.")
	c.constructingConns = d("constructing_conns", "Connections being opened now.")
	c.acquires = d("acquires_total", "Successful acquisitions of a connection.")
	c.emptyAcquires = d("empty_acquires_total", "Acquisitions that had to wait because no connection was idle.")
	c.canceledAcquires = d("canceled_acquires_total", "Acquisitions given up because the request's context ended.")
	c.newConns = d("new_conns_total", "Connections opened.")
	c.acquireSeconds = d("acquire_seconds_total", "Total time spent acquiring connections.")
	c.emptyAcquireWaitSeconds = d("empty_acquire_wait_seconds_total", "Total time spent waiting for a connection when none was idle.")
	return c
}

// Describe implements prometheus.Collector.
func (c *PoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.maxConns, c.totalConns, c.acquiredConns, c.idleConns, c.constructingConns,
		c.acquires, c.emptyAcquires, c.canceledAcquires, c.newConns, c.acquireSeconds, c.emptyAcquireWaitSeconds} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *PoolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, p := range c.pools {
		s := p.Stat()
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, name)
		}
		counter := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, name)
		}
		gauge(c.maxConns, float64(s.MaxConns()))
		gauge(c.totalConns, float64(s.TotalConns()))
		gauge(c.acquiredConns, float64(s.AcquiredConns()))
		gauge(c.idleConns, float64(s.IdleConns()))
		gauge(c.constructingConns, float64(s.ConstructingConns()))
		counter(c.acquires, float64(s.AcquireCount()))
		counter(c.emptyAcquires, float64(s.EmptyAcquireCount()))
		counter(c.canceledAcquires, float64(s.CanceledAcquireCount()))
		counter(c.newConns, float64(s.NewConnsCount()))
		counter(c.acquireSeconds, s.AcquireDuration().Seconds())
		counter(c.emptyAcquireWaitSeconds, s.EmptyAcquireWaitTime().Seconds())
	}
}
