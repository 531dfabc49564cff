// Package app holds the visits service's use cases: who may do what to which
// plan, and the steps of the monthly cycle, on the store and the roster.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/roster"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/calendar"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/settings"
)

// FindingLowStock is the API's FINDING_LOW_STOCK, added to a visit whose stock
// is below safety stock.
const FindingLowStock = 5

// Directory is what the use cases read from the roster.
type Directory interface {
	OrgUnits(ctx context.Context) (map[string]roster.OrgUnit, error)
	Managers(ctx context.Context, orgUnit string) ([]roster.Manager, error)
	Manager(ctx context.Context, id string) (roster.Manager, error)
}

// Errors the API maps to status codes.
var (
	ErrPermission = errors.New("permission denied") // PermissionDenied
	ErrNotFound   = sqlstore.ErrNotFound            // NotFound
	ErrConflict   = errors.New("conflict")          // Aborted: lost a race, or a stale etag
)

// App is the visits use cases.
type App struct {
	store *sqlstore.Store
	dir   Directory
	now   func() time.Time

	// Calendar says which days are worked (holidays, make-up workdays); New
	// loads mainland China's.
	Calendar *calendar.Calendar

	mu       sync.Mutex
	units    map[string]roster.OrgUnit
	paths    map[string]string
	pathsAt  time.Time
	PathsTTL time.Duration // how long org units and managers read from the roster are reused

	managers map[string]cachedManager
}

// cachedManager is a manager as the roster answered, and when.
type cachedManager struct {
	m  roster.Manager
	at time.Time
}

// New returns the use cases.
func New(store *sqlstore.Store, dir Directory, now func() time.Time) *App {
	cal, err := calendar.Load("CN")
	if err != nil {
		panic(err) // embedded data, checked by the calendar's tests
	}
	return &App{store: store, dir: dir, now: now, PathsTTL: time.Minute, Calendar: cal}
}

// Caller is the verified principal with their scope.
type Caller struct {
	auth.Principal
	Home string // home org unit's path
	All  bool   // bank-wide roles and systems
}

// orgUnits reads the roster's org units, cached for PathsTTL.
func (a *App) orgUnits(ctx context.Context) (map[string]roster.OrgUnit, map[string]string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.units != nil && a.now().Sub(a.pathsAt) < a.PathsTTL {
		return a.units, a.paths, nil
	}
	units, err := a.dir.OrgUnits(ctx)
	if err != nil {
		return nil, nil, err
	}
	paths := make(map[string]string, len(units))
	for id, u := range units {
		paths[id] = u.Path
	}
	a.units, a.paths, a.pathsAt = units, paths, a.now()
	return units, paths, nil
}

// orgPaths is every org unit's path, by id.
func (a *App) orgPaths(ctx context.Context) (map[string]string, error) {
	_, paths, err := a.orgUnits(ctx)
	return paths, err
}

func (a *App) caller(ctx context.Context) (Caller, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return Caller{}, fmt.Errorf("%w: no caller", ErrPermission)
	}
	c := Caller{Principal: p, All: p.BankWide() || p.Has(auth.System)}
	if !c.All && p.HasAny(auth.Supervisor, auth.BranchHead) && p.OrgUnit != "" {
		paths, err := a.orgPaths(ctx)
		if err != nil {
			return c, err
		}
		c.Home = paths[p.OrgUnit]
	}
	return c, nil
}

// sees reports whether c may read records of manager in the unit at path.
func (c Caller) sees(manager, path string) bool {
	return c.All || manager == c.Subject || (c.Home != "" && strings.HasPrefix(path, c.Home))
}

// oversees reports whether c may act on others' records at path as a reviewer
// (supervisors and branch heads in their subtree; administrators and systems).
func (c Caller) oversees(path string) bool {
	if c.Has(auth.Administrator) || c.Has(auth.System) {
		return true
	}
	return c.HasAny(auth.Supervisor, auth.BranchHead) && c.Home != "" && strings.HasPrefix(path, c.Home)
}

