package service_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	auditv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/audit/v1"
	visitsv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/visits/v1"
)

func (e *env) runs(subject, unit string, roles ...auth.Role) assessmentv1.RunServiceClient {
	return assessmentv1.NewRunServiceClient(e.conn(subject, unit, roles...))
}

func (e *env) approvals(subject, unit string, roles ...auth.Role) approvalv1.ApprovalServiceClient {
	return approvalv1.NewApprovalServiceClient(e.conn(subject, unit, roles...))
}

func (e *env) coefficients(subject, unit string, roles ...auth.Role) assessmentv1.CoefficientServiceClient {
	return assessmentv1.NewCoefficientServiceClient(e.conn(subject, unit, roles...))
}

// april gives M1 April's figures and visit indicators: on the MIDDLE
// template (M1 is 二级) they earn 72.50 points before the ratings.
func april(t *testing.T, e *env) {
	t.Helper()
	_, err := e.figures("svc:cbs", "", auth.System).ImportFigures(ctx, &assessmentv1.ImportFiguresRequest{BatchId: "cbs-2026-04",
		Source: "core-banking", Rows: []*assessmentv1.FigureRow{
			row("M1", "2026-04", "DEPOSIT_DAILY_AVG", "8000000.00"),  // 0.8 × 15 = 12
			row("M1", "2026-04", "LOAN_DAILY_AVG", "8000000.00"),     // 1.0 × 15 = 15
			row("M1", "2026-04", "NEW_CUSTOMERS", "12"),              // capped 1.2 × 10 = 12
			row("M1", "2026-04", "INTERMEDIATE_REVENUE", "25000.00"), // 0.5 × 10 = 5
			row("M1", "2026-04", "NPL_RATIO", "1.5"),                 // 1.0 × 5 = 5
			row("M1", "2026-04", "COMPLIANCE_BREACHES", "0"),         // pass: 5
			row("M1", "2026-05", "DEPOSIT_DAILY_AVG", "99999999.00"), // another month: not used
			row("M3", "2026-04", "DEPOSIT_DAILY_AVG", "10000000.00"), // another team
		}})
	if err != nil {
		t.Fatal(err)
	}
	e.visits.set("2026-04", "M1", &visitsv1.ManagerIndicators{
		PlanCompletion: rate(19, 20, "0.9500"), // 0.95 × 10 = 9.5
		OnTimeVisits:   rate(10, 10, "1.0000"), // 5
		DueCoverage:    rate(0, 0, ""),         // not on MIDDLE; no value anyway
		Response_24H:   rate(9, 10, "0.9000"),  // band from 90: 0.8 × 5 = 4
	})
}

func lineOf(c *assessmentv1.ScoreCard, code string) *assessmentv1.ScoreCard_Line {
	for _, l := range c.GetLines() {
		if l.GetIndicator() == "indicators/"+code {
			return l
		}
	}
	return nil
}

func rating(manager, code, value string) *assessmentv1.Rating {
	return &assessmentv1.Rating{Manager: "managers/" + manager, Indicator: "indicators/" + code, Value: value}
}

