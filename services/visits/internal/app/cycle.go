package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/roster"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/calendar"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/route"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/schedule"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/settings"
)

// Settings reads the visit settings (the defaults until someone saves them).
func (a *App) Settings(ctx context.Context) (settings.Settings, time.Time, string, error) {
	st, at, by, ok, err := a.store.Settings(ctx)
	if err != nil || ok {
		return st, at, by, err
	}
	return settings.Default(), time.Time{}, "", nil
}

// UpdateSettings replaces the visit settings; revision is the one read (the etag).
func (a *App) UpdateSettings(ctx context.Context, st settings.Settings, revision int64, hasEtag bool) (settings.Settings, time.Time, string, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return st, time.Time{}, "", err
	}
	if err := st.Validate(); err != nil {
		return st, time.Time{}, "", err
	}
	cur, _, _, err := a.Settings(ctx)
	if err != nil {
		return st, time.Time{}, "", err
	}
	if hasEtag && revision != cur.Revision {
		return st, time.Time{}, "", fmt.Errorf("%w: the visit settings changed since they were read (revision %d, now %d); read them again", ErrConflict, revision, cur.Revision)
	}
	st.Revision = cur.Revision + 1
	now := a.now()
	if err := a.store.SaveSettings(ctx, st, c.Subject, now); err != nil {
		if errors.Is(err, sqlstore.ErrConflict) {
			return st, now, "", fmt.Errorf("%w: the visit settings changed meanwhile; read them again", ErrConflict)
		}
		return st, now, "", err
	}
	return st, now, c.Subject, nil
}

func (a *App) today() civil.Date { return civil.Of(a.now().In(civil.Shanghai)) }

func point(c sqlstore.Customer) (route.Point, bool) {
	if c.Lat == nil || c.Lng == nil {
		return route.Point{}, false
	}
	return route.Point{Lat: *c.Lat, Lon: *c.Lng}, true
}

// depot is where a manager's routes start and end: their org unit's location,
// or, when the roster has none, the middle of the customers' locations.
func (a *App) depot(ctx context.Context, orgUnitID string, custs map[string]sqlstore.Customer) (route.Point, string, error) {
	units, _, err := a.orgUnits(ctx)
	if err != nil {
		return route.Point{}, "", err
	}
	u := units[orgUnitID]
	if u.Lat != nil && u.Lng != nil {
		return route.Point{Lat: *u.Lat, Lon: *u.Lng}, u.Address, nil
	}
	var lat, lon float64
	n := 0
	ids := make([]string, 0, len(custs))
	for id := range custs {
		ids = append(ids, id)
	}
	slices.Sort(ids) // a fixed order keeps the sum, and so the schedule, deterministic
	for _, id := range ids {
		if p, ok := point(custs[id]); ok {
			lat, lon, n = lat+p.Lat, lon+p.Lon, n+1
		}
	}
	if n == 0 {
		return route.Point{}, u.Address, nil
	}
	return route.Point{Lat: lat / float64(n), Lon: lon / float64(n)}, u.Address, nil
}

