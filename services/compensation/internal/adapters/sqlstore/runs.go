package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/compensation/internal/app"
)

const runColumns = `r.id, r.period, r.org_unit_id, r.org_path, r.state, r.generation, r.config_key, r.config_name, r.config_revision,
	r.basis, r.payslips, r.warned, r.adjusted, r.gross_fen, r.deductions_fen, r.net_fen, r.approval, r.rejection, r.operation_id,
	r.created_by, r.submitted_by, r.approved_by, r.create_time, r.update_time, r.lock_time, r.revision`

const opColumns = `o.id, o.run_id, o.generation, o.state, o.phase, o.percent, o.total, o.changed, o.error, o.cancel_requested,
	o.lease_owner, o.lease_until, o.requested_by, o.start_time, o.end_time`

func scanRun(row storage.Row) (app.RunRecord, error) {
	var r app.RunRecord
	var gross, deductions, net int64
	var lock sql.NullTime
	err := row.Scan(&r.ID, &r.Period, &r.OrgUnitID, &r.OrgPath, &r.State, &r.Generation, &r.ConfigKey, &r.ConfigName,
		&r.ConfigRevision, &r.Basis, &r.Payslips, &r.Warned, &r.Adjusted, &gross, &deductions, &net, &r.Approval, &r.Rejection,
		&r.OperationID, &r.CreatedBy, &r.SubmittedBy, &r.ApprovedBy, &r.CreateTime, &r.UpdateTime, &lock, &r.Revision)
	r.Gross, r.Deductions, r.Net = money.FromFen(gross), money.FromFen(deductions), money.FromFen(net)
	r.CreateTime, r.UpdateTime = r.CreateTime.UTC(), r.UpdateTime.UTC()
	if lock.Valid {
		r.LockTime = lock.Time.UTC()
	}
	return r, err
}

func scanOp(row storage.Row) (app.OpRecord, error) {
	var o app.OpRecord
	var cancel int
	var end sql.NullTime
	err := row.Scan(&o.ID, &o.RunID, &o.Generation, &o.State, &o.Phase, &o.Percent, &o.Total, &o.Changed, &o.Error, &cancel,
		&o.LeaseOwner, &o.LeaseUntil, &o.RequestedBy, &o.StartTime, &end)
	o.CancelRequested = cancel != 0
	o.LeaseUntil, o.StartTime = o.LeaseUntil.UTC(), o.StartTime.UTC()
	if end.Valid {
		o.EndTime = end.Time.UTC()
	}
	return o, err
}

// scanRunOp reads a run joined with its latest computation.
func scanRunOp(row storage.Row) (app.RunRecord, error) {
	var r app.RunRecord
	var gross, deductions, net int64
	var lock, end sql.NullTime
	var o app.OpRecord
	var opID, opRun, opState, phase, opErr, owner, by sql.NullString
	var gen, percent, total, changed, cancel sql.NullInt64
	var until, start sql.NullTime
	err := row.Scan(&r.ID, &r.Period, &r.OrgUnitID, &r.OrgPath, &r.State, &r.Generation, &r.ConfigKey, &r.ConfigName,
		&r.ConfigRevision, &r.Basis, &r.Payslips, &r.Warned, &r.Adjusted, &gross, &deductions, &net, &r.Approval, &r.Rejection,
		&r.OperationID, &r.CreatedBy, &r.SubmittedBy, &r.ApprovedBy, &r.CreateTime, &r.UpdateTime, &lock, &r.Revision,
		&opID, &opRun, &gen, &opState, &phase, &percent, &total, &changed, &opErr, &cancel, &owner, &until, &by, &start, &end)
	if err != nil {
		return r, err
	}
	r.Gross, r.Deductions, r.Net = money.FromFen(gross), money.FromFen(deductions), money.FromFen(net)
	r.CreateTime, r.UpdateTime = r.CreateTime.UTC(), r.UpdateTime.UTC()
	if lock.Valid {
		r.LockTime = lock.Time.UTC()
	}
	if opID.Valid {
		o = app.OpRecord{ID: opID.String, RunID: opRun.String, Generation: int(gen.Int64), State: app.OpState(opState.String),
			Phase: phase.String, Percent: int(percent.Int64), Total: int(total.Int64), Changed: int(changed.Int64), Error: opErr.String,
			CancelRequested: cancel.Int64 != 0, LeaseOwner: owner.String, LeaseUntil: until.Time.UTC(), RequestedBy: by.String,
			StartTime: start.Time.UTC()}
		if end.Valid {
			o.EndTime = end.Time.UTC()
		}
		r.Op = &o
	}
	return r, nil
}

