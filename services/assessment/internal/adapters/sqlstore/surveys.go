package sqlstore

import (
	"context"
	"slices"

	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
)

// InsertQuestionnaire adds a questionnaire.
func (s *Store) InsertQuestionnaire(ctx context.Context, q app.QuestionnaireRecord) error {
	questions, err := toJSON(q.Questions)
	if err != nil {
		return err
	}
	_, err = s.db.Q(ctx).ExecContext(ctx, `INSERT INTO questionnaires (id, display_name, questions, created_by, create_time)
		VALUES ($1, $2, $3, $4, $5)`, q.ID, q.Name, questions, q.CreatedBy, q.CreateTime)
	return exists(err, "questionnaires/"+q.ID)
}

// Questionnaire reads one questionnaire.
func (s *Store) Questionnaire(ctx context.Context, id string) (app.QuestionnaireRecord, error) {
	var q app.QuestionnaireRecord
	var questions string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT id, display_name, questions, created_by, create_time FROM questionnaires WHERE id = $1`,
		id).Scan(&q.ID, &q.Name, &questions, &q.CreatedBy, &q.CreateTime)
	if err != nil {
		return q, notFound(err, "questionnaires/%s", id)
	}
	q.CreateTime = q.CreateTime.UTC()
	return q, fromJSON("questions of questionnaires/"+id, questions, &q.Questions)
}

// InsertSurvey adds a campaign.
func (s *Store) InsertSurvey(ctx context.Context, v app.SurveyRecord) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO surveys (id, questionnaire, org_unit_id, org_path, period, closed, created_by,
		create_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, v.ID, v.Questionnaire, v.OrgUnitID, v.OrgPath, v.Period, v.Closed, v.CreatedBy,
		v.CreateTime)
	return exists(err, "surveys/"+v.ID)
}

// Survey reads one campaign with its count of responses.
func (s *Store) Survey(ctx context.Context, id string) (app.SurveyRecord, error) {
	var v app.SurveyRecord
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT v.id, v.questionnaire, v.org_unit_id, v.org_path, v.period, v.closed, v.created_by,
		v.create_time, (SELECT COUNT(*) FROM survey_responses r WHERE r.survey_id = v.id) FROM surveys v WHERE v.id = $1`, id).Scan(
		&v.ID, &v.Questionnaire, &v.OrgUnitID, &v.OrgPath, &v.Period, &v.Closed, &v.CreatedBy, &v.CreateTime, &v.Responses)
	v.CreateTime = v.CreateTime.UTC()
	return v, notFound(err, "surveys/%s", id)
}

// CloseSurvey closes a campaign.
func (s *Store) CloseSurvey(ctx context.Context, id string) error {
	return updated(s.db.Q(ctx).ExecContext(ctx, `UPDATE surveys SET closed = TRUE WHERE id = $1 AND NOT closed`, id))
}

// InsertResponse adds a response.
func (s *Store) InsertResponse(ctx context.Context, r app.ResponseRecord) error {
	answers, err := toJSON(r.Answers)
	if err != nil {
		return err
	}
	_, err = s.db.Q(ctx).ExecContext(ctx, `INSERT INTO survey_responses (survey_id, customer_id, manager_id, org_path, period, answers,
		points, available, channel, receive_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, r.Survey, r.Customer, r.Manager,
		r.OrgPath, r.Period, answers, r.Points, r.Available, r.Channel, r.ReceiveTime)
	return exists(err, "response")
}

// Response reads one response.
func (s *Store) Response(ctx context.Context, survey, customer string) (app.ResponseRecord, error) {
	var r app.ResponseRecord
	var answers string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT survey_id, customer_id, manager_id, org_path, period, answers, points, available,
		channel, receive_time FROM survey_responses WHERE survey_id = $1 AND customer_id = $2`, survey, customer).Scan(&r.Survey, &r.Customer,
		&r.Manager, &r.OrgPath, &r.Period, &answers, &r.Points, &r.Available, &r.Channel, &r.ReceiveTime)
	if err != nil {
		return r, notFound(err, "surveys/%s/responses/%s", survey, customer)
	}
	r.ReceiveTime = r.ReceiveTime.UTC()
	return r, fromJSON("answers", answers, &r.Answers)
}

// Tallies adds up responses by manager: of one survey, or of every survey of
// period; of managers when not nil.
func (s *Store) Tallies(ctx context.Context, survey, period string, managers []string) ([]app.Tally, error) {
	cond, arg := "survey_id = $1", survey
	if survey == "" {
		cond, arg = "period = $1", period
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT manager_id, MAX(org_path), survey_id, COUNT(*), SUM(points), SUM(available)
		FROM survey_responses WHERE `+cond+` GROUP BY manager_id, survey_id ORDER BY manager_id, survey_id`, arg)
	if err != nil {
		return nil, err
	}
	type part struct {
		manager, path, survey string
		n, points, available  int
	}
	parts, err := storage.Collect(rows, func(row storage.Row) (part, error) {
		var p part
		return p, row.Scan(&p.manager, &p.path, &p.survey, &p.n, &p.points, &p.available)
	})
	if err != nil {
		return nil, err
	}
	var want map[string]bool
	if managers != nil {
		want = make(map[string]bool, len(managers))
		for _, m := range managers {
			want[m] = true
		}
	}
	var out []app.Tally
	for _, p := range parts {
		if want != nil && !want[p.manager] {
			continue
		}
		if len(out) == 0 || out[len(out)-1].Manager != p.manager {
			out = append(out, app.Tally{Manager: p.manager, OrgPath: p.path})
		}
		t := &out[len(out)-1]
		t.Responses, t.Points, t.Available = t.Responses+p.n, t.Points+p.points, t.Available+p.available
		if !slices.Contains(t.Surveys, p.survey) {
			t.Surveys = append(t.Surveys, p.survey)
		}
	}
	return out, nil
}
