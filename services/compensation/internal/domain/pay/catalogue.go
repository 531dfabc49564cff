package pay

import "github.com/rmsuite/rmsuite/services/compensation/internal/domain/formula"

// Source says where a formula input's value comes from.
type Source string

// The sources of formula inputs.
const (
	FromConfig     Source = "pay configuration"
	FromPayTable   Source = "pay table (grade as of the month's last day, from the roster)"
	FromRegion     Source = "region classes (org unit as of the month's last day, from the roster)"
	FromAssessment Source = "assessment service: performance coefficient of the month's closed run"
	FromFigures    Source = "assessment service: business figures pushed by bank systems"
	FromPayInputs  Source = "pay inputs of the month"
	FromPeriod     Source = "the month"
)

// CatalogueInput is a name every formula may use.
type CatalogueInput struct {
	formula.Input
	Source Source
	// Figure is the business figure code the value is read from, if any.
	Figure string
	// Percent: the figure is in percentage points and the input a fraction.
	Percent bool
}

// Figure codes read from the assessment service (its catalogue).
const (
	FigureDeposits    = "DEPOSIT_DAILY_AVG"
	FigureLoans       = "LOAN_DAILY_AVG"
	FigureRevenue     = "INTERMEDIATE_REVENUE"
	FigureNew         = "NEW_CUSTOMERS"
	FigureContracts   = "CONTRACTS_SIGNED"
	FigureCollections = "COLLECTIONS"
	FigureNPL         = "NPL_RATIO"
)

// Catalogue is what formulas may use besides the configuration's parameters.
// Its names are reserved: a parameter cannot take one.
func Catalogue() []CatalogueInput {
	in := func(name string, u formula.Unit, doc string, src Source) CatalogueInput {
		return CatalogueInput{Input: formula.Input{Name: name, Unit: u, Doc: doc}, Source: src}
	}
	fig := func(name string, u formula.Unit, doc, code string) CatalogueInput {
		c := in(name, u, doc, FromFigures)
		c.Figure = code
		return c
	}
	t := in("t", formula.UnitDays, "days in the month", FromPeriod)
	t.NonZero = true
	npl := fig("npl_ratio", formula.UnitRate, "non-performing share of the manager's loans at month end (NPL_RATIO)", FigureNPL)
	npl.Percent = true
	return []CatalogueInput{
		in("S", formula.UnitMoney, "base standard S of the pay configuration", FromConfig),
		in("base_standard", formula.UnitMoney, "base pay standard of the manager's grade: the pay table's base factor × S", FromPayTable),
		in("performance_standard", formula.UnitMoney, "performance-pay standard of the manager's grade: the pay table's performance factor × S", FromPayTable),
		in("region_coefficient", formula.UnitNumber, "region class coefficient of the manager's org unit (1 without a class)", FromRegion),
		in("coefficient", formula.UnitNumber, "performance coefficient of the month (monthly assessment)", FromAssessment),
		in("conduct_deductions", formula.UnitMoney, "conduct deductions of the month (日常行为规范扣款), summed", FromPayInputs),
		in("F", formula.UnitMoney, "marketing expenses of the month, summed", FromPayInputs),
		in("days_worked", formula.UnitDays, "days worked in the month", FromPayInputs),
		t,
		fig("D", formula.UnitMoney, "average daily deposit balance managed (DEPOSIT_DAILY_AVG)", FigureDeposits),
		fig("L", formula.UnitMoney, "average loan balance managed (LOAN_DAILY_AVG)", FigureLoans),
		fig("revenue", formula.UnitMoney, "intermediate-business revenue of the month (INTERMEDIATE_REVENUE)", FigureRevenue),
		fig("new_customers", formula.UnitCount, "new active customers of the month (NEW_CUSTOMERS)", FigureNew),
		fig("contracts_signed", formula.UnitCount, "contracts signed in the month (CONTRACTS_SIGNED)", FigureContracts),
		fig("collections", formula.UnitMoney, "amounts collected in the month (COLLECTIONS)", FigureCollections),
		npl,
	}
}

func catalogueByName() map[string]CatalogueInput {
	out := map[string]CatalogueInput{}
	for _, c := range Catalogue() {
		out[c.Name] = c
	}
	return out
}
