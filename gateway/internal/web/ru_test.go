package web

import (
	"testing"
	"time"
)

func TestPlural(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int64
		want string
	}{
		{0, "дней"}, {1, "день"}, {2, "дня"}, {4, "дня"}, {5, "дней"}, {11, "дней"}, {12, "дней"}, {14, "дней"},
		{21, "день"}, {22, "дня"}, {25, "дней"}, {101, "день"}, {111, "дней"}, {1001, "день"},
	}
	for _, tc := range tests {
		if got := Plural(tc.n, "день", "дня", "дней"); got != tc.want {
			t.Errorf("Plural(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestDatesAndNumbers(t *testing.T) {
	t.Parallel()
	if got := DateRU(time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)); got != "15 декабря 2026 г." {
		t.Errorf("DateRU = %q", got)
	}
	if got := NumberRU(45000); got != "45\u00a0000" {
		t.Errorf("NumberRU = %q", got)
	}
	if got := NumberRU(-1234567); got != "−1\u00a0234\u00a0567" {
		t.Errorf("NumberRU = %q", got)
	}
}

func TestCountdown(t *testing.T) {
	t.Parallel()
	kamchatka, _ := time.LoadLocation("Asia/Kamchatka")
	kaliningrad, _ := time.LoadLocation("Europe/Kaliningrad")
	// 15 December ends at 12:00 UTC in Kamchatka and 22:00 UTC in Kaliningrad.
	endKam := time.Date(2026, 12, 16, 0, 0, 0, 0, kamchatka)
	endKal := time.Date(2026, 12, 16, 0, 0, 0, 0, kaliningrad)
	tests := []struct {
		name     string
		now, end time.Time
		loc      *time.Location
		want     string
	}{
		{"three days", time.Date(2026, 12, 12, 10, 0, 0, 0, time.UTC), endKal, kaliningrad, "осталось 3 дня"},
		{"one day", time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC), endKal, kaliningrad, "остался 1 день"},
		{"twenty-one days", time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), endKal, kaliningrad, "остался 21 день"},
		{"last day, hours", time.Date(2026, 12, 15, 9, 0, 0, 0, time.UTC), endKal, kaliningrad, "сегодня последний день: осталось 13 часов"},
		{"last day in Kamchatka", time.Date(2026, 12, 15, 11, 30, 0, 0, time.UTC), endKam, kamchatka, "сегодня последний день: осталось 30 минут"},
		{"passed in Kamchatka, not yet in Kaliningrad", time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC), endKam, kamchatka, "срок прошёл 1 день назад"},
		{"passed two days ago", time.Date(2026, 12, 17, 14, 0, 0, 0, time.UTC), endKal, kaliningrad, "срок прошёл 2 дня назад"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Countdown(tc.now, tc.end, tc.loc); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
