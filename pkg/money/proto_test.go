package money_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	moneypb "google.golang.org/genproto/googleapis/type/money"

	"github.com/rmsuite/rmsuite/pkg/money"
)

func TestToProto(t *testing.T) {
	tests := []struct {
		amount string
		units  int64
		nanos  int32
	}{
		{"1234.56", 1234, 560_000_000},
		{"-1.75", -1, -750_000_000},
		{"-0.05", 0, -50_000_000},
		{"0.01", 0, 10_000_000},
		{"0", 0, 0},
		{"-3", -3, 0},
		{"92233720368547758.07", 92233720368547758, 70_000_000},
		{"-92233720368547758.08", -92233720368547758, -80_000_000},
	}
	for _, tc := range tests {
		m := amt(tc.amount).ToProto()
		if m.GetCurrencyCode() != "CNY" || m.GetUnits() != tc.units || m.GetNanos() != tc.nanos {
			t.Errorf("ToProto(%s) = {%q %d %d}, want {\"CNY\" %d %d}", tc.amount, m.GetCurrencyCode(), m.GetUnits(), m.GetNanos(), tc.units, tc.nanos)
		}
		back, err := money.FromProto(m)
		if err != nil || back != amt(tc.amount) {
			t.Errorf("FromProto(ToProto(%s)) = %s, %v", tc.amount, back, err)
		}
	}
}

func TestFromProto(t *testing.T) {
	valid := []struct {
		units int64
		nanos int32
		want  string
	}{
		{12, 340_000_000, "12.34"},
		{-12, -340_000_000, "-12.34"},
		{0, -10_000_000, "-0.01"}, // units 0: nanos may take either sign
		{0, 990_000_000, "0.99"},
		{5, 0, "5.00"},
		{-5, 0, "-5.00"},
		{92233720368547758, 70_000_000, "92233720368547758.07"},
		{-92233720368547758, -80_000_000, "-92233720368547758.08"},
	}
	for _, tc := range valid {
		got, err := money.FromProto(&moneypb.Money{CurrencyCode: "CNY", Units: tc.units, Nanos: tc.nanos})
		if err != nil || got != amt(tc.want) {
			t.Errorf("FromProto(%d, %d) = %s, %v; want %s", tc.units, tc.nanos, got, err, tc.want)
		}
	}

	invalid := []struct {
		name string
		in   *moneypb.Money
		want string // substring of the error message
		is   error  // sentinel, if any
	}{
		{"nil", nil, "missing", nil},
		{"empty currency", &moneypb.Money{Units: 1}, "currency_code is empty; currency_code must be \"CNY\"", nil},
		{"other currency", &moneypb.Money{CurrencyCode: "USD", Units: 1}, "currency_code \"USD\" is not supported; currency_code must be \"CNY\"", nil},
		{"lower case currency", &moneypb.Money{CurrencyCode: "cny", Units: 1}, "must be \"CNY\"", nil},
		{"positive units, negative nanos", &moneypb.Money{CurrencyCode: "CNY", Units: 1, Nanos: -500_000_000}, "units (1) and nanos (-500000000) have opposite signs", nil},
		{"negative units, positive nanos", &moneypb.Money{CurrencyCode: "CNY", Units: -1, Nanos: 500_000_000}, "opposite signs", nil},
		{"nanos too large", &moneypb.Money{CurrencyCode: "CNY", Units: 1, Nanos: 1_000_000_000}, "nanos (1000000000) is out of range", nil},
		{"nanos too small", &moneypb.Money{CurrencyCode: "CNY", Nanos: -1_000_000_000}, "between -999,999,999 and +999,999,999", nil},
		{"nanos max int32", &moneypb.Money{CurrencyCode: "CNY", Nanos: math.MaxInt32}, "out of range", nil},
		{"sub-fen nanos", &moneypb.Money{CurrencyCode: "CNY", Units: 12, Nanos: 345_000_000}, "amount 12.345 CNY has more than 2 decimal places; amounts are in fen (0.01)", money.ErrPrecision},
		{"negative sub-fen nanos", &moneypb.Money{CurrencyCode: "CNY", Units: -12, Nanos: -345_000_000}, "amount -12.345 CNY has more than 2 decimal places", money.ErrPrecision},
		{"one nano", &moneypb.Money{CurrencyCode: "CNY", Nanos: 1}, "amount 0.000000001 CNY has more than 2 decimal places", money.ErrPrecision},
		{"just below a fen multiple", &moneypb.Money{CurrencyCode: "CNY", Units: 1, Nanos: 999_999_999}, "more than 2 decimal places", money.ErrPrecision},
		{"units overflow", &moneypb.Money{CurrencyCode: "CNY", Units: 92233720368547758, Nanos: 80_000_000}, "amount 92233720368547758.08 CNY is too large", money.ErrOverflow},
		{"units far too large", &moneypb.Money{CurrencyCode: "CNY", Units: math.MaxInt64}, "too large", money.ErrOverflow},
		{"units far too small", &moneypb.Money{CurrencyCode: "CNY", Units: math.MinInt64, Nanos: -10_000_000}, "amount -9223372036854775808.01 CNY is too large", money.ErrOverflow},
	}
	for _, tc := range invalid {
		got, err := money.FromProto(tc.in)
		if err == nil {
			t.Errorf("%s: FromProto = %s, want error", tc.name, got)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not contain %q", tc.name, err, tc.want)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: error %q does not wrap %v", tc.name, err, tc.is)
		}
	}
}
