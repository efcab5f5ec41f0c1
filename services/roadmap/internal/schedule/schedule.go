// Package schedule understands the deadlines of roadmap items as Russians
// write them — «Ноябрь 2020», «Март – апрель, 2022», «Ежегодно, не позднее
// 15 декабря», «До 20.08. 22.», «В течение периода реализации»,
// «ежеквартально, до 5 числа», «II–III кварталы 2023 г.», «с 15.01.2023 по
// 15.03.2023», «март 2023 г., далее ежеквартально», «в начале каждой
// четверти», «по запросу» — and turns them into rules: one-off windows,
// yearly windows, the whole period, monthly, quarterly, half-yearly, weekly,
// every school term, as needed, or by a plan kept elsewhere. The original
// text is always kept; what cannot be understood is flagged, never guessed
// silently.
//
// School-calendar phrases use the usual Russian school calendar: the school
// year runs from 1 September to 31 May; its terms (четверти) are
// September–October, November–December, January–March and April–May; its
// half-years September–December and January–May; the holidays (каникулы) are
// taken broadly: autumn 25 October – 10 November, winter 25 December –
// 10 January, spring 20–31 March, summer June–August.
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
	// AsNeeded: no due date at all («по мере необходимости», «по запросу»).
	AsNeeded
	// Quarterly: every calendar quarter of the period.
	Quarterly
	// HalfYearly: every calendar half-year of the period.
	HalfYearly
	// Weekly: every week (Monday to Sunday) of the period.
	Weekly
	// SchoolTerm: every school term (четверть) of the period.
	SchoolTerm
	// PerPlan: the dates are set by another document («по графику», «по
	// плану»): no due date here.
	PerPlan
)

// Part is the part of each period a recurring rule falls in.
type Part int

// Parts of a period.
const (
	PartWhole Part = iota
	// PartStart: the first days of a month (1–10), the first month of a
	// longer period.
	PartStart
	// PartMiddle: days 11–20 of a month, the middle month of a quarter or
	// term.
	PartMiddle
	// PartEnd: from day 21 of a month, the last month of a longer period.
	PartEnd
)

func (p Part) String() string {
	switch p {
	case PartStart:
		return "start"
	case PartMiddle:
		return "middle"
	case PartEnd:
		return "end"
	}
	return "whole"
}

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
	case Quarterly:
		return "quarterly"
	case HalfYearly:
		return "half_yearly"
	case Weekly:
		return "weekly"
	case SchoolTerm:
		return "school_term"
	case PerPlan:
		return "per_plan"
	}
	return "unspecified"
}

// Rule is one part of a schedule.
type Rule struct {
	Kind Kind
	// Once: the window. Recurring kinds (monthly, quarterly, half-yearly,
	// weekly, school term) and continuous: the first and last day they apply
	// («далее ежеквартально», «ежемесячно с сентября 2022 по май 2023»); zero:
	// the period's.
	Start, End time.Time
	// Yearly: the window within each year. Monthly: FromMonth..ToMonth are the
	// months of each year it applies in («ежемесячно, сентябрь – май»; 0: all).
	FromMonth, FromDay, ToMonth, ToDay int
	FirstYear, LastYear                int
	// Recurring kinds: the part of each period («в начале каждой четверти»).
	Part Part
	// Monthly, quarterly, half-yearly: due by this day («до 5 числа») of the
	// period's last month, or with NextMonth of the month after it. A monthly
	// day is in the month itself unless the text says «месяца, следующего за
	// отчётным»; a quarterly or half-yearly one is in the month after (a
	// report on the quarter) unless it says «последнего месяца квартала».
	Day       int
	NextMonth bool
	// Times per period, when more than once («2 раза в месяц», «3 раза в
	// год»); 0 or 1: once.
	Times int
}

// recurring kinds repeat in periods of their own.
func (k Kind) recurring() bool {
	return k == Monthly || k == Quarterly || k == HalfYearly || k == Weekly || k == SchoolTerm
}

// Schedule is the understood form of a deadline text.
type Schedule struct {
	Text       string
	Rules      []Rule
	Understood bool
	// Note says what was not understood.
	Note string
	// Unknown are the words not understood, as written (lower case).
	Unknown []string `json:",omitempty"`
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
// order of due date. A yearly or recurring window counts when it overlaps the
// period; a one-off window always counts.
func (s Schedule) Occurrences(p Period) []Occurrence {
	var out []Occurrence
	first, last := p.Years()
	for _, r := range s.Rules {
		switch {
		case r.Kind == Once:
			out = append(out, Occurrence{Year: r.End.Year(), Start: r.Start, Due: r.End})
		case r.Kind == Continuous:
			start := p.Start
			if r.Start.After(start) {
				start = r.Start
			}
			out = append(out, Occurrence{Year: p.End.Year(), Start: start, Due: p.End})
		case r.Kind == Yearly:
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
				if r.ToMonth < r.FromMonth || r.ToMonth == r.FromMonth && r.ToDay < r.FromDay {
					endYear++ // «декабрь – январь»
				}
				due := date(endYear, time.Month(r.ToMonth), r.ToDay)
				if start.After(p.End) || due.Before(p.Start) {
					continue
				}
				out = append(out, Occurrence{Year: y, Start: start, Due: due})
			}
		case r.Kind.recurring():
			out = append(out, r.recurrences(p)...)
		}
	}
	sortOccurrences(out)
	return out
}

