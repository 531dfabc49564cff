// Package sqlstore keeps the visits service's data in SQLite or PostgreSQL.
package sqlstore

import (
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

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
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

// chunk bounds the values of one IN list or multi-row insert.
const chunk = 400

// Customer is the service's copy of a roster customer.
type Customer struct {
	plan.Customer
	Address   string
	Lat, Lng  *float64
	ManagerID string
	OrgUnitID string
}

// UpsertCustomer stores the roster's latest state of a customer; what visits
// keeps of its own (frequency, method, last visit) stays.
func (s *Store) UpsertCustomer(ctx context.Context, c Customer, seq int64) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO customers (id, display_name, classification, area_type, address,
		latitude, longitude, primary_manager_id, org_unit_id, feed_sequence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, classification = excluded.classification,
		area_type = excluded.area_type, address = excluded.address, latitude = excluded.latitude, longitude = excluded.longitude,
		primary_manager_id = excluded.primary_manager_id, org_unit_id = excluded.org_unit_id, feed_sequence = excluded.feed_sequence`,
		c.ID, c.Name, c.Classification, c.AreaType, c.Address, c.Lat, c.Lng, c.ManagerID, c.OrgUnitID, seq)
	return err
}

// InsertCustomers adds many customers at once (bulk loads and benchmarks).
func (s *Store) InsertCustomers(ctx context.Context, cs []Customer) error {
	for start := 0; start < len(cs); start += chunk / 10 {
		part := cs[start:min(start+chunk/10, len(cs))]
		values := make([]string, len(part))
		args := make([]any, 0, len(part)*10)
		for i, c := range part {
			values[i] = "(" + params(i*10+1, 10) + ")"
			args = append(args, c.ID, c.Name, c.Classification, c.AreaType, c.Address, c.Lat, c.Lng, c.ManagerID, c.OrgUnitID,
				c.LastVisit)
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO customers (id, display_name, classification, area_type, address,
			latitude, longitude, primary_manager_id, org_unit_id, last_visit) VALUES `+strings.Join(values, ", "), args...); err != nil {
			return err
		}
	}
	return nil
}

// MoveCustomer records a new primary manager (a handover in the roster).
func (s *Store) MoveCustomer(ctx context.Context, id, manager string, seq int64) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE customers SET primary_manager_id = $1, feed_sequence = $2 WHERE id = $3`,
		manager, seq, id)
	return err
}

// CustomersOf reads the customers of managers, by manager.
func (s *Store) CustomersOf(ctx context.Context, managers []string) (map[string][]plan.Customer, error) {
	out := map[string][]plan.Customer{}
	for start := 0; start < len(managers); start += chunk {
		part := managers[start:min(start+chunk, len(managers))]
		rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT primary_manager_id, id, display_name, classification, area_type,
			frequency, method, last_visit FROM customers WHERE primary_manager_id IN (`+params(1, len(part))+`)`, anys(part)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var m, last string
			var c plan.Customer
			if err := rows.Scan(&m, &c.ID, &c.Name, &c.Classification, &c.AreaType, &c.Frequency, &c.Method, &last); err != nil {
				rows.Close()
				return nil, err
			}
			if last != "" {
				if c.LastVisit, err = civil.Parse(last); err != nil {
					rows.Close()
					return nil, fmt.Errorf("customer %s: last visit %q: %w", c.ID, last, err)
				}
			}
			out[m] = append(out[m], c)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Customer reads one customer; ok is false when the roster has not told us of it.
