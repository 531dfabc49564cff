package grade_test

import (
	"testing"

	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
)

// BenchmarkDecide10000 decides on 10,000 CMs on 三级九档 with quotas.
func BenchmarkDecide10000(b *testing.B) {
	p := grade.ThreeLevelsNineBandsPolicy()
	cands := threeLevels("S", 2000, g("SENIOR", "B"), 60)
	cands = append(cands, threeLevels("M", 6000, g("MIDDLE", "B"), 60)...)
	cands = append(cands, threeLevels("J", 2000, g("JUNIOR", "B"), 60)...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := grade.Decide(p, cands); err != nil {
			b.Fatal(err)
		}
	}
}
