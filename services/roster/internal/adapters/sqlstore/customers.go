package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/customer"
)

// Customers stores customers, their assignment history, the capacity settings and
// the portfolio change feed.
type Customers struct {
	db    *storage.DB
	pages *listCache // recent list pages, reused while the data is unchanged
}

// NewCustomers returns the customer repository on db.
func NewCustomers(db *storage.DB) *Customers { return &Customers{db: db, pages: newListCache(20000)} }

// customerChunk bounds the values of one IN list.
const customerChunk = 500

const customerColumns = `c.id, c.display_name, c.kind, c.classification, c.address, c.latitude, c.longitude,
	c.area_type, c.visit_method, c.primary_manager_id, COALESCE(c.backup_manager_id, ''), c.assignment_start,
	m.org_unit_id, ou.path, c.revision, c.create_time, c.update_time`

// customerOwnColumns are customerColumns without the joined org unit (left
// empty), for lists whose condition needs no join: the page's few managers'
// units are read afterwards, instead of two extra lookups per row.
const customerOwnColumns = `c.id, c.display_name, c.kind, c.classification, c.address, c.latitude, c.longitude,
	c.area_type, c.visit_method, c.primary_manager_id, COALESCE(c.backup_manager_id, ''), c.assignment_start,
	'', '', c.revision, c.create_time, c.update_time`

// customerFrom joins the primary manager's org unit: a customer's unit is always
// its manager's current one.
const customerFrom = ` FROM customers c JOIN managers m ON m.id = c.primary_manager_id JOIN org_units ou ON ou.id = m.org_unit_id`

func scanCustomer(row storage.Row) (customer.Customer, error) {
	var c customer.Customer
	var lat, lng sql.NullFloat64
	err := row.Scan(&c.ID, &c.DisplayName, &c.Kind, &c.Classification, &c.Address, &lat, &lng,
		&c.AreaType, &c.VisitMethod, &c.PrimaryManagerID, &c.BackupManagerID, &c.AssignmentStart,
		&c.OrgUnitID, &c.OrgPath, &c.Revision, &c.CreateTime, &c.UpdateTime)
	if lat.Valid && lng.Valid {
		c.Location = &customer.Location{Lat: lat.Float64, Lng: lng.Float64}
	}
	c.CreateTime, c.UpdateTime = c.CreateTime.UTC(), c.UpdateTime.UTC()
	return c, err
}

