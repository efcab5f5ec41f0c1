package validation

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// allowedLatin are the Latin words a Russian text may hold: names people
// know in this form.
var allowedLatin = map[string]bool{
	"INN": true, "OKTMO": true, "UUID": true, "CSV": true, "XLSX": true, "DOCX": true,
	"UTF": true, "JSON": true, "Excel": true, "Word": true, "http": true, "https": true,
}

var (
	placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)
	latinWordRE   = regexp.MustCompile(`[A-Za-z]+`)
)

func TestCatalogueTexts(t *testing.T) {
	t.Parallel()
	for _, code := range Codes() {
		m, _ := Lookup(code)
		if strings.TrimSpace(m.English) == "" || strings.TrimSpace(m.Russian) == "" {
			t.Errorf("%s: English %q, Russian %q: both are needed", code, m.English, m.Russian)
		}
		for _, w := range latinWordRE.FindAllString(placeholderRE.ReplaceAllString(m.Russian, ""), -1) {
			if !allowedLatin[w] {
				t.Errorf("%s: the Russian %q has the Latin word %q: write it in Russian, or pass it as a parameter", code, m.Russian, w)
			}
		}
		for lang, tmpl := range map[string]string{"English": m.English, "Russian": m.Russian} {
			if strings.Count(tmpl, "{") != strings.Count(tmpl, "}") {
				t.Errorf("%s: unbalanced braces in the %s %q", code, lang, tmpl)
			}
			want := map[string]int{"English": 2, "Russian": 3}[lang]
			for _, ph := range placeholderRE.FindAllString(tmpl, -1) {
				parts := strings.Split(strings.Trim(ph, "{}"), "|")
				if parts[0] == "" || len(parts) > 1 && len(parts)-1 != want {
					t.Errorf("%s: %s placeholder %s: want {name} or {name|…} with %d forms", code, lang, ph, want)
				}
			}
		}
	}
}

// TestCatalogueFormats renders every code with every parameter its templates
// name: nothing may stay unfilled.
func TestCatalogueFormats(t *testing.T) {
	t.Parallel()
	for _, code := range Codes() {
		m, _ := Lookup(code)
		p := New(code)
		for _, ph := range placeholderRE.FindAllString(m.English+m.Russian, -1) {
			name, _, plural := strings.Cut(strings.Trim(ph, "{}"), "|")
			if plural {
				p = p.With(name, 5)
			} else if _, set := p.Params[name]; !set {
				p = p.With(name, "x")
			}
		}
		for _, s := range []string{p.English(), p.Russian()} {
			if strings.ContainsAny(s, "{}") {
				t.Errorf("%s: %q left a placeholder unfilled", code, s)
			}
		}
	}
}

