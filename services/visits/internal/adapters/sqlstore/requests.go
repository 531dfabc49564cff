package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/storage"
)

// RequestWindow is how long a manager has to answer a customer's request.
const RequestWindow = 24 * time.Hour

// Request is a customer's request (an online message) to their manager.
type Request struct {
	ID           string
	CustomerID   string
	CustomerName string // as the service knows the customer now (read only)
	ManagerID    string // who holds it now
	OrgUnitID    string // the customer's unit when it was received
	OrgPath      string
	Channel      string
	Text         string
	ReceiveTime  time.Time
	Deadline     time.Time // ReceiveTime + RequestWindow
	Answer       string
	AnsweredBy   string
	AnswerTime   time.Time // zero until answered
	Handovers    []RequestHandover
	CreateTime   time.Time
}

// RequestHandover is one move of an open request with its customer.
type RequestHandover struct {
	From, To string
	Time     time.Time
}

// RequestState is where a request is; it depends on when it is read.
type RequestState int

// The states, numbered as in the API.
const (
	RequestOpen     RequestState = 1 // unanswered, before its deadline
	RequestOverdue  RequestState = 2 // unanswered at or after its deadline: escalated
	RequestAnswered RequestState = 3
)

func (s RequestState) String() string {
	switch s {
	case RequestOpen:
		return "OPEN"
	case RequestOverdue:
		return "OVERDUE"
	case RequestAnswered:
		return "ANSWERED"
	}
	return "RequestState(" + strconv.Itoa(int(s)) + ")"
}

// Answered reports whether the request has its answer.
func (r Request) Answered() bool { return !r.AnswerTime.IsZero() }

// State is the request's state at now. stateSQL says the same in SQL.
func (r Request) State(now time.Time) RequestState {
	switch {
	case r.Answered():
		return RequestAnswered
	case !now.Before(r.Deadline):
		return RequestOverdue
	}
	return RequestOpen
}

// InTime reports whether it was answered within RequestWindow of its receipt.
func (r Request) InTime() bool { return r.Answered() && !r.AnswerTime.After(r.Deadline) }

// ResponseTime is the time from receipt to answer (0 while unanswered).
func (r Request) ResponseTime() time.Duration {
	if !r.Answered() {
		return 0
	}
	return r.AnswerTime.Sub(r.ReceiveTime)
}

// EscalateTime is when the request was escalated to the supervisors (its
// deadline) if it was answered late or is overdue at now; else zero.
func (r Request) EscalateTime(now time.Time) time.Time {
	if (r.Answered() && !r.InTime()) || r.State(now) == RequestOverdue {
		return r.Deadline
	}
	return time.Time{}
}

// stateSQL is the state at the time bound to placeholder now, as Request.State
// computes it.
func stateSQL(now string) string {
	return "(CASE WHEN answer_time IS NOT NULL THEN 3 WHEN deadline <= " + now + " THEN 2 ELSE 1 END)"
}

// storedTime is a time as stored: UTC at PostgreSQL's precision, so that SQLite's
// textual comparisons order it correctly and it reads back equal.
func storedTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

const requestColumns = `id, customer_id,
	COALESCE((SELECT c.display_name FROM customers c WHERE c.id = customer_requests.customer_id), ''),
	manager_id, org_unit_id, org_path, channel, text, receive_time, deadline, answer, answered_by, answer_time, create_time`

func scanRequest(row storage.Row, extra ...any) (Request, error) {
	var r Request
	var answered sql.NullTime
	if err := row.Scan(append([]any{&r.ID, &r.CustomerID, &r.CustomerName, &r.ManagerID, &r.OrgUnitID, &r.OrgPath,
		&r.Channel, &r.Text, &r.ReceiveTime, &r.Deadline, &r.Answer, &r.AnsweredBy, &answered, &r.CreateTime}, extra...)...); err != nil {
		return r, err
	}
	r.ReceiveTime, r.Deadline, r.CreateTime = r.ReceiveTime.UTC(), r.Deadline.UTC(), r.CreateTime.UTC()
	if answered.Valid {
		r.AnswerTime = answered.Time.UTC()
	}
	return r, nil
}

