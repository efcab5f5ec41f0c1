package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/logging"
)

// Error is the JSON body of every API error.
type Error struct {
	// Code is the gRPC code name, e.g. "INVALID_ARGUMENT".
	Code    string        `json:"code"`
	Message string        `json:"message"`
	Details []FieldDetail `json:"details"`
}

// FieldDetail names one invalid field by its JSON path and says what is wrong
// with it three ways: Description in English (for developers), Reason as a
// stable code ("required", "too_long", "inn_checksum", or a protovalidate rule
// id such as "string.max_len"), and LocalizedMessage in Russian, the text to
// show the person who filled the field.
type FieldDetail struct {
	Field            string `json:"field"`
	Description      string `json:"description"`
	Reason           string `json:"reason"`
	LocalizedMessage string `json:"localizedMessage"`
}

// HTTPStatus maps gRPC codes to HTTP statuses. FailedPrecondition is 409
// Conflict: the request is well-formed but the object's state forbids it (for
// example closing a closed organisation); 412 is kept for HTTP preconditions.
func HTTPStatus(c codes.Code) int {
	switch c {
	case codes.OK:
		return http.StatusOK
	case codes.InvalidArgument, codes.OutOfRange:
		return http.StatusBadRequest
	case codes.NotFound:
		return http.StatusNotFound
	case codes.AlreadyExists, codes.Aborted, codes.FailedPrecondition:
		return http.StatusConflict
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.ResourceExhausted:
		return http.StatusTooManyRequests
	case codes.Canceled:
		return 499
	case codes.DeadlineExceeded:
		return http.StatusGatewayTimeout
	case codes.Unavailable:
		return http.StatusServiceUnavailable
	case codes.Unimplemented:
		return http.StatusNotImplemented
	}
	return http.StatusInternalServerError
}

// errorHandler writes gRPC errors as {code, message, details:[{field,
// description, reason, localizedMessage}]}.
func errorHandler(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	if ve := bodyProblem(ctx, r); ve != nil && status.Code(err) == codes.InvalidArgument {
		err = grpcerr.InvalidArgument(ve) // the body decoder's violation, with its field
	}
	WriteStatus(ctx, w, r, err)
}

// WriteStatus writes a gRPC error as an API error.
func WriteStatus(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
	st := status.Convert(err)
	body := Error{Code: code.Code_name[int32(st.Code())], Message: st.Message(), Details: []FieldDetail{}}
	if st.Code() == codes.Unavailable || st.Code() == codes.Unknown || st.Code() == codes.Internal {
		logging.FromContext(r.Context()).ErrorContext(ctx, "upstream error", "code", st.Code().String(), "error", st.Message())
		if st.Code() != codes.Unavailable {
			body.Message = "internal error"
		}
	}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				body.Details = append(body.Details, FieldDetail{Field: JSONPath(v.GetField()), Description: v.GetDescription(),
					Reason: v.GetReason(), LocalizedMessage: v.GetLocalizedMessage().GetMessage()})
			}
		}
	}
	if len(body.Details) > 0 {
		// The message lists the details, so that it names fields as they do
		// (expireTime, not the services' expire_time).
		parts := make([]string, len(body.Details))
		for i, d := range body.Details {
			parts[i] = d.Field + ": " + d.Description
		}
		body.Message = "invalid input: " + strings.Join(parts, "; ")
	}
	WriteError(w, HTTPStatus(st.Code()), body)
}

// WriteError writes an API error body.
func WriteError(w http.ResponseWriter, httpStatus int, body Error) {
	if body.Details == nil {
		body.Details = []FieldDetail{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(httpStatus)
	_ = json.NewEncoder(w).Encode(body)
}

// JSONPath turns a proto field path (organisation.municipality_id) into the
// JSON names the client sent (organisation.municipalityId). Map keys and list
// indexes in brackets (values[young_teachers]) are the client's own data and
// stay as they are.
func JSONPath(path string) string {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		parts[i] = lowerCamel(p)
	}
	return strings.Join(parts, ".")
}

func lowerCamel(s string) string {
	var b strings.Builder
	up, key := false, false
	for _, r := range s {
		switch {
		case r == '[':
			key = true
			b.WriteRune(r)
		case r == ']':
			key = false
			b.WriteRune(r)
		case key:
			b.WriteRune(r)
		case r == '_':
			up = true
		case up:
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
