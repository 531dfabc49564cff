package formula_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/formula"
)

// genFormula writes a random formula over testEnv's inputs. Most are not
// well-typed; those that are get evaluated.
func genFormula(r *rand.Rand, depth int) string {
	if depth <= 0 || r.IntN(4) == 0 {
		switch r.IntN(3) {
		case 0:
			return genNumber(r)
		default:
			names := []string{"x", "y", "r", "s", "n", "c", "t", "w", "存款"}
			return names[r.IntN(len(names))]
		}
	}
	sub := func() string { return genFormula(r, depth-1) }
	cond := func() string {
		ops := []string{"<", "<=", ">", ">=", "==", "!="}
		c := sub() + " " + ops[r.IntN(len(ops))] + " " + sub()
		switch r.IntN(5) {
		case 0:
			return "not " + c
		case 1:
			return c + " and " + sub() + " > 0"
		case 2:
			return c + " or " + sub() + " != 0"
		}
		return c
	}
	switch r.IntN(11) {
	case 0, 1, 2, 3:
		ops := []string{"+", "-", "*", "/"}
		return sub() + " " + ops[r.IntN(len(ops))] + " " + sub()
	case 4:
		return "(" + sub() + ")"
	case 5:
		return "-" + sub()
	case 6:
		return "if(" + cond() + ", " + sub() + ", " + sub() + ")"
	case 7:
		// A guarded division.
		d := sub()
		return fmt.Sprintf("if(%s > 0, %s / (%s), %s)", d, sub(), d, sub())
	case 8:
		return []string{"min", "max"}[r.IntN(2)] + "(" + sub() + ", " + sub() + ")"
	case 9:
		return fmt.Sprintf("round(%s, %d)", sub(), r.IntN(5))
	}
	return "clamp(" + sub() + ", " + sub() + ", " + sub() + ")"
}

func genNumber(r *rand.Rand) string {
	whole := []string{"0", "1", "2", "30", "360", "1000", "999999999"}[r.IntN(7)]
	switch r.IntN(4) {
	case 0:
		return whole
	case 1:
		return whole + "." + fmt.Sprint(r.IntN(100))
	case 2:
		return fmt.Sprintf("%d.%02d%%", r.IntN(10), r.IntN(100))
	}
	return "0.0" + fmt.Sprint(1+r.IntN(9))
}

func genInputs(r *rand.Rand) map[string]money.Decimal {
	m := make(map[string]money.Decimal)
	for _, in := range testEnv(formula.UnitMoney).Inputs {
		var d money.Decimal
		switch r.IntN(4) {
		case 0: // zero
		case 1:
			d = money.DecimalFromInt(r.Int64N(2000) - 1000)
		default:
			d, _ = money.DecimalFromInt(r.Int64N(2_000_000_00) - 1_000_000_00).Quo(money.DecimalFromInt(100))
		}
		if in.NonZero && d.IsZero() {
			d = money.DecimalFromInt(7)
		}
		m[in.Name] = d
	}
	return m
}

// TestEvalProperties compiles many random formulas and checks, for those
// that compile, that evaluation is deterministic (also across compilations
// and with inputs given in another map), agrees with Explain, and never
// divides by zero. It also checks that some do compile and evaluate, so
// that the test keeps testing something.
func TestEvalProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 5))
	compiled, evaluated := 0, 0
	for range 3000 {
		src := genFormula(r, 4)
		for _, unit := range resultUnits {
			f, err := formula.Compile(src, testEnv(unit))
			if err != nil {
				if _, ok := errors.AsType[*formula.Error](err); !ok {
					t.Fatalf("Compile(%q): %T %v", src, err, err)
				}
				continue
			}
			compiled++
			g := compile(t, src, testEnv(unit))
			for range 3 {
				in := genInputs(r)
				v1, err1 := f.Eval(in)
				copied := make(map[string]money.Decimal, len(in))
				for k, v := range in {
					copied[k] = v
				}
				v2, err2 := g.Eval(copied)
				x, err3 := f.Explain(in)
				if v1 != v2 || errString(err1) != errString(err2) || errString(err1) != errString(err3) {
					t.Fatalf("%q with %v: Eval = %s, %v; again = %s, %v; Explain: %v", src, in, v1, err1, v2, err2, err3)
				}
				if errors.Is(err1, money.ErrDivisionByZero) {
					t.Fatalf("%q with %v divided by zero: %v", src, in, err1)
				}
				if err1 == nil {
					evaluated++
					if x.Result != v1 {
						t.Fatalf("%q: Explain result %s, Eval %s", src, x.Result, v1)
					}
				}
			}
		}
	}
	t.Logf("compiled %d, evaluated %d", compiled, evaluated)
	if compiled < 300 || evaluated < 600 {
		t.Errorf("only %d random formulas compiled and %d evaluations succeeded; the generator needs work", compiled, evaluated)
	}
}

// TestEvalArithmetic checks evaluation against money.Decimal arithmetic on
// random values.
func TestEvalArithmetic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	env := testEnv(formula.UnitMoney)
	sum := compile(t, "x + y - 存款", env)
	scaled := compile(t, "(x - y) * r * n", env)
	ordered := compile(t, "if(x < y, 存款 - y + x, max(x, y) - min(x, y))", env)
	for range 500 {
		in := genInputs(r)
		x, y, z, rate, n := in["x"], in["y"], in["存款"], in["r"], in["n"]
		want, _ := x.Add(y)
		want, _ = want.Sub(z)
		if got, err := sum.Eval(in); err != nil || got.Cmp(want) != 0 {
			t.Fatalf("x + y - 存款 with %v = %s, %v; want %s", in, got, err, want)
		}
		want, _ = x.Sub(y)
		want, _ = want.Mul(rate)
		want, _ = want.Mul(n)
		if got, err := scaled.Eval(in); err != nil || got.Cmp(want) != 0 {
			t.Fatalf("(x - y) * r * n with %v = %s, %v; want %s", in, got, err, want)
		}
		if x.Cmp(y) < 0 {
			want, _ = z.Sub(y)
			want, _ = want.Add(x)
		} else {
			want, _ = x.Sub(y)
		}
		if got, err := ordered.Eval(in); err != nil || got.Cmp(want) != 0 {
			t.Fatalf("%s with %v = %s, %v; want %s", ordered, in, got, err, want)
		}
	}
}

// TestLimits checks that the largest formulas compile and evaluate quickly
// and without trouble.
func TestLimits(t *testing.T) {
	env := testEnv(formula.UnitMoney)
	long := "x" + strings.Repeat(" + x", (formula.MaxLength-1)/4)
	if len(long) > formula.MaxLength {
		t.Fatalf("test formula too long: %d", len(long))
	}
	f := compile(t, long, env)
	if got, err := f.Eval(map[string]money.Decimal{"x": money.DecimalFromInt(1)}); err != nil || got.Cmp(money.DecimalFromInt(1024)) != 0 {
		t.Errorf("long sum = %s, %v; want 1024", got, err)
	}
	deep := strings.Repeat("(", formula.MaxDepth) + "x" + strings.Repeat(")", formula.MaxDepth)
	compile(t, deep, env)
	nested := strings.Repeat("max(x, ", formula.MaxDepth) + "x" + strings.Repeat(")", formula.MaxDepth)
	compile(t, nested, env)
	// Many guards and many divisions: compiling stays cheap.
	guards := strings.Repeat("t > 0 and ", 200) + "w > 0"
	divs := "x" + strings.Repeat(" / t", 300)
	compile(t, "if("+guards+", "+divs+", 0)", env)
}
