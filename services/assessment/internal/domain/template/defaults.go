package template

import (
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// Codes of the templates in [DefaultTemplates].
const (
	Junior = "JUNIOR"
	Middle = "MIDDLE"
	Senior = "SENIOR"
)

// DefaultTemplates returns the three templates shipped with a fresh
// install, built on [indicator.DefaultLibrary]. Part weights:
//
//	template  basic  marketing  management
//	JUNIOR      50       35         15
//	MIDDLE      30       50         20
//	SENIOR      20       30         50
//
// and line weights:
//
//	part        indicator               JUNIOR  MIDDLE  SENIOR
//	basic       ETHICS_RATING             10       5       5
//	basic       COMPLIANCE_BREACHES       10       5       5
//	basic       BASIC_MGMT_RATING         10       5       5
//	basic       VISIT_PLAN_COMPLETION     10      10       5
//	basic       ON_TIME_VISIT_RATE        10       5       —
//	marketing   DEPOSIT_DAILY_AVG         10      15      10
//	marketing   LOAN_DAILY_AVG            10      15      10
//	marketing   NEW_CUSTOMERS             10      10       5
//	marketing   INTERMEDIATE_REVENUE       5      10       5
//	management  CUSTOMER_SATISFACTION      5       5      10
//	management  RESPONSE_24H_RATE          5       5       5
//	management  NPL_RATIO                  5       5      15
//	management  CREDIT_OPS_RATING          —       5      10
//	management  TEAM_MGMT_RATING           —       —      10
func DefaultTemplates() []Template {
	type row struct {
		part                   Part
		code                   string
		junior, middle, senior int64
	}
	rows := []row{
		{PartBasic, indicator.EthicsRating, 10, 5, 5},
		{PartBasic, indicator.ComplianceBreaches, 10, 5, 5},
		{PartBasic, indicator.BasicMgmtRating, 10, 5, 5},
		{PartBasic, indicator.VisitPlanCompletion, 10, 10, 5},
		{PartBasic, indicator.OnTimeVisitRate, 10, 5, 0},
		{PartMarketing, indicator.DepositDailyAvg, 10, 15, 10},
		{PartMarketing, indicator.LoanDailyAvg, 10, 15, 10},
		{PartMarketing, indicator.NewCustomers, 10, 10, 5},
		{PartMarketing, indicator.IntermediateRevenue, 5, 10, 5},
		{PartManagement, indicator.CustomerSatisfaction, 5, 5, 10},
		{PartManagement, indicator.Response24hRate, 5, 5, 5},
		{PartManagement, indicator.NPLRatio, 5, 5, 15},
		{PartManagement, indicator.CreditOpsRating, 0, 5, 10},
		{PartManagement, indicator.TeamMgmtRating, 0, 0, 10},
	}
	build := func(code, name string, tier Tier, weight func(row) int64) Template {
		t := Template{Code: code, Name: name, Tier: tier}
		for _, r := range rows {
			if w := weight(r); w > 0 {
				t.Lines = append(t.Lines, Line{Indicator: r.code, Part: r.part, Weight: money.DecimalFromInt(w)})
			}
		}
		return t
	}
	return []Template{
		build(Junior, "初级客户经理月度考核 (junior levels)", TierJunior, func(r row) int64 { return r.junior }),
		build(Middle, "中级客户经理月度考核 (middle levels)", TierMiddle, func(r row) int64 { return r.middle }),
		build(Senior, "高级客户经理月度考核 (senior levels)", TierSenior, func(r row) int64 { return r.senior }),
	}
}

// Assignment says which template assesses the CMs at one level of one
// ladder.
type Assignment struct {
	Ladder   string `json:"ladder"`   // ladder id, as in the roster ("bank")
	Level    string `json:"level"`    // level code on that ladder ("L2")
	Template string `json:"template"` // template code ("MIDDLE")
}

// Assignments is the table of template assignments.
type Assignments []Assignment

// TemplateFor returns the code of the template for level on ladder.
func (a Assignments) TemplateFor(ladder, level string) (string, bool) {
	for _, x := range a {
		if x.Ladder == ladder && x.Level == level {
			return x.Template, true
		}
	}
	return "", false
}

// Validate checks that every assignment names a ladder, a level and one of
// templates, and that no ladder level is assigned twice.
func (a Assignments) Validate(templates []Template) error {
	codes := map[string]bool{}
	for _, t := range templates {
		codes[t.Code] = true
	}
	var v violation.List
	seen := map[[2]string]int{}
	for i, x := range a {
		at := violation.Index("assignments", i)
		if x.Ladder == "" {
			v.Add(at+".ladder", "must not be empty")
		}
		if x.Level == "" {
			v.Add(at+".level", "must not be empty")
		}
		if !codes[x.Template] {
			v.Add(at+".template", "%q is not a template", x.Template)
		}
		key := [2]string{x.Ladder, x.Level}
		if j, dup := seen[key]; dup {
			v.Add(at, "level %s of ladder %s is already assigned in assignments[%d]", x.Level, x.Ladder, j)
		} else {
			seen[key] = i
		}
	}
	return v.Err()
}

// DefaultAssignments maps the levels of the three default ladders (ids and
// level codes as the roster ships them) onto [DefaultTemplates]:
//
//	ladder                   JUNIOR                MIDDLE          SENIOR
//	bank                     T (见习), L4, L3       L2, L1          SR (高级)
//	three-levels-nine-bands  JUNIOR (初级)          MIDDLE (中级)    SENIOR (高级)
//	sales                    ASSISTANT, JUNIOR     MIDDLE, SENIOR  SPECIAL, PRINCIPAL, SUP1–SUP3
func DefaultAssignments() Assignments {
	var a Assignments
	add := func(ladder, tpl string, levels ...string) {
		for _, l := range levels {
			a = append(a, Assignment{Ladder: ladder, Level: l, Template: tpl})
		}
	}
	add("bank", Junior, "T", "L4", "L3")
	add("bank", Middle, "L2", "L1")
	add("bank", Senior, "SR")
	add("three-levels-nine-bands", Junior, "JUNIOR")
	add("three-levels-nine-bands", Middle, "MIDDLE")
	add("three-levels-nine-bands", Senior, "SENIOR")
	add("sales", Junior, "ASSISTANT", "JUNIOR")
	add("sales", Middle, "MIDDLE", "SENIOR")
	add("sales", Senior, "SPECIAL", "PRINCIPAL", "SUP1", "SUP2", "SUP3")
	return a
}
