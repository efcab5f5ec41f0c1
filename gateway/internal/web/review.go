package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The methodologist's review of one report: this year's values beside last
// year's with the change and the rule results; return it with a comment and
// remarks on single fields, accept it, or reopen an accepted one with a
// reason — each on the version the methodologist saw. And accepting in bulk
// the submitted reports that break no rule.

// ReviewPage is the review of one report.
type ReviewPage struct {
	Base
	R        ReviewView
	Sections []ReviewSection
	// Errors and Warnings are the rule results, linking to their rows.
	Errors, Warnings []SummaryItem
	// Summary lists what is wrong with the methodologist's input.
	Summary []SummaryItem
	// Typed input kept across a failed action.
	Comment, Reason           string
	CommentError, ReasonError string
	remarks, remarkErrors     map[string]string
	// Notice says what was done or why nothing was (a stale version).
	Notice, Problem string
}

// ReviewSection is a form section with its rows.
type ReviewSection struct {
	Title string
	Rows  []ReviewRow
}

// ReviewRow is one field: now, the year before, the change.
type ReviewRow struct {
	Code, Label         string
	Now, Before, Change string
	Errors, Warnings    []string
	Remark, RemarkError string
	// Changed: the value differs from last year's.
	Changed bool
}

// Status words for the review.
func (rp ReviewPage) Submitted() bool { return rp.R.Report.Status == ReportSubmitted }

// Accepted reports whether the report is accepted.
func (rp ReviewPage) Accepted() bool { return rp.R.Report.Status == ReportAccepted }

// StateTag is the report's state as the lists name it.
func (rp ReviewPage) StateTag() ReportState {
	return ReportPage{Report: rp.R.Report}.StateTag()
}

// SubmittedAt writes the submission time in the organisation's zone.
func (rp ReviewPage) SubmittedAt() string {
	return DateTimeRU(rp.R.Report.SubmitTime, location(rp.R.Report.TimeZone))
}

// KeptRemarks are the remarks typed, by field label, for a failed return
// whose form is no longer shown.
func (rp ReviewPage) KeptRemarks() []Total {
	var out []Total
	for _, s := range rp.R.Report.Sections {
		for _, f := range s.Fields {
			if text, ok := rp.remarks[f.Code]; ok {
				out = append(out, Total{Label: f.Label, Value: text})
			}
		}
	}
	return out
}

func (p *Pages) reviewPage(r *http.Request, rv ReviewView) ReviewPage {
	page := ReviewPage{Base: p.base(r, "Проверка отчёта — "+rv.Report.OrgName, "home"), R: rv,
		remarks: map[string]string{}, remarkErrors: map[string]string{}}
	return page
}

// build fills the rows from the report, last year's and what was typed.
func (rp *ReviewPage) build() {
	before := map[string]FieldView{}
	for _, s := range rp.R.Previous.Sections {
		for _, f := range s.Fields {
			before[f.Code] = f
		}
	}
	rp.Sections, rp.Errors, rp.Warnings = nil, nil, nil
	for _, s := range rp.R.Report.Sections {
		sec := ReviewSection{Title: s.Title}
		for _, f := range s.Fields {
			row := ReviewRow{Code: f.Code, Label: f.Label, Now: shownValue(f), Errors: f.Errors, Warnings: f.Warnings,
				Remark: rp.remarks[f.Code], RemarkError: rp.remarkErrors[f.Code]}
			if rp.R.Previous.ID != "" {
				b, ok := before[f.Code]
				row.Before = "—"
				if ok {
					row.Before = shownValue(b)
					row.Change, row.Changed = change(f, b)
				}
			}
			if row.Remark == "" && rp.R.Report.Status == ReportReturned {
				row.Remark = f.Remark
			}
			sec.Rows = append(sec.Rows, row)
		}
		rp.Sections = append(rp.Sections, sec)
	}
	for _, v := range rp.R.Report.Violations {
		item := SummaryItem{Href: "#main", Message: v.Message}
		if len(v.Fields) > 0 {
			item.Href = "#row-" + v.Fields[0]
		}
		if v.Warning {
			rp.Warnings = append(rp.Warnings, item)
		} else {
			rp.Errors = append(rp.Errors, item)
		}
	}
}

// shownValue writes a value as the review shows it.
func shownValue(f FieldView) string {
	switch {
	case !f.Set:
		return "не заполнено"
	case f.Type == FieldCount:
		n, err := strconv.ParseInt(f.Value, 10, 64)
		if err != nil {
			return f.Value
		}
		return NumberRU(n)
	case f.Type == FieldYesNo:
		return yesNoText(f.Yes, f.RefNumber, f.RefDate, f.RefLink)
	}
	return f.Value
}

