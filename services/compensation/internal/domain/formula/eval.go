package formula

import (
	"errors"
	"fmt"

	"github.com/rmsuite/rmsuite/pkg/money"
)

// evaluator evaluates checked nodes. With no inputs it folds constants.
type evaluator struct {
	src     string
	vals    []money.Decimal // input values, indexed like Formula.inputs
	explain bool
	root    *node
	result  Unit
	steps   []Step
}

func (e *evaluator) eval(n *node) (value, error) {
	if n.konst {
		return n.val, nil
	}
	var (
		v   value
		err error
	)
	switch n.kind {
	case nodeInput:
		return value{num: e.vals[n.input]}, nil
	case nodeNeg:
		v, err = e.eval(n.args[0])
		v.num = v.num.Neg()
	case nodeNot:
		v, err = e.eval(n.args[0])
		v.cond = !v.cond
	case nodeBinary:
		v, err = e.binary(n)
	case nodeCall:
		v, err = e.call(n)
	default:
		err = &EvalError{Pos: n.pos, Msg: "internal error: unexpected node"}
	}
	if err != nil {
		return value{}, err
	}
	if e.explain {
		e.record(n, v)
	}
	return v, nil
}

func (e *evaluator) binary(n *node) (value, error) {
	l, r := n.args[0], n.args[1]
	a, err := e.eval(l)
	if err != nil {
		return value{}, err
	}
	switch n.op {
	case opAnd:
		if !a.cond {
			return a, nil
		}
		return e.eval(r)
	case opOr:
		if a.cond {
			return a, nil
		}
		return e.eval(r)
	}
	b, err := e.eval(r)
	if err != nil {
		return value{}, err
	}
	if n.op.comparison() {
		return value{cond: holds(n.op, a.num.Cmp(b.num))}, nil
	}
	var d money.Decimal
	switch n.op {
	case opAdd:
		d, err = a.num.Add(b.num)
	case opSub:
		d, err = a.num.Sub(b.num)
	case opMul:
		d, err = a.num.Mul(b.num)
	case opDiv:
		if b.num.IsZero() {
			// The checker makes sure this does not happen.
			return value{}, &EvalError{Pos: r.pos, Msg: fmt.Sprintf("division by zero: %s is 0", e.text(r)), Err: money.ErrDivisionByZero}
		}
		d, err = a.num.Quo(b.num)
	}
	if err != nil {
		return value{}, e.failed(n, err)
	}
	return value{num: d}, nil
}

func (e *evaluator) call(n *node) (value, error) {
	if n.fn == fnIf {
		c, err := e.eval(n.args[0])
		if err != nil {
			return value{}, err
		}
		if c.cond {
			return e.eval(n.args[1])
		}
		return e.eval(n.args[2])
	}
	vals := make([]money.Decimal, len(n.args))
	for i, a := range n.args {
		v, err := e.eval(a)
		if err != nil {
			return value{}, err
		}
		vals[i] = v.num
	}
	switch n.fn {
	case fnMin:
		return value{num: extreme(vals, -1)}, nil
	case fnMax:
		return value{num: extreme(vals, +1)}, nil
	case fnRound:
		return value{num: vals[0].RoundHalfEven(n.places)}, nil
	case fnClamp:
		x, lo, hi := vals[0], vals[1], vals[2]
		switch {
		case lo.Cmp(hi) > 0:
			return value{}, &EvalError{
				Pos: n.pos,
				Msg: fmt.Sprintf("clamp's lower bound %s is %s, above its upper bound %s, which is %s", e.text(n.args[1]), lo, e.text(n.args[2]), hi),
				Err: ErrBounds,
			}
		case x.Cmp(lo) < 0:
			return value{num: lo}, nil
		case x.Cmp(hi) > 0:
			return value{num: hi}, nil
		}
		return value{num: x}, nil
	}
	return value{}, &EvalError{Pos: n.pos, Msg: "internal error: unknown function"}
}

// extreme returns the smallest (sign −1) or largest (sign +1) of vals, the
// first of equal ones.
func extreme(vals []money.Decimal, sign int) money.Decimal {
	best := vals[0]
	for _, v := range vals[1:] {
		if v.Cmp(best) == sign {
			best = v
		}
	}
	return best
}

func (e *evaluator) text(n *node) string { return e.src[n.pos.Offset:n.end] }

// failed wraps an error of decimal arithmetic at n.
func (e *evaluator) failed(n *node, err error) error {
	msg := fmt.Sprintf("%s: %v", e.text(n), err)
	if errors.Is(err, money.ErrOverflow) {
		msg = fmt.Sprintf("%s is out of range (more than 19 digits before the decimal point)", e.text(n))
	}
	return &EvalError{Pos: n.opPos, Msg: msg, Err: err}
}

func (e *evaluator) record(n *node, v value) {
	s := Step{Pos: n.pos, Text: e.text(n), Unit: n.unit}
	if n.untyped {
		s.Unit = UnitNumber
		if n == e.root {
			s.Unit = e.result
		}
	}
	if n.unit == UnitBool {
		s.Holds = v.cond
	} else {
		s.Value = v.num
	}
	e.steps = append(e.steps, s)
}
