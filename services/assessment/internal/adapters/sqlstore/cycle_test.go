package sqlstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/assessment/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
)

func dec(s string) *money.Decimal {
	d := money.MustParseDecimal(s)
	return &d
}

func TestAssessments(t *testing.T) {
	each(t, func(t *testing.T, db *storage.DB, s *sqlstore.Store) {
		year, _ := figure.ParsePeriod("2026")
		a := app.AssessmentRecord{ID: "2026-ho", OrgUnitID: "ho", OrgPath: "/ho/", Period: year, Revision: 1, CreatedBy: "H1", CreateTime: t0,
			ComputedBy: "H1", ComputeTime: t0, Skipped: []app.Skipped{{Manager: "M9", Reason: "no closed monthly score in 2026"}}}
		write(t, db, func(ctx context.Context) error { return s.InsertAssessment(ctx, a) })
		dup := a
		dup.ID = "other"
		if err := db.InTx(ctx, func(ctx context.Context) error { return s.InsertAssessment(ctx, dup) }); !errors.Is(err, app.ErrExists) {
			t.Fatalf("a second assessment of ho for 2026: %v", err)
		}
		got, err := s.Assessment(ctx, a.ID)
		if err != nil || got.Period != year || len(got.Skipped) != 1 || got.Etag() != `W/"1"` {
			t.Fatalf("assessment: %+v %v", got, err)
		}
		got.Revision, got.Results = 2, 2
		write(t, db, func(ctx context.Context) error { return s.UpdateAssessment(ctx, got) })
		if err := db.InTx(ctx, func(ctx context.Context) error { return s.UpdateAssessment(ctx, got) }); !errors.Is(err, app.ErrConflict) {
			t.Fatalf("stale update: %v", err)
		}

		res := func(m, path string, score string) app.ResultRecord {
			r := app.ResultRecord{Assessment: a.ID, Manager: m, Period: "2026", OrgUnitID: "x", OrgPath: path, UpdateTime: t0,
				Monthly: []app.MonthlyScore{{Period: "2026-04", Total: money.MustParseDecimal("85.75"), Run: "2026-04-x"}}, Detail: "d"}
			if score != "" {
				r.Score, r.HasScore = money.MustParseDecimal(score), true
			}
			return r
		}
		write(t, db, func(ctx context.Context) error {
			return s.ReplaceResults(ctx, a.ID, []app.ResultRecord{res("M1", "/ho/a/", "81.00"), res("M2", "/ho/b/", "")})
		})
		owners, err := s.ResultOwners(ctx, "2026", []string{"M1", "M2", "M3"})
		if err != nil || len(owners) != 2 || owners["M1"] != a.ID {
			t.Fatalf("owners: %v %v", owners, err)
		}
		m2 := res("M2", "/ho/b/", "70.10")
		m2.Summary, m2.Additional, m2.AdditionalDetail = dec("60"), dec("83.00"), "ad"
		write(t, db, func(ctx context.Context) error { return s.UpdateResults(ctx, []app.ResultRecord{m2}) })
		r2, err := s.Result(ctx, a.ID, "M2")
		if err != nil || !r2.HasScore || r2.Score.String() != "70.10" || r2.Summary.String() != "60" || r2.Additional.String() != "83.00" ||
			r2.Self != nil || r2.Monthly[0].Total.String() != "85.75" {
			t.Fatalf("M2's result: %+v %v", r2, err)
		}
		if list, _, err := s.ListResults(ctx, aip.Request{Filter: "complete = true"}, app.Scope{Path: "/ho/b/", Self: "Z"}, ""); err != nil || len(list) != 1 || list[0].Manager != "M2" {
			t.Fatalf("results of /ho/b/: %v %v", list, err)
		}
		if of, err := s.ResultsOf(ctx, "2026", []string{"M1", "M2"}); err != nil || len(of) != 2 {
			t.Fatalf("results of 2026: %v %v", of, err)
		}

		in := app.InputRecord{Assessment: a.ID, Manager: "M1", Summary: dec("80"), Self: dec("90.50"), EnteredBy: "H1", EnterTime: t0}
		write(t, db, func(ctx context.Context) error { return s.PutInputs(ctx, []app.InputRecord{in}) })
		in.Committee = dec("88")
		write(t, db, func(ctx context.Context) error { return s.PutInputs(ctx, []app.InputRecord{in}) })
		ins, err := s.Inputs(ctx, a.ID, nil)
		if err != nil || len(ins) != 1 || ins[0].Summary.String() != "80" || ins[0].Self.String() != "90.50" || ins[0].Committee.String() != "88" {
			t.Fatalf("inputs: %+v %v", ins, err)
		}
	})
}
