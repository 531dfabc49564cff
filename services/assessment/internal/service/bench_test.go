package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
	visitsv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/visits/v1"
	"github.com/rmsuite/rmsuite/services/assessment/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
)

// Issue target: monthly scoring and quarterly grade decisions for 10,000
// managers with 15 indicators each, under 10 s on SQLite and on PostgreSQL.
//
// Timed, over gRPC against the real service (interceptors, auth, audit,
// idempotency, one transaction per call), with a stand-in roster (10,000
// managers on the sales ladder in 100 teams, pages of 1,000) and visits
// (10,000 managers' indicators, pages of 1,000): the month scored for the
// whole bank (RecomputeRun: managers, grades, figures, visit indicators and
// the 40,000 ratings gathered, 10,000 cards scored on a 15-indicator
// template and written), the run closed and approved, the quarter assessed
// (10,000 results), the sales ladder's quarterly decision round created
// (10,000 decisions), submitted and approved (the grade changes written to
// the outbox). Not timed, and logged: what happens over the month before —
// the figures imported (written straight into the database), the run
// started, and the supervisors' 40,000 ratings entered (eight calls of
// 5,000, each rescoring the cards concerned); and the grade changes sent to
// the roster afterwards.
const benchManagers = 10000

func BenchmarkMonthlyAndQuarterly(b *testing.B) {
	for _, backend := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", storagetest.SQLiteURL}, {"postgres", storagetest.PostgresURL}} {
		b.Run(backend.name, func(b *testing.B) {
			if b.N > 4 {
				b.Skip("a run a quarter: at most four in a year")
			}
			url := backend.url(b)
			ids := seedFigures(b, url, 1)
			e := &env{t: b, dbURL: url, roster: newBenchRoster(b, ids), visits: newFakeVisits(b), clock: &clock{}, iss: authtest.New(b)}
			e.visits.pageSize = 1000
			e.clock.set(time.Date(2026, 4, 2, 2, 0, 0, 0, time.UTC))
			e.start()
			fifteenLines(b, e)
			rng := rand.New(rand.NewPCG(3, 4))
			for q := 1; q <= b.N; q++ {
				for _, id := range ids {
					done := 15 + rng.IntN(6)
					e.visits.set(fmt.Sprintf("2026-%02d", 3*q), id, &visitsv1.ManagerIndicators{
						PlanCompletion: rate(int32(done), 20, fmt.Sprintf("%d.%04d", done/20, done*500%10000)), OnTimeVisits: rate(9, 10, "0.9000"),
						DueCoverage: rate(8, 10, "0.8000"), Response_24H: rate(19, 20, "0.9500")})
				}
			}
			hr := e.runs("H1", "", auth.HROfficer)
			head := e.runs("B0", "head-office", auth.BranchHead)
			committee := e.approvals("C1", "", auth.Committee)
			cycle := e.cycle("H1", "", auth.HROfficer)
			decisions := e.decisions("H1", "", auth.HROfficer)
			bctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				q := i + 1
				month := fmt.Sprintf("2026-%02d", 3*q)
				b.StopTimer()
				if q > 1 {
					seedFigures(b, url, q)
				}
				// The month as it goes: the run started, then rated by supervisors.
				step := stepper(b)
				run, err := hr.StartRun(bctx, &assessmentv1.StartRunRequest{Run: &assessmentv1.Run{OrgUnit: "orgUnits/head-office", Period: month}})
				if err != nil || run.GetScoreCards() != benchManagers {
					b.Fatalf("start run: %v %v", run.GetScoreCards(), err)
				}
				step("(not timed) run started: 10,000 score cards")
				for start := 0; start < len(ids); start += 1250 {
					var ratings []*assessmentv1.Rating
					for _, id := range ids[start:min(start+1250, len(ids))] {
						for _, code := range []string{"ETHICS_RATING", "BASIC_MGMT_RATING", "CREDIT_OPS_RATING", "TEAM_MGMT_RATING"} {
							ratings = append(ratings, &assessmentv1.Rating{Manager: "managers/" + id, Indicator: "indicators/" + code,
								Value: strconv.Itoa(60 + rng.IntN(41))})
						}
					}
					if _, err := head.SetRatings(bctx, &assessmentv1.SetRatingsRequest{Parent: run.GetName(), Ratings: ratings}); err != nil {
						b.Fatal(err)
					}
				}
				step("(not timed) 40,000 ratings entered in 8 calls")
				b.StartTimer()

				// The batch: the month scored from everything gathered again,
				// closed, the quarter assessed and its grades decided.
				step = stepper(b)
				current, err := hr.GetRun(bctx, &assessmentv1.GetRunRequest{Name: run.GetName()})
				if err != nil {
					b.Fatal(err)
				}
				run, err = hr.RecomputeRun(bctx, &assessmentv1.RecomputeRunRequest{Name: run.GetName(), Etag: current.GetEtag()})
				if err != nil || run.GetScoreCards() != benchManagers || run.GetIncomplete() != 0 {
					b.Fatalf("recompute: %v %v", run, err)
				}
				step("month scored: 10,000 cards × 15 indicators")
				closing, err := hr.CloseRun(bctx, &assessmentv1.CloseRunRequest{Name: run.GetName()})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := committee.ApproveApproval(bctx, &approvalv1.ApproveApprovalRequest{Name: closing.GetCloseApproval()}); err != nil {
					b.Fatal(err)
				}
				step("run closed and approved")
				qa, err := cycle.StartAssessment(bctx, &assessmentv1.StartAssessmentRequest{Assessment: &assessmentv1.Assessment{
					OrgUnit: "orgUnits/head-office", Period: fmt.Sprintf("2026-Q%d", q)}})
				if err != nil || qa.GetResults() != benchManagers {
					b.Fatalf("quarterly assessment: %v %v", qa.GetResults(), err)
				}
				step("quarter assessed: 10,000 results")
				round, err := decisions.CreateDecisionRound(bctx, &assessmentv1.CreateDecisionRoundRequest{DecisionRound: &assessmentv1.DecisionRound{
					OrgUnit: "orgUnits/head-office", Period: fmt.Sprintf("2026-Q%d", q), Ladder: "gradeLadders/sales"}})
				if err != nil || round.GetDecisions() != benchManagers {
					b.Fatalf("decision round: %v %v", round.GetDecisions(), err)
				}
				step(fmt.Sprintf("decision round: 10,000 decisions, %d grade changes", round.GetMoves()))
				submitted, err := decisions.SubmitDecisionRound(bctx, &assessmentv1.SubmitDecisionRoundRequest{Name: round.GetName()})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := committee.ApproveApproval(bctx, &approvalv1.ApproveApprovalRequest{Name: submitted.GetApproval()}); err != nil {
					b.Fatal(err)
				}
				step("round submitted and approved")
				b.Logf("%s: %v in all (timed)", month, step(""))
			}
		})
	}
}

