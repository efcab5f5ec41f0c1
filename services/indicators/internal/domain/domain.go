// Package domain holds the indicators service's entities and rules —
// campaigns, the organisations they expect, reports and their life, deadlines
// in each organisation's own time zone, completeness — free of proto and SQL.
package domain

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/validation"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
)

// Sentinel errors; the server maps each to one gRPC code.
var (
	ErrNotFound         = errors.New("not found")
	ErrStale            = errors.New("the object changed since the version the request is based on: re-read it; nothing was written")
	ErrPermissionDenied = errors.New("permission denied")
	// ErrState: the object's state forbids the change.
	ErrState = errors.New("the object's state does not allow this")
	// ErrPublished: a published form version never changes.
	ErrPublished = errors.New("a published form version cannot change: draft the next version")
	// ErrCampaignClosed: the campaign takes no more reports from this organisation.
	ErrCampaignClosed = errors.New("the campaign is closed for this organisation")
)

// StaleReport is a write based on an old version of a report: nothing was
// written. Current is the report as it is now, so the client can merge what it
// typed and send it again.
type StaleReport struct {
	Based   int64
	Current Report
}

func (e *StaleReport) Error() string {
	return fmt.Sprintf("the report changed since version %d (it is at version %d now): nothing was written; re-read it and send your values again",
		e.Based, e.Current.Version)
}

// Is makes a StaleReport an ErrStale.
func (e *StaleReport) Is(target error) bool { return target == ErrStale }

// Actor is who makes a change.
type Actor struct {
	AccountID string
	Login     string
}

// DeadlineEnd is the moment a deadline date ends in a time zone: midnight at
// the start of the next day there. "Not later than 15 December" in
// Kamchatka ends twelve hours before it ends in Kaliningrad… and ten hours
// earlier in UTC terms than in Kaliningrad.
func DeadlineEnd(date time.Time, tz string) (time.Time, error) {
	loc, err := dates.Location(tz)
	if err != nil || tz == "" {
		return time.Time{}, fmt.Errorf("unknown time zone %q", tz)
	}
	y, m, d := date.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc), nil
}

// Late reports a submission at t after the end of the deadline date in tz.
func Late(t, deadline time.Time, tz string) (bool, error) {
	end, err := DeadlineEnd(deadline, tz)
	if err != nil {
		return false, err
	}
	return !t.Before(end), nil
}

// CampaignStatus is whether a campaign takes reports.
type CampaignStatus int

// Campaign statuses.
const (
	CampaignUnspecified CampaignStatus = iota
	CampaignOpen
	CampaignClosed
)

// Campaign is one monitoring round.
type Campaign struct {
	ID             string
	Name           string
	Year           int
	FormCode       string
	FormVersion    int
	MunicipalityID string // empty: the whole region
	RegionCode     string
	Deadline       time.Time
	OpenedOn       time.Time
	Status         CampaignStatus
	ExpectedCount  int
	Version        int64
	CreateTime     time.Time
	CloseTime      time.Time
	// Reminders: days before each organisation's deadline (0: the day
	// itself), at ReminderTime (HH:MM) in its own zone.
	ReminderDays []int32
	ReminderTime string
}

// DefaultReminderDays and DefaultReminderTime are a new campaign's
// reminders: 7, 3 and 1 days before the deadline and the morning of the day.
var (
	DefaultReminderDays = []int32{7, 3, 1, 0}
	DefaultReminderTime = "09:00"
)

// Reminders checks a campaign's reminders: the days sorted from the
// earliest, without repeats; an empty time is DefaultReminderTime. A bad time
// is a problem of field.
func Reminders(days []int32, at, field string) ([]int32, string, *validation.Error) {
	ve := &validation.Error{}
	if at == "" {
		at = DefaultReminderTime
	}
	if t, err := time.Parse("15:04", at); err != nil || t.Format("15:04") != at {
		ve.Add(field, validation.BadTimeOfDay(at))
	}
	out := slices.Clone(days)
	slices.Sort(out)
	slices.Reverse(out)
	return slices.Compact(out), at, ve
}

// Validate checks a campaign to open; fields named as in the API.
func (c Campaign) Validate() map[string]validation.Problem {
	bad := map[string]validation.Problem{}
	switch n := len([]rune(strings.TrimSpace(c.Name))); {
	case n == 0:
		bad["name"] = validation.Required()
	case n > 300:
		bad["name"] = validation.TooLong(300)
	}
	if c.Year < 2000 || c.Year > 2100 {
		bad["year"] = validation.YearRange(2000, 2100)
	}
	if !form.ValidCode(c.FormCode) {
		bad["form_code"] = validation.New("form_code")
	}
	if c.FormVersion <= 0 {
		bad["form_version"] = validation.New("form_version")
	}
	if !regexp.MustCompile(`^[0-9]{2}$`).MatchString(c.RegionCode) && c.MunicipalityID == "" {
		bad["municipality_id"] = validation.New("campaign_scope")
	}
	if c.Deadline.IsZero() {
		bad["deadline"] = validation.Required()
	}
	if !c.OpenedOn.IsZero() && !c.Deadline.IsZero() && c.Deadline.Before(c.OpenedOn) {
		bad["deadline"] = validation.New("deadline_before_opening")
	}
	return bad
}

// Organisation is what the registry says about an organisation, as a
// campaign keeps it.
type Organisation struct {
	ID             string
	ShortName      string
	FullName       string
	MunicipalityID string
	RegionCode     string
	TimeZone       string
}

