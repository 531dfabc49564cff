package money

import (
	"cmp"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/govalues/decimal"
)

// Amount is a sum of money in CNY with exactly fen (0.01 yuan) precision,
// stored as an int64 number of fen. The zero value is 0.00 CNY. Amounts
// are comparable with ==.
type Amount struct {
	fen int64
}

// FromFen returns the amount of fen fen (FromFen(123456) is 1234.56 CNY).
func FromFen(fen int64) Amount { return Amount{fen} }

// ParseAmount parses an amount in yuan written in plain decimal notation
// with at most two decimal places: "1234.56", "1234.5", "-3". More decimal
// places are an error wrapping [ErrPrecision], even if they are zeros;
// round a [Decimal] with [Decimal.RoundToFen] instead. Anything else that
// is not a plain decimal number is an error wrapping [ErrSyntax].
func ParseAmount(s string) (Amount, error) {
	neg, whole, frac, err := splitPlain("amount", s)
	if err != nil {
		return Amount{}, err
	}
	if len(frac) > 2 {
		return Amount{}, fmt.Errorf("money: amount %q has more than 2 decimal places; amounts are in fen (0.01): %w", s, ErrPrecision)
	}
	digits := strings.TrimLeft(whole, "0") + frac + strings.Repeat("0", 2-len(frac))
	u, err := strconv.ParseUint(digits, 10, 64) // digits is non-empty: frac is padded
	if err != nil || u > math.MaxInt64+1 || u == math.MaxInt64+1 && !neg {
		return Amount{}, fmt.Errorf("money: amount %q is out of range: %w", s, ErrOverflow)
	}
	return fromMagnitude(neg, u), nil
}

// fromMagnitude returns the amount of u fen, negated if neg. u must be at
// most 2⁶³ (and below it if !neg).
func fromMagnitude(neg bool, u uint64) Amount {
	if neg {
		return Amount{int64(-u)} // -u wraps to the two's complement of u, also for 2⁶³
	}
	return Amount{int64(u)}
}

// Fen returns a as a number of fen.
func (a Amount) Fen() int64 { return a.fen }

// Decimal returns a as a Decimal in yuan with two decimal places.
func (a Amount) Decimal() Decimal {
	// |fen| ≤ 2⁶³ < 10¹⁹, so this cannot fail.
	return Decimal{decimal.MustNew(a.fen, 2)}
}

