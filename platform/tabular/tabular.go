// Package tabular reads the spreadsheets users bring (XLSX) into rows of
// cells, as displayed, for the importers of every service.
package tabular

import (
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

// ReadXLSX returns the rows of the first sheet of a workbook, as displayed,
// refusing sheets of more than maxRows rows.
func ReadXLSX(b []byte, maxRows int) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return nil, Unreadable(validation.New("file_not_xlsx"))
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, Unreadable(validation.New("file_no_sheets"))
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, Unreadablef(err)
	}
	if len(rows) > maxRows {
		return nil, TooManyRows(maxRows)
	}
	return rows, nil
}
