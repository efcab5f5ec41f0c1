// Package russian folds and orders names written in Russian as a Russian
// reader expects: letter case does not matter, ё is е, and the numbers in a
// name count by value.
package russian

import (
	"regexp"
	"strings"
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
