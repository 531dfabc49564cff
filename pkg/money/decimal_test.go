package money_test

import (
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
)

func TestParseDecimal(t *testing.T) {
	valid := []struct{ in, want string }{
		{"2.80", "2.80"}, // trailing zeros are kept
		{"-0.5", "-0.5"},
		{"+3", "3"},
		{"360", "360"},
		{"0", "0"},
		{"-0", "0"},
		{"007.50", "7.50"},
		{"0.0000000000000000001", "0.0000000000000000001"}, // 19 decimal places
		{"9999999999999999999", "9999999999999999999"},     // 19 digits
		{"-123456789.0123456789", "-123456789.0123456789"},
	}
	for _, tc := range valid {
		d, err := money.ParseDecimal(tc.in)
		if err != nil {
			t.Errorf("ParseDecimal(%q): unexpected error %v", tc.in, err)
			continue
		}
		if got := d.String(); got != tc.want {
			t.Errorf("ParseDecimal(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
	}

	invalid := []struct {
		in   string
		want error
	}{
		{"", money.ErrSyntax},
		{" 1", money.ErrSyntax},
		{"1 ", money.ErrSyntax},
		{"1 000", money.ErrSyntax},
		{"1,000.00", money.ErrSyntax},
		{"1e-3", money.ErrSyntax},
		{"1E3", money.ErrSyntax},
		{"NaN", money.ErrSyntax},
		{"Inf", money.ErrSyntax},
		{"-Infinity", money.ErrSyntax},
		{"--1", money.ErrSyntax},
		{"+-1", money.ErrSyntax},
		{"1-", money.ErrSyntax},
		{"-", money.ErrSyntax},
		{"+", money.ErrSyntax},
		{".5", money.ErrSyntax},
		{"5.", money.ErrSyntax},
		{".", money.ErrSyntax},
		{"1.2.3", money.ErrSyntax},
		{"0x10", money.ErrSyntax},
		{"١٢", money.ErrSyntax},                         // non-ASCII digits
		{"0.00000000000000000001", money.ErrPrecision},  // 20 decimal places
		{"1.000000000000000000000", money.ErrPrecision}, // 22 significant digits
		{"12345678901.123456789", money.ErrPrecision},   // 20 significant digits
		{"10000000000000000000", money.ErrOverflow},     // 20 integer digits
		{"-99999999999999999999.5", money.ErrOverflow},  // 20 integer digits
	}
	for _, tc := range invalid {
		d, err := money.ParseDecimal(tc.in)
		if !errors.Is(err, tc.want) {
			t.Errorf("ParseDecimal(%q) = %v, %v; want error wrapping %v", tc.in, d, err, tc.want)
		}
	}
}

func TestParseDecimalErrorMessage(t *testing.T) {
	_, err := money.ParseDecimal("1e-3")
	if err == nil || !strings.Contains(err.Error(), `"1e-3"`) || !strings.Contains(err.Error(), "plain decimal notation") {
		t.Errorf("ParseDecimal(\"1e-3\") error = %v; want it to quote the input and ask for plain decimal notation", err)
	}
	_, err = money.ParseDecimal("")
	if err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("ParseDecimal(\"\") error = %v; want it to say the input is empty", err)
	}
}

func TestMustParseDecimalPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParseDecimal(\"x\") did not panic")
		}
	}()
	money.MustParseDecimal("x")
}

func d(s string) money.Decimal { return money.MustParseDecimal(s) }

func TestDecimalArithmetic(t *testing.T) {
	type op func(a, b money.Decimal) (money.Decimal, error)
	add := money.Decimal.Add
	sub := money.Decimal.Sub
	mul := money.Decimal.Mul
	quo := money.Decimal.Quo
	tests := []struct {
		name string
		f    op
		a, b string
		want string
	}{
		{"add", add, "0.1", "0.2", "0.3"},
		{"add keeps scale", add, "1.10", "2.2", "3.30"},
		{"add negative", add, "-5", "2.5", "-2.5"},
		{"sub", sub, "0.0280", "0.0150", "0.0130"},
		{"sub below zero", sub, "1", "1.01", "-0.01"},
		{"mul exact", mul, "6000.00", "0.8", "4800.000"},
		{"mul signs", mul, "-1.5", "-2", "3.0"},
		{"mul rounds to 19 decimal places", mul, "0.0000000001", "0.00000000015", "0.0000000000000000000"},
		{"quo exact", quo, "1", "8", "0.125"},
		{"quo rounds to 19 digits", quo, "1", "3", "0.3333333333333333333"},
		{"quo rounds half even", quo, "2", "3", "0.6666666666666666667"},
		{"quo negative", quo, "-390000", "360", "-1083.333333333333333"},
	}
	for _, tc := range tests {
		got, err := tc.f(d(tc.a), d(tc.b))
		if err != nil {
			t.Errorf("%s: %s, %s: unexpected error %v", tc.name, tc.a, tc.b, err)
			continue
		}
		if got.String() != tc.want {
			t.Errorf("%s: %s, %s = %s, want %s", tc.name, tc.a, tc.b, got, tc.want)
		}
	}
}

