package money_test

import (
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
)

func TestParseAmount(t *testing.T) {
	valid := []struct {
		in  string
		fen int64
	}{
		{"1234.56", 123456},
		{"1234.5", 123450},
		{"-3", -300},
		{"+3", 300},
		{"0", 0},
		{"-0.00", 0},
		{"0.01", 1},
		{"-0.05", -5},
		{"007.10", 710},
		{"92233720368547758.07", math.MaxInt64},
		{"-92233720368547758.08", math.MinInt64},
	}
	for _, tc := range valid {
		a, err := money.ParseAmount(tc.in)
		if err != nil {
			t.Errorf("ParseAmount(%q): unexpected error %v", tc.in, err)
			continue
		}
		if a.Fen() != tc.fen {
			t.Errorf("ParseAmount(%q) = %d fen, want %d", tc.in, a.Fen(), tc.fen)
		}
	}

	invalid := []struct {
		in   string
		want error
	}{
		{"12.345", money.ErrPrecision},
		{"0.001", money.ErrPrecision},
		{"1.000", money.ErrPrecision}, // extra places are rejected even if zero
		{"", money.ErrSyntax},
		{" 1.00", money.ErrSyntax},
		{"1.00 ", money.ErrSyntax},
		{"1,234.56", money.ErrSyntax},
		{"¥12", money.ErrSyntax},
		{"12 CNY", money.ErrSyntax},
		{"1e2", money.ErrSyntax},
		{"NaN", money.ErrSyntax},
		{"Inf", money.ErrSyntax},
		{"--1", money.ErrSyntax},
		{"-+1", money.ErrSyntax},
		{".5", money.ErrSyntax},
		{"5.", money.ErrSyntax},
		{"1.2.3", money.ErrSyntax},
		{"abc", money.ErrSyntax},
		{"92233720368547758.08", money.ErrOverflow},
		{"-92233720368547758.09", money.ErrOverflow},
		{"100000000000000000", money.ErrOverflow},
		{"99999999999999999999999", money.ErrOverflow},
	}
	for _, tc := range invalid {
		a, err := money.ParseAmount(tc.in)
		if !errors.Is(err, tc.want) {
			t.Errorf("ParseAmount(%q) = %v, %v; want error wrapping %v", tc.in, a, err, tc.want)
		}
	}

	_, err := money.ParseAmount("12.345")
	if want := `money: amount "12.345" has more than 2 decimal places; amounts are in fen (0.01)`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("ParseAmount(\"12.345\") error = %v; want it to start with %q", err, want)
	}
}

