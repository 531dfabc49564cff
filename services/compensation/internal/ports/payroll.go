package ports

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/idempotency"
	"github.com/rmsuite/rmsuite/pkg/storage"
	compv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/compensation/v1"
	"github.com/rmsuite/rmsuite/services/compensation/internal/app"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

// PayrollServer implements rmsuite.compensation.v1.PayrollService.
type PayrollServer struct {
	compv1.UnimplementedPayrollServiceServer
	db  *storage.DB
	app *app.App
}

// NewPayrollServer serves the use cases.
func NewPayrollServer(db *storage.DB, a *app.App) *PayrollServer {
	return &PayrollServer{db: db, app: a}
}

var runStates = map[app.RunState]compv1.PayrollRun_State{
	app.Draft: compv1.PayrollRun_STATE_DRAFT, app.Computed: compv1.PayrollRun_STATE_COMPUTED, app.Submitted: compv1.PayrollRun_STATE_SUBMITTED,
	app.Locked: compv1.PayrollRun_STATE_LOCKED, app.Discarded: compv1.PayrollRun_STATE_DISCARDED,
}

var opStates = map[app.OpState]compv1.Computation_State{
	app.OpRunning: compv1.Computation_STATE_RUNNING, app.OpSucceeded: compv1.Computation_STATE_SUCCEEDED,
	app.OpFailed: compv1.Computation_STATE_FAILED, app.OpCancelled: compv1.Computation_STATE_CANCELLED,
}

func toProtoRun(r app.RunRecord) *compv1.PayrollRun {
	out := &compv1.PayrollRun{Name: runPrefix + r.ID, Period: r.Period, OrgUnit: orgUnitPrefix + r.OrgUnitID, State: runStates[r.State],
		Generation: int32(r.Generation), PayConfig: r.ConfigName, PayConfigRevision: r.ConfigRevision, PayslipCount: int32(r.Payslips),
		GrossTotal: r.Gross.ToProto(), DeductionsTotal: r.Deductions.ToProto(), NetTotal: r.Net.ToProto(), WarningCount: int32(r.Warned),
		AdjustmentCount: int32(r.Adjusted), Approval: r.Approval, RejectionReason: r.Rejection, CreatedBy: r.CreatedBy,
		CreateTime: ts(r.CreateTime), UpdateTime: ts(r.UpdateTime), SubmittedBy: r.SubmittedBy, ApprovedBy: r.ApprovedBy,
		LockTime: ts(r.LockTime), Etag: r.Etag()}
	if o := r.Op; o != nil {
		out.Computation = &compv1.Computation{State: opStates[o.State], PercentDone: int32(o.Percent), Phase: o.Phase, Total: int32(o.Total),
			Generation: int32(o.Generation), Error: o.Error, RequestedBy: o.RequestedBy, StartTime: ts(o.StartTime), EndTime: ts(o.EndTime),
			ChangedPayslips: int32(o.Changed)}
		if o.State == app.OpRunning && o.CancelRequested {
			out.Computation.Phase = "cancelling"
		}
	}
	return out
}

func runID(f *fieldErrors, field, name string) string {
	return nameID(f, field, runPrefix, "payrollRuns/{id}", name)
}

// CreatePayrollRun creates a run and queues its first computation.
func (s *PayrollServer) CreatePayrollRun(ctx context.Context, req *compv1.CreatePayrollRunRequest) (*compv1.PayrollRun, error) {
	var f fieldErrors
	r := req.GetPayrollRun()
	period, err := pay.ParsePeriod(r.GetPeriod())
	if err != nil {
		f.add("payroll_run.period", "%v", err)
	}
	unit := nameID(&f, "payroll_run.org_unit", orgUnitPrefix, "orgUnits/branch-east", r.GetOrgUnit())
	if err := f.err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*compv1.PayrollRun, error) {
		run, err := s.app.CreateRun(ctx, period, unit)
		if err != nil {
			return nil, invalid("", err)
		}
		return toProtoRun(run), RunAudit{}.RunChanged(ctx, nil, &run, "")
	})
}

