package api

import (
	"context"
	"slices"

	"google.golang.org/grpc"

	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/validation"
	notifyv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/notify/v1"
)

// OutboxSources are the services with a notifications outbox, by the name
// the routes use (/v1/outbox/{source}/…): one line each.
func OutboxSources(b Backends) map[string]*grpc.ClientConn {
	return map[string]*grpc.ClientConn{
		"indicators": b.Indicators,
		"roadmap":    b.Roadmap,
	}
}

// OutboxRouter is an OutboxService client that sends each call to the
// service its source names; an unknown source is InvalidArgument on source.
type OutboxRouter map[string]notifyv1.OutboxServiceClient

// NewOutboxRouter routes over the connections of sources.
func NewOutboxRouter(sources map[string]*grpc.ClientConn) OutboxRouter {
	r := OutboxRouter{}
	for name, conn := range sources {
		r[name] = notifyv1.NewOutboxServiceClient(conn)
	}
	return r
}

var _ notifyv1.OutboxServiceClient = OutboxRouter(nil)

// Sources lists the sources in order.
func (r OutboxRouter) Sources() []string {
	var out []string
	for name := range r {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

func (r OutboxRouter) to(source string) (notifyv1.OutboxServiceClient, error) {
	c, ok := r[source]
	if !ok {
		return nil, grpcerr.InvalidArgument(validation.Field("source", validation.OneOf(r.Sources()...)).(*validation.Error))
	}
	return c, nil
}

// GetOutboxStats implements OutboxServiceClient.
func (r OutboxRouter) GetOutboxStats(ctx context.Context, in *notifyv1.GetOutboxStatsRequest, opts ...grpc.CallOption) (*notifyv1.GetOutboxStatsResponse, error) {
	c, err := r.to(in.GetSource())
	if err != nil {
		return nil, err
	}
	return c.GetOutboxStats(ctx, in, opts...)
}

// ListOutboxMessages implements OutboxServiceClient.
func (r OutboxRouter) ListOutboxMessages(ctx context.Context, in *notifyv1.ListOutboxMessagesRequest, opts ...grpc.CallOption) (*notifyv1.ListOutboxMessagesResponse, error) {
	c, err := r.to(in.GetSource())
	if err != nil {
		return nil, err
	}
	return c.ListOutboxMessages(ctx, in, opts...)
}

// RetryOutboxMessage implements OutboxServiceClient.
func (r OutboxRouter) RetryOutboxMessage(ctx context.Context, in *notifyv1.RetryOutboxMessageRequest, opts ...grpc.CallOption) (*notifyv1.RetryOutboxMessageResponse, error) {
	c, err := r.to(in.GetSource())
	if err != nil {
		return nil, err
	}
	return c.RetryOutboxMessage(ctx, in, opts...)
}

// ResolveOutboxMessage implements OutboxServiceClient.
func (r OutboxRouter) ResolveOutboxMessage(ctx context.Context, in *notifyv1.ResolveOutboxMessageRequest, opts ...grpc.CallOption) (*notifyv1.ResolveOutboxMessageResponse, error) {
	c, err := r.to(in.GetSource())
	if err != nil {
		return nil, err
	}
	return c.ResolveOutboxMessage(ctx, in, opts...)
}
