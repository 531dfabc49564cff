package manager_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
)

var d = civil.MustParse

func TestPlanRefusesIllegalTransitionsNamingTheAllowedStates(t *testing.T) {
	confirmed := manager.Manager{ID: "E1", Status: manager.Confirmed, StatusDate: d("2025-01-01")}
	_, _, err := manager.Plan(confirmed, manager.Step{Transition: manager.Extend, Date: d("2026-01-01"), Months: 1})
	if !errors.Is(err, manager.ErrIllegalState) || !strings.Contains(err.Error(), "STATUS_CONFIRMED") ||
		!strings.Contains(err.Error(), "allowed only from STATUS_PROBATION") {
		t.Fatalf("extend a confirmed manager: %v", err)
	}
	_, _, err = manager.Plan(confirmed, manager.Step{Transition: manager.Appoint, Date: d("2026-01-01")})
	if !errors.Is(err, manager.ErrIllegalState) || !strings.Contains(err.Error(), "STATUS_CANDIDATE") {
		t.Fatalf("appoint a confirmed manager: %v", err)
	}
	exited := manager.Manager{ID: "E1", Status: manager.Exited, StatusDate: d("2025-01-01")}
	for _, tr := range []manager.Transition{manager.Appoint, manager.Confirm, manager.Extend, manager.StartObservation, manager.EndObservation, manager.Exit} {
		if _, _, err := manager.Plan(exited, manager.Step{Transition: tr, Date: d("2026-01-01"), Months: 1, ExitReason: manager.Resigned}); !errors.Is(err, manager.ErrIllegalState) {
			t.Errorf("%s after exit: %v", tr, err)
		}
	}
	if _, _, err := manager.Plan(confirmed, manager.Step{Transition: manager.StartObservation, Date: d("2024-12-31")}); !errors.Is(err, manager.ErrInvalid) {
		t.Errorf("a step dated before the current status began: %v", err)
	}
}

func TestProbation(t *testing.T) {
	m := manager.Manager{ID: "E1", Status: manager.Candidate, StatusDate: d("2026-01-10")}
	m, approval, err := manager.Plan(m, manager.Step{Transition: manager.Appoint, Date: d("2026-01-15")})
	if err != nil || approval || m.Status != manager.Probation || m.ProbationEnd != d("2026-04-14") {
		t.Fatalf("appoint: %+v %v %v", m, approval, err)
	}
	// Standard confirmation only after three months.
	if _, _, err := manager.Plan(m, manager.Step{Transition: manager.Confirm, Date: d("2026-04-14")}); !errors.Is(err, manager.ErrIllegalState) ||
		!strings.Contains(err.Error(), "ends on 2026-04-14") {
		t.Fatalf("confirm before three months: %v", err)
	}
	if after, approval, err := manager.Plan(m, manager.Step{Transition: manager.Confirm, Date: d("2026-04-15")}); err != nil || approval || after.Status != manager.Confirmed {
		t.Fatalf("confirm at three months: %v %v", approval, err)
	}
	// Early: from two months, with approval; never before.
	if _, _, err := manager.Plan(m, manager.Step{Transition: manager.Confirm, Date: d("2026-03-14"), Early: true}); !errors.Is(err, manager.ErrIllegalState) ||
		!strings.Contains(err.Error(), "possible from 2026-03-15") {
		t.Fatalf("early before two months: %v", err)
	}
	if _, approval, err := manager.Plan(m, manager.Step{Transition: manager.Confirm, Date: d("2026-03-15"), Early: true}); err != nil || !approval {
		t.Fatalf("early at two months: approval %v err %v", approval, err)
	}
	// Extension: 1 or 2 months, with approval, once.
	if _, _, err := manager.Plan(m, manager.Step{Transition: manager.Extend, Date: d("2026-04-15"), Months: 3}); !errors.Is(err, manager.ErrInvalid) {
		t.Fatalf("three-month extension: %v", err)
	}
	ext, approval, err := manager.Plan(m, manager.Step{Transition: manager.Extend, Date: d("2026-04-15"), Months: 2})
	if err != nil || !approval || ext.Status != manager.ExtendedProbation || ext.ProbationEnd != d("2026-06-14") {
		t.Fatalf("extend: %+v %v %v", ext, approval, err)
	}
	if _, _, err := manager.Plan(ext, manager.Step{Transition: manager.Extend, Date: d("2026-05-01"), Months: 1}); !errors.Is(err, manager.ErrIllegalState) {
		t.Fatalf("second extension: %v", err)
	}
	// Failing again ends employment.
	out, _, err := manager.Plan(ext, manager.Step{Transition: manager.Exit, Date: d("2026-06-14"), ExitReason: manager.Dismissed})
	if err != nil || out.Status != manager.Exited || out.ExitReason != manager.Dismissed {
		t.Fatalf("dismiss: %+v %v", out, err)
	}
	if _, _, err := manager.Plan(ext, manager.Step{Transition: manager.Exit, Date: d("2026-06-14")}); !errors.Is(err, manager.ErrInvalid) {
		t.Fatalf("exit without a reason: %v", err)
	}
}

