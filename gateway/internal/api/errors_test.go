package api

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
)

func TestHTTPStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code codes.Code
		want int
	}{
		{codes.OK, 200}, {codes.InvalidArgument, 400}, {codes.NotFound, 404}, {codes.AlreadyExists, 409},
		{codes.Aborted, 409}, {codes.FailedPrecondition, 409}, {codes.Unauthenticated, 401},
		{codes.PermissionDenied, 403}, {codes.Unavailable, 503}, {codes.DeadlineExceeded, 504},
		{codes.Internal, 500}, {codes.Unknown, 500}, {codes.DataLoss, 500},
	}
	for _, tc := range tests {
		if got := HTTPStatus(tc.code); got != tc.want {
			t.Errorf("HTTPStatus(%v) = %d, want %d", tc.code, got, tc.want)
		}
	}
	if HTTPStatus(codes.ResourceExhausted) != http.StatusTooManyRequests {
		t.Errorf("ResourceExhausted must be 429")
	}
}

func TestJSONPath(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"inn", "inn"},
		{"organisation.municipality_id", "organisation.municipalityId"},
		{"organisation.curator.email", "organisation.curator.email"},
		{"page_token", "pageToken"},
		{"values[young_teachers]", "values[young_teachers]"},
		{"form.sections[0].fields[1].carry_over", "form.sections[0].fields[1].carryOver"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := JSONPath(tc.in); got != tc.want {
			t.Errorf("JSONPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestOpenAPIDocumentCoversEveryOperation(t *testing.T) {
	t.Parallel()
	groups, err := Groups()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range groups {
		n += len(g.Operations)
	}
	rules, err := os.ReadFile("../../../proto/http.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Count(string(rules), "- selector:"); n != want {
		t.Errorf("the OpenAPI document has %d operations, want one per HTTP rule in proto/http.yaml: %d", n, want)
	}
}
