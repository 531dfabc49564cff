package drills

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	moneypb "google.golang.org/genproto/googleapis/type/money"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/pkg/money"
	compv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/compensation/v1"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

// payrollManagers is how many trainees the payroll drill pays (default 5,000;
// RMSUITE_DRILLS_PAYROLL_MANAGERS changes it): enough that a computation takes a
// few seconds and writes its payslips in several transactions of 2,000, few enough
// that creating and appointing them through the roster's API (about 130 managers a
// second on a busy 2-core machine) stays well under a minute.
func payrollManagers() int {
	if n, err := strconv.Atoi(os.Getenv("RMSUITE_DRILLS_PAYROLL_MANAGERS")); err == nil && n > 0 {
		return n
	}
	return 5000
}

// payrollUnit is the team the payroll drill's managers belong to and its runs cover.
const payrollUnit = "team-paydrill"

// payrollBank is the data of the payroll drill in the real roster and compensation.
type payrollBank struct {
	roster  rosterv1.ManagerServiceClient
	units   rosterv1.RosterServiceClient
	pay     compv1.PayServiceClient
	payroll compv1.PayrollServiceClient
	hr      context.Context // calls as an HR officer of the head office
	admin   context.Context
	period  string   // the month paid: last month
	first   day      // its first day
	days    []int64  // days worked, by manager index
	ids     []string // manager ids
}

type day struct{ y, m, d int32 }

func (c day) proto() *date.Date { return &date.Date{Year: c.y, Month: c.m, Day: c.d} }

// newPayrollBank dials the roster and compensation through etcd, as any client does.
func newPayrollBank(t *testing.T) *payrollBank {
	t.Helper()
	dial := func(svc string) *grpc.ClientConn {
		conn, err := discovery.Dial(sys.etcdClient, svc)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	roster, comp := dial("roster"), dial("compensation")
	hrToken, err := sys.mint("E0002", "head-office", auth.HROfficer)
	if err != nil {
		t.Fatal(err)
	}
	last := time.Now().AddDate(0, 0, -time.Now().Day()-1) // a day of last month
	b := &payrollBank{
		roster: rosterv1.NewManagerServiceClient(roster), units: rosterv1.NewRosterServiceClient(roster),
		pay: compv1.NewPayServiceClient(comp), payroll: compv1.NewPayrollServiceClient(comp),
		hr:     metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+hrToken),
		admin:  metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+sys.adminToken),
		period: last.Format("2006-01"), first: day{int32(last.Year()), int32(last.Month()), 1},
	}
	return b
}

