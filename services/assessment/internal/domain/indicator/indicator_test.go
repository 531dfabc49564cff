package indicator_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

var d = money.MustParseDecimal

// valid returns a valid indicator to break one field at a time.
func valid() indicator.Indicator {
	return indicator.Indicator{
		Code: "DEPOSITS", Name: "存款日均余额", Dimension: indicator.BusinessResults, Unit: indicator.UnitCNY,
		Direction: indicator.HigherIsBetter, Source: indicator.SourceImported,
		Rule: indicator.Rule{Linear: &indicator.Linear{Target: d("10000000.00"), Cap: d("1.2")}},
	}
}

func bands(rows ...[2]string) indicator.Rule {
	b := make([]indicator.Band, len(rows))
	for i, r := range rows {
		b[i] = indicator.Band{From: d(r[0]), Ratio: d(r[1])}
	}
	return indicator.Rule{Banded: &indicator.Banded{Bands: b}}
}

func fields(err error) []string {
	var out []string
	for _, v := range violation.Of(err) {
		out = append(out, v.Field)
	}
	return out
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*indicator.Indicator)
		want   []string // fields with violations; nil means valid
	}{
		{"valid linear", func(*indicator.Indicator) {}, nil},
		{"valid threshold", func(i *indicator.Indicator) {
			i.Direction, i.Rule = indicator.LowerIsBetter, indicator.Rule{Threshold: &indicator.Threshold{Limit: d("0")}}
		}, nil},
		{"valid banded", func(i *indicator.Indicator) {
			i.Rule = bands([2]string{"0", "0"}, [2]string{"60", "0.6"}, [2]string{"90", "1"})
		}, nil},
		{"lower code", func(i *indicator.Indicator) { i.Code = "deposits" }, []string{"code"}},
		{"empty code", func(i *indicator.Indicator) { i.Code = "" }, []string{"code"}},
		{"code too long", func(i *indicator.Indicator) { i.Code = "A" + strings.Repeat("B", 64) }, []string{"code"}},
		{"blank name", func(i *indicator.Indicator) { i.Name = "  " }, []string{"name"}},
		{"long name", func(i *indicator.Indicator) { i.Name = strings.Repeat("名", indicator.MaxNameLength+1) }, []string{"name"}},
		{"dimension", func(i *indicator.Indicator) { i.Dimension = "sales" }, []string{"dimension"}},
		{"unit", func(i *indicator.Indicator) { i.Unit = "usd" }, []string{"unit"}},
		{"direction", func(i *indicator.Indicator) { i.Direction = "" }, []string{"direction"}},
		{"source", func(i *indicator.Indicator) { i.Source = "email" }, []string{"source"}},
		{"no rule", func(i *indicator.Indicator) { i.Rule = indicator.Rule{} }, []string{"rule"}},
		{"two rules", func(i *indicator.Indicator) { i.Rule.Threshold = &indicator.Threshold{} }, []string{"rule"}},
		{"zero target", func(i *indicator.Indicator) { i.Rule.Linear.Target = d("0") }, []string{"rule.linear.target"}},
		{"negative target", func(i *indicator.Indicator) { i.Rule.Linear.Target = d("-5") }, []string{"rule.linear.target"}},
		{"cap below 1", func(i *indicator.Indicator) { i.Rule.Linear.Cap = d("0.99") }, []string{"rule.linear.cap"}},
		{"cap unset", func(i *indicator.Indicator) { i.Rule.Linear.Cap = money.Decimal{} }, []string{"rule.linear.cap"}},
		{"cap above 2", func(i *indicator.Indicator) { i.Rule.Linear.Cap = d("2.01") }, []string{"rule.linear.cap"}},
		{"cap 2 is fine", func(i *indicator.Indicator) { i.Rule.Linear.Cap = d("2") }, nil},
		{"no bands", func(i *indicator.Indicator) { i.Rule = indicator.Rule{Banded: &indicator.Banded{}} }, []string{"rule.banded.bands"}},
		{"bands out of order", func(i *indicator.Indicator) {
			i.Rule = bands([2]string{"0", "0"}, [2]string{"90", "1"}, [2]string{"60", "1"})
		}, []string{"rule.banded.bands[2].from"}},
		{"overlapping bands (same from)", func(i *indicator.Indicator) {
			i.Rule = bands([2]string{"0", "0"}, [2]string{"60", "0.5"}, [2]string{"60.0", "0.6"})
		}, []string{"rule.banded.bands[2].from"}},
		{"negative ratio", func(i *indicator.Indicator) { i.Rule = bands([2]string{"0", "-0.1"}, [2]string{"60", "1"}) }, []string{"rule.banded.bands[0].ratio"}},
		{"ratio above 2", func(i *indicator.Indicator) { i.Rule = bands([2]string{"0", "0"}, [2]string{"60", "2.5"}) }, []string{"rule.banded.bands[1].ratio"}},
		{"higher is better but ratio falls", func(i *indicator.Indicator) {
			i.Rule = bands([2]string{"0", "0"}, [2]string{"60", "0.8"}, [2]string{"90", "0.7"})
		}, []string{"rule.banded.bands[2].ratio"}},
		{"lower is better but ratio rises", func(i *indicator.Indicator) {
			i.Direction = indicator.LowerIsBetter
			i.Rule = bands([2]string{"0", "1"}, [2]string{"1", "0.5"}, [2]string{"3", "0.6"})
		}, []string{"rule.banded.bands[2].ratio"}},
		{"too many bands", func(i *indicator.Indicator) {
			var rows [][2]string
			for n := range indicator.MaxBands + 1 {
				rows = append(rows, [2]string{money.DecimalFromInt(int64(n)).String(), "1"})
			}
			i.Rule = bands(rows...)
		}, []string{"rule.banded.bands"}},
		{"every field at once", func(i *indicator.Indicator) {
			*i = indicator.Indicator{Rule: indicator.Rule{Linear: &indicator.Linear{}}}
		}, []string{"code", "name", "dimension", "unit", "direction", "source", "rule.linear.target", "rule.linear.cap"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ind := valid()
			tt.change(&ind)
			err := ind.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, indicator.ErrInvalid) {
				t.Fatalf("Validate() = %v, want an error wrapping ErrInvalid", err)
			}
			if got := fields(err); !slices.Equal(got, tt.want) {
				t.Errorf("violations on %q, want %q (%v)", got, tt.want, err)
			}
			for _, v := range violation.Of(err) {
				if v.Description == "" {
					t.Errorf("violation of %s has no description", v.Field)
				}
			}
		})
	}
}

