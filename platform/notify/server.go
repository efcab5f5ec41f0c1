package notify

import (
	"context"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/pagination"
	notifyv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/notify/v1"
)

// Server is the NotificationService of one service's outbox: the caller's
// own messages from its Inbox. Ids are the service's name and the message's
// number ("roadmap-3"), so that lists merged from several services keep them
// apart: MarkNotificationsRead marks only ids of its own service.
type Server struct {
	notifyv1.UnimplementedNotificationServiceServer
	Inbox Inbox
	// Source is the service's name, the ids' prefix.
	Source string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

var _ notifyv1.NotificationServiceServer = (*Server)(nil)

// noticeCursor is the keyset position in a person's notifications: the
// number of the last one listed.
type noticeCursor struct {
	ID int64 `json:"i"`
}

// noticeFilter binds the page tokens of notification lists.
const noticeFilter = "notifications"

// PageTokenAfter returns the page token of the caller's notifications older
// than the one with id (an id as listed, of any service), for the service
// that listed it: what a merged list resumes each service with.
func PageTokenAfter(id string) (string, error) {
	_, n, ok := splitID(id)
	if !ok {
		return "", pagination.ErrBadToken
	}
	return pagination.Encode(noticeFilter, noticeCursor{ID: n})
}

// splitID splits a notification's id into its service and number.
func splitID(id string) (string, int64, bool) {
	i := strings.LastIndexByte(id, '-')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.ParseInt(id[i+1:], 10, 64)
	return id[:i], n, err == nil && n > 0
}

// ListNotifications implements NotificationService: the caller's own.
func (s *Server) ListNotifications(ctx context.Context, req *notifyv1.ListNotificationsRequest) (*notifyv1.ListNotificationsResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var cur noticeCursor
	if err := pagination.Read(req.GetPageToken(), noticeFilter, &cur); err != nil {
		return nil, err
	}
	size := pagination.Size(req.GetPageSize())
	list, unread, err := s.Inbox.List(ctx, p.AccountID, cur.ID, size+1)
	if err != nil {
		return nil, err
	}
	resp := &notifyv1.ListNotificationsResponse{UnreadCount: int32(unread)}
	if len(list) > size {
		list = list[:size]
		if resp.NextPageToken, err = pagination.Encode(noticeFilter, noticeCursor{ID: list[size-1].ID}); err != nil {
			return nil, err
		}
	}
	for _, n := range list {
		resp.Notifications = append(resp.Notifications, &notifyv1.Notification{Id: s.Source + "-" + strconv.FormatInt(n.ID, 10),
			Kind: n.Kind, Subject: n.Subject, Text: n.Text, CreateTime: timestamppb.New(n.CreateTime), Read: n.Read})
	}
	return resp, nil
}

// MarkNotificationsRead implements NotificationService: the caller's own,
// of this service; every one when no id is named.
func (s *Server) MarkNotificationsRead(ctx context.Context, req *notifyv1.MarkNotificationsReadRequest) (*notifyv1.MarkNotificationsReadResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	ids := []int64{}
	for _, id := range req.GetIds() {
		if src, n, ok := splitID(id); ok && src == s.Source {
			ids = append(ids, n)
		}
	}
	if len(req.GetIds()) > 0 && len(ids) == 0 {
		return &notifyv1.MarkNotificationsReadResponse{}, nil // another service's only
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	n, err := s.Inbox.MarkRead(ctx, p.AccountID, ids, now)
	if err != nil {
		return nil, err
	}
	return &notifyv1.MarkNotificationsReadResponse{Marked: int32(n)}, nil
}
