// Package domain holds the roadmap's entities and rules: who owns a roadmap,
// its stages and items, how items are numbered, when an occurrence is overdue
// and how progress is counted. It imports neither proto nor the database
// driver.
package domain

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/validation"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/schedule"
)

// Errors the store and the server share.
var (
	ErrNotFound         = errors.New("not found")
	ErrStale            = errors.New("the roadmap was changed by someone else: reload it and apply your change again")
	ErrPermissionDenied = errors.New("you may not change this roadmap")
	ErrInUse            = errors.New("the item has done occurrences or was handed down to organisations: it cannot be deleted")
	ErrNotCascadable    = errors.New("only an item of a municipality's or a region's roadmap can be handed down")
)

// OwnerKind is the level a roadmap belongs to.
type OwnerKind int

// Owner kinds.
const (
	OwnerUnspecified OwnerKind = iota
	OwnerOrganisation
	OwnerMunicipality
	OwnerRegion
)

var ownerKindNames = map[OwnerKind]string{
	OwnerOrganisation: "organisation", OwnerMunicipality: "municipality", OwnerRegion: "region",
}

func (k OwnerKind) String() string { return ownerKindNames[k] }

// ParseOwnerKind reads the stored name of a kind.
func ParseOwnerKind(s string) OwnerKind {
	for k, n := range ownerKindNames {
		if n == s {
			return k
		}
	}
	return OwnerUnspecified
}

// Owner is who a roadmap belongs to, with its place in the hierarchy and its
// time zone (copied from the registry when the roadmap is written).
type Owner struct {
	Kind         OwnerKind
	Region       string
	Municipality string
	Organisation string
	Name         string
	TimeZone     string
}

// Scope is the owner as an object location for access checks.
func (o Owner) Scope() identity.Scope {
	return identity.Scope{Region: o.Region, Municipality: o.Municipality, Organisation: o.Organisation}
}

// Location is the owner's time zone (UTC when unknown).
func (o Owner) Location() *time.Location {
	loc, err := time.LoadLocation(o.TimeZone)
	if err != nil || o.TimeZone == "" {
		return time.UTC
	}
	return loc
}

// Target is a value the goal names for the end of a year.
type Target struct {
	Year    int
	Percent int
}

// Roadmap is a roadmap with its stages.
type Roadmap struct {
	ID      string
	Owner   Owner
	Title   string
	Goal    string
	Targets []Target
	Period  schedule.Period
	Stages  []Stage
	Version int64
	Created time.Time
	Updated time.Time
}

// Stage is a top-level row of a roadmap.
type Stage struct {
	ID     string
	Number int
	Title  string
	Task   string
	Result string
	Items  []Item
}

// Item is one measure of a stage.
type Item struct {
	ID           string
	Number       string
	Depth        int
	Measure      string
	ResultForm   string
	DeadlineText string
	Responsible  string
	Schedule     schedule.Schedule
	SourceItemID string
	// Occurrences are filled by the store when it reads a roadmap.
	Occurrences []Occurrence
}

// Texts are the editable texts of an item.
type Texts struct {
	Measure, ResultForm, DeadlineText, Responsible string
}

// Validate checks a roadmap's heading.
func (r Roadmap) Validate() error {
	var ve validation.Error
	checkText(&ve, "title", r.Title, 500, true)
	checkText(&ve, "goal", r.Goal, 4000, false)
	if r.Period.Start.IsZero() {
		ve.Add("period_start", validation.Required())
	}
	if r.Period.End.IsZero() {
		ve.Add("period_end", validation.Required())
	}
	if !r.Period.Start.IsZero() && !r.Period.End.IsZero() {
		switch {
		case r.Period.End.Before(r.Period.Start):
			ve.Add("period_end", validation.New("period_order"))
		case r.Period.End.Year()-r.Period.Start.Year() > MaxPeriodYears:
			ve.Add("period_end", PeriodTooLong())
		}
	}
	for i, t := range r.Targets {
		if t.Percent < 0 || t.Percent > 100 {
			ve.Add(fmt.Sprintf("targets[%d].percent", i), validation.Range(0, 100))
		}
		if t.Year < 2000 || t.Year > 2100 {
			ve.Add(fmt.Sprintf("targets[%d].year", i), validation.YearRange(2000, 2100))
		}
	}
	return ve.Err()
}

