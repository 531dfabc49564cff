package service_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
	compv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/compensation/v1"
	"github.com/rmsuite/rmsuite/services/compensation/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/compensation/internal/service"
)

func countRows(t testing.TB, db *storage.DB, table string) int {
	t.Helper()
	var n int
	if err := db.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// crashOnce fails the computation the first time it has written two payslips,
// as if the process died there, and says so on crashed.
type crashOnce struct {
	mu      sync.Mutex
	done    bool
	crashed chan struct{}
}

func newCrashOnce() *crashOnce { return &crashOnce{crashed: make(chan struct{})} }

func (c *crashOnce) hook(phase string, done int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done || phase != "writing" || done < 2 {
		return nil
	}
	c.done = true
	close(c.crashed)
	return errors.New("the process dies")
}

// TestCrashMidRunLeavesNoHalfWrittenRun: a computation that dies while writing
// payslips leaves the run as it was (no payslip of the new generation is
// visible), and the instance that starts next takes it up again and finishes
// it, with no leftovers — for a first computation and for a recomputation.
func TestCrashMidRunLeavesNoHalfWrittenRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		crash := newCrashOnce()
		e := newEnv(t, dbURL, service.Options{Batch: 2, Lease: 300 * time.Millisecond, Hook: crash.hook})
		bank(e)
		db := storagetest.Open(t, dbURL, []storage.Migrations{sqlstore.Migrations()})
		hr := e.as("E0002", "head-office", auth.HROfficer)
		run := must[*compv1.PayrollRun](t)(hr.payroll.CreatePayrollRun(ctx, &compv1.CreatePayrollRunRequest{
			PayrollRun: &compv1.PayrollRun{Period: "2026-11", OrgUnit: "orgUnits/branch-a"}}))
		<-crash.crashed
		e.stop() // the instance is gone
		if n := countRows(t, db, "payslips"); n != 2 {
			t.Fatalf("the dead computation wrote %d payslips beside the run, want 2", n)
		}
		// Looked at before any instance takes the computation up again.
		e.opts.Hook, e.opts.NoWorker = nil, true
		e.start()
		r := must[*compv1.PayrollRun](t)(hr.payroll.GetPayrollRun(ctx, &compv1.GetPayrollRunRequest{Name: run.GetName()}))
		if r.GetGeneration() != 0 || r.GetState() != compv1.PayrollRun_STATE_DRAFT {
			t.Fatalf("after the crash the run shows %v", r)
		}
		if l := must[*compv1.ListPayslipsResponse](t)(hr.payroll.ListPayslips(ctx, &compv1.ListPayslipsRequest{Parent: run.GetName()})); len(l.GetPayslips()) != 0 {
			t.Fatalf("half a generation is visible: %d payslips", len(l.GetPayslips()))
		}
		e.stop()
		e.opts.NoWorker = false
		e.start()
		r = e.computed(hr, run.GetName())
		if r.GetState() != compv1.PayrollRun_STATE_COMPUTED || r.GetGeneration() != 1 || r.GetPayslipCount() != 5 {
			t.Fatalf("taken up again: %v", r)
		}
		if n := countRows(t, db, "payslips"); n != 5 {
			t.Fatalf("%d payslip rows for 5 payslips: leftovers of the dead computation", n)
		}
		before := must[*compv1.Payslip](t)(hr.payroll.GetPayslip(ctx, &compv1.GetPayslipRequest{Name: run.GetName() + "/payslips/M1"}))

		// A recomputation dies too: the run keeps generation 1 meanwhile.
		crash = newCrashOnce()
		e.stop()
		e.opts.Hook = crash.hook
		e.start()
		e.peers.coefficient("M1", "2026-11", "1.50")
		must[*compv1.PayrollRun](t)(hr.payroll.ComputePayrollRun(ctx, &compv1.ComputePayrollRunRequest{Name: run.GetName()}))
		<-crash.crashed
		r = must[*compv1.PayrollRun](t)(hr.payroll.GetPayrollRun(ctx, &compv1.GetPayrollRunRequest{Name: run.GetName()}))
		now := must[*compv1.Payslip](t)(hr.payroll.GetPayslip(ctx, &compv1.GetPayslipRequest{Name: run.GetName() + "/payslips/M1"}))
		if r.GetGeneration() != 1 || !sameLines(now, before) {
			t.Fatalf("while the recomputation is down the run shows generation %d", r.GetGeneration())
		}
		// Another instance (here: the same worker, once the lease ran out) finishes it.
		r = e.computed(hr, run.GetName())
		after := must[*compv1.Payslip](t)(hr.payroll.GetPayslip(ctx, &compv1.GetPayslipRequest{Name: run.GetName() + "/payslips/M1"}))
		if r.GetGeneration() != 2 || amount(line(t, after, "PERFORMANCE").GetAmount()) != "4500.00" {
			t.Fatalf("recomputed: generation %d, %v", r.GetGeneration(), line(t, after, "PERFORMANCE"))
		}
		if n := countRows(t, db, "payslips"); n != 5 {
			t.Fatalf("%d payslip rows after the recomputation, want 5", n)
		}
	})
}

