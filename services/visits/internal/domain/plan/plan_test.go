package plan

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
)

func month(s string) civil.Date {
	m, err := ParseMonth(s)
	if err != nil {
		panic(err)
	}
	return m
}

// Worked example 5: a village customer visited in January is not due in February
// or March and is due again in April; an urban customer is due every month.
func TestWorkedExample5(t *testing.T) {
	rules := DefaultRules()
	village := rules.For("B", Village)
	urban := rules.For("B", Urban)
	if village.Frequency != Quarterly || urban.Frequency != Monthly || rules.For("A", Town).Frequency != Monthly {
		t.Fatalf("defaults: village %v, urban %v", village.Frequency, urban.Frequency)
	}
	visited := civil.MustParse("2026-01-20")
	for m, want := range map[string]int{"2026-02": 0, "2026-03": 0, "2026-04": 1, "2026-05": 1} {
		if got := Visits(village.Frequency, visited, month(m)); got != want {
			t.Errorf("village visited %s: due in %s = %d, want %d", visited, m, got, want)
		}
	}
	for _, m := range []string{"2026-02", "2026-03", "2026-04"} {
		if got := Visits(urban.Frequency, civil.MustParse(m+"-28").AddMonths(-1), month(m)); got != 1 {
			t.Errorf("urban visited last month: due in %s = %d, want 1", m, got)
		}
	}
	// Due runs from the last completed visit: a village customer last visited in
	// February is not due in April but in May.
	if Visits(Quarterly, civil.MustParse("2026-02-03"), month("2026-04")) != 0 ||
		Visits(Quarterly, civil.MustParse("2026-02-03"), month("2026-05")) != 1 {
		t.Error("quarterly due does not run from the last visit")
	}
	// Never visited: due at once; weekly: every Monday's week; fortnightly: twice.
	if Visits(Quarterly, civil.Date{}, month("2026-02")) != 1 || Visits(Weekly, civil.Date{}, month("2026-06")) != 5 ||
		Visits(Fortnightly, civil.MustParse("2026-05-30"), month("2026-06")) != 2 {
		t.Error("never-visited, weekly or fortnightly counts are wrong")
	}

	// And through generation: January's visit, then the February–April drafts.
	cust := []Customer{
		{ID: "V1", Name: "村口小卖部", AreaType: Village, LastVisit: visited},
		{ID: "U1", Name: "南京西路便利店", AreaType: Urban, LastVisit: visited},
	}
	for m, wantVillage := range map[string]bool{"2026-02": false, "2026-03": false, "2026-04": true} {
		p := Generate(Input{ManagerID: "E3001", Month: month(m), Customers: cust, Rules: rules})
		if got := lines(p, "V1"); (got == 1) != wantVillage || got > 1 {
			t.Errorf("%s: village lines %d, want due=%v", m, got, wantVillage)
		}
		if lines(p, "U1") != 1 {
			t.Errorf("%s: urban lines %d, want 1", m, lines(p, "U1"))
		}
	}
}

func lines(p Plan, customer string) int {
	n := 0
	for _, it := range p.Items {
		if it.CustomerID == customer && it.Kind == VisitLine {
			n++
		}
	}
	return n
}

