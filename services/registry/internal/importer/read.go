// Package importer reads a municipality's organisation list from CSV or XLSX as
// municipalities keep it today, finds the columns by their Russian headers and
// plans, row by row, what an import would create, update, leave unchanged or
// reject.
package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/nastavnik/nastavnik/platform/tabular"
	"github.com/nastavnik/nastavnik/platform/validation"
)

// MaxRows bounds the data rows of one file.
const MaxRows = 20000

// ErrUnreadable is what every error about a file that cannot be read is; the
// error carries the validation.Problem that says why.
var ErrUnreadable = tabular.ErrUnreadable

// ReadCSV returns the cells of a CSV file in UTF-8 (with or without BOM) or
// Windows-1251, separated by semicolons, commas or tabs, whichever the header
// line uses most.
func ReadCSV(b []byte) ([][]string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) {
		decoded, err := charmap.Windows1251.NewDecoder().Bytes(b)
		if err != nil {
			return nil, tabular.Unreadable(validation.New("file_encoding"))
		}
		b = decoded
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = delimiter(b)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, tabular.Unreadablef(err)
		}
		rows = append(rows, rec)
		if len(rows) > MaxRows+1 {
			return nil, tabular.TooManyRows(MaxRows)
		}
	}
	return rows, nil
}

func delimiter(b []byte) rune {
	line := b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line = b[:i]
	}
	best, bestN := ';', 0
	for _, d := range []rune{';', ',', '\t'} {
		if n := strings.Count(string(line), string(d)); n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

// ReadXLSX returns the cells of the first sheet of a workbook, as displayed:
// MaxRows rows of organisations after the header.
func ReadXLSX(b []byte) ([][]string, error) {
	rows, err := tabular.ReadXLSX(b, MaxRows+1)
	var p validation.Problem
	if errors.As(err, &p) && p.Code == "file_too_many_rows" {
		return nil, tabular.TooManyRows(MaxRows) // the limit as the CSV reader says it, without the header
	}
	return rows, err
}
