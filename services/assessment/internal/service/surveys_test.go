package service_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/rmsuite/rmsuite/pkg/auth"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
)

func (e *env) surveys(subject, unit string, roles ...auth.Role) assessmentv1.SurveyServiceClient {
	return assessmentv1.NewSurveyServiceClient(e.conn(subject, unit, roles...))
}

// A questionnaire put to a team's customers for a month: a bank channel
// sends each customer's answers once; they tally, per manager, into the
// month's CUSTOMER_SATISFACTION (the share of the points available), which
// the monthly run scores with the campaign as its source.
func TestSurveys(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		hr := e.surveys("H1", "head-office", auth.HROfficer)
		_, err := hr.CreateQuestionnaire(ctx, &assessmentv1.CreateQuestionnaireRequest{QuestionnaireId: "retail", Questionnaire: &assessmentv1.Questionnaire{
			DisplayName: "零售客户满意度", Questions: []*assessmentv1.Questionnaire_Question{{Text: "服务态度"}, {Text: " ", MaxPoints: 11}}}})
		wantViolations(t, "bad questions", err, "questionnaire.questions[1].text", "questionnaire.questions[1].max_points")
		q, err := hr.CreateQuestionnaire(ctx, &assessmentv1.CreateQuestionnaireRequest{QuestionnaireId: "retail", Questionnaire: &assessmentv1.Questionnaire{
			DisplayName: "零售客户满意度", Questions: []*assessmentv1.Questionnaire_Question{{Text: "服务态度"}, {Text: "专业能力"}, {Text: "响应速度"}}}})
		if err != nil || len(q.GetQuestions()) != 3 || q.GetQuestions()[0].GetMaxPoints() != 5 {
			t.Fatalf("questionnaire: %v %v", q, err)
		}
		sup := e.surveys("S1", "team-a", auth.Supervisor)
		_, err = sup.CreateSurvey(ctx, &assessmentv1.CreateSurveyRequest{SurveyId: "b-2026-04", Survey: &assessmentv1.Survey{
			Questionnaire: q.GetName(), OrgUnit: "orgUnits/team-b", Period: "2026-04"}})
		wantCode(t, "a campaign for another team", err, codes.PermissionDenied, "outside your org subtree")
		sv, err := sup.CreateSurvey(ctx, &assessmentv1.CreateSurveyRequest{SurveyId: "a-2026-04", Survey: &assessmentv1.Survey{
			Questionnaire: q.GetName(), OrgUnit: "orgUnits/team-a", Period: "2026-04"}})
		if err != nil || sv.GetState() != assessmentv1.Survey_STATE_OPEN {
			t.Fatalf("survey: %v %v", sv, err)
		}

		channel := e.surveys("svc:mobile", "", auth.System)
		put := func(customer, manager string, answers ...int32) (*assessmentv1.SurveyResponse, error) {
			return channel.PutSurveyResponse(ctx, &assessmentv1.PutSurveyResponseRequest{Parent: sv.GetName(), CustomerId: customer,
				Response: &assessmentv1.SurveyResponse{Manager: "managers/" + manager, Answers: answers, Channel: "mobile-banking"}})
		}
		_, err = sup.PutSurveyResponse(ctx, &assessmentv1.PutSurveyResponseRequest{Parent: sv.GetName(), CustomerId: "C1",
			Response: &assessmentv1.SurveyResponse{Manager: "managers/M1", Answers: []int32{5, 5, 5}}})
		wantCode(t, "a supervisor answering", err, codes.PermissionDenied, "")
		r1, err := put("C1", "M1", 5, 4, 5)
		if err != nil || r1.GetScore() != "93.33" {
			t.Fatalf("C1: %v %v", r1, err)
		}
		if again, err := put("C1", "M1", 5, 4, 5); err != nil || !again.GetReceiveTime().AsTime().Equal(r1.GetReceiveTime().AsTime()) {
			t.Fatalf("C1 again: %v %v", again, err)
		}
		_, err = put("C1", "M1", 1, 1, 1)
		wantCode(t, "C1 answering twice", err, codes.AlreadyExists, "answers a survey once")
		_, err = put("C9", "M3", 5, 5, 5)
		wantViolations(t, "a manager of another team", err, "response.manager")
		_, err = put("C9", "M1", 5, 6)
		wantViolations(t, "wrong number of answers", err, "response.answers")
		_, err = put("C9", "M1", 5, 6, 0)
		wantViolations(t, "points out of range", err, "response.answers[1]")
		if _, err := put("C2", "M1", 3, 3, 3); err != nil {
			t.Fatal(err)
		}
		if _, err := put("C3", "M2", 5, 5, 5); err != nil {
			t.Fatal(err)
		}

		tally, err := hr.TallySurvey(ctx, &assessmentv1.TallySurveyRequest{Name: sv.GetName()})
		if err != nil || len(tally.GetTallies()) != 2 || tally.GetTallies()[0].GetManager() != "managers/M1" || tally.GetTallies()[0].GetScore() != "76.67" ||
			tally.GetTallies()[0].GetResponses() != 2 || tally.GetTallies()[1].GetScore() != "100.00" {
			t.Fatalf("tally: %v %v", tally, err)
		}
		if own, _ := e.surveys("M1", "team-a", auth.CustomerManager).TallySurvey(ctx, &assessmentv1.TallySurveyRequest{Name: sv.GetName()}); len(own.GetTallies()) != 1 {
			t.Errorf("M1's tally: %v", own)
		}

		// The run of April scores it.
		run, err := e.runs("H1", "head-office", auth.HROfficer).StartRun(ctx, &assessmentv1.StartRunRequest{Run: &assessmentv1.Run{OrgUnit: "orgUnits/team-a", Period: "2026-04"}})
		if err != nil {
			t.Fatal(err)
		}
		card, _ := e.runs("H1", "head-office", auth.HROfficer).GetScoreCard(ctx, &assessmentv1.GetScoreCardRequest{Name: run.GetName() + "/scoreCards/M1"})
		l := lineOf(card, "CUSTOMER_SATISFACTION")
		if l.GetValue() != "76.67" || l.GetSource() != assessmentv1.Source_SOURCE_SURVEY || l.GetSourceRef() != "surveys/a-2026-04 (2 responses)" ||
			!same(l.GetPoints(), "3") || !strings.Contains(l.GetDetail(), "band 2") {
			t.Errorf("satisfaction line: %v", l)
		}

		// Closed, it takes no more answers.
		if _, err := sup.CloseSurvey(ctx, &assessmentv1.CloseSurveyRequest{Name: sv.GetName()}); err != nil {
			t.Fatal(err)
		}
		_, err = put("C4", "M2", 1, 1, 1)
		wantCode(t, "answering a closed survey", err, codes.FailedPrecondition, "closed")
		if got, _ := hr.GetSurvey(ctx, &assessmentv1.GetSurveyRequest{Name: sv.GetName()}); got.GetResponses() != 3 || got.GetState() != assessmentv1.Survey_STATE_CLOSED {
			t.Errorf("closed survey: %v", got)
		}
	})
}