// seed creates the team and n trainees in it through the roster's API — each
// recorded (with the entry exams and a credit licence) and appointed on the first of
// the month paid — and their days worked in compensation.
func (b *payrollBank) seed(t *testing.T, n int) {
	t.Helper()
	start := time.Now()
	if _, err := b.units.CreateOrgUnit(b.admin, &rosterv1.CreateOrgUnitRequest{OrgUnitId: payrollUnit, RequestId: "drill-" + payrollUnit,
		OrgUnit: &rosterv1.OrgUnit{DisplayName: "薪酬演练团队", Type: rosterv1.OrgUnit_TYPE_TEAM, Parent: "orgUnits/sub-zhangjiang"}}); err != nil {
		t.Fatal(err)
	}
	hired := day{2020, 1, 1}
	b.ids, b.days = make([]string, n), make([]int64, n)
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || failed.Load() != nil {
					return
				}
				id := fmt.Sprintf("P%05d", i)
				b.ids[i], b.days[i] = id, int64(15+i%8)
				ctx, cancel := context.WithTimeout(b.hr, 30*time.Second)
				_, err := b.roster.CreateManager(ctx, &rosterv1.CreateManagerRequest{ManagerId: id, RequestId: "drill-create-" + id,
					Manager: &rosterv1.Manager{DisplayName: fmt.Sprintf("演练经理%05d", i), HireDate: hired.proto(),
						FinanceStartDate: day{2018, 7, 1}.proto(), Education: rosterv1.Manager_EDUCATION_BACHELOR,
						OrgUnit: "orgUnits/" + payrollUnit, Post: "零售客户经理", Line: rosterv1.Line_LINE_RETAIL,
						Qualifications: []*rosterv1.Qualification{{Kind: rosterv1.Qualification_KIND_CREDIT_LICENCE,
							Number: "XD-" + id, IssueDate: hired.proto(), ExpiryDate: day{2035, 12, 31}.proto()}},
						EntryRecord: &rosterv1.EntryRecord{KnowledgeExamPassedDate: hired.proto(), ConductReviewPassedDate: hired.proto()}}})
				if err == nil {
					_, err = b.roster.AppointManager(ctx, &rosterv1.AppointManagerRequest{Name: "managers/" + id,
						EffectiveDate: b.first.proto(), Reason: "薪酬演练", RequestId: "drill-appoint-" + id})
				}
				cancel()
				if err != nil {
					failed.Store(fmt.Errorf("managers/%s: %w", id, err))
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d trainees (create + appoint over gRPC, 16 callers) in %s", n, time.Since(start).Round(100*time.Millisecond))
}

// daysWorked records every manager's days worked for the month, in batches.
func (b *payrollBank) daysWorked(t *testing.T) {
	t.Helper()
	for from := 0; from < len(b.ids); from += 5000 {
		var ins []*compv1.PayInput
		for i := from; i < min(from+5000, len(b.ids)); i++ {
			ins = append(ins, &compv1.PayInput{Manager: "managers/" + b.ids[i], Period: b.period,
				Kind: compv1.PayInput_KIND_DAYS_WORKED, Value: strconv.FormatInt(b.days[i], 10)})
		}
		ctx, cancel := context.WithTimeout(b.hr, time.Minute)
		_, err := b.pay.BatchCreatePayInputs(ctx, &compv1.BatchCreatePayInputsRequest{PayInputs: ins,
			RequestId: fmt.Sprintf("drill-days-%s-%d", b.period, from)})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// expectedNet is what the trainees earn: the default daily wage of 200.00 per day.
func (b *payrollBank) expectedNet() int64 {
	var fen int64
	for _, d := range b.days {
		fen += d * 200_00
	}
	return fen
}

func (b *payrollBank) run(t *testing.T, name string) *compv1.PayrollRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.hr, 10*time.Second)
	defer cancel()
	r, err := b.payroll.GetPayrollRun(ctx, &compv1.GetPayrollRunRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wait polls the run until its computation is no longer running.
func (b *payrollBank) wait(t *testing.T, name string, limit time.Duration) *compv1.PayrollRun {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		r := b.run(t, name)
		if r.GetComputation().GetState() != compv1.Computation_STATE_RUNNING {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still computing after %s: %v", name, limit, r.GetComputation())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func fen(t *testing.T, m *moneypb.Money) int64 {
	t.Helper()
	a, err := money.FromProto(m)
	if err != nil {
		t.Fatal(err)
	}
	return a.Fen()
}

// generations counts the stored payslips of a run by generation, and the distinct
// managers among them, straight from compensation's database.
func generations(t *testing.T, runID string) map[int][2]int64 {
	t.Helper()
	db := sys.openDB(t, "compensation")
	ctx := context.Background()
	rows, err := db.Q(ctx).QueryContext(ctx, `SELECT generation, COUNT(*), COUNT(DISTINCT manager_id), COALESCE(SUM(net_fen), 0)
		FROM payslips WHERE run_id = $1 GROUP BY generation`, runID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int][2]int64{}
	for rows.Next() {
		var g int
		var n, distinct, net int64
		if err := rows.Scan(&g, &n, &distinct, &net); err != nil {
			t.Fatal(err)
		}
		if n != distinct {
			t.Errorf("generation %d of %s holds %d payslips for %d managers", g, runID, n, distinct)
		}
		out[g] = [2]int64{n, net}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// kill -9 the compensation instance computing a payroll run while it writes the
// payslips: the run keeps showing its previous generation, complete (the half
// written one is invisible); the computation is taken up again when its lease runs
// out and finishes; the payslips are those a clean computation gives — every
// manager paid once, the totals what the inputs make.
func TestKillCompensationMidPayroll(t *testing.T) {
	serving(t, everyService)
	n := payrollManagers()
	b := newPayrollBank(t)
	b.seed(t, n)

	// A first computation, before the days worked are known: the previous generation.
	ctx, cancel := context.WithTimeout(b.hr, 30*time.Second)
	created, err := b.payroll.CreatePayrollRun(ctx, &compv1.CreatePayrollRunRequest{RequestId: "drill-run-" + b.period,
		PayrollRun: &compv1.PayrollRun{Period: b.period, OrgUnit: "orgUnits/" + payrollUnit}})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	name := created.GetName()
	runID := name[len("payrollRuns/"):]
	began := time.Now()
	before := b.wait(t, name, 2*time.Minute)
	if before.GetState() != compv1.PayrollRun_STATE_COMPUTED || before.GetPayslipCount() != int32(n) {
		t.Fatalf("first computation: %v", before)
	}
	t.Logf("%s: first generation, %d payslips, net %s, computed in %s (without days worked)", name, before.GetPayslipCount(),
		money.FromFen(fen(t, before.GetNetTotal())), time.Since(began).Round(100*time.Millisecond))
	b.daysWorked(t)
	want := b.expectedNet()
	if fen(t, before.GetNetTotal()) == want {
		t.Fatalf("the first generation already pays %s: the drill could not tell the generations apart", money.FromFen(want))
	}

	// Recompute, and kill the instance doing it once some of the payslips are written.
	comp := sys.instances["compensation"][:2]
	succeeded := func(in *instance) float64 {
		v, _ := scrape(in.metrics, "rmsuite_operation_runs_total", `operation="payroll_run"`, `outcome="succeeded"`)
		return v
	}
	var victim *instance
	var written, planned float64
	for attempt := 1; victim == nil; attempt++ {
		if attempt > 3 {
			t.Fatal("three recomputations finished before any of their payslips were seen written: make the drill bigger (RMSUITE_DRILLS_PAYROLL_MANAGERS)")
		}
		prev := b.run(t, name)
		ctx, cancel := context.WithTimeout(b.hr, 30*time.Second)
		_, err := b.payroll.ComputePayrollRun(ctx, &compv1.ComputePayrollRunRequest{Name: name, RequestId: fmt.Sprintf("drill-recompute-%d", attempt)})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		began = time.Now()
		for victim == nil {
			for _, in := range comp {
				planned, _ = scrape(in.metrics, "rmsuite_operation_items", `run="`+name+`"`, `state="planned"`)
				written, _ = scrape(in.metrics, "rmsuite_operation_items", `run="`+name+`"`, `state="done"`)
				if planned > 0 && written > 0 && written < planned {
					victim = in
					break
				}
			}
			if victim == nil && b.run(t, name).GetComputation().GetState() != compv1.Computation_STATE_RUNNING {
				t.Logf("attempt %d: the computation finished before it was caught writing; again", attempt)
				break
			}
			if victim == nil {
				time.Sleep(10 * time.Millisecond)
			}
		}
		if victim != nil {
			if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-victim.exited
			before = prev
		}
	}
	killed := time.Now()
	t.Logf("compensation-%d killed %s into the recomputation, with %.0f of %.0f payslips written", victim.n,
		killed.Sub(began).Round(10*time.Millisecond), written, planned)

	// Meanwhile the run is the previous generation, whole.
	mid := b.run(t, name)
	if mid.GetState() != compv1.PayrollRun_STATE_COMPUTED || mid.GetGeneration() != before.GetGeneration() ||
		mid.GetPayslipCount() != int32(n) || fen(t, mid.GetNetTotal()) != fen(t, before.GetNetTotal()) ||
		mid.GetComputation().GetState() != compv1.Computation_STATE_RUNNING {
		t.Fatalf("after the kill the run reads %v; want generation %d, %d payslips, net %s, computation running",
			mid, before.GetGeneration(), n, money.FromFen(fen(t, before.GetNetTotal())))
	}
	stored := generations(t, runID)
	current := stored[int(before.GetGeneration())]
	half := stored[int(before.GetGeneration())+1]
	if current[0] != int64(n) || current[1] != fen(t, before.GetNetTotal()) {
		t.Fatalf("the current generation holds %d payslips, net %s; want %d, %s", current[0], money.FromFen(current[1]), n,
			money.FromFen(fen(t, before.GetNetTotal())))
	}
	if half[0] == 0 || half[0] >= int64(n) {
		t.Fatalf("the interrupted generation holds %d payslips; want some but not all of %d (stored: %v)", half[0], n, stored)
	}
	t.Logf("after the kill: the run reads generation %d (%d payslips, net %s); the interrupted generation's %d payslips are stored beside it, unseen",
		mid.GetGeneration(), mid.GetPayslipCount(), money.FromFen(fen(t, mid.GetNetTotal())), half[0])
	listed, listedNet := 0, int64(0)
	for token := ""; ; {
		page, err := b.payroll.ListPayslips(b.hr, &compv1.ListPayslipsRequest{Parent: name, PageSize: 1000, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.GetPayslips() {
			listed++
			listedNet += fen(t, p.GetNet())
		}
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	if listed != n || listedNet != fen(t, before.GetNetTotal()) {
		t.Fatalf("ListPayslips meanwhile: %d payslips, net %s; want the previous generation's %d, %s", listed,
			money.FromFen(listedNet), n, money.FromFen(fen(t, before.GetNetTotal())))
	}

	// A supervisor restarts the instance; whichever instance comes first takes the
	// computation up again once its lease has run out.
	counts := map[*instance]float64{}
	for _, in := range comp {
		counts[in] = succeeded(in)
	}
	if err := sys.restart(victim); err != nil {
		t.Fatal(err)
	}
	counts[victim] = 0
	after := b.wait(t, name, 3*time.Minute)
	// The instance counts the computation once its transaction committed, a moment
	// after the run reads as computed.
	var finisher []string
	for deadline := time.Now().Add(5 * time.Second); len(finisher) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, in := range comp {
			if succeeded(in) > counts[in] {
				finisher = append(finisher, fmt.Sprintf("compensation-%d", in.n))
			}
		}
	}
	t.Logf("computation finished %s after the kill, by %v (lease 30 s): %s, %d payslips, net %s",
		time.Since(killed).Round(100*time.Millisecond), finisher, after.GetComputation().GetState(), after.GetPayslipCount(),
		money.FromFen(fen(t, after.GetNetTotal())))
	if after.GetState() != compv1.PayrollRun_STATE_COMPUTED || after.GetComputation().GetState() != compv1.Computation_STATE_SUCCEEDED ||
		after.GetGeneration() != before.GetGeneration()+1 || after.GetPayslipCount() != int32(n) {
		t.Fatalf("after the takeover: %v", after)
	}
	if got := fen(t, after.GetNetTotal()); got != want {
		t.Errorf("net after the takeover %s; the days worked make %s", money.FromFen(got), money.FromFen(want))
	}
	if len(finisher) != 1 {
		t.Errorf("finished by %v; want exactly one instance", finisher)
	}
	stored = generations(t, runID)
	if len(stored) != 1 || stored[int(after.GetGeneration())] != [2]int64{int64(n), want} {
		t.Errorf("stored payslips by generation after the takeover: %v; want only generation %d: %d payslips, net %d fen",
			stored, after.GetGeneration(), n, want)
	}

	// A clean computation of the same inputs changes nothing.
	ctx, cancel = context.WithTimeout(b.hr, 30*time.Second)
	_, err = b.payroll.ComputePayrollRun(ctx, &compv1.ComputePayrollRunRequest{Name: name, RequestId: "drill-recompute-clean"})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	began = time.Now()
	clean := b.wait(t, name, 2*time.Minute)
	t.Logf("a clean recomputation took %s: %d payslips, net %s, %d changed", time.Since(began).Round(100*time.Millisecond),
		clean.GetPayslipCount(), money.FromFen(fen(t, clean.GetNetTotal())), clean.GetComputation().GetChangedPayslips())
	if clean.GetComputation().GetState() != compv1.Computation_STATE_SUCCEEDED || clean.GetPayslipCount() != int32(n) ||
		fen(t, clean.GetNetTotal()) != want || fen(t, clean.GetGrossTotal()) != fen(t, after.GetGrossTotal()) ||
		clean.GetComputation().GetChangedPayslips() != 0 {
		t.Errorf("the clean computation differs from the one taken over: %v", clean)
	}
	serving(t, everyService)
}
