package domain

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
)

func TestLateAtTheEndOfTheDeadlineDayInTheOrganisationsZone(t *testing.T) {
	t.Parallel()
	deadline := time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)
	at := func(tz string, day, hour, minute int) time.Time {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			t.Fatal(err)
		}
		return time.Date(2026, 12, day, hour, minute, 0, 0, loc)
	}
	// 2026-12-15 14:00 UTC is 16:00 on the 15th in Kaliningrad (UTC+2) and
	// 02:00 on the 16th in Kamchatka (UTC+12).
	sameInstant := time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		tz   string
		t    time.Time
		late bool
	}{
		{"Kaliningrad 15.12 23:59 local", "Europe/Kaliningrad", at("Europe/Kaliningrad", 15, 23, 59), false},
		{"Kaliningrad 16.12 00:00 local", "Europe/Kaliningrad", at("Europe/Kaliningrad", 16, 0, 0), true},
		{"Kamchatka 15.12 23:59 local", "Asia/Kamchatka", at("Asia/Kamchatka", 15, 23, 59), false},
		{"Kamchatka 16.12 00:00 local", "Asia/Kamchatka", at("Asia/Kamchatka", 16, 0, 0), true},
		{"same UTC instant, Kaliningrad", "Europe/Kaliningrad", sameInstant, false},
		{"same UTC instant, Kamchatka", "Asia/Kamchatka", sameInstant, true},
		{"Kaliningrad 15.12 23:59:59.999", "Europe/Kaliningrad", at("Europe/Kaliningrad", 16, 0, 0).Add(-time.Millisecond), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Late(tc.t, deadline, tc.tz)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.late {
				t.Errorf("Late(%v in %s) = %v, want %v", tc.t.UTC(), tc.tz, got, tc.late)
			}
		})
	}
	if _, err := Late(sameInstant, deadline, "Mars/Olympus"); err == nil {
		t.Error("an unknown zone: got no error")
	}
}

func TestApplyChangesOnlyWhatIsSentAndRecordsEachChange(t *testing.T) {
	t.Parallel()
	r := Report{Values: map[string]form.Value{
		"teachers_total": {Type: form.Count, Count: 40},
		"act_order":      {Type: form.YesNo, Yes: true, Ref: form.Reference{Number: "12-од"}},
	}, CarriedOver: []string{"act_order", "teachers_total"}}
	values, carried, events := r.Apply(Change{
		Set:     map[string]form.Value{"teachers_total": {Type: form.Count, Count: 42}, "young_teachers": {Type: form.Count, Count: 5}},
		Confirm: []string{"act_order"},
	})
	if diff := cmp.Diff(map[string]form.Value{
		"teachers_total": {Type: form.Count, Count: 42}, "young_teachers": {Type: form.Count, Count: 5},
		"act_order": {Type: form.YesNo, Yes: true, Ref: form.Reference{Number: "12-од"}},
	}, values); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if len(carried) != 0 {
		t.Errorf("carried over = %v, want none left", carried)
	}
	want := []Event{
		{Kind: "value", Field: "teachers_total", OldValue: "40", NewValue: "42"},
		{Kind: "value", Field: "young_teachers", NewValue: "5"},
		{Kind: "confirm", Field: "act_order", NewValue: "да (№ 12-од)"},
	}
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	r.Values = values
	if _, _, again := r.Apply(Change{Set: map[string]form.Value{"teachers_total": {Type: form.Count, Count: 42}}}); len(again) != 0 {
		t.Errorf("saving the same value again made events %v", again)
	}
}

func TestTransitions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to Status
		ok       bool
	}{
		{Draft, Submitted, true}, {Returned, Submitted, true}, {Submitted, Accepted, true}, {Submitted, Returned, true},
		{Accepted, Draft, true}, {Returned, Draft, true},
		{Draft, Accepted, false}, {Accepted, Submitted, false}, {Submitted, Submitted, false}, {Draft, Returned, false},
	}
	for _, tc := range tests {
		if got := Transition(tc.from, tc.to); got != tc.ok {
			t.Errorf("%s → %s: %v, want %v", tc.from, tc.to, got, tc.ok)
		}
	}
}

func TestStandingOfTheLatestStatusAndSubmission(t *testing.T) {
	t.Parallel()
	sent := time.Date(2026, 12, 16, 3, 0, 0, 0, time.UTC)
	e := Expected{CampaignID: "c", Organisation: Organisation{ID: "a", MunicipalityID: "m", RegionCode: "24"}}
	tests := []struct {
		name   string
		latest Status
		want   Standing
		counts Counts
	}{
		{"no report", StatusNone, Standing{Expected: e, State: Missing}, Counts{Expected: 3, Missing: 3}},
		// A draft has no submission in force: the one before a return or a
		// reopening no longer counts.
		{"draft", Draft, Standing{Expected: e, State: Missing}, Counts{Expected: 3, Missing: 3}},
		{"submitted late", Submitted, Standing{Expected: e, State: StateSubmitted, Late: true, SubmitTime: sent},
			Counts{Expected: 3, Late: 3, Submitted: 3}},
		{"returned", Returned, Standing{Expected: e, State: StateReturned, Late: true, SubmitTime: sent},
			Counts{Expected: 3, Returned: 3}},
		{"accepted", Accepted, Standing{Expected: e, State: StateAccepted, Late: true, SubmitTime: sent},
			Counts{Expected: 3, Late: 3, Accepted: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := StandingOf(e, tc.latest, true, sent)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("standing (-want +got):\n%s", diff)
			}
			var tally Tally
			tally.Add(got, 3)
			want := Tally{Total: tc.counts, Municipalities: map[string]Counts{"m": tc.counts}, Regions: map[string]Counts{"24": tc.counts}}
			if diff := cmp.Diff(want, tally); diff != "" {
				t.Errorf("tally of three (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAsOfCutoffIsTheEndOfTheDayInTheZone(t *testing.T) {
	t.Parallel()
	day, _ := dates.Parse("2026-12-15")
	tests := []struct {
		tz   string
		want time.Time
	}{
		{"Europe/Kaliningrad", time.Date(2026, 12, 15, 22, 0, 0, 0, time.UTC)},
		{"Asia/Kamchatka", time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC)},
		{"Nowhere/Atlantis", time.Date(2026, 12, 16, 0, 0, 0, 0, time.UTC)}, // an unknown zone counts in UTC
		{"", time.Date(2026, 12, 16, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		if got := AsOfCutoff(day, tc.tz); !got.Equal(tc.want) {
			t.Errorf("AsOfCutoff(%q) = %v, want %v", tc.tz, got.UTC(), tc.want)
		}
	}
}

// BenchmarkApply is a save of one changed count in a filled report of the
// mentorship form, as a curator sends it.
func BenchmarkApply(b *testing.B) {
	values := map[string]form.Value{}
	for i, f := range form.Mentorship().Fields() {
		switch f.Type {
		case form.Count:
			values[f.Code] = form.Value{Type: form.Count, Count: int64(10 + i)}
		case form.YesNo:
			values[f.Code] = form.Value{Type: form.YesNo, Yes: true, Ref: form.Reference{Number: "№ 12 от 01.09.2026"}}
		case form.Text:
			values[f.Code] = form.Value{Type: form.Text, Text: "Без замечаний."}
		}
	}
	r := Report{Values: values}
	c := Change{Set: map[string]form.Value{"young_teachers": {Type: form.Count, Count: 3}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, events := r.Apply(c); len(events) != 1 {
			b.Fatalf("got %d events, want 1", len(events))
		}
	}
}
