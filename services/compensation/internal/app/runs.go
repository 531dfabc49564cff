package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/approval"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/requestid"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

// ActionLock is the maker–checker action that locks a submitted run; the
// approver needs compensation.payroll.approve.
const ActionLock = "compensation.payroll.lock"

// ServiceName is the service's name in approval names.
const ServiceName = "compensation"

// Approvals prepares actions that wait for a second person (maker–checker).
type Approvals interface {
	// Prepare records a pending action in the caller's transaction and
	// returns its name, services/compensation/approvals/{id}.
	Prepare(ctx context.Context, a approval.Action) (string, error)
}

// RunLog hears of every change of a run made by a call (the audit log); the
// lock applied by an approval is one.
type RunLog interface {
	RunChanged(ctx context.Context, before, after *RunRecord, reason string) error
}

// UseApprovals wires maker–checker and the audit log of runs.
func (a *App) UseApprovals(approvals Approvals, log RunLog) { a.approvals, a.runLog = approvals, log }

// approval states, as pkg/approval numbers them.
const (
	approvalRejected  = 3
	approvalWithdrawn = 4
)

// loadRun reads a run and reconciles a submission that was rejected or
// withdrawn (the approvals API decides without telling this service): such a
// run is computed again, reviewable and resubmittable.
func (a *App) loadRun(ctx context.Context, id string) (RunRecord, error) {
	r, err := a.store.Run(ctx, id)
	if err != nil {
		return r, err
	}
	if r.State == Submitted && r.Approval != "" {
		state, reason, err := a.store.ApprovalState(ctx, approvalID(r.Approval))
		if err != nil {
			return r, err
		}
		switch state {
		case approvalRejected:
			r.State, r.Rejection = Computed, reason
		case approvalWithdrawn:
			r.State, r.Rejection = Computed, "withdrawn: "+reason
		}
	}
	return r, nil
}

func approvalID(name string) string { return name[strings.LastIndex(name, "/")+1:] }

// runFor reads a run the caller may see: out of scope it is not found to a
// reader, and a writer is refused.
func (a *App) runFor(ctx context.Context, c Caller, id string, write bool) (RunRecord, error) {
	r, err := a.loadRun(ctx, id)
	if err != nil {
		return r, err
	}
	if !c.covers(r.OrgPath) {
		if write && c.Path != "" {
			return RunRecord{}, fmt.Errorf("%w: payrollRuns/%s pays a unit outside your org subtree", ErrPermission, id)
		}
		return RunRecord{}, fmt.Errorf("%w: payrollRuns/%s", ErrNotFound, id)
	}
	return r, nil
}

// CreateRun creates a run for a month and an org subtree and queues its first
// computation. Runs of one month never overlap: a second run of the same unit,
// of a unit inside it or of one above it is refused.
func (a *App) CreateRun(ctx context.Context, period pay.Period, orgUnit string) (RunRecord, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return RunRecord{}, err
	}
	paths, err := a.orgPaths(ctx, orgUnit)
	if err != nil {
		return RunRecord{}, err
	}
	path, ok := paths[orgUnit]
	if !ok {
		return RunRecord{}, invalid("payroll_run.org_unit", "orgUnits/%s is not an org unit of the roster", orgUnit)
	}
	if !c.covers(path) {
		return RunRecord{}, fmt.Errorf("%w: orgUnits/%s is outside your org subtree", ErrPermission, orgUnit)
	}
	pl, err := a.plans(ctx)
	if err != nil {
		return RunRecord{}, err
	}
	if _, err := pl.at(period); err != nil {
		return RunRecord{}, err
	}
	if err := a.store.LockPeriod(ctx, period.String()); err != nil {
		return RunRecord{}, err
	}
	others, err := a.store.RunsOf(ctx, period.String())
	if err != nil {
		return RunRecord{}, err
	}
	for _, o := range others {
		if strings.HasPrefix(path, o.OrgPath) || strings.HasPrefix(o.OrgPath, path) {
			return RunRecord{}, fmt.Errorf("%w: payrollRuns/%s already pays orgUnits/%s for %s, which overlaps orgUnits/%s; discard it first or run another unit",
				ErrExists, o.ID, o.OrgUnitID, period, orgUnit)
		}
	}
	now := a.now()
	r := RunRecord{ID: requestid.New(), Period: period.String(), OrgUnitID: orgUnit, OrgPath: path, State: Draft,
		CreatedBy: c.Subject, CreateTime: now, UpdateTime: now, Revision: 1}
	op := a.newOp(r, c.Subject)
	r.OperationID, r.Op = op.ID, &op
	if err := a.store.InsertRun(ctx, r); err != nil {
		return r, err
	}
	if err := a.store.InsertOperation(ctx, op); err != nil {
		return r, err
	}
	a.Kick()
	return r, nil
}

func (a *App) newOp(r RunRecord, by string) OpRecord {
	return OpRecord{ID: requestid.New(), RunID: r.ID, Generation: r.Generation + 1, State: OpRunning, Phase: "queued",
		RequestedBy: by, StartTime: a.now(), LeaseUntil: time.Unix(0, 0).UTC()}
}

