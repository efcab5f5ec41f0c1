package web

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/encoding/charmap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The registry of the municipality's organisations: a list with filters,
// search and pages; adding, editing and closing one; importing a CSV or XLSX
// file with a preview of what each row would do before it is saved (the
// file travels back in a hidden field, as the roadmap import does).

const registryPerPage = 25

// Kinds are the kinds of organisation, as the form offers them.
var orgKinds = []struct {
	Kind  OrgKind
	Title string
}{{KindSchool, "Школа"}, {KindCollege, "Колледж (СПО)"}, {KindAdditional, "Дополнительное образование"}}

// KindRU names a kind of organisation.
func KindRU(k OrgKind) string {
	for _, o := range orgKinds {
		if o.Kind == k {
			return o.Title
		}
	}
	return "—"
}

// closureReasons are why an organisation closes.
var closureReasons = []struct {
	Value int
	Title string
}{{1, "Ликвидирована"}, {2, "Реорганизована"}, {3, "Присоединена к другой организации"}}

// RegistryQuery is the list as asked.
type RegistryQuery struct {
	Kind, Status, Q, OpenOn, Page string
	From                          int
}

func (q RegistryQuery) url(page string, from int) string {
	v := url.Values{}
	for k, s := range map[string]string{"kind": q.Kind, "status": q.Status, "q": q.Q, "openOn": q.OpenOn, "page": page} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if from > 1 {
		v.Set("from", strconv.Itoa(from))
	}
	if len(v) == 0 {
		return "/registry"
	}
	return "/registry?" + v.Encode()
}

// RegistryPage lists the organisations.
type RegistryPage struct {
	Base
	Query   RegistryQuery
	Kinds   any
	Orgs    []OrgRecord
	Errors  FormErrors
	Summary []SummaryItem
	// Total matching; From and To the rows shown (1-based).
	Total, From, To   int
	NextURL, FirstURL string
	Done              string
}

// Kind names a kind.
func (RegistryPage) Kind(k OrgKind) string { return KindRU(k) }

func (p *Pages) registryPage(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	query := RegistryQuery{Kind: q.Get("kind"), Status: q.Get("status"), Q: strings.TrimSpace(q.Get("q")),
		OpenOn: strings.TrimSpace(q.Get("openOn")), Page: q.Get("page")}
	query.From, _ = strconv.Atoi(q.Get("from"))
	query.From = max(query.From, 1)
	page := RegistryPage{Base: p.base(r, "Реестр организаций", "registry"), Kinds: orgKinds, Errors: FormErrors{}, Done: q.Get("done")}
	f := OrgFilter{Municipality: methodologistMunicipality(r), Query: query.Q, PageSize: registryPerPage, PageToken: query.Page}
	if k, err := strconv.Atoi(query.Kind); err == nil && KindRU(OrgKind(k)) != "—" {
		f.Kind = OrgKind(k)
	} else {
		query.Kind = ""
	}
	if query.Status != "open" && query.Status != "closed" {
		query.Status = ""
	}
	f.Status = query.Status
	if utf8.RuneCountInString(query.Q) > 200 {
		page.Errors["q"] = "Не длиннее 200 символов"
	}
	if query.OpenOn != "" {
		d, err := time.Parse(time.DateOnly, query.OpenOn)
		if err != nil {
			page.Errors["openOn"] = "Дата в формате ГГГГ-ММ-ДД, например 2026-09-01"
		}
		f.OpenOn = d
	}
	page.Query = query
	if len(page.Errors) > 0 {
		page.Summary = page.Errors.summary("q", "openOn")
		p.render(w, r, http.StatusBadRequest, "registry.html", page)
		return nil
	}
	list, err := p.registry.Organisations(ctx, f)
	if status.Code(err) == codes.InvalidArgument && query.Page != "" {
		http.Redirect(w, r, query.url("", 1), http.StatusSeeOther) // a stale page token
		return nil
	}
	if err != nil {
		return err
	}
	page.Orgs, page.Total = list.Items, list.Total
	page.From, page.To = query.From, query.From+len(list.Items)-1
	if list.NextPageToken != "" {
		page.NextURL = query.url(list.NextPageToken, page.To+1)
	}
	if query.Page != "" {
		page.FirstURL = query.url("", 1)
	}
	p.render(w, r, http.StatusOK, "registry.html", page)
	return nil
}

// OrgForm adds or edits an organisation.
type OrgForm struct {
	Base
	Org     OrgRecord
	New     bool
	Kinds   any
	Errors  FormErrors
	Summary []SummaryItem
	Done    string
}

// orgInputs are the form's inputs by the registry's field names.
var orgInputs = map[string]string{"short_name": "short_name", "full_name": "full_name", "inn": "inn", "kind": "kind",
	"address": "address", "opened_on": "opened_on", "time_zone": "time_zone", "curator.name": "curator_name",
	"curator.email": "curator_email", "curator.phone": "curator_phone"}

