package formula

import (
	"strings"

	"github.com/rmsuite/rmsuite/pkg/money"
)

// Limits that keep compiling and evaluating a formula cheap.
const (
	// MaxLength is the longest formula, in bytes.
	MaxLength = 4096
	// MaxDepth is how deep parentheses, calls, unary minus and not may nest.
	MaxDepth = 64
)

type nodeKind uint8

const (
	nodeLiteral nodeKind = iota + 1
	nodeInput
	nodeNeg    // -x
	nodeNot    // not x
	nodeBinary // x op y
	nodeCall   // fn(args)
)

type operator uint8

const (
	opAdd operator = iota + 1
	opSub
	opMul
	opDiv
	opLT
	opLE
	opGT
	opGE
	opEQ
	opNE
	opAnd
	opOr
)

func (op operator) comparison() bool { return op >= opLT && op <= opNE }

type function uint8

const (
	fnIf function = iota + 1
	fnMin
	fnMax
	fnRound
	fnClamp
)

func lookupFunc(name string) (function, bool) {
	switch name {
	case "if":
		return fnIf, true
	case "min":
		return fnMin, true
	case "max":
		return fnMax, true
	case "round":
		return fnRound, true
	case "clamp":
		return fnClamp, true
	}
	return 0, false
}

// value is the value of a part of a formula: a number or a condition.
type value struct {
	num  money.Decimal
	cond bool
}

// node is a part of the syntax tree. Parsing fills in the syntax; checking
// fills in the unit and folds constants.
type node struct {
	kind  nodeKind
	op    operator
	fn    function
	name  string // input or function name
	args  []*node
	pos   Pos // start, including any enclosing parentheses
	end   int // byte offset just past the end
	opPos Pos // the operator of a binary node; the name of an input or call

	// Set by the checker.
	unit    Unit // UnitBool for conditions
	untyped bool // made of literals, taking its unit from its context
	konst   bool // made of literals; val holds its value
	val     value
	input   int // index of a nodeInput in Formula.inputs
	places  int // the decimal places of round
}

// parser is a recursive-descent parser with one token of look-ahead. It
// reads tokens as it goes, so the first error in the text is the one
// reported.
type parser struct {
	lex   *lexer
	tok   token // the current token
	prev  token // the token before it
	depth int
}

// parse parses src. It does not check names or units.
func parse(src string) (*node, error) {
	if len(src) > MaxLength {
		return nil, errorAt(Pos{Line: 1, Column: 1}, "formula is %d bytes long; the limit is %d", len(src), MaxLength)
	}
	p := &parser{lex: newLexer(src)}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tokEOF {
		return nil, errorAt(p.tok.pos, "formula is empty")
	}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	switch p.tok.kind {
	case tokEOF:
		return n, nil
	case tokRParen:
		return nil, errorAt(p.tok.pos, `unexpected ")"`)
	case tokComma:
		if p.prev.kind == tokNumber {
			return nil, errorAt(p.tok.pos, `unexpected ","; numbers are written without thousands separators (2000.00, not 2,000.00)`)
		}
		return nil, errorAt(p.tok.pos, `unexpected ","`)
	}
	return nil, errorAt(p.tok.pos, "unexpected %s; expected an operator", p.tok.describe())
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.prev, p.tok = p.tok, t
	return nil
}

// enter counts one more level of nesting; leave must follow.
func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return errorAt(p.tok.pos, "formula nests more than %d levels deep", MaxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) isWord(w string) bool { return p.tok.kind == tokName && p.tok.text == w }

func binary(op operator, opTok token, l, r *node) *node {
	return &node{kind: nodeBinary, op: op, args: []*node{l, r}, pos: l.pos, end: r.end, opPos: opTok.pos}
}

// expr = conj { "or" conj } .
func (p *parser) expr() (*node, error) {
	l, err := p.conj()
	for err == nil && p.isWord("or") {
		opTok := p.tok
		var r *node
		if err = p.advance(); err == nil {
			if r, err = p.conj(); err == nil {
				l = binary(opOr, opTok, l, r)
			}
		}
	}
	return l, err
}

