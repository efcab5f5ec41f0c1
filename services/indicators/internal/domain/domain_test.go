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

func TestComputeCountsAsOfADate(t *testing.T) {
	t.Parallel()
	d := func(s string) time.Time { t, _ := dates.Parse(s); return t }
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	orgs := []Expected{
		{CampaignID: "c", Organisation: Organisation{ID: "a", ShortName: "А", MunicipalityID: "m", TimeZone: "Asia/Krasnoyarsk"}, AddedOn: d("2026-10-01")},
		{CampaignID: "c", Organisation: Organisation{ID: "b", ShortName: "Б", MunicipalityID: "m", TimeZone: "Asia/Krasnoyarsk"}, AddedOn: d("2026-10-01")},
		{CampaignID: "c", Organisation: Organisation{ID: "v", ShortName: "В", MunicipalityID: "n", TimeZone: "Asia/Krasnoyarsk"}, AddedOn: d("2026-10-01")},
		{CampaignID: "c", Organisation: Organisation{ID: "g", ShortName: "Г", MunicipalityID: "n", TimeZone: "Asia/Krasnoyarsk"}, AddedOn: d("2026-10-01"), DroppedOn: d("2026-11-01")},
		{CampaignID: "c", Organisation: Organisation{ID: "e", ShortName: "Д", MunicipalityID: "n", TimeZone: "Asia/Krasnoyarsk"}, AddedOn: d("2026-12-01")},
	}
	events := map[string][]StatusEvent{
		"c/a": {{at("2026-10-02T00:00:00Z"), Draft, false}, {at("2026-12-10T03:00:00Z"), Submitted, false}, {at("2026-12-12T03:00:00Z"), Accepted, false}},
		"c/b": {{at("2026-10-02T00:00:00Z"), Draft, false}, {at("2026-12-16T03:00:00Z"), Submitted, true}},
		"c/v": {{at("2026-10-02T00:00:00Z"), Draft, false}, {at("2026-12-01T03:00:00Z"), Submitted, false}, {at("2026-12-05T03:00:00Z"), Returned, false}},
	}
	tests := []struct {
		name string
		asOf time.Time
		want Counts
	}{
		{"now", time.Time{}, Counts{Expected: 4, OnTime: 1, Late: 1, Missing: 1, Submitted: 1, Returned: 1, Accepted: 1}},
		{"on 2026-12-11", d("2026-12-11"), Counts{Expected: 4, OnTime: 1, Missing: 2, Submitted: 1, Returned: 1}},
		{"on 2026-11-15", d("2026-11-15"), Counts{Expected: 3, Missing: 3}},
		{"on 2026-10-15", d("2026-10-15"), Counts{Expected: 4, Missing: 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Compute(orgs, events, tc.asOf)
			if diff := cmp.Diff(tc.want, got.Total); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
	if got := Compute(orgs, events, time.Time{}).Municipalities["m"]; got != (Counts{Expected: 2, OnTime: 1, Late: 1, Submitted: 1, Accepted: 1}) {
		t.Errorf("municipality m = %+v", got)
	}
}
