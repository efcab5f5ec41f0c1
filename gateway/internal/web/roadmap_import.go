package web

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/encoding/charmap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Importing a roadmap: the curator uploads a DOCX, XLSX or tab-separated
// text; the service reads it without saving and the preview shows the stages
// and items found and what became of every input row; confirming sends the
// same content again to be saved.
//
// The content travels back with the confirmation in a hidden field (base64)
// rather than being kept in the gateway: the gateway keeps no state, so any
// replica can take the confirmation, a restart loses nothing, and previews
// left unconfirmed cost no memory. The service reads and checks the content
// again when it saves, and the request id of the preview makes a
// confirmation sent twice save once.

// maxImportFile is the largest document the service reads.
const maxImportFile = 4 << 20

// ImportPage is the import form.
type ImportPage struct {
	Base
	// Schools are the owners the person may load a roadmap for: the
	// curator's schools, the methodologist's municipalities (Municipal).
	// First: the school has no roadmap yet.
	First   bool
	Schools []SchoolRoadmaps
	OrgID   string
	// The optional period and title as typed.
	PeriodStart, PeriodEnd, Title string
	Errors                        map[string]string
	Summary                       []SummaryItem
}

// ImportPreviewPage is what the service read from the document, before saving.
type ImportPreviewPage struct {
	Base
	Preview  ImportView
	FileName string
	// Items counts the items found.
	Items int
	// Municipal: the roadmap is a municipality's (OrgID is its id).
	Municipal bool
	// Hidden fields of the confirmation.
	OrgID, Format, Content, PeriodStart, PeriodEnd, Title, RequestID string
}

// FieldChoice is one option of a column's select.
type FieldChoice struct {
	Field ImportField
	Title string
}

// FieldChoices are what a column may hold, in Russian.
func (ImportPreviewPage) FieldChoices() []FieldChoice {
	return []FieldChoice{{FieldIgnore, "не импортировать"}, {FieldNumber, "номер"}, {FieldStage, "этап (строка — этап)"},
		{FieldMeasure, "мероприятия"}, {FieldResult, "форма результата"}, {FieldDeadline, "сроки"},
		{FieldResponsible, "ответственные"}, {FieldTask, "задача этапа"}}
}

// StartValue and EndValue fill the confirmation's period: the one given,
// or the one the document suggests.
func (p ImportPreviewPage) StartValue() string {
	if p.PeriodStart == "" && !p.Preview.ProposedStart.IsZero() {
		return p.Preview.ProposedStart.Format(time.DateOnly)
	}
	return p.PeriodStart
}

// EndValue is StartValue's end.
func (p ImportPreviewPage) EndValue() string {
	if p.PeriodEnd == "" && !p.Preview.ProposedEnd.IsZero() {
		return p.Preview.ProposedEnd.Format(time.DateOnly)
	}
	return p.PeriodEnd
}

// Unreadable counts the rows that were not read.
func (p ImportPreviewPage) Unreadable() int {
	n := 0
	for _, r := range p.Preview.Rows {
		if r.Outcome == RowUnreadable {
			n++
		}
	}
	return n
}

// Outcome says what became of an input row, in Russian.
func (ImportPreviewPage) Outcome(o ImportOutcome) string { return OutcomeRU(o) }

// OutcomeRU says what became of an input row, in Russian.
func OutcomeRU(o ImportOutcome) string {
	switch o {
	case RowTitle:
		return "название дорожной карты"
	case RowGoal:
		return "цель"
	case RowHeader:
		return "шапка таблицы"
	case RowBlank:
		return "пустая строка"
	case RowStage:
		return "этап"
	case RowStageText:
		return "задача или результат этапа"
	case RowItem:
		return "мероприятие"
	case RowMerged:
		return "продолжение предыдущей строки"
	case RowUnreadable:
		return "не прочитана"
	case RowApproval:
		return "гриф утверждения"
	case RowSignature:
		return "подпись"
	}
	return "—"
}

func (p *Pages) importPage(r *http.Request, schools []SchoolRoadmaps) ImportPage {
	page := ImportPage{Base: p.base(r, "Загрузка дорожной карты", "roadmap"), Schools: schools, Errors: map[string]string{}}
	if len(schools) > 0 {
		page.OrgID = schools[0].OrgID
	}
	return page
}

// importOwners are the owners the person may load a roadmap for: the
// curator's schools, then the methodologist's municipalities.
func (p *Pages) importOwners(ctx context.Context, r *http.Request) ([]SchoolRoadmaps, error) {
	schools, err := p.roadmap.Schools(ctx, curatorOrgs(r))
	if err != nil {
		return nil, err
	}
	muns, err := p.roadmap.MunicipalOwners(ctx, methodologistMunicipalities(r))
	if err != nil {
		return nil, err
	}
	return append(schools, muns...), nil
}

// importOwner is the import's owner by the form's "organisation": a school
// of the curator's or a municipality of the methodologist's; ok false for
// any other.
func importOwner(r *http.Request, id string) (in ImportInput, municipal, ok bool) {
	switch {
	case id != "" && slices.Contains(curatorOrgs(r), id):
		return ImportInput{OrgID: id}, false, true
	case id != "" && slices.Contains(methodologistMunicipalities(r), id):
		return ImportInput{MunicipalityID: id}, true, true
	}
	return ImportInput{}, false, false
}

