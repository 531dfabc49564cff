package grade_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
)

func TestSalesRequirements(t *testing.T) {
	p, q := d("100000.00"), d("20000.00")
	reqs, err := grade.DefaultSalesTable().Requirements(p, q)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		promotion, maintenance string // premium thresholds
		others                 map[string]string
		trainer                bool
	}
	wants := map[string]want{
		"PRINCIPAL": {"500000.00", "450000.00", map[string]string{grade.MeasureBranchActivityRate: "85", grade.MeasureRegularPremium: "36000.00", grade.MeasureRenewalRate: "90", grade.MeasureQualityScore: "85"}, true},
		"SPECIAL":   {"400000.00", "350000.00", map[string]string{grade.MeasureBranchActivityRate: "85", grade.MeasureRegularPremium: "30000.00", grade.MeasureRenewalRate: "90", grade.MeasureQualityScore: "85"}, true},
		"SENIOR":    {"300000.00", "280000.00", map[string]string{grade.MeasureBranchActivityRate: "85", grade.MeasureRegularPremium: "24000.00", grade.MeasureRenewalRate: "85", grade.MeasureQualityScore: "85"}, true},
		"MIDDLE":    {"200000.00", "180000.00", map[string]string{grade.MeasureBranchActivityRate: "80", grade.MeasureRegularPremium: "20000.00", grade.MeasureQualityScore: "85"}, false},
		"JUNIOR":    {"100000.00", "100000.00", map[string]string{grade.MeasureQualityScore: "80"}, false},
	}
	if len(reqs) != len(wants) {
		t.Fatalf("%d grades, want %d", len(reqs), len(wants))
	}
	for _, r := range reqs {
		w, ok := wants[r.Grade.Level]
		if !ok {
			t.Errorf("unexpected grade %s", r.Grade)
			continue
		}
		for _, part := range []struct {
			name    string
			reqs    []grade.Requirement
			premium string
		}{{"promotion", r.Promotion, w.promotion}, {"maintenance", r.Maintenance, w.maintenance}} {
			got := map[string]string{}
			trainer := false
			for _, x := range part.reqs {
				switch {
				case x.Op == grade.Holds && x.Measure == grade.MeasurePartTimeTrainer:
					trainer = true
				case x.Op == grade.AtLeast:
					got[x.Measure] = x.Threshold.String()
				default:
					t.Errorf("%s %s: unexpected requirement %s", r.Grade, part.name, x)
				}
			}
			if got[grade.MeasurePremium] == "" || d(got[grade.MeasurePremium]).Cmp(d(part.premium)) != 0 {
				t.Errorf("%s %s premium ≥ %s, want %s", r.Grade, part.name, got[grade.MeasurePremium], part.premium)
			}
			delete(got, grade.MeasurePremium)
			for m, th := range w.others {
				if got[m] == "" || d(got[m]).Cmp(d(th)) != 0 {
					t.Errorf("%s %s: %s ≥ %q, want %s", r.Grade, part.name, m, got[m], th)
				}
			}
			if len(got) != len(w.others) || trainer != w.trainer {
				t.Errorf("%s %s: %v trainer %t; want %v trainer %t", r.Grade, part.name, got, trainer, w.others, w.trainer)
			}
		}
	}

	_, err = grade.DefaultSalesTable().Requirements(money.Decimal{}, d("-1"))
	if !errors.Is(err, grade.ErrInvalid) || !slices.Equal(fields(err), []string{"p", "q"}) {
		t.Errorf("zero P and negative q: err = %v", err)
	}
}

func TestSalesDecisions(t *testing.T) {
	pol, err := grade.SalesPolicy(grade.DefaultSalesTable(), d("100000.00"), d("20000.00"))
	if err != nil {
		t.Fatal(err)
	}
	middle := func() grade.Candidate {
		return grade.Candidate{Employee: "A1", Current: g("MIDDLE", ""),
			Values: map[string]money.Decimal{
				grade.MeasurePremium:            d("300000.00"),
				grade.MeasureBranchActivityRate: d("86"),
				grade.MeasureRegularPremium:     d("24000.00"),
				grade.MeasureRenewalRate:        d("85"),
				grade.MeasureQualityScore:       d("85"),
			},
			Flags: map[string]bool{grade.MeasurePartTimeTrainer: true}}
	}
	tests := []struct {
		name   string
		change func(*grade.Candidate)
		kind   grade.Kind
		to     string
	}{
		{"meets every column of 高级: promoted", func(*grade.Candidate) {}, grade.KindPromote, "SENIOR"},
		{"not a part-time trainer: stays 中级", func(c *grade.Candidate) { c.Flags[grade.MeasurePartTimeTrainer] = false }, grade.KindMaintain, "MIDDLE"},
		{"no trainer flag at all: stays 中级", func(c *grade.Candidate) { c.Flags = nil }, grade.KindMaintain, "MIDDLE"},
		{"renewal rate just short: stays 中级", func(c *grade.Candidate) { c.Values[grade.MeasureRenewalRate] = d("84.99") }, grade.KindMaintain, "MIDDLE"},
		{"premium just short of 3 P: stays 中级", func(c *grade.Candidate) { c.Values[grade.MeasurePremium] = d("299999.99") }, grade.KindMaintain, "MIDDLE"},
		{"premium below 1.8 P: down to 初级", func(c *grade.Candidate) { c.Values[grade.MeasurePremium] = d("179999.99") }, grade.KindDemote, "JUNIOR"},
		{"activity below 80 %: down to 初级", func(c *grade.Candidate) { c.Values[grade.MeasureBranchActivityRate] = d("79") }, grade.KindDemote, "JUNIOR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := middle()
			tt.change(&c)
			x := decideOne(t, pol, c)
			if x.Kind != tt.kind || x.To != g(tt.to, "") {
				t.Errorf("%s; want %s to %s", x.Explain(), tt.kind, tt.to)
			}
		})
	}
	// 助理 has no row: always maintained, and 初级 needs P and a quality of 80.
	x := decideOne(t, pol, grade.Candidate{Employee: "A2", Current: g("ASSISTANT", ""),
		Values: map[string]money.Decimal{grade.MeasurePremium: d("100000.00"), grade.MeasureQualityScore: d("80")}})
	if x.Kind != grade.KindPromote || x.To != g("JUNIOR", "") {
		t.Errorf("%s", x.Explain())
	}
}