// scheduleLines spreads p's unfinished visit lines over the month's working days
// (from today on, for the current month): days the manager fixed are kept, the
// others are chosen by schedule.Build under the settings' daily cap.
func (a *App) scheduleLines(ctx context.Context, p *plan.Plan) error {
	today := a.today()
	end := p.Month.AddMonths(1).AddDays(-1)
	if today.After(end) {
		return fmt.Errorf("%w: %s is over; its lines can no longer be scheduled", plan.ErrState, p.MonthString())
	}
	if !a.Calendar.Covers(p.Month.Year) {
		return fmt.Errorf("%w: the working-day calendar has no data for %d (holidays and make-up workdays); add the year's data file before scheduling",
			plan.ErrState, p.Month.Year)
	}
	st, _, _, err := a.Settings(ctx)
	if err != nil {
		return err
	}
	var ids []string
	for _, it := range p.Items {
		if it.Kind == plan.VisitLine && !it.Finished() {
			ids = append(ids, it.CustomerID)
		}
	}
	custs, err := a.store.Customers(ctx, ids)
	if err != nil {
		return err
	}
	depot, _, err := a.depot(ctx, p.OrgUnitID, custs)
	if err != nil {
		return err
	}
	req := schedule.Request{Month: p.Month, Calendar: a.Calendar, Depot: depot, DailyCap: st.DailyCap}
	earliest := civil.Date{}
	if !today.Before(p.Month) {
		earliest = today
	}
	fixed := map[string]bool{}
	for _, it := range p.Items {
		if it.Kind != plan.VisitLine || it.Finished() {
			continue
		}
		pt, ok := point(custs[it.CustomerID])
		if !ok {
			pt = depot // unknown location: no detour, any day
		}
		v := schedule.Visit{ID: it.ID, Customer: pt, Method: schedule.OnSite, Earliest: earliest}
		if it.Method == plan.Phone || it.Method == plan.Online {
			v.Method = schedule.Method(it.Method)
		}
		switch {
		case !it.PlannedDate.IsZero() && !it.Scheduled:
			v.Date, fixed[it.ID] = it.PlannedDate, true
		case !it.Week.IsZero():
			v.Week = it.Week
		}
		req.Visits = append(req.Visits, v)
	}
	sched, err := schedule.Build(req)
	if err != nil {
		return err
	}
	type place struct {
		slot  calendar.Slot
		order int
	}
	placed := map[string]place{}
	for _, d := range sched.Days {
		for i, as := range d.OnSite {
			placed[as.VisitID] = place{as.Slot, i + 1}
		}
		for _, as := range d.Remote {
			placed[as.VisitID] = place{as.Slot, 0}
		}
	}
	why := map[string]string{}
	for _, u := range sched.Unplaced {
		why[u.VisitID] = u.Reason.String()
		if u.Detail != "" {
			why[u.VisitID] += ": " + u.Detail
		}
	}
	for i := range p.Items {
		it := &p.Items[i]
		if it.Kind != plan.VisitLine || it.Finished() {
			continue
		}
		if pl, ok := placed[it.ID]; ok {
			if !fixed[it.ID] {
				it.PlannedDate, it.Scheduled = pl.slot.Date, true
			}
			it.Slot, it.RouteOrder, it.UnscheduledReason = plan.Slot(pl.slot.Half), pl.order, ""
			continue
		}
		if it.Scheduled {
			it.PlannedDate, it.Scheduled = civil.Date{}, false
		}
		it.Slot, it.RouteOrder, it.UnscheduledReason = 0, 0, why[it.ID]
	}
	p.ScheduleTime = a.now()
	return nil
}

// SchedulePlan spreads an approved plan's unfinished lines over the month again:
// by the manager, or a supervisor over them.
func (a *App) SchedulePlan(ctx context.Context, manager string, month civil.Date, etag string) (plan.Plan, plan.Plan, error) {
	return a.change(ctx, manager, month, etag, func(c Caller, p *plan.Plan) error {
		if c.Subject != p.ManagerID && !c.oversees(p.OrgPath) {
			return fmt.Errorf("%w: only %s or their supervisor schedules their plan", ErrPermission, p.ManagerID)
		}
		if err := p.Allows("schedule"); err != nil {
			return err
		}
		return a.scheduleLines(ctx, p)
	})
}

// SubmitResults records the manager's results for the month.
func (a *App) SubmitResults(ctx context.Context, manager string, month civil.Date, etag, evaluation, improvement string) (plan.Plan, plan.Plan, error) {
	return a.change(ctx, manager, month, etag, func(c Caller, p *plan.Plan) error {
		if c.Subject != p.ManagerID && !c.Has(auth.System) {
			return fmt.Errorf("%w: only %s submits their results", ErrPermission, p.ManagerID)
		}
		return p.SubmitResults(c.Subject, evaluation, improvement, a.now(), a.today())
	})
}

// ReviewResults accepts or returns a manager's submitted results.
func (a *App) ReviewResults(ctx context.Context, manager string, month civil.Date, etag string, accept bool, comment string) (plan.Plan, plan.Plan, error) {
	return a.change(ctx, manager, month, etag, func(c Caller, p *plan.Plan) error {
		if c.Subject != p.ManagerID && !c.oversees(p.OrgPath) {
			return fmt.Errorf("%w: only a supervisor or branch head over %s reviews their results", ErrPermission, p.ManagerID)
		}
		return p.ReviewResults(accept, c.Subject, comment, a.now())
	})
}

