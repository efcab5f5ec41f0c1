package server

import (
	"context"
	"strconv"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/validation"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

var _ indicatorsv1.NotificationServiceServer = (*Server)(nil)

// noticeCursor is the keyset position in a person's notifications.
type noticeCursor struct {
	ID int64 `json:"i"`
}

// ListNotifications implements NotificationService: the caller's own.
func (s *Server) ListNotifications(ctx context.Context, req *indicatorsv1.ListNotificationsRequest) (*indicatorsv1.ListNotificationsResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var cur noticeCursor
	if _, err := pagination.Decode(req.GetPageToken(), "notifications", &cur); err != nil {
		return nil, validation.Field("page_token", validation.BadPageToken())
	}
	size := pagination.Size(req.GetPageSize())
	list, unread, err := s.store.Inbox().List(ctx, p.AccountID, cur.ID, size+1)
	if err != nil {
		return nil, err
	}
	resp := &indicatorsv1.ListNotificationsResponse{UnreadCount: int32(unread)}
	if len(list) > size {
		list = list[:size]
		if resp.NextPageToken, err = pagination.Encode("notifications", noticeCursor{ID: list[size-1].ID}); err != nil {
			return nil, err
		}
	}
	for _, n := range list {
		resp.Notifications = append(resp.Notifications, &indicatorsv1.Notification{Id: strconv.FormatInt(n.ID, 10),
			Kind: n.Kind, Subject: n.Subject, Text: n.Text, CreateTime: ts(n.CreateTime), Read: n.Read})
	}
	return resp, nil
}

// MarkNotificationsRead implements NotificationService: the caller's own.
func (s *Server) MarkNotificationsRead(ctx context.Context, req *indicatorsv1.MarkNotificationsReadRequest) (*indicatorsv1.MarkNotificationsReadResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	ids := []int64{}
	for _, id := range req.GetIds() {
		n, _ := strconv.ParseInt(id, 10, 64) // the pattern guarantees digits
		ids = append(ids, n)
	}
	n, err := s.store.Inbox().MarkRead(ctx, p.AccountID, ids, s.now())
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.MarkNotificationsReadResponse{Marked: int32(n)}, nil
}
