// Package violation reports invalid assessment configuration or input as a
// list of field violations.
//
// The domain packages of the assessment service (indicator, template,
// scoring, grade, appeal) check whole records and report every problem they
// find at once, each naming the field it concerns with a dotted path such as
// "rule.linear.target" or "lines[2].weight". They return an [*Error], which
// wraps [ErrInvalid]; the service turns it into an InvalidArgument status
// with one field violation per entry. The package has no dependencies
// beyond the standard library, so every domain package can use it.
package violation

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by every [*Error]: the data broke a rule of the
// domain and the caller must change it (gRPC InvalidArgument).
var ErrInvalid = errors.New("invalid")

// Violation names a field and what is wrong with it.
type Violation struct {
	// Field is a dotted path to the field, relative to the record checked,
	// e.g. "code" or "rule.banded.bands[1].from". Empty means the record as
	// a whole.
	Field string
	// Description says what is wrong and, where possible, how to fix it.
	Description string
}

// String returns "field: description", or the description alone for the
// record as a whole.
func (v Violation) String() string {
	if v.Field == "" {
		return v.Description
	}
	return v.Field + ": " + v.Description
}

// Error is invalid data: one or more field violations. It wraps
// [ErrInvalid].
type Error struct {
	Violations []Violation
}

// Error returns "invalid: field: description; field: description".
func (e *Error) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.String()
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Unwrap returns [ErrInvalid].
func (e *Error) Unwrap() error { return ErrInvalid }

// List collects violations while a record is checked. The zero List is
// empty and ready to use.
type List struct {
	list []Violation
}

// Add records that field is wrong.
func (l *List) Add(field, format string, args ...any) {
	l.list = append(l.list, Violation{Field: field, Description: fmt.Sprintf(format, args...)})
}

// Merge records the violations of err, returned by checking a part of the
// record found at prefix, with their fields prefixed: Merge("rule", err)
// turns "linear.target" into "rule.linear.target" and "[2]" into
// "rule[2]". An error that is not an [*Error] is recorded as one violation
// of prefix. A nil err records nothing.
func (l *List) Merge(prefix string, err error) {
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		l.list = append(l.list, Violation{Field: prefix, Description: err.Error()})
		return
	}
	for _, v := range e.Violations {
		l.list = append(l.list, Violation{Field: Join(prefix, v.Field), Description: v.Description})
	}
}

// Len returns the number of violations recorded.
func (l *List) Len() int { return len(l.list) }

// Err returns nil if nothing was recorded, else an [*Error] listing the
// violations in the order they were recorded.
func (l *List) Err() error {
	if len(l.list) == 0 {
		return nil
	}
	return &Error{Violations: append([]Violation(nil), l.list...)}
}

// Join joins a field path prefix and a relative field path: Join("rule",
// "linear.cap") is "rule.linear.cap", Join("bands", "[1].from") is
// "bands[1].from", and an empty part is left out.
func Join(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "":
		return prefix
	case strings.HasPrefix(field, "["):
		return prefix + field
	default:
		return prefix + "." + field
	}
}

// Index returns the path of element i of the list field name: Index("lines",
// 2) is "lines[2]".
func Index(name string, i int) string { return fmt.Sprintf("%s[%d]", name, i) }

// New returns an [*Error] with a single violation.
func New(field, format string, args ...any) error {
	var l List
	l.Add(field, format, args...)
	return l.Err()
}

// Of returns the violations of err if it is or wraps an [*Error], else nil.
func Of(err error) []Violation {
	var e *Error
	if errors.As(err, &e) {
		return e.Violations
	}
	return nil
}
