// Package logging builds the structured logger of a process and carries a
// request-scoped logger in the context.
package logging

import (
	"context"
	"io"
	"log/slog"
	"sync"
)

type ctxKey struct{}

// New returns a JSON logger writing to w at the given level.
func New(w io.Writer, level slog.Level, service string) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})).With("service", service)
}

// WithLogger returns a context carrying l.
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// WithAttrs returns a context carrying l.With(args...), built the first time
// FromContext asks for it: a request that logs nothing (the busy ones, at
// level warn) does not pay for a logger of its own.
func WithAttrs(ctx context.Context, l *slog.Logger, args ...any) context.Context {
	return context.WithValue(ctx, ctxKey{}, &lazyLogger{base: l, args: args})
}

type lazyLogger struct {
	base *slog.Logger
	args []any
	once sync.Once
	l    *slog.Logger
}

func (z *lazyLogger) get() *slog.Logger {
	z.once.Do(func() { z.l = z.base.With(z.args...) })
	return z.l
}

// FromContext returns the logger of the request, or the default logger.
func FromContext(ctx context.Context) *slog.Logger {
	switch l := ctx.Value(ctxKey{}).(type) {
	case *slog.Logger:
		return l
	case *lazyLogger:
		return l.get()
	}
	return slog.Default()
}
