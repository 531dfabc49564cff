// Package sqlstore keeps the visits service's data in SQLite or PostgreSQL.
package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/settings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations are the visits service's schema.
func Migrations() storage.Migrations {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		panic(err) // embedded above
	}
	return storage.Migrations{Name: "visits", FS: sub}
}

// Store is the visits service's repository.
type Store struct{ db *storage.DB }

// New returns the store on db.
func New(db *storage.DB) *Store { return &Store{db: db} }

// ErrNotFound marks a missing plan, task or visit.
var ErrNotFound = errors.New("not found")

// ErrConflict marks a write that lost a race (the row changed since it was read).
var ErrConflict = errors.New("conflict")

// Customer is the service's copy of a roster customer.
type Customer struct {
	plan.Customer
	Kind      string // RETAIL_OUTLET, INDIVIDUAL, CORPORATE; '' unknown
	Address   string
	Lat, Lng  *float64
	ManagerID string
	OrgUnitID string
}

// UpsertCustomer stores the roster's latest state of a customer; what visits
// keeps of its own (frequency, method, last visit) stays.
func (s *Store) UpsertCustomer(ctx context.Context, c Customer, seq int64) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO customers (id, display_name, classification, area_type, address,
		latitude, longitude, primary_manager_id, org_unit_id, feed_sequence, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, classification = excluded.classification,
		area_type = excluded.area_type, address = excluded.address, latitude = excluded.latitude, longitude = excluded.longitude,
		primary_manager_id = excluded.primary_manager_id, org_unit_id = excluded.org_unit_id, feed_sequence = excluded.feed_sequence,
		kind = excluded.kind`,
		c.ID, c.Name, c.Classification, c.AreaType, c.Address, c.Lat, c.Lng, c.ManagerID, c.OrgUnitID, seq, c.Kind)
	return err
}

// InsertCustomers adds many customers at once (bulk loads and benchmarks).
func (s *Store) InsertCustomers(ctx context.Context, cs []Customer) error {
	return s.db.InsertRows(ctx, `INSERT INTO customers (id, display_name, classification, area_type, address, latitude, longitude,
		primary_manager_id, org_unit_id, last_visit, kind) VALUES `, len(cs), 11, func(i int) ([]any, error) {
		c := cs[i]
		last := ""
		if !c.LastVisit.IsZero() {
			last = c.LastVisit.String()
		}
		return []any{c.ID, c.Name, c.Classification, c.AreaType, c.Address, c.Lat, c.Lng, c.ManagerID, c.OrgUnitID, last, c.Kind}, nil
	})
}

// MoveCustomer records a new primary manager (a handover in the roster).
func (s *Store) MoveCustomer(ctx context.Context, id, manager string, seq int64) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE customers SET primary_manager_id = $1, feed_sequence = $2 WHERE id = $3`,
		manager, seq, id)
	return err
}

// CustomersOf reads the customers of managers, by manager.
func (s *Store) CustomersOf(ctx context.Context, managers []string) (map[string][]plan.Customer, error) {
	type owned struct {
		manager string
		plan.Customer
	}
	found, err := storage.QueryIn(ctx, s.db, `SELECT primary_manager_id, id, display_name, classification, area_type, frequency, method,
		last_visit FROM customers WHERE primary_manager_id IN (`, nil, managers, func(row storage.Row) (owned, error) {
		var c owned
		var last string
		if err := row.Scan(&c.manager, &c.ID, &c.Name, &c.Classification, &c.AreaType, &c.Frequency, &c.Method, &last); err != nil {
			return c, err
		}
		var err error
		if last != "" {
			if c.LastVisit, err = civil.Parse(last); err != nil {
				err = fmt.Errorf("customer %s: last visit %q: %w", c.ID, last, err)
			}
		}
		return c, err
	})
	out := map[string][]plan.Customer{}
	for _, c := range found {
		out[c.manager] = append(out[c.manager], c.Customer)
	}
	return out, err
}