var orgOrder = []string{"short_name", "full_name", "inn", "kind", "address", "opened_on", "time_zone", "curator_name", "curator_email", "curator_phone"}

// readOrg reads the form into o and checks what the page can.
func readOrg(r *http.Request, o *OrgRecord, e FormErrors) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	o.ShortName, o.FullName, o.INN, o.Address = v("short_name"), v("full_name"), v("inn"), v("address")
	o.OpenedOn, o.TimeZone = v("opened_on"), v("time_zone")
	o.CuratorName, o.CuratorEmail, o.CuratorPhone = v("curator_name"), v("curator_email"), v("curator_phone")
	k, _ := strconv.Atoi(v("kind"))
	o.Kind = OrgKind(k)
	if o.ShortName == "" {
		e["short_name"] = "Введите краткое название, например «МАОУ СШ № 10»"
	}
	if o.FullName == "" {
		e["full_name"] = "Введите полное название, как в уставе"
	}
	if KindRU(o.Kind) == "—" {
		e["kind"] = "Выберите вид организации"
	}
	if o.OpenedOn != "" {
		if _, err := time.Parse(time.DateOnly, o.OpenedOn); err != nil {
			e["opened_on"] = "Дата в формате ГГГГ-ММ-ДД, например 2020-09-01"
		}
	}
}

func (p *Pages) orgForm(r *http.Request, o OrgRecord, isNew bool) OrgForm {
	title := "Новая организация"
	if !isNew {
		title = o.ShortName
	}
	return OrgForm{Base: p.base(r, title, "registry"), Org: o, New: isNew, Kinds: orgKinds, Errors: FormErrors{}}
}

func (p *Pages) newOrgForm(w http.ResponseWriter, r *http.Request) error {
	p.render(w, r, http.StatusOK, "registry_org.html", p.orgForm(r, OrgRecord{Kind: KindSchool}, true))
	return nil
}

func (p *Pages) createOrg(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	o := OrgRecord{Municipality: methodologistMunicipality(r)}
	page := p.orgForm(r, o, true)
	readOrg(r, &page.Org, page.Errors)
	if len(page.Errors) == 0 {
		requestID := r.PostFormValue("request_id")
		if uuid.Validate(requestID) != nil {
			requestID = ""
		}
		saved, err := p.registry.CreateOrganisation(ctx, page.Org, requestID)
		if err == nil {
			http.Redirect(w, r, "/registry/"+saved.ID+"?done=created", http.StatusSeeOther)
			return nil
		}
		if status.Code(err) != codes.InvalidArgument {
			return err
		}
		violationsInto(page.Errors, err, "organisation.", orgInputs, "short_name")
	}
	page.Summary = page.Errors.summary(orgOrder...)
	p.render(w, r, http.StatusBadRequest, "registry_org.html", page)
	return nil
}

// mine reads an organisation of the methodologist's municipality.
func (p *Pages) mine(r *http.Request, id string) (OrgRecord, error) {
	ctx, err := p.callerContext(r)
	if err != nil {
		return OrgRecord{}, err
	}
	o, err := p.registry.Organisation(ctx, id)
	if err != nil {
		return o, err
	}
	if o.Municipality != methodologistMunicipality(r) {
		return o, status.Error(codes.NotFound, "not of the municipality")
	}
	return o, nil
}

