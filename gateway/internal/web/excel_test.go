package web

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/nastavnik/nastavnik/platform/tabular"
)

// sampleReport is a small report with every field type, a value of each and
// a remark.
func sampleReport() ReportView {
	return ReportView{ID: "0b6a7c9e-2f5d-4c1e-9a57-0d7c3e1f2a10", CampaignName: "Мониторинг 2026", OrgName: "СШ № 150",
		Version: 7, Status: ReportDraft, FormCode: "cmn_monitoring", FormVersion: 1, TimeZone: "Asia/Krasnoyarsk",
		Deadline: time.Date(2026, 12, 15, 17, 0, 0, 0, time.UTC),
		Sections: []SectionView{
			{Title: "Педагоги", Fields: []FieldView{
				{Code: "teachers_total", Label: "Педагогических работников, всего", Help: "Человек.", Type: FieldCount, Required: true,
					Value: "50", Set: true, Remark: "Уточните"},
				{Code: "young_teachers", Label: "Молодые педагоги", Help: "До 35 лет.", Type: FieldCount, Required: true},
			}},
			{Title: "Локальные акты", Fields: []FieldView{
				{Code: "act_order", Label: "Приказ о внедрении", Help: "Номер и дата.", Type: FieldYesNo, Required: true,
					Set: true, Yes: true, RefNumber: "125-од", RefDate: "2026-09-01"},
				{Code: "comment", Label: "Комментарий", Type: FieldText, Value: "Всё верно", Set: true},
			}},
		},
	}
}

// Rows of the sample's fields in its workbook: a section row before each
// section.
const (
	rowTeachers = headerRow + 2
	rowYoung    = headerRow + 3
	rowAct      = headerRow + 5
	rowComment  = headerRow + 6
)

