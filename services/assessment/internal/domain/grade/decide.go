package grade

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/internal/num"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// ErrInvalid is wrapped by every validation error of this package; it is
// [violation.ErrInvalid].
var ErrInvalid = violation.ErrInvalid

// Candidate is one CM to decide on.
type Candidate struct {
	// Employee is the CM's employee number.
	Employee string `json:"employee"`
	Current  Grade  `json:"current"`
	// GradeSince is the day the CM reached the current grade; it breaks
	// ties in quota rankings. The zero date means unknown.
	GradeSince civil.Date `json:"gradeSince"`
	// Score ranks the CM for quotas: the period's assessment score (the
	// annual overall score for annual decisions).
	Score money.Decimal `json:"score"`
	// Values holds the CM's measures for AtLeast and AtMost requirements,
	// by measure name ("annual_score", "premium").
	Values map[string]money.Decimal `json:"values,omitempty"`
	// Flags holds the CM's measures for Holds requirements
	// ("part_time_trainer").
	Flags map[string]bool `json:"flags,omitempty"`
	// NewHire is set while the CM is a new CM (DOMAIN.md §4).
	NewHire *NewHire `json:"newHire,omitempty"`
	// Exception is set when the committee approved an exceptional
	// promotion that may skip steps.
	Exception *Exception `json:"exception,omitempty"`
}

// NewHire is where a new CM stands.
type NewHire struct {
	// Period is the number of this assessment period since the CM started,
	// from 1.
	Period int `json:"period"`
	// InGrace is set if the CM was given a grace period in an earlier
	// period and this is it.
	InGrace bool `json:"inGrace"`
}

// Exception marks an exceptional promotion (破格晋升) for an exceptional
// contribution, approved by the committee.
type Exception struct {
	// Target is the grade the committee approved, above the current one.
	Target Grade `json:"target"`
	// ApprovalRef references the committee's recorded approval; required.
	ApprovalRef string `json:"approvalRef"`
}

// Kind is the kind of a decision.
type Kind string

// Decision kinds.
const (
	KindPromote     Kind = "promote"      // up one step, or to an approved exceptional target
	KindMaintain    Kind = "maintain"     // stays at the current grade
	KindDemote      Kind = "demote"       // down one step: maintenance indicators unmet
	KindQuotaDemote Kind = "quota_demote" // down to the top of the level below: level over quota
	KindGrace       Kind = "grace"        // new CM failed: one grace period at the current grade
	KindTerminate   Kind = "terminate"    // new CM failed after the grace period: the contract ends
	KindSkip        Kind = "skip"         // new CM's first period: not assessed
)

// PromotionCheck is the promotion indicators of one target grade checked
// for a CM.
type PromotionCheck struct {
	Target      Grade   `json:"target"`
	Exceptional bool    `json:"exceptional"`
	Checks      []Check `json:"checks"`
	// Met reports whether the target has promotion indicators and all are
	// met.
	Met bool `json:"met"`
}

// QuotaRank is where a CM ranked under a level's quota.
type QuotaRank struct {
	Level      string        `json:"level"`
	Share      money.Decimal `json:"share"`
	Population int           `json:"population"` // CMs assessed together
	Limit      int           `json:"limit"`      // ⌊Share × Population⌋
	Holding    int           `json:"holding"`    // CMs at the level before the quota
	Ranked     int           `json:"ranked"`     // CMs ranked (Holding less those who arrived moving down)
	Rank       int           `json:"rank"`       // 1 moves first
	Score      money.Decimal `json:"score"`
	Moved      bool          `json:"moved"` // the quota moved the CM (down, or by withdrawing a promotion)
}

// Decision is the grade decision for one CM.
type Decision struct {
	Employee string `json:"employee"`
	From     Grade  `json:"from"`
	// To is the grade from the next period; equal to From unless the CM
	// moves. A terminated CM keeps From.
	To          Grade  `json:"to"`
	Kind        Kind   `json:"kind"`
	Exceptional bool   `json:"exceptional"`
	ApprovalRef string `json:"approvalRef,omitempty"`
	// Promotions lists the promotion targets checked, in order.
	Promotions []PromotionCheck `json:"promotions,omitempty"`
	// Maintenance lists the maintenance indicators of From, checked.
	Maintenance []Check `json:"maintenance,omitempty"`
	// Quota is set when the CM was ranked under a level's quota.
	Quota *QuotaRank `json:"quota,omitempty"`
	// Reasons explain the decision for people, in the order it was made.
	Reasons []string `json:"reasons"`
}

