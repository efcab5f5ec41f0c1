package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The operator's page of e-mail delivery (/operator/outbox): how many
// messages of a service's outbox are in each state over a window, the
// messages that failed or may not have arrived, and the operator's two
// actions: send a failed one again, settle an uncertain one after looking
// at the mail server. Each service with an outbox is a source.

// OutboxBackend is the services' outboxes, for the operator.
type OutboxBackend interface {
	// OutboxSources names the services with an outbox, in order.
	OutboxSources() []string
	// OutboxStats counts the messages of source created within the last
	// hours by state.
	OutboxStats(ctx context.Context, source string, hours int) (OutboxStats, error)
	// OutboxProblems reads a page of the failed and uncertain messages.
	OutboxProblems(ctx context.Context, source, pageToken string) (OutboxList, error)
	// RetryOutboxMessage queues a failed message again.
	RetryOutboxMessage(ctx context.Context, source, id string) error
	// ResolveOutboxMessage settles an uncertain message: delivered, or to
	// be sent again.
	ResolveOutboxMessage(ctx context.Context, source, id string, delivered bool) error
}

// OutboxState is a message's state, as the services number it.
type OutboxState int

// The states of a message.
const (
	OutboxQueued    OutboxState = 1
	OutboxClaimed   OutboxState = 2
	OutboxSending   OutboxState = 3
	OutboxSent      OutboxState = 4
	OutboxFailed    OutboxState = 5
	OutboxCancelled OutboxState = 6
	OutboxUncertain OutboxState = 7
	OutboxNoAddress OutboxState = 8
	OutboxRetrying  OutboxState = 9
)

// OutboxStats are the counts of a window.
type OutboxStats struct {
	States map[OutboxState]int64
	Since  time.Time
}

// OutboxList is a page of messages.
type OutboxList struct {
	Items []OutboxMessage
	Next  string
}

// OutboxMessage is one message as the operator's table shows it.
type OutboxMessage struct {
	ID, Kind, Subject, Name, Email, LastError string
	State                                     OutboxState
	Attempts                                  int
	Created                                   time.Time
}

// outboxTiles are the tiles' states in order, with their words and tones.
var outboxTiles = []struct {
	State       OutboxState
	Label, Tone string
}{
	{OutboxFailed, "не доставлено", "bad"},
	{OutboxUncertain, "неизвестно, дошло ли", "warn"},
	{OutboxRetrying, "ждут повтора", "warn"},
	{OutboxQueued, "в очереди", ""},
	{OutboxClaimed, "взято на отправку", ""},
	{OutboxSending, "отправляется", ""},
	{OutboxSent, "отправлено", "ok"},
	{OutboxCancelled, "отменено: уже не нужно", ""},
	{OutboxNoAddress, "нет адреса почты", ""},
}

// outboxKinds are the kinds of messages in Russian; a kind missing here is
// shown as its code.
var outboxKinds = map[string]string{
	"reminder":                "Напоминание о сроке отчёта",
	"report_returned":         "Отчёт возвращён на доработку",
	"report_accepted":         "Отчёт принят",
	"report_resubmitted":      "Отчёт отправлен повторно",
	"methodologist_digest":    "Утренняя сводка методисту",
	"municipality_signed_off": "Муниципалитет подписал сводку",
	// The roadmap service's.
	"roadmap_item_handed_down":      "Мероприятие передано школам",
	"roadmap_overdue_curator":       "Недельная сводка просроченных мероприятий школы",
	"roadmap_overdue_methodologist": "Недельная сводка просроченных мероприятий муниципалитета",
}

// outboxSourceNames are the sources in Russian.
var outboxSourceNames = map[string]string{
	"indicators": "Мониторинг и показатели",
	"roadmap":    "Дорожные карты",
}

// outboxWindows are the windows the page offers, in hours.
var outboxWindows = []OutboxWindow{{Hours: 24, Label: "за сутки"}, {Hours: 24 * 7, Label: "за неделю"},
	{Hours: 24 * 30, Label: "за 30 дней"}}

// OutboxPage is the page's view.
type OutboxPage struct {
	Base
	Sources []OutboxSourceLink
	Source  string
	Hours   int
	Windows []OutboxWindow
	Tiles   []OutboxTile
	OutboxList
	Done string
}

// OutboxSourceLink is a tab of one source.
type OutboxSourceLink struct {
	Name, Title, Href string
	Current           bool
}

// OutboxWindow is one choice of the window.
type OutboxWindow struct {
	Hours    int
	Label    string
	Selected bool
}

// OutboxTile is one state's count.
type OutboxTile struct {
	Count       int64
	Label, Tone string
}

// KindRU names a kind of message in Russian.
func (OutboxPage) KindRU(kind string) string {
	if s, ok := outboxKinds[kind]; ok {
		return s
	}
	return kind
}

