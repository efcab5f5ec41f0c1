package indicator

import "github.com/nastavnik/nastavnik/services/indicators/internal/form"

// Sources of the shipped indicators.
const (
	SourceRegional = "Региональная программа наставничества: количественные показатели эффективности"
	SourceFederal  = "Федеральный проект «Современная школа»"
)

// Shipped are the nine indicators of the regional programme and the federal
// project «Современная школа» over the mentorship form.
//
// The regional programme's indicator table writes МПо for "all young teachers" in the support row and for
// "all teachers" in the programmes row, and its methodist row says "от общего
// числа педагогов" while defining МПо as all young teachers. The definitions
// resolve it by the indicator's own name: the support share is over young
// teachers (young_teachers), the programme and methodist shares over all
// teachers (teachers_total).
var Shipped = []Definition{
	{Code: "young_teacher_projects", Kind: Count, Numerator: "young_teacher_projects", Factor: 1, Unit: "ед.", Source: SourceRegional,
		Name:   "Наличие проектов по поддержке молодых педагогов",
		Counts: "Сумма проектов и программ поддержки молодых педагогов, реализуемых организациями в отчётном году (поле «Проекты поддержки молодых педагогов»)."},
	{Code: "young_teachers_supported_share", Kind: Share, Numerator: "young_teachers_supported", Denominator: "young_teachers", Factor: 100, Unit: "%", Source: SourceRegional,
		Name:   "Доля педагогических работников в возрасте до 35 лет, участвующих в различных формах поддержки и сопровождения в первые 3 года работы",
		Counts: "МПм / МПо × 100 %: МПм — молодые педагоги, охваченные сопровождением; МПо — все молодые педагоги (до 35 лет, первые три года работы)."},
	{Code: "mentoring_programmes", Kind: Count, Numerator: "mentoring_programmes", Factor: 1, Unit: "ед.", Source: SourceRegional,
		Name:   "Наличие программ наставничества",
		Counts: "Сумма программ наставничества, реализуемых организациями в отчётном году."},
	{Code: "personal_programmes", Kind: Count, Numerator: "personal_programmes", Factor: 1, Unit: "ед.", Source: SourceRegional,
		Name:   "Наличие индивидуальных программ наставничества, разработанных и утверждённых образовательными организациями",
		Counts: "Сумма индивидуальных (персонализированных) программ наставничества, утверждённых в отчётном году."},
	{Code: "teachers_in_programmes_share", Kind: Share, Numerator: "teachers_in_mentoring", Denominator: "teachers_total", Factor: 100, Unit: "%", Source: SourceRegional,
		Name:   "Доля педагогов, участвующих в программах наставничества, от общего числа педагогов",
		Counts: "МПн / МПо × 100 %: МПн — педагоги, участвующие в программах наставничества (наставником или наставляемым, каждый один раз); МПо — все педагогические работники."},
	{Code: "teachers_methodist_share", Kind: Share, Numerator: "teachers_methodist_support", Denominator: "teachers_total", Factor: 100, Unit: "%", Source: SourceRegional,
		Name:   "Доля педагогов, сопровождаемых педагогами-методистами, прошедшими региональный отбор, от общего числа педагогов",
		Counts: "МПсм / МПо × 100 %: МПсм — педагоги (в том числе молодые), сопровождаемые педагогами-методистами регионального отбора; МПо — все педагогические работники (как в названии показателя; в таблице источника МПо ошибочно названо числом молодых педагогов)."},
	{Code: "community_programmes", Kind: Count, Numerator: "community_programmes", Factor: 1, Unit: "ед.", Source: SourceRegional,
		Name:   "Наличие программ поддержки методических объединений, профессиональных сообществ педагогов",
		Counts: "Сумма программ поддержки методических объединений и профессиональных сообществ педагогов."},
	{Code: "students_in_mentoring_share", Kind: Share, Numerator: "students_in_mentoring", Denominator: "students_total", Factor: 100, Unit: "%", Source: SourceFederal,
		Name:   "Доля обучающихся, вовлечённых в различные формы наставничества",
		Counts: "Обучающиеся, участвующие в программах наставничества (каждый один раз) / все обучающиеся × 100 %."},
	{Code: "teachers_involved_share", Kind: Share, Numerator: "teachers_in_mentoring", Denominator: "teachers_total", Factor: 100, Unit: "%", Source: SourceFederal,
		Name:   "Доля педагогов, вовлечённых в различные формы наставничества",
		Counts: "Педагоги, участвующие в программах наставничества наставником или наставляемым (каждый один раз) / все педагогические работники × 100 %. Та же дробь, что у регионального показателя «Доля педагогов, участвующих в программах наставничества», но с целевыми значениями федерального проекта."},
}

func init() {
	for i := range Shipped {
		Shipped[i].Form = form.MentorshipCode
	}
}

// ShippedTargets are the federal and regional targets of the demo: the
// federal project's for students (≥ 10 % by the end of 2020, ≥ 70 % by the
// end of 2024) and teachers (≥ 70 % by 2024), carried on to later years, and
// the regional programme's for the support of young teachers.
func ShippedTargets() []Target {
	var out []Target
	students := map[int]float64{2020: 10, 2021: 25, 2022: 40, 2023: 55, 2024: 70, 2025: 70, 2026: 70}
	for y, v := range students {
		out = append(out, Target{Indicator: "students_in_mentoring_share", Year: y, Min: v, Source: SourceFederal})
	}
	teachers := map[int]float64{2022: 50, 2023: 60, 2024: 70, 2025: 70, 2026: 70}
	for y, v := range teachers {
		out = append(out, Target{Indicator: "teachers_involved_share", Year: y, Min: v, Source: SourceFederal})
	}
	for y := 2023; y <= 2026; y++ {
		out = append(out,
			Target{Indicator: "young_teachers_supported_share", Year: y, Min: 80, Source: SourceRegional},
			Target{Indicator: "teachers_in_programmes_share", Year: y, Min: 50 + float64(y-2023)*5, Source: SourceRegional},
		)
	}
	return out
}
