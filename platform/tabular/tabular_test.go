package tabular

import (
	"errors"
	"testing"

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