func TestLinearScore(t *testing.T) {
	higher := indicator.Rule{Linear: &indicator.Linear{Target: d("10000000.00"), Cap: d("1.2")}}
	higherNoBonus := indicator.Rule{Linear: &indicator.Linear{Target: d("100"), Cap: d("1")}}
	thirds := indicator.Rule{Linear: &indicator.Linear{Target: d("3"), Cap: d("1")}}
	npl := indicator.Rule{Linear: &indicator.Linear{Target: d("1.5"), Cap: d("1.2")}}
	tests := []struct {
		name    string
		rule    indicator.Rule
		dir     indicator.Direction
		value   string
		weight  string
		points  string
		ratio   string
		outcome indicator.Outcome
	}{
		{"below target", higher, indicator.HigherIsBetter, "8000000.00", "20", "16", "0.8", indicator.OutcomeProportional},
		{"exactly at target, cap above 1", higher, indicator.HigherIsBetter, "10000000.00", "20", "20", "1", indicator.OutcomeProportional},
		{"between target and cap", higher, indicator.HigherIsBetter, "11000000.00", "20", "22", "1.1", indicator.OutcomeProportional},
		{"exactly at the cap", higher, indicator.HigherIsBetter, "12000000.00", "20", "24", "1.2", indicator.OutcomeCapped},
		{"above the cap", higher, indicator.HigherIsBetter, "50000000.00", "20", "24", "1.2", indicator.OutcomeCapped},
		{"exactly at target, cap 1", higherNoBonus, indicator.HigherIsBetter, "100", "10", "10", "1", indicator.OutcomeCapped},
		{"above target, cap 1", higherNoBonus, indicator.HigherIsBetter, "130", "10", "10", "1", indicator.OutcomeCapped},
		{"zero value", higherNoBonus, indicator.HigherIsBetter, "0", "10", "0", "0", indicator.OutcomeProportional},
		{"negative value floored", higher, indicator.HigherIsBetter, "-5.00", "20", "0", "0", indicator.OutcomeFloored},
		{"odd weight, exact", higherNoBonus, indicator.HigherIsBetter, "87.5", "7.5", "6.5625", "0.875", indicator.OutcomeProportional},
		{"inexact quotient keeps 19 digits", thirds, indicator.HigherIsBetter, "1", "10", "3.333333333333333333", "0.3333333333333333333", indicator.OutcomeProportional},
		{"lower: twice the target", npl, indicator.LowerIsBetter, "3", "10", "5", "0.5", indicator.OutcomeProportional},
		{"lower: exactly at target", npl, indicator.LowerIsBetter, "1.5", "10", "10", "1", indicator.OutcomeProportional},
		{"lower: better than target", npl, indicator.LowerIsBetter, "1.36", "10", "11.02941176470588235", "1.102941176470588235", indicator.OutcomeProportional},
		{"lower: exactly at the cap", npl, indicator.LowerIsBetter, "1.25", "10", "12", "1.2", indicator.OutcomeCapped},
		{"lower: far better", npl, indicator.LowerIsBetter, "0.1", "10", "12", "1.2", indicator.OutcomeCapped},
		{"lower: zero is the best", npl, indicator.LowerIsBetter, "0", "10", "12", "1.2", indicator.OutcomeCapped},
		{"lower: negative is the best", npl, indicator.LowerIsBetter, "-1", "10", "12", "1.2", indicator.OutcomeCapped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.rule.Score(tt.dir, d(tt.value), d(tt.weight))
			if err != nil {
				t.Fatal(err)
			}
			if s.Points.Cmp(d(tt.points)) != 0 || s.Ratio.Cmp(d(tt.ratio)) != 0 || s.Outcome != tt.outcome {
				t.Errorf("Score(%s, weight %s) = %s points, ratio %s, %s; want %s, %s, %s",
					tt.value, tt.weight, s.Points, s.Ratio, s.Outcome, tt.points, tt.ratio, tt.outcome)
			}
			if s.Band != -1 {
				t.Errorf("Band = %d, want -1 for a linear rule", s.Band)
			}
			if !strings.Contains(s.Detail, tt.value) {
				t.Errorf("Detail %q does not mention the value %s", s.Detail, tt.value)
			}
		})
	}
}

