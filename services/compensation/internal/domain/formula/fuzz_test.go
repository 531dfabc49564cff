package formula_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/formula"
)

var resultUnits = []formula.Unit{formula.UnitMoney, formula.UnitRate, formula.UnitNumber, formula.UnitCount, formula.UnitDays}

var fuzzFormulas = []string{
	formula.DefaultBusinessBonus,
	"max(0.8 * S - conduct, 0)",
	"x + y * 2.80% - 存款",
	"if(t > 0 and c >= 3, x / t * c, -y)",
	"if(t == 0 or not r < 1%, round(x * r, 2), clamp(y, 0, 100))",
	"x / max(t, 1) + x / w + x / if(t != 0, t, 1)",
	"min(x, y, 1000.00) / -w",
	"(((x)))",
	"x * 9999999999999999999",
	"0.0000000000000000001 * x * r * s",
	"x +\n\t(y)\r\n",
	"2,000.00",
	"x ＊ r",
	"if(x < y < x, 1, 0)",
	"\xff",
	"",
}

// checkErrorPos checks that the position of a compile error is inside src
// and that its line and column agree with its offset.
func checkErrorPos(t *testing.T, src string, p formula.Pos) {
	t.Helper()
	if p.Offset < 0 || p.Offset > len(src) {
		t.Fatalf("error offset %d outside %q", p.Offset, src)
	}
	before := src[:p.Offset]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndex(before, "\n")+1:]) + 1
	if p.Line != line || p.Column != col {
		t.Fatalf("error position %+v in %q; offset %d is at %d:%d", p, src, p.Offset, line, col)
	}
}

// FuzzCompile checks that Compile never panics, that it reports every
// mistake as a *formula.Error at a valid position, and that what it
// accepts it accepts the same way every time.
func FuzzCompile(f *testing.F) {
	for _, s := range fuzzFormulas {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		compiled := 0
		for _, unit := range resultUnits {
			env := testEnv(unit)
			g, err := formula.Compile(src, env)
			if err != nil {
				fe, ok := errors.AsType[*formula.Error](err)
				if !ok {
					t.Fatalf("Compile(%q) error %T %v is not a *formula.Error", src, err, err)
				}
				if fe.Msg == "" || strings.Contains(fe.Msg, "internal error") {
					t.Fatalf("Compile(%q) error %q", src, err)
				}
				checkErrorPos(t, src, fe.Pos)
				continue
			}
			compiled++
			if g.String() != src || g.Result() != unit {
				t.Fatalf("Compile(%q) = %q with result %v", src, g, g.Result())
			}
			for _, name := range g.Inputs() {
				if !slices.ContainsFunc(env.Inputs, func(in formula.Input) bool { return in.Name == name }) {
					t.Fatalf("Compile(%q) uses undeclared input %q", src, name)
				}
			}
			h, err := formula.Compile(src, env)
			if err != nil || !slices.Equal(g.Inputs(), h.Inputs()) {
				t.Fatalf("Compile(%q) is not deterministic: %v", src, err)
			}
		}
		// A formula has one unit, or none if it takes the unit of its
		// context, as 0 and if(t > 0, 1, 2) do.
		if compiled != 0 && compiled != 1 && compiled != len(resultUnits) {
			t.Fatalf("Compile(%q) succeeded for %d result units", src, compiled)
		}
	})
}

// fuzzInputs gives the inputs of testEnv values made from three strings
// (zero if not a decimal), so that the fuzzer can drive the values too.
func fuzzInputs(a, b, c string) map[string]money.Decimal {
	vals := make([]money.Decimal, 3)
	for i, s := range []string{a, b, c} {
		if d, err := money.ParseDecimal(s); err == nil {
			vals[i] = d
		}
	}
	m := make(map[string]money.Decimal)
	for i, in := range testEnv(formula.UnitMoney).Inputs {
		m[in.Name] = vals[i%3]
		if i%4 == 3 {
			m[in.Name] = vals[i%3].Neg()
		}
	}
	return m
}

// FuzzEval checks that evaluating a formula that compiled never panics,
// never divides by zero (the division guard is sound), reports every
// failure as an *EvalError, is deterministic, and agrees with Explain.
func FuzzEval(f *testing.F) {
	for _, s := range fuzzFormulas {
		f.Add(s, "1000.00", "0", "2.8")
		f.Add(s, "-0.0000000000000000001", "9999999999999999999", "30")
	}
	f.Fuzz(func(t *testing.T, src, a, b, c string) {
		in := fuzzInputs(a, b, c)
		for _, unit := range resultUnits {
			g, err := formula.Compile(src, testEnv(unit))
			if err != nil {
				continue
			}
			v1, err1 := g.Eval(in)
			v2, err2 := g.Eval(in)
			if v1 != v2 || errString(err1) != errString(err2) {
				t.Fatalf("Eval(%q) not deterministic: %s, %v then %s, %v", src, v1, err1, v2, err2)
			}
			x, err3 := g.Explain(in)
			if errString(err1) != errString(err3) || err1 == nil && x.Result != v1 {
				t.Fatalf("Eval(%q) = %s, %v but Explain = %s, %v", src, v1, err1, x.Result, err3)
			}
			if err1 != nil {
				if _, ok := errors.AsType[*formula.EvalError](err1); !ok {
					t.Fatalf("Eval(%q) error %T %v is not an *EvalError", src, err1, err1)
				}
				if errors.Is(err1, money.ErrDivisionByZero) {
					t.Fatalf("Eval(%q) with %v divided by zero: %v", src, in, err1)
				}
				if !errors.Is(err1, money.ErrOverflow) && !errors.Is(err1, formula.ErrZeroInput) && !errors.Is(err1, formula.ErrBounds) {
					t.Fatalf("Eval(%q) unexpected error %v", src, err1)
				}
				checkErrorPos(t, src, err1.(*formula.EvalError).Pos)
				continue
			}
			if len(x.Steps) > 0 && x.Steps[len(x.Steps)-1].Text == src && x.Steps[len(x.Steps)-1].Value != v1 {
				t.Fatalf("Explain(%q): last step %+v, result %s", src, x.Steps[len(x.Steps)-1], v1)
			}
			if unit == formula.UnitMoney {
				amt, err := g.EvalAmount(in)
				if err == nil {
					if want, _ := v1.RoundToFen(); amt != want {
						t.Fatalf("EvalAmount(%q) = %s, want %s", src, amt, want)
					}
				} else if !errors.Is(err, money.ErrOverflow) {
					t.Fatalf("EvalAmount(%q): %v", src, err)
				}
			}
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