func TestDecimalErrors(t *testing.T) {
	big := d("9999999999999999999")
	if _, err := big.Add(d("1")); !errors.Is(err, money.ErrOverflow) {
		t.Errorf("Add overflow: err = %v, want ErrOverflow", err)
	}
	if _, err := big.Neg().Sub(d("1")); !errors.Is(err, money.ErrOverflow) {
		t.Errorf("Sub overflow: err = %v, want ErrOverflow", err)
	}
	if _, err := big.Mul(d("10")); !errors.Is(err, money.ErrOverflow) {
		t.Errorf("Mul overflow: err = %v, want ErrOverflow", err)
	}
	if _, err := big.Quo(d("0.1")); !errors.Is(err, money.ErrOverflow) {
		t.Errorf("Quo overflow: err = %v, want ErrOverflow", err)
	}
	for _, zero := range []money.Decimal{{}, d("0"), d("-0.000")} {
		if _, err := d("1").Quo(zero); !errors.Is(err, money.ErrDivisionByZero) {
			t.Errorf("1 ÷ %s: err = %v, want ErrDivisionByZero", zero, err)
		}
	}
	if _, err := (money.Decimal{}).Quo(money.Decimal{}); !errors.Is(err, money.ErrDivisionByZero) {
		t.Errorf("0 ÷ 0: err = %v, want ErrDivisionByZero", err)
	}
}

func TestDecimalCompare(t *testing.T) {
	tests := []struct {
		a, b       string
		cmp, signA int
	}{
		{"2.8", "2.80", 0, 1},
		{"-0.01", "0", -1, -1},
		{"0.000", "0", 0, 0},
		{"10", "9.99", 1, 1},
	}
	for _, tc := range tests {
		a, b := d(tc.a), d(tc.b)
		if got := a.Cmp(b); got != tc.cmp {
			t.Errorf("%s.Cmp(%s) = %d, want %d", a, b, got, tc.cmp)
		}
		if got := b.Cmp(a); got != -tc.cmp {
			t.Errorf("%s.Cmp(%s) = %d, want %d", b, a, got, -tc.cmp)
		}
		if got := a.Sign(); got != tc.signA {
			t.Errorf("%s.Sign() = %d, want %d", a, got, tc.signA)
		}
		if got := a.IsZero(); got != (tc.signA == 0) {
			t.Errorf("%s.IsZero() = %t", a, got)
		}
	}
	if got := d("2.5").Neg().String(); got != "-2.5" {
		t.Errorf("Neg(2.5) = %s, want -2.5", got)
	}
	if got := d("-2.5").Neg().String(); got != "2.5" {
		t.Errorf("Neg(-2.5) = %s, want 2.5", got)
	}
	if got := money.DecimalFromInt(-360).String(); got != "-360" {
		t.Errorf("DecimalFromInt(-360) = %s", got)
	}
	if got := money.DecimalFromInt(-9223372036854775808).String(); got != "-9223372036854775808" {
		t.Errorf("DecimalFromInt(MinInt64) = %s", got)
	}
	var zero money.Decimal
	if !zero.IsZero() || zero.String() != "0" {
		t.Errorf("zero Decimal = %q, IsZero %t", zero, zero.IsZero())
	}
}

func TestRoundHalfEven(t *testing.T) {
	tests := []struct {
		in    string
		scale int
		want  string
	}{
		{"0.125", 2, "0.12"},
		{"0.135", 2, "0.14"},
		{"-0.125", 2, "-0.12"},
		{"-0.135", 2, "-0.14"},
		{"0.1251", 2, "0.13"},
		{"2.5", 0, "2"},
		{"3.5", 0, "4"},
		{"-2.5", 0, "-2"},
		{"1.23456", 4, "1.2346"},
		{"1.2", 4, "1.2"}, // fewer places: unchanged, not padded
		{"15", -1, "15"},  // negative scale means 0
	}
	for _, tc := range tests {
		if got := d(tc.in).RoundHalfEven(tc.scale).String(); got != tc.want {
			t.Errorf("RoundHalfEven(%s, %d) = %s, want %s", tc.in, tc.scale, got, tc.want)
		}
	}
}

