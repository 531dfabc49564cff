package schedule_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/calendar"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/route"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/schedule"
)

// Months with the 2026 holidays and make-up workdays in them, a plain month, and a
// month of a year without calendar data.
var months = []string{
	"2026-01-01", // 元旦, make-up Sunday 4 January
	"2026-02-01", // 春节 15–23, make-up Saturdays 14 and 28
	"2026-03-01",
	"2026-05-01", // 劳动节 1–5, make-up Saturday 9
	"2026-09-01", // 中秋节 25, make-up Sunday 20 for National Day
	"2026-10-01", // 国庆节 1–7, make-up Saturday 10
	"2027-05-01", // no data: weekends only
}

func TestHardGuaranteesOnRandomPlans(t *testing.T) {
	cal := loadCN(t)
	for _, m := range months {
		month := d(m)
		t.Run(m[:7], func(t *testing.T) {
			for seed := range 30 {
				rng := rand.New(rand.NewPCG(uint64(seed), uint64(month.Month)))
				req := randomRequest(rng, cal, month, 20+rng.IntN(200))
				s := build(t, req)
				check(t, req, s)
				if t.Failed() {
					t.Fatalf("seed %d", seed)
				}
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	cal := loadCN(t)
	for seed := range 20 {
		rng := rand.New(rand.NewPCG(uint64(seed), 99))
		req := randomRequest(rng, cal, d(months[seed%len(months)]), 165)
		first := build(t, req)
		for range 2 {
			again := req
			again.Visits = slices.Clone(req.Visits)
			if s := build(t, again); !reflect.DeepEqual(first, s) {
				t.Fatalf("seed %d: two builds of the same request differ", seed)
			}
		}
	}
}

func TestCapacity(t *testing.T) {
	cal := loadCN(t)
	for _, tc := range []struct {
		day  string
		cap  int
		want int
	}{
		{"2026-03-10", 8, 8}, // Tuesday
		{"2026-03-09", 8, 4}, // Monday: afternoon only
		{"2026-03-13", 8, 4}, // Friday: morning only
		{"2026-03-09", 7, 3}, // half of 7, rounded down
		{"2026-03-09", 1, 0},
		{"2026-03-10", 1, 1},
		{"2026-02-14", 8, 8}, // make-up Saturday: a full day
		{"2026-01-04", 8, 8}, // make-up Sunday
		{"2026-03-14", 8, 0}, // Saturday
		{"2026-10-01", 8, 0}, // National Day
		{"2026-02-23", 8, 0}, // Monday inside Spring Festival
	} {
		if got := schedule.Capacity(cal, d(tc.day), tc.cap); got != tc.want {
			t.Errorf("Capacity(%s, %d) = %d, want %d", tc.day, tc.cap, got, tc.want)
		}
	}
}

// spreadVisits are n on-site visits with no window, customers scattered over the city.
func spreadVisits(rng *rand.Rand, n int, prefix string) []schedule.Visit {
	vs := make([]schedule.Visit, n)
	for i := range vs {
		vs[i] = schedule.Visit{ID: fmt.Sprintf("%s%03d", prefix, i), Customer: near(rng, branch, 0.3), Method: schedule.OnSite}
	}
	return vs
}

func dayOf(s schedule.Schedule, date civil.Date) (schedule.Day, bool) {
	for _, day := range s.Days {
		if day.Date == date {
			return day, true
		}
	}
	return schedule.Day{}, false
}

func TestSpringFestivalMonthFilledToCapacity(t *testing.T) {
	cal := loadCN(t)
	// February 2026 works 16 days: Mondays 2 and 9 and Fridays 6, 13 and 27 hold 4
	// each; the 11 others, make-up Saturdays 14 and 28 among them, hold 8: 108.
	req := schedule.Request{Month: d("2026-02-01"), Calendar: cal, Depot: branch,
		Visits: spreadVisits(rand.New(rand.NewPCG(2, 2026)), 111, "f")}
	s := build(t, req)
	check(t, req, s)
	if len(s.Days) != 16 {
		t.Fatalf("%d working days, want 16", len(s.Days))
	}
	for _, day := range s.Days {
		if len(day.OnSite) != day.Capacity {
			t.Errorf("%s: %d of %d places used in a full month", day.Date, len(day.OnSite), day.Capacity)
		}
	}
	for _, sat := range []string{"2026-02-14", "2026-02-28"} {
		if day, ok := dayOf(s, d(sat)); !ok || len(day.OnSite) != 8 {
			t.Errorf("make-up workday %s: %d visits, want 8", sat, len(day.OnSite))
		}
	}
	for date := d("2026-02-15"); !date.After(d("2026-02-23")); date = date.AddDays(1) {
		if _, ok := dayOf(s, date); ok {
			t.Errorf("%s, inside Spring Festival, is scheduled", date)
		}
	}
	// The three visits beyond 108 are the last three listed.
	var out []string
	for _, u := range s.Unplaced {
		if u.Reason != schedule.OverCapacity {
			t.Errorf("visit %s unplaced for %s", u.VisitID, u.Reason)
		}
		out = append(out, u.VisitID)
	}
	if want := []string{"f108", "f109", "f110"}; !slices.Equal(out, want) {
		t.Errorf("unplaced %v, want %v", out, want)
	}
}

func TestGoldenWeekMonth(t *testing.T) {
	cal := loadCN(t)
	req := schedule.Request{Month: d("2026-10-01"), Calendar: cal, Depot: branch,
		Visits: spreadVisits(rand.New(rand.NewPCG(10, 2026)), 120, "o")}
	s := build(t, req)
	check(t, req, s)
	if s.Days[0].Date != d("2026-10-08") {
		t.Errorf("first working day %s, want 2026-10-08", s.Days[0].Date)
	}
	sat, ok := dayOf(s, d("2026-10-10"))
	if !ok || sat.Capacity != 8 || len(sat.OnSite) == 0 {
		t.Errorf("make-up Saturday 10 October: %+v", sat)
	}
	// Both halves of a make-up Saturday are bookable and used.
	halves := map[calendar.Half]int{}
	for _, a := range sat.OnSite {
		halves[a.Slot.Half]++
	}
	if halves[calendar.Morning] == 0 || halves[calendar.Afternoon] == 0 {
		t.Errorf("make-up Saturday uses halves %v, want both", halves)
	}
	for date := d("2026-10-01"); !date.After(d("2026-10-07")); date = date.AddDays(1) {
		if _, ok := dayOf(s, date); ok {
			t.Errorf("%s, in golden week, is scheduled", date)
		}
	}
}

// With only free visits the load is level: each day holds its capacity's share of the
// month's visits, give or take one.
func TestLoadIsLevel(t *testing.T) {
	cal := loadCN(t)
	// May 2026 holds 124: 12 full days (make-up Saturday 9 among them) and 7 half days.
	for _, n := range []int{1, 17, 60, 100, 123, 124, 135} {
		req := schedule.Request{Month: d("2026-05-01"), Calendar: cal, Depot: branch,
			Visits: spreadVisits(rand.New(rand.NewPCG(uint64(n), 5)), n, "l")}
		s := build(t, req)
		check(t, req, s)
		total := 0
		for _, day := range s.Days {
			total += day.Capacity
		}
		if total != 124 || len(s.Unplaced) != max(0, n-124) {
			t.Fatalf("May holds %d, %d unplaced of %d", total, len(s.Unplaced), n)
		}
		n := min(n, total)
		for _, day := range s.Days {
			share := float64(n) * float64(day.Capacity) / float64(total)
			if math.Abs(float64(len(day.OnSite))-share) >= 1 {
				t.Errorf("%d visits: %s holds %d, its share is %.2f", n, day.Date, len(day.OnSite), share)
			}
		}
		// The rounding is spread over the month, not heaped at its start: the first
		// half of the days holds about half the visits.
		firstHalf, capFirst := 0, 0
		for _, day := range s.Days[:len(s.Days)/2] {
			firstHalf += len(day.OnSite)
			capFirst += day.Capacity
		}
		if want := float64(n*capFirst) / float64(total); math.Abs(float64(firstHalf)-want) > 1 {
			t.Errorf("%d visits: first half of the month holds %d, want about %.1f", n, firstHalf, want)
		}
	}
}

// Supervisor tasks aimed at one week are spread over its days in proportion to their
// capacity, not heaped on its first days.
func TestWeekTasksAreSpreadOverTheWeek(t *testing.T) {
	cal := loadCN(t)
	rng := rand.New(rand.NewPCG(14, 14))
	tasks := spreadVisits(rng, 20, "task") // 9–13 March 2026 holds 4+8+8+8+4 = 32
	for i := range tasks {
		tasks[i].Week = d("2026-03-12")
	}
	// Tasks alone: free visits could rightly swap days with tasks near them.
	req := schedule.Request{Month: d("2026-03-01"), Calendar: cal, Depot: branch, Visits: tasks}
	s := build(t, req)
	check(t, req, s)
	for _, day := range s.Days {
		if day.Date.Before(d("2026-03-09")) || day.Date.After(d("2026-03-13")) {
			continue
		}
		n := 0
		for _, a := range day.OnSite {
			if strings.HasPrefix(a.VisitID, "task") {
				n++
			}
		}
		// 20 of 32 places: 2 or 3 on a half day, 5 on a full one.
		if share := 20 * float64(day.Capacity) / 32; math.Abs(float64(n)-share) > 1 {
			t.Errorf("%s: %d of the week's tasks, its share is %.1f", day.Date, n, share)
		}
	}
}

func TestHalfDaySlots(t *testing.T) {
	cal := loadCN(t)
	req := schedule.Request{Month: d("2026-03-01"), Calendar: cal, Depot: branch,
		Visits: spreadVisits(rand.New(rand.NewPCG(3, 3)), 140, "h")} // March is full at 140
	s := build(t, req)
	check(t, req, s)
	for _, day := range s.Days {
		count := map[calendar.Half]int{}
		for _, a := range day.OnSite {
			count[a.Slot.Half]++
		}
		switch calendar.Weekday(day.Date) {
		case time.Monday:
			if count[calendar.Morning] != 0 || count[calendar.Afternoon] != 4 {
				t.Errorf("Monday %s: %v, want 4 in the afternoon", day.Date, count)
			}
		case time.Friday:
			if count[calendar.Afternoon] != 0 || count[calendar.Morning] != 4 {
				t.Errorf("Friday %s: %v, want 4 in the morning", day.Date, count)
			}
		default:
			if count[calendar.Morning] != 4 || count[calendar.Afternoon] != 4 {
				t.Errorf("%s %s: %v, want 4 and 4", calendar.Weekday(day.Date), day.Date, count)
			}
		}
	}
	// An odd count puts the extra visit in the morning.
	req.Visits = spreadVisits(rand.New(rand.NewPCG(3, 3)), 3, "h")
	req.Visits[0].Date, req.Visits[1].Date, req.Visits[2].Date = d("2026-03-11"), d("2026-03-11"), d("2026-03-11")
	s = build(t, req)
	day, _ := dayOf(s, d("2026-03-11"))
	var halves []calendar.Half
	for _, a := range day.OnSite {
		halves = append(halves, a.Slot.Half)
	}
	if want := []calendar.Half{calendar.Morning, calendar.Morning, calendar.Afternoon}; !slices.Equal(halves, want) {
		t.Errorf("three visits on a Wednesday: %v, want %v", halves, want)
	}
}

func TestWindows(t *testing.T) {
	cal := loadCN(t)
	rng := rand.New(rand.NewPCG(4, 4))
	visits := spreadVisits(rng, 40, "w")
	at := func(id string, v schedule.Visit) schedule.Visit {
		v.ID, v.Customer, v.Method = id, near(rng, branch, 0.3), cmpOr(v.Method, schedule.OnSite)
		return v
	}
	visits = append(visits,
		at("fixed", schedule.Visit{Date: d("2026-10-15")}),
		at("fixed-monday", schedule.Visit{Date: d("2026-10-12")}),
		at("fixed-holiday", schedule.Visit{Date: d("2026-10-05")}),
		at("fixed-saturday", schedule.Visit{Date: d("2026-10-17")}),
		at("fixed-makeup", schedule.Visit{Date: d("2026-10-10")}),
		at("fixed-next-month", schedule.Visit{Date: d("2026-11-03")}),
		at("week", schedule.Visit{Week: d("2026-10-21")}),          // 19–25 October
		at("week-holiday", schedule.Visit{Week: d("2026-10-03")}),  // 28 Sep–4 Oct: no working day in October
		at("week-straddle", schedule.Visit{Week: d("2026-10-29")}), // 26 Oct–1 Nov
		at("earliest", schedule.Visit{Earliest: d("2026-10-28")}),
		at("earliest-late", schedule.Visit{Earliest: d("2026-11-01")}),
		at("week-and-earliest", schedule.Visit{Week: d("2026-10-14"), Earliest: d("2026-10-15")}),
		at("week-after-earliest", schedule.Visit{Week: d("2026-10-14"), Earliest: d("2026-10-19")}),
		at("date-outside-week", schedule.Visit{Date: d("2026-10-20"), Week: d("2026-10-14")}),
		at("phone-fixed", schedule.Visit{Method: schedule.Phone, Date: d("2026-10-16")}),
		at("online-holiday", schedule.Visit{Method: schedule.Online, Date: d("2026-10-02")}),
	)
	req := schedule.Request{Month: d("2026-10-01"), Calendar: cal, Depot: branch, Visits: visits}
	s := build(t, req)
	check(t, req, s)
	where := map[string]civil.Date{}
	for _, day := range s.Days {
		for _, a := range append(day.OnSite, day.Remote...) {
			where[a.VisitID] = day.Date
		}
	}
	reason := map[string]schedule.Reason{}
	for _, u := range s.Unplaced {
		reason[u.VisitID] = u.Reason
	}
	for id, want := range map[string]string{
		"fixed": "2026-10-15", "fixed-monday": "2026-10-12", "fixed-makeup": "2026-10-10", "phone-fixed": "2026-10-16",
	} {
		if where[id] != d(want) {
			t.Errorf("%s on %s, want %s", id, where[id], want)
		}
	}
	for id, span := range map[string][2]string{
		"week":              {"2026-10-19", "2026-10-23"},
		"week-straddle":     {"2026-10-26", "2026-10-30"},
		"earliest":          {"2026-10-28", "2026-10-30"},
		"week-and-earliest": {"2026-10-15", "2026-10-16"},
	} {
		if got := where[id]; got.Before(d(span[0])) || got.After(d(span[1])) {
			t.Errorf("%s on %s, want %s to %s", id, got, span[0], span[1])
		}
	}
	for _, id := range []string{"fixed-holiday", "fixed-saturday", "fixed-next-month", "week-holiday",
		"earliest-late", "week-after-earliest", "date-outside-week", "online-holiday"} {
		if reason[id] != schedule.NoWorkday {
			t.Errorf("%s: reason %v, want no working day (placed on %s)", id, reason[id], where[id])
		}
	}
}

func cmpOr(m, def schedule.Method) schedule.Method {
	if m == 0 {
		return def
	}
	return m
}

func TestFixedDateBeyondCapacity(t *testing.T) {
	cal := loadCN(t)
	rng := rand.New(rand.NewPCG(6, 6))
	visits := spreadVisits(rng, 6, "m")
	for i := range visits {
		visits[i].Date = d("2026-03-09") // a Monday: 4 places
	}
	visits = append(visits, spreadVisits(rng, 10, "free")...)
	req := schedule.Request{Month: d("2026-03-01"), Calendar: cal, Depot: branch, Visits: visits}
	s := build(t, req)
	check(t, req, s)
	monday, _ := dayOf(s, d("2026-03-09"))
	var ids []string
	for _, a := range monday.OnSite {
		ids = append(ids, a.VisitID)
		if a.Slot.Half != calendar.Afternoon {
			t.Errorf("Monday visit %s in the %s", a.VisitID, a.Slot.Half)
		}
	}
	slices.Sort(ids)
	if want := []string{"m000", "m001", "m002", "m003"}; !slices.Equal(ids, want) {
		t.Errorf("Monday holds %v, want the first four fixed there %v", ids, want)
	}
	if len(s.Unplaced) != 2 || s.Unplaced[0].VisitID != "m004" || s.Unplaced[1].VisitID != "m005" ||
		s.Unplaced[0].Reason != schedule.OverCapacity {
		t.Errorf("unplaced %+v, want m004 and m005 over capacity", s.Unplaced)
	}
}

// A week's tasks that fill the week leave the free visits the other weeks, and the
// month stays fully used.
func TestWindowedVisitsTakePrecedence(t *testing.T) {
	cal := loadCN(t)
	rng := rand.New(rand.NewPCG(8, 8))
	free := spreadVisits(rng, 140, "free") // March 2026 holds 140
	week := spreadVisits(rng, 28, "task")  // 9–13 March holds 4+8+8+8+4 = 32
	for i := range week {
		week[i].Week = d("2026-03-11")
	}
	req := schedule.Request{Month: d("2026-03-01"), Calendar: cal, Depot: branch, Visits: append(free, week...)}
	s := build(t, req)
	check(t, req, s)
	if len(s.Unplaced) != 28 {
		t.Fatalf("%d unplaced, want 28", len(s.Unplaced))
	}
	for _, u := range s.Unplaced {
		if u.VisitID[:4] != "free" || u.Reason != schedule.OverCapacity {
			t.Errorf("unplaced %s (%s): want only free visits, over capacity", u.VisitID, u.Reason)
		}
	}
}

func TestRemoteVisitsDoNotCountAgainstTheCap(t *testing.T) {
	cal := loadCN(t)
	rng := rand.New(rand.NewPCG(9, 9))
	visits := spreadVisits(rng, 140, "s") // fills March 2026
	for i := range 60 {
		m := schedule.Phone
		if i%3 == 0 {
			m = schedule.Online
		}
		visits = append(visits, schedule.Visit{ID: fmt.Sprintf("r%02d", i), Customer: near(rng, branch, 0.3), Method: m})
	}
	req := schedule.Request{Month: d("2026-03-01"), Calendar: cal, Depot: branch, Visits: visits}
	s := build(t, req)
	check(t, req, s)
	if len(s.Unplaced) != 0 {
		t.Fatalf("unplaced %+v", s.Unplaced)
	}
	lo, hi := math.MaxInt, 0
	for _, day := range s.Days {
		lo, hi = min(lo, len(day.Remote)), max(hi, len(day.Remote))
		if len(day.OnSite) != day.Capacity {
			t.Errorf("%s: %d on-site of %d", day.Date, len(day.OnSite), day.Capacity)
		}
		// Remote calls go to the half with fewer appointments.
		count := map[calendar.Half]int{}
		for _, a := range append(day.OnSite, day.Remote...) {
			count[a.Slot.Half]++
		}
		if len(cal.BookableHalves(day.Date)) == 2 && (count[calendar.Morning]-count[calendar.Afternoon] > 1 || count[calendar.Afternoon]-count[calendar.Morning] > 1) {
			t.Errorf("%s: halves unbalanced %v", day.Date, count)
		}
	}
	if hi-lo > 1 {
		t.Errorf("remote visits per day range from %d to %d, want an even spread", lo, hi)
	}
}

func TestInvalidAndDuplicateVisits(t *testing.T) {
	cal := loadCN(t)
	visits := []schedule.Visit{
		{ID: "a", Customer: branch, Method: schedule.OnSite},
		{ID: "", Customer: branch, Method: schedule.OnSite},
		{ID: "a", Customer: branch, Method: schedule.Phone},
		{ID: "b", Customer: branch},
		{ID: "c", Customer: branch, Method: schedule.OnSite, Date: civil.Date{Year: 2026, Month: 3, Day: 32}},
		{ID: "d", Customer: branch, Method: schedule.Online, Week: civil.Date{Year: 2026, Month: 13, Day: 1}},
	}
	req := schedule.Request{Month: d("2026-03-01"), Calendar: cal, Depot: branch, Visits: visits}
	s := build(t, req)
	check(t, req, s)
	var got []string
	for _, u := range s.Unplaced {
		got = append(got, u.VisitID+":"+u.Reason.String())
	}
	want := []string{":invalid", "a:duplicate id", "b:invalid", "c:invalid", "d:invalid"}
	if !slices.Equal(got, want) {
		t.Errorf("unplaced %v, want %v", got, want)
	}
}

func TestRequestErrors(t *testing.T) {
	cal := loadCN(t)
	for name, req := range map[string]schedule.Request{
		"no calendar":       {Month: d("2026-03-01")},
		"not the first":     {Month: d("2026-03-02"), Calendar: cal},
		"no month":          {Calendar: cal},
		"negative cap":      {Month: d("2026-03-01"), Calendar: cal, DailyCap: -1},
		"negative duration": {Month: d("2026-03-01"), Calendar: cal, RouteTimeLimit: -time.Second},
	} {
		if _, err := schedule.Build(req); !errors.Is(err, schedule.ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}

func TestEmptyPlanAndOverrides(t *testing.T) {
	cal, err := loadCN(t).With(calendar.Day{Date: d("2026-03-10"), Kind: calendar.Holiday, Name: "branch closed"})
	if err != nil {
		t.Fatal(err)
	}
	req := schedule.Request{Month: d("2026-03-01"), Calendar: cal, Depot: branch}
	s := build(t, req)
	check(t, req, s)
	if len(s.Days) != 21 || len(s.Unplaced) != 0 {
		t.Errorf("%d days and %d unplaced, want 21 and none", len(s.Days), len(s.Unplaced))
	}
	if _, ok := dayOf(s, d("2026-03-10")); ok {
		t.Error("a day off by override is scheduled")
	}
	for _, day := range s.Days {
		if len(day.OnSite)+len(day.Remote) != 0 || day.RouteLength != 0 {
			t.Errorf("%s is busy in an empty plan", day.Date)
		}
	}
	// A month with no working day at all.
	all := make([]calendar.Day, 0, 31)
	for date := d("2026-03-01"); date.Month == 3; date = date.AddDays(1) {
		all = append(all, calendar.Day{Date: date, Kind: calendar.Holiday, Name: "closed"})
	}
	closed, err := cal.With(all...)
	if err != nil {
		t.Fatal(err)
	}
	req = schedule.Request{Month: d("2026-03-01"), Calendar: closed, Depot: branch, Visits: spreadVisits(rand.New(rand.NewPCG(1, 1)), 5, "x")}
	s = build(t, req)
	check(t, req, s)
	if len(s.Days) != 0 || len(s.Unplaced) != 5 || s.Unplaced[0].Reason != schedule.NoWorkday {
		t.Errorf("closed month: %d days, unplaced %+v", len(s.Days), s.Unplaced)
	}
}

// Customers in tight neighbourhoods far apart, as many per neighbourhood as a full
// day holds, at full load: the schedule keeps each neighbourhood to one day.
func TestNeighbourhoodsStayTogether(t *testing.T) {
	cal := loadCN(t)
	// March 2026: 13 full days of 8 and 9 half days of 4. 13 neighbourhoods of 8 and
	// 9 of 4, each 300 m across, around the branch at 3 to 15 km.
	rng := rand.New(rand.NewPCG(12, 12))
	sizes := slices.Concat(slices.Repeat([]int{8}, 13), slices.Repeat([]int{4}, 9))
	rng.Shuffle(len(sizes), func(i, j int) { sizes[i], sizes[j] = sizes[j], sizes[i] })
	hoodOf := map[string]int{}
	var visits []schedule.Visit
	for h, size := range sizes {
		bearing := 2 * math.Pi * (float64(h) + 0.3*rng.Float64()) / float64(len(sizes))
		r := 0.03 + 0.11*rng.Float64() // degrees
		centre := route.Point{Lat: branch.Lat + r*math.Sin(bearing), Lon: branch.Lon + r*math.Cos(bearing)}
		for k := range size {
			id := fmt.Sprintf("h%02d-%d", h, k)
			hoodOf[id] = h
			visits = append(visits, schedule.Visit{ID: id, Customer: near(rng, centre, 0.003), Method: schedule.OnSite})
		}
	}
	rng.Shuffle(len(visits), func(i, j int) { visits[i], visits[j] = visits[j], visits[i] })
	req := schedule.Request{Month: d("2026-03-01"), Calendar: cal, Depot: branch, Visits: visits}
	s := build(t, req)
	check(t, req, s)
	days := map[int]map[civil.Date]bool{}
	for _, day := range s.Days {
		for _, a := range day.OnSite {
			h := hoodOf[a.VisitID]
			if days[h] == nil {
				days[h] = map[civil.Date]bool{}
			}
			days[h][day.Date] = true
		}
	}
	split := 0
	for h := range sizes {
		if len(days[h]) > 1 {
			split++
		}
	}
	if split > 0 {
		t.Errorf("%d of %d neighbourhoods are split over several days", split, len(sizes))
	}
}

// Grouping pays: the month's driving is well under that of the same day loads dealt
// out in the order the plan lists the visits.
func TestGroupingShortensTheRoutes(t *testing.T) {
	cal := loadCN(t)
	for seed := range 10 {
		rng := rand.New(rand.NewPCG(uint64(seed), 77))
		req := randomRequest(rng, cal, d("2026-03-01"), 140)
		req.DailyCap = 8
		s := build(t, req)
		var grouped, dealt float64
		byID := map[string]schedule.Visit{}
		for _, v := range req.Visits {
			if _, ok := byID[v.ID]; !ok {
				byID[v.ID] = v
			}
		}
		var placed []schedule.Visit
		for _, day := range s.Days {
			grouped += day.RouteLength
			for _, a := range day.OnSite {
				placed = append(placed, byID[a.VisitID])
			}
		}
		slices.SortFunc(placed, func(a, b schedule.Visit) int { return strings.Compare(a.ID, b.ID) })
		k := 0
		for _, day := range s.Days {
			var stops []route.Point
			for range day.OnSite {
				stops = append(stops, placed[k].Customer)
				k++
			}
			dealt += route.Solve(branch, stops, route.Options{}).Length
		}
		if grouped > 0.72*dealt {
			t.Errorf("seed %d: grouped routes %.0f km, dealt in plan order %.0f km", seed, grouped/1000, dealt/1000)
		}
	}
}

func TestStrings(t *testing.T) {
	if schedule.OnSite.String() != "on-site" || schedule.Phone.String() != "phone" || schedule.Online.String() != "online" || schedule.Method(0).String() != "Method(0)" {
		t.Error("Method.String is wrong")
	}
	if schedule.OverCapacity.String() != "over capacity" || schedule.NoWorkday.String() != "no working day" || schedule.Reason(0).String() != "Reason(0)" {
		t.Error("Reason.String is wrong")
	}
}

// One manager's month: 165 plan visits, about four in five on-site, one in ten
// aimed at a date or a week.
func BenchmarkScheduleMonth165(b *testing.B) {
	cal := loadCN(b)
	rng := rand.New(rand.NewPCG(165, 165))
	visits := make([]schedule.Visit, 165)
	hoods := []route.Point{near(rng, branch, 0.3), near(rng, branch, 0.3), near(rng, branch, 0.3), near(rng, branch, 0.3), near(rng, branch, 0.3)}
	for i := range visits {
		v := schedule.Visit{ID: fmt.Sprintf("c%03d", i), Customer: near(rng, hoods[i%len(hoods)], 0.05), Method: schedule.OnSite}
		switch i % 10 {
		case 3:
			v.Method = schedule.Phone
		case 7:
			v.Method = schedule.Online
		case 5:
			v.Week = civil.New(2026, 3, 1+rng.IntN(31))
		}
		if i%20 == 0 {
			v.Date = civil.New(2026, 3, 1+rng.IntN(31))
		}
		visits[i] = v
	}
	req := schedule.Request{Month: d("2026-03-01"), Calendar: cal, Depot: branch, Visits: visits}
	for b.Loop() {
		if _, err := schedule.Build(req); err != nil {
			b.Fatal(err)
		}
	}
}
