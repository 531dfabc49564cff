package sqlstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/assessment/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
)

func TestSurveys(t *testing.T) {
	each(t, func(t *testing.T, db *storage.DB, s *sqlstore.Store) {
		q := app.QuestionnaireRecord{ID: "q", Name: "满意度", Questions: []app.Question{{Text: "a", MaxPoints: 5}, {Text: "b", MaxPoints: 10}},
			CreatedBy: "H1", CreateTime: t0}
		write(t, db, func(ctx context.Context) error { return s.InsertQuestionnaire(ctx, q) })
		if got, err := s.Questionnaire(ctx, "q"); err != nil || len(got.Questions) != 2 || got.Questions[1].MaxPoints != 10 {
			t.Fatalf("questionnaire: %+v %v", got, err)
		}
		for _, v := range []app.SurveyRecord{{ID: "s1", Questionnaire: "q", OrgUnitID: "a", OrgPath: "/ho/a/", Period: "2026-04", CreatedBy: "S1", CreateTime: t0},
			{ID: "s2", Questionnaire: "q", OrgUnitID: "ho", OrgPath: "/ho/", Period: "2026-04", CreatedBy: "H1", CreateTime: t0},
			{ID: "s3", Questionnaire: "q", OrgUnitID: "ho", OrgPath: "/ho/", Period: "2026-05", CreatedBy: "H1", CreateTime: t0}} {
			write(t, db, func(ctx context.Context) error { return s.InsertSurvey(ctx, v) })
		}
		resp := func(survey, customer, manager string, points, available int) app.ResponseRecord {
			return app.ResponseRecord{Survey: survey, Customer: customer, Manager: manager, OrgPath: "/ho/a/", Period: map[string]string{"s3": "2026-05"}[survey] + "",
				Answers: []int{points}, Points: points, Available: available, ReceiveTime: t0}
		}
		rs := []app.ResponseRecord{resp("s1", "C1", "M1", 14, 15), resp("s1", "C2", "M1", 9, 15), resp("s2", "C1", "M1", 15, 15),
			resp("s1", "C3", "M2", 1, 15), resp("s3", "C1", "M1", 0, 15)}
		for i := range rs {
			if rs[i].Period == "" {
				rs[i].Period = "2026-04"
			}
			write(t, db, func(ctx context.Context) error { return s.InsertResponse(ctx, rs[i]) })
		}
		if err := db.InTx(ctx, func(ctx context.Context) error { return s.InsertResponse(ctx, rs[0]) }); !errors.Is(err, app.ErrExists) {
			t.Fatalf("a second response of C1 to s1: %v", err)
		}
		// April: M1 from two campaigns, 38 of 45 points; M2 1 of 15.
		ts, err := s.Tallies(ctx, "", "2026-04", nil)
		if err != nil || len(ts) != 2 || ts[0].Manager != "M1" || ts[0].Responses != 3 || ts[0].Points != 38 || ts[0].Available != 45 ||
			len(ts[0].Surveys) != 2 || ts[0].Score().String() != "84.44" || ts[1].Score().String() != "6.67" {
			t.Fatalf("April: %+v %v", ts, err)
		}
		if ts, _ := s.Tallies(ctx, "", "2026-04", []string{"M2"}); len(ts) != 1 || ts[0].Manager != "M2" {
			t.Errorf("M2's April: %+v", ts)
		}
		if ts, _ := s.Tallies(ctx, "s1", "", nil); len(ts) != 2 || ts[0].Points != 23 {
			t.Errorf("s1: %+v", ts)
		}
		if v, _ := s.Survey(ctx, "s1"); v.Responses != 3 || v.Closed {
			t.Errorf("s1: %+v", v)
		}
		write(t, db, func(ctx context.Context) error { return s.CloseSurvey(ctx, "s1") })
		if err := db.InTx(ctx, func(ctx context.Context) error { return s.CloseSurvey(ctx, "s1") }); !errors.Is(err, app.ErrConflict) {
			t.Errorf("closing twice: %v", err)
		}
	})
}