// Get reads one customer.
func (r *Customers) Get(ctx context.Context, id string) (customer.Customer, error) {
	c, err := scanCustomer(r.db.Q(ctx).QueryRowContext(ctx, `SELECT `+customerColumns+customerFrom+` WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("%w: customers/%s", customer.ErrNotFound, id)
	}
	return c, err
}

// GetMany reads the customers of ids that exist, in no particular order.
func (r *Customers) GetMany(ctx context.Context, ids []string) ([]customer.Customer, error) {
	var out []customer.Customer
	for start := 0; start < len(ids); start += customerChunk {
		part := ids[start:min(start+customerChunk, len(ids))]
		rows, err := r.db.Q(ctx).QueryContext(ctx, `SELECT `+customerColumns+customerFrom+` WHERE c.id IN (`+storage.Placeholders(1, len(part))+`)`,
			storage.Args(part)...)
		if err != nil {
			return nil, err
		}
		found, err := storage.Collect(rows, scanCustomer)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	return out, nil
}

var customerListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"primary_manager": {Column: "c.primary_manager_id", Type: aip.String, Convert: resourceID("managers/", "managers/E3001")},
		"backup_manager":  {Column: "c.backup_manager_id", Type: aip.String, Convert: resourceID("managers/", "managers/E3002")},
		// The primary manager's org unit and its whole subtree.
		"org_unit": {Column: "m.org_unit_id", Type: aip.String, Convert: resourceID("orgUnits/", "orgUnits/branch-east"), Match: inSubtree},
		"kind": {Column: "c.kind", Type: aip.Enum, Enum: map[string]any{
			"KIND_RETAIL_OUTLET": 1, "KIND_INDIVIDUAL": 2, "KIND_CORPORATE": 3, "RETAIL_OUTLET": 1, "INDIVIDUAL": 2, "CORPORATE": 3}},
		"area_type": {Column: "c.area_type", Type: aip.Enum, Enum: map[string]any{
			"AREA_TYPE_URBAN": 1, "AREA_TYPE_TOWN": 2, "AREA_TYPE_VILLAGE": 3, "URBAN": 1, "TOWN": 2, "VILLAGE": 3}},
		"visit_method": {Column: "c.visit_method", Type: aip.Enum, Enum: map[string]any{
			"VISIT_METHOD_UNSPECIFIED": 0, "VISIT_METHOD_IN_PERSON": 1, "VISIT_METHOD_PHONE": 2, "VISIT_METHOD_ONLINE": 3,
			"IN_PERSON": 1, "PHONE": 2, "ONLINE": 3}},
		"classification": {Column: "c.classification", Type: aip.String, Orderable: true},
		"display_name":   {Column: "c.display_name", Type: aip.String, Orderable: true},
		"create_time":    {Column: "c.create_time", Type: aip.Timestamp, Orderable: true},
		"update_time":    {Column: "c.update_time", Type: aip.Timestamp, Orderable: true},
	},
	DefaultOrder:    "display_name",
	Tiebreak:        "c.id",
	DefaultPageSize: 50,
	MaxPageSize:     1000,
}

// customerVisible is the SQL condition for Scope.Sees.
func customerVisible(s customer.Scope) (string, []any) {
	switch {
	case s.All:
		return "1 = 1", nil
	case s.Path != "":
		return "(substr(ou.path, 1, length($1)) = $1 OR c.primary_manager_id = $2 OR c.backup_manager_id = $2)", []any{s.Path, s.Self}
	default:
		return "(c.primary_manager_id = $1 OR c.backup_manager_id = $1)", []any{s.Self}
	}
}

// List reads one page of the customers scope sees, and how many match in all. A
// page made before at the current data version is reused (see listCache).
func (r *Customers) List(ctx context.Context, req aip.Request, scope customer.Scope) ([]customer.Customer, string, int, error) {
	if r.db.InTransaction(ctx) {
		// Inside a transaction the version may count its own uncommitted writes.
		return r.list(ctx, req, scope)
	}
	version, err := r.listVersion(ctx)
	if err != nil {
		return nil, "", 0, err
	}
	key := listKey(scope, req.Filter, req.OrderBy, req.PageToken, req.PageSize) + "\x00" + req.Scope
	if p, ok := r.pages.get(key, version); ok {
		return p.list, p.next, p.total, nil
	}
	list, next, total, err := r.list(ctx, req, scope)
	if err == nil {
		r.pages.put(cachedPage{key: key, version: version, list: list, next: next, total: total})
	}
	return list, next, total, err
}

// list reads one page from the database.
func (r *Customers) list(ctx context.Context, req aip.Request, scope customer.Scope) ([]customer.Customer, string, int, error) {
	cond, args := customerVisible(scope)
	q, err := customerListSchema.Compile(req, len(args)+1)
	if err != nil {
		return nil, "", 0, err
	}
	where := q.WhereClause(cond)
	joined := needsJoin(where) || needsJoin(q.OrderBy)
	columns, from := customerOwnColumns, ` FROM customers c`
	if joined {
		columns, from = customerColumns, customerFrom
	}
	rows, err := r.db.Q(ctx).QueryContext(ctx,
		fmt.Sprintf(`SELECT %s%s%s ORDER BY %s LIMIT %d`, columns, from, where, q.OrderBy, q.Limit),
		append(args, q.Args...)...)
	if err != nil {
		return nil, "", 0, err
	}
	list, err := storage.Collect(rows, scanCustomer)
	if err != nil {
		return nil, "", 0, err
	}
	if !joined {
		if err := r.fillOrgUnits(ctx, list); err != nil {
			return nil, "", 0, err
		}
	}
	next := ""
	if len(list) > q.PageSize {
		list = list[:q.PageSize]
		last := list[len(list)-1]
		if next, err = q.NextPageToken(map[string]any{
			"c.display_name": last.DisplayName, "c.classification": last.Classification,
			"c.create_time": last.CreateTime, "c.update_time": last.UpdateTime, "c.id": last.ID,
		}); err != nil {
			return nil, "", 0, err
		}
	}
	if req.PageToken == "" && next == "" {
		return list, "", len(list), nil // one page holds them all: no need to count
	}
	req.PageToken = ""
	cq, err := customerListSchema.Compile(req, len(args)+1)
	if err != nil {
		return nil, "", 0, err
	}
	where = cq.WhereClause(cond)
	from = ` FROM customers c`
	if needsJoin(where) {
		from = customerFrom // the joins only when the condition needs them: counting 200,000 rows stays cheap
	}
	var total int
	err = r.db.Q(ctx).QueryRowContext(ctx, `SELECT count(*)`+from+where, append(args, cq.Args...)...).Scan(&total)
	return list, next, total, err
}

// needsJoin reports whether an SQL fragment refers to the joined manager or org unit.
func needsJoin(sql string) bool { return strings.Contains(sql, "ou.") || strings.Contains(sql, "m.") }

// fillOrgUnits sets the org unit of customers read without the join: their
// primary managers' current units, read once per manager.
func (r *Customers) fillOrgUnits(ctx context.Context, list []customer.Customer) error {
	type unit struct{ id, path string }
	units := map[string]unit{}
	var ids []string
	for _, c := range list {
		if _, ok := units[c.PrimaryManagerID]; !ok {
			units[c.PrimaryManagerID] = unit{}
			ids = append(ids, c.PrimaryManagerID)
		}
	}
	for start := 0; start < len(ids); start += customerChunk {
		part := ids[start:min(start+customerChunk, len(ids))]
		rows, err := r.db.Q(ctx).QueryContext(ctx, `SELECT m.id, m.org_unit_id, ou.path FROM managers m
			JOIN org_units ou ON ou.id = m.org_unit_id WHERE m.id IN (`+storage.Placeholders(1, len(part))+`)`, storage.Args(part)...)
		if err != nil {
			return err
		}
		found, err := storage.Collect(rows, func(row storage.Row) (struct{ manager, id, path string }, error) {
			var u struct{ manager, id, path string }
			err := row.Scan(&u.manager, &u.id, &u.path)
			return u, err
		})
		if err != nil {
			return err
		}
		for _, u := range found {
			units[u.manager] = unit{u.id, u.path}
		}
	}
	for i := range list {
		u := units[list[i].PrimaryManagerID]
		list[i].OrgUnitID, list[i].OrgPath = u.id, u.path
	}
	return nil
}

// Exists answers which of ids are customers already.
func (r *Customers) Exists(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(ids); start += customerChunk {
		part := ids[start:min(start+customerChunk, len(ids))]
		rows, err := r.db.Q(ctx).QueryContext(ctx, `SELECT id FROM customers WHERE id IN (`+storage.Placeholders(1, len(part))+`)`, storage.Args(part)...)
		if err != nil {
			return nil, err
		}
		found, err := storage.Collect(rows, scanString)
		if err != nil {
			return nil, err
		}
		for _, id := range found {
			out[id] = true
		}
	}
	return out, nil
}

// Insert adds customers (their org unit is not stored: it is the manager's).
func (r *Customers) Insert(ctx context.Context, cs ...customer.Customer) error {
	for start := 0; start < len(cs); start += r.db.BatchRows() {
		part := cs[start:min(start+r.db.BatchRows(), len(cs))]
		next := r.db.Params()
		args := make([]any, 0, len(part)*15)
		values := make([]string, len(part))
		for i, c := range part {
			values[i] = "(" + next(15) + ")"
			var lat, lng any
			if c.Location != nil {
				lat, lng = c.Location.Lat, c.Location.Lng
			}
			args = append(args, c.ID, c.DisplayName, int(c.Kind), c.Classification, c.Address, lat, lng,
				int(c.AreaType), int(c.VisitMethod), c.PrimaryManagerID, nullable(c.BackupManagerID), c.AssignmentStart,
				c.Revision, c.CreateTime, c.UpdateTime)
		}
		_, err := r.db.Q(ctx).ExecContext(ctx, `INSERT INTO customers (id, display_name, kind, classification, address,
			latitude, longitude, area_type, visit_method, primary_manager_id, backup_manager_id, assignment_start,
			revision, create_time, update_time) VALUES `+strings.Join(values, ", "), args...)
		if storage.IsUniqueViolation(err) {
			return fmt.Errorf("%w: a customer with one of these codes was created meanwhile; read and retry", customer.ErrAlreadyExists)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Update writes every stored field of c when its revision is still prevRevision.
func (r *Customers) Update(ctx context.Context, c customer.Customer, prevRevision int64) error {
	var lat, lng any
	if c.Location != nil {
		lat, lng = c.Location.Lat, c.Location.Lng
	}
	res, err := r.db.Q(ctx).ExecContext(ctx, `UPDATE customers SET display_name = $2, classification = $3, address = $4,
		latitude = $5, longitude = $6, area_type = $7, visit_method = $8, primary_manager_id = $9,
		backup_manager_id = $10, assignment_start = $11, revision = $12, update_time = $13
		WHERE id = $1 AND revision = $14`,
		c.ID, c.DisplayName, c.Classification, c.Address, lat, lng, int(c.AreaType), int(c.VisitMethod),
		c.PrimaryManagerID, nullable(c.BackupManagerID), c.AssignmentStart, c.Revision, c.UpdateTime, prevRevision)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("%w (customers/%s)", apierr.ErrEtagMismatch, c.ID)
	}
	return nil
}

// Portfolio lists the customers managerID serves as primary manager, by id, with
// the fields a handover needs (id, managers, assignment start, revision).
func (r *Customers) Portfolio(ctx context.Context, managerID string) ([]customer.Customer, error) {
	rows, err := r.db.Q(ctx).QueryContext(ctx, `SELECT id, primary_manager_id, COALESCE(backup_manager_id, ''),
		assignment_start, revision FROM customers WHERE primary_manager_id = $1 ORDER BY id`, managerID)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, scanLight)
}

// PrimarySince lists the customers of the given primary managers whose assignment
// began before a day (id, manager, assignment start).
func (r *Customers) PrimarySince(ctx context.Context, managerIDs []string, before civil.Date) ([]customer.Customer, error) {
	var out []customer.Customer
	for start := 0; start < len(managerIDs); start += customerChunk {
		part := managerIDs[start:min(start+customerChunk, len(managerIDs))]
		rows, err := r.db.Q(ctx).QueryContext(ctx, `SELECT id, primary_manager_id, COALESCE(backup_manager_id, ''),
			assignment_start, revision FROM customers WHERE assignment_start < $1 AND primary_manager_id IN (`+storage.Placeholders(2, len(part))+`)
			ORDER BY primary_manager_id, assignment_start, id`, append([]any{before}, storage.Args(part)...)...)
		if err != nil {
			return nil, err
		}
		found, err := storage.Collect(rows, scanLight)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	return out, nil
}

func scanLight(row storage.Row) (customer.Customer, error) {
	var c customer.Customer
	err := row.Scan(&c.ID, &c.PrimaryManagerID, &c.BackupManagerID, &c.AssignmentStart, &c.Revision)
	return c, err
}

// Loads counts the primary customers of each of managerIDs (absent: none).
func (r *Customers) Loads(ctx context.Context, managerIDs []string) (map[string]int, error) {
	out := map[string]int{}
	for start := 0; start < len(managerIDs); start += customerChunk {
		part := managerIDs[start:min(start+customerChunk, len(managerIDs))]
		rows, err := r.db.Q(ctx).QueryContext(ctx, `SELECT primary_manager_id, count(*) FROM customers
			WHERE primary_manager_id IN (`+storage.Placeholders(1, len(part))+`) GROUP BY primary_manager_id`, storage.Args(part)...)
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer rows.Close()
			for rows.Next() {
				var id string
				var n int
				if err := rows.Scan(&id, &n); err != nil {
					return err
				}
				out[id] = n
			}
			return rows.Err()
		}()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// BackupCount counts the customers managerID serves as backup manager.
func (r *Customers) BackupCount(ctx context.Context, managerID string) (int, error) {
	var n int
	err := r.db.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM customers WHERE backup_manager_id = $1`, managerID).Scan(&n)
	return n, err
}

// Reassign makes to the primary manager of customers (as Portfolio reads them) from
// a day on, in a few set-based statements per 500 customers: it ends their current
// assignments, updates the customers (a backup who becomes primary stops being
// backup) and starts their new assignments.
func (r *Customers) Reassign(ctx context.Context, to string, customers []customer.Customer, start civil.Date, reason, by string, now time.Time) error {
	q := r.db.Q(ctx)
	for first := 0; first < len(customers); first += customerChunk {
		part := customers[first:min(first+customerChunk, len(customers))]
		ids := make([]any, len(part))
		next := make([]customer.Assignment, len(part))
		for i, c := range part {
			ids[i] = c.ID
			backup := c.BackupManagerID
			if backup == to {
				backup = ""
			}
			next[i] = customer.Assignment{CustomerID: c.ID, PrimaryManagerID: to, BackupManagerID: backup, Start: start,
				Reason: reason, RecordedBy: by, RecordTime: now}
		}
		if _, err := q.ExecContext(ctx, `UPDATE customer_assignments SET end_date = $1
			WHERE end_date IS NULL AND customer_id IN (`+storage.Placeholders(2, len(ids))+`)`, append([]any{start}, ids...)...); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `UPDATE customers SET primary_manager_id = $1,
			backup_manager_id = CASE WHEN backup_manager_id = $1 THEN NULL ELSE backup_manager_id END,
			assignment_start = $2, revision = revision + 1, update_time = $3
			WHERE id IN (`+storage.Placeholders(4, len(ids))+`)`, append([]any{to, start, now}, ids...)...); err != nil {
			return err
		}
		if err := r.StartAssignments(ctx, next...); err != nil {
			return err
		}
	}
	return nil
}

