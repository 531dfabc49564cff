package app

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/requestid"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

// Worker runs the queued computations of payroll runs in the background, one
// at a time per instance. A computation is held with a lease renewed as it
// progresses: if the instance stops, the lease runs out and any instance
// takes the computation up again from the start. Payslips are written as a
// new generation beside the current one and switched to in one transaction
// at the end, so a computation that fails, is cancelled or is interrupted
// leaves the run as it was.
type Worker struct {
	app   *App
	owner string
	kick  chan struct{}
	// Lease is how long a computation is held without progress (default 30 s).
	Lease time.Duration
	// Poll is how often queued computations are looked for (default 200 ms).
	Poll time.Duration
	// Batch is how many payslips one write holds (default 2000).
	Batch int
	// Hook is called as the computation progresses (tests): an error stops
	// it as if the process had died at that point.
	Hook func(phase string, done int) error
	// Logf reports computations that fail.
	Logf func(msg string, err error, run string)
	// Observe, when set, is told how a computation progresses (metrics): after
	// each recorded step with the payslips written so far (outcome ""), and once
	// when it ends (outcome succeeded, failed, cancelled, interrupted or
	// taken_over).
	Observe func(op OpRecord, written int, outcome string)
}

// NewWorker returns the worker of a's computations; a.Kick wakes it.
func NewWorker(a *App) *Worker {
	w := &Worker{app: a, owner: requestid.New(), kick: make(chan struct{}, 1), Lease: 30 * time.Second,
		Poll: 200 * time.Millisecond, Batch: 2000, Logf: func(string, error, string) {}}
	a.Kick = w.Kick
	return w
}

// Kick asks the worker to look for queued computations now.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run takes up computations until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	for ctx.Err() == nil {
		now := w.app.now()
		var op OpRecord
		var ok bool
		err := w.app.tx.InTx(ctx, func(ctx context.Context) error {
			var err error
			op, ok, err = w.app.store.ClaimOperation(ctx, w.owner, now, now.Add(w.Lease))
			return err
		})
		if err != nil && ctx.Err() == nil {
			w.Logf("claiming a payroll computation failed", err, "")
		}
		if ok {
			w.compute(ctx, op)
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
			// The asking transaction may not have committed yet: look again shortly.
			select {
			case <-ctx.Done():
				return
			case <-time.After(30 * time.Millisecond):
			}
		case <-time.After(w.Poll):
		}
	}
}

var (
	errCancelled = errors.New("cancelled")
	errLost      = errors.New("the computation was taken over")
	errStopped   = errors.New("stopped")
)

// compute runs one computation and records how it ended.
func (w *Worker) compute(ctx context.Context, op OpRecord) {
	err := w.run(ctx, &op)
	if w.Observe != nil {
		w.Observe(op, 0, outcome(ctx, err))
	}
	switch {
	case err == nil, errors.Is(err, errLost):
		return
	case errors.Is(err, errStopped), ctx.Err() != nil:
		return // as if the process died: the lease runs out and someone takes it up again
	case errors.Is(err, errCancelled):
		op.State, op.Phase = OpCancelled, "cancelled"
	default:
		op.State, op.Error = OpFailed, err.Error()
		w.Logf("payroll computation failed", err, op.RunID)
	}
	op.EndTime = w.app.now()
	bg := context.WithoutCancel(ctx)
	err = w.app.tx.InTx(bg, func(ctx context.Context) error {
		run, err := w.app.store.Run(ctx, op.RunID)
		if err != nil {
			return err
		}
		if err := w.app.store.DropGenerations(ctx, op.RunID, run.Generation); err != nil {
			return err
		}
		return w.app.store.FinishOperation(ctx, op)
	})
	if err != nil && !errors.Is(err, ErrConflict) {
		w.Logf("recording the end of a payroll computation failed", err, op.RunID)
	}
}

