package service_test

import (
	"context"
	"encoding/csv"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/server"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	visitsv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/visits/v1"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/calendar"
	"github.com/rmsuite/rmsuite/services/visits/internal/service"
)

// clock is the service's clock, moved by the test.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(t time.Time) { c.ns.Store(t.UnixNano()) }
func at(s string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02 15:04", s, civil.Shanghai)
	return t
}
func date(s string) civil.Date { return civil.MustParse(s) }

// env is one running visits service with its fake roster, clock and callers.
type env struct {
	t      testing.TB
	dbURL  string
	roster *fakeRoster
	clock  *clock
	iss    *authtest.Issuer
	token  string // the service's own token file
	addr   string
	stop   func()
}

// newEnv starts visits against dbURL with a fake roster holding customers C1–C6
// (M1), C7–C8 (M2) in team A and C9 (M3) in team B, and waits until it has them.
func newEnv(t *testing.T, dbURL string) *env {
	e := &env{t: t, dbURL: dbURL, roster: newFakeRoster(t), clock: &clock{}, iss: authtest.New(t)}
	e.clock.set(at("2026-11-25 10:00"))
	e.token = filepath.Join(t.TempDir(), "visits.token")
	if err := os.WriteFile(e.token, []byte(e.iss.Token(t, "svc:visits", "", auth.System)), 0o600); err != nil {
		t.Fatal(err)
	}
	// Customers spread around Lujiazui (team A) and Hongqiao (team B).
	pts := [][2]float64{{31.2330, 121.5050}, {31.2420, 121.5120}, {31.2280, 121.4950}, {31.2200, 121.5300},
		{31.2500, 121.5200}, {31.2150, 121.4800}, {31.2350, 121.5000}, {31.2450, 121.4900}, {31.2000, 121.4000}}
	for i, p := range pts {
		id := "C" + string(rune('1'+i))
		manager, unit := "M1", "team-a"
		switch {
		case i >= 8:
			manager, unit = "M3", "team-b"
		case i >= 6:
			manager = "M2"
		}
		e.roster.customer(id, "客户"+id, manager, unit, p[0], p[1])
	}
	e.start()
	e.waitFor(func() bool {
		a, err := e.client("M1", "team-a", auth.CustomerManager).GetAnalysis(context.Background(),
			&visitsv1.GetAnalysisRequest{Name: "managers/M1/analyses/2026-12"})
		return err == nil && a.GetCustomers() == 6
	})
	return e
}

func (e *env) start() {
	t := e.t
	cfg := service.DefaultConfig()
	cfg.Auth = e.iss.Config
	if e.addr == "" { // a restart keeps the address, so clients reconnect
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		e.addr = l.Addr().String()
		l.Close()
	}
	cfg.Server.GRPCAddr = e.addr
	cfg.Server.DefaultDeadline = 10 * time.Second
	cfg.Server.ShutdownTimeout = 5 * time.Second
	cfg.DBURL = e.dbURL
	cfg.Peers = []string{"roster=" + e.roster.addr}
	cfg.ServiceTokenFile = e.token
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, service.DescriptorWith(service.Options{Now: e.clock.now}), cfg, zap.NewNop())
	}()
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("visits stopped with error: %v", err)
			}
		})
	}
	t.Cleanup(e.stop)
	conn, err := grpc.NewClient(e.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	e.waitFor(func() bool {
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "rmsuite.visits.v1.VisitService"})
		return err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING
	})
}

func (e *env) waitFor(cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatal("condition not met within 20s")
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// client is a VisitService client calling as subject.
func (e *env) client(subject, unit string, roles ...auth.Role) visitsv1.VisitServiceClient {
	conn, err := grpc.NewClient(e.addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(authtest.Bearer(e.iss.Token(e.t, subject, unit, roles...))))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	return visitsv1.NewVisitServiceClient(conn)
}

func code(err error) codes.Code { return status.Code(err) }

func wantCode(t *testing.T, what string, err error, want codes.Code, msg string) {
	t.Helper()
	if code(err) != want || !strings.Contains(status.Convert(err).Message(), msg) {
		t.Fatalf("%s: want %s containing %q, got %v", what, want, msg, err)
	}
}

func eachBackend(t *testing.T, test func(t *testing.T, dbURL string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, storagetest.SQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, storagetest.PostgresURL(t)) })
}

