package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"buf.build/go/protovalidate"
	"github.com/google/uuid"
	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/logging"
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
// validation → handler errors. The innermost step applies the service's error
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
		unary: []grpc.UnaryServerInterceptor{
			recovery.UnaryServerInterceptor(rec),
			logUnary(opts),
			m.UnaryServerInterceptor(),
			authUnary(opts.Authenticate),
			validateUnary(validator),
			handlerErrors(opts),
		},
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
		_ = grpc.SetHeader(ctx, metadata.Pairs(RequestIDKey, rid))
		logger := opts.Logger.With("request_id", rid, "method", info.FullMethod)
		ctx = logging.WithLogger(ctx, logger)

		resp, err := handler(ctx, req)
		code := status.Code(err)
		level := logLevel(code)
		logger.Log(ctx, level, "rpc", "code", code.String(), "duration_ms", float64(time.Since(start).Microseconds())/1000)
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
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(RequestIDKey); len(v) > 0 && len(v[0]) > 0 && len(v[0]) <= 128 {
			return v[0]
		}
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

// FromProtovalidate converts protovalidate violations into field violations.
func FromProtovalidate(verr *protovalidate.ValidationError) *validation.Error {
	out := &validation.Error{}
	for _, v := range verr.Violations {
		field := protovalidate.FieldPathString(v.Proto.GetField())
		msg := v.Proto.GetMessage()
		if msg == "" {
			msg = v.Proto.GetRuleId()
		}
		out.Add(field, msg)
	}
	return out
}
