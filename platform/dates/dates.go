// Package dates reads and writes civil dates (a day, no time of day, no zone)
// in their wire form YYYY-MM-DD, the zero time standing for no date.
package dates

import (
	"fmt"
	"time"
)

// Layout is the wire form of civil dates.
const Layout = time.DateOnly

// Parse reads a YYYY-MM-DD civil date, at midnight UTC; empty gives the zero
// time.
func Parse(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(Layout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return d, nil
}

// Format writes a civil date; the zero time gives "".
func Format(d time.Time) string {
	if d.IsZero() {
		return ""
	}
	return d.Format(Layout)
}
