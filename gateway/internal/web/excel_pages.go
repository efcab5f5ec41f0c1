package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The pages of the Excel round trip: the download, the upload form, the
// preview of what the file changes and its confirmation.
//
// The preview keeps the changed values in hidden fields named as the report
// form names its inputs (f_<code>, f_<code>_number …), with each one's value
// when the file was made (w_<code>) and the version to save on. The file is
// not kept on the server and not sent twice: the confirmation is a small
// ordinary form, read again by readInputs exactly as the report form is, and
// the person confirms what they saw. The save carries the version the file
// was made from, so a report changed meanwhile is never overwritten unseen:
// the person gets the preview again against the report as it is now.

// ExcelBackend is what the upload preview needs besides the curator's pages.
type ExcelBackend interface {
	// CheckReport returns the violations of the report's values with values
	// put over them, saving nothing.
	CheckReport(ctx context.Context, id string, values map[string]FieldInput) ([]ViolationView, error)
}

// uploadSlack is what a multipart body carries besides the file: the
// boundaries, part headers and the CSRF token.
const uploadSlack = 64 << 10

// uploadLimit is the body limit of a form that uploads a file of at most
// maxFile bytes.
func uploadLimit(maxFile int64) int64 { return maxFile + uploadSlack }

// confirmLimit is the body limit of the confirmation of an import's
// preview, which carries a file of at most maxFile bytes back in base64 with
// the form's other fields.
func confirmLimit(maxFile int64) int64 { return maxFile/3*4 + 2*uploadSlack }

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (p *Pages) downloadReport(w http.ResponseWriter, r *http.Request) error {
	_, rv, err := p.reportOf(r)
	if err != nil {
		return err
	}
	f, err := workbook(rv, p.now())
	if err != nil {
		return err
	}
	defer f.Close()
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", xlsxType)
	h.Set("Content-Disposition", attachment(reportFileName(rv), "report.xlsx"))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
	return nil
}

// UploadPage is the form that takes a filled file.
type UploadPage struct {
	Base
	Report  ReportView
	Summary []SummaryItem
	// Problems are what is wrong with the file sent, in Russian.
	Problems []string
}

func (p *Pages) uploadPage(r *http.Request, rv ReportView, problems ...string) UploadPage {
	page := UploadPage{Base: p.base(r, "Загрузка файла — "+rv.CampaignName, "home"), Report: rv, Problems: problems}
	for _, m := range problems {
		page.Summary = append(page.Summary, SummaryItem{Href: "#file", Message: m})
	}
	return page
}

func (p *Pages) uploadForm(w http.ResponseWriter, r *http.Request) error {
	_, rv, err := p.reportOf(r)
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "report_upload.html", p.uploadPage(r, rv))
	return nil
}

func (p *Pages) uploadReport(w http.ResponseWriter, r *http.Request) error {
	ctx, rv, err := p.reportOf(r)
	if err != nil {
		return err
	}
	if !rv.Editable() {
		p.render(w, r, http.StatusConflict, "report_upload.html", p.uploadPage(r, rv))
		return nil
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		p.render(w, r, http.StatusBadRequest, "report_upload.html", p.uploadPage(r, rv, "Выберите заполненный файл .xlsx."))
		return nil
	}
	defer file.Close()
	if hdr.Size > maxUpload {
		p.render(w, r, http.StatusRequestEntityTooLarge, "report_upload.html",
			p.uploadPage(r, rv, "Файл больше 4 МБ: это не файл отчёта. "+downloadAgain))
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(file, maxUpload+1))
	if err != nil {
		return err
	}
	up, err := readUpload(data, rv)
	var ps fileProblems
	if errors.As(err, &ps) {
		var msgs []string
		for i, pr := range ps {
			if i == maxCellErrors {
				msgs = append(msgs, fmt.Sprintf("И ещё %s.", Count(int64(len(ps)-i), "ошибка", "ошибки", "ошибок")))
				break
			}
			msgs = append(msgs, pr.String())
		}
		p.render(w, r, http.StatusUnprocessableEntity, "report_upload.html", p.uploadPage(r, rv, msgs...))
		return nil
	}
	if err != nil {
		return err
	}
	return p.preview(w, r, ctx, rv, up)
}

// PreviewPage lists what an uploaded file changes and the rule violations
// the report would have, before anything is saved.
type PreviewPage struct {
	Base
	Report   ReportView
	Changes  []Change
	Errors   []ViolationView
	Warnings []ViolationView
	// Missing counts the required fields that would stay empty.
	Missing int
	// Stale: the report changed since the file was made from FileVersion.
	Stale       bool
	FileVersion int64
	// Conflicts counts the changes of fields also changed in the report
	// since the file was made.
	Conflicts int
	// Version is the version the confirmation saves on; Hidden carries the
	// changed values.
	Version int64
	Hidden  []Hidden
}

// Hidden is a hidden form field.
type Hidden struct{ Name, Value string }

