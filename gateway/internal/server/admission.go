package server

import (
	"bytes"
	"container/list"
	"context"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nastavnik/nastavnik/gateway/internal/api"
)

// admission bounds the writes a gateway replica serves at once, so that a
// flood of saves does not queue the readers behind it. On a machine with few
// cores every write in flight keeps a gateway goroutine, a service's handler
// and a PostgreSQL backend runnable, and a dashboard's read shares the CPU
// (and each Go process's run queue) with all of them; with fewer writes in
// flight the rest wait here, asleep. Reads (GET, HEAD, OPTIONS) are never
// held.
//
// Two bounds, each off at 0: WRITE_CONCURRENCY always, and
// WRITE_CONCURRENCY_READING only while a read is being served. The second
// is the one on by default: saves alone keep every place they can use (a
// fixed bound low enough to help the readers cost the saves throughput),
// and while someone waits for a dashboard the saves give way to it — see
// README, "The December peak".
//
// A write waits its turn in order of arrival for at most the wait bound, and
// leaves the queue when its client goes away; past the bound it is answered
// 503 with Retry-After, which the client retries (nothing was applied).
type admission struct {
	gate *gate // nil: no bound
	wait time.Duration

	inFlight, waiting prometheus.Gauge
	reads             prometheus.GaugeFunc // the gate's own count
	rejected          prometheus.Counter
}

// newAdmission admits limit writes at once (0: no limit) and, while a read
// is served, whileReading (0: no such bound), each waiting at most wait.
func newAdmission(reg prometheus.Registerer, limit, whileReading int, wait time.Duration) (*admission, error) {
	a := &admission{wait: wait,
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "nastavnik_gateway_writes_in_flight",
			Help: "Writes (requests other than GET, HEAD and OPTIONS) being served: at most WRITE_CONCURRENCY, and WRITE_CONCURRENCY_READING while a read is."}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{Name: "nastavnik_gateway_writes_waiting",
			Help: "Writes waiting for their turn (at most WRITE_QUEUE_WAIT each)."}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{Name: "nastavnik_gateway_writes_rejected_total",
			Help: "Writes answered 503 with Retry-After after waiting WRITE_QUEUE_WAIT."}),
	}
	if limit > 0 || whileReading > 0 {
		a.gate = &gate{limit: limit, whileReading: whileReading}
	}
	a.reads = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "nastavnik_gateway_reads_in_flight",
		Help: "Reads of the API and the pages being served (counted when WRITE_CONCURRENCY_READING is set)."}, a.gate.readsNow)
	for _, c := range []prometheus.Collector{a.inFlight, a.waiting, a.reads, a.rejected} {
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
	if a.gate == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isWrite(r) {
			if a.gate.whileReading > 0 {
				a.gate.reading(1)
				defer a.gate.reading(-1)
			}
			next.ServeHTTP(w, r)
			return
		}
		r = readSmallBody(r)
		ctx, cancel := context.WithTimeout(r.Context(), a.wait)
		a.waiting.Inc()
		err := a.gate.acquire(ctx)
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
			a.gate.release()
		}()
		next.ServeHTTP(w, r)
	})
}

// gate is the writes' places: at most limit writes at once (0: any number)
// and, while reads are served, at most whileReading (0: no such bound). The
// writes waiting for a place take them in order of arrival.
type gate struct {
	limit, whileReading int

	mu      sync.Mutex
	writes  int       // admitted, not yet released
	reads   int       // being served
	waiting list.List // of chan struct{}, closed when its write is admitted
}

// room tells whether one more write may start now (g.mu held).
func (g *gate) room() bool {
	return (g.limit == 0 || g.writes < g.limit) && (g.whileReading == 0 || g.reads == 0 || g.writes < g.whileReading)
}

// acquire waits for a place, in order of arrival, until ctx ends.
func (g *gate) acquire(ctx context.Context) error {
	g.mu.Lock()
	if g.waiting.Len() == 0 && g.room() {
		g.writes++
		g.mu.Unlock()
		return nil
	}
	admitted := make(chan struct{})
	e := g.waiting.PushBack(admitted)
	g.mu.Unlock()
	select {
	case <-admitted:
		return nil
	case <-ctx.Done():
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-admitted: // given a place meanwhile: it goes to the next
		g.writes--
		g.admit()
	default:
		g.waiting.Remove(e)
	}
	return ctx.Err()
}

// release gives a write's place back.
func (g *gate) release() {
	g.mu.Lock()
	g.writes--
	g.admit()
	g.mu.Unlock()
}

// reading counts a read starting (+1) or ending (-1); the last to end gives
// the waiting writes the places the bound while reading held back.
func (g *gate) reading(delta int) {
	g.mu.Lock()
	g.reads += delta
	g.admit()
	g.mu.Unlock()
}

// readsNow is the reads being served (0 with no gate), for /metrics.
func (g *gate) readsNow() float64 {
	if g == nil {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return float64(g.reads)
}

// admit gives the places there are room for to the first writes waiting
// (g.mu held).
func (g *gate) admit() {
	for e := g.waiting.Front(); e != nil && g.room(); e = g.waiting.Front() {
		g.waiting.Remove(e)
		g.writes++
		close(e.Value.(chan struct{}))
	}
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
