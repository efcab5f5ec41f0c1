// Package russian holds what Russian text needs beyond a template: names
// folded and ordered as a Russian reader expects (letter case does not
// matter, ё is е, the numbers in a name count by value), the form of a word
// that agrees with a number, numbers and dates written as Russian texts
// write them.
package russian

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// SearchKey folds text for case- and ё-insensitive search: lower case, ё as е,
// runs of white space as one space, none at the ends.
func SearchKey(parts ...string) string {
	s := strings.ToLower(strings.Join(parts, " "))
	s = strings.ReplaceAll(s, "ё", "е")
	return strings.Join(strings.Fields(s), " ")
}

// SortKey orders names as a Russian reader expects: case-insensitive, ё with
// е, and numbers by value ("СШ № 2" before "СШ № 10"), under plain byte order.
// It is the SearchKey of the name with every run of fewer than eight digits
// padded with zeros to eight.
func SortKey(name string) string {
	return digitRun.ReplaceAllStringFunc(SearchKey(name), func(d string) string {
		if len(d) >= 8 {
			return d
		}
		return strings.Repeat("0", 8-len(d)) + d
	})
}

var digitRun = regexp.MustCompile(`[0-9]+`)

// Plural returns the form of a word that agrees with n: one for 1, 21, 101
// (but not 11), few for 2–4, 22–24 (but not 12–14), many for the rest (0,
// 5–20, 11–14, 25–30, 111). The caller gives the forms in the case the phrase
// needs: «1 символ, 2 символа, 5 символов», but «не длиннее 1 символа,
// 2 символов, 5 символов».
func Plural(n int64, one, few, many string) string {
	if n < 0 {
		n = -n
	}
	n10, n100 := n%10, n%100
	switch {
	case n10 == 1 && n100 != 11:
		return one
	case n10 >= 2 && n10 <= 4 && (n100 < 12 || n100 > 14):
		return few
	}
	return many
}

// Int writes an integer with its digits grouped by three from five digits on,
// separated by a no-break space: 2025, 12 000, 1 000 000.
func Int(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	if len(s) < 5 {
		return sign + s
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(d)
	}
	return b.String()
}

// Decimal writes a number with a decimal comma: 0,5; 12 000,25.
func Decimal(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	whole, frac, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return strings.Replace(s, ".", ",", 1)
	}
	out := Int(n)
	if whole == "-0" {
		out = "-0"
	}
	if ok {
		out += "," + frac
	}
	return out
}

var monthsGenitive = [...]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля",
	"августа", "сентября", "октября", "ноября", "декабря"}

// MonthGenitive is a month's name as a date writes it: «декабря».
func MonthGenitive[M ~int](m M) string { return monthsGenitive[m-1] }

// Date writes a day as «15 декабря 2026 г.»; the zero time gives "".
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d %s %d г.", t.Day(), MonthGenitive(t.Month()), t.Year())
}

// DateTime writes a moment in loc (as it is when nil) as «15 декабря 2026 г.,
// 14:05»; the zero time gives "".
func DateTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc != nil {
		t = t.In(loc)
	}
	return Date(t) + ", " + t.Format("15:04")
}