const customerColumns = `id, display_name, classification, area_type, address, latitude, longitude,
	primary_manager_id, org_unit_id, frequency, method, last_visit, kind`

func scanCustomer(row storage.Row) (Customer, error) {
	var c Customer
	var last string
	err := row.Scan(&c.ID, &c.Name, &c.Classification, &c.AreaType, &c.Address, &c.Lat, &c.Lng, &c.ManagerID, &c.OrgUnitID,
		&c.Frequency, &c.Method, &last, &c.Kind)
	if err == nil && last != "" {
		if c.LastVisit, err = civil.Parse(last); err != nil {
			err = fmt.Errorf("customer %s: last visit %q: %w", c.ID, last, err)
		}
	}
	return c, err
}

// Customer reads one customer; ok is false when the roster has not told us of it.
func (s *Store) Customer(ctx context.Context, id string) (Customer, bool, error) {
	c, err := scanCustomer(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	return c, err == nil, err
}

// Customers reads the customers with the given ids that the service knows, by id.
func (s *Store) Customers(ctx context.Context, ids []string) (map[string]Customer, error) {
	found, err := storage.QueryIn(ctx, s.db, `SELECT `+customerColumns+` FROM customers WHERE id IN (`, nil, ids, scanCustomer)
	out := make(map[string]Customer, len(found))
	for _, c := range found {
		out[c.ID] = c
	}
	return out, err
}

// ManagerCustomers reads every customer of one manager, by id.
func (s *Store) ManagerCustomers(ctx context.Context, manager string) ([]Customer, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE primary_manager_id = $1
		ORDER BY id`, manager)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, scanCustomer)
}

// FixFrequencies stores each customer's frequency and method (at plan approval).
func (s *Store) FixFrequencies(ctx context.Context, fixes map[string][2]int) error {
	for id, f := range fixes {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE customers SET frequency = $1, method = $2 WHERE id = $3`,
			f[0], f[1], id); err != nil {
			return err
		}
	}
	return nil
}

// SetLastVisit moves a customer's last completed visit forward to day.
func (s *Store) SetLastVisit(ctx context.Context, id string, day civil.Date) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE customers SET last_visit = $1 WHERE id = $2 AND last_visit < $1`, day.String(), id)
	return err
}

// Cursor is the last sequence handled of feed (0: none).
func (s *Store) Cursor(ctx context.Context, feed string) (int64, error) {
	var seq int64
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT sequence FROM feed_cursors WHERE feed = $1`, feed).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

// SetCursor records the last sequence handled of feed.
func (s *Store) SetCursor(ctx context.Context, feed string, seq int64) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO feed_cursors (feed, sequence) VALUES ($1, $2)
		ON CONFLICT (feed) DO UPDATE SET sequence = excluded.sequence`, feed, seq)
	return err
}

type rulesBody struct {
	Rules    []plan.Rule `json:"rules"`
	Fallback plan.Rule   `json:"fallback"`
}

// Rules reads the frequency table; ok is false before anybody saved one.
func (s *Store) Rules(ctx context.Context) (plan.Rules, time.Time, string, bool, error) {
	var b rulesBody
	var r plan.Rules
	at, by, ok, err := s.readSingleton(ctx, "frequency_rules", &b, &r.Revision)
	r.Rules, r.Fallback = b.Rules, b.Fallback
	return r, at, by, ok, err
}

// SaveRules stores the table with revision r.Revision, replacing revision
// r.Revision-1 (0: the first save).
func (s *Store) SaveRules(ctx context.Context, r plan.Rules, by string, now time.Time) error {
	return s.saveSingleton(ctx, "frequency_rules", rulesBody{Rules: r.Rules, Fallback: r.Fallback}, r.Revision, by, now)
}

// readSingleton reads the one row of a settings table (id, body JSON, revision,
// update_time, updated_by) into body and revision; ok is false before anybody
// saved it.
func (s *Store) readSingleton(ctx context.Context, table string, body any, revision *int64) (time.Time, string, bool, error) {
	var raw, by string
	var at time.Time
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT body, revision, update_time, updated_by FROM `+table+` WHERE id = 1`).
		Scan(&raw, revision, &at, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return at, "", false, nil
	}
	if err != nil {
		return at, "", false, err
	}
	if err := json.Unmarshal([]byte(raw), body); err != nil {
		return at, "", false, fmt.Errorf("stored %s: %w", table, err)
	}
	return at.UTC(), by, true, nil
}

