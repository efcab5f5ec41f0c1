package domain

import (
	"sort"
	"time"
)

// State is where an organisation stands in a campaign.
type State int

// States; Missing, Submitted, Returned and Accepted partition the expected.
const (
	StateUnspecified State = iota
	// Missing: no report, or a draft (never submitted, edited after a
	// return, or reopened).
	Missing
	StateSubmitted
	StateReturned
	StateAccepted
)

// StateOf is the state of a report status.
func StateOf(s Status) State {
	switch s {
	case Submitted:
		return StateSubmitted
	case Returned:
		return StateReturned
	case Accepted:
		return StateAccepted
	}
	return Missing
}

// StatusEvent is a timestamped status change of a report.
type StatusEvent struct {
	Time   time.Time
	Status Status
	// Late: a submission after the deadline in force.
	Late bool
}

// Standing is an expected organisation with its state at a moment.
type Standing struct {
	Expected
	State      State
	Late       bool
	SubmitTime time.Time
}

// Counts counts expected organisations by state.
type Counts struct {
	Expected, OnTime, Late, Missing, Submitted, Returned, Accepted int
}

func (c *Counts) add(s Standing) {
	c.Expected++
	switch s.State {
	case Missing:
		c.Missing++
	case StateSubmitted:
		c.Submitted++
	case StateReturned:
		c.Returned++
	case StateAccepted:
		c.Accepted++
	}
	if s.State == StateSubmitted || s.State == StateAccepted {
		if s.Late {
			c.Late++
		} else {
			c.OnTime++
		}
	}
}

// Plus returns the counts with one more standing.
func (c Counts) Plus(s Standing) Counts {
	c.add(s)
	return c
}

// StandingAt replays a report's status events (oldest first) up to cutoff
// (zero: all of them).
func StandingAt(e Expected, events []StatusEvent, cutoff time.Time) Standing {
	s := Standing{Expected: e, State: Missing}
	for _, ev := range events {
		if !cutoff.IsZero() && !ev.Time.Before(cutoff) {
			break
		}
		s.State = StateOf(ev.Status)
		if ev.Status == Submitted {
			s.Late, s.SubmitTime = ev.Late, ev.Time
		}
		if ev.Status == Draft {
			s.Late, s.SubmitTime = false, time.Time{}
		}
	}
	return s
}

// ExpectedOn reports whether an organisation was on the expected list on a
// date (zero: now, i.e. not dropped).
func (e Expected) ExpectedOn(d time.Time) bool {
	if d.IsZero() {
		return e.DroppedOn.IsZero()
	}
	return !e.AddedOn.After(d) && (e.DroppedOn.IsZero() || e.DroppedOn.After(d))
}

// Key identifies an expected organisation across campaigns.
func (e Expected) Key() string { return e.CampaignID + "/" + e.ID }

// Completeness is the counts overall and per municipality, and the standing
// of each organisation.
type Completeness struct {
	Total          Counts
	Municipalities map[string]Counts
	Standings      []Standing
}

// Compute counts the organisations expected as of the end of asOf in each
// organisation's time zone (zero: now), with events by Expected.Key.
func Compute(orgs []Expected, events map[string][]StatusEvent, asOf time.Time) Completeness {
	out := Completeness{Municipalities: map[string]Counts{}}
	for _, e := range orgs {
		if !e.ExpectedOn(asOf) {
			continue
		}
		var cutoff time.Time
		if !asOf.IsZero() {
			end, err := DeadlineEnd(asOf, e.TimeZone)
			if err != nil {
				end = asOf.AddDate(0, 0, 1) // an unknown zone counts in UTC
			}
			cutoff = end
		}
		s := StandingAt(e, events[e.Key()], cutoff)
		out.Standings = append(out.Standings, s)
		out.Total.add(s)
		m := out.Municipalities[e.MunicipalityID]
		m.add(s)
		out.Municipalities[e.MunicipalityID] = m
	}
	sort.SliceStable(out.Standings, func(i, j int) bool { return out.Standings[i].ShortName < out.Standings[j].ShortName })
	return out
}
