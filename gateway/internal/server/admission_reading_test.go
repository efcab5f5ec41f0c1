package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// holds is a handler that keeps each request (named by ?name=) until the
// test releases it, so the test decides what is in flight.
type holds struct {
	mu      sync.Mutex
	entered map[string]chan struct{} // closed when the request reaches the handler
	release map[string]chan struct{} // closed by the test to let it answer
}

func newHolds() *holds {
	return &holds{entered: map[string]chan struct{}{}, release: map[string]chan struct{}{}}
}

func (h *holds) chans(name string) (entered, release chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.entered[name] == nil {
		h.entered[name], h.release[name] = make(chan struct{}), make(chan struct{})
	}
	return h.entered[name], h.release[name]
}

// releaseAll lets every request still held answer (a failed test's).
func (h *holds) releaseAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, release := range h.release {
		select {
		case <-release:
		default:
			close(release)
		}
	}
}

// serve starts a server of h behind a's writes, closed (every request let
// go first) when the test ends.
func (h *holds) serve(t *testing.T, a *admission) string {
	srv := httptest.NewServer(a.writes(h, apiBusy))
	t.Cleanup(func() {
		h.releaseAll()
		srv.Close()
	})
	return srv.URL
}

func (h *holds) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	entered, release := h.chans(r.URL.Query().Get("name"))
	close(entered)
	<-release
	w.WriteHeader(http.StatusNoContent)
}

// send starts a request named name; its status arrives on the channel.
func (h *holds) send(t *testing.T, base, method, name string) <-chan int {
	t.Helper()
	out := make(chan int, 1)
	go func() {
		req, err := http.NewRequestWithContext(context.Background(), method, base+"/?name="+name, nil)
		if err != nil {
			out <- 0
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			out <- 0
			return
		}
		resp.Body.Close()
		out <- resp.StatusCode
	}()
	return out
}

func (h *holds) waitEntered(t *testing.T, name string) {
	t.Helper()
	entered, _ := h.chans(name)
	select {
	case <-entered:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s never reached the handler", name)
	}
}

func (h *holds) hasEntered(name string) bool {
	entered, _ := h.chans(name)
	select {
	case <-entered:
		return true
	default:
		return false
	}
}

// finish lets name answer and checks it answered 204.
func (h *holds) finish(t *testing.T, name string, answer <-chan int) {
	t.Helper()
	_, release := h.chans(name)
	close(release)
	if code := <-answer; code != http.StatusNoContent {
		t.Fatalf("%s answered %d, want 204", name, code)
	}
}

func waitGauge(t *testing.T, g prometheus.Collector, name string, want float64) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if testutil.ToFloat64(g) == want {
			return
		}
	}
	t.Fatalf("%s = %g, want %g", name, testutil.ToFloat64(g), want)
}

