package pay_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/formula"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

// violations compiles c and returns its violations by field.
func violations(t *testing.T, c pay.Config) map[string]string {
	t.Helper()
	_, err := c.Compile()
	out := map[string]string{}
	for _, v := range pay.Violations(err) {
		out[v.Field] = v.Description
	}
	if err != nil && len(out) == 0 {
		t.Fatalf("not a validation error: %v", err)
	}
	return out
}

// TestFormulaValidation: a formula is saved only if it compiles; unknown names
// and syntax errors are refused with their line and column, on the
// component's field.
func TestFormulaValidation(t *testing.T) {
	for _, c := range []struct {
		formula, want string
	}{
		{"base_standard * region_coefficent", `1:17: unknown name "region_coefficent"`},
		{"base_standard +", "1:16: "},
		{"max(base_standard,\n  conduct_deductions) * (2", "2:27: unexpected end of formula"},
		{"base_standard * base_standard", "1:15: "}, // money × money
		{"base_standard / days_worked", "1:17: division by days_worked, which may be zero"},
		{"if(days_worked > 0, D / days_worked, 0)", ""},   // guarded
		{"coefficient", "1:1: formula gives number, but"}, // not money
	} {
		cfg := pay.Default()
		cfg.Components[0].Formula = c.formula
		got := violations(t, cfg)
		desc, ok := got["components[0].formula"]
		switch {
		case c.want == "" && len(got) > 0:
			t.Errorf("%q: refused: %v", c.formula, got)
		case c.want != "" && (!ok || !strings.HasPrefix(desc, c.want)):
			t.Errorf("%q: violations %v, want components[0].formula starting %q", c.formula, got, c.want)
		}
	}
}

// TestParametersJoinTheFormulaInputs: a formula may use a parameter of the
// same configuration; a parameter may not take a catalogue name or a reserved
// word, and a non-zero parameter may be divided by.
func TestParametersJoinTheFormulaInputs(t *testing.T) {
	cfg := pay.Default()
	cfg.Parameters = append(cfg.Parameters, pay.Parameter{Name: "housing_rate", Unit: formula.UnitRate, Value: money.MustParseDecimal("0.07")},
		pay.Parameter{Name: "months", Unit: formula.UnitNumber, Value: money.MustParseDecimal("12")})
	cfg.Components = append(cfg.Components, pay.Component{Code: "HOUSING_FUND", Name: "住房公积金", Kind: pay.Deduction,
		Eligibility: pay.NonTrainees, Formula: "base_standard * housing_rate / months"})
	if got := violations(t, cfg); len(got) > 0 {
		t.Fatalf("refused: %v", got)
	}
	cfg.Parameters = append(cfg.Parameters, pay.Parameter{Name: "D", Unit: formula.UnitMoney, Value: money.MustParseDecimal("1")},
		pay.Parameter{Name: "max", Unit: formula.UnitNumber, Value: money.MustParseDecimal("1")},
		pay.Parameter{Name: "IL", Unit: formula.UnitRate, Value: money.MustParseDecimal("1")})
	got := violations(t, cfg)
	n := len(cfg.Parameters)
	for i, want := range map[int]string{n - 3: "is a formula input", n - 2: "is not a name", n - 1: "declared twice"} {
		if f := "parameters[" + itoa(i) + "].name"; !strings.Contains(got[f], want) {
			t.Errorf("%s: %q, want %q (all: %v)", f, got[f], want, got)
		}
	}
}

// TestConfigValidation: every field is checked and every problem reported.
func TestConfigValidation(t *testing.T) {
	cfg := pay.Default()
	cfg.Standard = money.FromFen(0)
	cfg.GradeRates = append(cfg.GradeRates, cfg.GradeRates[0], pay.GradeRate{Ladder: "Sales!", Level: "", Base: money.MustParseDecimal("-1")})
	cfg.Components = append(cfg.Components, pay.Component{Code: "BASE", Name: "", Kind: 0, Eligibility: 9, Formula: "1"},
		pay.Component{Code: "RETRO", Name: "x", Kind: pay.Earning, Eligibility: pay.NonTrainees, Formula: "S"})
	cfg.CommissionRules = append(cfg.CommissionRules, pay.CommissionRule{Code: "LOAN_CONTRACT", Name: "x", Rate: money.MustParseDecimal("2"),
		Threshold: money.MustParseDecimal("1.5")})
	cfg.RegionClasses = []pay.RegionClass{{OrgUnit: "br", Coefficient: money.MustParseDecimal("0")}}
	cfg.SupervisorLevels = append(cfg.SupervisorLevels, "SUP1")
	got := violations(t, cfg)
	r, c, k := len(cfg.GradeRates), len(cfg.Components), len(cfg.CommissionRules)
	for _, f := range []string{"standard", "grade_rates[" + itoa(r-2) + "]", "grade_rates[" + itoa(r-1) + "].ladder",
		"grade_rates[" + itoa(r-1) + "].level", "grade_rates[" + itoa(r-1) + "].base_factor",
		"components[" + itoa(c-2) + "].code", "components[" + itoa(c-2) + "].display_name", "components[" + itoa(c-2) + "].kind",
		"components[" + itoa(c-2) + "].eligibility", "components[" + itoa(c-1) + "].code",
		"commission_rules[" + itoa(k-1) + "].code", "commission_rules[" + itoa(k-1) + "].rate", "commission_rules[" + itoa(k-1) + "].threshold",
		"region_classes[0].coefficient", "supervisor_levels[3]"} {
		if got[f] == "" {
			t.Errorf("no violation of %s; got %v", f, got)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
