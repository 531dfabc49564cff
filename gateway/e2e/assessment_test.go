package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/auth"
)

// date is a google.type.Date as REST carries it.
type date struct {
	Year  int `json:"year"`
	Month int `json:"month"`
	Day   int `json:"day"`
}

func ymd(s string) date {
	var d date
	fmt.Sscanf(s, "%d-%d-%d", &d.Year, &d.Month, &d.Day)
	return d
}

type managerJSON struct {
	Name  string `json:"name"`
	Grade struct {
		Ladder        string `json:"ladder"`
		Level         string `json:"level"`
		Band          string `json:"band"`
		EffectiveDate date   `json:"effectiveDate"`
	} `json:"grade"`
}

type runJSON struct {
	Name          string `json:"name"`
	State         string `json:"state"`
	ScoreCards    int    `json:"scoreCards"`
	Incomplete    int    `json:"incomplete"`
	CloseApproval string `json:"closeApproval"`
}

type cardJSON struct {
	Name        string   `json:"name"`
	Manager     string   `json:"manager"`
	Total       string   `json:"total"`
	Coefficient string   `json:"coefficient"`
	Pending     []string `json:"pending"`
	Lines       []struct {
		Indicator string `json:"indicator"`
		Source    string `json:"source"`
		SourceRef string `json:"sourceRef"`
		Points    string `json:"points"`
	} `json:"lines"`
}

type roundJSON struct {
	Name      string `json:"name"`
	State     string `json:"state"`
	Decisions int    `json:"decisions"`
	Moves     int    `json:"moves"`
	Approval  string `json:"approval"`
	Skipped   []any  `json:"skipped"`
}

type decisionJSON struct {
	Manager  string   `json:"manager"`
	Kind     string   `json:"kind"`
	Reasons  []string `json:"reasons"`
	Delivery string   `json:"delivery"`
	To       struct {
		Level       string `json:"level"`
		Band        string `json:"band"`
		DisplayName string `json:"displayName"`
	} `json:"to"`
}

// assessTeam is one org unit of the assessment scenario with its people.
type assessTeam struct {
	unit                    string
	hr, committee, sup, cbs string
	managers                []string
}

// newAssessTeam creates, in the seeded team unit (which holds only an
// unappointed candidate), for each spec "ID ladder level band since" a
// qualified manager appointed in 2018 whose grade (set by a bank system, as
// assessment's would be) took effect on since.
func newAssessTeam(t *testing.T, unit string, specs ...string) *assessTeam {
	t.Helper()
	at := &assessTeam{unit: unit,
		hr:        sys.tokenFor("E0002", "head-office", auth.HROfficer),
		committee: sys.tokenFor("E0003", "head-office", auth.Committee),
		sup:       sys.tokenFor("E9900", unit, auth.Supervisor),
		cbs:       sys.tokenFor("svc:cbs", "", auth.System)}
	for _, spec := range specs {
		f := strings.Fields(spec)
		id, ladder, level, band, since := f[0], f[1], f[2], f[3], f[4]
		if band == "-" {
			band = ""
		}
		var e errorAnswer
		if code := call(t, "POST", "/v1/managers?managerId="+id, map[string]any{"displayName": "经理" + id, "hireDate": ymd("2016-03-01"),
			"financeStartDate": ymd("2014-07-01"), "orgUnit": "orgUnits/" + unit, "line": "LINE_RETAIL", "education": "EDUCATION_BACHELOR",
			"qualifications": []map[string]any{{"kind": "KIND_CREDIT_LICENCE", "number": "XD-" + id, "issueDate": ymd("2016-01-01"), "expiryDate": ymd("2030-12-31")}},
			"entryRecord":    map[string]any{"knowledgeExamPassedDate": ymd("2016-02-01"), "conductReviewPassedDate": ymd("2016-02-01")},
		}, &e); code != http.StatusOK {
			t.Fatalf("create %s: HTTP %d %+v", id, code, e.Error)
		}
		if code := call(t, "POST", "/v1/managers/"+id+":appoint", map[string]any{"reason": "聘任", "effectiveDate": ymd("2018-06-01")}, &e); code != http.StatusOK {
			t.Fatalf("appoint %s: HTTP %d %+v", id, code, e.Error)
		}
		if code := callAs(t, at.cbs, "POST", "/v1/managers/"+id+":changeGrade", map[string]any{"grade": map[string]any{"ladder": "gradeLadders/" + ladder,
			"level": level, "band": band}, "effectiveDate": ymd(since), "reason": "定级"}, &e); code != http.StatusOK {
			t.Fatalf("grade %s: HTTP %d %+v", id, code, e.Error)
		}
		at.managers = append(at.managers, id)
	}
	return at
}