// GetPayrollRun reads a run.
func (s *PayrollServer) GetPayrollRun(ctx context.Context, req *compv1.GetPayrollRunRequest) (*compv1.PayrollRun, error) {
	var f fieldErrors
	id := runID(&f, "name", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	r, err := s.app.Run(ctx, id)
	if err != nil {
		return nil, err
	}
	return toProtoRun(r), nil
}

// ListPayrollRuns lists runs in the caller's scope.
func (s *PayrollServer) ListPayrollRuns(ctx context.Context, req *compv1.ListPayrollRunsRequest) (*compv1.ListPayrollRunsResponse, error) {
	list, next, err := s.app.ListRuns(ctx, aip.Request{Filter: req.GetFilter(), PageSize: req.GetPageSize(), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	resp := &compv1.ListPayrollRunsResponse{NextPageToken: next}
	for _, r := range list {
		resp.PayrollRuns = append(resp.PayrollRuns, toProtoRun(r))
	}
	return resp, nil
}

// change runs one of the run's state changes with idempotency and one audit
// record.
func (s *PayrollServer) change(ctx context.Context, requestID, name string, req proto.Message, reason string,
	do func(ctx context.Context, id string) (app.RunRecord, app.RunRecord, error)) (*compv1.PayrollRun, error) {
	var f fieldErrors
	id := runID(&f, "name", name)
	if err := f.err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, requestID, req, func(ctx context.Context) (*compv1.PayrollRun, error) {
		before, after, err := do(ctx, id)
		if err != nil {
			return nil, err
		}
		return toProtoRun(after), RunAudit{}.RunChanged(ctx, &before, &after, reason)
	})
}

// ComputePayrollRun queues a recomputation.
func (s *PayrollServer) ComputePayrollRun(ctx context.Context, req *compv1.ComputePayrollRunRequest) (*compv1.PayrollRun, error) {
	return s.change(ctx, req.GetRequestId(), req.GetName(), req, "recompute", s.app.Recompute)
}

// CancelPayrollRunComputation stops a running computation.
func (s *PayrollServer) CancelPayrollRunComputation(ctx context.Context, req *compv1.CancelPayrollRunComputationRequest) (*compv1.PayrollRun, error) {
	return s.change(ctx, req.GetRequestId(), req.GetName(), req, "cancel the computation", s.app.CancelComputation)
}

// DiscardPayrollRun discards a run that is not locked.
func (s *PayrollServer) DiscardPayrollRun(ctx context.Context, req *compv1.DiscardPayrollRunRequest) (*compv1.PayrollRun, error) {
	reason := strings.TrimSpace(req.GetReason())
	if reason == "" {
		return nil, invalidField("reason", "is required: say why the run is discarded")
	}
	return s.change(ctx, req.GetRequestId(), req.GetName(), req, reason, func(ctx context.Context, id string) (app.RunRecord, app.RunRecord, error) {
		return s.app.Discard(ctx, id, reason)
	})
}

// SubmitPayrollRun submits a computed run for approval.
func (s *PayrollServer) SubmitPayrollRun(ctx context.Context, req *compv1.SubmitPayrollRunRequest) (*compv1.PayrollRun, error) {
	return s.change(ctx, req.GetRequestId(), req.GetName(), req, req.GetReason(), func(ctx context.Context, id string) (app.RunRecord, app.RunRecord, error) {
		return s.app.Submit(ctx, id, req.GetEtag(), req.GetReason())
	})
}

func toProtoChange(c pay.Change) *compv1.PayslipDiff {
	d := &compv1.PayslipDiff{Manager: managerPrefix + c.Manager, LineCode: c.Code, DisplayName: c.Name}
	switch {
	case c.Before == nil:
		d.Change = compv1.PayslipDiff_CHANGE_ADDED
	case c.After == nil:
		d.Change = compv1.PayslipDiff_CHANGE_REMOVED
	default:
		d.Change = compv1.PayslipDiff_CHANGE_CHANGED
	}
	if c.Before != nil {
		d.Before = c.Before.ToProto()
	}
	if c.After != nil {
		d.After = c.After.ToProto()
	}
	return d
}

// ListPayslipDiffs lists what a computation changed.
func (s *PayrollServer) ListPayslipDiffs(ctx context.Context, req *compv1.ListPayslipDiffsRequest) (*compv1.ListPayslipDiffsResponse, error) {
	var f fieldErrors
	id := runID(&f, "parent", req.GetParent())
	size := int(req.GetPageSize())
	switch {
	case size < 0:
		f.add("page_size", "must not be negative")
	case size == 0:
		size = 100
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	list, next, gen, err := s.app.Diffs(ctx, id, int(req.GetGeneration()), min(size, 5000), req.GetPageToken())
	if err != nil {
		return nil, invalid("", err)
	}
	resp := &compv1.ListPayslipDiffsResponse{NextPageToken: next, Generation: int32(gen)}
	for _, c := range list {
		resp.Diffs = append(resp.Diffs, toProtoChange(c))
	}
	return resp, nil
}

func toProtoPayslip(run string, generation int, state app.RunState, s pay.Payslip) *compv1.Payslip {
	m := s.Manager
	out := &compv1.Payslip{Name: runPrefix + run + payslipsMiddle + m.ID, Manager: managerPrefix + m.ID, ManagerDisplayName: m.Name,
		Period: s.Period.String(), OrgUnit: orgUnitPrefix + m.OrgUnitID, Grade: m.Grade(), Trainee: s.Trainee, Supervisor: s.Supervisor,
		Gross: s.Gross.ToProto(), Deductions: s.Deductions.ToProto(), Net: s.Net.ToProto(), Warnings: s.Warnings,
		Generation: int32(generation), RunState: runStates[state]}
	if name, rev, ok := strings.Cut(s.ConfigKey, "#"); ok {
		out.PayConfig = configPrefix + name
		fmt.Sscan(rev, &out.PayConfigRevision)
	}
	for _, l := range s.Lines {
		pl := &compv1.PayslipLine{Code: l.Code, DisplayName: l.Name, Kind: compv1.LineKind(l.Kind), Amount: l.Amount.ToProto(),
			Formula: l.Formula, Note: l.Note, ReferencePeriod: l.RefPeriod}
		if l.RefRun != "" {
			pl.ReferenceRun = runPrefix + l.RefRun
		}
		for _, in := range l.Inputs {
			pl.Inputs = append(pl.Inputs, &compv1.LineInput{Name: in.Name, Unit: toProtoUnit(in.Unit), Value: in.Value.String(),
				Source: in.Source, Description: in.Doc})
		}
		for _, st := range l.Steps {
			pl.Steps = append(pl.Steps, &compv1.LineStep{Text: st.Text, Value: st.Value})
		}
		out.Lines = append(out.Lines, pl)
	}
	return out
}

// payslipName reads `payrollRuns/{run}/payslips/{manager}`.
func payslipName(f *fieldErrors, field, name string) (string, string) {
	rest, ok := strings.CutPrefix(name, runPrefix)
	run, manager, ok2 := strings.Cut(rest, payslipsMiddle)
	if !ok || !ok2 || run == "" || manager == "" || strings.Contains(manager, "/") {
		f.add(field, "want payrollRuns/{run}/payslips/{employee number}; got %q", name)
	}
	return run, manager
}

// GetPayslip reads one payslip.
func (s *PayrollServer) GetPayslip(ctx context.Context, req *compv1.GetPayslipRequest) (*compv1.Payslip, error) {
	var f fieldErrors
	run, manager := payslipName(&f, "name", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	p, _, err := s.app.Payslip(ctx, run, manager)
	if err != nil {
		return nil, err
	}
	return toProtoPayslip(p.RunID, p.Generation, p.RunState, p.Payslip), nil
}

// ListPayslips lists payslips the caller may see.
func (s *PayrollServer) ListPayslips(ctx context.Context, req *compv1.ListPayslipsRequest) (*compv1.ListPayslipsResponse, error) {
	var f fieldErrors
	run := ""
	if req.GetParent() != "payrollRuns/-" {
		run = runID(&f, "parent", req.GetParent())
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	list, next, err := s.app.ListPayslips(ctx, aip.Request{Filter: req.GetFilter(), PageSize: req.GetPageSize(),
		PageToken: req.GetPageToken(), Scope: req.GetParent()}, run)
	if err != nil {
		return nil, err
	}
	resp := &compv1.ListPayslipsResponse{NextPageToken: next}
	for _, p := range list {
		resp.Payslips = append(resp.Payslips, toProtoPayslip(p.RunID, p.Generation, p.RunState, p.Payslip))
	}
	return resp, nil
}

// SimulatePayrollRun computes a what-if without saving anything.
func (s *PayrollServer) SimulatePayrollRun(ctx context.Context, req *compv1.SimulatePayrollRunRequest) (*compv1.SimulatePayrollRunResponse, error) {
	var f fieldErrors
	period, err := pay.ParsePeriod(req.GetPeriod())
	if err != nil {
		f.add("period", "%v", err)
	}
	sim := app.Simulation{Period: period, OrgUnit: nameID(&f, "org_unit", orgUnitPrefix, "orgUnits/branch-east", req.GetOrgUnit()),
		Grades: map[string]app.Snapshot{}}
	for i, g := range req.GetGradeOverrides() {
		field := fmt.Sprintf("grade_overrides[%d]", i)
		m := nameID(&f, field+".manager", managerPrefix, "managers/E3001", g.GetManager())
		ladder := nameID(&f, field+".ladder", ladderPrefix, "gradeLadders/sales", g.GetLadder())
		if g.GetLevel() == "" {
			f.add(field+".level", "is required, e.g. JUNIOR")
		}
		sim.Grades[m] = app.Snapshot{Ladder: ladder, Level: g.GetLevel(), Band: g.GetBand(), Grade: g.GetLevel() + g.GetBand()}
	}
	if pc := req.GetPayConfig(); pc != nil {
		c := fromProtoConfig(&f, "pay_config", pc)
		sim.Config = &c
	}
	for i, p := range req.GetExtraInputs() {
		sim.Extra = append(sim.Extra, fromProtoInput(&f, fmt.Sprintf("extra_inputs[%d]", i), p))
	}
	if len(req.GetManagers()) > 100 {
		f.add("managers", "%d managers; at most 100", len(req.GetManagers()))
	}
	for i, m := range req.GetManagers() {
		sim.Show = append(sim.Show, nameID(&f, fmt.Sprintf("managers[%d]", i), managerPrefix, "managers/E3001", m))
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	res, err := s.app.Simulate(ctx, sim)
	if err != nil {
		if sim.Config != nil {
			if vs := pay.Violations(err); vs != nil && !strings.HasPrefix(vs[0].Field, "extra_inputs") && vs[0].Field != "org_unit" {
				return nil, invalid("pay_config", err)
			}
		}
		return nil, invalid("", err)
	}
	resp := &compv1.SimulatePayrollRunResponse{PayslipCount: int32(res.Count), NetTotalBefore: res.NetBefore.ToProto(),
		NetTotalAfter: res.NetAfter.ToProto(), GrossTotalBefore: res.GrossBefore.ToProto(), GrossTotalAfter: res.GrossAfter.ToProto()}
	for _, p := range res.Payslips {
		resp.Payslips = append(resp.Payslips, toProtoPayslip("-", 0, app.Draft, p))
	}
	for _, c := range res.Changes {
		resp.Diffs = append(resp.Diffs, toProtoChange(c))
	}
	return resp, nil
}
