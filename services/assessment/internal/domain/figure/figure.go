// Package figure owns the business figures other bank systems push to the
// assessment service (DOMAIN.md §4, ARCHITECTURE.md "who owns what"): per
// customer manager and per period, measures such as the daily average of the
// deposits a CM manages, the loans, intermediate-business revenue, contracts
// signed and collections. Monthly scoring reads the figures of imported
// indicators; grade decisions read the sales-ladder measures; compensation
// reads bonus inputs.
//
// A figure is identified by manager, [Period] and code. Codes are the
// [Catalogue] — a documented, fixed list — together with the code of every
// library indicator whose source is "imported" (a bank that adds such an
// indicator can import its figures at once). A catalogue code keeps its unit:
// an indicator with the same code must have the same unit ([CheckIndicator]).
//
// Values are exact decimals, checked by unit ([ParseValue]): amounts of CNY to
// the fen, counts as whole numbers, percentages (shares of a whole, in
// percentage points) from 0 to 100 with at most four decimal places, scores
// from 0 to 100 with at most two. No figure is negative: a later correction
// replaces a value, it is never offset by a negative one.
//
// Figures arrive in batches ([Batch]) that are checked as a whole: one bad
// row rejects the batch, and every problem is reported with its row
// ("rows[3].value").
package figure

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// ErrInvalid is wrapped by every validation error of this package; it is
// [violation.ErrInvalid].
var ErrInvalid = violation.ErrInvalid

// Code describes one kind of figure.
type Code struct {
	// Code identifies the figure, as indicator codes do ("DEPOSIT_DAILY_AVG").
	Code string
	// Name is the figure's name for people.
	Name string
	Unit indicator.Unit
	// Measure is the grade-decision measure the figure supplies (package
	// grade, e.g. "premium"), or "".
	Measure string
	// Description says what is counted, over which period.
	Description string
}

// Codes of the catalogue that are not indicators of the default library.
const (
	ContractsSigned    = "CONTRACTS_SIGNED"
	Collections        = "COLLECTIONS"
	Premium            = "PREMIUM"
	RegularPremium     = "REGULAR_PREMIUM"
	RenewalRate        = "RENEWAL_RATE"
	BranchActivityRate = "BRANCH_ACTIVITY_RATE"
	QualityScore       = "QUALITY_SCORE"
)

// Catalogue returns the figure codes every install accepts:
//
//	code                  name          unit     what
//	DEPOSIT_DAILY_AVG     存款日均余额   CNY      daily average balance of the CM's deposits over the period
//	LOAN_DAILY_AVG        贷款日均余额   CNY      daily average balance of the CM's loans over the period
//	NEW_CUSTOMERS         新增有效客户数 count    new active customers won in the period
//	INTERMEDIATE_REVENUE  中间业务收入   CNY      fee and commission revenue in the period
//	NPL_RATIO             不良贷款率     percent  non-performing share of the CM's loans at period end
//	COMPLIANCE_BREACHES   违规违纪次数   count    compliance breaches recorded in the period
//	CONTRACTS_SIGNED      签约合同数     count    contracts signed in the period
//	COLLECTIONS           回款金额       CNY      amounts collected (repayments, recoveries) in the period
//	PREMIUM               保费           CNY      premium written in the period (sales ladder: premium)
//	REGULAR_PREMIUM       期缴保费       CNY      regular premium written (sales ladder: regular_premium)
//	RENEWAL_RATE          继续率         percent  policies renewed (sales ladder: renewal_rate)
//	BRANCH_ACTIVITY_RATE  营业部活动率   percent  branch activity rate (sales ladder: branch_activity_rate)
//	QUALITY_SCORE         品质分         score    quality score, 0–100 (sales ladder: quality_score)
//
// The first six are the imported indicators of [indicator.DefaultIndicators].
func Catalogue() []Code {
	return []Code{
		{Code: indicator.DepositDailyAvg, Name: "存款日均余额", Unit: indicator.UnitCNY,
			Description: "daily average balance of the deposits the CM manages over the period"},
		{Code: indicator.LoanDailyAvg, Name: "贷款日均余额", Unit: indicator.UnitCNY,
			Description: "daily average balance of the loans the CM manages over the period"},
		{Code: indicator.NewCustomers, Name: "新增有效客户数", Unit: indicator.UnitCount,
			Description: "new active customers won in the period"},
		{Code: indicator.IntermediateRevenue, Name: "中间业务收入", Unit: indicator.UnitCNY,
			Description: "fee and commission (intermediate business) revenue in the period"},
		{Code: indicator.NPLRatio, Name: "不良贷款率", Unit: indicator.UnitPercent,
			Description: "non-performing loans as a percentage of the loans the CM manages, at period end"},
		{Code: indicator.ComplianceBreaches, Name: "违规违纪次数", Unit: indicator.UnitCount,
			Description: "compliance breaches recorded against the CM in the period"},
		{Code: ContractsSigned, Name: "签约合同数", Unit: indicator.UnitCount,
			Description: "contracts signed with customers in the period"},
		{Code: Collections, Name: "回款金额", Unit: indicator.UnitCNY,
			Description: "amounts collected in the period: repayments and recoveries on the CM's loans"},
		{Code: Premium, Name: "保费", Unit: indicator.UnitCNY, Measure: grade.MeasurePremium,
			Description: "premium written in the period"},
		{Code: RegularPremium, Name: "期缴保费", Unit: indicator.UnitCNY, Measure: grade.MeasureRegularPremium,
			Description: "regular (periodic-payment) premium written in the period"},
		{Code: RenewalRate, Name: "继续率", Unit: indicator.UnitPercent, Measure: grade.MeasureRenewalRate,
			Description: "policies renewed as a percentage of those due in the period"},
		{Code: BranchActivityRate, Name: "营业部活动率", Unit: indicator.UnitPercent, Measure: grade.MeasureBranchActivityRate,
			Description: "branch activity rate over the period"},
		{Code: QualityScore, Name: "品质分", Unit: indicator.UnitScore, Measure: grade.MeasureQualityScore,
			Description: "quality score over the period, 0–100"},
	}
}

