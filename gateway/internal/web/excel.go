package web

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/nastavnik/nastavnik/platform/tabular"
)

// The Excel round trip of a report: the workbook a curator downloads, fills
// offline and uploads again, and the reading of the uploaded file.
//
// The visible sheet «Отчёт» has a header block (organisation, campaign,
// deadline, when the file was made), then one row per field grouped by
// section: label, help, and the value cells — the only unlocked cells, each
// with a data validation — under sheet protection without a password (it
// guides, it does not secure). The very hidden sheet «служебный» carries what
// the upload must know: the report id, the form code and version, the report
// version the file was made from, and for every field its row and its value
// when the file was made.
//
// Nothing in an uploaded file is trusted: it is opened with limits, the id
// must be the report's of the page and the form its form, each field's row
// must still hold the field's label, and every value is read as the report
// form reads it. Problems are Russian sentences naming the sheet and cell.

const (
	sheetReport = "Отчёт"
	sheetMeta   = "служебный"

	// maxUpload bounds the uploaded file; a filled report is about 20 KB.
	maxUpload = 4 << 20
	// maxRows bounds the rows read from either sheet.
	maxRows = 1000
	// maxCellErrors bounds the cell problems listed at once.
	maxCellErrors = 20

	// headerRow holds the column titles of «Отчёт»; fields start below it.
	headerRow = 8
	// metaFieldRow is the first field row of «служебный».
	metaFieldRow = 8
)

// Columns of «Отчёт».
const (
	colLabel = iota + 1
	colHelp
	colValue
	colNumber
	colDate
	colLink
	colRemark
)

// Cells of «служебный» and «Отчёт» the upload reads besides the fields.
const (
	cellReportID    = "B2"
	cellFormCode    = "B3"
	cellFormVersion = "C3"
	cellVersion     = "B4"
	cellOrg         = "B2" // on «Отчёт»
	cellCampaign    = "B3" // on «Отчёт»
)

// cellName names a cell: (3, 12) is "C12".
func cellName(col, row int) string {
	n, _ := excelize.CoordinatesToCellName(col, row)
	return n
}

// excelEpoch is day 0 of Excel's 1900 date system.
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// errs collects the first error of a run of excelize calls.
type errs struct{ err error }

func (e *errs) do(err error) {
	if e.err == nil && err != nil {
		e.err = err
	}
}

// bookStyles are the cell styles of the workbook.
type bookStyles struct {
	title, key, value, note, head, section, label, help, remark, plain int
	count, choice, text, date                                          int
}