// String returns a in yuan with exactly two decimal places: "1234.56",
// "-0.05", "0.00".
func (a Amount) String() string {
	u, sign := uint64(a.fen), ""
	if a.fen < 0 {
		u, sign = -u, "-"
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// Add returns a + b, or an error wrapping [ErrOverflow].
func (a Amount) Add(b Amount) (Amount, error) {
	c := a.fen + b.fen
	if (c > a.fen) != (b.fen > 0) {
		return Amount{}, fmt.Errorf("money: %s + %s is out of range: %w", a, b, ErrOverflow)
	}
	return Amount{c}, nil
}

// Sub returns a − b, or an error wrapping [ErrOverflow].
func (a Amount) Sub(b Amount) (Amount, error) {
	c := a.fen - b.fen
	if (c < a.fen) != (b.fen > 0) {
		return Amount{}, fmt.Errorf("money: %s - %s is out of range: %w", a, b, ErrOverflow)
	}
	return Amount{c}, nil
}

// Neg returns −a. It fails, with an error wrapping [ErrOverflow], only for
// the smallest amount, FromFen(math.MinInt64), whose negation does not fit.
func (a Amount) Neg() (Amount, error) {
	if a.fen == math.MinInt64 {
		return Amount{}, fmt.Errorf("money: -(%s) is out of range: %w", a, ErrOverflow)
	}
	return Amount{-a.fen}, nil
}

// Cmp returns −1 if a < b, 0 if a == b and +1 if a > b.
func (a Amount) Cmp(b Amount) int { return cmp.Compare(a.fen, b.fen) }

// Sign returns −1, 0 or +1 according to the sign of a.
func (a Amount) Sign() int { return cmp.Compare(a.fen, 0) }

// IsZero reports whether a is 0.00.
func (a Amount) IsZero() bool { return a.fen == 0 }

// NonNegative returns a, or 0.00 if a is negative; for instance base pay
// that must never fall below zero.
func (a Amount) NonNegative() Amount { return Amount{max(a.fen, 0)} }

// MulDecimal returns a × d, unrounded. Round the end result of a
// calculation with [Decimal.RoundToFen].
func (a Amount) MulDecimal(d Decimal) (Decimal, error) {
	return a.Decimal().Mul(d)
}

// Sum returns the sum of amounts (0.00 if there are none), or an error
// wrapping [ErrOverflow] if a partial sum is out of range.
func Sum(amounts ...Amount) (Amount, error) {
	var total Amount
	for _, a := range amounts {
		var err error
		if total, err = total.Add(a); err != nil {
			return Amount{}, err
		}
	}
	return total, nil
}

// Allocate splits total into len(weights) parts proportional to weights,
// to the fen, so that the parts always sum exactly to total. It uses the
// largest-remainder method: each part is first its exact share truncated
// toward zero, then the fen left over go, one each, to the parts with the
// largest truncated remainders, ties going to the lower index. Each part is
// therefore within one fen of its exact share, a part with weight zero is
// zero, and the result depends only on the arguments. A negative total is
// split like its absolute value, with every part negated.
//
// The weights must not be negative, and at least one must be positive.
func Allocate(total Amount, weights []Decimal) ([]Amount, error) {
	if len(weights) == 0 {
		return nil, errors.New("money: cannot allocate to zero weights; give at least one weight")
	}
	// Bring all weights to a common scale to get exact integer weights.
	scale := 0
	for i, w := range weights {
		if w.Sign() < 0 {
			return nil, fmt.Errorf("money: weight %d is negative (%s); weights must be zero or positive", i, w)
		}
		scale = max(scale, w.d.Scale())
	}
	ints := make([]*big.Int, len(weights))
	sum := new(big.Int)
	for i, w := range weights {
		ints[i] = new(big.Int).SetUint64(w.d.Coef())
		ints[i].Mul(ints[i], new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-w.d.Scale())), nil))
		sum.Add(sum, ints[i])
	}
	if sum.Sign() == 0 {
		return nil, errors.New("money: cannot allocate when all weights are zero; at least one weight must be positive")
	}

	neg := total.fen < 0
	abs := uint64(total.fen)
	if neg {
		abs = -abs
	}
	bigAbs := new(big.Int).SetUint64(abs)
	shares := make([]uint64, len(weights)) // truncated shares of abs
	rems := make([]*big.Int, len(weights)) // remainders, in units of 1/sum fen
	left := abs                            // fen not yet allocated
	for i, w := range ints {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(bigAbs, w), sum, new(big.Int))
		shares[i], rems[i] = q.Uint64(), r // q ≤ abs since w ≤ sum
		left -= shares[i]
	}
	// left < len(weights): it is the sum of the fractional parts.
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { // largest remainder first, then lowest index
		return cmp.Or(rems[j].Cmp(rems[i]), cmp.Compare(i, j))
	})
	for _, i := range order[:left] {
		shares[i]++
	}
	parts := make([]Amount, len(weights))
	for i, u := range shares {
		parts[i] = fromMagnitude(neg, u)
	}
	return parts, nil
}

// Value implements [driver.Valuer]; it stores a as an int64 number of fen,
// suitable for a BIGINT column.
func (a Amount) Value() (driver.Value, error) { return a.fen, nil }

// Scan implements [database/sql.Scanner]. It accepts an int64 number of fen
// (BIGINT), or decimal text in yuan as a string or []byte (PostgreSQL
// NUMERIC). Text may have more than two decimal places only if the extra
// ones are zeros, as NUMERIC(p,4) returns them ("1234.5600"); an amount
// that is not a whole number of fen is an error. NULL is an error; scan into
// sql.Null[Amount] instead.
func (a *Amount) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*a = Amount{v}
		return nil
	case string:
		return a.scanText(v)
	case []byte:
		return a.scanText(string(v))
	case nil:
		return fmt.Errorf("money: cannot scan NULL into an Amount; use sql.Null[money.Amount]")
	default:
		return fmt.Errorf("money: cannot scan %T into an Amount; want int64 fen or decimal text", src)
	}
}

func (a *Amount) scanText(s string) error {
	v, err := ParseAmount(s)
	if t, ok := trimFracZeros(s); errors.Is(err, ErrPrecision) && ok {
		v, err = ParseAmount(t)
	}
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// MarshalText implements [encoding.TextMarshaler]; encoding/json uses it to
// write a as a JSON string such as "1234.56".
func (a Amount) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseAmount];
// encoding/json uses it to read a from a JSON string.
func (a *Amount) UnmarshalText(text []byte) error {
	v, err := ParseAmount(string(text))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// mulAddFen returns yuan×100 + fen, reporting whether it fits in an int64.
// yuan and fen must not have opposite signs.
func mulAddFen(yuan, fen int64) (int64, bool) {
	if yuan > math.MaxInt64/100 || yuan < math.MinInt64/100 {
		return 0, false
	}
	c := yuan*100 + fen
	return c, (c > yuan*100) == (fen > 0)
}