func ladder(id string) manager.Ladder {
	switch id {
	case "bank":
		return manager.Ladder{ID: "bank", Levels: []manager.Level{{Code: "T", DisplayName: "见习"}, {Code: "L4", DisplayName: "四级"},
			{Code: "L3", DisplayName: "三级"}, {Code: "L2", DisplayName: "二级"}, {Code: "L1", DisplayName: "一级"}, {Code: "SR", DisplayName: "高级"}}}
	case "banded":
		return manager.Ladder{ID: "banded", Levels: []manager.Level{
			{Code: "J", DisplayName: "初级", Bands: []string{"A", "B", "C"}, TargetShare: "0.30"},
			{Code: "M", DisplayName: "中级", Bands: []string{"A", "B", "C"}, TargetShare: "0.60"},
			{Code: "S", DisplayName: "高级", Bands: []string{"A", "B", "C"}, TargetShare: "0.10"}}}
	default:
		return manager.Ladder{ID: "sales", Levels: []manager.Level{{Code: "AS", DisplayName: "助理"}, {Code: "J", DisplayName: "初级"},
			{Code: "P", DisplayName: "资深"}, {Code: "S1", DisplayName: "初级主管", Track: "m"}, {Code: "S2", DisplayName: "中级主管", Track: "m"}}}
	}
}

func TestCheckStep(t *testing.T) {
	g := func(l, level, band string) manager.Grade { return manager.Grade{Ladder: l, Level: level, Band: band} }
	for _, c := range []struct {
		ladder   string
		from, to manager.Grade
		ok       bool
	}{
		{"bank", manager.Grade{}, g("bank", "L1", ""), true}, // a first grade is not a step
		{"bank", g("bank", "L2", ""), g("bank", "L1", ""), true},
		{"bank", g("bank", "L2", ""), g("bank", "SR", ""), false}, // worked example 3: 二级 → 高级 skips 一级
		{"bank", g("bank", "L2", ""), g("bank", "L3", ""), true},
		{"bank", g("bank", "L1", ""), g("bank", "L3", ""), false},
		{"banded", g("banded", "J", "A"), g("banded", "M", "C"), true}, // 初级A → 中级C is one step
		{"banded", g("banded", "J", "C"), g("banded", "J", "A"), false},
		{"banded", g("banded", "M", "B"), g("banded", "M", "A"), true},
		{"sales", g("sales", "P", ""), g("sales", "S1", ""), true}, // dual channel from the top
		{"sales", g("sales", "J", ""), g("sales", "S1", ""), false},
		{"sales", g("sales", "P", ""), g("sales", "S2", ""), false},
		{"bank", g("sales", "P", ""), g("bank", "L1", ""), true}, // moving onto another ladder
	} {
		err := ladder(c.ladder).CheckStep(c.from, c.to)
		if (err == nil) != c.ok {
			t.Errorf("%v → %v: err = %v, want ok=%v", c.from, c.to, err, c.ok)
		}
		if err != nil && (!errors.Is(err, manager.ErrIllegalState) || !strings.Contains(err.Error(), "exceptional")) {
			t.Errorf("%v → %v: message should say how to proceed: %v", c.from, c.to, err)
		}
	}
	if err := ladder("bank").CheckStep(g("bank", "L2", ""), g("bank", "SR", "")); !strings.Contains(err.Error(), "from 二级 to 高级 skips 1 step") {
		t.Errorf("message: %v", err)
	}
}

func TestLadderValidation(t *testing.T) {
	bad := ladder("banded")
	bad.Levels[2].TargetShare = "0.20" // 0.3 + 0.6 + 0.2 > 1
	if err := bad.Validate(); !errors.Is(err, manager.ErrInvalid) || !strings.Contains(err.Error(), "1.1") {
		t.Errorf("shares over 1: %v", err)
	}
	dup := ladder("bank")
	dup.Levels[1].Code = "T"
	if err := dup.Validate(); err == nil {
		t.Error("duplicate level codes accepted")
	}
	if err := ladder("banded").CheckGrade("M", ""); err == nil || !strings.Contains(err.Error(), "needs a band") {
		t.Errorf("missing band: %v", err)
	}
	if err := ladder("bank").CheckGrade("L9", ""); err == nil || !strings.Contains(err.Error(), "L2 (二级)") {
		t.Errorf("unknown level should list the levels: %v", err)
	}
}

