package web

import (
	"context"
	"maps"
	"slices"

	"google.golang.org/grpc"

	notifyv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/notify/v1"
)

// outboxBackend is OutboxBackend over the services' OutboxService, one
// connection per source.
type outboxBackend map[string]notifyv1.OutboxServiceClient

var _ OutboxBackend = outboxBackend(nil)

// NewOutboxBackend returns the operator's view of the outboxes of sources
// (a service's name → its connection).
func NewOutboxBackend(sources map[string]*grpc.ClientConn) OutboxBackend {
	b := outboxBackend{}
	for name, conn := range sources {
		b[name] = notifyv1.NewOutboxServiceClient(conn)
	}
	return b
}

// outboxPageSize is how many messages the table shows at once.
const outboxPageSize = 50

func (b outboxBackend) OutboxSources() []string { return slices.Sorted(maps.Keys(b)) }

func (b outboxBackend) OutboxStats(ctx context.Context, source string, hours int) (OutboxStats, error) {
	resp, err := b[source].GetOutboxStats(ctx, &notifyv1.GetOutboxStatsRequest{Source: source, WindowHours: int32(hours)})
	if err != nil {
		return OutboxStats{}, err
	}
	out := OutboxStats{States: map[OutboxState]int64{}, Since: resp.GetSince().AsTime()}
	for _, s := range resp.GetStates() {
		out.States[OutboxState(s.GetState())] = s.GetCount()
	}
	return out, nil
}

func (b outboxBackend) OutboxProblems(ctx context.Context, source, pageToken string) (OutboxList, error) {
	resp, err := b[source].ListOutboxMessages(ctx, &notifyv1.ListOutboxMessagesRequest{Source: source,
		PageSize: outboxPageSize, PageToken: pageToken})
	if err != nil {
		return OutboxList{}, err
	}
	out := OutboxList{Next: resp.GetNextPageToken()}
	for _, m := range resp.GetMessages() {
		out.Items = append(out.Items, OutboxMessage{ID: m.GetId(), Kind: m.GetKind(), Subject: m.GetSubject(),
			Name: m.GetRecipientName(), Email: m.GetEmail(), LastError: m.GetLastError(), State: OutboxState(m.GetState()),
			Attempts: int(m.GetAttempts()), Created: m.GetCreateTime().AsTime()})
	}
	return out, nil
}

func (b outboxBackend) RetryOutboxMessage(ctx context.Context, source, id string) error {
	_, err := b[source].RetryOutboxMessage(ctx, &notifyv1.RetryOutboxMessageRequest{Source: source, Id: id})
	return err
}

func (b outboxBackend) ResolveOutboxMessage(ctx context.Context, source, id string, delivered bool) error {
	res := notifyv1.Resolution_RESOLUTION_SEND_AGAIN
	if delivered {
		res = notifyv1.Resolution_RESOLUTION_DELIVERED
	}
	_, err := b[source].ResolveOutboxMessage(ctx, &notifyv1.ResolveOutboxMessageRequest{Source: source, Id: id, Resolution: res})
	return err
}