// saveSingleton stores the one row of a settings table at revision, replacing
// revision-1 (0: the first save); ErrConflict when that is not the one stored.
func (s *Store) saveSingleton(ctx context.Context, table string, body any, revision int64, by string, now time.Time) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	res, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO `+table+` (id, body, revision, update_time, updated_by)
		VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET body = excluded.body, revision = excluded.revision,
		update_time = excluded.update_time, updated_by = excluded.updated_by WHERE `+table+`.revision = $5`,
		string(raw), revision, now, by, revision-1)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

const planColumns = `manager_id, month, org_unit_id, org_path, state, items, generated, note, review_comment, submitted_by,
	submit_time, reviewed_by, review_time, revision, create_time, update_time, schedule_time, results, results_state`

func scanPlan(row storage.Row, withItems bool) (plan.Plan, error) {
	return scanPlanLines(row, withItems, civil.Date{})
}

// scanPlanLines is scanPlan keeping, when day is set, only the lines planned
// on day (and no generated draft).
func scanPlanLines(row storage.Row, withItems bool, day civil.Date) (plan.Plan, error) {
	var p plan.Plan
	var month, items, generated, results string
	var submit, review, scheduled sql.NullTime
	var resultsState int
	if err := row.Scan(&p.ManagerID, &month, &p.OrgUnitID, &p.OrgPath, &p.State, &items, &generated, &p.Note,
		&p.ReviewComment, &p.SubmittedBy, &submit, &p.ReviewedBy, &review, &p.Revision, &p.CreateTime, &p.UpdateTime,
		&scheduled, &results, &resultsState); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(results), &p.Results); err != nil {
		return p, fmt.Errorf("plan %s/%s results: %w", p.ManagerID, month, err)
	}
	p.ScheduleTime = scheduled.Time.UTC()
	m, err := plan.ParseMonth(month)
	if err != nil {
		return p, err
	}
	p.Month = m
	p.SubmitTime, p.ReviewTime = submit.Time.UTC(), review.Time.UTC()
	p.CreateTime, p.UpdateTime = p.CreateTime.UTC(), p.UpdateTime.UTC()
	if withItems && !day.IsZero() {
		if p.Items, err = dayItems([]byte(items), day); err != nil {
			return p, fmt.Errorf("plan %s/%s lines: %w", p.ManagerID, month, err)
		}
	} else if withItems {
		if err := json.Unmarshal([]byte(items), &p.Items); err != nil {
			return p, fmt.Errorf("plan %s/%s lines: %w", p.ManagerID, month, err)
		}
		if err := json.Unmarshal([]byte(generated), &p.Generated); err != nil {
			return p, fmt.Errorf("plan %s/%s generated lines: %w", p.ManagerID, month, err)
		}
	}
	return p, nil
}

// Plan reads one plan.
func (s *Store) Plan(ctx context.Context, manager string, month civil.Date) (plan.Plan, error) {
	p, err := scanPlan(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+planColumns+` FROM plans WHERE manager_id = $1 AND month = $2`,
		manager, plan.MonthString(month)), true)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("%w: managers/%s/plans/%s", ErrNotFound, manager, plan.MonthString(month))
	}
	return p, err
}

// PlanDay reads one plan with only the lines planned on day, and without the
// generated draft: what a day list needs. A month's plan holds a line per
// customer; decoding only the day's keeps a day list's cost near that of its
// few stops.
func (s *Store) PlanDay(ctx context.Context, manager string, day civil.Date) (plan.Plan, error) {
	month := day.FirstOfMonth()
	p, err := scanPlanLines(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+planDayColumns+` FROM plans WHERE manager_id = $1 AND month = $2`,
		manager, plan.MonthString(month)), true, day)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("%w: managers/%s/plans/%s", ErrNotFound, manager, plan.MonthString(month))
	}
	return p, err
}

// planDayColumns are planColumns with an empty list for the generated draft.
var planDayColumns = strings.Replace(planColumns, "items, generated,", "items, '[]',", 1)

// dayItems decodes the lines of raw (a plan's lines, a JSON array of
// objects) planned on day. A line is decoded only if its text holds the day's
// date; the decoded date then decides.
func dayItems(raw []byte, day civil.Date) ([]plan.Item, error) {
	mark := []byte(`"` + day.String() + `"`)
	var out []plan.Item
	err := eachObject(raw, func(obj []byte) error {
		if !bytes.Contains(obj, mark) {
			return nil
		}
		var it plan.Item
		if err := json.Unmarshal(obj, &it); err != nil {
			return err
		}
		if it.PlannedDate == day {
			out = append(out, it)
		}
		return nil
	})
	return out, err
}

// eachObject calls fn with each top-level object of a JSON array, in one pass
// that tracks only strings and braces: it does not validate what it skips
// (the lines are written by this store's own encoder), and json.Unmarshal
// validates whatever is decoded.
func eachObject(raw []byte, fn func(obj []byte) error) error {
	depth, start, inString := 0, 0, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped character
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{':
			if depth == 0 {
				start = i
			}
			depth++
		case '}':
			if depth--; depth < 0 {
				return fmt.Errorf("unbalanced braces at byte %d", i)
			}
			if depth == 0 {
				if err := fn(raw[start : i+1]); err != nil {
					return err
				}
			}
		}
	}
	if depth != 0 || inString {
		return errors.New("truncated JSON")
	}
	return nil
}

// PlansOf reads the plans of managers for month, by manager.
func (s *Store) PlansOf(ctx context.Context, managers []string, month civil.Date) (map[string]plan.Plan, error) {
	found, err := storage.QueryIn(ctx, s.db, `SELECT `+planColumns+` FROM plans WHERE month = $1 AND manager_id IN (`,
		[]any{plan.MonthString(month)}, managers, func(r storage.Row) (plan.Plan, error) { return scanPlan(r, true) })
	out := make(map[string]plan.Plan, len(found))
	for _, p := range found {
		out[p.ManagerID] = p
	}
	return out, err
}

func planArgs(p plan.Plan) ([]any, error) {
	items, err := json.Marshal(nonNil(p.Items))
	if err != nil {
		return nil, err
	}
	generated, err := json.Marshal(nonNil(p.Generated))
	if err != nil {
		return nil, err
	}
	results, err := json.Marshal(p.Results)
	if err != nil {
		return nil, err
	}
	return []any{p.ManagerID, p.MonthString(), p.OrgUnitID, p.OrgPath, int(p.State), string(items), string(generated), p.Note,
		p.ReviewComment, p.SubmittedBy, nullTime(p.SubmitTime), p.ReviewedBy, nullTime(p.ReviewTime), p.Revision,
		p.CreateTime, p.UpdateTime, nullTime(p.ScheduleTime), string(results), int(p.Results.State)}, nil
}

// InsertPlans adds new plans; a plan that exists already is an ErrConflict.
func (s *Store) InsertPlans(ctx context.Context, ps []plan.Plan) error {
	err := s.db.InsertRows(ctx, `INSERT INTO plans (`+planColumns+`) VALUES `, len(ps), 19, func(i int) ([]any, error) {
		return planArgs(ps[i])
	})
	if storage.IsUniqueViolation(err) {
		return fmt.Errorf("%w: a plan for the month exists already", ErrConflict)
	}
	return err
}

// UpdatePlan writes p (its Revision already advanced) if the stored revision is
// still p.Revision-1 and its state still from; else ErrConflict.
func (s *Store) UpdatePlan(ctx context.Context, p plan.Plan, from plan.State) error {
	a, err := planArgs(p)
	if err != nil {
		return err
	}
	res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE plans SET org_unit_id = $3, org_path = $4, state = $5, items = $6,
		generated = $7, note = $8, review_comment = $9, submitted_by = $10, submit_time = $11, reviewed_by = $12,
		review_time = $13, revision = $14, create_time = $15, update_time = $16, schedule_time = $17, results = $18,
		results_state = $19 WHERE manager_id = $1 AND month = $2 AND revision = $20 AND state = $21`, append(a, p.Revision-1, int(from))...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

// Scope is whose records a caller may list: everyone's (All), those under an org
// path (Path), and always their own (Self).
type Scope struct {
	All        bool
	Path, Self string
}

// visible is the SQL condition of scope and, when given, one manager; its
// placeholders are $1….
func visible(scope Scope, manager string) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	switch {
	case scope.All:
	case scope.Path != "":
		p := arg(scope.Path)
		conds = append(conds, "(substr(org_path, 1, length("+p+")) = "+p+" OR manager_id = "+arg(scope.Self)+")")
	default:
		conds = append(conds, "manager_id = "+arg(scope.Self))
	}
	if manager != "" {
		conds = append(conds, "manager_id = "+arg(manager))
	}
	if len(conds) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(conds, " AND "), args
}

