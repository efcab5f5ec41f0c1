package importer

import (
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

// fuzzTable is a file of organisations as people send them: header
// variants, a known and a new school, a blank row, bad values.
var fuzzTable = [][]string{
	{"ИНН", "Полное наименование", "Сокращённое наименование", "Тип", "Адрес", "Дата открытия", "Куратор", "Телефон"},
	{"2465000016", "Средняя школа № 1", "СШ № 1", "ОУ", "ул. Ленина, 1", "01.09.1985", "Иванова И. И.", "+7 391 000-00-00"},
	{"2465000023", "Колледж\u200b", "Колледж", "СПО", "", "1985-09-01", "", ""},
	{"", "", "", "", "", "", "", ""},
	{"465000016", "Школа", "Школа", "детский сад", "", "31.02.2020", "", ""},
}

// checkPlanned: a file read without error is parsed, and every data row
// planned with an outcome, whatever it holds.
func checkPlanned(t *testing.T, table [][]string, err error) {
	if err != nil {
		if !strings.HasPrefix(err.Error(), "the file cannot be read") {
			t.Fatalf("error %q is not a file problem", err)
		}
		return
	}
	if len(table) > MaxRows+1 {
		t.Fatalf("%d rows read, over the limit", len(table))
	}
	sh, err := Parse(table)
	if err != nil {
		return // no header, or no ИНН or name column: a problem of the file
	}
	existing := map[string]domain.Organisation{"2465000016": {ID: "org-1", MunicipalityID: "mun-1", INN: "2465000016",
		FullName: "Средняя школа № 1", ShortName: "СШ № 1", Kind: domain.KindSchool, Version: 1}}
	outcomes, creates, updates := sh.Plan(sh.Records("mun-1"), existing)
	if len(outcomes) != len(sh.Rows) {
		t.Fatalf("%d outcomes for %d rows", len(outcomes), len(sh.Rows))
	}
	if len(creates)+len(updates) > len(sh.Rows) {
		t.Fatalf("%d creates and %d updates from %d rows", len(creates), len(updates), len(sh.Rows))
	}
	for _, o := range creates {
		if err := o.Validate(); err != nil {
			t.Fatalf("planned to create an invalid organisation %+v: %v", o, err)
		}
	}
}

// FuzzReadCSV: CSV files in every encoding and delimiter the reader takes,
// then mutations.
func FuzzReadCSV(f *testing.F) {
	for _, sep := range []string{";", ",", "\t"} {
		var b strings.Builder
		for _, r := range fuzzTable {
			b.WriteString(strings.Join(r, sep) + "\r\n")
		}
		f.Add([]byte(b.String()))
		f.Add([]byte("\ufeff" + b.String()))
	}
	f.Add([]byte("\xc8\xcd\xcd;\xcd\xe0\xe8\xec\xe5\xed\xee\xe2\xe0\xed\xe8\xe5\n2465000016;\xd8\xea\xee\xeb\xe0\n")) // Windows-1251
	f.Add([]byte("ИНН;\"Наименование\n2465000016;\"\"незакрытая"))
	f.Fuzz(func(t *testing.T, b []byte) {
		table, err := ReadCSV(b)
		checkPlanned(t, table, err)
	})
}

// FuzzReadXLSX: a workbook of the same table, then mutations.
func FuzzReadXLSX(f *testing.F) {
	x := excelize.NewFile()
	for i, r := range fuzzTable {
		cells := make([]any, len(r))
		for j, c := range r {
			cells[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &cells); err != nil {
			f.Fatal(err)
		}
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		table, err := ReadXLSX(b)
		checkPlanned(t, table, err)
	})
}