// TestCancelComputation: a running computation stops when asked, and the run
// keeps the payslips it had.
func TestCancelComputation(t *testing.T) {
	release := make(chan struct{})
	reached := make(chan struct{}, 1)
	var armed sync.Mutex
	hold := false
	e := newEnv(t, storagetest.SQLiteURL(t), service.Options{Batch: 2, Hook: func(phase string, done int) error {
		armed.Lock()
		h := hold
		armed.Unlock()
		if h && phase == "writing" && done >= 2 {
			select {
			case reached <- struct{}{}:
			default:
			}
			<-release
		}
		return nil
	}})
	bank(e)
	hr := e.as("E0002", "head-office", auth.HROfficer)
	run := must[*compv1.PayrollRun](t)(hr.payroll.CreatePayrollRun(ctx, &compv1.CreatePayrollRunRequest{
		PayrollRun: &compv1.PayrollRun{Period: "2026-11", OrgUnit: "orgUnits/branch-a"}}))
	run = e.computed(hr, run.GetName())
	_, err := hr.payroll.CancelPayrollRunComputation(ctx, &compv1.CancelPayrollRunComputationRequest{Name: run.GetName()})
	wantCode(t, "cancel with nothing running", err, codes.FailedPrecondition, "no computation running")

	armed.Lock()
	hold = true
	armed.Unlock()
	must[*compv1.PayrollRun](t)(hr.payroll.ComputePayrollRun(ctx, &compv1.ComputePayrollRunRequest{Name: run.GetName()}))
	<-reached
	r := must[*compv1.PayrollRun](t)(hr.payroll.GetPayrollRun(ctx, &compv1.GetPayrollRunRequest{Name: run.GetName()}))
	if c := r.GetComputation(); c.GetState() != compv1.Computation_STATE_RUNNING || c.GetPercentDone() < 60 || c.GetTotal() != 5 {
		t.Fatalf("progress while writing: %v", c)
	}
	_, err = hr.payroll.SubmitPayrollRun(ctx, &compv1.SubmitPayrollRunRequest{Name: run.GetName()})
	wantCode(t, "submit while computing", err, codes.FailedPrecondition, "being computed")
	r = must[*compv1.PayrollRun](t)(hr.payroll.CancelPayrollRunComputation(ctx, &compv1.CancelPayrollRunComputationRequest{Name: run.GetName()}))
	if r.GetComputation().GetPhase() != "cancelling" {
		t.Errorf("cancelling: %v", r.GetComputation())
	}
	close(release)
	r = e.computed(hr, run.GetName())
	if r.GetComputation().GetState() != compv1.Computation_STATE_CANCELLED || r.GetGeneration() != 1 || r.GetState() != compv1.PayrollRun_STATE_COMPUTED {
		t.Fatalf("after cancelling: %v", r)
	}
	if l := must[*compv1.ListPayslipsResponse](t)(hr.payroll.ListPayslips(ctx, &compv1.ListPayslipsRequest{Parent: run.GetName()})); len(l.GetPayslips()) != 5 {
		t.Fatalf("the run lost its payslips: %d", len(l.GetPayslips()))
	}
}

