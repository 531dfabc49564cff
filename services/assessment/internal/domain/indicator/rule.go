package indicator

import (
	"fmt"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/internal/num"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// MaxRatio is the largest fraction of its weight an indicator can earn: a
// linear cap or a band ratio is at most 2 (200 %).
const MaxRatio = 2

// MaxBands is the largest number of bands a banded rule may have.
const MaxBands = 20

// Rule is how an indicator's value becomes points: exactly one of Linear,
// Threshold and Banded is set.
type Rule struct {
	Linear    *Linear    `json:"linear,omitempty"`
	Threshold *Threshold `json:"threshold,omitempty"`
	Banded    *Banded    `json:"banded,omitempty"`
}

// Linear scores linearly to a target, with a cap (see the package
// documentation for lower-is-better indicators).
type Linear struct {
	// Target is the value that earns the full weight; it must be above
	// zero.
	Target money.Decimal `json:"target"`
	// Cap is the largest fraction of the weight the indicator can earn,
	// from 1 (no reward above the target) to [MaxRatio]; 1.2 lets an
	// indicator earn up to 120 % of its weight.
	Cap money.Decimal `json:"cap"`
}

// Threshold is a pass/fail rule: the full weight or nothing.
type Threshold struct {
	// Limit is the value to reach: pass if value ≥ Limit when higher is
	// better, if value ≤ Limit when lower is better.
	Limit money.Decimal `json:"limit"`
}

// Banded scores by a table of bands.
type Banded struct {
	// Bands in increasing order of From, 1 to [MaxBands] of them.
	Bands []Band `json:"bands"`
}

// Band is one row of a banded rule. It covers values from From (inclusive)
// to the next band's From (exclusive); the last band has no upper end.
//
// A value below the first band's From is better than every band when lower
// is better, and scores as the first band; when higher is better it scores
// nothing. Ratios must not fall as values get better: they never decrease
// from band to band when higher is better and never increase when lower is
// better.
type Band struct {
	From money.Decimal `json:"from"`
	// Ratio is the fraction of the weight the band earns, 0 to [MaxRatio].
	Ratio money.Decimal `json:"ratio"`
	// Label names the band for people, optionally ("优秀").
	Label string `json:"label,omitempty"`
}

// Kind names the kind of rule that is set: "linear", "threshold",
// "banded", or "" if none or more than one is set.
func (r Rule) Kind() string {
	kinds := r.kinds()
	if len(kinds) != 1 {
		return ""
	}
	return kinds[0]
}

func (r Rule) kinds() []string {
	var kinds []string
	if r.Linear != nil {
		kinds = append(kinds, "linear")
	}
	if r.Threshold != nil {
		kinds = append(kinds, "threshold")
	}
	if r.Banded != nil {
		kinds = append(kinds, "banded")
	}
	return kinds
}

// Validate checks the rule for an indicator whose direction is dir and
// returns an error wrapping [ErrInvalid] listing every problem, with
// fields relative to the rule ("linear.target", "banded.bands[1].from"),
// or nil. If dir is not a valid direction the order of band ratios is not
// checked.
func (r Rule) Validate(dir Direction) error {
	var v violation.List
	switch kinds := r.kinds(); len(kinds) {
	case 0:
		v.Add("", "set one scoring rule: linear, threshold or banded")
		return v.Err()
	case 1:
	default:
		v.Add("", "set exactly one scoring rule, not %s", strings.Join(kinds, " and "))
		return v.Err()
	}
	maxRatio := num.Int(MaxRatio)
	switch {
	case r.Linear != nil:
		if r.Linear.Target.Sign() <= 0 {
			v.Add("linear.target", "must be above zero (it is %s): the target is what earns the full weight, and points are divided by it", r.Linear.Target)
		}
		if r.Linear.Cap.Cmp(num.One()) < 0 || r.Linear.Cap.Cmp(maxRatio) > 0 {
			v.Add("linear.cap", "must be from 1 to %d (it is %s): the largest fraction of the weight the indicator can earn, e.g. 1.2 for 120 %%", MaxRatio, r.Linear.Cap)
		}
	case r.Threshold != nil:
		// Any limit is meaningful.
	case r.Banded != nil:
		v.Merge("banded", r.Banded.validate(dir))
	}
	return v.Err()
}

func (b Banded) validate(dir Direction) error {
	var v violation.List
	if len(b.Bands) == 0 {
		v.Add("bands", "give at least one band")
		return v.Err()
	}
	if len(b.Bands) > MaxBands {
		v.Add("bands", "has %d bands; at most %d are allowed", len(b.Bands), MaxBands)
		return v.Err()
	}
	maxRatio := num.Int(MaxRatio)
	for i, band := range b.Bands {
		at := violation.Index("bands", i)
		if band.Ratio.Sign() < 0 || band.Ratio.Cmp(maxRatio) > 0 {
			v.Add(at+".ratio", "must be from 0 to %d (it is %s): the fraction of the weight the band earns", MaxRatio, band.Ratio)
		}
		if i == 0 {
			continue
		}
		prev := b.Bands[i-1]
		if band.From.Cmp(prev.From) <= 0 {
			v.Add(at+".from", "%s must be above the previous band's from (%s): bands are listed in increasing order and each one starts where the previous one ends", band.From, prev.From)
		}
		switch c := band.Ratio.Cmp(prev.Ratio); {
		case dir == HigherIsBetter && c < 0:
			v.Add(at+".ratio", "%s is below the previous band's ratio %s: when higher is better, a higher value must not earn less", band.Ratio, prev.Ratio)
		case dir == LowerIsBetter && c > 0:
			v.Add(at+".ratio", "%s is above the previous band's ratio %s: when lower is better, a higher value must not earn more", band.Ratio, prev.Ratio)
		}
	}
	return v.Err()
}

// Outcome says how a rule arrived at its ratio.
type Outcome string

// Outcomes.
const (
	OutcomeProportional Outcome = "proportional" // linear, below the cap
	OutcomeCapped       Outcome = "capped"       // linear, at the cap
	OutcomeFloored      Outcome = "floored"      // linear, higher is better, value below zero: 0
	OutcomePassed       Outcome = "passed"       // threshold reached
	OutcomeFailed       Outcome = "failed"       // threshold missed
	OutcomeBand         Outcome = "band"         // banded, value in a band
	OutcomeBelowBands   Outcome = "below_bands"  // banded, higher is better, value below the first band: 0
)

// Score is the result of scoring one value: the points and how they came
// about.
type Score struct {
	// Points is weight × Ratio, exact (quotients carry 19 significant
	// digits). It is never negative.
	Points money.Decimal `json:"points"`
	// Ratio is the fraction of the weight earned, from 0 to [MaxRatio].
	Ratio   money.Decimal `json:"ratio"`
	Outcome Outcome       `json:"outcome"`
	// Band is the index of the band that applied, for a banded rule; -1
	// otherwise.
	Band int `json:"band"`
	// Detail explains the computation for people.
	Detail string `json:"detail"`
}

// Score turns value into points out of weight for an indicator whose
// direction is dir. The rule must be valid for dir (see [Rule.Validate]);
// an invalid rule or a negative weight is an error wrapping [ErrInvalid].
// An error wrapping [money.ErrOverflow] means the numbers are too large to
// compute with.
func (r Rule) Score(dir Direction, value, weight money.Decimal) (Score, error) {
	if err := r.Validate(dir); err != nil {
		return Score{}, err
	}
	if !dir.Valid() {
		return Score{}, violation.New("direction", "%q is not a direction", dir)
	}
	if weight.Sign() < 0 {
		return Score{}, violation.New("weight", "must not be negative (it is %s)", weight)
	}
	var (
		s   Score
		err error
	)
	switch {
	case r.Linear != nil:
		s, err = r.Linear.score(dir, value, weight)
	case r.Threshold != nil:
		s, err = r.Threshold.score(dir, value, weight)
	default:
		s, err = r.Banded.score(dir, value, weight)
	}
	if err != nil {
		return Score{}, fmt.Errorf("indicator: scoring %s: %w", value, err)
	}
	return s, nil
}

func (l Linear) score(dir Direction, value, weight money.Decimal) (Score, error) {
	capped := func(why string) (Score, error) {
		points, err := weight.Mul(l.Cap)
		return Score{Points: points, Ratio: l.Cap, Outcome: OutcomeCapped, Band: -1,
			Detail: fmt.Sprintf("%s, reaching the cap → cap %s × weight %s = %s points", why, num.Format(l.Cap), num.Format(weight), num.Format(points))}, err
	}
	if dir == LowerIsBetter {
		if value.Sign() <= 0 {
			return capped(fmt.Sprintf("lower is better: value %s is zero or below, the best possible", value))
		}
		ratio, err := l.Target.Quo(value)
		if err != nil {
			return Score{}, err
		}
		why := fmt.Sprintf("lower is better: target %s ÷ value %s = %s", l.Target, value, num.Format(ratio))
		if ratio.Cmp(l.Cap) >= 0 {
			return capped(why)
		}
		points, err := weight.Mul(l.Target) // multiply first, divide last
		if err == nil {
			points, err = points.Quo(value)
		}
		return Score{Points: points, Ratio: ratio, Outcome: OutcomeProportional, Band: -1,
			Detail: fmt.Sprintf("%s (%s) of weight %s → %s points", why, num.Percent(ratio), num.Format(weight), num.Format(points))}, err
	}
	if value.Sign() < 0 {
		return Score{Points: num.Zero(), Ratio: num.Zero(), Outcome: OutcomeFloored, Band: -1,
			Detail: fmt.Sprintf("value %s is below zero → 0 points", value)}, nil
	}
	ratio, err := value.Quo(l.Target)
	if err != nil {
		return Score{}, err
	}
	why := fmt.Sprintf("value %s ÷ target %s = %s", value, l.Target, num.Format(ratio))
	if ratio.Cmp(l.Cap) >= 0 {
		return capped(why)
	}
	points, err := weight.Mul(value)
	if err == nil {
		points, err = points.Quo(l.Target)
	}
	return Score{Points: points, Ratio: ratio, Outcome: OutcomeProportional, Band: -1,
		Detail: fmt.Sprintf("%s (%s) of weight %s → %s points", why, num.Percent(ratio), num.Format(weight), num.Format(points))}, err
}

func (t Threshold) score(dir Direction, value, weight money.Decimal) (Score, error) {
	c := value.Cmp(t.Limit)
	pass, op, nop := c >= 0, "≥", "<"
	if dir == LowerIsBetter {
		pass, op, nop = c <= 0, "≤", ">"
	}
	if !pass {
		return Score{Points: num.Zero(), Ratio: num.Zero(), Outcome: OutcomeFailed, Band: -1,
			Detail: fmt.Sprintf("value %s %s limit %s → failed, 0 points", value, nop, t.Limit)}, nil
	}
	return Score{Points: weight, Ratio: num.One(), Outcome: OutcomePassed, Band: -1,
		Detail: fmt.Sprintf("value %s %s limit %s → passed, full weight = %s points", value, op, t.Limit, num.Format(weight))}, nil
}

func (b Banded) score(dir Direction, value, weight money.Decimal) (Score, error) {
	i := b.find(value)
	if i < 0 {
		if dir == HigherIsBetter {
			return Score{Points: num.Zero(), Ratio: num.Zero(), Outcome: OutcomeBelowBands, Band: -1,
				Detail: fmt.Sprintf("value %s is below the lowest band (from %s) → 0 points", value, b.Bands[0].From)}, nil
		}
		i = 0 // lower is better: below every band is better than every band
	}
	band := b.Bands[i]
	points, err := weight.Mul(band.Ratio)
	label := ""
	if band.Label != "" {
		label = " " + band.Label
	}
	return Score{Points: points, Ratio: band.Ratio, Outcome: OutcomeBand, Band: i,
		Detail: fmt.Sprintf("value %s is in band %d%s (%s) → %s of weight %s = %s points",
			value, i+1, label, b.bandRange(i), num.Percent(band.Ratio), num.Format(weight), num.Format(points))}, err
}

// find returns the index of the band value falls in, or -1 if it is below
// the first band.
func (b Banded) find(value money.Decimal) int {
	found := -1
	for i, band := range b.Bands {
		if value.Cmp(band.From) < 0 {
			break
		}
		found = i
	}
	return found
}

// bandRange writes the values band i covers: "from 90 to below 95" or
// "from 95".
func (b Banded) bandRange(i int) string {
	if i+1 < len(b.Bands) {
		return fmt.Sprintf("from %s to below %s", b.Bands[i].From, b.Bands[i+1].From)
	}
	return fmt.Sprintf("from %s", b.Bands[i].From)
}

// Describe returns the rule for people, with values in unit: "linear to
// target 10000000.00 CNY, capped at 120% of the weight", "pass if ≤ 0",
// "banded: from 95 → 100%; from 90 → 90%; …".
func (r Rule) Describe(dir Direction, unit Unit) string {
	switch {
	case r.Kind() == "":
		return "no valid rule"
	case r.Linear != nil:
		lower := ""
		if dir == LowerIsBetter {
			lower = "lower is better, "
		}
		return fmt.Sprintf("%slinear to target %s, capped at %s of the weight", lower, unit.Show(r.Linear.Target), num.Percent(r.Linear.Cap))
	case r.Threshold != nil:
		op := "≥"
		if dir == LowerIsBetter {
			op = "≤"
		}
		return fmt.Sprintf("pass if %s %s, else 0", op, unit.Show(r.Threshold.Limit))
	default:
		parts := make([]string, len(r.Banded.Bands))
		for i, band := range r.Banded.Bands {
			parts[i] = fmt.Sprintf("from %s → %s", unit.Show(band.From), num.Percent(band.Ratio))
		}
		return "banded: " + strings.Join(parts, "; ")
	}
}
