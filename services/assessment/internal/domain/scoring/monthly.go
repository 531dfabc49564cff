// Package scoring owns the computation of assessment scores (DOMAIN.md §4):
// the monthly score card of one CM, the performance coefficient that
// compensation uses, and the quarterly, annual and additional (附加考核)
// scores. It is pure: the service gathers the values and stores the
// results.
//
// # Monthly score
//
// [Monthly] scores one CM for one month on a template: each line of the
// template scores its indicator's value with the indicator's rule (package
// indicator), the lines add up to a subtotal per part (basic, marketing,
// management) and the parts to the total. Every [Line] explains itself:
// the value, its source, the rule and the points, as structured fields and
// as text ([Line.Explain], [Card.Explain]).
//
// Arithmetic is exact decimal. Nothing is rounded until the end: points,
// subtotals and [Card.Sum] are exact (quotients carry 19 significant
// digits), and [Card.Sum] is exactly the sum of the part subtotals. The
// reported [Card.Total] is Sum, limited to at most 100 (indicators with a
// cap above 1 can make up for shortfalls elsewhere, but the score is out of
// 100), then rounded half to even to two decimal places. This is the only
// rounding.
//
// # Missing values
//
// A line whose indicator has no value scores 0 points, and says why:
//
//   - manual indicators (supervisor ratings): the line is "awaiting entry"
//     and the indicator is listed in [Card.Pending]. [Card.Complete]
//     returns an error wrapping [ErrIncomplete] naming them, so a run
//     cannot close until every rating is entered.
//   - imported, visit and survey indicators: the line is "no value"; the
//     CM earns nothing for it and the card is still complete. Whoever
//     supplies the value (a batch import, the visit service, a survey) can
//     supply it before the run closes.
//
// # Coefficient, quarterly, annual and additional scores
//
// [CoefficientTable] turns a monthly total into the performance
// coefficient. [QuarterlyScore] is the mean of a quarter's monthly totals.
// [AnnualOverall] combines the year's monthly totals with the annual
// summary, and [AdditionalScore] the self-evaluation and committee rating
// of a promotion candidate. Their defaults are in [DefaultCoefficientTable],
// [DefaultAnnualWeights] and [DefaultAdditionalWeights]; the bank
// configures its own.
package scoring

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/internal/num"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/template"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// ErrInvalid is wrapped by every validation error of this package; it is
// [violation.ErrInvalid].
var ErrInvalid = violation.ErrInvalid

// ErrIncomplete is wrapped by the error of [Card.Complete]: manual
// indicators still have no value (gRPC FailedPrecondition).
var ErrIncomplete = errors.New("manual indicators have no value yet")

// Source says where a value came from.
type Source struct {
	Kind indicator.Source `json:"kind"`
	// Ref identifies the origin within its kind: the import batch id, the
	// survey campaign, "visits" or the visit-statistics run, the employee
	// number of the person who entered a rating.
	Ref string `json:"ref,omitempty"`
}

// String returns "kind ref", e.g. "imported batch-2025-01-17".
func (s Source) String() string {
	if s.Ref == "" {
		return string(s.Kind)
	}
	return string(s.Kind) + " " + s.Ref
}

// Value is the value of one indicator for the CM and month being scored.
type Value struct {
	Indicator string        `json:"indicator"`
	Value     money.Decimal `json:"value"`
	Source    Source        `json:"source"`
}

// Status says whether a line was scored.
type Status string

// Line statuses.
const (
	StatusScored   Status = "scored"         // the indicator had a value
	StatusNoValue  Status = "no_value"       // no imported, visit or survey value: 0 points
	StatusAwaiting Status = "awaiting_entry" // no manual value yet: 0 points, card incomplete
)

// Line is the score of one indicator of the template.
type Line struct {
	Indicator string              `json:"indicator"`
	Name      string              `json:"name"`
	Dimension indicator.Dimension `json:"dimension"`
	Part      template.Part       `json:"part"`
	Weight    money.Decimal       `json:"weight"`
	Status    Status              `json:"status"`
	// Value and Source are set when Status is StatusScored.
	Value  money.Decimal  `json:"value"`
	Unit   indicator.Unit `json:"unit"`
	Source Source         `json:"source"`
	// Rule describes the indicator's scoring rule.
	Rule string `json:"rule"`
	// Score is the rule's result; its Points are the line's points. For a
	// line without a value, Points and Ratio are 0 and Detail says why.
	Score indicator.Score `json:"score"`
}

