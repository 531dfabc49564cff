package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
)

// The visits repository suite, run against SQLite and PostgreSQL.
func TestStore(t *testing.T) {
	storagetest.Each(t, []storage.Migrations{sqlstore.Migrations()}, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := sqlstore.New(db)
		// Writes run in transactions, as the service runs them (SQLite's read pool refuses writes).
		tx := func(fn func(ctx context.Context) error) error { return db.InTx(ctx, fn) }
		now := storage.Now()
		april := civil.MustParse("2026-04-01")

		// Customers: bulk insert, read back by manager, last visit only moves forward.
		var cs []sqlstore.Customer
		for i, m := range []string{"E1", "E1", "E2"} {
			cs = append(cs, sqlstore.Customer{Customer: plan.Customer{ID: "C" + string(rune('0'+i)), Name: "客户", AreaType: plan.Village,
				LastVisit: civil.MustParse("2026-01-10")}, ManagerID: m, OrgUnitID: "team-a"})
		}
		if err := tx(func(ctx context.Context) error { return s.InsertCustomers(ctx, cs) }); err != nil {
			t.Fatal(err)
		}
		if err := tx(func(ctx context.Context) error { return s.SetLastVisit(ctx, "C0", civil.MustParse("2025-12-01")) }); err != nil {
			t.Fatal(err)
		}
		byManager, err := s.CustomersOf(ctx, []string{"E1", "E2", "E9"})
		if err != nil || len(byManager["E1"]) != 2 || len(byManager["E2"]) != 1 || byManager["E1"][0].LastVisit != civil.MustParse("2026-01-10") {
			t.Fatalf("CustomersOf = %+v, %v", byManager, err)
		}

		// Plans: one per manager and month; list by scope, filter and page.
		var ps []plan.Plan
		for _, m := range []struct{ id, path string }{{"E1", "/ho/br-east/team-a/"}, {"E2", "/ho/br-east/team-b/"}, {"E3", "/ho/br-west/team-c/"}} {
			p := plan.Generate(plan.Input{ManagerID: m.id, OrgPath: m.path, Month: april, Customers: byManager[m.id], Rules: plan.DefaultRules()})
			p.Revision, p.CreateTime, p.UpdateTime = 1, now, now
			ps = append(ps, p)
		}
		// E1's first line is planned on 15 April; the second only mentions that day.
		mid := civil.MustParse("2026-04-15")
		ps[0].Items[0].PlannedDate = mid
		ps[0].Items[1].Actions = []string{mid.String(), "电话回访"}
		if err := tx(func(ctx context.Context) error { return s.InsertPlans(ctx, ps) }); err != nil {
			t.Fatal(err)
		}
		if day, err := s.PlanDay(ctx, "E1", mid); err != nil || len(day.Items) != 1 || day.Items[0].ID != ps[0].Items[0].ID ||
			len(day.Generated) != 0 || day.State != ps[0].State || day.Revision != 1 {
			t.Fatalf("PlanDay(E1, %s) = %+v, %v", mid, day, err)
		}
		if day, err := s.PlanDay(ctx, "E1", mid.AddDays(1)); err != nil || len(day.Items) != 0 {
			t.Fatalf("PlanDay(E1, the next day) = %+v, %v", day.Items, err)
		}
		if _, err := s.PlanDay(ctx, "E9", mid); !errors.Is(err, sqlstore.ErrNotFound) {
			t.Fatalf("PlanDay of a manager without a plan: %v", err)
		}
		if err := tx(func(ctx context.Context) error { return s.InsertPlans(ctx, ps[:1]) }); !errors.Is(err, sqlstore.ErrConflict) {
			t.Fatalf("second plan for the month: %v", err)
		}
		got, err := s.PlansOf(ctx, []string{"E1", "E3"}, april)
		if err != nil || len(got) != 2 || len(got["E1"].Items) != 2 {
			t.Fatalf("PlansOf = %d plans, %v", len(got), err)
		}
		names := func(req aip.Request, scope sqlstore.Scope) ([]string, string) {
			t.Helper()
			list, next, err := s.ListPlans(ctx, req, scope, "")
			if err != nil {
				t.Fatalf("ListPlans(%+v): %v", req, err)
			}
			var out []string
			for _, p := range list {
				out = append(out, p.ManagerID)
			}
			return out, next
		}
		all := sqlstore.Scope{All: true}
		if ids, _ := names(aip.Request{Filter: `org_unit = "orgUnits/br-east"`}, all); len(ids) != 2 || ids[0] != "E1" || ids[1] != "E2" {
			t.Errorf("org_unit br-east: %v", ids)
		}
		if ids, _ := names(aip.Request{Filter: `org_unit = "orgUnits/team-c"`}, all); len(ids) != 1 || ids[0] != "E3" {
			t.Errorf("org_unit team-c: %v", ids)
		}
		if ids, _ := names(aip.Request{}, sqlstore.Scope{Path: "/ho/br-west/", Self: "E1"}); len(ids) != 2 {
			t.Errorf("subtree scope and own plan: %v", ids)
		}
		if ids, _ := names(aip.Request{}, sqlstore.Scope{Self: "E2"}); len(ids) != 1 || ids[0] != "E2" {
			t.Errorf("own scope: %v", ids)
		}
		first, next := names(aip.Request{PageSize: 2}, all)
		rest, last := names(aip.Request{PageSize: 2, PageToken: next}, all)
		if len(first) != 2 || next == "" || len(rest) != 1 || last != "" || rest[0] != "E3" {
			t.Errorf("pages %v (%q) then %v (%q)", first, next, rest, last)
		}

		// A review wins only against the revision and state it read.
		p := got["E1"]
		p.State, p.Revision = plan.Submitted, 2
		if err := tx(func(ctx context.Context) error { return s.UpdatePlan(ctx, p, plan.Draft) }); err != nil {
			t.Fatal(err)
		}
		if err := tx(func(ctx context.Context) error { return s.UpdatePlan(ctx, p, plan.Draft) }); !errors.Is(err, sqlstore.ErrConflict) {
			t.Fatalf("stale update: %v", err)
		}
		if ids, _ := names(aip.Request{Filter: "state = SUBMITTED"}, all); len(ids) != 1 || ids[0] != "E1" {
			t.Errorf("state filter: %v", ids)
		}

		// Tasks: open ones feed generation, done ones drop out, handovers move open ones.
		for _, tk := range []sqlstore.TaskRow{
			{Task: plan.Task{ID: "t1", ManagerID: "E1", Text: "a", Month: civil.MustParse("2026-03-01"), CustomerID: "C0", AssignedBy: "S1"}},
			{Task: plan.Task{ID: "t2", ManagerID: "E1", Text: "b", Month: april, AssignedBy: "S1"}},
			{Task: plan.Task{ID: "t3", ManagerID: "E1", Text: "c", Month: civil.MustParse("2026-05-01"), AssignedBy: "S1"}},
		} {
			tk.OrgPath, tk.CreateTime = "/ho/br-east/team-a/", now
			if err := tx(func(ctx context.Context) error { return s.InsertTask(ctx, tk) }); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx(func(ctx context.Context) error { return s.CompleteTask(ctx, "t2", april) }); err != nil {
			t.Fatal(err)
		}
		if err := tx(func(ctx context.Context) error { return s.CompleteTask(ctx, "t2", april) }); !errors.Is(err, sqlstore.ErrConflict) {
			t.Fatalf("completing twice: %v", err)
		}
		open, err := s.OpenTasks(ctx, []string{"E1"}, april)
		if err != nil || len(open["E1"]) != 1 || open["E1"][0].ID != "t1" {
			t.Fatalf("OpenTasks = %+v, %v", open, err)
		}
		done, _, err := s.ListTasks(ctx, aip.Request{Filter: "done = true"}, all, "E1")
		if err != nil || len(done) != 1 || done[0].ID != "t2" || !done[0].Done || done[0].DoneDate != april {
			t.Fatalf("done tasks %+v, %v", done, err)
		}
		if err := tx(func(ctx context.Context) error { return s.MoveOpenTasks(ctx, "C0", "E1", "E2") }); err != nil {
			t.Fatal(err)
		}
		if open, _ := s.OpenTasks(ctx, []string{"E2"}, april); len(open["E2"]) != 1 {
			t.Fatalf("handover left the open task behind: %+v", open)
		}

		// Visits: newest first, filtered by date.
		for i, day := range []string{"2026-04-02", "2026-04-09", "2026-03-30"} {
			if err := tx(func(ctx context.Context) error {
				return s.InsertVisit(ctx, sqlstore.Visit{ID: "v" + string(rune('0'+i)), ManagerID: "E1", CustomerID: "C0",
					Day: civil.MustParse(day), Method: plan.OnSite, Steps: []string{"ask"}, OrgPath: "/ho/br-east/team-a/",
					CreateTime: now.Add(time.Duration(i) * time.Second)})
			}); err != nil {
				t.Fatal(err)
			}
		}
		visits, _, err := s.ListVisits(ctx, aip.Request{Filter: `date >= "2026-04-01"`}, all, "E1")
		if err != nil || len(visits) != 2 || visits[0].ID != "v1" || visits[1].ID != "v0" || visits[0].Steps[0] != "ask" {
			t.Fatalf("visits %+v, %v", visits, err)
		}
	})
}
