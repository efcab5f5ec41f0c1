package rules

import (
	"testing"

	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
)

// FuzzRule compiles any expression an operator could type as a rule of the
// mentorship form and, when it compiles, checks complete, empty and extreme
// values with it: a rule is refused with a violation, or it answers; it
// never panics, and the cost limit ends any loop.
func FuzzRule(f *testing.F) {
	for _, r := range form.Mentorship().Rules {
		f.Add(r.Expression, int64(10))
	}
	for _, e := range []string{
		"teachers_total > prev.teachers_total * 2", "share(young_teachers, teachers_total) <= 100.0",
		"[1,2,3].all(x, x > 0)", "size(string(teachers_total)) < 5", "teachers_total / 0 == 1",
		"[1,2,3,4,5,6,7,8,9,10].map(a, [1,2,3,4,5,6,7,8,9,10].map(b, [1,2,3,4,5,6,7,8,9,10].map(c, a*b*c))).size() > 0",
		"act_order.yes && act_order.date != ''", "has(prev.teachers_total)", "9223372036854775807 + teachers_total > 0",
		"'\\u202e' + 'x' == 'x'", "((((((((((((((((((((1))))))))))))))))))) == 1",
	} {
		f.Add(e, int64(-1))
	}
	f.Fuzz(func(t *testing.T, expr string, n int64) {
		if len(expr) > 4000 { // the API's limit of an expression
			return
		}
		fm := form.Mentorship() // its fields; the fuzzed rule alone (compiling all of them is the slow part)
		fm.Rules = append([]form.Rule(nil), form.Rule{Code: "fuzz", Expression: expr, Severity: form.Warning, Message: "Проверка",
			Fields: []string{"teachers_total"}})
		s, err := Compile(fm)
		if err != nil {
			return
		}
		values := full()
		values["teachers_total"] = count(n)
		for _, prev := range []map[string]int64{nil, {"teachers_total": n}} {
			s.Check(values, prev)
			s.Check(map[string]form.Value{"teachers_total": count(n)}, prev)
		}
	})
}
