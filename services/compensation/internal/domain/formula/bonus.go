package formula

// DefaultBusinessBonus is the default business-profit bonus of DOMAIN.md §5,
//
//	R = D·(IL − IC)·t/360·P + L·(IA − IB)·t/360·Q·N − F·K
//
// over the inputs of [DefaultBusinessBonusEnv]: a deposit part, a loan part
// and an expense part. Rates are annual fractions (2.80% is 0.0280). The
// result is not rounded; round it once, to the fen, with
// [Formula.EvalAmount].
const DefaultBusinessBonus = "D * (IL - IC) * t / 360 * P + L * (IA - IB) * t / 360 * Q * N - F * K"

// DefaultBusinessBonusEnv returns the inputs of [DefaultBusinessBonus] and
// its result unit, money.
func DefaultBusinessBonusEnv() Env {
	return Env{
		Inputs: []Input{
			{Name: "D", Unit: UnitMoney, Doc: "average daily deposit balance managed"},
			{Name: "IL", Unit: UnitRate, Doc: "internal transfer price paid for deposits (annual rate)"},
			{Name: "IC", Unit: UnitRate, Doc: "deposit interest cost rate (annual)"},
			{Name: "L", Unit: UnitMoney, Doc: "average loan balance"},
			{Name: "IA", Unit: UnitRate, Doc: "loan interest rate (annual)"},
			{Name: "IB", Unit: UnitRate, Doc: "internal transfer price charged for loan funds (annual rate)"},
			{Name: "t", Unit: UnitDays, Doc: "days in the period"},
			{Name: "P", Unit: UnitNumber, Doc: "deposit bonus coefficient"},
			{Name: "Q", Unit: UnitNumber, Doc: "loan bonus coefficient"},
			{Name: "N", Unit: UnitNumber, Doc: "loan-quality coefficient (five-category loan classification)"},
			{Name: "F", Unit: UnitMoney, Doc: "marketing expenses"},
			{Name: "K", Unit: UnitNumber, Doc: "expense coefficient"},
		},
		Result: UnitMoney,
	}
}