// change writes how a count moved since last year: «+3 (+25 %)».
func change(now, before FieldView) (string, bool) {
	if now.Type != FieldCount {
		return "", fieldText(now) != fieldText(before)
	}
	if !now.Set || !before.Set {
		return "", now.Set != before.Set
	}
	a, err1 := strconv.ParseInt(now.Value, 10, 64)
	b, err2 := strconv.ParseInt(before.Value, 10, 64)
	if err1 != nil || err2 != nil {
		return "", false
	}
	if a == b {
		return "без изменений", false
	}
	s := signed(float64(a-b), 0)
	if b != 0 {
		s += " (" + signed(float64(a-b)/float64(b)*100, 0) + "\u00a0%)"
	}
	return s, true
}

// HistoryURL is the review's history page.
func (rp ReviewPage) HistoryURL() string { return "/review/" + rp.R.Report.ID + "/history" }

var reviewNotices = map[string]string{
	"returned": "Отчёт возвращён на доработку. Куратор школы увидит комментарий и замечания к полям.",
	"accepted": "Отчёт принят. Его значения вошли в показатели муниципалитета.",
	"reopened": "Отчёт снова открыт для исправления. Куратор школы увидит причину.",
}

func (p *Pages) review(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	rv, err := p.methodologist.Review(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	page := p.reviewPage(r, rv)
	page.Notice = reviewNotices[r.URL.Query().Get("done")]
	page.build()
	p.render(w, r, http.StatusOK, "review.html", page)
	return nil
}

// Limits of what the services take.
const (
	maxComment = 4000
	maxRemark  = 2000
)

// staleMessage says that the report changed under the methodologist.
const staleMessage = "Отчёт изменился, пока вы его смотрели: например, школа отправила его заново или другой методист уже проверил. " +
	"Ничего не сохранено, ваш текст остался в полях. Посмотрите отчёт как он есть сейчас и повторите действие."

// reviewAction runs act on the version posted; a stale version, a state
// that no longer allows it or a refused input shows the review again with
// what was typed.
func (p *Pages) reviewAction(w http.ResponseWriter, r *http.Request, done string, page func(*ReviewPage) bool,
	act func(ctx context.Context, version int64) error) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	rv, err := p.methodologist.Review(ctx, id)
	if err != nil {
		return err
	}
	rp := p.reviewPage(r, rv)
	rp.Comment, rp.Reason = strings.TrimSpace(r.PostFormValue("comment")), strings.TrimSpace(r.PostFormValue("reason"))
	if !page(&rp) {
		rp.build()
		p.render(w, r, http.StatusBadRequest, "review.html", rp)
		return nil
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	err = act(ctx, version)
	var ce *ConflictError
	switch {
	case err == nil:
		http.Redirect(w, r, "/review/"+id+"?done="+done+"#main", http.StatusSeeOther)
		return nil
	case errors.As(err, &ce), status.Code(err) == codes.Aborted:
		rp.Problem = staleMessage
		rp.build()
		p.render(w, r, http.StatusConflict, "review.html", rp)
		return nil
	case status.Code(err) == codes.FailedPrecondition:
		rp.Problem = "Это действие сейчас недоступно: отчёт уже в другом состоянии. Ваш текст остался в полях."
		rp.build()
		p.render(w, r, http.StatusConflict, "review.html", rp)
		return nil
	case status.Code(err) == codes.InvalidArgument:
		for field, msg := range fieldViolations(err) {
			switch {
			case field == "comment":
				rp.CommentError = msg
			case field == "reason":
				rp.ReasonError = msg
			case strings.HasPrefix(field, "remarks["):
				rp.remarkErrors[strings.TrimSuffix(strings.TrimPrefix(field, "remarks["), "]")] = msg
			}
		}
		rp.summarise()
		rp.build()
		p.render(w, r, http.StatusBadRequest, "review.html", rp)
		return nil
	}
	return err
}

// summarise lists the input errors at the top, linking to their fields.
func (rp *ReviewPage) summarise() {
	rp.Summary = nil
	if rp.CommentError != "" {
		rp.Summary = append(rp.Summary, SummaryItem{Href: "#comment", Message: "Комментарий: " + rp.CommentError})
	}
	if rp.ReasonError != "" {
		rp.Summary = append(rp.Summary, SummaryItem{Href: "#reason", Message: "Причина: " + rp.ReasonError})
	}
	for _, s := range rp.R.Report.Sections {
		for _, f := range s.Fields {
			if msg, ok := rp.remarkErrors[f.Code]; ok {
				rp.Summary = append(rp.Summary, SummaryItem{Href: "#remark_" + f.Code, Message: f.Label + ": " + msg})
			}
		}
	}
}

func (p *Pages) returnReport(w http.ResponseWriter, r *http.Request) error {
	var remarks map[string]string
	return p.reviewAction(w, r, "returned", func(rp *ReviewPage) bool {
		remarks = map[string]string{}
		for _, s := range rp.R.Report.Sections {
			for _, f := range s.Fields {
				text := strings.TrimSpace(r.PostFormValue("remark_" + f.Code))
				if text == "" {
					continue // only the remarks written are sent
				}
				remarks[f.Code], rp.remarks[f.Code] = text, text
				if utf8.RuneCountInString(text) > maxRemark {
					rp.remarkErrors[f.Code] = "Не длиннее 2000 символов"
				}
			}
		}
		switch n := utf8.RuneCountInString(rp.Comment); {
		case n == 0:
			rp.CommentError = "Напишите, что школе нужно исправить"
		case n > maxComment:
			rp.CommentError = "Не длиннее 4000 символов"
		}
		rp.summarise()
		return len(rp.Summary) == 0
	}, func(ctx context.Context, version int64) error {
		return p.methodologist.ReturnReport(ctx, r.PathValue("id"), version, strings.TrimSpace(r.PostFormValue("comment")), remarks)
	})
}

func (p *Pages) acceptReport(w http.ResponseWriter, r *http.Request) error {
	return p.reviewAction(w, r, "accepted", func(*ReviewPage) bool { return true }, func(ctx context.Context, version int64) error {
		return p.methodologist.AcceptReport(ctx, r.PathValue("id"), version)
	})
}

func (p *Pages) reopenReport(w http.ResponseWriter, r *http.Request) error {
	return p.reviewAction(w, r, "reopened", func(rp *ReviewPage) bool {
		switch n := utf8.RuneCountInString(rp.Reason); {
		case n == 0:
			rp.ReasonError = "Напишите, почему отчёт нужно исправить"
		case n > maxComment:
			rp.ReasonError = "Не длиннее 4000 символов"
		}
		rp.summarise()
		return len(rp.Summary) == 0
	}, func(ctx context.Context, version int64) error {
		return p.methodologist.ReopenReport(ctx, r.PathValue("id"), version, strings.TrimSpace(r.PostFormValue("reason")))
	})
}

// reviewHistory is the report's history with the way back to the review.
func (p *Pages) reviewHistory(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	rv, err := p.methodologist.Review(ctx, id)
	if err != nil {
		return err
	}
	hp, err := p.methodologist.History(ctx, id, r.URL.Query().Get("page"))
	if err != nil {
		return err
	}
	v := HistoryView{Base: p.base(r, "История изменений отчёта", "home"), Report: rv.Report, Page: hp,
		labels: map[string]string{}, Back: "/review/" + id}
	for _, s := range rv.Report.Sections {
		for _, f := range s.Fields {
			v.labels[f.Code] = f.Label
		}
	}
	if hp.NextPageToken != "" {
		v.NextURL = "/review/" + id + "/history?page=" + url.QueryEscape(hp.NextPageToken)
	}
	p.render(w, r, http.StatusOK, "history.html", v)
	return nil
}

// BulkPage confirms accepting the submitted reports that break no rule,
// and says what was done.
type BulkPage struct {
	Base
	CampaignID string
	Reports    []ReportSummary
	// Done: the reports were accepted; Skipped those that were not.
	Done     bool
	Accepted []ReportSummary
	Skipped  []ReportSummary
}

// When writes a submission time in the organisation's zone.
func (BulkPage) When(s ReportSummary) string { return DateTimeRU(s.SubmitTime, location(s.TimeZone)) }

func (p *Pages) bulkAcceptForm(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	list, err := p.methodologist.Acceptable(ctx, id, methodologistMunicipality(r))
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "accept.html", BulkPage{Base: p.base(r, "Принять отчёты без замечаний", "home"),
		CampaignID: id, Reports: list})
	return nil
}

