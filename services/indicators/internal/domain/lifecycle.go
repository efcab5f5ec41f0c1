package domain

import (
	"fmt"
	"slices"
	"time"

	"github.com/nastavnik/nastavnik/platform/validation"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
)

// The life of a report: a draft is saved and submitted; a submitted report
// is accepted or returned with remarks; a returned one becomes a draft again
// when it is edited, and may be submitted again; an accepted one may be
// reopened as a draft. Each step below checks the report's state, changes
// the report in place and returns the events of the change for its history;
// no events means nothing changes. A refused step leaves the report as it
// was.

// StateError is a refusal by an object's state, with its own public message:
// it is ErrState, and the error table answers it with its message.
type StateError struct{ Msg string }

func (e StateError) Error() string { return e.Msg }

// Is makes a StateError an ErrState.
func (e StateError) Is(target error) bool { return target == ErrState }

// Step is how a step of a report's life is asked for.
type Step struct {
	// Based is the version of the report the caller's request is based on:
	// a step on any other version is ErrStale (a save that changes nothing
	// excepted: it is a no-op on any version).
	Based int64
	// At is when the step happens: now, or the archive's time of an import.
	At time.Time
	// Extended says an extension is in force for the organisation: a closed
	// campaign still takes its report.
	Extended bool
	// Import marks a step of an archive import. It is based on no version;
	// a submission or an acceptance the report has already passed is a
	// no-op; a report changed after At is refused (an import cannot write
	// history before a later change); every event it makes carries Note as
	// its comment.
	Import bool
	Note   string
}

// stale refuses a person's step based on another version than the report's.
func (st Step) stale(r *Report) error {
	if !st.Import && r.Version != st.Based {
		return ErrStale
	}
	return nil
}

// later refuses an import's step the report's history has already passed.
func (st Step) later(r *Report) error {
	if st.Import && r.UpdateTime.After(st.At) {
		return StateError{fmt.Sprintf("the report changed at %s, after the archive's time %s: an import cannot write history before it",
			r.UpdateTime.UTC().Format(time.RFC3339), st.At.UTC().Format(time.RFC3339))}
	}
	return nil
}

// noted puts an import's note on its events.
func (st Step) noted(events []Event) []Event {
	if st.Import {
		for i := range events {
			events[i].Comment = st.Note
		}
	}
	return events
}

// Start refuses to start the organisation's report once the campaign is
// closed, unless its deadline was extended.
func (e Expected) Start(c Campaign) error {
	if c.Status == CampaignClosed && len(e.Extensions) == 0 {
		return ErrCampaignClosed
	}
	return nil
}

// editable refuses a change by the organisation once the campaign is closed,
// unless its deadline was extended.
func (r *Report) editable(extended bool) error {
	if r.CampaignStatus == CampaignClosed && !extended {
		return ErrCampaignClosed
	}
	return nil
}

// statusEvent is the event of a status change.
func statusEvent(from, to Status, comment string) Event {
	return Event{Kind: "status", OldValue: from.String(), NewValue: to.String(), Comment: comment}
}

// Save applies the organisation's change of values (see Apply). A submitted
// or accepted report does not change until it is returned or reopened; a
// returned one becomes a draft again.
func (r *Report) Save(c Change, st Step) ([]Event, error) {
	values, carried, events := r.Apply(c)
	if len(events) == 0 {
		return nil, nil // nothing changes: a repeated save is a no-op
	}
	if err := st.stale(r); err != nil {
		return nil, err
	}
	if r.Status == Submitted || r.Status == Accepted {
		if st.Import {
			return nil, StateError{fmt.Sprintf("the report is %s with other values: return or reopen it before importing over it", r.Status)}
		}
		return nil, StateError{fmt.Sprintf("the report is %s: it cannot change until it is returned or reopened", r.Status)}
	}
	if err := r.editable(st.Extended); err != nil {
		return nil, err
	}
	if err := st.later(r); err != nil {
		return nil, err
	}
	if r.Status == Returned {
		events = append(events, statusEvent(r.Status, Draft, ""))
		r.Status = Draft
	}
	r.Values, r.CarriedOver = values, carried
	return st.noted(events), nil
}

