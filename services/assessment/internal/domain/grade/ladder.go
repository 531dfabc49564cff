package grade

import (
	"slices"

	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// Grade is a position on a ladder: a level and, on ladders with bands, a
// band ("SENIOR", "A" is 高级A on 三级九档; "L2", "" is 二级 on the bank
// ladder). Codes are the roster's.
type Grade struct {
	Level string `json:"level"`
	Band  string `json:"band,omitempty"`
}

// String returns "LEVEL/BAND", or "LEVEL" without a band.
func (g Grade) String() string {
	if g.Band == "" {
		return g.Level
	}
	return g.Level + "/" + g.Band
}

// IsZero reports whether g is unset.
func (g Grade) IsZero() bool { return g == Grade{} }

// Step is one position of a ladder, with its name for people.
type Step struct {
	Grade
	Name string `json:"name"` // "二级", "高级A"
}

// Ladder is one track of a grade ladder as an ordered list of steps, lowest
// first. A step is a band of a level or, for a level without bands, the
// level itself; the steps of a level are next to each other. Promotion
// moves up one step, demotion down one step.
type Ladder struct {
	ID    string `json:"id"`
	Steps []Step `json:"steps"`
}

// Validate checks that the ladder has an id and at least one step, that
// every step has a level and a name, that no grade appears twice and that
// the steps of each level are next to each other.
func (l Ladder) Validate() error {
	var v violation.List
	if l.ID == "" {
		v.Add("id", "must not be empty")
	}
	if len(l.Steps) == 0 {
		v.Add("steps", "give at least one step")
	}
	seen := map[Grade]int{}
	levelEnd := map[string]int{} // level → index of its last step so far
	for i, s := range l.Steps {
		at := violation.Index("steps", i)
		if s.Level == "" {
			v.Add(at+".level", "must not be empty")
		}
		if s.Name == "" {
			v.Add(at+".name", "must not be empty")
		}
		if j, dup := seen[s.Grade]; dup {
			v.Add(at, "grade %s already appears at steps[%d]", s.Grade, j)
		}
		seen[s.Grade] = i
		if j, ok := levelEnd[s.Level]; ok && j != i-1 {
			v.Add(at+".level", "steps of level %s must be next to each other (steps[%d] is also %s)", s.Level, j, s.Level)
		}
		levelEnd[s.Level] = i
	}
	return v.Err()
}

// Index returns the position of g on the ladder (0 is the lowest step), or
// -1 if g is not on it.
func (l Ladder) Index(g Grade) int {
	return slices.IndexFunc(l.Steps, func(s Step) bool { return s.Grade == g })
}

// Name returns the name of g for people ("高级A"), or g.String() if g is not
// on the ladder.
func (l Ladder) Name(g Grade) string {
	if i := l.Index(g); i >= 0 {
		return l.Steps[i].Name
	}
	return g.String()
}

// Levels returns the ladder's level codes, lowest first.
func (l Ladder) Levels() []string {
	var out []string
	for _, s := range l.Steps {
		if len(out) == 0 || out[len(out)-1] != s.Level {
			out = append(out, s.Level)
		}
	}
	return out
}

// topOfLevelBelow returns the highest step of the level below level, which
// is where a quota moves a CM out of level; ok is false for the lowest
// level or a level not on the ladder.
func (l Ladder) topOfLevelBelow(level string) (Grade, bool) {
	first := slices.IndexFunc(l.Steps, func(s Step) bool { return s.Level == level })
	if first <= 0 {
		return Grade{}, false
	}
	return l.Steps[first-1].Grade, true
}

// Ladder ids, as the roster ships them.
const (
	BankLadderID        = "bank"
	ThreeLevelsLadderID = "three-levels-nine-bands"
	SalesLadderID       = "sales"
)

// BankLadder returns the default bank ladder of DOMAIN.md §3: 见习 T → 四级
// L4 → 三级 L3 → 二级 L2 → 一级 L1 → 高级 SR.
func BankLadder() Ladder {
	return Ladder{ID: BankLadderID, Steps: []Step{
		{Grade{Level: "T"}, "见习"},
		{Grade{Level: "L4"}, "四级"},
		{Grade{Level: "L3"}, "三级"},
		{Grade{Level: "L2"}, "二级"},
		{Grade{Level: "L1"}, "一级"},
		{Grade{Level: "SR"}, "高级"},
	}}
}

// ThreeLevelsNineBands returns the default 三级九档 ladder of DOMAIN.md §3:
// 初级 JUNIOR, 中级 MIDDLE, 高级 SENIOR, each with bands C, B, A (A
// highest), nine steps from JUNIOR/C to SENIOR/A.
func ThreeLevelsNineBands() Ladder {
	l := Ladder{ID: ThreeLevelsLadderID}
	for _, lv := range []struct{ code, name string }{{"JUNIOR", "初级"}, {"MIDDLE", "中级"}, {"SENIOR", "高级"}} {
		for _, band := range []string{"C", "B", "A"} {
			l.Steps = append(l.Steps, Step{Grade{Level: lv.code, Band: band}, lv.name + band})
		}
	}
	return l
}

// SalesLadder returns the non-management track of the default sales ladder
// of DOMAIN.md §3: 助理 ASSISTANT → 初级 JUNIOR → 中级 MIDDLE → 高级 SENIOR →
// 特级 SPECIAL → 资深 PRINCIPAL. The supervisor track is
// [SalesSupervisorLadder]; a move between the tracks (双通道) is an
// application, not a periodic decision.
func SalesLadder() Ladder {
	return Ladder{ID: SalesLadderID, Steps: []Step{
		{Grade{Level: "ASSISTANT"}, "助理"},
		{Grade{Level: "JUNIOR"}, "初级"},
		{Grade{Level: "MIDDLE"}, "中级"},
		{Grade{Level: "SENIOR"}, "高级"},
		{Grade{Level: "SPECIAL"}, "特级"},
		{Grade{Level: "PRINCIPAL"}, "资深"},
	}}
}

// SalesSupervisorLadder returns the supervisor track ("management" in the
// roster) of the default sales ladder, with id "sales/management": 初级主管
// SUP1 → 中级主管 SUP2 → 高级主管 SUP3.
func SalesSupervisorLadder() Ladder {
	return Ladder{ID: SalesLadderID + "/management", Steps: []Step{
		{Grade{Level: "SUP1"}, "初级主管"},
		{Grade{Level: "SUP2"}, "中级主管"},
		{Grade{Level: "SUP3"}, "高级主管"},
	}}
}