// Stop is one line of a day's list with its customer.
type Stop struct {
	Item     plan.Item
	Customer sqlstore.Customer // zero for a task without a customer
}

// DayList is one manager's day.
type DayList struct {
	Manager      roster.Manager
	Day          civil.Date
	Kind         calendar.Kind
	Note         string
	Plan         plan.Plan // zero when the month has no plan; it holds the day's lines only
	StartAddress string
	Stops        []Stop
	RouteMeters  int
}

// DayList is a manager's visits and tasks on day, in route order.
func (a *App) DayList(ctx context.Context, manager string, day civil.Date) (DayList, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return DayList{}, err
	}
	m, path, err := a.managerPath(ctx, manager)
	if err != nil {
		return DayList{}, err
	}
	if !c.sees(m.ID, path) {
		return DayList{}, fmt.Errorf("%w: managers/%s", ErrNotFound, manager)
	}
	out := DayList{Manager: m, Day: day}
	out.Kind, out.Note = a.Calendar.Kind(day)
	p, err := a.store.PlanDay(ctx, manager, day)
	if errors.Is(err, ErrNotFound) {
		_, out.StartAddress, err = a.depot(ctx, m.OrgUnitID, nil)
		return out, err
	}
	if err != nil {
		return out, err
	}
	out.Plan = p // with the day's lines only
	var lines []plan.Item
	var ids []string
	for _, it := range p.Items {
		if it.PlannedDate == day {
			lines = append(lines, it)
			if it.CustomerID != "" {
				ids = append(ids, it.CustomerID)
			}
		}
	}
	custs, err := a.store.Customers(ctx, ids)
	if err != nil {
		return out, err
	}
	depot, addr, err := a.depot(ctx, p.OrgUnitID, custs)
	if err != nil {
		return out, err
	}
	out.StartAddress = addr
	rank := func(it plan.Item) int {
		switch {
		case it.Kind == plan.VisitLine && (it.Method == plan.OnSite || it.Method == 0):
			return 0
		case it.Kind == plan.VisitLine:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(lines, func(x, y plan.Item) int {
		if d := rank(x) - rank(y); d != 0 {
			return d
		}
		if x.RouteOrder != y.RouteOrder {
			return x.RouteOrder - y.RouteOrder
		}
		return int(x.Slot) - int(y.Slot)
	})
	at, meters := depot, 0.0
	for _, it := range lines {
		s := Stop{Item: it, Customer: custs[it.CustomerID]}
		if s.Customer.ID == "" {
			s.Customer.Name = it.CustomerName
		}
		out.Stops = append(out.Stops, s)
		if rank(it) == 0 {
			if pt, ok := point(s.Customer); ok {
				meters += route.Distance(at, pt)
				at = pt
			}
		}
	}
	meters += route.Distance(at, depot)
	out.RouteMeters = int(math.Round(meters))
	return out, nil
}

// Standing is a customer and where they stand in a month.
type Standing struct {
	Customer    sqlstore.Customer
	Frequency   plan.Frequency
	LastVisit   civil.Date // the last completed visit up to the month's end
	DueFrom     civil.Date // the month from which they are due; zero: never visited
	MonthsSince int        // whole months from the last visit to the month; -1 never visited
}

// Analysis is the "analyse" step of a manager's month.
type Analysis struct {
	Due, Overdue, Visited, NotVisited []Standing
	UnvisitedMonths                   int
	OpenRequests, OverdueRequests     int
	Customers                         int
}

// Analyse reads where a manager's customers stand in month: due (from their last
// visit before the month), overdue (due before the month and not visited in it
// yet), visited in it, not visited for n months or more; and their open requests.
func (a *App) Analyse(ctx context.Context, manager string, month civil.Date, n int) (Analysis, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return Analysis{}, err
	}
	m, path, err := a.managerPath(ctx, manager)
	if err != nil {
		return Analysis{}, err
	}
	if !c.sees(m.ID, path) {
		return Analysis{}, fmt.Errorf("%w: managers/%s", ErrNotFound, manager)
	}
	rules, _, _, err := a.Rules(ctx)
	if err != nil {
		return Analysis{}, err
	}
	custs, err := a.store.ManagerCustomers(ctx, manager)
	if err != nil {
		return Analysis{}, err
	}
	end := month.AddMonths(1).AddDays(-1)
	// Visits by anyone (a customer handed over keeps their history) up to the month's end.
	ids := make([]string, len(custs))
	for i, cu := range custs {
		ids[i] = cu.ID
	}
	before, visitedIn, err := a.visitHistory(ctx, ids, month, end)
	if err != nil {
		return Analysis{}, err
	}
	out := Analysis{UnvisitedMonths: n, Customers: len(custs)}
	for _, cu := range custs {
		freq := cu.Frequency
		if freq == 0 {
			freq = rules.For(cu.Classification, cu.AreaType).Frequency
		}
		lastBefore := before[cu.ID]
		if cu.LastVisit.Before(month) && cu.LastVisit.After(lastBefore) {
			lastBefore = cu.LastVisit // a visit known from before the records (bulk loads)
		}
		s := Standing{Customer: cu, Frequency: freq, LastVisit: lastBefore, DueFrom: plan.DueFrom(freq, lastBefore), MonthsSince: -1}
		if v, ok := visitedIn[cu.ID]; ok {
			s.LastVisit = v
		}
		if !s.LastVisit.IsZero() {
			s.MonthsSince = month.MonthsSince(s.LastVisit.FirstOfMonth())
		}
		_, visited := visitedIn[cu.ID]
		if plan.Visits(freq, lastBefore, month) > 0 {
			out.Due = append(out.Due, s)
			if !visited && (lastBefore.IsZero() || s.DueFrom.Before(month)) {
				out.Overdue = append(out.Overdue, s)
			}
		}
		if visited {
			out.Visited = append(out.Visited, s)
		}
		if s.MonthsSince < 0 || s.MonthsSince >= n {
			out.NotVisited = append(out.NotVisited, s)
		}
	}
	open, overdue, err := a.store.OpenRequests(ctx, manager, a.now())
	out.OpenRequests, out.OverdueRequests = open+overdue, overdue // waiting for an answer, of which overdue
	return out, err
}

