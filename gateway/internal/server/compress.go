package server

import (
	"mime"
	"net/http"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
)

// minCompressed is the smallest answer worth compressing: one that fits
// the first flight of a new connection's congestion window (10 segments,
// ~14.6 KB) reaches the client in one round trip compressed or not. A
// save's answer — the December peak's hot path, its warnings included
// (~4.7 KB with eight) — is under it: gzip cost the gateway a tenth of its
// CPU a save and saved no round trip.
const minCompressed = 14 << 10

// compressed answers in gzip (or zstd) a client that asks for it, for the
// text the gateway writes — pages, the API's JSON, CSV, styles and script.
// A region's page of 116 municipalities is some 570 KB of table markup and
// 30–40 KB on the wire; the page bar (under 100 KB on first load) is of the
// bytes the browser receives. Answers under minCompressed and files
// compressed already (XLSX is a zip) go as they are.
//
// At gzip's fastest level: the region's page took 11 % of the gateway's CPU
// a read to compress at the default level (5); level 1 compresses it in
// about half the time, for a few kilobytes more on the wire.
//
// Pages carry a CSRF token beside text a request may echo (a search), which
// is what BREACH reads through compressed sizes; the sizes are blurred by
// up to 32 bytes of padding that follow the content (gzhttp's RandomJitter).
func compressed(next http.Handler) (http.Handler, error) {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(minCompressed), gzhttp.ContentTypeFilter(compressible),
		gzhttp.CompressionLevel(gzip.BestSpeed), gzhttp.RandomJitter(32, 0, false))
	if err != nil {
		return nil, err
	}
	return wrap(next), nil
}

// compressible tells the media types worth compressing.
func compressible(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch mt {
	case "text/html", "text/plain", "text/css", "text/csv", "text/javascript", "application/javascript",
		"application/json", "application/problem+json", "image/svg+xml":
		return true
	}
	return false
}
