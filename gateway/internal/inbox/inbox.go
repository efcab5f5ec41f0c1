// Package inbox is the person's one list of notifications, merged from every
// service that sends them (each implements notify.v1.NotificationService
// over its own outbox): newest first, with the unread count of all of them.
// The REST API (/v1/notifications) and the pages use the same Merged client.
package inbox

import (
	"context"

	"google.golang.org/grpc"

	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/validation"
	notifyv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/notify/v1"
)

// Merged is a NotificationService client over several services' ones.
type Merged struct {
	sources []notifyv1.NotificationServiceClient
}

var _ notifyv1.NotificationServiceClient = (*Merged)(nil)

// New returns the merged list of the services at conns (the indicators and
// the roadmap service).
func New(conns ...grpc.ClientConnInterface) *Merged {
	m := &Merged{}
	for _, c := range conns {
		m.sources = append(m.sources, notifyv1.NewNotificationServiceClient(c))
	}
	return m
}

// cursor is where each source's list resumes: its page token ("" the
// first page), or done when it has nothing more.
type cursor struct {
	Tokens []string `json:"t"`
	Done   []bool   `json:"d"`
}

// filter binds merged page tokens.
const filter = "merged notifications"

// ListNotifications lists the caller's notifications of every source, newest
// first. Each source is asked for a page from where it stopped; the page
// takes the newest of them, and its token records where each source stops
// now (after the last of its notifications shown), so no notification is
// shown twice or skipped.
func (m *Merged) ListNotifications(ctx context.Context, in *notifyv1.ListNotificationsRequest, _ ...grpc.CallOption) (*notifyv1.ListNotificationsResponse, error) {
	cur := cursor{Tokens: make([]string, len(m.sources)), Done: make([]bool, len(m.sources))}
	if _, err := pagination.Decode(in.GetPageToken(), filter, &cur); err != nil || len(cur.Tokens) != len(m.sources) ||
		len(cur.Done) != len(m.sources) {
		return nil, badToken()
	}
	size := pagination.Size(in.GetPageSize())
	pages := make([]*notifyv1.ListNotificationsResponse, len(m.sources))
	out := &notifyv1.ListNotificationsResponse{}
	for i, src := range m.sources {
		// The unread count is of all: the first page of a done source too.
		req := &notifyv1.ListNotificationsRequest{PageSize: int32(size), PageToken: cur.Tokens[i]}
		if cur.Done[i] {
			req = &notifyv1.ListNotificationsRequest{PageSize: 1}
		}
		resp, err := src.ListNotifications(ctx, req)
		if err != nil {
			return nil, err
		}
		out.UnreadCount += resp.GetUnreadCount()
		if !cur.Done[i] {
			pages[i] = resp
		}
	}
	// Take the newest of the heads, size times.
	taken := make([]int, len(m.sources))
	for len(out.Notifications) < size {
		best := -1
		for i, p := range pages {
			if p == nil || taken[i] >= len(p.GetNotifications()) {
				continue
			}
			if best < 0 || newer(p.GetNotifications()[taken[i]], pages[best].GetNotifications()[taken[best]]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		out.Notifications = append(out.Notifications, pages[best].GetNotifications()[taken[best]])
		taken[best]++
	}
	next := cursor{Tokens: make([]string, len(m.sources)), Done: make([]bool, len(m.sources))}
	more := false
	for i, p := range pages {
		switch {
		case p == nil:
			next.Done[i] = true
		case taken[i] == len(p.GetNotifications()):
			next.Tokens[i], next.Done[i] = p.GetNextPageToken(), p.GetNextPageToken() == ""
		case taken[i] == 0:
			next.Tokens[i] = cur.Tokens[i]
		default:
			tok, err := notify.PageTokenAfter(p.GetNotifications()[taken[i]-1].GetId())
			if err != nil {
				return nil, err
			}
			next.Tokens[i] = tok
		}
		more = more || !next.Done[i]
	}
	if more {
		tok, err := pagination.Encode(filter, next)
		if err != nil {
			return nil, err
		}
		out.NextPageToken = tok
	}
	return out, nil
}

// badToken is a page token this list did not write: InvalidArgument naming
// page_token, as a service answers.
func badToken() error {
	ve := &validation.Error{}
	ve.Add("page_token", validation.BadPageToken())
	return grpcerr.InvalidArgument(ve)
}

// newer orders notifications newest first; at the same instant, by id.
func newer(a, b *notifyv1.Notification) bool {
	ta, tb := a.GetCreateTime().AsTime(), b.GetCreateTime().AsTime()
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	return a.GetId() > b.GetId()
}

// MarkNotificationsRead asks every source to mark the ids: each marks its
// own (every one of the caller's when none is named).
func (m *Merged) MarkNotificationsRead(ctx context.Context, in *notifyv1.MarkNotificationsReadRequest, _ ...grpc.CallOption) (*notifyv1.MarkNotificationsReadResponse, error) {
	out := &notifyv1.MarkNotificationsReadResponse{}
	var errs []error
	for _, src := range m.sources {
		resp, err := src.MarkNotificationsRead(ctx, in)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out.Marked += resp.GetMarked()
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return out, nil
}
