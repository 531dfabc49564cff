package grade_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

var d = money.MustParseDecimal

func fields(err error) []string {
	var out []string
	for _, v := range violation.Of(err) {
		out = append(out, v.Field)
	}
	return out
}

func g(level, band string) grade.Grade { return grade.Grade{Level: level, Band: band} }

// bankValues are the measures of a bank-ladder CM who meets every default
// promotion indicator of 一级 (and of 高级).
func bankValues() map[string]money.Decimal {
	return map[string]money.Decimal{
		grade.MeasureAnnualScore:        d("90"),
		grade.MeasureAdditionalScore:    d("85"),
		grade.MeasureMonthsAtGrade:      d("24"),
		grade.MeasureComplianceBreaches: d("0"),
		grade.MeasureDepositDailyAvg:    d("100000000.00"),
	}
}

func decideOne(t *testing.T, p grade.Policy, c grade.Candidate) grade.Decision {
	t.Helper()
	ds, err := grade.Decide(p, []grade.Candidate{c})
	if err != nil {
		t.Fatal(err)
	}
	return ds[0]
}

// TestWorkedExample3 is DOMAIN.md §7 example 3: a 二级 CM who meets 4 of
// the 5 promotion indicators for 一级 stays 二级; meeting all 5 moves them
// to 一级, not to 高级 — although they meet 高级's indicators too.
func TestWorkedExample3(t *testing.T) {
	p := grade.BankPolicy()
	l2, l1 := g("L2", ""), g("L1", "")
	shortfall := map[string]string{ // each of the five missed in turn
		grade.MeasureAnnualScore:        "84.99",
		grade.MeasureAdditionalScore:    "79",
		grade.MeasureMonthsAtGrade:      "11",
		grade.MeasureComplianceBreaches: "1",
		grade.MeasureDepositDailyAvg:    "39999999.99",
	}
	for measure, value := range shortfall {
		t.Run("4 of 5, missing "+measure, func(t *testing.T) {
			values := bankValues()
			values[measure] = d(value)
			dec := decideOne(t, p, grade.Candidate{Employee: "E001", Current: l2, Score: d("88"), Values: values})
			wantKind := grade.KindMaintain
			if measure == grade.MeasureComplianceBreaches {
				wantKind = grade.KindDemote // a breach also fails 二级's maintenance
			}
			if dec.Kind != wantKind || dec.Kind == grade.KindPromote {
				t.Fatalf("kind %s to %s, want %s (%s)", dec.Kind, dec.To, wantKind, dec.Explain())
			}
			if len(dec.Promotions) != 1 || dec.Promotions[0].Target != l1 || dec.Promotions[0].Met {
				t.Fatalf("promotion checks %+v, want one unmet check of L1", dec.Promotions)
			}
			met := 0
			for _, c := range dec.Promotions[0].Checks {
				if c.Met {
					met++
				} else if c.Requirement.Measure != measure {
					t.Errorf("unmet %s, want only %s unmet", c.Requirement.Measure, measure)
				}
			}
			if met != 4 || len(dec.Promotions[0].Checks) != 5 {
				t.Errorf("%d of %d met, want 4 of 5", met, len(dec.Promotions[0].Checks))
			}
			if !strings.Contains(dec.Reasons[0], "not promoted to 一级: 4 of 5 promotion indicators met") {
				t.Errorf("reason %q", dec.Reasons[0])
			}
		})
	}
	t.Run("4 of 5 stays 二级", func(t *testing.T) {
		values := bankValues()
		values[grade.MeasureDepositDailyAvg] = d("39000000.00")
		dec := decideOne(t, p, grade.Candidate{Employee: "E001", Current: l2, Values: values})
		if dec.Kind != grade.KindMaintain || dec.To != l2 || dec.Moves() {
			t.Fatalf("%s", dec.Explain())
		}
	})
	t.Run("a missing value is not met", func(t *testing.T) {
		values := bankValues()
		delete(values, grade.MeasureAdditionalScore)
		dec := decideOne(t, p, grade.Candidate{Employee: "E001", Current: l2, Values: values})
		if dec.To != l2 || !strings.Contains(dec.Explain(), "(no value)") {
			t.Fatalf("%s", dec.Explain())
		}
	})
	t.Run("all 5 moves to 一级, not 高级", func(t *testing.T) {
		dec := decideOne(t, p, grade.Candidate{Employee: "E001", Current: l2, Values: bankValues()})
		if dec.Kind != grade.KindPromote || dec.To != l1 || dec.From != l2 {
			t.Fatalf("%s, want promote L2 → L1", dec.Explain())
		}
		if len(dec.Promotions) != 1 || !dec.Promotions[0].Met || dec.Exceptional {
			t.Errorf("promotion checks %+v", dec.Promotions)
		}
		if want := "promoted one step from 二级 to 一级: all 5 promotion indicators met"; dec.Reasons[0] != want {
			t.Errorf("reason %q, want %q", dec.Reasons[0], want)
		}
	})
}

