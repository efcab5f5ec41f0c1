// Package form describes monitoring forms as data: versions of sections and
// fields, each field with a stable code, a Russian label and help text saying
// exactly what it counts, a type and bounds, and the rules (CEL expressions,
// package rules) the values must satisfy. It also holds the values a report
// gives the fields.
package form

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nastavnik/nastavnik/platform/validation"
)

// FieldType is what a field holds.
type FieldType int

// Field types.
const (
	TypeUnspecified FieldType = iota
	// Count is a non-negative whole number.
	Count
	// YesNo is yes or no; a yes needs a reference to its document.
	YesNo
	// Text is short text.
	Text
)

// Status is the state of a form version.
type Status int

// Form statuses.
const (
	StatusUnspecified Status = iota
	Draft
	Published
)

// Severity is what a violated rule does.
type Severity int

// Severities.
const (
	SeverityUnspecified Severity = iota
	// Error blocks submission.
	Error
	// Warning needs a confirmation to submit.
	Warning
)

// Field is one field of a form.
type Field struct {
	Code     string    `json:"code"`
	Label    string    `json:"label"`
	Help     string    `json:"help"`
	Type     FieldType `json:"type"`
	Min      int64     `json:"min,omitempty"`
	Max      int64     `json:"max,omitempty"` // 0: no bound
	Required bool      `json:"required,omitempty"`
	// CarryOver: taken from the previous year's accepted report when a report
	// starts from it.
	CarryOver bool `json:"carryOver,omitempty"`
}

// Section groups fields.
type Section struct {
	Code   string  `json:"code"`
	Title  string  `json:"title"`
	Fields []Field `json:"fields"`
}

// Rule is a CEL condition that is true when the values are right.
type Rule struct {
	Code       string   `json:"code"`
	Expression string   `json:"expression"`
	Severity   Severity `json:"severity"`
	Message    string   `json:"message"`
	Fields     []string `json:"fields"`
}

// Violation is a rule the values break (package rules finds them): its
// severity and message, and the fields it names.
type Violation struct {
	Rule     string
	Severity Severity
	// Message is what a person reads, in Russian: the rule's own message, or
	// the catalogue's text of a required field or a count out of bounds.
	Message string
	Fields  []string
	// Problem is the violation as a field's problem: the code of a form's
	// rule is the rule's code, its text the rule's message; a required field
	// or a count out of bounds is the catalogue's value_required, value_min
	// or value_bounds.
	Problem validation.Problem
}

// Form is one version of a form.
type Form struct {
	Code     string
	Version  int
	Title    string
	Status   Status
	Sections []Section
	Rules    []Rule
	// Share is the allowed year-over-year change of a count (0.5: 50 %).
	Share float64
	// Revision counts the changes of a draft, for optimistic concurrency.
	Revision    int64
	PublishTime time.Time
	UpdateTime  time.Time
}

// Fields lists every field in order.
func (f Form) Fields() []Field {
	var out []Field
	for _, s := range f.Sections {
		out = append(out, s.Fields...)
	}
	return out
}

// Field returns the field with code.
func (f Form) Field(code string) (Field, bool) {
	for _, s := range f.Sections {
		for _, fl := range s.Fields {
			if fl.Code == code {
				return fl, true
			}
		}
	}
	return Field{}, false
}

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// ValidCode reports a well-formed form, section, field or rule code.
func ValidCode(s string) bool { return codeRE.MatchString(s) }

// reserved are the names the rules environment declares itself.
var reserved = map[string]bool{"prev": true, "has_prev": true, "share": true}

var reservedNames = []string{"prev", "has_prev", "share"}

// Validate checks the structure of a form version; rules are compiled by
// package rules. Fields are named by their JSON-ish paths.
func (f Form) Validate() error {
	ve := &validation.Error{}
	if !ValidCode(f.Code) {
		ve.Add("code", validation.New("code_format"))
	}
	if strings.TrimSpace(f.Title) == "" {
		ve.Add("title", validation.Required())
	}
	if f.Share < 0 || f.Share > 10 {
		ve.Add("share", validation.Range(0, 10))
	}
	if len(f.Sections) == 0 {
		ve.Add("sections", validation.New("sections_required"))
	}
	names := map[string]bool{}
	sections := map[string]bool{}
	for i, s := range f.Sections {
		p := fmt.Sprintf("sections[%d]", i)
		if !ValidCode(s.Code) || sections[s.Code] {
			ve.Add(p+".code", validation.New("code_unique"))
		}
		sections[s.Code] = true
		if strings.TrimSpace(s.Title) == "" {
			ve.Add(p+".title", validation.Required())
		}
		for j, fl := range s.Fields {
			fp := fmt.Sprintf("%s.fields[%d]", p, j)
			switch {
			case !ValidCode(fl.Code) || strings.HasSuffix(fl.Code, "_ref") || reserved[fl.Code]:
				ve.Add(fp+".code", validation.New("field_code").With("suffix", "_ref").With("reserved", reservedNames))
			case names[fl.Code] || names[fl.Code+"_ref"]:
				ve.Add(fp+".code", validation.New("code_taken"))
			}
			names[fl.Code] = true
			if fl.Type == YesNo {
				names[fl.Code+"_ref"] = true
			}
			if strings.TrimSpace(fl.Label) == "" {
				ve.Add(fp+".label", validation.Required())
			}
			if strings.TrimSpace(fl.Help) == "" {
				ve.Add(fp+".help", validation.New("help_required"))
			}
			if fl.Type < Count || fl.Type > Text {
				ve.Add(fp+".type", validation.OneOf("count", "yes/no", "text"))
			}
			if fl.Min < 0 || fl.Max != 0 && fl.Max < fl.Min {
				ve.Add(fp+".max", validation.New("bounds"))
			}
		}
	}
	rules := map[string]bool{}
	for i, r := range f.Rules {
		p := fmt.Sprintf("rules[%d]", i)
		if !ValidCode(r.Code) || rules[r.Code] || r.Code == "required" || r.Code == "bounds" {
			ve.Add(p+".code", validation.New("code_unique"))
		}
		rules[r.Code] = true
		if strings.TrimSpace(r.Expression) == "" {
			ve.Add(p+".expression", validation.Required())
		}
		if r.Severity != Error && r.Severity != Warning {
			ve.Add(p+".severity", validation.OneOf("error", "warning"))
		}
		if strings.TrimSpace(r.Message) == "" {
			ve.Add(p+".message", validation.Required())
		}
		if len(r.Fields) == 0 {
			ve.Add(p+".fields", validation.New("rule_fields"))
		}
		for _, c := range r.Fields {
			if _, ok := f.Field(c); !ok {
				ve.Add(p+".fields", validation.New("unknown_field").With("value", c))
			}
		}
	}
	return ve.Err()
}

