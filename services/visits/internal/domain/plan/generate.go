package plan

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/rmsuite/rmsuite/pkg/civil"
)

// Customer is what generation needs of one customer of the manager.
type Customer struct {
	ID             string
	Name           string
	Classification string
	AreaType       string
	// Frequency and Method as last fixed (when a plan was approved); zero: not
	// fixed yet, the rules decide.
	Frequency Frequency
	Method    Method
	LastVisit civil.Date // the last completed visit; zero: never visited
}

// Task is a supervisor's task (工作安排) aimed at a month or a week of it.
type Task struct {
	ID         string
	ManagerID  string
	Text       string
	Month      civil.Date // first day
	Week       civil.Date // Monday of the week, if aimed at one
	CustomerID string
	AssignedBy string
	Done       bool
	DoneDate   civil.Date
}

// Input is everything one manager's plan for one month is generated from.
type Input struct {
	ManagerID string
	OrgUnitID string
	OrgPath   string
	Month     civil.Date // first day
	Customers []Customer // the manager's customers now
	Previous  *Plan      // last month's plan, if there is one
	Tasks     []Task     // the manager's open tasks aimed at this month or earlier
	Rules     Rules
}

// Generate builds the month's draft:
//
//   - lines of last month's plan left unfinished, carried over (marked so, with
//     the month they were first planned and how many times they have been carried:
//     a line open since March is in April's draft with count 1 and in May's with 2);
//   - a visit line for every customer due this month (see Visits), with the
//     customer's frequency and method; a carried-over visit to a due customer
//     counts as one of its visits;
//   - a line for every open supervisor task aimed at this month or a week in it,
//     and, marked carried over, for every task of an earlier month still open.
//
// Lines of customers the manager no longer serves are not carried (a handover
// moves them to the receiver). The result is deterministic for the same input.
func Generate(in Input) Plan {
	month := in.Month.FirstOfMonth()
	p := Plan{ManagerID: in.ManagerID, Month: month, OrgUnitID: in.OrgUnitID, OrgPath: in.OrgPath, State: Draft}
	serves := make(map[string]Customer, len(in.Customers))
	for _, c := range in.Customers {
		serves[c.ID] = c
	}
	n := 0
	nextID := func() string { n++; return strconv.Itoa(n) }

	carried := map[string]int{} // customer → carried visit lines
	if in.Previous != nil && in.Previous.Month.AddMonths(1) == month {
		prevMonth := in.Previous.MonthString()
		for _, it := range in.Previous.Items {
			if it.Finished() || it.Kind != VisitLine {
				continue // done; task lines follow their task (below)
			}
			if _, ok := serves[it.CustomerID]; !ok {
				continue
			}
			it.ID, it.Source, it.Status = nextID(), CarriedOver, Planned
			if it.FirstPlannedMonth == "" {
				it.FirstPlannedMonth = prevMonth
			}
			it.CarryCount++
			it.PlannedDate, it.Week, it.DoneDate = civil.Date{}, civil.Date{}, civil.Date{}
			p.Items = append(p.Items, it)
			carried[it.CustomerID]++
		}
	}

	customers := slices.Clone(in.Customers)
	slices.SortFunc(customers, func(a, b Customer) int { return cmp.Compare(a.ID, b.ID) })
	for _, c := range customers {
		rule := in.Rules.For(c.Classification, c.AreaType)
		freq, method := c.Frequency, c.Method
		if freq == 0 {
			freq = rule.Frequency
		}
		if method == 0 {
			method = rule.Method
		}
		due := Visits(freq, c.LastVisit, month) - carried[c.ID]
		weeks := weekStarts(month)
		for i := range max(due, 0) {
			it := Item{ID: nextID(), Kind: VisitLine, Source: Due, CustomerID: c.ID, CustomerName: c.Name,
				Method: method, Status: Planned, Frequency: freq, LastVisit: c.LastVisit}
			switch freq {
			case Weekly:
				it.Week = weeks[min(i, len(weeks)-1)]
			case Fortnightly:
				it.Week = weeks[min(i*2, len(weeks)-1)]
			}
			p.Items = append(p.Items, it)
		}
	}

	tasks := slices.Clone(in.Tasks)
	slices.SortFunc(tasks, func(a, b Task) int {
		return cmp.Or(a.Month.Compare(b.Month), a.Week.Compare(b.Week), cmp.Compare(a.ID, b.ID))
	})
	for _, t := range tasks {
		if t.Done || t.Month.After(month) {
			continue
		}
		it := Item{ID: nextID(), Kind: TaskLine, Source: SupervisorTask, CustomerID: t.CustomerID, Actions: []string{t.Text},
			TaskID: t.ID, Status: Open}
		if c, ok := serves[t.CustomerID]; ok {
			it.CustomerName = c.Name
		}
		if t.Month.Before(month) {
			it.Source, it.FirstPlannedMonth, it.CarryCount = CarriedOver, MonthString(t.Month), month.MonthsSince(t.Month)
		} else {
			it.Week = t.Week
		}
		p.Items = append(p.Items, it)
	}
	p.Generated = slices.Clone(p.Items)
	return p
}

// weekStarts are the Mondays of month (every month has four or five).
func weekStarts(month civil.Date) []civil.Date {
	var out []civil.Date
	for d := month; d.Month == month.Month; d = d.AddDays(1) {
		if d.Time().Weekday() == 1 {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		out = append(out, month)
	}
	return out
}

// NextID makes ids for lines added to p: one past the largest numeric id.
func NextID(p *Plan) func() string {
	n := 0
	for _, it := range append(slices.Clone(p.Items), p.Generated...) {
		if v, err := strconv.Atoi(it.ID); err == nil && v > n {
			n = v
		}
	}
	return func() string { n++; return strconv.Itoa(n) }
}

// Refix is the frequency and method a customer takes when a plan is approved
// (a customer's frequency is recomputed at approval): the rules' current answer.
func Refix(r Rules, c Customer) (Frequency, Method) {
	rule := r.For(c.Classification, c.AreaType)
	return rule.Frequency, rule.Method
}

// WeekOf is the Monday of d's week.
func WeekOf(d civil.Date) civil.Date {
	wd := int(d.Time().Weekday())
	if wd == 0 {
		wd = 7
	}
	return d.AddDays(1 - wd)
}