// threeLevels returns count CMs on 三级九档 at grade, with employee
// numbers from prefix, scores from score upward, all maintained and none
// promoted under the default policy.
func threeLevels(prefix string, count int, at grade.Grade, score int64) []grade.Candidate {
	var out []grade.Candidate
	for i := range count {
		out = append(out, grade.Candidate{
			Employee:   fmt.Sprintf("%s%02d", prefix, i),
			Current:    at,
			GradeSince: civil.MustParse("2023-01-01"),
			Score:      money.DecimalFromInt(score + int64(i)),
			Values: map[string]money.Decimal{
				grade.MeasureAnnualScore:   money.DecimalFromInt(score + int64(i)),
				grade.MeasureMonthsAtGrade: d("6"),
			},
		})
	}
	return out
}

func byEmployee(ds []grade.Decision) map[string]grade.Decision {
	m := map[string]grade.Decision{}
	for _, x := range ds {
		m[x.Employee] = x
	}
	return m
}

// TestWorkedExample4 is DOMAIN.md §7 example 4: 20 CMs on 三级九档, 3 at
// 高级, quota 10 % = 2: the lowest-scored 高级 CM moves down to 中级 at the
// period's decision, and nobody else moves.
func TestWorkedExample4(t *testing.T) {
	p := grade.ThreeLevelsNineBandsPolicy()
	var cands []grade.Candidate
	seniors := []grade.Candidate{
		{Employee: "S1", Current: g("SENIOR", "A"), Score: d("82"), Values: map[string]money.Decimal{grade.MeasureAnnualScore: d("82"), grade.MeasureMonthsAtGrade: d("6")}},
		{Employee: "S2", Current: g("SENIOR", "B"), Score: d("80"), Values: map[string]money.Decimal{grade.MeasureAnnualScore: d("80"), grade.MeasureMonthsAtGrade: d("6")}},
		{Employee: "S3", Current: g("SENIOR", "C"), Score: d("71.5"), Values: map[string]money.Decimal{grade.MeasureAnnualScore: d("71.5"), grade.MeasureMonthsAtGrade: d("6")}},
	}
	cands = append(cands, seniors...)
	cands = append(cands, threeLevels("M", 11, g("MIDDLE", "B"), 62)...)
	cands = append(cands, threeLevels("J", 6, g("JUNIOR", "A"), 61)...)
	if len(cands) != 20 {
		t.Fatalf("%d candidates", len(cands))
	}
	ds, err := grade.Decide(p, cands)
	if err != nil {
		t.Fatal(err)
	}
	var moved []grade.Decision
	for _, x := range ds {
		if x.Moves() {
			moved = append(moved, x)
		}
	}
	if len(moved) != 1 {
		for _, x := range moved {
			t.Log(x.Explain())
		}
		t.Fatalf("%d CMs move, want exactly 1", len(moved))
	}
	s3 := moved[0]
	if s3.Employee != "S3" || s3.Kind != grade.KindQuotaDemote || s3.From != g("SENIOR", "C") || s3.To != g("MIDDLE", "A") {
		t.Fatalf("%s, want S3 quota-demoted from SENIOR/C to MIDDLE/A", s3.Explain())
	}
	q := s3.Quota
	if q == nil || q.Level != "SENIOR" || q.Population != 20 || q.Limit != 2 || q.Holding != 3 || q.Rank != 1 || !q.Moved {
		t.Fatalf("quota rank %+v", q)
	}
	if want := "moved down from 高级C to 中级A by the quota (末尾淘汰): level 高级 holds 3 of 20 CMs, above its quota of 10% (limit 2); ranked 1 of 3, first to move first"; s3.Reasons[len(s3.Reasons)-1] != want {
		t.Errorf("reason\n got %q\nwant %q", s3.Reasons[len(s3.Reasons)-1], want)
	}
	m := byEmployee(ds)
	for emp, rank := range map[string]int{"S2": 2, "S1": 3} {
		x := m[emp]
		if x.Kind != grade.KindMaintain || x.Quota == nil || x.Quota.Rank != rank || x.Quota.Moved {
			t.Errorf("%s: %s, quota %+v; want maintained at rank %d", emp, x.Explain(), x.Quota, rank)
		}
	}
	// 中级 now holds 12 of 20, exactly its 60 %: no cascade.
	for _, x := range ds {
		if x.Employee != "S3" && x.Kind != grade.KindMaintain {
			t.Errorf("%s", x.Explain())
		}
	}
}

