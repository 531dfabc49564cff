package money

import (
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/govalues/decimal"
)

// Decimal is an exact decimal number with up to 19 significant digits, used
// for rates, coefficients and intermediate results. The zero value is 0.
//
// Decimals with the same value but different scales ("2.8" and "2.80") are
// not ==; compare them with [Decimal.Cmp].
type Decimal struct {
	d decimal.Decimal
}

// ParseDecimal parses s, written in plain decimal notation such as "2.80",
// "-0.5" or "360". It keeps trailing zeros ("2.80" has two decimal places).
// It returns an error wrapping [ErrSyntax] for anything else, including
// empty strings, spaces, exponents, NaN and Inf, and an error wrapping
// [ErrPrecision] or [ErrOverflow] if s does not fit in 19 significant digits.
func ParseDecimal(s string) (Decimal, error) {
	_, _, frac, err := splitPlain("decimal", s)
	if err != nil {
		return Decimal{}, err
	}
	d, err := decimal.Parse(s)
	if err != nil {
		return Decimal{}, fmt.Errorf("money: decimal %q does not fit in 19 significant digits: %w", s, ErrOverflow)
	}
	if d.Scale() != len(frac) { // decimal.Parse rounded away some fraction digits
		return Decimal{}, fmt.Errorf("money: decimal %q has more than 19 significant digits: %w", s, ErrPrecision)
	}
	return Decimal{d}, nil
}

// MustParseDecimal is like [ParseDecimal] but panics if s is invalid. It is
// meant for constants in code, such as MustParseDecimal("360").
func MustParseDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DecimalFromInt returns n as a Decimal.
func DecimalFromInt(n int64) Decimal {
	// Any int64 has at most 19 digits, so this cannot fail.
	return Decimal{decimal.MustNew(n, 0)}
}

// Add returns d + e.
func (d Decimal) Add(e Decimal) (Decimal, error) {
	return wrap(d.d.Add(e.d))
}

// Sub returns d − e.
func (d Decimal) Sub(e Decimal) (Decimal, error) {
	return wrap(d.d.Sub(e.d))
}

// Mul returns d × e.
func (d Decimal) Mul(e Decimal) (Decimal, error) {
	return wrap(d.d.Mul(e.d))
}

// Quo returns the quotient d ÷ e, rounded half to even to 19 significant
// digits if it has more. Division by zero returns an error wrapping
// [ErrDivisionByZero].
func (d Decimal) Quo(e Decimal) (Decimal, error) {
	if e.IsZero() {
		return Decimal{}, fmt.Errorf("money: %s ÷ 0: %w", d, ErrDivisionByZero)
	}
	return wrap(d.d.Quo(e.d))
}

// wrap converts the result of a govalues operation. After the checks done
// by the callers, the only error those operations return is overflow.
func wrap(d decimal.Decimal, err error) (Decimal, error) {
	if err != nil {
		return Decimal{}, fmt.Errorf("money: result has more than 19 digits before the decimal point: %w", ErrOverflow)
	}
	return Decimal{d}, nil
}

// Neg returns −d.
func (d Decimal) Neg() Decimal { return Decimal{d.d.Neg()} }

// Cmp compares d and e by value and returns −1 if d < e, 0 if d == e and
// +1 if d > e.
func (d Decimal) Cmp(e Decimal) int { return d.d.Cmp(e.d) }

// Sign returns −1, 0 or +1 according to the sign of d.
func (d Decimal) Sign() int { return d.d.Sign() }

// IsZero reports whether d is zero.
func (d Decimal) IsZero() bool { return d.d.IsZero() }

// String returns d in plain decimal notation, never with an exponent,
// keeping trailing zeros: "2.80", "-0.5", "0".
func (d Decimal) String() string { return d.d.String() }

// RoundHalfEven returns d rounded half to even to scale decimal places.
// A negative scale is treated as 0. If d already has scale or fewer decimal
// places it is returned unchanged.
func (d Decimal) RoundHalfEven(scale int) Decimal { return Decimal{d.d.Round(scale)} }

// RoundToFen rounds d half to even to the fen (2 decimal places) and returns
// it as an Amount: 0.005 → 0.00, 0.015 → 0.02, 0.025 → 0.02,
// −0.015 → −0.02. It returns an error wrapping [ErrOverflow] if the result
// does not fit in an Amount.
func (d Decimal) RoundToFen() (Amount, error) {
	whole, frac, ok := d.d.Int64(2)
	var fen int64
	if ok {
		fen, ok = mulAddFen(whole, frac)
	}
	if !ok {
		return Amount{}, fmt.Errorf("money: %s CNY is too large for an amount: %w", d, ErrOverflow)
	}
	return Amount{fen}, nil
}

// Value implements [driver.Valuer]; it stores d as decimal text, suitable
// for a PostgreSQL NUMERIC column.
func (d Decimal) Value() (driver.Value, error) { return d.String(), nil }

// Scan implements [database/sql.Scanner]. It accepts an int64, or decimal
// text as a string or []byte (PostgreSQL NUMERIC). Trailing zeros that do
// not fit in 19 significant digits are dropped; other digits are never
// rounded away. NULL is an error; scan into sql.Null[Decimal] instead.
func (d *Decimal) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*d = DecimalFromInt(v)
		return nil
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	case nil:
		return fmt.Errorf("money: cannot scan NULL into a Decimal; use sql.Null[money.Decimal]")
	default:
		return fmt.Errorf("money: cannot scan %T into a Decimal; want int64 or decimal text", src)
	}
}

func (d *Decimal) scanText(s string) error {
	v, err := ParseDecimal(s)
	if t, ok := trimFracZeros(s); err != nil && ok {
		if w, err2 := ParseDecimal(t); err2 == nil {
			v, err = w, nil
		}
	}
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalText implements [encoding.TextMarshaler]; encoding/json uses it to
// write d as a JSON string such as "2.80".
func (d Decimal) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseDecimal];
// encoding/json uses it to read d from a JSON string.
func (d *Decimal) UnmarshalText(text []byte) error {
	v, err := ParseDecimal(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// splitPlain checks that s is in plain decimal notation — an optional sign,
// one or more digits, and optionally a point followed by one or more digits —
// and returns its parts. what names the kind of value in error messages.
func splitPlain(what, s string) (neg bool, whole, frac string, err error) {
	if s == "" {
		return false, "", "", fmt.Errorf("money: empty %s; want plain decimal notation such as \"1234.56\" or \"-0.5\": %w", what, ErrSyntax)
	}
	rest := s
	switch s[0] {
	case '-':
		neg, rest = true, s[1:]
	case '+':
		rest = s[1:]
	}
	whole, frac, point := strings.Cut(rest, ".")
	if !isDigits(whole) || point && !isDigits(frac) {
		return false, "", "", fmt.Errorf("money: invalid %s %q; want plain decimal notation such as \"1234.56\" or \"-0.5\": %w", what, s, ErrSyntax)
	}
	return neg, whole, frac, nil
}

// isDigits reports whether s is a non-empty string of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// trimFracZeros removes trailing zeros after the decimal point of s (and
// the point itself if nothing is left after it). ok is false if s has no
// decimal point or nothing to trim.
func trimFracZeros(s string) (t string, ok bool) {
	if !strings.Contains(s, ".") || !strings.HasSuffix(s, "0") {
		return s, false
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), "."), true
}
