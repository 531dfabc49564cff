package formula_test

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/formula"
)

// dec parses a test value; "2.80%" is 0.0280.
func dec(t testing.TB, s string) money.Decimal {
	t.Helper()
	digits, percent := strings.CutSuffix(s, "%")
	d, err := money.ParseDecimal(digits)
	if err != nil {
		t.Fatalf("bad test value %q: %v", s, err)
	}
	if percent {
		if d, err = d.Quo(money.DecimalFromInt(100)); err != nil {
			t.Fatalf("bad test value %q: %v", s, err)
		}
	}
	return d
}

func decs(t testing.TB, kv ...string) map[string]money.Decimal {
	t.Helper()
	m := make(map[string]money.Decimal, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = dec(t, kv[i+1])
	}
	return m
}

func compile(t testing.TB, src string, env formula.Env) *formula.Formula {
	t.Helper()
	f, err := formula.Compile(src, env)
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	return f
}

// workedExample1 returns the inputs of DOMAIN.md §7 example 1.
func workedExample1(t testing.TB) map[string]money.Decimal {
	return decs(t,
		"D", "50000000.00", "IL", "2.80%", "IC", "1.50%",
		"L", "30000000.00", "IA", "4.35%", "IB", "2.80%",
		"t", "30", "P", "0.02", "Q", "0.03", "N", "1.0",
		"F", "2000.00", "K", "0.5",
	)
}

// TestWorkedExample1 is DOMAIN.md §7 example 1: the default business-profit
// bonus comes to 1,245.83, with a deposit part of 54,166.666…·0.02, a loan
// part of 38,750.00·0.03 and an expense part of 1,000.00.
func TestWorkedExample1(t *testing.T) {
	f := compile(t, formula.DefaultBusinessBonus, formula.DefaultBusinessBonusEnv())
	in := workedExample1(t)

	got, err := f.EvalAmount(in)
	if err != nil || got.String() != "1245.83" {
		t.Fatalf("bonus = %s, %v; want 1245.83", got, err)
	}

	x, err := f.Explain(in)
	if err != nil {
		t.Fatal(err)
	}
	steps := make(map[string]formula.Step)
	for _, s := range x.Steps {
		steps[s.Text] = s
	}
	step := func(text string) money.Decimal {
		t.Helper()
		s, ok := steps[text]
		if !ok {
			t.Fatalf("no step %q in %v", text, x.Steps)
		}
		if s.Unit != formula.UnitMoney {
			t.Errorf("step %q has unit %v, want money", text, s.Unit)
		}
		return s.Value
	}
	// The deposit base is 54,166.666…: the quotient is exact to 19 digits.
	if got := step("D * (IL - IC) * t / 360").String(); got != "54166.66666666666667" {
		t.Errorf("deposit base = %s, want 54166.66666666666667", got)
	}
	deposit := step("D * (IL - IC) * t / 360 * P")
	if !strings.HasPrefix(deposit.String(), "1083.3333333333") {
		t.Errorf("deposit part = %s, want 1083.333… (unrounded)", deposit)
	}
	if a, _ := deposit.RoundToFen(); a.String() != "1083.33" {
		t.Errorf("deposit part rounds to %s, want 1083.33", a)
	}
	if got := step("L * (IA - IB) * t / 360"); got.Cmp(dec(t, "38750.00")) != 0 {
		t.Errorf("loan base = %s, want 38750.00", got)
	}
	if got := step("L * (IA - IB) * t / 360 * Q * N"); got.Cmp(dec(t, "1162.50")) != 0 {
		t.Errorf("loan part = %s, want 1162.50", got)
	}
	if got := step("F * K"); got.Cmp(dec(t, "1000.00")) != 0 {
		t.Errorf("expense part = %s, want 1000.00", got)
	}
	// The whole formula is the last step, unrounded.
	last := x.Steps[len(x.Steps)-1]
	if last.Text != formula.DefaultBusinessBonus || last.Value != x.Result {
		t.Errorf("last step = %+v, want the whole formula with value %s", last, x.Result)
	}
	if !strings.HasPrefix(x.Result.String(), "1245.8333333333") {
		t.Errorf("unrounded result = %s, want 1245.8333…", x.Result)
	}
	// Rounding happens once, at the end: rounding the parts first would also
	// give 1083.33 + 1162.50 − 1000.00 = 1245.83 here, so check the
	// unrounded parts add up exactly to the unrounded result.
	loan, expense := step("L * (IA - IB) * t / 360 * Q * N"), step("F * K")
	sum, _ := deposit.Add(loan)
	sum, _ = sum.Sub(expense)
	if sum.Cmp(x.Result) != 0 {
		t.Errorf("parts add up to %s, result is %s", sum, x.Result)
	}

	wantInputs := []string{"D", "IL", "IC", "t", "P", "L", "IA", "IB", "Q", "N", "F", "K"}
	if got := f.Inputs(); !equal(got, wantInputs) {
		t.Errorf("Inputs() = %v, want %v", got, wantInputs)
	}
	if len(x.Inputs) != len(wantInputs) || x.Inputs[1].Name != "IL" || x.Inputs[1].Value.String() != "0.028" || x.Inputs[1].Doc == "" {
		t.Errorf("explanation inputs = %+v", x.Inputs)
	}
}

