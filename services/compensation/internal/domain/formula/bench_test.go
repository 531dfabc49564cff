package formula_test

import (
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/formula"
)

func BenchmarkCompileBonus(b *testing.B) {
	env := formula.DefaultBusinessBonusEnv()
	for b.Loop() {
		if _, err := formula.Compile(formula.DefaultBusinessBonus, env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalBonus(b *testing.B) {
	f := compile(b, formula.DefaultBusinessBonus, formula.DefaultBusinessBonusEnv())
	in := workedExample1(b)
	for b.Loop() {
		if _, err := f.EvalAmount(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExplainBonus(b *testing.B) {
	f := compile(b, formula.DefaultBusinessBonus, formula.DefaultBusinessBonusEnv())
	in := workedExample1(b)
	for b.Loop() {
		if _, err := f.Explain(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileWorstCase compiles a formula of the largest size made of
// guards and guarded divisions, the most work for the division check.
func BenchmarkCompileWorstCase(b *testing.B) {
	src := "if(" + strings.Repeat("t > 0 and ", 200) + "w > 0, x" + strings.Repeat(" / t", 500) + ", 0)"
	src = src[:min(len(src), formula.MaxLength)]
	env := testEnv(formula.UnitMoney)
	for b.Loop() {
		if _, err := formula.Compile(src, env); err != nil {
			b.Fatal(err)
		}
	}
}
