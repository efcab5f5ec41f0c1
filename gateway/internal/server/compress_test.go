package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func TestCompressible(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/html; charset=utf-8": true,
		"application/json":         true,
		"text/csv; charset=utf-8":  true,
		"text/css":                 true,
		"text/javascript":          true,
		"image/svg+xml":            true,
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": false,
		"application/zip": false,
		"image/png":       false,
		"":                false,
		"не тип":          false,
	} {
		if got := compressible(ct); got != want {
			t.Errorf("compressible(%q) = %v, want %v", ct, got, want)
		}
	}
}

// TestAnswersUnderMinCompressedGoAsTheyAre: through the gateway's wrapper
// over loopback, a JSON answer the size of a save's with its warnings goes
// plain to a client that asks for gzip; one over minCompressed goes gzipped.
func TestAnswersUnderMinCompressedGoAsTheyAre(t *testing.T) {
	body := func(n int) []byte {
		return []byte(`{"text":"` + strings.Repeat("отличается от прошлого года; ", n/len("отличается от прошлого года; ")) + `"}`)
	}
	h, err := compressed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("size"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body(n))
	}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	tests := []struct {
		size int
		want string
	}{
		{5 << 10, ""},
		{minCompressed - 100, ""},
		{minCompressed + 2<<10, "gzip"},
		{600 << 10, "gzip"},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest("GET", srv.URL+"/?size="+strconv.Itoa(tc.size), nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("%d bytes: Content-Encoding %q, want %q", len(body(tc.size)), got, tc.want)
			continue
		}
		if tc.want == "" && !bytes.Equal(raw, body(tc.size)) {
			t.Errorf("%d bytes: the plain answer differs (%d bytes)", len(body(tc.size)), len(raw))
		}
		if tc.want == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			unzipped, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(unzipped, body(tc.size)) || len(raw) >= len(unzipped) {
				t.Errorf("%d bytes: gzipped to %d, unpacked to %d bytes (%v)", len(body(tc.size)), len(raw), len(unzipped), err)
			}
		}
	}
}
