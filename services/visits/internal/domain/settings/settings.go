// Package settings holds how a bank runs visits: the daily cap on on-site visits,
// how far a check-in may be from the customer, the safety-stock factors, and the
// checklist of steps for each kind of customer; and the rules a visit record is
// checked against (check-in distance, missing steps, safety stock).
package settings

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/route"
)

// ErrInvalid marks settings or a record that break a rule (InvalidArgument).
var ErrInvalid = errors.New("invalid")

// Customer kinds a checklist may be for; "" is the list for every other kind.
var Kinds = []string{"RETAIL_OUTLET", "INDIVIDUAL", "CORPORATE"}

// Step is one step of a visit.
type Step struct {
	Code     string `json:"code"`
	Title    string `json:"title,omitempty"`
	Required bool   `json:"required,omitempty"`
}

// Checklist is the steps of a visit to one kind of customer.
type Checklist struct {
	CustomerKind string `json:"customerKind,omitempty"`
	Steps        []Step `json:"steps"`
}

// Settings are the visit settings.
type Settings struct {
	DailyCap            int           `json:"dailyCap"`
	CheckInRadiusMeters int           `json:"checkInRadiusMeters"`
	RegularFactor       money.Decimal `json:"regularSafetyFactor"`
	HighMarginFactor    money.Decimal `json:"highMarginSafetyFactor"`
	Checklists          []Checklist   `json:"checklists"`
	Revision            int64         `json:"-"`
}

// Etag is the settings' version for optimistic concurrency.
func (s Settings) Etag() string { return `W/"` + strconv.FormatInt(s.Revision, 10) + `"` }

// Defaults: DOMAIN.md §6 (the 135 method's steps ask, look, introduce, record;
// safety stock × 1.2 regular, × 1.3 high-margin), and a daily cap of 8 on-site
// visits.
const (
	DefaultDailyCap      = 8
	DefaultCheckInRadius = 500
)

// Default is the settings before anyone saves them.
func Default() Settings {
	ask := Step{Code: "ask", Title: "问：问候，了解近期经营与销售情况 (greet, ask about recent sales)", Required: true}
	look := Step{Code: "look", Title: "看：库存、陈列、价签是否齐全相符、有无违规商品 (stock, display, price tags, illegal goods)", Required: true}
	intro := Step{Code: "introduce", Title: "介：宣传政策、新品与货源 (policies, new products, supply)", Required: true}
	record := Step{Code: "record", Title: "记：记录发现、需求、投诉与下一步 (record findings, needs, complaints, next steps)", Required: true}
	return Settings{
		DailyCap: DefaultDailyCap, CheckInRadiusMeters: DefaultCheckInRadius,
		RegularFactor: money.MustParseDecimal("1.2"), HighMarginFactor: money.MustParseDecimal("1.3"),
		Checklists: []Checklist{
			{CustomerKind: "", Steps: []Step{ask, intro, record}},
			{CustomerKind: "RETAIL_OUTLET", Steps: []Step{ask, look, intro, record}},
		},
	}
}

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Validate checks the settings; the error names the field.
func (s Settings) Validate() error {
	if s.DailyCap < 1 || s.DailyCap > 20 {
		return fmt.Errorf("%w: daily_cap: 1 to 20 on-site visits a day, not %d", ErrInvalid, s.DailyCap)
	}
	if s.CheckInRadiusMeters < 10 || s.CheckInRadiusMeters > 100000 {
		return fmt.Errorf("%w: check_in_radius_meters: 10 to 100000, not %d", ErrInvalid, s.CheckInRadiusMeters)
	}
	one, three := money.MustParseDecimal("1"), money.MustParseDecimal("3")
	for _, f := range []struct {
		field string
		v     money.Decimal
	}{{"regular_safety_factor", s.RegularFactor}, {"high_margin_safety_factor", s.HighMarginFactor}} {
		if f.v.Cmp(one) < 0 || f.v.Cmp(three) > 0 {
			return fmt.Errorf("%w: %s: between 1 and 3, not %s", ErrInvalid, f.field, f.v)
		}
	}
	if len(s.Checklists) > 10 {
		return fmt.Errorf("%w: checklists: at most 10", ErrInvalid)
	}
	kinds := map[string]bool{}
	for i, c := range s.Checklists {
		field := fmt.Sprintf("checklists[%d]", i)
		if c.CustomerKind != "" && !slices.Contains(Kinds, c.CustomerKind) {
			return fmt.Errorf("%w: %s.customer_kind: one of %v or empty, not %q", ErrInvalid, field, Kinds, c.CustomerKind)
		}
		if kinds[c.CustomerKind] {
			return fmt.Errorf("%w: %s.customer_kind: a second list for %q", ErrInvalid, field, c.CustomerKind)
		}
		kinds[c.CustomerKind] = true
		if len(c.Steps) == 0 || len(c.Steps) > 20 {
			return fmt.Errorf("%w: %s.steps: 1 to 20 steps", ErrInvalid, field)
		}
		codes := map[string]bool{}
		for j, st := range c.Steps {
			if !codeRE.MatchString(st.Code) {
				return fmt.Errorf("%w: %s.steps[%d].code: lower-case letters, digits and _, starting with a letter, e.g. ask; got %q", ErrInvalid, field, j, st.Code)
			}
			if codes[st.Code] {
				return fmt.Errorf("%w: %s.steps[%d].code: %q appears twice", ErrInvalid, field, j, st.Code)
			}
			codes[st.Code] = true
			if len([]rune(st.Title)) > 200 {
				return fmt.Errorf("%w: %s.steps[%d].title: at most 200 characters", ErrInvalid, field, j)
			}
		}
	}
	if !kinds[""] {
		return fmt.Errorf("%w: checklists: one list must have an empty customer_kind (for every other kind)", ErrInvalid)
	}
	return nil
}

