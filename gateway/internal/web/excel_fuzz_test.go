package web

import (
	"bytes"
	"errors"
	"testing"

	"github.com/xuri/excelize/v2"
)

// FuzzReadUpload feeds the report workbook the site hands out — blank,
// filled, edited — and mutations of its bytes to the upload's reader: it
// answers the values or the problems of the file (fileProblems), never
// anything else, and never panics.
func FuzzReadUpload(f *testing.F) {
	rv := sampleReport()
	f.Add(build(f, rv))
	x, err := excelize.OpenReader(bytes.NewReader(build(f, rv)))
	if err != nil {
		f.Fatal(err)
	}
	for cell, v := range map[string]any{"C10": 60, "C11": "1 200", "C13": "Нет", "E13": "02.09.2026", "F13": "javascript:x", "C14": "\u202e"} {
		if err := x.SetCellValue(sheetReport, cell, v); err != nil {
			f.Fatal(err)
		}
	}
	if buf, err := x.WriteToBuffer(); err == nil {
		f.Add(buf.Bytes())
	}
	x.Close()
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := readUpload(b, rv)
		var fp fileProblems
		if err != nil && !errors.As(err, &fp) {
			t.Fatalf("readUpload: %T %v, want fileProblems", err, err)
		}
	})
}
