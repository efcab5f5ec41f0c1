package dates_test

import (
	"testing"
	"time"

	"github.com/nastavnik/nastavnik/platform/dates"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{"", time.Time{}, ""},
		{"2026-09-01", time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), ""},
		{"2024-02-29", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), ""},
		{"2025-02-29", time.Time{}, `"2025-02-29" is not a date in the form YYYY-MM-DD`},
		{"01.09.2026", time.Time{}, `"01.09.2026" is not a date in the form YYYY-MM-DD`},
		{"2026-9-1", time.Time{}, `"2026-9-1" is not a date in the form YYYY-MM-DD`},
	}
	for _, tc := range tests {
		got, err := dates.Parse(tc.in)
		if gotErr := errText(err); gotErr != tc.wantErr || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("Parse(%q) = %v, %q; want %v, %q", tc.in, got, gotErr, tc.want, tc.wantErr)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestFormat(t *testing.T) {
	t.Parallel()
	if got := dates.Format(time.Time{}); got != "" {
		t.Errorf("Format(zero) = %q, want empty", got)
	}
	if got := dates.Format(time.Date(2026, 12, 15, 23, 30, 0, 0, time.UTC)); got != "2026-12-15" {
		t.Errorf("Format = %q, want 2026-12-15", got)
	}
	for _, s := range []string{"", "2026-01-01", "1999-12-31"} {
		d, err := dates.Parse(s)
		if err != nil || dates.Format(d) != s {
			t.Errorf("Format(Parse(%q)) = %q, %v", s, dates.Format(d), err)
		}
	}
}