const runFrom = ` FROM payroll_runs r LEFT JOIN payroll_operations o ON o.id = r.operation_id`

// LockPeriod serialises run creation within a month: the period's row is
// written first, so a second writer waits for the first to finish.
func (s *Store) LockPeriod(ctx context.Context, period string) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO payroll_periods (period, runs) VALUES ($1, 1)
		ON CONFLICT (period) DO UPDATE SET runs = payroll_periods.runs + 1`, period)
	return err
}

// InsertRun adds a run.
func (s *Store) InsertRun(ctx context.Context, r app.RunRecord) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO payroll_runs (id, period, org_unit_id, org_path, state, operation_id,
		created_by, create_time, update_time, revision) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		r.ID, r.Period, r.OrgUnitID, r.OrgPath, string(r.State), r.OperationID, r.CreatedBy, r.CreateTime, r.UpdateTime, r.Revision)
	return exists(err, "a run of orgUnits/%s for %s exists", r.OrgUnitID, r.Period)
}

// Run reads a run with its latest computation.
func (s *Store) Run(ctx context.Context, id string) (app.RunRecord, error) {
	r, err := scanRunOp(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+runColumns+`, `+opColumns+runFrom+` WHERE r.id = $1`, id))
	return r, notFound(err, "payrollRuns/%s", id)
}

var runSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"period":      {Column: "r.period", Type: aip.String, Orderable: true},
		"org_unit":    {Column: "r.org_unit_id", Type: aip.String, Convert: resourceID("orgUnits/", "orgUnits/branch-east")},
		"state":       {Column: "r.state", Type: aip.Enum, Enum: runStates},
		"create_time": {Column: "r.create_time", Type: aip.Timestamp, Orderable: true},
	},
	DefaultOrder:    "period desc",
	Tiebreak:        "r.id",
	DefaultPageSize: 50,
	MaxPageSize:     1000,
}

var runStates = func() map[string]any {
	out := map[string]any{}
	for _, s := range []string{"DRAFT", "COMPUTED", "SUBMITTED", "LOCKED", "DISCARDED"} {
		out[s], out["STATE_"+s] = s, s
	}
	return out
}()

// ListRuns reads one page of the runs under scope's path.
func (s *Store) ListRuns(ctx context.Context, req aip.Request, scope app.Scope) ([]app.RunRecord, string, error) {
	cond, args := scopeCond(scope, "r.org_path", 1)
	return storage.Page(ctx, s.db, runSchema, req, cond, args, `SELECT `+runColumns+`, `+opColumns+runFrom, scanRunOp,
		func(r app.RunRecord) map[string]any {
			return map[string]any{"r.id": r.ID, "r.period": r.Period, "r.create_time": r.CreateTime}
		})
}

// RunsOf reads the runs of a month that are not discarded.
func (s *Store) RunsOf(ctx context.Context, period string) ([]app.RunRecord, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+runColumns+` FROM payroll_runs r WHERE r.period = $1 AND r.state <> 'DISCARDED'`, period)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, scanRun)
}

// LockedRunsBefore reads the locked runs of earlier months.
func (s *Store) LockedRunsBefore(ctx context.Context, period string) ([]app.RunRecord, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+runColumns+` FROM payroll_runs r WHERE r.period < $1 AND r.state = 'LOCKED'
		ORDER BY r.period, r.id`, period)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, scanRun)
}

// UpdateRun writes r if its stored revision is r.Revision-1.
func (s *Store) UpdateRun(ctx context.Context, r app.RunRecord) error {
	var lock any
	if !r.LockTime.IsZero() {
		lock = r.LockTime
	}
	return updated(s.db.Q(ctx).ExecContext(ctx, `UPDATE payroll_runs SET state = $2, generation = $3, config_key = $4,
		config_name = $5, config_revision = $6, basis = $7, payslips = $8, warned = $9, adjusted = $10, gross_fen = $11,
		deductions_fen = $12, net_fen = $13, approval = $14, rejection = $15, operation_id = $16, submitted_by = $17,
		approved_by = $18, update_time = $19, lock_time = $20, revision = $21
		WHERE id = $1 AND revision = $22`,
		r.ID, string(r.State), r.Generation, r.ConfigKey, r.ConfigName, r.ConfigRevision, r.Basis, r.Payslips, r.Warned, r.Adjusted,
		r.Gross.Fen(), r.Deductions.Fen(), r.Net.Fen(), r.Approval, r.Rejection, r.OperationID, r.SubmittedBy, r.ApprovedBy,
		r.UpdateTime, lock, r.Revision, r.Revision-1))
}

// ApprovalState reads an approval's state and decision reason from the
// approvals table pkg/approval keeps in this database.
func (s *Store) ApprovalState(ctx context.Context, id string) (int, string, error) {
	var state int
	var reason string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT state, decide_reason FROM approvals WHERE id = $1`, id).Scan(&state, &reason)
	return state, reason, notFound(err, "approval %s", id)
}