// Codes is the set of figure codes accepted by one install. The zero Codes
// accepts nothing.
type Codes struct {
	byCode map[string]Code
	order  []string
}

// CodesFor returns the catalogue together with the imported indicators of lib
// (their name and unit; a catalogue entry wins over an indicator with the
// same code).
func CodesFor(lib indicator.Library) Codes {
	c := Codes{byCode: map[string]Code{}}
	add := func(x Code) {
		if _, ok := c.byCode[x.Code]; ok {
			return
		}
		c.byCode[x.Code] = x
		c.order = append(c.order, x.Code)
	}
	for _, x := range Catalogue() {
		add(x)
	}
	for _, ind := range lib.All() {
		if ind.Source == indicator.SourceImported {
			add(Code{Code: ind.Code, Name: ind.Name, Unit: ind.Unit, Description: ind.Description})
		}
	}
	return c
}

// Lookup returns the code's description.
func (c Codes) Lookup(code string) (Code, bool) {
	x, ok := c.byCode[code]
	return x, ok
}

// All returns the codes, the catalogue first, then imported indicators in
// library order.
func (c Codes) All() []Code {
	out := make([]Code, len(c.order))
	for i, code := range c.order {
		out[i] = c.byCode[code]
	}
	return out
}

// CheckIndicator checks that an indicator whose code is in the catalogue has
// the catalogue's unit, since figures of that code are read in it. The error
// names the field "unit".
func CheckIndicator(ind indicator.Indicator) error {
	for _, x := range Catalogue() {
		if x.Code == ind.Code && x.Unit != ind.Unit {
			return violation.New("unit", "%s is a business figure measured in %q; an indicator with this code must use the same unit, not %q",
				ind.Code, x.Unit, ind.Unit)
		}
	}
	return nil
}

// ParseValue reads a figure's value written as a plain decimal, checked for
// unit:
//
//   - cny: an amount to the fen (at most two decimal places), written back
//     with exactly two ("8000000" → "8000000.00");
//   - count: a whole number;
//   - percent: 0 to 100 percentage points, at most four decimal places;
//   - score: 0 to 100, at most two decimal places.
//
// None may be negative. The error says what is wrong in words for the sender.
func ParseValue(unit indicator.Unit, s string) (money.Decimal, error) {
	if strings.TrimSpace(s) == "" {
		return money.Decimal{}, fmt.Errorf("must not be empty: write the value as a plain decimal, e.g. 1234.56")
	}
	d, err := money.ParseDecimal(s)
	if err != nil {
		return money.Decimal{}, fmt.Errorf("%q is not a plain decimal number (no spaces, separators or exponents), e.g. 1234.56", s)
	}
	if d.Sign() < 0 {
		return money.Decimal{}, fmt.Errorf("%s is negative; figures are never negative (send a correction of the earlier value instead)", s)
	}
	places := 0
	if _, frac, ok := strings.Cut(s, "."); ok {
		places = len(frac)
	}
	hundred := money.DecimalFromInt(100)
	switch unit {
	case indicator.UnitCNY:
		a, err := money.ParseAmount(s)
		if err != nil {
			return money.Decimal{}, fmt.Errorf("%s is not an amount of CNY to the fen: at most two decimal places, e.g. 1234.56", s)
		}
		return a.Decimal(), nil
	case indicator.UnitCount:
		if places > 0 {
			return money.Decimal{}, fmt.Errorf("%s is not a whole number; this figure counts things", s)
		}
	case indicator.UnitPercent:
		if places > 4 {
			return money.Decimal{}, fmt.Errorf("%s has more than four decimal places; give percentage points, e.g. 1.25 for 1.25 %%", s)
		}
		if d.Cmp(hundred) > 0 {
			return money.Decimal{}, fmt.Errorf("%s is above 100; give percentage points from 0 to 100, e.g. 1.25 for 1.25 %%", s)
		}
	case indicator.UnitScore:
		if places > 2 {
			return money.Decimal{}, fmt.Errorf("%s has more than two decimal places", s)
		}
		if d.Cmp(hundred) > 0 {
			return money.Decimal{}, fmt.Errorf("%s is above 100; scores run from 0 to 100", s)
		}
	default:
		return money.Decimal{}, fmt.Errorf("unit %q is not known", unit)
	}
	return d, nil
}