func newBookStyles(f *excelize.File, editable bool) (bookStyles, error) {
	var s bookStyles
	var e errs
	border := []excelize.Border{{Type: "left", Color: "B1B4B6", Style: 1}, {Type: "top", Color: "B1B4B6", Style: 1},
		{Type: "right", Color: "B1B4B6", Style: 1}, {Type: "bottom", Color: "B1B4B6", Style: 1}}
	top := &excelize.Alignment{Vertical: "top", WrapText: true}
	style := func(st *excelize.Style) int {
		id, err := f.NewStyle(st)
		e.do(err)
		return id
	}
	// Input cells: yellow and unlocked when the report may change.
	input := func(st excelize.Style) int {
		st.Border = border
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF7BF"}}
		if editable {
			st.Protection = &excelize.Protection{Locked: false}
		}
		return style(&st)
	}
	dateFmt, textFmt := "DD.MM.YYYY", "@"
	s.title = style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	s.key = style(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: top})
	s.value = style(&excelize.Style{Alignment: top})
	s.note = style(&excelize.Style{Alignment: top, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EEF3F9"}}})
	s.head = style(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9D9D9"}}})
	s.section = style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}, Border: border,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F3F2F1"}}})
	s.label = style(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border, Alignment: top})
	s.help = style(&excelize.Style{Font: &excelize.Font{Size: 10, Color: "505A5F"}, Border: border, Alignment: top})
	s.remark = style(&excelize.Style{Font: &excelize.Font{Italic: true, Color: "594D00"}, Border: border, Alignment: top})
	s.plain = style(&excelize.Style{Border: border})
	s.count = input(excelize.Style{NumFmt: 1, Alignment: &excelize.Alignment{Vertical: "top"}})
	s.choice = input(excelize.Style{Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top"}})
	s.text = input(excelize.Style{CustomNumFmt: &textFmt, Alignment: top})
	s.date = input(excelize.Style{CustomNumFmt: &dateFmt, Alignment: &excelize.Alignment{Vertical: "top"}})
	return s, e.err
}

// workbook builds the report's file as it is at made: values unlocked to
// fill only while the report may change. The caller closes it.
func workbook(rv ReportView, made time.Time) (*excelize.File, error) {
	f := excelize.NewFile()
	if err := fillWorkbook(f, rv, made); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

func fillWorkbook(f *excelize.File, rv ReportView, made time.Time) error {
	var e errs
	e.do(f.SetSheetName(f.GetSheetName(0), sheetReport))
	st, err := newBookStyles(f, rv.Editable())
	e.do(err)
	if e.err != nil {
		return e.err
	}
	sh := sheetReport
	str := func(col, row int, v string, style int) {
		e.do(f.SetCellStr(sh, cellName(col, row), v))
		e.do(f.SetCellStyle(sh, cellName(col, row), cellName(col, row), style))
	}
	remarks := false
	for _, s := range rv.Sections {
		for _, fl := range s.Fields {
			remarks = remarks || fl.Remark != ""
		}
	}
	last := colLink
	if remarks {
		last = colRemark
	}
	merge := func(col1, col2, row int) { e.do(f.MergeCell(sh, cellName(col1, row), cellName(col2, row))) }

	// The header block.
	loc := location(rv.TimeZone)
	str(1, 1, "Мониторинг наставничества: отчёт организации", st.title)
	header := [][2]string{{"Организация", rv.OrgName}, {"Кампания", rv.CampaignName}, {"Срок", ""},
		{"Файл скачан", fmt.Sprintf("%s (версия отчёта %d)", DateTimeRU(made, loc), rv.Version)}}
	if !rv.Deadline.IsZero() {
		header[2][1] = "до 23:59 " + DateRU(rv.Deadline.In(loc).Add(-time.Nanosecond)) + " по местному времени"
	}
	for i, kv := range header {
		str(colLabel, 2+i, kv[0], st.key)
		str(colHelp, 2+i, kv[1], st.value)
		merge(colHelp, last, 2+i)
	}
	note := "Заполните жёлтые ячейки: «Значение», а для ответов «да» — номер, дату или ссылку на документ. " +
		"Остальные ячейки защищены от случайных изменений. Сохраните файл и загрузите его на странице отчёта " +
		"(«Загрузить заполненный файл»): сайт покажет все изменения и сохранит их только после вашего подтверждения."
	if !rv.Editable() {
		note = "Отчёт сейчас изменить нельзя: файл только для просмотра."
	}
	str(colLabel, 6, note, st.note)
	merge(colLabel, last, 6)
	e.do(f.SetRowHeight(sh, 6, 48))

	// The column titles and the fields, section by section.
	titles := []string{"Показатель", "Пояснение", "Значение", "Номер документа", "Дата документа", "Ссылка на документ", "Замечание методиста"}
	for col := colLabel; col <= last; col++ {
		str(col, headerRow, titles[col-1], st.head)
	}
	meta := [][]any{}
	row := headerRow
	for _, s := range rv.Sections {
		row++
		str(colLabel, row, s.Title, st.section)
		for col := colLabel + 1; col <= last; col++ {
			str(col, row, "", st.section)
		}
		merge(colLabel, last, row)
		for _, fl := range s.Fields {
			row++
			meta = append(meta, []any{fl.Code, row, int(fl.Type), fieldText(fl)})
			str(colLabel, row, fl.Label, st.label)
			str(colHelp, row, fl.Help, st.help)
			for col := colValue; col <= colLink; col++ {
				e.do(f.SetCellStyle(sh, cellName(col, row), cellName(col, row), st.plain))
			}
			if remarks {
				str(colRemark, row, fl.Remark, st.remark)
			}
			lines := max(1, (utf8.RuneCountInString(fl.Help)+54)/55, (utf8.RuneCountInString(fl.Label)+34)/35)
			e.do(f.SetRowHeight(sh, row, float64(15*lines+3)))
			e.do(fieldCells(f, fl, row, st))
		}
	}

	// Widths, frozen titles, print setup, protection.
	for col, w := range map[string]float64{"A": 40, "B": 60, "C": 14, "D": 18, "E": 15, "F": 32, "G": 40} {
		e.do(f.SetColWidth(sh, col, col, w))
	}
	e.do(f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: cellName(1, headerRow+1), ActivePane: "bottomLeft"}))
	landscape, a4, one, auto := "landscape", 9, 1, 0
	e.do(f.SetPageLayout(sh, &excelize.PageLayoutOptions{Orientation: &landscape, Size: &a4, FitToWidth: &one, FitToHeight: &auto}))
	fit := true
	e.do(f.SetSheetProps(sh, &excelize.SheetPropsOptions{FitToPage: &fit}))
	e.do(f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sh, headerRow, headerRow), Scope: sh}))
	e.do(f.ProtectSheet(sh, &excelize.SheetProtectionOptions{SelectLockedCells: true, SelectUnlockedCells: true,
		FormatColumns: true, FormatRows: true}))

	// The service sheet, very hidden: Excel's menus cannot show it.
	_, err = f.NewSheet(sheetMeta)
	e.do(err)
	mset := func(cell string, v any) { e.do(f.SetCellValue(sheetMeta, cell, v)) }
	mset("A1", "Служебный лист: по нему сайт узнаёт отчёт и строки показателей. Не изменяйте его.")
	mset("A2", "report")
	mset(cellReportID, rv.ID)
	mset("A3", "form")
	mset(cellFormCode, rv.FormCode)
	mset(cellFormVersion, int(rv.FormVersion))
	mset("A4", "version")
	mset(cellVersion, rv.Version)
	mset("A5", "made")
	mset("B5", made.UTC().Format(time.RFC3339))
	e.do(f.SetSheetRow(sheetMeta, cellName(1, metaFieldRow-1), &[]any{"code", "row", "type", "was"}))
	for i, m := range meta {
		// The value when made is text, whatever it looks like.
		e.do(f.SetSheetRow(sheetMeta, cellName(1, metaFieldRow+i), &[]any{m[0], m[1], m[2]}))
		e.do(f.SetCellStr(sheetMeta, cellName(4, metaFieldRow+i), m[3].(string)))
	}
	e.do(f.ProtectSheet(sheetMeta, &excelize.SheetProtectionOptions{}))
	e.do(f.SetSheetVisible(sheetMeta, false, true))
	e.do(f.ProtectWorkbook(&excelize.WorkbookProtectionOptions{LockStructure: true}))
	f.SetActiveSheet(0)
	e.do(f.SetDocProps(&excelize.DocProperties{Title: "Отчёт: " + rv.OrgName + " — " + rv.CampaignName,
		Creator: "Наставник", Language: "ru-RU"}))
	return e.err
}

