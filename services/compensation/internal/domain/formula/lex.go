package formula

import (
	"strconv"
	"unicode/utf8"
)

type tokenKind uint8

const (
	tokInvalid tokenKind = iota
	tokEOF
	tokNumber
	tokName
	tokLParen
	tokRParen
	tokComma
	tokPlus
	tokMinus
	tokStar
	tokSlash
	tokLT
	tokLE
	tokGT
	tokGE
	tokEQ
	tokNE
)

type token struct {
	kind tokenKind
	pos  Pos
	end  int    // byte offset just past the token
	text string // the token as written
}

// describe names t for error messages.
func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of formula"
	case tokNumber:
		return "number " + t.text
	case tokName:
		if reserved(t.text) {
			return strconv.Quote(t.text)
		}
		return "name " + strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

// lexer splits a formula into tokens, one at a time, keeping track of the
// line and column.
type lexer struct {
	src  string
	off  int
	line int
	col  int
}

func newLexer(src string) *lexer { return &lexer{src: src, line: 1, col: 1} }

func (l *lexer) pos() Pos { return Pos{Offset: l.off, Line: l.line, Column: l.col} }

// peek returns the rune at the current offset and its size in bytes; size
// 0 means the end of the text, and utf8.RuneError of size 1 invalid UTF-8.
func (l *lexer) peek() (rune, int) {
	if l.off >= len(l.src) {
		return -1, 0
	}
	return utf8.DecodeRuneInString(l.src[l.off:])
}

// step moves past the rune r of size bytes.
func (l *lexer) step(r rune, size int) {
	l.off += size
	if r == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
}

// accept moves past the next rune if it is want.
func (l *lexer) accept(want rune) bool {
	if r, size := l.peek(); size > 0 && r == want {
		l.step(r, size)
		return true
	}
	return false
}

func (l *lexer) digits() {
	for {
		r, size := l.peek()
		if size == 0 || !isDigit(r) {
			return
		}
		l.step(r, size)
	}
}

// next returns the next token, or an error at the first character that
// cannot start one.
func (l *lexer) next() (token, error) {
	for {
		r, size := l.peek()
		if size == 0 || r != ' ' && r != '\t' && r != '\n' && r != '\r' {
			break
		}
		l.step(r, size)
	}
	start := l.pos()
	r, size := l.peek()
	switch {
	case size == 0:
		return token{kind: tokEOF, pos: start, end: l.off}, nil
	case r == utf8.RuneError && size == 1:
		return token{}, errorAt(start, "invalid UTF-8 encoding")
	case isDigit(r):
		return l.number(start)
	case nameStart(r):
		return l.name(start)
	}
	l.step(r, size)
	kind := tokInvalid
	switch r {
	case '(':
		kind = tokLParen
	case ')':
		kind = tokRParen
	case ',':
		if err := l.checkThousands(start); err != nil {
			return token{}, err
		}
		kind = tokComma
	case '+':
		kind = tokPlus
	case '-':
		kind = tokMinus
	case '*':
		kind = tokStar
	case '/':
		kind = tokSlash
	case '<':
		kind = tokLT
		if l.accept('=') {
			kind = tokLE
		}
	case '>':
		kind = tokGT
		if l.accept('=') {
			kind = tokGE
		}
	case '=':
		if !l.accept('=') {
			return token{}, errorAt(start, `unexpected "="; compare with ==`)
		}
		kind = tokEQ
	case '!':
		if !l.accept('=') {
			return token{}, errorAt(start, `unexpected "!"; write != or not`)
		}
		kind = tokNE
	}
	if kind == tokInvalid {
		return token{}, errorAt(start, "%s", unexpectedChar(r))
	}
	return token{kind: kind, pos: start, end: l.off, text: l.src[start.Offset:l.off]}, nil
}

// unexpectedChar describes a character that cannot start a token, with a
// hint for the ones people are likely to type instead of an operator.
func unexpectedChar(r rune) string {
	msg := "unexpected character " + strconv.Quote(string(r))
	hint := ""
	switch r {
	case '×', '·', '∙', '⋅', '＊':
		hint = "multiply with *"
	case '÷', '／':
		hint = "divide with /"
	case '−', '–', '—', '－':
		hint = "subtract with -"
	case '＋':
		hint = "add with +"
	case '（', '）', '[', ']', '{', '}', '【', '】':
		hint = "group with ( and )"
	case '，', ';', '；':
		hint = "separate arguments with ,"
	case '≤':
		hint = "write <="
	case '≥':
		hint = "write >="
	case '≠':
		hint = "write !="
	case '&':
		hint = "write and"
	case '|':
		hint = "write or"
	case '%', '％':
		hint = "a percent sign must directly follow a number, as in 2.80%"
	case '.':
		hint = "write a digit before the decimal point, as in 0.5"
	}
	if hint != "" {
		msg += "; " + hint
	}
	return msg
}

// checkThousands rejects a comma that looks like a thousands separator: one
// between a digit and exactly three digits, as in 2,000.00, which would
// otherwise silently become two arguments in max(2,000.00, x).
func (l *lexer) checkThousands(comma Pos) error {
	if comma.Offset == 0 || !isDigit(rune(l.src[comma.Offset-1])) {
		return nil
	}
	rest := l.src[l.off:]
	n := 0
	for n < len(rest) && isDigit(rune(rest[n])) {
		n++
	}
	if n != 3 {
		return nil
	}
	return errorAt(comma, "numbers are written without thousands separators (2000.00, not 2,000.00); "+
		"if the comma separates arguments, put a space after it")
}

// number lexes digits [ "." digits ] [ "%" ].
func (l *lexer) number(start Pos) (token, error) {
	l.digits()
	if l.src[start.Offset] == '0' && l.off-start.Offset > 1 {
		return token{}, errorAt(start, "number %q has a leading zero; write numbers without leading zeros or thousands separators", l.src[start.Offset:l.off])
	}
	if l.accept('.') {
		if r, size := l.peek(); size == 0 || !isDigit(r) {
			return token{}, errorAt(l.pos(), `expected a digit after the decimal point`)
		}
		l.digits()
	}
	l.accept('%')
	// A number glued to letters or another point is a mistake such as 1e5 or
	// 1.2.3; report the whole run.
	if r, size := l.peek(); size > 0 && (nameStart(r) || isDigit(r) || r == '.') {
		for {
			r, size := l.peek()
			if size == 0 || !(nameStart(r) || isDigit(r) || r == '.' || r == '%') {
				break
			}
			l.step(r, size)
		}
		return token{}, errorAt(start, "invalid number %q; write plain decimals such as 1500, 0.02 or 2.80%%", l.src[start.Offset:l.off])
	}
	return token{kind: tokNumber, pos: start, end: l.off, text: l.src[start.Offset:l.off]}, nil
}

// name lexes a name or a reserved word.
func (l *lexer) name(start Pos) (token, error) {
	for {
		r, size := l.peek()
		if size == 0 || !(nameStart(r) || isDigit(r)) || r == utf8.RuneError {
			break
		}
		l.step(r, size)
	}
	return token{kind: tokName, pos: start, end: l.off, text: l.src[start.Offset:l.off]}, nil
}