func equal(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

// TestWorkedExample2 is DOMAIN.md §7 example 2: a 助理 (0.8 S) with conduct
// deductions of 150.00 on S = 6,000.00 gets 4,650.00, never below zero.
func TestWorkedExample2(t *testing.T) {
	env := formula.Env{
		Inputs: []formula.Input{
			{Name: "S", Unit: formula.UnitMoney, Doc: "base standard"},
			{Name: "conduct", Unit: formula.UnitMoney, Doc: "conduct deductions (日常行为规范扣款)"},
		},
		Result: formula.UnitMoney,
	}
	for _, src := range []string{"0.8 * S - conduct", "max(0.8 * S - conduct, 0)"} {
		f := compile(t, src, env)
		got, err := f.EvalAmount(decs(t, "S", "6000.00", "conduct", "150.00"))
		if err != nil || got.String() != "4650.00" {
			t.Errorf("%s = %s, %v; want 4650.00", src, got, err)
		}
	}
	f := compile(t, "max(0.8 * S - conduct, 0)", env)
	if got, err := f.EvalAmount(decs(t, "S", "6000.00", "conduct", "5000.00")); err != nil || !got.IsZero() {
		t.Errorf("base pay with large deductions = %s, %v; want 0.00", got, err)
	}
}

// testEnv has one input of each unit, and a non-zero one.
func testEnv(result formula.Unit) formula.Env {
	return formula.Env{
		Inputs: []formula.Input{
			{Name: "x", Unit: formula.UnitMoney},
			{Name: "y", Unit: formula.UnitMoney},
			{Name: "r", Unit: formula.UnitRate},
			{Name: "s", Unit: formula.UnitRate},
			{Name: "n", Unit: formula.UnitNumber},
			{Name: "c", Unit: formula.UnitCount},
			{Name: "t", Unit: formula.UnitDays},
			{Name: "w", Unit: formula.UnitDays, NonZero: true},
			{Name: "存款", Unit: formula.UnitMoney},
		},
		Result: result,
	}
}

func testInputs(t testing.TB) map[string]money.Decimal {
	return decs(t, "x", "1000.00", "y", "250.50", "r", "2.80%", "s", "0.5",
		"n", "1.2", "c", "3", "t", "30", "w", "31", "存款", "88.88")
}

func TestEval(t *testing.T) {
	tests := []struct {
		src    string
		result formula.Unit
		want   string
		in     map[string]string // overrides of testInputs
	}{
		{src: "x + y", result: formula.UnitMoney, want: "1250.50"},
		{src: "x - y * 2", result: formula.UnitMoney, want: "499.00"},
		{src: "(x - y) * 2", result: formula.UnitMoney, want: "1499.00"},
		{src: "-x + 1", result: formula.UnitMoney, want: "-999.00"},
		{src: "--x", result: formula.UnitMoney, want: "1000.00"},
		{src: "x * r", result: formula.UnitMoney, want: "28.00000"},
		{src: "x * 2.80%", result: formula.UnitMoney, want: "28.000000"},
		{src: "x * 100%", result: formula.UnitMoney, want: "1000.0000"},
		{src: "x * 0.5%", result: formula.UnitMoney, want: "5.00000"},
		{src: "x / 3", result: formula.UnitMoney, want: "333.3333333333333333"},
		{src: "if(y > 0, x / y, 0)", result: formula.UnitNumber, want: "3.992015968063872255"},
		{src: "x / w", result: formula.UnitMoney, want: "32.25806451612903226"},
		{src: "x * c * t", result: formula.UnitMoney, want: "90000.00"},
		{src: "r * s", result: formula.UnitRate, want: "0.0140"},
		{src: "1 - r", result: formula.UnitRate, want: "0.972"},
		{src: "t / 360", result: formula.UnitDays, want: "0.0833333333333333333"},
		{src: "c / 2", result: formula.UnitCount, want: "1.5"},
		{src: "t / w", result: formula.UnitNumber, want: "0.9677419354838709677"},
		{src: "存款 * 2", result: formula.UnitMoney, want: "177.76"},
		{src: "30 / 360", result: formula.UnitRate, want: "0.0833333333333333333"},
		{src: "0", result: formula.UnitMoney, want: "0"},
		{src: "min(x, y, 300)", result: formula.UnitMoney, want: "250.50"},
		{src: "max(x, y, 3000)", result: formula.UnitMoney, want: "3000"},
		{src: "clamp(x, 0, 500)", result: formula.UnitMoney, want: "500"},
		{src: "clamp(x, 2000, 5000)", result: formula.UnitMoney, want: "2000"},
		{src: "clamp(y, 0, 500)", result: formula.UnitMoney, want: "250.50"},
		{src: "round(x / 3, 2)", result: formula.UnitMoney, want: "333.33"},
		{src: "round(y, 0)", result: formula.UnitMoney, want: "250"},
		{src: "round(0.125, 2)", result: formula.UnitNumber, want: "0.12"},
		{src: "round(0.135, 2)", result: formula.UnitNumber, want: "0.14"},
		{src: "round(-0.125, 2)", result: formula.UnitNumber, want: "-0.12"},
		{src: "if(c >= 3, x, y)", result: formula.UnitMoney, want: "1000.00"},
		{src: "if(c > 3, x, y)", result: formula.UnitMoney, want: "250.50"},
		{src: "if(c > 3 or r == 2.8%, 1, 0)", result: formula.UnitNumber, want: "1"},
		{src: "if(c > 3 and r == 2.8%, 1, 0)", result: formula.UnitNumber, want: "0"},
		{src: "if(not c > 3, 1, 0)", result: formula.UnitNumber, want: "1"},
		{src: "if(x != y and not (x < y), 1, 0)", result: formula.UnitNumber, want: "1"},
		{src: "if(x <= 1000, 1, 0) + if(x >= 1000.001, 1, 0)", result: formula.UnitNumber, want: "1"},
		{src: "if(t > 0, x / t, 0)", result: formula.UnitMoney, want: "33.33333333333333333"},
		{src: "if(t > 0, x / t, 0)", result: formula.UnitMoney, want: "0", in: map[string]string{"t": "0"}},
		{src: "if(t == 0, 0, x / t)", result: formula.UnitMoney, want: "0", in: map[string]string{"t": "0"}},
		{src: "x / max(t, 1)", result: formula.UnitMoney, want: "1000.00", in: map[string]string{"t": "0"}},
		{src: "if(t > 0 and x / t > 10, 1, 0)", result: formula.UnitNumber, want: "0", in: map[string]string{"t": "0"}},
		{src: "if(t == 0 or x / t > 10, 1, 0)", result: formula.UnitNumber, want: "1", in: map[string]string{"t": "0"}},
		{src: "x\n\t* r\r\n", result: formula.UnitMoney, want: "28.00000"},
	}
	for _, tc := range tests {
		f, err := formula.Compile(tc.src, testEnv(tc.result))
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.src, err)
			continue
		}
		in := testInputs(t)
		for k, v := range tc.in {
			in[k] = dec(t, v)
		}
		got, err := f.Eval(in)
		if err != nil || got.String() != tc.want {
			t.Errorf("Eval(%q) = %s, %v; want %s", tc.src, got, err, tc.want)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	env := testEnv(formula.UnitMoney)
	tests := []struct {
		src  string
		in   map[string]money.Decimal
		want error
		msg  string
	}{
		{"x + y", decs(t, "x", "1"), formula.ErrMissingInput, "1:5: missing input y"},
		{"x + y + 存款", nil, formula.ErrMissingInput, "1:1: missing input x, y, 存款"},
		{"x / w", decs(t, "x", "1", "w", "0.00"), formula.ErrZeroInput, "1:5: input w is 0, but it is declared non-zero"},
		{"x * y / y", decs(t, "x", "9999999999999999999", "y", "10"), nil, ""}, // rejected at compile time: money * money
		{"x * 1000", decs(t, "x", "9999999999999999999"), money.ErrOverflow, "1:3: x * 1000 is out of range (more than 19 digits before the decimal point)"},
		{"x + x", decs(t, "x", "9999999999999999999"), money.ErrOverflow, ""},
		{"clamp(x, y, 0)", decs(t, "x", "1", "y", "2"), formula.ErrBounds, "1:1: clamp's lower bound y is 2, above its upper bound 0, which is 0"},
	}
	for _, tc := range tests {
		f, err := formula.Compile(tc.src, env)
		if tc.want == nil {
			if err == nil {
				t.Errorf("Compile(%q) succeeded, want an error", tc.src)
			}
			continue
		}
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.src, err)
			continue
		}
		got, err := f.Eval(tc.in)
		if !errors.Is(err, tc.want) {
			t.Errorf("Eval(%q) = %s, %v; want an error wrapping %v", tc.src, got, err, tc.want)
			continue
		}
		if _, ok := errors.AsType[*formula.EvalError](err); !ok {
			t.Errorf("Eval(%q) error %T is not an *EvalError", tc.src, err)
		}
		if tc.msg != "" && err.Error() != tc.msg {
			t.Errorf("Eval(%q) error = %q, want %q", tc.src, err, tc.msg)
		}
		if _, err2 := f.Explain(tc.in); err2 == nil || err2.Error() != err.Error() {
			t.Errorf("Explain(%q) error = %v, Eval's = %v", tc.src, err2, err)
		}
	}
}

