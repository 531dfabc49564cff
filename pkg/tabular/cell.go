package tabular

import (
	"fmt"
	"strconv"
	"time"
)

// kind is the type of value a Cell holds.
type kind uint8

const (
	kindEmpty kind = iota
	kindText
	kindDecimal
	kindInt
	kindDate
)

// A Cell is one value of a table: text, an exact decimal number, an integer,
// a calendar date, or empty. The zero Cell is empty. Cells are comparable
// with ==.
type Cell struct {
	kind kind
	s    string // text, or the decimal as written
	n    int64  // integer, or the year of a date
	m    time.Month
	d    int
}

// Text is a text cell. In CSV, text that starts like a formula is guarded
// with a leading apostrophe (see [WriteCSV]); in XLSX text is never a
// formula and is written as it is, less the characters XML cannot hold.
func Text(s string) Cell { return Cell{kind: kindText, s: s} }

// Decimal is an exact decimal number written in plain notation: an optional
// minus sign, one or more digits, and optionally a point followed by one or
// more digits ("1245.83", "-0.50", "7"). Exponents, a plus sign, spaces,
// thousands separators and a bare point (".5", "5.") are rejected. The
// number is written exactly as given; its number of decimal places is kept
// in the XLSX display format.
func Decimal(s string) (Cell, error) {
	if !validDecimal(s) {
		return Cell{}, fmt.Errorf("tabular: %q is not a decimal number: want digits with an optional leading minus sign and decimal point, such as 1245.83 or -0.50", s)
	}
	return Cell{kind: kindDecimal, s: s}, nil
}

// MustDecimal is [Decimal] for values known to be valid, such as the String
// of a money.Amount or a constant; it panics on invalid syntax.
func MustDecimal(s string) Cell {
	c, err := Decimal(s)
	if err != nil {
		panic(err)
	}
	return c
}

// Int is an integer cell.
func Int(n int64) Cell { return Cell{kind: kindInt, n: n} }

// Date is a calendar date cell, without a time or a time zone. An
// out-of-range day or month is normalised the way [time.Date] does it
// (February 30 becomes March 2). CSV takes years 1 to 9999; XLSX takes
// 1900-01-01 to 9999-12-31, the dates Excel can show.
func Date(year int, month time.Month, day int) Cell {
	y, m, d := time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Date()
	return Cell{kind: kindDate, n: int64(y), m: m, d: d}
}

// Empty is an empty cell, the same as the zero Cell.
func Empty() Cell { return Cell{} }

// String returns the cell as CSV writes it, without the formula guard: the
// text, the decimal as written, the integer in base 10, the date as
// YYYY-MM-DD, or "" for an empty cell.
func (c Cell) String() string {
	switch c.kind {
	case kindText, kindDecimal:
		return c.s
	case kindInt:
		return strconv.FormatInt(c.n, 10)
	case kindDate:
		return fmt.Sprintf("%04d-%02d-%02d", c.n, int(c.m), c.d)
	}
	return ""
}

// validDecimal reports whether s is -?[0-9]+(\.[0-9]+)?.
func validDecimal(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	digits := 0
	for digits < len(s) && isDigit(s[digits]) {
		digits++
	}
	if digits == 0 {
		return false
	}
	s = s[digits:]
	if s == "" {
		return true
	}
	if s[0] != '.' || len(s) == 1 {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// decimalPlaces is the number of digits after the point of a valid decimal.
func decimalPlaces(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return len(s) - i - 1
		}
	}
	return 0
}

// significantDigits counts the digits of a valid decimal or integer from the
// first non-zero digit to the last one; it is 0 for zero.
func significantDigits(s string) int {
	first, last := -1, -1
	for i := 0; i < len(s); i++ {
		if s[i] >= '1' && s[i] <= '9' {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return 0
	}
	n := last - first + 1
	for i := first; i < last; i++ {
		if s[i] == '.' {
			n--
		}
	}
	return n
}
