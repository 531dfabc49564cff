package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/scoring"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// Question is one question of a questionnaire.
type Question struct {
	Text      string `json:"text"`
	MaxPoints int    `json:"maxPoints"`
}

// QuestionnaireRecord is a stored questionnaire.
type QuestionnaireRecord struct {
	ID, Name   string
	Questions  []Question
	CreatedBy  string
	CreateTime time.Time
}

// SurveyRecord is a stored survey campaign.
type SurveyRecord struct {
	ID, Questionnaire, OrgUnitID, OrgPath, Period string
	Closed                                        bool
	Responses                                     int // read with it
	CreatedBy                                     string
	CreateTime                                    time.Time
}

// ResponseRecord is one customer's answers to a campaign.
type ResponseRecord struct {
	Survey, Customer, Manager, OrgPath, Period string
	Answers                                    []int
	// Points and Available make the score: Points ÷ Available × 100.
	Points, Available int
	Channel           string
	ReceiveTime       time.Time
}

// Score is the response's points as a share of those available, in
// percent, rounded half to even to two decimals.
func (r ResponseRecord) Score() money.Decimal { return share(r.Points, r.Available) }

// share is points ÷ available × 100, rounded half to even to two decimals
// (exact integers until then).
func share(points, available int) money.Decimal {
	if available == 0 {
		return money.Decimal{}
	}
	p, _ := money.DecimalFromInt(int64(points) * 100).Quo(money.DecimalFromInt(int64(available))) // at most 100
	p, _ = p.RoundHalfEven(2).Add(twoPlaces)
	return p
}

// twoPlaces, added, writes a number with two decimal places ("100.00").
var twoPlaces = money.MustParseDecimal("0.00")

// Tally is the answers about one manager.
type Tally struct {
	Manager, OrgPath  string
	Responses         int
	Points, Available int
	Surveys           []string // the campaigns they came from
}

// Score is the tally's share of the points available, in percent.
func (t Tally) Score() money.Decimal { return share(t.Points, t.Available) }

// SurveyStore keeps questionnaires, campaigns and responses.
type SurveyStore interface {
	InsertQuestionnaire(ctx context.Context, q QuestionnaireRecord) error
	Questionnaire(ctx context.Context, id string) (QuestionnaireRecord, error)
	InsertSurvey(ctx context.Context, s SurveyRecord) error
	Survey(ctx context.Context, id string) (SurveyRecord, error)
	CloseSurvey(ctx context.Context, id string) error
	// InsertResponse adds a response; one that exists for the survey and
	// customer is ErrExists.
	InsertResponse(ctx context.Context, r ResponseRecord) error
	Response(ctx context.Context, survey, customer string) (ResponseRecord, error)
	// Tallies adds up the responses by manager: of one survey, or (survey
	// empty) of every survey of period, of managers when not nil.
	Tallies(ctx context.Context, survey, period string, managers []string) ([]Tally, error)
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// MaxQuestions is the most questions a questionnaire may have.
const MaxQuestions = 50

// CreateQuestionnaire stores a questionnaire.
func (a *App) CreateQuestionnaire(ctx context.Context, id, name string, questions []Question) (QuestionnaireRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return QuestionnaireRecord{}, err
	}
	var v violation.List
	if !idPattern.MatchString(id) {
		v.Add("questionnaire_id", "%q is not an id: 1–63 lower-case letters, digits and hyphens", id)
	}
	if strings.TrimSpace(name) == "" {
		v.Add("questionnaire.display_name", "give the questionnaire a title")
	}
	switch {
	case len(questions) == 0:
		v.Add("questionnaire.questions", "ask at least one question")
	case len(questions) > MaxQuestions:
		v.Add("questionnaire.questions", "%d questions; at most %d", len(questions), MaxQuestions)
	}
	for i := range questions {
		at := violation.Index("questionnaire.questions", i)
		q := &questions[i]
		if strings.TrimSpace(q.Text) == "" {
			v.Add(at+".text", "write the question")
		}
		if q.MaxPoints == 0 {
			q.MaxPoints = 5
		}
		if q.MaxPoints < 1 || q.MaxPoints > 10 {
			v.Add(at+".max_points", "from 1 to 10, not %d", q.MaxPoints)
		}
	}
	if err := v.Err(); err != nil {
		return QuestionnaireRecord{}, err
	}
	q := QuestionnaireRecord{ID: id, Name: strings.TrimSpace(name), Questions: questions, CreatedBy: c.Subject, CreateTime: a.now()}
	if err := a.store.InsertQuestionnaire(ctx, q); err != nil {
		if errors.Is(err, ErrExists) {
			return q, fmt.Errorf("%w: questionnaires/%s exists already", ErrExists, id)
		}
		return q, err
	}
	return q, nil
}