// Points returns the line's points, exact.
func (l Line) Points() money.Decimal { return l.Score.Points }

// Explain returns the line for people, e.g.
//
//	[基础考核 (basic)] ETHICS_RATING 职业道德评价 (weight 10): value 85 from manual E042; rule banded: …; value 85 is in band 4 良 (from 80 to below 90) → 90% of weight 10 = 9 points
func (l Line) Explain() string {
	head := fmt.Sprintf("[%s] %s %s (weight %s)", l.Part.DisplayName(), l.Indicator, l.Name, num.Format(l.Weight))
	switch l.Status {
	case StatusScored:
		return fmt.Sprintf("%s: value %s from %s; rule %s; %s", head, l.Unit.Show(l.Value), l.Source, l.Rule, l.Score.Detail)
	default:
		return fmt.Sprintf("%s: %s", head, l.Score.Detail)
	}
}

// PartTotal is the subtotal of one part of the template.
type PartTotal struct {
	Part template.Part `json:"part"`
	// Weight is the sum of the part's line weights.
	Weight money.Decimal `json:"weight"`
	// Points is the exact sum of the part's line points.
	Points money.Decimal `json:"points"`
}

// Card is the monthly score card of one CM.
type Card struct {
	Template string `json:"template"`
	Lines    []Line `json:"lines"`
	// Parts holds the three parts in the order of [template.Parts].
	Parts []PartTotal `json:"parts"`
	// Sum is the exact sum of the part subtotals, before it is limited to
	// 100 and rounded.
	Sum money.Decimal `json:"sum"`
	// Total is the monthly score: Sum limited to at most 100, rounded half
	// to even to exactly two decimal places.
	Total money.Decimal `json:"total"`
	// Pending lists the manual indicators without a value, in template
	// order.
	Pending []string `json:"pending,omitempty"`
}

// IncompleteError lists the manual indicators a card still needs. It wraps
// [ErrIncomplete].
type IncompleteError struct {
	Indicators []string
}

// Error names the missing indicators.
func (e *IncompleteError) Error() string {
	return "manual indicators have no value yet: " + strings.Join(e.Indicators, ", ") + "; enter them before the run closes"
}

// Unwrap returns [ErrIncomplete].
func (e *IncompleteError) Unwrap() error { return ErrIncomplete }

// Complete returns nil if every manual indicator of the card has a value,
// else an [*IncompleteError] listing those that do not.
func (c Card) Complete() error {
	if len(c.Pending) == 0 {
		return nil
	}
	return &IncompleteError{Indicators: append([]string(nil), c.Pending...)}
}

// Explain returns the whole card for people: one line per indicator, the
// part subtotals, the sum and the total.
func (c Card) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "template %s\n", c.Template)
	for _, l := range c.Lines {
		b.WriteString(l.Explain())
		b.WriteByte('\n')
	}
	for _, p := range c.Parts {
		fmt.Fprintf(&b, "%s: %s of %s points\n", p.Part.DisplayName(), num.Format(p.Points), num.Format(p.Weight))
	}
	limit := ""
	if c.Sum.Cmp(num.Hundred()) > 0 {
		limit = ", limited to 100"
	}
	fmt.Fprintf(&b, "sum %s%s → total %s (rounded half to even to 0.01)", num.Format(c.Sum), limit, c.Total)
	if len(c.Pending) > 0 {
		fmt.Fprintf(&b, "\nincomplete: awaiting %s", strings.Join(c.Pending, ", "))
	}
	return b.String()
}

// Monthly scores one CM's month on tpl, whose indicators are in lib, from
// values. It returns an error wrapping [ErrInvalid] if tpl is not valid for
// lib (fields prefixed "template."), or if a value names an indicator that
// is not in lib, appears twice or has an unknown source kind (fields
// "values[i]…"). Values of library indicators the template does not use
// are ignored. A value's source may differ from the indicator's usual one
// (a figure corrected by hand, say); the line records the source given.
// Missing values are not an error: see the package documentation and
// [Card.Complete]. To score many cards on one template, a [Scorer] checks
// the template once.
func Monthly(tpl template.Template, lib indicator.Library, values []Value) (Card, error) {
	var v violation.List
	v.Merge("template", tpl.Validate(lib))
	byCode := checkValues(&v, lib, values)
	if err := v.Err(); err != nil {
		return Card{}, err
	}
	return newScorer(tpl, lib).card(byCode)
}

