package scoring_test

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/scoring"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/template"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

var d = money.MustParseDecimal

func defaultTemplate(t *testing.T, code string) template.Template {
	t.Helper()
	for _, tp := range template.DefaultTemplates() {
		if tp.Code == code {
			return tp
		}
	}
	t.Fatalf("no default template %s", code)
	return template.Template{}
}

func fields(err error) []string {
	var out []string
	for _, v := range violation.Of(err) {
		out = append(out, v.Field)
	}
	return out
}

var (
	manual   = scoring.Source{Kind: indicator.SourceManual, Ref: "E042"}
	imported = scoring.Source{Kind: indicator.SourceImported, Ref: "batch-2025-01"}
	visits   = scoring.Source{Kind: indicator.SourceVisits, Ref: "visits"}
	survey   = scoring.Source{Kind: indicator.SourceSurvey, Ref: "campaign-7"}
)

// juniorValues is a month of a junior CM, with the points each line earns
// under the default JUNIOR template worked out by hand.
func juniorValues() (values []scoring.Value, points map[string]string) {
	rows := []struct {
		code, value string
		src         scoring.Source
		points      string
	}{
		{indicator.EthicsRating, "85", manual, "9"},                 // band from 80: 90 % of 10
		{indicator.ComplianceBreaches, "0", imported, "10"},         // threshold ≤ 0 passed
		{indicator.BasicMgmtRating, "72", manual, "7.5"},            // band from 70: 75 % of 10
		{indicator.VisitPlanCompletion, "95", visits, "9.5"},        // 95 ÷ 100 of 10
		{indicator.OnTimeVisitRate, "88.8", visits, "8.88"},         // 88.8 ÷ 100 of 10
		{indicator.DepositDailyAvg, "8000000.00", imported, "8"},    // 0.8 of 10
		{indicator.LoanDailyAvg, "12000000.00", imported, "12"},     // 1.5, capped at 1.2 of 10
		{indicator.NewCustomers, "7", imported, "7"},                // 0.7 of 10
		{indicator.IntermediateRevenue, "20000.00", imported, "2"},  // 0.4 of 5
		{indicator.CustomerSatisfaction, "92", survey, "4.5"},       // band from 90: 90 % of 5
		{indicator.Response24hRate, "100", visits, "5"},             // band from 100: 100 % of 5
		{indicator.NPLRatio, "2", imported, "3.75"},                 // lower is better: 1.5 ÷ 2 of 5
		{indicator.DueVisitCoverage, "50", visits, "not in JUNIOR"}, // ignored: not in the template
	}
	points = map[string]string{}
	for _, r := range rows {
		values = append(values, scoring.Value{Indicator: r.code, Value: d(r.value), Source: r.src})
		points[r.code] = r.points
	}
	return values, points
}

func TestMonthly(t *testing.T) {
	lib := indicator.DefaultLibrary()
	tpl := defaultTemplate(t, template.Junior)
	values, points := juniorValues()
	card, err := scoring.Monthly(tpl, lib, values)
	if err != nil {
		t.Fatal(err)
	}
	if len(card.Lines) != len(tpl.Lines) {
		t.Fatalf("%d lines, want %d", len(card.Lines), len(tpl.Lines))
	}
	for i, l := range card.Lines {
		if l.Indicator != tpl.Lines[i].Indicator {
			t.Errorf("line %d is %s, want %s (template order)", i, l.Indicator, tpl.Lines[i].Indicator)
		}
		if l.Status != scoring.StatusScored {
			t.Errorf("%s: status %s, want scored", l.Indicator, l.Status)
		}
		if want := d(points[l.Indicator]); l.Points().Cmp(want) != 0 {
			t.Errorf("%s: %s points, want %s (%s)", l.Indicator, l.Points(), want, l.Explain())
		}
	}
	wantParts := []struct {
		part           template.Part
		weight, points string
	}{
		{template.PartBasic, "50", "44.88"},
		{template.PartMarketing, "35", "29"},
		{template.PartManagement, "15", "13.25"},
	}
	if len(card.Parts) != len(wantParts) {
		t.Fatalf("%d parts, want 3", len(card.Parts))
	}
	for i, w := range wantParts {
		p := card.Parts[i]
		if p.Part != w.part || p.Weight.Cmp(d(w.weight)) != 0 || p.Points.Cmp(d(w.points)) != 0 {
			t.Errorf("part %d = %s weight %s points %s; want %s %s %s", i, p.Part, p.Weight, p.Points, w.part, w.weight, w.points)
		}
	}
	if card.Sum.Cmp(d("87.13")) != 0 || card.Total.String() != "87.13" {
		t.Errorf("sum %s total %s, want 87.13 and \"87.13\"", card.Sum, card.Total)
	}
	if err := card.Complete(); err != nil {
		t.Errorf("Complete() = %v, want nil", err)
	}
	coef, err := scoring.DefaultCoefficientTable().Coefficient(card.Total)
	if err != nil || coef.Value.Cmp(d("1.0")) != 0 {
		t.Errorf("coefficient %s, %v; want 1.0", coef.Value, err)
	}
}

