package tabular

import (
	"testing"
	"time"
)

func TestDecimalSyntax(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"1245.83", true},
		{"-0.50", true},
		{"0", true},
		{"-0", true},
		{"7", true},
		{"007.10", true},
		{"123456789012345678901234567890.5", true},
		{"", false},
		{"-", false},
		{"+1", false},
		{".5", false},
		{"5.", false},
		{"-.5", false},
		{"1.2.3", false},
		{"1e3", false},
		{"1,000.00", false},
		{" 1", false},
		{"1 ", false},
		{"--1", false},
		{"NaN", false},
		{"Inf", false},
		{"0x10", false},
		{"１２", false}, // full-width digits
		{"١٢", false}, // Arabic-Indic digits
	} {
		cell, err := Decimal(c.in)
		if (err == nil) != c.ok {
			t.Errorf("Decimal(%q) error = %v, want ok = %v", c.in, err, c.ok)
			continue
		}
		if c.ok && cell.String() != c.in {
			t.Errorf("Decimal(%q).String() = %q, want it as written", c.in, cell.String())
		}
	}
}

func TestMustDecimalPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustDecimal(\"1e3\") did not panic")
		}
	}()
	MustDecimal("1e3")
}

func TestCellString(t *testing.T) {
	for _, c := range []struct {
		name string
		cell Cell
		want string
	}{
		{"text", Text("张三"), "张三"},
		{"decimal", MustDecimal("-0.50"), "-0.50"},
		{"int", Int(-9223372036854775808), "-9223372036854775808"},
		{"date", Date(2026, time.May, 7), "2026-05-07"},
		{"date normalised", Date(2026, time.February, 30), "2026-03-02"},
		{"date month 13", Date(2025, 13, 1), "2026-01-01"},
		{"empty", Empty(), ""},
		{"zero cell", Cell{}, ""},
	} {
		if got := c.cell.String(); got != c.want {
			t.Errorf("%s: String() = %q, want %q", c.name, got, c.want)
		}
	}
	if Empty() != (Cell{}) {
		t.Error("Empty() is not the zero Cell")
	}
	if Date(2026, time.February, 30) != Date(2026, time.March, 2) {
		t.Error("a normalised date differs from the same day given directly")
	}
}

func TestSignificantDigits(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{
		{"0", 0},
		{"-0.00", 0},
		{"1245.83", 6},
		{"-0.50", 1},
		{"1000000000000000000", 1},
		{"0.000000000000000000001", 1},
		{"100.001", 6},
		{"999999999999999", 15},
		{"9999999999999.99", 15},
		{"99999999999999.99", 16},
		{"9223372036854775807", 19},
	} {
		if got := significantDigits(c.in); got != c.want {
			t.Errorf("significantDigits(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestCellChars(t *testing.T) {
	for _, c := range []Cell{Int(0), Int(9), Int(10), Int(-9), Int(-10), Int(-9223372036854775808), Int(9223372036854775807), MustDecimal("-0.50")} {
		if got, want := cellChars(c), len(c.String()); got != want {
			t.Errorf("cellChars(%s) = %d, want %d", c, got, want)
		}
	}
}