const assignmentColumns = `customer_id, primary_manager_id, backup_manager_id, start_date, end_date, reason, recorded_by, record_time`

// StartAssignments records new assignment periods, each after its customer's last.
// The customers' current periods must have been ended (EndAssignment, Reassign).
func (r *Customers) StartAssignments(ctx context.Context, as ...customer.Assignment) error {
	for start := 0; start < len(as); start += r.db.BatchRows() {
		part := as[start:min(start+r.db.BatchRows(), len(as))]
		next := r.db.Params()
		args := make([]any, 0, len(part)*9)
		values := make([]string, len(part))
		for i, a := range part {
			values[i] = fmt.Sprintf("(%s, (SELECT COALESCE(max(x.seq), 0) + 1 FROM customer_assignments x WHERE x.customer_id = %s), %s)",
				next(1), next(1), next(7))
			args = append(args, a.CustomerID, a.CustomerID, a.PrimaryManagerID, a.BackupManagerID, a.Start, a.End, a.Reason,
				a.RecordedBy, a.RecordTime)
		}
		if _, err := r.db.Q(ctx).ExecContext(ctx, `INSERT INTO customer_assignments (customer_id, seq, primary_manager_id,
			backup_manager_id, start_date, end_date, reason, recorded_by, record_time) VALUES `+strings.Join(values, ", "), args...); err != nil {
			return err
		}
	}
	return nil
}