// Checklist is the list for a customer kind (the general one when the kind has none).
func (s Settings) Checklist(kind string) Checklist {
	for _, c := range s.Checklists {
		if c.CustomerKind == kind {
			return c
		}
	}
	for _, c := range s.Checklists {
		if c.CustomerKind == "" {
			return c
		}
	}
	return Checklist{}
}

// StockLine is one product line counted on a visit.
type StockLine struct {
	Product      string        `json:"product"`
	HighMargin   bool          `json:"highMargin,omitempty"`
	OnHand       money.Decimal `json:"onHand"`
	AverageSales money.Decimal `json:"averageSales"` // per order cycle
	SafetyStock  money.Decimal `json:"safetyStock"`
	BelowSafety  bool          `json:"belowSafety,omitempty"`
}

// Location is a point in WGS-84 degrees.
type Location = route.Point

// Check is what the settings say about a visit record.
type Check struct {
	DistanceMeters *int     // check-in to customer; nil when either is unknown
	Far            bool     // farther than the radius
	MissingSteps   []string // required steps left out
	LowStock       bool     // a line below its safety stock
	Stock          []StockLine
}

// MaxStockLines bounds a record's stock lines.
const MaxStockLines = 100

// CheckRecord works out a record's flags: the check-in distance against the
// radius, the required steps of the customer kind's checklist left out, and each
// stock line's safety stock (average sales per order cycle × the line's factor,
// exact) with a flag when stock on hand is below it. Steps not on the checklist
// are an error.
func (s Settings) CheckRecord(kind string, steps []string, checkIn, customer *Location, stock []StockLine) (Check, error) {
	var out Check
	list := s.Checklist(kind)
	known := map[string]bool{}
	for _, st := range list.Steps {
		known[st.Code] = true
	}
	done := map[string]bool{}
	for i, st := range steps {
		if !known[st] {
			codes := make([]string, len(list.Steps))
			for j, x := range list.Steps {
				codes[j] = x.Code
			}
			return out, fmt.Errorf("%w: visit.steps[%d]: %q is not a step of the checklist for this customer; the steps are %v", ErrInvalid, i, st, codes)
		}
		done[st] = true
	}
	for _, st := range list.Steps {
		if st.Required && !done[st.Code] {
			out.MissingSteps = append(out.MissingSteps, st.Code)
		}
	}
	if checkIn != nil && customer != nil {
		d := int(math.Round(route.Distance(*checkIn, *customer)))
		out.DistanceMeters, out.Far = &d, d > s.CheckInRadiusMeters
	}
	if len(stock) > MaxStockLines {
		return out, fmt.Errorf("%w: visit.stock: at most %d lines", ErrInvalid, MaxStockLines)
	}
	for i, l := range stock {
		field := fmt.Sprintf("visit.stock[%d]", i)
		if n := len([]rune(l.Product)); n == 0 || n > 100 {
			return out, fmt.Errorf("%w: %s.product: 1 to 100 characters", ErrInvalid, field)
		}
		if l.OnHand.Sign() < 0 {
			return out, fmt.Errorf("%w: %s.on_hand: cannot be negative", ErrInvalid, field)
		}
		if l.AverageSales.Sign() < 0 {
			return out, fmt.Errorf("%w: %s.average_sales_per_cycle: cannot be negative", ErrInvalid, field)
		}
		f := s.RegularFactor
		if l.HighMargin {
			f = s.HighMarginFactor
		}
		ss, err := l.AverageSales.Mul(f)
		if err != nil {
			return out, fmt.Errorf("%w: %s: %v", ErrInvalid, field, err)
		}
		l.SafetyStock, l.BelowSafety = ss, l.OnHand.Cmp(ss) < 0
		out.LowStock = out.LowStock || l.BelowSafety
		out.Stock = append(out.Stock, l)
	}
	return out, nil
}