// running reports whether the run's latest computation has not ended.
func running(r RunRecord) bool { return r.Op != nil && r.Op.State == OpRunning }

// editable refuses changes to a run that is submitted, locked or discarded.
func editable(r RunRecord, what string) error {
	switch r.State {
	case Locked:
		return fmt.Errorf("%w: payrollRuns/%s is locked and never changes; correct it with adjustments in a later month", ErrState, r.ID)
	case Submitted:
		return fmt.Errorf("%w: payrollRuns/%s is submitted for approval (%s); it can be %s once the approval is rejected or withdrawn", ErrState, r.ID, r.Approval, what)
	case Discarded:
		return fmt.Errorf("%w: payrollRuns/%s is discarded", ErrState, r.ID)
	}
	return nil
}

// Recompute queues a new computation of a run from the inputs as they are
// now.
func (a *App) Recompute(ctx context.Context, id string) (before, after RunRecord, err error) {
	c, err := a.caller(ctx)
	if err != nil {
		return before, after, err
	}
	before, err = a.runFor(ctx, c, id, true)
	if err != nil {
		return before, after, err
	}
	if err := editable(before, "recomputed"); err != nil {
		return before, after, err
	}
	if running(before) {
		return before, after, fmt.Errorf("%w: payrollRuns/%s is being computed (%d%%); wait for it or cancel it", ErrState, id, before.Op.Percent)
	}
	after = before
	op := a.newOp(before, c.Subject)
	after.OperationID, after.Op, after.Revision, after.UpdateTime = op.ID, &op, before.Revision+1, a.now()
	if err := a.store.InsertOperation(ctx, op); err != nil {
		return before, after, err
	}
	if err := a.store.UpdateRun(ctx, after); err != nil {
		return before, after, err
	}
	a.Kick()
	return before, after, nil
}

// CancelComputation asks a running computation to stop; the run keeps its
// previous payslips.
func (a *App) CancelComputation(ctx context.Context, id string) (before, after RunRecord, err error) {
	c, err := a.caller(ctx)
	if err != nil {
		return before, after, err
	}
	before, err = a.runFor(ctx, c, id, true)
	if err != nil {
		return before, after, err
	}
	if !running(before) {
		return before, after, fmt.Errorf("%w: payrollRuns/%s has no computation running", ErrState, id)
	}
	if err := a.store.RequestCancel(ctx, before.OperationID); err != nil {
		return before, after, err
	}
	after = before
	op := *before.Op
	op.CancelRequested = true
	after.Op, after.Revision, after.UpdateTime = &op, before.Revision+1, a.now()
	return before, after, a.store.UpdateRun(ctx, after)
}

// Discard gives up a run that is not locked; a running computation is asked
// to stop.
func (a *App) Discard(ctx context.Context, id, reason string) (before, after RunRecord, err error) {
	c, err := a.caller(ctx)
	if err != nil {
		return before, after, err
	}
	before, err = a.runFor(ctx, c, id, true)
	if err != nil {
		return before, after, err
	}
	if err := editable(before, "discarded"); err != nil {
		return before, after, err
	}
	if running(before) {
		if err := a.store.RequestCancel(ctx, before.OperationID); err != nil {
			return before, after, err
		}
	}
	after = before
	after.State, after.Revision, after.UpdateTime, after.Rejection = Discarded, before.Revision+1, a.now(), reason
	return before, after, a.store.UpdateRun(ctx, after)
}

// lockPayload is what the lock approval carries.
type lockPayload struct {
	Run        string `json:"run"`
	Generation int    `json:"generation"`
}

// Submit prepares the lock of a computed run for a second person's approval.
func (a *App) Submit(ctx context.Context, id, etag, reason string) (before, after RunRecord, err error) {
	c, err := a.caller(ctx)
	if err != nil {
		return before, after, err
	}
	before, err = a.runFor(ctx, c, id, true)
	if err != nil {
		return before, after, err
	}
	if err := editable(before, "submitted again"); err != nil {
		return before, after, err
	}
	switch {
	case etag != "" && etag != before.Etag():
		return before, after, fmt.Errorf("%w: payrollRuns/%s changed since you read it; review it again", ErrConflict, id)
	case running(before):
		return before, after, fmt.Errorf("%w: payrollRuns/%s is being computed; submit it when the computation has finished", ErrState, id)
	case before.State != Computed:
		return before, after, fmt.Errorf("%w: payrollRuns/%s has no payslips yet (%s)", ErrState, id, before.State)
	}
	payload, err := json.Marshal(lockPayload{Run: id, Generation: before.Generation})
	if err != nil {
		return before, after, err
	}
	name, err := a.approvals.Prepare(ctx, approval.Action{Action: ActionLock, Object: "payrollRuns/" + id, OrgPath: before.OrgPath,
		Summary: fmt.Sprintf("锁定工资发放 %s orgUnits/%s: %d payslips, gross %s, deductions %s, net %s (generation %d, %s)",
			before.Period, before.OrgUnitID, before.Payslips, before.Gross, before.Deductions, before.Net, before.Generation, before.ConfigName),
		Payload: payload, ApproverPermission: auth.PayrollApprove, Reason: reason})
	if err != nil {
		return before, after, err
	}
	after = before
	after.State, after.Approval, after.SubmittedBy, after.Rejection = Submitted, name, c.Subject, ""
	after.Revision, after.UpdateTime = before.Revision+1, a.now()
	return before, after, a.store.UpdateRun(ctx, after)
}