// EndAssignment ends a customer's current assignment period on a day.
func (r *Customers) EndAssignment(ctx context.Context, customerID string, end civil.Date) error {
	_, err := r.db.Q(ctx).ExecContext(ctx, `UPDATE customer_assignments SET end_date = $1
		WHERE customer_id = $2 AND end_date IS NULL`, end, customerID)
	return err
}

// Assignments reads a customer's assignment periods, oldest first.
func (r *Customers) Assignments(ctx context.Context, customerID string) ([]customer.Assignment, error) {
	rows, err := r.db.Q(ctx).QueryContext(ctx, `SELECT `+assignmentColumns+` FROM customer_assignments
		WHERE customer_id = $1 ORDER BY seq`, customerID)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, func(row storage.Row) (customer.Assignment, error) {
		var a customer.Assignment
		err := row.Scan(&a.CustomerID, &a.PrimaryManagerID, &a.BackupManagerID, &a.Start, &a.End, &a.Reason, &a.RecordedBy, &a.RecordTime)
		a.RecordTime = a.RecordTime.UTC()
		return a, err
	})
}

// Settings reads the capacity settings.
func (r *Customers) Settings(ctx context.Context) (customer.Settings, error) {
	var s customer.Settings
	err := r.db.Q(ctx).QueryRowContext(ctx, `SELECT corporate_capacity, retail_capacity, micro_capacity, revision
		FROM portfolio_settings WHERE id = 1`).Scan(&s.Corporate, &s.Retail, &s.Micro, &s.Revision)
	if errors.Is(err, sql.ErrNoRows) { // the migration seeds the row; a restored backup may lack it
		return customer.DefaultSettings, nil
	}
	return s, err
}

