package grade

import (
	"slices"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/internal/num"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// Quota caps the share of the CMs assessed together that may hold one
// level (末尾淘汰): see [Decide].
type Quota struct {
	Level string `json:"level"`
	// Share is a fraction above 0 and at most 1: 0.10 for 10 %.
	Share money.Decimal `json:"share"`
}

// DefaultMinQuotaPopulation is the default [Policy.MinQuotaPopulation]: with
// fewer than 10 CMs assessed together, a 10 % quota would round down to
// nobody.
const DefaultMinQuotaPopulation = 10

// Policy is how grade decisions are made on one ladder.
type Policy struct {
	Ladder Ladder `json:"ladder"`
	// Requirements holds the promotion and maintenance indicators per
	// grade; a grade may be absent (no promotion to it; always maintained).
	Requirements []GradeRequirements `json:"requirements"`
	// Quotas holds at most one quota per level. The lowest level cannot
	// have one: there is nowhere to move its CMs.
	Quotas []Quota `json:"quotas,omitempty"`
	// MinQuotaPopulation is the smallest number of CMs assessed together
	// for quotas to apply; below it quotas are not applied.
	MinQuotaPopulation int `json:"minQuotaPopulation"`
	// NewHireSkipsFirstPeriod lets a new CM skip the first assessment
	// period (DOMAIN.md §4).
	NewHireSkipsFirstPeriod bool `json:"newHireSkipsFirstPeriod"`
}

// Validate checks the policy: a valid ladder; requirements only for grades
// on it, once each, with valid requirements; quotas only for levels on it
// other than the lowest, once each, with a share above 0 and at most 1; a
// minimum quota population not below zero.
func (p Policy) Validate() error {
	var v violation.List
	v.Merge("ladder", p.Ladder.Validate())
	seen := map[Grade]int{}
	for i, r := range p.Requirements {
		at := violation.Index("requirements", i)
		if p.Ladder.Index(r.Grade) < 0 {
			v.Add(at+".grade", "%s is not a step of ladder %s", r.Grade, p.Ladder.ID)
		}
		if j, dup := seen[r.Grade]; dup {
			v.Add(at+".grade", "%s already has requirements at requirements[%d]", r.Grade, j)
		}
		seen[r.Grade] = i
		v.Merge(at, r.validate())
	}
	levels := p.Ladder.Levels()
	seenLevel := map[string]int{}
	for i, q := range p.Quotas {
		at := violation.Index("quotas", i)
		switch li := slices.Index(levels, q.Level); {
		case li < 0:
			v.Add(at+".level", "%q is not a level of ladder %s", q.Level, p.Ladder.ID)
		case li == 0:
			v.Add(at+".level", "%s is the lowest level: there is no level below to move CMs to", q.Level)
		}
		if j, dup := seenLevel[q.Level]; dup {
			v.Add(at+".level", "%s already has a quota at quotas[%d]", q.Level, j)
		}
		seenLevel[q.Level] = i
		if q.Share.Sign() <= 0 || q.Share.Cmp(num.One()) > 0 {
			v.Add(at+".share", "must be above 0 and at most 1 (it is %s), e.g. 0.10 for 10 %%", q.Share)
		}
	}
	if p.MinQuotaPopulation < 0 {
		v.Add("min_quota_population", "must not be negative")
	}
	return v.Err()
}

// requirementsFor returns the requirements of g (empty if none).
func (p Policy) requirementsFor(g Grade) GradeRequirements {
	for _, r := range p.Requirements {
		if r.Grade == g {
			return r
		}
	}
	return GradeRequirements{Grade: g}
}

func (p Policy) quotaFor(level string) (Quota, bool) {
	for _, q := range p.Quotas {
		if q.Level == level {
			return q, true
		}
	}
	return Quota{}, false
}