func TestEvalAmount(t *testing.T) {
	f := compile(t, "x * r", testEnv(formula.UnitMoney))
	for _, tc := range []struct{ x, want string }{
		{"0.25", "0.01"}, // 0.007 → 0.01
		{"0.125", "0.00"},
		{"17.86", "0.50"},        // 0.50008
		{"0.5357142857", "0.01"}, // 0.0149999999996
		{"0.5357142858", "0.02"}, // 0.0150000000024
	} {
		in := testInputs(t)
		in["x"] = dec(t, tc.x)
		got, err := f.EvalAmount(in)
		if err != nil || got.String() != tc.want {
			t.Errorf("EvalAmount with x = %s: %s, %v; want %s", tc.x, got, err, tc.want)
		}
	}
	// Half-even at the fen: 0.025 → 0.02, 0.035 → 0.04.
	g := compile(t, "x * 0.5", testEnv(formula.UnitMoney))
	for x, want := range map[string]string{"0.05": "0.02", "0.07": "0.04", "-0.05": "-0.02"} {
		if got, err := g.EvalAmount(decs(t, "x", x)); err != nil || got.String() != want {
			t.Errorf("EvalAmount(x * 0.5) with x = %s: %s, %v; want %s", x, got, err, want)
		}
	}
	h := compile(t, "r * 2", testEnv(formula.UnitRate))
	if _, err := h.EvalAmount(testInputs(t)); !errors.Is(err, formula.ErrResultUnit) {
		t.Errorf("EvalAmount of a rate: err = %v, want ErrResultUnit", err)
	}
	big := compile(t, "x * 10", testEnv(formula.UnitMoney))
	if _, err := big.EvalAmount(decs(t, "x", "999999999999999999")); !errors.Is(err, money.ErrOverflow) {
		t.Errorf("EvalAmount out of range: err = %v, want ErrOverflow", err)
	}
}

