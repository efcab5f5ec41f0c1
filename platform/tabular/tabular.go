// Package tabular reads the spreadsheets users bring (XLSX) into rows of
// cells, as displayed, for the importers of every service.
package tabular

import (
	"archive/zip"
	"bytes"
	"errors"

	"github.com/xuri/excelize/v2"

	"github.com/nastavnik/nastavnik/platform/validation"
)

// ErrUnreadable is what every error about a file that cannot be read is
// (errors.Is); the error also carries the validation.Problem that says why.
var ErrUnreadable = errors.New("the file cannot be read")

// Unreadable is the error of a file that cannot be read for problem p (one of
// the catalogue's file_* codes): it is ErrUnreadable, and a validation error
// built from it (validation.Field("content", err)) keeps p's code and texts.
func Unreadable(p validation.Problem) error { return unreadable{p} }

// Unreadablef is Unreadable with a reason the catalogue does not name (a
// parser's own error), shown to developers only.
func Unreadablef(err error) error {
	return unreadable{validation.New("file_unreadable").With("detail", err.Error())}
}

// TooManyRows is the error of a file of more than max rows.
func TooManyRows(max int) error {
	return unreadable{validation.New("file_too_many_rows").With("max", max)}
}

type unreadable struct{ p validation.Problem }

func (u unreadable) Error() string        { return u.p.English() }
func (u unreadable) Is(target error) bool { return target == ErrUnreadable }
func (u unreadable) Unwrap() error        { return u.p }

// Limits of an office file (XLSX, DOCX: zip archives) checked before any
// part is unpacked: a small upload must not inflate into gigabytes.
const (
	MaxParts    = 1000
	MaxUnzipped = 64 << 20
)

// CheckZip refuses an archive of more than MaxParts parts or whose parts
// declare more than MaxUnzipped bytes in all, reading only its directory.
// (A part that inflates beyond what it declares fails while it is read:
// archive/zip checks the sizes, and the readers bound what they read.)
func CheckZip(b []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil // not a zip: the reader says what it is not
	}
	if len(zr.File) > MaxParts {
		return Unreadable(validation.New("file_too_large"))
	}
	var total uint64
	for _, f := range zr.File {
		if total += f.UncompressedSize64; total > MaxUnzipped {
			return Unreadable(validation.New("file_too_large"))
		}
	}
	return nil
}

// ReadXLSX returns the rows of the first sheet of a workbook, as displayed,
// refusing sheets of more than maxRows rows and archives over the limits.
func ReadXLSX(b []byte, maxRows int) ([][]string, error) {
	if err := CheckZip(b); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: MaxUnzipped, UnzipXMLSizeLimit: MaxUnzipped})
	if err != nil {
		return nil, Unreadable(validation.New("file_not_xlsx"))
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, Unreadable(validation.New("file_no_sheets"))
	}
	// Rows are counted while the sheet is read: a sheet of a million rows
	// stops at the first one over the limit. Empty rows count only when a
	// row with text follows them (as GetRows, which drops them at the end,
	// where formatting often reaches far beyond the table).
	it, err := f.Rows(sheets[0])
	if err != nil {
		return nil, Unreadablef(err)
	}
	defer it.Close()
	var rows [][]string
	empty := 0
	for it.Next() {
		row, err := it.Columns()
		if err != nil {
			return nil, Unreadablef(err)
		}
		if len(row) == 0 {
			empty++
			continue
		}
		if len(rows)+empty >= maxRows {
			return nil, TooManyRows(maxRows)
		}
		for ; empty > 0; empty-- {
			rows = append(rows, nil)
		}
		rows = append(rows, row)
	}
	if err := it.Error(); err != nil {
		return nil, Unreadablef(err)
	}
	return rows, nil
}
