package loadhttp

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// server is a net/http server over loopback that counts the connections
// it accepted.
func server(t *testing.T, h http.HandlerFunc, idle time.Duration) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	s := httptest.NewUnstartedServer(h)
	s.Config.IdleTimeout = idle
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s, &conns
}

// echo answers what it was sent: method, path, the headers the load sends,
// and the body, in the way the query asks (?chunked, ?gzip, ?close, ?status=N).
func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	answer := []byte(`{"method":"` + r.Method + `","path":"` + r.URL.Path + `","auth":"` + r.Header.Get("Authorization") +
		`","length":"` + strconv.FormatInt(r.ContentLength, 10) + `","body":` + strconv.Quote(string(body)) + `}`)
	q := r.URL.Query()
	if q.Has("close") {
		w.Header().Set("Connection", "close")
	}
	status := http.StatusOK
	if s := q.Get("status"); s != "" {
		status, _ = strconv.Atoi(s)
	}
	if q.Has("gzip") {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			http.Error(w, "no gzip asked", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(status)
		zw := gzip.NewWriter(w)
		_, _ = zw.Write(bytes.Repeat(answer, 50))
		_ = zw.Close()
		return
	}
	w.WriteHeader(status)
	if q.Has("chunked") {
		for part := range slices.Chunk(answer, 7) {
			_, _ = w.Write(part)
			w.(http.Flusher).Flush()
		}
		return
	}
	_, _ = w.Write(answer)
}

func TestRequestsShareOneKeptAliveConnection(t *testing.T) {
	s, conns := server(t, echo, time.Minute)
	c, err := New(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tests := []struct {
		name, path string
		body       string
		status     int
		want       string
		repeat     int
	}{
		{"content length", "/v1/reports/1", `{"version":"3"}`, 200,
			`{"method":"PATCH","path":"/v1/reports/1","auth":"Bearer tok","length":"15","body":"{\"version\":\"3\"}"}`, 1},
		{"chunked", "/v1/reports/2?chunked", `{"a":1}`, 200,
			`{"method":"PATCH","path":"/v1/reports/2","auth":"Bearer tok","length":"7","body":"{\"a\":1}"}`, 1},
		{"gzip", "/v1/reports/3?gzip", `{}`, 200,
			strings.Repeat(`{"method":"PATCH","path":"/v1/reports/3","auth":"Bearer tok","length":"2","body":"{}"}`, 50), 1},
		{"a conflict", "/v1/reports/4?status=409", `{}`, 409,
			`{"method":"PATCH","path":"/v1/reports/4","auth":"Bearer tok","length":"2","body":"{}"}`, 1},
		{"a chunked conflict", "/v1/reports/5?status=409&chunked", ``, 409,
			`{"method":"PATCH","path":"/v1/reports/5","auth":"Bearer tok","length":"0","body":""}`, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := c.NewRequest("PATCH", tc.path, "Authorization: Bearer tok", "Content-Type: application/json", "Accept-Encoding: gzip")
			status, got, err := c.Do(context.Background(), req, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if status != tc.status || string(got) != tc.want {
				t.Errorf("got %d %s, want %d %s", status, got, tc.status, tc.want)
			}
		})
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("got %d connections, want 1 kept alive", n)
	}
}

func TestAConnectionTheServerClosesIsDialledAgain(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		idle  time.Duration
		pause time.Duration
	}{
		{"Connection: close", "/x?close", time.Minute, 0},
		{"closed while idle", "/x", 100 * time.Millisecond, idleCheck + 300*time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, conns := server(t, echo, tc.idle)
			c, err := New(s.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			req := c.NewRequest("GET", tc.path)
			for i := range 3 {
				if i > 0 {
					time.Sleep(tc.pause)
				}
				status, body, err := c.Do(context.Background(), req, nil)
				if err != nil || status != 200 || !bytes.Contains(body, []byte(`"method":"GET"`)) {
					t.Fatalf("request %d: got %d %s %v, want 200 and the echo", i, status, body, err)
				}
			}
			if n := conns.Load(); n != 3 {
				t.Errorf("got %d connections, want 3 (one a request)", n)
			}
		})
	}
}

