package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"buf.build/go/protovalidate"
	"github.com/google/uuid"
	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/logging"
	"github.com/nastavnik/nastavnik/platform/russian"
	"github.com/nastavnik/nastavnik/platform/validation"
)

// RequestIDKey is the metadata key (and HTTP header) carrying the request id.
const RequestIDKey = "x-request-id"

type chain struct {
	unary  []grpc.UnaryServerInterceptor
	stream []grpc.StreamServerInterceptor
}

// newChain builds the one interceptor chain every service uses, outermost first:
// panic recovery → request id and logging → metrics → authentication → request
// validation → the service's own (Options.Unary: idempotency keys) → handler
// errors. The innermost step applies the service's error
// table to what a handler returns, and turns a panic or an unknown error into
// Internal, so that logs and metrics record them as
// such; the outermost recovery guards the interceptors themselves.
func newChain(opts Options, m *grpcprom.ServerMetrics) (chain, error) {
	validator, err := protovalidate.New()
	if err != nil {
		return chain{}, fmt.Errorf("grpcserver: protovalidate: %w", err)
	}
	rec := recovery.WithRecoveryHandlerContext(func(ctx context.Context, p any) error {
		opts.Logger.ErrorContext(ctx, "panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return status.Error(codes.Internal, "internal error")
	})
	c := chain{
		unary: slices.Concat([]grpc.UnaryServerInterceptor{
			recovery.UnaryServerInterceptor(rec),
			logUnary(opts),
			m.UnaryServerInterceptor(),
			authUnary(opts.Authenticate),
			validateUnary(validator),
		}, opts.Unary, []grpc.UnaryServerInterceptor{
			handlerErrors(opts),
		}),
		stream: []grpc.StreamServerInterceptor{
			recovery.StreamServerInterceptor(rec),
			m.StreamServerInterceptor(),
			authStream(opts.Authenticate),
		},
	}
	return c, nil
}

func logUnary(opts Options) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		rid := requestID(ctx)
		_ = grpc.SetHeader(ctx, metadata.MD{RequestIDKey: {rid}})
		// The request's logger is built when something logs: a call that
		// logs nothing (the busy ones, at level warn) pays for none.
		ctx = logging.WithAttrs(ctx, opts.Logger, "request_id", rid, "method", info.FullMethod)

		resp, err := handler(ctx, req)
		code := status.Code(err)
		if level := logLevel(code); opts.Logger.Enabled(ctx, level) {
			logging.FromContext(ctx).Log(ctx, level, "rpc", "code", code.String(), "duration_ms", float64(time.Since(start).Microseconds())/1000)
		}
		return resp, err
	}
}

func handlerErrors(opts Options) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				logging.FromContext(ctx).ErrorContext(ctx, "panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				resp, err = nil, status.Error(codes.Internal, "internal error")
			}
		}()
		resp, err = handler(ctx, req)
		// Handlers return plain errors: the service's table turns them into
		// codes here, once; anything it does not name is Internal and logged.
		return resp, opts.Errors.Status(ctx, err)
	}
}

func requestID(ctx context.Context) string {
	if v := metadata.ValueFromIncomingContext(ctx, RequestIDKey); len(v) > 0 && len(v[0]) > 0 && len(v[0]) <= 128 {
		return v[0]
	}
	return uuid.NewString()
}

func logLevel(code codes.Code) slog.Level {
	switch code {
	case codes.OK, codes.NotFound, codes.InvalidArgument, codes.AlreadyExists, codes.Aborted,
		codes.FailedPrecondition, codes.Unauthenticated, codes.PermissionDenied, codes.Canceled:
		return slog.LevelInfo
	case codes.Internal, codes.Unknown, codes.DataLoss:
		return slog.LevelError
	}
	return slog.LevelWarn
}

func authUnary(auth Authenticator) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if auth == nil {
			return handler(ctx, req)
		}
		ctx, err := auth(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

type wrappedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (w wrappedStream) Context() context.Context { return w.ctx }

func authStream(auth Authenticator) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if auth == nil {
			return handler(srv, ss)
		}
		ctx, err := auth(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, wrappedStream{ServerStream: ss, ctx: ctx})
	}
}

