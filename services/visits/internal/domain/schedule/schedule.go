// Package schedule spreads one customer manager's approved monthly plan over the
// month's working days (step 3 of the 135 method's monthly cycle): each visit gets a
// day and a half-day slot, and each day's on-site visits a route from the branch and
// back.
//
// The rules, in order of precedence:
//
//  1. Hard limits. Visits go on working days of the month only (make-up workdays
//     included, holidays and weekends excluded), inside their own window (a fixed
//     date, a target week, an earliest date), and only into bookable half-days:
//     never Monday morning (weekly meeting) or Friday afternoon (weekly summary).
//     On-site visits never exceed a day's capacity.
//  2. As many on-site visits as possible. Visits with a window (fixed dates,
//     supervisor tasks aimed at a week, earliest dates) are placed first, as many as
//     fit (earliest-deadline-first is optimal for this); the visits free to go on any
//     day then fill the remaining places in input order. So when the month is
//     overbooked, the free visits last in the input are the ones left out: callers
//     list visits by priority.
//  3. Level load. Visits with a window are spread over it in proportion to the days'
//     capacities; the free visits then bring each day to its share of the month's
//     on-site visits, proportional to its capacity and spread evenly through the
//     month (so a light month is not heaped on its first days).
//  4. Short routes. Nearby customers are grouped into a day: the free visits, swept
//     by bearing around the branch, are cut into one run per day, choosing the order
//     of the runs' lengths that makes them most compact (dynamic programming; days
//     with the same share are interchangeable); then visits are swapped between days
//     while that makes the days' groups more compact (the sum of squared distances to
//     each day's centre falls) and every visit stays in its window. Each day is then
//     ordered by route.Solve.
//
// Capacity: a full working day holds DailyCap on-site visits; a day with only one
// bookable half (a working Monday or Friday) holds DailyCap/2, rounded down. Phone and
// online visits do not count against the capacity and are not routed, but get a day
// and a slot like the others, spread evenly over the days in their window.
//
// Build is deterministic: the same request (visits in the same order) gives the same
// schedule. Days of up to ten on-site visits, every day under the default cap, are
// routed exactly without looking at the clock; only a day of more (a cap above ten)
// could see its route search cut by RouteTimeLimit on a starved machine.
package schedule

import (
	"errors"
	"fmt"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/calendar"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/route"
)

// ErrInvalid marks a request that cannot be scheduled at all.
var ErrInvalid = errors.New("invalid schedule request")

// Method is how a visit is made.
type Method uint8

// Visit methods.
const (
	OnSite Method = iota + 1 // 实地: counts against the daily capacity and is routed
	Phone                    // 电话
	Online
)

func (m Method) String() string {
	switch m {
	case OnSite:
		return "on-site"
	case Phone:
		return "phone"
	case Online:
		return "online"
	}
	return fmt.Sprintf("Method(%d)", uint8(m))
}

// Visit is one visit of the approved plan to place. The date fields are optional
// (zero when unset) and narrow the days the visit may take; together they must leave
// at least one working day of the month.
type Visit struct {
	ID       string
	Customer route.Point
	Method   Method
	Date     civil.Date // a date the manager fixed
	Week     civil.Date // any day of the target week (Monday to Sunday), for a supervisor task
	Earliest civil.Date // not before this day
}

// Defaults.
const (
	DefaultDailyCap       = 8
	DefaultRouteTimeLimit = 5 * time.Millisecond
)

// Request is one manager's month to schedule.
type Request struct {
	Month    civil.Date // the first day of the month
	Calendar *calendar.Calendar
	Depot    route.Point // the manager's branch: routes start and end here
	DailyCap int         // on-site visits on a full working day; DefaultDailyCap when 0
	Visits   []Visit
	// RouteTimeLimit bounds each day's route search; DefaultRouteTimeLimit when 0.
	// Only days of more than ten on-site visits search long enough to need it.
	RouteTimeLimit time.Duration
}

// Assignment is a visit's place in the schedule.
type Assignment struct {
	VisitID string
	Method  Method
	Slot    calendar.Slot
}

// Day is one working day of the month.
type Day struct {
	Date     civil.Date
	Capacity int          // on-site visits the day may hold
	OnSite   []Assignment // in route order
	Remote   []Assignment // phone and online visits
	// RouteLength is the length in metres of the day's closed route, branch → on-site
	// visits in order → branch; 0 without on-site visits.
	RouteLength float64
}

// Reason says why a visit was not placed.
type Reason uint8

// Reasons.
const (
	Invalid      Reason = iota + 1 // no id, an unknown method or a malformed date
	DuplicateID                    // an earlier visit in the request has the same id
	NoWorkday                      // its window holds no working day of the month
	OverCapacity                   // the working days in its window are full
)

func (r Reason) String() string {
	switch r {
	case Invalid:
		return "invalid"
	case DuplicateID:
		return "duplicate id"
	case NoWorkday:
		return "no working day"
	case OverCapacity:
		return "over capacity"
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// Unplaced is a visit left out of the schedule.
type Unplaced struct {
	VisitID string
	Reason  Reason
	Detail  string
}

// Schedule is the month's plan: every visit of the request is in exactly one day or
// in Unplaced.
type Schedule struct {
	Month    civil.Date
	Days     []Day      // every working day of the month, in order, busy or not
	Unplaced []Unplaced // in request order
}

// Capacity is how many on-site visits the date holds under the daily cap: the cap for
// each of its two bookable halves, halved and rounded down for one (a working Monday
// or Friday), none on a day off.
func Capacity(c *calendar.Calendar, d civil.Date, dailyCap int) int {
	return dailyCap * len(c.BookableHalves(d)) / 2
}

// Build schedules the month.
func Build(req Request) (Schedule, error) {
	switch {
	case req.Calendar == nil:
		return Schedule{}, fmt.Errorf("%w: no calendar", ErrInvalid)
	case !req.Month.Valid() || req.Month.Day != 1:
		return Schedule{}, fmt.Errorf("%w: month %q: want the first day of a month", ErrInvalid, req.Month.String())
	case req.DailyCap < 0:
		return Schedule{}, fmt.Errorf("%w: daily cap %d is negative", ErrInvalid, req.DailyCap)
	case req.RouteTimeLimit < 0:
		return Schedule{}, fmt.Errorf("%w: route time limit %v is negative", ErrInvalid, req.RouteTimeLimit)
	}
	if req.DailyCap == 0 {
		req.DailyCap = DefaultDailyCap
	}
	if req.RouteTimeLimit == 0 {
		req.RouteTimeLimit = DefaultRouteTimeLimit
	}
	p := newPlanner(req)
	p.window()
	p.placeOnSite()
	p.group()
	p.placeRemote()
	return p.schedule(), nil
}
