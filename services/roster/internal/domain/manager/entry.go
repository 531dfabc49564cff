package manager

import (
	"fmt"

	"github.com/rmsuite/rmsuite/pkg/civil"
)

// Entry rule codes, in the order they are reported.
const (
	RuleExperience          = "experience"
	RuleEducation           = "education"
	RuleCreditLicence       = "credit_licence"
	RuleExams               = "exams"
	RuleCorporateExperience = "corporate_experience"
	RuleSanctions           = "sanctions"
)

// Waivable lists the rules a recorded, approved waiver may set aside.
var Waivable = map[string]bool{RuleEducation: true, RuleCorporateExperience: true}

// RuleResult is one entry rule's outcome.
type RuleResult struct {
	Rule        string
	Description string
	Passed      bool
	Reason      string
	Waivable    bool
	Waiver      string // approval of a waiver, when one holds
}

// EntryInput is what the entry check needs beyond the record.
type EntryInput struct {
	On             civil.Date
	TargetLine     Line
	RetailCMMonths int               // months served as a retail-line manager before On
	Waivers        map[string]string // rule → approval name
}

// EvaluateEntry checks every entry rule (准入) of DOMAIN.md §3 for m, in a fixed
// order, saying for each why it holds or fails.
func EvaluateEntry(m Manager, in EntryInput) (results []RuleResult, eligible bool) {
	on := in.On
	add := func(rule, desc string, passed bool, reason string, args ...any) {
		r := RuleResult{Rule: rule, Description: desc, Passed: passed, Reason: fmt.Sprintf(reason, args...), Waivable: Waivable[rule]}
		if !passed && r.Waivable {
			r.Waiver = in.Waivers[rule]
		}
		results = append(results, r)
	}

	financeYears, bankYears := 0, 0
	if !m.FinanceStart.IsZero() {
		financeYears = on.YearsSince(m.FinanceStart)
	}
	if !m.HireDate.IsZero() {
		bankYears = on.YearsSince(m.HireDate)
	}
	add(RuleExperience, "≥ 2 years in finance, or ≥ 1 year in this bank",
		financeYears >= 2 || bankYears >= 1,
		"%d whole year(s) in finance (since %s), %d in this bank (since %s)", financeYears, orNone(m.FinanceStart), bankYears, orNone(m.HireDate))

	add(RuleEducation, "education 大专 (junior college) or above",
		m.Education >= EducationJuniorCollege,
		"recorded education: %s", educationName(m.Education))

	licence := "no credit licence (信贷上岗证) recorded"
	hasLicence := false
	for _, q := range m.Qualifications {
		if q.Kind != CreditLicence {
			continue
		}
		if q.ValidOn(on) {
			hasLicence, licence = true, fmt.Sprintf("credit licence %s valid until %s", q.Number, orNever(q.Expiry))
			break
		}
		licence = fmt.Sprintf("credit licence %s is not valid on %s (issued %s, expires %s)", q.Number, on, orNone(q.Issue), orNever(q.Expiry))
	}
	add(RuleCreditLicence, "holds a valid credit licence (信贷上岗证)", hasLicence, "%s", licence)

	exam := !m.Entry.KnowledgeExam.IsZero() && !m.Entry.KnowledgeExam.After(on)
	review := !m.Entry.ConductReview.IsZero() && !m.Entry.ConductReview.After(on)
	add(RuleExams, "passed the knowledge exam and the conduct review (双考)", exam && review,
		"knowledge exam: %s; conduct review: %s", passedOn(m.Entry.KnowledgeExam, exam), passedOn(m.Entry.ConductReview, review))

	if in.TargetLine == Corporate {
		add(RuleCorporateExperience, "a corporate-line manager needs ≥ 2 years as a retail-line manager",
			in.RetailCMMonths >= 24, "%d month(s) as a retail-line manager", in.RetailCMMonths)
	}

	sanctionOK, sanctionWhy := true, "no disciplinary sanction recorded"
	for _, s := range m.Entry.Sanctions {
		switch {
		case s.Lifted.IsZero() || s.Lifted.After(on):
			sanctionOK, sanctionWhy = false, fmt.Sprintf("sanction %q of %s is not lifted", s.Description, orNone(s.Imposed))
		case on.YearsSince(s.Lifted) < 2:
			sanctionOK, sanctionWhy = false, fmt.Sprintf("sanction %q was lifted on %s, less than 2 years ago (eligible from %s)",
				s.Description, s.Lifted, s.Lifted.AddMonths(24))
		case sanctionOK:
			sanctionWhy = fmt.Sprintf("every sanction lifted 2 or more years ago (latest %s)", s.Lifted)
		}
		if !sanctionOK {
			break
		}
	}
	add(RuleSanctions, "any disciplinary sanction lifted ≥ 2 years ago", sanctionOK, "%s", sanctionWhy)

	eligible = true
	for _, r := range results {
		if !r.Passed && r.Waiver == "" {
			eligible = false
		}
	}
	return results, eligible
}

var educationNames = map[int]string{
	1: "初中及以下 (junior middle or less)", 2: "高中·中专 (senior middle / vocational)",
	3: "大专 (junior college)", 4: "本科 (bachelor)", 5: "硕士及以上 (master or higher)",
}

func educationName(e int) string {
	if n, ok := educationNames[e]; ok {
		return n
	}
	return "not recorded"
}

func orNone(d civil.Date) string {
	if d.IsZero() {
		return "not recorded"
	}
	return d.String()
}

func orNever(d civil.Date) string {
	if d.IsZero() {
		return "no expiry"
	}
	return d.String()
}

func passedOn(d civil.Date, ok bool) string {
	switch {
	case ok:
		return "passed on " + d.String()
	case d.IsZero():
		return "not passed"
	default:
		return "passes only on " + d.String()
	}
}
