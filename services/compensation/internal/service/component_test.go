package service_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	moneypb "google.golang.org/genproto/googleapis/type/money"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	"github.com/rmsuite/rmsuite/pkg/money"
	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
	auditv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/audit/v1"
	compv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/compensation/v1"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
	"github.com/rmsuite/rmsuite/services/compensation/internal/ports"
	"github.com/rmsuite/rmsuite/services/compensation/internal/service"
)

// bank puts the test bank's managers in the stand-in roster:
//
//	branch-a ─ team-a1: M1 初级, A1 助理, S1 supervisor (营销团队主管), T1 trainee (probation), X1 candidate
//	         └ team-a2: M2 bank ladder 三级
//	branch-b ─ team-b1: B1 bank ladder 四级
func bank(e *env) {
	p := e.peers
	p.add(fakeManager{id: "M1", unit: "team-a1", post: "零售客户经理", ladder: "sales", level: "JUNIOR"})
	p.add(fakeManager{id: "A1", unit: "team-a1", post: "零售客户经理", ladder: "sales", level: "ASSISTANT"})
	p.add(fakeManager{id: "S1", unit: "team-a1", post: "营销团队主管", ladder: "bank", level: "L2"})
	p.add(fakeManager{id: "T1", unit: "team-a1", post: "零售客户经理", ladder: "sales", level: "ASSISTANT", status: rosterv1.Manager_STATUS_PROBATION})
	p.add(fakeManager{id: "X1", unit: "team-a1", post: "零售客户经理", status: rosterv1.Manager_STATUS_CANDIDATE})
	p.add(fakeManager{id: "M2", unit: "team-a2", post: "对公客户经理", ladder: "bank", level: "L3"})
	p.add(fakeManager{id: "B1", unit: "team-b1", post: "零售客户经理", ladder: "bank", level: "L4"})
}

func input(manager, period string, kind compv1.PayInput_Kind, code, value string) *compv1.PayInput {
	return &compv1.PayInput{Manager: "managers/" + manager, Period: period, Kind: kind, Code: code, Value: value}
}

type httpBody = httpbody.HttpBody

func amount(m *moneypb.Money) string {
	a, err := money.FromProto(m)
	if err != nil {
		return "?"
	}
	return a.String()
}

func mustAmount(m *moneypb.Money) money.Amount {
	a, err := money.FromProto(m)
	if err != nil {
		panic(err)
	}
	return a
}

func clone(c *compv1.PayConfig) *compv1.PayConfig { return proto.Clone(c).(*compv1.PayConfig) }

// sameLines reports whether two payslips have the same lines and totals.
func sameLines(a, b *compv1.Payslip) bool {
	if len(a.GetLines()) != len(b.GetLines()) || !proto.Equal(a.GetNet(), b.GetNet()) {
		return false
	}
	for i := range a.GetLines() {
		if !proto.Equal(a.GetLines()[i], b.GetLines()[i]) {
			return false
		}
	}
	return true
}

func line(t testing.TB, p *compv1.Payslip, code string) *compv1.PayslipLine {
	t.Helper()
	for _, l := range p.GetLines() {
		if l.GetCode() == code {
			return l
		}
	}
	var codes []string
	for _, l := range p.GetLines() {
		codes = append(codes, l.GetCode())
	}
	t.Fatalf("%s has no line %s: %v (warnings %v)", p.GetName(), code, codes, p.GetWarnings())
	return nil
}

func hasLine(p *compv1.Payslip, code string) bool {
	for _, l := range p.GetLines() {
		if l.GetCode() == code {
			return true
		}
	}
	return false
}

func violations(err error) map[string]string {
	out := map[string]string{}
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out[v.GetField()] = v.GetDescription()
			}
		}
	}
	return out
}