func (p *Pages) editOrgForm(w http.ResponseWriter, r *http.Request) error {
	o, err := p.mine(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	page := p.orgForm(r, o, false)
	page.Done = r.URL.Query().Get("done")
	p.render(w, r, http.StatusOK, "registry_org.html", page)
	return nil
}

func (p *Pages) updateOrg(w http.ResponseWriter, r *http.Request) error {
	o, err := p.mine(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	page := p.orgForm(r, o, false)
	page.Org.Version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	readOrg(r, &page.Org, page.Errors)
	if len(page.Errors) == 0 {
		_, err := p.registry.UpdateOrganisation(ctx, page.Org)
		switch status.Code(err) {
		case codes.OK:
			http.Redirect(w, r, "/registry/"+o.ID+"?done=saved", http.StatusSeeOther)
			return nil
		case codes.Aborted, codes.FailedPrecondition:
			page.Errors["short_name"] = "Пока вы редактировали, организацию изменил кто-то другой. Откройте её заново и повторите правку."
		case codes.InvalidArgument:
			violationsInto(page.Errors, err, "organisation.", orgInputs, "short_name")
		default:
			return err
		}
	}
	page.Summary = page.Errors.summary(orgOrder...)
	p.render(w, r, http.StatusBadRequest, "registry_org.html", page)
	return nil
}

// CloseOrgForm closes an organisation.
type CloseOrgForm struct {
	Base
	Org        OrgRecord
	Successors []OrgRecord
	Reasons    any
	ClosedOn   string
	Reason     int
	Successor  string
	Errors     FormErrors
	Summary    []SummaryItem
}

func (p *Pages) closeOrgPage(r *http.Request, o OrgRecord) (CloseOrgForm, error) {
	page := CloseOrgForm{Base: p.base(r, "Закрыть организацию", "registry"), Org: o, Reasons: closureReasons, Errors: FormErrors{},
		ClosedOn: p.now().Format(time.DateOnly)}
	ctx, err := p.callerContext(r)
	if err != nil {
		return page, err
	}
	list, err := p.registry.Organisations(ctx, OrgFilter{Municipality: o.Municipality, Status: "open", PageSize: 500})
	if err != nil {
		return page, err
	}
	for _, s := range list.Items {
		if s.ID != o.ID {
			page.Successors = append(page.Successors, s)
		}
	}
	return page, nil
}

func (p *Pages) closeOrgForm(w http.ResponseWriter, r *http.Request) error {
	o, err := p.mine(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	page, err := p.closeOrgPage(r, o)
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "registry_close.html", page)
	return nil
}

var closeInputs = map[string]string{"closed_on": "closed_on", "reason": "reason", "successor_id": "successor", "version": "closed_on"}

func (p *Pages) closeOrg(w http.ResponseWriter, r *http.Request) error {
	o, err := p.mine(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	page, err := p.closeOrgPage(r, o)
	if err != nil {
		return err
	}
	page.ClosedOn, page.Successor = strings.TrimSpace(r.PostFormValue("closed_on")), r.PostFormValue("successor")
	page.Reason, _ = strconv.Atoi(r.PostFormValue("reason"))
	c := OrgClosure{ID: o.ID, Reason: page.Reason, SuccessorID: page.Successor}
	c.Version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if c.ClosedOn, err = time.Parse(time.DateOnly, page.ClosedOn); err != nil {
		page.Errors["closed_on"] = "Дата в формате ГГГГ-ММ-ДД, например 2026-08-31"
	}
	if page.Reason < 1 || page.Reason > 3 {
		page.Errors["reason"] = "Выберите причину закрытия"
	}
	if page.Successor != "" && !containsOrg(page.Successors, page.Successor) {
		page.Errors["successor"] = "Выберите правопреемника из списка"
	}
	if page.Reason == 3 && page.Successor == "" {
		page.Errors["successor"] = "Выберите организацию, к которой присоединена эта"
	}
	if len(page.Errors) == 0 {
		ctx, err := p.callerContext(r)
		if err != nil {
			return err
		}
		err = p.registry.CloseOrganisation(ctx, c)
		switch status.Code(err) {
		case codes.OK:
			http.Redirect(w, r, "/registry/"+o.ID+"?done=closed", http.StatusSeeOther)
			return nil
		case codes.Aborted, codes.FailedPrecondition:
			page.Errors["closed_on"] = "Организацию успели изменить или закрыть: откройте её заново."
		case codes.InvalidArgument:
			violationsInto(page.Errors, err, "", closeInputs, "closed_on")
		default:
			return err
		}
	}
	page.Summary = page.Errors.summary("closed_on", "reason", "successor")
	p.render(w, r, http.StatusBadRequest, "registry_close.html", page)
	return nil
}

func containsOrg(list []OrgRecord, id string) bool {
	for _, o := range list {
		if o.ID == id {
			return true
		}
	}
	return false
}

// Importing organisations.

// maxOrgImport is the largest file the registry reads.
const maxOrgImport = 8 << 20

// OrgImportPage is the import form, the preview and the result.
type OrgImportPage struct {
	Base
	Errors  FormErrors
	Summary []SummaryItem
	// Preview and result.
	Report   OrgImport
	FileName string
	Format   string
	Content  string
}

// Action says what a row does, in Russian.
func (p OrgImportPage) Action(a string) string {
	done := p.Report.Applied
	switch a {
	case "created":
		return pick(done, "добавлена", "будет добавлена")
	case "updated":
		return pick(done, "изменена", "будет изменена")
	case "unchanged":
		return "без изменений"
	case "rejected":
		return pick(done, "не принята", "не будет принята")
	}
	return a
}

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

// fieldNames name the registry's fields in Russian.
var fieldNames = map[string]string{"inn": "ИНН", "full_name": "полное название", "short_name": "краткое название", "kind": "вид",
	"address": "адрес", "time_zone": "часовой пояс", "opened_on": "дата открытия", "curator_name": "куратор",
	"curator_email": "e-mail куратора", "curator_phone": "телефон куратора", "curator.name": "куратор",
	"curator.email": "e-mail куратора", "curator.phone": "телефон куратора", "status": "состояние", "closed_on": "дата закрытия",
	"closure_reason": "причина закрытия", "successor_id": "правопреемник", "login": "логин", "name": "имя", "email": "e-mail",
	"roles": "роли", "blocked": "заблокирована", "municipality_id": "муниципалитет"}

// Fields names changed fields in Russian.
func (OrgImportPage) Fields(fs []string) string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, fieldRU(f))
	}
	return strings.Join(out, ", ")
}