// TestRejectAndResubmit: a rejected submission returns the run for review; a
// change of the pay configuration after the computation keeps the approver from
// locking what was computed under the old one.
func TestRejectAndResubmit(t *testing.T) {
	e := newEnv(t, storagetest.SQLiteURL(t), service.Options{})
	bank(e)
	hr := e.as("E0002", "head-office", auth.HROfficer)
	hr2 := e.as("E0009", "head-office", auth.HROfficer)
	head := e.as("E1100", "branch-a", auth.BranchHead)
	headB := e.as("E1200", "branch-b", auth.BranchHead)
	run := must[*compv1.PayrollRun](t)(hr.payroll.CreatePayrollRun(ctx, &compv1.CreatePayrollRunRequest{
		PayrollRun: &compv1.PayrollRun{Period: "2026-11", OrgUnit: "orgUnits/branch-a"}}))
	run = e.computed(hr, run.GetName())
	run = must[*compv1.PayrollRun](t)(hr.payroll.SubmitPayrollRun(ctx, &compv1.SubmitPayrollRunRequest{Name: run.GetName()}))
	_, err := hr2.approvals.RejectApproval(ctx, &approvalv1.RejectApprovalRequest{Name: run.GetApproval()})
	wantCode(t, "reject without a reason", err, codes.InvalidArgument, "reason")
	must[*approvalv1.Approval](t)(hr2.approvals.RejectApproval(ctx, &approvalv1.RejectApprovalRequest{Name: run.GetApproval(), Reason: "绩效系数待复核"}))
	r := must[*compv1.PayrollRun](t)(hr.payroll.GetPayrollRun(ctx, &compv1.GetPayrollRunRequest{Name: run.GetName()}))
	if r.GetState() != compv1.PayrollRun_STATE_COMPUTED || r.GetRejectionReason() != "绩效系数待复核" {
		t.Fatalf("after the rejection: %v", r)
	}
	must[*compv1.PayrollRun](t)(hr.payroll.ComputePayrollRun(ctx, &compv1.ComputePayrollRunRequest{Name: r.GetName()}))
	r = e.computed(hr, r.GetName())
	r = must[*compv1.PayrollRun](t)(hr.payroll.SubmitPayrollRun(ctx, &compv1.SubmitPayrollRunRequest{Name: r.GetName(), Etag: r.GetEtag()}))

	// The configuration changes while the run waits: it cannot be locked as computed.
	cfg := must[*compv1.PayConfig](t)(hr.pay.GetPayConfig(ctx, &compv1.GetPayConfigRequest{Name: "payConfigs/2000-01-01"}))
	must[*compv1.PayConfig](t)(hr.pay.UpdatePayConfig(ctx, &compv1.UpdatePayConfigRequest{PayConfig: cfg}))
	_, err = head.approvals.ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: r.GetApproval()})
	wantCode(t, "approve after a configuration change", err, codes.FailedPrecondition, "pay configuration changed")
	if r = must[*compv1.PayrollRun](t)(hr.payroll.GetPayrollRun(ctx, &compv1.GetPayrollRunRequest{Name: r.GetName()})); r.GetState() != compv1.PayrollRun_STATE_SUBMITTED {
		t.Fatalf("a refused approval changed the run: %v", r)
	}
	must[*approvalv1.Approval](t)(head.approvals.RejectApproval(ctx, &approvalv1.RejectApprovalRequest{Name: r.GetApproval(), Reason: "请按新方案重算"}))
	must[*compv1.PayrollRun](t)(hr.payroll.ComputePayrollRun(ctx, &compv1.ComputePayrollRunRequest{Name: r.GetName()}))
	r = e.computed(hr, r.GetName())
	r = must[*compv1.PayrollRun](t)(hr.payroll.SubmitPayrollRun(ctx, &compv1.SubmitPayrollRunRequest{Name: r.GetName()}))
	// A branch head approves payrolls of their own subtree only.
	_, err = headB.approvals.ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: r.GetApproval()})
	wantCode(t, "the other branch's head", err, codes.NotFound, "")
	must[*approvalv1.Approval](t)(head.approvals.ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: r.GetApproval()}))
	if r = must[*compv1.PayrollRun](t)(hr.payroll.GetPayrollRun(ctx, &compv1.GetPayrollRunRequest{Name: r.GetName()})); r.GetState() != compv1.PayrollRun_STATE_LOCKED ||
		r.GetApprovedBy() != "E1100" || r.GetPayConfigRevision() != 2 {
		t.Fatalf("locked: %v", r)
	}
}

