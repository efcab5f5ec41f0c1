package indicator

import (
	"errors"
	"testing"

	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
)

func TestShippedIndicatorsCompileAndEvaluate(t *testing.T) {
	f := form.Mentorship()
	values := map[string]form.Value{
		"teachers_total": {Count: 40}, "young_teachers": {Count: 8}, "young_teachers_supported": {Count: 6},
		"teachers_in_mentoring": {Count: 20}, "teachers_methodist_support": {Count: 4},
		"students_total": {Count: 500}, "students_in_mentoring": {Count: 150},
		"mentoring_programmes": {Count: 3}, "personal_programmes": {Count: 7}, "young_teacher_projects": {Count: 1}, "community_programmes": {Count: 2},
	}
	want := map[string][2]int64{
		"young_teacher_projects": {1, 0}, "young_teachers_supported_share": {6, 8}, "mentoring_programmes": {3, 0},
		"personal_programmes": {7, 0}, "teachers_in_programmes_share": {20, 40}, "teachers_methodist_share": {4, 40},
		"community_programmes": {2, 0}, "students_in_mentoring_share": {150, 500}, "teachers_involved_share": {20, 40},
	}
	if len(Shipped) != 9 {
		t.Fatalf("%d shipped indicators, want 9", len(Shipped))
	}
	for _, d := range Shipped {
		c, err := Compile(d, f)
		if err != nil {
			t.Fatalf("%s: %v", d.Code, err)
		}
		num, den, err := c.Evaluate(values)
		if err != nil {
			t.Fatalf("%s: %v", d.Code, err)
		}
		if w := want[d.Code]; num != w[0] || den != w[1] {
			t.Errorf("%s = %d/%d, want %d/%d", d.Code, num, den, w[0], w[1])
		}
		// A later version of the form keeps the indicator, comparable while its fields mean the same.
		c2, err := Compile(d, f.NextDraft())
		if err != nil || c2.Signature != c.Signature {
			t.Errorf("%s over version 2: %v, signature %s vs %s", d.Code, err, c2.Signature, c.Signature)
		}
		if d.Name == "" || d.Counts == "" || d.Source == "" {
			t.Errorf("%s does not say what it counts", d.Code)
		}
	}
}

func TestCompileRejects(t *testing.T) {
	f := form.Mentorship()
	for name, d := range map[string]Definition{
		"unknown field":       {Code: "x", Kind: Count, Numerator: "no_such_field", Form: f.Code, Versions: []int{1}},
		"not a number":        {Code: "x", Kind: Count, Numerator: "act_regulation", Form: f.Code, Versions: []int{1}},
		"share without den":   {Code: "x", Kind: Share, Numerator: "teachers_total", Form: f.Code, Versions: []int{1}},
		"count with den":      {Code: "x", Kind: Count, Numerator: "teachers_total", Denominator: "young_teachers", Form: f.Code, Versions: []int{1}},
		"syntax":              {Code: "x", Kind: Count, Numerator: "teachers_total +", Form: f.Code, Versions: []int{1}},
		"no kind":             {Code: "x", Numerator: "teachers_total", Form: f.Code, Versions: []int{1}},
		"other form versions": {Code: "x", Kind: Count, Numerator: "teachers_total", Form: f.Code, Versions: []int{2}},
	} {
		if _, err := Compile(d, f); err == nil {
			t.Errorf("%s: compiled", name)
		}
	}
	if _, err := Compile(Definition{Code: "x", Kind: Count, Numerator: "teachers_total", Form: f.Code, Versions: []int{2}}, f); !errors.Is(err, ErrNotApplicable) {
		t.Errorf("other version: %v", err)
	}
}

func TestResultIsSumOverSumAndZeroDenominatorIsNoData(t *testing.T) {
	share := Definition{Kind: Share, Factor: 100}
	for _, tc := range []struct {
		v    Value
		want float64
		ok   bool
	}{
		// 1/10 and 9/10: Σ 10/20 = 50 %, not the 55 % average of 10 % and 90 %... of two schools of 10.
		{Value{Numerator: 10, Denominator: 20, Contributors: 2}, 50, true},
		// One school 1/1, one 0/99: 1 %, while the average of percentages would say 50 %.
		{Value{Numerator: 1, Denominator: 100, Contributors: 2}, 1, true},
		{Value{Numerator: 0, Denominator: 0, Contributors: 3}, 0, false},
		{Value{}, 0, false},
	} {
		got, ok := share.Result(tc.v)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%+v: %v %v, want %v %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
	if got, ok := (Definition{Kind: Count}).Result(Value{Numerator: 7, Contributors: 2}); got != 7 || !ok {
		t.Errorf("count: %v %v", got, ok)
	}
	if c := (Value{Contributors: 3, Expected: 40}).Coverage(); c != 7.5 {
		t.Errorf("coverage %v", c)
	}
}

func TestTargetPrecedenceAndStatus(t *testing.T) {
	targets := []Target{
		{Indicator: "s", Year: 2024, Min: 70},
		{Indicator: "s", Year: 2024, Level: LevelRegion, Min: 60},
		{Indicator: "s", Year: 2024, Unit: "24", Min: 75},
		{Indicator: "s", Year: 2023, Min: 55},
	}
	for _, tc := range []struct {
		level Level
		unit  string
		want  float64
	}{
		{LevelOrganisation, "x", 70}, {LevelRegion, "38", 60}, {LevelRegion, "24", 75}, {LevelCountry, "", 70},
	} {
		got, ok := Find(targets, "s", 2024, tc.level, tc.unit)
		if !ok || got.Min != tc.want {
			t.Errorf("%v %s: %v %v, want %v", tc.level, tc.unit, got.Min, ok, tc.want)
		}
	}
	if _, ok := Find(targets, "s", 2030, LevelCountry, ""); ok {
		t.Error("a target for a year without one")
	}
	tg := Target{Min: 70}
	for _, tc := range []struct {
		v         float64
		ok, found bool
		want      Status
	}{{70, true, true, Met}, {69.9, true, true, NotMet}, {0, false, true, NoData}, {80, true, false, NoTarget}} {
		if got := Against(tc.v, tc.ok, tg, tc.found); got != tc.want {
			t.Errorf("%v %v %v: %v, want %v", tc.v, tc.ok, tc.found, got, tc.want)
		}
	}
}

func TestSignatureChangesWhenAFieldChangesMeaning(t *testing.T) {
	v1 := form.Mentorship()
	v2 := v1.NextDraft()
	d := Shipped[1] // young_teachers_supported_share
	d.Versions = []int{1, v2.Version}
	c1, err := Compile(d, v1)
	if err != nil {
		t.Fatal(err)
	}
	same, err := Compile(d, v2)
	if err != nil {
		t.Fatal(err)
	}
	if c1.Signature != same.Signature {
		t.Error("an unchanged form gives another signature")
	}
	for si := range v2.Sections {
		for fi := range v2.Sections[si].Fields {
			if v2.Sections[si].Fields[fi].Code == "young_teachers" {
				v2.Sections[si].Fields[fi].Help = "Педагоги до 30 лет"
			}
		}
	}
	changed, err := Compile(d, v2)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Signature == c1.Signature {
		t.Error("a field that counts something else keeps the signature")
	}
}