var ctx = context.Background()

// The 135 cycle over gRPC: generation, edit, submit, reject with a comment,
// resubmit, approval (never by the manager), the schedule it makes, the day's
// list and its export, a visit record, the month's results and the indicators;
// and who may see what.
func TestMonthlyCycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		m1 := e.client("M1", "team-a", auth.CustomerManager)
		m2 := e.client("M2", "team-a", auth.CustomerManager)
		s1 := e.client("S1", "team-a", auth.Supervisor)
		s2 := e.client("S2", "team-b", auth.Supervisor)
		admin := e.client("E0001", "head-office", auth.Administrator)

		// A small daily cap spreads the six visits over several days.
		st, err := admin.GetVisitSettings(ctx, &visitsv1.GetVisitSettingsRequest{Name: "visitSettings"})
		if err != nil || st.GetDailyCap() != 8 || st.GetRegularSafetyFactor() != "1.2" || len(st.GetCalendarYears()) == 0 {
			t.Fatalf("default settings: %v %v", st, err)
		}
		st.DailyCap = 2
		if _, err := admin.UpdateVisitSettings(ctx, &visitsv1.UpdateVisitSettingsRequest{Settings: st}); err != nil {
			t.Fatal(err)
		}
		_, err = admin.UpdateVisitSettings(ctx, &visitsv1.UpdateVisitSettingsRequest{Settings: st})
		wantCode(t, "stale etag", err, codes.Aborted, "changed since")
		st.Etag, st.RegularSafetyFactor = "", "0.5"
		_, err = admin.UpdateVisitSettings(ctx, &visitsv1.UpdateVisitSettingsRequest{Settings: st})
		wantCode(t, "factor below 1", err, codes.InvalidArgument, "regular_safety_factor")

		gen, err := m1.GeneratePlans(ctx, &visitsv1.GeneratePlansRequest{Scope: "managers/M1", Month: "2026-12"})
		if err != nil || gen.GetPlansCreated() != 1 || gen.GetItems() != 6 {
			t.Fatalf("generate: %v %v", gen, err)
		}
		name := "managers/M1/plans/2026-12"
		p, err := m1.GetPlan(ctx, &visitsv1.GetPlanRequest{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		_, err = m2.GetPlan(ctx, &visitsv1.GetPlanRequest{Name: name})
		wantCode(t, "a peer reads M1's plan", err, codes.NotFound, "")
		_, err = s2.GetPlan(ctx, &visitsv1.GetPlanRequest{Name: name})
		wantCode(t, "another team's supervisor", err, codes.NotFound, "")

		// Edit: an action on the first line, the last line removed.
		items := p.GetItems()[:5]
		items[0].Actions = []string{"推介新品"}
		p, err = m1.UpdatePlan(ctx, &visitsv1.UpdatePlanRequest{Plan: &visitsv1.Plan{Name: name, Etag: p.GetEtag(), Items: items},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"items"}}})
		if err != nil || len(p.GetItems()) != 5 {
			t.Fatalf("edit: %v", err)
		}
		p, err = m1.SubmitPlan(ctx, &visitsv1.SubmitPlanRequest{Name: name, Etag: p.GetEtag()})
		if err != nil || p.GetState() != visitsv1.Plan_STATE_SUBMITTED {
			t.Fatalf("submit: %v", err)
		}
		_, err = m1.ApprovePlan(ctx, &visitsv1.ApprovePlanRequest{Name: name})
		wantCode(t, "self-approval", err, codes.PermissionDenied, "")
		_, err = s1.RejectPlan(ctx, &visitsv1.RejectPlanRequest{Name: name})
		wantCode(t, "reject without comment", err, codes.InvalidArgument, "comment")
		diff, err := s1.DiffPlan(ctx, &visitsv1.DiffPlanRequest{Name: name})
		if err != nil || len(diff.GetChanged()) != 1 || len(diff.GetRemoved()) != 1 || len(diff.GetAdded()) != 0 {
			t.Fatalf("diff: %v %v", diff, err)
		}
		p, err = s1.RejectPlan(ctx, &visitsv1.RejectPlanRequest{Name: name, Comment: "请补充营销动作"})
		if err != nil || p.GetState() != visitsv1.Plan_STATE_REJECTED || p.GetReviewComment() != "请补充营销动作" {
			t.Fatalf("reject: %v %v", p, err)
		}
		p, err = m1.SubmitPlan(ctx, &visitsv1.SubmitPlanRequest{Name: name})
		if err != nil || p.GetState() != visitsv1.Plan_STATE_SUBMITTED {
			t.Fatalf("resubmit: %v", err)
		}
		_, err = s2.ApprovePlan(ctx, &visitsv1.ApprovePlanRequest{Name: name})
		wantCode(t, "approval from outside the team", err, codes.NotFound, "")
		p, err = s1.ApprovePlan(ctx, &visitsv1.ApprovePlanRequest{Name: name, Etag: p.GetEtag()})
		if err != nil || p.GetState() != visitsv1.Plan_STATE_APPROVED || p.GetScheduleTime() == nil {
			t.Fatalf("approve: %v %v", p, err)
		}

		// The schedule: December's working days, two a day, no Monday morning or Friday afternoon.
		cal, _ := calendar.Load("CN")
		perDay := map[civil.Date]int{}
		var someDay civil.Date
		for _, it := range p.GetItems() {
			d := civil.FromProto(it.GetPlannedDate())
			if !it.GetScheduled() || d.Month != time.December || !cal.IsWorkday(d) {
				t.Fatalf("line %s: %v scheduled=%v", it.GetId(), d, it.GetScheduled())
			}
			wd := d.Time().Weekday()
			if (wd == time.Monday && it.GetSlot() == visitsv1.PlanItem_SLOT_MORNING) || (wd == time.Friday && it.GetSlot() == visitsv1.PlanItem_SLOT_AFTERNOON) {
				t.Fatalf("line %s booked %v %v", it.GetId(), wd, it.GetSlot())
			}
			perDay[d]++
			if perDay[d] > 2 {
				t.Fatalf("%v holds %d on-site visits, cap 2", d, perDay[d])
			}
			someDay = d
		}

		day, err := m1.GetDayList(ctx, &visitsv1.GetDayListRequest{Name: "managers/M1/days/" + someDay.String()})
		if err != nil || len(day.GetStops()) != perDay[someDay] || day.GetStartAddress() != "上海市浦东新区陆家嘴环路 8 号" ||
			day.GetRouteLengthMeters() <= 0 || day.GetDayKind() != "WORKDAY" && day.GetDayKind() != "MAKE_UP_WORKDAY" {
			t.Fatalf("day list: %v %v", day, err)
		}
		for i, s := range day.GetStops() {
			if s.GetRouteOrder() != int32(i+1) || s.GetAddress() == "" {
				t.Fatalf("stop %d: %v", i, s)
			}
		}
		var hdr metadata.MD
		body, err := m1.ExportDayList(ctx, &visitsv1.ExportDayListRequest{Name: day.GetName(), Format: visitsv1.ExportDayListRequest_FORMAT_CSV}, grpc.Header(&hdr))
		if err != nil || !strings.HasPrefix(body.GetContentType(), "text/csv") || !strings.Contains(strings.Join(hdr.Get("content-disposition"), ""), ".csv") {
			t.Fatalf("csv export: %v %v", body.GetContentType(), err)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body.GetData()), "\uFEFF"))).ReadAll()
		if err != nil || len(rows) != 1+len(day.GetStops()) || rows[1][5] != day.GetStops()[0].GetCustomerDisplayName() {
			t.Fatalf("csv rows: %v %v", rows, err)
		}
		for _, f := range []visitsv1.ExportDayListRequest_Format{visitsv1.ExportDayListRequest_FORMAT_XLSX, visitsv1.ExportDayListRequest_FORMAT_HTML} {
			body, err := m1.ExportDayList(ctx, &visitsv1.ExportDayListRequest{Name: day.GetName(), Format: f})
			if err != nil || len(body.GetData()) == 0 {
				t.Fatalf("%v export: %v", f, err)
			}
			if f == visitsv1.ExportDayListRequest_FORMAT_HTML && !strings.Contains(string(body.GetData()), day.GetStops()[0].GetCustomerDisplayName()) {
				t.Fatal("the printable page lacks the first stop")
			}
		}
		_, err = m2.GetDayList(ctx, &visitsv1.GetDayListRequest{Name: day.GetName()})
		wantCode(t, "a peer's day", err, codes.NotFound, "")

		// A visit on the first scheduled day: one step of four, checked in 1 km away, low stock.
		first := p.GetItems()[0]
		e.clock.set(at(civil.FromProto(first.GetPlannedDate()).String() + " 15:00"))
		v, err := m1.RecordVisit(ctx, &visitsv1.RecordVisitRequest{Parent: "managers/M1", Visit: &visitsv1.Visit{
			Customer: first.GetCustomer(), Date: first.GetPlannedDate(), Steps: []string{"ask"},
			CheckInTime: timestamppb.New(e.clock.now()), CheckInLocation: ll(31.2330+0.009, 121.5050),
			Stock: []*visitsv1.Visit_StockLine{{Product: "中华", OnHand: "11", AverageSalesPerCycle: "10"},
				{Product: "玉溪", HighMargin: true, OnHand: "20", AverageSalesPerCycle: "10"}},
			Findings: []visitsv1.Visit_Finding{visitsv1.Visit_FINDING_PRICE_TAG_MISSING}}})
		if err != nil {
			t.Fatal(err)
		}
		if !v.GetCheckInFar() || v.GetCheckInDistanceMeters() < 900 || strings.Join(v.GetMissingSteps(), ",") != "look,introduce,record" ||
			v.GetStock()[0].GetSafetyStock() != "12" || !v.GetStock()[0].GetBelowSafetyStock() || v.GetStock()[1].GetSafetyStock() != "13" ||
			v.GetStock()[1].GetBelowSafetyStock() || len(v.GetFindings()) != 2 || v.GetFindings()[1] != visitsv1.Visit_FINDING_LOW_STOCK {
			t.Fatalf("visit checks: %v", v)
		}
		_, err = m1.RecordVisit(ctx, &visitsv1.RecordVisitRequest{Parent: "managers/M1", Visit: &visitsv1.Visit{
			Customer: first.GetCustomer(), Date: first.GetPlannedDate(), Steps: []string{"dance"}}})
		wantCode(t, "unknown step", err, codes.InvalidArgument, "dance")
		p, _ = m1.GetPlan(ctx, &visitsv1.GetPlanRequest{Name: name})
		if p.GetItems()[0].GetStatus() != visitsv1.PlanItem_STATUS_DONE {
			t.Fatalf("the visited line is %v", p.GetItems()[0].GetStatus())
		}

		ind, err := s1.ListIndicators(ctx, &visitsv1.ListIndicatorsRequest{Parent: "managers/-", Period: "2026-12"})
		if err != nil || len(ind.GetIndicators()) != 1 {
			t.Fatalf("indicators: %v %v", ind, err)
		}
		got := ind.GetIndicators()[0]
		if got.GetManager() != "managers/M1" || got.GetPlanCompletion().GetNumerator() != 1 || got.GetPlanCompletion().GetDenominator() != 5 ||
			got.GetPlanCompletion().GetValue() != "0.2000" || got.GetDueCoverage().GetValue() != "0.2000" || got.GetOnTimeVisits().GetNumerator() != 1 ||
			got.GetResponse_24H().GetValue() != "" || got.GetVisits() != 1 {
			t.Fatalf("M1's indicators: %v", got)
		}

		// A task assigned to the approved month goes into the plan at once.
		if _, err := s1.CreateTask(ctx, &visitsv1.CreateTaskRequest{Parent: "managers/M1", Task: &visitsv1.Task{Text: "走访商圈新店", Month: "2026-12",
			Customer: "customers/C1"}}); err != nil {
			t.Fatal(err)
		}
		p, _ = m1.GetPlan(ctx, &visitsv1.GetPlanRequest{Name: name})
		if last := p.GetItems()[len(p.GetItems())-1]; p.GetState() != visitsv1.Plan_STATE_APPROVED || last.GetKind() != visitsv1.PlanItem_KIND_TASK ||
			last.GetSource() != visitsv1.PlanItem_SOURCE_SUPERVISOR_TASK || strings.Join(last.GetActions(), "") != "走访商圈新店" || last.GetCustomerDisplayName() != "客户C1" {
			t.Fatalf("the task in the approved plan: %v", p.GetItems())
		}
		lines := len(p.GetItems())

		// Results: submitted by M1, not reviewable by M1, returned needs a comment, accepted closes the month.
		p, err = m1.SubmitResults(ctx, &visitsv1.SubmitResultsRequest{Name: name, Evaluation: "完成一户拜访", Improvement: "提前预约"})
		if err != nil || p.GetResults().GetState() != visitsv1.MonthResults_STATE_SUBMITTED || p.GetResults().GetLinesDone() != 1 || p.GetResults().GetLinesTotal() != int32(lines) {
			t.Fatalf("results: %v %v", p.GetResults(), err)
		}
		_, err = m1.ReviewResults(ctx, &visitsv1.ReviewResultsRequest{Name: name, Accept: true})
		wantCode(t, "own results", err, codes.PermissionDenied, "")
		_, err = s1.ReviewResults(ctx, &visitsv1.ReviewResultsRequest{Name: name})
		wantCode(t, "return without comment", err, codes.InvalidArgument, "comment")
		p, err = s1.ReviewResults(ctx, &visitsv1.ReviewResultsRequest{Name: name, Accept: true, Comment: "同意"})
		if err != nil || p.GetResults().GetState() != visitsv1.MonthResults_STATE_ACCEPTED {
			t.Fatalf("accept: %v", err)
		}
		_, err = m1.SchedulePlan(ctx, &visitsv1.SchedulePlanRequest{Name: name})
		wantCode(t, "schedule a closed month", err, codes.FailedPrecondition, "closed")
		// A closed month takes no more tasks: the task waits for the next plan.
		if _, err := s1.CreateTask(ctx, &visitsv1.CreateTaskRequest{Parent: "managers/M1", Task: &visitsv1.Task{Text: "补录", Month: "2026-12"}}); err != nil {
			t.Fatal(err)
		}
		if p, _ = m1.GetPlan(ctx, &visitsv1.GetPlanRequest{Name: name}); len(p.GetItems()) != lines {
			t.Fatalf("a closed month gained lines: %d, was %d", len(p.GetItems()), lines)
		}

		// Lists keep to scope: M2 sees nothing of M1; S1 sees team A; S2 nothing of it.
		for _, c := range []struct {
			who  visitsv1.VisitServiceClient
			want int
		}{{m2, 0}, {s1, 1}, {s2, 0}, {admin, 1}} {
			list, err := c.who.ListPlans(ctx, &visitsv1.ListPlansRequest{Parent: "managers/-"})
			if err != nil || len(list.GetPlans()) != c.want {
				t.Fatalf("list plans: want %d, got %v %v", c.want, list, err)
			}
		}
	})
}

