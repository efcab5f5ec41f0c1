package server_test

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/registryclient"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/server"
)

// The registry's answers reach the roadmap's callers as they did when the
// roadmap translated them itself: what the caller cannot see does not exist,
// a registry that does not answer is Unavailable.
func TestRegistryErrorsInTheTable(t *testing.T) {
	tests := []struct {
		err  error
		code codes.Code
		msg  string
	}{
		{fmt.Errorf("registryclient.Organisation: %w", registryclient.ErrNotFound), codes.NotFound, "not found"},
		{fmt.Errorf("registryclient.Region: %w", registryclient.ErrUnavailable), codes.Unavailable,
			"the registry is unavailable: try again later"},
	}
	for _, tc := range tests {
		st := status.Convert(server.Errors.Status(context.Background(), tc.err))
		if st.Code() != tc.code || st.Message() != tc.msg {
			t.Errorf("Errors.Status(%v) = %v %q, want %v %q", tc.err, st.Code(), st.Message(), tc.code, tc.msg)
		}
	}
}
