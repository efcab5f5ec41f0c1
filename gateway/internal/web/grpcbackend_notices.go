package web

import (
	"context"

	notifyv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/notify/v1"
)

var _ NoticesBackend = (*grpcBackend)(nil)

// noticesPageSize is how many notifications a page shows.
const noticesPageSize = 20

func (b *grpcBackend) Notices(ctx context.Context, pageToken string) (NoticePage, error) {
	resp, err := b.notifications.ListNotifications(ctx, &notifyv1.ListNotificationsRequest{PageSize: noticesPageSize, PageToken: pageToken})
	if err != nil {
		return NoticePage{}, err
	}
	out := NoticePage{Next: resp.GetNextPageToken(), Unread: int(resp.GetUnreadCount()), Partial: len(resp.GetUnavailableSources()) > 0}
	for _, n := range resp.GetNotifications() {
		out.Items = append(out.Items, NoticeRow{ID: n.GetId(), Kind: n.GetKind(), Subject: n.GetSubject(), Text: n.GetText(),
			Time: n.GetCreateTime().AsTime(), Read: n.GetRead()})
	}
	return out, nil
}

func (b *grpcBackend) MarkNoticesRead(ctx context.Context, ids []string) error {
	_, err := b.notifications.MarkNotificationsRead(ctx, &notifyv1.MarkNotificationsReadRequest{Ids: ids})
	return err
}
