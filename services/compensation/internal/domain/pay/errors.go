package pay

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by every validation error of this package.
var ErrInvalid = errors.New("invalid")

// Violation is one problem with one field, its path relative to what was
// checked ("components[2].formula").
type Violation struct {
	Field       string
	Description string
}

// InvalidError lists every problem found; it wraps [ErrInvalid].
type InvalidError struct{ Violations []Violation }

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Field + ": " + v.Description
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *InvalidError) Unwrap() error { return ErrInvalid }

// Violations of err, nil if it is not an [*InvalidError].
func Violations(err error) []Violation {
	var inv *InvalidError
	if errors.As(err, &inv) {
		return inv.Violations
	}
	return nil
}

// problems collects violations.
type problems struct{ list []Violation }

func (p *problems) add(field, format string, args ...any) {
	p.list = append(p.list, Violation{Field: field, Description: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &InvalidError{Violations: p.list}
}

func at(list string, i int, field string) string {
	s := fmt.Sprintf("%s[%d]", list, i)
	if field != "" {
		s += "." + field
	}
	return s
}