// Row is one row of a batch as it was sent.
type Row struct {
	Manager string // employee number
	Period  string // YYYY-MM, YYYY-Qn or YYYY
	Code    string
	Value   string // plain decimal
}

// Figure is one checked row: a value of one code for one manager and period.
type Figure struct {
	Manager string
	Period  Period
	Code    string
	Unit    indicator.Unit
	Value   money.Decimal
}

// Key identifies a figure.
type Key struct {
	Manager, Period, Code string
}

// Key returns the figure's key, its period written with [Period.String].
func (f Figure) Key() Key { return Key{Manager: f.Manager, Period: f.Period.String(), Code: f.Code} }

// Batch is a set of figures sent together by one bank system.
type Batch struct {
	// ID identifies the batch; sending the same ID again is a retry.
	ID string
	// Source names the sending system ("core-banking", "credit").
	Source string
	Rows   []Row
}

// MaxRows is the most rows a batch may have; larger pushes are split into
// several batches.
const MaxRows = 20000

var (
	idPattern      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	managerPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// ValidManager reports whether id is written like an employee number: 1–64
// letters, digits, underscores and hyphens.
func ValidManager(id string) bool { return managerPattern.MatchString(id) }

// Check reads every row of the batch against codes and returns the figures in
// row order, or an error wrapping [ErrInvalid] that names every problem:
// "batch_id", "source", "rows" (none, or too many), and per row
// "rows[i].manager", "rows[i].period", "rows[i].code", "rows[i].value", or
// "rows[i]" for a row whose manager, period and code repeat an earlier row.
func (b Batch) Check(codes Codes) ([]Figure, error) {
	var v violation.List
	if !idPattern.MatchString(b.ID) {
		v.Add("batch_id", "%q is not a batch id: 1–128 letters, digits, dots, underscores and hyphens, starting with a letter or digit, e.g. cbs-2026-04-30-001", b.ID)
	}
	switch src := strings.TrimSpace(b.Source); {
	case src == "":
		v.Add("source", "name the system that sends the figures, e.g. core-banking")
	case utf8.RuneCountInString(b.Source) > 64:
		v.Add("source", "at most 64 characters")
	}
	switch {
	case len(b.Rows) == 0:
		v.Add("rows", "a batch has at least one row")
		return nil, v.Err()
	case len(b.Rows) > MaxRows:
		v.Add("rows", "has %d rows; a batch has at most %d: split it into several batches", len(b.Rows), MaxRows)
		return nil, v.Err()
	}
	out := make([]Figure, 0, len(b.Rows))
	seen := make(map[Key]int, len(b.Rows))
	for i, r := range b.Rows {
		at := violation.Index("rows", i)
		ok := true
		f := Figure{Manager: r.Manager, Code: r.Code}
		if !ValidManager(r.Manager) {
			v.Add(at+".manager", "%q is not an employee number", r.Manager)
			ok = false
		}
		p, err := ParsePeriod(r.Period)
		if err != nil {
			v.Add(at+".period", "%v", err)
			ok = false
		}
		f.Period = p
		code, known := codes.Lookup(r.Code)
		if !known {
			v.Add(at+".code", "%q is not a figure code; use one of the catalogue (ListFigureCodes) or an imported indicator's code", r.Code)
			ok = false
		} else {
			f.Unit = code.Unit
			if f.Value, err = ParseValue(code.Unit, r.Value); err != nil {
				v.Add(at+".value", "%v", err)
				ok = false
			}
		}
		if !ok {
			continue
		}
		if j, dup := seen[f.Key()]; dup {
			v.Add(at, "repeats rows[%d] (manager %s, period %s, code %s); a batch holds one value per figure", j, f.Manager, f.Period, f.Code)
			continue
		}
		seen[f.Key()] = i
		out = append(out, f)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
