package idempotency_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/idempotency"
)

// Retry sends a call again on Unavailable only when it is a read or a keyed
// write, never on another code, and at most Attempts times.
func TestRetry(t *testing.T) {
	policy := idempotency.RetryPolicy{Attempts: 4, First: time.Millisecond, Max: 2 * time.Millisecond}
	keyed := metadata.AppendToOutgoingContext(context.Background(), idempotency.MetadataKey, "k-1")
	tests := []struct {
		name      string
		ctx       context.Context
		failures  int // calls answered with code before one succeeds
		code      codes.Code
		wantCalls int
		wantCode  codes.Code
	}{
		{"a read rides out a restart", idempotency.Safe(context.Background()), 2, codes.Unavailable, 3, codes.OK},
		{"a keyed write rides out a restart", keyed, 2, codes.Unavailable, 3, codes.OK},
		{"a write without a key is sent once", context.Background(), 2, codes.Unavailable, 1, codes.Unavailable},
		{"another code is not retried", idempotency.Safe(context.Background()), 2, codes.Internal, 1, codes.Internal},
		{"at most Attempts times", keyed, 10, codes.Unavailable, 4, codes.Unavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			invoker := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, opts ...grpc.CallOption) error {
				calls++
				if calls <= tc.failures {
					return status.Error(tc.code, "down")
				}
				return nil
			}
			err := idempotency.Retry(policy)(tc.ctx, "/x.v1.S/M", nil, nil, nil, invoker)
			if calls != tc.wantCalls || status.Code(err) != tc.wantCode {
				t.Errorf("got %d calls ending in %v, want %d ending in %v", calls, status.Code(err), tc.wantCalls, tc.wantCode)
			}
		})
	}
}
