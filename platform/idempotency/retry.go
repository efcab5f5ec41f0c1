package idempotency

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

type safeKey struct{}

// Safe marks ctx as a read: its calls may be repeated (an HTTP GET, say).
func Safe(ctx context.Context) context.Context { return context.WithValue(ctx, safeKey{}, true) }

// repeatable reports whether a call may be sent again: a read (marked Safe,
// or a Get…/List… method or a health check), or a write carrying an
// idempotency key, which the service answers once.
func repeatable(ctx context.Context, method string) bool {
	if safe, _ := ctx.Value(safeKey{}).(bool); safe {
		return true
	}
	name := method[strings.LastIndexByte(method, '/')+1:]
	if strings.HasPrefix(name, "Get") || strings.HasPrefix(name, "List") || method == "/grpc.health.v1.Health/Check" {
		return true
	}
	md, _ := metadata.FromOutgoingContext(ctx)
	return len(md.Get(MetadataKey)) > 0
}

// RetryPolicy bounds the retries of a call.
type RetryPolicy struct {
	// Attempts is the most times a call is sent, the first included.
	Attempts int
	// First is the wait before the first retry; each later wait doubles, up
	// to Max.
	First, Max time.Duration
}

// DefaultRetry rides out a service restart of a second or two: 6 attempts
// over about 3 s.
var DefaultRetry = RetryPolicy{Attempts: 6, First: 100 * time.Millisecond, Max: time.Second}

// Retry is the client interceptor that sends a call again when the service
// answered Unavailable (down, restarting, or its database away) and the call
// is repeatable; it never retries another code, a write without a key, or
// past the call's deadline.
func Retry(p RetryPolicy) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		err := invoker(ctx, method, req, reply, cc, opts...)
		if err == nil || !repeatable(ctx, method) {
			return err
		}
		wait := p.First
		for attempt := 2; attempt <= p.Attempts && status.Code(err) == codes.Unavailable; attempt++ {
			if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
				return err
			}
			select {
			case <-ctx.Done():
				return err
			case <-time.After(wait):
			}
			wait = min(2*wait, p.Max)
			err = invoker(ctx, method, req, reply, cc, opts...)
		}
		return err
	}
}