// outcome names how a computation ended, for Observe.
func outcome(ctx context.Context, err error) string {
	switch {
	case err == nil:
		return "succeeded"
	case errors.Is(err, errLost):
		return "taken_over"
	case errors.Is(err, errStopped), ctx.Err() != nil:
		return "interrupted"
	case errors.Is(err, errCancelled):
		return "cancelled"
	}
	return "failed"
}

// progress records how far op got, renewing its lease, and stops it when it
// was cancelled or taken over.
func (w *Worker) progress(ctx context.Context, op *OpRecord, phase string, percent, done int) error {
	if w.Hook != nil {
		if err := w.Hook(phase, done); err != nil {
			return fmt.Errorf("%w: %v", errStopped, err)
		}
	}
	op.Phase, op.Percent, op.LeaseUntil = phase, percent, w.app.now().Add(w.Lease)
	var cancel bool
	err := w.app.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		cancel, err = w.app.store.Progress(ctx, *op)
		return err
	})
	switch {
	case errors.Is(err, ErrConflict):
		return errLost
	case err != nil:
		return err
	case cancel:
		return errCancelled
	}
	if w.Observe != nil {
		w.Observe(*op, done, "")
	}
	return nil
}

// run computes op's generation of its run.
func (w *Worker) run(ctx context.Context, op *OpRecord) error {
	a := w.app
	run, err := a.store.Run(ctx, op.RunID)
	if err != nil {
		return err
	}
	if run.State != Draft && run.State != Computed {
		return fmt.Errorf("payrollRuns/%s is %s", run.ID, run.State)
	}
	if run.Generation+1 != op.Generation {
		return fmt.Errorf("payrollRuns/%s is at generation %d; this computation was for %d", run.ID, run.Generation, op.Generation-1)
	}
	if err := a.tx.InTx(ctx, func(ctx context.Context) error { return a.store.DropGenerations(ctx, run.ID, run.Generation) }); err != nil {
		return err
	}
	if err := w.progress(ctx, op, "gathering", 0, 0); err != nil {
		return err
	}
	period := mustPeriod(run.Period)
	pl, err := a.plans(ctx)
	if err != nil {
		return err
	}
	plan, err := pl.at(period)
	if err != nil {
		return err
	}
	stamp, err := a.store.ConfigStamp(ctx)
	if err != nil {
		return err
	}
	g, err := a.gather(ctx, run, plan, pl, nil)
	if err != nil {
		return err
	}
	op.Total = len(g.inputs)
	if err := w.progress(ctx, op, "computing", 40, 0); err != nil {
		return err
	}
	slips, claims, err := computeAll(plan, g)
	if err != nil {
		return err
	}
	if err := w.progress(ctx, op, "writing", 60, 0); err != nil {
		return err
	}
	var totals runTotals
	for start := 0; start < len(slips); start += w.Batch {
		part := slips[start:min(start+w.Batch, len(slips))]
		var partClaims []Claim
		for _, s := range part {
			partClaims = append(partClaims, claims[s.Manager.ID]...)
			totals.add(s.Payslip)
		}
		if err := a.tx.InTx(ctx, func(ctx context.Context) error {
			return a.store.WritePayslips(ctx, run.ID, op.Generation, part, partClaims)
		}); err != nil {
			return err
		}
		done := start + len(part)
		if err := w.progress(ctx, op, "writing", 60+38*done/max(len(slips), 1), done); err != nil {
			return err
		}
	}
	if err := totals.err; err != nil {
		return err
	}
	var changes []pay.Change
	if run.Generation > 0 {
		prev, err := a.store.Summaries(ctx, run.ID, run.Generation)
		if err != nil {
			return err
		}
		changes, op.Changed = diffAll(prev, slips)
	}
	if err := w.progress(ctx, op, "switching", 99, len(slips)); err != nil {
		return err
	}
	return a.tx.InTx(ctx, func(ctx context.Context) error {
		if cancel, err := a.store.Progress(ctx, *op); errors.Is(err, ErrConflict) {
			return errLost
		} else if err != nil {
			return err
		} else if cancel {
			return errCancelled
		}
		before, err := a.store.Run(ctx, run.ID)
		if err != nil {
			return err
		}
		if before.State != Draft && before.State != Computed || before.Generation != run.Generation {
			return errCancelled // discarded meanwhile
		}
		if err := a.store.WriteDiffs(ctx, run.ID, op.Generation, changes); err != nil {
			return err
		}
		after := before
		after.State, after.Generation = Computed, op.Generation
		after.ConfigKey, after.ConfigName, after.ConfigRevision, after.Basis = plan.Key(), plan.Name(), plan.Revision, stamp
		after.Payslips, after.Warned, after.Adjusted = len(slips), totals.warned, totals.adjusted
		after.Gross, after.Deductions, after.Net = totals.gross, totals.deductions, totals.net
		after.Revision, after.UpdateTime = before.Revision+1, a.now()
		if err := a.store.UpdateRun(ctx, after); err != nil {
			return err
		}
		if err := a.store.DropGenerations(ctx, run.ID, op.Generation); err != nil {
			return err
		}
		op.State, op.Phase, op.Percent, op.EndTime = OpSucceeded, "done", 100, a.now()
		return a.store.FinishOperation(ctx, *op)
	})
}

