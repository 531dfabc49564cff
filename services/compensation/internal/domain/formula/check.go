package formula

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rmsuite/rmsuite/pkg/money"
)

// usedInput is an input that a formula uses, with where it is first used.
type usedInput struct {
	Input
	pos Pos
}

// checker resolves names, works out units, folds constants and checks
// divisions, in source order, stopping at the first mistake.
type checker struct {
	src    string
	env    Env
	byName map[string]int // index in env.Inputs
	used   map[string]int // index in inputs
	inputs []usedInput
}

func newChecker(src string, env Env) *checker {
	c := &checker{src: src, env: env, byName: make(map[string]int, len(env.Inputs)), used: make(map[string]int)}
	for i, in := range env.Inputs {
		c.byName[in.Name] = i
	}
	return c
}

// text returns the source text of n, shortened for messages.
func (c *checker) text(n *node) string {
	s := c.src[n.pos.Offset:n.end]
	const maxRunes = 40
	if utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	i := 0
	for range maxRunes - 1 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + "…"
}

// operand describes n for a unit error: "D (money)".
func (c *checker) operand(n *node) string {
	u := n.unit
	if n.untyped {
		u = UnitNumber
	}
	return fmt.Sprintf("%s (%s)", c.text(n), u)
}

// check checks n, knowing that every expression in facts is not zero
// wherever n is evaluated.
func (c *checker) check(n *node, facts []*node) error {
	var err error
	switch n.kind {
	case nodeLiteral:
		n.unit, n.untyped, n.konst = UnitNumber, true, true
		return nil
	case nodeInput:
		return c.checkInput(n)
	case nodeNeg:
		err = c.checkNeg(n, facts)
	case nodeNot:
		err = c.checkNot(n, facts)
	case nodeBinary:
		err = c.checkBinary(n, facts)
	case nodeCall:
		err = c.checkCall(n, facts)
	default:
		err = errorAt(n.pos, "internal error: unknown node")
	}
	if err != nil {
		return err
	}
	return c.fold(n)
}

func (c *checker) checkInput(n *node) error {
	i, ok := c.byName[n.name]
	if !ok {
		return errorAt(n.opPos, "%s", c.unknownName(n.name))
	}
	in := c.env.Inputs[i]
	n.unit = in.Unit
	j, ok := c.used[n.name]
	if !ok {
		j = len(c.inputs)
		c.used[n.name] = j
		c.inputs = append(c.inputs, usedInput{Input: in, pos: n.opPos})
	}
	n.input = j
	return nil
}

// unknownName explains that name is not an input, listing the inputs.
func (c *checker) unknownName(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "unknown name %q", name)
	for _, in := range c.env.Inputs {
		if strings.EqualFold(in.Name, name) {
			fmt.Fprintf(&b, " (did you mean %q?)", in.Name)
			break
		}
	}
	if len(c.env.Inputs) == 0 {
		b.WriteString("; this formula has no inputs")
		return b.String()
	}
	b.WriteString("; known: ")
	const maxListed = 30
	for i, in := range c.env.Inputs {
		if i == maxListed {
			fmt.Fprintf(&b, ", … (%d more)", len(c.env.Inputs)-maxListed)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(in.Name)
	}
	return b.String()
}

func (c *checker) checkNeg(n *node, facts []*node) error {
	x := n.args[0]
	if err := c.check(x, facts); err != nil {
		return err
	}
	if x.unit == UnitBool {
		return errorAt(n.pos, "cannot negate the condition %s; write not", c.text(x))
	}
	n.unit, n.untyped = x.unit, x.untyped
	return nil
}

func (c *checker) checkNot(n *node, facts []*node) error {
	x := n.args[0]
	if err := c.check(x, facts); err != nil {
		return err
	}
	if x.unit != UnitBool {
		return errorAt(x.pos, "not needs a condition such as t > 0; %s is not one", c.operand(x))
	}
	n.unit = UnitBool
	return nil
}