func TestLineExplain(t *testing.T) {
	lib := indicator.DefaultLibrary()
	values, _ := juniorValues()
	card, err := scoring.Monthly(defaultTemplate(t, template.Junior), lib, values)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		indicator.EthicsRating: "[基础考核 (basic)] ETHICS_RATING 职业道德评价 (weight 10): value 85 from manual E042; " +
			"rule banded: from 0 → 0%; from 60 → 60%; from 70 → 75%; from 80 → 90%; from 90 → 100%; " +
			"value 85 is in band 4 良 (from 80 to below 90) → 90% of weight 10 = 9 points",
		indicator.NPLRatio: "[管理考核 (management)] NPL_RATIO 不良贷款率 (weight 5): value 2% from imported batch-2025-01; " +
			"rule lower is better, linear to target 1.5%, capped at 120% of the weight; " +
			"lower is better: target 1.5 ÷ value 2 = 0.75 (75%) of weight 5 → 3.75 points",
		indicator.LoanDailyAvg: "[营销考核 (marketing)] LOAN_DAILY_AVG 贷款日均余额 (weight 10): value 12000000.00 CNY from imported batch-2025-01; " +
			"rule linear to target 8000000.00 CNY, capped at 120% of the weight; " +
			"value 12000000.00 ÷ target 8000000.00 = 1.5, reaching the cap → cap 1.2 × weight 10 = 12 points",
	}
	for _, l := range card.Lines {
		if w, ok := want[l.Indicator]; ok && l.Explain() != w {
			t.Errorf("%s:\n got %q\nwant %q", l.Indicator, l.Explain(), w)
		}
		// The structured explanation carries what the text says.
		if l.Source.Kind == "" || l.Rule == "" || l.Score.Detail == "" {
			t.Errorf("%s: incomplete explanation %+v", l.Indicator, l)
		}
	}
	text := card.Explain()
	for _, s := range []string{"基础考核 (basic): 44.88 of 50 points", "营销考核 (marketing): 29 of 35 points",
		"管理考核 (management): 13.25 of 15 points", "sum 87.13 → total 87.13"} {
		if !strings.Contains(text, s) {
			t.Errorf("card explanation lacks %q:\n%s", s, text)
		}
	}
}

func TestMonthlyMissingValues(t *testing.T) {
	lib := indicator.DefaultLibrary()
	values, _ := juniorValues()
	drop := func(codes ...string) []scoring.Value {
		return slices.DeleteFunc(slices.Clone(values), func(v scoring.Value) bool { return slices.Contains(codes, v.Indicator) })
	}

	card, err := scoring.Monthly(defaultTemplate(t, template.Junior), lib, drop(indicator.EthicsRating, indicator.BasicMgmtRating, indicator.DepositDailyAvg))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(card.Pending, []string{indicator.EthicsRating, indicator.BasicMgmtRating}) {
		t.Errorf("Pending = %v, want the two manual ratings", card.Pending)
	}
	err = card.Complete()
	var inc *scoring.IncompleteError
	if !errors.Is(err, scoring.ErrIncomplete) || !errors.As(err, &inc) || !slices.Equal(inc.Indicators, card.Pending) {
		t.Fatalf("Complete() = %v, want an IncompleteError naming the pending indicators", err)
	}
	if !strings.Contains(err.Error(), indicator.EthicsRating) || !strings.Contains(err.Error(), indicator.BasicMgmtRating) {
		t.Errorf("error %q does not name the missing indicators", err)
	}
	status := map[string]scoring.Status{}
	for _, l := range card.Lines {
		status[l.Indicator] = l.Status
		if l.Status != scoring.StatusScored && !l.Points().IsZero() {
			t.Errorf("%s: %s without a value, want 0", l.Indicator, l.Points())
		}
	}
	if status[indicator.EthicsRating] != scoring.StatusAwaiting || status[indicator.DepositDailyAvg] != scoring.StatusNoValue {
		t.Errorf("statuses %v", status)
	}
	// 87.13 less the 9 + 7.5 + 8 points of the missing values.
	if card.Total.String() != "62.63" {
		t.Errorf("total %s, want 62.63", card.Total)
	}
	for _, l := range card.Lines {
		switch l.Indicator {
		case indicator.DepositDailyAvg:
			if !strings.HasSuffix(l.Explain(), "no value (imported) → 0 points") {
				t.Errorf("explanation %q", l.Explain())
			}
		case indicator.EthicsRating:
			if !strings.Contains(l.Explain(), "awaiting manual entry") {
				t.Errorf("explanation %q", l.Explain())
			}
		}
	}

	// Missing imported, visit or survey values alone do not block closing.
	card, err = scoring.Monthly(defaultTemplate(t, template.Junior), lib, drop(indicator.DepositDailyAvg, indicator.Response24hRate, indicator.CustomerSatisfaction))
	if err != nil {
		t.Fatal(err)
	}
	if err := card.Complete(); err != nil || len(card.Pending) != 0 {
		t.Errorf("Complete() = %v, Pending %v; want complete", err, card.Pending)
	}
}