func TestAmountString(t *testing.T) {
	tests := []struct {
		fen  int64
		want string
	}{
		{123456, "1234.56"},
		{-5, "-0.05"},
		{0, "0.00"},
		{1, "0.01"},
		{-100, "-1.00"},
		{10, "0.10"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, tc := range tests {
		a := money.FromFen(tc.fen)
		if got := a.String(); got != tc.want {
			t.Errorf("FromFen(%d).String() = %q, want %q", tc.fen, got, tc.want)
		}
		if got := a.Decimal().String(); got != tc.want {
			t.Errorf("FromFen(%d).Decimal() = %q, want %q", tc.fen, got, tc.want)
		}
	}
	var zero money.Amount
	if zero.String() != "0.00" || !zero.IsZero() || zero != money.FromFen(0) {
		t.Errorf("zero Amount = %q, IsZero %t", zero, zero.IsZero())
	}
}

func amt(s string) money.Amount {
	a, err := money.ParseAmount(s)
	if err != nil {
		panic(err)
	}
	return a
}

func TestAmountArithmetic(t *testing.T) {
	if got, err := amt("0.10").Add(amt("0.20")); err != nil || got != amt("0.30") {
		t.Errorf("0.10 + 0.20 = %s, %v", got, err)
	}
	if got, err := amt("1.00").Sub(amt("1.01")); err != nil || got != amt("-0.01") {
		t.Errorf("1.00 - 1.01 = %s, %v", got, err)
	}
	if got, err := amt("-2.50").Neg(); err != nil || got != amt("2.50") {
		t.Errorf("-(-2.50) = %s, %v", got, err)
	}
	if got, err := money.FromFen(math.MaxInt64).Neg(); err != nil || got.Fen() != -math.MaxInt64 {
		t.Errorf("-(MaxInt64 fen) = %s, %v", got, err)
	}

	maxA, minA, one := money.FromFen(math.MaxInt64), money.FromFen(math.MinInt64), money.FromFen(1)
	overflows := []struct {
		name string
		f    func() (money.Amount, error)
	}{
		{"max + 1", func() (money.Amount, error) { return maxA.Add(one) }},
		{"min + -1", func() (money.Amount, error) { return minA.Add(money.FromFen(-1)) }},
		{"min + min", func() (money.Amount, error) { return minA.Add(minA) }},
		{"min - 1", func() (money.Amount, error) { return minA.Sub(one) }},
		{"max - -1", func() (money.Amount, error) { return maxA.Sub(money.FromFen(-1)) }},
		{"0 - min", func() (money.Amount, error) { return money.Amount{}.Sub(minA) }},
		{"-min", func() (money.Amount, error) { return minA.Neg() }},
		{"sum", func() (money.Amount, error) { return money.Sum(maxA, one, money.FromFen(-5)) }},
	}
	for _, tc := range overflows {
		if got, err := tc.f(); !errors.Is(err, money.ErrOverflow) {
			t.Errorf("%s = %s, %v; want ErrOverflow", tc.name, got, err)
		}
	}
	// Edges that do fit.
	if got, err := minA.Add(maxA); err != nil || got.Fen() != -1 {
		t.Errorf("min + max = %s, %v", got, err)
	}
	if got, err := money.FromFen(-1).Sub(maxA); err != nil || got != minA {
		t.Errorf("-1 - max = %s, %v", got, err)
	}
}

func TestAmountCompare(t *testing.T) {
	tests := []struct {
		a, b string
		cmp  int
	}{
		{"1.00", "1", 0},
		{"-0.01", "0", -1},
		{"10.00", "9.99", 1},
	}
	for _, tc := range tests {
		a, b := amt(tc.a), amt(tc.b)
		if got := a.Cmp(b); got != tc.cmp {
			t.Errorf("%s.Cmp(%s) = %d, want %d", a, b, got, tc.cmp)
		}
		if got := b.Cmp(a); got != -tc.cmp {
			t.Errorf("%s.Cmp(%s) = %d, want %d", b, a, got, -tc.cmp)
		}
	}
	for _, tc := range []struct {
		a    string
		sign int
	}{{"-0.01", -1}, {"0", 0}, {"0.01", 1}} {
		if got := amt(tc.a).Sign(); got != tc.sign {
			t.Errorf("%s.Sign() = %d, want %d", tc.a, got, tc.sign)
		}
		if got := amt(tc.a).IsZero(); got != (tc.sign == 0) {
			t.Errorf("%s.IsZero() = %t", tc.a, got)
		}
	}
}

func TestNonNegative(t *testing.T) {
	tests := []struct{ in, want string }{
		{"-0.01", "0.00"},
		{"-4650.00", "0.00"},
		{"0", "0.00"},
		{"0.01", "0.01"},
		{"4650.00", "4650.00"},
	}
	for _, tc := range tests {
		if got := amt(tc.in).NonNegative(); got != amt(tc.want) {
			t.Errorf("%s.NonNegative() = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := money.FromFen(math.MinInt64).NonNegative(); !got.IsZero() {
		t.Errorf("min.NonNegative() = %s", got)
	}
}

func TestMulDecimal(t *testing.T) {
	got, err := amt("6000.00").MulDecimal(d("0.8"))
	if err != nil || got.String() != "4800.000" {
		t.Errorf("6000.00 × 0.8 = %s, %v; want unrounded 4800.000", got, err)
	}
	got, err = amt("0.05").MulDecimal(d("0.5"))
	if err != nil || got.String() != "0.025" {
		t.Errorf("0.05 × 0.5 = %s, %v; want unrounded 0.025", got, err)
	}
	if _, err := money.FromFen(math.MaxInt64).MulDecimal(d("1000")); !errors.Is(err, money.ErrOverflow) {
		t.Errorf("max × 1000: err = %v, want ErrOverflow", err)
	}
}

func TestSum(t *testing.T) {
	if got, err := money.Sum(); err != nil || !got.IsZero() {
		t.Errorf("Sum() = %s, %v; want 0.00", got, err)
	}
	got, err := money.Sum(amt("0.10"), amt("0.20"), amt("-0.05"), amt("1000"))
	if err != nil || got != amt("1000.25") {
		t.Errorf("Sum = %s, %v; want 1000.25", got, err)
	}
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		name    string
		total   string
		weights []string
		want    []string
	}{
		{"even split, tie to lower index", "1.00", []string{"1", "1", "1"}, []string{"0.34", "0.33", "0.33"}},
		{"ten fen three ways", "0.10", []string{"1", "1", "1"}, []string{"0.04", "0.03", "0.03"}},
		{"negative total mirrors positive", "-1.00", []string{"1", "1", "1"}, []string{"-0.34", "-0.33", "-0.33"}},
		{"largest remainder wins, not lowest index", "1.00", []string{"0.333", "0.333", "0.334"}, []string{"0.33", "0.33", "0.34"}},
		{"exact proportions", "100.00", []string{"0.1", "0.2", "0.3", "0.4"}, []string{"10.00", "20.00", "30.00", "40.00"}},
		{"mixed scales", "0.07", []string{"0.5", "1", "2.50"}, []string{"0.01", "0.02", "0.04"}},
		{"zero weight gets nothing", "0.05", []string{"0", "1", "0", "1"}, []string{"0.00", "0.03", "0.00", "0.02"}},
		{"single weight", "-12.34", []string{"7"}, []string{"-12.34"}},
		{"zero total", "0", []string{"1", "2"}, []string{"0.00", "0.00"}},
		{"more parts than fen", "0.02", []string{"1", "1", "1", "1"}, []string{"0.01", "0.01", "0.00", "0.00"}},
		{"ties across many parts go to the lowest indexes", "0.10", slices.Repeat([]string{"1"}, 25), append(slices.Repeat([]string{"0.01"}, 10), slices.Repeat([]string{"0"}, 15)...)},
		{"max amount", "92233720368547758.07", []string{"1", "1"}, []string{"46116860184273879.04", "46116860184273879.03"}},
		{"min amount", "-92233720368547758.08", []string{"3", "1"}, []string{"-69175290276410818.56", "-23058430092136939.52"}},
	}
	for _, tc := range tests {
		ws := make([]money.Decimal, len(tc.weights))
		for i, w := range tc.weights {
			ws[i] = d(w)
		}
		got, err := money.Allocate(amt(tc.total), ws)
		if err != nil {
			t.Errorf("%s: unexpected error %v", tc.name, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %d parts, want %d", tc.name, len(got), len(tc.want))
			continue
		}
		for i := range got {
			if got[i] != amt(tc.want[i]) {
				t.Errorf("%s: Allocate(%s, %v) = %v, want %v", tc.name, tc.total, tc.weights, got, tc.want)
				break
			}
		}
	}

	bad := [][]money.Decimal{
		nil,
		{},
		{d("0"), d("0.00")},
		{d("1"), d("-0.01")},
	}
	for _, ws := range bad {
		if got, err := money.Allocate(amt("1.00"), ws); err == nil {
			t.Errorf("Allocate(1.00, %v) = %v, want error", ws, got)
		}
	}
	_, err := money.Allocate(amt("1.00"), []money.Decimal{d("1"), d("-2")})
	if err == nil || !strings.Contains(err.Error(), "weight 1 is negative (-2)") {
		t.Errorf("negative weight error = %v; want it to name weight 1", err)
	}
}

func TestAmountSQL(t *testing.T) {
	if v, err := amt("-1234.56").Value(); err != nil || v != int64(-123456) {
		t.Errorf("Value() = %#v, %v; want int64(-123456)", v, err)
	}
	tests := []struct {
		src  any
		want string
	}{
		{int64(123456), "1234.56"},
		{int64(math.MinInt64), "-92233720368547758.08"},
		{"1234.56", "1234.56"},
		{[]byte("-0.5"), "-0.50"},
		{"12", "12.00"},
		{"1234.5600", "1234.56"}, // NUMERIC(p,4)
		{[]byte("-7.000000"), "-7.00"},
	}
	for _, tc := range tests {
		var got money.Amount
		if err := got.Scan(tc.src); err != nil {
			t.Errorf("Scan(%#v): unexpected error %v", tc.src, err)
			continue
		}
		if got != amt(tc.want) {
			t.Errorf("Scan(%#v) = %s, want %s", tc.src, got, tc.want)
		}
	}
	for _, src := range []any{nil, "12.345", "1234.5601", []byte("1e3"), "", "NaN", "92233720368547758.08", true, int32(5), "1.2.0"} {
		got := amt("7.77")
		if err := got.Scan(src); err == nil {
			t.Errorf("Scan(%#v) = %s, want error", src, got)
		} else if got != amt("7.77") {
			t.Errorf("failed Scan(%#v) changed the destination to %s", src, got)
		}
	}
	var got money.Amount
	if err := got.Scan("12.345"); !errors.Is(err, money.ErrPrecision) || !strings.Contains(err.Error(), "amounts are in fen") {
		t.Errorf("Scan(\"12.345\") error = %v; want ErrPrecision saying amounts are in fen", err)
	}

	var n sql.Null[money.Amount]
	if err := n.Scan(nil); err != nil || n.Valid {
		t.Errorf("sql.Null[Amount].Scan(nil) = %v, Valid %t", err, n.Valid)
	}
	if err := n.Scan(int64(5)); err != nil || !n.Valid || n.V != money.FromFen(5) {
		t.Errorf("sql.Null[Amount].Scan(5) = %v, %+v", err, n)
	}
	if v, err := n.Value(); err != nil || v != int64(5) {
		t.Errorf("sql.Null[Amount].Value() = %#v, %v", v, err)
	}
}

func TestAmountJSON(t *testing.T) {
	type pay struct {
		Base money.Amount  `json:"base"`
		Opt  *money.Amount `json:"opt,omitempty"`
	}
	b, err := json.Marshal(pay{Base: amt("-1234.5")})
	if err != nil || string(b) != `{"base":"-1234.50"}` {
		t.Errorf("Marshal = %s, %v; want {\"base\":\"-1234.50\"}", b, err)
	}
	var p pay
	if err := json.Unmarshal([]byte(`{"base":"4650.00","opt":"0.01"}`), &p); err != nil || p.Base != amt("4650") || p.Opt == nil || *p.Opt != amt("0.01") {
		t.Errorf("Unmarshal = %+v, %v", p, err)
	}
	for _, in := range []string{`{"base":4650}`, `{"base":"12.345"}`, `{"base":"1e3"}`, `{"base":""}`, `{"base":[]}`} {
		if err := json.Unmarshal([]byte(in), &p); err == nil {
			t.Errorf("Unmarshal(%s) = %s, want error", in, p.Base)
		}
	}
	p = pay{Base: amt("3")}
	if err := json.Unmarshal([]byte(`{"base":null}`), &p); err != nil || p.Base != amt("3") {
		t.Errorf("Unmarshal null = %s, %v; want unchanged 3.00", p.Base, err)
	}
	// Map keys use the same text form.
	b, err = json.Marshal(map[money.Amount]int{amt("0.05"): 1})
	if err != nil || string(b) != `{"0.05":1}` {
		t.Errorf("Marshal map = %s, %v", b, err)
	}
}