// stepper logs the time since the previous step, and returns the total
// when given no name.
func stepper(b *testing.B) func(string) time.Duration {
	start := time.Now()
	last := start
	return func(name string) time.Duration {
		now := time.Now()
		if name != "" {
			b.Logf("%-45s %v", name, now.Sub(last).Round(time.Millisecond))
		}
		last = now
		return now.Sub(start).Round(time.Millisecond)
	}
}

// fifteenLines gives every template the same 15 lines: every indicator of
// the default library.
func fifteenLines(b *testing.B, e *env) {
	weights := map[string]string{"ETHICS_RATING": "5", "COMPLIANCE_BREACHES": "5", "BASIC_MGMT_RATING": "5", "VISIT_PLAN_COMPLETION": "10",
		"ON_TIME_VISIT_RATE": "5", "DUE_VISIT_COVERAGE": "5", "DEPOSIT_DAILY_AVG": "10", "LOAN_DAILY_AVG": "10", "NEW_CUSTOMERS": "10",
		"INTERMEDIATE_REVENUE": "5", "CUSTOMER_SATISFACTION": "5", "RESPONSE_24H_RATE": "5", "NPL_RATIO": "5", "CREDIT_OPS_RATING": "5",
		"TEAM_MGMT_RATING": "10"}
	parts := map[string]assessmentv1.Part{"ETHICS_RATING": assessmentv1.Part_PART_BASIC, "COMPLIANCE_BREACHES": assessmentv1.Part_PART_BASIC,
		"BASIC_MGMT_RATING": assessmentv1.Part_PART_BASIC, "VISIT_PLAN_COMPLETION": assessmentv1.Part_PART_BASIC,
		"ON_TIME_VISIT_RATE": assessmentv1.Part_PART_BASIC, "DUE_VISIT_COVERAGE": assessmentv1.Part_PART_BASIC}
	var lines []*assessmentv1.Template_Line
	for _, ind := range indicator.DefaultIndicators() {
		part, ok := parts[ind.Code]
		switch {
		case ok:
		case ind.Dimension == indicator.BusinessResults:
			part = assessmentv1.Part_PART_MARKETING
		default:
			part = assessmentv1.Part_PART_MANAGEMENT
		}
		lines = append(lines, &assessmentv1.Template_Line{Indicator: "indicators/" + ind.Code, Part: part, Weight: weights[ind.Code]})
	}
	if len(lines) != 15 {
		b.Fatalf("%d indicators in the default library, want 15", len(lines))
	}
	admin := e.indicators("E0001", "", auth.Administrator)
	for _, code := range []string{"JUNIOR", "MIDDLE", "SENIOR"} {
		if _, err := admin.UpdateTemplate(context.Background(), &assessmentv1.UpdateTemplateRequest{
			Template: &assessmentv1.Template{Name: "templates/" + code, Lines: lines}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"lines"}}}); err != nil {
			b.Fatal(err)
		}
	}
}

