package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

// countingHandler counts the loggers derived from it.
type countingHandler struct {
	slog.Handler
	derived *int
}

func (h countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	*h.derived++
	return countingHandler{h.Handler.WithAttrs(as), h.derived}
}

// A logger with the request's attributes is built only when asked for, once,
// and logs them.
func TestWithAttrsBuildsTheLoggerWhenAsked(t *testing.T) {
	var out bytes.Buffer
	derived := 0
	base := slog.New(countingHandler{slog.NewJSONHandler(&out, nil), &derived})
	ctx := WithAttrs(context.Background(), base, "request_id", "r-1")
	if derived != 0 {
		t.Fatalf("got %d loggers built before any was asked for, want 0", derived)
	}
	l := FromContext(ctx)
	if again := FromContext(ctx); again != l || derived != 1 {
		t.Fatalf("asked twice: got the same logger %v and %d built, want true and 1", again == l, derived)
	}
	l.Info("hello")
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil || line["request_id"] != "r-1" || line["msg"] != "hello" {
		t.Errorf("got %s (%v), want a line with request_id r-1", out.Bytes(), err)
	}
	if got := FromContext(WithLogger(context.Background(), base)); got != base {
		t.Errorf("WithLogger: got %v, want the logger given", got)
	}
	if got := FromContext(context.Background()); got != slog.Default() {
		t.Errorf("no logger: got %v, want the default", got)
	}
}
