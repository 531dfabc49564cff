package money_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
)

// TestWorkedExampleBonus is the bank's worked example:
//
//	R = D·(IL−IC)·t/360·P + L·(IA−IB)·t/360·Q·N − F·K
//
// computed in Decimal, multiplying before dividing by 360, and rounded to
// the fen once, at the end.
func TestWorkedExampleBonus(t *testing.T) {
	must := func(d money.Decimal, err error) money.Decimal {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	var (
		D, L, F    = amt("50000000.00"), amt("30000000.00"), amt("2000.00")
		IL, IC     = d("0.0280"), d("0.0150")
		IA, IB     = d("0.0435"), d("0.0280")
		P, Q, N, K = d("0.02"), d("0.03"), d("1.0"), d("0.5")
		days       = money.DecimalFromInt(30)
		year       = money.DecimalFromInt(360)
	)

	deposit := must(D.MulDecimal(must(IL.Sub(IC))))
	deposit = must(deposit.Mul(days))
	deposit = must(deposit.Mul(P))
	deposit = must(deposit.Quo(year))

	loan := must(L.MulDecimal(must(IA.Sub(IB))))
	loan = must(loan.Mul(days))
	loan = must(loan.Mul(Q))
	loan = must(loan.Mul(N))
	loan = must(loan.Quo(year))

	expense := must(F.MulDecimal(K))

	// The parts, before any rounding.
	if s := deposit.String(); !strings.HasPrefix(s, "1083.3333333333") {
		t.Errorf("deposit part = %s, want 1083.333…", s)
	}
	if loan.Cmp(d("1162.50")) != 0 {
		t.Errorf("loan part = %s, want 1162.50", loan)
	}
	if expense.Cmp(d("1000.00")) != 0 {
		t.Errorf("expense = %s, want 1000.00", expense)
	}

	r := must(must(deposit.Add(loan)).Sub(expense))
	bonus, err := r.RoundToFen()
	if err != nil {
		t.Fatal(err)
	}
	if bonus != amt("1245.83") || bonus.String() != "1245.83" {
		t.Errorf("bonus R = %s (unrounded %s), want 1245.83", bonus, r)
	}
}

// TestWorkedExampleBasePay is the bank's base pay example:
// 0.8 · 6000.00 − 150.00 = 4650.00.
func TestWorkedExampleBasePay(t *testing.T) {
	gross, err := amt("6000.00").MulDecimal(d("0.8"))
	if err != nil {
		t.Fatal(err)
	}
	net, err := gross.Sub(amt("150.00").Decimal())
	if err != nil {
		t.Fatal(err)
	}
	pay, err := net.RoundToFen()
	if err != nil {
		t.Fatal(err)
	}
	if pay != amt("4650.00") || pay.NonNegative() != pay {
		t.Errorf("base pay = %s, want 4650.00", pay)
	}
}

// Base pay is a coefficient times the standard salary, less deductions,
// rounded to the fen once at the end and never below zero.
func ExampleDecimal_RoundToFen() {
	standard, _ := money.ParseAmount("6000.00")
	coefficient, _ := money.ParseDecimal("0.8")
	deduction, _ := money.ParseAmount("150.00")

	gross, _ := standard.MulDecimal(coefficient) // 4800.000, not rounded
	net, _ := gross.Sub(deduction.Decimal())
	pay, _ := net.RoundToFen()
	fmt.Println(pay.NonNegative())

	half, _ := money.MustParseDecimal("0.025").RoundToFen() // half to even
	fmt.Println(half)
	// Output:
	// 4650.00
	// 0.02
}

func ExampleAllocate() {
	total, _ := money.ParseAmount("100.00")
	parts, _ := money.Allocate(total, []money.Decimal{
		money.DecimalFromInt(1), money.DecimalFromInt(1), money.DecimalFromInt(1),
	})
	fmt.Println(parts)
	// Output: [33.34 33.33 33.33]
}
