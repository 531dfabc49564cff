package formula_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/formula"
)

type compileErrorTest struct {
	src    string
	result formula.Unit // testEnv's result; money if zero
	want   string       // the whole error, "line:column: message"
}

func runCompileErrors(t *testing.T, tests []compileErrorTest) {
	t.Helper()
	for _, tc := range tests {
		result := tc.result
		if result == 0 {
			result = formula.UnitMoney
		}
		f, err := formula.Compile(tc.src, testEnv(result))
		if err == nil {
			t.Errorf("Compile(%q) = %v, want error %q", tc.src, f, tc.want)
			continue
		}
		fe, ok := errors.AsType[*formula.Error](err)
		if !ok {
			t.Errorf("Compile(%q) error %T %v is not a *formula.Error", tc.src, err, err)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Compile(%q) error\n got %s\nwant %s", tc.src, err, tc.want)
		}
		// The offset, line and column agree.
		p := fe.Pos
		before := tc.src[:min(p.Offset, len(tc.src))]
		line := strings.Count(before, "\n") + 1
		col := len([]rune(before[strings.LastIndex(before, "\n")+1:])) + 1
		if p.Offset > len(tc.src) || p.Line != line || p.Column != col {
			t.Errorf("Compile(%q) error position %+v; offset %d is at %d:%d", tc.src, p, p.Offset, line, col)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	runCompileErrors(t, []compileErrorTest{
		{"", 0, "1:1: formula is empty"},
		{"  \n ", 0, "2:2: formula is empty"},
		{"x +", 0, `1:4: unexpected end of formula; expected a number, a name or "("`},
		{"x + y)", 0, `1:6: unexpected ")"`},
		{"max(x, y))", 0, `1:10: unexpected ")"`},
		{"(x + y", 0, `1:7: unexpected end of formula; expected ")" to close the "(" at 1:1`},
		{"max(x, y", 0, `1:9: unexpected end of formula; expected "," or ")" to close the "(" at 1:4`},
		{"max(x y)", 0, `1:7: unexpected name "y"; expected "," or ")" to close the "(" at 1:4`},
		{"max()", 0, `1:5: unexpected ")"; expected a number, a name or "("`},
		{"max(x, )", 0, `1:8: unexpected ")"; expected a number, a name or "("`},
		{"x y", 0, `1:3: unexpected name "y"; expected an operator`},
		{"x 2", 0, `1:3: unexpected number 2; expected an operator`},
		{"x * * y", 0, `1:5: unexpected "*"; expected a number, a name or "("`},
		{"+x", 0, `1:1: unexpected "+"; expected a number, a name or "("`},
		{"x = y", 0, `1:3: unexpected "="; compare with ==`},
		{"if(!(x > y), 1, 0)", 0, `1:4: unexpected "!"; write != or not`},
		{"if(x > y && y > 0, 1, 0)", 0, `1:10: unexpected character "&"; write and`},
		{"x × r", 0, `1:3: unexpected character "×"; multiply with *`},
		{"x·r", 0, `1:2: unexpected character "·"; multiply with *`},
		{"（x + y）", 0, `1:1: unexpected character "（"; group with ( and )`},
		{"x $ y", 0, `1:3: unexpected character "$"`},
		{"x\x00", 0, `1:2: unexpected character "\x00"`},
		{"x + \xff", 0, "1:5: invalid UTF-8 encoding"},
		{"x * .5", 0, `1:5: unexpected character "."; write a digit before the decimal point, as in 0.5`},
		{"x * 5.", 0, "1:7: expected a digit after the decimal point"},
		{"x * 1.2.3", 0, `1:5: invalid number "1.2.3"; write plain decimals such as 1500, 0.02 or 2.80%`},
		{"x * 1e5", 0, `1:5: invalid number "1e5"; write plain decimals such as 1500, 0.02 or 2.80%`},
		{"x * 2.80 %", 0, `1:10: unexpected character "%"; a percent sign must directly follow a number, as in 2.80%`},
		{"x * 007", 0, `1:5: number "007" has a leading zero; write numbers without leading zeros or thousands separators`},
		{"x + 2,000.00", 0, `1:6: numbers are written without thousands separators (2000.00, not 2,000.00); if the comma separates arguments, put a space after it`},
		{"max(x, 2,000.00)", 0, `1:9: numbers are written without thousands separators (2000.00, not 2,000.00); if the comma separates arguments, put a space after it`},
		{"x + 2,5", 0, `1:6: unexpected ","; numbers are written without thousands separators (2000.00, not 2,000.00)`},
		{"x * 12345678901234567890", 0, "1:5: number 12345678901234567890 has more than 19 significant digits"},
		{"x * 0.000000000000000001%", 0, "1:5: percentage 0.000000000000000001% has too many digits; at most 19 significant digits and 17 decimal places"},
		{"x < y < 存款", 0, "1:7: comparisons cannot be chained; write a < b and b < c"},
		{"x and", 0, `1:6: unexpected end of formula; expected a number, a name or "("`},
		{"and x", 0, `1:1: unexpected "and"; expected a number, a name or "("`},
		{"x + not y", 0, `1:5: unexpected "not"; expected a number, a name or "("`},
		{"true", 0, `1:1: "true" is reserved; write a comparison such as t > 0`},
		{"max + 1", 0, "1:1: max is a function; call it as max(…)"},
		{"sqrt(x)", 0, `1:1: unknown function "sqrt"; the functions are clamp, if, max, min and round`},
		{"x(1)", 0, `1:1: unknown function "x"; the functions are clamp, if, max, min and round`},
		{"if(x > 0, x)", 0, "1:1: if takes 3 arguments, if(condition, value if true, value if false); got 2"},
		{"max(x)", 0, "1:1: max takes 2 or more arguments; got 1"},
		{"round(x)", 0, "1:1: round takes 2 arguments, round(x, decimal places); got 1"},
		{"clamp(x, 1)", 0, "1:1: clamp takes 3 arguments, clamp(x, lower bound, upper bound); got 2"},
		{"x +\n  y *\n   ) ", 0, `3:4: unexpected ")"; expected a number, a name or "("`},
		{"存款 +\n 存款 $", 0, `2:5: unexpected character "$"`},
		{strings.Repeat("(", 65) + "x" + strings.Repeat(")", 65), 0, "1:65: formula nests more than 64 levels deep"},
		{strings.Repeat("-", 65) + "x", 0, "1:65: formula nests more than 64 levels deep"},
		{strings.Repeat("max(", 65) + "x", 0, "1:260: formula nests more than 64 levels deep"},
		{"x" + strings.Repeat(" + x", 1100), 0, "1:1: formula is 4401 bytes long; the limit is 4096"},
	})
}

func TestNameErrors(t *testing.T) {
	_, err := formula.Compile("D * (IL - IC) * t / 360 * P + DX", formula.DefaultBusinessBonusEnv())
	want := `1:31: unknown name "DX"; known: D, IL, IC, L, IA, IB, t, P, Q, N, F, K`
	if err == nil || err.Error() != want {
		t.Errorf("unknown name: got %v, want %s", err, want)
	}
	_, err = formula.Compile("d * IL", formula.DefaultBusinessBonusEnv())
	want = `1:1: unknown name "d" (did you mean "D"?); known: D, IL, IC, L, IA, IB, t, P, Q, N, F, K`
	if err == nil || err.Error() != want {
		t.Errorf("unknown name: got %v, want %s", err, want)
	}
	_, err = formula.Compile("1 + x", formula.Env{Result: formula.UnitNumber})
	want = `1:5: unknown name "x"; this formula has no inputs`
	if err == nil || err.Error() != want {
		t.Errorf("unknown name: got %v, want %s", err, want)
	}
}

func TestUnitErrors(t *testing.T) {
	runCompileErrors(t, []compileErrorTest{
		{"x + r", 0, "1:3: cannot add x (money) and r (rate)"},
		{"r - x", 0, "1:3: cannot subtract x (money) from r (rate)"},
		{"x * y", 0, "1:3: cannot multiply x (money) by y (money)"},
		{"c * t * x", 0, "1:3: cannot multiply c (count) by t (days)"},
		{"1 / t * x", 0, "1:3: cannot divide 1 (number) by t (days)"},
		{"x / w / (y * 0 + n)", 0, "1:16: cannot add y * 0 (money) and n (number)"},
		{"n / r * x", 0, "1:3: cannot divide n (number) by r (rate)"},
		{"if(t > x, 1, 0)", formula.UnitNumber, "1:6: cannot compare t (days) with x (money)"},
		{"if(r == n, 1, 0)", formula.UnitNumber, "1:6: cannot compare r (rate) with n (number)"},
		{"x * r", formula.UnitRate, "1:1: formula gives money, but its result must be rate"},
		{"x / y * 2", formula.UnitMoney, "1:5: division by y, which may be zero; divide only inside if(y > 0, …, …) or by max(y, 1), or declare y non-zero"},
		{"if(y > 0, x / y, 0)", formula.UnitMoney, "1:1: formula gives number, but its result must be money"},
		{"t * 2", formula.UnitMoney, "1:1: formula gives days, but its result must be money"},
		{"x > y", formula.UnitMoney, "1:1: formula gives a condition (true or false), but its result must be money"},
		{"x + (y > 0)", 0, "1:5: the condition (y > 0) cannot be used as a number; use if((y > 0), …, …)"},
		{"-(x > 0)", 0, "1:1: cannot negate the condition (x > 0); write not"},
		{"if(x > 0 and y, x, y)", 0, "1:14: and needs conditions such as t > 0 on both sides; y (money) is not one"},
		{"if(not x, x, y)", 0, "1:8: not needs a condition such as t > 0; x (money) is not one"},
		{"if(x, x, y)", 0, "1:4: the first argument of if must be a condition such as t > 0; x (money) is not one"},
		{"if(x > 0, x, r)", 0, "1:14: the two branches of if must have the same unit; x (money) and r (rate) do not"},
		{"if(x > 0, x > 1, r)", 0, "1:18: the two branches of if must both be conditions or both be values; x > 1 and r are not"},
		{"max(x, r, y)", 0, "1:8: max needs arguments of one unit; r (rate) is not money"},
		{"min(x, y > 0)", 0, "1:8: min needs numbers; the condition y > 0 is not one"},
		{"clamp(x, 0, c)", 0, "1:13: clamp needs arguments of one unit; c (count) is not money"},
		{"clamp(x, 5, 1)", 0, "1:10: clamp's lower bound 5 is above its upper bound 1"},
		{"round(x, 2.5)", 0, "1:10: round's decimal places must be a whole number from 0 to 19, such as round(x, 2); got 2.5"},
		{"round(x, c)", 0, "1:10: round's decimal places must be a whole number from 0 to 19, such as round(x, 2); got c"},
		{"round(x, 20)", 0, "1:10: round's decimal places must be a whole number from 0 to 19, such as round(x, 2); got 20"},
		{"round(x, -1)", 0, "1:10: round's decimal places must be a whole number from 0 to 19, such as round(x, 2); got -1"},
		{"x * (9999999999999999999 * 10)", 0, "1:26: (9999999999999999999 * 10) is out of range (more than 19 digits before the decimal point)"},
		{"x + 存款 * 存款", 0, "1:8: cannot multiply 存款 (money) by 存款 (money)"},
		{"x + (a_very_long_name_that_is_not_declared_at_all_in_this_env)", 0, `1:6: unknown name "a_very_long_name_that_is_not_declared_at_all_in_this_env"; known: x, y, r, s, n, c, t, w, 存款`},
		{"x + (r + r + r + r + r + r + r + r + r + r + r + r)", 0, "1:3: cannot add x (money) and (r + r + r + r + r + r + r + r + r + r … (rate)"},
	})
}

func TestDivisionGuard(t *testing.T) {
	accepted := []string{
		"x / 2",
		"x / 0.5%",
		"x / (1 - 0.5)",
		"x / -2",
		"x / w",
		"x / -w",
		"x / (w)",
		"if(t > 0, x / t, 0)",
		"if(t != 0, x / t, 0)",
		"if(t >= 1, x / t, 0)",
		"if(t >= 0.5%, x / t, 0)",
		"if(t < 0, x / t, 0)",
		"if(t <= -1, x / t, 0)",
		"if(t == 5, x / t, 0)",
		"if(0 < t, x / t, 0)",
		"if(1 <= t, x / t, 0)",
		"if(0 != t, x / t, 0)",
		"if(t == 0, 0, x / t)",
		"if(t <= 0, 0, x / t)",
		"if(not t > 0, 0, x / t)",
		"if(not (t == 0), x / t, 0)",
		"if(t > 0 and c > 0, x / t / c, 0)",
		"if(c > 2 and t > 0, x / (t), 0)",
		"if(t == 0 or c == 0, 0, x / t / c)",
		"if(t > 0, if(c > 0, x / t / c, x / t), 0)",
		"if(x - y > 0, x / (x - y) * y, 0)",
		"if((x - y) > 0, y * (x / (x - y)), 0)",
		"if(x > 0, y / x * y, 0)",
		"if(t > 0, x / t, x / w)",
		"x / max(t, 1)",
		"x / max(1, t, t * 0)",
		"x / min(t, -1)",
		"x / clamp(t, 1, 31)",
		"x / clamp(t, -31, -1)",
		"x / if(t > 0, t, 1)",
		"x / if(t == 0, 1, t)",
		"x / -max(t, 1)",
		"if(t > 0 and x / t > 10, x, 0)",
		"if(t == 0 or x / t > 10, x, 0)",
		"if(t > 0, x / t + y / t, 0)",
		"if(n > 0 and x / n > 2, 1, 0)",
	}
	for _, src := range accepted {
		if _, err := formula.Compile(src, testEnv(formula.UnitMoney)); err != nil {
			t.Errorf("Compile(%q): %v", src, err)
		}
	}
	const hint = ", which may be zero; divide only inside if("
	rejected := []struct {
		src string
		at  string // position and divisor
	}{
		{"x / t", "1:5: division by t"},
		{"x / 0", "1:5: division by zero"},
		{"x / (1 - 1)", "1:5: division by zero"},
		{"x / (0.5 - 50%)", "1:5: division by zero"},
		{"x / (t - t)", "1:5: division by (t - t)"},
		{"x / (t * 0)", "1:5: division by (t * 0)"},
		{"if(t > 0, 0, x / t)", "1:18: division by t"},
		{"if(t >= 0, x / t, 0)", "1:16: division by t"},
		{"if(t <= 0, x / t, 0)", "1:16: division by t"},
		{"if(t == 0, x / t, 0)", "1:16: division by t"},
		{"if(t != 0, 0, x / t)", "1:19: division by t"},
		{"if(t > -1, x / t, 0)", "1:16: division by t"},
		{"if(t < 1, x / t, 0)", "1:15: division by t"},
		{"if(t + 0 > 0, x / t, 0)", "1:19: division by t"},
		{"if(t > 0, x / (t + 0), 0)", "1:15: division by (t + 0)"},
		{"if(t > 0 or c > 0, x / t, 0)", "1:24: division by t"},
		{"if(t > 0 and c > 0, 0, x / t)", "1:28: division by t"},
		{"if(not t > 0, x / t, 0)", "1:19: division by t"},
		{"if(t > w, x / t, 0)", "1:15: division by t"},
		{"if(t > 0, 0, 0) + x / t", "1:23: division by t"},
		{"if(t > 0 or x / t > 10, x, 0)", "1:17: division by t"},
		{"if(t == 0 and x / t > 10, x, 0)", "1:19: division by t"},
		{"x / max(t, 0)", "1:5: division by max(t, 0)"},
		{"x / max(t, -1)", "1:5: division by max(t, -1)"},
		{"x / min(t, 1)", "1:5: division by min(t, 1)"},
		{"x / clamp(t, 0, 1)", "1:5: division by clamp(t, 0, 1)"},
		{"x / round(w, 0)", "1:5: division by round(w, 0)"},
		{"x / (r * r)", "1:5: division by (r * r)"},
		{"x / if(t > 0, t, 0)", "1:5: division by if(t > 0, t, 0)"},
		{"x / if(t > 0, 1, t)", "1:5: division by if(t > 0, 1, t)"},
		{"x / (w - 1)", "1:5: division by (w - 1)"},
	}
	for _, tc := range rejected {
		_, err := formula.Compile(tc.src, testEnv(formula.UnitMoney))
		if err == nil || !strings.HasPrefix(err.Error(), tc.at) {
			t.Errorf("Compile(%q) = %v; want an error starting %q", tc.src, err, tc.at)
			continue
		}
		if tc.at[len(tc.at)-4:] != "zero" && !strings.Contains(err.Error(), hint) {
			t.Errorf("Compile(%q) = %v; want the hint", tc.src, err)
		}
	}
	// The hint names the input and says it could be declared non-zero.
	_, err := formula.Compile("x / t", testEnv(formula.UnitMoney))
	want := "1:5: division by t, which may be zero; divide only inside if(t > 0, …, …) or by max(t, 1), or declare t non-zero"
	if err == nil || err.Error() != want {
		t.Errorf("Compile(x / t) = %v, want %s", err, want)
	}
}

func TestEnvErrors(t *testing.T) {
	tests := []struct {
		env  formula.Env
		want string
	}{
		{formula.Env{}, "formula: env result unit Unit(0) is not one of number, rate, count, days, money"},
		{formula.Env{Result: formula.UnitBool}, "formula: env result unit condition is not one of number, rate, count, days, money"},
		{formula.Env{Result: formula.UnitMoney, Inputs: []formula.Input{{Name: "x"}}}, `formula: env input "x" has unit Unit(0); want number, rate, count, days or money`},
		{formula.Env{Result: formula.UnitMoney, Inputs: []formula.Input{{Name: "x", Unit: formula.UnitMoney}, {Name: "x", Unit: formula.UnitRate}}}, `formula: env declares input "x" twice`},
	}
	for _, name := range []string{"", "1x", "x-y", "max", "and", "if", "true", "a b", "\xff"} {
		tests = append(tests, struct {
			env  formula.Env
			want string
		}{formula.Env{Result: formula.UnitMoney, Inputs: []formula.Input{{Name: name, Unit: formula.UnitMoney}}},
			"formula: env input name " + strconv.Quote(name) + " is not a name (a letter or _, then letters, digits or _) or is reserved"})
	}
	for _, tc := range tests {
		_, err := formula.Compile("0", tc.env)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Compile with env %+v: %v, want %s", tc.env, err, tc.want)
		}
		if _, ok := errors.AsType[*formula.Error](err); ok {
			t.Errorf("env error %v is a *formula.Error; it is not the formula's fault", err)
		}
	}
	for _, name := range []string{"_", "x1", "存款余额", "Ümlaut", "a_b_2"} {
		env := formula.Env{Result: formula.UnitMoney, Inputs: []formula.Input{{Name: name, Unit: formula.UnitMoney}}}
		if _, err := formula.Compile(name+" * 2", env); err != nil {
			t.Errorf("input named %q: %v", name, err)
		}
	}
}
