package app

import (
	"context"
	"fmt"
	"sort"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

// Simulation is a what-if: a month and subtree computed with other grades, an
// unsaved configuration or extra inputs.
type Simulation struct {
	Period  pay.Period
	OrgUnit string
	// Grades to assume instead of the roster's, by manager.
	Grades map[string]Snapshot
	// Config replaces the configuration in effect, if set.
	Config *pay.Config
	// Extra are pay inputs to add (checked like saved ones, never saved).
	Extra []NewInput
	// Show names the managers whose simulated payslips to return.
	Show []string
}

// SimulationResult compares the month as it stands with the what-if.
type SimulationResult struct {
	Payslips                []pay.Payslip
	Count                   int
	GrossBefore, GrossAfter money.Amount
	NetBefore, NetAfter     money.Amount
	Changes                 []pay.Change
}

// MaxSimulationChanges bounds the differences a simulation returns.
const MaxSimulationChanges = 10000

// Simulate computes the month twice — as it stands, and with the changes —
// and compares them. Nothing is saved.
func (a *App) Simulate(ctx context.Context, s Simulation) (SimulationResult, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return SimulationResult{}, err
	}
	paths, err := a.orgPaths(ctx, s.OrgUnit)
	if err != nil {
		return SimulationResult{}, err
	}
	path, ok := paths[s.OrgUnit]
	if !ok {
		return SimulationResult{}, invalid("org_unit", "orgUnits/%s is not an org unit of the roster", s.OrgUnit)
	}
	if !c.covers(path) {
		return SimulationResult{}, fmt.Errorf("%w: orgUnits/%s is outside your org subtree", ErrPermission, s.OrgUnit)
	}
	var p problemList
	for i := range s.Extra {
		checkInput(&p, &s.Extra[i])
	}
	if err := p.err(); err != nil {
		return SimulationResult{}, err
	}
	pl, err := a.plans(ctx)
	if err != nil {
		return SimulationResult{}, err
	}
	base, err := pl.at(s.Period)
	if err != nil {
		return SimulationResult{}, err
	}
	alt := base
	if s.Config != nil {
		cfg := *s.Config
		cfg.Effective, cfg.Revision = base.Effective, 0
		if alt, err = cfg.Compile(); err != nil {
			return SimulationResult{}, err
		}
	}
	run := RunRecord{Period: s.Period.String(), OrgUnitID: s.OrgUnit, OrgPath: path}
	before, err := a.gather(ctx, run, base, pl, nil)
	if err != nil {
		return SimulationResult{}, err
	}
	ov := &overrides{grades: s.Grades}
	for _, x := range s.Extra {
		r := x.InputRecord
		if r.ID == "" {
			r.ID = fmt.Sprintf("what-if-%d", len(ov.extra)+1)
		}
		ov.extra = append(ov.extra, r)
	}
	after, err := a.gather(ctx, run, alt, pl, ov)
	if err != nil {
		return SimulationResult{}, err
	}
	was, _, err := computeAll(base, before)
	if err != nil {
		return SimulationResult{}, err
	}
	now, _, err := computeAll(alt, after)
	if err != nil {
		return SimulationResult{}, err
	}
	var out SimulationResult
	var tb, ta runTotals
	prev := make(map[string]pay.Summary, len(was))
	for _, w := range was {
		tb.add(w.Payslip)
		prev[w.Manager.ID] = w.Summary()
	}
	show := map[string]bool{}
	for _, m := range s.Show {
		show[m] = true
	}
	for _, n := range now {
		ta.add(n.Payslip)
		if show[n.Manager.ID] {
			out.Payslips = append(out.Payslips, n.Payslip)
		}
	}
	if tb.err != nil || ta.err != nil {
		return out, fmt.Errorf("totals out of range: %v %v", tb.err, ta.err)
	}
	out.Changes, _ = diffAll(prev, now)
	if len(out.Changes) > MaxSimulationChanges {
		out.Changes = out.Changes[:MaxSimulationChanges]
	}
	sort.SliceStable(out.Payslips, func(i, j int) bool { return out.Payslips[i].Manager.ID < out.Payslips[j].Manager.ID })
	out.Count = len(now)
	out.GrossBefore, out.GrossAfter, out.NetBefore, out.NetAfter = tb.gross, ta.gross, tb.net, ta.net
	return out, nil
}
