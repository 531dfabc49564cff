package indicator

import (
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// Library is a validated set of indicators with distinct codes, in the
// order they were given. The zero Library is empty. A Library is never
// changed after it is built and is safe for concurrent use.
type Library struct {
	list   []Indicator
	byCode map[string]int
}

// NewLibrary checks every indicator and that no code appears twice, and
// returns the library or an error wrapping [ErrInvalid] whose fields are
// prefixed with the indicator's position ("indicators[3].rule.linear.cap").
func NewLibrary(indicators []Indicator) (Library, error) {
	var v violation.List
	lib := Library{list: make([]Indicator, 0, len(indicators)), byCode: make(map[string]int, len(indicators))}
	for i, ind := range indicators {
		at := violation.Index("indicators", i)
		v.Merge(at, ind.Validate())
		if j, dup := lib.byCode[ind.Code]; dup {
			v.Add(at+".code", "%q is already the code of indicators[%d]; codes must be unique", ind.Code, j)
			continue
		}
		lib.byCode[ind.Code] = i
		lib.list = append(lib.list, ind)
	}
	if err := v.Err(); err != nil {
		return Library{}, err
	}
	return lib, nil
}

// Get returns the indicator with code.
func (l Library) Get(code string) (Indicator, bool) {
	i, ok := l.byCode[code]
	if !ok {
		return Indicator{}, false
	}
	return l.list[i], true
}

// All returns the indicators in library order (a copy).
func (l Library) All() []Indicator { return append([]Indicator(nil), l.list...) }

// Len returns the number of indicators.
func (l Library) Len() int { return len(l.list) }

// Codes of the indicators in [DefaultLibrary].
const (
	DepositDailyAvg      = "DEPOSIT_DAILY_AVG"
	LoanDailyAvg         = "LOAN_DAILY_AVG"
	NewCustomers         = "NEW_CUSTOMERS"
	IntermediateRevenue  = "INTERMEDIATE_REVENUE"
	NPLRatio             = "NPL_RATIO"
	CreditOpsRating      = "CREDIT_OPS_RATING"
	VisitPlanCompletion  = "VISIT_PLAN_COMPLETION"
	OnTimeVisitRate      = "ON_TIME_VISIT_RATE"
	DueVisitCoverage     = "DUE_VISIT_COVERAGE"
	Response24hRate      = "RESPONSE_24H_RATE"
	CustomerSatisfaction = "CUSTOMER_SATISFACTION"
	ComplianceBreaches   = "COMPLIANCE_BREACHES"
	EthicsRating         = "ETHICS_RATING"
	BasicMgmtRating      = "BASIC_MGMT_RATING"
	TeamMgmtRating       = "TEAM_MGMT_RATING"
)

// DefaultIndicators returns the indicators shipped with a fresh install,
// covering the five dimensions. Every target, cap, limit and band is a
// default the bank reconfigures:
//
//	code                   name              dimension   unit    direction  source    rule
//	DEPOSIT_DAILY_AVG      存款日均余额        business    CNY     higher     imported  linear, target 10,000,000.00, cap 1.2
//	LOAN_DAILY_AVG         贷款日均余额        business    CNY     higher     imported  linear, target 8,000,000.00, cap 1.2
//	NEW_CUSTOMERS          新增有效客户数      business    count   higher     imported  linear, target 10, cap 1.2
//	INTERMEDIATE_REVENUE   中间业务收入        business    CNY     higher     imported  linear, target 50,000.00, cap 1.2
//	NPL_RATIO              不良贷款率          credit ops  percent lower      imported  linear, target 1.5 %, cap 1.2 (target ÷ value)
//	CREDIT_OPS_RATING      信贷操作规范性评价   credit ops  score   higher     manual    rating bands
//	VISIT_PLAN_COMPLETION  拜访计划完成率      service     percent higher     visits    linear, target 100 %, cap 1
//	ON_TIME_VISIT_RATE     按时拜访率          service     percent higher     visits    linear, target 100 %, cap 1
//	DUE_VISIT_COVERAGE     应访客户覆盖率      service     percent higher     visits    linear, target 100 %, cap 1
//	RESPONSE_24H_RATE      24小时响应率        service     percent higher     visits    bands from 0/80/90/95/100 → 0/60/80/90/100 %
//	CUSTOMER_SATISFACTION  客户满意度          service     score   higher     survey    bands from 0/60/80/90/95 → 0/60/80/90/100 %
//	COMPLIANCE_BREACHES    违规违纪次数        ethics      count   lower      imported  threshold: pass if ≤ 0
//	ETHICS_RATING          职业道德评价        ethics      score   higher     manual    rating bands
//	BASIC_MGMT_RATING      基础管理工作评价    basic mgmt  score   higher     manual    rating bands
//	TEAM_MGMT_RATING       团队管理评价        basic mgmt  score   higher     manual    rating bands
//
// The rating bands, for supervisor ratings on a 0–100 scale, are: from 0 →
// 0 %, from 60 → 60 %, from 70 → 75 %, from 80 → 90 %, from 90 → 100 % of
// the weight.
func DefaultIndicators() []Indicator {
	d := money.MustParseDecimal
	linear := func(target, capRatio string) Rule {
		return Rule{Linear: &Linear{Target: d(target), Cap: d(capRatio)}}
	}
	bands := func(rows ...[3]string) Rule {
		b := make([]Band, len(rows))
		for i, r := range rows {
			b[i] = Band{From: d(r[0]), Ratio: d(r[1]), Label: r[2]}
		}
		return Rule{Banded: &Banded{Bands: b}}
	}
	rating := func() Rule {
		return bands([3]string{"0", "0", "差"}, [3]string{"60", "0.60", "合格"}, [3]string{"70", "0.75", "中"},
			[3]string{"80", "0.90", "良"}, [3]string{"90", "1", "优"})
	}
	return []Indicator{
		{Code: DepositDailyAvg, Name: "存款日均余额", Description: "average daily balance of the deposits the CM manages over the period",
			Dimension: BusinessResults, Unit: UnitCNY, Direction: HigherIsBetter, Source: SourceImported, Rule: linear("10000000.00", "1.2")},
		{Code: LoanDailyAvg, Name: "贷款日均余额", Description: "average daily balance of the loans the CM manages over the period",
			Dimension: BusinessResults, Unit: UnitCNY, Direction: HigherIsBetter, Source: SourceImported, Rule: linear("8000000.00", "1.2")},
		{Code: NewCustomers, Name: "新增有效客户数", Description: "new active customers won in the period",
			Dimension: BusinessResults, Unit: UnitCount, Direction: HigherIsBetter, Source: SourceImported, Rule: linear("10", "1.2")},
		{Code: IntermediateRevenue, Name: "中间业务收入", Description: "fee and commission (intermediate business) revenue in the period",
			Dimension: BusinessResults, Unit: UnitCNY, Direction: HigherIsBetter, Source: SourceImported, Rule: linear("50000.00", "1.2")},
		{Code: NPLRatio, Name: "不良贷款率", Description: "non-performing loans as a percentage of the loans the CM manages, at period end",
			Dimension: CreditOperations, Unit: UnitPercent, Direction: LowerIsBetter, Source: SourceImported, Rule: linear("1.5", "1.2")},
		{Code: CreditOpsRating, Name: "信贷操作规范性评价", Description: "supervisor's rating of credit operations and loan management, 0–100",
			Dimension: CreditOperations, Unit: UnitScore, Direction: HigherIsBetter, Source: SourceManual, Rule: rating()},
		{Code: VisitPlanCompletion, Name: "拜访计划完成率", Description: "planned visits done, from the visit-scheduling service",
			Dimension: ServiceQuality, Unit: UnitPercent, Direction: HigherIsBetter, Source: SourceVisits, Rule: linear("100", "1")},
		{Code: OnTimeVisitRate, Name: "按时拜访率", Description: "visits done on their scheduled day, from the visit-scheduling service",
			Dimension: ServiceQuality, Unit: UnitPercent, Direction: HigherIsBetter, Source: SourceVisits, Rule: linear("100", "1")},
		{Code: DueVisitCoverage, Name: "应访客户覆盖率", Description: "customers due a visit who were visited, from the visit-scheduling service",
			Dimension: ServiceQuality, Unit: UnitPercent, Direction: HigherIsBetter, Source: SourceVisits, Rule: linear("100", "1")},
		{Code: Response24hRate, Name: "24小时响应率", Description: "customer requests answered within 24 hours, from the visit-scheduling service",
			Dimension: ServiceQuality, Unit: UnitPercent, Direction: HigherIsBetter, Source: SourceVisits,
			Rule: bands([3]string{"0", "0", ""}, [3]string{"80", "0.60", ""}, [3]string{"90", "0.80", ""}, [3]string{"95", "0.90", ""}, [3]string{"100", "1", ""})},
		{Code: CustomerSatisfaction, Name: "客户满意度", Description: "customer satisfaction survey score, 0–100, tallied from the period's survey responses",
			Dimension: ServiceQuality, Unit: UnitScore, Direction: HigherIsBetter, Source: SourceSurvey,
			Rule: bands([3]string{"0", "0", "不满意"}, [3]string{"60", "0.60", "基本满意"}, [3]string{"80", "0.80", "较满意"}, [3]string{"90", "0.90", "满意"}, [3]string{"95", "1", "非常满意"})},
		{Code: ComplianceBreaches, Name: "违规违纪次数", Description: "compliance breaches recorded against the CM in the period",
			Dimension: ProfessionalEthics, Unit: UnitCount, Direction: LowerIsBetter, Source: SourceImported, Rule: Rule{Threshold: &Threshold{Limit: d("0")}}},
		{Code: EthicsRating, Name: "职业道德评价", Description: "supervisor's rating of professional ethics and conduct, 0–100",
			Dimension: ProfessionalEthics, Unit: UnitScore, Direction: HigherIsBetter, Source: SourceManual, Rule: rating()},
		{Code: BasicMgmtRating, Name: "基础管理工作评价", Description: "supervisor's rating of basic management work (customer files, records, reports), 0–100",
			Dimension: BasicManagementWork, Unit: UnitScore, Direction: HigherIsBetter, Source: SourceManual, Rule: rating()},
		{Code: TeamMgmtRating, Name: "团队管理评价", Description: "supervisor's rating of team work and coaching of junior CMs, 0–100",
			Dimension: BasicManagementWork, Unit: UnitScore, Direction: HigherIsBetter, Source: SourceManual, Rule: rating()},
	}
}

// DefaultLibrary returns [DefaultIndicators] as a library. It panics only
// if the shipped defaults were invalid, which the tests rule out.
func DefaultLibrary() Library {
	lib, err := NewLibrary(DefaultIndicators())
	if err != nil {
		panic("indicator: invalid default library: " + err.Error())
	}
	return lib
}
