package aip

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits that keep parsing and the generated SQL small.
const (
	maxFilterLen   = 2000 // characters
	maxFilterDepth = 20   // nested parentheses and negations
)

// filter compiles an AIP-160 filter to SQL, adding its values to a.
func (s Schema) filter(src string, a *args) (string, error) {
	switch {
	case !utf8.ValidString(src):
		return "", &Error{"filter", "is not valid UTF-8"}
	case strings.ContainsRune(src, 0):
		return "", &Error{"filter", "contains a NUL character"}
	case utf8.RuneCountInString(src) > maxFilterLen:
		return "", &Error{"filter", fmt.Sprintf("is %d characters long; the maximum is %d", utf8.RuneCountInString(src), maxFilterLen)}
	}
	p := &parser{src: src, fields: s.Fields, args: a}
	if p.skipSpace(); p.eof() {
		return "", nil
	}
	sql, err := p.expr()
	if err == nil && !p.eof() { // expr stops only at the end or at ')'
		err = p.errorf(p.pos, "')' has no matching '('")
	}
	return sql, err
}

// parser is a recursive-descent parser that emits SQL as it goes.
type parser struct {
	src    string
	pos    int // byte offset of the next unread character
	depth  int
	fields map[string]Field
	args   *args
}

// expr parses terms joined by one kind of connective: AND (written, or
// implied by whitespace) or OR. Mixing them needs parentheses, see the
// package documentation.
func (p *parser) expr() (string, error) {
	first, err := p.term()
	if err != nil {
		return "", err
	}
	parts, join := []string{first}, ""
	for p.skipSpace(); !p.eof() && p.peek() != ')'; p.skipSpace() {
		at, conn := p.pos, " AND "
		switch {
		case p.keyword("AND"):
			p.pos += len("AND")
		case p.keyword("OR"):
			p.pos += len("OR")
			conn = " OR "
		}
		if join != "" && conn != join {
			return "", p.errorf(at, "AND and OR cannot be mixed without parentheses (AIP-160 reads "+
				`"a AND b OR c" as "a AND (b OR c)", and terms separated by spaces are joined by AND); `+
				`add parentheses to say which you mean, e.g. "(a AND b) OR c"`)
		}
		join = conn
		t, err := p.term()
		if err != nil {
			return "", err
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, join), nil
}

// term parses a negation, a parenthesised expression or a comparison.
func (p *parser) term() (string, error) {
	p.skipSpace()
	start := p.pos
	neg := p.keyword("NOT") || !p.eof() && p.peek() == '-'
	if !neg && (p.eof() || p.peek() != '(') {
		if p.eof() || p.keyword("AND") || p.keyword("OR") || p.peek() == ')' {
			return "", p.errorf(start, `expected a condition such as field = "value", found %s`, p.found())
		}
		return p.comparison()
	}
	if p.depth == maxFilterDepth {
		return "", p.errorf(start, "parentheses and negations are nested more than %d deep", maxFilterDepth)
	}
	p.depth++
	defer func() { p.depth-- }()
	if neg {
		if p.peek() == '-' {
			p.pos++
		} else {
			p.pos += len("NOT")
		}
		t, err := p.term()
		if err != nil {
			return "", err
		}
		return "NOT (" + t + ")", nil
	}
	p.pos++ // '('
	if p.skipSpace(); !p.eof() && p.peek() == ')' {
		return "", p.errorf(start, "empty parentheses; put a condition inside or remove them")
	}
	inner, err := p.expr()
	if err != nil {
		return "", err
	}
	if p.eof() {
		return "", p.errorf(start, "'(' is never closed; add ')'")
	}
	p.pos++ // ')'
	return "(" + inner + ")", nil
}

// comparison parses field OP value.
func (p *parser) comparison() (string, error) {
	at := p.pos
	name := p.run(isWordByte)
	if name == "" {
		return "", p.errorf(at, "expected a field name, found %s", p.found())
	}
	f, ok := p.fields[name]
	if !ok {
		hint := ""
		if u := strings.ToUpper(name); u == "AND" || u == "OR" || u == "NOT" {
			hint = " (the operators AND, OR and NOT must be written in upper case)"
		}
		return "", p.errorf(at, "unknown field %q%s; filterable fields are: %s",
			name, hint, names(p.fields, func(Field) bool { return true }))
	}
	p.skipSpace()
	opAt, op := p.pos, ""
	for _, o := range []string{"<=", ">=", "!=", "=", "<", ">", ":"} {
		if strings.HasPrefix(p.src[p.pos:], o) {
			op = o
			break
		}
	}
	if op == "" {
		return "", p.errorf(opAt, "expected an operator (=, !=, <, <=, >, >=, :) after %s, found %s", name, p.found())
	}
	p.pos += len(op)
	p.skipSpace()
	valAt := p.pos
	lit, err := p.value(op)
	if err != nil {
		return "", err
	}

	switch {
	case f.Match != nil && op != "=" && op != "!=":
		return "", p.errorf(opAt, "%s can only be compared with = or !=", name)
	case op == ":" && (f.Type != String || f.Convert != nil):
		return "", p.errorf(opAt, "':' (contains) only works on free-text fields; compare %s with = or != instead", name)
	case op == ":":
		return fmt.Sprintf(`LOWER(%s) LIKE LOWER(%s) ESCAPE '\'`, f.Column, p.args.add("%"+likeEscape(lit)+"%")), nil
	case (f.Type == Bool || f.Type == Enum) && op != "=" && op != "!=":
		return "", p.errorf(opAt, "%s field %s can only be compared with = or !=", f.Type, name)
	}

	var v any
	bad := func(format string, a ...any) error {
		return p.errorf(valAt, "invalid value %q for %s field %s: %s", lit, f.Type, name, fmt.Sprintf(format, a...))
	}
	switch f.Type {
	case String:
		v = lit
		if f.Convert != nil {
			if v, err = f.Convert(lit); err != nil {
				return "", bad("%v", err)
			}
		}
	case Int:
		if v, err = strconv.ParseInt(lit, 10, 64); err != nil {
			return "", bad("write a whole number such as 42 or -7")
		}
	case Bool:
		if lit != "true" && lit != "false" {
			return "", bad("write true or false")
		}
		v = lit == "true"
	case Enum:
		if v, ok = f.Enum[lit]; !ok {
			return "", bad("allowed values are: %s", names(f.Enum, func(any) bool { return true }))
		}
	case Timestamp:
		t, err := time.Parse(time.RFC3339Nano, lit)
		if err != nil {
			return "", bad(`write an RFC 3339 timestamp in quotes, e.g. "2026-01-31T09:00:00Z"`)
		}
		v = t.UTC()
	case Date:
		t, err := time.Parse(time.DateOnly, lit)
		if err != nil {
			return "", bad("write a date as YYYY-MM-DD, e.g. 2026-01-31")
		}
		v = t.Format(time.DateOnly)
	default:
		return "", fmt.Errorf("aip: field %s has unknown type %v", name, f.Type)
	}
	if op == "!=" {
		op = "<>"
	}
	if f.Match != nil {
		return f.Match(op, p.args.add(v)), nil
	}
	return f.Column + " " + op + " " + p.args.add(v), nil
}

// value parses a quoted string or a bare word after operator op.
func (p *parser) value(op string) (string, error) {
	if p.eof() || (p.peek() != '"' && p.peek() != '\'') {
		if v := p.run(isValueByte); v != "" {
			return v, nil
		}
		return "", p.errorf(p.pos, "expected a value after %s, found %s", op, p.found())
	}
	start, quote := p.pos, p.src[p.pos]
	var b strings.Builder
	for p.pos++; p.pos < len(p.src); {
		c := p.src[p.pos]
		switch {
		case c == quote:
			p.pos++
			return b.String(), nil
		case c == '\\' && p.pos+1 < len(p.src):
			r, size := utf8.DecodeRuneInString(p.src[p.pos+1:])
			if r != '\\' && r != '"' && r != '\'' {
				return "", p.errorf(p.pos, `unsupported escape "\%c"; only \", \' and \\ are allowed in strings`, r)
			}
			b.WriteRune(r)
			p.pos += 1 + size
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errorf(start, "string is never closed; add a closing %c", quote)
}

// likeEscape escapes the LIKE wildcards in s for ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// isWordByte reports whether c may appear in a field name or bare value.
func isWordByte(c byte) bool {
	return !isSpace(c) && !strings.ContainsRune(`()"'=!<>:`, rune(c))
}

// isValueByte also allows ':', so that bare timestamps work.
func isValueByte(c byte) bool { return isWordByte(c) || c == ':' }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *parser) eof() bool  { return p.pos >= len(p.src) }
func (p *parser) peek() byte { return p.src[p.pos] }

func (p *parser) skipSpace() {
	for !p.eof() && isSpace(p.peek()) {
		p.pos++
	}
}

// run consumes and returns the longest run of bytes satisfying ok.
func (p *parser) run(ok func(byte) bool) string {
	start := p.pos
	for !p.eof() && ok(p.peek()) {
		p.pos++
	}
	return p.src[start:p.pos]
}

// keyword reports whether the keyword kw starts at the current position.
func (p *parser) keyword(kw string) bool {
	rest := p.src[p.pos:]
	return strings.HasPrefix(rest, kw) && (len(rest) == len(kw) || !isWordByte(rest[len(kw)]))
}

// found describes what is at the current position, for error messages.
func (p *parser) found() string {
	if p.eof() {
		return "the end of the filter"
	}
	rest := p.src[p.pos:]
	n := 0
	for n < len(rest) && isValueByte(rest[n]) {
		n++
	}
	if n == 0 {
		_, n = utf8.DecodeRuneInString(rest)
	}
	return strconv.Quote(rest[:n])
}

// errorf returns a filter error at byte offset pos, reported as a 1-based
// character position.
func (p *parser) errorf(pos int, format string, a ...any) error {
	col := utf8.RuneCountInString(p.src[:pos]) + 1
	return &Error{"filter", fmt.Sprintf("position %d: ", col) + fmt.Sprintf(format, a...)}
}
