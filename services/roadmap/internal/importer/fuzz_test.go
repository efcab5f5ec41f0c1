package importer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// testdataRows are the rows of the real roadmaps in testdata, as their
// tables were extracted (tab-separated).
func testdataRows(f *testing.F) [][][]string {
	f.Helper()
	paths, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no roadmaps in testdata: %v", err)
	}
	var out [][][]string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		var rows [][]string
		for _, line := range strings.Split(string(b), "\n") {
			rows = append(rows, strings.Split(line, "\t"))
		}
		out = append(out, rows)
	}
	return out
}

func xlsxOf(tb testing.TB, rows [][]string) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, c := range r {
			cells[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &cells); err != nil {
			tb.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// checkRebuilt: whatever a file holds, what is read comes within the
// limits, and Rebuild accounts for every row.
func checkRebuilt(t *testing.T, rows [][]string, err error) {
	if err != nil {
		if !strings.HasPrefix(err.Error(), "the file cannot be read") {
			t.Fatalf("error %q is not a file problem", err)
		}
		return
	}
	if len(rows) > maxRows {
		t.Fatalf("%d rows read, over the limit %d", len(rows), maxRows)
	}
	r := Rebuild(rows, Options{})
	if len(r.Rows) != len(rows) {
		t.Fatalf("%d report rows for %d rows read", len(r.Rows), len(rows))
	}
}

// FuzzReadDOCX feeds Word documents — the roadmaps of testdata, then
// mutations of their bytes — to both DOCX readers and Rebuild.
func FuzzReadDOCX(f *testing.F) {
	for _, rows := range testdataRows(f) {
		f.Add(docx(f, "Дорожная карта", rows))
	}
	f.Add(docx(f, "", table))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := ReadDOCX(b)
		checkRebuilt(t, rows, err)
		lines, err := ReadDOCXLines(b)
		checkRebuilt(t, lines, err)
		if len(rows) != len(lines) {
			t.Fatalf("%d rows, %d with lines kept", len(rows), len(lines))
		}
	})
}

// FuzzReadXLSX: workbooks of the testdata roadmaps, then mutations.
func FuzzReadXLSX(f *testing.F) {
	for _, rows := range testdataRows(f) {
		f.Add(xlsxOf(f, rows))
	}
	f.Add(xlsxOf(f, table))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := ReadXLSX(b)
		checkRebuilt(t, rows, err)
	})
}

// FuzzRebuild: tables of any shape, from cells joined by tabs and lines.
func FuzzRebuild(f *testing.F) {
	for _, rows := range testdataRows(f) {
		var b bytes.Buffer
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t") + "\n")
		}
		f.Add(b.String())
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1<<16 {
			return
		}
		var rows [][]string
		for _, line := range strings.Split(s, "\n") {
			rows = append(rows, strings.Split(line, "\t"))
		}
		checkRebuilt(t, rows, nil)
	})
}
