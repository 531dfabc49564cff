package money_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
)

const propertyCases = 10_000

// newRand returns a deterministic random source, so failures reproduce.
func newRand() *rand.Rand { return rand.New(rand.NewPCG(20240601, 1)) }

// randFen returns fen values spread over small, large and extreme amounts.
func randFen(r *rand.Rand) int64 {
	switch r.IntN(5) {
	case 0:
		return r.Int64N(2001) - 1000 // around zero: -10.00 to 10.00
	case 1:
		return r.Int64N(2_000_000_000_01) - 1_000_000_000_00 // ±1e9 CNY
	case 2:
		return []int64{math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1, 0, 1, -1, 99, -99, 100, -100}[r.IntN(11)]
	default:
		return int64(r.Uint64()) // anywhere in int64
	}
}

// randDecimal returns a random Decimal and its exact value as a big.Rat.
// The coefficient has at most maxDigits digits and the scale is at most
// maxScale.
func randDecimal(r *rand.Rand, maxDigits, maxScale int) (money.Decimal, *big.Rat) {
	limit := uint64(1)
	for range 1 + r.IntN(maxDigits) {
		limit *= 10 // at most 10¹⁹, which fits in a uint64
	}
	s := strconv.FormatUint(r.Uint64N(limit), 10)
	if scale := r.IntN(maxScale + 1); scale > 0 {
		for len(s) <= scale {
			s = "0" + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if r.IntN(2) == 0 {
		s = "-" + s
	}
	return money.MustParseDecimal(s), ratOf(s)
}

// ratOf parses a plain decimal string exactly.
func ratOf(s string) *big.Rat {
	q, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("bad decimal " + s)
	}
	return q
}

func TestPropertyProtoRoundTrip(t *testing.T) {
	r := newRand()
	for range propertyCases {
		a := money.FromFen(randFen(r))
		m := a.ToProto()
		units, nanos := m.GetUnits(), m.GetNanos()
		if units > 0 && nanos < 0 || units < 0 && nanos > 0 || nanos <= -1_000_000_000 || nanos >= 1_000_000_000 || nanos%10_000_000 != 0 {
			t.Fatalf("ToProto(%s) = units %d, nanos %d: not a valid fen google.type.Money", a, units, nanos)
		}
		back, err := money.FromProto(m)
		if err != nil || back != a {
			t.Fatalf("FromProto(ToProto(%s)) = %s, %v", a, back, err)
		}
	}
}

func TestPropertyStringRoundTrip(t *testing.T) {
	r := newRand()
	for range propertyCases {
		a := money.FromFen(randFen(r))
		s := a.String()
		back, err := money.ParseAmount(s)
		if err != nil || back != a {
			t.Fatalf("ParseAmount(%q) = %s, %v; want %d fen", s, back, err, a.Fen())
		}
		// The decimal text is exactly fen/100.
		if want := new(big.Rat).SetFrac64(a.Fen(), 100); ratOf(s).Cmp(want) != 0 {
			t.Fatalf("FromFen(%d).String() = %q, not %s", a.Fen(), s, want.RatString())
		}
		if got, err := a.Decimal().RoundToFen(); err != nil || got != a {
			t.Fatalf("%s.Decimal().RoundToFen() = %s, %v", a, got, err)
		}
	}
}

func TestPropertySQLRoundTrip(t *testing.T) {
	r := newRand()
	for range propertyCases {
		a := money.FromFen(randFen(r))
		v, err := a.Value()
		if err != nil {
			t.Fatalf("%s.Value(): %v", a, err)
		}
		for _, src := range []any{v, a.String(), []byte(a.String())} {
			var got money.Amount
			if err := got.Scan(src); err != nil || got != a {
				t.Fatalf("Scan(%#v) = %s, %v; want %s", src, got, err, a)
			}
		}

		dec, _ := randDecimal(r, 19, 19)
		dv, err := dec.Value()
		if err != nil {
			t.Fatalf("%s.Value(): %v", dec, err)
		}
		var got money.Decimal
		if err := got.Scan(dv); err != nil || got != dec { // == also compares the scale
			t.Fatalf("Decimal Scan(%#v) = %s, %v; want %s", dv, got, err, dec)
		}
		text, _ := dec.MarshalText()
		got = money.Decimal{}
		if err := got.UnmarshalText(text); err != nil || got != dec {
			t.Fatalf("Decimal UnmarshalText(%s) = %s, %v", text, got, err)
		}
	}
}

func TestPropertyAmountArithmetic(t *testing.T) {
	r := newRand()
	inRange := func(x *big.Int) bool { return x.IsInt64() }
	for range propertyCases {
		a, b := money.FromFen(randFen(r)), money.FromFen(randFen(r))
		ba, bb := big.NewInt(a.Fen()), big.NewInt(b.Fen())

		sum, err := a.Add(b)
		want := new(big.Int).Add(ba, bb)
		if inRange(want) != (err == nil) || err == nil && sum.Fen() != want.Int64() {
			t.Fatalf("%s + %s = %s, %v; exact sum is %s", a, b, sum, err, want)
		}
		if err == nil {
			// a + b - b == a
			if back, err := sum.Sub(b); err != nil || back != a {
				t.Fatalf("%s + %s - %s = %s, %v", a, b, b, back, err)
			}
		}

		diff, err := a.Sub(b)
		want = new(big.Int).Sub(ba, bb)
		if inRange(want) != (err == nil) || err == nil && diff.Fen() != want.Int64() {
			t.Fatalf("%s - %s = %s, %v; exact difference is %s", a, b, diff, err, want)
		}

		neg, err := a.Neg()
		want = new(big.Int).Neg(ba)
		if inRange(want) != (err == nil) || err == nil && neg.Fen() != want.Int64() {
			t.Fatalf("-(%s) = %s, %v", a, neg, err)
		}

		if got, want := a.Cmp(b), ba.Cmp(bb); got != want {
			t.Fatalf("%s.Cmp(%s) = %d, want %d", a, b, got, want)
		}
		if nn := a.NonNegative(); nn.Sign() < 0 || a.Sign() >= 0 && nn != a {
			t.Fatalf("%s.NonNegative() = %s", a, nn)
		}
	}
}

// TestPropertyDecimalArithmetic checks Add, Sub and Mul against exact
// rational arithmetic, with operands small enough that results fit in 19
// significant digits.
func TestPropertyDecimalArithmetic(t *testing.T) {
	r := newRand()
	for range propertyCases {
		x, qx := randDecimal(r, 9, 6)
		y, qy := randDecimal(r, 9, 6)
		check := func(op string, got money.Decimal, err error, want *big.Rat) {
			t.Helper()
			if err != nil || ratOf(got.String()).Cmp(want) != 0 {
				t.Fatalf("%s %s %s = %s, %v; want %s", x, op, y, got, err, want.RatString())
			}
		}
		got, err := x.Add(y)
		check("+", got, err, new(big.Rat).Add(qx, qy))
		got, err = x.Sub(y)
		check("-", got, err, new(big.Rat).Sub(qx, qy))
		got, err = x.Mul(y)
		check("×", got, err, new(big.Rat).Mul(qx, qy))
		if x.Cmp(y) != qx.Cmp(qy) || x.Sign() != qx.Sign() {
			t.Fatalf("Cmp/Sign(%s, %s) disagree with exact values", x, y)
		}
		if y.IsZero() {
			continue
		}
		// The quotient, rounded to 19 significant digits, is within one unit
		// in its last place of the exact quotient.
		q, err := x.Quo(y)
		if err != nil {
			t.Fatalf("%s ÷ %s: %v", x, y, err)
		}
		exact := new(big.Rat).Quo(qx, qy)
		diff := new(big.Rat).Abs(new(big.Rat).Sub(ratOf(q.String()), exact))
		ulp := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimalPlaces(q.String()))), nil))
		if diff.Cmp(ulp) >= 0 {
			t.Fatalf("%s ÷ %s = %s, exact %s", x, y, q, exact.RatString())
		}
	}
}

