// Package indicator defines the indicators methodologists report upward as
// data — a count, or a share as numerator over denominator, both CEL
// expressions over a form's field codes in the same environment as the form's
// rules — and their yearly targets. A share at any level is the sum of the
// numerators over the sum of the denominators of the organisations below it,
// never an average of percentages: an organisation contributes its numerator
// and denominator, not its percentage.
package indicator

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"

	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
	"github.com/nastavnik/nastavnik/services/indicators/internal/rules"
)

// Kind is how an indicator is computed.
type Kind int

// Kinds.
const (
	KindUnspecified Kind = iota
	// Count: the sum of the numerator.
	Count
	// Share: Σ numerator / Σ denominator × factor.
	Share
)

// Definition is one indicator.
type Definition struct {
	Code string
	// Name is the Russian name as the programme words it.
	Name string
	// Counts says exactly what the numerator and the denominator count.
	Counts string
	// Source is the programme the indicator comes from.
	Source      string
	Kind        Kind
	Numerator   string
	Denominator string // shares only
	Factor      float64
	Unit        string
	// Form and Versions are the form versions it is computed from; no
	// versions means every version of the form that has its fields.
	Form     string
	Versions []int
}

// Compiled is a definition ready to evaluate over one form version.
type Compiled struct {
	Definition
	fields   []form.Field
	num, den cel.Program
	// Signature identifies what the referenced fields count in this form
	// version: equal signatures mean comparable values.
	Signature string
}

// ErrNotApplicable is a definition that does not apply to a form version.
var ErrNotApplicable = errors.New("the indicator does not apply to this form version")

// Compile checks a definition against a form version: its expressions must
// compile to integers over the form's fields.
func Compile(d Definition, f form.Form) (Compiled, error) {
	if f.Code != d.Form || len(d.Versions) > 0 && !slices.Contains(d.Versions, f.Version) {
		return Compiled{}, ErrNotApplicable
	}
	fields := f.Fields()
	env, err := rules.Env(fields)
	if err != nil {
		return Compiled{}, err
	}
	c := Compiled{Definition: d, fields: fields}
	compile := func(expr, what string) (cel.Program, []string, error) {
		ast, iss := env.Compile(expr)
		if iss.Err() != nil {
			return nil, nil, fmt.Errorf("%s %s: %w", d.Code, what, iss.Err())
		}
		if ast.OutputType() != cel.IntType {
			return nil, nil, fmt.Errorf("%s %s: must be a whole number, is %s", d.Code, what, ast.OutputType())
		}
		prg, err := env.Program(ast, rules.ProgramOptions(env, ast, len(fields))...)
		if err != nil {
			return nil, nil, fmt.Errorf("%s %s: %w", d.Code, what, err)
		}
		return prg, referenced(expr, fields), nil
	}
	var refs []string
	var r []string
	if c.num, r, err = compile(d.Numerator, "numerator"); err != nil {
		return Compiled{}, err
	}
	refs = append(refs, r...)
	switch d.Kind {
	case Share:
		if c.den, r, err = compile(d.Denominator, "denominator"); err != nil {
			return Compiled{}, err
		}
		refs = append(refs, r...)
	case Count:
		if d.Denominator != "" {
			return Compiled{}, fmt.Errorf("%s: a count has no denominator", d.Code)
		}
	default:
		return Compiled{}, fmt.Errorf("%s: unknown kind", d.Code)
	}
	c.Signature = signature(d, fields, refs)
	return c, nil
}

// referenced lists the field codes an expression mentions.
func referenced(expr string, fields []form.Field) []string {
	var out []string
	words := strings.FieldsFunc(expr, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	for _, f := range fields {
		if slices.Contains(words, f.Code) {
			out = append(out, f.Code)
		}
	}
	return out
}

// signature hashes the expressions and what each referenced field counts.
func signature(d Definition, fields []form.Field, refs []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s|%s|%v\n", d.Numerator, d.Denominator, d.Unit, d.Factor)
	slices.Sort(refs)
	for _, code := range slices.Compact(refs) {
		for _, f := range fields {
			if f.Code == code {
				fmt.Fprintf(h, "%s|%d|%s\n", f.Code, f.Type, f.Help)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Evaluate computes an organisation's numerator and denominator (0 for
// counts) from its report's values.
func (c Compiled) Evaluate(values map[string]form.Value) (num, den int64, err error) {
	act := rules.Activation(c.fields, values, nil, 0)
	eval := func(p cel.Program) (int64, error) {
		out, _, err := p.Eval(act)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", c.Code, err)
		}
		v, ok := out.(types.Int)
		if !ok {
			return 0, fmt.Errorf("%s: not a whole number: %v", c.Code, out)
		}
		return int64(v), nil
	}
	if num, err = eval(c.num); err != nil {
		return 0, 0, err
	}
	if c.Kind == Share {
		if den, err = eval(c.den); err != nil {
			return 0, 0, err
		}
	}
	return num, den, nil
}

// Value is an aggregate: sums over the organisations that contributed.
type Value struct {
	Numerator   int64
	Denominator int64
	// Contributors is how many organisations' reports are summed; Expected
	// how many were expected to report.
	Contributors int
	Expected     int
}

// Result is the value of an indicator from sums: a count is the sum of the
// numerator; a share Σnum/Σden × factor. ok is false for no data — nobody
// contributed, or a share's denominator is zero — never 0 % and never an
// error.
func (d Definition) Result(v Value) (float64, bool) {
	if v.Contributors == 0 {
		return 0, false
	}
	if d.Kind == Count {
		return float64(v.Numerator), true
	}
	if v.Denominator == 0 {
		return 0, false
	}
	return float64(v.Numerator) * d.Factor / float64(v.Denominator), true
}

// Coverage is the share of expected organisations that contributed, in
// percent (0 when none were expected).
func (v Value) Coverage() float64 {
	if v.Expected == 0 {
		return 0
	}
	return float64(v.Contributors) * 100 / float64(v.Expected)
}
