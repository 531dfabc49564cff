package ports

import (
	"context"

	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/idempotency"
	"github.com/rmsuite/rmsuite/pkg/storage"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
)

// SurveyServer implements rmsuite.assessment.v1.SurveyService.
type SurveyServer struct {
	assessmentv1.UnimplementedSurveyServiceServer
	db  *storage.DB
	app *app.App
}

// NewSurveyServer serves the use cases; db records request ids.
func NewSurveyServer(db *storage.DB, a *app.App) *SurveyServer { return &SurveyServer{db: db, app: a} }

const (
	questionnairePrefix = "questionnaires/"
	surveyPrefix        = "surveys/"
)

func toProtoQuestionnaire(q app.QuestionnaireRecord) *assessmentv1.Questionnaire {
	out := &assessmentv1.Questionnaire{Name: questionnairePrefix + q.ID, DisplayName: q.Name, CreatedBy: q.CreatedBy, CreateTime: ts(q.CreateTime)}
	for _, x := range q.Questions {
		out.Questions = append(out.Questions, &assessmentv1.Questionnaire_Question{Text: x.Text, MaxPoints: int32(x.MaxPoints)})
	}
	return out
}

func toProtoSurvey(s app.SurveyRecord) *assessmentv1.Survey {
	state := assessmentv1.Survey_STATE_OPEN
	if s.Closed {
		state = assessmentv1.Survey_STATE_CLOSED
	}
	return &assessmentv1.Survey{Name: surveyPrefix + s.ID, Questionnaire: questionnairePrefix + s.Questionnaire, OrgUnit: orgUnitPrefix + s.OrgUnitID,
		Period: s.Period, State: state, Responses: int32(s.Responses), CreatedBy: s.CreatedBy, CreateTime: ts(s.CreateTime)}
}

func toProtoResponse(r app.ResponseRecord) *assessmentv1.SurveyResponse {
	out := &assessmentv1.SurveyResponse{Name: surveyPrefix + r.Survey + "/responses/" + r.Customer, Manager: managerPrefix + r.Manager,
		Channel: r.Channel, Score: r.Score().String(), ReceiveTime: ts(r.ReceiveTime)}
	for _, a := range r.Answers {
		out.Answers = append(out.Answers, int32(a))
	}
	return out
}

// CreateQuestionnaire stores a questionnaire.
func (s *SurveyServer) CreateQuestionnaire(ctx context.Context, req *assessmentv1.CreateQuestionnaireRequest) (*assessmentv1.Questionnaire, error) {
	in := req.GetQuestionnaire()
	var questions []app.Question
	for _, q := range in.GetQuestions() {
		questions = append(questions, app.Question{Text: q.GetText(), MaxPoints: int(q.GetMaxPoints())})
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*assessmentv1.Questionnaire, error) {
		q, err := s.app.CreateQuestionnaire(ctx, req.GetQuestionnaireId(), in.GetDisplayName(), questions)
		if err != nil {
			return nil, invalid("", nil, err)
		}
		out := toProtoQuestionnaire(q)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Questionnaire", Object: out.GetName(), After: out})
	})
}

// GetQuestionnaire reads one questionnaire.
func (s *SurveyServer) GetQuestionnaire(ctx context.Context, req *assessmentv1.GetQuestionnaireRequest) (*assessmentv1.Questionnaire, error) {
	var f fieldErrors
	id := nameID(&f, "name", questionnairePrefix, "questionnaires/retail-2026", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	q, err := s.app.GetQuestionnaire(ctx, id)
	if err != nil {
		return nil, err
	}
	return toProtoQuestionnaire(q), nil
}

// CreateSurvey starts a campaign.
func (s *SurveyServer) CreateSurvey(ctx context.Context, req *assessmentv1.CreateSurveyRequest) (*assessmentv1.Survey, error) {
	var f fieldErrors
	in := req.GetSurvey()
	questionnaire := nameID(&f, "survey.questionnaire", questionnairePrefix, "questionnaires/retail-2026", in.GetQuestionnaire())
	unit := nameID(&f, "survey.org_unit", orgUnitPrefix, "orgUnits/branch-east", in.GetOrgUnit())
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.Survey, error) {
		v, err := s.app.CreateSurvey(ctx, req.GetSurveyId(), questionnaire, unit, in.GetPeriod())
		if err != nil {
			return nil, invalid("", nil, err)
		}
		out := toProtoSurvey(v)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Survey", Object: out.GetName(), OrgPath: v.OrgPath, After: out})
	})
}

// GetSurvey reads one campaign.
func (s *SurveyServer) GetSurvey(ctx context.Context, req *assessmentv1.GetSurveyRequest) (*assessmentv1.Survey, error) {
	var f fieldErrors
	id := nameID(&f, "name", surveyPrefix, "surveys/branch-east-2026-05", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	v, err := s.app.GetSurvey(ctx, id)
	if err != nil {
		return nil, err
	}
	return toProtoSurvey(v), nil
}

// CloseSurvey closes a campaign.
func (s *SurveyServer) CloseSurvey(ctx context.Context, req *assessmentv1.CloseSurveyRequest) (*assessmentv1.Survey, error) {
	var f fieldErrors
	id := nameID(&f, "name", surveyPrefix, "surveys/branch-east-2026-05", req.GetName())
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.Survey, error) {
		before, after, err := s.app.CloseSurvey(ctx, id)
		if err != nil {
			return nil, err
		}
		out := toProtoSurvey(after)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Survey", Object: out.GetName(), OrgPath: after.OrgPath,
			Before: toProtoSurvey(before), After: out})
	})
}

// PutSurveyResponse records a customer's answers.
func (s *SurveyServer) PutSurveyResponse(ctx context.Context, req *assessmentv1.PutSurveyResponseRequest) (*assessmentv1.SurveyResponse, error) {
	var f fieldErrors
	id := nameID(&f, "parent", surveyPrefix, "surveys/branch-east-2026-05", req.GetParent())
	in := req.GetResponse()
	r := app.ResponseRecord{Manager: managerField(&f, "response.manager", in.GetManager()), Channel: in.GetChannel()}
	for _, a := range in.GetAnswers() {
		r.Answers = append(r.Answers, int(a))
	}
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.SurveyResponse, error) {
		got, replay, err := s.app.PutSurveyResponse(ctx, id, req.GetCustomerId(), r)
		if err != nil {
			return nil, invalid("", nil, err)
		}
		out := toProtoResponse(got)
		if replay {
			audit.MarkNoChange(ctx) // the same answers again: nothing changed
			return out, nil
		}
		return out, audit.Record(ctx, audit.Change{ObjectType: "SurveyResponse", Object: out.GetName(), OrgPath: got.OrgPath, After: out})
	})
}

// TallySurvey tallies a campaign per manager.
func (s *SurveyServer) TallySurvey(ctx context.Context, req *assessmentv1.TallySurveyRequest) (*assessmentv1.TallySurveyResponse, error) {
	var f fieldErrors
	id := nameID(&f, "name", surveyPrefix, "surveys/branch-east-2026-05", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	list, err := s.app.TallySurvey(ctx, id)
	if err != nil {
		return nil, err
	}
	resp := &assessmentv1.TallySurveyResponse{}
	for _, t := range list {
		resp.Tallies = append(resp.Tallies, &assessmentv1.SurveyTally{Manager: managerPrefix + t.Manager, Responses: int32(t.Responses),
			Score: t.Score().String()})
	}
	return resp, nil
}