func TestThresholdScore(t *testing.T) {
	rule := func(limit string) indicator.Rule {
		return indicator.Rule{Threshold: &indicator.Threshold{Limit: d(limit)}}
	}
	tests := []struct {
		dir   indicator.Direction
		limit string
		value string
		pass  bool
	}{
		{indicator.HigherIsBetter, "60", "60", true},
		{indicator.HigherIsBetter, "60", "59.99", false},
		{indicator.HigherIsBetter, "60", "100", true},
		{indicator.LowerIsBetter, "0", "0", true},
		{indicator.LowerIsBetter, "0", "1", false},
		{indicator.LowerIsBetter, "0", "-1", true},
		{indicator.LowerIsBetter, "2", "2.01", false},
	}
	for _, tt := range tests {
		s, err := rule(tt.limit).Score(tt.dir, d(tt.value), d("10"))
		if err != nil {
			t.Fatal(err)
		}
		wantPoints, wantOutcome := "0", indicator.OutcomeFailed
		if tt.pass {
			wantPoints, wantOutcome = "10", indicator.OutcomePassed
		}
		if s.Points.Cmp(d(wantPoints)) != 0 || s.Outcome != wantOutcome {
			t.Errorf("%s limit %s value %s: %s points, %s; want %s, %s", tt.dir, tt.limit, tt.value, s.Points, s.Outcome, wantPoints, wantOutcome)
		}
	}
}

