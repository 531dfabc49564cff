package pay_test

import (
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/formula"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

var d = money.MustParseDecimal

func plan(t testing.TB, c pay.Config) *pay.Plan {
	t.Helper()
	p, err := c.Compile()
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

func compute(t testing.TB, p *pay.Plan, in pay.Inputs, retros ...pay.Retro) pay.Payslip {
	t.Helper()
	s, err := pay.Compute(p, in, retros...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func line(t testing.TB, s pay.Payslip, code string) pay.Line {
	t.Helper()
	for _, l := range s.Lines {
		if l.Code == code {
			return l
		}
	}
	t.Fatalf("no line %s in %+v (warnings %v)", code, codes(s), s.Warnings)
	return pay.Line{}
}

func codes(s pay.Payslip) []string {
	var out []string
	for _, l := range s.Lines {
		out = append(out, l.Code+"="+l.Amount.String())
	}
	return out
}

func input(t testing.TB, l pay.Line, name string) pay.LineInput {
	t.Helper()
	for _, in := range l.Inputs {
		if in.Name == name {
			return in
		}
	}
	t.Fatalf("line %s has no input %s: %+v", l.Code, name, l.Inputs)
	return pay.LineInput{}
}

// cm is a confirmed manager on the sales ladder at grade level.
func cm(id, level string) pay.Manager {
	return pay.Manager{ID: id, Name: "经理" + id, OrgUnitID: "team-a", OrgPath: "/ho/br/team-a/", Post: "零售客户经理",
		Ladder: "sales", Level: level, GradeName: "助理", Status: pay.Confirmed}
}

func TestDefaultConfigIsValid(t *testing.T) {
	p := plan(t, pay.Default())
	if got := strings.Join(p.FigureCodes(), ","); got != "DEPOSIT_DAILY_AVG,LOAN_DAILY_AVG" {
		t.Errorf("figures read = %s", got)
	}
	if !p.UsesCoefficient() {
		t.Error("performance pay uses the coefficient")
	}
}

// TestWorkedExample1 is DOMAIN.md §7 example 1 through a payslip: the default
// business-profit bonus of a 30-day month with D = 50,000,000.00, L =
// 30,000,000.00 and F = 2,000.00 comes to 1,245.83, and the line shows every
// input with its value and source.
func TestWorkedExample1(t *testing.T) {
	p := plan(t, pay.Default())
	in := pay.Inputs{Period: pay.MustPeriod("2026-11"), Manager: cm("E1", "JUNIOR"),
		Figures: map[string]pay.Sourced{
			"DEPOSIT_DAILY_AVG": {Value: d("50000000.00"), Source: "figure D"},
			"LOAN_DAILY_AVG":    {Value: d("30000000.00"), Source: "figure L"},
		},
		PayInputs: []pay.PayInput{{ID: "f1", Kind: pay.MarketingExpense, Value: d("2000.00")}}}
	s := compute(t, p, in)
	bonus := line(t, s, "BUSINESS_BONUS")
	if bonus.Amount.String() != "1245.83" || bonus.Kind != pay.Earning || bonus.Formula != formula.DefaultBusinessBonus {
		t.Fatalf("bonus = %+v", bonus)
	}
	want := map[string]string{"D": "50000000.00", "IL": "0.0280", "IC": "0.0150", "L": "30000000.00", "IA": "0.0435",
		"IB": "0.0280", "t": "30", "P": "0.02", "Q": "0.03", "N": "1.0", "F": "2000.00", "K": "0.5"}
	if len(bonus.Inputs) != len(want) {
		t.Errorf("bonus inputs: %+v", bonus.Inputs)
	}
	for name, v := range want {
		in := input(t, bonus, name)
		if in.Value.String() != v || in.Source == "" || in.Doc == "" {
			t.Errorf("input %s = %+v, want %s with a source and a description", name, in, v)
		}
	}
	if src := input(t, bonus, "F").Source; !strings.Contains(src, "payInputs/f1") {
		t.Errorf("F source %q does not name the pay input", src)
	}
	if src := input(t, bonus, "IL").Source; !strings.Contains(src, "payConfigs/2000-01-01 r1 parameter IL") {
		t.Errorf("IL source %q", src)
	}
	steps := map[string]string{}
	for _, st := range bonus.Steps {
		steps[st.Text] = st.Value
	}
	if !strings.HasPrefix(steps["D * (IL - IC) * t / 360 * P"], "1083.333") || d(steps["L * (IA - IB) * t / 360 * Q * N"]).Cmp(d("1162.50")) != 0 ||
		d(steps["F * K"]).Cmp(d("1000")) != 0 {
		t.Errorf("steps: %v", steps)
	}
	if s.Gross.Cmp(sumOf(s, pay.Earning)) != 0 || s.Net.Cmp(must(s.Gross.Sub(s.Deductions))) != 0 {
		t.Errorf("payslip does not tie out: %+v", s)
	}
}

// TestWorkedExample2 is DOMAIN.md §7 example 2: with S = 6,000.00, a 助理 with
// conduct deductions of 150.00 gets 0.8·6,000.00 − 150.00 = 4,650.00.
func TestWorkedExample2(t *testing.T) {
	p := plan(t, pay.Default())
	in := pay.Inputs{Period: pay.MustPeriod("2026-11"), Manager: cm("E2", "ASSISTANT"),
		PayInputs: []pay.PayInput{
			{ID: "c1", Kind: pay.ConductDeduction, Code: "LATE", Value: d("100.00")},
			{ID: "c2", Kind: pay.ConductDeduction, Code: "DRESS", Value: d("50.00")},
		}}
	base := line(t, compute(t, p, in), "BASE")
	if base.Amount.String() != "4650.00" {
		t.Fatalf("base pay = %s, want 4650.00", base.Amount)
	}
	if v := input(t, base, "base_standard"); v.Value.Cmp(d("4800")) != 0 || !strings.Contains(v.Source, "0.8 × S 6000.00") {
		t.Errorf("base_standard = %+v", v)
	}
	if v := input(t, base, "conduct_deductions"); v.Value.String() != "150.00" || !strings.Contains(v.Source, "payInputs/c1 LATE 100.00, payInputs/c2 DRESS 50.00") {
		t.Errorf("conduct_deductions = %+v", v)
	}
	if v := input(t, base, "region_coefficient"); v.Value.Cmp(d("1")) != 0 {
		t.Errorf("region_coefficient = %+v", v)
	}
}

// TestBasePayNeverNegative: conduct deductions above the base standard leave
// base pay at zero, not below.
func TestBasePayNeverNegative(t *testing.T) {
	p := plan(t, pay.Default())
	in := pay.Inputs{Period: pay.MustPeriod("2026-11"), Manager: cm("E2", "ASSISTANT"),
		PayInputs: []pay.PayInput{{ID: "c1", Kind: pay.ConductDeduction, Value: d("9000.00")}}}
	if base := line(t, compute(t, p, in), "BASE"); !base.Amount.IsZero() {
		t.Fatalf("base pay = %s, want 0.00", base.Amount)
	}
}

// TestTraineeGetsOnlyTheDailyWage: a manager on probation on the month's last
// day gets the daily wage × days worked and nothing else — no base pay, no
// allowances, no award, no commission.
func TestTraineeGetsOnlyTheDailyWage(t *testing.T) {
	p := plan(t, pay.Default())
	m := cm("T1", "ASSISTANT")
	m.Status = pay.Probation
	m.Post = "营销团队主管" // even in a supervisor's post
	in := pay.Inputs{Period: pay.MustPeriod("2026-11"), Manager: m, Coefficient: &pay.Sourced{Value: d("1.2"), Source: "run"},
		Figures: map[string]pay.Sourced{"DEPOSIT_DAILY_AVG": {Value: d("1000000"), Source: "x"}},
		PayInputs: []pay.PayInput{
			{ID: "w", Kind: pay.DaysWorked, Value: d("21")},
			{ID: "a", Kind: pay.Award, Code: "SUGGESTION", Value: d("300.00")},
		},
		Contracts: []pay.Contract{{ID: "K1", Rule: "LOAN_CONTRACT", Amount: d("100000"), Collected: d("100000"), Input: "k"}}}
	s := compute(t, p, in)
	if len(s.Lines) != 1 || s.Lines[0].Code != "TRAINEE_WAGE" || s.Lines[0].Amount.String() != "4200.00" {
		t.Fatalf("trainee lines = %v, want only TRAINEE_WAGE 4200.00", codes(s))
	}
	if !s.Trainee || s.Net.String() != "4200.00" {
		t.Errorf("trainee %v, net %s", s.Trainee, s.Net)
	}
	if w := strings.Join(s.Warnings, "\n"); !strings.Contains(w, "award payInputs/a") || !strings.Contains(w, "contract K1") {
		t.Errorf("warnings should say the award and commission were not paid: %v", s.Warnings)
	}
	// Without days worked, the wage is not computed and the warning says why.
	in.PayInputs = nil
	s = compute(t, p, in)
	if len(s.Lines) != 0 || !strings.Contains(strings.Join(s.Warnings, "\n"), "no days worked recorded for managers/T1 in 2026-11") {
		t.Errorf("no days worked: lines %v, warnings %v", codes(s), s.Warnings)
	}
}

// TestManagementAllowanceForSupervisorsOnly: a supervisor (by post or by a
// supervisor-track grade) gets the management allowance; a CM does not.
func TestManagementAllowanceForSupervisorsOnly(t *testing.T) {
	p := plan(t, pay.Default())
	period := pay.MustPeriod("2026-11")
	has := func(s pay.Payslip) bool {
		for _, l := range s.Lines {
			if l.Code == "MANAGEMENT_ALLOWANCE" {
				return l.Amount.String() == "1000.00"
			}
		}
		return false
	}
	byPost := cm("S1", "JUNIOR")
	byPost.Post = "营销团队主管"
	byGrade := cm("S2", "SUP1")
	plain := cm("C1", "JUNIOR")
	for _, c := range []struct {
		m    pay.Manager
		want bool
	}{{byPost, true}, {byGrade, true}, {plain, false}} {
		s := compute(t, p, pay.Inputs{Period: period, Manager: c.m})
		if has(s) != c.want || s.Supervisor != c.want {
			t.Errorf("%s (post %s, grade %s): allowance %v supervisor %v, want %v", c.m.ID, c.m.Post, c.m.Level, has(s), s.Supervisor, c.want)
		}
	}
}

// TestMissingCoefficient: without a closed assessment result the performance
// line is left out with a warning that says so; the rest is paid.
func TestMissingCoefficient(t *testing.T) {
	p := plan(t, pay.Default())
	s := compute(t, p, pay.Inputs{Period: pay.MustPeriod("2026-11"), Manager: cm("E1", "JUNIOR")})
	for _, l := range s.Lines {
		if l.Code == "PERFORMANCE" {
			t.Fatal("performance pay without a coefficient")
		}
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "PERFORMANCE 绩效报酬 not computed: coefficient: the assessment service has no closed result for managers/E1 in 2026-11") {
		t.Errorf("warnings = %v", s.Warnings)
	}
	s = compute(t, p, pay.Inputs{Period: pay.MustPeriod("2026-11"), Manager: cm("E1", "JUNIOR"),
		Coefficient: &pay.Sourced{Value: d("1.05"), Source: "assessment runs/r1"}})
	if l := line(t, s, "PERFORMANCE"); l.Amount.String() != "3150.00" { // 1.05 × 0.5 × 6000
		t.Errorf("performance = %s, want 3150.00", l.Amount)
	}
}

// TestNoPayTableRow: a grade without a pay-table row gets no base or
// performance pay, and the warning names the grade.
func TestNoPayTableRow(t *testing.T) {
	p := plan(t, pay.Default())
	m := cm("E1", "UNKNOWN")
	s := compute(t, p, pay.Inputs{Period: pay.MustPeriod("2026-11"), Manager: m})
	if w := strings.Join(s.Warnings, "\n"); !strings.Contains(w, "BASE 基本报酬 not computed: base_standard: the pay table of payConfigs/2000-01-01 r1 has no row for") {
		t.Errorf("warnings = %v", s.Warnings)
	}
}

// TestRegionClass: the nearest unit above with a class gives the coefficient.
func TestRegionClass(t *testing.T) {
	c := pay.Default()
	c.RegionClasses = []pay.RegionClass{{OrgUnit: "ho", Name: "二类", Coefficient: d("1.00")}, {OrgUnit: "br", Name: "一类", Coefficient: d("1.10")}}
	p := plan(t, c)
	base := line(t, compute(t, p, pay.Inputs{Period: pay.MustPeriod("2026-11"), Manager: cm("E1", "JUNIOR")}), "BASE")
	if base.Amount.String() != "6600.00" || !strings.Contains(input(t, base, "region_coefficient").Source, "一类 of orgUnits/br") {
		t.Errorf("base = %s, region %+v", base.Amount, input(t, base, "region_coefficient"))
	}
}

// TestCommission: commission is paid once the collection ratio reaches the
// threshold, only once, and clawed back when a reversal takes the ratio below
// it again.
func TestCommission(t *testing.T) {
	p := plan(t, pay.Default()) // LOAN_CONTRACT: 0.2 % from 80 % collected
	k := pay.Contract{ID: "K1", Rule: "LOAN_CONTRACT", Amount: d("1000000.00"), Signed: "2026-09", Input: "k1"}
	slip := func(k pay.Contract) pay.Payslip {
		return compute(t, p, pay.Inputs{Period: pay.MustPeriod("2026-11"), Manager: cm("E1", "JUNIOR"), Contracts: []pay.Contract{k}})
	}
	commission := func(s pay.Payslip) []string {
		var out []string
		for _, l := range s.Lines {
			if l.Contract != "" {
				out = append(out, l.Code+"="+l.Amount.String())
			}
		}
		return out
	}
	k.Collected = d("799999.99")
	if got := commission(slip(k)); len(got) != 0 {
		t.Errorf("below the threshold: %v", got)
	}
	k.Collected, k.Collections = d("800000.00"), []string{"payInputs/c1", "payInputs/c2"}
	s := slip(k)
	if got := commission(s); len(got) != 1 || got[0] != "COMMISSION/K1=2000.00" {
		t.Fatalf("at the threshold: %v", got)
	}
	l := line(t, s, "COMMISSION/K1")
	if l.Basis != "0" || input(t, l, "collected").Source != "collections payInputs/c1, payInputs/c2" {
		t.Errorf("commission line: %+v", l)
	}
	k.Paid, k.PaidIn = money.FromFen(200000), []string{"payrollRuns/r10"}
	if got := commission(slip(k)); len(got) != 0 {
		t.Errorf("paid once already: %v", got)
	}
	k.Collected = d("500000.00") // a reversal
	s = slip(k)
	if got := commission(s); len(got) != 1 || got[0] != "CLAWBACK/K1=2000.00" {
		t.Fatalf("after a reversal: %v", got)
	}
	if l := line(t, s, "CLAWBACK/K1"); l.Kind != pay.Deduction || l.Basis != "200000" {
		t.Errorf("clawback line: %+v", l)
	}
}

// TestRetro: a configuration dated back into a locked month gives 补发 and
// 扣回 lines for the components that come to different amounts, naming the
// locked run, and what they settle.
func TestRetro(t *testing.T) {
	old := plan(t, pay.Default())
	locked := pay.Inputs{Period: pay.MustPeriod("2026-10"), Manager: cm("E1", "JUNIOR"),
		Coefficient: &pay.Sourced{Value: d("1"), Source: "x"}}
	paid := compute(t, old, locked)
	changed := pay.Default()
	changed.Revision = 2
	changed.Standard = money.FromFen(650000)                            // S 6,000 → 6,500: base and performance up
	changed.Parameters[9].Value = d("300.00")                           // other_allowance 500 → 300: down
	changed.Components = changed.Components[:len(changed.Components)-2] // the allowance component dropped too
	now := plan(t, changed)
	current := pay.Inputs{Period: pay.MustPeriod("2026-11"), Manager: cm("E1", "JUNIOR")}
	s := compute(t, old, current, pay.Retro{Period: locked.Period, Run: "r10", Plan: now, Inputs: locked,
		Settled: paid.Components(), SettledKey: old.Key()})
	base := line(t, s, "RETRO/2026-10/BASE")
	if base.Kind != pay.Earning || base.Amount.String() != "500.00" || base.RefRun != "r10" || base.RefPeriod != "2026-10" ||
		!strings.HasPrefix(base.Name, "补发 2026-10 基本报酬") || base.Basis != old.Key() {
		t.Errorf("retro base: %+v", base)
	}
	if perf := line(t, s, "RETRO/2026-10/PERFORMANCE"); perf.Amount.String() != "250.00" {
		t.Errorf("retro performance: %+v", perf)
	}
	gone := line(t, s, "RETRO/2026-10/OTHER_ALLOWANCE")
	if gone.Kind != pay.Deduction || gone.Amount.String() != "500.00" || !strings.HasPrefix(gone.Name, "扣回") {
		t.Errorf("retro of a dropped component: %+v", gone)
	}
	if len(s.Settlements) != 1 || s.Settlements[0].Key != now.Key() || s.Settlements[0].Amounts["BASE"] != 650000 {
		t.Errorf("settlements: %+v", s.Settlements)
	}
	// Settled at the new configuration: nothing more.
	s = compute(t, old, current, pay.Retro{Period: locked.Period, Run: "r10", Plan: now, Inputs: locked,
		Settled: s.Settlements[0].Amounts, SettledKey: now.Key()})
	for _, l := range s.Lines {
		if l.RefRun != "" {
			t.Errorf("settled month still adjusted: %+v", l)
		}
	}
}

func sumOf(s pay.Payslip, kind pay.LineKind) money.Amount {
	var total money.Amount
	for _, l := range s.Lines {
		if l.Kind == kind {
			total = must(total.Add(l.Amount))
		}
	}
	return total
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