// visitHistory is, per customer, the last visit before month and the last visit
// in month..end.
func (a *App) visitHistory(ctx context.Context, customers []string, month, end civil.Date) (map[string]civil.Date, map[string]civil.Date, error) {
	days, err := a.store.VisitDays(ctx, customers, end)
	if err != nil {
		return nil, nil, err
	}
	before, in := map[string]civil.Date{}, map[string]civil.Date{}
	for _, k := range days {
		target := before
		if !k.Day.Before(month) {
			target = in
		}
		if k.Day.After(target[k.CustomerID]) {
			target[k.CustomerID] = k.Day
		}
	}
	return before, in, nil
}

// Period is a span of whole months: a month, a quarter or a year.
type Period struct {
	Name     string     // YYYY-MM, YYYY-Qn or YYYY
	From, To civil.Date // first days of the first and last months
}

// ParsePeriod reads `YYYY-MM`, `YYYY-Qn` or `YYYY`.
func ParsePeriod(s string) (Period, error) {
	bad := fmt.Errorf("%w: period: want YYYY-MM, YYYY-Qn or YYYY, e.g. 2026-04, 2026-Q2 or 2026; got %q", plan.ErrInvalid, s)
	switch {
	case len(s) == 7 && s[4] == '-' && s[5] != 'Q':
		m, err := plan.ParseMonth(s)
		if err != nil {
			return Period{}, bad
		}
		return Period{Name: s, From: m, To: m}, nil
	case len(s) == 7 && s[4] == '-' && s[5] == 'Q':
		q := s[6] - '0'
		y, err := strconv.Atoi(s[:4])
		if err != nil || q < 1 || q > 4 || y < 2000 || y > 2100 {
			return Period{}, bad
		}
		from := civil.Date{Year: y, Month: time.Month(3*int(q) - 2), Day: 1}
		return Period{Name: s, From: from, To: from.AddMonths(2)}, nil
	case len(s) == 4:
		y, err := strconv.Atoi(s)
		if err != nil || y < 2000 || y > 2100 {
			return Period{}, bad
		}
		from := civil.Date{Year: y, Month: time.January, Day: 1}
		return Period{Name: s, From: from, To: from.AddMonths(11)}, nil
	}
	return Period{}, bad
}