// list reads one page of a list: the rows that scope and manager allow and req
// selects, and the next page's token.
func list[T any](ctx context.Context, s *Store, schema aip.Schema, req aip.Request, scope Scope, manager, selectFrom string,
	scan func(storage.Row) (T, error), keys func(T) map[string]any) ([]T, string, error) {
	cond, args := visible(scope, manager)
	return storage.Page(ctx, s.db, schema, req, cond, args, selectFrom, scan, keys)
}

// inOrgUnit matches records whose org path runs through the unit: its id is one
// segment of the path ("/…/id/…/"). replace() is case-sensitive on both databases.
func inOrgUnit(op, ph string) string {
	cond := "replace(org_path, '/' || " + ph + " || '/', '') <> org_path"
	if op == "<>" {
		return "NOT (" + cond + ")"
	}
	return cond
}

func resourceID(prefix, example string) func(string) (any, error) {
	return func(v string) (any, error) {
		id, ok := strings.CutPrefix(v, prefix)
		if !ok || id == "" {
			return nil, fmt.Errorf("want a name like %q", example)
		}
		return id, nil
	}
}

var monthField = aip.Field{Column: "month", Type: aip.String, Orderable: true}

var planListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"month": monthField,
		"state": {Column: "state", Type: aip.Enum, Enum: map[string]any{
			"STATE_DRAFT": 1, "STATE_SUBMITTED": 2, "STATE_APPROVED": 3, "STATE_REJECTED": 4,
			"DRAFT": 1, "SUBMITTED": 2, "APPROVED": 3, "REJECTED": 4}},
		"org_unit": {Column: "org_unit_id", Type: aip.String, Convert: resourceID("orgUnits/", "orgUnits/branch-east"), Match: inOrgUnit},
	},
	DefaultOrder:    "month desc",
	Tiebreak:        "manager_id",
	DefaultPageSize: 50,
	MaxPageSize:     500,
}