func (c Caller) scope() sqlstore.Scope {
	return sqlstore.Scope{All: c.All, Path: c.Home, Self: c.Subject}
}

// managerPath reads a manager (see manager: the callers decide who may see
// them, with Caller.sees or Caller.oversees) and their unit's path.
func (a *App) managerPath(ctx context.Context, id string) (roster.Manager, string, error) {
	m, err := a.manager(ctx, id)
	if err != nil {
		return m, "", err
	}
	paths, err := a.orgPaths(ctx)
	if err != nil {
		return m, "", err
	}
	return m, paths[m.OrgUnitID], nil
}

// manager reads a manager from the roster, reusing an answer younger than
// PathsTTL: a day list or plan read would otherwise cost a roster call each.
// Who may see the manager is decided here (Caller.sees) on the manager's org
// unit, not by the roster, so an answer read for one caller serves another.
func (a *App) manager(ctx context.Context, id string) (roster.Manager, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.managers[id]
	a.mu.Unlock()
	if ok && now.Sub(c.at) < a.PathsTTL {
		return c.m, nil
	}
	m, err := a.dir.Manager(ctx, id)
	if err != nil {
		return m, err
	}
	a.mu.Lock()
	if a.managers == nil {
		a.managers = map[string]cachedManager{}
	}
	a.managers[id] = cachedManager{m: m, at: now}
	a.mu.Unlock()
	return m, nil
}

// Rules reads the frequency table (the defaults until someone saves one).
func (a *App) Rules(ctx context.Context) (plan.Rules, time.Time, string, error) {
	r, at, by, ok, err := a.store.Rules(ctx)
	if err != nil || ok {
		return r, at, by, err
	}
	return plan.DefaultRules(), time.Time{}, "", nil
}

// UpdateRules replaces the frequency table; revision is the one read (the etag).
func (a *App) UpdateRules(ctx context.Context, r plan.Rules, revision int64, hasEtag bool) (plan.Rules, time.Time, string, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return r, time.Time{}, "", err
	}
	if err := r.Validate(); err != nil {
		return r, time.Time{}, "", err
	}
	cur, _, _, err := a.Rules(ctx)
	if err != nil {
		return r, time.Time{}, "", err
	}
	if hasEtag && revision != cur.Revision {
		return r, time.Time{}, "", fmt.Errorf("%w: the frequency rules changed since they were read (revision %d, now %d); read them again", ErrConflict, revision, cur.Revision)
	}
	r.Revision = cur.Revision + 1
	now := a.now()
	if err := a.store.SaveRules(ctx, r, c.Subject, now); err != nil {
		if errors.Is(err, sqlstore.ErrConflict) {
			return r, now, "", fmt.Errorf("%w: the frequency rules changed meanwhile; read them again", ErrConflict)
		}
		return r, now, "", err
	}
	return r, now, c.Subject, nil
}

// Generated is the outcome of GeneratePlans.
type Generated struct {
	Created, Existing, Items int
	Plans                    []plan.Plan
}