// preview shows what up changes in rv and the violations the report would
// have; when the report changed since the file was made, it says so, and its
// form saves over the current version only the fields the person changed.
func (p *Pages) preview(w http.ResponseWriter, r *http.Request, ctx context.Context, rv ReportView, up upload) error {
	changes, inputs := changesFrom(rv, up)
	vs := rv.Violations
	if len(inputs) > 0 {
		var err error
		if vs, err = p.excel.CheckReport(ctx, rv.ID, inputs); err != nil {
			return err
		}
	}
	page := PreviewPage{Base: p.base(r, "Изменения из файла — "+rv.CampaignName, "home"), Report: rv,
		Changes: changes, Stale: up.Version != rv.Version, FileVersion: up.Version, Version: rv.Version}
	for _, v := range vs {
		switch {
		case v.Rule == ruleRequired:
			page.Missing += max(1, len(v.Fields))
		case v.Warning:
			page.Warnings = append(page.Warnings, v)
		default:
			page.Errors = append(page.Errors, v)
		}
	}
	for _, s := range rv.Sections {
		for _, f := range s.Fields {
			if in, ok := inputs[f.Code]; ok && in.Clear && f.Required {
				page.Missing++
			}
		}
	}
	for _, c := range changes {
		if page.Stale && c.ChangedInBoth {
			page.Conflicts++
		}
		page.Hidden = append(page.Hidden, hiddenInputs(c.Code, inputs[c.Code])...)
		page.Hidden = append(page.Hidden, Hidden{Name: "w_" + c.Code, Value: c.Was})
	}
	code := http.StatusOK
	if page.Stale {
		page.Title = "Отчёт изменился — " + rv.CampaignName
		code = http.StatusConflict
	}
	p.render(w, r, code, "report_preview.html", page)
	return nil
}

// hiddenInputs writes an input as the report form's fields.
func hiddenInputs(code string, in FieldInput) []Hidden {
	name := "f_" + code
	if in.Clear {
		return []Hidden{{Name: name}}
	}
	switch in.Type {
	case FieldCount:
		return []Hidden{{Name: name, Value: strconv.FormatInt(in.Count, 10)}}
	case FieldYesNo:
		yes := "no"
		if in.Yes {
			yes = "yes"
		}
		return []Hidden{{Name: name, Value: yes}, {Name: name + "_number", Value: in.RefNumber},
			{Name: name + "_date", Value: in.RefDate}, {Name: name + "_link", Value: in.RefLink}}
	}
	return []Hidden{{Name: name, Value: in.Text}}
}

// postedFields keeps the fields of rv the confirmation form carries.
func postedFields(rv ReportView, r *http.Request) ReportView {
	out := rv
	out.Sections = nil
	for _, s := range rv.Sections {
		kept := SectionView{Title: s.Title}
		for _, f := range s.Fields {
			if _, ok := r.PostForm["f_"+f.Code]; ok {
				kept.Fields = append(kept.Fields, f)
			}
		}
		out.Sections = append(out.Sections, kept)
	}
	return out
}

func (p *Pages) confirmUpload(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	current, err := p.curator.Report(ctx, id)
	if err != nil {
		return err
	}
	if !current.Editable() {
		p.render(w, r, http.StatusConflict, "report_upload.html", p.uploadPage(r, current))
		return nil
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	posted := postedFields(current, r)
	in, ferrs := readInputs(r, posted)
	if len(ferrs) > 0 {
		p.render(w, r, http.StatusBadRequest, "report_upload.html",
			p.uploadPage(r, current, "Изменения из файла не прочитались. Загрузите файл ещё раз."))
		return nil
	}
	up := upload{ReportID: id, Version: version, Values: map[string]FieldInput{}, Was: map[string]string{}}
	for _, s := range posted.Sections {
		for _, f := range s.Fields {
			v, ok := in[f.Code]
			if !ok { // empty in the file and now
				v = FieldInput{Type: f.Type, Clear: true}
			}
			up.Values[f.Code], up.Was[f.Code] = v, r.PostFormValue("w_"+f.Code)
		}
	}
	if version != current.Version {
		return p.preview(w, r, ctx, current, up)
	}
	_, inputs := changesFrom(current, up)
	if len(inputs) == 0 {
		http.Redirect(w, r, "/reports/"+id, http.StatusSeeOther)
		return nil
	}
	err = p.curator.SaveReport(ctx, id, version, inputs, nil)
	var ce *ConflictError
	switch {
	case errors.As(err, &ce):
		return p.preview(w, r, ctx, ce.Current, up)
	case status.Code(err) == codes.InvalidArgument:
		var msgs []string
		fv := fieldViolations(err)
		for _, s := range current.Sections {
			for _, f := range s.Fields {
				if _, ok := fv["values["+f.Code+"]"]; ok {
					msgs = append(msgs, "«"+f.Label+"»: значение не подходит, проверьте его в файле.")
				}
			}
		}
		if len(msgs) == 0 {
			msgs = []string{"Значения из файла не подходят. Проверьте файл и загрузите его ещё раз."}
		}
		p.render(w, r, http.StatusBadRequest, "report_upload.html", p.uploadPage(r, current, msgs...))
		return nil
	case err != nil:
		return err
	}
	http.Redirect(w, r, "/reports/"+id+"?saved=1#main", http.StatusSeeOther)
	return nil
}