// figures imports one batch of figures as the core-banking system.
func (at *assessTeam) figures(t *testing.T, batch string, rows [][4]string) {
	t.Helper()
	var list []map[string]string
	for _, r := range rows {
		list = append(list, map[string]string{"manager": "managers/" + r[0], "period": r[1], "code": r[2], "value": r[3]})
	}
	var e errorAnswer
	if code := callAs(t, at.cbs, "POST", "/v1/figureBatches", map[string]any{"batchId": batch, "source": "core-banking", "rows": list}, &e); code != http.StatusOK {
		t.Fatalf("import %s: HTTP %d %+v", batch, code, e.Error)
	}
}

// goodMonth gives each manager a month of figures that maximises the
// marketing part and the NPL line.
func (at *assessTeam) goodMonth(t *testing.T, batch, month string) {
	t.Helper()
	var rows [][4]string
	for _, m := range at.managers {
		rows = append(rows, [4]string{m, month, "DEPOSIT_DAILY_AVG", "12000000.00"}, [4]string{m, month, "LOAN_DAILY_AVG", "9600000.00"},
			[4]string{m, month, "NEW_CUSTOMERS", "12"}, [4]string{m, month, "INTERMEDIATE_REVENUE", "60000.00"},
			[4]string{m, month, "NPL_RATIO", "1.00"}, [4]string{m, month, "COMPLIANCE_BREACHES", "0"})
	}
	at.figures(t, batch, rows)
}

// closedRun runs month for the team: started by HR, every manual indicator
// rated 95 by the team's supervisor, closing prepared by HR and approved by
// the committee. It returns the run's name.
func (at *assessTeam) closedRun(t *testing.T, month string) string {
	t.Helper()
	var run runJSON
	var e errorAnswer
	if code := callAs(t, at.hr, "POST", "/v1/runs", map[string]any{"orgUnit": "orgUnits/" + at.unit, "period": month}, &e); code != http.StatusOK {
		t.Fatalf("start run: HTTP %d %+v", code, e.Error)
	}
	callAs(t, at.hr, "GET", "/v1/runs/"+month+"-"+at.unit, nil, &run)
	if run.ScoreCards != len(at.managers) || run.State != "STATE_OPEN" {
		t.Fatalf("started run: %+v", run)
	}
	var cards struct {
		ScoreCards []cardJSON `json:"scoreCards"`
	}
	callAs(t, at.hr, "GET", "/v1/"+run.Name+"/scoreCards?pageSize=1000", nil, &cards)
	var ratings []map[string]string
	for _, c := range cards.ScoreCards {
		for _, p := range c.Pending {
			ratings = append(ratings, map[string]string{"manager": c.Manager, "indicator": p, "value": "95"})
		}
	}
	if code := callAs(t, at.sup, "POST", "/v1/"+run.Name+"/ratings:set", map[string]any{"ratings": ratings}, &e); code != http.StatusOK {
		t.Fatalf("ratings: HTTP %d %+v", code, e.Error)
	}
	if code := callAs(t, at.hr, "POST", "/v1/"+run.Name+":close", map[string]any{"reason": "月度考评结束"}, &run); code != http.StatusOK ||
		run.State != "STATE_CLOSING" {
		t.Fatalf("close: HTTP %d %+v", code, run)
	}
	if code := callAs(t, at.hr, "POST", "/v1/"+run.CloseApproval+":approve", map[string]any{}, &e); code != http.StatusForbidden {
		t.Fatalf("HR approves its own closing: HTTP %d", code)
	}
	if code := callAs(t, at.committee, "POST", "/v1/"+run.CloseApproval+":approve", map[string]any{}, &e); code != http.StatusOK {
		t.Fatalf("approve closing: HTTP %d %+v", code, e.Error)
	}
	return run.Name
}

