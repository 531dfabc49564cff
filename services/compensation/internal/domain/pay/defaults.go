package pay

import (
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/formula"
)

// DefaultEffective is when the default configuration applies from: before
// any month a payroll is run for.
var DefaultEffective = civil.MustParse("2000-01-01")

// Default is the configuration a fresh install starts with (DOMAIN.md §5
// and §7): S = 6,000.00; the pay table of the three default ladders (sales
// ladder 初级 = S, 助理 = 0.8 S …); the business-profit bonus with the rates
// and coefficients of worked example 1; base pay less conduct deductions,
// never below zero; performance pay = coefficient × standard; a management
// allowance for supervisors; a daily wage for trainees; commission on loan
// contracts once 80 % is collected.
func Default() Config {
	d := money.MustParseDecimal
	rate := func(ladder, level, band, base, perf string) GradeRate {
		return GradeRate{Ladder: ladder, Level: level, Band: band, Base: d(base), Performance: d(perf)}
	}
	par := func(name string, u formula.Unit, value, doc string) Parameter {
		return Parameter{Name: name, Unit: u, Value: d(value), Description: doc}
	}
	return Config{
		Effective:   DefaultEffective,
		Revision:    1,
		Description: "默认薪酬方案 (default pay configuration)",
		Standard:    money.FromFen(600000),
		GradeRates: []GradeRate{
			// Sales ladder (营销序列): 初级 = S, 助理 = 0.8 S; the supervisor track.
			rate("sales", "ASSISTANT", "", "0.8", "0.4"),
			rate("sales", "JUNIOR", "", "1.0", "0.5"),
			rate("sales", "MIDDLE", "", "1.3", "0.65"),
			rate("sales", "SENIOR", "", "1.6", "0.8"),
			rate("sales", "SPECIAL", "", "2.0", "1.0"),
			rate("sales", "PRINCIPAL", "", "2.5", "1.25"),
			rate("sales", "SUP1", "", "1.5", "0.75"),
			rate("sales", "SUP2", "", "1.8", "0.9"),
			rate("sales", "SUP3", "", "2.2", "1.1"),
			// Bank ladder (银行客户经理等级): 见习 … 高级.
			rate("bank", "T", "", "0.7", "0.3"),
			rate("bank", "L4", "", "1.0", "0.5"),
			rate("bank", "L3", "", "1.2", "0.6"),
			rate("bank", "L2", "", "1.5", "0.75"),
			rate("bank", "L1", "", "1.8", "0.9"),
			rate("bank", "SR", "", "2.2", "1.1"),
			// 三级九档: band A highest.
			rate("three-levels-nine-bands", "JUNIOR", "C", "0.9", "0.45"),
			rate("three-levels-nine-bands", "JUNIOR", "B", "1.0", "0.5"),
			rate("three-levels-nine-bands", "JUNIOR", "A", "1.1", "0.55"),
			rate("three-levels-nine-bands", "MIDDLE", "C", "1.2", "0.6"),
			rate("three-levels-nine-bands", "MIDDLE", "B", "1.35", "0.675"),
			rate("three-levels-nine-bands", "MIDDLE", "A", "1.5", "0.75"),
			rate("three-levels-nine-bands", "SENIOR", "C", "1.7", "0.85"),
			rate("three-levels-nine-bands", "SENIOR", "B", "1.9", "0.95"),
			rate("three-levels-nine-bands", "SENIOR", "A", "2.1", "1.05"),
		},
		Parameters: []Parameter{
			par("IL", formula.UnitRate, "0.0280", "internal transfer price paid for deposits (annual, 2.80 %)"),
			par("IC", formula.UnitRate, "0.0150", "deposit interest cost rate (annual, 1.50 %)"),
			par("IA", formula.UnitRate, "0.0435", "loan interest rate (annual, 4.35 %)"),
			par("IB", formula.UnitRate, "0.0280", "internal transfer price charged for loan funds (annual, 2.80 %)"),
			par("P", formula.UnitNumber, "0.02", "deposit bonus coefficient"),
			par("Q", formula.UnitNumber, "0.03", "loan bonus coefficient"),
			par("N", formula.UnitNumber, "1.0", "loan-quality coefficient (five-category classification)"),
			par("K", formula.UnitNumber, "0.5", "expense coefficient"),
			par("management_allowance", formula.UnitMoney, "1000.00", "管理津贴 of a supervisor per month"),
			par("other_allowance", formula.UnitMoney, "500.00", "通讯交通补贴 per month"),
			par("daily_wage", formula.UnitMoney, "200.00", "见习日薪: a trainee's wage per day worked"),
		},
		Components: []Component{
			{Code: "BASE", Name: "基本报酬", Kind: Earning, Eligibility: NonTrainees,
				Formula: "max(base_standard * region_coefficient - conduct_deductions, 0)"},
			{Code: "PERFORMANCE", Name: "绩效报酬", Kind: Earning, Eligibility: NonTrainees,
				Formula: "coefficient * performance_standard"},
			{Code: "BUSINESS_BONUS", Name: "业务奖金", Kind: Earning, Eligibility: NonTrainees,
				Formula: formula.DefaultBusinessBonus},
			{Code: "MANAGEMENT_ALLOWANCE", Name: "管理津贴", Kind: Earning, Eligibility: Supervisors,
				Formula: "management_allowance"},
			{Code: "OTHER_ALLOWANCE", Name: "通讯交通补贴", Kind: Earning, Eligibility: NonTrainees,
				Formula: "other_allowance"},
			{Code: "TRAINEE_WAGE", Name: "见习日薪", Kind: Earning, Eligibility: Trainees,
				Formula: "daily_wage * days_worked"},
		},
		CommissionRules: []CommissionRule{
			{Code: "LOAN_CONTRACT", Name: "贷款合同提成", Rate: d("0.002"), Threshold: d("0.8")},
		},
		SupervisorPosts:  []string{"营销团队主管", "客户经理主管", "市场经理"},
		SupervisorLevels: []string{"sales/SUP1", "sales/SUP2", "sales/SUP3"},
	}
}