func TestAsOfFoldsEachKindSeparately(t *testing.T) {
	h := []manager.HistoryEntry{
		{Kind: manager.PostingChange, ValidFrom: d("2020-01-01"), OrgUnitID: "a", Line: manager.Retail},
		{Kind: manager.StatusChange, ValidFrom: d("2020-01-01"), Status: manager.Candidate},
		{Kind: manager.StatusChange, ValidFrom: d("2020-02-01"), Status: manager.Probation},
		{Kind: manager.GradeChange, ValidFrom: d("2021-01-01"), Grade: manager.Grade{Ladder: "bank", Level: "L4"}},
		{Kind: manager.PostingChange, ValidFrom: d("2022-07-01"), OrgUnitID: "b", Line: manager.Corporate},
		{Kind: manager.GradeChange, ValidFrom: d("2023-01-01"), Grade: manager.Grade{Ladder: "bank", Level: "L3"}},
	}
	for _, c := range []struct {
		day, unit, level string
		status           manager.Status
	}{
		{"2019-12-31", "", "", 0},
		{"2020-01-15", "a", "", manager.Candidate},
		{"2022-06-30", "a", "L4", manager.Probation},
		{"2022-07-01", "b", "L4", manager.Probation},
		{"2023-01-01", "b", "L3", manager.Probation},
	} {
		s := manager.AsOf(h, d(c.day))
		if s.OrgUnitID != c.unit || s.Grade.Level != c.level || s.Status != c.status {
			t.Errorf("%s: %+v", c.day, s)
		}
	}
	if err := manager.CheckEffective(h, manager.GradeChange, d("2022-12-31"), "grade"); !errors.Is(err, manager.ErrInvalid) ||
		!strings.Contains(err.Error(), "2023-01-01") {
		t.Errorf("back-dated grade: %v", err)
	}
}

func TestEntryRulesReportEveryFailureWithItsReason(t *testing.T) {
	on := d("2026-11-23")
	m := manager.Manager{ID: "E9", Education: 2, HireDate: d("2026-10-08"),
		Entry: manager.EntryRecord{KnowledgeExam: d("2026-10-20"),
			Sanctions: []manager.Sanction{{Description: "警告", Imposed: d("2024-01-01"), Lifted: d("2025-01-01")}}}}
	results, eligible := manager.EvaluateEntry(m, manager.EntryInput{On: on, TargetLine: manager.Corporate, RetailCMMonths: 10})
	if eligible {
		t.Fatal("eligible")
	}
	want := map[string]string{
		manager.RuleExperience:          "0 whole year(s) in finance (since not recorded), 0 in this bank",
		manager.RuleEducation:           "高中·中专",
		manager.RuleCreditLicence:       "no credit licence",
		manager.RuleExams:               "conduct review: not passed",
		manager.RuleCorporateExperience: "10 month(s)",
		manager.RuleSanctions:           "eligible from 2027-01-01",
	}
	if len(results) != len(want) {
		t.Fatalf("%d rules, want %d: %+v", len(results), len(want), results)
	}
	for _, r := range results {
		if r.Passed || !strings.Contains(r.Reason, want[r.Rule]) {
			t.Errorf("%s: passed=%v reason %q, want it to fail saying %q", r.Rule, r.Passed, r.Reason, want[r.Rule])
		}
		if r.Waivable != (r.Rule == manager.RuleEducation || r.Rule == manager.RuleCorporateExperience) {
			t.Errorf("%s: waivable = %v", r.Rule, r.Waivable)
		}
	}
	// Fix what can be fixed, waive the rest: eligible.
	m.FinanceStart = d("2020-01-01")
	m.Qualifications = []manager.Qualification{{Kind: manager.CreditLicence, Number: "X", Issue: d("2026-01-01"), Expiry: d("2027-01-01")}}
	m.Entry.ConductReview = d("2026-10-20")
	m.Entry.Sanctions = nil
	results, eligible = manager.EvaluateEntry(m, manager.EntryInput{On: on, TargetLine: manager.Corporate, RetailCMMonths: 10,
		Waivers: map[string]string{manager.RuleEducation: "ap1", manager.RuleCorporateExperience: "ap2"}})
	if !eligible {
		t.Fatalf("with waivers: %+v", results)
	}
	// An expired licence fails again.
	if results, _ := manager.EvaluateEntry(m, manager.EntryInput{On: d("2027-01-02"), TargetLine: manager.Retail}); results[2].Passed {
		t.Errorf("expired licence passed: %+v", results[2])
	}
}