// ListPlans reads one page of plans without their lines, newest month first,
// then by manager.
func (s *Store) ListPlans(ctx context.Context, req aip.Request, scope Scope, manager string) ([]plan.Plan, string, error) {
	return list(ctx, s, planListSchema, req, scope, manager, `SELECT `+planColumns+` FROM plans`,
		func(r storage.Row) (plan.Plan, error) { return scanPlan(r, false) },
		func(p plan.Plan) map[string]any {
			return map[string]any{"month": p.MonthString(), "manager_id": p.ManagerID}
		})
}

// OpenTasks reads the open tasks of managers aimed at month or earlier, by manager.
func (s *Store) OpenTasks(ctx context.Context, managers []string, month civil.Date) (map[string][]plan.Task, error) {
	found, err := storage.QueryIn(ctx, s.db, `SELECT `+taskColumns+` FROM tasks WHERE NOT done AND month <= $1 AND manager_id IN (`,
		[]any{plan.MonthString(month)}, managers, func(r storage.Row) (plan.Task, error) { t, _, err := scanTask(r); return t, err })
	out := map[string][]plan.Task{}
	for _, t := range found {
		out[t.ManagerID] = append(out[t.ManagerID], t)
	}
	return out, err
}

const taskColumns = `id, manager_id, text, month, week, customer_id, assigned_by, done, done_date, org_path, create_time`