func (s *Store) Customer(ctx context.Context, id string) (Customer, bool, error) {
	var c Customer
	var last string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT id, display_name, classification, area_type, address, latitude, longitude,
		primary_manager_id, org_unit_id, frequency, method, last_visit FROM customers WHERE id = $1`, id).Scan(
		&c.ID, &c.Name, &c.Classification, &c.AreaType, &c.Address, &c.Lat, &c.Lng, &c.ManagerID, &c.OrgUnitID,
		&c.Frequency, &c.Method, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err == nil && last != "" {
		c.LastVisit, err = civil.Parse(last)
	}
	return c, err == nil, err
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
	var body, by string
	var r plan.Rules
	var at time.Time
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT body, revision, update_time, updated_by FROM frequency_rules WHERE id = 1`).
		Scan(&body, &r.Revision, &at, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return r, at, "", false, nil
	}
	if err != nil {
		return r, at, "", false, err
	}
	var b rulesBody
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		return r, at, "", false, fmt.Errorf("stored frequency rules: %w", err)
	}
	r.Rules, r.Fallback = b.Rules, b.Fallback
	return r, at.UTC(), by, true, nil
}

// SaveRules stores the table with revision r.Revision, replacing revision
// r.Revision-1 (0: the first save).
func (s *Store) SaveRules(ctx context.Context, r plan.Rules, by string, now time.Time) error {
	body, err := json.Marshal(rulesBody{Rules: r.Rules, Fallback: r.Fallback})
	if err != nil {
		return err
	}
	res, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO frequency_rules (id, body, revision, update_time, updated_by)
		VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET body = excluded.body, revision = excluded.revision,
		update_time = excluded.update_time, updated_by = excluded.updated_by WHERE frequency_rules.revision = $5`,
		string(body), r.Revision, now, by, r.Revision-1)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

const planColumns = `manager_id, month, org_unit_id, org_path, state, items, generated, note, review_comment, submitted_by,
	submit_time, reviewed_by, review_time, revision, create_time, update_time`

func scanPlan(row interface{ Scan(...any) error }, withItems bool) (plan.Plan, error) {
	var p plan.Plan
	var month, items, generated string
	var submit, review sql.NullTime
	if err := row.Scan(&p.ManagerID, &month, &p.OrgUnitID, &p.OrgPath, &p.State, &items, &generated, &p.Note,
		&p.ReviewComment, &p.SubmittedBy, &submit, &p.ReviewedBy, &review, &p.Revision, &p.CreateTime, &p.UpdateTime); err != nil {
		return p, err
	}
	m, err := plan.ParseMonth(month)
	if err != nil {
		return p, err
	}
	p.Month = m
	p.SubmitTime, p.ReviewTime = submit.Time.UTC(), review.Time.UTC()
	p.CreateTime, p.UpdateTime = p.CreateTime.UTC(), p.UpdateTime.UTC()
	if withItems {
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

// PlansOf reads the plans of managers for month, by manager.
func (s *Store) PlansOf(ctx context.Context, managers []string, month civil.Date) (map[string]plan.Plan, error) {
	out := map[string]plan.Plan{}
	for start := 0; start < len(managers); start += chunk {
		part := managers[start:min(start+chunk, len(managers))]
		rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+planColumns+` FROM plans WHERE month = $1 AND manager_id IN (`+
			params(2, len(part))+`)`, append([]any{plan.MonthString(month)}, anys(part)...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			p, err := scanPlan(rows, true)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[p.ManagerID] = p
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
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
	return []any{p.ManagerID, p.MonthString(), p.OrgUnitID, p.OrgPath, int(p.State), string(items), string(generated), p.Note,
		p.ReviewComment, p.SubmittedBy, nullTime(p.SubmitTime), p.ReviewedBy, nullTime(p.ReviewTime), p.Revision,
		p.CreateTime, p.UpdateTime}, nil
}

// InsertPlans adds new plans; a plan that exists already is an ErrConflict.
func (s *Store) InsertPlans(ctx context.Context, ps []plan.Plan) error {
	const per = 16
	step := max(1, chunk/per/4)
	for start := 0; start < len(ps); start += step {
		part := ps[start:min(start+step, len(ps))]
		values := make([]string, len(part))
		args := make([]any, 0, len(part)*per)
		for i, p := range part {
			a, err := planArgs(p)
			if err != nil {
				return err
			}
			values[i] = "(" + params(i*per+1, per) + ")"
			args = append(args, a...)
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO plans (`+planColumns+`) VALUES `+strings.Join(values, ", "), args...); err != nil {
			if storage.IsUniqueViolation(err) {
				return fmt.Errorf("%w: a plan for the month exists already", ErrConflict)
			}
			return err
		}
	}
	return nil
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
		review_time = $13, revision = $14, create_time = $15, update_time = $16
		WHERE manager_id = $1 AND month = $2 AND revision = $17 AND state = $18`, append(a, p.Revision-1, int(from))...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

// PlanFilter narrows ListPlans.
type PlanFilter struct {
	Manager string // "" any
	Month   string // "" any
	State   plan.State
	Path    string // org path prefix; "" any
	// Scope: the caller sees plans under ScopePath, and their own (ScopeSelf);
	// ScopeAll sees everything.
	ScopeAll  bool
	ScopePath string
	ScopeSelf string
	// After is the keyset position (month, manager) of the previous page's last plan.
	AfterMonth, AfterManager string
	Limit                    int
}

// ListPlans reads plans without their lines, newest month first then by manager.
func (s *Store) ListPlans(ctx context.Context, f PlanFilter) ([]plan.Plan, error) {
	w := scoped(f)
	if f.Month != "" {
		w.and("month = " + w.arg(f.Month))
	}
	if f.State != 0 {
		w.and("state = " + w.arg(int(f.State)))
	}
	if f.Path != "" {
		p := w.arg(f.Path)
		w.and("substr(org_path, 1, length(" + p + ")) = " + p)
	}
	if f.AfterMonth != "" {
		m := w.arg(f.AfterMonth)
		w.and("(month < " + m + " OR (month = " + m + " AND manager_id > " + w.arg(f.AfterManager) + "))")
	}
	where, args := w.where, w.args
	q := `SELECT ` + planColumns + ` FROM plans`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY month DESC, manager_id LIMIT " + strconv.Itoa(f.Limit)
	rows, err := s.db.Q(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []plan.Plan
	for rows.Next() {
		p, err := scanPlan(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// OpenTasks reads the open tasks of managers aimed at month or earlier, by manager.
func (s *Store) OpenTasks(ctx context.Context, managers []string, month civil.Date) (map[string][]plan.Task, error) {
	out := map[string][]plan.Task{}
	for start := 0; start < len(managers); start += chunk {
		part := managers[start:min(start+chunk, len(managers))]
		rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE done = 0 AND month <= $1
			AND manager_id IN (`+params(2, len(part))+`)`, append([]any{plan.MonthString(month)}, anys(part)...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			t, _, err := scanTask(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[t.ManagerID] = append(out[t.ManagerID], t)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

const taskColumns = `id, manager_id, text, month, week, customer_id, assigned_by, done, done_date, org_path, create_time`

// TaskRow is a stored task with what the API shows besides the domain task.
type TaskRow struct {
	plan.Task
	OrgPath    string
	CreateTime time.Time
}

func scanTask(row interface{ Scan(...any) error }) (plan.Task, TaskRow, error) {
	var t TaskRow
	var month, week, done string
	var isDone int
	if err := row.Scan(&t.ID, &t.ManagerID, &t.Text, &month, &week, &t.CustomerID, &t.AssignedBy, &isDone, &done, &t.OrgPath,
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
	t.Done, t.CreateTime = isDone == 1, t.CreateTime.UTC()
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
	res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE tasks SET done = 1, done_date = $1 WHERE id = $2 AND done = 0`, day.String(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

// ListTasks reads tasks by the same scope rules as plans (Month, Manager, Path,
// scope; State unused; Done filter through doneFilter: -1 any, 0 open, 1 done).
func (s *Store) ListTasks(ctx context.Context, f PlanFilter, doneFilter int, afterMonth, afterID string) ([]TaskRow, error) {
	w := scoped(f)
	next := w.arg
	if f.Month != "" {
		w.and("month = " + next(f.Month))
	}
	if doneFilter >= 0 {
		w.and("done = " + next(doneFilter))
	}
	if afterMonth != "" {
		m := next(afterMonth)
		w.and("(month < " + m + " OR (month = " + m + " AND id > " + next(afterID) + "))")
	}
	where, args := w.where, w.args
	q := `SELECT ` + taskColumns + ` FROM tasks`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY month DESC, id LIMIT " + strconv.Itoa(f.Limit)
	rows, err := s.db.Q(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TaskRow
	for rows.Next() {
		_, t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
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
}

// InsertVisit adds a visit record.
func (s *Store) InsertVisit(ctx context.Context, v Visit) error {
	steps, err := json.Marshal(nonNil(v.Steps))
	if err != nil {
		return err
	}
	_, err = s.db.Q(ctx).ExecContext(ctx, `INSERT INTO visits (id, manager_id, customer_id, day, method, check_in_time,
		latitude, longitude, steps, notes, plan_month, plan_item, org_path, create_time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		v.ID, v.ManagerID, v.CustomerID, v.Day.String(), int(v.Method), nullTime(v.CheckIn), v.Lat, v.Lng, string(steps), v.Notes,
		v.PlanMonth, v.PlanItem, v.OrgPath, v.CreateTime)
	return err
}

// ListVisits reads visits newest first (Manager and scope of f; after: keyset of
// the previous page's last visit).
func (s *Store) ListVisits(ctx context.Context, f PlanFilter, customer, afterDay, afterID string) ([]Visit, error) {
	w := scoped(f)
	next := w.arg
	if customer != "" {
		w.and("customer_id = " + next(customer))
	}
	if afterDay != "" {
		d := next(afterDay)
		w.and("(day < " + d + " OR (day = " + d + " AND id < " + next(afterID) + "))")
	}
	where, args := w.where, w.args
	q := `SELECT id, manager_id, customer_id, day, method, check_in_time, latitude, longitude, steps, notes, plan_month,
		plan_item, org_path, create_time FROM visits`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY day DESC, id DESC LIMIT " + strconv.Itoa(f.Limit)
	rows, err := s.db.Q(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Visit
	for rows.Next() {
		var v Visit
		var day, steps string
		var checkIn sql.NullTime
		if err := rows.Scan(&v.ID, &v.ManagerID, &v.CustomerID, &day, &v.Method, &checkIn, &v.Lat, &v.Lng, &steps, &v.Notes,
			&v.PlanMonth, &v.PlanItem, &v.OrgPath, &v.CreateTime); err != nil {
			return nil, err
		}
		if v.Day, err = civil.Parse(day); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(steps), &v.Steps); err != nil {
			return nil, err
		}
		v.CheckIn, v.CreateTime = checkIn.Time.UTC(), v.CreateTime.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// conds builds a WHERE clause with numbered placeholders.
type conds struct {
	where []string
	args  []any
}

func (c *conds) arg(v any) string { c.args = append(c.args, v); return "$" + strconv.Itoa(len(c.args)) }
func (c *conds) and(cond string)  { c.where = append(c.where, cond) }

// scoped starts the conditions of a list with the caller's scope and the manager.
func scoped(f PlanFilter) *conds {
	c := &conds{}
	if !f.ScopeAll {
		if f.ScopePath != "" {
			p := c.arg(f.ScopePath)
			c.and("(substr(org_path, 1, length(" + p + ")) = " + p + " OR manager_id = " + c.arg(f.ScopeSelf) + ")")
		} else {
			c.and("manager_id = " + c.arg(f.ScopeSelf))
		}
	}
	if f.Manager != "" {
		c.and("manager_id = " + c.arg(f.Manager))
	}
	return c
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

// params is "$first, $first+1, …" (n placeholders).
func params(first, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(first + i))
	}
	return b.String()
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// MoveOpenTasks hands a customer's open tasks from one manager to another.
func (s *Store) MoveOpenTasks(ctx context.Context, customer, from, to string) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE tasks SET manager_id = $1 WHERE customer_id = $2 AND manager_id = $3 AND done = 0`,
		to, customer, from)
	return err
}
