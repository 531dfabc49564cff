// Package num holds the small decimal helpers the assessment domain packages
// share: constants, flooring, fixed-point rounding and human-readable
// formatting of [money.Decimal] values. It never uses binary floating point.
package num

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/money"
)

// Int returns n as a decimal.
func Int(n int64) money.Decimal { return money.DecimalFromInt(n) }

// Zero returns 0.
func Zero() money.Decimal { return money.Decimal{} }

// One returns 1.
func One() money.Decimal { return money.DecimalFromInt(1) }

// Hundred returns 100.
func Hundred() money.Decimal { return money.DecimalFromInt(100) }

// Places returns the number of decimal places d is written with ("2.50"
// has 2).
func Places(d money.Decimal) int {
	_, frac, ok := strings.Cut(d.String(), ".")
	if !ok {
		return 0
	}
	return len(frac)
}

// Fixed rounds d half to even to exactly places decimal places, padding
// with zeros: Fixed(90, 2) is "90.00", Fixed(89.995, 2) is "90.00" and
// Fixed(89.985, 2) is "89.98".
func Fixed(d money.Decimal, places int) money.Decimal {
	r := d.RoundHalfEven(places)
	if places <= 0 || Places(r) >= places {
		return r
	}
	pad := money.MustParseDecimal("0." + strings.Repeat("0", places))
	out, err := r.Add(pad) // adding zero only changes the scale; cannot overflow
	if err != nil {
		return r
	}
	return out
}

// Floor returns the largest integer not above d, which must not be
// negative, as an int. It reports an error if d is negative or too large.
func Floor(d money.Decimal) (int, error) {
	if d.Sign() < 0 {
		return 0, fmt.Errorf("num: floor of negative %s", d)
	}
	r := d.RoundHalfEven(0)
	if r.Cmp(d) > 0 {
		var err error
		if r, err = r.Sub(One()); err != nil {
			return 0, err
		}
	}
	n, err := strconv.Atoi(r.RoundHalfEven(0).String())
	if err != nil {
		return 0, fmt.Errorf("num: floor of %s does not fit in an int", d)
	}
	return n, nil
}

// Clamp returns d limited to [lo, hi].
func Clamp(d, lo, hi money.Decimal) money.Decimal {
	switch {
	case d.Cmp(lo) < 0:
		return lo
	case d.Cmp(hi) > 0:
		return hi
	default:
		return d
	}
}

// Format returns d for people to read: trailing zeros after the decimal
// point are dropped ("16.00" → "16", "0.80" → "0.8"), and a number with
// more than four decimal places is shown rounded half to even to four,
// prefixed with "≈" ("3.333333333333333333" → "≈3.3333"). Exact values
// are kept in the structured results; Format is for explanation text only.
func Format(d money.Decimal) string {
	prefix := ""
	if Places(d) > 4 {
		d, prefix = d.RoundHalfEven(4), "≈"
	}
	s := d.String()
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return prefix + s
}

// Percent returns the fraction r as a percentage for people to read:
// Percent(0.8) is "80%", Percent(1.2) is "120%".
func Percent(r money.Decimal) string {
	p, err := r.Mul(Hundred())
	if err != nil {
		return Format(r) + "×"
	}
	return Format(p) + "%"
}