// GetQuestionnaire reads a questionnaire.
func (a *App) GetQuestionnaire(ctx context.Context, id string) (QuestionnaireRecord, error) {
	if _, err := a.scoreCaller(ctx); err != nil {
		return QuestionnaireRecord{}, err
	}
	return a.store.Questionnaire(ctx, id)
}

// CreateSurvey starts a campaign for an org subtree and a month.
func (a *App) CreateSurvey(ctx context.Context, id, questionnaire, orgUnit, period string) (SurveyRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return SurveyRecord{}, err
	}
	var v violation.List
	if !idPattern.MatchString(id) {
		v.Add("survey_id", "%q is not an id: 1–63 lower-case letters, digits and hyphens", id)
	}
	p, perr := monthPeriod("survey.period", period)
	v.Merge("", perr)
	if _, err := a.store.Questionnaire(ctx, questionnaire); errors.Is(err, ErrNotFound) {
		v.Add("survey.questionnaire", "questionnaires/%s does not exist", questionnaire)
	} else if err != nil {
		return SurveyRecord{}, err
	}
	if orgUnit == "" {
		v.Add("survey.org_unit", "name the org subtree whose customers are asked, orgUnits/{id}")
	}
	if err := v.Err(); err != nil {
		return SurveyRecord{}, err
	}
	path, err := a.subtree(ctx, c, "survey.org_unit", orgUnit)
	if err != nil {
		return SurveyRecord{}, err
	}
	s := SurveyRecord{ID: id, Questionnaire: questionnaire, OrgUnitID: orgUnit, OrgPath: path, Period: p.String(), CreatedBy: c.Subject,
		CreateTime: a.now()}
	if err := a.store.InsertSurvey(ctx, s); err != nil {
		if errors.Is(err, ErrExists) {
			return s, fmt.Errorf("%w: surveys/%s exists already", ErrExists, id)
		}
		return s, err
	}
	return s, nil
}

// GetSurvey reads a campaign the caller may see.
func (a *App) GetSurvey(ctx context.Context, id string) (SurveyRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return SurveyRecord{}, err
	}
	s, err := a.store.Survey(ctx, id)
	if err != nil {
		return s, err
	}
	if !c.seesRun(RunRecord{OrgPath: s.OrgPath}) {
		return SurveyRecord{}, fmt.Errorf("%w: surveys/%s", ErrNotFound, id)
	}
	return s, nil
}

// CloseSurvey closes a campaign of the caller's subtree.
func (a *App) CloseSurvey(ctx context.Context, id string) (before, after SurveyRecord, err error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return before, after, err
	}
	if before, err = a.GetSurvey(ctx, id); err != nil {
		return before, before, err
	}
	if !c.covers(before.OrgPath) {
		return before, before, fmt.Errorf("%w: surveys/%s asks orgUnits/%s, outside your org subtree", ErrPermission, id, before.OrgUnitID)
	}
	if before.Closed {
		return before, before, fmt.Errorf("%w: surveys/%s is closed already", ErrState, id)
	}
	after = before
	after.Closed = true
	return before, after, a.store.CloseSurvey(ctx, id)
}

var customerPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// PutSurveyResponse records a customer's answers, from a bank channel. The
// same answers again return the first response (replay true); others are
// ErrExists.
func (a *App) PutSurveyResponse(ctx context.Context, survey, customer string, r ResponseRecord) (ResponseRecord, bool, error) {
	if _, err := a.scoreCaller(ctx); err != nil {
		return ResponseRecord{}, false, err
	}
	s, err := a.store.Survey(ctx, survey)
	if err != nil {
		return r, false, err
	}
	q, err := a.store.Questionnaire(ctx, s.Questionnaire)
	if err != nil {
		return r, false, err
	}
	var v violation.List
	if !customerPattern.MatchString(customer) {
		v.Add("customer_id", "%q is not a customer id: 1–64 letters, digits, underscores and hyphens", customer)
	}
	if len(r.Answers) != len(q.Questions) {
		v.Add("response.answers", "questionnaires/%s asks %d questions; answer each once (%d answers given)", q.ID, len(q.Questions), len(r.Answers))
	} else {
		for i, ans := range r.Answers {
			if ans < 0 || ans > q.Questions[i].MaxPoints {
				v.Add(violation.Index("response.answers", i), "from 0 to %d points, not %d", q.Questions[i].MaxPoints, ans)
			}
			r.Points += ans
			r.Available += q.Questions[i].MaxPoints
		}
	}
	units, err := a.dir.ManagerUnits(ctx, []string{r.Manager})
	if err != nil {
		return r, false, err
	}
	unit, known := units[r.Manager]
	if !known {
		v.Add("response.manager", "managers/%s is not a manager in the roster", r.Manager)
	}
	if err := v.Err(); err != nil {
		return r, false, err
	}
	if prev, err := a.store.Response(ctx, survey, customer); err == nil {
		if prev.Manager == r.Manager && slices.Equal(prev.Answers, r.Answers) {
			return prev, true, nil
		}
		return prev, false, fmt.Errorf("%w: customer %s answered surveys/%s already (%s); a customer answers a survey once", ErrExists,
			customer, survey, prev.ReceiveTime.Format(time.RFC3339))
	} else if !errors.Is(err, ErrNotFound) {
		return r, false, err
	}
	if s.Closed {
		return r, false, fmt.Errorf("%w: surveys/%s is closed and takes no more answers", ErrState, survey)
	}
	paths, err := a.orgPaths(ctx, unit)
	if err != nil {
		return r, false, err
	}
	if !strings.HasPrefix(paths[unit], s.OrgPath) {
		return r, false, violation.New("response.manager", "managers/%s is not in orgUnits/%s, which surveys/%s asks", r.Manager, s.OrgUnitID, survey)
	}
	r.Survey, r.Customer, r.OrgPath, r.Period, r.ReceiveTime = survey, customer, paths[unit], s.Period, a.now()
	if err := a.store.InsertResponse(ctx, r); err != nil {
		if errors.Is(err, ErrExists) {
			return r, false, fmt.Errorf("%w: customer %s answered surveys/%s at the same time", ErrConflict, customer, survey)
		}
		return r, false, err
	}
	return r, false, nil
}

// TallySurvey adds up a campaign's answers per manager the caller may see.
func (a *App) TallySurvey(ctx context.Context, id string) ([]Tally, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := a.GetSurvey(ctx, id); err != nil {
		return nil, err
	}
	all, err := a.store.Tallies(ctx, id, "", nil)
	if err != nil {
		return nil, err
	}
	var out []Tally
	for _, t := range all {
		if c.sees(t.Manager, t.OrgPath) {
			out = append(out, t)
		}
	}
	return out, nil
}

// surveyValues returns, by manager, the month's survey answers as values of
// the survey indicators (CUSTOMER_SATISFACTION): the share of the points
// available that customers gave, with the campaigns and count as reference.
func (a *App) surveyValues(ctx context.Context, period string, managers []string) (map[string][]scoring.Value, error) {
	tallies, err := a.store.Tallies(ctx, "", period, managers)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]scoring.Value, len(tallies))
	for _, t := range tallies {
		ref := fmt.Sprintf("surveys/%s (%d responses)", strings.Join(t.Surveys, ", surveys/"), t.Responses)
		out[t.Manager] = []scoring.Value{{Indicator: indicator.CustomerSatisfaction, Value: t.Score(),
			Source: scoring.Source{Kind: indicator.SourceSurvey, Ref: ref}}}
	}
	return out, nil
}