func TestACancelledCallEndsAndTheNextDialsAgain(t *testing.T) {
	release := make(chan struct{})
	s, conns := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		echo(w, r)
	}, time.Minute)
	defer close(release)
	c, err := New(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, _, err := c.Do(ctx, c.NewRequest("GET", "/slow"), nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the cancelled call took %v", d)
	}
	if status, _, err := c.Do(context.Background(), c.NewRequest("GET", "/fast"), nil); err != nil || status != 200 {
		t.Fatalf("after the cancelled call: got %d %v, want 200", status, err)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("got %d connections, want 2", n)
	}
}

// raw is a server that answers every request on a connection with answer
// as it is.
func raw(t *testing.T, answer string) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lis.Close() })
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				buf := make([]byte, 4096)
				if _, err := conn.Read(buf); err != nil {
					return
				}
				_, _ = conn.Write([]byte(answer))
			}()
		}
	}()
	return "http://" + lis.Addr().String()
}

func TestAnswersAreReadAsHTTPSaysOrRefused(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		status int
		body   string
		err    bool
	}{
		{"a body to the connection's end", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"version\":\"7\"}", 200, `{"version":"7"}`, false},
		{"HTTP/1.0 with a length", "HTTP/1.0 201 Created\r\nContent-Length: 2\r\n\r\n{}", 201, `{}`, false},
		{"an interim 100 first", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", 200, `abc`, false},
		{"chunk extensions and trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nX-T: 1\r\n\r\n", 200, `abc`, false},
		{"no content", "HTTP/1.1 204 No Content\r\n\r\n", 204, ``, false},
		{"not HTTP", "SSH-2.0-OpenSSH\r\n\r\n", 0, "", true},
		{"a status that is not a number", "HTTP/1.1 2x0 OK\r\n\r\n", 0, "", true},
		{"a header without a colon", "HTTP/1.1 200 OK\r\nbroken\r\n\r\n", 0, "", true},
		{"a negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, "", true},
		{"a body shorter than its length", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, "", true},
		{"a bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, "", true},
		{"a chunk without its CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n", 0, "", true},
		{"an unknown transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0, "", true},
		{"an unknown content coding", "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 1\r\n\r\nx", 0, "", true},
		{"gzip that is not", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc", 0, "", true},
		{"a header line too long", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 20<<10) + "\r\n\r\n", 0, "", true},
		{"nothing", "", 0, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(raw(t, tc.answer))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			status, body, err := c.Do(context.Background(), c.NewRequest("POST", "/"), []byte("{}"))
			if tc.err {
				if err == nil {
					t.Errorf("got %d %q, want an error", status, body)
				}
				return
			}
			if err != nil || status != tc.status || string(body) != tc.body {
				t.Errorf("got %d %q %v, want %d %q", status, body, err, tc.status, tc.body)
			}
		})
	}
}

func TestNewRefusesWhatIsNotPlainHTTP(t *testing.T) {
	for _, base := range []string{"https://127.0.0.1:1", "127.0.0.1:80", "http://", "http://[::1"} {
		if _, err := New(base); err == nil {
			t.Errorf("New(%q): got no error, want one", base)
		}
	}
	c, err := New("http://localhost")
	if err != nil || c.addr != "localhost:80" || c.host != "localhost" {
		t.Errorf("New(http://localhost): got %q %q %v, want localhost:80 and localhost", c.addr, c.host, err)
	}
}

func TestTopString(t *testing.T) {
	tests := []struct {
		name, obj string
		want      string
		ok        bool
	}{
		{"the answer of a save", `{"id":"r","formVersion":1,"values":{},"version":"12","violations":[{"rule":"x"}]}`, "12", true},
		{"nested first", `{"values":{"version":{"count":"3"}},"report":{"version":"1"},"version":"9"}`, "9", true},
		{"in a list", `{"items":[{"version":"1"}],"version":"2"}`, "2", true},
		{"escaped quotes before", `{"comment":"a \"version\":\"5\" b","version":"6"}`, "6", true},
		{"spaces", "{ \"version\" : \"4\" }", "4", true},
		{"a value that names the key", `{"status":"version","version":"8"}`, "8", true},
		{"not a string", `{"version":3}`, "", false},
		{"absent", `{"code":"ABORTED"}`, "", false},
		{"not closed", `{"version":"3`, "", false},
		{"empty", ``, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := TopString([]byte(tc.obj), "version")
			if got != tc.want || ok != tc.ok {
				t.Errorf("got %q %v, want %q %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
