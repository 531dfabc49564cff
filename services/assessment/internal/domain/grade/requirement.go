package grade

import (
	"fmt"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// Op is how a requirement compares a CM's measure.
type Op string

// Ops.
const (
	AtLeast Op = "at_least" // the value is ≥ the threshold
	AtMost  Op = "at_most"  // the value is ≤ the threshold
	Holds   Op = "holds"    // the flag is set (a qualification, a role); no threshold
)

// Requirement is one promotion or maintenance indicator of a grade, e.g.
// "premium at least 300000.00" or "holds part_time_trainer".
type Requirement struct {
	// Measure names what is compared: a key of [Candidate.Values] for
	// AtLeast and AtMost, of [Candidate.Flags] for Holds.
	Measure string `json:"measure"`
	// Name describes the requirement for people ("保费 (premium)").
	Name      string        `json:"name"`
	Op        Op            `json:"op"`
	Threshold money.Decimal `json:"threshold"`
}

// String returns the requirement for people: "保费 (premium) ≥ 300000.00".
func (r Requirement) String() string {
	name := r.Name
	if name == "" {
		name = r.Measure
	}
	switch r.Op {
	case AtLeast:
		return fmt.Sprintf("%s ≥ %s", name, r.Threshold)
	case AtMost:
		return fmt.Sprintf("%s ≤ %s", name, r.Threshold)
	default:
		return name + " held"
	}
}

func (r Requirement) validate() error {
	var v violation.List
	if r.Measure == "" {
		v.Add("measure", "must not be empty")
	}
	switch r.Op {
	case AtLeast, AtMost:
	case Holds:
		if !r.Threshold.IsZero() {
			v.Add("threshold", "must be empty for op %q", Holds)
		}
	default:
		v.Add("op", "%q is not an op; use %q, %q or %q", r.Op, AtLeast, AtMost, Holds)
	}
	return v.Err()
}

// Check is a requirement checked against one CM: whether it is met, and
// the value it was met or missed with.
type Check struct {
	Requirement Requirement `json:"requirement"`
	// Present reports whether the CM had a value (or flag) for the measure;
	// a requirement without one is not met.
	Present bool          `json:"present"`
	Value   money.Decimal `json:"value"` // for AtLeast and AtMost
	Flag    bool          `json:"flag"`  // for Holds
	Met     bool          `json:"met"`
}

// String returns the check for people: "met: 保费 (premium) ≥ 300000.00
// (310000.00)", "unmet: … (no value)".
func (c Check) String() string {
	state := "unmet"
	if c.Met {
		state = "met"
	}
	switch {
	case !c.Present:
		return fmt.Sprintf("%s: %s (no value)", state, c.Requirement)
	case c.Requirement.Op == Holds:
		return fmt.Sprintf("%s: %s (%t)", state, c.Requirement, c.Flag)
	default:
		return fmt.Sprintf("%s: %s (%s)", state, c.Requirement, c.Value)
	}
}

// check evaluates r for a CM with values and flags.
func (r Requirement) check(values map[string]money.Decimal, flags map[string]bool) Check {
	c := Check{Requirement: r}
	if r.Op == Holds {
		c.Flag, c.Present = flags[r.Measure]
		c.Met = c.Present && c.Flag
		return c
	}
	c.Value, c.Present = values[r.Measure]
	if !c.Present {
		return c
	}
	cmp := c.Value.Cmp(r.Threshold)
	c.Met = r.Op == AtLeast && cmp >= 0 || r.Op == AtMost && cmp <= 0
	return c
}

// checkAll checks every requirement; all reports whether all are met.
func checkAll(reqs []Requirement, values map[string]money.Decimal, flags map[string]bool) (checks []Check, all bool) {
	all = true
	for _, r := range reqs {
		c := r.check(values, flags)
		all = all && c.Met
		checks = append(checks, c)
	}
	return checks, all
}

// GradeRequirements are the indicators of one grade: those a CM must meet
// to be promoted to it, and those a CM at it must meet to stay.
type GradeRequirements struct {
	Grade Grade `json:"grade"`
	// Promotion lists the promotion indicators. A grade with none cannot be
	// reached by promotion.
	Promotion []Requirement `json:"promotion"`
	// Maintenance lists the maintenance indicators. A grade with none is
	// always maintained.
	Maintenance []Requirement `json:"maintenance"`
}

func (g GradeRequirements) validate() error {
	var v violation.List
	for _, part := range []struct {
		name string
		reqs []Requirement
	}{{"promotion", g.Promotion}, {"maintenance", g.Maintenance}} {
		name, reqs := part.name, part.reqs
		seen := map[string]int{}
		for i, r := range reqs {
			at := violation.Index(name, i)
			v.Merge(at, r.validate())
			key := r.Measure + "\x00" + string(r.Op)
			if j, dup := seen[key]; dup {
				v.Add(at, "repeats %s[%d] (%s)", name, j, r)
			}
			seen[key] = i
		}
	}
	return v.Err()
}