// Reference names the document behind a "yes".
type Reference struct {
	Number string `json:"number,omitempty"`
	Date   string `json:"date,omitempty"`
	Link   string `json:"link,omitempty"`
}

// Value is what a report gives a field; Type says which member counts.
type Value struct {
	Type  FieldType `json:"t"`
	Count int64     `json:"c,omitempty"`
	Yes   bool      `json:"y,omitempty"`
	Ref   Reference `json:"r,omitzero"`
	Text  string    `json:"x,omitempty"`
}

// RefText is the reference as the rules see it: number and link, empty when
// neither is given.
func (v Value) RefText() string {
	return strings.TrimSpace(strings.TrimSpace(v.Ref.Number) + " " + strings.TrimSpace(v.Ref.Link))
}

// String shows a value as the history records it.
func (v Value) String() string {
	switch v.Type {
	case Count:
		return strconv.FormatInt(v.Count, 10)
	case YesNo:
		if !v.Yes {
			return "нет"
		}
		var parts []string
		if v.Ref.Number != "" {
			parts = append(parts, "№ "+v.Ref.Number)
		}
		if v.Ref.Date != "" {
			parts = append(parts, "от "+v.Ref.Date)
		}
		if v.Ref.Link != "" {
			parts = append(parts, v.Ref.Link)
		}
		if len(parts) == 0 {
			return "да"
		}
		return "да (" + strings.Join(parts, " ") + ")"
	case Text:
		return v.Text
	}
	return ""
}

var dateRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// Check reports a value of the wrong type for the field, or a malformed
// reference date, as a validation.Problem. Bounds are not checked here: an
// out-of-bounds count is kept and reported as a violation, so nothing typed
// is lost.
func (fl Field) Check(v Value) error {
	if v.Type != fl.Type {
		return validation.New("value_type").With("field", fl.Code).With("type", fl.Type.words())
	}
	if v.Type == Count && (v.Count < 0 || v.Count > CountCeiling) {
		return validation.Range(0, CountCeiling)
	}
	if v.Type == YesNo && v.Ref.Date != "" {
		if _, err := time.Parse(time.DateOnly, v.Ref.Date); err != nil || !dateRE.MatchString(v.Ref.Date) {
			return validation.BadDate(v.Ref.Date)
		}
	}
	return nil
}

// CountCeiling bounds every count a report can hold, whatever the form's own
// bounds: no organisation counts a million people of one kind, and the sums
// over the 45,000 organisations of a country stay far inside int64. A count
// beyond it is refused on input, never stored.
const CountCeiling = 1_000_000

// words names a field type in English and in Russian.
func (t FieldType) words() validation.Words {
	switch t {
	case Count:
		return validation.Words{English: "count", Russian: "число"}
	case YesNo:
		return validation.Words{English: "yes/no", Russian: "ответ «да» или «нет»"}
	case Text:
		return validation.Words{English: "text", Russian: "текст"}
	}
	return validation.Words{English: t.String(), Russian: "значение другого типа"}
}

// String names a field type.
func (t FieldType) String() string {
	switch t {
	case Count:
		return "count"
	case YesNo:
		return "yes/no"
	case Text:
		return "text"
	}
	return "unspecified"
}

// NextDraft returns a draft of the version after f with f's content.
func (f Form) NextDraft() Form {
	d := f
	d.Version = f.Version + 1
	d.Status = Draft
	d.Revision = 1
	d.PublishTime = time.Time{}
	d.Sections = append([]Section(nil), f.Sections...)
	for i := range d.Sections {
		d.Sections[i].Fields = append([]Field(nil), f.Sections[i].Fields...)
	}
	d.Rules = append([]Rule(nil), f.Rules...)
	return d
}
