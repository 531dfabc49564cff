package service_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/auth"
	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
)

func (e *env) appeals(subject, unit string, roles ...auth.Role) assessmentv1.AppealServiceClient {
	return assessmentv1.NewAppealServiceClient(e.conn(subject, unit, roles...))
}

// A manager appeals their own closed score card within the window; the
// committee upholds it with a corrected value: the card is rescored as a new
// revision and compensation reads the new coefficient. Appeals out of reach,
// too late, or against an open run are refused; a rejection changes nothing.
func TestAppealScoreCard(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		april(t, e)
		run := closedRun(t, e, "team-a", "2026-04", "85") // M1: 86.00 → coefficient 1.0
		card := run + "/scoreCards/M1"
		m1 := e.appeals("M1", "team-a", auth.CustomerManager)

		_, err := e.appeals("M2", "team-a", auth.CustomerManager).FileAppeal(ctx, &assessmentv1.FileAppealRequest{Appeal: &assessmentv1.Appeal{
			Subject: card, Reason: "x"}})
		wantCode(t, "appealing another's card", err, codes.PermissionDenied, "only their own results")
		_, err = m1.FileAppeal(ctx, &assessmentv1.FileAppealRequest{Appeal: &assessmentv1.Appeal{Subject: card}})
		wantViolations(t, "no reason", err, "appeal.reason")
		_, err = m1.FileAppeal(ctx, &assessmentv1.FileAppealRequest{Appeal: &assessmentv1.Appeal{Subject: "runs/x", Reason: "x"}})
		wantViolations(t, "not a result", err, "appeal.subject")

		ap, err := m1.FileAppeal(ctx, &assessmentv1.FileAppealRequest{Appeal: &assessmentv1.Appeal{Subject: card,
			Reason: "四月存款日均应为 12,000,000.00：核心系统漏报了一笔大额存款"}})
		if err != nil || ap.GetState() != assessmentv1.Appeal_STATE_FILED || ap.GetManager() != "managers/M1" || ap.GetDeadline().GetDay() != 21 {
			t.Fatalf("file: %v %v", ap, err)
		}
		_, err = m1.FileAppeal(ctx, &assessmentv1.FileAppealRequest{Appeal: &assessmentv1.Appeal{Subject: card, Reason: "again"}})
		wantCode(t, "a second open appeal", err, codes.AlreadyExists, "not decided yet")

		// Only the committee decides, for its subtree; an upheld appeal needs an amendment.
		_, err = e.appeals("C2", "team-b", auth.Committee).DecideAppeal(ctx, &assessmentv1.DecideAppealRequest{Name: ap.GetName(),
			Outcome: assessmentv1.DecideAppealRequest_OUTCOME_REJECTED, Comment: "x"})
		wantCode(t, "the committee of another subtree", err, codes.NotFound, "")
		committee := e.appeals("C1", "head-office", auth.Committee)
		_, err = committee.DecideAppeal(ctx, &assessmentv1.DecideAppealRequest{Name: ap.GetName(), Outcome: assessmentv1.DecideAppealRequest_OUTCOME_UPHELD,
			Comment: "核实属实"})
		wantViolations(t, "upheld without amendment", err, "amendment")
		_, err = committee.DecideAppeal(ctx, &assessmentv1.DecideAppealRequest{Name: ap.GetName(), Outcome: assessmentv1.DecideAppealRequest_OUTCOME_UPHELD,
			Comment: "核实属实", Amendment: &assessmentv1.Amendment{Values: []*assessmentv1.Amendment_Value{{Indicator: "indicators/TEAM_MGMT_RATING", Value: "1"}}}})
		wantViolations(t, "an indicator not on the card", err, "amendment.values[0].indicator")

		decided, err := committee.DecideAppeal(ctx, &assessmentv1.DecideAppealRequest{Name: ap.GetName(), Outcome: assessmentv1.DecideAppealRequest_OUTCOME_UPHELD,
			Comment: "核实属实，更正存款日均", Amendment: &assessmentv1.Amendment{Values: []*assessmentv1.Amendment_Value{
				{Indicator: "indicators/DEPOSIT_DAILY_AVG", Value: "12000000.00"}}}})
		if err != nil || decided.GetState() != assessmentv1.Appeal_STATE_UPHELD || decided.GetDecidedBy() != "C1" || len(decided.GetHistory()) != 3 ||
			decided.GetAmendment().GetRevision() != 2 || decided.GetAmendment().GetPreviousTotal() != "86.00" || decided.GetAmendment().GetResult() != "92.00" ||
			decided.GetAmendment().GetValues()[0].GetPreviousValue() != "8000000.00" {
			t.Fatalf("uphold: %v %v", decided, err)
		}
		c, err := e.runs("M1", "team-a", auth.CustomerManager).GetScoreCard(ctx, &assessmentv1.GetScoreCardRequest{Name: card})
		if err != nil || c.GetTotal() != "92.00" || c.GetCoefficient() != "1.2" || c.GetRevision() != 2 || len(c.GetAmendedBy()) != 1 || !c.GetClosed() {
			t.Fatalf("amended card: %v %v", c, err)
		}
		if l := lineOf(c, "DEPOSIT_DAILY_AVG"); l.GetValue() != "12000000.00" || l.GetSourceRef() != ap.GetName() || !same(l.GetPoints(), "18") {
			t.Errorf("amended line: %v", l)
		}
		co, _ := e.coefficients("svc:compensation", "", auth.System).BatchGetCoefficients(ctx, &assessmentv1.BatchGetCoefficientsRequest{
			Period: "2026-04", Managers: []string{"managers/M1"}})
		if len(co.GetCoefficients()) != 1 || co.GetCoefficients()[0].GetRevision() != 2 || co.GetCoefficients()[0].GetCoefficient() != "1.2" ||
			co.GetCoefficients()[0].GetScore() != "92.00" {
			t.Fatalf("compensation reads: %v", co)
		}
		_, err = committee.DecideAppeal(ctx, &assessmentv1.DecideAppealRequest{Name: ap.GetName(), Outcome: assessmentv1.DecideAppealRequest_OUTCOME_REJECTED, Comment: "x"})
		wantCode(t, "deciding twice", err, codes.FailedPrecondition, "upheld")

		// M2 appeals, then the committee rejects: nothing changes.
		m2 := e.appeals("M2", "team-a", auth.CustomerManager)
		ap2, err := m2.FileAppeal(ctx, &assessmentv1.FileAppealRequest{Appeal: &assessmentv1.Appeal{Subject: run + "/scoreCards/M2", Reason: "评价偏低"}})
		if err != nil {
			t.Fatal(err)
		}
		rejected, err := committee.DecideAppeal(ctx, &assessmentv1.DecideAppealRequest{Name: ap2.GetName(), Outcome: assessmentv1.DecideAppealRequest_OUTCOME_REJECTED,
			Comment: "评价有据，维持原结果"})
		if err != nil || rejected.GetState() != assessmentv1.Appeal_STATE_REJECTED || rejected.GetAmendment() != nil {
			t.Fatalf("reject: %v %v", rejected, err)
		}
		if c, _ := e.runs("M2", "team-a", auth.CustomerManager).GetScoreCard(ctx, &assessmentv1.GetScoreCardRequest{Name: run + "/scoreCards/M2"}); c.GetRevision() != 1 {
			t.Errorf("M2's card changed: %v", c)
		}
		if list, _ := m1.ListAppeals(ctx, &assessmentv1.ListAppealsRequest{}); len(list.GetAppeals()) != 1 {
			t.Errorf("M1 sees %d appeals", len(list.GetAppeals()))
		}

		// Too late: the window closed 15 days after the run closed.
		e.clock.set(e.clock.now().Add(16 * 24 * time.Hour))
		_, err = m2.FileAppeal(ctx, &assessmentv1.FileAppealRequest{Appeal: &assessmentv1.Appeal{Subject: run + "/scoreCards/M2", Reason: "again"}})
		wantCode(t, "after the window", err, codes.FailedPrecondition, "could be appealed until 2026-05-21")
		// An open run is not appealed.
		open, _ := e.runs("H1", "head-office", auth.HROfficer).StartRun(ctx, &assessmentv1.StartRunRequest{Run: &assessmentv1.Run{OrgUnit: "orgUnits/team-a", Period: "2026-05"}})
		_, err = m1.FileAppeal(ctx, &assessmentv1.FileAppealRequest{Appeal: &assessmentv1.Appeal{Subject: open.GetName() + "/scoreCards/M1", Reason: "x"}})
		wantCode(t, "an open run", err, codes.FailedPrecondition, "not closed yet")
	})
}

