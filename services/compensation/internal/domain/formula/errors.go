package formula

import (
	"errors"
	"fmt"
)

// Pos is a position in the text of a formula.
type Pos struct {
	Offset int // byte offset, starting at 0
	Line   int // line number, starting at 1
	Column int // column in characters (Unicode code points), starting at 1
}

// String returns the position as "line:column".
func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// Error is a mistake in the text of a formula, found when it is compiled:
// a syntax error, an unknown name, a unit mismatch, an unguarded division
// or a formula over the size limits. It belongs to the user who wrote the
// formula (gRPC InvalidArgument, with a field violation on the formula).
type Error struct {
	Pos Pos
	Msg string
}

// Error returns "line:column: message", e.g. `1:17: unknown name "DX"; …`.
func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Pos, e.Msg) }

func errorAt(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Errors wrapped by the errors of evaluation, besides [money.ErrOverflow]
// and [money.ErrDivisionByZero]; test with [errors.Is].
var (
	// ErrMissingInput reports an input the formula uses that was not given.
	ErrMissingInput = errors.New("missing input")
	// ErrZeroInput reports a zero value for an input declared non-zero.
	ErrZeroInput = errors.New("zero value for a non-zero input")
	// ErrBounds reports clamp(x, lo, hi) evaluated with lo > hi.
	ErrBounds = errors.New("lower bound above upper bound")
	// ErrResultUnit reports a request for an amount of money from a formula
	// whose result is not money.
	ErrResultUnit = errors.New("result is not money")
)

// EvalError is an error evaluating a compiled formula: a missing or invalid
// input, or a result out of range. Pos is where in the formula it happened.
// It wraps one of [ErrMissingInput], [ErrZeroInput], [ErrBounds],
// [ErrResultUnit] or [money.ErrOverflow]; [money.ErrDivisionByZero] only
// in theory, since the checker lets no division by zero through.
type EvalError struct {
	Pos Pos
	Msg string
	Err error
}

// Error returns "line:column: message".
func (e *EvalError) Error() string { return fmt.Sprintf("%s: %s", e.Pos, e.Msg) }

// Unwrap returns the cause.
func (e *EvalError) Unwrap() error { return e.Err }
