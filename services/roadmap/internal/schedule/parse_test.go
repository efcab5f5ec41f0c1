package schedule

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var (
	krasnoyarsk = Period{Start: date(2021, 1, 1), End: date(2024, 12, 31)} // seed 003
	tuzha       = Period{Start: date(2020, 1, 1), End: date(2024, 12, 31)} // seed 000
	oneYear     = Period{Start: date(2022, 1, 1), End: date(2022, 12, 31)}
)

func rules(s Schedule) []string {
	out := make([]string, len(s.Rules))
	for i, r := range s.Rules {
		out[i] = r.String()
	}
	return out
}

// TestSeedDeadlines holds every deadline text of the seeds (000, 003, 004) and
// the schedule a methodologist would write down for it.
func TestSeedDeadlines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text   string
		period Period
		want   []string
	}{
		// seed 003, Krasnoyarsk 2021–2024
		{"В течение периода реализации", krasnoyarsk, []string{"continuous"}},
		{"Декабрь 2021, январь, 2022", krasnoyarsk, []string{"once 2021-12-01..2021-12-31", "once 2022-01-01..2022-01-31"}},
		{"До 20.08. 22.", krasnoyarsk, []string{"once by 2022-08-20"}},
		{"Ежегодно, август-сентябрь", krasnoyarsk, []string{"yearly 08-01..09-30"}},
		{"Ежегодно, в течение периода реализации", krasnoyarsk, []string{"yearly 01-01..12-31"}},
		{"Ежегодно, не позднее 1 июля", krasnoyarsk, []string{"yearly 01-01..07-01"}},
		{"Ежегодно, не позднее 15 декабря", krasnoyarsk, []string{"yearly 01-01..12-15"}},
		{"Июль 2022 - 2024", krasnoyarsk, []string{"yearly 07-01..07-31 2022..2024"}},
		{"Июль, 2021", krasnoyarsk, []string{"once 2021-07-01..2021-07-31"}},
		{"Май 2022, 2023", krasnoyarsk, []string{"once 2022-05-01..2022-05-31", "once 2023-05-01..2023-05-31"}},
		{"Май, 2022 Ежегодно не позднее 15 декабря", krasnoyarsk, []string{"once 2022-05-01..2022-05-31", "yearly 01-01..12-15"}},
		{"Май, 2022 Ежегодно, не позднее 1 июня", krasnoyarsk, []string{"once 2022-05-01..2022-05-31", "yearly 01-01..06-01"}},
		{"Март – апрель, 2022", krasnoyarsk, []string{"once 2022-03-01..2022-04-30"}},
		{"Март, 2022", krasnoyarsk, []string{"once 2022-03-01..2022-03-31"}},
		{"Март, 2022, На протяжении всего периода", krasnoyarsk, []string{"once 2022-03-01..2022-03-31", "continuous"}},
		{"Март- июнь, 2022", krasnoyarsk, []string{"once 2022-03-01..2022-06-30"}},
		{"На протяжении всего периода по отдельному графику", krasnoyarsk, []string{"continuous"}},
		{"Февраль 2022", krasnoyarsk, []string{"once 2022-02-01..2022-02-28"}},
		{"Февраль, 2022", krasnoyarsk, []string{"once 2022-02-01..2022-02-28"}},
		{"Январь, Май 2022 ежегодно", krasnoyarsk, []string{"yearly 01-01..01-31 2022..0", "yearly 05-01..05-31 2022..0"}},
		{"ежегодно", krasnoyarsk, []string{"yearly 01-01..12-31"}},
		// seed 000, Tuzha 2020–2024
		{"Ноябрь 2020", tuzha, []string{"once 2020-11-01..2020-11-30"}},
		{"Декабрь 2020 г.", tuzha, []string{"once 2020-12-01..2020-12-31"}},
		{"Февраль 2021", tuzha, []string{"once 2021-02-01..2021-02-28"}},
		{"Ежегодно", tuzha, []string{"yearly 01-01..12-31"}},
		{"В течение года", tuzha, []string{"continuous"}},
		{"В начале учебного года", tuzha, []string{"yearly 09-01..09-30"}},
		{"Май", tuzha, []string{"yearly 05-01..05-31"}},
		// seed 004, model layouts
		{"Май 2022", oneYear, []string{"once 2022-05-01..2022-05-31"}},
		{"По мере реализации", oneYear, []string{"as_needed"}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got := Parse(tc.text, tc.period)
			if !got.Understood {
				t.Errorf("not understood: %s", got.Note)
			}
			if diff := cmp.Diff(tc.want, rules(got)); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			if got.Text != tc.text {
				t.Errorf("text = %q, want it kept as %q", got.Text, tc.text)
			}
		})
	}
}