// InsertRequest adds a new request (its handovers are not stored).
func (s *Store) InsertRequest(ctx context.Context, r Request) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO customer_requests (id, customer_id, manager_id, org_unit_id, org_path,
		channel, text, receive_time, deadline, create_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		r.ID, r.CustomerID, r.ManagerID, r.OrgUnitID, r.OrgPath, r.Channel, r.Text, storedTime(r.ReceiveTime), storedTime(r.Deadline),
		storedTime(r.CreateTime))
	if storage.IsUniqueViolation(err) {
		return fmt.Errorf("%w: requests/%s exists already", ErrConflict, r.ID)
	}
	return err
}

// Request reads one request with its handovers.
func (s *Store) Request(ctx context.Context, id string) (Request, error) {
	r, err := scanRequest(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+requestColumns+` FROM customer_requests WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%w: requests/%s", ErrNotFound, id)
	}
	if err != nil {
		return r, err
	}
	rs := []Request{r}
	err = s.withHandovers(ctx, rs)
	return rs[0], err
}

// withHandovers fills in the handovers of rs, oldest first.
func (s *Store) withHandovers(ctx context.Context, rs []Request) error {
	if len(rs) == 0 {
		return nil
	}
	ids := make([]string, len(rs))
	at := make(map[string]int, len(rs))
	for i, r := range rs {
		ids[i], at[r.ID] = r.ID, i
	}
	type move struct {
		request string
		seq     int
		RequestHandover
	}
	moves, err := storage.QueryIn(ctx, s.db, `SELECT request_id, seq, from_manager_id, to_manager_id, handover_time
		FROM customer_request_handovers WHERE request_id IN (`, nil, ids, func(row storage.Row) (move, error) {
		var m move
		err := row.Scan(&m.request, &m.seq, &m.From, &m.To, &m.Time)
		m.Time = m.Time.UTC()
		return m, err
	})
	if err != nil {
		return err
	}
	sort.Slice(moves, func(i, j int) bool { return moves[i].seq < moves[j].seq })
	for _, m := range moves {
		i := at[m.request]
		rs[i].Handovers = append(rs[i].Handovers, m.RequestHandover)
	}
	return nil
}

// AnswerRequest stores the answer of a request that is still unanswered and held
// by manager; else (answered or moved meanwhile) ErrConflict. Two racing answers:
// exactly one is stored.
func (s *Store) AnswerRequest(ctx context.Context, id, manager, answer, by string, at time.Time) error {
	res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE customer_requests SET answer = $1, answered_by = $2, answer_time = $3
		WHERE id = $4 AND manager_id = $5 AND answer_time IS NULL`, answer, by, storedTime(at), id, manager)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("%w: requests/%s was answered or handed over meanwhile", ErrConflict, id)
	}
	return nil
}