// conj = neg { "and" neg } .
func (p *parser) conj() (*node, error) {
	l, err := p.neg()
	for err == nil && p.isWord("and") {
		opTok := p.tok
		var r *node
		if err = p.advance(); err == nil {
			if r, err = p.neg(); err == nil {
				l = binary(opAnd, opTok, l, r)
			}
		}
	}
	return l, err
}

// neg = "not" neg | comparison .
func (p *parser) neg() (*node, error) {
	if !p.isWord("not") {
		return p.comparison()
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	start := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.neg()
	if err != nil {
		return nil, err
	}
	return &node{kind: nodeNot, args: []*node{x}, pos: start, end: x.end, opPos: start}, nil
}

// comparisonOp returns the comparison operator written as a token of kind k.
func comparisonOp(k tokenKind) (operator, bool) {
	switch k {
	case tokLT:
		return opLT, true
	case tokLE:
		return opLE, true
	case tokGT:
		return opGT, true
	case tokGE:
		return opGE, true
	case tokEQ:
		return opEQ, true
	case tokNE:
		return opNE, true
	}
	return 0, false
}

// comparison = sum [ cmp sum ] .
func (p *parser) comparison() (*node, error) {
	l, err := p.sum()
	if err != nil {
		return nil, err
	}
	op, ok := comparisonOp(p.tok.kind)
	if !ok {
		return l, nil
	}
	opTok := p.tok
	if err := p.advance(); err != nil {
		return nil, err
	}
	r, err := p.sum()
	if err != nil {
		return nil, err
	}
	if _, ok := comparisonOp(p.tok.kind); ok {
		return nil, errorAt(p.tok.pos, "comparisons cannot be chained; write a < b and b < c")
	}
	return binary(op, opTok, l, r), nil
}

// sum = product { ( "+" | "-" ) product } .
func (p *parser) sum() (*node, error) {
	l, err := p.product()
	for err == nil && (p.tok.kind == tokPlus || p.tok.kind == tokMinus) {
		opTok, op := p.tok, opAdd
		if opTok.kind == tokMinus {
			op = opSub
		}
		var r *node
		if err = p.advance(); err == nil {
			if r, err = p.product(); err == nil {
				l = binary(op, opTok, l, r)
			}
		}
	}
	return l, err
}

// product = unary { ( "*" | "/" ) unary } .
func (p *parser) product() (*node, error) {
	l, err := p.unary()
	for err == nil && (p.tok.kind == tokStar || p.tok.kind == tokSlash) {
		opTok, op := p.tok, opMul
		if opTok.kind == tokSlash {
			op = opDiv
		}
		var r *node
		if err = p.advance(); err == nil {
			if r, err = p.unary(); err == nil {
				l = binary(op, opTok, l, r)
			}
		}
	}
	return l, err
}

// unary = "-" unary | primary .
func (p *parser) unary() (*node, error) {
	if p.tok.kind != tokMinus {
		return p.primary()
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	start := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	return &node{kind: nodeNeg, args: []*node{x}, pos: start, end: x.end, opPos: start}, nil
}

// primary = number | name | call | "(" expr ")" .
func (p *parser) primary() (*node, error) {
	t := p.tok
	switch t.kind {
	case tokNumber:
		val, err := parseNumber(t)
		if err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &node{kind: nodeLiteral, pos: t.pos, end: t.end, val: value{num: val}}, nil
	case tokName:
		return p.name()
	case tokLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRParen {
			return nil, p.expected(`")"`, t)
		}
		// The parentheses belong to the node, so that its text in errors
		// and explanations is balanced.
		x.pos, x.end = t.pos, p.tok.end
		return x, p.advance()
	case tokComma:
		if p.prev.kind == tokNumber {
			return nil, errorAt(t.pos, `unexpected ","; numbers are written without thousands separators (2000.00, not 2,000.00)`)
		}
	case tokEOF:
		return nil, errorAt(t.pos, `unexpected end of formula; expected a number, a name or "("`)
	}
	return nil, errorAt(t.pos, `unexpected %s; expected a number, a name or "("`, t.describe())
}

// expected reports that the current token is not want; open is the "("
// that want would close.
func (p *parser) expected(want string, open token) error {
	return errorAt(p.tok.pos, "unexpected %s; expected %s to close the %q at %s", p.tok.describe(), want, open.text, open.pos)
}

// name parses an input or a call.
func (p *parser) name() (*node, error) {
	t := p.tok
	switch t.text {
	case "and", "or", "not":
		return nil, errorAt(t.pos, `unexpected %q; expected a number, a name or "("`, t.text)
	case "true", "false":
		return nil, errorAt(t.pos, "%q is reserved; write a comparison such as t > 0", t.text)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	fn, isFunc := lookupFunc(t.text)
	switch {
	case p.tok.kind == tokLParen && isFunc:
		return p.call(t, fn)
	case p.tok.kind == tokLParen:
		return nil, errorAt(t.pos, "unknown function %q; the functions are clamp, if, max, min and round", t.text)
	case isFunc:
		return nil, errorAt(t.pos, "%s is a function; call it as %s(…)", t.text, t.text)
	}
	// opPos keeps the position of the name itself, for messages about it.
	return &node{kind: nodeInput, name: t.text, pos: t.pos, end: t.end, opPos: t.pos}, nil
}

// call parses the arguments of fn, whose name is t; the current token is "(".
func (p *parser) call(t token, fn function) (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	open := p.tok
	if err := p.advance(); err != nil {
		return nil, err
	}
	n := &node{kind: nodeCall, fn: fn, name: t.text, pos: t.pos, opPos: t.pos}
	for {
		arg, err := p.expr()
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, arg)
		if p.tok.kind == tokRParen {
			break
		}
		if p.tok.kind != tokComma {
			return nil, p.expected(`"," or ")"`, open)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	n.end = p.tok.end
	if err := checkArity(n); err != nil {
		return nil, err
	}
	return n, p.advance()
}

func checkArity(n *node) error {
	got := len(n.args)
	switch n.fn {
	case fnIf:
		if got != 3 {
			return errorAt(n.pos, "if takes 3 arguments, if(condition, value if true, value if false); got %d", got)
		}
	case fnMin, fnMax:
		if got < 2 {
			return errorAt(n.pos, "%s takes 2 or more arguments; got %d", n.name, got)
		}
	case fnRound:
		if got != 2 {
			return errorAt(n.pos, "round takes 2 arguments, round(x, decimal places); got %d", got)
		}
	case fnClamp:
		if got != 3 {
			return errorAt(n.pos, "clamp takes 3 arguments, clamp(x, lower bound, upper bound); got %d", got)
		}
	}
	return nil
}

// parseNumber returns the value of a number token: a plain decimal,
// divided by 100 if it ends in %.
func parseNumber(t token) (money.Decimal, error) {
	digits, percent := strings.CutSuffix(t.text, "%")
	d, err := money.ParseDecimal(digits)
	if err != nil {
		return money.Decimal{}, errorAt(t.pos, "number %s has more than 19 significant digits", t.text)
	}
	if !percent {
		return d, nil
	}
	// Shifting the point two places is exact unless the result would need
	// more than 19 decimal places or significant digits; check by shifting
	// back.
	hundredth := money.MustParseDecimal("0.01")
	v, err := d.Mul(hundredth)
	if err == nil {
		var back money.Decimal
		back, err = v.Mul(money.DecimalFromInt(100))
		if err == nil && back.Cmp(d) != 0 {
			err = money.ErrPrecision
		}
	}
	if err != nil {
		return money.Decimal{}, errorAt(t.pos, "percentage %s has too many digits; at most 19 significant digits and 17 decimal places", t.text)
	}
	return v, nil
}
