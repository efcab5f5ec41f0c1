package schedule

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// schoolYear is the period of a school's roadmap for one school year.
var schoolYear = Period{Start: date(2022, 9, 1), End: date(2023, 8, 31)}

// TestPhrasings holds deadlines as Russian school and municipal documents
// write them, by kind — frequencies, spans, quarters and half-years, «до
// конца …», «далее …», school-calendar phrases, requests and plans, dates in
// every form — and the schedule a methodologist would write down for each.
// Rules read as Rule.String writes them: «quarterly by day 5 of the next
// month» is due on the 5th of January, April, July and October.
func TestPhrasings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text   string
		period Period
		want   []string
	}{
		{"ежеквартально, до 5 числа", krasnoyarsk, []string{"quarterly by day 5 of the next month"}},
		{"ежеквартально до 5 числа месяца, следующего за отчётным кварталом", krasnoyarsk, []string{"quarterly by day 5 of the next month"}},
		{"не позднее 20 числа последнего месяца квартала", krasnoyarsk, []string{"quarterly by day 20"}},
		{"ежемесячно до 25 числа", krasnoyarsk, []string{"monthly by day 25"}},
		{"ежемесячно, не позднее 5 числа месяца, следующего за отчётным", krasnoyarsk, []string{"monthly by day 5 of the next month"}},
		{"до 10 числа каждого месяца", krasnoyarsk, []string{"monthly by day 10"}},
		{"ежемесячно (сентябрь – май)", krasnoyarsk, []string{"monthly months 09..05"}},
		{"ежемесячно с сентября 2022 г. по май 2023 г.", krasnoyarsk, []string{"monthly from 2022-09-01 until 2023-05-31"}},
		{"раз в полугодие", krasnoyarsk, []string{"half_yearly"}},
		{"1 раз в полугодие", krasnoyarsk, []string{"half_yearly"}},
		{"2 раза в год", krasnoyarsk, []string{"half_yearly"}},
		{"дважды в год", krasnoyarsk, []string{"half_yearly"}},
		{"не реже одного раза в квартал", krasnoyarsk, []string{"quarterly"}},
		{"не реже 1 раза в месяц", krasnoyarsk, []string{"monthly"}},
		{"не реже 2 раз в год", krasnoyarsk, []string{"half_yearly"}},
		{"не менее 1 раза в полугодие", krasnoyarsk, []string{"half_yearly"}},
		{"4 раза в год", krasnoyarsk, []string{"quarterly"}},
		{"3 раза в год", krasnoyarsk, []string{"yearly 01-01..12-31 x3"}},
		{"1 раз в год", krasnoyarsk, []string{"yearly 01-01..12-31"}},
		{"2 раза в месяц", krasnoyarsk, []string{"monthly x2"}},
		{"еженедельно", krasnoyarsk, []string{"weekly"}},
		{"один раз в четверть", krasnoyarsk, []string{"school_term"}},
		{"по четвертям", krasnoyarsk, []string{"school_term"}},
		{"ежеквартально", krasnoyarsk, []string{"quarterly"}},
		{"Ежеполугодно", krasnoyarsk, []string{"half_yearly"}},
		{"два раза в год (декабрь, май)", krasnoyarsk, []string{"yearly 12-01..12-31", "yearly 05-01..05-31"}},
		{"октябрь 2022 г. – март 2023 г.", krasnoyarsk, []string{"once 2022-10-01..2023-03-31"}},
		{"ноябрь 2022 – февраль 2023 гг.", krasnoyarsk, []string{"once 2022-11-01..2023-02-28"}},
		{"январь 2023 – декабрь 2024 гг.", krasnoyarsk, []string{"once 2023-01-01..2024-12-31"}},
		{"сентябрь 2022 – май 2023", krasnoyarsk, []string{"once 2022-09-01..2023-05-31"}},
		{"с 15.01.2023 по 15.03.2023", krasnoyarsk, []string{"once 2023-01-15..2023-03-15"}},
		{"с 01.09.2022 г. до 31.05.2023 г.", krasnoyarsk, []string{"once 2022-09-01..2023-05-31"}},
		{"01.09.2022 – 31.05.2023", krasnoyarsk, []string{"once 2022-09-01..2023-05-31"}},
		{"с сентября по декабрь 2022 г.", krasnoyarsk, []string{"once 2022-09-01..2022-12-31"}},
		{"с сентября 2022 г. до мая 2023 г.", krasnoyarsk, []string{"once 2022-09-01..2023-05-31"}},
		{"с 1 по 15 сентября 2022 г.", krasnoyarsk, []string{"once 2022-09-01..2022-09-15"}},
		{"1–10 сентября 2022 г.", krasnoyarsk, []string{"once 2022-09-01..2022-09-10"}},
		{"с 2022 по 2024 гг.", krasnoyarsk, []string{"once 2022-01-01..2024-12-31"}},
		{"2022 г. – 2024 г.", krasnoyarsk, []string{"once 2022-01-01..2024-12-31"}},
		{"в течение 2022-2024 гг.", krasnoyarsk, []string{"once 2022-01-01..2024-12-31"}},
		{"II–III кварталы 2023 г.", krasnoyarsk, []string{"once 2023-04-01..2023-09-30"}},
		{"IV квартал 2022 – I квартал 2023", krasnoyarsk, []string{"once 2022-10-01..2023-03-31"}},
		{"IV кв. 2022 – I кв. 2023", krasnoyarsk, []string{"once 2022-10-01..2023-03-31"}},
		{"3-4 квартал 2022", krasnoyarsk, []string{"once 2022-07-01..2022-12-31"}},
		{"в I и III кварталах 2023 г.", krasnoyarsk, []string{"once 2023-01-01..2023-03-31", "once 2023-07-01..2023-09-30"}},
		{"I кв. 2023 г.", krasnoyarsk, []string{"once 2023-01-01..2023-03-31"}},
		{"в 1-м квартале 2023 года", krasnoyarsk, []string{"once 2023-01-01..2023-03-31"}},
		{"I квартал", krasnoyarsk, []string{"yearly 01-01..03-31"}},
		{"II полугодие 2022 г.", krasnoyarsk, []string{"once 2022-07-01..2022-12-31"}},
		{"I полугодие 2022/2023 учебного года", krasnoyarsk, []string{"once 2022-09-01..2022-12-31"}},
		{"2 полугодие 2022-2023 уч.г.", krasnoyarsk, []string{"once 2023-01-01..2023-05-31"}},
		{"в течение 1 полугодия 2023-2024 учебного года", krasnoyarsk, []string{"once 2023-09-01..2023-12-31"}},
		{"до конца учебного года", krasnoyarsk, []string{"yearly 09-01..05-31"}},
		{"до конца учебного года", schoolYear, []string{"once by 2023-05-31"}},
		{"до конца I полугодия 2023 г.", krasnoyarsk, []string{"once by 2023-06-30"}},
		{"до конца 2023 года", krasnoyarsk, []string{"once by 2023-12-31"}},
		{"до конца марта 2023 г.", krasnoyarsk, []string{"once by 2023-03-31"}},
		{"до окончания 2022-2023 учебного года", krasnoyarsk, []string{"once by 2023-05-31"}},
		{"к концу I квартала 2024 г.", krasnoyarsk, []string{"once by 2024-03-31"}},
		{"до конца года", oneYear, []string{"once by 2022-12-31"}},
		{"до конца текущего года", oneYear, []string{"once by 2022-12-31"}},
		{"до 2024 года", krasnoyarsk, []string{"once by 2024-12-31"}},
		{"март 2023 г., далее ежеквартально", krasnoyarsk, []string{"once 2023-03-01..2023-03-31", "quarterly from 2023-04-01"}},
		{"апрель 2023 г., далее 1 раз в полугодие", krasnoyarsk, []string{"once 2023-04-01..2023-04-30", "half_yearly from 2023-07-01"}},
		{"01.09.2022 г., далее – ежегодно", krasnoyarsk, []string{"once 2022-09-01..2022-09-01", "yearly 09-01..09-01 2023..0"}},
		{"до 01.09.2022, далее ежегодно", krasnoyarsk, []string{"once by 2022-09-01", "yearly 01-01..09-01 2023..0"}},
		{"май 2022 г. и далее ежегодно", krasnoyarsk, []string{"once 2022-05-01..2022-05-31", "yearly 05-01..05-31 2023..0"}},
		{"в течение 2023 г., далее ежегодно", krasnoyarsk, []string{"once 2023-01-01..2023-12-31", "yearly 01-01..12-31 2024..0"}},
		{"2022 г., далее – постоянно", krasnoyarsk, []string{"once 2022-01-01..2022-12-31", "continuous from 2023-01-01"}},
		{"декабрь 2022, далее – по мере необходимости", krasnoyarsk, []string{"once 2022-12-01..2022-12-31", "as_needed"}},
		{"март–апрель ежегодно, начиная с 2023 г.", krasnoyarsk, []string{"yearly 03-01..04-30 2023..0"}},
		{"в начале каждой четверти", krasnoyarsk, []string{"school_term start"}},
		{"по итогам каждой четверти", krasnoyarsk, []string{"school_term end"}},
		{"в конце четверти", krasnoyarsk, []string{"school_term end"}},
		{"по окончании I четверти", krasnoyarsk, []string{"yearly 10-01..10-31"}},
		{"в конце II четверти 2022-2023 учебного года", krasnoyarsk, []string{"once 2022-12-01..2022-12-31"}},
		{"по окончании учебного года", krasnoyarsk, []string{"yearly 05-01..05-31"}},
		{"по итогам учебного года", krasnoyarsk, []string{"yearly 05-01..05-31"}},
		{"в начале учебного года", schoolYear, []string{"once 2022-09-01..2022-09-30"}},
		{"в конце учебного года", schoolYear, []string{"once 2023-05-01..2023-05-31"}},
		{"к началу учебного года", krasnoyarsk, []string{"yearly 01-01..09-01"}},
		{"до начала учебного года", krasnoyarsk, []string{"yearly 01-01..08-31"}},
		{"в каникулярное время", krasnoyarsk, []string{"yearly 10-25..11-10", "yearly 12-25..01-10", "yearly 03-20..03-31", "yearly 06-01..08-31"}},
		{"в зимние каникулы", krasnoyarsk, []string{"yearly 12-25..01-10"}},
		{"в период летних каникул", krasnoyarsk, []string{"yearly 06-01..08-31"}},
		{"летом 2023 г.", krasnoyarsk, []string{"once 2023-06-01..2023-08-31"}},
		{"в осенние каникулы", schoolYear, []string{"once 2022-10-25..2022-11-10"}},
		{"по запросу", krasnoyarsk, []string{"as_needed"}},
		{"по запросу педагогов", krasnoyarsk, []string{"as_needed"}},
		{"по мере поступления заявок", krasnoyarsk, []string{"as_needed"}},
		{"по мере необходимости", krasnoyarsk, []string{"as_needed"}},
		{"при необходимости", krasnoyarsk, []string{"as_needed"}},
		{"по заявкам образовательных организаций", krasnoyarsk, []string{"as_needed"}},
		{"по итогам мониторинга", krasnoyarsk, []string{"as_needed"}},
		{"по факту проведения", krasnoyarsk, []string{"as_needed"}},
		{"по графику", krasnoyarsk, []string{"per_plan"}},
		{"по отдельному плану", krasnoyarsk, []string{"per_plan"}},
		{"согласно графику", krasnoyarsk, []string{"per_plan"}},
		{"в соответствии с планом работы", krasnoyarsk, []string{"per_plan"}},
		{"в установленные сроки", krasnoyarsk, []string{"per_plan"}},
		{"по согласованию с управлением образования", krasnoyarsk, []string{"per_plan"}},
		{"постоянно", krasnoyarsk, []string{"continuous"}},
		{"систематически", krasnoyarsk, []string{"continuous"}},
		{"ежедневно", krasnoyarsk, []string{"continuous"}},
		{"весь период", krasnoyarsk, []string{"continuous"}},
		{"в течение всего периода реализации программы", krasnoyarsk, []string{"continuous"}},
		{"на протяжении всего срока реализации дорожной карты", krasnoyarsk, []string{"continuous"}},
		{"в течение учебного года", krasnoyarsk, []string{"continuous"}},
		{"сент. 2022 г.", krasnoyarsk, []string{"once 2022-09-01..2022-09-30"}},
		{"в январе 2023 года", krasnoyarsk, []string{"once 2023-01-01..2023-01-31"}},
		{"в марте", krasnoyarsk, []string{"yearly 03-01..03-31"}},
		{"Январь-февраль 2023 г.", krasnoyarsk, []string{"once 2023-01-01..2023-02-28"}},
		{"Сентябрь 2022 г., январь 2023 г., май 2023 г.", krasnoyarsk, []string{"once 2022-09-01..2022-09-30", "once 2023-01-01..2023-01-31", "once 2023-05-01..2023-05-31"}},
		{"1 сентября 2022 года", krasnoyarsk, []string{"once 2022-09-01..2022-09-01"}},
		{"1 сент. 2022 г.", krasnoyarsk, []string{"once 2022-09-01..2022-09-01"}},
		{"01.09.22", krasnoyarsk, []string{"once 2022-09-01..2022-09-01"}},
		{"1.09.2022г.", krasnoyarsk, []string{"once 2022-09-01..2022-09-01"}},
		{"01.09.2022 г.", krasnoyarsk, []string{"once 2022-09-01..2022-09-01"}},
		{"2022-09-01", krasnoyarsk, []string{"once 2022-09-01..2022-09-01"}},
		{"в срок до 01.09.2022 г.", krasnoyarsk, []string{"once by 2022-09-01"}},
		{"не позднее 1 сентября 2022 года", krasnoyarsk, []string{"once by 2022-09-01"}},
		{"к 1 сентября 2022 г.", krasnoyarsk, []string{"once by 2022-09-01"}},
		{"до 25.12.2022", krasnoyarsk, []string{"once by 2022-12-25"}},
		{"до 15 мая", krasnoyarsk, []string{"yearly 01-01..05-15"}},
		{"до 15 мая", oneYear, []string{"once by 2022-05-15"}},
		{"в течение 2022 года", krasnoyarsk, []string{"once 2022-01-01..2022-12-31"}},
		{"в течение 2022–2023 учебного года", krasnoyarsk, []string{"once 2022-09-01..2023-05-31"}},
		{"2022–2023 уч. г.", krasnoyarsk, []string{"once 2022-09-01..2023-05-31"}},
		{"2022/2023 уч. год", krasnoyarsk, []string{"once 2022-09-01..2023-05-31"}},
		{"на 2022-2023 учебный год", krasnoyarsk, []string{"once 2022-09-01..2023-05-31"}},
		{"2023-2024 учебный год", krasnoyarsk, []string{"once 2023-09-01..2024-05-31"}},
		{"2022-2024 гг.", krasnoyarsk, []string{"once 2022-01-01..2024-12-31"}},
		{"2022, 2023, 2024 гг.", krasnoyarsk, []string{"once 2022-01-01..2022-12-31", "once 2023-01-01..2023-12-31", "once 2024-01-01..2024-12-31"}},
		{"ежегодно с 2022 по 2024 год", krasnoyarsk, []string{"yearly 01-01..12-31 2022..2024"}},
		{"ежегодно с 2023 г.", krasnoyarsk, []string{"yearly 01-01..12-31 2023..0"}},
		{"август–сентябрь ежегодно", krasnoyarsk, []string{"yearly 08-01..09-30"}},
		{"ежегодно в сентябре", krasnoyarsk, []string{"yearly 09-01..09-30"}},
		{"ежегодно (сентябрь, май)", krasnoyarsk, []string{"yearly 09-01..09-30", "yearly 05-01..05-31"}},
		{"Ежегодно, до 1 декабря", krasnoyarsk, []string{"yearly 01-01..12-01"}},
		{"ежегодно в период с 1 по 15 сентября", krasnoyarsk, []string{"yearly 09-01..09-15"}},
		{"сентябрь, январь, май", krasnoyarsk, []string{"yearly 09-01..09-30", "yearly 01-01..01-31", "yearly 05-01..05-31"}},
		{"сентябрь, январь, май", schoolYear, []string{"once 2022-09-01..2022-09-30", "once 2023-01-01..2023-01-31", "once 2023-05-01..2023-05-31"}},
		{"ноябрь-декабрь", krasnoyarsk, []string{"yearly 11-01..12-31"}},
		{"в течение I квартала 2023 г.", krasnoyarsk, []string{"once 2023-01-01..2023-03-31"}},
		{"в течение II полугодия", krasnoyarsk, []string{"yearly 07-01..12-31"}},
		{"по итогам I полугодия 2023 г.", krasnoyarsk, []string{"once 2023-06-01..2023-06-30"}},
		{"по итогам года", krasnoyarsk, []string{"yearly 12-01..12-31"}},
		{"по итогам квартала", krasnoyarsk, []string{"quarterly end"}},
		{"в конце каждого месяца", krasnoyarsk, []string{"monthly end"}},
		{"в начале 2023 года", krasnoyarsk, []string{"once 2023-01-01..2023-01-31"}},
		{"в конце 2022 г.", krasnoyarsk, []string{"once 2022-12-01..2022-12-31"}},
		{"в начале сентября", krasnoyarsk, []string{"yearly 09-01..09-10"}},
		{"в конце мая 2023 года", krasnoyarsk, []string{"once 2023-05-21..2023-05-31"}},
		{"в первой декаде сентября", krasnoyarsk, []string{"yearly 09-01..09-10"}},
		{"в последнюю декаду декабря", krasnoyarsk, []string{"yearly 12-21..12-31"}},
		{"вторая половина сентября 2022 г.", krasnoyarsk, []string{"once 2022-09-16..2022-09-30"}},
		{"летом", krasnoyarsk, []string{"yearly 06-01..08-31"}},
		{"с 2023 года", krasnoyarsk, []string{"continuous from 2023-01-01"}},
		{"с 01.09.2022", krasnoyarsk, []string{"continuous from 2022-09-01"}},
		{"март", schoolYear, []string{"once 2023-03-01..2023-03-31"}},
		{"сентябрь", schoolYear, []string{"once 2022-09-01..2022-09-30"}},
		{"ноябрь", oneYear, []string{"once 2022-11-01..2022-11-30"}},
		{"Сентябрь – май 2022-2023 уч.г.", krasnoyarsk, []string{"once 2022-09-01..2023-05-31"}},
		{"в течение I полугодия 2022-2023 учебного года", krasnoyarsk, []string{"once 2022-09-01..2022-12-31"}},
		{"1 раз в год (май)", krasnoyarsk, []string{"yearly 05-01..05-31"}},
		{"ежеквартально в течение 2023 года", krasnoyarsk, []string{"quarterly from 2023-01-01 until 2023-12-31"}},
		{"в течение первой четверти", krasnoyarsk, []string{"yearly 09-01..10-31"}},
		{"на начало учебного года", krasnoyarsk, []string{"yearly 09-01..09-30"}},
		{"ежегодно, по итогам учебного года", krasnoyarsk, []string{"yearly 05-01..05-31"}},
		{"Ноябрь 2022 г. (далее – по плану)", krasnoyarsk, []string{"once 2022-11-01..2022-11-30", "per_plan"}},
		{"По итогам проведения мероприятия", krasnoyarsk, []string{"as_needed"}},
		{"Сентябрь 2022 – август 2023", krasnoyarsk, []string{"once 2022-09-01..2023-08-31"}},
	}
	if len(tests) < 60 {
		t.Fatalf("%d phrasings: the table must hold at least 60", len(tests))
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

// TestPartlyUnderstood: what is understood only in part stays flagged, naming
// the words or the problem; nothing is guessed.
func TestPartlyUnderstood(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text    string
		period  Period
		unknown []string
		note    string
	}{
		{"в течение месяца", krasnoyarsk, []string{"месяца"}, ""},
		{"раз в две недели", krasnoyarsk, []string{"раз", "две", "недели"}, ""},
		{"май или июнь 2022", krasnoyarsk, []string{"или"}, ""},
		{"еженедельно по пятницам", krasnoyarsk, []string{"пятницам"}, ""},
		{"Не позднее 10 дней после", krasnoyarsk, []string{"дней", "10"}, ""},
		{"ежеквартально, когда получится", krasnoyarsk, []string{"когда", "получится"}, ""},
		{"с 1 сентября", krasnoyarsk, nil, "a start without its year"},
		{"до конца текущего года", krasnoyarsk, nil, "the current year"},
		{"до 5 числа", krasnoyarsk, nil, "a day of the month without the month"},
		{"до 31.02.2023", krasnoyarsk, nil, "not a real date"},
		{"декабрь 2023 – март 2023", krasnoyarsk, nil, "ends before it starts"},
		{"в начале", krasnoyarsk, nil, "a part of a period without the period"},
		{"с 15 по 1 сентября 2022", krasnoyarsk, nil, "not a real date"},
	}
	for _, tc := range tests {
		got := Parse(tc.text, tc.period)
		if got.Understood || got.Text != tc.text {
			t.Errorf("Parse(%q) understood as %v, want it flagged", tc.text, rules(got))
		}
		if diff := cmp.Diff(tc.unknown, got.Unknown); diff != "" {
			t.Errorf("Parse(%q) unknown words (-want +got):\n%s", tc.text, diff)
		}
		if tc.note != "" && !strings.Contains(got.Note, tc.note) {
			t.Errorf("Parse(%q) note %q, want it to say %q", tc.text, got.Note, tc.note)
		}
	}
}
