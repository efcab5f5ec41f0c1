package domain

import (
	"strings"
	"testing"
	"time"

	"github.com/nastavnik/nastavnik/services/roadmap/internal/schedule"
)

func TestRenumber(t *testing.T) {
	for _, tc := range []struct {
		name   string
		depths [][]int // per stage, the depth of each item
		want   string
	}{
		{"flat", [][]int{{1, 1, 1}}, "1.1 1.2 1.3"},
		{"nested", [][]int{{1, 2, 2, 1}, {1}}, "1.1 1.1.1 1.1.2 1.2 2.1"},
		{"depth 0 is 1", [][]int{{0, 0}}, "1.1 1.2"},
		{"no skipped level", [][]int{{3, 3, 1, 3}}, "1.1 1.1.1 1.2 1.2.1"},
		{"back up two levels", [][]int{{1, 2, 3, 1, 2}}, "1.1 1.1.1 1.1.1.1 1.2 1.2.1"},
		{"empty stage keeps its number", [][]int{{}, {1}}, "2.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Roadmap
			for _, ds := range tc.depths {
				var s Stage
				for _, d := range ds {
					s.Items = append(s.Items, Item{Depth: d, Number: "9.9"})
				}
				r.Stages = append(r.Stages, s)
			}
			r.Renumber()
			var got []string
			for _, s := range r.Stages {
				for _, it := range s.Items {
					got = append(got, it.Number)
				}
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("got %s, want %s", g, tc.want)
			}
		})
	}
}

func TestOccurrenceStateAtTheEndOfTheLocalDay(t *testing.T) {
	kal, _ := time.LoadLocation("Europe/Kaliningrad")
	kam, _ := time.LoadLocation("Asia/Kamchatka")
	o := Occurrence{Occurrence: schedule.Occurrence{Due: time.Date(2022, 12, 15, 0, 0, 0, 0, time.UTC)}, Scheduled: true}
	for _, tc := range []struct {
		at   time.Time
		loc  *time.Location
		want OccurrenceState
	}{
		{time.Date(2022, 12, 15, 23, 59, 0, 0, kal), kal, Pending},
		{time.Date(2022, 12, 16, 0, 0, 0, 0, kal), kal, Overdue},
		{time.Date(2022, 12, 15, 23, 59, 0, 0, kam), kam, Pending},
		{time.Date(2022, 12, 16, 0, 0, 0, 0, kam), kam, Overdue},
		// One instant, two answers: 12:00 UTC on the 15th is 00:00 on the 16th in Kamchatka.
		{time.Date(2022, 12, 15, 12, 0, 0, 0, time.UTC), kal, Pending},
		{time.Date(2022, 12, 15, 12, 0, 0, 0, time.UTC), kam, Overdue},
	} {
		if got := o.State(tc.at, tc.loc); got != tc.want {
			t.Errorf("%s in %s: %v, want %v", tc.at.UTC(), tc.loc, got, tc.want)
		}
	}
	done := o
	done.Done = true
	if got := done.State(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), kam); got != Done {
		t.Errorf("done: %v", got)
	}
}

func TestOccurrencesKeepDoneMarksTheScheduleLost(t *testing.T) {
	p := schedule.Period{Start: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2022, 12, 31, 0, 0, 0, 0, time.UTC)}
	old := Occurrences(schedule.Parse("Май 2022", p), p, nil)
	if len(old) != 1 {
		t.Fatalf("occurrences of «Май 2022»: %v", old)
	}
	old[0].Done = true
	next := Occurrences(schedule.Parse("Июнь 2022", p), p, old)
	if len(next) != 2 || !next[0].Scheduled || next[0].Done || next[1].Scheduled || !next[1].Done {
		t.Errorf("after the deadline moved: %+v", next)
	}
}