// MaxPeriodYears bounds a roadmap's period.
const MaxPeriodYears = 25

// PeriodTooLong is the problem of a period longer than MaxPeriodYears.
func PeriodTooLong() validation.Problem {
	return validation.New("period_too_long").With("max", MaxPeriodYears)
}

// Validate checks an item's texts.
func (t Texts) Validate(prefix string) error {
	var ve validation.Error
	checkText(&ve, prefix+"measure", t.Measure, 4000, true)
	checkText(&ve, prefix+"result_form", t.ResultForm, 2000, false)
	checkText(&ve, prefix+"deadline_text", t.DeadlineText, 500, false)
	checkText(&ve, prefix+"responsible", t.Responsible, 2000, false)
	return ve.Err()
}

func checkText(ve *validation.Error, field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		ve.Add(field, validation.Required())
	case !utf8.ValidString(s):
		ve.Add(field, validation.New("not_utf8"))
	case utf8.RuneCountInString(s) > max:
		ve.Add(field, validation.TooLong(max))
	case strings.ContainsRune(s, 0):
		ve.Add(field, validation.New("nul_character"))
	case validation.HasBidiControl(s): // from an imported file: the API refuses them first
		ve.Add(field, validation.BidiControl())
	}
}

// Renumber numbers stages 1..n and their items by depth in order:
// «2.1», «2.1.1», «2.2». An item deeper than the one before it becomes one
// level deeper than that one, so numbers never skip a level.
func (r *Roadmap) Renumber() {
	for si := range r.Stages {
		s := &r.Stages[si]
		s.Number = si + 1
		var counters []int
		for ii := range s.Items {
			it := &s.Items[ii]
			d := max(it.Depth, 1)
			if d > len(counters)+1 {
				d = len(counters) + 1
			}
			it.Depth = d
			if len(counters) < d {
				counters = append(counters, 0)
			}
			counters = counters[:d]
			counters[d-1]++
			parts := []string{strconv.Itoa(s.Number)}
			for _, c := range counters {
				parts = append(parts, strconv.Itoa(c))
			}
			it.Number = strings.Join(parts, ".")
		}
	}
}

// FindItem returns the stage and item index of an item.
func (r *Roadmap) FindItem(id string) (int, int, bool) {
	for si, s := range r.Stages {
		for ii, it := range s.Items {
			if it.ID == id {
				return si, ii, true
			}
		}
	}
	return 0, 0, false
}

// FindStage returns the index of a stage.
func (r *Roadmap) FindStage(id string) (int, bool) {
	for si, s := range r.Stages {
		if s.ID == id {
			return si, true
		}
	}
	return 0, false
}

// InsertItem puts it into stage si at the 1-based position (0 or past the
// end: last).
func (r *Roadmap) InsertItem(si, position int, it Item) {
	items := r.Stages[si].Items
	at := len(items)
	if position > 0 && position <= len(items) {
		at = position - 1
	}
	items = append(items, Item{})
	copy(items[at+1:], items[at:])
	items[at] = it
	r.Stages[si].Items = items
}

// InsertStage puts s at the 1-based position (0 or past the end: last).
func (r *Roadmap) InsertStage(position int, s Stage) {
	at := len(r.Stages)
	if position > 0 && position <= len(r.Stages) {
		at = position - 1
	}
	r.Stages = append(r.Stages, Stage{})
	copy(r.Stages[at+1:], r.Stages[at:])
	r.Stages[at] = s
}

// RemoveItem takes an item out of its stage and returns it.
func (r *Roadmap) RemoveItem(si, ii int) Item {
	it := r.Stages[si].Items[ii]
	r.Stages[si].Items = append(r.Stages[si].Items[:ii], r.Stages[si].Items[ii+1:]...)
	return it
}

// OccurrenceState is where an occurrence stands.
type OccurrenceState int

// Occurrence states.
const (
	StateUnspecified OccurrenceState = iota
	Pending
	Done
	Overdue
)

