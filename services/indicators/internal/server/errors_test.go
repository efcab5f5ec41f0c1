package server_test

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/registryclient"
	"github.com/nastavnik/nastavnik/services/indicators/internal/server"
)

// The registry client's sentinels reach the service's callers as the codes
// and messages the service sent when it built the statuses itself.
func TestRegistryErrorsInTheTable(t *testing.T) {
	tests := []struct {
		err  error
		code codes.Code
		msg  string
	}{
		{fmt.Errorf("directory.Region: %w", fmt.Errorf("registryclient.Region: %w", registryclient.ErrUnavailable)),
			codes.Unavailable, "the registry is unavailable: try again"},
		{fmt.Errorf("directory.Municipality: %w", registryclient.ErrNoCaller), codes.Unauthenticated, "no identity: sign in"},
	}
	for _, tc := range tests {
		st := status.Convert(server.Errors.Status(context.Background(), tc.err))
		if st.Code() != tc.code || st.Message() != tc.msg {
			t.Errorf("Errors.Status(%v) = %v %q, want %v %q", tc.err, st.Code(), st.Message(), tc.code, tc.msg)
		}
	}
}
