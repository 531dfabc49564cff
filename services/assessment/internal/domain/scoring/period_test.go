package scoring_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/scoring"
)

func decimals(ss ...string) []money.Decimal {
	out := make([]money.Decimal, len(ss))
	for i, s := range ss {
		out[i] = d(s)
	}
	return out
}

func TestCoefficient(t *testing.T) {
	table := scoring.DefaultCoefficientTable()
	if err := table.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ total, want string }{
		{"0.00", "0.6"}, {"59.99", "0.6"}, {"60.00", "0.8"}, {"69.99", "0.8"}, {"70.00", "0.9"},
		{"79.99", "0.9"}, {"80.00", "1.0"}, {"89.99", "1.0"}, {"90.00", "1.2"}, {"100.00", "1.2"},
	}
	for _, tt := range tests {
		c, err := table.Coefficient(d(tt.total))
		if err != nil {
			t.Fatal(err)
		}
		if c.Value.Cmp(d(tt.want)) != 0 {
			t.Errorf("Coefficient(%s) = %s, want %s (%s)", tt.total, c.Value, tt.want, c.Detail)
		}
	}
	c, _ := table.Coefficient(d("85.50"))
	if want := "total 85.50 is in the band from 80 to below 90 → coefficient 1.0"; c.Detail != want {
		t.Errorf("Detail = %q, want %q", c.Detail, want)
	}
	for _, bad := range []string{"-0.01", "100.01"} {
		if _, err := table.Coefficient(d(bad)); !errors.Is(err, scoring.ErrInvalid) {
			t.Errorf("Coefficient(%s): err = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestCoefficientTableValidate(t *testing.T) {
	band := func(from, c string) scoring.CoefficientBand {
		return scoring.CoefficientBand{From: d(from), Coefficient: d(c)}
	}
	tests := []struct {
		name  string
		bands []scoring.CoefficientBand
		want  []string
	}{
		{"empty", nil, []string{"bands"}},
		{"does not start at 0", []scoring.CoefficientBand{band("10", "1")}, []string{"bands[0].from"}},
		{"out of order", []scoring.CoefficientBand{band("0", "0.5"), band("80", "1"), band("70", "1.1")}, []string{"bands[2].from"}},
		{"coefficient falls", []scoring.CoefficientBand{band("0", "0.5"), band("80", "0.4")}, []string{"bands[1].coefficient"}},
		{"above 100", []scoring.CoefficientBand{band("0", "0.5"), band("101", "1")}, []string{"bands[1].from"}},
		{"coefficient too large", []scoring.CoefficientBand{band("0", "6")}, []string{"bands[0].coefficient"}},
	}
	for _, tt := range tests {
		err := scoring.CoefficientTable{Bands: tt.bands}.Validate()
		if !errors.Is(err, scoring.ErrInvalid) || !slices.Equal(fields(err), tt.want) {
			t.Errorf("%s: Validate() = %v, want violations on %q", tt.name, err, tt.want)
		}
	}
}

func TestQuarterlyScore(t *testing.T) {
	tests := []struct {
		monthly []string
		want    string
	}{
		{[]string{"80", "85", "90"}, "85.00"},
		{[]string{"80", "81"}, "80.50"},
		{[]string{"80", "80", "81"}, "80.33"},
		{[]string{"80.01", "80.02", "80.02"}, "80.02"},
	}
	for _, tt := range tests {
		q, err := scoring.QuarterlyScore(decimals(tt.monthly...))
		if err != nil {
			t.Fatal(err)
		}
		if q.Score.String() != tt.want {
			t.Errorf("QuarterlyScore(%v) = %s, want %s", tt.monthly, q.Score, tt.want)
		}
	}
	for _, bad := range [][]string{{}, {"1", "2", "3", "4"}, {"101"}} {
		if _, err := scoring.QuarterlyScore(decimals(bad...)); !errors.Is(err, scoring.ErrInvalid) {
			t.Errorf("QuarterlyScore(%v): err = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestAnnualOverall(t *testing.T) {
	w := scoring.DefaultAnnualWeights()
	tests := []struct {
		monthly []string
		summary string
		w       scoring.AnnualWeights
		mean    string
		want    string
	}{
		// 70 % × 85 + 30 % × 70 = 59.5 + 21
		{[]string{"80", "90", "85"}, "70", w, "85", "80.50"},
		// mean 80.333…: (70 × 241 + 30 × 90 × 3) ÷ 300 = 83.2333…
		{[]string{"80", "80", "81"}, "90", w, "80.33333333333333333", "83.23"},
		{[]string{"90", "90", "90", "90", "90", "90", "90", "90", "90", "90", "90", "90"}, "60", w, "90", "81.00"},
		{[]string{"75.5"}, "80", scoring.AnnualWeights{MonthlyMean: d("100"), Summary: d("0")}, "75.5", "75.50"},
		// half to even on the final rounding: 0.5 × 80.25 + 0.5 × 80 = 80.125
		{[]string{"80.25"}, "80", scoring.AnnualWeights{MonthlyMean: d("50"), Summary: d("50")}, "80.25", "80.12"},
	}
	for _, tt := range tests {
		a, err := scoring.AnnualOverall(decimals(tt.monthly...), d(tt.summary), tt.w)
		if err != nil {
			t.Fatal(err)
		}
		if a.Overall.String() != tt.want || a.MonthlyMean.Cmp(d(tt.mean)) != 0 || a.Months != len(tt.monthly) {
			t.Errorf("AnnualOverall(%v, %s) = %s (mean %s, %d months), want %s (mean %s)", tt.monthly, tt.summary, a.Overall, a.MonthlyMean, a.Months, tt.want, tt.mean)
		}
	}
	a, _ := scoring.AnnualOverall(decimals("80", "90", "85"), d("70"), w)
	if want := "monthly mean 85 (of 3 months) × 70% + annual summary 70 × 30% → 80.50"; a.Detail != want {
		t.Errorf("Detail = %q, want %q", a.Detail, want)
	}

	bad := []struct {
		name    string
		monthly []string
		summary string
		w       scoring.AnnualWeights
		want    []string
	}{
		{"no months", nil, "70", w, []string{"monthly"}},
		{"thirteen months", []string{"1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1"}, "70", w, []string{"monthly"}},
		{"score above 100", []string{"80", "100.5"}, "70", w, []string{"monthly[1]"}},
		{"summary below 0", []string{"80"}, "-1", w, []string{"summary"}},
		{"weights add to 90", []string{"80"}, "70", scoring.AnnualWeights{MonthlyMean: d("60"), Summary: d("30")}, []string{"weights"}},
	}
	for _, tt := range bad {
		_, err := scoring.AnnualOverall(decimals(tt.monthly...), d(tt.summary), tt.w)
		if !errors.Is(err, scoring.ErrInvalid) || !slices.Equal(fields(err), tt.want) {
			t.Errorf("%s: err = %v, want violations on %q", tt.name, err, tt.want)
		}
	}
}

func TestAdditionalScore(t *testing.T) {
	w := scoring.DefaultAdditionalWeights()
	tests := []struct{ self, committee, want string }{
		{"90", "80", "83.00"},       // 27 + 56
		{"85.55", "77.77", "80.10"}, // 25.665 + 54.439 = 80.104
		{"100", "100", "100.00"},
		{"0", "0", "0.00"},
	}
	for _, tt := range tests {
		a, err := scoring.AdditionalScore(d(tt.self), d(tt.committee), w)
		if err != nil {
			t.Fatal(err)
		}
		if a.Score.String() != tt.want {
			t.Errorf("AdditionalScore(%s, %s) = %s, want %s", tt.self, tt.committee, a.Score, tt.want)
		}
	}
	_, err := scoring.AdditionalScore(d("90"), d("120"), scoring.AdditionalWeights{SelfEvaluation: d("30.001"), CommitteeRating: d("69.999")})
	if want := []string{"weights.self_evaluation", "weights.committee_rating", "committee_rating"}; !slices.Equal(fields(err), want) {
		t.Errorf("err = %v, want violations on %q", err, want)
	}
}

func TestCycles(t *testing.T) {
	var pre []time.Month
	for m := time.January; m <= time.December; m++ {
		if scoring.PreAssessmentMonth(m) {
			pre = append(pre, m)
		}
	}
	if want := []time.Month{time.March, time.June, time.September, time.December}; !slices.Equal(pre, want) {
		t.Errorf("pre-assessment months %v, want %v", pre, want)
	}
	tests := []struct {
		m    time.Month
		want string
		ok   bool
	}{
		{time.January, "2024Q4", true},
		{time.April, "2025Q1", true},
		{time.July, "2025Q2", true},
		{time.October, "2025Q3", true},
		{time.March, "", false},
		{time.December, "", false},
	}
	for _, tt := range tests {
		q, ok := scoring.QuarterAssessedIn(2025, tt.m)
		if ok != tt.ok || ok && q.String() != tt.want {
			t.Errorf("QuarterAssessedIn(2025, %s) = %s, %t; want %s, %t", tt.m, q, ok, tt.want, tt.ok)
		}
	}
}