// TaskRow is a stored task with what the API shows besides the domain task.
type TaskRow struct {
	plan.Task
	OrgPath    string
	CreateTime time.Time
}

func scanTask(row storage.Row) (plan.Task, TaskRow, error) {
	var t TaskRow
	var month, week, done string
	if err := row.Scan(&t.ID, &t.ManagerID, &t.Text, &month, &week, &t.CustomerID, &t.AssignedBy, &t.Done, &done, &t.OrgPath,
		&t.CreateTime); err != nil {
		return t.Task, t, err
	}
	var err error
	if t.Month, err = plan.ParseMonth(month); err != nil {
		return t.Task, t, err
	}
	if week != "" {
		if t.Week, err = civil.Parse(week); err != nil {
			return t.Task, t, err
		}
	}
	if done != "" {
		if t.DoneDate, err = civil.Parse(done); err != nil {
			return t.Task, t, err
		}
	}
	t.CreateTime = t.CreateTime.UTC()
	return t.Task, t, nil
}

// InsertTask adds a task.
func (s *Store) InsertTask(ctx context.Context, t TaskRow) error {
	week := ""
	if !t.Week.IsZero() {
		week = t.Week.String()
	}
	_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO tasks (id, manager_id, text, month, week, customer_id, assigned_by,
		org_path, create_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.ID, t.ManagerID, t.Text, plan.MonthString(t.Month), week, t.CustomerID, t.AssignedBy, t.OrgPath, t.CreateTime)
	return err
}