// Scorer scores cards on one template whose indicators are in one library,
// exactly as [Monthly] does, checking the template and describing its rules
// once rather than for every card. It is safe for concurrent use.
type Scorer struct {
	tpl   template.Template
	lib   indicator.Library
	rules []string // the rule of each line, described
}

// NewScorer checks tpl against lib, as [Monthly] does (fields prefixed
// "template."), and returns a scorer for it.
func NewScorer(tpl template.Template, lib indicator.Library) (*Scorer, error) {
	var v violation.List
	v.Merge("template", tpl.Validate(lib))
	if err := v.Err(); err != nil {
		return nil, err
	}
	return newScorer(tpl, lib), nil
}

func newScorer(tpl template.Template, lib indicator.Library) *Scorer {
	s := &Scorer{tpl: tpl, lib: lib, rules: make([]string, len(tpl.Lines))}
	for i, tl := range tpl.Lines {
		ind, _ := lib.Get(tl.Indicator) // validated
		s.rules[i] = ind.Describe()
	}
	return s
}

// Score scores one CM's month from values, as [Monthly] does on the
// scorer's template and library; invalid values are an error wrapping
// [ErrInvalid] with fields "values[i]…".
func (s *Scorer) Score(values []Value) (Card, error) {
	var v violation.List
	byCode := checkValues(&v, s.lib, values)
	if err := v.Err(); err != nil {
		return Card{}, err
	}
	return s.card(byCode)
}

// checkValues indexes values by indicator, recording a violation for every
// value of an unknown indicator or source, or repeated.
func checkValues(v *violation.List, lib indicator.Library, values []Value) map[string]Value {
	byCode := make(map[string]Value, len(values))
	for i, val := range values {
		if _, ok := lib.Get(val.Indicator); !ok {
			v.Add(violation.Index("values", i)+".indicator", "%q is not an indicator in the library", val.Indicator)
			continue
		}
		if !val.Source.Kind.Valid() {
			v.Add(violation.Index("values", i)+".source.kind", "%q is not a source", val.Source.Kind)
		}
		if _, dup := byCode[val.Indicator]; dup {
			v.Add(violation.Index("values", i)+".indicator", "%s has more than one value", val.Indicator)
			continue
		}
		byCode[val.Indicator] = val
	}
	return byCode
}

// card scores the template's lines from checked values.
func (s *Scorer) card(byCode map[string]Value) (Card, error) {
	tpl, lib := s.tpl, s.lib
	card := Card{Template: tpl.Code, Lines: make([]Line, 0, len(tpl.Lines))}
	for i, tl := range tpl.Lines {
		ind, _ := lib.Get(tl.Indicator) // validated
		line := Line{Indicator: ind.Code, Name: ind.Name, Dimension: ind.Dimension, Part: tl.Part,
			Weight: tl.Weight, Unit: ind.Unit, Rule: s.rules[i]}
		val, ok := byCode[ind.Code]
		switch {
		case ok:
			sc, err := ind.Score(val.Value, tl.Weight)
			if err != nil {
				return Card{}, fmt.Errorf("scoring: indicator %s: %w", ind.Code, err)
			}
			line.Status, line.Value, line.Source, line.Score = StatusScored, val.Value, val.Source, sc
		case ind.Source == indicator.SourceManual:
			line.Status = StatusAwaiting
			line.Score = indicator.Score{Band: -1, Detail: "awaiting manual entry → 0 points for now; the run cannot close until it is entered"}
			card.Pending = append(card.Pending, ind.Code)
		default:
			line.Status = StatusNoValue
			line.Score = indicator.Score{Band: -1, Detail: fmt.Sprintf("no value (%s) → 0 points", ind.Source)}
		}
		card.Lines = append(card.Lines, line)
	}
	sum := num.Zero()
	for _, p := range template.Parts() {
		pt := PartTotal{Part: p, Weight: num.Zero(), Points: num.Zero()}
		for _, l := range card.Lines {
			if l.Part != p {
				continue
			}
			var err error
			if pt.Weight, err = pt.Weight.Add(l.Weight); err == nil {
				pt.Points, err = pt.Points.Add(l.Points())
			}
			if err != nil {
				return Card{}, fmt.Errorf("scoring: part %s: %w", p, err)
			}
		}
		var err error
		if sum, err = sum.Add(pt.Points); err != nil {
			return Card{}, fmt.Errorf("scoring: total: %w", err)
		}
		card.Parts = append(card.Parts, pt)
	}
	card.Sum = sum
	card.Total = num.Fixed(num.Clamp(sum, num.Zero(), num.Hundred()), 2)
	return card, nil
}
