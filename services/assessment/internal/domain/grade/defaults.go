package grade

import (
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/internal/num"
)

// Measures used by the default policies of the bank ladder and 三级九档.
// The service fills [Candidate.Values] with them.
const (
	// MeasureAnnualScore is the annual overall score, 0–100 (scoring.AnnualOverall).
	MeasureAnnualScore = "annual_score"
	// MeasureAdditionalScore is the additional-assessment score of a
	// promotion candidate, 0–100 (scoring.AdditionalScore).
	MeasureAdditionalScore = "additional_score"
	// MeasureMonthsAtGrade is the number of whole months at the current grade.
	MeasureMonthsAtGrade = "months_at_grade"
	// MeasureDepositDailyAvg is the year's average daily deposit balance managed, CNY.
	MeasureDepositDailyAvg = "deposit_daily_avg"
	// MeasureComplianceBreaches is the number of compliance breaches in the year.
	MeasureComplianceBreaches = "compliance_breaches"
)

// BankPolicy returns the default policy of the bank ladder ([BankLadder]),
// decided on the annual assessment. Every grade above 见习 has five
// promotion indicators:
//
//	annual_score ≥ 85, additional_score ≥ 80, months_at_grade ≥ 12,
//	compliance_breaches ≤ 0, deposit_daily_avg ≥ the grade's deposit target
//
// and three maintenance indicators:
//
//	annual_score ≥ 60, compliance_breaches ≤ 0,
//	deposit_daily_avg ≥ half the grade's deposit target
//
// with deposit targets (CNY) 四级 5,000,000.00; 三级 10,000,000.00; 二级
// 20,000,000.00; 一级 40,000,000.00; 高级 80,000,000.00. 见习 (trainee) has
// no maintenance indicators: its end is the roster's probation. No quotas;
// a new CM skips the first period. All are defaults the bank configures.
func BankPolicy() Policy {
	d := money.MustParseDecimal
	targets := map[string]string{"L4": "5000000.00", "L3": "10000000.00", "L2": "20000000.00", "L1": "40000000.00", "SR": "80000000.00"}
	p := Policy{Ladder: BankLadder(), MinQuotaPopulation: DefaultMinQuotaPopulation, NewHireSkipsFirstPeriod: true}
	for _, s := range p.Ladder.Steps {
		target, ok := targets[s.Level]
		if !ok {
			continue
		}
		half, _ := d(target).Quo(num.Int(2)) // exact: the targets are even
		half = num.Fixed(half, 2)
		p.Requirements = append(p.Requirements, GradeRequirements{
			Grade: s.Grade,
			Promotion: []Requirement{
				{Measure: MeasureAnnualScore, Name: "年度考核得分 (annual score)", Op: AtLeast, Threshold: d("85")},
				{Measure: MeasureAdditionalScore, Name: "附加考核得分 (additional assessment)", Op: AtLeast, Threshold: d("80")},
				{Measure: MeasureMonthsAtGrade, Name: "任现职月数 (months at grade)", Op: AtLeast, Threshold: d("12")},
				{Measure: MeasureComplianceBreaches, Name: "违规违纪次数 (compliance breaches)", Op: AtMost, Threshold: d("0")},
				{Measure: MeasureDepositDailyAvg, Name: "存款日均余额 (deposit daily average)", Op: AtLeast, Threshold: d(target)},
			},
			Maintenance: []Requirement{
				{Measure: MeasureAnnualScore, Name: "年度考核得分 (annual score)", Op: AtLeast, Threshold: d("60")},
				{Measure: MeasureComplianceBreaches, Name: "违规违纪次数 (compliance breaches)", Op: AtMost, Threshold: d("0")},
				{Measure: MeasureDepositDailyAvg, Name: "存款日均余额 (deposit daily average)", Op: AtLeast, Threshold: half},
			},
		})
	}
	return p
}

// ThreeLevelsNineBandsPolicy returns the default policy of 三级九档
// ([ThreeLevelsNineBands]), decided on the annual assessment:
//
//   - promotion to any band: annual_score ≥ 85 and months_at_grade ≥ 12;
//     to the first band of a level (中级C, 高级C) also additional_score ≥ 80;
//   - maintenance of every band: annual_score ≥ 60;
//   - quotas after the target distribution of DOMAIN.md §3: 高级 at most
//     10 %, 中级 at most 60 % of the CMs assessed together (初级, the lowest
//     level, takes the rest), applied from 10 CMs up;
//   - a new CM skips the first period.
func ThreeLevelsNineBandsPolicy() Policy {
	d := money.MustParseDecimal
	p := Policy{
		Ladder: ThreeLevelsNineBands(),
		Quotas: []Quota{
			{Level: "SENIOR", Share: d("0.10")},
			{Level: "MIDDLE", Share: d("0.60")},
		},
		MinQuotaPopulation:      DefaultMinQuotaPopulation,
		NewHireSkipsFirstPeriod: true,
	}
	for i, s := range p.Ladder.Steps {
		r := GradeRequirements{Grade: s.Grade, Maintenance: []Requirement{
			{Measure: MeasureAnnualScore, Name: "年度考核得分 (annual score)", Op: AtLeast, Threshold: d("60")},
		}}
		if i > 0 {
			r.Promotion = []Requirement{
				{Measure: MeasureAnnualScore, Name: "年度考核得分 (annual score)", Op: AtLeast, Threshold: d("85")},
				{Measure: MeasureMonthsAtGrade, Name: "任现职月数 (months at grade)", Op: AtLeast, Threshold: d("12")},
			}
			if p.Ladder.Steps[i-1].Level != s.Level {
				r.Promotion = append(r.Promotion, Requirement{Measure: MeasureAdditionalScore, Name: "附加考核得分 (additional assessment)", Op: AtLeast, Threshold: d("80")})
			}
		}
		p.Requirements = append(p.Requirements, r)
	}
	return p
}
