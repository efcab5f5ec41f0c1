package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/identity"
)

// The school curator's pages: the home page with the campaign, its deadline
// in the school's own time and the overdue roadmap items; the report form;
// the submit confirmation.

// HomePage is the curator's start page.
type HomePage struct {
	Base
	Heading string
	Home    CuratorHome
	Orgs    []string
	now     time.Time
}

// Countdown says how long is left, in the organisation's own calendar.
func (h HomePage) Countdown(c CampaignCard) string {
	return Countdown(h.now, c.Deadline, location(c.TimeZone))
}

// Passed reports a deadline that has ended.
func (h HomePage) Passed(c CampaignCard) bool { return !h.now.Before(c.Deadline) }

// NextStep tells the person what to do now, in one sentence.
func (h HomePage) NextStep(c CampaignCard) string {
	switch c.State {
	case StateMissing:
		return "Начните отчёт: его можно заполнять частями, каждое сохранение остаётся."
	case StateDraft:
		return "Заполните отчёт до конца, исправьте ошибки и отправьте его методисту."
	case StateReturned:
		return "Методист вернул отчёт: посмотрите комментарий и замечания, исправьте и отправьте снова."
	case StateSubmitted:
		return "Отчёт отправлен и ждёт проверки методистом. Делать ничего не нужно."
	case StateAccepted:
		return "Отчёт принят. Работа по этой кампании закончена."
	}
	return ""
}

func location(tz string) *time.Location {
	if loc, err := dates.Location(tz); err == nil && tz != "" {
		return loc
	}
	return time.UTC
}

// curatorOrgs are the organisations the person is a curator of.
func curatorOrgs(r *http.Request) []string {
	c, _ := signedIn(r)
	var out []string
	for _, b := range c.Principal.Bindings {
		if b.Role == identity.Curator && !slices.Contains(out, b.Organisation) {
			out = append(out, b.Organisation)
		}
	}
	return out
}

func (p *Pages) curatorHome(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	orgs := curatorOrgs(r)
	home, err := p.curator.Home(ctx, orgs)
	if err != nil {
		return err
	}
	heading := "Мониторинг наставничества"
	if len(home.Campaigns) > 0 && len(orgs) == 1 {
		heading = home.Campaigns[0].OrgName
	}
	p.render(w, r, http.StatusOK, "home.html", HomePage{Base: p.base(r, "Главная", "home"), Heading: heading,
		Home: home, Orgs: orgs, now: p.now()})
	return nil
}