// SaveSettings writes the capacity settings when their revision is still
// prevRevision.
func (r *Customers) SaveSettings(ctx context.Context, s customer.Settings, prevRevision int64) error {
	res, err := r.db.Q(ctx).ExecContext(ctx, `UPDATE portfolio_settings SET corporate_capacity = $1, retail_capacity = $2,
		micro_capacity = $3, revision = $4 WHERE id = 1 AND revision = $5`, s.Corporate, s.Retail, s.Micro, s.Revision, prevRevision)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("%w (portfolioSettings)", apierr.ErrEtagMismatch)
	}
	return nil
}

// portfolioLock names the PostgreSQL advisory lock that serialises portfolio writes.
const portfolioLock = 0x726f737465720003 // "roster" + migration 3

// Lock serialises the portfolio writes of concurrent transactions until the
// calling transaction ends, so that a capacity check and the assignment it allows
// are one step, and so that change-feed sequences are taken in commit order. On
// SQLite every write transaction already holds the database's single write lock
// from BEGIN; on PostgreSQL this takes a transaction-level advisory lock (taking it
// again in the same transaction is free). Call it inside a transaction, first thing
// in a use case that writes customers: taking it late (after row locks) could
// deadlock with a transaction that took it early.
func (r *Customers) Lock(ctx context.Context) error {
	if r.db.Dialect() != storage.Postgres {
		return nil
	}
	_, err := r.db.Q(ctx).ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(portfolioLock))
	return err
}