// recurrences lists the periods of a recurring rule that overlap both the
// roadmap's period and the rule's own bounds.
func (r Rule) recurrences(p Period) []Occurrence {
	lo, hi := p.Start, p.End
	if !r.Start.IsZero() && r.Start.After(lo) {
		lo = r.Start
	}
	if !r.End.IsZero() && r.End.Before(hi) {
		hi = r.End
	}
	var out []Occurrence
	if hi.Before(lo) {
		return nil
	}
	for _, w := range r.periods(lo, hi) {
		start, end := w[0], w[1]
		if r.Kind == Monthly && r.FromMonth != 0 && !monthIn(int(start.Month()), r.FromMonth, r.ToMonth) {
			continue
		}
		start, due := r.partOf(start, end)
		if r.Day > 0 && r.Kind != Weekly {
			m := time.Date(end.Year(), end.Month(), 1, 0, 0, 0, 0, time.UTC)
			if r.NextMonth {
				m = m.AddDate(0, 1, 0)
			}
			due = dayOf(m, r.Day)
		}
		out = append(out, Occurrence{Year: due.Year(), Start: start, Due: due})
	}
	return out
}

// periods are the month, quarter, half-year, week or school term windows
// that overlap lo..hi.
func (r Rule) periods(lo, hi time.Time) [][2]time.Time {
	var out [][2]time.Time
	add := func(s, e time.Time) {
		if !s.After(hi) && !e.Before(lo) {
			out = append(out, [2]time.Time{s, e})
		}
	}
	switch r.Kind {
	case Weekly:
		s := lo.AddDate(0, 0, -((int(lo.Weekday()) + 6) % 7)) // Monday
		for ; !s.After(hi); s = s.AddDate(0, 0, 7) {
			add(s, s.AddDate(0, 0, 6))
		}
	case SchoolTerm:
		for y := lo.Year() - 1; y <= hi.Year(); y++ {
			for _, t := range schoolTerms {
				s := t.start(y)
				add(s, t.end(y))
			}
		}
	default:
		step := map[Kind]int{Monthly: 1, Quarterly: 3, HalfYearly: 6}[r.Kind]
		s := time.Date(lo.Year(), time.Month((int(lo.Month())-1)/step*step+1), 1, 0, 0, 0, 0, time.UTC)
		for ; !s.After(hi); s = s.AddDate(0, step, 0) {
			add(s, s.AddDate(0, step, -1))
		}
	}
	return out
}

// partOf narrows a period to the rule's part: days of a month, months of a
// longer period.
func (r Rule) partOf(start, end time.Time) (time.Time, time.Time) {
	if r.Part == PartWhole {
		return start, end
	}
	if r.Kind == Monthly {
		switch r.Part {
		case PartStart:
			return start, start.AddDate(0, 0, 9)
		case PartMiddle:
			return start.AddDate(0, 0, 10), start.AddDate(0, 0, 19)
		}
		return start.AddDate(0, 0, 20), end
	}
	if r.Kind == Weekly {
		return start, end
	}
	months := (end.Year()-start.Year())*12 + int(end.Month()) - int(start.Month()) + 1
	switch r.Part {
	case PartStart:
		return start, start.AddDate(0, 1, -1)
	case PartMiddle:
		s := start.AddDate(0, (months-1)/2, 0)
		return s, start.AddDate(0, months/2+1, -1)
	}
	return time.Date(end.Year(), end.Month(), 1, 0, 0, 0, 0, time.UTC), end
}

func monthIn(m, from, to int) bool {
	if from <= to {
		return m >= from && m <= to
	}
	return m >= from || m <= to
}

// dayOf is day d of month m, or its last day when shorter.
func dayOf(m time.Time, d int) time.Time {
	last := endOfMonth(m.Year(), m.Month())
	if d > last.Day() {
		return last
	}
	return date(m.Year(), m.Month(), d)
}

// A school term's months: the first two start in the school year's first
// (calendar) year, the last two in the next.
type term struct{ fm, tm, shift int }

var schoolTerms = []term{{9, 10, 0}, {11, 12, 0}, {1, 3, 1}, {4, 5, 1}}

func (t term) start(y int) time.Time { return date(y+t.shift, time.Month(t.fm), 1) }
func (t term) end(y int) time.Time   { return endOfMonth(y+t.shift, time.Month(t.tm)) }

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
		times := ""
		if r.Times > 1 {
			times = fmt.Sprintf(" x%d", r.Times)
		}
		return fmt.Sprintf("yearly %02d-%02d..%02d-%02d%s%s", r.FromMonth, r.FromDay, r.ToMonth, r.ToDay, years, times)
	}
	s := r.Kind.String()
	if r.Times > 1 {
		s += fmt.Sprintf(" x%d", r.Times)
	}
	if r.Part != PartWhole {
		s += " " + r.Part.String()
	}
	if r.Day > 0 {
		s += fmt.Sprintf(" by day %d", r.Day)
		if r.NextMonth {
			s += " of the next month"
		}
	}
	if r.FromMonth != 0 {
		s += fmt.Sprintf(" months %02d..%02d", r.FromMonth, r.ToMonth)
	}
	if !r.Start.IsZero() {
		s += " from " + r.Start.Format("2006-01-02")
	}
	if !r.End.IsZero() {
		s += " until " + r.End.Format("2006-01-02")
	}
	return s
}
