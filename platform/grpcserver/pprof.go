package grpcserver

import (
	"net"
	"net/http"
	"net/http/pprof"
)

// AddPprof serves Go's profiles under /debug/pprof/ on a side mux, answering
// only requests from a loopback address (an operator on the host, or
// `kubectl port-forward`); anyone else gets 404, as if it were not there.
func AddPprof(mux *http.ServeMux) {
	loopback := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
				http.NotFound(w, r)
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /debug/pprof/", loopback(pprof.Index))
	mux.HandleFunc("GET /debug/pprof/cmdline", loopback(pprof.Cmdline))
	mux.HandleFunc("GET /debug/pprof/profile", loopback(pprof.Profile))
	mux.HandleFunc("GET /debug/pprof/symbol", loopback(pprof.Symbol))
	mux.HandleFunc("GET /debug/pprof/trace", loopback(pprof.Trace))
}