// seedFigures writes, straight into a migrated database (as imports would
// have, without their history), the figures of 10,000 managers for quarter
// q: the six imported indicators of its last month and the five sales
// measures of the quarter. It returns the managers' ids.
func seedFigures(b *testing.B, url string, q int) []string {
	db := storagetest.Open(b, url, []storage.Migrations{sqlstore.Migrations()})
	defer db.Close()
	rng := rand.New(rand.NewPCG(1, uint64(q)))
	ids := make([]string, benchManagers)
	for i := range ids {
		ids[i] = fmt.Sprintf("B%05d", i)
	}
	now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	month, quarter := fmt.Sprintf("2026-%02d", 3*q), fmt.Sprintf("2026-Q%d", q)
	batch := fmt.Sprintf("seed-%d", q)
	type row struct{ id, period, code, unit, value string }
	var rows []row
	for _, id := range ids {
		rows = append(rows,
			row{id, month, "DEPOSIT_DAILY_AVG", "cny", fmt.Sprintf("%d.00", 2000000+rng.IntN(12000000))},
			row{id, month, "LOAN_DAILY_AVG", "cny", fmt.Sprintf("%d.00", 1000000+rng.IntN(10000000))},
			row{id, month, "NEW_CUSTOMERS", "count", strconv.Itoa(rng.IntN(15))},
			row{id, month, "INTERMEDIATE_REVENUE", "cny", fmt.Sprintf("%d.%02d", rng.IntN(70000), rng.IntN(100))},
			row{id, month, "NPL_RATIO", "percent", fmt.Sprintf("%d.%02d", rng.IntN(3), rng.IntN(100))},
			row{id, month, "COMPLIANCE_BREACHES", "count", strconv.Itoa(rng.IntN(10) / 9)},
			row{id, quarter, figure.Premium, "cny", fmt.Sprintf("%d.00", 50000+rng.IntN(500000))},
			row{id, quarter, figure.RegularPremium, "cny", fmt.Sprintf("%d.00", 10000+rng.IntN(30000))},
			row{id, quarter, figure.RenewalRate, "percent", strconv.Itoa(75 + rng.IntN(25))},
			row{id, quarter, figure.BranchActivityRate, "percent", strconv.Itoa(75 + rng.IntN(25))},
			row{id, quarter, figure.QualityScore, "score", strconv.Itoa(75 + rng.IntN(25))})
	}
	err := db.InTx(context.Background(), func(ctx context.Context) error {
		if _, err := db.Q(ctx).ExecContext(ctx, `INSERT INTO figure_batches (id, fingerprint, source, row_count, import_time, imported_by)
			VALUES ($1, 'x', 'bench', $2, $3, 'bench')`, batch, len(rows), now); err != nil {
			return err
		}
		err := db.InsertRows(ctx, `INSERT INTO figures (name, manager_id, period, code, value, unit, revision, batch_id, source, org_unit_id,
			org_path, create_time, update_time) VALUES `, len(rows), 13, func(i int) ([]any, error) {
			r := rows[i]
			return []any{"managers/" + r.id + "/periods/" + r.period + "/figures/" + r.code, r.id, r.period, r.code, r.value, r.unit, 1, batch,
				"bench", benchTeam(r.id), "/head-office/" + benchTeam(r.id) + "/", now, now}, nil
		})
		if err == nil && db.Dialect() == storage.Postgres {
			_, err = db.Q(ctx).ExecContext(ctx, "ANALYZE figures")
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return ids
}

func benchTeam(id string) string {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "B"))
	return fmt.Sprintf("team-%02d", n%100)
}

// benchRoster stands in for the roster with 10,000 managers on the sales
// ladder in 100 teams under head-office, served in pages of 1,000.
type benchRoster struct {
	rosterv1.UnimplementedRosterServiceServer
	rosterv1.UnimplementedManagerServiceServer
	units    []*rosterv1.OrgUnit
	managers []*rosterv1.Manager
}

// newBenchRoster starts it; it is a fakeRoster to the test environment only
// for its address.
func newBenchRoster(b *testing.B, ids []string) *fakeRoster {
	r := &benchRoster{units: []*rosterv1.OrgUnit{{Name: "orgUnits/head-office", DisplayName: "总行", Type: rosterv1.OrgUnit_TYPE_HEAD_OFFICE}}}
	for i := range 100 {
		r.units = append(r.units, &rosterv1.OrgUnit{Name: fmt.Sprintf("orgUnits/team-%02d", i), Parent: "orgUnits/head-office",
			Type: rosterv1.OrgUnit_TYPE_TEAM})
	}
	levels := []string{"ASSISTANT", "JUNIOR", "JUNIOR", "MIDDLE", "MIDDLE", "MIDDLE", "SENIOR", "SENIOR", "SPECIAL", "PRINCIPAL"}
	for i, id := range ids {
		r.managers = append(r.managers, &rosterv1.Manager{Name: "managers/" + id, OrgUnit: "orgUnits/" + benchTeam(id),
			Status: rosterv1.Manager_STATUS_CONFIRMED, HireDate: &date.Date{Year: 2018, Month: 3, Day: 1},
			Grade: &rosterv1.Grade{Ladder: "gradeLadders/sales", Level: levels[i%len(levels)], EffectiveDate: &date.Date{Year: 2024, Month: 1, Day: 1}}})
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := grpc.NewServer()
	rosterv1.RegisterRosterServiceServer(srv, r)
	rosterv1.RegisterManagerServiceServer(srv, r)
	go func() { _ = srv.Serve(l) }()
	b.Cleanup(srv.Stop)
	return &fakeRoster{addr: l.Addr().String()}
}

func (r *benchRoster) ListOrgUnits(context.Context, *rosterv1.ListOrgUnitsRequest) (*rosterv1.ListOrgUnitsResponse, error) {
	return &rosterv1.ListOrgUnitsResponse{OrgUnits: r.units}, nil
}

func (r *benchRoster) ListManagers(_ context.Context, req *rosterv1.ListManagersRequest) (*rosterv1.ListManagersResponse, error) {
	start := 0
	if req.GetPageToken() != "" {
		start, _ = strconv.Atoi(req.GetPageToken())
	}
	end := min(start+1000, len(r.managers))
	resp := &rosterv1.ListManagersResponse{Managers: r.managers[start:end]}
	if end < len(r.managers) {
		resp.NextPageToken = strconv.Itoa(end)
	}
	return resp, nil
}

func (r *benchRoster) ChangeManagerGrade(context.Context, *rosterv1.ChangeManagerGradeRequest) (*rosterv1.ChangeManagerGradeResponse, error) {
	return &rosterv1.ChangeManagerGradeResponse{}, nil
}
