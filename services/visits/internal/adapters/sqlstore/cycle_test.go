package sqlstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/settings"
)

// The rest of the cycle's storage, on SQLite and PostgreSQL: visit settings with
// optimistic concurrency; a plan's results, schedule time and scheduled lines;
// the plans a handover moves lines out of; visit details; the reports' reads.
func TestCycleStore(t *testing.T) {
	storagetest.Each(t, []storage.Migrations{sqlstore.Migrations()}, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := sqlstore.New(db)
		tx := func(fn func(ctx context.Context) error) error { return db.InTx(ctx, fn) }
		now := storage.Now()

		// Settings: none, then revision 1, then a stale write refused.
		if _, _, _, ok, err := s.Settings(ctx); ok || err != nil {
			t.Fatalf("settings before any save: ok=%v %v", ok, err)
		}
		st := settings.Default()
		st.DailyCap, st.Revision = 5, 1
		if err := tx(func(ctx context.Context) error { return s.SaveSettings(ctx, st, "E0001", now) }); err != nil {
			t.Fatal(err)
		}
		if err := tx(func(ctx context.Context) error { return s.SaveSettings(ctx, st, "E0002", now) }); !errors.Is(err, sqlstore.ErrConflict) {
			t.Fatalf("a second revision 1: %v", err)
		}
		got, _, by, ok, err := s.Settings(ctx)
		if err != nil || !ok || got.DailyCap != 5 || got.Revision != 1 || by != "E0001" || got.HighMarginFactor.String() != "1.3" ||
			len(got.Checklist("RETAIL_OUTLET").Steps) != 4 {
			t.Fatalf("settings read back: %+v %s %v", got, by, err)
		}

		// Customers with kind; plans with results and scheduled lines.
		lat, lng := 31.2, 121.5
		cs := []sqlstore.Customer{
			{Customer: plan.Customer{ID: "K1", Name: "甲", AreaType: plan.Urban}, Kind: "RETAIL_OUTLET", Lat: &lat, Lng: &lng, ManagerID: "E1", OrgUnitID: "team-a"},
			{Customer: plan.Customer{ID: "K2", Name: "乙", AreaType: plan.Urban}, Kind: "CORPORATE", ManagerID: "E1", OrgUnitID: "team-a"},
		}
		if err := tx(func(ctx context.Context) error { return s.InsertCustomers(ctx, cs) }); err != nil {
			t.Fatal(err)
		}
		byID, err := s.Customers(ctx, []string{"K1", "K2", "K9"})
		if err != nil || len(byID) != 2 || byID["K1"].Kind != "RETAIL_OUTLET" || byID["K1"].Lat == nil || byID["K2"].Lat != nil {
			t.Fatalf("customers by id: %+v %v", byID, err)
		}
		if mine, err := s.ManagerCustomers(ctx, "E1"); err != nil || len(mine) != 2 || mine[0].ID != "K1" {
			t.Fatalf("E1's customers: %+v %v", mine, err)
		}
		var months []plan.Plan
		for _, m := range []string{"2026-05-01", "2026-06-01", "2026-07-01"} {
			p := plan.Generate(plan.Input{ManagerID: "E1", OrgPath: "/ho/team-a/", Month: civil.MustParse(m),
				Customers: []plan.Customer{cs[0].Customer, cs[1].Customer}, Rules: plan.DefaultRules()})
			p.Revision, p.CreateTime, p.UpdateTime, p.State = 1, now, now, plan.Approved
			months = append(months, p)
		}
		months[0].Results = plan.Results{State: plan.ResultsAccepted, Evaluation: "好", ReviewedBy: "S1", ReviewTime: now}
		months[1].Items[0].PlannedDate, months[1].Items[0].Slot, months[1].Items[0].RouteOrder, months[1].Items[0].Scheduled =
			civil.MustParse("2026-06-03"), plan.Afternoon, 1, true
		months[1].ScheduleTime = now
		if err := tx(func(ctx context.Context) error { return s.InsertPlans(ctx, months) }); err != nil {
			t.Fatal(err)
		}
		open, err := s.OpenPlansFrom(ctx, "E1", civil.MustParse("2026-05-01"))
		if err != nil || len(open) != 2 || open[0].MonthString() != "2026-06" {
			t.Fatalf("open plans from May (May is closed): %d %v", len(open), err)
		}
		june := open[0]
		if it := june.Items[0]; !it.Scheduled || it.Slot != plan.Afternoon || it.RouteOrder != 1 || june.ScheduleTime.IsZero() {
			t.Fatalf("scheduled line read back: %+v at %v", it, june.ScheduleTime)
		}
		june.Results = plan.Results{State: plan.ResultsSubmitted, Evaluation: "尚可", LinesDone: 1, LinesTotal: 2, SubmittedBy: "E1", SubmitTime: now}
		june.Revision++
		if err := tx(func(ctx context.Context) error { return s.UpdatePlan(ctx, june, plan.Approved) }); err != nil {
			t.Fatal(err)
		}
		if p, err := s.Plan(ctx, "E1", june.Month); err != nil || p.Results.State != plan.ResultsSubmitted || p.Results.LinesTotal != 2 {
			t.Fatalf("results read back: %+v %v", p.Results, err)
		}
		between, err := s.PlansBetween(ctx, sqlstore.Scope{Path: "/ho/team-a/", Self: "S1"}, "", civil.MustParse("2026-06-01"), civil.MustParse("2026-07-01"))
		if err != nil || len(between) != 2 {
			t.Fatalf("plans of June–July in team A: %d %v", len(between), err)
		}
		if none, err := s.PlansBetween(ctx, sqlstore.Scope{Path: "/ho/team-b/", Self: "S2"}, "", civil.MustParse("2026-01-01"), civil.MustParse("2026-12-01")); err != nil || len(none) != 0 {
			t.Fatalf("team B sees %d of team A's plans (%v)", len(none), err)
		}

		// Visits with details; the reports' reads.
		far := 1200
		v := sqlstore.Visit{ID: "v1", ManagerID: "E1", CustomerID: "K1", Day: civil.MustParse("2026-06-03"), Method: plan.OnSite,
			Steps: []string{"ask"}, OrgPath: "/ho/team-a/", CreateTime: now, Details: sqlstore.VisitDetails{
				DistanceMeters: &far, Far: true, MissingSteps: []string{"look"}, Findings: []int{1, 5}, Needs: "要新品",
				Stock: []settings.StockLine{{Product: "A", OnHand: money.MustParseDecimal("3"), AverageSales: money.MustParseDecimal("10"),
					SafetyStock: money.MustParseDecimal("12.0"), BelowSafety: true}}}}
		if err := tx(func(ctx context.Context) error { return s.InsertVisit(ctx, v) }); err != nil {
			t.Fatal(err)
		}
		list, _, err := s.ListVisits(ctx, aip.Request{}, sqlstore.Scope{All: true}, "E1")
		if err != nil || len(list) != 1 {
			t.Fatalf("visits: %v %v", list, err)
		}
		d := list[0].Details
		if d.DistanceMeters == nil || *d.DistanceMeters != 1200 || !d.Far || d.Needs != "要新品" || len(d.Stock) != 1 ||
			d.Stock[0].SafetyStock.Cmp(money.MustParseDecimal("12")) != 0 || !d.Stock[0].BelowSafety || len(d.Findings) != 2 {
			t.Fatalf("visit details read back: %+v", d)
		}
		keys, err := s.VisitsBetween(ctx, sqlstore.Scope{All: true}, "", civil.MustParse("2026-06-01"), civil.MustParse("2026-06-30"))
		if err != nil || len(keys) != 1 || keys[0].CustomerID != "K1" {
			t.Fatalf("visits in June: %v %v", keys, err)
		}
		if keys, err := s.VisitDays(ctx, []string{"K1", "K2"}, civil.MustParse("2026-06-02")); err != nil || len(keys) != 0 {
			t.Fatalf("visits up to 2 June: %v %v", keys, err)
		}
	})
}
