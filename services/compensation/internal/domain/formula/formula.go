package formula

import (
	"fmt"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/money"
)

// Formula is a compiled formula. It is immutable and safe for concurrent
// use.
type Formula struct {
	src    string
	root   *node
	result Unit
	inputs []usedInput // in order of first use
}

// Compile parses src and checks it against env: every name must be one of
// env's inputs, units must combine (see the package documentation), every
// division must be guarded, and the result must have the unit env.Result.
// A mistake in src is returned as an [*Error] with its position. A mistake
// in env itself (a duplicate or reserved input name, a missing unit) is a
// plain error: it is the program's, not the formula author's.
func Compile(src string, env Env) (*Formula, error) {
	if err := env.validate(); err != nil {
		return nil, err
	}
	root, err := parse(src)
	if err != nil {
		return nil, err
	}
	c := newChecker(src, env)
	if err := c.check(root, nil); err != nil {
		return nil, err
	}
	switch {
	case root.unit == UnitBool:
		return nil, errorAt(root.pos, "formula gives a condition (true or false), but its result must be %s", env.Result)
	case !root.untyped && root.unit != env.Result:
		return nil, errorAt(root.pos, "formula gives %s, but its result must be %s", root.unit, env.Result)
	}
	return &Formula{src: src, root: root, result: env.Result, inputs: c.inputs}, nil
}

// String returns the text of the formula as written.
func (f *Formula) String() string { return f.src }

// Result returns the unit of the formula's result, the Result of the [Env]
// it was compiled with.
func (f *Formula) Result() Unit { return f.result }

// Inputs returns the names of the inputs the formula uses, in the order of
// their first use.
func (f *Formula) Inputs() []string {
	names := make([]string, len(f.inputs))
	for i, in := range f.inputs {
		names[i] = in.Name
	}
	return names
}

// Eval evaluates the formula with the given input values; values of inputs
// it does not use are ignored. The result is exact (see the package
// documentation) and not rounded; rates are fractions (2.80% is 0.0280).
// It returns an [*EvalError] wrapping [ErrMissingInput] if an input the
// formula uses is missing, [ErrZeroInput] if an input declared non-zero is
// zero, [money.ErrOverflow] if a result is out of range, or [ErrBounds].
func (f *Formula) Eval(inputs map[string]money.Decimal) (money.Decimal, error) {
	e, err := f.evaluator(inputs, false)
	if err != nil {
		return money.Decimal{}, err
	}
	v, err := e.eval(f.root)
	return v.num, err
}

// EvalAmount evaluates a formula whose result is money, like [Formula.Eval],
// and rounds the result half to even to the fen. This is the one rounding of
// a pay component (DOMAIN.md §5).
func (f *Formula) EvalAmount(inputs map[string]money.Decimal) (money.Amount, error) {
	if f.result != UnitMoney {
		return money.Amount{}, &EvalError{Pos: f.root.pos, Msg: fmt.Sprintf("formula gives %s, not money", f.result), Err: ErrResultUnit}
	}
	d, err := f.Eval(inputs)
	if err != nil {
		return money.Amount{}, err
	}
	a, err := d.RoundToFen()
	if err != nil {
		return money.Amount{}, &EvalError{Pos: f.root.pos, Msg: fmt.Sprintf("result %s is too large for an amount of money", d), Err: err}
	}
	return a, nil
}

// Explanation shows how a formula arrived at its result, for payslips: each
// line with its formula, inputs and their values.
type Explanation struct {
	Formula string        // the text of the formula
	Inputs  []InputValue  // the inputs it uses, in order of first use
	Steps   []Step        // its compound parts, innermost first, the whole formula last
	Result  money.Decimal // the unrounded result, as Eval returns it
	Unit    Unit          // the unit of Result
}

// InputValue is an input of a formula and the value it was evaluated with.
type InputValue struct {
	Input
	Value money.Decimal
}

// Step is the value of one part of a formula: an operation or a call that
// was evaluated and does not consist of literals only. Parts that were not
// evaluated (the branch of an if not taken, the right side of an and or an or
// that did not decide the result) have no step.
type Step struct {
	Pos   Pos
	Text  string        // the part as written, e.g. "D * (IL - IC) * t / 360 * P"
	Unit  Unit          // UnitBool for a condition
	Value money.Decimal // the value, unless Unit is UnitBool
	Holds bool          // whether the condition holds, if Unit is UnitBool
}

// Explain evaluates the formula like [Formula.Eval] and also returns the
// inputs and the value of each part.
func (f *Formula) Explain(inputs map[string]money.Decimal) (Explanation, error) {
	e, err := f.evaluator(inputs, true)
	if err != nil {
		return Explanation{}, err
	}
	v, err := e.eval(f.root)
	if err != nil {
		return Explanation{}, err
	}
	x := Explanation{Formula: f.src, Steps: e.steps, Result: v.num, Unit: f.result}
	x.Inputs = make([]InputValue, len(f.inputs))
	for i, in := range f.inputs {
		x.Inputs[i] = InputValue{Input: in.Input, Value: e.vals[i]}
	}
	return x, nil
}

// evaluator binds the input values, checking that the ones the formula uses
// are present and that non-zero ones are not zero.
func (f *Formula) evaluator(inputs map[string]money.Decimal, explain bool) (*evaluator, error) {
	vals := make([]money.Decimal, len(f.inputs))
	var missing []string
	var missingAt Pos
	for i, in := range f.inputs {
		v, ok := inputs[in.Name]
		if !ok {
			if missing == nil {
				missingAt = in.pos
			}
			missing = append(missing, in.Name)
			continue
		}
		vals[i] = v
	}
	if len(missing) > 0 {
		return nil, &EvalError{Pos: missingAt, Msg: "missing input " + strings.Join(missing, ", "), Err: ErrMissingInput}
	}
	for i, in := range f.inputs {
		if in.NonZero && vals[i].IsZero() {
			return nil, &EvalError{Pos: in.pos, Msg: fmt.Sprintf("input %s is 0, but it is declared non-zero", in.Name), Err: ErrZeroInput}
		}
	}
	return &evaluator{src: f.src, vals: vals, explain: explain, root: f.root, result: f.result}, nil
}
