// Package rules evaluates a form's rules, written in CEL, over a report's
// values. The environment the expressions see is built in one place, Env, so
// that every CEL expression over field codes (rules now, indicator formulas
// later) reads the same variables.
package rules

import (
	"fmt"
	"maps"
	"slices"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/checker"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/nastavnik/nastavnik/platform/validation"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
)

// Variables besides the fields.
const (
	// Prev is a map of the previous year's accepted counts by field code.
	Prev = "prev"
	// HasPrev says whether there is a previous year's accepted report.
	HasPrev = "has_prev"
	// Share is the allowed year-over-year change of a count.
	Share = "share"
)

// costLimit bounds the work one expression may do.
const costLimit = 100_000

// maxString is the longest string a variable holds: a text field or a
// reference (number, date and link) is at most a few thousand characters.
const maxString = 4096

// bounds tells CEL's cost estimate how large the variables can be: strings
// up to maxString, prev up to one entry per field.
type bounds struct{ fields int }

func (b bounds) EstimateSize(n checker.AstNode) *checker.SizeEstimate {
	if len(n.Path()) == 0 {
		return nil
	}
	switch n.Type().Kind() {
	case types.StringKind:
		return &checker.SizeEstimate{Min: 0, Max: maxString}
	case types.MapKind:
		return &checker.SizeEstimate{Min: 0, Max: uint64(b.fields)}
	}
	return nil
}

func (bounds) EstimateCallCost(string, string, *checker.AstNode, []checker.AstNode) *checker.CallEstimate {
	return nil
}

// ProgramOptions are those of an expression over Env: one whose worst case stays within
// costLimit is evaluated as it is; any other counts its cost as it runs and
// stops at the limit (counting makes every evaluation several times slower,
// and the rules are evaluated on every save).
func ProgramOptions(env *cel.Env, ast *cel.Ast, fields int) []cel.ProgramOption {
	if est, err := env.EstimateCost(ast, bounds{fields: fields}); err == nil && est.Max <= costLimit {
		return nil
	}
	return []cel.ProgramOption{cel.CostLimit(costLimit)}
}

// Env returns the CEL environment of expressions over fields: each count
// field is an int variable named by its code, each yes/no field a bool with a
// string "<code>_ref" (its reference, empty when none), each text field a
// string; and prev (map(string, int)), has_prev (bool), share (double).
func Env(fields []form.Field) (*cel.Env, error) {
	opts := []cel.EnvOption{
		cel.Variable(Prev, cel.MapType(cel.StringType, cel.IntType)),
		cel.Variable(HasPrev, cel.BoolType),
		cel.Variable(Share, cel.DoubleType),
	}
	for _, f := range fields {
		switch f.Type {
		case form.Count:
			opts = append(opts, cel.Variable(f.Code, cel.IntType))
		case form.YesNo:
			opts = append(opts, cel.Variable(f.Code, cel.BoolType), cel.Variable(f.Code+"_ref", cel.StringType))
		case form.Text:
			opts = append(opts, cel.Variable(f.Code, cel.StringType))
		}
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, fmt.Errorf("rules.Env: %w", err)
	}
	return env, nil
}

// Activation binds values to the variables of Env: unfilled fields get their
// zero value. Values are CEL's own types already, so evaluation converts
// nothing.
func Activation(fields []form.Field, values map[string]form.Value, prev map[string]int64, share float64) map[string]any {
	act := make(map[string]any, len(fields)+8)
	act[HasPrev], act[Share] = types.Bool(prev != nil), types.Double(share)
	// CEL values in a string-keyed map: a lookup is a map access, not the
	// reflection a native map[string]int64 costs (3 % of a save's CPU).
	p := make(map[string]any, len(prev))
	for k, v := range prev {
		p[k] = types.Int(v)
	}
	act[Prev] = types.NewStringInterfaceMap(types.DefaultTypeAdapter, p)
	for _, f := range fields {
		v := values[f.Code]
		switch f.Type {
		case form.Count:
			act[f.Code] = types.Int(v.Count)
		case form.YesNo:
			act[f.Code] = types.Bool(v.Yes)
			act[f.Code+"_ref"] = types.String(v.RefText())
		case form.Text:
			act[f.Code] = types.String(v.Text)
		}
	}
	return act
}

