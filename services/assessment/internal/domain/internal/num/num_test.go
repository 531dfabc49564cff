package num_test

import (
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/internal/num"
)

var d = money.MustParseDecimal

func TestFixed(t *testing.T) {
	tests := []struct {
		in     string
		places int
		want   string
	}{
		{"90", 2, "90.00"}, {"89.995", 2, "90.00"}, {"89.985", 2, "89.98"}, {"87.125", 2, "87.12"},
		{"87.135", 2, "87.14"}, {"1.5", 0, "2"}, {"2.5", 0, "2"}, {"0", 2, "0.00"}, {"3.333333333333333333", 2, "3.33"},
	}
	for _, tt := range tests {
		if got := num.Fixed(d(tt.in), tt.places).String(); got != tt.want {
			t.Errorf("Fixed(%s, %d) = %s, want %s", tt.in, tt.places, got, tt.want)
		}
	}
}

func TestFloor(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{{"2", 2}, {"2.00", 2}, {"2.5", 2}, {"2.9", 2}, {"2.99999", 2}, {"3.0", 3}, {"0.5", 0}, {"0", 0}, {"1.5", 1}}
	for _, tt := range tests {
		got, err := num.Floor(d(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("Floor(%s) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	if _, err := num.Floor(d("-1")); err == nil {
		t.Error("Floor(-1) succeeded")
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ in, want string }{
		{"16.00", "16"}, {"0.80", "0.8"}, {"100", "100"}, {"3.333333333333333333", "≈3.3333"},
		{"2.3310", "2.331"}, {"0.00", "0"}, {"-1.50", "-1.5"}, {"12.34565", "≈12.3456"},
	}
	for _, tt := range tests {
		if got := num.Format(d(tt.in)); got != tt.want {
			t.Errorf("Format(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := num.Percent(d("1.2")); got != "120%" {
		t.Errorf("Percent(1.2) = %q", got)
	}
}
