package service_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	compv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/compensation/v1"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
	"github.com/rmsuite/rmsuite/services/compensation/internal/service"
)

// Issue target: a payroll run for 10,000 managers end to end — inputs
// gathered over gRPC from the roster (managers, grades as of month end) and
// the assessment service (coefficients, deposit and loan figures), payslips
// computed and persisted — under 10 s on SQLite and on PostgreSQL.
const benchManagers = 10000

// largeManagers is the size of the large run (BenchmarkPayrollRunLarge), which
// only `make bench` runs (RMSUITE_BENCH_LARGE=1): a bank ten times the target's.
const largeManagers = 100000

// benchBank puts n managers in the stand-in peers in three teams of two
// branches, on the three default ladders, with trainees (one in 40) and
// supervisors (one in 50), each with a coefficient and figures for every month.
func benchBank(e *env, months []string, n int) {
	teams := []string{"team-a1", "team-a2", "team-b1"}
	grades := [][3]string{{"sales", "ASSISTANT", ""}, {"sales", "JUNIOR", ""}, {"sales", "MIDDLE", ""}, {"bank", "L4", ""},
		{"bank", "L3", ""}, {"bank", "L2", ""}, {"three-levels-nine-bands", "MIDDLE", "B"}, {"three-levels-nine-bands", "SENIOR", "A"}}
	for i := range n {
		g := grades[i%len(grades)]
		m := fakeManager{id: fmt.Sprintf("B%05d", i), unit: teams[i%len(teams)], post: "零售客户经理", ladder: g[0], level: g[1], band: g[2]}
		switch {
		case i%50 == 0:
			m.post = "营销团队主管"
		case i%40 == 1:
			m.status = rosterv1.Manager_STATUS_PROBATION
		}
		e.peers.add(m)
		for _, p := range months {
			e.peers.coefficient(m.id, p, fmt.Sprintf("%d.%02d", 1, i%30))
			e.peers.figure(m.id, p, "DEPOSIT_DAILY_AVG", fmt.Sprintf("%d.%02d", 1_000_000+i*137, i%100))
			e.peers.figure(m.id, p, "LOAN_DAILY_AVG", fmt.Sprintf("%d.00", 500_000+i*71))
		}
	}
}

// BenchmarkPayrollRun times CreatePayrollRun for the whole bank until its
// computation has finished, each iteration a new month (the second and later
// recompute nothing; they are new runs).
func BenchmarkPayrollRun(b *testing.B) { benchPayroll(b, benchManagers) }

// BenchmarkPayrollRunLarge is BenchmarkPayrollRun for 100,000 managers. It runs
// only with RMSUITE_BENCH_LARGE=1 (`make bench`, with -benchtime 1x: one month
// on each backend, about a minute each), never in `make test`.
func BenchmarkPayrollRunLarge(b *testing.B) {
	if os.Getenv("RMSUITE_BENCH_LARGE") != "1" {
		b.Skip("100,000 managers: only make bench runs this (RMSUITE_BENCH_LARGE=1)")
	}
	benchPayroll(b, largeManagers)
}

func benchPayroll(b *testing.B, n int) {
	for _, backend := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", storagetest.SQLiteURL}, {"postgres", storagetest.PostgresURL}} {
		b.Run(backend.name, func(b *testing.B) {
			months := []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"}[:min(b.N, 6)]
			e := newEnv(b, backend.url(b), service.Options{})
			benchBank(e, months, n)
			hr := e.as("E0002", "head-office", auth.HROfficer)
			system := e.as("svc:core-banking", "head-office", auth.System)
			// Each month some pay inputs: marketing expenses, conduct deductions,
			// days worked of the trainees, awards; at most 20,000 a call.
			for _, p := range months {
				var ins []*compv1.PayInput
				for i := 0; i < n; i += 4 {
					id := fmt.Sprintf("B%05d", i)
					ins = append(ins, input(id, p, compv1.PayInput_KIND_MARKETING_EXPENSE, "", fmt.Sprintf("%d.00", 500+i%1500)))
					if i%12 == 0 {
						ins = append(ins, input(id, p, compv1.PayInput_KIND_CONDUCT_DEDUCTION, "LATE", "50.00"))
					}
				}
				for i := 1; i < n; i += 40 {
					ins = append(ins, input(fmt.Sprintf("B%05d", i), p, compv1.PayInput_KIND_DAYS_WORKED, "", "20"))
				}
				for from := 0; from < len(ins); from += 20000 {
					must[*compv1.BatchCreatePayInputsResponse](b)(system.pay.BatchCreatePayInputs(ctx,
						&compv1.BatchCreatePayInputsRequest{PayInputs: ins[from:min(from+20000, len(ins))]}))
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				period := months[i%len(months)]
				began := time.Now()
				run := must[*compv1.PayrollRun](b)(hr.payroll.CreatePayrollRun(ctx, &compv1.CreatePayrollRunRequest{
					PayrollRun: &compv1.PayrollRun{Period: period, OrgUnit: "orgUnits/head-office"}}))
				for run.GetComputation().GetState() == compv1.Computation_STATE_RUNNING || run.GetComputation() == nil {
					if time.Since(began) > 10*time.Minute {
						b.Fatalf("%s: still computing after 10 minutes: %v", period, run.GetComputation())
					}
					time.Sleep(50 * time.Millisecond)
					run = must[*compv1.PayrollRun](b)(hr.payroll.GetPayrollRun(ctx, &compv1.GetPayrollRunRequest{Name: run.GetName()}))
				}
				took := time.Since(began)
				if run.GetState() != compv1.PayrollRun_STATE_COMPUTED || run.GetPayslipCount() != int32(n) {
					b.Fatalf("%s: %v", period, run)
				}
				b.Logf("%s: %d payslips, net %s, %d with warnings, in %v", period, run.GetPayslipCount(), amount(run.GetNetTotal()),
					run.GetWarningCount(), took.Round(time.Millisecond))
				b.StopTimer()
				// Free the month for another iteration of the same month.
				must[*compv1.PayrollRun](b)(hr.payroll.DiscardPayrollRun(ctx, &compv1.DiscardPayrollRunRequest{Name: run.GetName(), Reason: "benchmark"}))
				b.StartTimer()
			}
			b.ReportMetric(float64(n), "payslips/op")
		})
	}
}