// fieldCells writes a field's value cells with their validation.
func fieldCells(f *excelize.File, fl FieldView, row int, st bookStyles) error {
	var e errs
	sh := sheetReport
	value := cellName(colValue, row)
	validate := func(cell string, set func(dv *excelize.DataValidation) error, title, msg string) {
		dv := excelize.NewDataValidation(true)
		dv.SetSqref(cell)
		e.do(set(dv))
		dv.SetError(excelize.DataValidationErrorStyleStop, title, msg)
		e.do(f.AddDataValidation(sh, dv))
	}
	switch fl.Type {
	case FieldCount:
		e.do(f.SetCellStyle(sh, value, value, st.count))
		if fl.Set {
			n, _ := strconv.ParseInt(fl.Value, 10, 64)
			e.do(f.SetCellInt(sh, value, n))
		}
		lo, hi := max(fl.Min, 0), int64(maxCount)
		if fl.Max > 0 {
			hi = min(fl.Max, hi)
		}
		validate(value, func(dv *excelize.DataValidation) error {
			return dv.SetRange(int(lo), int(hi), excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween)
		}, "Нужно целое число", "Введите целое число от "+NumberRU(lo)+" до "+NumberRU(hi)+", например 12.")
	case FieldYesNo:
		e.do(f.SetCellStyle(sh, value, value, st.choice))
		num, date, link := cellName(colNumber, row), cellName(colDate, row), cellName(colLink, row)
		e.do(f.SetCellStyle(sh, num, num, st.text))
		e.do(f.SetCellStyle(sh, date, date, st.date))
		e.do(f.SetCellStyle(sh, link, link, st.text))
		if fl.Set {
			e.do(f.SetCellStr(sh, value, map[bool]string{true: "да", false: "нет"}[fl.Yes]))
			e.do(f.SetCellStr(sh, num, fl.RefNumber))
			if d, err := time.Parse(time.DateOnly, fl.RefDate); err == nil {
				e.do(f.SetCellInt(sh, date, int64(d.Sub(excelEpoch).Hours()/24)))
			}
			e.do(f.SetCellStr(sh, link, fl.RefLink))
		}
		validate(value, func(dv *excelize.DataValidation) error { return dv.SetDropList([]string{"да", "нет"}) },
			"Выберите из списка", "Выберите «да» или «нет».")
		validate(num, func(dv *excelize.DataValidation) error {
			return dv.SetRange(0, 200, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween)
		}, "Слишком длинно", "Номер документа — не длиннее 200 символов.")
		validate(date, func(dv *excelize.DataValidation) error {
			lo := int(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC).Sub(excelEpoch).Hours() / 24)
			hi := int(time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC).Sub(excelEpoch).Hours() / 24)
			return dv.SetRange(lo, hi, excelize.DataValidationTypeDate, excelize.DataValidationOperatorBetween)
		}, "Нужна дата", "Введите дату документа, например 01.09.2026.")
		validate(link, func(dv *excelize.DataValidation) error {
			return dv.SetRange(0, 2000, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween)
		}, "Слишком длинно", "Ссылка — не длиннее 2000 символов.")
	default:
		e.do(f.MergeCell(sh, value, cellName(colLink, row)))
		e.do(f.SetCellStyle(sh, value, cellName(colLink, row), st.text))
		if fl.Set {
			e.do(f.SetCellStr(sh, value, fl.Value))
		}
		validate(value, func(dv *excelize.DataValidation) error {
			return dv.SetRange(0, 2000, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween)
		}, "Слишком длинно", "Не длиннее 2000 символов.")
	}
	return e.err
}