// Worked example 6: a task unfinished in March appears in April's draft marked as
// carried over, and once more in May if still open. The same holds for unfinished
// visit lines with their marketing actions.
func TestWorkedExample6(t *testing.T) {
	rules := DefaultRules()
	cust := []Customer{{ID: "C1", Name: "城南超市", AreaType: Urban}}
	task := Task{ID: "T1", ManagerID: "E3001", Text: "走访城南超市，推广新产品", Month: month("2026-03"), CustomerID: "C1"}

	march := Generate(Input{ManagerID: "E3001", Month: month("2026-03"), Customers: cust, Tasks: []Task{task}, Rules: rules})
	tl := taskLine(t, march, "T1")
	if tl.Source != SupervisorTask || tl.CarryCount != 0 || tl.Status != Open {
		t.Fatalf("march task line %+v", tl)
	}
	// The March visit gets a marketing action and is not done.
	march.Items[0].Actions = []string{"推荐新品：低糖系列"}

	april := Generate(Input{ManagerID: "E3001", Month: month("2026-04"), Customers: cust, Tasks: []Task{task}, Previous: &march,
		Rules: rules})
	tl = taskLine(t, april, "T1")
	if tl.Source != CarriedOver || tl.FirstPlannedMonth != "2026-03" || tl.CarryCount != 1 {
		t.Fatalf("april task line %+v, want carried over from 2026-03 once", tl)
	}
	visit := april.Items[0]
	if visit.Source != CarriedOver || visit.CarryCount != 1 || visit.FirstPlannedMonth != "2026-03" || visit.Actions[0] != "推荐新品：低糖系列" {
		t.Fatalf("april visit line %+v, want march's unfinished visit carried over", visit)
	}
	if lines(april, "C1") != 1 {
		t.Fatalf("april has %d visit lines for a due customer with a carried-over visit, want 1", lines(april, "C1"))
	}

	may := Generate(Input{ManagerID: "E3001", Month: month("2026-05"), Customers: cust, Tasks: []Task{task}, Previous: &april,
		Rules: rules})
	tl = taskLine(t, may, "T1")
	if tl.Source != CarriedOver || tl.FirstPlannedMonth != "2026-03" || tl.CarryCount != 2 {
		t.Fatalf("may task line %+v, want carried over twice", tl)
	}
	if v := may.Items[0]; v.CarryCount != 2 || v.FirstPlannedMonth != "2026-03" {
		t.Fatalf("may visit line %+v, want carried twice since 2026-03", v)
	}

	// Done in May: June has neither.
	may.Complete("C1", civil.MustParse("2026-05-12"))
	task.Done = true
	june := Generate(Input{ManagerID: "E3001", Month: month("2026-06"), Customers: []Customer{{ID: "C1", AreaType: Urban,
		LastVisit: civil.MustParse("2026-05-12")}}, Tasks: []Task{task}, Previous: &may, Rules: rules})
	for _, it := range june.Items {
		if it.Source == CarriedOver || it.TaskID != "" {
			t.Fatalf("june carries %+v after it was done", it)
		}
	}
	// A customer handed over is not carried by the old manager.
	gone := Generate(Input{ManagerID: "E3001", Month: month("2026-05"), Previous: &april, Rules: rules})
	if len(gone.Items) != 0 {
		t.Fatalf("a manager without the customer carries %+v", gone.Items)
	}
}

func taskLine(t *testing.T, p Plan, task string) Item {
	t.Helper()
	for _, it := range p.Items {
		if it.TaskID == task {
			return it
		}
	}
	t.Fatalf("%s: no line for task %s in %+v", p.MonthString(), task, p.Items)
	return Item{}
}

func TestReviewCycle(t *testing.T) {
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	p := Generate(Input{ManagerID: "E3001", Month: month("2026-04"), Customers: []Customer{{ID: "C1", AreaType: Urban}},
		Rules: DefaultRules()})
	if err := p.Review(true, "E2001", "", now); !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "only a submitted one") {
		t.Fatalf("approving a draft: %v", err)
	}
	if err := p.Submit("E3001", now); err != nil || p.State != Submitted {
		t.Fatalf("submit: %v, %v", err, p.State)
	}
	if err := p.Edit(nil, NextID(&p)); !errors.Is(err, ErrState) {
		t.Fatalf("editing a submitted plan: %v", err)
	}
	if err := p.Review(true, "E3001", "", now); !errors.Is(err, ErrSelfReview) {
		t.Fatalf("self approval: %v", err)
	}
	if err := p.Review(false, "E2001", "  ", now); !errors.Is(err, ErrInvalid) {
		t.Fatalf("reject without comment: %v", err)
	}
	if err := p.Review(false, "E2001", "补充重点客户的营销动作", now); err != nil || p.State != Rejected || p.ReviewComment == "" {
		t.Fatalf("reject: %v, %v", err, p.State)
	}
	// Rejected: editable again, and resubmitted.
	lines := append([]Item{}, p.Items...)
	lines[0].Actions = []string{"推荐新品"}
	lines = append(lines, Item{CustomerID: "C9", Actions: []string{"首次拜访"}})
	if err := p.Edit(lines, NextID(&p)); err != nil {
		t.Fatal(err)
	}
	if err := p.Submit("E3001", now); err != nil {
		t.Fatal(err)
	}
	if err := p.Review(true, "E2001", "同意", now); err != nil || p.State != Approved {
		t.Fatalf("approve: %v, %v", err, p.State)
	}
	if err := p.Submit("E3001", now); !errors.Is(err, ErrState) {
		t.Fatalf("resubmitting an approved plan: %v", err)
	}
	d := p.Diff()
	if len(d.Added) != 1 || d.Added[0].CustomerID != "C9" || d.Added[0].Source != Added || len(d.Changed) != 1 ||
		d.Changed[0].Actions[0] != "推荐新品" || len(d.Generated) != 1 || len(d.Generated[0].Actions) != 0 || len(d.Removed) != 0 {
		t.Fatalf("diff %+v", d)
	}
}

