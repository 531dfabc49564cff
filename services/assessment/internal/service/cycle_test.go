package service_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/rmsuite/rmsuite/pkg/auth"
	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
)

// closedRun starts the run of unit for month, rates every pending manual
// indicator with value (as a supervisor of unit), closes it (HR) and has
// the committee approve; it returns the run's name.
func closedRun(t *testing.T, e *env, unit, month, value string) string {
	t.Helper()
	hr := e.runs("H1", "head-office", auth.HROfficer)
	run, err := hr.StartRun(ctx, &assessmentv1.StartRunRequest{Run: &assessmentv1.Run{OrgUnit: "orgUnits/" + unit, Period: month}})
	if err != nil {
		t.Fatal(err)
	}
	var ratings []*assessmentv1.Rating
	for _, c := range listCards(t, hr, run.GetName()) {
		for _, p := range c.GetPending() {
			ratings = append(ratings, &assessmentv1.Rating{Manager: c.GetManager(), Indicator: p, Value: value})
		}
	}
	if len(ratings) > 0 {
		if _, err := e.runs("S-"+unit, unit, auth.Supervisor).SetRatings(ctx, &assessmentv1.SetRatingsRequest{Parent: run.GetName(), Ratings: ratings}); err != nil {
			t.Fatal(err)
		}
	}
	closing, err := hr.CloseRun(ctx, &assessmentv1.CloseRunRequest{Name: run.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.approvals("C1", "", auth.Committee).ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: closing.GetCloseApproval()}); err != nil {
		t.Fatal(err)
	}
	return run.GetName()
}

func (e *env) cycle(subject, unit string, roles ...auth.Role) assessmentv1.AssessmentServiceClient {
	return assessmentv1.NewAssessmentServiceClient(e.conn(subject, unit, roles...))
}

