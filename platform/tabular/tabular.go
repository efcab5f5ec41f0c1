// Package tabular reads the spreadsheets users bring (XLSX) into rows of
// cells, as displayed, for the importers of every service.
package tabular

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// ErrUnreadable is wrapped by every error about a file that cannot be read.
var ErrUnreadable = errors.New("the file cannot be read")

// ReadXLSX returns the rows of the first sheet of a workbook, as displayed,
// refusing sheets of more than maxRows rows.
func ReadXLSX(b []byte, maxRows int) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: not an XLSX workbook", ErrUnreadable)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%w: the workbook has no sheets", ErrUnreadable)
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	if len(rows) > maxRows {
		return nil, fmt.Errorf("%w: more than %d rows", ErrUnreadable, maxRows)
	}
	return rows, nil
}
