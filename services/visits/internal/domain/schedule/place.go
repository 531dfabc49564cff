package schedule

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/calendar"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/route"
)

// planner holds one Build. Days are indices into days; visits are indices into
// req.Visits.
type planner struct {
	req  Request
	days []civil.Date
	caps []int

	lo, hi []int // each visit's window of day indices, for visits still in play
	day    []int // each visit's day, -1 while unplaced
	reason []Reason
	detail []string
}

func newPlanner(req Request) *planner {
	n := len(req.Visits)
	p := &planner{
		req:    req,
		days:   req.Calendar.Workdays(req.Month, req.Month.LastOfMonth()),
		lo:     make([]int, n),
		hi:     make([]int, n),
		day:    make([]int, n),
		reason: make([]Reason, n),
		detail: make([]string, n),
	}
	p.caps = make([]int, len(p.days))
	for i, d := range p.days {
		p.caps[i] = Capacity(req.Calendar, d, req.DailyCap)
	}
	for v := range p.day {
		p.day[v] = -1
	}
	return p
}

func (p *planner) drop(v int, r Reason, format string, args ...any) {
	p.reason[v] = r
	p.detail[v] = fmt.Sprintf(format, args...)
}

func (p *planner) inPlay(v int) bool { return p.reason[v] == 0 }

// window checks each visit and works out the working days it may take, dropping the
// malformed, the duplicates and those left no working day.
func (p *planner) window() {
	first, last := p.req.Month, p.req.Month.LastOfMonth()
	seen := make(map[string]bool, len(p.req.Visits))
	for v, vis := range p.req.Visits {
		switch {
		case vis.ID == "":
			p.drop(v, Invalid, "the visit has no id")
			continue
		case seen[vis.ID]:
			p.drop(v, DuplicateID, "id %q appears earlier in the plan", vis.ID)
			continue
		}
		seen[vis.ID] = true
		if vis.Method < OnSite || vis.Method > Online {
			p.drop(v, Invalid, "unknown visit method %d", vis.Method)
			continue
		}
		if malformed(vis.Date) || malformed(vis.Week) || malformed(vis.Earliest) {
			p.drop(v, Invalid, "a date is not a calendar date (date %q, week %q, earliest %q)",
				vis.Date.String(), vis.Week.String(), vis.Earliest.String())
			continue
		}

		from, to := first, last
		if !vis.Date.IsZero() {
			from, to = later(from, vis.Date), earlier(to, vis.Date)
		}
		if !vis.Week.IsZero() {
			sinceMonday := (int(calendar.Weekday(vis.Week)) + 6) % 7 // Sunday is 0 in Go
			monday := vis.Week.AddDays(-sinceMonday)
			from, to = later(from, monday), earlier(to, monday.AddDays(6))
		}
		if !vis.Earliest.IsZero() {
			from = later(from, vis.Earliest)
		}
		lo, _ := slices.BinarySearchFunc(p.days, from, civil.Date.Compare)
		hi, found := slices.BinarySearchFunc(p.days, to, civil.Date.Compare)
		if !found {
			hi--
		}
		if lo > hi {
			p.drop(v, NoWorkday, "%s", noWorkday(vis, from, to))
			continue
		}
		p.lo[v], p.hi[v] = lo, hi
	}
}

// noWorkday says why a visit's window holds no working day.
func noWorkday(vis Visit, from, to civil.Date) string {
	switch {
	case !vis.Date.IsZero() && from == vis.Date && to == vis.Date:
		return fmt.Sprintf("the fixed date %s is not a working day", vis.Date)
	case !vis.Date.IsZero() && from.After(to):
		return fmt.Sprintf("the fixed date %s is outside the month, the week or after the earliest date", vis.Date)
	case from.After(to):
		return fmt.Sprintf("the week, the earliest date and the month do not overlap (from %s to %s)", from, to)
	}
	return fmt.Sprintf("no working day from %s to %s", from, to)
}

// malformed reports whether an optional date is set but not a real day.
func malformed(d civil.Date) bool { return !d.IsZero() && !d.Valid() }

func later(a, b civil.Date) civil.Date {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b civil.Date) civil.Date {
	if b.Before(a) {
		return b
	}
	return a
}