func (c *checker) checkBinary(n *node, facts []*node) error {
	l, r := n.args[0], n.args[1]
	if err := c.check(l, facts); err != nil {
		return err
	}
	if n.op == opAnd || n.op == opOr {
		// The right side is evaluated only if the left side holds (and) or
		// does not (or).
		facts = appendFacts(slices.Clip(facts), l, n.op == opAnd)
	}
	if err := c.check(r, facts); err != nil {
		return err
	}
	if n.op == opAnd || n.op == opOr {
		word := "and"
		if n.op == opOr {
			word = "or"
		}
		for _, x := range n.args {
			if x.unit != UnitBool {
				return errorAt(x.pos, "%s needs conditions such as t > 0 on both sides; %s is not one", word, c.operand(x))
			}
		}
		n.unit = UnitBool
		return nil
	}
	for _, x := range n.args {
		if x.unit == UnitBool {
			return errorAt(x.pos, "the condition %s cannot be used as a number; use if(%s, …, …)", c.text(x), c.text(x))
		}
	}
	if n.op.comparison() {
		if _, _, ok := unify(l, r); !ok {
			return errorAt(n.opPos, "cannot compare %s with %s", c.operand(l), c.operand(r))
		}
		n.unit = UnitBool
		return nil
	}
	var ok bool
	switch {
	case n.op == opAdd || n.op == opSub:
		n.unit, n.untyped, ok = unify(l, r)
	case l.untyped && r.untyped:
		n.unit, n.untyped, ok = UnitNumber, true, true
	case n.op == opMul && l.untyped:
		n.unit, ok = r.unit, true
	case r.untyped:
		n.unit, ok = l.unit, true
	case n.op == opMul:
		n.unit, ok = mulUnit(l.unit, r.unit)
	case l.untyped: // a literal divided by r
		n.unit, ok = UnitNumber, r.unit == UnitNumber
	default:
		n.unit, ok = divUnit(l.unit, r.unit)
	}
	if !ok {
		switch n.op {
		case opAdd:
			return errorAt(n.opPos, "cannot add %s and %s", c.operand(l), c.operand(r))
		case opSub:
			return errorAt(n.opPos, "cannot subtract %s from %s", c.operand(r), c.operand(l))
		case opMul:
			return errorAt(n.opPos, "cannot multiply %s by %s", c.operand(l), c.operand(r))
		default:
			return errorAt(n.opPos, "cannot divide %s by %s", c.operand(l), c.operand(r))
		}
	}
	if n.op == opDiv {
		return c.checkDivisor(r, facts)
	}
	return nil
}

// checkDivisor rejects a divisor that may be zero; see "Division guard" in
// the package documentation.
func (c *checker) checkDivisor(d *node, facts []*node) error {
	if d.konst && d.val.num.IsZero() {
		return errorAt(d.pos, "division by zero")
	}
	if c.nonZero(d, facts) {
		return nil
	}
	t := c.text(d)
	msg := fmt.Sprintf("division by %s, which may be zero; divide only inside if(%s > 0, …, …) or by max(%s, 1)", t, t, t)
	if d.kind == nodeInput {
		msg += ", or declare " + t + " non-zero"
	}
	return errorAt(d.pos, "%s", msg)
}

// nonZero reports whether d is known not to be zero where facts hold.
func (c *checker) nonZero(d *node, facts []*node) bool {
	if d.konst {
		return !d.val.num.IsZero()
	}
	for _, f := range facts {
		if same(f, d) {
			return true
		}
	}
	switch d.kind {
	case nodeInput:
		return c.inputs[d.input].NonZero
	case nodeNeg:
		return c.nonZero(d.args[0], facts)
	case nodeCall:
		switch d.fn {
		case fnMax:
			return slices.ContainsFunc(d.args, func(a *node) bool { return a.konst && a.val.num.Sign() > 0 })
		case fnMin:
			return slices.ContainsFunc(d.args, func(a *node) bool { return a.konst && a.val.num.Sign() < 0 })
		case fnClamp:
			lo, hi := d.args[1], d.args[2]
			return lo.konst && lo.val.num.Sign() > 0 || hi.konst && hi.val.num.Sign() < 0
		case fnIf:
			cond := d.args[0]
			return c.nonZero(d.args[1], appendFacts(slices.Clip(facts), cond, true)) &&
				c.nonZero(d.args[2], appendFacts(slices.Clip(facts), cond, false))
		}
	}
	return false
}