// Moves reports whether the decision changes the CM's grade.
func (d Decision) Moves() bool { return d.To != d.From }

// Explain returns the decision and its reasons for people.
func (d Decision) Explain() string {
	return fmt.Sprintf("%s: %s %s → %s: %s", d.Employee, d.Kind, d.From, d.To, strings.Join(d.Reasons, "; "))
}

// Decide decides on every candidate under p and returns one decision per
// candidate, in the order given. The rules, and the order they are applied
// in, are in the package documentation. It returns an error wrapping
// [ErrInvalid] if p or a candidate is invalid (fields "policy…" and
// "candidates[i]…").
func Decide(p Policy, candidates []Candidate) ([]Decision, error) {
	var v violation.List
	v.Merge("policy", p.Validate())
	if v.Len() == 0 {
		seen := map[string]int{}
		for i, c := range candidates {
			at := violation.Index("candidates", i)
			v.Merge(at, p.validateCandidate(c))
			if j, dup := seen[c.Employee]; dup && c.Employee != "" {
				v.Add(at+".employee", "%s already appears at candidates[%d]", c.Employee, j)
			}
			seen[c.Employee] = i
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	decisions := make([]Decision, len(candidates))
	for i, c := range candidates {
		decisions[i] = p.decideOne(c, true)
	}
	if err := p.applyQuotas(candidates, decisions); err != nil {
		return nil, err
	}
	return decisions, nil
}

func (p Policy) validateCandidate(c Candidate) error {
	var v violation.List
	if c.Employee == "" {
		v.Add("employee", "must not be empty")
	}
	at := p.Ladder.Index(c.Current)
	if at < 0 {
		v.Add("current", "%s is not a step of ladder %s", c.Current, p.Ladder.ID)
	}
	if !c.GradeSince.IsZero() && !c.GradeSince.Valid() {
		v.Add("grade_since", "%s is not a calendar day", c.GradeSince)
	}
	if c.NewHire != nil && c.NewHire.Period < 1 {
		v.Add("new_hire.period", "must be 1 or more (it is %d)", c.NewHire.Period)
	}
	if e := c.Exception; e != nil {
		if strings.TrimSpace(e.ApprovalRef) == "" {
			v.Add("exception.approval_ref", "an exceptional promotion needs the reference of the committee's approval")
		}
		if t := p.Ladder.Index(e.Target); t < 0 {
			v.Add("exception.target", "%s is not a step of ladder %s", e.Target, p.Ladder.ID)
		} else if at >= 0 && t <= at {
			v.Add("exception.target", "%s is not above the current grade %s", e.Target, c.Current)
		}
	}
	return v.Err()
}

// decideOne applies the individual rules (steps 1–4 of the package
// documentation) to c; with promote false, step 2 is left out.
func (p Policy) decideOne(c Candidate, promote bool) Decision {
	l := p.Ladder
	d := Decision{Employee: c.Employee, From: c.Current, To: c.Current}
	name := l.Name
	maint := p.requirementsFor(c.Current).Maintenance
	var maintained bool
	d.Maintenance, maintained = checkAll(maint, c.Values, c.Flags)

	if c.NewHire != nil && c.NewHire.Period == 1 && p.NewHireSkipsFirstPeriod {
		d.Kind = KindSkip
		d.Reasons = append(d.Reasons, fmt.Sprintf("first period of a new CM: not assessed, stays %s", name(c.Current)))
		return d
	}

	if promote {
		idx := l.Index(c.Current)
		if e := c.Exception; e != nil {
			pc := p.checkPromotion(c, e.Target, true)
			d.Promotions = append(d.Promotions, pc)
			if pc.Met {
				d.Kind, d.To, d.Exceptional, d.ApprovalRef = KindPromote, e.Target, true, e.ApprovalRef
				d.Reasons = append(d.Reasons, fmt.Sprintf("exceptional promotion from %s to %s approved by the committee (%s): %s",
					name(c.Current), name(e.Target), e.ApprovalRef, summary(pc)))
				return d
			}
			d.Reasons = append(d.Reasons, fmt.Sprintf("exceptional promotion to %s (%s) not made: %s", name(e.Target), e.ApprovalRef, summary(pc)))
		}
		switch {
		case idx+1 >= len(l.Steps):
			d.Reasons = append(d.Reasons, fmt.Sprintf("%s is the top of the ladder: no promotion", name(c.Current)))
		case c.Exception != nil && c.Exception.Target == l.Steps[idx+1].Grade:
			// The next step was just checked as the exception's target.
		default:
			next := l.Steps[idx+1].Grade
			pc := p.checkPromotion(c, next, false)
			d.Promotions = append(d.Promotions, pc)
			if pc.Met {
				d.Kind, d.To = KindPromote, next
				d.Reasons = append(d.Reasons, fmt.Sprintf("promoted one step from %s to %s: %s", name(c.Current), name(next), summary(pc)))
				return d
			}
			d.Reasons = append(d.Reasons, fmt.Sprintf("not promoted to %s: %s", name(next), summary(pc)))
		}
	}

	if maintained {
		d.Kind = KindMaintain
		if len(maint) == 0 {
			d.Reasons = append(d.Reasons, fmt.Sprintf("stays %s: the grade has no maintenance indicators", name(c.Current)))
		} else {
			d.Reasons = append(d.Reasons, fmt.Sprintf("stays %s: all %d maintenance indicators met", name(c.Current), len(maint)))
		}
		return d
	}
	failed := fmt.Sprintf("maintenance indicators of %s not all met (%s)", name(c.Current), unmet(d.Maintenance))
	switch idx := l.Index(c.Current); {
	case c.NewHire != nil && c.NewHire.InGrace:
		d.Kind = KindTerminate
		d.Reasons = append(d.Reasons, "new CM failed again after the grace period: the contract ends; "+failed)
	case c.NewHire != nil:
		d.Kind = KindGrace
		d.Reasons = append(d.Reasons, fmt.Sprintf("new CM failed: one grace period at %s; %s", name(c.Current), failed))
	case idx == 0:
		d.Kind = KindMaintain
		d.Reasons = append(d.Reasons, fmt.Sprintf("stays %s, the lowest step, although the %s", name(c.Current), failed))
	default:
		d.Kind, d.To = KindDemote, l.Steps[idx-1].Grade
		d.Reasons = append(d.Reasons, fmt.Sprintf("demoted one step from %s to %s: %s", name(c.Current), name(d.To), failed))
	}
	return d
}

// checkPromotion checks the promotion indicators of target for c.
func (p Policy) checkPromotion(c Candidate, target Grade, exceptional bool) PromotionCheck {
	reqs := p.requirementsFor(target).Promotion
	checks, all := checkAll(reqs, c.Values, c.Flags)
	return PromotionCheck{Target: target, Exceptional: exceptional, Checks: checks, Met: all && len(reqs) > 0}
}

// summary says how many promotion indicators were met, and which were not.
func summary(pc PromotionCheck) string {
	if len(pc.Checks) == 0 {
		return fmt.Sprintf("%s has no promotion indicators", pc.Target)
	}
	met := 0
	for _, c := range pc.Checks {
		if c.Met {
			met++
		}
	}
	if met == len(pc.Checks) {
		return fmt.Sprintf("all %d promotion indicators met", met)
	}
	return fmt.Sprintf("%d of %d promotion indicators met (%s)", met, len(pc.Checks), unmet(pc.Checks))
}

func unmet(checks []Check) string {
	var out []string
	for _, c := range checks {
		if !c.Met {
			out = append(out, c.String())
		}
	}
	return strings.Join(out, "; ")
}

// applyQuotas applies the quotas, highest level first (see the package
// documentation), changing decisions in place.
func (p Policy) applyQuotas(cands []Candidate, ds []Decision) error {
	n := len(cands)
	if len(p.Quotas) == 0 || n == 0 || n < p.MinQuotaPopulation {
		return nil
	}
	population := num.Int(int64(n))
	movedDown := make([]bool, n) // left a higher level this period
	for i, d := range ds {
		movedDown[i] = d.To.Level != d.From.Level && p.Ladder.Index(d.To) < p.Ladder.Index(d.From)
	}
	levels := p.Ladder.Levels()
	for li := len(levels) - 1; li > 0; li-- {
		level := levels[li]
		q, ok := p.quotaFor(level)
		if !ok {
			continue
		}
		below, _ := p.Ladder.topOfLevelBelow(level) // li > 0
		share, err := q.Share.Mul(population)
		if err != nil {
			return fmt.Errorf("grade: quota of %s: %w", level, err)
		}
		limit, err := num.Floor(share)
		if err != nil {
			return fmt.Errorf("grade: quota of %s: %w", level, err)
		}
		var holding, ranked []int
		for i, d := range ds {
			if d.To.Level != level || d.Kind == KindTerminate {
				continue
			}
			holding = append(holding, i)
			if !movedDown[i] {
				ranked = append(ranked, i)
			}
		}
		if len(holding) <= limit {
			continue
		}
		slices.SortFunc(ranked, func(a, b int) int { return moveFirst(cands[a], cands[b]) })
		excess := len(holding) - limit
		for r, i := range ranked {
			rank := &QuotaRank{Level: level, Share: q.Share, Population: n, Limit: limit, Holding: len(holding),
				Ranked: len(ranked), Rank: r + 1, Score: cands[i].Score, Moved: r < excess}
			levelName := p.levelName(level)
			where := fmt.Sprintf("level %s holds %d of %d CMs, above its quota of %s (limit %d); ranked %d of %d, first to move first",
				levelName, len(holding), n, num.Percent(q.Share), limit, r+1, len(ranked))
			if !rank.Moved {
				ds[i].Quota = rank
				ds[i].Reasons = append(ds[i].Reasons, where+": within the limit, not moved")
				continue
			}
			movedDown[i] = true
			if ds[i].Kind == KindPromote && ds[i].From.Level != level {
				// Promoted into the level this period: withdraw the promotion.
				again := p.decideOne(cands[i], false)
				reasons := append(slices.Clone(ds[i].Reasons), fmt.Sprintf("promotion to %s withdrawn: %s", p.Ladder.Name(ds[i].To), where))
				again.Promotions, again.Reasons, again.Quota = ds[i].Promotions, append(reasons, again.Reasons...), rank
				ds[i] = again
				continue
			}
			if ds[i].Kind == KindPromote {
				ds[i].Reasons = append(ds[i].Reasons, fmt.Sprintf("promotion to %s withdrawn", p.Ladder.Name(ds[i].To)))
			}
			ds[i].Kind, ds[i].To, ds[i].Quota = KindQuotaDemote, below, rank
			ds[i].Exceptional, ds[i].ApprovalRef = false, ""
			ds[i].Reasons = append(ds[i].Reasons, fmt.Sprintf("moved down from %s to %s by the quota (末尾淘汰): %s",
				p.Ladder.Name(ds[i].From), p.Ladder.Name(below), where))
		}
	}
	return nil
}

// levelName returns the display name of a level: the name of its first
// step without the band ("高级" for 高级C).
func (p Policy) levelName(level string) string {
	for _, s := range p.Ladder.Steps {
		if s.Level == level {
			return strings.TrimSuffix(s.Name, s.Band)
		}
	}
	return level
}

// moveFirst orders candidates for a quota, first to move first: lower
// score, then later grade date (shorter time at the grade; unknown counts
// as the longest), then larger employee number.
func moveFirst(a, b Candidate) int {
	if c := a.Score.Cmp(b.Score); c != 0 {
		return c
	}
	if c := laterFirst(a.GradeSince, b.GradeSince); c != 0 {
		return c
	}
	return -cmp.Or(cmp.Compare(len(a.Employee), len(b.Employee)), strings.Compare(a.Employee, b.Employee))
}

// laterFirst orders dates latest first, with the zero date last.
func laterFirst(a, b civil.Date) int {
	switch {
	case a == b:
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	default:
		return b.Compare(a)
	}
}