// Submit submits a draft or a returned report at st.At, late after the end
// of its deadline date in the organisation's zone. check gives the
// violations of the report's values: error rules block the submission,
// warnings block it unless confirmed (see Blocking).
func (r *Report) Submit(st Step, check func(map[string]form.Value) []form.Violation, confirmed bool) ([]Event, error) {
	if err := st.stale(r); err != nil {
		return nil, err
	}
	if st.Import && (r.Status == Submitted || r.Status == Accepted) {
		return nil, nil
	}
	if !Transition(r.Status, Submitted) {
		return nil, StateError{fmt.Sprintf("the report is %s: only a draft or a returned report can be submitted", r.Status)}
	}
	if err := r.editable(st.Extended); err != nil {
		return nil, err
	}
	if err := st.later(r); err != nil {
		return nil, err
	}
	if err := Blocking(check(r.Values), confirmed); err != nil {
		return nil, err
	}
	late, err := Late(st.At, r.Deadline, r.Organisation.TimeZone)
	if err != nil {
		return nil, err
	}
	ev := statusEvent(r.Status, Submitted, "")
	ev.Late = late
	r.Status, r.Late, r.SubmitTime = Submitted, late, st.At
	return st.noted([]Event{ev}), nil
}

// Accept accepts a submitted report; the comment and remarks of an earlier
// return are cleared.
func (r *Report) Accept(st Step) ([]Event, error) {
	if err := st.stale(r); err != nil {
		return nil, err
	}
	if st.Import && r.Status == Accepted {
		return nil, nil
	}
	if !Transition(r.Status, Accepted) {
		return nil, StateError{fmt.Sprintf("the report is %s: it cannot become %s", r.Status, Accepted)}
	}
	if err := st.later(r); err != nil {
		return nil, err
	}
	ev := statusEvent(r.Status, Accepted, "")
	r.Status, r.ReturnComment, r.Remarks = Accepted, "", map[string]string{}
	return st.noted([]Event{ev}), nil
}

// Return returns a submitted report with a comment and remarks on fields of
// its form f.
func (r *Report) Return(st Step, comment string, remarks map[string]string, f form.Form) ([]Event, error) {
	if err := st.stale(r); err != nil {
		return nil, err
	}
	if !Transition(r.Status, Returned) {
		return nil, StateError{fmt.Sprintf("the report is %s: it cannot become %s", r.Status, Returned)}
	}
	if err := st.later(r); err != nil {
		return nil, err
	}
	ve := &validation.Error{}
	for _, k := range sortedKeys(remarks) {
		if _, ok := f.Field(k); !ok {
			ve.Add(fmt.Sprintf("remarks[%s]", k), validation.New("unknown_field").With("value", k))
		}
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	ev := statusEvent(r.Status, Returned, comment)
	r.Status, r.ReturnComment, r.Remarks = Returned, comment, remarks
	return st.noted([]Event{ev}), nil
}

// Reopen makes an accepted report a draft again, for a reason; it is no
// longer late.
func (r *Report) Reopen(st Step, reason string) ([]Event, error) {
	if err := st.stale(r); err != nil {
		return nil, err
	}
	if !Transition(r.Status, Draft) {
		return nil, StateError{fmt.Sprintf("the report is %s: it cannot become %s", r.Status, Draft)}
	}
	if r.Status != Accepted {
		return nil, StateError{"only an accepted report can be reopened"}
	}
	if err := st.later(r); err != nil {
		return nil, err
	}
	ev := statusEvent(r.Status, Draft, reason)
	r.Status, r.ReopenReason, r.Late = Draft, reason, false
	return st.noted([]Event{ev}), nil
}

// Blocking turns the violations that block a submission into field errors:
// one per field of every violated error rule (and, without confirmation,
// of every warning), named values[<code>], with the rule's message.
func Blocking(vs []form.Violation, confirmed bool) error {
	ve := &validation.Error{}
	warned := false
	for _, v := range vs {
		if v.Severity == form.Warning {
			if confirmed {
				continue
			}
			warned = true
		}
		for _, f := range v.Fields {
			ve.Add(fmt.Sprintf("values[%s]", f), v.Problem)
		}
	}
	if warned && !slices.ContainsFunc(vs, func(v form.Violation) bool { return v.Severity == form.Error }) {
		ve.Add("confirm_warnings", validation.New("confirm_warnings"))
	}
	return ve.Err()
}
