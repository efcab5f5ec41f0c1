package notify

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the outbox's Prometheus metrics. A nil *Metrics records
// nothing.
type Metrics struct {
	messages *prometheus.CounterVec
	events   *prometheus.CounterVec
	send     prometheus.Histogram
}

// NewMetrics registers the outbox's metrics on reg:
// notify_messages_total{kind,outcome} (sent, retried, failed, cancelled,
// uncertain, recovered_sent, recovered_unsent), notify_events_total{outcome}
// (expanded, cancelled) and notify_smtp_send_seconds. Every outcome of each
// kind given starts at zero, so that a first failure is an increase the
// alerts see, not a series that appears.
func NewMetrics(reg prometheus.Registerer, kinds ...string) *Metrics {
	m := &Metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "notify_messages_total",
			Help: "Notification messages by kind and outcome."}, []string{"kind", "outcome"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "notify_events_total",
			Help: "Notification events expanded into messages or cancelled."}, []string{"outcome"}),
		send: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "notify_smtp_send_seconds",
			Help: "Time to hand one message to the SMTP server.", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 8)}),
	}
	reg.MustRegister(m.messages, m.events, m.send)
	for _, kind := range kinds {
		for _, outcome := range outcomes {
			m.messages.WithLabelValues(kind, outcome)
		}
	}
	for _, outcome := range []string{"expanded", "cancelled"} {
		m.events.WithLabelValues(outcome)
	}
	return m
}

// outcomes are the values of notify_messages_total's outcome label.
var outcomes = []string{"sent", "retried", "failed", "cancelled", "uncertain", "recovered_sent", "recovered_unsent"}

func (m *Metrics) outcome(kind, outcome string) {
	if m != nil {
		m.messages.WithLabelValues(kind, outcome).Inc()
	}
}

func (m *Metrics) expanded(expanded, cancelled int) {
	if m != nil {
		m.events.WithLabelValues("expanded").Add(float64(expanded))
		m.events.WithLabelValues("cancelled").Add(float64(cancelled))
	}
}

func (m *Metrics) sendDuration(d time.Duration) {
	if m != nil {
		m.send.Observe(d.Seconds())
	}
}