func TestRoundToFen(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0.005", "0.00"},
		{"0.015", "0.02"},
		{"0.025", "0.02"},
		{"0.035", "0.04"},
		{"-0.005", "0.00"},
		{"-0.015", "-0.02"},
		{"-0.025", "-0.02"},
		{"0.0050000000000000001", "0.01"}, // just above the half
		{"0.0249999999999999999", "0.02"},
		{"1083.333333333333333", "1083.33"},
		{"1245.835", "1245.84"},
		{"1245.825", "1245.82"},
		{"7", "7.00"},
		{"-7.1", "-7.10"},
		{"92233720368547758.07", "92233720368547758.07"},   // MaxInt64 fen
		{"-92233720368547758.08", "-92233720368547758.08"}, // MinInt64 fen
		{"9223372036854775.075", "9223372036854775.08"},
	}
	for _, tc := range tests {
		a, err := d(tc.in).RoundToFen()
		if err != nil {
			t.Errorf("RoundToFen(%s): unexpected error %v", tc.in, err)
			continue
		}
		if got := a.String(); got != tc.want {
			t.Errorf("RoundToFen(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, in := range []string{"92233720368547758.08", "92233720368547758.1", "-92233720368547758.09", "9999999999999999999"} {
		if a, err := d(in).RoundToFen(); !errors.Is(err, money.ErrOverflow) {
			t.Errorf("RoundToFen(%s) = %s, %v; want ErrOverflow", in, a, err)
		}
	}
}

func TestDecimalSQL(t *testing.T) {
	v, err := d("-0.0280").Value()
	if err != nil || v != "-0.0280" {
		t.Errorf("Value() = %#v, %v; want \"-0.0280\"", v, err)
	}
	tests := []struct {
		src  any
		want string
	}{
		{"0.0435", "0.0435"},
		{[]byte("-12.50"), "-12.50"},
		{int64(360), "360"},
		{"1.00000000000000000000000", "1"}, // NUMERIC trailing zeros beyond 19 digits
		{"0.02800000000000000000", "0.028"},
	}
	for _, tc := range tests {
		var got money.Decimal
		if err := got.Scan(tc.src); err != nil {
			t.Errorf("Scan(%#v): unexpected error %v", tc.src, err)
			continue
		}
		if got.String() != tc.want {
			t.Errorf("Scan(%#v) = %s, want %s", tc.src, got, tc.want)
		}
	}
	for _, src := range []any{nil, "NaN", "1e5", []byte("abc"), true, int32(1), "0.12345678901234567891"} {
		got := d("7")
		if err := got.Scan(src); err == nil {
			t.Errorf("Scan(%#v) = %s, want error", src, got)
		} else if got.String() != "7" {
			t.Errorf("failed Scan(%#v) changed the destination to %s", src, got)
		}
	}

	var n sql.Null[money.Decimal]
	if err := n.Scan(nil); err != nil || n.Valid {
		t.Errorf("sql.Null[Decimal].Scan(nil) = %v, Valid %t", err, n.Valid)
	}
	if err := n.Scan("2.80"); err != nil || !n.Valid || n.V.String() != "2.80" {
		t.Errorf("sql.Null[Decimal].Scan(\"2.80\") = %v, %+v", err, n)
	}
	if v, err := n.Value(); err != nil || v != "2.80" {
		t.Errorf("sql.Null[Decimal].Value() = %#v, %v", v, err)
	}
}

func TestDecimalJSON(t *testing.T) {
	type rate struct {
		Rate money.Decimal `json:"rate"`
	}
	b, err := json.Marshal(rate{d("0.0280")})
	if err != nil || string(b) != `{"rate":"0.0280"}` {
		t.Errorf("Marshal = %s, %v; want {\"rate\":\"0.0280\"}", b, err)
	}
	var r rate
	if err := json.Unmarshal([]byte(`{"rate":"-1.50"}`), &r); err != nil || r.Rate.String() != "-1.50" {
		t.Errorf("Unmarshal string = %s, %v; want -1.50", r.Rate, err)
	}
	for _, in := range []string{`{"rate":1.5}`, `{"rate":"1e3"}`, `{"rate":""}`, `{"rate":true}`} {
		if err := json.Unmarshal([]byte(in), &r); err == nil {
			t.Errorf("Unmarshal(%s) = %s, want error", in, r.Rate)
		}
	}
	r = rate{d("3")}
	if err := json.Unmarshal([]byte(`{"rate":null}`), &r); err != nil || r.Rate.String() != "3" {
		t.Errorf("Unmarshal null = %s, %v; want unchanged 3", r.Rate, err)
	}
}