// With WRITE_CONCURRENCY_READING=1 and no fixed bound, over real HTTP: the
// writes are unbounded while nothing is read, one at a time while a read
// is served, and unbounded again once it ends; reads are never held and
// waiting writes go in their order of arrival.
func TestWritesGiveWayWhileAReadIsServed(t *testing.T) {
	a, err := newAdmission(prometheus.NewRegistry(), 0, 1, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	h := newHolds()
	base := h.serve(t, a)

	// Nothing read: two writes at once.
	w1 := h.send(t, base, "POST", "w1")
	h.waitEntered(t, "w1")
	w2 := h.send(t, base, "PATCH", "w2")
	h.waitEntered(t, "w2")
	waitGauge(t, a.inFlight, "writes in flight", 2)

	// A read is served at once, though two writes are in flight.
	r1 := h.send(t, base, "GET", "r1")
	h.waitEntered(t, "r1")
	waitGauge(t, a.reads, "reads in flight", 1)

	// While it is, the next writes wait: one place, and two are taken.
	w3 := h.send(t, base, "POST", "w3")
	waitGauge(t, a.waiting, "writes waiting", 1)
	w4 := h.send(t, base, "POST", "w4")
	waitGauge(t, a.waiting, "writes waiting", 2)
	h.finish(t, "w1", w1)
	waitGauge(t, a.inFlight, "writes in flight", 1)
	if h.hasEntered("w3") || h.hasEntered("w4") {
		t.Fatal("a write started with one in flight while a read is served, with one place")
	}
	// The place freed goes to the first to arrive, and only to it.
	h.finish(t, "w2", w2)
	h.waitEntered(t, "w3")
	waitGauge(t, a.waiting, "writes waiting", 1)
	if h.hasEntered("w4") {
		t.Fatal("w4 started beside w3 while a read is served")
	}

	// A second read too is served at once.
	r2 := h.send(t, base, "HEAD", "r2")
	h.waitEntered(t, "r2")
	waitGauge(t, a.reads, "reads in flight", 2)

	// The reads end: the writes are unbounded again, the waiting one starts
	// beside the one in flight.
	h.finish(t, "r1", r1)
	if h.hasEntered("w4") {
		t.Fatal("w4 started while a read is still served")
	}
	h.finish(t, "r2", r2)
	h.waitEntered(t, "w4")
	waitGauge(t, a.inFlight, "writes in flight", 2)
	waitGauge(t, a.reads, "reads in flight", 0)
	h.finish(t, "w3", w3)
	h.finish(t, "w4", w4)
	waitGauge(t, a.inFlight, "writes in flight", 0)
	waitGauge(t, a.waiting, "writes waiting", 0)
	if n := testutil.ToFloat64(a.rejected); n != 0 {
		t.Errorf("rejected = %g, want 0", n)
	}
}

// Both bounds at once: the fixed one holds with no read, the reading one
// (lower) while a read is served.
func TestWritesBoundedAlwaysAndLowerWhileReading(t *testing.T) {
	a, err := newAdmission(prometheus.NewRegistry(), 2, 1, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	h := newHolds()
	base := h.serve(t, a)

	w1 := h.send(t, base, "POST", "w1")
	w2 := h.send(t, base, "POST", "w2")
	h.waitEntered(t, "w1")
	h.waitEntered(t, "w2")
	w3 := h.send(t, base, "POST", "w3")
	waitGauge(t, a.waiting, "writes waiting", 1) // the fixed bound: two
	r1 := h.send(t, base, "GET", "r1")
	h.waitEntered(t, "r1")
	h.finish(t, "w1", w1)
	waitGauge(t, a.inFlight, "writes in flight", 1)
	if h.hasEntered("w3") {
		t.Fatal("w3 started beside w2 while a read is served, with one place")
	}
	h.finish(t, "r1", r1)
	h.waitEntered(t, "w3") // no read: two places again
	h.finish(t, "w2", w2)
	h.finish(t, "w3", w3)
	waitGauge(t, a.inFlight, "writes in flight", 0)
}

// The gate's own accounting when a waiting write gives up: its place is not
// lost, whether it was still waiting or was given one as it gave up.
func TestGateWriteGivingUpKeepsThePlaces(t *testing.T) {
	g := &gate{limit: 1}
	waitQueued := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) {
			g.mu.Lock()
			n := g.waiting.Len()
			g.mu.Unlock()
			if n == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the write never queued")
			}
		}
	}
	places := func() (int, int) {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.writes, g.waiting.Len()
	}
	if err := g.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Still waiting when it gives up: it leaves the queue.
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() { gaveUp <- g.acquire(ctx) }()
	waitQueued(1)
	cancel()
	if err := <-gaveUp; err == nil {
		t.Fatal("a cancelled wait was admitted")
	}
	if w, q := places(); w != 1 || q != 0 {
		t.Fatalf("after the waiting write gave up: %d in flight, %d waiting; want 1 and 0", w, q)
	}

	// Given the place as it gives up (the holder releases while the
	// cancellation is on its way), with another write behind it: either it
	// has the place and the other waits, or the place goes to the other —
	// never lost, never doubled.
	ctx, cancel = context.WithCancel(context.Background())
	go func() { gaveUp <- g.acquire(ctx) }()
	waitQueued(1)
	behind := make(chan error, 1)
	go func() { behind <- g.acquire(context.Background()) }()
	waitQueued(2)
	g.mu.Lock()
	cancel()
	g.writes-- // release, the lock held across the cancellation
	g.admit()
	g.mu.Unlock()
	if err := <-gaveUp; err == nil {
		if w, q := places(); w != 1 || q != 1 {
			t.Fatalf("admitted as it gave up: %d in flight, %d waiting; want 1 and 1", w, q)
		}
		g.release()
	}
	select {
	case err := <-behind:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the write behind never got the place")
	}
	if w, q := places(); w != 1 || q != 0 {
		t.Fatalf("the write behind admitted: %d in flight, %d waiting; want 1 and 0", w, q)
	}
	g.release()
	if w, q := places(); w != 0 || q != 0 {
		t.Fatalf("after everyone left: %d in flight, %d waiting; want 0 and 0", w, q)
	}
}
