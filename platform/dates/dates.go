// Package dates reads and writes civil dates (a day, no time of day, no zone)
// in their wire form YYYY-MM-DD, the zero time standing for no date.
package dates

import (
	"fmt"
	"sync"
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

// locations holds the time zones Location has loaded, by name: at most the
// zone database's few hundred.
var locations sync.Map

// Location is time.LoadLocation, each zone read from the zone database once
// per process (loading one reads and parses a file: it showed in the profile
// of every report answered).
func Location(name string) (*time.Location, error) {
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, loc)
	return loc, nil
}
