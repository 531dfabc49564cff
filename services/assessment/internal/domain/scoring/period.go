package scoring

import (
	"fmt"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/internal/num"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// Quarterly is the score of a quarter: the mean of its monthly totals.
type Quarterly struct {
	Months int `json:"months"`
	// Score is the mean, rounded half to even to two decimal places.
	Score  money.Decimal `json:"score"`
	Detail string        `json:"detail"`
}

// QuarterlyScore returns the mean of one to three monthly totals (each
// from 0 to 100; a CM who joined mid-quarter has fewer), rounded half to
// even to two decimal places.
func QuarterlyScore(monthly []money.Decimal) (Quarterly, error) {
	var v violation.List
	if len(monthly) == 0 || len(monthly) > 3 {
		v.Add("monthly", "give one to three monthly totals, not %d", len(monthly))
	}
	checkScores(&v, "monthly", monthly)
	if err := v.Err(); err != nil {
		return Quarterly{}, err
	}
	sum, err := sumOf(monthly)
	if err != nil {
		return Quarterly{}, err
	}
	mean, err := sum.Quo(num.Int(int64(len(monthly))))
	if err != nil {
		return Quarterly{}, err
	}
	score := num.Fixed(mean, 2)
	return Quarterly{Months: len(monthly), Score: score,
		Detail: fmt.Sprintf("mean of %s = %s ÷ %d → %s", joinScores(monthly), num.Format(sum), len(monthly), score)}, nil
}

// AnnualWeights weigh the two parts of the annual overall score, in
// percent; they add up to 100.
type AnnualWeights struct {
	// MonthlyMean weighs the mean of the year's monthly totals.
	MonthlyMean money.Decimal `json:"monthlyMean"`
	// Summary weighs the annual summary score (年度总结评价).
	Summary money.Decimal `json:"summary"`
}

// DefaultAnnualWeights returns the default: 70 % the mean of the monthly
// totals, 30 % the annual summary.
func DefaultAnnualWeights() AnnualWeights {
	return AnnualWeights{MonthlyMean: num.Int(70), Summary: num.Int(30)}
}

// Validate checks that both weights are from 0 to 100 with at most two
// decimal places and add up to 100.
func (w AnnualWeights) Validate() error {
	var v violation.List
	checkWeights(&v, map[string]money.Decimal{"monthly_mean": w.MonthlyMean, "summary": w.Summary}, []string{"monthly_mean", "summary"})
	return v.Err()
}

// Annual is the overall annual score (年度考核综合得分).
type Annual struct {
	Months int `json:"months"`
	// MonthlyMean is the exact mean of the monthly totals.
	MonthlyMean money.Decimal `json:"monthlyMean"`
	Summary     money.Decimal `json:"summary"`
	// Overall is (MonthlyMean × w.MonthlyMean + Summary × w.Summary) ÷ 100,
	// rounded half to even to two decimal places.
	Overall money.Decimal `json:"overall"`
	Detail  string        `json:"detail"`
}

// AnnualOverall combines the year's monthly totals (1 to 12 of them, each
// from 0 to 100) with the annual summary score (0 to 100) by w. The
// result is computed as (w.MonthlyMean × Σ monthly + w.Summary × summary ×
// n) ÷ (100 × n), multiplying first and dividing once, and rounded half to
// even to two decimal places.
func AnnualOverall(monthly []money.Decimal, summary money.Decimal, w AnnualWeights) (Annual, error) {
	var v violation.List
	v.Merge("weights", w.Validate())
	if len(monthly) == 0 || len(monthly) > 12 {
		v.Add("monthly", "give one to twelve monthly totals, not %d", len(monthly))
	}
	checkScores(&v, "monthly", monthly)
	checkScore(&v, "summary", summary)
	if err := v.Err(); err != nil {
		return Annual{}, err
	}
	n := num.Int(int64(len(monthly)))
	sum, err := sumOf(monthly)
	if err != nil {
		return Annual{}, err
	}
	mean, err := sum.Quo(n)
	if err != nil {
		return Annual{}, err
	}
	overall, err := weighted(n, []money.Decimal{sum, summary}, []money.Decimal{w.MonthlyMean, w.Summary}, []bool{false, true})
	if err != nil {
		return Annual{}, err
	}
	return Annual{Months: len(monthly), MonthlyMean: mean, Summary: summary, Overall: overall,
		Detail: fmt.Sprintf("monthly mean %s (of %d months) × %s%% + annual summary %s × %s%% → %s",
			num.Format(mean), len(monthly), num.Format(w.MonthlyMean), summary, num.Format(w.Summary), overall)}, nil
}

// AdditionalWeights weigh the two parts of the additional assessment
// (附加考核) of a promotion candidate, in percent; they add up to 100.
type AdditionalWeights struct {
	SelfEvaluation  money.Decimal `json:"selfEvaluation"`
	CommitteeRating money.Decimal `json:"committeeRating"`
}

// DefaultAdditionalWeights returns the default: 30 % self-evaluation, 70 %
// committee rating.
func DefaultAdditionalWeights() AdditionalWeights {
	return AdditionalWeights{SelfEvaluation: num.Int(30), CommitteeRating: num.Int(70)}
}

// Validate checks that both weights are from 0 to 100 with at most two
// decimal places and add up to 100.
func (w AdditionalWeights) Validate() error {
	var v violation.List
	checkWeights(&v, map[string]money.Decimal{"self_evaluation": w.SelfEvaluation, "committee_rating": w.CommitteeRating},
		[]string{"self_evaluation", "committee_rating"})
	return v.Err()
}

// Additional is the additional-assessment score of a promotion candidate.
type Additional struct {
	SelfEvaluation  money.Decimal `json:"selfEvaluation"`
	CommitteeRating money.Decimal `json:"committeeRating"`
	// Score is (self × w.SelfEvaluation + committee × w.CommitteeRating) ÷
	// 100, rounded half to even to two decimal places.
	Score  money.Decimal `json:"score"`
	Detail string        `json:"detail"`
}

// AdditionalScore combines a promotion candidate's self-evaluation and the
// committee's rating (each from 0 to 100) by w.
func AdditionalScore(self, committee money.Decimal, w AdditionalWeights) (Additional, error) {
	var v violation.List
	v.Merge("weights", w.Validate())
	checkScore(&v, "self_evaluation", self)
	checkScore(&v, "committee_rating", committee)
	if err := v.Err(); err != nil {
		return Additional{}, err
	}
	score, err := weighted(num.One(), []money.Decimal{self, committee}, []money.Decimal{w.SelfEvaluation, w.CommitteeRating}, []bool{false, false})
	if err != nil {
		return Additional{}, err
	}
	return Additional{SelfEvaluation: self, CommitteeRating: committee, Score: score,
		Detail: fmt.Sprintf("self-evaluation %s × %s%% + committee rating %s × %s%% → %s",
			self, num.Format(w.SelfEvaluation), committee, num.Format(w.CommitteeRating), score)}, nil
}

// weighted returns Σ wᵢ·xᵢ·(n if scaleᵢ) ÷ (100·n), rounded half to even to
// two decimal places: the weighted mean in percent, where unscaled xᵢ are
// sums of n items and scaled ones single items.
func weighted(n money.Decimal, xs, ws []money.Decimal, scale []bool) (money.Decimal, error) {
	acc := num.Zero()
	for i := range xs {
		t, err := xs[i].Mul(ws[i])
		if err == nil && scale[i] {
			t, err = t.Mul(n)
		}
		if err == nil {
			acc, err = acc.Add(t)
		}
		if err != nil {
			return money.Decimal{}, err
		}
	}
	den, err := num.Hundred().Mul(n)
	if err != nil {
		return money.Decimal{}, err
	}
	q, err := acc.Quo(den)
	if err != nil {
		return money.Decimal{}, err
	}
	return num.Fixed(q, 2), nil
}

func checkScore(v *violation.List, field string, s money.Decimal) {
	if s.Sign() < 0 || s.Cmp(num.Hundred()) > 0 {
		v.Add(field, "must be from 0 to 100 (it is %s)", s)
	}
}

func checkScores(v *violation.List, field string, scores []money.Decimal) {
	for i, s := range scores {
		checkScore(v, violation.Index(field, i), s)
	}
}

func checkWeights(v *violation.List, weights map[string]money.Decimal, order []string) {
	sum := num.Zero()
	for _, name := range order {
		w := weights[name]
		switch {
		case w.Sign() < 0 || w.Cmp(num.Hundred()) > 0:
			v.Add(name, "must be from 0 to 100 percent (it is %s)", w)
		case num.Places(w) > 2:
			v.Add(name, "%s has more than two decimal places", w)
		}
		sum, _ = sum.Add(w) // at most a few hundred: cannot overflow
	}
	if sum.Cmp(num.Hundred()) != 0 {
		v.Add("", "weights add up to %s; they must add up to 100", sum)
	}
}

func sumOf(xs []money.Decimal) (money.Decimal, error) {
	sum := num.Zero()
	for _, x := range xs {
		var err error
		if sum, err = sum.Add(x); err != nil {
			return money.Decimal{}, err
		}
	}
	return sum, nil
}

func joinScores(xs []money.Decimal) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = x.String()
	}
	return strings.Join(parts, ", ")
}

// PreAssessmentMonth reports whether the quarterly pre-assessment (预考核)
// runs in the first week of month m: March, June, September and December.
func PreAssessmentMonth(m time.Month) bool { return m%3 == 0 }

// Quarter is a calendar quarter.
type Quarter struct {
	Year   int
	Number int // 1–4
}

// String returns "2025Q1".
func (q Quarter) String() string { return fmt.Sprintf("%dQ%d", q.Year, q.Number) }

// QuarterAssessedIn returns the quarter whose grade assessment takes place
// in month m of year: sales-ladder grades are assessed in April, July and
// October for the quarter just ended, and in January for the fourth
// quarter of the year before (DOMAIN.md §4). ok is false in other months.
func QuarterAssessedIn(year int, m time.Month) (q Quarter, ok bool) {
	switch m {
	case time.January:
		return Quarter{Year: year - 1, Number: 4}, true
	case time.April, time.July, time.October:
		return Quarter{Year: year, Number: int(m-1) / 3}, true
	}
	return Quarter{}, false
}
