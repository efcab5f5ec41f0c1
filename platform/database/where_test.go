package database

import (
	"reflect"
	"testing"
)

func TestWhere(t *testing.T) {
	var w Where
	if w.SQL() != "" {
		t.Errorf("empty: %q", w.SQL())
	}
	w.Add("a = ?", 1)
	w.Add("(b > ? OR c < ?)", 2, 3)
	w.Add("d IS NULL")
	if got, want := w.SQL(), "WHERE a = $1 AND (b > $2 OR c < $3) AND d IS NULL"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !reflect.DeepEqual(w.Args, []any{1, 2, 3}) {
		t.Errorf("args %v", w.Args)
	}
	for in, want := range map[string]string{`50%_a\b`: `50\%\_a\\b`, "школа": "школа"} {
		if got := LikeEscape(in); got != want {
			t.Errorf("LikeEscape(%q) = %q, want %q", in, got, want)
		}
	}
}