// Generate makes the month's draft plans for one manager (managerID) or every
// appointed manager of an org subtree (orgUnit).
func (a *App) Generate(ctx context.Context, managerID, orgUnit string, month civil.Date) (Generated, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return Generated{}, err
	}
	paths, err := a.orgPaths(ctx)
	if err != nil {
		return Generated{}, err
	}
	var managers []roster.Manager
	if managerID != "" {
		m, err := a.dir.Manager(ctx, managerID)
		if err != nil {
			return Generated{}, err
		}
		if m.ID != c.Subject && !c.oversees(paths[m.OrgUnitID]) {
			return Generated{}, fmt.Errorf("%w: only %s or their supervisor generates their plan", ErrPermission, m.ID)
		}
		if !m.Active {
			return Generated{}, fmt.Errorf("%w: %s is not an appointed manager (candidate or exited)", plan.ErrState, m.ID)
		}
		managers = []roster.Manager{m}
	} else {
		path, ok := paths[orgUnit]
		if !ok {
			return Generated{}, fmt.Errorf("%w: orgUnits/%s", ErrNotFound, orgUnit)
		}
		if !c.oversees(path) {
			return Generated{}, fmt.Errorf("%w: generating the plans of orgUnits/%s needs a supervisor or branch head of that unit", ErrPermission, orgUnit)
		}
		all, err := a.dir.Managers(ctx, orgUnit)
		if err != nil {
			return Generated{}, err
		}
		for _, m := range all {
			if m.Active {
				managers = append(managers, m)
			}
		}
	}
	ids := make([]string, len(managers))
	for i, m := range managers {
		ids[i] = m.ID
	}
	existing, err := a.store.PlansOf(ctx, ids, month)
	if err != nil {
		return Generated{}, err
	}
	var todo []string
	for _, id := range ids {
		if _, ok := existing[id]; !ok {
			todo = append(todo, id)
		}
	}
	out := Generated{Existing: len(existing)}
	if len(todo) == 0 {
		return out, nil
	}
	rules, _, _, err := a.Rules(ctx)
	if err != nil {
		return out, err
	}
	previous, err := a.store.PlansOf(ctx, todo, month.AddMonths(-1))
	if err != nil {
		return out, err
	}
	tasks, err := a.store.OpenTasks(ctx, todo, month)
	if err != nil {
		return out, err
	}
	customers, err := a.store.CustomersOf(ctx, todo)
	if err != nil {
		return out, err
	}
	now := a.now()
	byID := map[string]roster.Manager{}
	for _, m := range managers {
		byID[m.ID] = m
	}
	plans := make([]plan.Plan, 0, len(todo))
	for _, id := range todo {
		m := byID[id]
		in := plan.Input{ManagerID: id, OrgUnitID: m.OrgUnitID, OrgPath: paths[m.OrgUnitID], Month: month,
			Customers: customers[id], Tasks: tasks[id], Rules: rules}
		if prev, ok := previous[id]; ok {
			in.Previous = &prev
		}
		p := plan.Generate(in)
		p.Revision, p.CreateTime, p.UpdateTime = 1, now, now
		plans = append(plans, p)
		out.Items += len(p.Items)
	}
	if err := a.store.InsertPlans(ctx, plans); err != nil {
		if errors.Is(err, sqlstore.ErrConflict) {
			return out, fmt.Errorf("%w: another generation of %s ran at the same time; run it again", ErrConflict, plan.MonthString(month))
		}
		return out, err
	}
	out.Created, out.Plans = len(plans), plans
	return out, nil
}

// Plan reads one plan the caller may see (else NotFound).
func (a *App) Plan(ctx context.Context, manager string, month civil.Date) (plan.Plan, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return plan.Plan{}, err
	}
	return a.planFor(ctx, c, manager, month)
}

// planFor reads a plan c may see (else NotFound).
func (a *App) planFor(ctx context.Context, c Caller, manager string, month civil.Date) (plan.Plan, error) {
	p, err := a.store.Plan(ctx, manager, month)
	if err != nil {
		return p, err
	}
	if !c.sees(p.ManagerID, p.OrgPath) {
		return plan.Plan{}, fmt.Errorf("%w: managers/%s/plans/%s", ErrNotFound, manager, plan.MonthString(month))
	}
	return p, nil
}

// ListPlans lists one page of plans in the caller's scope (of manager, if given).
func (a *App) ListPlans(ctx context.Context, req aip.Request, manager string) ([]plan.Plan, string, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return nil, "", err
	}
	return a.store.ListPlans(ctx, req, c.scope(), manager)
}