func (p *planner) isOnSite(v int) bool { return p.req.Visits[v].Method == OnSite }

// flexible reports whether an on-site visit may go on any working day of the month.
func (p *planner) flexible(v int) bool { return p.lo[v] == 0 && p.hi[v] == len(p.days)-1 }

// placeOnSite decides which on-site visits are placed and gives each a first day:
// windowed visits earliest deadline first, spread evenly within their windows, then
// the free visits dealt out by bearing to bring each day to its share of the month.
func (p *planner) placeOnSite() {
	var windowed, free []int
	for v := range p.req.Visits {
		if p.inPlay(v) && p.isOnSite(v) {
			if p.flexible(v) {
				free = append(free, v)
			} else {
				windowed = append(windowed, v)
			}
		}
	}
	load := p.earliestDeadlineFirst(windowed)

	total := 0
	for _, c := range p.caps {
		total += c
	}
	placed := 0
	for _, l := range load {
		placed += l
	}
	room := total - placed
	if len(free) > room {
		for _, v := range free[room:] {
			p.drop(v, OverCapacity, "the month's %d on-site places are taken by visits listed earlier or with a window", total)
		}
		free = free[:room]
	}

	p.level(windowed, load)
	quota := p.quotas(load, p.targets(placed+len(free)), len(free))

	p.deal(p.sweep(free), quota)
}

// earliestDeadlineFirst places windowed visits day by day, each day taking the
// waiting visits whose windows close soonest (then those listed first); it places as
// many as any assignment could. It returns the load of each day.
func (p *planner) earliestDeadlineFirst(windowed []int) []int {
	load := make([]int, len(p.days))
	waiting := make([]int, 0, len(windowed))
	next := 0
	byOpening := slices.Clone(windowed)
	slices.SortStableFunc(byOpening, func(a, b int) int { return cmp.Compare(p.lo[a], p.lo[b]) })
	for i := range p.days {
		for next < len(byOpening) && p.lo[byOpening[next]] == i {
			waiting = append(waiting, byOpening[next])
			next++
		}
		slices.SortFunc(waiting, func(a, b int) int {
			return cmp.Or(cmp.Compare(p.hi[a], p.hi[b]), cmp.Compare(a, b))
		})
		take := min(p.caps[i], len(waiting))
		for _, v := range waiting[:take] {
			p.put(v, i)
		}
		load[i] = take
		waiting = slices.Delete(waiting, 0, take)
		kept := waiting[:0]
		for _, v := range waiting {
			if p.hi[v] == i {
				p.drop(v, OverCapacity, "the working days from %s to %s are full", p.days[p.lo[v]], p.days[p.hi[v]])
				continue
			}
			kept = append(kept, v)
		}
		waiting = kept
	}
	return load
}

func (p *planner) put(v, i int) { p.day[v] = i }

// targets shares n on-site visits among the days in proportion to their capacity,
// rounding the running total so that the rounding is spread through the month. No
// target exceeds its day's capacity while n does not exceed the month's.
func (p *planner) targets(n int) []int {
	total := 0
	for _, c := range p.caps {
		total += c
	}
	target := make([]int, len(p.days))
	if total == 0 {
		return target
	}
	cum, prev := 0, 0
	for i, c := range p.caps {
		cum += c
		upto := (2*n*cum + total) / (2 * total) // round(n·cum/total)
		target[i] = upto - prev
		prev = upto
	}
	return target
}

// level spreads the windowed visits, which earliest-deadline-first heaps at the start
// of their windows: a visit moves, within its window, to the day least loaded for its
// capacity (then the earliest), while that day stays lighter after the move than the
// visit's day was before. Every move lowers the heaviest load it touches, so this
// ends; counts are unchanged, so no capacity is exceeded and no visit is lost.
func (p *planner) level(windowed, load []int) {
	for moved := true; moved; {
		moved = false
		for _, v := range windowed {
			i := p.day[v]
			if i < 0 {
				continue
			}
			best := -1
			for j := p.lo[v]; j <= p.hi[v]; j++ {
				// load[j]+1 over caps[j] must stay below load[i] over caps[i]
				if j == i || load[j] >= p.caps[j] || (load[j]+1)*p.caps[i] >= load[i]*p.caps[j] {
					continue
				}
				if best < 0 || load[j]*p.caps[best] < load[best]*p.caps[j] {
					best = j
				}
			}
			if best >= 0 {
				p.put(v, best)
				load[i]--
				load[best]++
				moved = true
			}
		}
	}
}

