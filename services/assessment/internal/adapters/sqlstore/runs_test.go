package sqlstore_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/approval"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/assessment/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/scoring"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/template"
)

func newRun(id, unit, path, period string) app.RunRecord {
	return app.RunRecord{ID: id, OrgUnitID: unit, OrgPath: path, Period: period, State: app.RunOpen, Revision: 1,
		CreatedBy: "H1", CreateTime: t0, ComputedBy: "H1", ComputeTime: t0}
}

// card scores a JUNIOR card for manager with an ethics rating (or none).
func card(t *testing.T, run, manager, unit, path string, ethics string) app.CardRecord {
	t.Helper()
	var tpl template.Template
	for _, x := range template.DefaultTemplates() {
		if x.Code == template.Junior {
			tpl = x
		}
	}
	var values []scoring.Value
	if ethics != "" {
		values = append(values, scoring.Value{Indicator: indicator.EthicsRating, Value: money.MustParseDecimal(ethics),
			Source: scoring.Source{Kind: indicator.SourceManual, Ref: "S1"}})
	}
	values = append(values, scoring.Value{Indicator: indicator.BasicMgmtRating, Value: money.MustParseDecimal("90"),
		Source: scoring.Source{Kind: indicator.SourceManual, Ref: "S1"}})
	c, err := scoring.Monthly(tpl, indicator.DefaultLibrary(), values)
	if err != nil {
		t.Fatal(err)
	}
	coef, err := scoring.DefaultCoefficientTable().Coefficient(c.Total)
	if err != nil {
		t.Fatal(err)
	}
	return app.CardRecord{RunID: run, Manager: manager, Period: "2026-04", OrgUnitID: unit, OrgPath: path, Ladder: "bank",
		Grade: grade.Grade{Level: "L3"}, Template: tpl.Code, Values: values, Complete: len(c.Pending) == 0, Card: c, Coefficient: coef,
		Revision: 1, UpdateTime: t0}
}