// reportFileName names the downloaded file after the organisation and the
// campaign, without the characters file systems refuse.
func reportFileName(rv ReportView) string {
	name := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || strings.ContainsRune(`\/:*?"<>|`, r) {
			return ' '
		}
		return r
	}, "Отчёт "+rv.OrgName+" "+rv.CampaignName)
	name = strings.Join(strings.Fields(name), " ")
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:100])
	}
	return name + ".xlsx"
}

// attachment is a Content-Disposition for a download: an ASCII fallback name
// and the real one in UTF-8 (RFC 5987 filename*).
func attachment(name, fallback string) string {
	var b strings.Builder
	for _, c := range []byte(name) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + b.String()
}

// upload is a report file as read: what it says about itself and its values.
type upload struct {
	ReportID    string
	FormCode    string
	FormVersion int32
	// Version is the report version the file was made from.
	Version int64
	// Values holds every field's value cells by field code; an empty value
	// is a Clear.
	Values map[string]FieldInput
	// Was holds every field's value when the file was made, as fieldText
	// writes it.
	Was map[string]string
}

// fileProblem is why an uploaded file cannot be used, in Russian: the file
// as a whole, or one cell of it.
type fileProblem struct {
	Sheet, Cell string
	Message     string
}

func (p fileProblem) String() string {
	if p.Cell == "" {
		if p.Sheet == "" {
			return p.Message
		}
		return "Лист «" + p.Sheet + "»: " + p.Message
	}
	return "Лист «" + p.Sheet + "», ячейка " + p.Cell + ": " + p.Message
}