func TestMonthlyRejects(t *testing.T) {
	lib := indicator.DefaultLibrary()
	values, _ := juniorValues()
	tests := []struct {
		name   string
		tpl    func(*template.Template)
		values []scoring.Value
		want   []string
	}{
		{"unknown indicator", nil, append(slices.Clone(values), scoring.Value{Indicator: "GHOST", Source: imported}),
			[]string{"values[13].indicator"}},
		{"two values for one indicator", nil, append(slices.Clone(values), scoring.Value{Indicator: indicator.NPLRatio, Value: d("1"), Source: imported}),
			[]string{"values[13].indicator"}},
		{"unknown source", nil, []scoring.Value{{Indicator: indicator.NPLRatio, Value: d("1"), Source: scoring.Source{Kind: "fax"}}},
			[]string{"values[0].source.kind"}},
		{"invalid template", func(tp *template.Template) { tp.Lines[0].Weight = d("9") }, values, []string{"template.lines"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := defaultTemplate(t, template.Junior)
			if tt.tpl != nil {
				tt.tpl(&tpl)
			}
			_, err := scoring.Monthly(tpl, lib, tt.values)
			if !errors.Is(err, scoring.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if got := fields(err); !slices.Equal(got, tt.want) {
				t.Errorf("violations on %q, want %q (%v)", got, tt.want, err)
			}
		})
	}
}

// oneLine is a template of one indicator worth all 100 points.
func oneLine(code string) template.Template {
	return template.Template{Code: "ONE", Name: "one", Tier: template.TierJunior,
		Lines: []template.Line{{Indicator: code, Part: template.PartBasic, Weight: d("100")}}}
}

func TestTotalRounding(t *testing.T) {
	lib := indicator.DefaultLibrary()
	tests := []struct {
		code, value, sum, total string
	}{
		// VISIT_PLAN_COMPLETION: linear to 100, cap 1, so points = value.
		{indicator.VisitPlanCompletion, "87.125", "87.125", "87.12"}, // half to even: down
		{indicator.VisitPlanCompletion, "87.135", "87.135", "87.14"}, // half to even: up
		{indicator.VisitPlanCompletion, "87.1251", "87.1251", "87.13"},
		{indicator.VisitPlanCompletion, "89.995", "89.995", "90.00"},
		{indicator.VisitPlanCompletion, "90", "90", "90.00"},
		{indicator.VisitPlanCompletion, "0", "0", "0.00"},
		// DEPOSIT_DAILY_AVG: cap 1.2, so the sum can pass 100; the total cannot.
		{indicator.DepositDailyAvg, "11000000.00", "110", "100.00"},
		{indicator.DepositDailyAvg, "99999999.00", "120", "100.00"},
	}
	for _, tt := range tests {
		card, err := scoring.Monthly(oneLine(tt.code), lib, []scoring.Value{{Indicator: tt.code, Value: d(tt.value), Source: visits}})
		if err != nil {
			t.Fatal(err)
		}
		if card.Sum.Cmp(d(tt.sum)) != 0 || card.Total.String() != tt.total {
			t.Errorf("%s = %s: sum %s total %s, want %s and %q", tt.code, tt.value, card.Sum, card.Total, tt.sum, tt.total)
		}
	}
}

// TestPropertyTotalIsSumOfParts checks, over many random months, that each
// part is exactly the sum of its lines, the sum exactly the sum of the
// parts, and the total that sum limited to 100 and rounded half to even to
// the hundredth — nothing is rounded before the end.
func TestPropertyTotalIsSumOfParts(t *testing.T) {
	lib := indicator.DefaultLibrary()
	rng := rand.New(rand.NewPCG(6, 2025))
	hundredths := func(max int64) money.Decimal {
		q, _ := money.DecimalFromInt(rng.Int64N(max)).Quo(money.DecimalFromInt(100))
		return q
	}
	sum := func(xs []money.Decimal) money.Decimal {
		s := money.Decimal{}
		for _, x := range xs {
			s, _ = s.Add(x)
		}
		return s
	}
	for iter := range 2000 {
		tpl := template.DefaultTemplates()[iter%3]
		var values []scoring.Value
		for _, l := range tpl.Lines {
			if rng.IntN(10) == 0 {
				continue // sometimes missing
			}
			ind, _ := lib.Get(l.Indicator)
			var v money.Decimal
			switch ind.Unit {
			case indicator.UnitCNY:
				v = hundredths(3_000_000_000) // up to 30,000,000.00
			case indicator.UnitPercent:
				v = hundredths(12_000)
			default:
				v = hundredths(11_000)
			}
			values = append(values, scoring.Value{Indicator: l.Indicator, Value: v, Source: scoring.Source{Kind: ind.Source}})
		}
		card, err := scoring.Monthly(tpl, lib, values)
		if err != nil {
			t.Fatal(err)
		}
		var parts []money.Decimal
		for _, p := range card.Parts {
			var lines []money.Decimal
			for _, l := range card.Lines {
				if l.Part == p.Part {
					lines = append(lines, l.Points())
				}
			}
			if got := sum(lines); got.Cmp(p.Points) != 0 {
				t.Fatalf("iteration %d: part %s = %s, its lines add up to %s", iter, p.Part, p.Points, got)
			}
			parts = append(parts, p.Points)
		}
		if got := sum(parts); got.Cmp(card.Sum) != 0 {
			t.Fatalf("iteration %d: sum %s, parts add up to %s", iter, card.Sum, got)
		}
		limited := card.Sum
		if limited.Cmp(money.DecimalFromInt(100)) > 0 {
			limited = money.DecimalFromInt(100)
		}
		want := limited.RoundHalfEven(2)
		if _, frac, _ := strings.Cut(card.Total.String(), "."); card.Total.Cmp(want) != 0 || len(frac) != 2 {
			t.Fatalf("iteration %d: total %s, want %s with two decimal places", iter, card.Total, want)
		}
		if card.Total.Sign() < 0 || card.Total.Cmp(money.DecimalFromInt(100)) > 0 {
			t.Fatalf("iteration %d: total %s outside 0–100", iter, card.Total)
		}
	}
}

// A Scorer made once scores every card exactly as Monthly does.
func TestScorerIsMonthly(t *testing.T) {
	lib := indicator.DefaultLibrary()
	rng := rand.New(rand.NewPCG(7, 2026))
	for _, tpl := range template.DefaultTemplates() {
		s, err := scoring.NewScorer(tpl, lib)
		if err != nil {
			t.Fatal(err)
		}
		for range 200 {
			var values []scoring.Value
			for _, l := range tpl.Lines {
				if rng.IntN(5) > 0 {
					ind, _ := lib.Get(l.Indicator)
					values = append(values, scoring.Value{Indicator: l.Indicator, Value: money.DecimalFromInt(rng.Int64N(20_000_000)),
						Source: scoring.Source{Kind: ind.Source, Ref: "r"}})
				}
			}
			want, err1 := scoring.Monthly(tpl, lib, values)
			got, err2 := s.Score(values)
			if err1 != nil || err2 != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: Scorer gave %+v (%v), Monthly %+v (%v)", tpl.Code, got, err2, want, err1)
			}
		}
		_, err = s.Score([]scoring.Value{{Indicator: "NOPE"}})
		if f := fields(err); len(f) != 1 || f[0] != "values[0].indicator" {
			t.Errorf("bad value: %v", err)
		}
	}
	bad := template.DefaultTemplates()[0]
	bad.Lines[0].Weight = money.DecimalFromInt(0)
	if _, err := scoring.NewScorer(bad, lib); !errors.Is(err, scoring.ErrInvalid) || fields(err)[0] != "template.lines[0].weight" {
		t.Errorf("invalid template: %v", err)
	}
}
