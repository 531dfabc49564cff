package pay_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

// randomInputs is a manager of a random grade and status with random
// figures, coefficient and pay inputs of every kind.
func randomInputs(r *rand.Rand, i int) pay.Inputs {
	rates := pay.Default().GradeRates
	g := rates[r.IntN(len(rates))]
	statuses := []pay.Status{pay.Probation, pay.ExtendedProbation, pay.Confirmed, pay.Confirmed, pay.Observation}
	posts := []string{"零售客户经理", "对公客户经理", "营销团队主管"}
	m := pay.Manager{ID: fmt.Sprintf("R%d", i), OrgUnitID: "t", OrgPath: "/ho/t/", Post: posts[r.IntN(len(posts))],
		Ladder: g.Ladder, Level: g.Level, Band: g.Band, Status: statuses[r.IntN(len(statuses))]}
	amount := func(maxFen int64) money.Decimal { return money.FromFen(r.Int64N(maxFen)).Decimal() }
	in := pay.Inputs{Period: pay.MustPeriod(fmt.Sprintf("2026-%02d", 1+r.IntN(12))), Manager: m,
		Figures: map[string]pay.Sourced{
			"DEPOSIT_DAILY_AVG": {Value: amount(100_000_000_00), Source: "f"},
			"LOAN_DAILY_AVG":    {Value: amount(100_000_000_00), Source: "f"},
		}}
	if r.IntN(4) > 0 {
		in.Coefficient = &pay.Sourced{Value: money.MustParseDecimal(fmt.Sprintf("%d.%02d", r.IntN(2), r.IntN(100))), Source: "c"}
	}
	kinds := []pay.InputKind{pay.ConductDeduction, pay.Award, pay.MarketingExpense, pay.OtherDeduction, pay.Adjustment}
	for j := range r.IntN(6) {
		k := kinds[r.IntN(len(kinds))]
		v := amount(2_000_000)
		if k == pay.Adjustment && r.IntN(2) == 0 {
			v = v.Neg()
		}
		in.PayInputs = append(in.PayInputs, pay.PayInput{ID: fmt.Sprintf("p%d", j), Kind: k, Code: "X", Value: v, RefRun: "r", RefPeriod: "2025-12"})
	}
	if r.IntN(2) == 0 {
		in.PayInputs = append(in.PayInputs, pay.PayInput{ID: "w", Kind: pay.DaysWorked, Value: money.DecimalFromInt(int64(r.IntN(23)))})
	}
	for j := range r.IntN(3) {
		fen := 1 + r.Int64N(500_000_000)
		k := pay.Contract{ID: fmt.Sprintf("K%d", j), Rule: "LOAN_CONTRACT", Amount: money.FromFen(fen).Decimal(), Input: "k",
			Collected: money.FromFen(r.Int64N(fen + fen/4)).Decimal()}
		if r.IntN(2) == 0 {
			k.Paid = money.FromFen(r.Int64N(100_000))
		}
		in.Contracts = append(in.Contracts, k)
	}
	return in
}

// TestPayslipProperties: for random managers and inputs, every line is at
// least zero, the rounded lines add up exactly to gross pay and deductions,
// net = gross − deductions, base pay is never negative nor above the base
// standard, a trainee gets the trainee wage only, and computing again gives
// the same payslip.
func TestPayslipProperties(t *testing.T) {
	p := plan(t, pay.Default())
	r := rand.New(rand.NewPCG(7, 11))
	for i := range 3000 {
		in := randomInputs(r, i)
		s := compute(t, p, in)
		var gross, deductions int64
		for _, l := range s.Lines {
			if l.Amount.Sign() < 0 {
				t.Fatalf("%d: line %s is negative: %s", i, l.Code, l.Amount)
			}
			if l.Kind == pay.Deduction {
				deductions += l.Amount.Fen()
			} else {
				gross += l.Amount.Fen()
			}
			if l.Code == "BASE" {
				std := must(money.MustParseDecimal("6000").Mul(rateOf(in.Manager))).RoundHalfEven(2)
				if l.Amount.Decimal().Cmp(std) > 0 {
					t.Fatalf("%d: base pay %s above the standard %s", i, l.Amount, std)
				}
			}
			if s.Trainee && l.Kind == pay.Earning && l.Code != "TRAINEE_WAGE" && l.RefRun == "" {
				t.Fatalf("%d: trainee paid %s", i, l.Code)
			}
		}
		if s.Gross.Fen() != gross || s.Deductions.Fen() != deductions || s.Net.Fen() != gross-deductions {
			t.Fatalf("%d: does not tie out: lines %d − %d, payslip %s − %s = %s", i, gross, deductions, s.Gross, s.Deductions, s.Net)
		}
		if again := compute(t, p, in); !reflect.DeepEqual(again, s) {
			t.Fatalf("%d: computing again gave a different payslip", i)
		}
	}
}

func rateOf(m pay.Manager) money.Decimal {
	for _, g := range pay.Default().GradeRates {
		if g.Ladder == m.Ladder && g.Level == m.Level && g.Band == m.Band {
			return g.Base
		}
	}
	return money.DecimalFromInt(0)
}

// TestDiff: lines added, changed and gone, and the net pay.
func TestDiff(t *testing.T) {
	a := func(fen int64) money.Amount { return money.FromFen(fen) }
	prev := pay.Summary{Lines: []pay.LineAmount{{Code: "BASE", Amount: a(100)}, {Code: "AWARD/x", Amount: a(5)}, {Code: "PERF", Amount: a(7)}}, Net: a(112)}
	next := pay.Summary{Lines: []pay.LineAmount{{Code: "BASE", Amount: a(100)}, {Code: "PERF", Amount: a(9)}, {Code: "RETRO/2026-01/BASE", Amount: a(3)}}, Net: a(112)}
	got := pay.Diff("E1", prev, next)
	var out []string
	for _, c := range got {
		out = append(out, fmt.Sprintf("%s %v→%v", c.Code, c.Before, c.After))
	}
	if len(got) != 3 || got[0].Code != "PERF" || got[0].Before.Fen() != 7 || got[0].After.Fen() != 9 ||
		got[1].Code != "RETRO/2026-01/BASE" || got[1].Before != nil || got[2].Code != "AWARD/x" || got[2].After != nil {
		t.Errorf("diff = %v", out)
	}
	if same := pay.Diff("E1", next, next); len(same) != 0 {
		t.Errorf("no change, yet %d differences", len(same))
	}
	first := pay.Diff("E1", pay.Summary{}, next)
	if len(first) != 4 || first[3].Code != pay.NetCode || first[3].Before != nil || first[3].After.Fen() != 112 {
		t.Errorf("first computation: %+v", first)
	}
}