func TestFormatting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p           Problem
		en, ru      string
		code        string
		description string
	}{
		{p: Required(), code: "required", en: "is required", ru: "Заполните это поле"},
		{p: TooLong(500), code: "too_long", en: "must be at most 500 characters", ru: "Не длиннее 500 символов"},
		{p: TooLong(1), code: "too_long", en: "must be at most 1 characters", ru: "Не длиннее 1 символа"},
		{p: TooLong(21), code: "too_long", en: "must be at most 21 characters", ru: "Не длиннее 21 символа"},
		{p: TooShort(10), code: "too_short", en: "must be at least 10 characters", ru: "Не короче 10 символов"},
		{p: BadDate("2025-13-01"), code: "date_format", en: `"2025-13-01" is not a date in the form YYYY-MM-DD`,
			ru: "Дата в формате ГГГГ-ММ-ДД, например 2025-09-01"},
		{p: NotFound("municipality"), code: "not_found_municipality", en: "no such municipality", ru: "Такого муниципалитета нет"},
		{p: OneOf("school", "college", "additional education"), code: "one_of",
			en: "must be school, college or additional education", ru: "Выберите значение из списка"},
		{p: OneOf("error", "warning"), code: "one_of", en: "must be error or warning", ru: "Выберите значение из списка"},
		{p: Range(0, 1_000_000_000), code: "range", en: "must be from 0 to 1000000000", ru: "Число от 0 до 1\u00a0000\u00a0000\u00a0000"},
		{p: YearRange(2000, 2100), code: "year_range", en: "must be a year from 2000 to 2100", ru: "Год от 2000 до 2100"},
		{p: New("closed_before_opened").With("opened", time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC)), code: "closed_before_opened",
			en: "must be after the opening date 2020-09-01", ru: "Дата закрытия должна быть позже даты открытия (01.09.2020)"},
		{p: New("campaign_overlap").With("count", 1).With("other", "Мониторинг").With("year", 2025), code: "campaign_overlap",
			en: "1 organisation of this scope already reports in «Мониторинг» of 2025",
			ru: "1 организация из этого охвата уже отчитывается в кампании «Мониторинг» 2025 года"},
		{p: New("campaign_overlap").With("count", 3).With("other", "Мониторинг").With("year", 2025), code: "campaign_overlap",
			en: "3 organisations of this scope already report in «Мониторинг» of 2025",
			ru: "3 организации из этого охвата уже отчитываются в кампании «Мониторинг» 2025 года"},
		{p: New("column_missing").With("columns", []string{"«Полное наименование»", "«Краткое наименование»"}), code: "column_missing",
			en: "no column «Полное наименование» or «Краткое наименование» in the header row",
			ru: "В строке заголовков нет столбца «Полное наименование» или «Краткое наименование»"},
		{p: New("value_type").With("field", "teachers").With("type", Words{"count", "число"}), code: "value_type",
			en: "field teachers takes a count value", ru: "Значение не подходит для этого поля: нужно число"},
		{p: Rule("young_le_total", "Молодых педагогов не может быть больше, чем всех."), code: "young_le_total",
			en: "Молодых педагогов не может быть больше, чем всех.", ru: "Молодых педагогов не может быть больше, чем всех."},
		{p: Foreign("string.max_len", "value length must be at most 300 characters").With("rule", uint64(300)), code: "string.max_len",
			en: "value length must be at most 300 characters", ru: "Не длиннее 300 символов"},
		{p: Foreign("string.no_such_rule", "value is odd"), code: "string.no_such_rule",
			en: "value is odd", ru: "Проверьте значение этого поля"},
		{p: New("too_long"), code: "too_long", en: "must be at most {max} characters", ru: "Не длиннее {max} {max|символа|символов|символов}"},
	}
	for _, tc := range tests {
		if tc.p.Code != tc.code || tc.p.English() != tc.en || tc.p.Russian() != tc.ru || tc.p.Error() != tc.en {
			t.Errorf("%s = %q / %q / %q, want %q / %q / %q", tc.p.Code, tc.p.Code, tc.p.English(), tc.p.Russian(), tc.code, tc.en, tc.ru)
		}
	}
}

func TestAdd(t *testing.T) {
	t.Parallel()
	var ve Error
	ve.Add("name", TooLong(300))
	ve.Add("inn", fmt.Errorf("check: %w", New("inn_checksum")))
	ve.Add("legacy", "must be odd")
	ve.Add("rule", "«Педагоги»: заполните поле.")
	ve.Add("err", errors.New("plain error"))
	want := []Violation{
		{Field: "name", Code: "too_long", Description: "must be at most 300 characters", Russian: "Не длиннее 300 символов"},
		{Field: "inn", Code: "inn_checksum", Description: "check digit does not match: the INN has a typo", Russian: "В ИНН опечатка: не сходится контрольная цифра"},
		{Field: "legacy", Code: CodeInvalid, Description: "must be odd", Russian: "Проверьте значение этого поля"},
		{Field: "rule", Code: CodeInvalid, Description: "«Педагоги»: заполните поле.", Russian: "«Педагоги»: заполните поле."},
		{Field: "err", Code: CodeInvalid, Description: "plain error", Russian: "Проверьте значение этого поля"},
	}
	if len(ve.Violations) != len(want) {
		t.Fatalf("got %d violations, want %d", len(ve.Violations), len(want))
	}
	for i, v := range ve.Violations {
		w := want[i]
		if v.Field != w.Field || v.Code != w.Code || v.Description != w.Description || v.Russian != w.Russian {
			t.Errorf("violation %d = %+v, want %+v", i, v, w)
		}
	}

	err := Prefixed("organisation", &ve)
	var out *Error
	if !errors.As(err, &out) || out.Violations[0].Field != "organisation.name" || out.Violations[0].Code != "too_long" ||
		out.Violations[0].Russian != "Не длиннее 300 символов" || out.Violations[0].Params["max"] != 300 {
		t.Errorf("Prefixed lost what the violation says: %+v", out)
	}
	if got := Field("x", Required()).Error(); got != "invalid input: x: is required" {
		t.Errorf("Field(...).Error() = %q", got)
	}
	if p := out.Violations[1].Problem(); p.Code != "inn_checksum" || p.Russian() != want[1].Russian {
		t.Errorf("Violation.Problem() = %+v", p)
	}
}
