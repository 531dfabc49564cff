package scoring

import (
	"fmt"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/internal/num"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// MaxCoefficient is the largest performance coefficient a table may give.
const MaxCoefficient = 5

// CoefficientBand is one row of a coefficient table: monthly totals from
// From (inclusive) up to the next band's From (exclusive) earn Coefficient.
// The last band runs to 100.
type CoefficientBand struct {
	From        money.Decimal `json:"from"`
	Coefficient money.Decimal `json:"coefficient"`
}

// CoefficientTable turns a monthly total into the performance coefficient
// (绩效系数) compensation multiplies performance pay by.
type CoefficientTable struct {
	// Bands in increasing order of From; the first starts at 0.
	Bands []CoefficientBand `json:"bands"`
}

// DefaultCoefficientTable returns the table shipped with a fresh install,
// a default the bank configures:
//
//	monthly total   coefficient
//	90 and above    1.2
//	80 to < 90      1.0
//	70 to < 80      0.9
//	60 to < 70      0.8
//	below 60        0.6
func DefaultCoefficientTable() CoefficientTable {
	d := money.MustParseDecimal
	return CoefficientTable{Bands: []CoefficientBand{
		{From: d("0"), Coefficient: d("0.6")},
		{From: d("60"), Coefficient: d("0.8")},
		{From: d("70"), Coefficient: d("0.9")},
		{From: d("80"), Coefficient: d("1.0")},
		{From: d("90"), Coefficient: d("1.2")},
	}}
}

// Validate checks the table: at least one band; the first starts at 0;
// each starts above the previous one and at most at 100; coefficients are
// from 0 to [MaxCoefficient] and never fall as the total rises.
func (t CoefficientTable) Validate() error {
	var v violation.List
	if len(t.Bands) == 0 {
		v.Add("bands", "give at least one band")
		return v.Err()
	}
	if t.Bands[0].From.Sign() != 0 {
		v.Add("bands[0].from", "must be 0 (it is %s) so that every total has a coefficient", t.Bands[0].From)
	}
	for i, b := range t.Bands {
		at := violation.Index("bands", i)
		if b.From.Cmp(num.Hundred()) > 0 {
			v.Add(at+".from", "%s is above 100, the highest total", b.From)
		}
		if b.Coefficient.Sign() < 0 || b.Coefficient.Cmp(num.Int(MaxCoefficient)) > 0 {
			v.Add(at+".coefficient", "must be from 0 to %d (it is %s)", MaxCoefficient, b.Coefficient)
		}
		if i == 0 {
			continue
		}
		prev := t.Bands[i-1]
		if b.From.Cmp(prev.From) <= 0 {
			v.Add(at+".from", "%s must be above the previous band's from (%s)", b.From, prev.From)
		}
		if b.Coefficient.Cmp(prev.Coefficient) < 0 {
			v.Add(at+".coefficient", "%s is below the previous band's %s: a higher total must not earn a lower coefficient", b.Coefficient, prev.Coefficient)
		}
	}
	return v.Err()
}

// Coefficient is the performance coefficient of a monthly total.
type Coefficient struct {
	Value money.Decimal `json:"value"`
	// Band is the index of the band that applied.
	Band   int    `json:"band"`
	Detail string `json:"detail"`
}

// Coefficient returns the coefficient for a monthly total, which must be
// from 0 to 100; use the rounded [Card.Total], so that the coefficient
// matches the score the CM sees. An invalid table or total is an error
// wrapping [ErrInvalid].
func (t CoefficientTable) Coefficient(total money.Decimal) (Coefficient, error) {
	if err := t.Validate(); err != nil {
		return Coefficient{}, err
	}
	if total.Sign() < 0 || total.Cmp(num.Hundred()) > 0 {
		return Coefficient{}, violation.New("total", "must be from 0 to 100 (it is %s)", total)
	}
	i := 0
	for j, b := range t.Bands {
		if total.Cmp(b.From) >= 0 {
			i = j
		}
	}
	b := t.Bands[i]
	upper := "100"
	if i+1 < len(t.Bands) {
		upper = "below " + t.Bands[i+1].From.String()
	}
	return Coefficient{Value: b.Coefficient, Band: i,
		Detail: fmt.Sprintf("total %s is in the band from %s to %s → coefficient %s", total, b.From, upper, b.Coefficient)}, nil
}
