package service_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

func (e *env) decisions(subject, unit string, roles ...auth.Role) assessmentv1.DecisionServiceClient {
	return assessmentv1.NewDecisionServiceClient(e.conn(subject, unit, roles...))
}

// annual2026 closes April for team-a (every rating 85: M1 86.00 on MIDDLE,
// M2 18.00 on JUNIOR), assesses 2026 with annual summaries (M1 95, M2 50)
// and M1's additional assessment (self 90, committee 85 → 86.50), and
// imports M1's yearly deposits: M1's overall is 0.7 × 86 + 0.3 × 95 = 88.70.
func annual2026(t *testing.T, e *env, deposits string) {
	t.Helper()
	april(t, e)
	closedRun(t, e, "team-a", "2026-04", "85")
	hr := e.cycle("H1", "head-office", auth.HROfficer)
	y, err := hr.StartAssessment(ctx, &assessmentv1.StartAssessmentRequest{Assessment: &assessmentv1.Assessment{OrgUnit: "orgUnits/team-a", Period: "2026"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hr.SetAssessmentInputs(ctx, &assessmentv1.SetAssessmentInputsRequest{Parent: y.GetName(), Inputs: []*assessmentv1.AssessmentInput{
		{Manager: "managers/M1", AnnualSummary: "95", SelfEvaluation: "90", CommitteeRating: "85"},
		{Manager: "managers/M2", AnnualSummary: "50"}}}); err != nil {
		t.Fatal(err)
	}
	importYear(t, e, "y1", deposits)
}

func importYear(t *testing.T, e *env, batch, deposits string) {
	t.Helper()
	if _, err := e.figures("svc:cbs", "", auth.System).ImportFigures(ctx, &assessmentv1.ImportFiguresRequest{BatchId: batch, Source: "core-banking",
		Rows: []*assessmentv1.FigureRow{row("M1", "2026", "DEPOSIT_DAILY_AVG", deposits)}}); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// DOMAIN.md worked example 3 through the API: a 二级 (L2) manager meeting 4
// of the 5 promotion indicators of 一级 stays 二级; with all 5 (the deposits
// corrected) the round promotes them to 一级, not 高级; a manager failing
// maintenance moves down one step. The committee approves the round (not
// the person who submitted it); the changes reach the roster, effective the
// first day of the next period, with the decision's name — while the roster
// is down they wait, and an answer lost after the roster applied a change
// does not apply it twice.
func TestDecisionRound(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		annual2026(t, e, "39999999.99") // one cent short of 一级's deposit target
		hr := e.decisions("H1", "head-office", auth.HROfficer)

		_, err := hr.CreateDecisionRound(ctx, &assessmentv1.CreateDecisionRoundRequest{DecisionRound: &assessmentv1.DecisionRound{
			OrgUnit: "orgUnits/team-a", Period: "2026-Q4", Ladder: "gradeLadders/bank"}})
		wantViolations(t, "a quarter for the bank ladder", err, "decision_round.period")
		_, err = hr.CreateDecisionRound(ctx, &assessmentv1.CreateDecisionRoundRequest{DecisionRound: &assessmentv1.DecisionRound{
			OrgUnit: "orgUnits/team-a", Period: "2026", Ladder: "gradeLadders/nope"}})
		wantViolations(t, "an unknown ladder", err, "decision_round.ladder")
		_, err = e.decisions("S1", "team-a", auth.Supervisor).CreateDecisionRound(ctx, &assessmentv1.CreateDecisionRoundRequest{
			DecisionRound: &assessmentv1.DecisionRound{OrgUnit: "orgUnits/team-a", Period: "2026", Ladder: "gradeLadders/bank"}})
		wantCode(t, "a supervisor deciding", err, codes.PermissionDenied, "")

		round, err := hr.CreateDecisionRound(ctx, &assessmentv1.CreateDecisionRoundRequest{DecisionRound: &assessmentv1.DecisionRound{
			OrgUnit: "orgUnits/team-a", Period: "2026", Ladder: "gradeLadders/bank"}})
		if err != nil || round.GetName() != "decisionRounds/2026-bank-team-a" || round.GetDecisions() != 2 || round.GetMoves() != 1 ||
			round.GetState() != assessmentv1.DecisionRound_STATE_PROPOSED || round.GetEffectiveDate().GetYear() != 2027 ||
			round.GetEffectiveDate().GetMonth() != 1 || round.GetEffectiveDate().GetDay() != 1 {
			t.Fatalf("round: %v %v", round, err)
		}
		m1, err := hr.GetDecision(ctx, &assessmentv1.GetDecisionRequest{Name: round.GetName() + "/decisions/M1"})
		if err != nil || m1.GetKind() != assessmentv1.GradeDecision_KIND_MAINTAIN || m1.GetTo().GetLevel() != "L2" ||
			m1.GetDelivery() != assessmentv1.Delivery_DELIVERY_NONE || len(m1.GetPromotions()) != 1 || m1.GetScore() != "88.70" {
			t.Fatalf("M1 with 4 of 5: %v %v", m1, err)
		}
		if !strings.Contains(m1.GetReasons()[0], "not promoted to 一级: 4 of 5 promotion indicators met") {
			t.Errorf("M1's reason: %q", m1.GetReasons())
		}
		met := map[string]string{}
		for _, c := range m1.GetPromotions()[0].GetChecks() {
			met[c.GetMeasure()] = c.GetValue()
			if c.GetMet() != (c.GetMeasure() != "deposit_daily_avg") {
				t.Errorf("check %v", c)
			}
		}
		if met["annual_score"] != "88.70" || met["additional_score"] != "86.50" || met["months_at_grade"] != "36" ||
			met["compliance_breaches"] != "0" || met["deposit_daily_avg"] != "39999999.99" {
			t.Errorf("M1's measures: %v", met)
		}
		m2, _ := hr.GetDecision(ctx, &assessmentv1.GetDecisionRequest{Name: round.GetName() + "/decisions/M2"})
		if m2.GetKind() != assessmentv1.GradeDecision_KIND_DEMOTE || m2.GetFrom().GetDisplayName() != "三级" || m2.GetTo().GetDisplayName() != "四级" ||
			m2.GetDelivery() != assessmentv1.Delivery_DELIVERY_PROPOSED {
			t.Fatalf("M2: %v", m2)
		}

		// With all five met: 一级, one step, although 高级's indicators are met too.
		importYear(t, e, "y2", "90000000.00")
		round, err = hr.RecomputeDecisionRound(ctx, &assessmentv1.RecomputeDecisionRoundRequest{Name: round.GetName(), Etag: round.GetEtag()})
		if err != nil || round.GetMoves() != 2 {
			t.Fatalf("recompute: %v %v", round, err)
		}
		m1, _ = hr.GetDecision(ctx, &assessmentv1.GetDecisionRequest{Name: round.GetName() + "/decisions/M1"})
		if m1.GetKind() != assessmentv1.GradeDecision_KIND_PROMOTE || m1.GetTo().GetLevel() != "L1" || m1.GetTo().GetDisplayName() != "一级" {
			t.Fatalf("M1 with all 5: %v", m1)
		}

		// Reach: M1 reads their own decision only.
		cm := e.decisions("M1", "team-a", auth.CustomerManager)
		if _, err := cm.GetDecision(ctx, &assessmentv1.GetDecisionRequest{Name: round.GetName() + "/decisions/M1"}); err != nil {
			t.Fatal(err)
		}
		_, err = cm.GetDecision(ctx, &assessmentv1.GetDecisionRequest{Name: round.GetName() + "/decisions/M2"})
		wantCode(t, "M1 reads M2's decision", err, codes.NotFound, "")
		if list, err := hr.ListDecisions(ctx, &assessmentv1.ListDecisionsRequest{Parent: "decisionRounds/-", Filter: "moves = true AND kind = KIND_PROMOTE"}); err != nil ||
			len(list.GetDecisions()) != 1 || list.GetDecisions()[0].GetManager() != "managers/M1" {
			t.Fatalf("promotions: %v %v", list, err)
		}

		// Maker–checker: HR submits, HR cannot approve, the committee does — while the roster is down.
		submitted, err := hr.SubmitDecisionRound(ctx, &assessmentv1.SubmitDecisionRoundRequest{Name: round.GetName(), Etag: round.GetEtag()})
		if err != nil || submitted.GetState() != assessmentv1.DecisionRound_STATE_APPROVING || submitted.GetApproval() == "" {
			t.Fatalf("submit: %v %v", submitted, err)
		}
		_, err = hr.RecomputeDecisionRound(ctx, &assessmentv1.RecomputeDecisionRoundRequest{Name: round.GetName()})
		wantCode(t, "recomputing a submitted round", err, codes.FailedPrecondition, "waits for the committee's approval")
		_, err = e.approvals("H1", "head-office", auth.HROfficer).ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: submitted.GetApproval()})
		wantCode(t, "self-approval", err, codes.PermissionDenied, "someone else")
		_, err = e.approvals("S1", "team-a", auth.Supervisor).ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: submitted.GetApproval()})
		wantCode(t, "a supervisor approving decisions", err, codes.PermissionDenied, "assessment.decisions.approve")
		e.roster.set(func(f *fakeRoster) { f.down = true })
		if _, err := e.approvals("C1", "head-office", auth.Committee).ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: submitted.GetApproval()}); err != nil {
			t.Fatal(err)
		}
		approved, _ := hr.GetDecisionRound(ctx, &assessmentv1.GetDecisionRoundRequest{Name: round.GetName()})
		if approved.GetState() != assessmentv1.DecisionRound_STATE_APPROVED || approved.GetApprovedBy() != "C1" {
			t.Fatalf("approved round: %v", approved)
		}
		waitFor(t, "a failed attempt is recorded", func() bool {
			d, _ := hr.GetDecision(ctx, &assessmentv1.GetDecisionRequest{Name: round.GetName() + "/decisions/M1"})
			return d.GetDelivery() == assessmentv1.Delivery_DELIVERY_PENDING && strings.Contains(d.GetDeliveryError(), "roster is down")
		})
		if n := len(e.roster.applied()); n != 0 {
			t.Fatalf("%d changes applied while the roster was down", n)
		}
		_, err = hr.RecomputeDecisionRound(ctx, &assessmentv1.RecomputeDecisionRoundRequest{Name: round.GetName()})
		wantCode(t, "recomputing an approved round", err, codes.FailedPrecondition, "never changes")

		// The roster comes back; the first answer is lost after it applied the change.
		e.roster.set(func(f *fakeRoster) { f.down, f.lose = false, 1 })
		e.clock.set(e.clock.now().Add(time.Minute)) // the retry falls due
		waitFor(t, "both changes are applied", func() bool {
			list, _ := hr.ListDecisions(ctx, &assessmentv1.ListDecisionsRequest{Parent: round.GetName()})
			for _, d := range list.GetDecisions() {
				if d.GetDelivery() != assessmentv1.Delivery_DELIVERY_APPLIED {
					e.clock.set(e.clock.now().Add(time.Minute))
					return false
				}
			}
			return true
		})
		changes := e.roster.applied()
		if len(changes) != 2 {
			t.Fatalf("%d grade changes applied in the roster, want 2 (each once): %v", len(changes), changes)
		}
		by := map[string]*rosterv1.ChangeManagerGradeRequest{}
		for _, c := range changes {
			by[c.GetName()] = c
		}
		c1 := by["managers/M1"]
		if c1.GetGrade().GetLevel() != "L1" || c1.GetGrade().GetLadder() != "gradeLadders/bank" || c1.GetEffectiveDate().GetYear() != 2027 ||
			c1.GetEffectiveDate().GetMonth() != 1 || c1.GetEffectiveDate().GetDay() != 1 || c1.GetReference() != round.GetName()+"/decisions/M1" ||
			!strings.HasPrefix(c1.GetRequestId(), "assessment-") || c1.GetExceptional() {
			t.Errorf("M1's change: %v", c1)
		}
		if by["managers/M2"].GetGrade().GetLevel() != "L4" {
			t.Errorf("M2's change: %v", by["managers/M2"])
		}
		m1, _ = hr.GetDecision(ctx, &assessmentv1.GetDecisionRequest{Name: round.GetName() + "/decisions/M1"})
		if m1.GetAppliedTime() == nil || m1.GetDeliveryError() != "" {
			t.Errorf("M1 applied: %v", m1)
		}
		// Sent again (another instance, a restart), a change is not applied twice.
		time.Sleep(200 * time.Millisecond)
		if n := len(e.roster.applied()); n != 2 {
			t.Fatalf("%d changes after waiting, want 2", n)
		}
	})
}