// MoveOpenRequests hands the customer's unanswered requests held by from to to,
// keeping their deadlines and recording the move at at in their handover history.
// Applying the same move twice changes nothing the second time.
func (s *Store) MoveOpenRequests(ctx context.Context, customer, from, to string, at time.Time) error {
	if from == to {
		return nil
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		rows, err := s.db.Q(ctx).QueryContext(ctx, `UPDATE customer_requests SET manager_id = $1
			WHERE customer_id = $2 AND manager_id = $3 AND answer_time IS NULL RETURNING id`, to, customer, from)
		if err != nil {
			return err
		}
		ids, err := storage.Collect(rows, func(row storage.Row) (string, error) {
			var id string
			return id, row.Scan(&id)
		})
		if err != nil {
			return err
		}
		sort.Strings(ids)
		for _, id := range ids {
			if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO customer_request_handovers (request_id, seq, from_manager_id,
				to_manager_id, handover_time) VALUES ($1, (SELECT count(*) + 1 FROM customer_request_handovers WHERE request_id = $1),
				$2, $3, $4)`, id, from, to, storedTime(at)); err != nil {
				return err
			}
		}
		return nil
	})
}

// requestListSchema is what ListRequests accepts; state compares the state at the
// time bound to placeholder now.
func requestListSchema(now string) aip.Schema {
	return aip.Schema{
		Fields: map[string]aip.Field{
			"state": {Column: "answer_time", Type: aip.Enum, Enum: map[string]any{
				"OPEN": int(RequestOpen), "OVERDUE": int(RequestOverdue), "ANSWERED": int(RequestAnswered),
				"STATE_OPEN": int(RequestOpen), "STATE_OVERDUE": int(RequestOverdue), "STATE_ANSWERED": int(RequestAnswered)},
				Match: func(op, ph string) string { return stateSQL(now) + " " + op + " " + ph }},
			"customer":     {Column: "customer_id", Type: aip.String, Convert: resourceID("customers/", "customers/C001")},
			"receive_time": {Column: "receive_time", Type: aip.Timestamp, Orderable: true},
		},
		DefaultOrder:    "receive_time desc",
		Tiebreak:        "id",
		DefaultPageSize: 50,
		MaxPageSize:     500,
	}
}

// ListRequests reads one page of the requests that scope and manager allow and
// req selects, newest receipt first; a state filter means the state at now.
func (s *Store) ListRequests(ctx context.Context, req aip.Request, scope Scope, manager string, now time.Time) ([]Request, string, error) {
	cond, args := visible(scope, manager)
	// now takes the placeholder after the scope's; the select list always uses it
	// (so that it is bound whether or not the filter names a state).
	args = append(args, storedTime(now))
	nowPH := "$" + strconv.Itoa(len(args))
	q, err := requestListSchema(nowPH).Compile(req, len(args)+1)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+requestColumns+`, `+stateSQL(nowPH)+` FROM customer_requests`+
		q.WhereClause(cond)+" ORDER BY "+q.OrderBy+" LIMIT "+strconv.Itoa(q.Limit), append(args, q.Args...)...)
	if err != nil {
		return nil, "", err
	}
	out, err := storage.Collect(rows, func(row storage.Row) (Request, error) {
		var state int
		return scanRequest(row, &state)
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > q.PageSize {
		out = out[:q.PageSize]
		last := out[len(out)-1]
		if next, err = q.NextPageToken(map[string]any{"receive_time": last.ReceiveTime, "id": last.ID}); err != nil {
			return nil, "", err
		}
	}
	return out, next, s.withHandovers(ctx, out)
}

// RequestCount is a manager's requests received in a period, as of a moment.
type RequestCount struct {
	Received int // all
	Counted  int // answered, or unanswered past their deadline: those whose 24-hour outcome is known
	InTime   int // answered within 24 hours
	Open     int // unanswered, before their deadline
	Overdue  int // unanswered, past their deadline
}

// RequestCounts counts, for each manager (every manager when managers is nil),
// the requests received in [from, to) that they hold, as of now. Managers without
// any are absent from the map.
func (s *Store) RequestCounts(ctx context.Context, managers []string, from, to, now time.Time) (map[string]RequestCount, error) {
	const query = `SELECT manager_id, count(*),
		COALESCE(SUM(CASE WHEN answer_time IS NOT NULL OR deadline <= $3 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN answer_time IS NOT NULL AND answer_time <= deadline THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN answer_time IS NULL AND deadline > $3 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN answer_time IS NULL AND deadline <= $3 THEN 1 ELSE 0 END), 0)
		FROM customer_requests WHERE receive_time >= $1 AND receive_time < $2`
	args := []any{storedTime(from), storedTime(to), storedTime(now)}
	out := map[string]RequestCount{}
	run := func(query string, args []any) error {
		rows, err := s.db.Q(ctx).QueryContext(ctx, query+" GROUP BY manager_id", args...)
		if err != nil {
			return err
		}
		type counted struct {
			manager string
			RequestCount
		}
		found, err := storage.Collect(rows, func(row storage.Row) (counted, error) {
			var c counted
			return c, row.Scan(&c.manager, &c.Received, &c.Counted, &c.InTime, &c.Open, &c.Overdue)
		})
		for _, c := range found {
			out[c.manager] = c.RequestCount
		}
		return err
	}
	if managers == nil {
		return out, run(query, args)
	}
	const chunk = 400 // values of one IN list (the GROUP BY after it rules out storage.QueryIn)
	for start := 0; start < len(managers); start += chunk {
		part := managers[start:min(start+chunk, len(managers))]
		if err := run(query+" AND manager_id IN ("+storage.Placeholders(len(args)+1, len(part))+")",
			append(append([]any{}, args...), storage.Args(part)...)); err != nil {
			return out, err
		}
	}
	return out, nil
}

// OpenRequests counts the unanswered requests manager holds, whenever received:
// those still within their deadline at now (open) and those past it (overdue).
func (s *Store) OpenRequests(ctx context.Context, manager string, now time.Time) (open, overdue int, err error) {
	err = s.db.Q(ctx).QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN deadline > $2 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN deadline <= $2 THEN 1 ELSE 0 END), 0)
		FROM customer_requests WHERE manager_id = $1 AND answer_time IS NULL`, manager, storedTime(now)).Scan(&open, &overdue)
	return open, overdue, err
}