// appendFacts appends to dst the expressions that are known not to be zero
// when the condition cond is (truth) or is not (!truth) true, in time
// linear in the size of cond. dst must not share its spare capacity.
func appendFacts(dst []*node, cond *node, truth bool) []*node {
	switch {
	case cond.kind == nodeNot:
		return appendFacts(dst, cond.args[0], !truth)
	case cond.kind != nodeBinary:
		return dst
	case cond.op == opAnd && truth, cond.op == opOr && !truth:
		dst = appendFacts(dst, cond.args[0], truth)
		return appendFacts(dst, cond.args[1], truth)
	case !cond.op.comparison():
		return dst
	}
	op, x, k := cond.op, cond.args[0], cond.args[1]
	switch {
	case k.konst && !x.konst:
	case x.konst && !k.konst:
		op, x, k = mirror(op), k, x
	default:
		return dst
	}
	if !truth {
		op = negate(op)
	}
	// x op k excludes x = 0 exactly when 0 op k is false.
	if holds(op, money.Decimal{}.Cmp(k.val.num)) {
		return dst
	}
	return append(dst, x)
}

// mirror returns the operator that gives the same result with its operands
// swapped: k < x is x > k.
func mirror(op operator) operator {
	switch op {
	case opLT:
		return opGT
	case opLE:
		return opGE
	case opGT:
		return opLT
	case opGE:
		return opLE
	}
	return op
}

// negate returns the comparison that holds exactly when op does not.
func negate(op operator) operator {
	switch op {
	case opLT:
		return opGE
	case opLE:
		return opGT
	case opGT:
		return opLE
	case opGE:
		return opLT
	case opEQ:
		return opNE
	case opNE:
		return opEQ
	}
	return op
}

// holds reports whether a op b holds, given cmp = a.Cmp(b).
func holds(op operator, cmp int) bool {
	switch op {
	case opLT:
		return cmp < 0
	case opLE:
		return cmp <= 0
	case opGT:
		return cmp > 0
	case opGE:
		return cmp >= 0
	case opEQ:
		return cmp == 0
	case opNE:
		return cmp != 0
	}
	return false
}

// same reports whether a and b are written the same way, apart from
// parentheses and the spelling of numbers, and so have the same value.
func same(a, b *node) bool {
	if a.kind != b.kind || a.op != b.op || a.fn != b.fn || a.name != b.name || len(a.args) != len(b.args) {
		return false
	}
	if a.kind == nodeLiteral && a.val.num.String() != b.val.num.String() {
		return false
	}
	for i := range a.args {
		if !same(a.args[i], b.args[i]) {
			return false
		}
	}
	return true
}

// unify returns the common unit of two numeric operands that must agree:
// the same unit, or a literal taking the other's unit.
func unify(a, b *node) (u Unit, untyped, ok bool) {
	switch {
	case a.untyped && b.untyped:
		return UnitNumber, true, true
	case a.untyped:
		return b.unit, false, true
	case b.untyped:
		return a.unit, false, true
	}
	return a.unit, false, a.unit == b.unit
}

func isScale(u Unit) bool { return u == UnitNumber || u == UnitRate }

// mulUnit returns the unit of a × b.
func mulUnit(a, b Unit) (Unit, bool) {
	switch {
	case a == UnitMoney && b != UnitMoney, b == UnitMoney && a != UnitMoney:
		return UnitMoney, true
	case a == b && isScale(a):
		return a, true
	case isScale(a) && isScale(b):
		return UnitRate, true
	case isScale(b):
		return a, true
	case isScale(a):
		return b, true
	}
	return 0, false
}