func (p *Pages) importForm(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	schools, err := p.importOwners(ctx, r)
	if err != nil {
		return err
	}
	page := p.importPage(r, schools)
	if org := r.URL.Query().Get("org"); slices.ContainsFunc(schools, func(s SchoolRoadmaps) bool { return s.OrgID == org }) {
		page.OrgID = org
	}
	p.render(w, r, http.StatusOK, "roadmap_import.html", page)
	return nil
}

// importFields are the service's fields of ImportRoadmap by the form's inputs.
var importFields = map[string]string{"content": "file", "period_start": "period_start", "period_end": "period_end", "title": "title"}

func (p *Pages) importPreview(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	schools, err := p.importOwners(ctx, r)
	if err != nil {
		return err
	}
	page := p.importPage(r, schools)
	page.OrgID = r.PostFormValue("organisation")
	page.PeriodStart, page.PeriodEnd = strings.TrimSpace(r.PostFormValue("period_start")), strings.TrimSpace(r.PostFormValue("period_end"))
	page.Title = strings.TrimSpace(r.PostFormValue("title"))
	in, municipal, ok := importOwner(r, page.OrgID)
	if !ok {
		return status.Error(codes.NotFound, "not the person's organisation")
	}
	in.Title, in.DryRun, in.RequestID = page.Title, true, uuid.NewString()
	readPeriod(&page, &in)
	if utf8.RuneCountInString(page.Title) > 500 {
		page.Errors["title"] = "Название не длиннее 500 символов"
	}
	var name string
	file, header, err := r.FormFile("file")
	switch {
	case err != nil:
		page.Errors["file"] = "Выберите файл дорожной карты"
	case header.Size > maxImportFile:
		page.Errors["file"] = "Файл больше 4 МБ: удалите из него картинки или сохраните только таблицу"
	default:
		defer file.Close()
		name = header.Filename
		content, err := io.ReadAll(io.LimitReader(file, maxImportFile+1))
		if err != nil {
			return err
		}
		var msg string
		in.Format, in.Content, msg = detectFormat(name, content)
		if msg != "" {
			page.Errors["file"] = msg
		}
	}
	if len(page.Errors) > 0 {
		return p.importErrors(w, r, page)
	}
	view, err := p.roadmap.ImportRoadmap(ctx, in)
	if status.Code(err) == codes.InvalidArgument {
		for field, msg := range fieldViolations(err) {
			if name := importFields[field]; name != "" {
				page.Errors[name] = msg // the services' Russian message
			}
		}
		if len(page.Errors) == 0 {
			page.Errors["file"] = "Файл не удалось прочитать как дорожную карту"
		}
		return p.importErrors(w, r, page)
	}
	if err != nil {
		return err
	}
	preview := ImportPreviewPage{Base: p.base(r, "Проверьте дорожную карту", "roadmap"), Preview: view, FileName: filepath.Base(name),
		OrgID: page.OrgID, Municipal: municipal, Format: formatNames[in.Format], Content: base64.StdEncoding.EncodeToString(in.Content),
		PeriodStart: page.PeriodStart, PeriodEnd: page.PeriodEnd, Title: page.Title, RequestID: in.RequestID}
	for _, s := range view.Roadmap.Stages {
		preview.Items += len(s.Items)
	}
	p.render(w, r, http.StatusOK, "roadmap_preview.html", preview)
	return nil
}

func readPeriod(page *ImportPage, in *ImportInput) {
	for _, f := range []struct {
		name, value string
		to          *time.Time
	}{{"period_start", page.PeriodStart, &in.PeriodStart}, {"period_end", page.PeriodEnd, &in.PeriodEnd}} {
		if f.value == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, f.value)
		if err != nil {
			page.Errors[f.name] = "Введите дату, например 2024-09-01"
			continue
		}
		*f.to = t
	}
	switch {
	case len(page.Errors) > 0:
	case in.PeriodStart.IsZero() != in.PeriodEnd.IsZero():
		page.Errors["period_end"] = "Укажите обе даты периода или ни одной"
	case in.PeriodEnd.Before(in.PeriodStart):
		page.Errors["period_end"] = "Конец периода раньше его начала"
	}
}

// importInputs order the import form's inputs for the error summary.
var importInputs = []string{"organisation", "file", "period_start", "period_end", "title"}

func (p *Pages) importErrors(w http.ResponseWriter, r *http.Request, page ImportPage) error {
	for _, name := range importInputs {
		if msg, ok := page.Errors[name]; ok {
			page.Summary = append(page.Summary, SummaryItem{Href: "#" + name, Message: msg})
		}
	}
	p.render(w, r, http.StatusBadRequest, "roadmap_import.html", page)
	return nil
}

var formatNames = map[ImportFormat]string{ImportTSV: "tsv", ImportDOCX: "docx", ImportXLSX: "xlsx"}

