package formula

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Unit is the unit of an input, of a result or of a part of a formula. The
// zero value is no unit: an [Env] must name every unit explicitly.
type Unit uint8

// The units. See the package documentation for how they combine.
const (
	UnitNumber Unit = iota + 1 // a plain dimensionless number, e.g. a coefficient
	UnitRate                   // a dimensionless fraction, e.g. an interest rate (0.028)
	UnitCount                  // a number of things, e.g. contracts
	UnitDays                   // a number of days
	UnitMoney                  // an amount of money in CNY
	// UnitBool is the type of conditions such as t > 0. It appears in
	// explanations; it cannot be the unit of an input or a result.
	UnitBool
)

var unitNames = [...]string{
	UnitNumber: "number",
	UnitRate:   "rate",
	UnitCount:  "count",
	UnitDays:   "days",
	UnitMoney:  "money",
	UnitBool:   "condition",
}

// String returns the name of u: "number", "rate", "count", "days", "money"
// or "condition".
func (u Unit) String() string {
	if u == 0 || int(u) >= len(unitNames) {
		return fmt.Sprintf("Unit(%d)", uint8(u))
	}
	return unitNames[u]
}

// ParseUnit returns the unit of an input or result named s, as returned by
// [Unit.String]: "number", "rate", "count", "days" or "money".
func ParseUnit(s string) (Unit, error) {
	for u := UnitNumber; u < UnitBool; u++ {
		if unitNames[u] == s {
			return u, nil
		}
	}
	return 0, fmt.Errorf("formula: unknown unit %q; want number, rate, count, days or money", s)
}

// valueUnit reports whether u can be the unit of an input or a result.
func (u Unit) valueUnit() bool { return u >= UnitNumber && u < UnitBool }

// Input declares a named input of a formula.
type Input struct {
	Name string
	Unit Unit
	// NonZero allows formulas to divide by the input; evaluating with a zero
	// value for it is then an error wrapping [ErrZeroInput].
	NonZero bool
	// Doc says what the input is, for explanations, e.g. "days in the
	// period". Optional.
	Doc string
}

// Env is what a formula may use and must give: its inputs, in the order in
// which error messages list them, and the unit of its result.
type Env struct {
	Inputs []Input
	Result Unit
}

// validate reports a mistake in the declaration of env. Such a mistake is
// the program's, not the formula author's, so it is a plain error.
func (env Env) validate() error {
	if !env.Result.valueUnit() {
		return fmt.Errorf("formula: env result unit %v is not one of number, rate, count, days, money", env.Result)
	}
	seen := make(map[string]bool, len(env.Inputs))
	for _, in := range env.Inputs {
		if !validName(in.Name) {
			return fmt.Errorf("formula: env input name %q is not a name (a letter or _, then letters, digits or _) or is reserved", in.Name)
		}
		if seen[in.Name] {
			return fmt.Errorf("formula: env declares input %q twice", in.Name)
		}
		seen[in.Name] = true
		if !in.Unit.valueUnit() {
			return fmt.Errorf("formula: env input %q has unit %v; want number, rate, count, days or money", in.Name, in.Unit)
		}
	}
	return nil
}

// validName reports whether s is a name that a formula can refer to.
func validName(s string) bool {
	if s == "" || reserved(s) {
		return false
	}
	for i, r := range s {
		if r == utf8.RuneError || !(nameStart(r) || i > 0 && isDigit(r)) {
			return false
		}
	}
	return true
}

func nameStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

// reserved reports whether s is a word of the language.
func reserved(s string) bool {
	switch s {
	case "and", "or", "not", "true", "false":
		return true
	}
	_, ok := lookupFunc(s)
	return ok
}