func validateUnary(v protovalidate.Validator) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		msg, ok := req.(proto.Message)
		if !ok {
			return handler(ctx, req)
		}
		var text validation.Error
		if textProblems(msg.ProtoReflect(), "", &text); text.Err() != nil {
			return nil, grpcerr.InvalidArgument(&text)
		}
		if err := v.Validate(msg); err != nil {
			var verr *protovalidate.ValidationError
			if !errors.As(err, &verr) {
				return nil, grpcerr.Fallback(ctx, fmt.Errorf("validate %s: %w", info.FullMethod, err))
			}
			return nil, grpcerr.InvalidArgument(FromProtovalidate(verr))
		}
		return handler(ctx, req)
	}
}

// FromProtovalidate converts protovalidate violations into field violations:
// the rule id (string.max_len, int32.gte_lte, required…) is the code,
// protovalidate's message the English description, and the Russian comes from
// the validation catalogue by rule id, with the rule's value ({rule}), both
// bounds of a range ({min}, {max}) and a readable size of a bytes limit
// ({size}) as parameters; a rule the catalogue lacks reads as its general
// request to check the value.
func FromProtovalidate(verr *protovalidate.ValidationError) *validation.Error {
	out := &validation.Error{}
	for _, v := range verr.Violations {
		field := protovalidate.FieldPathString(v.Proto.GetField())
		out.Violations = append(out.Violations, validation.At(field, ruleProblem(v)))
	}
	return out
}

func ruleProblem(v *protovalidate.Violation) validation.Problem {
	id, msg := v.Proto.GetRuleId(), v.Proto.GetMessage()
	if msg == "" {
		msg = id
	}
	p := validation.Foreign(id, msg)
	if v.RuleValue.IsValid() {
		rule := plainValue(v.RuleValue.Interface())
		p = p.With("rule", rule)
		if n, ok := rule.(uint64); ok && strings.HasPrefix(id, "bytes.") {
			p = p.With("size", byteSize(n))
		}
	}
	if rules := ruleMessage(v); rules != nil && rules.IsValid() {
		for name, param := range map[string]string{"gte": "min", "gt": "min", "lte": "max", "lt": "max"} {
			if fd := rules.Descriptor().Fields().ByName(protoreflect.Name(name)); fd != nil && rules.Has(fd) {
				p = p.With(param, plainValue(rules.Get(fd).Interface()))
			}
		}
	}
	return p
}

// ruleMessage is the rules message the violated rule belongs to (the
// Int32Rules of int32.gte_lte), read from the field's options; nil when the
// rule stands alone (required) or the path cannot be followed.
func ruleMessage(v *protovalidate.Violation) protoreflect.Message {
	path := v.Proto.GetRule().GetElements()
	if v.FieldDescriptor == nil || len(path) < 2 {
		return nil
	}
	rules, ok := proto.GetExtension(v.FieldDescriptor.Options(), validate.E_Field).(*validate.FieldRules)
	if !ok || rules == nil {
		return nil
	}
	msg := rules.ProtoReflect()
	for _, e := range path[:len(path)-1] {
		fd := msg.Descriptor().Fields().ByNumber(protoreflect.FieldNumber(e.GetFieldNumber()))
		if fd == nil || fd.Message() == nil || fd.IsList() || fd.IsMap() {
			return nil
		}
		msg = msg.Get(fd).Message()
	}
	return msg
}

// plainValue turns a rule's value into what the catalogue formats: numbers
// stay numbers, lists become lists of strings.
func plainValue(v any) any {
	switch v := v.(type) {
	case protoreflect.List:
		out := make([]string, v.Len())
		for i := range out {
			out[i] = fmt.Sprint(v.Get(i).Interface())
		}
		return out
	case protoreflect.EnumNumber:
		return int64(v)
	case float32:
		return float64(v)
	}
	return v
}

// byteSize writes a size limit as people read it: 4 МБ, 512 КБ, 100 байт.
func byteSize(n uint64) validation.Words {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return validation.Words{English: fmt.Sprintf("%d MiB", n>>20), Russian: fmt.Sprintf("%d МБ", n>>20)}
	case n >= 1<<10 && n%(1<<10) == 0:
		return validation.Words{English: fmt.Sprintf("%d KiB", n>>10), Russian: fmt.Sprintf("%d КБ", n>>10)}
	}
	return validation.Words{English: fmt.Sprintf("%d bytes", n),
		Russian: fmt.Sprintf("%d %s", n, russian.Plural(int64(n), "байта", "байт", "байт"))}
}
