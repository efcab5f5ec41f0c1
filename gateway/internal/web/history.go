package web

import (
	"net/http"
	"net/url"
)

// HistoryView is the report's history page.
type HistoryView struct {
	Base
	Report ReportView
	Page   HistoryPage
	// labels names the fields by code.
	labels map[string]string
	// NextURL is the link to older changes; empty on the last page.
	NextURL string
	// Back is the page of the report the history belongs to.
	Back string
}

var statusNames = map[string]string{"draft": "черновик", "submitted": "отправлен", "returned": "возвращён на доработку",
	"accepted": "принят"}

// What says in words what an event changed.
func (h HistoryView) What(e HistoryEvent) string {
	switch e.Kind {
	case "status":
		return "Статус: " + statusName(e.OldValue) + " → " + statusName(e.NewValue)
	case "carry_over":
		return h.label(e.Field) + ": перенесено из прошлого года"
	case "confirm":
		return h.label(e.Field) + ": подтверждено без изменений"
	}
	return h.label(e.Field)
}

func (h HistoryView) label(code string) string {
	if l, ok := h.labels[code]; ok {
		return l
	}
	return code
}

func statusName(s string) string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	if s == "" {
		return "—"
	}
	return s
}

// Local formats the time of an event in the organisation's zone.
func (h HistoryView) Local(e HistoryEvent) string {
	return DateTimeRU(e.Time, location(h.Report.TimeZone))
}

func (p *Pages) reportHistory(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	rv, err := p.curator.Report(ctx, id)
	if err != nil {
		return err
	}
	page, err := p.curator.History(ctx, id, r.URL.Query().Get("page"))
	if err != nil {
		return err
	}
	v := HistoryView{Base: p.base(r, "История изменений отчёта", "home"), Report: rv, Page: page, labels: map[string]string{},
		Back: "/reports/" + id}
	for _, s := range rv.Sections {
		for _, f := range s.Fields {
			v.labels[f.Code] = f.Label
		}
	}
	if page.NextPageToken != "" {
		v.NextURL = "/reports/" + id + "/history?page=" + url.QueryEscape(page.NextPageToken)
	}
	p.render(w, r, http.StatusOK, "history.html", v)
	return nil
}