// fileProblems are the problems of an uploaded file.
type fileProblems []fileProblem

func (ps fileProblems) Error() string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return strings.Join(out, "; ")
}

func problem(sheet, cell, msg string) fileProblems {
	return fileProblems{{Sheet: sheet, Cell: cell, Message: msg}}
}

const downloadAgain = "Скачайте файл для заполнения на странице отчёта и перенесите в него свои значения."

// readUpload reads an uploaded file against the report it is uploaded to.
// Errors are fileProblems.
func readUpload(data []byte, rv ReportView) (upload, error) {
	var up upload
	if len(data) > maxUpload {
		return up, problem("", "", "Файл больше 4 МБ: это не файл отчёта. "+downloadAgain)
	}
	if err := checkZip(data); err != nil {
		return up, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		RawCellValue: true, UnzipSizeLimit: tabular.MaxUnzipped, UnzipXMLSizeLimit: tabular.MaxUnzipped})
	if err != nil {
		return up, openProblem(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	for _, want := range []string{sheetMeta, sheetReport} {
		if !containsString(sheets, want) {
			return up, problem(want, "", "такого листа в файле нет, значит это не файл отчёта, скачанный с сайта, "+
				"или листы переименованы. "+downloadAgain)
		}
	}
	meta, err := readRows(f, sheetMeta)
	if err != nil {
		return up, err
	}
	report, err := readRows(f, sheetReport)
	if err != nil {
		return up, err
	}
	damaged := func(cell string) error {
		return problem(sheetMeta, cell, "служебные данные файла повреждены. "+downloadAgain)
	}

	up.ReportID = at(meta, cellReportID)
	if up.ReportID != rv.ID {
		// Name the visible cells when they show the other report.
		org, camp := at(report, cellOrg), at(report, cellCampaign)
		if org == "" || (org == rv.OrgName && camp == rv.CampaignName) {
			return up, problem(sheetMeta, cellReportID, "это файл другого отчёта. "+downloadAgain)
		}
		return up, problem(sheetReport, cellOrg, fmt.Sprintf("это файл другого отчёта: «%s», кампания «%s». %s", org, camp, downloadAgain))
	}
	up.FormCode = at(meta, cellFormCode)
	fv, err := strconv.ParseInt(at(meta, cellFormVersion), 10, 32)
	if err != nil {
		return up, damaged(cellFormVersion)
	}
	up.FormVersion = int32(fv)
	if up.FormCode != rv.FormCode || up.FormVersion != rv.FormVersion {
		return up, problem(sheetMeta, cellFormCode, "файл сделан для другой версии формы отчёта. "+downloadAgain)
	}
	if up.Version, err = strconv.ParseInt(at(meta, cellVersion), 10, 64); err != nil || up.Version <= 0 {
		return up, damaged(cellVersion)
	}

	// Where each field is: rows of the service sheet, code → row.
	rows, was := map[string]int{}, map[string]string{}
	for i := metaFieldRow - 1; i < len(meta); i++ {
		r := meta[i]
		if len(r) < 2 || r[0] == "" {
			continue
		}
		n, err := strconv.Atoi(r[1])
		if err != nil || n <= headerRow || n > maxRows {
			return up, damaged(cellName(2, i+1))
		}
		rows[r[0]] = n
		if len(r) > 3 {
			was[r[0]] = r[3]
		}
	}
	up.Values, up.Was = map[string]FieldInput{}, map[string]string{}
	props, _ := f.GetWorkbookProps()
	date1904 := props.Date1904 != nil && *props.Date1904
	var ps fileProblems
	for _, s := range rv.Sections {
		for _, fl := range s.Fields {
			row, ok := rows[fl.Code]
			if !ok {
				return up, problem(sheetMeta, "", "в файле нет строки показателя «"+fl.Label+"»: файл сделан для другой версии формы. "+downloadAgain)
			}
			cells := []string{}
			if row <= len(report) {
				cells = report[row-1]
			}
			if got := strings.TrimSpace(col(cells, colLabel)); got != fl.Label {
				return up, problem(sheetReport, cellName(colLabel, row), "здесь должен быть показатель «"+fl.Label+
					"», а строки переставлены или изменены. "+downloadAgain)
			}
			in, p := readField(fl, cells, row, date1904)
			if p != nil {
				ps = append(ps, *p)
				continue
			}
			up.Values[fl.Code] = in
			up.Was[fl.Code] = was[fl.Code]
		}
	}
	if len(ps) > 0 {
		return up, ps
	}
	return up, nil
}

// Change is one field a file changes: the value saved now (Old), the value
// in the file (New), and when the report changed meanwhile, the value when
// the file was made (Was). Values are as fieldText writes them, "" for none.
type Change struct {
	Code, Label   string
	Old, New, Was string
	ChangedInBoth bool
}

// changesFrom compares a file with the report as it is: the fields the file
// changes, and the inputs that save them. A field counts when its value in
// the file differs both from the saved one and from the one it had when the
// file was made, so a value someone else changed meanwhile is not put back.
func changesFrom(rv ReportView, up upload) ([]Change, map[string]FieldInput) {
	var out []Change
	inputs := map[string]FieldInput{}
	for _, s := range rv.Sections {
		for _, f := range s.Fields {
			in, ok := up.Values[f.Code]
			if !ok {
				continue
			}
			now, was := inputText(in), up.Was[f.Code]
			cur := fieldText(f)
			if now == cur || now == was {
				continue
			}
			inputs[f.Code] = in
			out = append(out, Change{Code: f.Code, Label: f.Label, Old: cur, New: now, Was: was,
				ChangedInBoth: was != cur})
		}
	}
	return out, inputs
}

// checkZip refuses an old .xls or encrypted workbook, a file that is not a
// zip, and an archive over the limits of every office file
// (tabular.CheckZip, which reads only the zip's directory), each with its
// Russian sentence.
func checkZip(data []byte) error {
	if bytes.HasPrefix(data, []byte{0xd0, 0xcf, 0x11, 0xe0}) {
		return openProblem(excelize.ErrWorkbookFileFormat) // an old .xls or an encrypted workbook
	}
	if _, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err != nil {
		return openProblem(zip.ErrFormat)
	}
	if err := tabular.CheckZip(data); err != nil {
		return problem("", "", tooLarge)
	}
	return nil
}

// tooLarge is the problem of an archive over tabular's limits.
var tooLarge = fmt.Sprintf("Файл распаковывается больше чем в %d МБ или в слишком много частей: это не файл отчёта. ",
	tabular.MaxUnzipped>>20) + downloadAgain

// openProblem explains why a file does not open as a workbook.
func openProblem(err error) error {
	switch {
	case strings.Contains(err.Error(), "unzip size exceeds"):
		return problem("", "", tooLarge)
	case errors.Is(err, excelize.ErrWorkbookFileFormat), errors.Is(err, excelize.ErrWorkbookPassword):
		return problem("", "", "Файл защищён паролем или сохранён в старом формате .xls. "+
			"Сохраните его как «Книга Excel (*.xlsx)» без пароля и загрузите снова.")
	case errors.Is(err, zip.ErrFormat), errors.Is(err, zip.ErrAlgorithm), errors.Is(err, zip.ErrChecksum):
		return problem("", "", "Это не файл Excel (.xlsx) или он повреждён. "+downloadAgain)
	}
	return problem("", "", "Файл не открывается как книга Excel (.xlsx). "+downloadAgain)
}

// readRows reads the first maxRows rows of a sheet as raw cell values, one
// slice per row (row 1 first), streaming the sheet's XML.
func readRows(f *excelize.File, sheet string) ([][]string, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, problem(sheet, "", "лист не читается. "+downloadAgain)
	}
	defer rows.Close()
	var out [][]string
	for n := 1; n <= maxRows && rows.Next(); n++ {
		cols, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, problem(sheet, "", fmt.Sprintf("строка %d не читается. ", n)+downloadAgain)
		}
		if len(cols) > colRemark {
			cols = cols[:colRemark]
		}
		out = append(out, cols)
	}
	if err := rows.Error(); err != nil {
		return nil, problem(sheet, "", "лист не читается. "+downloadAgain)
	}
	return out, nil
}

