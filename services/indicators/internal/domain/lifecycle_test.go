package domain

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nastavnik/nastavnik/platform/validation"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
)

// lifeReport is a report at version 5 of an organisation in Krasnoyarsk
// (UTC+7), due 15 December 2026, last changed on 1 December.
func lifeReport(s Status, mods ...func(*Report)) Report {
	r := Report{
		ID: "r", Status: s, Version: 5,
		Values:         map[string]form.Value{"teachers_total": {Type: form.Count, Count: 40}},
		CarriedOver:    []string{},
		Remarks:        map[string]string{},
		Organisation:   Organisation{ID: "o", TimeZone: "Asia/Krasnoyarsk"},
		Deadline:       time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC),
		CampaignStatus: CampaignOpen,
		UpdateTime:     time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC),
	}
	for _, m := range mods {
		m(&r)
	}
	return r
}

func count(n int64) form.Value { return form.Value{Type: form.Count, Count: n} }

func TestReportLifecycleSteps(t *testing.T) {
	t.Parallel()
	onTime := time.Date(2026, 12, 10, 3, 0, 0, 0, time.UTC)  // 10.12 10:00 in Krasnoyarsk
	lateAt := time.Date(2026, 12, 15, 17, 0, 0, 0, time.UTC) // 16.12 00:00 in Krasnoyarsk
	const note = "загружено из архива"
	person := Step{Based: 5, At: onTime}
	stale := Step{Based: 4, At: onTime}
	imported := Step{At: onTime, Import: true, Note: note}
	edit := Change{Set: map[string]form.Value{"teachers_total": count(42)}}
	same := Change{Set: map[string]form.Value{"teachers_total": count(40)}}
	clean := func(map[string]form.Value) []form.Violation { return nil }
	broken := func(map[string]form.Value) []form.Violation {
		return []form.Violation{{Rule: "young_le_teachers", Severity: form.Error, Message: "молодых больше, чем всех",
			Fields: []string{"young_teachers", "teachers_total"}}}
	}
	warned := func(map[string]form.Value) []form.Violation {
		return []form.Violation{{Rule: "teachers_yoy", Severity: form.Warning, Message: "сильно отличается от прошлого года",
			Fields: []string{"teachers_total"}}}
	}
	mentorship := form.Mentorship()
	closed := func(r *Report) { r.CampaignStatus = CampaignClosed }
	withRemarks := func(r *Report) {
		r.ReturnComment, r.Remarks = "Проверьте", map[string]string{"teachers_total": "Не совпадает с РИС"}
	}
	changedLater := func(r *Report) { r.UpdateTime = onTime.Add(time.Minute) }
	valueEvent := Event{Kind: "value", Field: "teachers_total", OldValue: "40", NewValue: "42"}
	status := func(from, to Status, comment string) Event {
		return Event{Kind: "status", OldValue: from.String(), NewValue: to.String(), Comment: comment}
	}

	tests := []struct {
		name   string
		from   Report
		step   func(r *Report) ([]Event, error)
		err    error    // the error is this one (errors.Is), nil: no error
		msg    string   // the error's text, when it is a state error
		fields []string // the fields a validation error names
		events []Event
		after  func(r *Report) // the report after the step is from changed by after
	}{
		// Save.
		{name: "save of a draft changes its values",
			from: lifeReport(Draft), step: func(r *Report) ([]Event, error) { return r.Save(edit, person) },
			events: []Event{valueEvent},
			after:  func(r *Report) { r.Values = map[string]form.Value{"teachers_total": count(42)} }},
		{name: "save that changes nothing is a no-op",
			from: lifeReport(Draft), step: func(r *Report) ([]Event, error) { return r.Save(same, person) }},
		{name: "save that changes nothing is a no-op on any version, and in any state",
			from: lifeReport(Accepted), step: func(r *Report) ([]Event, error) { return r.Save(same, stale) }},
		{name: "save on an old version is stale",
			from: lifeReport(Draft), step: func(r *Report) ([]Event, error) { return r.Save(edit, stale) },
			err: ErrStale},
		{name: "stale comes before the state",
			from: lifeReport(Submitted), step: func(r *Report) ([]Event, error) { return r.Save(edit, stale) },
			err: ErrStale},
		{name: "save of a submitted report is refused",
			from: lifeReport(Submitted), step: func(r *Report) ([]Event, error) { return r.Save(edit, person) },
			err: ErrState, msg: "the report is submitted: it cannot change until it is returned or reopened"},
		{name: "save of an accepted report is refused",
			from: lifeReport(Accepted), step: func(r *Report) ([]Event, error) { return r.Save(edit, person) },
			err: ErrState, msg: "the report is accepted: it cannot change until it is returned or reopened"},
		{name: "a returned report edited becomes a draft, keeping the remarks",
			from: lifeReport(Returned, withRemarks), step: func(r *Report) ([]Event, error) { return r.Save(edit, person) },
			events: []Event{valueEvent, status(Returned, Draft, "")},
			after: func(r *Report) {
				r.Status, r.Values = Draft, map[string]form.Value{"teachers_total": count(42)}
			}},
		{name: "save in a closed campaign is refused",
			from: lifeReport(Draft, closed), step: func(r *Report) ([]Event, error) { return r.Save(edit, person) },
			err: ErrCampaignClosed},
		{name: "save in a closed campaign with an extension",
			from: lifeReport(Draft, closed), step: func(r *Report) ([]Event, error) {
				st := person
				st.Extended = true
				return r.Save(edit, st)
			},
			events: []Event{valueEvent},
			after:  func(r *Report) { r.Values = map[string]form.Value{"teachers_total": count(42)} }},
		{name: "save confirms carried-over values",
			from: lifeReport(Draft, func(r *Report) { r.CarriedOver = []string{"teachers_total"} }),
			step: func(r *Report) ([]Event, error) {
				return r.Save(Change{Confirm: []string{"teachers_total"}}, person)
			},
			events: []Event{{Kind: "confirm", Field: "teachers_total", NewValue: "40"}},
			after:  func(r *Report) { r.CarriedOver = []string{} }},
		{name: "import of values is based on no version and notes its events",
			from: lifeReport(Returned), step: func(r *Report) ([]Event, error) { return r.Save(edit, imported) },
			events: []Event{{Kind: "value", Field: "teachers_total", OldValue: "40", NewValue: "42", Comment: note}, status(Returned, Draft, note)},
			after: func(r *Report) {
				r.Status, r.Values = Draft, map[string]form.Value{"teachers_total": count(42)}
			}},
		{name: "import of other values over a submitted report is refused",
			from: lifeReport(Submitted), step: func(r *Report) ([]Event, error) { return r.Save(edit, imported) },
			err: ErrState, msg: "the report is submitted with other values: return or reopen it before importing over it"},
		{name: "import of values before a later change is refused",
			from: lifeReport(Draft, changedLater), step: func(r *Report) ([]Event, error) { return r.Save(edit, imported) },
			err: ErrState, msg: "the report changed at 2026-12-10T03:01:00Z, after the archive's time 2026-12-10T03:00:00Z: an import cannot write history before it"},
		{name: "a person's save is not held to the archive's time",
			from: lifeReport(Draft, changedLater), step: func(r *Report) ([]Event, error) { return r.Save(edit, person) },
			events: []Event{valueEvent},
			after:  func(r *Report) { r.Values = map[string]form.Value{"teachers_total": count(42)} }},

		// Submit.
		{name: "submit of a draft on time",
			from: lifeReport(Draft), step: func(r *Report) ([]Event, error) { return r.Submit(person, clean, false) },
			events: []Event{status(Draft, Submitted, "")},
			after:  func(r *Report) { r.Status, r.SubmitTime = Submitted, onTime }},
		{name: "submit after the end of the deadline day in the organisation's zone is late",
			from: lifeReport(Draft), step: func(r *Report) ([]Event, error) {
				return r.Submit(Step{Based: 5, At: lateAt}, clean, false)
			},
			events: []Event{{Kind: "status", OldValue: "draft", NewValue: "submitted", Late: true}},
			after:  func(r *Report) { r.Status, r.SubmitTime, r.Late = Submitted, lateAt, true }},
		{name: "submit of a returned report",
			from: lifeReport(Returned, withRemarks), step: func(r *Report) ([]Event, error) { return r.Submit(person, clean, false) },
			events: []Event{status(Returned, Submitted, "")},
			after:  func(r *Report) { r.Status, r.SubmitTime = Submitted, onTime }},
		{name: "submit of a submitted report is refused",
			from: lifeReport(Submitted), step: func(r *Report) ([]Event, error) { return r.Submit(person, clean, false) },
			err: ErrState, msg: "the report is submitted: only a draft or a returned report can be submitted"},
		{name: "submit of an accepted report is refused",
			from: lifeReport(Accepted), step: func(r *Report) ([]Event, error) { return r.Submit(person, clean, false) },
			err: ErrState, msg: "the report is accepted: only a draft or a returned report can be submitted"},
		{name: "submit on an old version is stale",
			from: lifeReport(Draft), step: func(r *Report) ([]Event, error) { return r.Submit(stale, clean, false) },
			err: ErrStale},
		{name: "submit in a closed campaign is refused",
			from: lifeReport(Draft, closed), step: func(r *Report) ([]Event, error) { return r.Submit(person, clean, false) },
			err: ErrCampaignClosed},
		{name: "the campaign's closure comes before the rules",
			from: lifeReport(Draft, closed), step: func(r *Report) ([]Event, error) { return r.Submit(person, broken, false) },
			err: ErrCampaignClosed},
		{name: "an error rule blocks the submission, naming its fields",
			from: lifeReport(Draft), step: func(r *Report) ([]Event, error) { return r.Submit(person, broken, true) },
			fields: []string{"values[teachers_total]", "values[young_teachers]"}},
		{name: "an unconfirmed warning blocks the submission",
			from: lifeReport(Draft), step: func(r *Report) ([]Event, error) { return r.Submit(person, warned, false) },
			fields: []string{"confirm_warnings", "values[teachers_total]"}},
		{name: "a confirmed warning does not",
			from: lifeReport(Draft), step: func(r *Report) ([]Event, error) { return r.Submit(person, warned, true) },
			events: []Event{status(Draft, Submitted, "")},
			after:  func(r *Report) { r.Status, r.SubmitTime = Submitted, onTime }},
		{name: "import of a submission notes its event",
			from: lifeReport(Draft), step: func(r *Report) ([]Event, error) { return r.Submit(imported, clean, true) },
			events: []Event{status(Draft, Submitted, note)},
			after:  func(r *Report) { r.Status, r.SubmitTime = Submitted, onTime }},
		{name: "import of a submission over a submitted report is a no-op",
			from: lifeReport(Submitted), step: func(r *Report) ([]Event, error) { return r.Submit(imported, broken, true) }},
		{name: "import of a submission over an accepted report is a no-op",
			from: lifeReport(Accepted), step: func(r *Report) ([]Event, error) { return r.Submit(imported, clean, true) }},
		{name: "import of a submission before a later change is refused",
			from: lifeReport(Draft, changedLater), step: func(r *Report) ([]Event, error) { return r.Submit(imported, clean, true) },
			err: ErrState, msg: "the report changed at 2026-12-10T03:01:00Z, after the archive's time 2026-12-10T03:00:00Z: an import cannot write history before it"},

		// Accept.
		{name: "accept of a submitted report clears the return's comment and remarks",
			from: lifeReport(Submitted, withRemarks), step: func(r *Report) ([]Event, error) { return r.Accept(person) },
			events: []Event{status(Submitted, Accepted, "")},
			after:  func(r *Report) { r.Status, r.ReturnComment, r.Remarks = Accepted, "", map[string]string{} }},
		{name: "accept of a draft is refused",
			from: lifeReport(Draft), step: func(r *Report) ([]Event, error) { return r.Accept(person) },
			err: ErrState, msg: "the report is draft: it cannot become accepted"},
		{name: "accept of a returned report is refused",
			from: lifeReport(Returned), step: func(r *Report) ([]Event, error) { return r.Accept(person) },
			err: ErrState, msg: "the report is returned: it cannot become accepted"},
		{name: "accept of an accepted report is refused",
			from: lifeReport(Accepted), step: func(r *Report) ([]Event, error) { return r.Accept(person) },
			err: ErrState, msg: "the report is accepted: it cannot become accepted"},
		{name: "accept on an old version is stale",
			from: lifeReport(Submitted), step: func(r *Report) ([]Event, error) { return r.Accept(stale) },
			err: ErrStale},
		{name: "accept in a closed campaign",
			from: lifeReport(Submitted, closed), step: func(r *Report) ([]Event, error) { return r.Accept(person) },
			events: []Event{status(Submitted, Accepted, "")},
			after:  func(r *Report) { r.Status = Accepted }},
		{name: "import of an acceptance notes its event",
			from: lifeReport(Submitted), step: func(r *Report) ([]Event, error) { return r.Accept(imported) },
			events: []Event{status(Submitted, Accepted, note)},
			after:  func(r *Report) { r.Status = Accepted }},
		{name: "import of an acceptance over an accepted report is a no-op",
			from: lifeReport(Accepted), step: func(r *Report) ([]Event, error) { return r.Accept(imported) }},
		{name: "import of an acceptance of a draft is refused",
			from: lifeReport(Draft), step: func(r *Report) ([]Event, error) { return r.Accept(imported) },
			err: ErrState, msg: "the report is draft: it cannot become accepted"},
		{name: "import of an acceptance before a later change is refused",
			from: lifeReport(Submitted, changedLater), step: func(r *Report) ([]Event, error) { return r.Accept(imported) },
			err: ErrState, msg: "the report changed at 2026-12-10T03:01:00Z, after the archive's time 2026-12-10T03:00:00Z: an import cannot write history before it"},

		// Return.
		{name: "return of a submitted report with a comment and remarks",
			from: lifeReport(Submitted), step: func(r *Report) ([]Event, error) {
				return r.Return(person, "Проверьте", map[string]string{"teachers_total": "Не совпадает с РИС"}, mentorship)
			},
			events: []Event{status(Submitted, Returned, "Проверьте")},
			after:  func(r *Report) { r.Status = Returned; withRemarks(r) }},
		{name: "return with a remark on no field of the form",
			from: lifeReport(Submitted), step: func(r *Report) ([]Event, error) {
				return r.Return(person, "Проверьте", map[string]string{"no_such": "?", "teachers_total": "ok", "also_not": "?"}, mentorship)
			},
			fields: []string{"remarks[also_not]", "remarks[no_such]"}},
		{name: "the state comes before the remarks",
			from: lifeReport(Accepted), step: func(r *Report) ([]Event, error) {
				return r.Return(person, "", map[string]string{"no_such": "?"}, mentorship)
			},
			err: ErrState, msg: "the report is accepted: it cannot become returned"},
		{name: "return of a draft is refused",
			from: lifeReport(Draft), step: func(r *Report) ([]Event, error) { return r.Return(person, "", nil, mentorship) },
			err: ErrState, msg: "the report is draft: it cannot become returned"},
		{name: "return of a returned report is refused",
			from: lifeReport(Returned), step: func(r *Report) ([]Event, error) { return r.Return(person, "", nil, mentorship) },
			err: ErrState, msg: "the report is returned: it cannot become returned"},
		{name: "return on an old version is stale",
			from: lifeReport(Submitted), step: func(r *Report) ([]Event, error) { return r.Return(stale, "", nil, mentorship) },
			err: ErrStale},

		// Reopen.
		{name: "reopen of an accepted report makes it a draft, no longer late",
			from: lifeReport(Accepted, func(r *Report) { r.Late = true }), step: func(r *Report) ([]Event, error) {
				return r.Reopen(person, "Уточнение данных")
			},
			events: []Event{status(Accepted, Draft, "Уточнение данных")},
			after:  func(r *Report) { r.Status, r.ReopenReason, r.Late = Draft, "Уточнение данных", false }},
		{name: "reopen of a returned report is refused",
			from: lifeReport(Returned), step: func(r *Report) ([]Event, error) { return r.Reopen(person, "x") },
			err: ErrState, msg: "only an accepted report can be reopened"},
		{name: "reopen of a submitted report is refused",
			from: lifeReport(Submitted), step: func(r *Report) ([]Event, error) { return r.Reopen(person, "x") },
			err: ErrState, msg: "the report is submitted: it cannot become draft"},
		{name: "reopen of a draft is refused",
			from: lifeReport(Draft), step: func(r *Report) ([]Event, error) { return r.Reopen(person, "x") },
			err: ErrState, msg: "the report is draft: it cannot become draft"},
		{name: "reopen on an old version is stale",
			from: lifeReport(Accepted), step: func(r *Report) ([]Event, error) { return r.Reopen(stale, "x") },
			err: ErrStale},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tc.from
			events, err := tc.step(&r)
			var ve *validation.Error
			switch {
			case len(tc.fields) > 0:
				if !errors.As(err, &ve) {
					t.Fatalf("error %v, want a validation error naming %v", err, tc.fields)
				}
				var got []string
				for _, v := range ve.Violations {
					got = append(got, v.Field)
				}
				slices.Sort(got)
				if got = slices.Compact(got); !slices.Equal(got, tc.fields) {
					t.Errorf("the error names %v, want %v", got, tc.fields)
				}
			case tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Fatalf("error %v, want %v", err, tc.err)
				}
				if tc.msg != "" && err.Error() != tc.msg {
					t.Errorf("error %q, want %q", err.Error(), tc.msg)
				}
			case err != nil:
				t.Fatalf("error %v", err)
			}
			if err != nil && events != nil {
				t.Errorf("a refused step made events %v", events)
			}
			if diff := cmp.Diff(tc.events, events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			want := tc.from
			if tc.after != nil {
				tc.after(&want)
			}
			if diff := cmp.Diff(want, r); diff != "" {
				t.Errorf("report after the step (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReportLife runs a report through its whole life, each step on the
// version the one before it made, and checks the statuses its history
// records.
func TestReportLife(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 10, 3, 0, 0, 0, time.UTC)
	clean := func(map[string]form.Value) []form.Violation { return nil }
	r := lifeReport(Draft)
	var statuses []string
	steps := []struct {
		name string
		step func(st Step) ([]Event, error)
	}{
		{"save", func(st Step) ([]Event, error) {
			return r.Save(Change{Set: map[string]form.Value{"teachers_total": count(60)}}, st)
		}},
		{"submit", func(st Step) ([]Event, error) { return r.Submit(st, clean, false) }},
		{"return", func(st Step) ([]Event, error) {
			return r.Return(st, "Проверьте", map[string]string{"teachers_total": "Не совпадает"}, form.Mentorship())
		}},
		{"edit", func(st Step) ([]Event, error) {
			return r.Save(Change{Set: map[string]form.Value{"teachers_total": count(62)}}, st)
		}},
		{"submit again", func(st Step) ([]Event, error) { return r.Submit(st, clean, false) }},
		{"accept", func(st Step) ([]Event, error) { return r.Accept(st) }},
		{"reopen", func(st Step) ([]Event, error) { return r.Reopen(st, "Уточнение") }},
	}
	for _, s := range steps {
		events, err := s.step(Step{Based: r.Version, At: at})
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		for _, e := range events {
			if e.Kind == "status" {
				statuses = append(statuses, e.OldValue+"→"+e.NewValue)
			}
		}
		r.Version++
	}
	want := []string{"draft→submitted", "submitted→returned", "returned→draft", "draft→submitted", "submitted→accepted", "accepted→draft"}
	if !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}
	if r.Status != Draft || r.Values["teachers_total"].Count != 62 || r.ReopenReason != "Уточнение" || len(r.Remarks) != 0 {
		t.Errorf("after its life the report is %v with %v, reason %q, remarks %v", r.Status, r.Values, r.ReopenReason, r.Remarks)
	}
}

func TestStartInAClosedCampaign(t *testing.T) {
	t.Parallel()
	ext := []Extension{{Deadline: time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)}}
	tests := []struct {
		name     string
		campaign CampaignStatus
		ext      []Extension
		err      error
	}{
		{"open", CampaignOpen, nil, nil},
		{"closed", CampaignClosed, nil, ErrCampaignClosed},
		{"closed, the deadline extended", CampaignClosed, ext, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := (Expected{Extensions: tc.ext}).Start(Campaign{Status: tc.campaign}); !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Errorf("Start: %v, want %v", err, tc.err)
			}
		})
	}
}

func TestStateErrorIsErrStateWithItsOwnText(t *testing.T) {
	t.Parallel()
	var err error = StateError{Msg: "the campaign is closed: its expected list no longer changes"}
	if !errors.Is(err, ErrState) || errors.Is(err, ErrStale) {
		t.Errorf("StateError is ErrState %v, ErrStale %v; want true, false", errors.Is(err, ErrState), errors.Is(err, ErrStale))
	}
	if err.Error() != "the campaign is closed: its expected list no longer changes" {
		t.Errorf("text %q", err.Error())
	}
}