// Set is a form's rules, compiled.
type Set struct {
	form     form.Form
	fields   []form.Field
	programs []cel.Program
	// inputs are the codes of the fields each program reads (as a field or
	// its reference); besides them it may read only prev, has_prev and
	// share. A program that reads anything else has nil inputs and opaque
	// set: Recheck always evaluates it. in are the same fields by their
	// index in fields.
	inputs [][]string
	in     [][]int
	opaque []bool
	// needs are each rule's fields (form.Rule.Fields) by index in fields,
	// -1 for a code that is not a field.
	needs [][]int
	// vars are the variables of the fields by name, for activation.
	vars map[string]variable
}

// variable is a field's variable of Env: the field's value, or its
// reference as text.
type variable struct {
	field int
	ref   bool
}

// inputsOf are the codes of the fields an expression reads, from its
// checked references; ok is false when it reads a variable that is neither
// a field, a field's reference nor prev, has_prev or share.
func inputsOf(ast *cel.Ast, fields []form.Field) (codes []string, ok bool) {
	field := make(map[string]string, 2*len(fields)) // variable → field code
	for _, f := range fields {
		field[f.Code] = f.Code
		if f.Type == form.YesNo {
			field[f.Code+"_ref"] = f.Code
		}
	}
	for _, r := range ast.NativeRep().ReferenceMap() {
		switch {
		case r.Name == "": // a function
		case r.Name == Prev || r.Name == HasPrev || r.Name == Share:
		case field[r.Name] != "":
			if c := field[r.Name]; !slices.Contains(codes, c) {
				codes = append(codes, c)
			}
		default:
			return nil, false
		}
	}
	return codes, true
}

