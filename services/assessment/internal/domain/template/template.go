// Package template owns the monthly assessment templates (考核方案): which
// indicators a CM of a given ladder level is assessed on, with what weight,
// in which of the three parts of the monthly evaluation — basic (基础考核),
// marketing (营销考核) and management (管理考核), DOMAIN.md §4.
//
// A [Template] is checked against the indicator library with
// [Template.Validate] when it is saved: weights are above zero with at
// most two decimal places and add up to exactly 100, every indicator exists
// in the library and none appears twice. [Assignments] say which template
// applies to which level of which ladder.
//
// [DefaultTemplates] ships three templates, for junior, middle and senior
// levels: junior levels weigh the basic part most, middle levels
// marketing, senior levels management. [DefaultAssignments] maps the levels
// of the three default ladders of DOMAIN.md §3 onto them. All are defaults
// the bank reconfigures.
package template

import (
	"fmt"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/internal/num"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// ErrInvalid is wrapped by every validation error of this package; it is
// [violation.ErrInvalid].
var ErrInvalid = violation.ErrInvalid

// Part is one of the three parts of the monthly evaluation.
type Part string

// The three parts.
const (
	PartBasic      Part = "basic"      // 基础考核
	PartMarketing  Part = "marketing"  // 营销考核
	PartManagement Part = "management" // 管理考核
)

// Parts returns the three parts in reporting order.
func Parts() []Part { return []Part{PartBasic, PartMarketing, PartManagement} }

// Valid reports whether p is one of the three parts.
func (p Part) Valid() bool { return p.DisplayName() != "" }

// DisplayName returns the part's name for people, or "" for an unknown
// part.
func (p Part) DisplayName() string {
	switch p {
	case PartBasic:
		return "基础考核 (basic)"
	case PartMarketing:
		return "营销考核 (marketing)"
	case PartManagement:
		return "管理考核 (management)"
	}
	return ""
}

// Tier is the seniority a template is designed for.
type Tier string

// Tiers.
const (
	TierJunior Tier = "junior" // weighs the basic part most
	TierMiddle Tier = "middle" // weighs the marketing part most
	TierSenior Tier = "senior" // weighs the management part most
)

// Valid reports whether t is a known tier.
func (t Tier) Valid() bool { return t == TierJunior || t == TierMiddle || t == TierSenior }

// Line is one indicator of a template.
type Line struct {
	// Indicator is the code of an indicator in the library.
	Indicator string `json:"indicator"`
	Part      Part   `json:"part"`
	// Weight is the points the indicator is worth when it earns its full
	// weight (ratio 1), above zero with at most two decimal places.
	Weight money.Decimal `json:"weight"`
}

// Template is a monthly assessment template.
type Template struct {
	// Code identifies the template: upper-case letters, digits and
	// underscores ("JUNIOR").
	Code string `json:"code"`
	Name string `json:"name"`
	Tier Tier   `json:"tier"`
	// Lines, in the order they are reported. Their weights add up to 100.
	Lines []Line `json:"lines"`
}

// TotalWeight is what the weights of a template add up to.
const TotalWeight = 100

// MaxLines is the largest number of lines a template may have.
const MaxLines = 50

// Validate checks the template against lib and returns an error wrapping
// [ErrInvalid] that lists every problem with its field ("lines[2].weight",
// "lines"), or nil.
func (t Template) Validate(lib indicator.Library) error {
	var v violation.List
	if !validCode(t.Code) {
		v.Add("code", "%q is not a valid code: use 1–64 upper-case letters, digits and underscores, starting with a letter", t.Code)
	}
	if strings.TrimSpace(t.Name) == "" {
		v.Add("name", "must not be empty")
	}
	if !t.Tier.Valid() {
		v.Add("tier", "%q is not a tier; use %q, %q or %q", t.Tier, TierJunior, TierMiddle, TierSenior)
	}
	switch {
	case len(t.Lines) == 0:
		v.Add("lines", "give at least one indicator")
		return v.Err()
	case len(t.Lines) > MaxLines:
		v.Add("lines", "has %d lines; at most %d are allowed", len(t.Lines), MaxLines)
		return v.Err()
	}
	seen := map[string]int{}
	sum := num.Zero()
	sumOK := true
	for i, l := range t.Lines {
		at := violation.Index("lines", i)
		if _, ok := lib.Get(l.Indicator); !ok {
			v.Add(at+".indicator", "%q is not an indicator in the library", l.Indicator)
		}
		if j, dup := seen[l.Indicator]; dup {
			v.Add(at+".indicator", "%q already appears in lines[%d]; an indicator appears once per template", l.Indicator, j)
		} else {
			seen[l.Indicator] = i
		}
		if !l.Part.Valid() {
			v.Add(at+".part", "%q is not a part; use %q, %q or %q", l.Part, PartBasic, PartMarketing, PartManagement)
		}
		switch {
		case l.Weight.Sign() <= 0:
			v.Add(at+".weight", "must be above zero (it is %s)", l.Weight)
		case num.Places(l.Weight) > 2:
			v.Add(at+".weight", "%s has more than two decimal places", l.Weight)
		}
		var err error
		if sum, err = sum.Add(l.Weight); err != nil {
			sumOK = false
		}
	}
	if sumOK && sum.Cmp(num.Int(TotalWeight)) != 0 {
		v.Add("lines", "weights add up to %s; they must add up to exactly %d", sum, TotalWeight)
	}
	return v.Err()
}

// PartWeight is the total weight of one part of a template.
type PartWeight struct {
	Part   Part
	Weight money.Decimal
}

// PartWeights returns the weight of each of the three parts, in the order
// of [Parts], including parts with no lines (weight 0). It adds weights as
// given and reports an error only on overflow.
func (t Template) PartWeights() ([]PartWeight, error) {
	out := make([]PartWeight, 0, 3)
	for _, p := range Parts() {
		w := num.Zero()
		for _, l := range t.Lines {
			if l.Part != p {
				continue
			}
			var err error
			if w, err = w.Add(l.Weight); err != nil {
				return nil, fmt.Errorf("template %s: weights of part %s: %w", t.Code, p, err)
			}
		}
		out = append(out, PartWeight{Part: p, Weight: w})
	}
	return out, nil
}

func validCode(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
