package app

import (
	"context"
	"fmt"

	"github.com/rmsuite/rmsuite/pkg/aip"
)

// Payslip reads one manager's payslip of a run's current generation. A
// manager sees their own payslips once the run is locked; HR and the
// committee those in their subtree; everyone else — a supervisor, a peer —
// is told it does not exist.
func (a *App) Payslip(ctx context.Context, run, manager string) (PayslipRecord, RunRecord, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return PayslipRecord{}, RunRecord{}, err
	}
	notFound := fmt.Errorf("%w: payrollRuns/%s/payslips/%s", ErrNotFound, run, manager)
	r, err := a.loadRun(ctx, run)
	if isNotFound(err) {
		return PayslipRecord{}, r, notFound
	}
	if err != nil {
		return PayslipRecord{}, r, err
	}
	if r.Generation == 0 {
		return PayslipRecord{}, r, notFound
	}
	s, err := a.store.Payslip(ctx, run, r.Generation, manager)
	if isNotFound(err) {
		return s, r, notFound
	}
	if err != nil {
		return s, r, err
	}
	own := manager == c.Subject && r.State == Locked
	if !own && !c.covers(s.Manager.OrgPath) {
		return PayslipRecord{}, r, notFound
	}
	s.RunState = r.State
	return s, r, nil
}

// ListPayslips reads one page of the payslips the caller may see, of one run
// or (run "") of every run.
func (a *App) ListPayslips(ctx context.Context, req aip.Request, run string) ([]PayslipRecord, string, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return nil, "", err
	}
	if run != "" {
		if _, err := a.loadRun(ctx, run); err != nil {
			return nil, "", err
		}
	}
	return a.store.ListPayslips(ctx, req, run, c.Scope)
}

// Register is a run with all its payslips, for the bank transfer file and the
// salary register.
type Register struct {
	Run      RunRecord
	Payslips []PayslipRecord
}

// Register reads a run the caller may export, with its payslips by org unit
// and manager. lockedOnly refuses a run that is not locked (the bank file).
func (a *App) Register(ctx context.Context, id string, lockedOnly bool) (Register, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return Register{}, err
	}
	r, err := a.runFor(ctx, c, id, false)
	if err != nil {
		return Register{}, err
	}
	if lockedOnly && r.State != Locked {
		return Register{}, fmt.Errorf("%w: payrollRuns/%s is %s; the bank transfer file is made from locked runs only", ErrState, id, r.State)
	}
	if r.Generation == 0 {
		return Register{}, fmt.Errorf("%w: payrollRuns/%s has no payslips yet", ErrState, id)
	}
	slips, err := a.store.PayslipsOf(ctx, id, r.Generation)
	if err != nil {
		return Register{}, err
	}
	for i := range slips {
		slips[i].RunState = r.State
	}
	return Register{Run: r, Payslips: slips}, nil
}