// InsertOperation adds a computation.
func (s *Store) InsertOperation(ctx context.Context, o app.OpRecord) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO payroll_operations (id, run_id, generation, state, phase, lease_until,
		requested_by, start_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		o.ID, o.RunID, o.Generation, string(o.State), o.Phase, o.LeaseUntil, o.RequestedBy, o.StartTime)
	return err
}

// Operation reads one.
func (s *Store) Operation(ctx context.Context, id string) (app.OpRecord, error) {
	o, err := scanOp(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+opColumns+` FROM payroll_operations o WHERE o.id = $1`, id))
	return o, notFound(err, "computation %s", id)
}

// ClaimOperation takes the oldest running computation whose lease has run out.
func (s *Store) ClaimOperation(ctx context.Context, owner string, now, until time.Time) (app.OpRecord, bool, error) {
	o, err := scanOp(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+opColumns+` FROM payroll_operations o
		WHERE o.state = 'RUNNING' AND o.lease_until < $1 ORDER BY o.start_time, o.id LIMIT 1`, now))
	if err == sql.ErrNoRows {
		return o, false, nil
	}
	if err != nil {
		return o, false, err
	}
	res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE payroll_operations SET lease_owner = $2, lease_until = $3
		WHERE id = $1 AND state = 'RUNNING' AND lease_until = $4`, o.ID, owner, until, o.LeaseUntil)
	if err := updated(res, err); err == app.ErrConflict {
		return o, false, nil // taken by another instance first
	} else if err != nil {
		return o, false, err
	}
	o.LeaseOwner, o.LeaseUntil = owner, until
	return o, true, nil
}

// Progress records how far the owner's computation got, renewing its lease.
func (s *Store) Progress(ctx context.Context, o app.OpRecord) (bool, error) {
	if err := updated(s.db.Q(ctx).ExecContext(ctx, `UPDATE payroll_operations SET phase = $3, percent = $4, total = $5,
		lease_until = $6 WHERE id = $1 AND lease_owner = $2 AND state = 'RUNNING'`,
		o.ID, o.LeaseOwner, o.Phase, o.Percent, o.Total, o.LeaseUntil)); err != nil {
		return false, err
	}
	var cancel int
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT cancel_requested FROM payroll_operations WHERE id = $1`, o.ID).Scan(&cancel)
	return cancel != 0, err
}

// FinishOperation records how the owner's computation ended.
func (s *Store) FinishOperation(ctx context.Context, o app.OpRecord) error {
	return updated(s.db.Q(ctx).ExecContext(ctx, `UPDATE payroll_operations SET state = $3, phase = $4, percent = $5, total = $6,
		changed = $7, error = $8, end_time = $9 WHERE id = $1 AND lease_owner = $2 AND state = 'RUNNING'`,
		o.ID, o.LeaseOwner, string(o.State), o.Phase, o.Percent, o.Total, o.Changed, truncate(o.Error, 2000), o.EndTime))
}

// RequestCancel asks a computation to stop.
func (s *Store) RequestCancel(ctx context.Context, id string) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE payroll_operations SET cancel_requested = 1 WHERE id = $1`, id)
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