func build(t testing.TB, rv ReportView) []byte {
	t.Helper()
	f, err := workbook(rv, time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func open(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func get(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func unlocked(t *testing.T, f *excelize.File, cell string) bool {
	t.Helper()
	id, err := f.GetCellStyle(sheetReport, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	return st.Protection != nil && !st.Protection.Locked
}

func TestExcelWorkbook(t *testing.T) {
	rv := sampleReport()
	f := open(t, build(t, rv))

	if got := f.GetSheetList(); len(got) != 2 || got[0] != sheetReport || got[1] != sheetMeta {
		t.Fatalf("sheets %v", got)
	}
	if vis, _ := f.GetSheetVisible(sheetReport); !vis {
		t.Error("«Отчёт» is hidden")
	}
	if vis, _ := f.GetSheetVisible(sheetMeta); vis {
		t.Error("«служебный» is visible")
	}
	// The header block and the values.
	for cell, want := range map[string]string{
		"B2": "СШ № 150", "B3": "Мониторинг 2026", "B4": "до 23:59 15 декабря 2026 г. по местному времени",
		"B5": "20 ноября 2026 г., 15:30 (версия отчёта 7)", "A8": "Показатель", "C8": "Значение", "G8": "Замечание методиста",
		"A9": "Педагоги", "A10": "Педагогических работников, всего", "B10": "Человек.", "C10": "50", "G10": "Уточните",
		"C11": "", "A12": "Локальные акты", "C13": "да", "D13": "125-од", "C14": "Всё верно",
	} {
		if got := get(t, f, sheetReport, cell); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
	if got := get(t, f, sheetReport, "E13"); got != "46266" { // 1 September 2026
		t.Errorf("the document date is %q, want Excel day 46266", got)
	}
	if got, _ := f.GetCellValue(sheetReport, "E13"); got != "01.09.2026" {
		t.Errorf("the document date shows as %q", got)
	}
	// The hidden metadata.
	for cell, want := range map[string]string{cellReportID: rv.ID, cellFormCode: "cmn_monitoring", cellFormVersion: "1", cellVersion: "7",
		"A8": "teachers_total", "B8": "10", "D8": "50", "A10": "act_order", "B10": "13", "D10": "да (125-од, 2026-09-01)"} {
		if got := get(t, f, sheetMeta, cell); got != want {
			t.Errorf("служебный!%s = %q, want %q", cell, got, want)
		}
	}
	// Only the value cells are unlocked; the sheet is protected.
	for _, cell := range []string{"C10", "C11", "C13", "D13", "E13", "F13", "C14"} {
		if !unlocked(t, f, cell) {
			t.Errorf("%s is locked", cell)
		}
	}
	for _, cell := range []string{"A10", "B10", "D10", "G10", "B2", "A9"} {
		if unlocked(t, f, cell) {
			t.Errorf("%s is unlocked", cell)
		}
	}
	if p, err := f.GetSheetProtection(sheetReport); err != nil || !p.SelectUnlockedCells || p.InsertRows || p.DeleteRows {
		t.Errorf("sheet protection %+v, %v", p, err)
	}
	// Validations: whole numbers, да/нет, a date, text lengths.
	dvs, err := f.GetDataValidations(sheetReport)
	if err != nil {
		t.Fatal(err)
	}
	byCell := map[string]*excelize.DataValidation{}
	for _, dv := range dvs {
		byCell[dv.Sqref] = dv
	}
	for cell, want := range map[string]string{"C10": "whole 0 10000000", "C11": "whole 0 10000000", "C13": `list "да,нет" `,
		"D13": "textLength 0 200", "E13": "date 32874 73415", "C14": "textLength 0 2000"} {
		dv := byCell[cell]
		if dv == nil {
			t.Errorf("%s has no validation", cell)
			continue
		}
		if got := dv.Type + " " + dv.Formula1 + " " + dv.Formula2; got != want {
			t.Errorf("%s validation %q, want %q", cell, got, want)
		}
		if !dv.ShowErrorMessage || dv.Error == nil || *dv.Error == "" {
			t.Errorf("%s validation has no message", cell)
		}
	}
	// Frozen titles and printing on one page wide.
	if p, _ := f.GetPanes(sheetReport); !p.Freeze || p.YSplit != headerRow {
		t.Errorf("panes %+v", p)
	}
	if l, _ := f.GetPageLayout(sheetReport); l.FitToWidth == nil || *l.FitToWidth != 1 || l.Orientation == nil || *l.Orientation != "landscape" {
		t.Errorf("page layout %+v", l)
	}
	if w, _ := f.GetColWidth(sheetReport, "B"); w < 40 {
		t.Errorf("help column width %v", w)
	}

	// A report that cannot change: nothing to fill.
	rv.Status = ReportSubmitted
	g := open(t, build(t, rv))
	if unlocked(t, g, "C10") {
		t.Error("a submitted report's value cell is unlocked")
	}
}

// edit builds the sample's file, changes it and returns it.
func edit(t *testing.T, rv ReportView, change func(f *excelize.File)) []byte {
	t.Helper()
	f := open(t, build(t, rv))
	change(f)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func set(t *testing.T, f *excelize.File, cell string, v any) {
	t.Helper()
	if err := f.SetCellValue(sheetReport, cell, v); err != nil {
		t.Fatal(err)
	}
}

func TestExcelReadBack(t *testing.T) {
	rv := sampleReport()
	up, err := readUpload(build(t, rv), rv)
	if err != nil {
		t.Fatal(err)
	}
	if up.Version != 7 || up.ReportID != rv.ID {
		t.Errorf("read %+v", up)
	}
	if ch, in := changesFrom(rv, up); len(ch) != 0 || len(in) != 0 {
		t.Errorf("an untouched file changes %v", ch)
	}

	data := edit(t, rv, func(f *excelize.File) {
		set(t, f, "C10", 60)              // a count, as Excel stores a number
		set(t, f, "C11", "1 200")         // typed into a text cell
		set(t, f, "C13", "Нет")           // yes/no in any case
		set(t, f, "E13", "02.09.2026")    // a date typed as text
		set(t, f, "F13", "https://x.ru/") // a link
		set(t, f, "C14", "")              // cleared
	})
	up, err = readUpload(data, rv)
	if err != nil {
		t.Fatal(err)
	}
	ch, in := changesFrom(rv, up)
	got := map[string]string{}
	for _, c := range ch {
		got[c.Code] = c.Old + " → " + c.New
	}
	want := map[string]string{"teachers_total": "50 → 60", "young_teachers": " → 1200",
		"act_order": "да (125-од, 2026-09-01) → нет (125-од, 2026-09-02, https://x.ru/)", "comment": "Всё верно → "}
	if len(got) != len(want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
	if !in["comment"].Clear || in["teachers_total"].Count != 60 || in["act_order"].Yes {
		t.Errorf("inputs %+v", in)
	}

	// The report changed meanwhile: a field changed only there is kept,
	// a field changed in both is the file's and marked.
	now := sampleReport()
	now.Version = 9
	now.Sections[0].Fields[0].Value = "55"                           // teachers_total: changed in both
	now.Sections[1].Fields[1].Value = "Исправлено методистом в чате" // comment: changed only in the report
	stale := edit(t, rv, func(f *excelize.File) { set(t, f, "C10", 60) })
	up, err = readUpload(stale, now)
	if err != nil {
		t.Fatal(err)
	}
	ch, in = changesFrom(now, up)
	if len(ch) != 1 || ch[0].Code != "teachers_total" || !ch[0].ChangedInBoth || ch[0].Was != "50" || ch[0].Old != "55" || len(in) != 1 {
		t.Errorf("stale changes %+v", ch)
	}
	if up.Version != 7 {
		t.Errorf("the file's version %d, want 7", up.Version)
	}
}

// problemOf reads data as an upload to rv and returns its one problem.
func problemOf(t *testing.T, data []byte, rv ReportView) string {
	t.Helper()
	_, err := readUpload(data, rv)
	var ps fileProblems
	if !errors.As(err, &ps) || len(ps) == 0 {
		t.Fatalf("want a problem, got %v", err)
	}
	return ps[0].String()
}

func TestExcelUploadProblems(t *testing.T) {
	rv := sampleReport()
	plain := excelize.NewFile()
	var other bytes.Buffer
	if err := plain.Write(&other); err != nil {
		t.Fatal(err)
	}
	foreign := sampleReport()
	foreign.ID, foreign.OrgName = "5d1f0c2a-8a7e-4b6f-9c3d-2e4f6a8b0c1d", "Гимназия № 1"
	oldForm := sampleReport()
	oldForm.FormVersion = 2

	for name, tc := range map[string]struct {
		data []byte
		rv   ReportView
		want string
	}{
		"not a workbook": {[]byte("это не Excel"), rv, "Это не файл Excel (.xlsx)"},
		"another workbook": {other.Bytes(), rv,
			"Лист «служебный»: такого листа в файле нет"},
		"another report": {build(t, foreign), rv,
			"Лист «Отчёт», ячейка B2: это файл другого отчёта: «Гимназия № 1», кампания «Мониторинг 2026»"},
		"another report of the same school and campaign": {edit(t, rv, func(f *excelize.File) { _ = f.SetCellValue(sheetMeta, cellReportID, foreign.ID) }), rv,
			"Лист «служебный», ячейка B2: это файл другого отчёта."},
		"another form version": {build(t, rv), oldForm,
			"Лист «служебный», ячейка B3: файл сделан для другой версии формы"},
		"a word in a count": {edit(t, rv, func(f *excelize.File) { set(t, f, "C11", "двенадцать") }), rv,
			"Лист «Отчёт», ячейка C11: введите целое число"},
		"a fraction": {edit(t, rv, func(f *excelize.File) { set(t, f, "C10", 12.5) }), rv,
			"Лист «Отчёт», ячейка C10: введите целое число"},
		"a negative count": {edit(t, rv, func(f *excelize.File) { set(t, f, "C10", -3) }), rv,
			"Лист «Отчёт», ячейка C10: число не может быть отрицательным"},
		"neither yes nor no": {edit(t, rv, func(f *excelize.File) { set(t, f, "C13", "возможно") }), rv,
			"Лист «Отчёт», ячейка C13: выберите «да» или «нет»"},
		"a document without an answer": {edit(t, rv, func(f *excelize.File) { set(t, f, "C13", "") }), rv,
			"Лист «Отчёт», ячейка C13: выберите «да» или «нет»: реквизиты документа указаны"},
		"not a date": {edit(t, rv, func(f *excelize.File) { set(t, f, "E13", "вчера") }), rv,
			"Лист «Отчёт», ячейка E13: введите дату документа"},
		"a link without a scheme": {edit(t, rv, func(f *excelize.File) { set(t, f, "F13", "school.ru/act") }), rv,
			"Лист «Отчёт», ячейка F13: ссылка начинается с https://"},
		"rows moved": {edit(t, rv, func(f *excelize.File) { set(t, f, "A11", "Что-то другое") }), rv,
			"Лист «Отчёт», ячейка A11: здесь должен быть показатель «Молодые педагоги»"},
		"damaged service sheet": {edit(t, rv, func(f *excelize.File) { _ = f.SetCellValue(sheetMeta, cellVersion, "семь") }), rv,
			"Лист «служебный», ячейка B4: служебные данные файла повреждены"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := problemOf(t, tc.data, tc.rv); !strings.HasPrefix(got, tc.want) {
				t.Errorf("problem %q, want it to start with %q", got, tc.want)
			}
		})
	}

	// Every bad cell is named, not only the first.
	data := edit(t, rv, func(f *excelize.File) { set(t, f, "C10", "много"); set(t, f, "C11", "x") })
	_, err := readUpload(data, rv)
	var ps fileProblems
	if !errors.As(err, &ps) || len(ps) != 2 || ps[1].Cell != "C11" {
		t.Errorf("problems %v", err)
	}
}

// TestExcelZipBomb: a file whose parts say they unpack to more than the
// limit every office file shares (tabular.CheckZip) is refused from the
// sizes the zip declares, before unpacking: the parts here hold a few bytes
// that are not even deflate data, so reading any of them would fail
// differently. A file exactly at the limit passes the guard and fails only
// later, as not being a workbook: the gateway has no stricter rule of its own.
func TestExcelZipBomb(t *testing.T) {
	rv := sampleReport()
	const tooLargeStart = "Файл распаковывается больше чем в 64 МБ"
	rawZip := func(t *testing.T, sizes []uint64) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for i, n := range sizes {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), Method: zip.Deflate,
				CompressedSize64: 4, UncompressedSize64: n, CRC32: 1})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write([]byte{0xde, 0xad, 0xbe, 0xef}); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	third := uint64(tabular.MaxUnzipped/3 + 1)
	for name, sizes := range map[string][]uint64{
		"one huge part":           {1 << 40},
		"many parts over the sum": {third, third, third},
		"too many parts":          make([]uint64, tabular.MaxParts+1),
	} {
		t.Run(name, func(t *testing.T) {
			if got := problemOf(t, rawZip(t, sizes), rv); !strings.HasPrefix(got, tooLargeStart) {
				t.Errorf("problem %q, want it to start with %q", got, tooLargeStart)
			}
		})
	}
	t.Run("at the shared limit", func(t *testing.T) {
		got := problemOf(t, rawZip(t, []uint64{tabular.MaxUnzipped / 2, tabular.MaxUnzipped / 2}), rv)
		if strings.HasPrefix(got, tooLargeStart) || got == "" {
			t.Errorf("problem %q, want one that is not about the size", got)
		}
	})

	// A real one: 70 MB of XML deflated to well under a megabyte.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("xl/sharedStrings.xml")
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("<si><t>a</t></si>"), 1<<16)
	for n := 0; n < tabular.MaxUnzipped+(6<<20); n += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes", buf.Len())
	}
	if got := problemOf(t, buf.Bytes(), rv); !strings.HasPrefix(got, tooLargeStart) {
		t.Errorf("problem %q, want it to start with %q", got, tooLargeStart)
	}
	if got := problemOf(t, make([]byte, maxUpload+1), rv); !strings.HasPrefix(got, "Файл больше 4 МБ") {
		t.Errorf("problem %q", got)
	}
}

func TestExcelValues(t *testing.T) {
	for in, want := range map[string]int64{"12": 12, "1 200": 1200, "1\u00a0200": 1200, "1.2E+3": 1200, "12.0": 12} {
		if got, ok := wholeNumber(in); !ok || got != want {
			t.Errorf("wholeNumber(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"12,5", "12.5", "двенадцать", "1e30"} {
		if _, ok := wholeNumber(in); ok {
			t.Errorf("wholeNumber(%q) ok", in)
		}
	}
	for in, want := range map[string]string{"46266": "2026-09-01", "01.09.2026": "2026-09-01", "1.9.2026": "2026-09-01",
		"2026-09-01": "2026-09-01", "": ""} {
		if got, ok := cellDate(in, false); !ok || got != want {
			t.Errorf("cellDate(%q) = %q, %v", in, got, ok)
		}
	}
	if got, _ := cellDate("44804", true); got != "2026-09-01" {
		t.Errorf("a 1904 workbook's day 44804 is %q", got)
	}
	if _, ok := cellDate("31.02.2026", false); ok {
		t.Error("31 February is a date")
	}
}

func TestExcelFileName(t *testing.T) {
	rv := sampleReport()
	rv.OrgName = `СШ "150": /новая/`
	name := reportFileName(rv)
	if name != "Отчёт СШ 150 новая Мониторинг 2026.xlsx" {
		t.Errorf("file name %q", name)
	}
	cd := attachment("Отчёт № 1.xlsx", "report.xlsx")
	if cd != `attachment; filename="report.xlsx"; filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%20%E2%84%96%201.xlsx` {
		t.Errorf("Content-Disposition %s", cd)
	}
}
