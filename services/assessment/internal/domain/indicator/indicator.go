// Package indicator owns the assessment indicators (指标库) of DOMAIN.md §4:
// what is measured, in which unit and dimension, where the value comes
// from, and how a value turns into points.
//
// An [Indicator] is a configured record, checked with [Indicator.Validate]
// when it is saved. Its [Rule] is one of three kinds:
//
//   - [Linear]: linear to a target, with a cap. Higher is better:
//     points = weight × value ÷ target, at most cap × weight and never below
//     zero. Lower is better (逆向指标, e.g. the NPL ratio): points =
//     weight × target ÷ value, at most cap × weight; a value of zero or
//     below is the best possible and earns cap × weight.
//   - [Threshold]: pass or fail. Higher is better: the full weight if
//     value ≥ limit, else 0. Lower is better: the full weight if value ≤
//     limit, else 0.
//   - [Banded]: a table of bands, each earning a fixed fraction of the
//     weight; each band runs from its From (inclusive) to the next band's
//     From (exclusive) and the last one has no upper end, so bands can
//     neither overlap nor leave gaps.
//
// Every rule yields a ratio, the fraction of the weight earned (0 to at
// most [MaxRatio]), and points = weight × ratio. The weight belongs to the
// assessment template that uses the indicator (package template), so
// [Indicator.Score] takes it as an argument. Scoring is exact decimal
// arithmetic ([money.Decimal]): nothing is rounded, except quotients, which
// carry 19 significant digits. Rounding to the reported precision happens
// once, on the total (package scoring).
//
// Values of indicators in percent are given in percentage points: 95.5
// means 95.5 %.
//
// [DefaultLibrary] is the library shipped with a fresh install; every
// number in it is a default that the bank reconfigures.
package indicator

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// ErrInvalid is wrapped by every validation error of this package; it is
// [violation.ErrInvalid], shared by all assessment domain packages.
var ErrInvalid = violation.ErrInvalid

// Dimension is what an indicator assesses: one of the five dimensions of
// DOMAIN.md §4.
type Dimension string

// The five dimensions.
const (
	BusinessResults     Dimension = "business_results"    // 业绩指标
	ProfessionalEthics  Dimension = "professional_ethics" // 职业道德
	BasicManagementWork Dimension = "basic_management"    // 基础管理工作
	CreditOperations    Dimension = "credit_operations"   // 信贷操作及管理
	ServiceQuality      Dimension = "service_quality"     // 服务质量
)

// Dimensions returns the five dimensions in the order of DOMAIN.md §4.
func Dimensions() []Dimension {
	return []Dimension{BusinessResults, ProfessionalEthics, BasicManagementWork, CreditOperations, ServiceQuality}
}

// Valid reports whether d is one of the five dimensions.
func (d Dimension) Valid() bool { return d.DisplayName() != "" }

// DisplayName returns the dimension's name for people, in Chinese with an
// English gloss, or "" for an unknown dimension.
func (d Dimension) DisplayName() string {
	switch d {
	case BusinessResults:
		return "业绩指标 (business results)"
	case ProfessionalEthics:
		return "职业道德 (professional ethics)"
	case BasicManagementWork:
		return "基础管理工作 (basic management work)"
	case CreditOperations:
		return "信贷操作及管理 (credit operations)"
	case ServiceQuality:
		return "服务质量 (service quality)"
	}
	return ""
}

// Unit is the unit an indicator's values are in.
type Unit string

// Units.
const (
	UnitCNY     Unit = "cny"     // an amount of money in yuan, e.g. a daily average balance
	UnitPercent Unit = "percent" // percentage points: 95.5 means 95.5 %
	UnitCount   Unit = "count"   // a whole number of things: customers, breaches
	UnitScore   Unit = "score"   // a rating or survey score, usually 0–100
)

// Valid reports whether u is a known unit.
func (u Unit) Valid() bool {
	switch u {
	case UnitCNY, UnitPercent, UnitCount, UnitScore:
		return true
	}
	return false
}

