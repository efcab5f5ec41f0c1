package rules

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/nastavnik/nastavnik/platform/validation"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
)

func count(n int64) form.Value { return form.Value{Type: form.Count, Count: n} }

// full is a complete, consistent set of values of the mentorship form.
func full() map[string]form.Value {
	v := map[string]form.Value{}
	for _, f := range form.Mentorship().Fields() {
		switch f.Type {
		case form.Count:
			v[f.Code] = count(10)
		case form.YesNo:
			v[f.Code] = form.Value{Type: form.YesNo, Yes: true, Ref: form.Reference{Number: "1-од", Date: "2025-09-01"}}
		}
	}
	return v
}

func TestMentorshipFormIsValidAndItsRulesCompile(t *testing.T) {
	t.Parallel()
	f := form.Mentorship()
	if err := f.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if _, err := Compile(f); err != nil {
		t.Fatalf("Compile: %v", err)
	}
	for _, code := range []string{"teachers_total", "young_teachers", "young_teachers_supported", "teachers_in_mentoring",
		"teachers_methodist_support", "students_total", "students_in_mentoring", "mentoring_programmes", "personal_programmes",
		"young_teacher_projects", "community_programmes", "act_regulation", "act_order", "act_roadmap", "act_curator",
		"mf_pupil_pupil_mentors", "mf_teacher_teacher_mentees", "mf_student_pupil_pairs", "mf_employer_pupil_mentors", "mf_employer_student_pairs"} {
		if _, ok := f.Field(code); !ok {
			t.Errorf("the form lacks %s", code)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	set, err := Compile(form.Mentorship())
	if err != nil {
		t.Fatal(err)
	}
	with := func(changes map[string]form.Value, drop ...string) map[string]form.Value {
		v := full()
		for k, x := range changes {
			v[k] = x
		}
		for _, k := range drop {
			delete(v, k)
		}
		return v
	}
	tests := []struct {
		name   string
		values map[string]form.Value
		prev   map[string]int64
		want   []string // rule codes
	}{
		{"consistent", full(), nil, nil},
		{"young above teachers", with(map[string]form.Value{"young_teachers": count(11), "young_teachers_supported": count(1)}), nil, []string{"young_le_teachers"}},
		{"covered above young", with(map[string]form.Value{"young_teachers_supported": count(11)}), nil, []string{"supported_le_young"}},
		{"in programmes above teachers", with(map[string]form.Value{"teachers_in_mentoring": count(12)}), nil, []string{"in_mentoring_le_teachers"}},
		{"students in mentoring above students", with(map[string]form.Value{"students_in_mentoring": count(12)}), nil, []string{"students_in_mentoring_le_students"}},
		{"pairs above mentees", with(map[string]form.Value{"mf_employer_student_pairs": count(12)}), nil, []string{"pairs_le_mentees_employer_student"}},
		{"yes without reference", with(map[string]form.Value{"act_curator": {Type: form.YesNo, Yes: true}}), nil, []string{"ref_act_curator"}},
		{"no needs no reference", with(map[string]form.Value{"act_curator": {Type: form.YesNo}}), nil, nil},
		{"negative count", with(map[string]form.Value{"personal_programmes": count(-1)}), nil, []string{"bounds"}},
		{"required missing; its rules wait", with(nil, "teachers_total"), nil, []string{"required"}},
		{"year over year within half", full(), map[string]int64{"teachers_total": 15}, nil},
		{"year over year beyond half", full(), map[string]int64{"teachers_total": 30}, []string{"yoy_teachers_total"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, v := range set.Check(tc.values, tc.prev) {
				got = append(got, v.Rule)
				if v.Rule == "young_le_teachers" && !slices.Equal(v.Fields, []string{"young_teachers", "teachers_total"}) {
					t.Errorf("young_le_teachers names %v", v.Fields)
				}
				if v.Rule == "yoy_teachers_total" && v.Severity != form.Warning {
					t.Errorf("the year-over-year rule is %v, want a warning", v.Severity)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("violations %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCompileNamesEveryBadRule(t *testing.T) {
	t.Parallel()
	f := form.Mentorship()
	f.Rules = append(f.Rules,
		form.Rule{Code: "typo", Expression: "young_teacher <= teachers_total", Severity: form.Error, Message: "x", Fields: []string{"young_teachers"}},
		form.Rule{Code: "not_bool", Expression: "teachers_total + 1", Severity: form.Error, Message: "x", Fields: []string{"teachers_total"}},
	)
	_, err := Compile(f)
	var ve *validation.Error
	if !errors.As(err, &ve) || len(ve.Violations) != 2 {
		t.Fatalf("Compile = %v, want two violations", err)
	}
	for i, code := range []string{"typo", "not_bool"} {
		if v := ve.Violations[i]; !strings.Contains(v.Description, code) || !strings.HasSuffix(v.Field, ".expression") ||
			!strings.Contains(v.Russian, code) {
			t.Errorf("violation %d = %+v, want rule %s named", i, v, code)
		}
	}
	if ve.Violations[0].Code != "rule_compile" || ve.Violations[1].Code != "rule_not_bool" {
		t.Errorf("codes %s, %s; want rule_compile, rule_not_bool", ve.Violations[0].Code, ve.Violations[1].Code)
	}
}

// TestViolationProblems: a form rule's problem has the rule's code and its
// own Russian message; the built-in checks speak from the catalogue.
func TestViolationProblems(t *testing.T) {
	t.Parallel()
	f := form.Mentorship()
	set, err := Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	values := full()
	values["young_teachers"] = count(11)
	values["young_teachers_supported"] = count(1)
	values["personal_programmes"] = count(-1)
	delete(values, "act_order")
	fl, _ := f.Field("act_order")
	var rule form.Rule
	for _, r := range f.Rules {
		if r.Code == "young_le_teachers" {
			rule = r
		}
	}
	seen := map[string]bool{}
	for _, v := range set.Check(values, nil) {
		p := v.Problem
		seen[v.Rule] = true
		if v.Message != p.Russian() {
			t.Errorf("%s: Message %q is not the problem's Russian %q", v.Rule, v.Message, p.Russian())
		}
		switch v.Rule {
		case "young_le_teachers":
			if p.Code != "young_le_teachers" || p.Russian() != rule.Message {
				t.Errorf("rule problem %+v, want the rule's code and message %q", p, rule.Message)
			}
		case "required":
			if want := "«" + fl.Label + "»: заполните поле."; p.Code != "value_required" || p.Russian() != want {
				t.Errorf("required problem %s %q, want value_required %q", p.Code, p.Russian(), want)
			}
		case "bounds":
			if p.Code != "value_min" && p.Code != "value_bounds" || !strings.Contains(p.Russian(), "значение должно быть не меньше 0") {
				t.Errorf("bounds problem %s %q", p.Code, p.Russian())
			}
		}
	}
	for _, rule := range []string{"young_le_teachers", "required", "bounds"} {
		if !seen[rule] {
			t.Errorf("no violation of %s", rule)
		}
	}
}

// TestBoundedRulesRunWithoutCounting: every rule of the shipped form is
// bounded by its static estimate, so it is evaluated without counting its
// cost; an expression whose worst case is beyond the limit still counts,
// and stops at the limit.
func TestBoundedRulesRunWithoutCounting(t *testing.T) {
	t.Parallel()
	f := form.Mentorship()
	env, err := Env(f.Fields())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range f.Rules {
		ast, iss := env.Compile(r.Expression)
		if iss.Err() != nil {
			t.Fatalf("%s: %v", r.Code, iss.Err())
		}
		if opts := ProgramOptions(env, ast, len(f.Fields())); opts != nil {
			t.Errorf("rule %s (%s) counts its cost at run time, want it bounded statically", r.Code, r.Expression)
		}
	}

	costly := `prev.all(a, prev.all(b, prev.all(c, a + b + c != "")))`
	ast, iss := env.Compile(costly)
	if iss.Err() != nil {
		t.Fatal(iss.Err())
	}
	opts := ProgramOptions(env, ast, len(f.Fields()))
	if opts == nil {
		t.Fatalf("%s is bounded statically, want its cost counted", costly)
	}
	prg, err := env.Program(ast, opts...)
	if err != nil {
		t.Fatal(err)
	}
	prev := map[string]int64{}
	for i := range 200 {
		prev[strings.Repeat("x", i+1)] = 1
	}
	if _, _, err := prg.Eval(Activation(f.Fields(), full(), prev, 0.5)); err == nil || !strings.Contains(err.Error(), "cost limit") {
		t.Errorf("a costly expression over a large prev: %v, want the cost limit", err)
	}
}

// BenchmarkCheck is the rules' part of every save: a full report of the
// mentorship form with last year's values.
func BenchmarkCheck(b *testing.B) {
	s, err := Compile(form.Mentorship())
	if err != nil {
		b.Fatal(err)
	}
	values := full()
	prev := map[string]int64{}
	for k, v := range values {
		prev[k] = v.Count
	}
	for b.Loop() {
		s.Check(values, prev)
	}
}

// BenchmarkRecheck is a save's check: one count changes in a full report
// of the mentorship form with last year's values, from the last check.
func BenchmarkRecheck(b *testing.B) {
	s, err := Compile(form.Mentorship())
	if err != nil {
		b.Fatal(err)
	}
	prev := map[string]int64{}
	for k, v := range full() {
		prev[k] = v.Count
	}
	saves := [2]map[string]form.Value{full(), full()}
	saves[1]["teachers_total"] = count(saves[0]["teachers_total"].Count + 1) // read by four rules, as the peak load's saves
	last := s.Recheck(nil, saves[0], prev)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		last = s.Recheck(last, saves[i%2], prev)
	}
}

// Recheck gives Check's violations along a report's life of saves of a few
// fields at a time — counts in and out of the rules' bounds, yes/no answers
// with and without references, fields cleared and filled again — with last
// year's counts appearing, changing and going, and a rule reading share
// beside a field; and a change of one count evaluates again only the rules
// that read it.
func TestRecheckIsCheck(t *testing.T) {
	t.Parallel()
	f := form.Mentorship()
	f.Rules = append(f.Rules, form.Rule{Code: "share_set", Severity: form.Warning, Expression: "share > 0.0 && teachers_total >= 0",
		Fields: []string{"teachers_total"}, Message: "Доля задана."})
	set, err := Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	if in := set.inputs[len(set.inputs)-1]; !slices.Equal(in, []string{"teachers_total"}) || set.opaque[len(set.opaque)-1] {
		t.Fatalf("share_set reads %v (opaque %v), want [teachers_total]", in, set.opaque[len(set.opaque)-1])
	}
	for i, r := range f.Rules {
		if set.opaque[i] {
			t.Errorf("rule %s is opaque", r.Code)
		}
		for j, c := range set.inputs[i] {
			if !slices.Contains(r.Fields, c) {
				t.Errorf("rule %s reads %s, not among its fields %v", r.Code, c, r.Fields)
			}
			if k := set.in[i][j]; set.fields[k].Code != c {
				t.Errorf("rule %s reads %s as field %d, which is %s", r.Code, c, k, set.fields[k].Code)
			}
		}
	}
	var codes []string
	for _, fl := range f.Fields() {
		codes = append(codes, fl.Code)
	}
	rnd := uint64(20261130)
	next := func(n int) int { // a fixed sequence (xorshift), so failures repeat
		rnd ^= rnd << 13
		rnd ^= rnd >> 7
		rnd ^= rnd << 17
		return int(rnd % uint64(n))
	}
	values := full()
	var prev map[string]int64
	var last *Checked
	for step := range 400 {
		changed := maps.Clone(values)
		for range 1 + next(3) {
			code := codes[next(len(codes))]
			fl, _ := f.Field(code)
			switch {
			case next(6) == 0:
				delete(changed, code)
			case fl.Type == form.Count:
				changed[code] = count(int64(next(80)) - 5)
			case fl.Type == form.YesNo:
				v := form.Value{Type: form.YesNo, Yes: next(2) == 0}
				if next(2) == 0 {
					v.Ref = form.Reference{Number: "1-од"}
				}
				changed[code] = v
			}
		}
		values = changed
		switch next(10) {
		case 0:
			prev = nil
		case 1:
			prev = map[string]int64{"teachers_total": int64(next(100)), "students_total": int64(next(900)), "young_teachers": 0}
		}
		want := set.Check(values, prev)
		got := set.Recheck(last, values, prev)
		if !slices.EqualFunc(want, got.Violations, func(a, b Violation) bool {
			return a.Rule == b.Rule && a.Severity == b.Severity && a.Message == b.Message && slices.Equal(a.Fields, b.Fields)
		}) {
			t.Fatalf("step %d: Recheck\n%v\nCheck\n%v", step, got.Violations, want)
		}
		last = got
	}
	// A save of one count evaluates the rules that read it, and those only.
	before := set.Recheck(nil, full(), map[string]int64{"teachers_total": 10})
	after := maps.Clone(full())
	after["students_total"] = count(11)
	evaluated := 0
	for i := range set.programs {
		if before.evaluated[i] && !sameValues(set.inputs[i], after, before.values) {
			evaluated++
		}
	}
	if evaluated == 0 || evaluated > 3 {
		t.Errorf("a change of students_total re-evaluates %d rules, want the few that read it", evaluated)
	}
}

// sameValues reports whether a and b hold the same values of codes (each
// filled in both with the same value, or in neither).
func sameValues(codes []string, a, b map[string]form.Value) bool {
	for _, k := range codes {
		x, ok := a[k]
		y, had := b[k]
		if ok != had || x != y {
			return false
		}
	}
	return true
}