// TestPayrollCycle is a month's payroll over gRPC on SQLite and PostgreSQL:
// inputs, a run computed in the background from the roster's grades and the
// assessment service's coefficients and figures, worked examples 1 and 2 on
// the payslips with every input explained, trainees and supervisors, identical
// recomputation and its diff, maker–checker, the lock, who may read which
// payslip, the exports, and a retro pay-table change corrected in the next
// month.
func TestPayrollCycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL, service.Options{})
		bank(e)
		hr := e.as("E0002", "head-office", auth.HROfficer)
		hr2 := e.as("E0009", "head-office", auth.HROfficer)
		hrB := e.as("E0012", "branch-b", auth.HROfficer)
		committee := e.as("E0003", "head-office", auth.Committee)
		m1 := e.as("M1", "team-a1", auth.CustomerManager)
		supCM := e.as("S1", "team-a1", auth.Supervisor, auth.CustomerManager)
		sup := e.as("S1", "team-a1", auth.Supervisor)
		system := e.as("svc:core-banking", "head-office", auth.System)

		// A fresh install has the default configuration.
		list := must[*compv1.ListPayConfigsResponse](t)(hr.pay.ListPayConfigs(ctx, &compv1.ListPayConfigsRequest{}))
		if len(list.GetPayConfigs()) != 1 || list.GetPayConfigs()[0].GetName() != "payConfigs/2000-01-01" ||
			amount(list.GetPayConfigs()[0].GetStandard()) != "6000.00" {
			t.Fatalf("seeded configuration: %v", list)
		}
		def := list.GetPayConfigs()[0]

		// Formulas are checked when saved: unknown names and syntax errors with
		// their position, on the component's field.
		bad := clone(def)
		bad.Components[0].Formula = "base_standard * region_coefficent"
		bad.Components[1].Formula = "coefficient * (performance_standard"
		_, err := hr.pay.CreatePayConfig(ctx, &compv1.CreatePayConfigRequest{PayConfig: bad, PayConfigId: "2027-01-01"})
		v := violations(err)
		if code(err) != codes.InvalidArgument || !strings.HasPrefix(v["pay_config.components[0].formula"], `1:17: unknown name "region_coefficent"`) ||
			!strings.HasPrefix(v["pay_config.components[1].formula"], "1:36: ") {
			t.Fatalf("bad formulas: %v %v", err, v)
		}
		if n := len(must[*compv1.ListPayConfigsResponse](t)(hr.pay.ListPayConfigs(ctx, &compv1.ListPayConfigsRequest{})).GetPayConfigs()); n != 1 {
			t.Fatalf("a refused configuration was saved: %d versions", n)
		}

		// Inputs of November: all or none.
		_, err = system.pay.BatchCreatePayInputs(ctx, &compv1.BatchCreatePayInputsRequest{PayInputs: []*compv1.PayInput{
			input("M1", "2026-11", compv1.PayInput_KIND_MARKETING_EXPENSE, "", "2000.00"),
			input("NOBODY", "2026-11", compv1.PayInput_KIND_AWARD, "SUGGESTION", "100.00"),
			input("T1", "2026-11", compv1.PayInput_KIND_DAYS_WORKED, "", "31"),
		}})
		v = violations(err)
		if code(err) != codes.InvalidArgument || !strings.Contains(v["pay_inputs[2].value"], "whole days from 0 to 30") {
			t.Fatalf("bad batch: %v %v", err, v)
		}
		_, err = hrB.pay.CreatePayInput(ctx, &compv1.CreatePayInputRequest{PayInput: input("M1", "2026-11", compv1.PayInput_KIND_AWARD, "SUGGESTION", "100.00")})
		wantCode(t, "HR of another branch", err, codes.PermissionDenied, "outside the org subtree")
		batch := must[*compv1.BatchCreatePayInputsResponse](t)(system.pay.BatchCreatePayInputs(ctx, &compv1.BatchCreatePayInputsRequest{
			RequestId: "nov-inputs", PayInputs: []*compv1.PayInput{
				input("M1", "2026-11", compv1.PayInput_KIND_MARKETING_EXPENSE, "", "2000.00"),
				input("A1", "2026-11", compv1.PayInput_KIND_CONDUCT_DEDUCTION, "LATE", "100.00"),
				input("A1", "2026-11", compv1.PayInput_KIND_CONDUCT_DEDUCTION, "DRESS", "50.00"),
				input("T1", "2026-11", compv1.PayInput_KIND_DAYS_WORKED, "", "21"),
				input("M1", "2026-11", compv1.PayInput_KIND_AWARD, "SUGGESTION", "300.00"),
			}}))
		if len(batch.GetPayInputs()) != 5 || batch.GetPayInputs()[0].GetSource() != "svc:core-banking" {
			t.Fatalf("batch: %v", batch)
		}
		e.peers.figure("M1", "2026-11", "DEPOSIT_DAILY_AVG", "50000000.00")
		e.peers.figure("M1", "2026-11", "LOAN_DAILY_AVG", "30000000.00")
		for m, c := range map[string]string{"M1": "1.00", "A1": "0.90", "S1": "1.10", "M2": "1.20"} {
			e.peers.coefficient(m, "2026-11", c)
		}

		// The run, computed in the background.
		run := must[*compv1.PayrollRun](t)(hr.payroll.CreatePayrollRun(ctx, &compv1.CreatePayrollRunRequest{
			PayrollRun: &compv1.PayrollRun{Period: "2026-11", OrgUnit: "orgUnits/branch-a"}}))
		if run.GetState() != compv1.PayrollRun_STATE_DRAFT || run.GetComputation().GetState() != compv1.Computation_STATE_RUNNING {
			t.Fatalf("new run: %v", run)
		}
		_, err = hr.payroll.CreatePayrollRun(ctx, &compv1.CreatePayrollRunRequest{PayrollRun: &compv1.PayrollRun{Period: "2026-11", OrgUnit: "orgUnits/team-a1"}})
		wantCode(t, "an overlapping run", err, codes.AlreadyExists, "overlaps")
		run = e.computed(hr, run.GetName())
		if run.GetState() != compv1.PayrollRun_STATE_COMPUTED || run.GetGeneration() != 1 || run.GetPayslipCount() != 5 ||
			run.GetComputation().GetPercentDone() != 100 || run.GetPayConfig() != "payConfigs/2000-01-01" {
			t.Fatalf("computed run: %v", run)
		}
		slip := func(c caller, manager string) *compv1.Payslip {
			t.Helper()
			return must[*compv1.Payslip](t)(c.payroll.GetPayslip(ctx, &compv1.GetPayslipRequest{Name: run.GetName() + "/payslips/" + manager}))
		}

		// Worked example 1 on M1's payslip, with every input shown.
		p := slip(hr, "M1")
		bonus := line(t, p, "BUSINESS_BONUS")
		if amount(bonus.GetAmount()) != "1245.83" {
			t.Fatalf("bonus = %s, want 1245.83", amount(bonus.GetAmount()))
		}
		inputs := map[string]*compv1.LineInput{}
		for _, in := range bonus.GetInputs() {
			inputs[in.GetName()] = in
		}
		for name, want := range map[string]string{"D": "50000000.00", "IL": "0.0280", "IC": "0.0150", "L": "30000000.00", "IA": "0.0435",
			"IB": "0.0280", "t": "30", "P": "0.02", "Q": "0.03", "N": "1.0", "F": "2000.00", "K": "0.5"} {
			if in := inputs[name]; in.GetValue() != want || in.GetSource() == "" {
				t.Errorf("bonus input %s = %v, want %s with its source", name, in, want)
			}
		}
		if src := inputs["D"].GetSource(); !strings.Contains(src, "managers/M1/periods/2026-11/figures/DEPOSIT_DAILY_AVG") {
			t.Errorf("D's source %q does not name the figure", src)
		}
		if src := inputs["F"].GetSource(); !strings.Contains(src, batch.GetPayInputs()[0].GetName()) {
			t.Errorf("F's source %q does not name the pay input", src)
		}
		if l := line(t, p, "PERFORMANCE"); amount(l.GetAmount()) != "3000.00" || !strings.Contains(l.GetInputs()[0].GetSource(), "runs/monthly-2026-11") {
			t.Errorf("performance: %v", l)
		}
		if hasLine(p, "MANAGEMENT_ALLOWANCE") || p.GetSupervisor() {
			t.Error("a CM got the management allowance")
		}
		if gross, ded, net := mustAmount(p.GetGross()), mustAmount(p.GetDeductions()), mustAmount(p.GetNet()); must[money.Amount](t)(gross.Sub(ded)) != net {
			t.Errorf("payslip does not tie out: %s − %s ≠ %s", gross, ded, net)
		}
		// Worked example 2: a 助理 with 150.00 of conduct deductions.
		if l := line(t, slip(hr, "A1"), "BASE"); amount(l.GetAmount()) != "4650.00" {
			t.Errorf("A1 base pay = %s, want 4650.00", amount(l.GetAmount()))
		}
		// A trainee gets the daily wage only; a supervisor the management allowance.
		if tp := slip(hr, "T1"); len(tp.GetLines()) != 1 || tp.GetLines()[0].GetCode() != "TRAINEE_WAGE" ||
			amount(tp.GetNet()) != "4200.00" || !tp.GetTrainee() {
			t.Errorf("trainee payslip: %v", tp)
		}
		if l := line(t, slip(hr, "S1"), "MANAGEMENT_ALLOWANCE"); amount(l.GetAmount()) != "1000.00" {
			t.Errorf("supervisor's allowance: %v", l)
		}
		all := must[*compv1.ListPayslipsResponse](t)(hr.payroll.ListPayslips(ctx, &compv1.ListPayslipsRequest{Parent: run.GetName(), PageSize: 2}))
		if len(all.GetPayslips()) != 2 || all.GetNextPageToken() == "" {
			t.Fatalf("first page: %v", all)
		}
		rest := must[*compv1.ListPayslipsResponse](t)(hr.payroll.ListPayslips(ctx, &compv1.ListPayslipsRequest{Parent: run.GetName(),
			PageSize: 10, PageToken: all.GetNextPageToken()}))
		if len(rest.GetPayslips()) != 3 {
			t.Fatalf("second page: %d payslips", len(rest.GetPayslips()))
		}

		// Recomputed with the same inputs: the same payslips, no differences.
		run = must[*compv1.PayrollRun](t)(hr.payroll.ComputePayrollRun(ctx, &compv1.ComputePayrollRunRequest{Name: run.GetName()}))
		run = e.computed(hr, run.GetName())
		diffs := must[*compv1.ListPayslipDiffsResponse](t)(hr.payroll.ListPayslipDiffs(ctx, &compv1.ListPayslipDiffsRequest{Parent: run.GetName()}))
		if run.GetGeneration() != 2 || len(diffs.GetDiffs()) != 0 || run.GetComputation().GetChangedPayslips() != 0 {
			t.Fatalf("identical recompute: generation %d, diffs %v", run.GetGeneration(), diffs)
		}
		if again := slip(hr, "M1"); !sameLines(again, p) {
			t.Fatal("recomputing with the same inputs changed M1's payslip")
		}
		// A new award for A1: the diff names A1's new line and net pay only.
		must[*compv1.PayInput](t)(hr.pay.CreatePayInput(ctx, &compv1.CreatePayInputRequest{PayInput: input("A1", "2026-11", compv1.PayInput_KIND_AWARD, "CONTRACT_QUALITY", "200.00")}))
		must[*compv1.PayrollRun](t)(hr.payroll.ComputePayrollRun(ctx, &compv1.ComputePayrollRunRequest{Name: run.GetName()}))
		run = e.computed(hr, run.GetName())
		diffs = must[*compv1.ListPayslipDiffsResponse](t)(hr.payroll.ListPayslipDiffs(ctx, &compv1.ListPayslipDiffsRequest{Parent: run.GetName()}))
		if len(diffs.GetDiffs()) != 2 || diffs.GetGeneration() != 3 {
			t.Fatalf("diffs after an award: %v", diffs)
		}
		for _, d := range diffs.GetDiffs() {
			if d.GetManager() != "managers/A1" {
				t.Errorf("diff of %s", d.GetManager())
			}
		}
		if d := diffs.GetDiffs()[0]; !strings.HasPrefix(d.GetLineCode(), "AWARD/") || d.GetChange() != compv1.PayslipDiff_CHANGE_ADDED || amount(d.GetAfter()) != "200.00" {
			t.Errorf("award diff: %v", d)
		}
		if d := diffs.GetDiffs()[1]; d.GetLineCode() != "NET" || mustAmount(d.GetAfter()).Fen()-mustAmount(d.GetBefore()).Fen() != 20000 {
			t.Errorf("net diff: %v", d)
		}

		// Who may read a payslip before the run is locked: HR and the committee.
		committeeView := slip(committee, "M1")
		if committeeView.GetName() == "" {
			t.Fatal("the committee reads payslips")
		}
		// A supervisor may read their own payslip but none of the team's, and is
		// told NotFound like anyone else out of scope (no existence leak).
		for who, c := range map[string]caller{"the CM before the lock": m1, "HR of another branch": hrB,
			"a supervisor who is also a CM": supCM, "a supervisor": sup} {
			_, err := c.payroll.GetPayslip(ctx, &compv1.GetPayslipRequest{Name: run.GetName() + "/payslips/M1"})
			wantCode(t, who, err, codes.NotFound, "")
		}

		// Maker–checker: submitted by one HR officer, approved by another.
		_, err = hr.payroll.SubmitPayrollRun(ctx, &compv1.SubmitPayrollRunRequest{Name: run.GetName(), Etag: "r1"})
		wantCode(t, "a stale etag", err, codes.Aborted, "changed since")
		run = must[*compv1.PayrollRun](t)(hr.payroll.SubmitPayrollRun(ctx, &compv1.SubmitPayrollRunRequest{Name: run.GetName(), Etag: run.GetEtag(), Reason: "十一月工资"}))
		if run.GetState() != compv1.PayrollRun_STATE_SUBMITTED || !strings.HasPrefix(run.GetApproval(), "services/compensation/approvals/") {
			t.Fatalf("submitted: %v", run)
		}
		_, err = hr.payroll.ComputePayrollRun(ctx, &compv1.ComputePayrollRunRequest{Name: run.GetName()})
		wantCode(t, "recompute while submitted", err, codes.FailedPrecondition, "submitted")
		_, err = hr.approvals.ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: run.GetApproval()})
		wantCode(t, "self-approval", err, codes.PermissionDenied, "someone else")
		_, err = committee.approvals.ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: run.GetApproval()})
		wantCode(t, "the committee lacks payroll approval", err, codes.PermissionDenied, "compensation.payroll.approve")
		must[*approvalv1.Approval](t)(hr2.approvals.ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: run.GetApproval()}))
		run = must[*compv1.PayrollRun](t)(hr.payroll.GetPayrollRun(ctx, &compv1.GetPayrollRunRequest{Name: run.GetName()}))
		if run.GetState() != compv1.PayrollRun_STATE_LOCKED || run.GetApprovedBy() != "E0009" || run.GetLockTime() == nil {
			t.Fatalf("approved run: %v", run)
		}

		// Locked: nothing changes it.
		_, err = hr.payroll.ComputePayrollRun(ctx, &compv1.ComputePayrollRunRequest{Name: run.GetName()})
		wantCode(t, "recompute a locked run", err, codes.FailedPrecondition, "locked")
		_, err = hr.payroll.DiscardPayrollRun(ctx, &compv1.DiscardPayrollRunRequest{Name: run.GetName(), Reason: "x"})
		wantCode(t, "discard a locked run", err, codes.FailedPrecondition, "locked")
		_, err = hr.payroll.SubmitPayrollRun(ctx, &compv1.SubmitPayrollRunRequest{Name: run.GetName()})
		wantCode(t, "submit a locked run", err, codes.FailedPrecondition, "locked")
		_, err = hr.pay.CreatePayInput(ctx, &compv1.CreatePayInputRequest{PayInput: input("M1", "2026-11", compv1.PayInput_KIND_AWARD, "SUGGESTION", "1.00")})
		wantCode(t, "an input for a locked month", err, codes.FailedPrecondition, "locked")
		_, err = hr.pay.DeletePayInput(ctx, &compv1.DeletePayInputRequest{Name: batch.GetPayInputs()[0].GetName()})
		wantCode(t, "remove an input of a locked month", err, codes.FailedPrecondition, "locked")

		// After the lock: a manager reads their own payslip, and only theirs.
		if own := slip(m1, "M1"); amount(own.GetNet()) != amount(p.GetNet()) || own.GetRunState() != compv1.PayrollRun_STATE_LOCKED {
			t.Errorf("own payslip: %v", own)
		}
		for who, c := range map[string]caller{"a peer CM (M1 reads A1's)": m1, "a supervisor who is also a CM": supCM} {
			_, err := c.payroll.GetPayslip(ctx, &compv1.GetPayslipRequest{Name: run.GetName() + "/payslips/A1"})
			wantCode(t, who, err, codes.NotFound, "")
		}
		if mine := must[*compv1.ListPayslipsResponse](t)(m1.payroll.ListPayslips(ctx, &compv1.ListPayslipsRequest{Parent: "payrollRuns/-"})); len(mine.GetPayslips()) != 1 ||
			mine.GetPayslips()[0].GetManager() != "managers/M1" {
			t.Errorf("a manager lists only their own payslips: %v", mine)
		}
		if own := slip(supCM, "S1"); !own.GetSupervisor() {
			t.Errorf("the supervisor's own payslip: %v", own)
		}

		// Exports: the bank transfer file and the salary register.
		var header metadata.MD
		body := must[*httpBody](t)(hr.payroll.ExportBankTransfer(ctx, &compv1.ExportBankTransferRequest{Name: run.GetName()}, grpc.Header(&header)))
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body.GetData(), []byte("\uFEFF")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(rows[0], ",") != strings.Join(ports.BankTransferHeaders, ",") || len(rows) != 7 || rows[6][0] != "合计" ||
			rows[6][1] != "5" || rows[6][3] != amount(run.GetNetTotal()) {
			t.Fatalf("bank transfer file: %q", rows)
		}
		if cd := header.Get("content-disposition"); len(cd) != 1 || !strings.Contains(cd[0], "bank-transfer-2026-11-branch-a.csv") {
			t.Errorf("content-disposition: %v", cd)
		}
		xlsx := must[*httpBody](t)(hr.payroll.ExportSalaryRegister(ctx, &compv1.ExportSalaryRegisterRequest{Name: run.GetName()}))
		if !bytes.HasPrefix(xlsx.GetData(), []byte("PK")) || !strings.Contains(xlsx.GetContentType(), "spreadsheetml") {
			t.Errorf("salary register: %s, %d bytes", xlsx.GetContentType(), len(xlsx.GetData()))
		}
		page := must[*httpBody](t)(m1.payroll.ExportPayslip(ctx, &compv1.ExportPayslipRequest{Name: run.GetName() + "/payslips/M1"}))
		if s := string(page.GetData()); !strings.Contains(s, "1245.83") || !strings.Contains(s, "DEPOSIT_DAILY_AVG") || !strings.Contains(s, "业务奖金") {
			t.Errorf("payslip page lacks the bonus and its inputs")
		}
		js := must[*httpBody](t)(m1.payroll.ExportPayslip(ctx, &compv1.ExportPayslipRequest{Name: run.GetName() + "/payslips/M1", Format: compv1.ExportPayslipRequest_FORMAT_JSON}))
		var doc map[string]any
		if err := json.Unmarshal(js.GetData(), &doc); err != nil || doc["manager"] != "managers/M1" {
			t.Errorf("payslip JSON: %v %s", err, js.GetData())
		}
		_, err = m1.payroll.ExportPayslip(ctx, &compv1.ExportPayslipRequest{Name: run.GetName() + "/payslips/A1"})
		wantCode(t, "a peer's payslip page", err, codes.NotFound, "")

		// A retro change: S goes up to 6,500.00 from the start, after November
		// was locked. November stays as it was; December's run pays the
		// difference for November as adjustment lines naming November's run.
		cur := must[*compv1.PayConfig](t)(hr.pay.GetPayConfig(ctx, &compv1.GetPayConfigRequest{Name: def.GetName()}))
		cur.Standard.Units = 6500
		updated := must[*compv1.PayConfig](t)(hr.pay.UpdatePayConfig(ctx, &compv1.UpdatePayConfigRequest{PayConfig: cur}))
		if updated.GetRevision() != 2 {
			t.Fatalf("updated configuration: %v", updated)
		}
		if same := slip(hr, "M1"); !sameLines(same, slip(m1, "M1")) || amount(line(t, same, "BASE").GetAmount()) != "6000.00" {
			t.Fatal("a locked payslip changed with the configuration")
		}
		e.peers.coefficient("M1", "2026-12", "1.00")
		dec := must[*compv1.PayrollRun](t)(hr.payroll.CreatePayrollRun(ctx, &compv1.CreatePayrollRunRequest{
			PayrollRun: &compv1.PayrollRun{Period: "2026-12", OrgUnit: "orgUnits/branch-a"}}))
		dec = e.computed(hr, dec.GetName())
		if dec.GetAdjustmentCount() == 0 || dec.GetPayConfigRevision() != 2 {
			t.Fatalf("December: %v", dec)
		}
		mDec := must[*compv1.Payslip](t)(hr.payroll.GetPayslip(ctx, &compv1.GetPayslipRequest{Name: dec.GetName() + "/payslips/M1"}))
		retro := line(t, mDec, "RETRO/2026-11/BASE")
		if amount(retro.GetAmount()) != "500.00" || retro.GetKind() != compv1.LineKind_LINE_KIND_EARNING || retro.GetReferenceRun() != run.GetName() ||
			retro.GetReferencePeriod() != "2026-11" || !strings.HasPrefix(retro.GetDisplayName(), "补发 2026-11") {
			t.Errorf("retro base line: %v", retro)
		}
		if l := line(t, mDec, "RETRO/2026-11/PERFORMANCE"); amount(l.GetAmount()) != "250.00" {
			t.Errorf("retro performance: %v", l)
		}
		if l := line(t, mDec, "BASE"); amount(l.GetAmount()) != "6500.00" {
			t.Errorf("December base: %v", l)
		}
		aDec := must[*compv1.Payslip](t)(hr.payroll.GetPayslip(ctx, &compv1.GetPayslipRequest{Name: dec.GetName() + "/payslips/A1"}))
		if l := line(t, aDec, "RETRO/2026-11/BASE"); amount(l.GetAmount()) != "400.00" {
			t.Errorf("A1 retro base: %v", l)
		}
		if hasLine(must[*compv1.Payslip](t)(hr.payroll.GetPayslip(ctx, &compv1.GetPayslipRequest{Name: dec.GetName() + "/payslips/T1"})), "RETRO/2026-11/TRAINEE_WAGE") {
			t.Error("the trainee wage did not change, yet it is adjusted")
		}
		// Once December is locked, January has nothing left to correct.
		dec = must[*compv1.PayrollRun](t)(hr.payroll.SubmitPayrollRun(ctx, &compv1.SubmitPayrollRunRequest{Name: dec.GetName()}))
		must[*approvalv1.Approval](t)(hr2.approvals.ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: dec.GetApproval()}))
		jan := must[*compv1.PayrollRun](t)(hr.payroll.CreatePayrollRun(ctx, &compv1.CreatePayrollRunRequest{
			PayrollRun: &compv1.PayrollRun{Period: "2027-01", OrgUnit: "orgUnits/branch-a"}}))
		if jan = e.computed(hr, jan.GetName()); jan.GetAdjustmentCount() != 0 || jan.GetState() != compv1.PayrollRun_STATE_COMPUTED {
			t.Errorf("January after the retro was settled: %v", jan)
		}
		_, err = hr.payroll.ExportBankTransfer(ctx, &compv1.ExportBankTransferRequest{Name: jan.GetName()})
		wantCode(t, "bank file of an open run", err, codes.FailedPrecondition, "locked runs only")

		// Every change is in the audit log once, with the amounts masked.
		recs := must[*auditv1.ListAuditRecordsResponse](t)(hr.audit.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{
			Parent: "services/compensation", Filter: `object = "` + run.GetName() + `"`}))
		methods := map[string]int{}
		for _, r := range recs.GetAuditRecords() {
			methods[r.GetMethod()[strings.LastIndex(r.GetMethod(), "/")+1:]]++
			if net, ok := r.GetAfter().GetFields()["netTotal"]; ok && net.GetStringValue() != "***" {
				t.Errorf("run totals not masked: %v", r.GetAfter())
			}
		}
		if methods["CreatePayrollRun"] != 1 || methods["ComputePayrollRun"] != 2 || methods["SubmitPayrollRun"] != 1 || methods["ApproveApproval"] != 1 {
			t.Errorf("audit records of the run: %v", methods)
		}
	})
}

// TestEveryRPCChecksPermissions walks every RPC the service registers.
func TestEveryRPCChecksPermissions(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/c.db", service.Options{})
	conn, err := grpc.NewClient(e.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if n := authtest.WalkRPCs(t, conn, service.DescriptorWith(service.Options{}).AllRules(), e.iss); n < 25 {
		t.Errorf("walked %d RPCs", n)
	}
}
