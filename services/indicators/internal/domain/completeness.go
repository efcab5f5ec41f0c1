package domain

import "time"

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

// Add counts n organisations of standing s.
func (c *Counts) Add(s Standing, n int) {
	c.Expected += n
	switch s.State {
	case Missing:
		c.Missing += n
	case StateSubmitted:
		c.Submitted += n
	case StateReturned:
		c.Returned += n
	case StateAccepted:
		c.Accepted += n
	}
	if s.State == StateSubmitted || s.State == StateAccepted {
		if s.Late {
			c.Late += n
		} else {
			c.OnTime += n
		}
	}
}

// StandingOf is an expected organisation's standing at a moment from what
// its report's history says then: the latest status (StatusNone: no report
// yet), and the lateness and time of the latest submission. By the
// lifecycle (Transition) a report leaves a draft only by a submission, so a
// report that is not a draft has not been one since its latest submission,
// which is in force; a draft (or no report) has no submission in force.
func StandingOf(e Expected, latest Status, late bool, submitTime time.Time) Standing {
	s := Standing{Expected: e, State: StateOf(latest)}
	if latest != StatusNone && latest != Draft {
		s.Late, s.SubmitTime = late, submitTime
	}
	return s
}

// AsOfCutoff is the moment the day asOf ends for an organisation in time
// zone tz: a history is read up to it. An unknown zone counts in UTC.
func AsOfCutoff(asOf time.Time, tz string) time.Time {
	end, err := DeadlineEnd(asOf, tz)
	if err != nil {
		y, m, d := asOf.Date()
		return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
	}
	return end
}

// Tally is the counts of standings overall, by municipality and by region.
type Tally struct {
	Total                   Counts
	Municipalities, Regions map[string]Counts
}

// AddCounts adds the counts c of a municipality of a region.
func (t *Tally) AddCounts(region, municipality string, c Counts) {
	if t.Municipalities == nil {
		t.Municipalities, t.Regions = map[string]Counts{}, map[string]Counts{}
	}
	t.Total.Plus(c)
	m := t.Municipalities[municipality]
	m.Plus(c)
	t.Municipalities[municipality] = m
	r := t.Regions[region]
	r.Plus(c)
	t.Regions[region] = r
}

// Plus adds the counts o.
func (c *Counts) Plus(o Counts) {
	c.Expected += o.Expected
	c.OnTime += o.OnTime
	c.Late += o.Late
	c.Missing += o.Missing
	c.Submitted += o.Submitted
	c.Returned += o.Returned
	c.Accepted += o.Accepted
}

// Add counts n organisations of standing s (of its municipality and
// region).
func (t *Tally) Add(s Standing, n int) {
	if t.Municipalities == nil {
		t.Municipalities, t.Regions = map[string]Counts{}, map[string]Counts{}
	}
	t.Total.Add(s, n)
	m := t.Municipalities[s.MunicipalityID]
	m.Add(s, n)
	t.Municipalities[s.MunicipalityID] = m
	r := t.Regions[s.RegionCode]
	r.Add(s, n)
	t.Regions[s.RegionCode] = r
}