// at is the value of a cell ("B2") in rows read by readRows.
func at(rows [][]string, cell string) string {
	c, r, err := excelize.CellNameToCoordinates(cell)
	if err != nil || r > len(rows) {
		return ""
	}
	return strings.TrimSpace(col(rows[r-1], c))
}

// col is the value of column c (1-based) of a row.
func col(cells []string, c int) string {
	if c > len(cells) {
		return ""
	}
	return cells[c-1]
}

// readField reads a field's value cells as the report form reads its inputs.
func readField(fl FieldView, cells []string, row int, date1904 bool) (FieldInput, *fileProblem) {
	bad := func(c int, msg string) (FieldInput, *fileProblem) {
		return FieldInput{}, &fileProblem{Sheet: sheetReport, Cell: cellName(c, row), Message: msg}
	}
	v := strings.TrimSpace(col(cells, colValue))
	switch fl.Type {
	case FieldCount:
		if v == "" {
			return FieldInput{Type: FieldCount, Clear: true}, nil
		}
		n, ok := wholeNumber(v)
		switch {
		case !ok:
			return bad(colValue, "введите целое число, например 12")
		case n < 0:
			return bad(colValue, "число не может быть отрицательным")
		case n > maxCount:
			return bad(colValue, "слишком большое число: проверьте значение")
		}
		return FieldInput{Type: FieldCount, Count: n}, nil
	case FieldYesNo:
		num, link := strings.TrimSpace(col(cells, colNumber)), strings.TrimSpace(col(cells, colLink))
		date, ok := cellDate(strings.TrimSpace(col(cells, colDate)), date1904)
		var yes bool
		switch strings.ToLower(v) {
		case "":
			if num != "" || date != "" || link != "" {
				return bad(colValue, "выберите «да» или «нет»: реквизиты документа указаны, а ответа нет")
			}
			return FieldInput{Type: FieldYesNo, Clear: true}, nil
		case "да":
			yes = true
		case "нет":
		default:
			return bad(colValue, "выберите «да» или «нет»")
		}
		switch {
		case !ok:
			return bad(colDate, "введите дату документа, например 01.09.2026")
		case utf8.RuneCountInString(num) > 200:
			return bad(colNumber, "номер документа длиннее 200 символов")
		case link != "" && !(strings.HasPrefix(link, "https://") || strings.HasPrefix(link, "http://")):
			return bad(colLink, "ссылка начинается с https:// или http://")
		case utf8.RuneCountInString(link) > 2000:
			return bad(colLink, "ссылка длиннее 2000 символов")
		}
		return FieldInput{Type: FieldYesNo, Yes: yes, RefNumber: num, RefDate: date, RefLink: link}, nil
	}
	if v == "" {
		return FieldInput{Type: FieldText, Clear: true}, nil
	}
	if utf8.RuneCountInString(v) > 2000 {
		return bad(colValue, "текст длиннее 2000 символов")
	}
	return FieldInput{Type: FieldText, Text: v}, nil
}

// wholeNumber reads a count as Excel stores it ("12", "1.2E+3") or as a
// person types it into a text cell ("1 200").
func wholeNumber(s string) (int64, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x != math.Trunc(x) || math.Abs(x) > 1e15 {
		return 0, false
	}
	return int64(x), true
}

// cellDate reads a document date: an Excel date (a day number, in the
// workbook's date system) or text in a usual form; it returns the date as
// YYYY-MM-DD, "" for none.
func cellDate(s string, date1904 bool) (string, bool) {
	if s == "" {
		return "", true
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil {
		if x < 1 || x > 2958465 {
			return "", false
		}
		t, err := excelize.ExcelDateToTime(x, date1904)
		if err != nil {
			return "", false
		}
		return t.Format(time.DateOnly), true
	}
	for _, layout := range []string{"02.01.2006", "2.1.2006", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(time.DateOnly), true
		}
	}
	return "", false
}
