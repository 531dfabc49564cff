package money_test

import (
	"errors"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
)

var fuzzSeeds = []string{
	"1234.56", "1234.5", "-3", "+0.01", "0", "-0.00", "007.10", "12.345",
	"", " ", "1e3", "NaN", "-Inf", "--1", ".5", "5.", "1,000", "١٢",
	"92233720368547758.07", "-92233720368547758.08", "92233720368547758.08",
	"99999999999999999999.99", "0.0000000000000000001",
}

// FuzzParseAmount checks that ParseAmount never panics, that everything it
// rejects is reported with one of the package's errors, and that everything
// it accepts round-trips through String and agrees with ParseDecimal.
func FuzzParseAmount(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := money.ParseAmount(s)
		if err != nil {
			if !errors.Is(err, money.ErrSyntax) && !errors.Is(err, money.ErrPrecision) && !errors.Is(err, money.ErrOverflow) {
				t.Fatalf("ParseAmount(%q) error %v wraps none of ErrSyntax, ErrPrecision, ErrOverflow", s, err)
			}
			return
		}
		back, err := money.ParseAmount(a.String())
		if err != nil || back != a {
			t.Fatalf("ParseAmount(%q) = %s, but ParseAmount(%q) = %s, %v", s, a, a.String(), back, err)
		}
		if d, err := money.ParseDecimal(s); err == nil && d.Cmp(a.Decimal()) != 0 {
			t.Fatalf("ParseAmount(%q) = %s but ParseDecimal gives %s", s, a, d)
		}
	})
}

// FuzzParseDecimal checks that ParseDecimal never panics and that whatever
// it accepts round-trips through String with the same value and scale.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := money.ParseDecimal(s)
		if err != nil {
			if !errors.Is(err, money.ErrSyntax) && !errors.Is(err, money.ErrPrecision) && !errors.Is(err, money.ErrOverflow) {
				t.Fatalf("ParseDecimal(%q) error %v wraps none of ErrSyntax, ErrPrecision, ErrOverflow", s, err)
			}
			return
		}
		back, err := money.ParseDecimal(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDecimal(%q) = %s, but ParseDecimal(%q) = %s, %v", s, d, d.String(), back, err)
		}
	})
}