// An amended grade decision re-flows to the roster: an applied promotion
// withheld is sent back as a new change; a demotion not yet applied is
// cancelled and nothing reaches the roster.
func TestAppealDecision(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		annual2026(t, e, "39999999.99") // M1 stays 二级 (4 of 5), M2 down to 四级
		hr := e.decisions("H1", "head-office", auth.HROfficer)
		round, err := hr.CreateDecisionRound(ctx, &assessmentv1.CreateDecisionRoundRequest{DecisionRound: &assessmentv1.DecisionRound{
			OrgUnit: "orgUnits/team-a", Period: "2026", Ladder: "gradeLadders/bank"}})
		if err != nil {
			t.Fatal(err)
		}
		submitted, err := hr.SubmitDecisionRound(ctx, &assessmentv1.SubmitDecisionRoundRequest{Name: round.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		e.roster.set(func(f *fakeRoster) { f.down = true }) // M2's demotion stays pending
		if _, err := e.approvals("C1", "head-office", auth.Committee).ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: submitted.GetApproval()}); err != nil {
			t.Fatal(err)
		}
		committee := e.appeals("C1", "head-office", auth.Committee)

		// M2's demotion, not yet applied, is overturned: cancelled, nothing sent.
		a2, err := e.appeals("M2", "team-a", auth.CustomerManager).FileAppeal(ctx, &assessmentv1.FileAppealRequest{Appeal: &assessmentv1.Appeal{
			Subject: round.GetName() + "/decisions/M2", Reason: "年度总结评分有误"}})
		if err != nil {
			t.Fatal(err)
		}
		// While a sender holds the change (trying the roster), the decision
		// is refused with ABORTED and retried.
		for {
			_, err = committee.DecideAppeal(ctx, &assessmentv1.DecideAppealRequest{Name: a2.GetName(), Outcome: assessmentv1.DecideAppealRequest_OUTCOME_UPHELD,
				Comment: "撤销降级", Amendment: &assessmentv1.Amendment{Grade: &assessmentv1.GradeStep{Level: "L3"}}})
			if status.Code(err) != codes.Aborted {
				break
			}
			wantCode(t, "deciding while the change is being sent", err, codes.Aborted, "being sent to the roster right now")
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		d2, _ := hr.GetDecision(ctx, &assessmentv1.GetDecisionRequest{Name: round.GetName() + "/decisions/M2"})
		if d2.GetKind() != assessmentv1.GradeDecision_KIND_MAINTAIN || d2.GetTo().GetLevel() != "L3" || d2.GetRevision() != 2 ||
			d2.GetDelivery() != assessmentv1.Delivery_DELIVERY_NONE || len(d2.GetAmendedBy()) != 1 {
			t.Fatalf("M2 amended: %v", d2)
		}

		// M1's maintained grade is amended to a promotion: it goes to the roster.
		a1, err := e.appeals("M1", "team-a", auth.CustomerManager).FileAppeal(ctx, &assessmentv1.FileAppealRequest{Appeal: &assessmentv1.Appeal{
			Subject: round.GetName() + "/decisions/M1", Reason: "存款日均差一分未达标，系统取数有误"}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = committee.DecideAppeal(ctx, &assessmentv1.DecideAppealRequest{Name: a1.GetName(), Outcome: assessmentv1.DecideAppealRequest_OUTCOME_UPHELD,
			Comment: "核实达标，晋升一级", Amendment: &assessmentv1.Amendment{Grade: &assessmentv1.GradeStep{Level: "L1"}}})
		if err != nil {
			t.Fatal(err)
		}
		e.roster.set(func(f *fakeRoster) { f.down = false })
		e.clock.set(e.clock.now().Add(time.Hour))
		waitFor(t, "M1's amended promotion is applied", func() bool {
			d, _ := hr.GetDecision(ctx, &assessmentv1.GetDecisionRequest{Name: round.GetName() + "/decisions/M1"})
			return d.GetDelivery() == assessmentv1.Delivery_DELIVERY_APPLIED && d.GetRevision() == 2 && d.GetTo().GetLevel() == "L1"
		})
		time.Sleep(200 * time.Millisecond)
		changes := e.roster.applied()
		if len(changes) != 1 || changes[0].GetName() != "managers/M1" || changes[0].GetGrade().GetLevel() != "L1" ||
			changes[0].GetReference() != round.GetName()+"/decisions/M1" || changes[0].GetEffectiveDate().GetYear() != 2027 {
			t.Fatalf("roster changes: %v (M2's cancelled demotion must not be among them)", changes)
		}
	})
}
