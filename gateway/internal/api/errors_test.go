package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"

	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/validation"
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
	if want := strings.Count(string(rules), "- selector:") + len(HandRoutes); n != want {
		t.Errorf("the OpenAPI document has %d operations, want one per HTTP rule in proto/http.yaml and per hand-written route: %d", n, want)
	}
}

func TestWriteStatusCarriesReasonAndRussian(t *testing.T) {
	t.Parallel()
	var ve validation.Error
	ve.Add("organisation.inn", validation.New("inn_checksum"))
	ve.Add("organisation.full_name", validation.TooLong(1000))
	ve.Add("values[young_teachers]", validation.Rule("young_le_teachers", "Молодых педагогов не больше, чем всех."))
	rec := httptest.NewRecorder()
	WriteStatus(context.Background(), rec, httptest.NewRequest("POST", "/v1/organisations", nil), grpcerr.InvalidArgument(&ve))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", rec.Code)
	}
	var got Error
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	// The message names the fields as the details do, by their JSON names.
	message := strings.Replace(ve.Error(), "organisation.full_name", "organisation.fullName", 1)
	want := Error{Code: "INVALID_ARGUMENT", Message: message, Details: []FieldDetail{
		{Field: "organisation.inn", Description: "check digit does not match: the INN has a typo", Reason: "inn_checksum",
			LocalizedMessage: "В ИНН опечатка: не сходится контрольная цифра"},
		{Field: "organisation.fullName", Description: "must be at most 1000 characters", Reason: "too_long",
			LocalizedMessage: "Не длиннее 1000 символов"},
		{Field: "values[young_teachers]", Description: "Молодых педагогов не больше, чем всех.", Reason: "young_le_teachers",
			LocalizedMessage: "Молодых педагогов не больше, чем всех."},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error body (-want +got):\n%s", diff)
	}
	for _, key := range []string{`"reason":"inn_checksum"`, `"localizedMessage":"В ИНН опечатка`} {
		if !strings.Contains(rec.Body.String(), key) {
			t.Errorf("body %s lacks %s", rec.Body, key)
		}
	}
}
