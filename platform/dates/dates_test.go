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

func TestLocation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, zone string
		wantErr    bool
	}{
		{"Kamchatka", "Asia/Kamchatka", false},
		{"Kaliningrad", "Europe/Kaliningrad", false},
		{"UTC", "UTC", false},
		{"unknown", "Europe/Atlantis", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want, wantErr := time.LoadLocation(tc.zone)
			for range 2 { // loaded, then from memory
				got, err := dates.Location(tc.zone)
				if (err != nil) != tc.wantErr || (wantErr != nil) != tc.wantErr {
					t.Fatalf("Location(%q): got error %v, want one: %v", tc.zone, err, tc.wantErr)
				}
				if err != nil {
					continue
				}
				at := time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC)
				if got.String() != tc.zone || at.In(got).Format(time.RFC3339) != at.In(want).Format(time.RFC3339) {
					t.Errorf("Location(%q) = %v (noon UTC there %v), want %v (%v)", tc.zone, got, at.In(got), want, at.In(want))
				}
			}
		})
	}
	first, _ := dates.Location("Asia/Yakutsk")
	if again, _ := dates.Location("Asia/Yakutsk"); again != first {
		t.Errorf("Location loaded Asia/Yakutsk twice: got %p, then %p", first, again)
	}
}