// Task reads one task of manager.
func (s *Store) Task(ctx context.Context, manager, id string) (TaskRow, error) {
	_, t, err := scanTask(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE id = $1 AND manager_id = $2`,
		id, manager))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("%w: managers/%s/tasks/%s", ErrNotFound, manager, id)
	}
	return t, err
}

// CompleteTask marks an open task done; ErrConflict when it was done already.
func (s *Store) CompleteTask(ctx context.Context, id string, day civil.Date) error {
	res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE tasks SET done = TRUE, done_date = $1 WHERE id = $2 AND NOT done`, day.String(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

var taskListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"month": monthField,
		"done":  {Column: "done", Type: aip.Bool},
	},
	DefaultOrder:    "month desc",
	Tiebreak:        "id",
	DefaultPageSize: 50,
	MaxPageSize:     500,
}

// ListTasks reads one page of tasks, newest month first.
func (s *Store) ListTasks(ctx context.Context, req aip.Request, scope Scope, manager string) ([]TaskRow, string, error) {
	return list(ctx, s, taskListSchema, req, scope, manager, `SELECT `+taskColumns+` FROM tasks`,
		func(r storage.Row) (TaskRow, error) { _, t, err := scanTask(r); return t, err },
		func(t TaskRow) map[string]any { return map[string]any{"month": plan.MonthString(t.Month), "id": t.ID} })
}

// Visit is a stored visit record.
type Visit struct {
	ID         string
	ManagerID  string
	CustomerID string
	Day        civil.Date
	Method     plan.Method
	CheckIn    time.Time
	Lat, Lng   *float64
	Steps      []string
	Notes      string
	PlanMonth  string
	PlanItem   string
	OrgPath    string
	CreateTime time.Time
	Details    VisitDetails
}

// VisitDetails are what a visit found and the checks made on it (one JSON column).
type VisitDetails struct {
	DistanceMeters *int                 `json:"distanceMeters,omitempty"`
	Far            bool                 `json:"far,omitempty"`
	MissingSteps   []string             `json:"missingSteps,omitempty"`
	Findings       []int                `json:"findings,omitempty"`
	Stock          []settings.StockLine `json:"stock,omitempty"`
	Needs          string               `json:"needs,omitempty"`
	Complaints     string               `json:"complaints,omitempty"`
	NextActions    []string             `json:"nextActions,omitempty"`
}

// InsertVisit adds a visit record.
func (s *Store) InsertVisit(ctx context.Context, v Visit) error {
	steps, err := json.Marshal(nonNil(v.Steps))
	if err != nil {
		return err
	}
	details, err := json.Marshal(v.Details)
	if err != nil {
		return err
	}
	_, err = s.db.Q(ctx).ExecContext(ctx, `INSERT INTO visits (id, manager_id, customer_id, day, method, check_in_time,
		latitude, longitude, steps, notes, plan_month, plan_item, org_path, create_time, details)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		v.ID, v.ManagerID, v.CustomerID, v.Day.String(), int(v.Method), nullTime(v.CheckIn), v.Lat, v.Lng, string(steps), v.Notes,
		v.PlanMonth, v.PlanItem, v.OrgPath, v.CreateTime, string(details))
	return err
}

var visitListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"customer":    {Column: "customer_id", Type: aip.String, Convert: resourceID("customers/", "customers/C001")},
		"date":        {Column: "day", Type: aip.Date, Orderable: true},
		"create_time": {Column: "create_time", Type: aip.Timestamp, Orderable: true},
	},
	DefaultOrder:    "date desc, create_time desc",
	Tiebreak:        "id",
	DefaultPageSize: 50,
	MaxPageSize:     500,
}

// ListVisits reads one page of visits, newest first.
func (s *Store) ListVisits(ctx context.Context, req aip.Request, scope Scope, manager string) ([]Visit, string, error) {
	return list(ctx, s, visitListSchema, req, scope, manager, `SELECT id, manager_id, customer_id, day, method, check_in_time,
		latitude, longitude, steps, notes, plan_month, plan_item, org_path, create_time, details FROM visits`, scanVisit,
		func(v Visit) map[string]any {
			return map[string]any{"day": v.Day.String(), "create_time": v.CreateTime, "id": v.ID}
		})
}

func scanVisit(row storage.Row) (Visit, error) {
	var v Visit
	var day, steps, details string
	var checkIn sql.NullTime
	if err := row.Scan(&v.ID, &v.ManagerID, &v.CustomerID, &day, &v.Method, &checkIn, &v.Lat, &v.Lng, &steps, &v.Notes,
		&v.PlanMonth, &v.PlanItem, &v.OrgPath, &v.CreateTime, &details); err != nil {
		return v, err
	}
	if err := json.Unmarshal([]byte(details), &v.Details); err != nil {
		return v, fmt.Errorf("visit %s details: %w", v.ID, err)
	}
	var err error
	if v.Day, err = civil.Parse(day); err != nil {
		return v, err
	}
	if err := json.Unmarshal([]byte(steps), &v.Steps); err != nil {
		return v, err
	}
	v.CheckIn, v.CreateTime = checkIn.Time.UTC(), v.CreateTime.UTC()
	return v, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// MoveOpenTasks hands a customer's open tasks from one manager to another.
func (s *Store) MoveOpenTasks(ctx context.Context, customer, from, to string) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE tasks SET manager_id = $1 WHERE customer_id = $2 AND manager_id = $3 AND NOT done`,
		to, customer, from)
	return err
}
