// Package httpmetrics measures the gateway's HTTP traffic per route: rate,
// errors and duration (RED) labelled with the route's pattern — the REST
// API's path template or the pages' ServeMux pattern — never the raw path, so
// that ids do not multiply the series.
//
// The outermost handler (Instrument) puts an empty route in the request's
// context; the innermost router that matches names it (Mux for a ServeMux,
// GatewayMiddleware for the grpc-gateway mux), and the first name set wins.
package httpmetrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus"
)

// Unmatched is the route of a request no router matched (a 404 or 405).
const Unmatched = "unmatched"

type routeKey struct{}

type route struct {
	mu   sync.Mutex
	name string
}

// SetRoute names the route of the request of ctx, unless a router nearer the
// handler named it already.
func SetRoute(ctx context.Context, name string) {
	if r, ok := ctx.Value(routeKey{}).(*route); ok && name != "" {
		r.mu.Lock()
		if r.name == "" {
			r.name = name
		}
		r.mu.Unlock()
	}
}

func (r *route) get() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.name == "" {
		return Unmatched
	}
	return r.name
}

// Mux serves through mux and names the route by the pattern it matched
// (without the method, which is a label of its own).
func Mux(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		// ServeMux sets r.Pattern on the request it was given.
		SetRoute(r.Context(), patternPath(r.Pattern))
	})
}

// patternPath drops the method of a ServeMux pattern: "GET /reports/{id}" is
// "/reports/{id}".
func patternPath(p string) string {
	if i := strings.IndexByte(p, ' '); i >= 0 {
		return strings.TrimLeft(p[i:], " \t")
	}
	return p
}

// GatewayMiddleware names the route by the grpc-gateway path template the
// request matched, e.g. /v1/reports/{id=*}. The mux wraps each route's
// handler in its own call of it, so the template is written once a route,
// at its first request, not on every one.
func GatewayMiddleware(next runtime.HandlerFunc) runtime.HandlerFunc {
	var name atomic.Pointer[string]
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		n := name.Load()
		if n == nil {
			if p, ok := runtime.HTTPPattern(r.Context()); ok {
				s := p.String()
				n = &s
				name.Store(n)
			}
		}
		if n != nil {
			SetRoute(r.Context(), *n)
		}
		next(w, r, params)
	}
}

// Metrics are the gateway's HTTP RED metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	// series are the counter and histogram of each method, route and code
	// met so far (a seriesKey → *series), so that a request does not format
	// and hash its labels twice.
	series sync.Map
}

type seriesKey struct {
	method, route string
	code          int
}

type series struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

func (m *Metrics) seriesOf(k seriesKey) *series {
	if s, ok := m.series.Load(k); ok {
		return s.(*series)
	}
	s, _ := m.series.LoadOrStore(k, &series{
		requests: m.requests.WithLabelValues(k.method, k.route, strconv.Itoa(k.code)),
		duration: m.duration.WithLabelValues(k.method, k.route, strconv.Itoa(k.code/100)+"xx"),
	})
	return s.(*series)
}

// New registers the metrics on reg.
func New(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total",
			Help: "HTTP requests by method, route pattern and status code."}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "http_request_duration_seconds",
			Help:    "HTTP request latency by method, route pattern and status class (2xx, 4xx, 5xx).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"method", "route", "class"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "http_requests_in_flight",
			Help: "HTTP requests being served now."}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.inFlight} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Instrument measures every request next serves.
func (m *Metrics) Instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		start := time.Now()
		rt := &route{}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), routeKey{}, rt)))
		code := sw.status
		if code == 0 {
			code = http.StatusOK
		}
		s := m.seriesOf(seriesKey{method: method(r.Method), route: rt.get(), code: code})
		s.requests.Inc()
		s.duration.Observe(time.Since(start).Seconds())
	})
}

// method bounds the method label to the known methods.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