// change applies fn to a plan the caller may see and stores it if fn succeeds;
// etag, when set, must be current. It returns the plan before and after.
func (a *App) change(ctx context.Context, manager string, month civil.Date, etag string,
	fn func(c Caller, p *plan.Plan) error) (plan.Plan, plan.Plan, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return plan.Plan{}, plan.Plan{}, err
	}
	before, err := a.planFor(ctx, c, manager, month)
	if err != nil {
		return before, before, err
	}
	if etag != "" && etag != before.Etag() {
		return before, before, fmt.Errorf("%w: the plan changed since it was read (etag %s, now %s); read it again", ErrConflict, etag, before.Etag())
	}
	after := before
	after.Items = append([]plan.Item(nil), before.Items...)
	if err := fn(c, &after); err != nil {
		return before, before, err
	}
	after.Revision, after.UpdateTime = before.Revision+1, a.now()
	if err := a.store.UpdatePlan(ctx, after, before.State); err != nil {
		if errors.Is(err, sqlstore.ErrConflict) {
			cur, _ := a.store.Plan(ctx, manager, month)
			return before, before, fmt.Errorf("%w: the plan was changed at the same time (it is %s now, by %s); read it again",
				ErrConflict, cur.State, firstNonEmpty(cur.ReviewedBy, cur.SubmittedBy, cur.ManagerID))
		}
		return before, before, err
	}
	return before, after, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// EditPlan replaces the lines and/or note of the caller's own draft or rejected plan.
func (a *App) EditPlan(ctx context.Context, manager string, month civil.Date, etag string, lines []plan.Item, setLines bool,
	note *string) (plan.Plan, plan.Plan, error) {
	return a.change(ctx, manager, month, etag, func(c Caller, p *plan.Plan) error {
		if c.Subject != p.ManagerID && !c.Has(auth.System) {
			return fmt.Errorf("%w: only %s edits their plan", ErrPermission, p.ManagerID)
		}
		if setLines {
			if err := p.Edit(lines, plan.NextID(p)); err != nil {
				return err
			}
		} else if err := plan.Check("edit", p.State); err != nil {
			return err
		}
		if note != nil {
			if len([]rune(*note)) > 2000 {
				return fmt.Errorf("%w: note: at most 2000 characters", plan.ErrInvalid)
			}
			p.Note = *note
		}
		return nil
	})
}

// SubmitPlan submits the caller's own plan.
func (a *App) SubmitPlan(ctx context.Context, manager string, month civil.Date, etag string) (plan.Plan, plan.Plan, error) {
	return a.change(ctx, manager, month, etag, func(c Caller, p *plan.Plan) error {
		if c.Subject != p.ManagerID && !c.Has(auth.System) {
			return fmt.Errorf("%w: only %s submits their plan", ErrPermission, p.ManagerID)
		}
		return p.Submit(c.Subject, a.now())
	})
}

// ReviewPlan approves or rejects a submitted plan of someone the caller oversees.
// Approval fixes the frequency and method of the plan's customers.
func (a *App) ReviewPlan(ctx context.Context, manager string, month civil.Date, etag string, approve bool, comment string) (plan.Plan, plan.Plan, error) {
	before, after, err := a.change(ctx, manager, month, etag, func(c Caller, p *plan.Plan) error {
		if c.Subject != p.ManagerID && !c.oversees(p.OrgPath) {
			return fmt.Errorf("%w: only a supervisor or branch head over %s reviews their plan", ErrPermission, p.ManagerID)
		}
		if err := p.Review(approve, c.Subject, comment, a.now()); err != nil || !approve {
			return err
		}
		// Approval schedules the month; a month already over, or one the calendar
		// does not cover yet, is approved unscheduled (SchedulePlan says why).
		if err := a.scheduleLines(ctx, p); err != nil && !errors.Is(err, plan.ErrState) {
			return err
		}
		return nil
	})
	if err != nil || !approve {
		return before, after, err
	}
	rules, _, _, err := a.Rules(ctx)
	if err != nil {
		return before, after, err
	}
	custs, err := a.store.CustomersOf(ctx, []string{manager})
	if err != nil {
		return before, after, err
	}
	fixes := map[string][2]int{}
	for _, cu := range custs[manager] {
		f, m := plan.Refix(rules, cu)
		if f != cu.Frequency || m != cu.Method {
			fixes[cu.ID] = [2]int{int(f), int(m)}
		}
	}
	return before, after, a.store.FixFrequencies(ctx, fixes)
}

