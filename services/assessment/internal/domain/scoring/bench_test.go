package scoring_test

import (
	"testing"

	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/scoring"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/template"
)

// BenchmarkMonthly scores one CM's month on the default MIDDLE template
// (14 indicators); the target is 10,000 CMs in well under 10 s
// including storage.
func BenchmarkMonthly(b *testing.B) {
	lib := indicator.DefaultLibrary()
	var tpl template.Template
	for _, tp := range template.DefaultTemplates() {
		if tp.Code == template.Middle {
			tpl = tp
		}
	}
	values, _ := juniorValues()
	values = append(values, scoring.Value{Indicator: indicator.CreditOpsRating, Value: d("88"), Source: manual})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scoring.Monthly(tpl, lib, values); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScorer scores the same card with a Scorer made once.
func BenchmarkScorer(b *testing.B) {
	lib := indicator.DefaultLibrary()
	var tpl template.Template
	for _, tp := range template.DefaultTemplates() {
		if tp.Code == template.Middle {
			tpl = tp
		}
	}
	values, _ := juniorValues()
	values = append(values, scoring.Value{Indicator: indicator.CreditOpsRating, Value: d("88"), Source: manual})
	s, err := scoring.NewScorer(tpl, lib)
	if err != nil {
		b.Fatal(err)
	}
	want, _ := scoring.Monthly(tpl, lib, values)
	b.ReportAllocs()
	for b.Loop() {
		c, err := s.Score(values)
		if err != nil || c.Total.Cmp(want.Total) != 0 {
			b.Fatal(c.Total, err)
		}
	}
}