// Of an approval and a rejection racing on one submitted plan, exactly one
// wins; the other is told of the conflict, and the plan is in the winner's state.
func TestConcurrentApproveAndReject(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		m1 := e.client("M1", "team-a", auth.CustomerManager)
		s1 := e.client("S1", "team-a", auth.Supervisor)
		bh := e.client("B1", "head-office", auth.BranchHead)
		for round := range 5 {
			month := "2027-0" + string(rune('1'+round))
			name := "managers/M1/plans/" + month
			if _, err := m1.GeneratePlans(ctx, &visitsv1.GeneratePlansRequest{Scope: "managers/M1", Month: month}); err != nil {
				t.Fatal(err)
			}
			p, err := m1.SubmitPlan(ctx, &visitsv1.SubmitPlanRequest{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var approveErr, rejectErr error
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, approveErr = s1.ApprovePlan(ctx, &visitsv1.ApprovePlanRequest{Name: name, Etag: p.GetEtag()})
			}()
			go func() {
				defer wg.Done()
				_, rejectErr = bh.RejectPlan(ctx, &visitsv1.RejectPlanRequest{Name: name, Etag: p.GetEtag(), Comment: "重做"})
			}()
			wg.Wait()
			if (approveErr == nil) == (rejectErr == nil) {
				t.Fatalf("round %d: approve %v, reject %v: want exactly one to succeed", round, approveErr, rejectErr)
			}
			loser, want := rejectErr, visitsv1.Plan_STATE_APPROVED
			if approveErr != nil {
				loser, want = approveErr, visitsv1.Plan_STATE_REJECTED
			}
			if c := code(loser); c != codes.Aborted && c != codes.FailedPrecondition {
				t.Fatalf("round %d: the loser got %v", round, loser)
			}
			if !strings.Contains(status.Convert(loser).Message(), "read it again") && !strings.Contains(status.Convert(loser).Message(), "cannot") {
				t.Fatalf("round %d: the loser's message says nothing useful: %v", round, loser)
			}
			got, _ := m1.GetPlan(ctx, &visitsv1.GetPlanRequest{Name: name})
			if got.GetState() != want {
				t.Fatalf("round %d: plan is %v, the winner made it %v", round, got.GetState(), want)
			}
		}
	})
}