func TestOtherWordings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text   string
		period Period
		want   []string
	}{
		{"I квартал 2022", krasnoyarsk, []string{"once 2022-01-01..2022-03-31"}},
		{"в 3 квартале 2023 г.", krasnoyarsk, []string{"once 2023-07-01..2023-09-30"}},
		{"II полугодие 2021", krasnoyarsk, []string{"once 2021-07-01..2021-12-31"}},
		{"первое полугодие", oneYear, []string{"once 2022-01-01..2022-06-30"}},
		{"2022-2023 уч. год", krasnoyarsk, []string{"once 2022-09-01..2023-05-31"}},
		{"2023/2024 учебный год", krasnoyarsk, []string{"once 2023-09-01..2024-05-31"}},
		{"ежемесячно", oneYear, []string{"monthly"}},
		{"По мере необходимости", krasnoyarsk, []string{"as_needed"}},
		{"до 1 сентября 2023", krasnoyarsk, []string{"once by 2023-09-01"}},
		{"не позднее 25.05.2023", krasnoyarsk, []string{"once by 2023-05-25"}},
		{"15.12.2026", krasnoyarsk, []string{"once 2026-12-15..2026-12-15"}},
		{"2021-2024 гг.", krasnoyarsk, []string{"once 2021-01-01..2024-12-31"}},
		{"2022", krasnoyarsk, []string{"once 2022-01-01..2022-12-31"}},
		{"ежегодно в мае", krasnoyarsk, []string{"yearly 05-01..05-31"}},
		{"сентябрь", oneYear, []string{"once 2022-09-01..2022-09-30"}},
		{"в конце учебного года", krasnoyarsk, []string{"yearly 05-01..05-31"}},
		{"декабрь - январь, ежегодно", krasnoyarsk, []string{"yearly 12-01..01-31"}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got := Parse(tc.text, tc.period)
			if !got.Understood {
				t.Errorf("not understood: %s", got.Note)
			}
			if diff := cmp.Diff(tc.want, rules(got)); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNotUnderstoodIsFlagged(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"", "  ", "1", "_", "ом в формате личной и групповой", "когда-нибудь", "31 февраля 2022", "30.02.2022", "2024-2022"} {
		got := Parse(text, krasnoyarsk)
		if got.Understood {
			t.Errorf("Parse(%q) understood as %v, want it flagged", text, rules(got))
		}
		if got.Text != text {
			t.Errorf("Parse(%q) lost the text", text)
		}
	}
	if got := Parse("Май 2022, когда получится", krasnoyarsk); got.Understood || !strings.Contains(got.Note, "получится") {
		t.Errorf("a partly understood text must be flagged naming the unknown words: %+v", got)
	}
}

func TestOccurrences(t *testing.T) {
	t.Parallel()
	s := Parse("Май, 2022 Ежегодно не позднее 15 декабря", krasnoyarsk)
	var got []string
	for _, o := range s.Occurrences(krasnoyarsk) {
		got = append(got, o.Due.Format("2006-01-02"))
	}
	want := []string{"2021-12-15", "2022-05-31", "2022-12-15", "2023-12-15", "2024-12-15"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("occurrences (-want +got):\n%s", diff)
	}
	cross := Parse("декабрь - январь, ежегодно", Period{Start: date(2021, 1, 1), End: date(2022, 12, 31)}).Occurrences(Period{Start: date(2021, 1, 1), End: date(2022, 12, 31)})
	if len(cross) != 2 || cross[0].Due != date(2022, 1, 31) {
		t.Errorf("a window across new year: %+v", cross)
	}
	if n := len(Parse("ежемесячно", oneYear).Occurrences(oneYear)); n != 12 {
		t.Errorf("monthly over a year: %d occurrences, want 12", n)
	}
	if n := len(Parse("По мере необходимости", oneYear).Occurrences(oneYear)); n != 0 {
		t.Errorf("as needed: %d occurrences, want none", n)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"Май, 2022 Ежегодно не позднее 15 декабря", "До 20.08. 22.", "Март – апрель, 2022",
		"2022-2023 уч. год", "I квартал 2022", "Июль 2022 - 2024", "31.13.2020", "ежегодно ежегодно 2099-2000", "ёЁ–—"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 500 {
			return // the API refuses longer deadline texts
		}
		s := Parse(text, krasnoyarsk)
		if s.Text != text {
			t.Fatalf("text not kept")
		}
		for _, r := range s.Rules {
			if r.Kind == Once && !r.Start.IsZero() && r.End.Before(r.Start) {
				t.Fatalf("%q: window ends before it starts: %v", text, r)
			}
		}
		for _, o := range s.Occurrences(krasnoyarsk) {
			if o.Due.IsZero() {
				t.Fatalf("%q: occurrence without a due date", text)
			}
		}
	})
}
