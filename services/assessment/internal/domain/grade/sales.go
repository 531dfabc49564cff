package grade

import (
	"fmt"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// Measures of the sales-ladder requirements, over the assessment quarter.
// The service fills [Candidate.Values] and [Candidate.Flags] with them.
const (
	MeasurePremium            = "premium"              // premium written (保费), CNY
	MeasureBranchActivityRate = "branch_activity_rate" // branch activity rate (营业部活动率), percent
	MeasureRegularPremium     = "regular_premium"      // regular premium (期缴保费), CNY
	MeasureRenewalRate        = "renewal_rate"         // renewal rate (继续率), percent
	MeasureQualityScore       = "quality_score"        // quality score (品质分)
	MeasurePartTimeTrainer    = "part_time_trainer"    // flag: qualified as part-time trainer (兼职讲师)
)

// SalesRow is one row of the sales-ladder indicator table of DOMAIN.md §4:
// to be promoted to, or to stay at, the row's grade, a CM meets every
// column. The premium columns are multiples of P, the base premium target,
// and the regular-premium column a multiple of q, the base regular-premium
// target; the institution configures P and q. A nil column has no
// requirement ("—" in the table).
type SalesRow struct {
	Level string `json:"level"`
	// PromotionPremium and MaintenancePremium are multiples of P.
	PromotionPremium   money.Decimal `json:"promotionPremium"`
	MaintenancePremium money.Decimal `json:"maintenancePremium"`
	// BranchActivityRate, RenewalRate: at least this percentage (85 is 85 %).
	BranchActivityRate *money.Decimal `json:"branchActivityRate,omitempty"`
	// RegularPremium is a multiple of q.
	RegularPremium *money.Decimal `json:"regularPremium,omitempty"`
	RenewalRate    *money.Decimal `json:"renewalRate,omitempty"`
	// QualityScore: at least this quality score.
	QualityScore *money.Decimal `json:"qualityScore,omitempty"`
	// PartTimeTrainer: the CM must be qualified as a part-time trainer.
	PartTimeTrainer bool `json:"partTimeTrainer"`
}

// SalesTable is the sales-ladder indicator table, one row per grade.
type SalesTable []SalesRow

// DefaultSalesTable returns the table of DOMAIN.md §4 (from the insurance
// seed), highest grade first:
//
//	grade          promotion  maintenance  activity  regular  renewal  quality  qualification
//	资深 PRINCIPAL   5 P        4.5 P        ≥ 85 %    1.8 q    ≥ 90 %   ≥ 85     part-time trainer
//	特级 SPECIAL     4 P        3.5 P        ≥ 85 %    1.5 q    ≥ 90 %   ≥ 85     part-time trainer
//	高级 SENIOR      3 P        2.8 P        ≥ 85 %    1.2 q    ≥ 85 %   ≥ 85     part-time trainer
//	中级 MIDDLE      2 P        1.8 P        ≥ 80 %    q        —        ≥ 85     —
//	初级 JUNIOR      P          1 P          —         —        —        ≥ 80     —
//
// 助理 ASSISTANT, the lowest grade, has no row: it is always maintained and
// cannot be reached by promotion.
func DefaultSalesTable() SalesTable {
	d := money.MustParseDecimal
	p := func(s string) *money.Decimal { v := d(s); return &v }
	return SalesTable{
		{Level: "PRINCIPAL", PromotionPremium: d("5"), MaintenancePremium: d("4.5"), BranchActivityRate: p("85"), RegularPremium: p("1.8"), RenewalRate: p("90"), QualityScore: p("85"), PartTimeTrainer: true},
		{Level: "SPECIAL", PromotionPremium: d("4"), MaintenancePremium: d("3.5"), BranchActivityRate: p("85"), RegularPremium: p("1.5"), RenewalRate: p("90"), QualityScore: p("85"), PartTimeTrainer: true},
		{Level: "SENIOR", PromotionPremium: d("3"), MaintenancePremium: d("2.8"), BranchActivityRate: p("85"), RegularPremium: p("1.2"), RenewalRate: p("85"), QualityScore: p("85"), PartTimeTrainer: true},
		{Level: "MIDDLE", PromotionPremium: d("2"), MaintenancePremium: d("1.8"), BranchActivityRate: p("80"), RegularPremium: p("1"), QualityScore: p("85")},
		{Level: "JUNIOR", PromotionPremium: d("1"), MaintenancePremium: d("1"), QualityScore: p("80")},
	}
}

// Requirements builds the promotion and maintenance indicators of every
// row for base premium target p and base regular-premium target q (both
// CNY, above zero): premium thresholds are the row's multiples of p, the
// regular-premium threshold its multiple of q, computed exactly. Promotion
// and maintenance differ only in the premium threshold. The result is in
// table order.
func (t SalesTable) Requirements(p, q money.Decimal) ([]GradeRequirements, error) {
	var v violation.List
	if p.Sign() <= 0 {
		v.Add("p", "the base premium target must be above zero (it is %s)", p)
	}
	if q.Sign() <= 0 {
		v.Add("q", "the base regular-premium target must be above zero (it is %s)", q)
	}
	for i, row := range t {
		at := violation.Index("rows", i)
		if row.Level == "" {
			v.Add(at+".level", "must not be empty")
		}
		if row.PromotionPremium.Sign() <= 0 || row.MaintenancePremium.Sign() <= 0 {
			v.Add(at, "premium multiples must be above zero")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	out := make([]GradeRequirements, 0, len(t))
	for _, row := range t {
		promo, err := row.PromotionPremium.Mul(p)
		if err != nil {
			return nil, fmt.Errorf("grade: sales row %s: %w", row.Level, err)
		}
		maint, err := row.MaintenancePremium.Mul(p)
		if err != nil {
			return nil, fmt.Errorf("grade: sales row %s: %w", row.Level, err)
		}
		var common []Requirement
		if row.BranchActivityRate != nil {
			common = append(common, Requirement{Measure: MeasureBranchActivityRate, Name: "营业部活动率 (branch activity rate, %)", Op: AtLeast, Threshold: *row.BranchActivityRate})
		}
		if row.RegularPremium != nil {
			reg, err := row.RegularPremium.Mul(q)
			if err != nil {
				return nil, fmt.Errorf("grade: sales row %s: %w", row.Level, err)
			}
			common = append(common, Requirement{Measure: MeasureRegularPremium, Name: "期缴保费 (regular premium)", Op: AtLeast, Threshold: reg})
		}
		if row.RenewalRate != nil {
			common = append(common, Requirement{Measure: MeasureRenewalRate, Name: "继续率 (renewal rate, %)", Op: AtLeast, Threshold: *row.RenewalRate})
		}
		if row.QualityScore != nil {
			common = append(common, Requirement{Measure: MeasureQualityScore, Name: "品质分 (quality score)", Op: AtLeast, Threshold: *row.QualityScore})
		}
		if row.PartTimeTrainer {
			common = append(common, Requirement{Measure: MeasurePartTimeTrainer, Name: "兼职讲师资格 (part-time trainer)", Op: Holds})
		}
		premium := func(th money.Decimal) Requirement {
			return Requirement{Measure: MeasurePremium, Name: "保费 (premium)", Op: AtLeast, Threshold: th}
		}
		out = append(out, GradeRequirements{
			Grade:       Grade{Level: row.Level},
			Promotion:   append([]Requirement{premium(promo)}, common...),
			Maintenance: append([]Requirement{premium(maint)}, common...),
		})
	}
	return out, nil
}

// SalesPolicy returns the policy of the sales ladder ([SalesLadder]) with
// the indicators of table for p and q (see [SalesTable.Requirements]), no
// quotas, and a new CM skipping the first period. Sales-ladder grades are
// decided quarterly (scoring.QuarterAssessedIn).
func SalesPolicy(table SalesTable, p, q money.Decimal) (Policy, error) {
	reqs, err := table.Requirements(p, q)
	if err != nil {
		return Policy{}, err
	}
	pol := Policy{Ladder: SalesLadder(), Requirements: reqs, MinQuotaPopulation: DefaultMinQuotaPopulation, NewHireSkipsFirstPeriod: true}
	if err := pol.Validate(); err != nil {
		return Policy{}, err
	}
	return pol, nil
}