// bulkAccept accepts the reports confirmed that still break no rule on the
// version confirmed; the others are named.
func (p *Pages) bulkAccept(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	now, err := p.methodologist.Acceptable(ctx, id, methodologistMunicipality(r))
	if err != nil {
		return err
	}
	page := BulkPage{Base: p.base(r, "Отчёты приняты", "home"), CampaignID: id, Done: true}
	for _, rid := range r.PostForm["report"] {
		version, _ := strconv.ParseInt(r.PostFormValue("v_"+rid), 10, 64)
		i := slices.IndexFunc(now, func(s ReportSummary) bool { return s.ID == rid })
		if i < 0 {
			page.Skipped = append(page.Skipped, ReportSummary{ID: rid, OrgName: "Отчёт, уже не ожидающий проверки"})
			continue
		}
		s := now[i]
		if s.Version != version {
			page.Skipped = append(page.Skipped, s)
			continue
		}
		err := p.methodologist.AcceptReport(ctx, rid, version)
		var ce *ConflictError
		switch {
		case err == nil:
			page.Accepted = append(page.Accepted, s)
		case errors.As(err, &ce), status.Code(err) == codes.Aborted, status.Code(err) == codes.FailedPrecondition:
			page.Skipped = append(page.Skipped, s)
		default:
			return err
		}
	}
	p.render(w, r, http.StatusOK, "accept.html", page)
	return nil
}