// CreateTask assigns a task to a manager the caller oversees.
func (a *App) CreateTask(ctx context.Context, t plan.Task) (sqlstore.TaskRow, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return sqlstore.TaskRow{}, err
	}
	m, path, err := a.managerPath(ctx, t.ManagerID)
	if err != nil {
		return sqlstore.TaskRow{}, err
	}
	if !c.oversees(path) || m.ID == c.Subject {
		return sqlstore.TaskRow{}, fmt.Errorf("%w: tasks for %s are assigned by their supervisor or branch head", ErrPermission, m.ID)
	}
	t.ID, t.AssignedBy = newID(), c.Subject
	row := sqlstore.TaskRow{Task: t, OrgPath: path, CreateTime: a.now()}
	if err := a.store.InsertTask(ctx, row); err != nil {
		return row, err
	}
	// A task goes at once into the month's plan, whatever its review stage
	// (the supervisor assigning it is its reviewer), until the month's
	// results are in; a later plan of the month takes it when generated.
	if _, _, err := a.change(ctx, t.ManagerID, t.Month, "", func(_ Caller, p *plan.Plan) error {
		if p.Results.State == plan.ResultsSubmitted || p.Closed() {
			return errSkip
		}
		line := plan.Item{ID: plan.NextID(p)(), Kind: plan.TaskLine, Source: plan.SupervisorTask,
			CustomerID: t.CustomerID, Actions: []string{t.Text}, TaskID: t.ID, Week: t.Week, Status: plan.Open}
		if t.CustomerID != "" {
			cs, err := a.store.Customers(ctx, []string{t.CustomerID})
			if err != nil {
				return err
			}
			line.CustomerName = cs[t.CustomerID].Name
		}
		p.Items = append(p.Items, line)
		return nil
	}); err != nil && !errors.Is(err, errSkip) && !errors.Is(err, ErrNotFound) {
		return row, err
	}
	return row, nil
}

var errSkip = errors.New("skip")

// ListTasks lists one page of tasks in the caller's scope (of manager, if given).
func (a *App) ListTasks(ctx context.Context, req aip.Request, manager string) ([]sqlstore.TaskRow, string, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return nil, "", err
	}
	return a.store.ListTasks(ctx, req, c.scope(), manager)
}

// CompleteTask marks a task done: by the manager, or whoever assigned it.
func (a *App) CompleteTask(ctx context.Context, manager, id string, day civil.Date) (sqlstore.TaskRow, sqlstore.TaskRow, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return sqlstore.TaskRow{}, sqlstore.TaskRow{}, err
	}
	t, err := a.store.Task(ctx, manager, id)
	if err != nil {
		return t, t, err
	}
	if !c.sees(t.ManagerID, t.OrgPath) {
		return t, t, fmt.Errorf("%w: managers/%s/tasks/%s", ErrNotFound, manager, id)
	}
	if c.Subject != t.ManagerID && c.Subject != t.AssignedBy && !c.Has(auth.System) {
		return t, t, fmt.Errorf("%w: only %s or %s, who assigned it, marks the task done", ErrPermission, t.ManagerID, t.AssignedBy)
	}
	if t.Done {
		return t, t, fmt.Errorf("%w: the task was done on %s already", plan.ErrState, t.DoneDate)
	}
	if err := a.store.CompleteTask(ctx, id, day); err != nil {
		return t, t, fmt.Errorf("%w: the task was marked done at the same time", ErrConflict)
	}
	after := t
	after.Done, after.DoneDate = true, day
	// Its line in the month's plan (if any) is done too.
	month := day.FirstOfMonth()
	if _, _, err := a.change(ctx, manager, month, "", func(_ Caller, p *plan.Plan) error {
		if !p.CompleteTask(id, day) {
			return errSkip
		}
		return nil
	}); err != nil && !errors.Is(err, errSkip) && !errors.Is(err, ErrNotFound) {
		return t, after, err
	}
	return t, after, nil
}