func fieldRU(f string) string {
	if n, ok := fieldNames[f]; ok {
		return n
	}
	return f
}

func (p *Pages) orgImportForm(w http.ResponseWriter, r *http.Request) error {
	p.render(w, r, http.StatusOK, "registry_import.html", OrgImportPage{Base: p.base(r, "Загрузка реестра", "registry"), Errors: FormErrors{}})
	return nil
}

// orgFileFormat tells an XLSX from a CSV; a CSV in Windows-1251 is recoded.
func orgFileFormat(name string, content []byte) (xlsx bool, out []byte, msg string) {
	switch {
	case len(content) == 0:
		return false, nil, "Файл пустой"
	case len(content) > maxOrgImport:
		return false, nil, "Файл больше 8 МБ"
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xls", ".ods", ".doc", ".docx", ".pdf":
		return false, nil, "Этот формат не читается: сохраните таблицу в Excel как XLSX или CSV"
	}
	if bytes.HasPrefix(content, []byte("PK\x03\x04")) {
		zr, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
		if err != nil {
			return false, nil, "Файл повреждён: откройте его в Excel и сохраните заново"
		}
		for _, f := range zr.File {
			if f.Name == "xl/workbook.xml" {
				return true, content, ""
			}
		}
		return false, nil, "Это не таблица Excel: загрузите XLSX или CSV"
	}
	text := bytes.TrimPrefix(content, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(text) {
		decoded, err := charmap.Windows1251.NewDecoder().Bytes(text)
		if err != nil {
			return false, nil, "Текст файла не удалось прочитать: сохраните его в кодировке UTF-8"
		}
		text = decoded
	}
	if bytes.IndexByte(text, 0) >= 0 {
		return false, nil, "Это не таблица: загрузите XLSX или CSV"
	}
	return false, text, ""
}

func (p *Pages) orgImportPreview(w http.ResponseWriter, r *http.Request) error {
	page := OrgImportPage{Base: p.base(r, "Загрузка реестра", "registry"), Errors: FormErrors{}}
	file, header, err := r.FormFile("file")
	var xlsx bool
	var content []byte
	switch {
	case err != nil:
		page.Errors["file"] = "Выберите файл реестра: XLSX или CSV"
	case header.Size > maxOrgImport:
		page.Errors["file"] = "Файл больше 8 МБ"
	default:
		defer file.Close()
		page.FileName = filepath.Base(header.Filename)
		raw, err := io.ReadAll(io.LimitReader(file, maxOrgImport+1))
		if err != nil {
			return err
		}
		var msg string
		if xlsx, content, msg = orgFileFormat(page.FileName, raw); msg != "" {
			page.Errors["file"] = msg
		}
	}
	if len(page.Errors) == 0 {
		ctx, err := p.callerContext(r)
		if err != nil {
			return err
		}
		page.Report, err = p.registry.ImportOrganisations(ctx, methodologistMunicipality(r), xlsx, content, true)
		if status.Code(err) == codes.InvalidArgument {
			violationsInto(page.Errors, err, "", map[string]string{"content": "file", "format": "file"}, "file")
		} else if err != nil {
			return err
		}
	}
	if len(page.Errors) > 0 {
		page.Summary = page.Errors.summary("file")
		p.render(w, r, http.StatusBadRequest, "registry_import.html", page)
		return nil
	}
	page.Title = "Проверьте, что будет загружено"
	page.Format = pick(xlsx, "xlsx", "csv")
	page.Content = base64.StdEncoding.EncodeToString(content)
	p.render(w, r, http.StatusOK, "registry_import.html", page)
	return nil
}

func (p *Pages) orgImportConfirm(w http.ResponseWriter, r *http.Request) error {
	format := r.PostFormValue("format")
	content, err := base64.StdEncoding.DecodeString(r.PostFormValue("content"))
	if (format != "xlsx" && format != "csv") || err != nil || len(content) == 0 || len(content) > maxOrgImport {
		return status.Error(codes.InvalidArgument, "bad confirmation")
	}
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	report, err := p.registry.ImportOrganisations(ctx, methodologistMunicipality(r), format == "xlsx", content, false)
	if err != nil {
		return err
	}
	page := OrgImportPage{Base: p.base(r, "Реестр загружен", "registry"), Errors: FormErrors{}, Report: report,
		FileName: filepath.Base(r.PostFormValue("file_name"))}
	p.render(w, r, http.StatusOK, "registry_import.html", page)
	return nil
}
