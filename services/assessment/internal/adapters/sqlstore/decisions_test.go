package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/assessment/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
)

func TestDecisions(t *testing.T) {
	each(t, func(t *testing.T, db *storage.DB, s *sqlstore.Store) {
		p2025, _ := figure.ParsePeriod("2025")
		p2026, _ := figure.ParsePeriod("2026")
		round := func(id string, p figure.Period) app.RoundRecord {
			return app.RoundRecord{ID: id, OrgUnitID: "ho", OrgPath: "/ho/", Period: p, Ladder: "bank", State: app.RoundProposed, Revision: 1,
				Inputs:    app.RoundInputs{Exceptions: []app.ExceptionInput{{Manager: "M1", Target: grade.Grade{Level: "SR"}, ApprovalRef: "会议纪要 7"}}},
				CreatedBy: "H1", CreateTime: t0, ComputedBy: "H1", ComputeTime: t0}
		}
		write(t, db, func(ctx context.Context) error { return s.InsertRound(ctx, round("2025-bank-ho", p2025)) })
		write(t, db, func(ctx context.Context) error { return s.InsertRound(ctx, round("2026-bank-ho", p2026)) })
		if err := db.InTx(ctx, func(ctx context.Context) error { return s.InsertRound(ctx, round("again", p2026)) }); !errors.Is(err, app.ErrExists) {
			t.Fatalf("a second round of ho, 2026, bank: %v", err)
		}
		r, err := s.Round(ctx, "2026-bank-ho")
		if err != nil || r.Period != p2026 || len(r.Inputs.Exceptions) != 1 || r.Inputs.Exceptions[0].ApprovalRef != "会议纪要 7" || r.EffectiveState() != app.RoundProposed {
			t.Fatalf("round: %+v %v", r, err)
		}

		dec := func(round, period, m string, kind grade.Kind, from, to string) app.DecisionRecord {
			return app.DecisionRecord{Round: round, Manager: m, Period: period, Ladder: "bank", OrgUnitID: "a", OrgPath: "/ho/a/",
				Decision: grade.Decision{Employee: m, From: grade.Grade{Level: from}, To: grade.Grade{Level: to}, Kind: kind, Reasons: []string{"r"}},
				Score:    money.MustParseDecimal("88.70"), Revision: 1, UpdateTime: t0}
		}
		write(t, db, func(ctx context.Context) error {
			return s.ReplaceDecisions(ctx, "2025-bank-ho", []app.DecisionRecord{dec("2025-bank-ho", "2025", "M1", grade.KindGrace, "L4", "L4"),
				dec("2025-bank-ho", "2025", "M2", grade.KindSkip, "L4", "L4")})
		})
		write(t, db, func(ctx context.Context) error {
			return s.ReplaceDecisions(ctx, "2026-bank-ho", []app.DecisionRecord{dec("2026-bank-ho", "2026", "M1", grade.KindPromote, "L4", "L3"),
				dec("2026-bank-ho", "2026", "M2", grade.KindMaintain, "L4", "L4")})
		})
		// Only approved rounds count as prior decisions.
		if prior, err := s.PriorKinds(ctx, "bank", "2026", []string{"M1", "M2"}); err != nil || len(prior) != 0 {
			t.Fatalf("prior kinds before approval: %v %v", prior, err)
		}
		r25, _ := s.Round(ctx, "2025-bank-ho")
		r25.State, r25.Revision, r25.ApproveTime, r25.ApprovedBy = app.RoundApproved, 2, t0, "C1"
		write(t, db, func(ctx context.Context) error { return s.UpdateRound(ctx, r25) })
		if prior, _ := s.PriorKinds(ctx, "bank", "2026", []string{"M1", "M2"}); prior["M1"] != grade.KindGrace || prior["M2"] != grade.KindSkip {
			t.Fatalf("prior kinds: %v", prior)
		}
		if owners, _ := s.DecisionOwners(ctx, "2026", "bank", []string{"M1", "M9"}); len(owners) != 1 || owners["M1"] != "2026-bank-ho" {
			t.Fatalf("owners: %v", owners)
		}

		// The outbox: due changes, oldest first; a decision reads its delivery.
		d := app.DeliveryRecord{ID: app.DeliveryID("decisionRounds/2026-bank-ho/decisions/M1", 1), Manager: "M1", Ladder: "bank",
			Grade: grade.Grade{Level: "L3"}, Effective: civil.MustParse("2027-01-01"), Reason: "promote", Reference: "decisionRounds/2026-bank-ho/decisions/M1",
			SourceRevision: 1, State: app.DeliveryPending, NextAttempt: t0, CreateTime: t0}
		write(t, db, func(ctx context.Context) error { return s.InsertDeliveries(ctx, []app.DeliveryRecord{d}) })
		if err := db.InTx(ctx, func(ctx context.Context) error { return s.InsertDeliveries(ctx, []app.DeliveryRecord{d}) }); !errors.Is(err, app.ErrExists) {
			t.Fatalf("the same delivery twice: %v", err)
		}
		if due, _ := s.DueDeliveries(ctx, t0.Add(-time.Second), 10); len(due) != 0 {
			t.Fatalf("due before its time: %v", due)
		}
		due, err := s.DueDeliveries(ctx, t0, 10)
		if err != nil || len(due) != 1 || due[0].Effective != d.Effective || due[0].Grade.Level != "L3" || due[0].State != app.DeliveryPending {
			t.Fatalf("due: %+v %v", due, err)
		}
		d.State, d.Attempts, d.ApplyTime = app.DeliveryApplied, 2, t0.Add(time.Hour)
		write(t, db, func(ctx context.Context) error { return s.UpdateDelivery(ctx, d) })
		if due, _ := s.DueDeliveries(ctx, t0.Add(time.Hour), 10); len(due) != 0 {
			t.Fatalf("an applied change is due: %v", due)
		}
		got, err := s.Decision(ctx, "2026-bank-ho", "M1")
		if err != nil || got.Delivery == nil || got.Delivery.State != app.DeliveryApplied || !got.Delivery.ApplyTime.Equal(t0.Add(time.Hour)) ||
			got.Decision.To.Level != "L3" || got.Score.String() != "88.70" || got.Effective.String() != "2027-01-01" || got.RoundApproved {
			t.Fatalf("decision with delivery: %+v %v", got, err)
		}
		if m2, _ := s.Decision(ctx, "2026-bank-ho", "M2"); m2.Delivery != nil {
			t.Errorf("a decision without a delivery reads one: %+v", m2.Delivery)
		}
		list, _, err := s.ListDecisions(ctx, aip.Request{Filter: "moves = true"}, app.Scope{All: true}, "")
		if err != nil || len(list) != 1 || list[0].Manager != "M1" {
			t.Fatalf("moves: %v %v", list, err)
		}
		list, _, _ = s.ListDecisions(ctx, aip.Request{}, app.Scope{Self: "M2"}, "")
		if len(list) != 2 {
			t.Errorf("M2's decisions: %v", list)
		}
	})
}
