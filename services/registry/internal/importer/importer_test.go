package importer

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

func inn(n int) string {
	p := fmt.Sprintf("2465%05d", n)
	return p + string(domain.INNCheckDigit(p))
}

func TestReadCSVEncodingsAndDelimiters(t *testing.T) {
	t.Parallel()
	utf := "ИНН;Краткое наименование\n" + inn(1) + ";МБОУ «СШ № 1»\n"
	cp1251, err := charmap.Windows1251.NewEncoder().String(utf)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"ИНН", "Краткое наименование"}, {inn(1), "МБОУ «СШ № 1»"}}
	tests := []struct {
		name string
		in   string
	}{
		{"utf-8 with semicolons", utf},
		{"utf-8 with BOM", "\xef\xbb\xbf" + utf},
		{"windows-1251 from Excel", cp1251},
		{"commas", "ИНН,Краткое наименование\n" + inn(1) + ",МБОУ «СШ № 1»\n"},
		{"tabs", "ИНН\tКраткое наименование\n" + inn(1) + "\tМБОУ «СШ № 1»\n"},
		{"quoted cell with the delimiter", "ИНН;Краткое наименование\n" + inn(1) + ";\"МБОУ «СШ № 1»\"\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadCSV([]byte(tc.in))
			if err != nil {
				t.Fatalf("ReadCSV: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("cells (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadXLSX(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	rows := [][]any{{"ИНН", "Полное наименование", "Тип"}, {inn(2), "Гимназия № 2", "ОУ"}}
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := ReadXLSX(buf.Bytes())
	if err != nil {
		t.Fatalf("ReadXLSX: %v", err)
	}
	want := [][]string{{"ИНН", "Полное наименование", "Тип"}, {inn(2), "Гимназия № 2", "ОУ"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cells (-want +got):\n%s", diff)
	}
	if _, err := ReadXLSX([]byte("not a workbook")); err == nil {
		t.Errorf("ReadXLSX(garbage) = nil error, want one")
	}
}

func TestParseHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		header      []string
		wantErr     bool
		wantIgnored []string
	}{
		{"official headers", []string{"ИНН", "Полное наименование", "Краткое наименование", "Тип"}, false, nil},
		{"other order, case and punctuation", []string{"Тип ОО:", "  наименование ОРГАНИЗАЦИИ ", "ИНН*"}, false, nil},
		{"ё in the header", []string{"ИНН", "Сокращённое наименование"}, false, nil},
		{"unknown columns are reported", []string{"№ п/п", "ИНН", "Наименование", "Директор"}, false, []string{"№ п/п", "Директор"}},
		{"no INN", []string{"Наименование", "Тип"}, true, nil},
		{"no name", []string{"ИНН", "Тип"}, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sh, err := Parse([][]string{{}, tc.header, {"x"}})
			if (err != nil) != tc.wantErr {
				t.Fatalf("Parse error = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tc.wantIgnored, sh.Ignored); diff != "" {
				t.Errorf("ignored (-want +got):\n%s", diff)
			}
			if len(sh.Rows) != 1 || sh.Rows[0].Number != 3 {
				t.Errorf("rows = %+v, want one data row numbered 3", sh.Rows)
			}
		})
	}
}

func TestParseKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want domain.OrganisationKind
		ok   bool
	}{
		{"ОУ", domain.KindSchool, true}, {"СОШ", domain.KindSchool, true}, {"общеобразовательная организация", domain.KindSchool, true},
		{"СПО", domain.KindCollege, true}, {"Колледж", domain.KindCollege, true}, {"профессиональная образовательная организация", domain.KindCollege, true},
		{"ДО", domain.KindAdditional, true}, {"УДО", domain.KindAdditional, true}, {"организация дополнительного образования", domain.KindAdditional, true},
		{"детский сад", domain.KindUnspecified, false}, {"", domain.KindUnspecified, false},
	}
	for _, tc := range tests {
		got, ok := ParseKind(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseKind(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	const mun, other = "mun-1", "mun-2"
	stored := domain.Organisation{ID: "org-1", MunicipalityID: mun, INN: inn(1), FullName: "Средняя школа № 1",
		ShortName: "СШ № 1", Kind: domain.KindSchool, Address: "ул. Ленина, 1", Version: 3}
	foreign := domain.Organisation{ID: "org-9", MunicipalityID: other, INN: inn(9), FullName: "Чужая", ShortName: "Чужая", Kind: domain.KindSchool}
	existing := map[string]domain.Organisation{stored.INN: stored, foreign.INN: foreign}

	table := [][]string{
		{"ИНН", "Полное наименование", "Краткое наименование", "Тип", "Адрес"},
		{inn(1), "Средняя школа № 1", "СШ № 1", "ОУ", "ул. Ленина, 1"}, // 2 unchanged
		{inn(2), "Гимназия № 2", "Гимназия № 2", "ОУ", "пр. Мира, 2"},  // 3 created
		{inn(1), "Средняя школа № 1", "СШ № 1", "ОУ", "ул. Ленина, 1"}, // 4 duplicate in file
		{"1234567890", "Школа с опечаткой", "Опечатка", "ОУ", ""},      // 5 bad INN
		{inn(9), "Чужая", "Чужая", "ОУ", ""},                           // 6 other municipality
		{inn(3), "Сад", "Сад", "детский сад", ""},                      // 7 unknown kind
		{"", "", "", "", ""}, // blank: skipped
		{inn(4)[1:], "Школа региона 0x", "Школа 0x", "ОУ", ""}, // 9: 9 digits, not repairable
	}
	sh, err := Parse(table)
	if err != nil {
		t.Fatal(err)
	}
	outcomes, creates, updates := sh.Plan(sh.Records(mun), existing)
	type row struct {
		Row    int
		Action Action
		Codes  []string
	}
	var got []row
	for _, o := range outcomes {
		r := row{Row: o.Row, Action: o.Action}
		for _, p := range o.Problems {
			r.Codes = append(r.Codes, p.Code)
			if p.Russian == "" || p.Description == "" || p.Russian == p.Description {
				t.Errorf("row %d, %s: want an English description and a Russian text, got %+v", o.Row, p.Code, p)
			}
		}
		got = append(got, r)
	}
	if p := outcomes[2].Problems[0]; p.Russian != "Этот ИНН уже есть в строке 2" {
		t.Errorf("duplicate row's Russian = %q", p.Russian)
	}
	want := []row{
		{2, ActionUnchanged, nil},
		{3, ActionCreated, nil},
		{4, ActionRejected, []string{"duplicate_in_file"}},
		{5, ActionRejected, []string{"inn_checksum"}},
		{6, ActionRejected, []string{"other_municipality"}},
		{7, ActionRejected, []string{"unknown_kind"}},
		{9, ActionRejected, []string{"invalid_inn"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if len(creates) != 1 || creates[0].INN != inn(2) || len(updates) != 0 {
		t.Errorf("creates = %+v, updates = %+v; want only row 3 created", creates, updates)
	}
	for _, o := range outcomes {
		if o.Action == ActionRejected && o.OrganisationID != "" {
			t.Errorf("row %d rejected but names organisation %q", o.Row, o.OrganisationID)
		}
	}
}

func TestPlanUpdatesOnlyTheColumnsInTheFile(t *testing.T) {
	t.Parallel()
	stored := domain.Organisation{ID: "org-1", MunicipalityID: "m", INN: inn(1), FullName: "Средняя школа № 1",
		ShortName: "СШ № 1", Kind: domain.KindSchool, Address: "ул. Ленина, 1",
		Curator: domain.Curator{Name: "Иванова И.И."}, Version: 3}
	sh, err := Parse([][]string{{"ИНН", "Краткое наименование", "Адрес"}, {inn(1), "СШ № 1", "ул. Мира, 5"}})
	if err != nil {
		t.Fatal(err)
	}
	outcomes, _, updates := sh.Plan(sh.Records("m"), map[string]domain.Organisation{stored.INN: stored})
	if len(outcomes) != 1 || outcomes[0].Action != ActionUpdated {
		t.Fatalf("outcomes = %+v, want one update", outcomes)
	}
	if diff := cmp.Diff([]string{"address"}, outcomes[0].ChangedFields); diff != "" {
		t.Errorf("changed fields (-want +got):\n%s", diff)
	}
	u := updates[0]
	if u.FullName != stored.FullName || u.Curator.Name != "Иванова И.И." || u.Kind != domain.KindSchool || u.Version != 3 {
		t.Errorf("update lost stored values outside the file's columns: %+v", u)
	}
}

func TestRepairINN(t *testing.T) {
	t.Parallel()
	p := "010501746"
	full := p + string(domain.INNCheckDigit(p))
	if got := repairINN(full[1:]); got != full {
		t.Errorf("repairINN(%q) = %q, want %q", full[1:], got, full)
	}
	if got := repairINN("24 650 010 18"); got != "2465001018" {
		t.Errorf("repairINN with spaces = %q, want 2465001018", got)
	}
}

// A workbook over the limit says the limit of organisations, as the CSV
// reader does (the header row aside).
func TestReadXLSXTooManyRows(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= MaxRows+2; i++ {
		if err := sw.SetRow(fmt.Sprintf("A%d", i), []any{i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	_, err = ReadXLSX(buf.Bytes())
	if want := fmt.Sprintf("the file cannot be read: more than %d rows", MaxRows); err == nil || err.Error() != want {
		t.Errorf("ReadXLSX(%d rows) = %v, want %q", MaxRows+2, err, want)
	}
}