func TestQuotaTieBreak(t *testing.T) {
	p := grade.ThreeLevelsNineBandsPolicy()
	senior := func(emp, since, score string) grade.Candidate {
		return grade.Candidate{Employee: emp, Current: g("SENIOR", "B"), GradeSince: civil.MustParse(since), Score: d(score),
			Values: map[string]money.Decimal{grade.MeasureAnnualScore: d("70")}}
	}
	zeroDate := func(c grade.Candidate) grade.Candidate { c.GradeSince = civil.Date{}; return c }
	rest := append(threeLevels("M", 11, g("MIDDLE", "C"), 60), threeLevels("J", 6, g("JUNIOR", "C"), 60)...)
	tests := []struct {
		name    string
		seniors []grade.Candidate
		want    string // who moves
		order   []string
	}{
		{"lower score first", []grade.Candidate{senior("E1", "2020-01-01", "80"), senior("E2", "2024-01-01", "79.99"), senior("E3", "2024-06-01", "81")},
			"E2", []string{"E2", "E1", "E3"}},
		{"equal scores: shorter time at grade first", []grade.Candidate{senior("E1", "2021-03-01", "80"), senior("E2", "2023-03-01", "80"), senior("E3", "2022-03-01", "80")},
			"E2", []string{"E2", "E3", "E1"}},
		{"unknown grade date counts as longest", []grade.Candidate{zeroDate(senior("E1", "2021-03-01", "80")), senior("E2", "1990-01-01", "80"), senior("E3", "2000-01-01", "80")},
			"E3", []string{"E3", "E2", "E1"}},
		{"equal scores and dates: larger employee number first", []grade.Candidate{senior("E99", "2022-01-01", "80"), senior("E100", "2022-01-01", "80"), senior("E98", "2022-01-01", "80")},
			"E100", []string{"E100", "E99", "E98"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cands := append(slices.Clone(tt.seniors), rest...)
			for seed := range uint64(5) { // the input order must not matter
				shuffled := slices.Clone(cands)
				rand.New(rand.NewPCG(seed, 1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
				ds, err := grade.Decide(p, shuffled)
				if err != nil {
					t.Fatal(err)
				}
				m := byEmployee(ds)
				for _, s := range tt.seniors {
					x := m[s.Employee]
					moves := x.Kind == grade.KindQuotaDemote
					if moves != (s.Employee == tt.want) {
						t.Errorf("seed %d: %s", seed, x.Explain())
					}
					if x.Quota == nil || x.Quota.Rank != slices.Index(tt.order, s.Employee)+1 {
						t.Errorf("seed %d: %s rank %+v, want %d", seed, s.Employee, x.Quota, slices.Index(tt.order, s.Employee)+1)
					}
				}
			}
		})
	}
}

func TestQuotaCountsPromotions(t *testing.T) {
	p := grade.ThreeLevelsNineBandsPolicy()
	rising := grade.Candidate{Employee: "R", Current: g("MIDDLE", "A"), Score: d("90"), GradeSince: civil.MustParse("2022-01-01"),
		Values: map[string]money.Decimal{grade.MeasureAnnualScore: d("90"), grade.MeasureMonthsAtGrade: d("24"), grade.MeasureAdditionalScore: d("85")}}
	senior := func(emp, score string) grade.Candidate {
		return grade.Candidate{Employee: emp, Current: g("SENIOR", "A"), Score: d(score),
			Values: map[string]money.Decimal{grade.MeasureAnnualScore: d(score), grade.MeasureMonthsAtGrade: d("6")}}
	}
	base := append(threeLevels("M", 11, g("MIDDLE", "B"), 60), threeLevels("J", 6, g("JUNIOR", "B"), 60)...)

	t.Run("promoted CM scores lowest: promotion withdrawn", func(t *testing.T) {
		cands := append([]grade.Candidate{rising, senior("S1", "95"), senior("S2", "96")}, base...)
		m := byEmployee(must(grade.Decide(p, cands)))
		r := m["R"]
		if r.Kind != grade.KindMaintain || r.To != g("MIDDLE", "A") || r.Quota == nil || !r.Quota.Moved || r.Quota.Holding != 3 {
			t.Fatalf("%s; quota %+v", r.Explain(), r.Quota)
		}
		if len(r.Promotions) != 1 || !r.Promotions[0].Met || !strings.Contains(r.Explain(), "promotion to 高级C withdrawn") {
			t.Errorf("%s", r.Explain())
		}
		for _, s := range []string{"S1", "S2"} {
			if m[s].Moves() {
				t.Errorf("%s", m[s].Explain())
			}
		}
	})
	t.Run("a sitting senior scores lowest: they move, the promotion stands", func(t *testing.T) {
		cands := append([]grade.Candidate{rising, senior("S1", "95"), senior("S2", "70")}, base...)
		m := byEmployee(must(grade.Decide(p, cands)))
		if r := m["R"]; r.Kind != grade.KindPromote || r.To != g("SENIOR", "C") {
			t.Errorf("%s", r.Explain())
		}
		if s := m["S2"]; s.Kind != grade.KindQuotaDemote || s.To != g("MIDDLE", "A") {
			t.Errorf("%s", s.Explain())
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestQuotaCascade: 高级's quota moves a CM into 中级, which then holds more
// than its 60 %; 中级's quota moves its own lowest-ranked CM, not the one who
// just arrived, although that one scores lower.
func TestQuotaCascade(t *testing.T) {
	p := grade.ThreeLevelsNineBandsPolicy()
	cands := threeLevels("S", 3, g("SENIOR", "C"), 61) // S00 scores 61: lowest of all
	cands = append(cands, threeLevels("M", 12, g("MIDDLE", "C"), 70)...)
	cands = append(cands, threeLevels("J", 5, g("JUNIOR", "A"), 62)...)
	m := byEmployee(must(grade.Decide(p, cands)))
	if x := m["S00"]; x.Kind != grade.KindQuotaDemote || x.To != g("MIDDLE", "A") {
		t.Errorf("%s", x.Explain())
	}
	if x := m["M00"]; x.Kind != grade.KindQuotaDemote || x.To != g("JUNIOR", "A") || x.Quota.Holding != 13 || x.Quota.Ranked != 12 || x.Quota.Limit != 12 {
		t.Errorf("%s; quota %+v", x.Explain(), x.Quota)
	}
	moves := 0
	for _, x := range m {
		if x.Moves() {
			moves++
		}
	}
	if moves != 2 {
		t.Errorf("%d moves, want 2", moves)
	}
}

func TestQuotaPopulation(t *testing.T) {
	p := grade.ThreeLevelsNineBandsPolicy()
	tests := []struct {
		name               string
		seniors, n, movers int
	}{
		{"below the minimum population: no quota", 3, 9, 0},
		{"10 % of 10 is 1", 3, 10, 2},
		{"10 % of 25 rounds down to 2", 3, 25, 1},
		{"10 % of 29 rounds down to 2", 3, 29, 1},
		{"10 % of 30 is 3", 3, 30, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cands := threeLevels("S", tt.seniors, g("SENIOR", "B"), 70)
			cands = append(cands, threeLevels("J", tt.n-tt.seniors, g("JUNIOR", "B"), 70)...)
			ds := must(grade.Decide(p, cands))
			movers := 0
			for _, x := range ds {
				if x.Kind == grade.KindQuotaDemote {
					movers++
				}
			}
			if movers != tt.movers {
				t.Errorf("%d quota moves, want %d", movers, tt.movers)
			}
		})
	}
}

func TestQuotaIgnoresLeavers(t *testing.T) {
	p := grade.ThreeLevelsNineBandsPolicy()
	cands := threeLevels("S", 3, g("SENIOR", "C"), 70)
	cands[0].Values[grade.MeasureAnnualScore] = d("50") // fails maintenance: demoted to MIDDLE/A on their own
	cands = append(cands, threeLevels("J", 17, g("JUNIOR", "B"), 70)...)
	m := byEmployee(must(grade.Decide(p, cands)))
	if x := m["S00"]; x.Kind != grade.KindDemote || x.To != g("MIDDLE", "A") || x.Quota != nil {
		t.Errorf("%s", x.Explain())
	}
	for _, e := range []string{"S01", "S02"} {
		if m[e].Moves() {
			t.Errorf("%s: 高级 holds 2 after the demotion, within its limit", m[e].Explain())
		}
	}
}

func TestIndividualRules(t *testing.T) {
	bank, three := grade.BankPolicy(), grade.ThreeLevelsNineBandsPolicy()
	failing := func() map[string]money.Decimal {
		v := bankValues()
		v[grade.MeasureAnnualScore] = d("59")
		return v
	}
	tests := []struct {
		name   string
		policy grade.Policy
		cand   grade.Candidate
		kind   grade.Kind
		to     grade.Grade
	}{
		{"maintenance unmet: down exactly one step", bank,
			grade.Candidate{Employee: "E", Current: g("L1", ""), Values: failing()}, grade.KindDemote, g("L2", "")},
		{"band ladder: down one band", three,
			grade.Candidate{Employee: "E", Current: g("MIDDLE", "C"), Values: map[string]money.Decimal{grade.MeasureAnnualScore: d("59")}}, grade.KindDemote, g("JUNIOR", "A")},
		{"lowest step: not below it", three,
			grade.Candidate{Employee: "E", Current: g("JUNIOR", "C"), Values: map[string]money.Decimal{grade.MeasureAnnualScore: d("10")}}, grade.KindMaintain, g("JUNIOR", "C")},
		{"top of the ladder: maintained", bank,
			grade.Candidate{Employee: "E", Current: g("SR", ""), Values: bankValues()}, grade.KindMaintain, g("SR", "")},
		{"trainee has no maintenance indicators", bank,
			grade.Candidate{Employee: "E", Current: g("T", ""), Values: failing()}, grade.KindMaintain, g("T", "")},
		{"new CM, first period: skipped even when failing", bank,
			grade.Candidate{Employee: "E", Current: g("L4", ""), Values: failing(), NewHire: &grade.NewHire{Period: 1}}, grade.KindSkip, g("L4", "")},
		{"new CM, first period: no promotion either", bank,
			grade.Candidate{Employee: "E", Current: g("L4", ""), Values: bankValues(), NewHire: &grade.NewHire{Period: 1}}, grade.KindSkip, g("L4", "")},
		{"new CM fails the second period: grace", bank,
			grade.Candidate{Employee: "E", Current: g("L4", ""), Values: failing(), NewHire: &grade.NewHire{Period: 2}}, grade.KindGrace, g("L4", "")},
		{"new CM fails during grace: contract ends", bank,
			grade.Candidate{Employee: "E", Current: g("L4", ""), Values: failing(), NewHire: &grade.NewHire{Period: 3, InGrace: true}}, grade.KindTerminate, g("L4", "")},
		{"new CM passes the grace period", bank,
			grade.Candidate{Employee: "E", Current: g("L4", ""), Values: map[string]money.Decimal{grade.MeasureAnnualScore: d("70"), grade.MeasureComplianceBreaches: d("0"), grade.MeasureDepositDailyAvg: d("3000000")}, NewHire: &grade.NewHire{Period: 3, InGrace: true}},
			grade.KindMaintain, g("L4", "")},
		{"exceptional skip with approval", bank,
			grade.Candidate{Employee: "E", Current: g("L3", ""), Values: bankValues(), Exception: &grade.Exception{Target: g("L1", ""), ApprovalRef: "CMT-2025-07"}},
			grade.KindPromote, g("L1", "")},
		{"exceptional target unmet: one step instead", bank,
			grade.Candidate{Employee: "E", Current: g("L3", ""), Values: func() map[string]money.Decimal {
				v := bankValues()
				v[grade.MeasureDepositDailyAvg] = d("25000000.00") // 二级 needs 20M, 一级 40M
				return v
			}(), Exception: &grade.Exception{Target: g("L1", ""), ApprovalRef: "CMT-2025-07"}},
			grade.KindPromote, g("L2", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := decideOne(t, tt.policy, tt.cand)
			if x.Kind != tt.kind || x.To != tt.to || x.From != tt.cand.Current {
				t.Errorf("%s; want %s to %s", x.Explain(), tt.kind, tt.to)
			}
			if len(x.Reasons) == 0 {
				t.Error("no reasons")
			}
		})
	}

	x := decideOne(t, bank, grade.Candidate{Employee: "E", Current: g("L3", ""), Values: bankValues(), Exception: &grade.Exception{Target: g("L1", ""), ApprovalRef: "CMT-2025-07"}})
	if !x.Exceptional || x.ApprovalRef != "CMT-2025-07" || !x.Promotions[0].Exceptional {
		t.Errorf("exceptional promotion not recorded: %+v", x)
	}
	x = decideOne(t, grade.Policy{Ladder: grade.BankLadder(), Requirements: bank.Requirements},
		grade.Candidate{Employee: "E", Current: g("L4", ""), Values: failing(), NewHire: &grade.NewHire{Period: 1}})
	if x.Kind != grade.KindGrace {
		t.Errorf("without the first-period skip, a failing new CM gets grace: %s", x.Explain())
	}
	x = decideOne(t, grade.Policy{Ladder: grade.BankLadder()}, grade.Candidate{Employee: "E", Current: g("L4", ""), Values: bankValues()})
	if x.Kind != grade.KindMaintain || !strings.Contains(x.Explain(), "L3 has no promotion indicators") {
		t.Errorf("a step with no promotion indicators cannot be reached: %s", x.Explain())
	}
}

func TestDecideRejects(t *testing.T) {
	p := grade.BankPolicy()
	ok := grade.Candidate{Employee: "E1", Current: g("L2", "")}
	tests := []struct {
		name  string
		cands []grade.Candidate
		want  []string
	}{
		{"grade not on the ladder", []grade.Candidate{{Employee: "E1", Current: g("SENIOR", "A")}}, []string{"candidates[0].current"}},
		{"no employee", []grade.Candidate{{Current: g("L2", "")}}, []string{"candidates[0].employee"}},
		{"employee twice", []grade.Candidate{ok, ok}, []string{"candidates[1].employee"}},
		{"new hire period 0", []grade.Candidate{{Employee: "E1", Current: g("L2", ""), NewHire: &grade.NewHire{}}}, []string{"candidates[0].new_hire.period"}},
		{"skip without approval", []grade.Candidate{{Employee: "E1", Current: g("L3", ""), Exception: &grade.Exception{Target: g("L1", "")}}},
			[]string{"candidates[0].exception.approval_ref"}},
		{"exception below current", []grade.Candidate{{Employee: "E1", Current: g("L3", ""), Exception: &grade.Exception{Target: g("L4", ""), ApprovalRef: "X"}}},
			[]string{"candidates[0].exception.target"}},
		{"invalid grade date", []grade.Candidate{{Employee: "E1", Current: g("L3", ""), GradeSince: civil.Date{Year: 2025, Month: 2, Day: 30}}},
			[]string{"candidates[0].grade_since"}},
	}
	for _, tt := range tests {
		_, err := grade.Decide(p, tt.cands)
		if !errors.Is(err, grade.ErrInvalid) || !slices.Equal(fields(err), tt.want) {
			t.Errorf("%s: err = %v, want violations on %q", tt.name, err, tt.want)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*grade.Policy)
		want   []string
	}{
		{"quota on the lowest level", func(p *grade.Policy) { p.Quotas = append(p.Quotas, grade.Quota{Level: "JUNIOR", Share: d("0.3")}) }, []string{"quotas[2].level"}},
		{"quota on an unknown level", func(p *grade.Policy) { p.Quotas[0].Level = "EXPERT" }, []string{"quotas[0].level"}},
		{"quota twice", func(p *grade.Policy) { p.Quotas[1].Level = "SENIOR" }, []string{"quotas[1].level"}},
		{"zero share", func(p *grade.Policy) { p.Quotas[0].Share = d("0") }, []string{"quotas[0].share"}},
		{"share above 1", func(p *grade.Policy) { p.Quotas[0].Share = d("1.5") }, []string{"quotas[0].share"}},
		{"requirements for a grade not on the ladder", func(p *grade.Policy) { p.Requirements[0].Grade = g("L2", "") }, []string{"requirements[0].grade"}},
		{"requirements twice for a grade", func(p *grade.Policy) { p.Requirements[1].Grade = p.Requirements[0].Grade }, []string{"requirements[1].grade"}},
		{"unknown op", func(p *grade.Policy) { p.Requirements[1].Promotion[0].Op = "about" }, []string{"requirements[1].promotion[0].op"}},
		{"holds with a threshold", func(p *grade.Policy) {
			p.Requirements[1].Maintenance = append(p.Requirements[1].Maintenance, grade.Requirement{Measure: "x", Op: grade.Holds, Threshold: d("1")})
		}, []string{"requirements[1].maintenance[1].threshold"}},
		{"repeated requirement", func(p *grade.Policy) {
			p.Requirements[1].Maintenance = append(p.Requirements[1].Maintenance, p.Requirements[1].Maintenance[0])
		}, []string{"requirements[1].maintenance[1]"}},
		{"steps of a level apart", func(p *grade.Policy) {
			p.Ladder.Steps[2], p.Ladder.Steps[3] = p.Ladder.Steps[3], p.Ladder.Steps[2] // JUNIOR/A ↔ MIDDLE/C
		}, []string{"ladder.steps[3].level", "ladder.steps[4].level"}},
		{"grade twice on the ladder", func(p *grade.Policy) { p.Ladder.Steps[1] = p.Ladder.Steps[0] },
			[]string{"ladder.steps[1]", "requirements[1].grade"}},
		{"negative minimum population", func(p *grade.Policy) { p.MinQuotaPopulation = -1 }, []string{"min_quota_population"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := grade.ThreeLevelsNineBandsPolicy()
			if err := p.Validate(); err != nil {
				t.Fatalf("default policy invalid: %v", err)
			}
			tt.change(&p)
			err := p.Validate()
			if !errors.Is(err, grade.ErrInvalid) || !slices.Equal(fields(err), tt.want) {
				t.Errorf("Validate() = %v, want violations on %q", err, tt.want)
			}
		})
	}
	for _, p := range []grade.Policy{grade.BankPolicy(), grade.ThreeLevelsNineBandsPolicy()} {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Ladder.ID, err)
		}
	}
	if err := grade.SalesSupervisorLadder().Validate(); err != nil {
		t.Error(err)
	}
}