// detectFormat tells a DOCX, XLSX or tab-separated text by its name and
// content; a text in Windows-1251 (as Excel saves it) is recoded to UTF-8.
// The message says in Russian why a file cannot be read.
func detectFormat(name string, content []byte) (ImportFormat, []byte, string) {
	if len(content) == 0 {
		return 0, nil, "Файл пустой"
	}
	if len(content) > maxImportFile {
		return 0, nil, "Файл больше 4 МБ: удалите из него картинки или сохраните только таблицу"
	}
	ext := strings.ToLower(filepath.Ext(name))
	switch ext {
	case ".doc", ".xls", ".rtf", ".odt", ".ods":
		return 0, nil, "Этот формат не читается: откройте файл в Word или Excel и сохраните как DOCX или XLSX"
	case ".pdf":
		return 0, nil, "PDF не читается: загрузите исходный файл DOCX или XLSX"
	}
	if bytes.HasPrefix(content, []byte("PK\x03\x04")) {
		zr, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
		if err != nil {
			return 0, nil, "Файл повреждён: откройте его в Word или Excel и сохраните заново"
		}
		for _, f := range zr.File {
			switch {
			case f.Name == "word/document.xml":
				return ImportDOCX, content, ""
			case f.Name == "xl/workbook.xml":
				return ImportXLSX, content, ""
			}
		}
		return 0, nil, "Это не документ Word или таблица Excel: загрузите DOCX, XLSX или текст с табуляциями"
	}
	text := bytes.TrimPrefix(content, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(text) {
		decoded, err := charmap.Windows1251.NewDecoder().Bytes(text)
		if err != nil {
			return 0, nil, "Текст файла не удалось прочитать: сохраните его в кодировке UTF-8"
		}
		text = decoded
	}
	if bytes.IndexByte(text, 0) >= 0 {
		return 0, nil, "Это не текст: загрузите DOCX, XLSX или текст с табуляциями"
	}
	if !bytes.Contains(text, []byte("\t")) {
		return 0, nil, "В тексте нет табуляций между столбцами: сохраните таблицу как «Текст (разделители — знаки табуляции)» или загрузите DOCX либо XLSX"
	}
	return ImportTSV, text, ""
}

var formatsByName = map[string]ImportFormat{"tsv": ImportTSV, "docx": ImportDOCX, "xlsx": ImportXLSX}

func (p *Pages) importConfirm(w http.ResponseWriter, r *http.Request) error {
	org := r.PostFormValue("organisation")
	in, municipal, ok := importOwner(r, org)
	if !ok {
		return status.Error(codes.NotFound, "not the person's organisation")
	}
	format, ok := formatsByName[r.PostFormValue("format")]
	content, err := base64.StdEncoding.DecodeString(r.PostFormValue("content"))
	if !ok || err != nil || len(content) == 0 || len(content) > maxImportFile {
		return status.Error(codes.InvalidArgument, "bad confirmation")
	}
	requestID := r.PostFormValue("request_id")
	if uuid.Validate(requestID) != nil {
		requestID = ""
	}
	page := ImportPage{Errors: map[string]string{}, PeriodStart: r.PostFormValue("period_start"), PeriodEnd: r.PostFormValue("period_end")}
	in.Format, in.Content, in.Title, in.RequestID = format, content, r.PostFormValue("title"), requestID
	for key, vals := range r.PostForm {
		col, err := strconv.Atoi(strings.TrimPrefix(key, "column_"))
		if !strings.HasPrefix(key, "column_") || err != nil || col < 1 || col > 64 || len(vals) != 1 {
			continue
		}
		if f, err := strconv.Atoi(vals[0]); err == nil && f >= int(FieldNumber) && f <= int(FieldIgnore) {
			in.Columns = append(in.Columns, ColumnChoice{Column: col, Field: ImportField(f)})
		}
	}
	slices.SortFunc(in.Columns, func(a, b ColumnChoice) int { return a.Column - b.Column })
	readPeriod(&page, &in)
	if len(page.Errors) > 0 {
		return status.Error(codes.InvalidArgument, "bad period")
	}
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("reread") != "" {
		// Read again with the columns as the person placed them: another preview.
		in.DryRun = true
		view, err := p.roadmap.ImportRoadmap(ctx, in)
		if err != nil {
			return err
		}
		preview := ImportPreviewPage{Base: p.base(r, "Проверьте дорожную карту", "roadmap"), Preview: view,
			FileName: r.PostFormValue("file_name"), OrgID: org, Municipal: municipal, Format: r.PostFormValue("format"), Content: r.PostFormValue("content"),
			PeriodStart: page.PeriodStart, PeriodEnd: page.PeriodEnd, Title: in.Title, RequestID: requestID}
		for _, s := range view.Roadmap.Stages {
			preview.Items += len(s.Items)
		}
		p.render(w, r, http.StatusOK, "roadmap_preview.html", preview)
		return nil
	}
	view, err := p.roadmap.ImportRoadmap(ctx, in)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/roadmap/"+view.Roadmap.ID+"?done=imported", http.StatusSeeOther)
	return nil
}