// TestWhatIf: a simulation with another grade and another configuration shows
// what would change, and saves nothing.
func TestWhatIf(t *testing.T) {
	e := newEnv(t, storagetest.SQLiteURL(t), service.Options{})
	bank(e)
	hr := e.as("E0002", "head-office", auth.HROfficer)
	must[*compv1.PayInput](t)(hr.pay.CreatePayInput(ctx, &compv1.CreatePayInputRequest{PayInput: input("A1", "2026-11", compv1.PayInput_KIND_CONDUCT_DEDUCTION, "LATE", "150.00")}))
	cfg := must[*compv1.PayConfig](t)(hr.pay.GetPayConfig(ctx, &compv1.GetPayConfigRequest{Name: "payConfigs/2000-01-01"}))
	cfg.Standard.Units = 7000
	res := must[*compv1.SimulatePayrollRunResponse](t)(hr.payroll.SimulatePayrollRun(ctx, &compv1.SimulatePayrollRunRequest{
		Period: "2026-11", OrgUnit: "orgUnits/branch-a", Managers: []string{"managers/A1"},
		GradeOverrides: []*compv1.SimulatePayrollRunRequest_GradeOverride{{Manager: "managers/A1", Ladder: "gradeLadders/sales", Level: "JUNIOR"}},
		PayConfig:      cfg,
		ExtraInputs:    []*compv1.PayInput{input("M1", "2026-11", compv1.PayInput_KIND_AWARD, "SUGGESTION", "300.00")},
	}))
	if res.GetPayslipCount() != 5 || len(res.GetPayslips()) != 1 {
		t.Fatalf("simulation: %d payslips, %d shown", res.GetPayslipCount(), len(res.GetPayslips()))
	}
	if l := line(t, res.GetPayslips()[0], "BASE"); amount(l.GetAmount()) != "6850.00" { // 1.0 × 7,000 − 150
		t.Errorf("A1 as 初级 with S = 7,000: %v", l)
	}
	changes := map[string]string{}
	for _, d := range res.GetDiffs() {
		changes[d.GetManager()+" "+d.GetLineCode()] = amount(d.GetBefore()) + "→" + amount(d.GetAfter())
	}
	if changes["managers/A1 BASE"] != "4650.00→6850.00" || changes["managers/S1 BASE"] != "9000.00→10500.00" {
		t.Errorf("simulated changes: %v", changes)
	}
	var award bool
	for k := range changes {
		award = award || strings.HasPrefix(k, "managers/M1 AWARD/")
	}
	if !award || mustAmount(res.GetNetTotalAfter()).Cmp(mustAmount(res.GetNetTotalBefore())) <= 0 {
		t.Errorf("the extra award and the higher S raise the total: %v", changes)
	}
	// A configuration with a mistake is refused like a saved one.
	cfg.Components[0].Formula = "base_standard +"
	_, err := hr.payroll.SimulatePayrollRun(ctx, &compv1.SimulatePayrollRunRequest{Period: "2026-11", OrgUnit: "orgUnits/branch-a", PayConfig: cfg})
	if v := violations(err); !strings.HasPrefix(v["pay_config.components[0].formula"], "1:16:") {
		t.Errorf("a simulated configuration with a mistake: %v", err)
	}
	// Nothing was saved.
	if n := len(must[*compv1.ListPayConfigsResponse](t)(hr.pay.ListPayConfigs(ctx, &compv1.ListPayConfigsRequest{})).GetPayConfigs()); n != 1 {
		t.Errorf("%d configurations after a simulation", n)
	}
	if l := must[*compv1.ListPayrollRunsResponse](t)(hr.payroll.ListPayrollRuns(ctx, &compv1.ListPayrollRunsRequest{})); len(l.GetPayrollRuns()) != 0 {
		t.Errorf("a simulation made a run")
	}
	if l := must[*compv1.ListPayInputsResponse](t)(hr.pay.ListPayInputs(ctx, &compv1.ListPayInputsRequest{})); len(l.GetPayInputs()) != 1 {
		t.Errorf("a simulation saved inputs: %d", len(l.GetPayInputs()))
	}
}

// lock submits a computed run and has a second officer approve it.
func lock(t *testing.T, e *env, maker, checker caller, name string) *compv1.PayrollRun {
	t.Helper()
	r := e.computed(maker, name)
	r = must[*compv1.PayrollRun](t)(maker.payroll.SubmitPayrollRun(ctx, &compv1.SubmitPayrollRunRequest{Name: r.GetName()}))
	must[*approvalv1.Approval](t)(checker.approvals.ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: r.GetApproval()}))
	return must[*compv1.PayrollRun](t)(maker.payroll.GetPayrollRun(ctx, &compv1.GetPayrollRunRequest{Name: name}))
}