// Directory is what the service asks the registry, on behalf of the caller.
type Directory interface {
	// Municipality returns the region of a municipality the caller may see;
	// ErrNotFound otherwise.
	Municipality(ctx context.Context, id string) (region string, err error)
	// MunicipalityName returns the name of a municipality the caller may
	// see; ErrNotFound otherwise.
	MunicipalityName(ctx context.Context, id string) (string, error)
	// Region reports ErrNotFound for a region the caller may not see.
	Region(ctx context.Context, code string) error
	// OpenOrganisations lists the organisations of a municipality (or of a
	// region, municipality empty) open on a date.
	OpenOrganisations(ctx context.Context, region, municipality string, on time.Time) ([]Organisation, error)
}

// Extension is a deadline given to one organisation.
type Extension struct {
	Deadline   time.Time
	Reason     string
	Actor      Actor
	CreateTime time.Time
}

// Expected is an organisation expected to report in a campaign.
type Expected struct {
	CampaignID string
	Organisation
	AddedOn    time.Time
	DroppedOn  time.Time // zero: still expected
	Extensions []Extension
	// Deadline is the campaign's, or the latest extension's.
	Deadline time.Time
	// Report, when one was started.
	ReportID   string
	Status     Status
	Late       bool
	SubmitTime time.Time
}

// EffectiveDeadline is the deadline in force for an organisation.
func EffectiveDeadline(campaign time.Time, ext []Extension) time.Time {
	d := campaign
	if len(ext) > 0 {
		d = ext[len(ext)-1].Deadline
	}
	return d
}

// Status is the life of a report.
type Status int

// Report statuses.
const (
	StatusNone Status = iota
	Draft
	Submitted
	Returned
	Accepted
)

// String names a status as the history records it.
func (s Status) String() string {
	switch s {
	case Draft:
		return "draft"
	case Submitted:
		return "submitted"
	case Returned:
		return "returned"
	case Accepted:
		return "accepted"
	}
	return ""
}

// ParseStatus reads String's names.
func ParseStatus(s string) Status {
	for _, st := range []Status{Draft, Submitted, Returned, Accepted} {
		if st.String() == s {
			return st
		}
	}
	return StatusNone
}

// Report is an organisation's report in a campaign.
type Report struct {
	ID             string
	CampaignID     string
	Organisation   Organisation
	FormCode       string
	FormVersion    int
	Status         Status
	Values         map[string]form.Value
	CarriedOver    []string
	ReturnComment  string
	Remarks        map[string]string
	Late           bool
	SubmitTime     time.Time
	Deadline       time.Time
	ReopenReason   string
	Version        int64
	CreateTime     time.Time
	UpdateTime     time.Time
	CampaignStatus CampaignStatus
	Year           int
}

// Event is one change of a report.
type Event struct {
	Time     time.Time
	Actor    Actor
	Kind     string // value, status, carry_over, confirm
	Field    string
	OldValue string
	NewValue string
	Comment  string
	Late     bool
	Version  int64
}

// Change is a partial save: the values to set, the fields to clear and the
// carried-over fields confirmed.
type Change struct {
	Set     map[string]form.Value
	Clear   []string
	Confirm []string
}

// Apply returns the values after the change and the events it makes (one per
// changed field), and the carried-over fields left; a change that changes
// nothing gives no events.
func (r Report) Apply(c Change) (map[string]form.Value, []string, []Event) {
	// A clone copies the map's table as it is; inserting entry by entry
	// rehashes and regrows it (4 % of a save's CPU).
	values := maps.Clone(r.Values)
	if values == nil {
		values = map[string]form.Value{}
	}
	carried := map[string]bool{}
	for _, k := range r.CarriedOver {
		carried[k] = true
	}
	var events []Event
	for _, k := range sortedKeys(c.Set) {
		nv := c.Set[k]
		old, had := values[k]
		if had && old == nv {
			continue
		}
		ev := Event{Kind: "value", Field: k, NewValue: nv.String()}
		if had {
			ev.OldValue = old.String()
		}
		values[k] = nv
		delete(carried, k)
		events = append(events, ev)
	}
	for _, k := range c.Clear {
		if old, had := values[k]; had {
			delete(values, k)
			delete(carried, k)
			events = append(events, Event{Kind: "value", Field: k, OldValue: old.String()})
		}
	}
	for _, k := range c.Confirm {
		if carried[k] {
			delete(carried, k)
			events = append(events, Event{Kind: "confirm", Field: k, NewValue: values[k].String()})
		}
	}
	left := []string{}
	for _, k := range r.CarriedOver {
		if carried[k] {
			left = append(left, k)
		}
	}
	return values, left, events
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// Transition says whether a report may go from one status to another.
func Transition(from, to Status) bool {
	switch to {
	case Draft: // editing a returned report, reopening an accepted one
		return from == Returned || from == Accepted
	case Submitted:
		return from == Draft || from == Returned
	case Returned, Accepted:
		return from == Submitted
	}
	return false
}

// CarryOver picks the values of the previous year's report for the fields
// of f marked carry-over, with the same type.
func CarryOver(f form.Form, prev map[string]form.Value) map[string]form.Value {
	out := map[string]form.Value{}
	for _, fl := range f.Fields() {
		if v, ok := prev[fl.Code]; ok && fl.CarryOver && v.Type == fl.Type {
			out[fl.Code] = v
		}
	}
	return out
}

// PrevCounts are the counts of a previous year's report, for the rules.
func PrevCounts(prev map[string]form.Value) map[string]int64 {
	if prev == nil {
		return nil
	}
	out := make(map[string]int64, len(prev))
	for k, v := range prev {
		if v.Type == form.Count {
			out[k] = v.Count
		}
	}
	return out
}