// Quarterly pre-assessment on the months closed so far, then the whole
// quarter once its months close; the annual assessment from the year's
// monthly scores and the annual summary, with the additional assessment of a
// promotion candidate.
func TestQuarterlyAndAnnualAssessment(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		april(t, e)
		closedRun(t, e, "team-a", "2026-04", "85") // M1 85.75 (see TestMonthlyRun's inputs but ethics 85, basic 85, credit 85)
		hr := e.cycle("H1", "head-office", auth.HROfficer)

		_, err := hr.StartAssessment(ctx, &assessmentv1.StartAssessmentRequest{Assessment: &assessmentv1.Assessment{OrgUnit: "orgUnits/team-a", Period: "2026-04"}})
		wantViolations(t, "a month", err, "assessment.period")

		q, err := hr.StartAssessment(ctx, &assessmentv1.StartAssessmentRequest{Assessment: &assessmentv1.Assessment{OrgUnit: "orgUnits/head-office", Period: "2026-Q2"}})
		if err != nil || q.GetName() != "assessments/2026-q2-head-office" || q.GetKind() != assessmentv1.Assessment_KIND_QUARTERLY || q.GetResults() != 2 {
			t.Fatalf("quarterly: %v %v", q, err)
		}
		skipped := map[string]string{}
		for _, s := range q.GetSkipped() {
			skipped[s.GetManager()] = s.GetReason()
		}
		if skipped["managers/M3"] != "no closed monthly score in 2026-Q2" {
			t.Errorf("skipped: %v", skipped)
		}
		m1, err := hr.GetAssessmentResult(ctx, &assessmentv1.GetAssessmentResultRequest{Name: q.GetName() + "/results/M1"})
		if err != nil || !m1.GetPreAssessment() || len(m1.GetMonthly()) != 1 || m1.GetMonthly()[0].GetScoreCard() != "runs/2026-04-team-a/scoreCards/M1" ||
			!strings.HasPrefix(m1.GetDetail(), "pre-assessment (预考核) on 1 of the quarter's 3 months") || !m1.GetComplete() {
			t.Fatalf("M1's pre-assessment: %v %v", m1, err)
		}
		april := m1.GetMonthly()[0].GetTotal()
		if m1.GetScore() != april {
			t.Errorf("a quarter of one month scores %s, want the month's %s", m1.GetScore(), april)
		}

		// May and June close: recomputed, the quarter is whole.
		closedRun(t, e, "team-a", "2026-05", "90")
		closedRun(t, e, "team-a", "2026-06", "60")
		q, err = hr.RecomputeAssessment(ctx, &assessmentv1.RecomputeAssessmentRequest{Name: q.GetName(), Etag: q.GetEtag()})
		if err != nil {
			t.Fatal(err)
		}
		m1, _ = hr.GetAssessmentResult(ctx, &assessmentv1.GetAssessmentResultRequest{Name: q.GetName() + "/results/M1"})
		if m1.GetPreAssessment() || len(m1.GetMonthly()) != 3 || !strings.HasPrefix(m1.GetDetail(), "mean of") && !strings.Contains(m1.GetDetail(), "3") {
			t.Fatalf("M1's quarter: %v", m1)
		}

		// Annual: awaiting the summary, then overall = 70 % monthly mean + 30 % summary.
		y, err := hr.StartAssessment(ctx, &assessmentv1.StartAssessmentRequest{Assessment: &assessmentv1.Assessment{OrgUnit: "orgUnits/team-a", Period: "2026"}})
		if err != nil || y.GetKind() != assessmentv1.Assessment_KIND_ANNUAL || y.GetResults() != 2 || y.GetIncomplete() != 2 {
			t.Fatalf("annual: %v %v", y, err)
		}
		_, err = e.cycle("S1", "team-a", auth.Supervisor).SetAssessmentInputs(ctx, &assessmentv1.SetAssessmentInputsRequest{Parent: y.GetName(),
			Inputs: []*assessmentv1.AssessmentInput{{Manager: "managers/M1", AnnualSummary: "80"}}})
		wantCode(t, "a supervisor entering the annual summary", err, codes.PermissionDenied, "")
		_, err = hr.SetAssessmentInputs(ctx, &assessmentv1.SetAssessmentInputsRequest{Parent: y.GetName(),
			Inputs: []*assessmentv1.AssessmentInput{{Manager: "managers/M2"}}})
		wantViolations(t, "an empty input", err, "inputs[0]")
		_, err = hr.SetAssessmentInputs(ctx, &assessmentv1.SetAssessmentInputsRequest{Parent: y.GetName(),
			Inputs: []*assessmentv1.AssessmentInput{{Manager: "managers/M1", AnnualSummary: "180"}, {Manager: "managers/M9", AnnualSummary: "80"}}})
		wantViolations(t, "bad inputs", err, "inputs[0].annual_summary", "inputs[1].manager")
		_, err = hr.SetAssessmentInputs(ctx, &assessmentv1.SetAssessmentInputsRequest{Parent: q.GetName(),
			Inputs: []*assessmentv1.AssessmentInput{{Manager: "managers/M1", AnnualSummary: "80"}}})
		wantCode(t, "inputs for a quarter", err, codes.FailedPrecondition, "quarterly")

		set, err := hr.SetAssessmentInputs(ctx, &assessmentv1.SetAssessmentInputsRequest{Parent: y.GetName(), Inputs: []*assessmentv1.AssessmentInput{
			{Manager: "managers/M1", AnnualSummary: "80", SelfEvaluation: "90", CommitteeRating: "80"}}})
		if err != nil || set.GetAssessment().GetIncomplete() != 1 || len(set.GetResults()) != 1 {
			t.Fatalf("inputs: %v %v", set, err)
		}
		r := set.GetResults()[0]
		if r.GetAdditionalScore() != "83.00" || !r.GetComplete() || r.GetAnnualSummary() != "80" || !strings.Contains(r.GetDetail(), "annual summary 80 × 30%") {
			t.Errorf("M1's annual result: %v", r)
		}
		// Entering one input keeps the others.
		set, err = hr.SetAssessmentInputs(ctx, &assessmentv1.SetAssessmentInputsRequest{Parent: y.GetName(), Inputs: []*assessmentv1.AssessmentInput{
			{Manager: "managers/M1", CommitteeRating: "90"}}})
		if err != nil || set.GetResults()[0].GetAdditionalScore() != "90.00" || set.GetResults()[0].GetAnnualSummary() != "80" {
			t.Fatalf("second inputs: %v %v", set, err)
		}

		// Reach: M2 sees only their own result; the committee of team-b none of team-a's.
		m2 := e.cycle("M2", "team-a", auth.CustomerManager)
		_, err = m2.GetAssessmentResult(ctx, &assessmentv1.GetAssessmentResultRequest{Name: y.GetName() + "/results/M1"})
		wantCode(t, "M2 reads M1's result", err, codes.NotFound, "")
		if list, err := m2.ListAssessmentResults(ctx, &assessmentv1.ListAssessmentResultsRequest{Parent: "assessments/-"}); err != nil || len(list.GetResults()) != 2 {
			t.Fatalf("M2's results (quarter and year): %v %v", list, err)
		}
		if list, _ := e.cycle("C2", "team-b", auth.Committee).ListAssessmentResults(ctx, &assessmentv1.ListAssessmentResultsRequest{Parent: "assessments/-"}); len(list.GetResults()) != 0 {
			t.Errorf("the committee of team-b sees %d results of team-a", len(list.GetResults()))
		}
	})
}