// Out of the cycle, a supervisor proposes an early demotion (one step down)
// or a dismissal of a manager of their team; a branch head approves it; the
// demotion reaches the roster, the dismissal is left to HR.
func TestEarlyDemotion(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		sup := e.decisions("S1", "team-a", auth.Supervisor)
		_, err := sup.ProposeEarlyDemotion(ctx, &assessmentv1.ProposeEarlyDemotionRequest{EarlyDemotion: &assessmentv1.EarlyDemotion{
			Manager: "managers/M3", Kind: assessmentv1.EarlyDemotion_KIND_DEMOTION, Reason: "违规放贷"}})
		wantCode(t, "another team's manager", err, codes.PermissionDenied, "outside your org subtree")
		_, err = sup.ProposeEarlyDemotion(ctx, &assessmentv1.ProposeEarlyDemotionRequest{EarlyDemotion: &assessmentv1.EarlyDemotion{
			Manager: "managers/M2", Kind: assessmentv1.EarlyDemotion_KIND_DEMOTION}})
		wantViolations(t, "no reason", err, "early_demotion.reason")
		_, err = e.decisions("M1", "team-a", auth.CustomerManager).ProposeEarlyDemotion(ctx, &assessmentv1.ProposeEarlyDemotionRequest{
			EarlyDemotion: &assessmentv1.EarlyDemotion{Manager: "managers/M2", Kind: assessmentv1.EarlyDemotion_KIND_DEMOTION, Reason: "x"}})
		wantCode(t, "a manager proposing", err, codes.PermissionDenied, "")

		d, err := sup.ProposeEarlyDemotion(ctx, &assessmentv1.ProposeEarlyDemotionRequest{EarlyDemotion: &assessmentv1.EarlyDemotion{
			Manager: "managers/M2", Kind: assessmentv1.EarlyDemotion_KIND_DEMOTION, Reason: "违规办理业务，情节严重"}})
		if err != nil || d.GetState() != assessmentv1.EarlyDemotion_STATE_PROPOSED || d.GetTo().GetLevel() != "L4" || d.GetFrom().GetDisplayName() != "三级" ||
			d.GetEffectiveDate().GetMonth() != 6 || d.GetEffectiveDate().GetDay() != 1 || d.GetDelivery() != assessmentv1.Delivery_DELIVERY_PROPOSED {
			t.Fatalf("proposal: %v %v", d, err)
		}
		_, err = e.approvals("H1", "head-office", auth.HROfficer).ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: d.GetApproval()})
		wantCode(t, "HR approving an early demotion", err, codes.PermissionDenied, "assessment.demotions.approve")
		_, err = e.approvals("BH", "team-b", auth.BranchHead).ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: d.GetApproval()})
		wantCode(t, "the branch head of another subtree", err, codes.NotFound, "")
		if _, err := e.approvals("BH", "head-office", auth.BranchHead).ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: d.GetApproval()}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the demotion reaches the roster", func() bool {
			got, _ := sup.GetEarlyDemotion(ctx, &assessmentv1.GetEarlyDemotionRequest{Name: d.GetName()})
			return got.GetDelivery() == assessmentv1.Delivery_DELIVERY_APPLIED && got.GetState() == assessmentv1.EarlyDemotion_STATE_APPROVED &&
				got.GetDecidedBy() == "BH"
		})
		changes := e.roster.applied()
		if len(changes) != 1 || changes[0].GetName() != "managers/M2" || changes[0].GetGrade().GetLevel() != "L4" || changes[0].GetReference() != d.GetName() {
			t.Fatalf("roster changes: %v", changes)
		}
		// M2 now holds 四级 from 1 June: a second demotion dated before it would
		// be refused by the roster after approval, so it is refused here.
		_, err = sup.ProposeEarlyDemotion(ctx, &assessmentv1.ProposeEarlyDemotionRequest{EarlyDemotion: &assessmentv1.EarlyDemotion{
			Manager: "managers/M2", Kind: assessmentv1.EarlyDemotion_KIND_DISMISSAL, Reason: "再次违规",
			EffectiveDate: &date.Date{Year: 2026, Month: 5, Day: 20}}})
		wantViolations(t, "dated before the latest grade change", err, "early_demotion.effective_date")
		if !strings.Contains(fmt.Sprint(status.Convert(err).Details()), "四级 from 2026-06-01") {
			t.Errorf("the refusal names the grade and its day: %v", err)
		}

		// A dismissal is approved, recorded, and not sent: HR ends the employment.
		x, err := sup.ProposeEarlyDemotion(ctx, &assessmentv1.ProposeEarlyDemotionRequest{EarlyDemotion: &assessmentv1.EarlyDemotion{
			Manager: "managers/M1", Kind: assessmentv1.EarlyDemotion_KIND_DISMISSAL, Reason: "严重违纪"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.approvals("BH", "head-office", auth.BranchHead).ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: x.GetApproval()}); err != nil {
			t.Fatal(err)
		}
		x, _ = sup.GetEarlyDemotion(ctx, &assessmentv1.GetEarlyDemotionRequest{Name: x.GetName()})
		if x.GetState() != assessmentv1.EarlyDemotion_STATE_APPROVED || x.GetDelivery() != assessmentv1.Delivery_DELIVERY_NOT_SENT || x.GetTo() != nil {
			t.Fatalf("dismissal: %v", x)
		}
		// Reach: M2 reads their own, M3 none.
		if list, _ := e.decisions("M2", "team-a", auth.CustomerManager).ListEarlyDemotions(ctx, &assessmentv1.ListEarlyDemotionsRequest{}); len(list.GetEarlyDemotions()) != 1 {
			t.Errorf("M2's early demotions: %v", list)
		}
		if list, _ := e.decisions("M3", "team-b", auth.CustomerManager).ListEarlyDemotions(ctx, &assessmentv1.ListEarlyDemotionsRequest{}); len(list.GetEarlyDemotions()) != 0 {
			t.Errorf("M3 sees early demotions: %v", list)
		}
	})
}

