// Package validation describes invalid input field by field, independent of any
// transport, so that domain code can report every violated field at once.
package validation

import (
	"errors"
	"strings"
)

// Violation names one field and what is wrong with it.
type Violation struct {
	// Field is the dotted path of the field, e.g. "organisation.inn".
	Field string
	// Description says what is wrong, in English.
	Description string
}

// Error is a set of violations. Its zero value holds none.
type Error struct {
	Violations []Violation
}

// Add records a violation.
func (e *Error) Add(field, description string) {
	e.Violations = append(e.Violations, Violation{Field: field, Description: description})
}

// Merge adds every violation of other, with prefix prepended to its fields.
func (e *Error) Merge(prefix string, other *Error) {
	if other == nil {
		return
	}
	for _, v := range other.Violations {
		e.Add(join(prefix, v.Field), v.Description)
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

// Field returns a validation error about a single field.
func Field(field, description string) error {
	return &Error{Violations: []Violation{{Field: field, Description: description}}}
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