// Compile compiles every rule of f. Rules that do not compile or are not
// boolean are reported together, each at rules[i].expression naming the rule.
func Compile(f form.Form) (*Set, error) {
	fields := f.Fields()
	env, err := Env(fields)
	if err != nil {
		return nil, err
	}
	s := &Set{form: f, fields: fields, vars: make(map[string]variable, len(fields)+4)}
	index := make(map[string]int, len(fields))
	for i, fl := range fields {
		index[fl.Code] = i
		s.vars[fl.Code] = variable{field: i}
		if fl.Type == form.YesNo {
			s.vars[fl.Code+"_ref"] = variable{field: i, ref: true}
		}
	}
	ve := &validation.Error{}
	for i, r := range f.Rules {
		ast, iss := env.Compile(r.Expression)
		if iss.Err() != nil {
			ve.Add(fmt.Sprintf("rules[%d].expression", i), validation.New("rule_compile").With("rule", r.Code).With("detail", iss.Err().Error()))
			continue
		}
		if ast.OutputType() != cel.BoolType {
			ve.Add(fmt.Sprintf("rules[%d].expression", i), validation.New("rule_not_bool").With("rule", r.Code).With("type", fmt.Sprint(ast.OutputType())))
			continue
		}
		prg, err := env.Program(ast, ProgramOptions(env, ast, len(fields))...)
		if err != nil {
			ve.Add(fmt.Sprintf("rules[%d].expression", i), validation.New("rule_program").With("rule", r.Code).With("detail", err.Error()))
			continue
		}
		s.programs = append(s.programs, prg)
		in, ok := inputsOf(ast, fields)
		s.inputs, s.opaque = append(s.inputs, in), append(s.opaque, !ok)
		var at []int
		for _, c := range in {
			at = append(at, index[c])
		}
		needs := make([]int, len(r.Fields))
		for j, c := range r.Fields {
			if k, ok := index[c]; ok {
				needs[j] = k
			} else {
				needs[j] = -1
			}
		}
		s.in, s.needs = append(s.in, at), append(s.needs, needs)
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// Violation is a rule the values break; the type lives in package form, so
// that what judges violations (the report's life, in package domain) needs
// neither CEL nor this package.
type Violation = form.Violation

func violation(rule string, severity form.Severity, fields []string, p validation.Problem) Violation {
	return Violation{Rule: rule, Severity: severity, Message: p.Russian(), Fields: fields, Problem: p}
}

// Check returns the violations of values: required fields left empty,
// counts out of bounds, then every rule whose fields are all filled and that
// is false (or fails to evaluate). prev is nil when there is no previous
// year's accepted report.
func (s *Set) Check(values map[string]form.Value, prev map[string]int64) []Violation {
	return s.Recheck(nil, values, prev).Violations
}

// Checked is the outcome of a check with what it was computed from, for the
// next check of the same report's values (Recheck). It is never changed;
// neither may the maps it was given be.
type Checked struct {
	// Violations are Check's.
	Violations []Violation

	set       *Set
	values    map[string]form.Value
	prev      map[string]int64
	filled    []bool // by field index: values holds the field
	evaluated []bool // by rule: its fields were all filled and it ran
	held      []bool // by rule: it evaluated to true
	// celPrev is prev as CEL sees it, made when a rule first reads it and
	// passed on to the next check with the same prev.
	celPrev ref.Val
}

// Recheck is Check of values against prev, evaluating again only the rules
// whose inputs differ from those of last (a check by the same set; nil for
// none): a rule is a pure function of the fields it reads and of prev,
// has_prev and share, so one that reads the same values as last time, with
// the same prev, has the same outcome. A save of one count thus evaluates
// only the rules that read that count.
func (s *Set) Recheck(last *Checked, values map[string]form.Value, prev map[string]int64) *Checked {
	c := &Checked{set: s, values: values, prev: prev, filled: make([]bool, len(s.fields)),
		evaluated: make([]bool, len(s.programs)), held: make([]bool, len(s.programs))}
	reuse := last != nil && last.set == s && (last.prev == nil) == (prev == nil) && maps.Equal(last.prev, prev)
	var changed []bool // by field index, when reusing: filled or valued otherwise than in last
	if reuse {
		c.celPrev = last.celPrev
		changed = make([]bool, len(s.fields))
	}
	var out []Violation
	for i, f := range s.fields {
		v, ok := values[f.Code]
		c.filled[i] = ok
		if reuse {
			w, had := last.values[f.Code]
			changed[i] = ok != had || v != w
		}
		switch {
		case !ok && f.Required:
			out = append(out, violation("required", form.Error, []string{f.Code},
				validation.New("value_required").With("label", f.Label)))
		case ok && f.Type == form.Count && (v.Count < f.Min || f.Max > 0 && v.Count > f.Max):
			p := validation.New("value_min").With("label", f.Label).With("min", f.Min)
			if f.Max > 0 {
				p = validation.New("value_bounds").With("label", f.Label).With("min", f.Min).With("max", f.Max)
			}
			out = append(out, violation("bounds", form.Error, []string{f.Code}, p))
		}
	}
	act := &activation{c: c}
	for i, r := range s.form.Rules {
		if !c.filledAll(i, r.Fields) {
			continue // checked once all its fields are filled
		}
		c.evaluated[i] = true
		if reuse && !s.opaque[i] && last.evaluated[i] && !slices.ContainsFunc(s.in[i], func(k int) bool { return changed[k] }) {
			c.held[i] = last.held[i]
		} else {
			if res, _, err := s.programs[i].Eval(act); err == nil {
				b, ok := res.Value().(bool)
				c.held[i] = ok && b
			}
		}
		if !c.held[i] {
			out = append(out, violation(r.Code, r.Severity, slices.Clone(r.Fields), validation.Rule(r.Code, r.Message)))
		}
	}
	c.Violations = out
	return c
}

// filledAll reports whether every field of rule i (codes, its Fields) is
// filled.
func (c *Checked) filledAll(i int, codes []string) bool {
	for j, k := range c.set.needs[i] {
		if k < 0 {
			if _, ok := c.values[codes[j]]; !ok {
				return false
			}
		} else if !c.filled[k] {
			return false
		}
	}
	return true
}

// activation binds the variables of Env to a check's values as Activation
// does, looking each up when a rule reads it instead of building a map of
// them all for every check.
type activation struct{ c *Checked }

func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case HasPrev:
		return types.Bool(a.c.prev != nil), true
	case Share:
		return types.Double(a.c.set.form.Share), true
	case Prev:
		if a.c.celPrev == nil {
			p := make(map[string]any, len(a.c.prev))
			for k, v := range a.c.prev {
				p[k] = types.Int(v)
			}
			a.c.celPrev = types.NewStringInterfaceMap(types.DefaultTypeAdapter, p)
		}
		return a.c.celPrev, true
	}
	v, ok := a.c.set.vars[name]
	if !ok {
		return nil, false
	}
	f := a.c.set.fields[v.field]
	val := a.c.values[f.Code]
	switch {
	case v.ref:
		return types.String(val.RefText()), true
	case f.Type == form.Count:
		return types.Int(val.Count), true
	case f.Type == form.YesNo:
		return types.Bool(val.Yes), true
	case f.Type == form.Text:
		return types.String(val.Text), true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }
