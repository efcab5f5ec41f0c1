package server

import "testing"

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