// annual assesses 2026 for the team with the given annual summaries (and
// additional assessments, "self/committee") by manager.
func (at *assessTeam) annual(t *testing.T, summaries map[string]string, additional map[string][2]string) {
	t.Helper()
	var a struct {
		Name    string `json:"name"`
		Results int    `json:"results"`
	}
	if code := callAs(t, at.hr, "POST", "/v1/assessments", map[string]any{"orgUnit": "orgUnits/" + at.unit, "period": "2026"}, &a); code != http.StatusOK ||
		a.Results != len(at.managers) {
		t.Fatalf("annual assessment: HTTP %d %+v", code, a)
	}
	var inputs []map[string]string
	for _, m := range at.managers {
		in := map[string]string{"manager": "managers/" + m, "annualSummary": summaries[m]}
		if x, ok := additional[m]; ok {
			in["selfEvaluation"], in["committeeRating"] = x[0], x[1]
		}
		inputs = append(inputs, in)
	}
	var e errorAnswer
	if code := callAs(t, at.committee, "POST", "/v1/"+a.Name+"/inputs:set", map[string]any{"inputs": inputs}, &e); code != http.StatusOK {
		t.Fatalf("annual inputs: HTTP %d %+v", code, e.Error)
	}
}

// decide creates the team's 2026 round on ladder for n managers, has HR
// submit it and the committee approve it, and returns the round and its
// decisions by manager.
func (at *assessTeam) decide(t *testing.T, ladder string, n int) (roundJSON, map[string]decisionJSON) {
	t.Helper()
	var round roundJSON
	var e errorAnswer
	if code := callAs(t, at.hr, "POST", "/v1/decisionRounds", map[string]any{"orgUnit": "orgUnits/" + at.unit, "period": "2026",
		"ladder": "gradeLadders/" + ladder}, &round); code != http.StatusOK || round.Decisions != n {
		t.Fatalf("decision round: HTTP %d %+v", code, round)
	}
	decisions := map[string]decisionJSON{}
	var list struct {
		Decisions []decisionJSON `json:"decisions"`
	}
	callAs(t, at.hr, "GET", "/v1/"+round.Name+"/decisions?pageSize=1000", nil, &list)
	for _, d := range list.Decisions {
		decisions[strings.TrimPrefix(d.Manager, "managers/")] = d
		if d.Delivery != "DELIVERY_NONE" && d.Delivery != "DELIVERY_PROPOSED" {
			t.Errorf("%s before approval: delivery %s", d.Manager, d.Delivery)
		}
	}
	if code := callAs(t, at.hr, "POST", "/v1/"+round.Name+":submit", map[string]any{"reason": "年度等级评定"}, &round); code != http.StatusOK ||
		round.State != "STATE_APPROVING" {
		t.Fatalf("submit: HTTP %d %+v", code, round)
	}
	if code := callAs(t, at.hr, "POST", "/v1/"+round.Approval+":approve", map[string]any{}, &e); code != http.StatusForbidden {
		t.Fatalf("HR approves its own round: HTTP %d", code)
	}
	if code := callAs(t, at.committee, "POST", "/v1/"+round.Approval+":approve", map[string]any{}, &e); code != http.StatusOK {
		t.Fatalf("the committee approves: HTTP %d %+v", code, e.Error)
	}
	return round, decisions
}

// grade reads a manager's grade from the roster.
func grade(t *testing.T, id string) managerJSON {
	t.Helper()
	var m managerJSON
	if code := call(t, "GET", "/v1/managers/"+id, nil, &m); code != http.StatusOK {
		t.Fatalf("read %s: HTTP %d", id, code)
	}
	return m
}

