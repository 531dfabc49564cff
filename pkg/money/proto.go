package money

import (
	"fmt"
	"strings"

	moneypb "google.golang.org/genproto/googleapis/type/money"
)

// CurrencyCode is the ISO 4217 code of the only currency of this package.
const CurrencyCode = "CNY"

const nanosPerFen = 10_000_000

// ToProto returns a as a google.type.Money in CNY. units and nanos have the
// same sign, as google.type.Money requires: −1.75 is units −1, nanos
// −750000000.
func (a Amount) ToProto() *moneypb.Money {
	return &moneypb.Money{
		CurrencyCode: CurrencyCode,
		Units:        a.fen / 100,                    // Go division truncates toward zero,
		Nanos:        int32(a.fen%100) * nanosPerFen, // so the remainder has the sign of a.
	}
}

// FromProto converts a google.type.Money to an Amount. It rejects nil, a
// currency_code other than "CNY" (including an empty one), units and nanos
// of opposite signs, nanos outside ±999,999,999, an amount that is not a
// whole number of fen (wrapping [ErrPrecision]) and an amount that does not
// fit in an Amount (wrapping [ErrOverflow]).
func FromProto(m *moneypb.Money) (Amount, error) {
	if m == nil {
		return Amount{}, fmt.Errorf("money: google.type.Money is missing (nil)")
	}
	switch c := m.GetCurrencyCode(); c {
	case CurrencyCode:
	case "":
		return Amount{}, fmt.Errorf("money: currency_code is empty; currency_code must be %q", CurrencyCode)
	default:
		return Amount{}, fmt.Errorf("money: currency_code %q is not supported; currency_code must be %q", c, CurrencyCode)
	}
	units, nanos := m.GetUnits(), m.GetNanos()
	if units > 0 && nanos < 0 || units < 0 && nanos > 0 {
		return Amount{}, fmt.Errorf("money: units (%d) and nanos (%d) have opposite signs; google.type.Money requires them to have the same sign, e.g. -1.75 is units -1, nanos -750000000", units, nanos)
	}
	if nanos < -999_999_999 || nanos > 999_999_999 {
		return Amount{}, fmt.Errorf("money: nanos (%d) is out of range; it must be between -999,999,999 and +999,999,999", nanos)
	}
	if nanos%nanosPerFen != 0 {
		return Amount{}, fmt.Errorf("money: amount %s CNY has more than 2 decimal places; amounts are in fen (0.01): %w", formatUnitsNanos(units, nanos), ErrPrecision)
	}
	fen, ok := mulAddFen(units, int64(nanos/nanosPerFen))
	if !ok {
		return Amount{}, fmt.Errorf("money: amount %s CNY is too large: %w", formatUnitsNanos(units, nanos), ErrOverflow)
	}
	return Amount{fen}, nil
}

// formatUnitsNanos formats a valid units/nanos pair in decimal notation
// ("12.345") for error messages.
func formatUnitsNanos(units int64, nanos int32) string {
	u, n, sign := uint64(units), int64(nanos), ""
	if units < 0 || nanos < 0 {
		u, n, sign = -u, -n, "-"
	}
	s := fmt.Sprintf("%s%d", sign, u)
	if frac := strings.TrimRight(fmt.Sprintf("%09d", n), "0"); frac != "" {
		s += "." + frac
	}
	return s
}