// A handover made while the visits service is down is applied when it comes
// back: the customer's open plan line, task and request move to the receiver,
// and the giver's plan keeps the line, marked handed over.
func TestHandoverWhileDownIsCaughtUp(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		m1 := e.client("M1", "team-a", auth.CustomerManager)
		m2 := e.client("M2", "team-a", auth.CustomerManager)
		s1 := e.client("S1", "team-a", auth.Supervisor)
		sys := e.client("svc:channel", "", auth.System)
		for _, c := range []visitsv1.VisitServiceClient{m1, m2} {
			if _, err := c.GeneratePlans(ctx, &visitsv1.GeneratePlansRequest{Scope: "managers/-", Month: "2026-12"}); err == nil {
				t.Fatal("managers/- is not a generation scope")
			}
		}
		for _, m := range []string{"M1", "M2"} {
			if _, err := s1.GeneratePlans(ctx, &visitsv1.GeneratePlansRequest{Scope: "managers/" + m, Month: "2026-12"}); err != nil {
				t.Fatal(err)
			}
		}
		task, err := s1.CreateTask(ctx, &visitsv1.CreateTaskRequest{Parent: "managers/M2", Task: &visitsv1.Task{
			Text: "回访C7投诉", Month: "2026-12", Customer: "customers/C7"}})
		if err != nil {
			t.Fatal(err)
		}
		req, err := sys.CreateCustomerRequest(ctx, &visitsv1.CreateCustomerRequestRequest{Request: &visitsv1.CustomerRequest{
			Customer: "customers/C7", Channel: "app", Text: "想了解新产品"}})
		if err != nil || req.GetManager() != "managers/M2" {
			t.Fatalf("request: %v %v", req, err)
		}

		req8, err := sys.CreateCustomerRequest(ctx, &visitsv1.CreateCustomerRequestRequest{Request: &visitsv1.CustomerRequest{
			Customer: "customers/C8", Channel: "app", Text: "投诉缺货"}})
		if err != nil {
			t.Fatal(err)
		}

		e.stop()
		e.roster.handOver("C7", "M2", "M1")
		e.roster.handOver("C8", "M2", "M3") // into team B
		e.start()

		e.waitFor(func() bool {
			r, err := s1.GetCustomerRequest(ctx, &visitsv1.GetCustomerRequestRequest{Name: req.GetName()})
			return err == nil && r.GetManager() == "managers/M1"
		})
		r, _ := s1.GetCustomerRequest(ctx, &visitsv1.GetCustomerRequestRequest{Name: req.GetName()})
		if len(r.GetHandovers()) != 1 || r.GetHandovers()[0].GetFromManager() != "managers/M2" || !r.GetDeadline().AsTime().Equal(req.GetDeadline().AsTime()) {
			t.Fatalf("request after handover: %v", r)
		}
		given, err := m2.GetPlan(ctx, &visitsv1.GetPlanRequest{Name: "managers/M2/plans/2026-12"})
		if err != nil {
			t.Fatal(err)
		}
		handed := 0
		for _, it := range given.GetItems() {
			if it.GetCustomer() == "customers/C7" {
				if it.GetStatus() != visitsv1.PlanItem_STATUS_HANDED_OVER || it.GetHandedOverTo() != "managers/M1" {
					t.Fatalf("giver's line for C7: %v", it)
				}
				handed++
			}
		}
		got, err := m1.GetPlan(ctx, &visitsv1.GetPlanRequest{Name: "managers/M1/plans/2026-12"})
		if err != nil {
			t.Fatal(err)
		}
		received := 0
		for _, it := range got.GetItems() {
			if it.GetCustomer() == "customers/C7" {
				if it.GetSource() != visitsv1.PlanItem_SOURCE_HANDED_OVER || it.GetHandedOverFrom() != "managers/M2" || it.GetStatus() == visitsv1.PlanItem_STATUS_DONE {
					t.Fatalf("receiver's line for C7: %v", it)
				}
				received++
			}
		}
		if handed != 2 || received != 2 { // the due visit and the task
			t.Fatalf("handed over %d lines, received %d; want 2 and 2", handed, received)
		}
		tasks, err := m1.ListTasks(ctx, &visitsv1.ListTasksRequest{Parent: "managers/M1"})
		if err != nil || len(tasks.GetTasks()) != 1 || !strings.HasSuffix(tasks.GetTasks()[0].GetName(), strings.TrimPrefix(task.GetName(), "managers/M2")) {
			t.Fatalf("M1's tasks: %v %v", tasks, err)
		}

		// Overdue after 24 hours: escalated, visible as such to the supervisor.
		e.clock.set(e.clock.now().Add(25 * time.Hour))
		list, err := s1.ListCustomerRequests(ctx, &visitsv1.ListCustomerRequestsRequest{Parent: "managers/-", Filter: "state = OVERDUE"})
		if err != nil || len(list.GetRequests()) != 1 || list.GetRequests()[0].GetState() != visitsv1.CustomerRequest_STATE_OVERDUE {
			t.Fatalf("overdue requests: %v %v", list, err)
		}
		// C8 went to team B: its request escalates to team B's supervisor, no longer to team A's.
		s2 := e.client("S2", "team-b", auth.Supervisor)
		if list, err := s2.ListCustomerRequests(ctx, &visitsv1.ListCustomerRequestsRequest{Parent: "managers/-", Filter: "state = OVERDUE"}); err != nil ||
			len(list.GetRequests()) != 1 || list.GetRequests()[0].GetName() != req8.GetName() || list.GetRequests()[0].GetManager() != "managers/M3" {
			t.Fatalf("team B's overdue requests: %v %v", list, err)
		}
		a, err := m1.GetAnalysis(ctx, &visitsv1.GetAnalysisRequest{Name: "managers/M1/analyses/2026-12"})
		if err != nil || a.GetCustomers() != 7 || a.GetOpenRequests() != 1 || a.GetOverdueRequests() != 1 || len(a.GetDue()) != 7 {
			t.Fatalf("analysis after handover: %v %v", a, err)
		}
	})
}