// runTotals adds up a run's payslips.
type runTotals struct {
	gross, deductions, net money.Amount
	warned, adjusted       int
	err                    error
}

func (t *runTotals) add(s pay.Payslip) {
	if t.err != nil {
		return
	}
	var err1, err2, err3 error
	t.gross, err1 = t.gross.Add(s.Gross)
	t.deductions, err2 = t.deductions.Add(s.Deductions)
	t.net, err3 = t.net.Add(s.Net)
	t.err = errors.Join(err1, err2, err3)
	if len(s.Warnings) > 0 {
		t.warned++
	}
	for _, l := range s.Lines {
		if l.RefRun != "" {
			t.adjusted++
		}
	}
}

// diffAll compares every manager's new payslip with the previous one.
func diffAll(prev map[string]pay.Summary, slips []PayslipRecord) ([]pay.Change, int) {
	var out []pay.Change
	changed := 0
	seen := make(map[string]bool, len(slips))
	for _, s := range slips {
		seen[s.Manager.ID] = true
		if c := pay.Diff(s.Manager.ID, prev[s.Manager.ID], s.Summary()); len(c) > 0 {
			out = append(out, c...)
			changed++
		}
	}
	var gone []string
	for m := range prev {
		if !seen[m] {
			gone = append(gone, m)
		}
	}
	sort.Strings(gone)
	for _, m := range gone {
		out = append(out, pay.Diff(m, prev[m], pay.Summary{})...)
		changed++
	}
	return out, changed
}

// gathered is everything a run's payslips are computed from.
type gathered struct {
	inputs []pay.Inputs // by manager id
	retros map[string][]pay.Retro
}

// overrides change what a simulation gathers.
type overrides struct {
	grades   map[string]Snapshot // manager → grade to assume
	extra    []InputRecord
	managers map[string]bool
}

