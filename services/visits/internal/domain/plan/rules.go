// Package plan is the monthly 135 cycle's core: which customers are due, how a
// month's plan is generated (due customers, carried-over lines, supervisor tasks),
// and the review states a plan goes through.
package plan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/civil"
)

// Frequency is how often a customer is visited.
type Frequency int

// The frequencies (numbers match the API's enum).
const (
	Weekly Frequency = iota + 1
	Fortnightly
	Monthly
	Bimonthly
	Quarterly
)

func (f Frequency) valid() bool { return f >= Weekly && f <= Quarterly }

// months is the period of a monthly or longer frequency in months; 0 for the
// sub-monthly ones (weekly, fortnightly), which are due every month.
func (f Frequency) months() int {
	switch f {
	case Monthly:
		return 1
	case Bimonthly:
		return 2
	case Quarterly:
		return 3
	}
	return 0
}

// String names the frequency.
func (f Frequency) String() string {
	return [...]string{"unspecified", "weekly", "fortnightly", "monthly", "bimonthly", "quarterly"}[max(0, min(int(f), 5))]
}

// Method is how a customer is visited.
type Method int

// The methods (numbers match the API's enum).
const (
	OnSite Method = iota + 1
	Phone
	Online
)

func (m Method) valid() bool { return m >= OnSite && m <= Online }

// Area types as the roster names them.
const (
	Urban   = "URBAN"
	Town    = "TOWN"
	Village = "VILLAGE"
)

// Rule sets the frequency and method of customers of one classification and area
// type; an empty classification or area type matches any.
type Rule struct {
	Classification string    `json:"classification,omitempty"`
	AreaType       string    `json:"areaType,omitempty"`
	Frequency      Frequency `json:"frequency"`
	Method         Method    `json:"method"`
}

func (r Rule) matches(classification, area string) bool {
	return (r.Classification == "" || strings.EqualFold(r.Classification, classification)) &&
		(r.AreaType == "" || r.AreaType == area)
}

// Rules is the frequency table: the first matching rule wins, else Fallback.
type Rules struct {
	Rules    []Rule
	Fallback Rule
	Revision int64
}

// DefaultRules are DOMAIN.md's defaults: urban and town customers on site
// monthly, village customers on site quarterly; anything else monthly on site.
func DefaultRules() Rules {
	return Rules{
		Rules: []Rule{
			{AreaType: Urban, Frequency: Monthly, Method: OnSite},
			{AreaType: Town, Frequency: Monthly, Method: OnSite},
			{AreaType: Village, Frequency: Quarterly, Method: OnSite},
		},
		Fallback: Rule{Frequency: Monthly, Method: OnSite},
	}
}

// ErrInvalid marks a rule table or plan edit that breaks a rule; the message says which.
var ErrInvalid = errors.New("invalid")

// MaxRules bounds the table.
const MaxRules = 200

// Validate checks every rule.
func (r Rules) Validate() error {
	if len(r.Rules) > MaxRules {
		return fmt.Errorf("%w: rules: at most %d, not %d", ErrInvalid, MaxRules, len(r.Rules))
	}
	seen := map[string]int{}
	for i, rule := range r.Rules {
		if err := rule.validate(fmt.Sprintf("rules[%d]", i)); err != nil {
			return err
		}
		key := strings.ToUpper(rule.Classification) + "|" + rule.AreaType
		if j, dup := seen[key]; dup {
			return fmt.Errorf("%w: rules[%d]: the same classification and area type as rules[%d]; the later one would never apply", ErrInvalid, i, j)
		}
		seen[key] = i
	}
	if r.Fallback.Classification != "" || r.Fallback.AreaType != "" {
		return fmt.Errorf("%w: fallback: applies to every other customer; leave classification and area type empty", ErrInvalid)
	}
	return r.Fallback.validate("fallback")
}

func (r Rule) validate(field string) error {
	switch {
	case len(r.Classification) > 16:
		return fmt.Errorf("%w: %s.classification: at most 16 characters", ErrInvalid, field)
	case r.AreaType != "" && r.AreaType != Urban && r.AreaType != Town && r.AreaType != Village:
		return fmt.Errorf("%w: %s.area_type: %q is not URBAN, TOWN or VILLAGE", ErrInvalid, field, r.AreaType)
	case !r.Frequency.valid():
		return fmt.Errorf("%w: %s.frequency: required (weekly, fortnightly, monthly, bimonthly or quarterly)", ErrInvalid, field)
	case !r.Method.valid():
		return fmt.Errorf("%w: %s.method: required (on site, phone or online)", ErrInvalid, field)
	}
	return nil
}

// For is the rule a customer of the classification and area type follows.
func (r Rules) For(classification, area string) Rule {
	for _, rule := range r.Rules {
		if rule.matches(classification, area) {
			return rule
		}
	}
	return r.Fallback
}

// Visits is how many visits a customer of frequency f is due in month (its first
// day), given the day of their last completed visit (zero: never visited).
//
// Due is computed from the last completed visit, not from the calendar alone: a
// customer visited every n months is due again in the month n months after the
// month of their last visit (or any later month, if that visit was missed); one
// never visited is due at once. Weekly customers are due once for every week that
// starts (Monday) in the month, fortnightly ones twice a month.
func Visits(f Frequency, last civil.Date, month civil.Date) int {
	switch f {
	case Weekly:
		return mondays(month)
	case Fortnightly:
		return 2
	}
	if last.IsZero() {
		return 1
	}
	if month.MonthsSince(last.FirstOfMonth()) >= f.months() {
		return 1
	}
	return 0
}

// mondays counts the Mondays of month.
func mondays(month civil.Date) int {
	n := 0
	for d := month.FirstOfMonth(); d.Month == month.Month; d = d.AddDays(1) {
		if d.Time().Weekday() == 1 {
			n++
		}
	}
	return n
}

// DueFrom is the first day of the month from which a customer last visited on
// last is due again: the month after the period runs out (for weekly and
// fortnightly customers, who are due every month, the visit's own month). Zero
// for a customer never visited (due at once).
func DueFrom(f Frequency, last civil.Date) civil.Date {
	if last.IsZero() {
		return civil.Date{}
	}
	return last.FirstOfMonth().AddMonths(f.months())
}