// When writes a message's time.
func (OutboxPage) When(t time.Time) string { return DateTimeRU(t, location("")) }

// Failed and Uncertain tell the table's rows apart.
func (OutboxPage) Failed(s OutboxState) bool { return s == OutboxFailed }

// Uncertain reports a message that may or may not have arrived.
func (OutboxPage) Uncertain(s OutboxState) bool { return s == OutboxUncertain }

// DoneText is the notice after an action.
func (p OutboxPage) DoneText() string {
	return map[string]string{
		"retried":   "Письмо поставлено в очередь: оно уйдёт при следующей отправке, если ещё нужно.",
		"delivered": "Письмо отмечено как дошедшее.",
		"again":     "Письмо поставлено в очередь: оно уйдёт снова при следующей отправке.",
		"stale":     "Это письмо уже обработано, возможно другим оператором: список обновлён.",
	}[p.Done]
}

var outboxSourceRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,30}$`)

// outboxSource is the source a request names, or the first; "" when it names
// none the gateway knows.
func (p *Pages) outboxSource(name string) string {
	if p.outbox == nil {
		return ""
	}
	sources := p.outbox.OutboxSources()
	if name == "" && len(sources) > 0 {
		return sources[0]
	}
	if !outboxSourceRe.MatchString(name) || !slices.Contains(sources, name) {
		return ""
	}
	return name
}

func (p *Pages) outboxPage(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	source := p.outboxSource(q.Get("source"))
	if source == "" {
		return status.Error(codes.NotFound, "no such outbox")
	}
	hours := 24
	if h, err := strconv.Atoi(q.Get("hours")); err == nil && slices.ContainsFunc(outboxWindows, func(w OutboxWindow) bool { return w.Hours == h }) {
		hours = h
	}
	stats, err := p.outbox.OutboxStats(ctx, source, hours)
	if err != nil {
		return err
	}
	list, err := p.outbox.OutboxProblems(ctx, source, q.Get("page"))
	if status.Code(err) == codes.InvalidArgument && q.Get("page") != "" {
		list, err = p.outbox.OutboxProblems(ctx, source, "") // a stale page: from the first
	}
	if err != nil {
		return err
	}
	page := OutboxPage{Base: p.base(r, "Доставка писем", "outbox"), Source: source, Hours: hours, OutboxList: list,
		Done: q.Get("done")}
	for _, s := range p.outbox.OutboxSources() {
		title := outboxSourceNames[s]
		if title == "" {
			title = s
		}
		page.Sources = append(page.Sources, OutboxSourceLink{Name: s, Title: title, Current: s == source,
			Href: "/operator/outbox?" + url.Values{"source": {s}, "hours": {strconv.Itoa(hours)}}.Encode()})
	}
	for _, w := range outboxWindows {
		w.Selected = w.Hours == hours
		page.Windows = append(page.Windows, w)
	}
	for _, t := range outboxTiles {
		page.Tiles = append(page.Tiles, OutboxTile{Count: stats.States[t.State], Label: t.Label, Tone: t.Tone})
	}
	p.render(w, r, http.StatusOK, "outbox.html", page)
	return nil
}

// outboxAction runs one of the operator's actions and returns to the page.
func (p *Pages) outboxAction(w http.ResponseWriter, r *http.Request, act func(ctx context.Context, source, id string) (string, error)) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	source := p.outboxSource(r.PathValue("source"))
	id := r.PathValue("id")
	if source == "" || r.PathValue("source") == "" {
		return status.Error(codes.NotFound, "no such outbox")
	}
	if _, err := strconv.ParseUint(id, 10, 63); err != nil || len(id) > 18 {
		return status.Error(codes.NotFound, "no such message")
	}
	done, err := act(ctx, source, id)
	if status.Code(err) == codes.FailedPrecondition {
		done, err = "stale", nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/operator/outbox?"+url.Values{"source": {source}, "done": {done}}.Encode(), http.StatusSeeOther)
	return nil
}

func (p *Pages) retryOutbox(w http.ResponseWriter, r *http.Request) error {
	return p.outboxAction(w, r, func(ctx context.Context, source, id string) (string, error) {
		return "retried", p.outbox.RetryOutboxMessage(ctx, source, id)
	})
}

func (p *Pages) resolveOutbox(w http.ResponseWriter, r *http.Request) error {
	resolution := r.PostForm.Get("resolution")
	if resolution != "delivered" && resolution != "again" {
		return status.Error(codes.InvalidArgument, "resolution must be delivered or again")
	}
	return p.outboxAction(w, r, func(ctx context.Context, source, id string) (string, error) {
		return resolution, p.outbox.ResolveOutboxMessage(ctx, source, id, resolution == "delivered")
	})
}
