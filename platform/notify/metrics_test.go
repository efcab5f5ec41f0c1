package notify

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetricsStartAtZero: every outcome of every kind given is exposed at 0
// before anything is sent, so an alert on increase() sees the first failure.
func TestMetricsStartAtZero(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, "reminder", "report_returned")
	if got, want := testutil.CollectAndCount(m.messages), 2*len(outcomes); got != want {
		t.Fatalf("notify_messages_total series = %d, want %d", got, want)
	}
	if got := testutil.ToFloat64(m.messages.WithLabelValues("reminder", "failed")); got != 0 {
		t.Errorf("reminder failed = %v, want 0", got)
	}
	m.outcome("reminder", "failed")
	if got := testutil.ToFloat64(m.messages.WithLabelValues("reminder", "failed")); got != 1 {
		t.Errorf("reminder failed after one failure = %v, want 1", got)
	}
	if got := testutil.CollectAndCount(m.events); got != 2 {
		t.Errorf("notify_events_total series = %d, want 2", got)
	}
}
