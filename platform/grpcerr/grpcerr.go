// Package grpcerr turns errors into gRPC statuses: validation errors into
// InvalidArgument with field violations, context errors into Canceled or
// DeadlineExceeded, and anything unknown into Internal with a generic message,
// its cause logged with the request id and never sent to the client.
package grpcerr

import (
	"context"
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/logging"
	"github.com/nastavnik/nastavnik/platform/validation"
)

// InvalidArgument builds an InvalidArgument status carrying every violation as a
// BadRequest field violation.
func InvalidArgument(ve *validation.Error) error {
	st := status.New(codes.InvalidArgument, ve.Error())
	br := &errdetails.BadRequest{}
	for _, v := range ve.Violations {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field:       v.Field,
			Description: v.Description,
		})
	}
	if withDetails, err := st.WithDetails(br); err == nil {
		st = withDetails
	}
	return st.Err()
}

// Fallback converts the errors every service treats alike; a service's own
// mapping handles its sentinels first and then calls Fallback.
func Fallback(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var ve *validation.Error
	switch {
	case errors.As(err, &ve):
		return InvalidArgument(ve)
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "request canceled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "deadline exceeded")
	}
	if st, ok := status.FromError(err); ok {
		return st.Err()
	}
	logging.FromContext(ctx).ErrorContext(ctx, "internal error", "error", err.Error())
	return status.Error(codes.Internal, "internal error")
}

// Mapping is one row of a service's error table: errors matching Target become
// Code with the given public message, or the text of Target itself (never of the
// wrapped chain, which may name internals) when Message is empty.
type Mapping struct {
	Target  error
	Code    codes.Code
	Message string
}

// Table converts errors by a service's table, then by Fallback.
type Table []Mapping

// Status returns the gRPC status error for err.
func (t Table) Status(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	for _, m := range t {
		if errors.Is(err, m.Target) {
			msg := m.Message
			if msg == "" {
				msg = m.Target.Error()
			}
			return status.Error(m.Code, msg)
		}
	}
	return Fallback(ctx, err)
}
