package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/nastavnik/nastavnik/platform/russian"
)

// Russian formatting for pages: dates «15 декабря 2026 г.», numbers with a
// thin space between thousands, and plurals («1 день», «3 дня», «21 день»).

// DateRU formats a day as «15 декабря 2026 г.» (russian.Date).
func DateRU(t time.Time) string { return russian.Date(t) }

// DateTimeRU formats a moment in loc as «15 декабря 2026 г., 14:05»
// (russian.DateTime).
func DateTimeRU(t time.Time, loc *time.Location) string { return russian.DateTime(t, loc) }

// Plural chooses the Russian form for n: one (1, 21, 101), few (2–4, 22–24)
// or many (0, 5–20, 25–30, 11–14).
func Plural(n int64, one, few, many string) string {
	if n < 0 {
		n = -n
	}
	switch n10, n100 := n%10, n%100; {
	case n100 >= 11 && n100 <= 14:
		return many
	case n10 == 1:
		return one
	case n10 >= 2 && n10 <= 4:
		return few
	}
	return many
}

// Count writes n with its noun: «3 дня».
func Count(n int64, one, few, many string) string {
	return NumberRU(n) + " " + Plural(n, one, few, many)
}

// NumberRU writes an integer with a non-breaking space between thousands.
func NumberRU(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(r)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

// Countdown says how long is left until deadline, as a person reads it:
// «осталось 3 дня», «остался 1 день», «остался 21 день», «сегодня последний
// день», or «срок прошёл 2 дня назад». Days are counted in the organisation's
// own calendar (loc).
func Countdown(now, deadline time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	if !now.Before(deadline) {
		days := calendarDays(deadline.Add(-time.Nanosecond), now.Add(time.Nanosecond), loc)
		if days <= 0 {
			return "срок прошёл сегодня"
		}
		return "срок прошёл " + Count(int64(days), "день", "дня", "дней") + " назад"
	}
	days := calendarDays(now, deadline, loc)
	switch {
	case days <= 0:
		left := deadline.Sub(now).Round(time.Minute)
		h := int64(left / time.Hour)
		if h >= 1 {
			return "сегодня последний день: " + Plural(h, "остался", "осталось", "осталось") + " " + Count(h, "час", "часа", "часов")
		}
		m := int64(left / time.Minute)
		return "сегодня последний день: " + Plural(m, "осталась", "осталось", "осталось") + " " + Count(m, "минута", "минуты", "минут")
	}
	return Plural(int64(days), "остался", "осталось", "осталось") + " " + Count(int64(days), "день", "дня", "дней")
}

// calendarDays counts local midnights between a and b (b after a).
func calendarDays(a, b time.Time, loc *time.Location) int {
	ay, am, ad := a.In(loc).Date()
	by, bm, bd := b.In(loc).Add(-time.Nanosecond).Date()
	return int(time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC).Sub(time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}