type changePayload struct {
	Customer string          `json:"customer,omitempty"`
	Moves    []customer.Move `json:"moves,omitempty"`
	Reason   string          `json:"reason,omitempty"`
}

// AppendChanges writes changes to the outbox in the calling transaction, numbering
// them after the last sequence, and answers them numbered.
//
// Sequences must grow in commit order, or a consumer that has read sequence n could
// later miss a row n-1 committed after it. Numbering "max + 1" under Lock gives
// that: the lock is held until the transaction commits, so the next writer numbers
// its rows only after this transaction's rows are visible (on PostgreSQL a
// transaction becomes visible before its locks are released), and no row with a
// lower sequence can commit later. A database sequence (SERIAL) would not: numbers
// are taken at insert, and transactions commit in any order.
func (r *Customers) AppendChanges(ctx context.Context, changes ...customer.Change) ([]customer.Change, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	if err := r.Lock(ctx); err != nil {
		return nil, err
	}
	q := r.db.Q(ctx)
	var last int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(max(sequence), 0) FROM portfolio_outbox`).Scan(&last); err != nil {
		return nil, err
	}
	now := storage.Now()
	out := make([]customer.Change, len(changes))
	for start := 0; start < len(changes); start += r.db.BatchRows() {
		part := changes[start:min(start+r.db.BatchRows(), len(changes))]
		next := r.db.Params()
		args := make([]any, 0, len(part)*4)
		values := make([]string, len(part))
		for i, c := range part {
			last++
			c.Sequence, c.Time = last, now
			out[start+i] = c
			payload, err := json.Marshal(changePayload{Customer: c.CustomerID, Moves: c.Moves, Reason: c.Reason})
			if err != nil {
				return nil, err
			}
			values[i] = "(" + next(4) + ")"
			args = append(args, c.Sequence, int(c.Kind), string(payload), c.Time)
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO portfolio_outbox (sequence, kind, payload, change_time) VALUES `+
			strings.Join(values, ", "), args...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Changes reads up to limit changes after a sequence, in order.
func (r *Customers) Changes(ctx context.Context, after int64, limit int) ([]customer.Change, error) {
	rows, err := r.db.Q(ctx).QueryContext(ctx, `SELECT sequence, kind, payload, change_time FROM portfolio_outbox
		WHERE sequence > $1 ORDER BY sequence LIMIT `+strconv.Itoa(limit), after)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, func(row storage.Row) (customer.Change, error) {
		var c customer.Change
		var payload string
		if err := row.Scan(&c.Sequence, &c.Kind, &payload, &c.Time); err != nil {
			return c, err
		}
		c.Time = c.Time.UTC()
		var p changePayload
		if err := json.Unmarshal([]byte(payload), &p); err != nil {
			return c, fmt.Errorf("portfolio change %d: stored payload: %w", c.Sequence, err)
		}
		c.CustomerID, c.Moves, c.Reason = p.Customer, p.Moves, p.Reason
		return c, nil
	})
}

func scanString(row storage.Row) (string, error) {
	var s string
	err := row.Scan(&s)
	return s, err
}