func TestBandedScore(t *testing.T) {
	rating := bands([2]string{"0", "0"}, [2]string{"60", "0.6"}, [2]string{"70", "0.75"}, [2]string{"80", "0.9"}, [2]string{"90", "1"})
	complaints := bands([2]string{"0", "1"}, [2]string{"1", "0.5"}, [2]string{"3", "0"})
	tests := []struct {
		name    string
		rule    indicator.Rule
		dir     indicator.Direction
		value   string
		band    int
		points  string
		outcome indicator.Outcome
	}{
		{"first band", rating, indicator.HigherIsBetter, "59.99", 0, "0", indicator.OutcomeBand},
		{"exactly at a band's start", rating, indicator.HigherIsBetter, "60", 1, "6", indicator.OutcomeBand},
		{"just below a band's start", rating, indicator.HigherIsBetter, "89.99", 3, "9", indicator.OutcomeBand},
		{"last band, open above", rating, indicator.HigherIsBetter, "150", 4, "10", indicator.OutcomeBand},
		{"below every band, higher is better", rating, indicator.HigherIsBetter, "-5", -1, "0", indicator.OutcomeBelowBands},
		{"lower: best band", complaints, indicator.LowerIsBetter, "0", 0, "10", indicator.OutcomeBand},
		{"lower: middle band", complaints, indicator.LowerIsBetter, "2", 1, "5", indicator.OutcomeBand},
		{"lower: worst band", complaints, indicator.LowerIsBetter, "3", 2, "0", indicator.OutcomeBand},
		{"lower: below every band is the best", complaints, indicator.LowerIsBetter, "-1", 0, "10", indicator.OutcomeBand},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.rule.Score(tt.dir, d(tt.value), d("10"))
			if err != nil {
				t.Fatal(err)
			}
			if s.Band != tt.band || s.Points.Cmp(d(tt.points)) != 0 || s.Outcome != tt.outcome {
				t.Errorf("Score(%s) = band %d, %s points, %s; want band %d, %s points, %s", tt.value, s.Band, s.Points, s.Outcome, tt.band, tt.points, tt.outcome)
			}
		})
	}
}

// TestExplanations pins the text people read, so that a change to it is
// deliberate.
func TestExplanations(t *testing.T) {
	lib := indicator.DefaultLibrary()
	tests := []struct {
		code, value, weight, want string
	}{
		{indicator.DepositDailyAvg, "8000000.00", "20",
			"value 8000000.00 ÷ target 10000000.00 = 0.8 (80%) of weight 20 → 16 points"},
		{indicator.DepositDailyAvg, "15000000.00", "20",
			"value 15000000.00 ÷ target 10000000.00 = 1.5, reaching the cap → cap 1.2 × weight 20 = 24 points"},
		{indicator.NPLRatio, "3", "10",
			"lower is better: target 1.5 ÷ value 3 = 0.5 (50%) of weight 10 → 5 points"},
		{indicator.ComplianceBreaches, "1", "10",
			"value 1 > limit 0 → failed, 0 points"},
		{indicator.ComplianceBreaches, "0", "10",
			"value 0 ≤ limit 0 → passed, full weight = 10 points"},
		{indicator.EthicsRating, "85", "10",
			"value 85 is in band 4 良 (from 80 to below 90) → 90% of weight 10 = 9 points"},
		{indicator.CustomerSatisfaction, "97", "5",
			"value 97 is in band 5 非常满意 (from 95) → 100% of weight 5 = 5 points"},
		{indicator.NewCustomers, "1", "3",
			"value 1 ÷ target 10 = 0.1 (10%) of weight 3 → 0.3 points"},
		{indicator.VisitPlanCompletion, "33.3", "7",
			"value 33.3 ÷ target 100 = 0.333 (33.3%) of weight 7 → 2.331 points"},
	}
	for _, tt := range tests {
		ind, _ := lib.Get(tt.code)
		s, err := ind.Score(d(tt.value), d(tt.weight))
		if err != nil {
			t.Fatal(err)
		}
		if s.Detail != tt.want {
			t.Errorf("%s %s:\n got %q\nwant %q", tt.code, tt.value, s.Detail, tt.want)
		}
	}
	thirds := indicator.Rule{Linear: &indicator.Linear{Target: d("3"), Cap: d("1")}}
	s, _ := thirds.Score(indicator.HigherIsBetter, d("1"), d("10"))
	if want := "value 1 ÷ target 3 = ≈0.3333 (≈33.3333%) of weight 10 → ≈3.3333 points"; s.Detail != want {
		t.Errorf("inexact detail:\n got %q\nwant %q", s.Detail, want)
	}
}

func TestDescribe(t *testing.T) {
	lib := indicator.DefaultLibrary()
	tests := map[string]string{
		indicator.DepositDailyAvg:    "linear to target 10000000.00 CNY, capped at 120% of the weight",
		indicator.NPLRatio:           "lower is better, linear to target 1.5%, capped at 120% of the weight",
		indicator.ComplianceBreaches: "pass if ≤ 0, else 0",
		indicator.Response24hRate:    "banded: from 0% → 0%; from 80% → 60%; from 90% → 80%; from 95% → 90%; from 100% → 100%",
	}
	for code, want := range tests {
		ind, _ := lib.Get(code)
		if got := ind.Describe(); got != want {
			t.Errorf("%s: Describe() = %q, want %q", code, got, want)
		}
	}
}