// divUnit returns the unit of a ÷ b.
func divUnit(a, b Unit) (Unit, bool) {
	switch {
	case a == b:
		return UnitNumber, true
	case a == UnitMoney:
		return UnitMoney, true
	case b == UnitNumber:
		return a, true
	case b == UnitRate && (a == UnitCount || a == UnitDays):
		return a, true
	}
	return 0, false
}

func (c *checker) checkCall(n *node, facts []*node) error {
	if n.fn == fnIf {
		return c.checkIf(n, facts)
	}
	for _, a := range n.args {
		if err := c.check(a, facts); err != nil {
			return err
		}
		if a.unit == UnitBool {
			return errorAt(a.pos, "%s needs numbers; the condition %s is not one", n.name, c.text(a))
		}
	}
	if n.fn == fnRound {
		return c.checkRound(n)
	}
	// min, max, clamp: all arguments in one unit.
	first := n.args[0]
	n.unit, n.untyped = first.unit, first.untyped
	for _, a := range n.args[1:] {
		u, untyped, ok := unify(n, a)
		if !ok {
			return errorAt(a.pos, "%s needs arguments of one unit; %s is not %s", n.name, c.operand(a), n.unit)
		}
		n.unit, n.untyped = u, untyped
	}
	if n.fn == fnClamp {
		lo, hi := n.args[1], n.args[2]
		if lo.konst && hi.konst && lo.val.num.Cmp(hi.val.num) > 0 {
			return errorAt(lo.pos, "clamp's lower bound %s is above its upper bound %s", lo.val.num, hi.val.num)
		}
	}
	return nil
}

func (c *checker) checkRound(n *node) error {
	x, places := n.args[0], n.args[1]
	n.unit, n.untyped = x.unit, x.untyped
	if places.konst {
		for i := range int64(20) {
			if places.val.num.Cmp(money.DecimalFromInt(i)) == 0 {
				n.places = int(i)
				return nil
			}
		}
	}
	return errorAt(places.pos, "round's decimal places must be a whole number from 0 to 19, such as round(x, 2); got %s", c.text(places))
}

func (c *checker) checkIf(n *node, facts []*node) error {
	cond, a, b := n.args[0], n.args[1], n.args[2]
	if err := c.check(cond, facts); err != nil {
		return err
	}
	if cond.unit != UnitBool {
		return errorAt(cond.pos, "the first argument of if must be a condition such as t > 0; %s is not one", c.operand(cond))
	}
	if err := c.check(a, appendFacts(slices.Clip(facts), cond, true)); err != nil {
		return err
	}
	if err := c.check(b, appendFacts(slices.Clip(facts), cond, false)); err != nil {
		return err
	}
	if (a.unit == UnitBool) != (b.unit == UnitBool) {
		return errorAt(b.pos, "the two branches of if must both be conditions or both be values; %s and %s are not", c.text(a), c.text(b))
	}
	if a.unit == UnitBool {
		n.unit = UnitBool
		return nil
	}
	u, untyped, ok := unify(a, b)
	if !ok {
		return errorAt(b.pos, "the two branches of if must have the same unit; %s and %s do not", c.operand(a), c.operand(b))
	}
	n.unit, n.untyped = u, untyped
	return nil
}

// fold computes the value of n now if it is made of constants only.
func (c *checker) fold(n *node) error {
	for _, a := range n.args {
		if !a.konst {
			return nil
		}
	}
	v, err := (&evaluator{src: c.src}).eval(n)
	if err != nil {
		if ee, ok := errors.AsType[*EvalError](err); ok {
			return &Error{Pos: ee.Pos, Msg: ee.Msg}
		}
		return errorAt(n.pos, "%v", err)
	}
	n.konst, n.val = true, v
	return nil
}