// quotas is how many free visits each day takes: up to its target, trimmed where
// windowed visits overfill other days so that the quotas add up to free.
func (p *planner) quotas(load, target []int, free int) []int {
	quota := make([]int, len(p.days))
	sum := 0
	for i := range quota {
		quota[i] = max(0, target[i]-load[i])
		sum += quota[i]
	}
	// sum ≥ free, as the targets add up to the windowed load plus free.
	for ; sum > free; sum-- {
		worst := -1
		for i, q := range quota {
			// the fullest day relative to its capacity: (load+quota)/cap, compared
			// without division
			if q > 0 && (worst < 0 || (load[i]+q)*p.caps[worst] > (load[worst]+quota[worst])*p.caps[i]) {
				worst = i
			}
		}
		quota[worst]--
	}
	return quota
}

// placeRemote gives each phone or online visit the day in its window with the fewest
// such visits so far (then the earliest).
func (p *planner) placeRemote() {
	count := make([]int, len(p.days))
	for v := range p.req.Visits {
		if !p.inPlay(v) || p.isOnSite(v) {
			continue
		}
		best := p.lo[v]
		for j := p.lo[v] + 1; j <= p.hi[v]; j++ {
			if count[j] < count[best] {
				best = j
			}
		}
		p.day[v] = best
		count[best]++
	}
}

// schedule routes each day and writes the result.
func (p *planner) schedule() Schedule {
	out := Schedule{Month: p.req.Month, Days: make([]Day, len(p.days))}
	// Each day's visits in request order, so that a day's route does not depend on
	// how the day was filled.
	onSite, remote := make([][]int, len(p.days)), make([][]int, len(p.days))
	for v := range p.req.Visits {
		switch {
		case !p.inPlay(v):
		case p.isOnSite(v):
			onSite[p.day[v]] = append(onSite[p.day[v]], v)
		default:
			remote[p.day[v]] = append(remote[p.day[v]], v)
		}
	}
	for i, date := range p.days {
		day := Day{Date: date, Capacity: p.caps[i]}
		halves := p.req.Calendar.BookableHalves(date)
		perHalf := make([]int, len(halves))

		stops := onSite[i]
		points := make([]route.Point, len(stops))
		for k, v := range stops {
			points[k] = p.req.Visits[v].Customer
		}
		r := route.Solve(p.req.Depot, points, route.Options{TimeLimit: p.req.RouteTimeLimit})
		day.RouteLength = r.Length
		// The first half of the route (rounded up) in the morning, the rest in the
		// afternoon; everything in the one bookable half of a Monday or Friday.
		morning := (len(stops) + 1) / 2
		for k, s := range r.Order {
			h := 0
			if len(halves) == 2 && k >= morning {
				h = 1
			}
			perHalf[h]++
			day.OnSite = append(day.OnSite, p.assignment(stops[s], date, halves[h]))
		}
		// Phone and online visits go to the half with fewer appointments.
		for _, v := range remote[i] {
			h := 0
			if len(halves) == 2 && perHalf[1] < perHalf[0] {
				h = 1
			}
			perHalf[h]++
			day.Remote = append(day.Remote, p.assignment(v, date, halves[h]))
		}
		out.Days[i] = day
	}
	for v, vis := range p.req.Visits {
		if !p.inPlay(v) {
			out.Unplaced = append(out.Unplaced, Unplaced{VisitID: vis.ID, Reason: p.reason[v], Detail: p.detail[v]})
		}
	}
	return out
}

func (p *planner) assignment(v int, date civil.Date, h calendar.Half) Assignment {
	vis := p.req.Visits[v]
	return Assignment{VisitID: vis.ID, Method: vis.Method, Slot: calendar.Slot{Date: date, Half: h}}
}
