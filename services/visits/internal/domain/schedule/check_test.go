package schedule_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/calendar"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/route"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/schedule"
)

// branch is a depot in central Chengdu.
var branch = route.Point{Lat: 30.6586, Lon: 104.0647}

func d(s string) civil.Date { return civil.MustParse(s) }

func loadCN(t testing.TB) *calendar.Calendar {
	t.Helper()
	c, err := calendar.Load("CN")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func build(t testing.TB, req schedule.Request) schedule.Schedule {
	t.Helper()
	s, err := schedule.Build(req)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return s
}

func near(rng *rand.Rand, centre route.Point, spread float64) route.Point {
	return route.Point{Lat: centre.Lat + (rng.Float64()-0.5)*spread, Lon: centre.Lon + (rng.Float64()-0.5)*spread}
}

// window is the dates a visit may take, by the rules as the package documents them,
// worked out independently of it.
func window(req schedule.Request, v schedule.Visit) (from, to civil.Date) {
	from, to = req.Month, req.Month.LastOfMonth()
	if !v.Date.IsZero() {
		if v.Date.After(from) {
			from = v.Date
		}
		if v.Date.Before(to) {
			to = v.Date
		}
	}
	if !v.Week.IsZero() {
		monday := v.Week
		for calendar.Weekday(monday) != 1 {
			monday = monday.AddDays(-1)
		}
		if monday.After(from) {
			from = monday
		}
		if sunday := monday.AddDays(6); sunday.Before(to) {
			to = sunday
		}
	}
	if !v.Earliest.IsZero() && v.Earliest.After(from) {
		from = v.Earliest
	}
	return from, to
}

func inWindow(req schedule.Request, v schedule.Visit, day civil.Date) bool {
	from, to := window(req, v)
	return !day.Before(from) && !day.After(to)
}

func closedLength(depot route.Point, stops []route.Point) float64 {
	if len(stops) == 0 {
		return 0
	}
	sum := route.Distance(depot, stops[0]) + route.Distance(stops[len(stops)-1], depot)
	for i := 1; i < len(stops); i++ {
		sum += route.Distance(stops[i-1], stops[i])
	}
	return sum
}

// maxOnSite is the most on-site visits any schedule could place, by augmenting paths
// over visits and days with capacities: the test's own oracle.
func maxOnSite(req schedule.Request, valid []bool) int {
	cal, dailyCap := req.Calendar, req.DailyCap
	if dailyCap == 0 {
		dailyCap = schedule.DefaultDailyCap
	}
	days := cal.Workdays(req.Month, req.Month.LastOfMonth())
	caps := make([]int, len(days))
	for i, day := range days {
		caps[i] = schedule.Capacity(cal, day, dailyCap)
	}
	fits := make([][]int, len(req.Visits)) // the days each visit may take
	for v, vis := range req.Visits {
		for i, day := range days {
			if inWindow(req, vis, day) {
				fits[v] = append(fits[v], i)
			}
		}
	}
	holders := make([][]int, len(days))
	var augment func(v int, seen []bool) bool
	augment = func(v int, seen []bool) bool {
		for _, i := range fits[v] {
			if seen[i] {
				continue
			}
			seen[i] = true
			if len(holders[i]) < caps[i] {
				holders[i] = append(holders[i], v)
				return true
			}
			for k, u := range holders[i] {
				if augment(u, seen) {
					holders[i][k] = v
					return true
				}
			}
		}
		return false
	}
	n := 0
	for v, vis := range req.Visits {
		if valid[v] && vis.Method == schedule.OnSite && augment(v, make([]bool, len(days))) {
			n++
		}
	}
	return n
}

// check asserts every hard guarantee of a schedule against its request.
func check(t *testing.T, req schedule.Request, s schedule.Schedule) {
	t.Helper()
	cal := req.Calendar
	dailyCap := req.DailyCap
	if dailyCap == 0 {
		dailyCap = schedule.DefaultDailyCap
	}
	if s.Month != req.Month {
		t.Errorf("Month = %s, want %s", s.Month, req.Month)
	}
	// The days are exactly the month's working days.
	var dates []civil.Date
	for _, day := range s.Days {
		dates = append(dates, day.Date)
	}
	if want := cal.Workdays(req.Month, req.Month.LastOfMonth()); !slices.Equal(dates, want) {
		t.Fatalf("days %v, want the working days %v", dates, want)
	}

	byID := map[string][]int{} // request indices of each id
	for v, vis := range req.Visits {
		byID[vis.ID] = append(byID[vis.ID], v)
	}
	placed := map[string]int{}
	unplaced := map[string]int{}
	placedOnSite := 0
	for _, day := range s.Days {
		if !cal.IsWorkday(day.Date) {
			t.Errorf("%s is not a working day", day.Date)
		}
		if want := schedule.Capacity(cal, day.Date, dailyCap); day.Capacity != want {
			t.Errorf("%s: capacity %d, want %d", day.Date, day.Capacity, want)
		}
		if len(day.OnSite) > day.Capacity {
			t.Errorf("%s: %d on-site visits, capacity %d", day.Date, len(day.OnSite), day.Capacity)
		}
		placedOnSite += len(day.OnSite)
		var stops []route.Point
		for k, a := range append(slices.Clone(day.OnSite), day.Remote...) {
			remote := k >= len(day.OnSite)
			placed[a.VisitID]++
			if a.Slot.Date != day.Date {
				t.Errorf("%s: visit %s has slot %s", day.Date, a.VisitID, a.Slot)
			}
			if !cal.Bookable(a.Slot) {
				t.Errorf("visit %s booked in %s (%s), not bookable", a.VisitID, a.Slot, calendar.Weekday(a.Slot.Date))
			}
			ids := byID[a.VisitID]
			if len(ids) == 0 {
				t.Errorf("%s: visit %s is not in the request", day.Date, a.VisitID)
				continue
			}
			vis := req.Visits[ids[0]]
			if a.Method != vis.Method || (vis.Method == schedule.OnSite) == remote {
				t.Errorf("visit %s (%s) listed as %s among the remote=%v", a.VisitID, vis.Method, a.Method, remote)
			}
			if !inWindow(req, vis, day.Date) {
				f, to := window(req, vis)
				t.Errorf("visit %s on %s, outside its window %s to %s", a.VisitID, day.Date, f, to)
			}
			if !remote {
				stops = append(stops, vis.Customer)
			}
		}
		// Morning visits come before afternoon ones along the route.
		for k := 1; k < len(day.OnSite); k++ {
			if day.OnSite[k].Slot.Half < day.OnSite[k-1].Slot.Half {
				t.Errorf("%s: route goes back from afternoon to morning", day.Date)
			}
		}
		if want := closedLength(req.Depot, stops); math.Abs(day.RouteLength-want) > 1e-6 {
			t.Errorf("%s: route length %f, the route measures %f", day.Date, day.RouteLength, want)
		}
	}

	valid := make([]bool, len(req.Visits))
	for v := range valid {
		valid[v] = true
	}
	for _, u := range s.Unplaced {
		unplaced[u.VisitID]++
		ids := byID[u.VisitID]
		if len(ids) == 0 {
			t.Errorf("unplaced visit %s is not in the request", u.VisitID)
			continue
		}
		if u.Detail == "" {
			t.Errorf("unplaced visit %s (%s) has no detail", u.VisitID, u.Reason)
		}
		vis := req.Visits[ids[0]]
		if u.Reason == schedule.Invalid || u.Reason == schedule.DuplicateID {
			continue
		}
		from, to := window(req, vis)
		free := cal.Workdays(from, to)
		switch u.Reason {
		case schedule.NoWorkday:
			if len(free) > 0 {
				t.Errorf("visit %s: no working day, but %v are in its window", u.VisitID, free)
			}
		case schedule.OverCapacity:
			if vis.Method != schedule.OnSite {
				t.Errorf("remote visit %s over capacity", u.VisitID)
			}
			if len(free) == 0 {
				t.Errorf("visit %s over capacity, but its window has no working day", u.VisitID)
			}
			for _, day := range s.Days {
				if inWindow(req, vis, day.Date) && len(day.OnSite) < day.Capacity {
					t.Errorf("visit %s over capacity, but %s in its window has %d of %d", u.VisitID, day.Date, len(day.OnSite), day.Capacity)
				}
			}
		default:
			t.Errorf("visit %s: reason %s", u.VisitID, u.Reason)
		}
	}
	// Each request visit is placed once or reported once: an id given k times
	// appears k times, at most once placed, and the repeats as duplicates.
	for id, ids := range byID {
		if placed[id] > 1 {
			t.Errorf("visit %s placed %d times", id, placed[id])
		}
		if placed[id]+unplaced[id] != len(ids) {
			t.Errorf("visit %s: given %d times, placed %d, unplaced %d", id, len(ids), placed[id], unplaced[id])
		}
		for _, v := range ids[1:] {
			valid[v] = false
		}
		if id == "" {
			valid[ids[0]] = false
		}
	}
	for v, vis := range req.Visits {
		if vis.Method < schedule.OnSite || vis.Method > schedule.Online {
			valid[v] = false
		}
	}
	// As many on-site visits as any schedule could hold.
	if most := maxOnSite(req, valid); placedOnSite != most {
		t.Errorf("%d on-site visits placed, %d could be", placedOnSite, most)
	}
}

// randomRequest is a month of one manager's plan: customers in a few neighbourhoods
// around the branch and some scattered, mostly on-site, some with a fixed date, a
// target week or an earliest date, and the odd duplicate or malformed visit.
func randomRequest(rng *rand.Rand, cal *calendar.Calendar, month civil.Date, n int) schedule.Request {
	hoods := make([]route.Point, 3+rng.IntN(5))
	for i := range hoods {
		hoods[i] = near(rng, branch, 0.3)
	}
	last := month.LastOfMonth().Day
	randomDay := func() civil.Date { return civil.New(month.Year, month.Month, 1+rng.IntN(last)) }
	visits := make([]schedule.Visit, n)
	for i := range visits {
		v := schedule.Visit{ID: fmt.Sprintf("v%03d", i), Method: schedule.OnSite}
		if rng.IntN(4) == 0 {
			v.Customer = near(rng, branch, 0.4)
		} else {
			v.Customer = near(rng, hoods[rng.IntN(len(hoods))], 0.03)
		}
		switch r := rng.IntN(20); {
		case r < 3:
			v.Method = schedule.Phone
		case r < 4:
			v.Method = schedule.Online
		}
		switch r := rng.IntN(20); {
		case r < 2:
			v.Date = randomDay() // may fall on a holiday or a weekend
		case r < 4:
			v.Week = randomDay()
		case r < 5:
			v.Week = month.AddDays(-3 + rng.IntN(3)) // a week straddling the month's start
		case r < 7:
			v.Earliest = randomDay()
		case r < 8:
			v.Week, v.Earliest = randomDay(), randomDay()
		}
		switch r := rng.IntN(100); {
		case r < 2 && i > 0:
			v.ID = visits[rng.IntN(i)].ID // a duplicate
		case r < 3:
			v.ID = ""
		case r < 4:
			v.Method = 9
		}
		visits[i] = v
	}
	return schedule.Request{
		Month:    month,
		Calendar: cal,
		Depot:    branch,
		DailyCap: []int{0, 8, 8, 6, 5, 3}[rng.IntN(6)],
		Visits:   visits,
	}
}