// ApplyLock is the approval applier of ActionLock: it locks the run as
// submitted, after checking that what it assumed still holds — the pay
// configuration unchanged since it was computed, the commission paid and the
// months settled by other runs since as they were — and records its
// commission and retro settlements.
func (a *App) ApplyLock(ctx context.Context, payload []byte) error {
	var p lockPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return err
	}
	before, err := a.loadRun(ctx, p.Run)
	if err != nil {
		return err
	}
	if before.State != Submitted || before.Generation != p.Generation {
		return fmt.Errorf("%w: payrollRuns/%s is %s at generation %d, not as submitted (generation %d)", ErrState, p.Run, before.State, before.Generation, p.Generation)
	}
	stamp, err := a.store.ConfigStamp(ctx)
	if err != nil {
		return err
	}
	if stamp != before.Basis {
		return fmt.Errorf("%w: the pay configuration changed after payrollRuns/%s was computed; reject this approval, recompute the run and submit it again", ErrState, p.Run)
	}
	claims, err := a.store.Claims(ctx, p.Run, p.Generation)
	if err != nil {
		return err
	}
	if err := a.checkClaims(ctx, claims); err != nil {
		return fmt.Errorf("%w: %v; reject this approval, recompute payrollRuns/%s and submit it again", ErrState, err, p.Run)
	}
	now := a.now()
	if err := a.store.Settle(ctx, before, claims, now); err != nil {
		return err
	}
	after := before
	after.State, after.LockTime, after.Revision, after.UpdateTime = Locked, now, before.Revision+1, now
	if ap, ok := approval.ApplyingFrom(ctx); ok {
		after.ApprovedBy = ap.DecidedBy
	}
	if err := a.store.UpdateRun(ctx, after); err != nil {
		return err
	}
	if a.runLog != nil {
		return a.runLog.RunChanged(ctx, &before, &after, "approved and locked")
	}
	return nil
}

// checkClaims checks that what the run's lines assumed of other locked runs
// still holds.
func (a *App) checkClaims(ctx context.Context, claims []Claim) error {
	var managers []string
	seen := map[string]bool{}
	for _, c := range claims {
		if !seen[c.Manager] {
			seen[c.Manager] = true
			managers = append(managers, c.Manager)
		}
	}
	if len(managers) == 0 {
		return nil
	}
	paid, err := a.store.CommissionPaid(ctx, managers)
	if err != nil {
		return err
	}
	settled, err := a.store.Settlements(ctx, managers)
	if err != nil {
		return err
	}
	for _, c := range claims {
		switch c.Kind {
		case "COMMISSION":
			if now := fmt.Sprint(paid[[2]string{c.Manager, c.Ref}].Fen); now != c.Basis {
				return fmt.Errorf("commission on contract %s of managers/%s was paid by another run since (%s fen then, %s now)", c.Ref, c.Manager, c.Basis, now)
			}
		case "RETRO":
			if s, ok := settled[[2]string{c.Manager, c.Ref}]; ok && s.Key != c.Basis {
				return fmt.Errorf("%s of managers/%s was settled by another run since", c.Ref, c.Manager)
			}
		}
	}
	return nil
}

// Run reads a run the caller may see.
func (a *App) Run(ctx context.Context, id string) (RunRecord, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return RunRecord{}, err
	}
	return a.runFor(ctx, c, id, false)
}

// ListRuns reads one page of the runs the caller may see.
func (a *App) ListRuns(ctx context.Context, req aip.Request) ([]RunRecord, string, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return nil, "", err
	}
	runs, next, err := a.store.ListRuns(ctx, req, c.Scope)
	if err != nil {
		return nil, "", err
	}
	for i, r := range runs {
		if r.State == Submitted {
			if runs[i], err = a.loadRun(ctx, r.ID); err != nil {
				return nil, "", err
			}
		}
	}
	return runs, next, nil
}

// Diffs reads one page of what a generation of a run changed (0: the current
// one) against the one before.
func (a *App) Diffs(ctx context.Context, id string, generation, size int, token string) ([]pay.Change, string, int, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return nil, "", 0, err
	}
	r, err := a.runFor(ctx, c, id, false)
	if err != nil {
		return nil, "", 0, err
	}
	if generation == 0 {
		generation = r.Generation
	}
	if generation < 1 || generation > r.Generation {
		return nil, "", 0, invalid("generation", "payrollRuns/%s has generations 1 to %d", id, r.Generation)
	}
	list, next, err := a.store.Diffs(ctx, id, generation, size, token)
	return list, next, generation, err
}