func TestExplain(t *testing.T) {
	f := compile(t, "if(t > 0, (x + y) / t, 0) + max(c * 2, 5) * 0 * y", testEnv(formula.UnitMoney))
	in := testInputs(t)
	x, err := f.Explain(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range x.Steps {
		v := s.Value.String()
		if s.Unit == formula.UnitBool {
			v = map[bool]string{true: "true", false: "false"}[s.Holds]
		}
		got = append(got, s.Pos.String()+" "+s.Text+" = "+v+" "+s.Unit.String())
	}
	want := []string{
		"1:4 t > 0 = true condition",
		"1:11 (x + y) = 1250.50 money",
		"1:11 (x + y) / t = 41.68333333333333333 money",
		"1:1 if(t > 0, (x + y) / t, 0) = 41.68333333333333333 money",
		"1:33 c * 2 = 6 count",
		"1:29 max(c * 2, 5) = 6 count",
		"1:29 max(c * 2, 5) * 0 = 0 count",
		"1:29 max(c * 2, 5) * 0 * y = 0.00 money",
		"1:1 if(t > 0, (x + y) / t, 0) + max(c * 2, 5) * 0 * y = 41.68333333333333333 money",
	}
	if !equal(got, want) {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if v, _ := f.Eval(in); v != x.Result {
		t.Errorf("Explain result %s != Eval result %s", x.Result, v)
	}
	// Branches not taken have no steps.
	in["t"] = money.Decimal{}
	x, err = f.Explain(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range x.Steps {
		if strings.HasPrefix(s.Text, "(x + y)") {
			t.Errorf("step %q of a branch not taken", s.Text)
		}
	}
	if names := f.Inputs(); !equal(names, []string{"t", "x", "y", "c"}) {
		t.Errorf("Inputs() = %v", names)
	}
	// Unused inputs are ignored; the input map is not changed.
	before := maps.Clone(in)
	in["unused"] = money.DecimalFromInt(1)
	if _, err := f.Eval(in); err != nil {
		t.Errorf("Eval with an extra input: %v", err)
	}
	delete(in, "unused")
	if !maps.Equal(before, in) {
		t.Errorf("Eval changed its inputs")
	}
}

func TestUnitString(t *testing.T) {
	for _, u := range []formula.Unit{formula.UnitNumber, formula.UnitRate, formula.UnitCount, formula.UnitDays, formula.UnitMoney} {
		back, err := formula.ParseUnit(u.String())
		if err != nil || back != u {
			t.Errorf("ParseUnit(%q) = %v, %v", u, back, err)
		}
	}
	for _, s := range []string{"condition", "", "Money", "CNY"} {
		if _, err := formula.ParseUnit(s); err == nil {
			t.Errorf("ParseUnit(%q) succeeded", s)
		}
	}
	if got := formula.Unit(0).String(); got != "Unit(0)" {
		t.Errorf("Unit(0) = %q", got)
	}
}