func (p *Pages) startReport(w http.ResponseWriter, r *http.Request) error {
	org := r.PostFormValue("organisation")
	if !slices.Contains(curatorOrgs(r), org) {
		return status.Error(codes.NotFound, "not the person's organisation")
	}
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	id, err := p.curator.StartReport(ctx, r.PathValue("id"), org, r.PostFormValue("from") == "previous")
	if status.Code(err) == codes.AlreadyExists {
		// Started meanwhile (another tab): open the home page, which links it.
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/reports/"+id, http.StatusSeeOther)
	return nil
}

// ReportPage is the report form.
type ReportPage struct {
	Base
	Report         ReportView
	Summary        []SummaryItem
	WarningSummary []SummaryItem
	// Missing counts the required fields still empty.
	Missing     int
	Saved       bool
	SavedErrors bool
	// Conflict: the save was based on an old version; theirs holds the
	// values saved meanwhile, by field code, as text.
	Conflict bool
	theirs   map[string]string
	now      time.Time
}

// StateTag is the report's state as the home page names it.
func (rp ReportPage) StateTag() ReportState {
	switch rp.Report.Status {
	case ReportSubmitted:
		return StateSubmitted
	case ReportReturned:
		return StateReturned
	case ReportAccepted:
		return StateAccepted
	}
	return StateDraft
}

// DeadlineDay is the last local day.
func (rp ReportPage) DeadlineDay() time.Time {
	return rp.Report.Deadline.In(location(rp.Report.TimeZone)).Add(-time.Nanosecond)
}

// Countdown says how long is left.
func (rp ReportPage) Countdown() string {
	return Countdown(rp.now, rp.Report.Deadline, location(rp.Report.TimeZone))
}

// RemarkCount counts the fields with a remark.
func (rp ReportPage) RemarkCount() int {
	n := 0
	for _, s := range rp.Report.Sections {
		for _, f := range s.Fields {
			if f.Remark != "" {
				n++
			}
		}
	}
	return n
}

// Theirs is the value saved meanwhile in a conflicting field.
func (rp ReportPage) Theirs(code string) string { return rp.theirs[code] }

func (p *Pages) reportPage(r *http.Request, rv ReportView) ReportPage {
	page := ReportPage{Base: p.base(r, "Отчёт — "+rv.CampaignName, "home"), Report: rv, now: p.now()}
	for _, v := range rv.Violations {
		if v.Rule == ruleRequired {
			page.Missing += max(1, len(v.Fields))
			continue
		}
		anchor := "main"
		if len(v.Fields) > 0 {
			anchor = "f_" + v.Fields[0]
		}
		if v.Warning {
			page.WarningSummary = append(page.WarningSummary, SummaryItem{Href: "#" + anchor, Message: v.Message})
		} else {
			page.Summary = append(page.Summary, SummaryItem{Href: "#" + anchor, Message: v.Message})
		}
	}
	return page
}

// reportOf reads the report the path names, as the person: the context to
// call the services with and the report.
func (p *Pages) reportOf(r *http.Request) (context.Context, ReportView, error) {
	ctx, err := p.callerContext(r)
	if err != nil {
		return nil, ReportView{}, err
	}
	rv, err := p.curator.Report(ctx, r.PathValue("id"))
	return ctx, rv, err
}

func (p *Pages) reportForm(w http.ResponseWriter, r *http.Request) error {
	_, rv, err := p.reportOf(r)
	if err != nil {
		return err
	}
	page := p.reportPage(r, rv)
	page.Saved = r.URL.Query().Get("saved") == "1"
	page.SavedErrors = page.Saved && len(page.Summary) > 0
	p.render(w, r, http.StatusOK, "report.html", page)
	return nil
}

// maxCount bounds a count a school can report.
const maxCount = 10_000_000

// readInputs reads the form's fields as typed; errors are Russian, by field.
func readInputs(r *http.Request, rv ReportView) (map[string]FieldInput, FieldErrors) {
	in, errs := map[string]FieldInput{}, FieldErrors{}
	for _, s := range rv.Sections {
		for _, f := range s.Fields {
			name := "f_" + f.Code
			v := strings.TrimSpace(r.PostFormValue(name))
			switch f.Type {
			case FieldCount:
				if v == "" {
					if f.Set {
						in[f.Code] = FieldInput{Type: FieldCount, Clear: true}
					}
					continue
				}
				n, err := strconv.ParseInt(strings.ReplaceAll(strings.ReplaceAll(v, " ", ""), "\u00a0", ""), 10, 64)
				switch {
				case err != nil:
					errs[f.Code] = "Введите целое число, например 12"
				case n < 0:
					errs[f.Code] = "Число не может быть отрицательным"
				case n > maxCount:
					errs[f.Code] = "Слишком большое число: проверьте значение"
				default:
					in[f.Code] = FieldInput{Type: FieldCount, Count: n}
				}
			case FieldYesNo:
				num, date, link := strings.TrimSpace(r.PostFormValue(name+"_number")),
					strings.TrimSpace(r.PostFormValue(name+"_date")), strings.TrimSpace(r.PostFormValue(name+"_link"))
				switch v {
				case "":
					if f.Set {
						in[f.Code] = FieldInput{Type: FieldYesNo, Clear: true}
					}
					continue
				case "yes", "no":
				default:
					errs[f.Code] = "Выберите «Да» или «Нет»"
					continue
				}
				if date != "" {
					if _, err := time.Parse(time.DateOnly, date); err != nil {
						errs[f.Code] = "Дата документа в формате ГГГГ-ММ-ДД, например 2026-09-01"
						continue
					}
				}
				if link != "" && !(strings.HasPrefix(link, "https://") || strings.HasPrefix(link, "http://")) {
					errs[f.Code] = "Ссылка начинается с https:// или http://"
					continue
				}
				if utf8.RuneCountInString(num) > 200 || utf8.RuneCountInString(link) > 2000 {
					errs[f.Code] = "Слишком длинный номер или ссылка"
					continue
				}
				in[f.Code] = FieldInput{Type: FieldYesNo, Yes: v == "yes", RefNumber: num, RefDate: date, RefLink: link}
			default:
				if v == "" {
					if f.Set {
						in[f.Code] = FieldInput{Type: FieldText, Clear: true}
					}
					continue
				}
				if utf8.RuneCountInString(v) > 2000 {
					errs[f.Code] = "Не длиннее 2000 символов"
					continue
				}
				in[f.Code] = FieldInput{Type: FieldText, Text: v}
			}
		}
	}
	return in, errs
}

// changed keeps the inputs that differ from the report's values, so a save
// writes only what the person changed.
func changed(in map[string]FieldInput, rv ReportView) map[string]FieldInput {
	out := map[string]FieldInput{}
	for _, s := range rv.Sections {
		for _, f := range s.Fields {
			v, ok := in[f.Code]
			if !ok {
				continue
			}
			if v.Clear || !f.Set || inputText(v) != fieldText(f) {
				out[f.Code] = v
			}
		}
	}
	return out
}

// inputText and fieldText write a value the same way for comparison and for
// showing the value saved meanwhile in a conflict.
func inputText(v FieldInput) string {
	switch {
	case v.Clear:
		return ""
	case v.Type == FieldCount:
		return strconv.FormatInt(v.Count, 10)
	case v.Type == FieldYesNo:
		return yesNoText(v.Yes, v.RefNumber, v.RefDate, v.RefLink)
	}
	return v.Text
}

func fieldText(f FieldView) string {
	switch {
	case !f.Set:
		return ""
	case f.Type == FieldYesNo:
		return yesNoText(f.Yes, f.RefNumber, f.RefDate, f.RefLink)
	}
	return f.Value
}

func yesNoText(yes bool, num, date, link string) string {
	s := "нет"
	if yes {
		s = "да"
	}
	var ref []string
	for _, x := range []string{num, date, link} {
		if x != "" {
			ref = append(ref, x)
		}
	}
	if len(ref) > 0 {
		s += " (" + strings.Join(ref, ", ") + ")"
	}
	return s
}

// withInputs shows what the person typed in the form, over rv's values.
func withInputs(rv ReportView, r *http.Request, errs FieldErrors) ReportView {
	// A copy: rv's sections may be shared with the caller.
	sections := make([]SectionView, len(rv.Sections))
	for i, sec := range rv.Sections {
		sections[i] = SectionView{Title: sec.Title, Fields: append([]FieldView(nil), sec.Fields...)}
	}
	rv.Sections = sections
	for si := range rv.Sections {
		for fi := range rv.Sections[si].Fields {
			f := &rv.Sections[si].Fields[fi]
			name := "f_" + f.Code
			v := r.PostFormValue(name)
			switch f.Type {
			case FieldYesNo:
				f.Set, f.Yes = v != "", v == "yes"
				f.RefNumber, f.RefDate, f.RefLink = r.PostFormValue(name+"_number"), r.PostFormValue(name+"_date"), r.PostFormValue(name+"_link")
			default:
				f.Value, f.Set = v, v != ""
			}
			if msg, ok := errs[f.Code]; ok {
				f.Errors = append([]string{msg}, f.Errors...)
			}
		}
	}
	return rv
}

func (p *Pages) saveReport(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	current, err := p.curator.Report(ctx, id)
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	in, errs := readInputs(r, current)
	if len(errs) > 0 {
		page := p.reportPage(r, withInputs(current, r, errs))
		page.Report.Version = version
		page.Summary = nil
		for _, s := range page.Report.Sections {
			for _, f := range s.Fields {
				if msg, ok := errs[f.Code]; ok {
					page.Summary = append(page.Summary, SummaryItem{Href: "#f_" + f.Code, Message: f.Label + ": " + msg})
				}
			}
		}
		p.render(w, r, http.StatusBadRequest, "report.html", page)
		return nil
	}
	if version != current.Version {
		return p.conflict(w, r, current, in)
	}
	err = p.curator.SaveReport(ctx, id, version, changed(in, current), r.PostForm["confirm"])
	var ce *ConflictError
	switch {
	case errors.As(err, &ce):
		return p.conflict(w, r, ce.Current, in)
	case status.Code(err) == codes.InvalidArgument:
		ferrs := FieldErrors{}
		for k, msg := range fieldViolations(err) {
			code := strings.TrimPrefix(k, "values[")
			if i := strings.Index(code, "]"); i >= 0 {
				code = code[:i]
			}
			ferrs[code] = msg
		}
		page := p.reportPage(r, withInputs(current, r, ferrs))
		p.render(w, r, http.StatusBadRequest, "report.html", page)
		return nil
	case err != nil:
		return err
	}
	if r.PostFormValue("action") == "submit" {
		http.Redirect(w, r, "/reports/"+id+"/submit", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/reports/"+id+"?saved=1#main", http.StatusSeeOther)
	return nil
}

// conflict shows the form with the person's values kept and, beside each
// field that differs, the value saved meanwhile; the form now carries the
// current version, so saving again applies the person's values.
func (p *Pages) conflict(w http.ResponseWriter, r *http.Request, current ReportView, in map[string]FieldInput) error {
	theirs := map[string]string{}
	for _, s := range current.Sections {
		for _, f := range s.Fields {
			v, typed := in[f.Code]
			mine := ""
			if typed {
				mine = inputText(v)
			}
			if saved := fieldText(f); mine != saved {
				if saved == "" {
					saved = "пусто"
				}
				theirs[f.Code] = saved
			}
		}
	}
	page := p.reportPage(r, withInputs(current, r, nil))
	page.Conflict, page.theirs = true, theirs
	p.render(w, r, http.StatusConflict, "report.html", page)
	return nil
}

// SubmitPage is the confirmation before submitting.
type SubmitPage struct {
	ReportPage
	Totals       []Total
	Warnings     []ViolationView
	Late         bool
	ConfirmError string
}

// Total is one headline value shown before submitting.
type Total struct{ Label, Value string }

// totalsShown are the headline counts of the confirmation.
var totalsShown = []string{"teachers_total", "young_teachers", "young_teachers_supported", "teachers_in_mentoring", "students_total", "students_in_mentoring"}

func (p *Pages) submitPage(r *http.Request, rv ReportView) SubmitPage {
	page := SubmitPage{ReportPage: p.reportPage(r, rv), Late: !p.now().Before(rv.Deadline)}
	for _, v := range rv.Violations {
		if v.Rule == ruleRequired {
			item := SummaryItem{Message: v.Message}
			if len(v.Fields) > 0 {
				item.Href = "#f_" + v.Fields[0]
			}
			page.Summary = append(page.Summary, item)
		}
	}
	// The fields are on the report page: the summary links there.
	for i := range page.Summary {
		page.Summary[i].Href = "/reports/" + rv.ID + page.Summary[i].Href
	}
	page.Title = "Отправка отчёта"
	for _, v := range rv.Violations {
		if v.Warning {
			page.Warnings = append(page.Warnings, v)
		}
	}
	for _, s := range rv.Sections {
		for _, f := range s.Fields {
			if slices.Contains(totalsShown, f.Code) {
				val := "не заполнено"
				if f.Set {
					n, _ := strconv.ParseInt(f.Value, 10, 64)
					val = NumberRU(n)
				}
				page.Totals = append(page.Totals, Total{Label: f.Label, Value: val})
			}
		}
	}
	return page
}

func (p *Pages) submitForm(w http.ResponseWriter, r *http.Request) error {
	_, rv, err := p.reportOf(r)
	if err != nil {
		return err
	}
	if !rv.Editable() {
		http.Redirect(w, r, "/reports/"+rv.ID, http.StatusSeeOther)
		return nil
	}
	p.render(w, r, http.StatusOK, "submit.html", p.submitPage(r, rv))
	return nil
}

func (p *Pages) submitReport(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	_, err = p.curator.SubmitReport(ctx, id, version, r.PostFormValue("confirm_warnings") == "yes")
	var ce *ConflictError
	switch {
	case errors.As(err, &ce):
		page := p.submitPage(r, ce.Current)
		page.ConfirmError = "Отчёт изменился, пока вы его проверяли. Проверьте значения ещё раз."
		p.render(w, r, http.StatusConflict, "submit.html", page)
		return nil
	case status.Code(err) == codes.InvalidArgument || status.Code(err) == codes.FailedPrecondition:
		rv, rerr := p.curator.Report(ctx, id)
		if rerr != nil {
			return rerr
		}
		page := p.submitPage(r, rv)
		if len(page.Summary) == 0 && len(page.Warnings) > 0 {
			page.ConfirmError = "Отметьте, что вы проверили предупреждения."
		}
		p.render(w, r, http.StatusBadRequest, "submit.html", page)
		return nil
	case err != nil:
		return err
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}
