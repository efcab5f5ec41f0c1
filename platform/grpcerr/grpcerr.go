// Package grpcerr turns errors into gRPC statuses: validation errors into
// InvalidArgument with field violations, context errors into Canceled or
// DeadlineExceeded, a database that cannot be reached into Unavailable, a
// transaction the database aborted (deadlock, serialization) into Aborted, and
// anything unknown into Internal with a generic message,
// its cause logged with the request id and never sent to the client.
package grpcerr

import (
	"context"
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/logging"
	"github.com/nastavnik/nastavnik/platform/validation"
)

// Locale is the locale of the texts for people in field violations.
const Locale = "ru-RU"

// InvalidArgument builds an InvalidArgument status carrying every violation as a
// BadRequest field violation: the field, the English description, the stable
// code as the reason, and the Russian text as the localized message.
func InvalidArgument(ve *validation.Error) error {
	st := status.New(codes.InvalidArgument, ve.Error())
	br := &errdetails.BadRequest{}
	for _, v := range ve.Violations {
		fv := &errdetails.BadRequest_FieldViolation{
			Field:       v.Field,
			Description: v.Description,
			Reason:      v.Code,
		}
		if v.Russian != "" {
			fv.LocalizedMessage = &errdetails.LocalizedMessage{Locale: Locale, Message: v.Russian}
		}
		br.FieldViolations = append(br.FieldViolations, fv)
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
	case errors.Is(err, database.ErrUnavailable) || database.IsUnavailable(err):
		// The database is down or restarting: the client may try again.
		logging.FromContext(ctx).WarnContext(ctx, "database unavailable", "error", err.Error())
		return status.Error(codes.Unavailable, "the database is not available; try again")
	case database.IsRetryable(err):
		// A deadlock or serialization failure the store did not retry: the
		// change met another at the same moment and was rolled back whole.
		logging.FromContext(ctx).WarnContext(ctx, "transaction aborted", "error", err.Error())
		return status.Error(codes.Aborted, "the change met another one made at the same moment; try again")
	}
	if st, ok := status.FromError(err); ok {
		return st.Err()
	}
	logging.FromContext(ctx).ErrorContext(ctx, "internal error", "error", err.Error())
	return status.Error(codes.Internal, "internal error")
}

// Mapping is one row of a service's error table: errors matching Target become
// Code with the given public message or, when Message is empty, the text of the
// error in the chain that is Target or declares itself Target (an error type
// with an Is method and its own public text) — never the text of the wrapping
// chain, which may name internals.
type Mapping struct {
	Target  error
	Code    codes.Code
	Message string
	// Details, when set, adds what the client needs to act on the error (the
	// current state of an object a stale write was based on, say).
	Details func(err error) []protoadapt.MessageV1
}

// Table is a service's one mapping from errors to gRPC codes. The shared
// interceptor chain applies it to every error a handler returns, so handlers
// return plain errors; what the table does not name goes through Fallback.
type Table []Mapping

// Status returns the gRPC status error for err.
func (t Table) Status(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	for _, m := range t {
		if errors.Is(err, m.Target) {
			msg := m.Message
			if msg == "" {
				msg = publicText(err, m.Target)
			}
			st := status.New(m.Code, msg)
			if m.Details != nil {
				if d := m.Details(err); len(d) > 0 {
					if withDetails, derr := st.WithDetails(d...); derr == nil {
						st = withDetails
					}
				}
			}
			return st.Err()
		}
	}
	return Fallback(ctx, err)
}

// publicText is the text of the first error in err's chain that is target or
// says of itself (not of what it wraps) that it is target.
func publicText(err, target error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if e == target {
			break
		}
		if x, ok := e.(interface{ Is(error) bool }); ok && x.Is(target) {
			return e.Error()
		}
	}
	return target.Error()
}
