// Package schedule understands the deadlines of roadmap items as Russians
// write them — «Ноябрь 2020», «Март – апрель, 2022», «Ежегодно, не позднее
// 15 декабря», «До 20.08. 22.», «В течение периода реализации» — and turns
// them into rules: one-off windows, yearly windows, the whole period, monthly,
// or as needed. The original text is always kept; what cannot be understood is
// flagged, never guessed silently.
package schedule

import (
	"fmt"
	"sort"
	"time"
)

// Kind is the shape of a rule.
type Kind int

// Kinds of rules.
const (
	KindUnspecified Kind = iota
	// Once: one window, Start..End (Start may be zero for "до 20.08.2022").
	Once
	// Yearly: the same window every year: FromMonth/FromDay..ToMonth/ToDay,
	// in the years FirstYear..LastYear (0: the roadmap's period).
	Yearly
	// Continuous: throughout the period; due at its end.
	Continuous
	// Monthly: every month of the period.
	Monthly
	// AsNeeded: no due date at all («по мере необходимости»).
	AsNeeded
)

func (k Kind) String() string {
	switch k {
	case Once:
		return "once"
	case Yearly:
		return "yearly"
	case Continuous:
		return "continuous"
	case Monthly:
		return "monthly"
	case AsNeeded:
		return "as_needed"
	}
	return "unspecified"
}

// Rule is one part of a schedule.
type Rule struct {
	Kind Kind
	// Once: the window.
	Start, End time.Time
	// Yearly: the window within each year.
	FromMonth, FromDay, ToMonth, ToDay int
	FirstYear, LastYear                int
}

// Schedule is the understood form of a deadline text.
type Schedule struct {
	Text       string
	Rules      []Rule
	Understood bool
	// Note says what was not understood.
	Note string
}

// Period is the span of a roadmap, e.g. 2021-01-01 … 2024-12-31.
type Period struct {
	Start, End time.Time
}

// Years of the period, first to last.
func (p Period) Years() (int, int) { return p.Start.Year(), p.End.Year() }

// Occurrence is one time an item is due: in the window Start..Due, to be done
// by the end of Due.
type Occurrence struct {
	Year  int
	Start time.Time
	Due   time.Time
}

// Occurrences lists every time the schedule is due within the period, in
// order of due date.
func (s Schedule) Occurrences(p Period) []Occurrence {
	var out []Occurrence
	first, last := p.Years()
	for _, r := range s.Rules {
		switch r.Kind {
		case Once:
			out = append(out, Occurrence{Year: r.End.Year(), Start: r.Start, Due: r.End})
		case Continuous:
			out = append(out, Occurrence{Year: p.End.Year(), Start: p.Start, Due: p.End})
		case Monthly:
			for m := time.Date(p.Start.Year(), p.Start.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(p.End); m = m.AddDate(0, 1, 0) {
				out = append(out, Occurrence{Year: m.Year(), Start: m, Due: endOfMonth(m.Year(), m.Month())})
			}
		case Yearly:
			from, to := first, last
			if r.FirstYear > from {
				from = r.FirstYear
			}
			if r.LastYear != 0 && r.LastYear < to {
				to = r.LastYear
			}
			for y := from; y <= to; y++ {
				start := date(y, time.Month(r.FromMonth), r.FromDay)
				endYear := y
				if r.ToMonth < r.FromMonth {
					endYear++ // «декабрь – январь»
				}
				out = append(out, Occurrence{Year: y, Start: start, Due: date(endYear, time.Month(r.ToMonth), r.ToDay)})
			}
		}
	}
	sortOccurrences(out)
	return out
}

func sortOccurrences(o []Occurrence) {
	sort.SliceStable(o, func(i, j int) bool { return o[i].Due.Before(o[j].Due) })
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func endOfMonth(y int, m time.Month) time.Time { return date(y, m+1, 1).AddDate(0, 0, -1) }

func daysIn(m time.Month) int {
	if m == time.February {
		return 28 // yearly windows end on 28 February; leap years lose a day
	}
	return endOfMonth(2001, m).Day()
}

// String renders a rule for people and tests.
func (r Rule) String() string {
	switch r.Kind {
	case Once:
		if r.Start.IsZero() {
			return "once by " + r.End.Format("2006-01-02")
		}
		return "once " + r.Start.Format("2006-01-02") + ".." + r.End.Format("2006-01-02")
	case Yearly:
		years := ""
		if r.FirstYear != 0 || r.LastYear != 0 {
			years = fmt.Sprintf(" %d..%d", r.FirstYear, r.LastYear)
		}
		return fmt.Sprintf("yearly %02d-%02d..%02d-%02d%s", r.FromMonth, r.FromDay, r.ToMonth, r.ToDay, years)
	}
	return r.Kind.String()
}