func TestEditRules(t *testing.T) {
	p := Generate(Input{ManagerID: "E3001", Month: month("2026-04"), Customers: []Customer{{ID: "C1", AreaType: Urban},
		{ID: "C2", AreaType: Urban}}, Rules: DefaultRules()})
	id := p.Items[0].ID
	for name, lines := range map[string][]Item{
		"unknown id":        {{ID: "99"}},
		"twice":             {{ID: id}, {ID: id}},
		"other month":       {{ID: id, PlannedDate: civil.MustParse("2026-05-01")}},
		"customer change":   {{ID: id, CustomerID: "C2"}},
		"visit no customer": {{Kind: VisitLine}},
		"empty action":      {{ID: id, Actions: []string{""}}},
		"task without text": {{Kind: TaskLine}},
	} {
		before := p.Items
		if err := p.Edit(lines, NextID(&p)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
		if len(p.Items) != len(before) {
			t.Errorf("%s: a refused edit changed the plan", name)
		}
	}
	// Removing a generated line shows in the diff.
	if err := p.Edit([]Item{{ID: id}}, NextID(&p)); err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(); len(d.Removed) != 1 || d.Removed[0].CustomerID != "C2" {
		t.Fatalf("diff after removal %+v", d)
	}
}

func TestRulesValidate(t *testing.T) {
	if err := DefaultRules().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []Rules{
		{Rules: []Rule{{AreaType: "CITY", Frequency: Monthly, Method: OnSite}}, Fallback: Rule{Frequency: Monthly, Method: OnSite}},
		{Rules: []Rule{{AreaType: Urban, Method: OnSite}}, Fallback: Rule{Frequency: Monthly, Method: OnSite}},
		{Rules: []Rule{{AreaType: Urban, Frequency: Monthly, Method: OnSite}, {AreaType: Urban, Frequency: Weekly, Method: Phone}},
			Fallback: Rule{Frequency: Monthly, Method: OnSite}},
		{Fallback: Rule{AreaType: Urban, Frequency: Monthly, Method: OnSite}},
		{Fallback: Rule{Frequency: Monthly}},
	}
	for i, r := range bad {
		if err := r.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("rules %d: %v", i, err)
		}
	}
	// First match wins; classification matches case-insensitively.
	r := Rules{Rules: []Rule{{Classification: "A", Frequency: Weekly, Method: OnSite}, {AreaType: Urban, Frequency: Monthly, Method: Phone}},
		Fallback: Rule{Frequency: Quarterly, Method: Online}}
	if r.For("a", Urban).Frequency != Weekly || r.For("B", Urban).Method != Phone || r.For("B", Village).Frequency != Quarterly {
		t.Error("rule matching")
	}
}

func TestWeeklyLinesGetTheirWeeks(t *testing.T) {
	r := Rules{Fallback: Rule{Frequency: Weekly, Method: Phone}}
	p := Generate(Input{ManagerID: "E3001", Month: month("2026-06"), Customers: []Customer{{ID: "W"}}, Rules: r})
	if len(p.Items) != 5 {
		t.Fatalf("June 2026 has 5 Mondays; weekly lines %d", len(p.Items))
	}
	for i, it := range p.Items {
		if want := civil.MustParse("2026-06-01").AddDays(7 * i); it.Week != want || it.Method != Phone {
			t.Errorf("line %d: week %s method %v, want %s", i, it.Week, it.Method, want)
		}
	}
	if WeekOf(civil.MustParse("2026-06-07")) != civil.MustParse("2026-06-01") || WeekOf(civil.MustParse("2026-06-01")) != civil.MustParse("2026-06-01") {
		t.Error("WeekOf")
	}
}

func TestDueFromAgreesWithVisits(t *testing.T) {
	last := civil.Date{Year: 2026, Month: time.January, Day: 20}
	for _, f := range []Frequency{Monthly, Bimonthly, Quarterly} {
		due := DueFrom(f, last)
		if Visits(f, last, due) != 1 || Visits(f, last, due.AddMonths(-1)) != 0 {
			t.Errorf("%s: due from %s disagrees with Visits", f, due)
		}
	}
	if got := DueFrom(Quarterly, last); got != (civil.Date{Year: 2026, Month: time.April, Day: 1}) {
		t.Errorf("village customer visited in January is due from April, got %s", got)
	}
	if !DueFrom(Monthly, civil.Date{}).IsZero() {
		t.Error("never visited: due at once (zero)")
	}
}