// TestCommissionAndClawback: commission is paid in the month the collection
// ratio reaches the threshold, once; a reversal that takes it below claws it
// back the next month; collecting again pays it again.
func TestCommissionAndClawback(t *testing.T) {
	e := newEnv(t, storagetest.SQLiteURL(t), service.Options{})
	bank(e)
	hr := e.as("E0002", "head-office", auth.HROfficer)
	hr2 := e.as("E0009", "head-office", auth.HROfficer)
	system := e.as("svc:credit", "head-office", auth.System)
	contract := func(period, value string) *compv1.PayInput {
		in := input("M1", period, compv1.PayInput_KIND_COMMISSION_CONTRACT, "LOAN_CONTRACT", value)
		in.Contract = "K-2026-001"
		return in
	}
	collect := func(period, value string) *compv1.PayInput {
		in := input("M1", period, compv1.PayInput_KIND_COLLECTION, "", value)
		in.Contract = "K-2026-001"
		return in
	}
	_, err := system.pay.CreatePayInput(ctx, &compv1.CreatePayInputRequest{PayInput: collect("2026-09", "1.00")})
	wantCode(t, "a collection on an unknown contract", err, codes.InvalidArgument, "has no contract K-2026-001")
	must[*compv1.BatchCreatePayInputsResponse](t)(system.pay.BatchCreatePayInputs(ctx, &compv1.BatchCreatePayInputsRequest{PayInputs: []*compv1.PayInput{
		contract("2026-09", "1000000.00"), collect("2026-09", "500000.00"), collect("2026-10", "350000.00"),
	}}))
	_, err = system.pay.CreatePayInput(ctx, &compv1.CreatePayInputRequest{PayInput: contract("2026-10", "5.00")})
	wantCode(t, "the same contract twice", err, codes.InvalidArgument, "already has contract")
	commission := func(p *compv1.Payslip) []string {
		var out []string
		for _, l := range p.GetLines() {
			if strings.Contains(l.GetCode(), "K-2026-001") {
				out = append(out, l.GetCode()+"="+amount(l.GetAmount()))
			}
		}
		return out
	}
	month := func(period string) (*compv1.PayrollRun, *compv1.Payslip) {
		t.Helper()
		r := must[*compv1.PayrollRun](t)(hr.payroll.CreatePayrollRun(ctx, &compv1.CreatePayrollRunRequest{
			PayrollRun: &compv1.PayrollRun{Period: period, OrgUnit: "orgUnits/team-a1"}}))
		r = e.computed(hr, r.GetName())
		return r, must[*compv1.Payslip](t)(hr.payroll.GetPayslip(ctx, &compv1.GetPayslipRequest{Name: r.GetName() + "/payslips/M1"}))
	}
	sep, p := month("2026-09") // 50 % collected
	if got := commission(p); len(got) != 0 {
		t.Errorf("September: %v", got)
	}
	lock(t, e, hr, hr2, sep.GetName())
	oct, p := month("2026-10") // 85 %: 0.2 % of 1,000,000
	if got := commission(p); len(got) != 1 || got[0] != "COMMISSION/K-2026-001=2000.00" {
		t.Fatalf("October: %v", got)
	}
	lock(t, e, hr, hr2, oct.GetName())
	must[*compv1.PayInput](t)(system.pay.CreatePayInput(ctx, &compv1.CreatePayInputRequest{PayInput: collect("2026-11", "-100000.00")}))
	nov, p := month("2026-11") // 75 % after a reversal
	if got := commission(p); len(got) != 1 || got[0] != "CLAWBACK/K-2026-001=2000.00" {
		t.Fatalf("November: %v", got)
	}
	l := line(t, p, "CLAWBACK/K-2026-001")
	if l.GetKind() != compv1.LineKind_LINE_KIND_DEDUCTION || !strings.Contains(l.GetInputs()[len(l.GetInputs())-1].GetSource(), oct.GetName()) {
		t.Errorf("clawback line: %v", l)
	}
	lock(t, e, hr, hr2, nov.GetName())
	must[*compv1.PayInput](t)(system.pay.CreatePayInput(ctx, &compv1.CreatePayInputRequest{PayInput: collect("2026-12", "100000.00")}))
	if _, p = month("2026-12"); len(commission(p)) != 1 || commission(p)[0] != "COMMISSION/K-2026-001=2000.00" {
		t.Fatalf("December: %v", commission(p))
	}
}