// A monthly run over gRPC: started for a subtree, every line explained with
// its value, source, rule and points; supervisors' ratings for their subtree
// only; recomputing gives the same cards; closing is maker–checker and a
// closed run never changes; compensation reads the coefficients; each
// person sees only the cards in their reach.
func TestMonthlyRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		april(t, e)
		hr := e.runs("H1", "head-office", auth.HROfficer)

		_, err := hr.StartRun(ctx, &assessmentv1.StartRunRequest{Run: &assessmentv1.Run{OrgUnit: "orgUnits/team-a", Period: "2026-Q2"}})
		wantViolations(t, "a quarter", err, "run.period")
		_, err = e.runs("S1", "team-a", auth.Supervisor).StartRun(ctx, &assessmentv1.StartRunRequest{Run: &assessmentv1.Run{OrgUnit: "orgUnits/team-a", Period: "2026-04"}})
		wantCode(t, "a supervisor starting a run", err, codes.PermissionDenied, "")
		_, err = e.runs("B1", "team-b", auth.BranchHead).StartRun(ctx, &assessmentv1.StartRunRequest{Run: &assessmentv1.Run{OrgUnit: "orgUnits/team-a", Period: "2026-04"}})
		wantCode(t, "a branch head of another subtree", err, codes.PermissionDenied, "outside your org subtree")

		run, err := hr.StartRun(ctx, &assessmentv1.StartRunRequest{Run: &assessmentv1.Run{OrgUnit: "orgUnits/team-a", Period: "2026-04"},
			RequestId: "start-april"})
		if err != nil || run.GetName() != "runs/2026-04-team-a" || run.GetState() != assessmentv1.Run_STATE_OPEN || run.GetScoreCards() != 2 ||
			run.GetIncomplete() != 2 || run.GetCreatedBy() != "H1" {
			t.Fatalf("start: %v %v", run, err)
		}
		again, err := hr.StartRun(ctx, &assessmentv1.StartRunRequest{Run: &assessmentv1.Run{OrgUnit: "orgUnits/team-a", Period: "2026-04"},
			RequestId: "start-april"})
		if err != nil || again.GetEtag() != run.GetEtag() {
			t.Fatalf("retried start: %v %v", again, err)
		}
		_, err = hr.StartRun(ctx, &assessmentv1.StartRunRequest{Run: &assessmentv1.Run{OrgUnit: "orgUnits/team-a", Period: "2026-04"}})
		wantCode(t, "a second run of team-a for April", err, codes.AlreadyExists, "recompute it instead")

		card, err := hr.GetScoreCard(ctx, &assessmentv1.GetScoreCardRequest{Name: "runs/2026-04-team-a/scoreCards/M1"})
		if err != nil || card.GetTemplate() != "templates/MIDDLE" || card.GetLadder() != "gradeLadders/bank" || card.GetLevel() != "L2" ||
			card.GetTotal() != "72.50" || card.GetCoefficient() != "0.9" || card.GetComplete() || len(card.GetPending()) != 3 {
			t.Fatalf("M1 before ratings: %v %v", card, err)
		}
		dep := lineOf(card, "DEPOSIT_DAILY_AVG")
		if dep.GetValue() != "8000000.00" || dep.GetSource() != assessmentv1.Source_SOURCE_IMPORTED || dep.GetSourceRef() != "figureBatches/cbs-2026-04" ||
			dep.GetWeight() != "15" || !same(dep.GetPoints(), "12") || dep.GetStatus() != assessmentv1.ScoreCard_LINE_STATUS_SCORED ||
			!strings.Contains(dep.GetRule(), "linear to target 10000000.00 CNY") || !strings.Contains(dep.GetExplanation(), "from imported figureBatches/cbs-2026-04") {
			t.Errorf("deposit line: %v", dep)
		}
		visit := lineOf(card, "VISIT_PLAN_COMPLETION")
		if visit.GetValue() != "95.0000" || visit.GetSource() != assessmentv1.Source_SOURCE_VISITS || visit.GetSourceRef() != "visits 19/20" {
			t.Errorf("visit line: %v", visit)
		}
		if l := lineOf(card, "ETHICS_RATING"); l.GetStatus() != assessmentv1.ScoreCard_LINE_STATUS_AWAITING_ENTRY || !same(l.GetPoints(), "0") {
			t.Errorf("ethics line before rating: %v", l)
		}
		if l := lineOf(card, "CUSTOMER_SATISFACTION"); l.GetStatus() != assessmentv1.ScoreCard_LINE_STATUS_NO_VALUE {
			t.Errorf("satisfaction line: %v", l)
		}
		if !strings.Contains(card.GetExplanation(), "coefficient: total 72.50 is in the band from 70 to below 80 → coefficient 0.9") {
			t.Errorf("explanation: %s", card.GetExplanation())
		}

		// Closing needs every rating.
		_, err = hr.CloseRun(ctx, &assessmentv1.CloseRunRequest{Name: run.GetName()})
		wantCode(t, "closing with ratings missing", err, codes.FailedPrecondition, "2 score cards awaiting ratings (managers/M1, managers/M2")

		// Ratings: the supervisor of team-a for team-a only, never for themself.
		sup := e.runs("S1", "team-a", auth.Supervisor)
		_, err = sup.SetRatings(ctx, &assessmentv1.SetRatingsRequest{Parent: run.GetName(), Ratings: []*assessmentv1.Rating{
			rating("M1", "ETHICS_RATING", "101"), rating("M1", "DEPOSIT_DAILY_AVG", "80"), rating("M2", "CREDIT_OPS_RATING", "80"),
			rating("M404", "ETHICS_RATING", "80")}})
		wantViolations(t, "bad ratings", err, "ratings[0].value", "ratings[1].indicator", "ratings[2].indicator", "ratings[3].manager")
		_, err = e.runs("S2", "team-b", auth.Supervisor).SetRatings(ctx, &assessmentv1.SetRatingsRequest{Parent: run.GetName(),
			Ratings: []*assessmentv1.Rating{rating("M1", "ETHICS_RATING", "80")}})
		wantCode(t, "a supervisor of another team", err, codes.NotFound, "runs/2026-04-team-a")
		_, err = e.runs("M1", "team-a", auth.Supervisor).SetRatings(ctx, &assessmentv1.SetRatingsRequest{Parent: run.GetName(),
			Ratings: []*assessmentv1.Rating{rating("M1", "ETHICS_RATING", "100")}})
		wantCode(t, "rating oneself", err, codes.PermissionDenied, "cannot rate yourself")

		rated, err := sup.SetRatings(ctx, &assessmentv1.SetRatingsRequest{Parent: run.GetName(), Ratings: []*assessmentv1.Rating{
			rating("M1", "ETHICS_RATING", "85"),     // band 80: 0.9 × 5 = 4.5
			rating("M1", "BASIC_MGMT_RATING", "92"), // 5
			rating("M1", "CREDIT_OPS_RATING", "75"), // 0.75 × 5 = 3.75
			rating("M2", "ETHICS_RATING", "60"),     // JUNIOR: 0.6 × 10 = 6
		}})
		if err != nil || rated.GetRatings() != 4 || len(rated.GetScoreCards()) != 2 || rated.GetRun().GetIncomplete() != 1 {
			t.Fatalf("ratings: %v %v", rated, err)
		}
		if s := rated.GetScoreCards()[0]; s.GetName() != "runs/2026-04-team-a/scoreCards/M1" || s.GetTotal() != "85.75" || s.GetCoefficient() != "1.0" || !s.GetComplete() {
			t.Errorf("M1 after ratings: %v", s)
		}
		// Entered again, a rating replaces the previous one.
		rated, err = sup.SetRatings(ctx, &assessmentv1.SetRatingsRequest{Parent: run.GetName(), Ratings: []*assessmentv1.Rating{
			rating("M2", "ETHICS_RATING", "70"), rating("M2", "BASIC_MGMT_RATING", "90")}})
		if err != nil || rated.GetRun().GetIncomplete() != 0 || rated.GetScoreCards()[0].GetTotal() != "17.50" {
			t.Fatalf("M2's ratings: %v %v", rated, err)
		}
		card, _ = hr.GetScoreCard(ctx, &assessmentv1.GetScoreCardRequest{Name: "runs/2026-04-team-a/scoreCards/M1"})
		if l := lineOf(card, "ETHICS_RATING"); l.GetValue() != "85" || l.GetSource() != assessmentv1.Source_SOURCE_MANUAL || l.GetSourceRef() != "S1" ||
			!same(l.GetPoints(), "4.5") {
			t.Errorf("ethics line: %v", l)
		}

		// Recomputing gathers everything again and gives the same cards.
		before := listCards(t, hr, run.GetName())
		current, _ := hr.GetRun(ctx, &assessmentv1.GetRunRequest{Name: run.GetName()})
		_, err = hr.RecomputeRun(ctx, &assessmentv1.RecomputeRunRequest{Name: run.GetName(), Etag: run.GetEtag()})
		wantCode(t, "a stale etag", err, codes.Aborted, "changed since it was read")
		for range 2 {
			re, err := hr.RecomputeRun(ctx, &assessmentv1.RecomputeRunRequest{Name: run.GetName(), Etag: current.GetEtag()})
			if err != nil || re.GetIncomplete() != 0 || re.GetScoreCards() != 2 {
				t.Fatalf("recompute: %v %v", re, err)
			}
			current = re
			after := listCards(t, hr, run.GetName())
			for i := range before {
				b, a := before[i], after[i]
				b.UpdateTime, a.UpdateTime = nil, nil
				if !proto.Equal(b, a) {
					t.Fatalf("recomputed card differs:\n%v\n%v", b, a)
				}
			}
		}

		// Reach: a manager sees only their own cards; the committee the subtree it is set for.
		m1 := e.runs("M1", "team-a", auth.CustomerManager)
		if c, err := m1.GetScoreCard(ctx, &assessmentv1.GetScoreCardRequest{Name: "runs/2026-04-team-a/scoreCards/M1"}); err != nil || c.GetTotal() != "85.75" {
			t.Fatalf("M1 reads their own card: %v %v", c, err)
		}
		_, err = m1.GetScoreCard(ctx, &assessmentv1.GetScoreCardRequest{Name: "runs/2026-04-team-a/scoreCards/M2"})
		wantCode(t, "M1 reads M2's card", err, codes.NotFound, "")
		if list, err := m1.ListScoreCards(ctx, &assessmentv1.ListScoreCardsRequest{Parent: "runs/-"}); err != nil || len(list.GetScoreCards()) != 1 ||
			list.GetScoreCards()[0].GetManager() != "managers/M1" {
			t.Fatalf("M1 lists cards: %v %v", list, err)
		}
		if r, err := m1.GetRun(ctx, &assessmentv1.GetRunRequest{Name: run.GetName()}); err != nil || r.GetName() != run.GetName() {
			t.Fatalf("M1 reads the run covering their team: %v %v", r, err)
		}
		committeeB := e.runs("C2", "team-b", auth.Committee)
		_, err = committeeB.GetScoreCard(ctx, &assessmentv1.GetScoreCardRequest{Name: "runs/2026-04-team-a/scoreCards/M1"})
		wantCode(t, "the committee of team-b reads team-a", err, codes.NotFound, "")
		if list, err := committeeB.ListScoreCards(ctx, &assessmentv1.ListScoreCardsRequest{Parent: "runs/-"}); err != nil || len(list.GetScoreCards()) != 0 {
			t.Fatalf("the committee of team-b lists cards: %v %v", list, err)
		}
		committee := e.runs("C1", "head-office", auth.Committee)
		if list, err := committee.ListScoreCards(ctx, &assessmentv1.ListScoreCardsRequest{Parent: run.GetName(), Filter: "complete = true"}); err != nil || len(list.GetScoreCards()) != 2 {
			t.Fatalf("the committee of the bank lists cards: %v %v", list, err)
		}

		// Closing: prepared by HR, refused to HR itself, approved by the committee.
		closing, err := hr.CloseRun(ctx, &assessmentv1.CloseRunRequest{Name: run.GetName(), Etag: current.GetEtag(), Reason: "四月考评结束"})
		if err != nil || closing.GetState() != assessmentv1.Run_STATE_CLOSING || closing.GetCloseApproval() == "" || closing.GetClosePreparedBy() != "H1" {
			t.Fatalf("close: %v %v", closing, err)
		}
		_, err = sup.SetRatings(ctx, &assessmentv1.SetRatingsRequest{Parent: run.GetName(), Ratings: []*assessmentv1.Rating{rating("M2", "ETHICS_RATING", "99")}})
		wantCode(t, "a rating while closing", err, codes.FailedPrecondition, "waits for approval of its closing")
		_, err = e.approvals("H1", "head-office", auth.HROfficer).ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: closing.GetCloseApproval()})
		wantCode(t, "self-approval", err, codes.PermissionDenied, "someone else")
		_, err = e.approvals("S1", "team-a", auth.Supervisor).ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: closing.GetCloseApproval()})
		wantCode(t, "a supervisor approving", err, codes.PermissionDenied, "")
		_, err = e.approvals("C2", "team-b", auth.Committee).ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: closing.GetCloseApproval()})
		wantCode(t, "the committee of another subtree approving", err, codes.PermissionDenied, "outside the org subtree you approve for")
		ap, err := e.approvals("C1", "head-office", auth.Committee).ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: closing.GetCloseApproval()})
		if err != nil || ap.GetState() != approvalv1.Approval_STATE_APPROVED {
			t.Fatalf("approve: %v %v", ap, err)
		}
		closed, err := hr.GetRun(ctx, &assessmentv1.GetRunRequest{Name: run.GetName()})
		if err != nil || closed.GetState() != assessmentv1.Run_STATE_CLOSED || closed.GetClosedBy() != "C1" || closed.GetCloseTime() == nil {
			t.Fatalf("closed run: %v %v", closed, err)
		}

		// A closed run never changes.
		_, err = hr.RecomputeRun(ctx, &assessmentv1.RecomputeRunRequest{Name: run.GetName()})
		wantCode(t, "recomputing a closed run", err, codes.FailedPrecondition, "never changes")
		_, err = sup.SetRatings(ctx, &assessmentv1.SetRatingsRequest{Parent: run.GetName(), Ratings: []*assessmentv1.Rating{rating("M2", "ETHICS_RATING", "99")}})
		wantCode(t, "rating in a closed run", err, codes.FailedPrecondition, "never changes")
		_, err = hr.CloseRun(ctx, &assessmentv1.CloseRunRequest{Name: run.GetName()})
		wantCode(t, "closing again", err, codes.FailedPrecondition, "never changes")

		// Compensation reads the coefficients of closed runs.
		co, err := e.coefficients("svc:compensation", "", auth.System).BatchGetCoefficients(ctx, &assessmentv1.BatchGetCoefficientsRequest{
			Period: "2026-04", Managers: []string{"managers/M2", "managers/M3", "managers/M1"}})
		if err != nil || len(co.GetCoefficients()) != 2 || len(co.GetMissing()) != 1 || co.GetMissing()[0] != "managers/M3" {
			t.Fatalf("coefficients: %v %v", co, err)
		}
		if c := co.GetCoefficients()[1]; c.GetManager() != "managers/M1" || c.GetCoefficient() != "1.0" || c.GetScore() != "85.75" ||
			c.GetRevision() != 1 || c.GetRun() != run.GetName() {
			t.Errorf("M1's coefficient: %v", c)
		}
		co, _ = e.coefficients("M2", "team-a", auth.CustomerManager).BatchGetCoefficients(ctx, &assessmentv1.BatchGetCoefficientsRequest{
			Period: "2026-04", Managers: []string{"managers/M1", "managers/M2"}})
		if len(co.GetCoefficients()) != 1 || co.GetCoefficients()[0].GetCoefficient() != "0.6" {
			t.Errorf("M2 reads coefficients: %v", co)
		}

		// Another run of the month over the whole bank skips those already scored.
		bank, err := hr.StartRun(ctx, &assessmentv1.StartRunRequest{Run: &assessmentv1.Run{OrgUnit: "orgUnits/head-office", Period: "2026-04"}})
		if err != nil || bank.GetScoreCards() != 1 {
			t.Fatalf("bank-wide run: %v %v", bank, err)
		}
		skipped := map[string]string{}
		for _, s := range bank.GetSkipped() {
			skipped[s.GetManager()] = s.GetReason()
		}
		if skipped["managers/M1"] != "scored by runs/2026-04-team-a for 2026-04" || skipped["managers/B01"] != "has no grade in the roster" {
			t.Errorf("skipped: %v", skipped)
		}

		// Every change is one audit record.
		audit := auditv1.NewAuditServiceClient(e.conn("E0001", "head-office", auth.Administrator))
		recs, err := audit.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{Parent: "services/assessment", Filter: `object_type = "Run"`, PageSize: 100})
		if err != nil || len(recs.GetAuditRecords()) != 8 { // start ×2, ratings ×2, recompute ×2, close, approval
			t.Fatalf("audit records of runs: %d %v", len(recs.GetAuditRecords()), err)
		}
	})
}

