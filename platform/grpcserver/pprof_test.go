package grpcserver_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nastavnik/nastavnik/platform/grpcserver"
)

func TestPprofAnswersOnlyLoopback(t *testing.T) {
	mux := http.NewServeMux()
	grpcserver.AddPprof(mux)
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "heap profile") {
		t.Errorf("from loopback: %d %.80q, want 200 and the heap profile", resp.StatusCode, body)
	}

	tests := []struct{ name, remote string }{
		{"private address", "10.1.2.3:40000"},
		{"public IPv6", "[2001:db8::1]:40000"},
		{"no address", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/profile?seconds=1", "/debug/pprof/cmdline"} {
				req := httptest.NewRequest("GET", path, nil)
				req.RemoteAddr = tc.remote
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				if rec.Code != http.StatusNotFound {
					t.Errorf("%s from %q: %d, want 404", path, tc.remote, rec.Code)
				}
			}
		})
	}
}
