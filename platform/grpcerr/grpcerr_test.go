package grpcerr_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/validation"
)

func TestFallback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		err  error
		want codes.Code
	}{
		{"validation", validation.Field("year", validation.New("required")), codes.InvalidArgument},
		{"canceled", fmt.Errorf("store.X: %w", context.Canceled), codes.Canceled},
		{"deadline", fmt.Errorf("store.X: %w", context.DeadlineExceeded), codes.DeadlineExceeded},
		{"shutdown", fmt.Errorf("store.X: %w", &pgconn.PgError{Code: pgerrcode.AdminShutdown}), codes.Unavailable},
		{"deadlock", fmt.Errorf("store.X: %w", &pgconn.PgError{Code: pgerrcode.DeadlockDetected}), codes.Aborted},
		{"serialization", fmt.Errorf("store.X: %w", &pgconn.PgError{Code: pgerrcode.SerializationFailure}), codes.Aborted},
		{"status", status.Error(codes.NotFound, "no such thing"), codes.NotFound},
		{"unknown", errors.New("store.X: something odd"), codes.Internal},
		{"constraint", fmt.Errorf("store.X: %w", &pgconn.PgError{Code: pgerrcode.CheckViolation}), codes.Internal},
	}
	for _, tc := range tests {
		got := status.Code(grpcerr.Fallback(ctx, tc.err))
		if got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	// What the client reads never carries the cause.
	msg := status.Convert(grpcerr.Fallback(ctx, errors.New("store.X: password_hash column"))).Message()
	if msg != "internal error" {
		t.Errorf("internal message %q names the cause", msg)
	}
}