// Show returns v written with the unit, for explanations: "8000000.00 CNY",
// "95.5%", "3".
func (u Unit) Show(v money.Decimal) string {
	switch u {
	case UnitCNY:
		return v.String() + " CNY"
	case UnitPercent:
		return v.String() + "%"
	}
	return v.String()
}

// Direction says whether a higher or a lower value is better.
type Direction string

// Directions.
const (
	HigherIsBetter Direction = "higher_is_better"
	LowerIsBetter  Direction = "lower_is_better" // 逆向指标, e.g. the NPL ratio or breaches
)

// Valid reports whether d is a known direction.
func (d Direction) Valid() bool { return d == HigherIsBetter || d == LowerIsBetter }

// Source says where an indicator's values come from.
type Source string

// Sources.
const (
	SourceManual   Source = "manual"   // entered by a person, e.g. a supervisor's rating
	SourceImported Source = "imported" // pushed by another bank system in a batch
	SourceVisits   Source = "visits"   // computed by the visit-scheduling service
	SourceSurvey   Source = "survey"   // tallied from customer satisfaction surveys
)

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	switch s {
	case SourceManual, SourceImported, SourceVisits, SourceSurvey:
		return true
	}
	return false
}

// Indicator is one configured assessment indicator.
type Indicator struct {
	// Code identifies the indicator: upper-case letters, digits and
	// underscores, starting with a letter, at most 64 characters
	// ("DEPOSIT_DAILY_AVG").
	Code string `json:"code"`
	// Name is the indicator's name for people ("存款日均余额").
	Name string `json:"name"`
	// Description says what is measured and how, optionally.
	Description string    `json:"description,omitempty"`
	Dimension   Dimension `json:"dimension"`
	Unit        Unit      `json:"unit"`
	Direction   Direction `json:"direction"`
	Source      Source    `json:"source"`
	Rule        Rule      `json:"rule"`
}

var codePattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)

// MaxNameLength is the longest name, in characters, an indicator may have.
const MaxNameLength = 200

// Validate checks the indicator and returns an error wrapping [ErrInvalid]
// that lists every problem, each with the field it concerns (see package
// violation), or nil.
func (ind Indicator) Validate() error {
	var v violation.List
	if !codePattern.MatchString(ind.Code) {
		v.Add("code", "%q is not a valid code: use 1–64 upper-case letters, digits and underscores, starting with a letter, e.g. DEPOSIT_DAILY_AVG", ind.Code)
	}
	switch name := strings.TrimSpace(ind.Name); {
	case name == "":
		v.Add("name", "must not be empty")
	case utf8.RuneCountInString(ind.Name) > MaxNameLength:
		v.Add("name", "is longer than %d characters", MaxNameLength)
	}
	if !ind.Dimension.Valid() {
		v.Add("dimension", "%q is not a dimension; use one of %s", ind.Dimension, quoteAll(Dimensions()))
	}
	if !ind.Unit.Valid() {
		v.Add("unit", "%q is not a unit; use one of %s", ind.Unit, quoteAll([]Unit{UnitCNY, UnitPercent, UnitCount, UnitScore}))
	}
	if !ind.Direction.Valid() {
		v.Add("direction", "%q is not a direction; use %q or %q", ind.Direction, HigherIsBetter, LowerIsBetter)
	}
	if !ind.Source.Valid() {
		v.Add("source", "%q is not a source; use one of %s", ind.Source, quoteAll([]Source{SourceManual, SourceImported, SourceVisits, SourceSurvey}))
	}
	v.Merge("rule", ind.Rule.Validate(ind.Direction))
	return v.Err()
}

// Score turns a value of the indicator into points out of weight, the
// indicator's weight in a template, with an explanation. See [Rule.Score].
func (ind Indicator) Score(value, weight money.Decimal) (Score, error) {
	return ind.Rule.Score(ind.Direction, value, weight)
}

// Describe returns the indicator's rule for people, with its unit, e.g.
// "linear to target 10000000.00 CNY, capped at 120% of the weight".
func (ind Indicator) Describe() string { return ind.Rule.Describe(ind.Direction, ind.Unit) }

func quoteAll[T ~string](xs []T) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = `"` + string(x) + `"`
	}
	return strings.Join(q, ", ")
}