// gather reads the managers paid by run (as of the month's last day, in its
// subtree, on the payroll), their coefficients and figures from the
// assessment service, their pay inputs, contracts and the commission paid on
// them, and the locked months whose configuration changed since.
func (a *App) gather(ctx context.Context, run RunRecord, plan *pay.Plan, pl *plans, ov *overrides) (gathered, error) {
	period := mustPeriod(run.Period)
	listed, err := a.src.Managers(ctx)
	if err != nil {
		return gathered{}, err
	}
	names := make(map[string]string, len(listed))
	ids := make([]string, 0, len(listed))
	for _, m := range listed {
		names[m.ID] = m.Name
		ids = append(ids, m.ID)
	}
	sort.Strings(ids)
	snaps, err := a.src.AsOf(ctx, ids, period.Last())
	if err != nil {
		return gathered{}, err
	}
	paths, err := a.src.OrgPaths(ctx)
	if err != nil {
		return gathered{}, err
	}
	root := run.OrgPath
	if p, ok := paths[run.OrgUnitID]; ok {
		root = p
	}
	var paid []string
	managers := map[string]pay.Manager{}
	for _, id := range ids {
		s, ok := snaps[id]
		if !ok || !s.Status.Paid() || s.OrgUnitID == "" || !strings.HasPrefix(paths[s.OrgUnitID], root) {
			continue
		}
		if ov != nil {
			if g, ok := ov.grades[id]; ok {
				s.Ladder, s.Level, s.Band, s.Grade = g.Ladder, g.Level, g.Band, g.Grade
			}
		}
		paid = append(paid, id)
		managers[id] = pay.Manager{ID: id, Name: names[id], OrgUnitID: s.OrgUnitID, OrgPath: paths[s.OrgUnitID], Post: s.Post,
			Ladder: s.Ladder, Level: s.Level, Band: s.Band, GradeName: s.Grade, Status: s.Status}
	}
	g := gathered{retros: map[string][]pay.Retro{}}
	if len(paid) == 0 {
		return g, nil
	}
	var coefficients map[string]pay.Sourced
	if plan.UsesCoefficient() {
		if coefficients, err = a.src.Coefficients(ctx, run.Period, paid); err != nil {
			return g, err
		}
	}
	var figures map[string]map[string]pay.Sourced
	if codes := plan.FigureCodes(); len(codes) > 0 {
		if figures, err = a.src.Figures(ctx, run.Period, paid, codes); err != nil {
			return g, err
		}
	}
	inputs, err := a.store.InputsOf(ctx, run.Period, paid)
	if err != nil {
		return g, err
	}
	contractInputs, err := a.store.ContractsOf(ctx, paid, run.Period)
	if err != nil {
		return g, err
	}
	if ov != nil {
		for _, x := range ov.extra {
			if _, ok := managers[x.Manager]; !ok {
				continue
			}
			switch {
			case x.Kind == pay.CommissionContract || x.Kind == pay.Collection:
				if !period.Before(mustPeriod(x.Period)) {
					contractInputs = append(contractInputs, x)
				}
			case x.Period == run.Period:
				inputs = append(inputs, x)
			}
		}
	}
	commissionPaid, err := a.store.CommissionPaid(ctx, paid)
	if err != nil {
		return g, err
	}
	byManager := map[string][]pay.PayInput{}
	for _, r := range inputs {
		byManager[r.Manager] = append(byManager[r.Manager], r.PayInput)
	}
	contracts := contractsOf(contractInputs, commissionPaid)
	for _, id := range paid {
		in := pay.Inputs{Period: period, Manager: managers[id], PayInputs: byManager[id], Contracts: contracts[id]}
		if c, ok := coefficients[id]; ok {
			in.Coefficient = &c
		}
		in.Figures = figures[id]
		g.inputs = append(g.inputs, in)
	}
	return g, a.retros(ctx, period, paid, pl, &g)
}

// contractsOf assembles each manager's commission contracts from the contract
// and collection inputs and the commission paid on them.
func contractsOf(inputs []InputRecord, paid map[[2]string]Paid) map[string][]pay.Contract {
	type key [2]string
	byKey := map[key]*pay.Contract{}
	var order []key
	for _, r := range inputs {
		if r.Kind == pay.CommissionContract {
			k := key{r.Manager, r.Contract}
			p := paid[k]
			byKey[k] = &pay.Contract{ID: r.Contract, Rule: r.Code, Amount: r.Value, Signed: r.Period, Input: r.ID,
				Collected: money.DecimalFromInt(0), Paid: money.FromFen(p.Fen), PaidIn: prefixed("payrollRuns/", p.Runs)}
			order = append(order, k)
		}
	}
	sort.Slice(inputs, func(i, j int) bool {
		if inputs[i].Period != inputs[j].Period {
			return inputs[i].Period < inputs[j].Period
		}
		return inputs[i].ID < inputs[j].ID
	})
	for _, r := range inputs {
		if r.Kind != pay.Collection {
			continue
		}
		k, ok := byKey[key{r.Manager, r.Contract}]
		if !ok {
			continue
		}
		if sum, err := k.Collected.Add(r.Value); err == nil {
			k.Collected = sum
		}
		k.Collections = append(k.Collections, "payInputs/"+r.ID+" "+r.Period+" "+r.Value.String())
	}
	out := map[string][]pay.Contract{}
	for _, k := range order {
		out[k[0]] = append(out[k[0]], *byKey[k])
	}
	return out
}