// RecordVisit stores a completed visit by the caller (the manager) to one of
// their customers, completes its line in the month's approved plan, and moves the
// customer's last visit forward.
func (a *App) RecordVisit(ctx context.Context, v sqlstore.Visit) (sqlstore.Visit, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return v, err
	}
	if c.Subject != v.ManagerID && !c.Has(auth.System) {
		return v, fmt.Errorf("%w: %s records their own visits", ErrPermission, v.ManagerID)
	}
	cu, ok, err := a.store.Customer(ctx, v.CustomerID)
	if err != nil {
		return v, err
	}
	if !ok {
		return v, fmt.Errorf("%w: customers/%s", ErrNotFound, v.CustomerID)
	}
	if cu.ManagerID != v.ManagerID {
		return v, fmt.Errorf("%w: customers/%s is served by %s, not %s", ErrPermission, v.CustomerID, cu.ManagerID, v.ManagerID)
	}
	if today := civil.Of(a.now().In(civil.Shanghai)); v.Day.After(today) {
		return v, fmt.Errorf("%w: date: %s is in the future", plan.ErrInvalid, v.Day)
	}
	paths, err := a.orgPaths(ctx)
	if err != nil {
		return v, err
	}
	st, _, _, err := a.Settings(ctx)
	if err != nil {
		return v, err
	}
	var checkIn, at *settings.Location
	if v.Lat != nil && v.Lng != nil {
		checkIn = &settings.Location{Lat: *v.Lat, Lon: *v.Lng}
	}
	if p, ok := point(cu); ok {
		at = &p
	}
	chk, err := st.CheckRecord(cu.Kind, v.Steps, checkIn, at, v.Details.Stock)
	if err != nil {
		return v, err
	}
	v.Details.DistanceMeters, v.Details.Far, v.Details.MissingSteps, v.Details.Stock = chk.DistanceMeters, chk.Far, chk.MissingSteps, chk.Stock
	if chk.LowStock && !slices.Contains(v.Details.Findings, FindingLowStock) {
		v.Details.Findings = append(v.Details.Findings, FindingLowStock)
	}
	v.ID, v.OrgPath, v.CreateTime = newID(), paths[cu.OrgUnitID], a.now()
	month := v.Day.FirstOfMonth()
	if _, after, err := a.change(ctx, v.ManagerID, month, "", func(_ Caller, p *plan.Plan) error {
		if plan.Check("record", p.State) != nil {
			return errSkip
		}
		for _, it := range p.Items {
			if it.Kind == plan.VisitLine && it.CustomerID == v.CustomerID && !it.Finished() {
				v.PlanMonth, v.PlanItem = p.MonthString(), it.ID
				break
			}
		}
		if !p.Complete(v.CustomerID, v.Day) {
			return errSkip
		}
		return nil
	}); err != nil && !errors.Is(err, errSkip) && !errors.Is(err, ErrNotFound) {
		return v, err
	} else if err == nil {
		v.OrgPath = after.OrgPath
	}
	if err := a.store.InsertVisit(ctx, v); err != nil {
		return v, err
	}
	return v, a.store.SetLastVisit(ctx, v.CustomerID, v.Day)
}

// ListVisits lists one page of visits in the caller's scope (of manager, if given).
func (a *App) ListVisits(ctx context.Context, req aip.Request, manager string) ([]sqlstore.Visit, string, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return nil, "", err
	}
	return a.store.ListVisits(ctx, req, c.scope(), manager)
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