func decimalPlaces(s string) int {
	for i := range len(s) {
		if s[i] == '.' {
			return len(s) - i - 1
		}
	}
	return 0
}

// TestPropertyRoundToFen checks RoundToFen against a reference half-even
// rounding done with integers.
func TestPropertyRoundToFen(t *testing.T) {
	r := newRand()
	for range propertyCases {
		x, qx := randDecimal(r, 15, 6)
		got, err := x.RoundToFen()
		if err != nil {
			t.Fatalf("RoundToFen(%s): %v", x, err)
		}
		// x·100 = n/d exactly; round n/d half to even.
		scaled := new(big.Rat).Mul(qx, big.NewRat(100, 1))
		n, den := scaled.Num(), scaled.Denom()
		q, m := new(big.Int).QuoRem(n, den, new(big.Int)) // truncated toward zero
		twice := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
		if c := twice.Cmp(den); c > 0 || c == 0 && q.Bit(0) == 1 {
			q.Add(q, big.NewInt(int64(n.Sign())))
		}
		if got.Fen() != q.Int64() {
			t.Fatalf("RoundToFen(%s) = %s, want %d fen", x, got, q.Int64())
		}
	}
}

func TestPropertyAllocate(t *testing.T) {
	r := newRand()
	for range propertyCases {
		total := money.FromFen(randFen(r))
		n := 1 + r.IntN(12)
		small := r.IntN(3) == 0 // many parts with small integer weights: many ties
		if small {
			n = 1 + r.IntN(40)
		}
		weights := make([]money.Decimal, n)
		exact := make([]*big.Rat, n)
		wsum := new(big.Rat)
		for i := range weights {
			switch {
			case small:
				w := r.Int64N(4)
				weights[i], exact[i] = money.DecimalFromInt(w), big.NewRat(w, 1)
			case r.IntN(5) == 0:
				weights[i], exact[i] = money.Decimal{}, new(big.Rat)
			default:
				weights[i], exact[i] = randDecimal(r, 12, 6)
				if weights[i].Sign() < 0 {
					weights[i], exact[i] = weights[i].Neg(), exact[i].Neg(exact[i])
				}
			}
			wsum.Add(wsum, exact[i])
		}
		parts, err := money.Allocate(total, weights)
		if wsum.Sign() == 0 {
			if err == nil {
				t.Fatalf("Allocate(%s, %v) with all-zero weights = %v, want error", total, weights, parts)
			}
			continue
		}
		if err != nil || len(parts) != n {
			t.Fatalf("Allocate(%s, %v) = %v, %v", total, weights, parts, err)
		}

		if s, err := money.Sum(parts...); err != nil || s != total {
			t.Fatalf("Allocate(%s, %v) = %v, sums to %s, %v", total, weights, parts, s, err)
		}
		one := big.NewRat(1, 1)
		rems := make([]*big.Rat, n) // |share| − |truncated share|, in fen
		up := make([]bool, n)       // whether the part got an extra fen
		for i, p := range parts {
			share := new(big.Rat).Quo(new(big.Rat).Mul(big.NewRat(total.Fen(), 1), exact[i]), wsum) // in fen
			share.Abs(share)
			trunc := new(big.Int).Quo(share.Num(), share.Denom())
			rems[i] = new(big.Rat).Sub(share, new(big.Rat).SetInt(trunc))
			abs := new(big.Int).Abs(big.NewInt(p.Fen()))
			switch abs.Cmp(trunc) {
			case 0:
			case 1:
				up[i] = abs.Cmp(new(big.Int).Add(trunc, big.NewInt(1))) == 0
				if !up[i] {
					t.Fatalf("Allocate(%s, %v): part %d = %s is more than one fen above its share %s fen", total, weights, i, p, share.RatString())
				}
			default:
				t.Fatalf("Allocate(%s, %v): part %d = %s is below its truncated share %s fen", total, weights, i, p, share.RatString())
			}
			if dist := new(big.Rat).Sub(new(big.Rat).SetInt(abs), share); dist.Abs(dist).Cmp(one) >= 0 {
				t.Fatalf("Allocate(%s, %v): part %d = %s is not within one fen of its share %s fen", total, weights, i, p, share.RatString())
			}
			if exact[i].Sign() == 0 && !p.IsZero() {
				t.Fatalf("Allocate(%s, %v): part %d has weight zero but is %s", total, weights, i, p)
			}
		}
		// Largest remainder: every part that got an extra fen has a larger
		// remainder than every part that did not, or an equal one and a
		// lower index.
		for i := range n {
			for j := range n {
				if up[i] && !up[j] {
					if c := rems[i].Cmp(rems[j]); c < 0 || c == 0 && i > j {
						t.Fatalf("Allocate(%s, %v) = %v: part %d got the extra fen instead of part %d", total, weights, parts, i, j)
					}
				}
			}
		}

		again, _ := money.Allocate(total, weights)
		for i := range parts {
			if again[i] != parts[i] {
				t.Fatalf("Allocate(%s, %v) is not deterministic: %v then %v", total, weights, parts, again)
			}
		}
		if negTotal, err := total.Neg(); err == nil {
			mirrored, err := money.Allocate(negTotal, weights)
			for i := range parts {
				if neg, _ := parts[i].Neg(); err != nil || mirrored[i] != neg {
					t.Fatalf("Allocate(%s) = %v is not the negation of Allocate(%s) = %v", negTotal, mirrored, total, parts)
				}
			}
		}
	}
}
