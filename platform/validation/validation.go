// Package validation describes invalid input field by field, independent of any
// transport, so that domain code can report every violated field at once.
//
// What is wrong with a field is a Problem: a stable code with its parameters.
// The English description (for the API and developers) and the Russian text
// (for the people who use the platform) are both produced from one catalogue,
// messages.go; call sites name a code, never free text.
package validation

import (
	"errors"
	"fmt"
	"strings"
)

// Violation names one field and what is wrong with it.
type Violation struct {
	// Field is the dotted path of the field, e.g. "organisation.inn".
	Field string
	// Code says what is wrong, stably: "required", "too_long", "inn_checksum".
	Code string
	// Params are the values the texts name (a maximum length, a date).
	Params Params
	// Description says what is wrong, in English, for the API and developers.
	Description string
	// Russian says what is wrong to the person who filled the field.
	Russian string
}

// Problem returns what is wrong with the field, without the field.
func (v Violation) Problem() Problem {
	return Problem{Code: v.Code, Params: v.Params, english: v.Description, russian: v.Russian}
}

// Error is a set of violations. Its zero value holds none.
type Error struct {
	Violations []Violation
}

// Add records that field has problem p: a Problem (made by one of the
// constructors of this package, or New), or an error carrying one.
//
// Free text (a string, or an error that carries no Problem) is still
// accepted, with the code "invalid", only until the last call sites that
// pass it are converted (indicators' server/reports.go and server/imports.go);
// a test of this package fails on any other call site that passes a string.
func (e *Error) Add(field string, p any) {
	e.Violations = append(e.Violations, At(field, problemOf(p)))
}

// Merge adds every violation of other, with prefix prepended to its fields.
func (e *Error) Merge(prefix string, other *Error) {
	if other == nil {
		return
	}
	for _, v := range other.Violations {
		v.Field = join(prefix, v.Field)
		e.Violations = append(e.Violations, v)
	}
}

// Err returns e when it holds violations, nil otherwise.
func (e *Error) Err() error {
	if e == nil || len(e.Violations) == 0 {
		return nil
	}
	return e
}

// Error implements error.
func (e *Error) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Field + ": " + v.Description
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Prefixed returns err with prefix prepended to every field when err is a
// validation error, and err unchanged otherwise.
func Prefixed(prefix string, err error) error {
	var ve *Error
	if !errors.As(err, &ve) {
		return err
	}
	out := &Error{}
	out.Merge(prefix, ve)
	return out
}

// Field returns a validation error about a single field; p is what Add takes.
func Field(field string, p any) error {
	return &Error{Violations: []Violation{At(field, problemOf(p))}}
}

// At is the violation of field by p.
func At(field string, p Problem) Violation {
	return Violation{Field: field, Code: p.Code, Params: p.Params, Description: p.English(), Russian: p.Russian()}
}

// problemOf reads what Add takes.
func problemOf(p any) Problem {
	switch p := p.(type) {
	case Problem:
		return p
	case *Problem:
		if p != nil {
			return *p
		}
	case error:
		var pr Problem
		if errors.As(p, &pr) {
			return pr
		}
		return freeText(p.Error())
	case string:
		return freeText(p)
	}
	return freeText(fmt.Sprint(p))
}

// freeText is a problem described by text not yet converted to a code: its
// English is the text; a person reads the text when it is Russian already (a
// form rule's message) and the catalogue's general request otherwise.
func freeText(s string) Problem {
	p := Problem{Code: CodeInvalid, english: s}
	if hasCyrillic(s) {
		p.russian = s
	}
	return p
}

func hasCyrillic(s string) bool {
	for _, r := range s {
		if r >= 'А' && r <= 'я' || r == 'ё' || r == 'Ё' {
			return true
		}
	}
	return false
}

func join(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "":
		return prefix
	}
	return prefix + "." + field
}
