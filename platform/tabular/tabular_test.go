package tabular

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xuri/excelize/v2"

	"github.com/nastavnik/nastavnik/platform/validation"
)

func TestUnreadableCarriesItsProblem(t *testing.T) {
	t.Parallel()
	_, err := ReadXLSX([]byte("not a workbook"), 10)
	if !errors.Is(err, ErrUnreadable) {
		t.Fatalf("ReadXLSX(garbage) = %v, want ErrUnreadable", err)
	}
	if err.Error() != "the file cannot be read: not an XLSX workbook" {
		t.Errorf("text %q", err)
	}
	var ve *validation.Error
	if !errors.As(validation.Field("content", err), &ve) || ve.Violations[0].Code != "file_not_xlsx" ||
		ve.Violations[0].Description != err.Error() || ve.Violations[0].Russian == "" {
		t.Errorf("violation %+v, want the code file_not_xlsx with the error's English and a Russian text", ve)
	}
	if err := TooManyRows(5000); !errors.Is(err, ErrUnreadable) || err.Error() != "the file cannot be read: more than 5000 rows" {
		t.Errorf("TooManyRows = %v", err)
	}
}

// zipOf builds an archive of parts, each of size zero bytes (deflated).
func zipOf(t *testing.T, parts int, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	chunk := make([]byte, 1<<20)
	for i := 0; i < parts; i++ {
		w, err := zw.Create(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1))
		if err != nil {
			t.Fatal(err)
		}
		for left := size; left > 0; left -= len(chunk) {
			if _, err := w.Write(chunk[:min(left, len(chunk))]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A small upload that would inflate past the limits is refused from the
// archive's directory, before any part is unpacked; so is one of too many
// parts. Both importers that read office files go through CheckZip.
func TestZipBombsAreRefusedUnread(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
	}{
		{"a part declaring 100 MiB", zipOf(t, 1, 100<<20)},
		{"parts adding up past the limit", zipOf(t, 9, 8<<20)},
		{"too many parts", zipOf(t, MaxParts+1, 1)},
	}
	for _, tc := range tests {
		if len(tc.data) > 1<<20 {
			t.Fatalf("%s: the test archive is %d bytes, want a small upload", tc.name, len(tc.data))
		}
		_, err := ReadXLSX(tc.data, 10)
		var ve *validation.Error
		if !errors.Is(err, ErrUnreadable) || !errors.As(validation.Field("content", err), &ve) || ve.Violations[0].Code != "file_too_large" {
			t.Errorf("%s: ReadXLSX = %v, want file_too_large", tc.name, err)
		}
	}
	if err := CheckZip(zipOf(t, 2, 1<<20)); err != nil {
		t.Errorf("a small archive: %v", err)
	}
}

// TestRowsCountedWhileRead: a sheet over the row limit fails; empty rows
// count only between rows with text (formatting past the table's end does
// not make a sheet too long).
func TestRowsCountedWhileRead(t *testing.T) {
	t.Parallel()
	sheet := func(rows map[int]string) []byte {
		f := excelize.NewFile()
		defer f.Close()
		for r, v := range rows {
			if err := f.SetCellValue("Sheet1", fmt.Sprintf("A%d", r), v); err != nil {
				t.Fatal(err)
			}
		}
		// Formatting far below the table writes empty rows into the sheet.
		if err := f.SetRowHeight("Sheet1", 50, 30); err != nil {
			t.Fatal(err)
		}
		buf, err := f.WriteToBuffer()
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	tests := []struct {
		name string
		rows map[int]string
		want [][]string
		err  string
	}{
		{"within", map[int]string{1: "a", 3: "c"}, [][]string{{"a"}, nil, {"c"}}, ""},
		{"over", map[int]string{1: "a", 2: "b", 3: "c", 4: "d"}, nil, "more than 3 rows"},
		{"over by an empty row", map[int]string{1: "a", 4: "d"}, nil, "more than 3 rows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ReadXLSX(sheet(tc.rows), 3)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ReadXLSX = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}