// Worked examples 3 and 4 of DOMAIN.md, end to end through the gateway
// against the real roster. Two 二级 managers (bank ladder) and twenty on 三级九档
// — three at 高级 — are scored for a month (HR starts the run, their
// supervisor rates them, HR closes it and the committee approves), assessed
// for 2026 and decided on by ladder (HR prepares, the committee approves).
// Example 3: the manager meeting 4 of the 5 promotion indicators of 一级
// stays 二级; the one meeting all 5 (and 高级's too) moves to 一级, not 高级.
// Example 4: 高级 holds 3 of 20 over its 10 % quota, so the lowest-scored 高级
// manager moves down to 中级 and nobody else moves. The roster's grades
// change, effective 2027-01-01, with the decisions as references. Along the
// way: a manager reads only their own score card, the committee of another
// branch none, and a closed run refuses changes.
func TestAssessmentEndToEnd(t *testing.T) {
	specs := []string{"E9301 bank L2 - 2024-01-01", "E9302 bank L2 - 2024-01-01",
		"E9401 three-levels-nine-bands SENIOR A 2026-01-01", "E9402 three-levels-nine-bands SENIOR B 2026-01-01",
		"E9403 three-levels-nine-bands SENIOR C 2026-01-01"}
	for i := 4; i <= 14; i++ {
		specs = append(specs, fmt.Sprintf("E94%02d three-levels-nine-bands MIDDLE B 2026-01-01", i))
	}
	for i := 15; i <= 20; i++ {
		specs = append(specs, fmt.Sprintf("E94%02d three-levels-nine-bands JUNIOR A 2026-01-01", i))
	}
	at := newAssessTeam(t, "team-jingan", specs...)
	at.goodMonth(t, "e2e-2026-03", "2026-03")
	at.figures(t, "e2e-2026", [][4]string{{"E9301", "2026", "DEPOSIT_DAILY_AVG", "90000000.00"}, {"E9302", "2026", "DEPOSIT_DAILY_AVG", "39999999.99"}})
	run := at.closedRun(t, "2026-03")

	// Each manager reads their own score card only; it explains its lines.
	own := sys.tokenFor("E9301", at.unit, auth.CustomerManager)
	var card cardJSON
	if code := callAs(t, own, "GET", "/v1/"+run+"/scoreCards/E9301", nil, &card); code != http.StatusOK || card.Total != "86.00" || card.Coefficient != "1.0" {
		t.Fatalf("E9301's card: HTTP %d %+v", code, card)
	}
	for _, l := range card.Lines {
		if l.Indicator == "indicators/DEPOSIT_DAILY_AVG" && (l.Source != "SOURCE_IMPORTED" || l.SourceRef != "figureBatches/e2e-2026-03") {
			t.Errorf("deposit line: %+v", l)
		}
	}
	var e errorAnswer
	if code := callAs(t, own, "GET", "/v1/"+run+"/scoreCards/E9302", nil, &e); code != http.StatusNotFound {
		t.Fatalf("E9301 reads E9302's card: HTTP %d", code)
	}
	east := sys.tokenFor("E0004", "branch-east", auth.Committee)
	if code := callAs(t, east, "GET", "/v1/"+run+"/scoreCards/E9301", nil, &e); code != http.StatusNotFound {
		t.Fatalf("the committee of branch-east reads branch-west's card: HTTP %d", code)
	}
	// A closed run cannot be changed.
	if code := callAs(t, at.hr, "POST", "/v1/"+run+":recompute", map[string]any{}, &e); code != http.StatusConflict ||
		e.Error.Status != "FAILED_PRECONDITION" || !strings.Contains(e.Error.Message, "never changes") {
		t.Fatalf("recompute a closed run: HTTP %d %+v", code, e.Error)
	}
	var co struct {
		Coefficients []struct {
			Manager, Coefficient string
			Revision             int
		} `json:"coefficients"`
	}
	if code := callAs(t, sys.tokenFor("svc:compensation", "", auth.System), "GET", "/v1/coefficients:batchGet?period=2026-03&managers=managers/E9301&managers=managers/E9302",
		nil, &co); code != http.StatusOK || len(co.Coefficients) != 2 || co.Coefficients[0].Coefficient != "1.0" || co.Coefficients[0].Revision != 1 {
		t.Fatalf("coefficients: HTTP %d %+v", code, co)
	}

	// 2026: the monthly mean × 70 % + the summary × 30 %. Example 3's managers:
	// 86 × 0.7 + 100 × 0.3 = 90.20, additional 90. Example 4's seniors score
	// 89.00 a month: 86.30, 83.30 and 77.30 with summaries 80, 70 and 50.
	summaries := map[string]string{"E9301": "100", "E9302": "100"}
	for _, m := range at.managers[2:] {
		summaries[m] = "80"
	}
	summaries["E9402"], summaries["E9403"] = "70", "50"
	at.annual(t, summaries, map[string][2]string{"E9301": {"90", "90"}, "E9302": {"90", "90"}})

	t.Run("worked example 3", func(t *testing.T) {
		round, ds := at.decide(t, "bank", 2)
		if round.Moves != 1 {
			t.Errorf("round moves %d managers, want 1", round.Moves)
		}
		if d := ds["E9302"]; d.Kind != "KIND_MAINTAIN" || d.To.Level != "L2" || !strings.Contains(d.Reasons[0], "4 of 5 promotion indicators met") {
			t.Errorf("E9302 (4 of 5): %+v", d)
		}
		if d := ds["E9301"]; d.Kind != "KIND_PROMOTE" || d.To.Level != "L1" || d.To.DisplayName != "一级" {
			t.Errorf("E9301 (5 of 5): %+v", d)
		}
		waitUntil(t, "the roster holds E9301's promotion", func() bool { return grade(t, "E9301").Grade.Level == "L1" })
		if g := grade(t, "E9301").Grade; g.Ladder != "gradeLadders/bank" || g.EffectiveDate != (date{2027, 1, 1}) {
			t.Errorf("E9301's new grade: %+v", g)
		}
		if g := grade(t, "E9302").Grade; g.Level != "L2" || g.EffectiveDate != (date{2024, 1, 1}) {
			t.Errorf("E9302's grade changed: %+v", g)
		}
		var history struct {
			Entries []struct {
				Kind      string `json:"kind"`
				Reference string `json:"reference"`
				Grade     struct {
					Level string `json:"level"`
				} `json:"grade"`
			} `json:"entries"`
		}
		call(t, "GET", "/v1/managers/E9301/history", nil, &history)
		found := false
		for _, h := range history.Entries {
			found = found || h.Kind == "KIND_GRADE" && h.Grade.Level == "L1" && h.Reference == round.Name+"/decisions/E9301"
		}
		if !found {
			t.Errorf("E9301's history has no grade change referencing the decision: %+v", history.Entries)
		}
		var d decisionJSON
		waitUntil(t, "the decision says it was applied", func() bool {
			callAs(t, at.hr, "GET", "/v1/"+round.Name+"/decisions/E9301", nil, &d)
			return d.Delivery == "DELIVERY_APPLIED"
		})

		// The roster now shows the promotion, effective 2027-01-01; a run for
		// December 2026 still scores E9301 on the grade held then (二级).
		var e errorAnswer
		if code := callAs(t, at.hr, "POST", "/v1/runs", map[string]any{"orgUnit": "orgUnits/" + at.unit, "period": "2026-12"}, &e); code != http.StatusOK {
			t.Fatalf("start the December run: HTTP %d %+v", code, e.Error)
		}
		var dec struct {
			Level string `json:"level"`
		}
		if code := callAs(t, at.hr, "GET", "/v1/runs/2026-12-"+at.unit+"/scoreCards/E9301", nil, &dec); code != http.StatusOK || dec.Level != "L2" {
			t.Errorf("E9301 scored in December 2026 at %q (HTTP %d), want L2: a grade effective 2027-01-01 counts only from then", dec.Level, code)
		}
	})

	t.Run("worked example 4", func(t *testing.T) {
		_, ds := at.decide(t, "three-levels-nine-bands", 20)
		for _, m := range at.managers[2:] {
			d := ds[m]
			if m == "E9403" {
				if d.Kind != "KIND_QUOTA_DEMOTE" || d.To.Level != "MIDDLE" || d.To.Band != "A" {
					t.Errorf("E9403: %+v", d)
				}
				continue
			}
			if d.Kind != "KIND_MAINTAIN" {
				t.Errorf("%s: %+v", m, d)
			}
		}
		waitUntil(t, "the roster holds E9403's move", func() bool { return grade(t, "E9403").Grade.Level == "MIDDLE" })
		if g := grade(t, "E9403").Grade; g.Band != "A" || g.EffectiveDate != (date{2027, 1, 1}) {
			t.Errorf("E9403's new grade: %+v", g)
		}
		for _, m := range []string{"E9401", "E9402", "E9404", "E9420"} {
			if g := grade(t, m).Grade; g.EffectiveDate != (date{2026, 1, 1}) {
				t.Errorf("%s's grade changed: %+v", m, g)
			}
		}
	})

	// Appeals, decided by the committee, re-flow: E9301's amended score card
	// gives compensation a second revision of the coefficient; E9403's quota
	// demotion, overturned, puts the roster's grade back.
	t.Run("appeals re-flow", func(t *testing.T) {
		var ap struct {
			Name  string `json:"name"`
			State string `json:"state"`
		}
		var e errorAnswer
		if code := callAs(t, own, "POST", "/v1/appeals", map[string]any{"subject": run + "/scoreCards/E9302", "reason": "x"}, &e); code != http.StatusForbidden {
			t.Fatalf("E9301 appeals E9302's card: HTTP %d", code)
		}
		if code := callAs(t, own, "POST", "/v1/appeals", map[string]any{"subject": run + "/scoreCards/E9301",
			"reason": "三月新增客户应为 15 户"}, &ap); code != http.StatusOK || ap.State != "STATE_FILED" {
			t.Fatalf("file: HTTP %d %+v", code, ap)
		}
		if code := callAs(t, at.committee, "POST", "/v1/"+ap.Name+":decide", map[string]any{"outcome": "OUTCOME_UPHELD", "comment": "核实属实",
			"amendment": map[string]any{"values": []map[string]string{{"indicator": "indicators/INTERMEDIATE_REVENUE", "value": "0.00"}}}}, &ap); code != http.StatusOK ||
			ap.State != "STATE_UPHELD" {
			t.Fatalf("decide: HTTP %d %+v", code, ap)
		}
		var co struct {
			Coefficients []struct {
				Score       string `json:"score"`
				Coefficient string `json:"coefficient"`
				Revision    int    `json:"revision"`
			} `json:"coefficients"`
		}
		if code := callAs(t, sys.tokenFor("svc:compensation", "", auth.System), "GET", "/v1/coefficients:batchGet?period=2026-03&managers=managers/E9301",
			nil, &co); code != http.StatusOK || len(co.Coefficients) != 1 || co.Coefficients[0].Revision != 2 || co.Coefficients[0].Score != "74.00" ||
			co.Coefficients[0].Coefficient != "0.9" {
			t.Fatalf("coefficient after the amendment: HTTP %d %+v", code, co)
		}

		e9403 := sys.tokenFor("E9403", at.unit, auth.CustomerManager)
		if code := callAs(t, e9403, "POST", "/v1/appeals", map[string]any{"subject": "decisionRounds/2026-three-levels-nine-bands-team-jingan/decisions/E9403",
			"reason": "年度总结评分登记错误"}, &ap); code != http.StatusOK {
			t.Fatalf("file against the decision: HTTP %d %+v", code, ap)
		}
		if code := callAs(t, at.committee, "POST", "/v1/"+ap.Name+":decide", map[string]any{"outcome": "OUTCOME_UPHELD", "comment": "撤销末位调整",
			"amendment": map[string]any{"grade": map[string]string{"level": "SENIOR", "band": "C"}}}, &e); code != http.StatusOK {
			t.Fatalf("decide the decision's appeal: HTTP %d %+v", code, e.Error)
		}
		waitUntil(t, "the roster holds E9403's grade again", func() bool { return grade(t, "E9403").Grade.Level == "SENIOR" })
		if g := grade(t, "E9403").Grade; g.Band != "C" || g.EffectiveDate != (date{2027, 1, 1}) {
			t.Errorf("E9403's grade after the appeal: %+v", g)
		}
	})
}