func prefixed(prefix string, xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = prefix + x
	}
	return out
}

// retros finds, for the managers paid, the locked months before period whose
// configuration in effect now differs from what they were settled at.
func (a *App) retros(ctx context.Context, period pay.Period, managers []string, pl *plans, g *gathered) error {
	locked, err := a.store.LockedRunsBefore(ctx, period.String())
	if err != nil {
		return err
	}
	var candidates []RunRecord
	effective := map[string]*pay.Plan{}
	for _, r := range locked {
		plan, err := pl.at(mustPeriod(r.Period))
		if err != nil {
			continue // no configuration for that month any more: nothing to recompute with
		}
		if plan.Key() != r.ConfigKey {
			candidates = append(candidates, r)
			effective[r.Period] = plan
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	slips, err := a.store.LockedPayslips(ctx, candidates, managers)
	if err != nil {
		return err
	}
	settled, err := a.store.Settlements(ctx, managers)
	if err != nil {
		return err
	}
	for _, s := range slips {
		plan := effective[s.Period]
		key, amounts := s.ConfigKey, s.Components
		if st, ok := settled[[2]string{s.Manager, s.Period}]; ok {
			key, amounts = st.Key, st.Amounts
		}
		if key == plan.Key() {
			continue
		}
		g.retros[s.Manager] = append(g.retros[s.Manager], pay.Retro{Period: mustPeriod(s.Period), Run: s.RunID, Plan: plan,
			Inputs: s.Inputs, Settled: amounts, SettledKey: key})
	}
	for _, rs := range g.retros {
		sort.Slice(rs, func(i, j int) bool { return rs[i].Period.Before(rs[j].Period) })
	}
	return nil
}

// computeAll computes every payslip, on every processor, with the claims its
// lines make on other locked runs.
func computeAll(plan *pay.Plan, g gathered) ([]PayslipRecord, map[string][]Claim, error) {
	slips := make([]PayslipRecord, len(g.inputs))
	workers := min(runtime.GOMAXPROCS(0), max(len(g.inputs)/100, 1))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(g.inputs); i += workers {
				in := &g.inputs[i]
				s, err := pay.Compute(plan, *in, g.retros[in.Manager.ID]...)
				if err != nil {
					errs[w] = err
					return
				}
				slips[i] = PayslipRecord{Payslip: s, Inputs: in}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	claims := map[string][]Claim{}
	for _, rec := range slips {
		s := rec.Payslip
		id := s.Manager.ID
		for _, l := range s.Lines {
			if l.Contract != "" {
				claims[id] = append(claims[id], Claim{Manager: id, Kind: "COMMISSION", Ref: l.Contract, Basis: l.Basis,
					Amount: l.Signed(), Period: s.Period.String()})
			}
		}
		for _, st := range s.Settlements {
			st := st
			basis := ""
			for _, l := range s.Lines {
				if l.RefPeriod == st.Period && l.Component != "" && l.RefRun == st.Run {
					basis = l.Basis
					break
				}
			}
			claims[id] = append(claims[id], Claim{Manager: id, Kind: "RETRO", Ref: st.Period, Basis: basis, OrigRun: st.Run, Settle: &st})
		}
	}
	return slips, claims, nil
}
