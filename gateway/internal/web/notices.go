package web

import (
	"context"
	"net/http"
	"regexp"
	"time"
)

// The notifications page: what the services told the person (returned and
// accepted reports, reminders, roadmap items handed down, weekly overdue
// digests…), merged from every service, newest first, unread ones marked;
// the header links to it with the unread count of all.

// NoticesBackend is the person's own notifications.
type NoticesBackend interface {
	// Notices reads a page of the caller's notifications.
	Notices(ctx context.Context, pageToken string) (NoticePage, error)
	// MarkNoticesRead marks the caller's notifications ids read; none: all.
	MarkNoticesRead(ctx context.Context, ids []string) error
}

// NoticePage is one page of notifications.
type NoticePage struct {
	Items  []NoticeRow
	Next   string
	Unread int
	// Partial: a service did not answer; Items and Unread are the others'.
	Partial bool
}

// NoticeRow is one notification.
type NoticeRow struct {
	ID, Kind, Subject, Text string
	Time                    time.Time
	Read                    bool
}

// NoticesPage is the page's view.
type NoticesPage struct {
	Base
	NoticePage
	Done bool
}

// When writes a notification's time.
func (NoticesPage) When(t time.Time) string { return DateTimeRU(t, location("")) }

func (p *Pages) noticesPage(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	list, err := p.notices.Notices(ctx, r.URL.Query().Get("page"))
	if err != nil {
		return err
	}
	page := NoticesPage{Base: p.base(r, "Уведомления", "notifications"), NoticePage: list, Done: r.URL.Query().Get("done") == "read"}
	p.render(w, r, http.StatusOK, "notifications.html", page)
	return nil
}

// noticeID is a notification's id as listed: the sending service and a
// number ("roadmap-3").
var noticeID = regexp.MustCompile(`^[a-z]{1,20}-[0-9]{1,18}$`)

func (p *Pages) markNoticesRead(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	var ids []string
	for _, id := range r.PostForm["id"] {
		if noticeID.MatchString(id) && len(ids) < 100 {
			ids = append(ids, id)
		}
	}
	if err := p.notices.MarkNoticesRead(ctx, ids); err != nil {
		return err
	}
	http.Redirect(w, r, "/notifications?done=read", http.StatusSeeOther)
	return nil
}

// unreadNotices is the header's count: of the services that answered; 0
// when none did (the page itself must not fail for it).
func (p *Pages) unreadNotices(r *http.Request) int {
	if p.notices == nil {
		return 0
	}
	ctx, err := p.callerContext(r)
	if err != nil {
		return 0
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	list, err := p.notices.Notices(ctx, "")
	if err != nil {
		return 0
	}
	return list.Unread
}