func TestRuns(t *testing.T) {
	each(t, func(t *testing.T, db *storage.DB, s *sqlstore.Store) {
		a := newRun("2026-04-team-a", "team-a", "/ho/team-a/", "2026-04")
		a.Skipped = []app.Skipped{{Manager: "B01", Reason: "has no grade in the roster"}}
		write(t, db, func(ctx context.Context) error { return s.InsertRun(ctx, a) })
		for _, dup := range []app.RunRecord{newRun("2026-04-team-a", "team-b", "/ho/team-b/", "2026-05"), newRun("other", "team-a", "/ho/team-a/", "2026-04")} {
			if err := db.InTx(ctx, func(ctx context.Context) error { return s.InsertRun(ctx, dup) }); !errors.Is(err, app.ErrExists) {
				t.Fatalf("duplicate run %s: %v", dup.ID, err)
			}
		}
		write(t, db, func(ctx context.Context) error {
			return s.InsertRun(ctx, newRun("2026-04-team-b", "team-b", "/ho/team-b/", "2026-04"))
		})
		write(t, db, func(ctx context.Context) error {
			return s.InsertRun(ctx, newRun("2026-03-ho", "ho", "/ho/", "2026-03"))
		})

		got, err := s.Run(ctx, a.ID)
		if err != nil || got.State != app.RunOpen || got.ClosePending || len(got.Skipped) != 1 || got.Skipped[0].Manager != "B01" ||
			!got.CreateTime.Equal(t0) || !got.CloseTime.IsZero() {
			t.Fatalf("run: %+v %v", got, err)
		}
		if _, err := s.Run(ctx, "nope"); !errors.Is(err, app.ErrNotFound) {
			t.Fatalf("missing run: %v", err)
		}

		// Revisions: a stale write is a conflict.
		got.Revision, got.Cards = 2, 3
		write(t, db, func(ctx context.Context) error { return s.UpdateRun(ctx, got) })
		if err := db.InTx(ctx, func(ctx context.Context) error { return s.UpdateRun(ctx, got) }); !errors.Is(err, app.ErrConflict) {
			t.Fatalf("stale update: %v", err)
		}

		// Cards: replaced as a whole, one per manager and month.
		cards := []app.CardRecord{card(t, a.ID, "M1", "team-a", "/ho/team-a/", "85"), card(t, a.ID, "M2", "team-a", "/ho/team-a/", "")}
		write(t, db, func(ctx context.Context) error { return s.ReplaceCards(ctx, a.ID, cards) })
		write(t, db, func(ctx context.Context) error { return s.ReplaceCards(ctx, a.ID, cards) })
		err = db.InTx(ctx, func(ctx context.Context) error {
			return s.ReplaceCards(ctx, "2026-04-team-b", []app.CardRecord{card(t, "2026-04-team-b", "M1", "team-b", "/ho/team-b/", "")})
		})
		if !errors.Is(err, app.ErrConflict) {
			t.Fatalf("a second card of M1 for April: %v", err)
		}
		write(t, db, func(ctx context.Context) error {
			return s.ReplaceCards(ctx, "2026-04-team-b", []app.CardRecord{card(t, "2026-04-team-b", "M3", "team-b", "/ho/team-b/", "70")})
		})
		owners, err := s.CardOwners(ctx, "2026-04", []string{"M1", "M3", "M9"})
		if err != nil || len(owners) != 2 || owners["M1"] != a.ID || owners["M3"] != "2026-04-team-b" {
			t.Fatalf("owners: %v %v", owners, err)
		}
		c1, err := s.Card(ctx, a.ID, "M1")
		if err != nil || c1.Card.Total.String() != cards[0].Card.Total.String() || c1.Template != "JUNIOR" || len(c1.Values) != 2 ||
			c1.Values[0] != cards[0].Values[0] || c1.Values[1].Value.String() != "90" || c1.Values[1].Source.Ref != "S1" ||
			c1.Coefficient.Value.String() != cards[0].Coefficient.Value.String() || !c1.Complete || c1.Closed || c1.Ladder != "bank" {
			t.Fatalf("card M1: %+v %v", c1, err)
		}
		// The setup a run was computed with is kept with it.
		setup := app.Setup{Indicators: indicator.DefaultIndicators(), Templates: template.DefaultTemplates(), Table: scoring.DefaultCoefficientTable()}
		write(t, db, func(ctx context.Context) error { return s.SaveRunSetup(ctx, a.ID, setup) })
		if got, err := s.RunSetup(ctx, a.ID); err != nil || len(got.Indicators) != 15 || len(got.Templates) != 3 ||
			got.Indicators[0].Rule.Linear.Target.String() != "10000000.00" || got.Table.Bands[4].Coefficient.String() != "1.2" {
			t.Fatalf("setup: %+v %v", got, err)
		}
		total, incomplete, first, err := s.CountCards(ctx, a.ID)
		if err != nil || total != 2 || incomplete != 1 || !slices.Equal(first, []string{"M2"}) {
			t.Fatalf("count: %d %d %v %v", total, incomplete, first, err)
		}

		// Ratings: entered again, replaced.
		rate := func(m, code, v string) app.RatingRecord {
			return app.RatingRecord{RunID: a.ID, Manager: m, Indicator: code, Value: money.MustParseDecimal(v), RatedBy: "S1", RateTime: t0}
		}
		write(t, db, func(ctx context.Context) error {
			return s.PutRatings(ctx, []app.RatingRecord{rate("M1", "ETHICS_RATING", "85"), rate("M2", "ETHICS_RATING", "60"), rate("M2", "BASIC_MGMT_RATING", "90")})
		})
		write(t, db, func(ctx context.Context) error {
			return s.PutRatings(ctx, []app.RatingRecord{rate("M2", "ETHICS_RATING", "70.50")})
		})
		rs, err := s.Ratings(ctx, a.ID, []string{"M2"})
		if err != nil || len(rs) != 2 {
			t.Fatalf("M2's ratings: %v %v", rs, err)
		}
		for _, r := range rs {
			if r.Indicator == "ETHICS_RATING" && r.Value.String() != "70.50" {
				t.Errorf("replaced rating: %+v", r)
			}
		}
		if all, _ := s.Ratings(ctx, a.ID, nil); len(all) != 3 {
			t.Errorf("all ratings: %v", all)
		}

		// A rescore rewrites the cards it is given.
		m2 := card(t, a.ID, "M2", "team-a", "/ho/team-a/", "70.50")
		write(t, db, func(ctx context.Context) error { return s.UpdateCards(ctx, []app.CardRecord{m2}) })
		if _, incomplete, _, _ := s.CountCards(ctx, a.ID); incomplete != 0 {
			t.Errorf("%d incomplete after the rescore", incomplete)
		}

		// Lists: by scope and run.
		list, next, err := s.ListCards(ctx, aip.Request{}, app.Scope{All: true}, "")
		if err != nil || len(list) != 3 || next != "" || list[0].Manager != "M1" || list[2].Manager != "M3" {
			t.Fatalf("all cards: %d %q %v", len(list), next, err)
		}
		list, _, _ = s.ListCards(ctx, aip.Request{}, app.Scope{Path: "/ho/team-b/", Self: "S2"}, "")
		if len(list) != 1 || list[0].Manager != "M3" {
			t.Errorf("team-b's cards: %v", list)
		}
		list, _, _ = s.ListCards(ctx, aip.Request{}, app.Scope{Self: "M2"}, a.ID)
		if len(list) != 1 || list[0].Manager != "M2" {
			t.Errorf("M2's cards: %v", list)
		}
		list, next, _ = s.ListCards(ctx, aip.Request{PageSize: 1, Filter: `org_unit = "orgUnits/team-a"`}, app.Scope{All: true}, "")
		if len(list) != 1 || next == "" {
			t.Fatalf("first page: %v %q", list, next)
		}
		list, next, _ = s.ListCards(ctx, aip.Request{PageSize: 1, PageToken: next, Filter: `org_unit = "orgUnits/team-a"`}, app.Scope{All: true}, "")
		if len(list) != 1 || list[0].Manager != "M2" || next != "" {
			t.Fatalf("second page: %v %q", list, next)
		}
		runs, _, err := s.ListRuns(ctx, aip.Request{}, app.RunScope{UnitPath: "/ho/team-b/"})
		if err != nil || len(runs) != 2 || runs[0].ID != "2026-04-team-b" || runs[1].ID != "2026-03-ho" {
			t.Fatalf("runs covering team-b: %v %v", runs, err)
		}
		runs, _, _ = s.ListRuns(ctx, aip.Request{Filter: `period = "2026-04"`}, app.RunScope{All: true})
		if len(runs) != 2 {
			t.Errorf("April's runs: %v", runs)
		}

		// Closing: pending while its approval is, closed once written so; only
		// closed runs give coefficients.
		p := auth.Principal{Subject: "H1", Roles: []auth.Role{auth.HROfficer}}
		var ap approval.Approval
		write(t, db, func(ctx context.Context) error {
			var err error
			ap, err = approval.Prepare(auth.WithPrincipal(ctx, p), db, approval.Action{Action: app.ActionCloseRun, Object: "runs/" + a.ID,
				Payload: []byte("{}"), ApproverPermission: auth.RunsApprove})
			if err != nil {
				return err
			}
			got, err = s.Run(ctx, a.ID)
			if err != nil {
				return err
			}
			got.CloseApproval, got.Revision = ap.ID, got.Revision+1
			return s.UpdateRun(ctx, got)
		})
		if got, _ = s.Run(ctx, a.ID); !got.ClosePending || got.EffectiveState() != app.RunClosing {
			t.Fatalf("closing: %+v", got)
		}
		if closed, _ := s.ClosedCards(ctx, "2026-04", []string{"M1", "M2", "M3"}); len(closed) != 0 {
			t.Errorf("cards of open runs read as closed: %v", closed)
		}
		got.State, got.CloseTime, got.ClosedBy, got.Revision = app.RunClosed, t0.Add(time.Hour), "C1", got.Revision+1
		write(t, db, func(ctx context.Context) error {
			if _, err := db.Q(ctx).ExecContext(ctx, `UPDATE approvals SET state = 2, decided_by = 'C1' WHERE id = $1`, ap.ID); err != nil {
				return err
			}
			return s.UpdateRun(ctx, got)
		})
		got, _ = s.Run(ctx, a.ID)
		if got.EffectiveState() != app.RunClosed || got.ClosedBy != "C1" || !got.CloseTime.Equal(t0.Add(time.Hour)) {
			t.Fatalf("closed: %+v", got)
		}
		closed, err := s.ClosedCards(ctx, "2026-04", []string{"M1", "M2", "M3"})
		if err != nil || len(closed) != 2 || !closed[0].Closed || !closed[0].CloseTime.Equal(t0.Add(time.Hour)) {
			t.Fatalf("closed cards: %v %v", closed, err)
		}
	})
}