// An exceptional promotion (破格晋升), entered with the committee's approval
// reference, skips a step when every promotion indicator of the target is
// met; the roster holds such a change for its own second approval.
func TestExceptionalPromotion(t *testing.T) {
	e := newEnv(t, storagetest.SQLiteURL(t))
	annual2026(t, e, "90000000.00") // M1 meets 一级's and 高级's promotion indicators
	hr := e.decisions("H1", "head-office", auth.HROfficer)
	in := &assessmentv1.DecisionRound{OrgUnit: "orgUnits/team-a", Period: "2026", Ladder: "gradeLadders/bank",
		Exceptions: []*assessmentv1.DecisionRound_Exception{{Manager: "managers/M1", Level: "SR"}}}
	_, err := hr.CreateDecisionRound(ctx, &assessmentv1.CreateDecisionRoundRequest{DecisionRound: in})
	wantViolations(t, "no approval reference", err, "decision_round.exceptions[0].approval_ref")
	in.Exceptions[0].ApprovalRef = "考评委员会 2026 第 7 次会议纪要"
	round, err := hr.CreateDecisionRound(ctx, &assessmentv1.CreateDecisionRoundRequest{DecisionRound: in})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := hr.GetDecision(ctx, &assessmentv1.GetDecisionRequest{Name: round.GetName() + "/decisions/M1"})
	if d.GetKind() != assessmentv1.GradeDecision_KIND_PROMOTE || d.GetTo().GetLevel() != "SR" || !d.GetExceptional() ||
		d.GetApprovalRef() != in.Exceptions[0].ApprovalRef {
		t.Fatalf("exceptional promotion: %v", d)
	}
	submitted, err := hr.SubmitDecisionRound(ctx, &assessmentv1.SubmitDecisionRoundRequest{Name: round.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.approvals("C1", "head-office", auth.Committee).ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: submitted.GetApproval()}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the roster holds the exceptional change for approval", func() bool {
		d, _ := hr.GetDecision(ctx, &assessmentv1.GetDecisionRequest{Name: round.GetName() + "/decisions/M1"})
		return d.GetDelivery() == assessmentv1.Delivery_DELIVERY_AWAITING_ROSTER_APPROVAL && strings.HasPrefix(d.GetRosterApproval(), "services/roster/approvals/")
	})
	for _, c := range e.roster.applied() {
		if c.GetName() == "managers/M1" {
			t.Fatalf("an exceptional change was applied without the roster's approval: %v", c)
		}
	}
}
