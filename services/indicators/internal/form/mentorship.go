package form

import "fmt"

// MentorshipCode is the code of the yearly monitoring form of the mentorship
// target model.
const MentorshipCode = "cmn_monitoring"

// mentoringForm is one of the five forms of mentoring of order Р-145.
type mentoringForm struct{ code, name string }

var mentoringForms = []mentoringForm{
	{"pupil_pupil", "ученик – ученик"},
	{"teacher_teacher", "учитель – учитель"},
	{"student_pupil", "студент – ученик"},
	{"employer_pupil", "работодатель – ученик"},
	{"employer_student", "работодатель – студент"},
}

func count(code, label, help string) Field {
	return Field{Code: code, Label: label, Help: help, Type: Count, Required: true}
}

func act(code, label, help string) Field {
	return Field{Code: code, Label: label, Help: help, Type: YesNo, Required: true, CarryOver: true}
}

// Mentorship returns version 1 of the mentorship monitoring form, as a draft:
// every field the methodological centres collect, with what it counts, and its rules.
func Mentorship() Form {
	teachersTotal := count("teachers_total", "Педагогических работников, всего",
		"Численность педагогических работников организации на 1 декабря отчётного года: основные работники и внешние совместители, каждый человек один раз, без административного персонала без педагогической нагрузки. Человек.")
	teachersTotal.CarryOver = true
	studentsTotal := count("students_total", "Обучающихся, всего",
		"Численность обучающихся организации на 1 декабря отчётного года (для организаций дополнительного образования — уникальных обучающихся, каждый один раз). Человек.")
	studentsTotal.CarryOver = true
	teachers := Section{Code: "teachers", Title: "Педагоги", Fields: []Field{
		teachersTotal,
		count("young_teachers", "Молодые педагоги",
			"Из педагогических работников, всего: педагоги в возрасте до 35 лет в первые три года педагогической работы (стаж не более трёх лет на 1 декабря). Человек."),
		count("young_teachers_supported", "Молодые педагоги, охваченные сопровождением",
			"Из молодых педагогов: те, кого в отчётном году сопровождал наставник или кто участвовал в программе наставничества в роли наставляемого. Человек."),
		count("teachers_in_mentoring", "Педагоги, участвующие в программах наставничества",
			"Из педагогических работников, всего: участвующие в программах наставничества в роли наставника или наставляемого; педагог в обеих ролях считается один раз. Человек."),
		count("teachers_methodist_support", "Педагоги, сопровождаемые педагогами-методистами",
			"Из педагогических работников, всего: сопровождаемые педагогами-методистами, прошедшими региональный отбор. Человек."),
	}}
	students := Section{Code: "students", Title: "Обучающиеся", Fields: []Field{
		studentsTotal,
		count("students_in_mentoring", "Обучающиеся, вовлечённые в программы наставничества",
			"Из обучающихся, всего: участвующие в программах наставничества в роли наставника или наставляемого; каждый считается один раз. Человек."),
	}}
	forms := Section{Code: "mentoring_forms", Title: "Формы наставничества (распоряжение Минпросвещения России № Р-145)"}
	var rules []Rule
	for _, mf := range mentoringForms {
		mentors, mentees, pairs := "mf_"+mf.code+"_mentors", "mf_"+mf.code+"_mentees", "mf_"+mf.code+"_pairs"
		forms.Fields = append(forms.Fields,
			count(mentors, "Форма «"+mf.name+"»: наставники",
				"Наставники, работавшие в отчётном году в форме «"+mf.name+"»; каждый человек один раз в этой форме. Человек."),
			count(mentees, "Форма «"+mf.name+"»: наставляемые",
				"Наставляемые, участвовавшие в отчётном году в форме «"+mf.name+"»; каждый человек один раз в этой форме. Человек."),
			count(pairs, "Форма «"+mf.name+"»: пары и группы",
				"Наставнические пары и группы, сформированные в форме «"+mf.name+"» и работавшие в отчётном году. Единиц."),
		)
		rules = append(rules, Rule{Code: "pairs_le_mentees_" + mf.code, Severity: Error,
			Expression: fmt.Sprintf("%s <= %s", pairs, mentees), Fields: []string{pairs, mentees},
			Message: "Пар и групп в форме «" + mf.name + "» не может быть больше, чем наставляемых в этой форме: в каждой паре или группе есть хотя бы один наставляемый."})
	}
	programmes := Section{Code: "programmes", Title: "Программы и проекты", Fields: []Field{
		count("mentoring_programmes", "Программы наставничества",
			"Программы наставничества, реализуемые организацией в отчётном году (утверждённые локальным актом). Единиц."),
		count("personal_programmes", "Персонализированные программы наставничества",
			"Индивидуальные (персонализированные) программы наставничества, утверждённые в отчётном году. Единиц."),
		count("young_teacher_projects", "Проекты поддержки молодых педагогов",
			"Проекты и программы поддержки молодых педагогов, реализуемые организацией в отчётном году. Единиц."),
		count("community_programmes", "Программы поддержки методических объединений и профессиональных сообществ",
			"Программы поддержки методических объединений и профессиональных сообществ педагогов, реализуемые в отчётном году. Единиц."),
	}}
	acts := Section{Code: "local_acts", Title: "Локальные акты", Fields: []Field{
		act("act_regulation", "Положение о наставничестве",
			"Утверждено ли в организации положение о программе наставничества. При ответе «да» укажите номер и дату документа или ссылку на него."),
		act("act_order", "Приказ о внедрении целевой модели наставничества",
			"Издан ли приказ о внедрении целевой модели наставничества. При ответе «да» укажите номер и дату приказа или ссылку на него."),
		act("act_roadmap", "Дорожная карта внедрения целевой модели",
			"Утверждена ли дорожная карта внедрения целевой модели наставничества. При ответе «да» укажите номер и дату документа или ссылку на него."),
		act("act_curator", "Куратор назначен",
			"Назначен ли куратор внедрения целевой модели наставничества. При ответе «да» укажите номер и дату приказа о назначении или ссылку на него."),
		{Code: "comment", Label: "Комментарий", Type: Text,
			Help: "Что важно знать о данных отчёта (необязательно)."},
	}}
	rules = append([]Rule{
		{Code: "young_le_teachers", Severity: Error, Expression: "young_teachers <= teachers_total",
			Fields:  []string{"young_teachers", "teachers_total"},
			Message: "«Молодые педагоги» не может быть больше, чем «Педагогических работников, всего»."},
		{Code: "supported_le_young", Severity: Error, Expression: "young_teachers_supported <= young_teachers",
			Fields:  []string{"young_teachers_supported", "young_teachers"},
			Message: "«Молодые педагоги, охваченные сопровождением» не может быть больше, чем «Молодые педагоги»."},
		{Code: "in_mentoring_le_teachers", Severity: Error, Expression: "teachers_in_mentoring <= teachers_total",
			Fields:  []string{"teachers_in_mentoring", "teachers_total"},
			Message: "«Педагоги, участвующие в программах наставничества» не может быть больше, чем «Педагогических работников, всего»."},
		{Code: "methodist_le_teachers", Severity: Error, Expression: "teachers_methodist_support <= teachers_total",
			Fields:  []string{"teachers_methodist_support", "teachers_total"},
			Message: "«Педагоги, сопровождаемые педагогами-методистами» не может быть больше, чем «Педагогических работников, всего»."},
		{Code: "students_in_mentoring_le_students", Severity: Error, Expression: "students_in_mentoring <= students_total",
			Fields:  []string{"students_in_mentoring", "students_total"},
			Message: "«Обучающиеся, вовлечённые в программы наставничества» не может быть больше, чем «Обучающихся, всего»."},
	}, rules...)
	for _, a := range acts.Fields {
		if a.Type != YesNo {
			continue
		}
		rules = append(rules, Rule{Code: "ref_" + a.Code, Severity: Error,
			Expression: fmt.Sprintf(`!%s || %s_ref != ""`, a.Code, a.Code), Fields: []string{a.Code},
			Message: "«" + a.Label + "»: при ответе «да» укажите реквизиты документа (номер или ссылку)."})
	}
	f := Form{Code: MentorshipCode, Version: 1, Title: "Мониторинг реализации целевой модели наставничества",
		Status: Draft, Share: 0.5, Revision: 1,
		Sections: []Section{teachers, students, forms, programmes, acts}}
	for _, fl := range f.Fields() {
		if fl.Type != Count {
			continue
		}
		rules = append(rules, Rule{Code: "yoy_" + fl.Code, Severity: Warning,
			Expression: fmt.Sprintf(`!has_prev || !(%[1]q in prev) || prev[%[1]q] == 0 || `+
				`(double(%[1]s) <= double(prev[%[1]q]) * (1.0 + share) && double(%[1]s) >= double(prev[%[1]q]) * (1.0 - share))`, fl.Code),
			Fields:  []string{fl.Code},
			Message: "«" + fl.Label + "» отличается от принятого отчёта прошлого года больше чем на допустимую долю: проверьте значение."})
	}
	f.Rules = rules
	return f
}