func TestScoreRejects(t *testing.T) {
	zeroTarget := indicator.Rule{Linear: &indicator.Linear{Target: d("0"), Cap: d("1")}}
	if _, err := zeroTarget.Score(indicator.HigherIsBetter, d("5"), d("10")); !errors.Is(err, indicator.ErrInvalid) {
		t.Errorf("zero target: err = %v, want ErrInvalid (never a division by zero)", err)
	}
	ok := indicator.Rule{Linear: &indicator.Linear{Target: d("10"), Cap: d("1")}}
	if _, err := ok.Score(indicator.HigherIsBetter, d("5"), d("-1")); !errors.Is(err, indicator.ErrInvalid) {
		t.Errorf("negative weight: err = %v, want ErrInvalid", err)
	}
	if _, err := ok.Score("sideways", d("5"), d("1")); !errors.Is(err, indicator.ErrInvalid) {
		t.Errorf("unknown direction: err = %v, want ErrInvalid", err)
	}
}

func TestDefaultLibrary(t *testing.T) {
	lib := indicator.DefaultLibrary()
	dims := map[indicator.Dimension]int{}
	for _, ind := range lib.All() {
		dims[ind.Dimension]++
	}
	for _, dim := range indicator.Dimensions() {
		if dims[dim] == 0 {
			t.Errorf("no default indicator in dimension %s", dim.DisplayName())
		}
	}
	want := []struct {
		code   string
		dir    indicator.Direction
		source indicator.Source
		kind   string
	}{
		{indicator.DepositDailyAvg, indicator.HigherIsBetter, indicator.SourceImported, "linear"},
		{indicator.LoanDailyAvg, indicator.HigherIsBetter, indicator.SourceImported, "linear"},
		{indicator.NewCustomers, indicator.HigherIsBetter, indicator.SourceImported, "linear"},
		{indicator.IntermediateRevenue, indicator.HigherIsBetter, indicator.SourceImported, "linear"},
		{indicator.NPLRatio, indicator.LowerIsBetter, indicator.SourceImported, "linear"},
		{indicator.VisitPlanCompletion, indicator.HigherIsBetter, indicator.SourceVisits, "linear"},
		{indicator.Response24hRate, indicator.HigherIsBetter, indicator.SourceVisits, "banded"},
		{indicator.OnTimeVisitRate, indicator.HigherIsBetter, indicator.SourceVisits, "linear"},
		{indicator.CustomerSatisfaction, indicator.HigherIsBetter, indicator.SourceSurvey, "banded"},
		{indicator.ComplianceBreaches, indicator.LowerIsBetter, indicator.SourceImported, "threshold"},
		{indicator.EthicsRating, indicator.HigherIsBetter, indicator.SourceManual, "banded"},
		{indicator.BasicMgmtRating, indicator.HigherIsBetter, indicator.SourceManual, "banded"},
	}
	for _, w := range want {
		ind, ok := lib.Get(w.code)
		if !ok {
			t.Errorf("default library has no %s", w.code)
			continue
		}
		if ind.Direction != w.dir || ind.Source != w.source || ind.Rule.Kind() != w.kind {
			t.Errorf("%s: %s, %s, %s; want %s, %s, %s", w.code, ind.Direction, ind.Source, ind.Rule.Kind(), w.dir, w.source, w.kind)
		}
	}
	if lib.Len() != len(indicator.DefaultIndicators()) {
		t.Errorf("Len() = %d, want %d", lib.Len(), len(indicator.DefaultIndicators()))
	}
}

func TestNewLibraryRejects(t *testing.T) {
	a, b := valid(), valid()
	b.Rule.Linear = &indicator.Linear{Target: d("0"), Cap: d("1")}
	_, err := indicator.NewLibrary([]indicator.Indicator{a, b})
	if got, want := fields(err), []string{"indicators[1].rule.linear.target", "indicators[1].code"}; !slices.Equal(got, want) {
		t.Errorf("violations on %q, want %q (%v)", got, want, err)
	}
	if !errors.Is(err, indicator.ErrInvalid) {
		t.Errorf("err = %v, want ErrInvalid", err)
	}
}
