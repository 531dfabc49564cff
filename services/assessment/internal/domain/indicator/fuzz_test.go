package indicator_test

import (
	"errors"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
)

// hundredths returns n/100 as an exact decimal.
func hundredths(n int64) money.Decimal {
	q, err := money.DecimalFromInt(n).Quo(money.DecimalFromInt(100))
	if err != nil {
		panic(err)
	}
	return q
}

// FuzzBanded builds a banded rule from arbitrary bytes — three bytes per
// band: a signed 16-bit From in hundredths and a ratio in hundredths (0 to
// 2.55) — and checks Validate and Score against an independent oracle:
// the rule is valid exactly when the oracle says so, and a valid rule
// scores every value with the band the oracle picks, never below 0 or
// above the weight times MaxRatio, and never less for a better value.
func FuzzBanded(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0x17, 0x70, 60, 0x23, 0x28, 100}, false, int32(8500), int32(100))
	f.Add([]byte{0, 0, 100, 0, 100, 50, 1, 44, 0}, true, int32(150), int32(-300))
	f.Add([]byte{0, 10, 20, 0, 10, 30}, false, int32(10), int32(0))
	f.Add([]byte{}, false, int32(0), int32(1))
	f.Add([]byte{0xff, 0x9c, 255}, true, int32(-200), int32(5))
	f.Fuzz(func(t *testing.T, data []byte, lower bool, value, delta int32) {
		dir := indicator.HigherIsBetter
		if lower {
			dir = indicator.LowerIsBetter
		}
		var bands []indicator.Band
		for i := 0; i+3 <= len(data); i += 3 {
			from := int64(int16(uint16(data[i])<<8 | uint16(data[i+1])))
			bands = append(bands, indicator.Band{From: hundredths(from), Ratio: hundredths(int64(data[i+2]))})
		}
		rule := indicator.Rule{Banded: &indicator.Banded{Bands: bands}}

		wantValid := len(bands) > 0 && len(bands) <= indicator.MaxBands
		for i, b := range bands {
			if b.Ratio.Cmp(money.DecimalFromInt(indicator.MaxRatio)) > 0 {
				wantValid = false
			}
			if i > 0 {
				prev := bands[i-1]
				c := b.Ratio.Cmp(prev.Ratio)
				if b.From.Cmp(prev.From) <= 0 || !lower && c < 0 || lower && c > 0 {
					wantValid = false
				}
			}
		}
		err := rule.Validate(dir)
		if (err == nil) != wantValid {
			t.Fatalf("Validate(%v) = %v, oracle says valid = %t", bands, err, wantValid)
		}
		weight := money.DecimalFromInt(10)
		if !wantValid {
			if _, err := rule.Score(dir, hundredths(int64(value)), weight); !errors.Is(err, indicator.ErrInvalid) {
				t.Fatalf("Score on an invalid rule: err = %v, want ErrInvalid", err)
			}
			return
		}

		score := func(v int64) indicator.Score {
			s, err := rule.Score(dir, hundredths(v), weight)
			if err != nil {
				t.Fatalf("Score(%d/100): %v", v, err)
			}
			return s
		}
		s := score(int64(value))
		band := -1
		for i, b := range bands {
			if hundredths(int64(value)).Cmp(b.From) >= 0 {
				band = i
			}
		}
		if band < 0 && lower {
			band = 0
		}
		wantRatio := money.Decimal{}
		if band >= 0 {
			wantRatio = bands[band].Ratio
		}
		wantPoints, _ := weight.Mul(wantRatio)
		if s.Band != band || s.Ratio.Cmp(wantRatio) != 0 || s.Points.Cmp(wantPoints) != 0 {
			t.Fatalf("Score(%d/100) = band %d ratio %s points %s; oracle: band %d ratio %s points %s",
				value, s.Band, s.Ratio, s.Points, band, wantRatio, wantPoints)
		}
		maxPoints := money.DecimalFromInt(10 * indicator.MaxRatio)
		if s.Points.Sign() < 0 || s.Points.Cmp(maxPoints) > 0 {
			t.Fatalf("points %s outside [0, %s]", s.Points, maxPoints)
		}
		// A better value never earns less.
		a, b := int64(value), int64(value)+int64(delta)
		if b < a {
			a, b = b, a
		}
		lo, hi := score(a), score(b)
		if !lower && hi.Points.Cmp(lo.Points) < 0 || lower && hi.Points.Cmp(lo.Points) > 0 {
			t.Fatalf("monotonicity: %d/100 → %s points, %d/100 → %s points (%s)", a, lo.Points, b, hi.Points, dir)
		}
	})
}
