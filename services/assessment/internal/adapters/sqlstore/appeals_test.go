package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/civil"
	pmoney "github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/assessment/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/appeal"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
)

func TestAppeals(t *testing.T) {
	each(t, func(t *testing.T, db *storage.DB, s *sqlstore.Store) {
		subject := appeal.Subject{Kind: appeal.SubjectMonthlyScore, Ref: "runs/r/scoreCards/M1", Employee: "M1", Published: civil.MustParse("2026-04-30")}
		ap, err := appeal.File(appeal.DefaultPolicy(), "a1", subject, "M1", "漏报存款", t0)
		if err != nil {
			t.Fatal(err)
		}
		r := app.AppealRecord{Appeal: ap, Deadline: civil.MustParse("2026-05-15"), OrgPath: "/ho/a/", Revision: 1, CreateTime: t0, UpdateTime: t0}
		write(t, db, func(ctx context.Context) error { return s.InsertAppeal(ctx, r) })
		if open, ok, err := s.OpenAppeal(ctx, subject.Ref); err != nil || !ok || open.ID != "a1" {
			t.Fatalf("open appeal: %v %v %v", open, ok, err)
		}
		got, err := s.Appeal(ctx, "a1")
		if err != nil || got.Reason != "漏报存款" || got.Deadline != r.Deadline || len(got.History) != 1 || got.State != appeal.StateFiled {
			t.Fatalf("appeal: %+v %v", got, err)
		}
		if err := got.StartReview("C1", t0); err != nil {
			t.Fatal(err)
		}
		if err := got.Decide("C1", appeal.StateUpheld, "属实", t0); err != nil {
			t.Fatal(err)
		}
		got.Amendment = &app.Amendment{Values: []app.AmendedValue{{Indicator: "DEPOSIT_DAILY_AVG", Value: amount("12000000.00"), Previous: dec("8000000.00")}},
			Revision: 2, PreviousTotal: "86.00", Result: "92.00"}
		got.Revision, got.UpdateTime = 2, t0.Add(time.Hour)
		write(t, db, func(ctx context.Context) error { return s.UpdateAppeal(ctx, got) })
		if err := db.InTx(ctx, func(ctx context.Context) error { return s.UpdateAppeal(ctx, got) }); !errors.Is(err, app.ErrConflict) {
			t.Fatalf("stale update: %v", err)
		}
		if _, ok, _ := s.OpenAppeal(ctx, subject.Ref); ok {
			t.Error("a decided appeal is open")
		}
		got, _ = s.Appeal(ctx, "a1")
		if got.State != appeal.StateUpheld || got.Amendment == nil || got.Amendment.Values[0].Previous.String() != "8000000.00" || len(got.History) != 3 {
			t.Fatalf("decided: %+v", got)
		}
		if list, _, err := s.ListAppeals(ctx, aip.Request{Filter: "state = STATE_UPHELD"}, app.Scope{Self: "M1"}); err != nil || len(list) != 1 {
			t.Fatalf("M1's upheld appeals: %v %v", list, err)
		}
		if list, _, _ := s.ListAppeals(ctx, aip.Request{}, app.Scope{Path: "/ho/b/", Self: "X"}); len(list) != 0 {
			t.Errorf("another subtree sees %v", list)
		}
	})
}

func amount(s string) pmoney.Decimal { return *dec(s) }

// A change being sent is leased: it cannot be cancelled or claimed again
// until it is released or the lease runs out.
func TestDeliveryLease(t *testing.T) {
	each(t, func(t *testing.T, db *storage.DB, s *sqlstore.Store) {
		d := app.DeliveryRecord{ID: "d1", Manager: "M1", Ladder: "bank", Grade: grade.Grade{Level: "L3"}, Effective: civil.MustParse("2027-01-01"),
			Reason: "r", Reference: "x", SourceRevision: 1, State: app.DeliveryPending, NextAttempt: t0, CreateTime: t0}
		write(t, db, func(ctx context.Context) error { return s.InsertDeliveries(ctx, []app.DeliveryRecord{d}) })
		var ok bool
		claim := func(now time.Time) bool {
			write(t, db, func(ctx context.Context) error {
				var err error
				ok, err = s.ClaimDelivery(ctx, "d1", now, now.Add(time.Minute))
				return err
			})
			return ok
		}
		cancel := func(now time.Time) bool {
			write(t, db, func(ctx context.Context) error {
				var err error
				ok, err = s.CancelDelivery(ctx, "d1", now, "appeal")
				return err
			})
			return ok
		}
		if !claim(t0) || claim(t0.Add(time.Second)) || cancel(t0.Add(time.Second)) {
			t.Fatal("a leased change was claimed or cancelled")
		}
		if due, _ := s.DueDeliveries(ctx, t0.Add(time.Second), 10); len(due) != 0 {
			t.Fatalf("a leased change is due: %v", due)
		}
		if !claim(t0.Add(2 * time.Minute)) {
			t.Fatal("an expired lease was not taken over")
		}
		d.Attempts, d.Error, d.NextAttempt = 1, "roster down", t0.Add(3*time.Minute)
		write(t, db, func(ctx context.Context) error { return s.UpdateDelivery(ctx, d) }) // released
		if !cancel(t0.Add(2 * time.Minute)) {
			t.Fatal("a released change was not cancelled")
		}
		if got, _ := s.Delivery(ctx, "d1"); got.State != app.DeliveryCancelled || got.Error != "appeal" {
			t.Fatalf("cancelled: %+v", got)
		}
		if claim(t0.Add(time.Hour)) {
			t.Fatal("a cancelled change was claimed")
		}
	})
}