// same reports whether two decimal strings are the same number.
func same(a, b string) bool {
	x, err1 := money.ParseDecimal(a)
	y, err2 := money.ParseDecimal(b)
	return err1 == nil && err2 == nil && x.Cmp(y) == 0
}

func listCards(t *testing.T, c assessmentv1.RunServiceClient, run string) []*assessmentv1.ScoreCard {
	t.Helper()
	list, err := c.ListScoreCards(ctx, &assessmentv1.ListScoreCardsRequest{Parent: run})
	if err != nil {
		t.Fatal(err)
	}
	return list.GetScoreCards()
}

// A run whose closing is rejected is open again and can change.
func TestRejectedClosingReopens(t *testing.T) {
	e := newEnv(t, storagetest.SQLiteURL(t))
	hr := e.runs("H1", "head-office", auth.HROfficer)
	run, err := hr.StartRun(ctx, &assessmentv1.StartRunRequest{Run: &assessmentv1.Run{OrgUnit: "orgUnits/team-b", Period: "2026-04"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.runs("S2", "team-b", auth.Supervisor).SetRatings(ctx, &assessmentv1.SetRatingsRequest{Parent: run.GetName(),
		Ratings: []*assessmentv1.Rating{rating("M3", "ETHICS_RATING", "80"), rating("M3", "BASIC_MGMT_RATING", "80"), rating("M3", "CREDIT_OPS_RATING", "80")}})
	if err != nil {
		t.Fatal(err)
	}
	closing, err := hr.CloseRun(ctx, &assessmentv1.CloseRunRequest{Name: run.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.approvals("C1", "head-office", auth.Committee).RejectApproval(ctx, &approvalv1.RejectApprovalRequest{
		Name: closing.GetCloseApproval(), Reason: "再核对一次"}); err != nil {
		t.Fatal(err)
	}
	open, err := hr.GetRun(ctx, &assessmentv1.GetRunRequest{Name: run.GetName()})
	if err != nil || open.GetState() != assessmentv1.Run_STATE_OPEN {
		t.Fatalf("after rejection: %v %v", open, err)
	}
	if _, err := hr.RecomputeRun(ctx, &assessmentv1.RecomputeRunRequest{Name: run.GetName()}); err != nil {
		t.Fatalf("recompute after rejection: %v", err)
	}
}
