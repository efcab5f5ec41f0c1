// Package inbox is the person's one list of notifications, merged from every
// service that sends them (each implements notify.v1.NotificationService
// over its own outbox): newest first, with the unread count of all of them.
// The REST API (/v1/notifications) and the pages use the same Merged client.
//
// A source that does not answer (unavailable, or out of time) does not fail
// the list: the others' notifications and unread count are returned, and
// the response names it in unavailable_sources.
package inbox

import (
	"context"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/validation"
	notifyv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/notify/v1"
)

// Merged is a NotificationService client over several services' ones.
type Merged struct {
	names   []string
	sources []notifyv1.NotificationServiceClient
}

var _ notifyv1.NotificationServiceClient = (*Merged)(nil)

// Source is one service with notifications: its name (as in the ids it
// gives, "roadmap") and its connection.
type Source struct {
	Name string
	Conn grpc.ClientConnInterface
}

// New returns the merged list of the sources (the indicators and the
// roadmap service).
func New(sources ...Source) *Merged {
	m := &Merged{}
	for _, s := range sources {
		m.names = append(m.names, s.Name)
		m.sources = append(m.sources, notifyv1.NewNotificationServiceClient(s.Conn))
	}
	return m
}

// unavailable reports whether err is a source not answering (rather than a
// refusal of the request), while the caller's own request is still alive.
func unavailable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return true
	}
	return false
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
	down := make([]bool, len(m.sources))
	out := &notifyv1.ListNotificationsResponse{}
	// The sources are asked at once (every page's header counts the
	// unread), then their answers taken in order.
	resps, errs := make([]*notifyv1.ListNotificationsResponse, len(m.sources)), make([]error, len(m.sources))
	var wg sync.WaitGroup
	for i, src := range m.sources {
		// The unread count is of all: the first page of a done source too.
		req := &notifyv1.ListNotificationsRequest{PageSize: int32(size), PageToken: cur.Tokens[i]}
		if cur.Done[i] {
			req = &notifyv1.ListNotificationsRequest{PageSize: 1}
		}
		wg.Go(func() { resps[i], errs[i] = src.ListNotifications(ctx, req) })
	}
	wg.Wait()
	var firstErr error
	for i := range m.sources {
		resp, err := resps[i], errs[i]
		if unavailable(ctx, err) {
			// Degrade: the others are still shown; this one keeps its
			// position, so a later page asks it again from there.
			down[i] = true
			out.UnavailableSources = append(out.UnavailableSources, m.names[i])
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		out.UnreadCount += resp.GetUnreadCount()
		if !cur.Done[i] {
			pages[i] = resp
		}
	}
	if len(out.UnavailableSources) == len(m.sources) {
		return nil, firstErr // nothing to show at all
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
		case down[i]:
			// Kept where it was; it does not make a next page on its own
			// (that would be an endless chain of empty pages).
			next.Tokens[i], next.Done[i] = cur.Tokens[i], cur.Done[i]
			continue
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
// own (every one of the caller's when none is named). A source that does
// not answer is named in unavailable_sources and its notifications stay
// unread; only when none answers does the call fail.
func (m *Merged) MarkNotificationsRead(ctx context.Context, in *notifyv1.MarkNotificationsReadRequest, _ ...grpc.CallOption) (*notifyv1.MarkNotificationsReadResponse, error) {
	out := &notifyv1.MarkNotificationsReadResponse{}
	var errs []error
	for i, src := range m.sources {
		resp, err := src.MarkNotificationsRead(ctx, in)
		if unavailable(ctx, err) {
			out.UnavailableSources = append(out.UnavailableSources, m.names[i])
			if len(out.UnavailableSources) == len(m.sources) {
				return nil, err
			}
			continue
		}
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