// Occurrence is one time an item is due, with its mark.
type Occurrence struct {
	schedule.Occurrence
	// Scheduled is false for a done occurrence the schedule no longer has
	// (the deadline text was changed after it was marked): kept, not counted.
	Scheduled   bool
	Done        bool
	DoneOn      time.Time
	DoneBy      string
	Note        string
	EvidenceURL string
	Version     int64
}

// DueEnd is the instant the due day ends in loc: the start of the next day.
func DueEnd(due time.Time, loc *time.Location) time.Time {
	return time.Date(due.Year(), due.Month(), due.Day()+1, 0, 0, 0, 0, loc)
}

// State of an occurrence at now in loc.
func (o Occurrence) State(now time.Time, loc *time.Location) OccurrenceState {
	switch {
	case o.Done:
		return Done
	case !now.Before(DueEnd(o.Due, loc)):
		return Overdue
	}
	return Pending
}

// Progress counts occurrences.
type Progress struct {
	Total, Due, Done, Overdue int
}

// Percent is done / total in percent, 0 when there is nothing.
func (p Progress) Percent() float64 {
	if p.Total == 0 {
		return 0
	}
	return float64(p.Done) * 100 / float64(p.Total)
}

// Add counts the occurrences of items.
func (p *Progress) Add(items []Item, now time.Time, loc *time.Location) {
	for _, it := range items {
		for _, o := range it.Occurrences {
			if !o.Scheduled {
				continue
			}
			p.Total++
			if !now.Before(DueEnd(o.Due, loc)) {
				p.Due++
			}
			switch o.State(now, loc) {
			case Done:
				p.Done++
			case Overdue:
				p.Overdue++
			}
		}
	}
}

// Mark is a change of an occurrence's mark.
type Mark struct {
	ItemID      string
	Due         time.Time
	Version     int64
	Done        bool
	DoneOn      time.Time
	Note        string
	EvidenceURL string
}

// Validate checks a mark against now in the owner's zone.
func (m Mark) Validate(now time.Time, loc *time.Location) error {
	var ve validation.Error
	checkText(&ve, "note", m.Note, 2000, false)
	if m.EvidenceURL != "" {
		u, err := url.Parse(m.EvidenceURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ve.Add("evidence_url", validation.New("url"))
		}
	}
	if m.Done && !m.DoneOn.IsZero() {
		today := now.In(loc)
		if m.DoneOn.After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)) {
			ve.Add("done_on", validation.InFuture())
		}
	}
	return ve.Err()
}

// Today is the civil date of now in loc, as a UTC midnight like every date
// of this package.
func Today(now time.Time, loc *time.Location) time.Time {
	t := now.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Occurrences computes the occurrences of an item's schedule in the period,
// carrying over the marks already recorded (by due date); done marks the
// schedule no longer has are kept as unscheduled.
func Occurrences(s schedule.Schedule, p schedule.Period, marks []Occurrence) []Occurrence {
	byDue := map[time.Time]Occurrence{}
	for _, m := range marks {
		byDue[m.Due] = m
	}
	var out []Occurrence
	seen := map[time.Time]bool{}
	for _, o := range s.Occurrences(p) {
		if seen[o.Due] {
			continue // two rules due the same day are one occurrence
		}
		seen[o.Due] = true
		occ := Occurrence{Occurrence: o, Scheduled: true}
		if m, ok := byDue[o.Due]; ok {
			occ.Done, occ.DoneOn, occ.DoneBy, occ.Note, occ.EvidenceURL, occ.Version = m.Done, m.DoneOn, m.DoneBy, m.Note, m.EvidenceURL, m.Version
		}
		out = append(out, occ)
	}
	for _, m := range marks {
		if !seen[m.Due] && m.Done {
			m.Scheduled = false
			out = append(out, m)
		}
	}
	return out
}

// StageTexts are the editable texts of a stage.
type StageTexts struct {
	Title, Task, Result string
}

// Validate checks a stage's texts.
func (t StageTexts) Validate() error {
	var ve validation.Error
	checkText(&ve, "title", t.Title, 2000, true)
	checkText(&ve, "task", t.Task, 4000, false)
	checkText(&ve, "result", t.Result, 4000, false)
	return ve.Err()
}
