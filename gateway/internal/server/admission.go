package server

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/semaphore"

	"github.com/nastavnik/nastavnik/gateway/internal/api"
)

// admission bounds the writes a gateway replica serves at once
// (WRITE_CONCURRENCY), so that a flood of saves does not queue the readers
// behind it. On a machine with few cores every write in flight keeps a
// gateway goroutine, a service's handler and a PostgreSQL backend runnable,
// and a dashboard's read shares the CPU with all of them; with at most a few
// writes in flight the rest wait here, asleep. Reads (GET, HEAD, OPTIONS) are
// never held. It is off by default: on the shared 2-core machine it was
// measured on, a limit low enough to speed the dashboards up cost the saves
// more throughput (a freed place waits for its next write to be scheduled)
// — see README, "The December peak".
//
// A write waits its turn in order of arrival for at most the wait bound, and
// leaves the queue when its client goes away; past the bound it is answered
// 503 with Retry-After, which the client retries (nothing was applied).
type admission struct {
	sem  *semaphore.Weighted // nil: no limit
	wait time.Duration

	inFlight, waiting prometheus.Gauge
	rejected          prometheus.Counter
}

// newAdmission admits limit writes at once (0: no limit), each waiting at
// most wait.
func newAdmission(reg prometheus.Registerer, limit int, wait time.Duration) (*admission, error) {
	a := &admission{wait: wait,
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "nastavnik_gateway_writes_in_flight",
			Help: "Writes (requests other than GET, HEAD and OPTIONS) being served: at most WRITE_CONCURRENCY."}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{Name: "nastavnik_gateway_writes_waiting",
			Help: "Writes waiting for their turn (at most WRITE_QUEUE_WAIT each)."}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{Name: "nastavnik_gateway_writes_rejected_total",
			Help: "Writes answered 503 with Retry-After after waiting WRITE_QUEUE_WAIT."}),
	}
	if limit > 0 {
		a.sem = semaphore.NewWeighted(int64(limit))
	}
	for _, c := range []prometheus.Collector{a.inFlight, a.waiting, a.rejected} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// isWrite tells a write from a read by its method.
func isWrite(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// writes admits next's writes a few at a time; busy answers a write that
// waited too long (after Retry-After is set): the API's JSON or a page.
func (a *admission) writes(next http.Handler, busy http.Handler) http.Handler {
	if a.sem == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isWrite(r) {
			next.ServeHTTP(w, r)
			return
		}
		r = readSmallBody(r)
		ctx, cancel := context.WithTimeout(r.Context(), a.wait)
		a.waiting.Inc()
		err := a.sem.Acquire(ctx, 1)
		a.waiting.Dec()
		cancel()
		if err != nil {
			// Past the wait bound, or the client went away (then nobody
			// reads the answer and it is not counted).
			if r.Context().Err() == nil {
				a.rejected.Inc()
			}
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(max(a.wait, time.Second).Seconds()))))
			busy.ServeHTTP(w, r)
			return
		}
		a.inFlight.Inc()
		defer func() {
			a.inFlight.Dec()
			a.sem.Release(1)
		}()
		next.ServeHTTP(w, r)
	})
}

// apiBusy is the API's answer to a write that waited too long.
var apiBusy = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	api.WriteError(w, http.StatusServiceUnavailable, api.Error{Code: "UNAVAILABLE",
		Message: "too many writes at once: nothing was applied, retry after the Retry-After seconds"})
})

// smallBody is the largest body read before a write waits (a save's is
// about a kilobyte; an import's megabytes are read in their turn).
const smallBody = 64 << 10

// readSmallBody reads a small declared body into memory: the server watches
// a connection for its client leaving only once the body is read, and then
// a write whose client gave up leaves the queue. A read error is the
// handler's to see, as it would have been.
func readSmallBody(r *http.Request) *http.Request {
	if r.ContentLength <= 0 || r.ContentLength > smallBody {
		return r
	}
	body, err := io.ReadAll(r.Body)
	rd := io.Reader(bytes.NewReader(body))
	if err != nil {
		rd = io.MultiReader(rd, errReader{err})
	}
	r.Body = io.NopCloser(rd)
	return r
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
