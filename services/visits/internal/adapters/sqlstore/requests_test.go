package sqlstore_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
)

// The customer requests part of the repository suite, run against SQLite and PostgreSQL.
func TestRequests(t *testing.T) {
	storagetest.Each(t, []storage.Migrations{sqlstore.Migrations()}, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := sqlstore.New(db)
		tx := func(fn func(ctx context.Context) error) error { return db.InTx(ctx, fn) }
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		// Microseconds in the base time: what is stored must read back equal.
		now := time.Date(2026, 4, 10, 2, 0, 0, 123456000, time.UTC)
		h := func(n float64) time.Time { return now.Add(time.Duration(n * float64(time.Hour))) }

		must(tx(func(ctx context.Context) error {
			return s.InsertCustomers(ctx, []sqlstore.Customer{
				{Customer: plan.Customer{ID: "C1", Name: "张记烟酒"}, ManagerID: "E1", OrgUnitID: "team-a"},
				{Customer: plan.Customer{ID: "C2", Name: "李家超市"}, ManagerID: "E1", OrgUnitID: "team-a"},
				{Customer: plan.Customer{ID: "C3", Name: "王氏便利"}, ManagerID: "E2", OrgUnitID: "team-b"},
			})
		}))
		teamA, teamB := "/ho/br-east/team-a/", "/ho/br-east/team-b/"
		units := map[string]string{teamA: "team-a", teamB: "team-b"}
		add := func(id, customer, manager, path string, received float64) sqlstore.Request {
			t.Helper()
			r := sqlstore.Request{ID: id, CustomerID: customer, ManagerID: manager, OrgUnitID: units[path], OrgPath: path,
				Channel: "app", Text: "请回电 " + id, ReceiveTime: h(received), Deadline: h(received + 24),
				CreateTime: h(received).Add(time.Second)}
			must(tx(func(ctx context.Context) error { return s.InsertRequest(ctx, r) }))
			return r
		}
		add("a", "C1", "E1", teamA, -30) // answered in time
		add("b", "C1", "E1", teamA, -28) // answered late
		add("c", "C2", "E1", teamA, -26) // overdue
		add("d", "C1", "E1", teamA, -3)  // open
		add("e", "C3", "E2", teamB, -1)  // open
		add("f", "C3", "E2", teamB, -25) // overdue
		if err := tx(func(ctx context.Context) error {
			return s.InsertRequest(ctx, sqlstore.Request{ID: "a", CustomerID: "C1",
				ManagerID: "E1", OrgPath: teamA, Text: "x", ReceiveTime: now, Deadline: h(24), CreateTime: now})
		}); !errors.Is(err, sqlstore.ErrConflict) {
			t.Fatalf("second request with the same id: %v", err)
		}
		answer := func(id, manager, by string, at time.Time) error {
			return tx(func(ctx context.Context) error { return s.AnswerRequest(ctx, id, manager, "已处理", by, at) })
		}
		must(answer("a", "E1", "E1", h(-20)))
		must(answer("b", "E1", "S1", h(-2)))
		if err := answer("a", "E1", "E1", h(-1)); !errors.Is(err, sqlstore.ErrConflict) {
			t.Fatalf("answering twice: %v", err)
		}
		if err := answer("c", "E2", "E2", h(-1)); !errors.Is(err, sqlstore.ErrConflict) {
			t.Fatalf("answering as a manager who does not hold it: %v", err)
		}

		// Get: what was stored, the customer's name, the computed fields.
		a, err := s.Request(ctx, "a")
		must(err)
		if a.CustomerName != "张记烟酒" || a.ManagerID != "E1" || a.OrgPath != teamA || a.OrgUnitID != "team-a" || a.Channel != "app" ||
			!a.ReceiveTime.Equal(h(-30)) || !a.Deadline.Equal(h(-6)) || !a.AnswerTime.Equal(h(-20)) || a.AnsweredBy != "E1" ||
			a.Answer != "已处理" || !a.CreateTime.Equal(h(-30).Add(time.Second)) || len(a.Handovers) != 0 {
			t.Fatalf("request a = %+v", a)
		}
		if a.State(now) != sqlstore.RequestAnswered || !a.InTime() || a.ResponseTime() != 10*time.Hour || !a.EscalateTime(now).IsZero() {
			t.Errorf("a: state %v, in time %v, response %v, escalated %v", a.State(now), a.InTime(), a.ResponseTime(), a.EscalateTime(now))
		}
		b, _ := s.Request(ctx, "b")
		if b.InTime() || !b.EscalateTime(now).Equal(b.Deadline) || b.ResponseTime() != 26*time.Hour {
			t.Errorf("b, answered late: in time %v, escalated %v, response %v", b.InTime(), b.EscalateTime(now), b.ResponseTime())
		}
		c, _ := s.Request(ctx, "c")
		if c.State(h(-2.5)) != sqlstore.RequestOpen || c.State(h(-2)) != sqlstore.RequestOverdue || !c.EscalateTime(now).Equal(h(-2)) {
			t.Errorf("c: states %v then %v, escalated %v", c.State(h(-2.5)), c.State(h(-2)), c.EscalateTime(now))
		}
		if _, err := s.Request(ctx, "zz"); !errors.Is(err, sqlstore.ErrNotFound) {
			t.Fatalf("missing request: %v", err)
		}

		// List: newest receipt first, by scope, manager, filter (a state as of a
		// given moment) and page.
		all := sqlstore.Scope{All: true}
		ids := func(req aip.Request, scope sqlstore.Scope, manager string, at time.Time) ([]string, string) {
			t.Helper()
			list, next, err := s.ListRequests(ctx, req, scope, manager, at)
			if err != nil {
				t.Fatalf("ListRequests(%+v, %+v, %q): %v", req, scope, manager, err)
			}
			out := []string{}
			for _, r := range list {
				out = append(out, r.ID)
			}
			return out, next
		}
		for _, tt := range []struct {
			filter  string
			scope   sqlstore.Scope
			manager string
			at      time.Time
			want    []string
		}{
			{"", all, "", now, []string{"e", "d", "f", "c", "b", "a"}},
			{"", all, "E1", now, []string{"d", "c", "b", "a"}},
			{"", sqlstore.Scope{Self: "E2"}, "", now, []string{"e", "f"}},
			{"", sqlstore.Scope{Self: "E2"}, "E1", now, []string{}},
			{"", sqlstore.Scope{Path: "/ho/br-east/team-a/", Self: "S9"}, "", now, []string{"d", "c", "b", "a"}},
			{"", sqlstore.Scope{Path: "/ho/br-east/", Self: "S9"}, "", now, []string{"e", "d", "f", "c", "b", "a"}},
			{"state = OVERDUE", all, "", now, []string{"f", "c"}},
			{"state = STATE_OPEN", all, "", now, []string{"e", "d"}},
			{"state = ANSWERED", all, "", now, []string{"b", "a"}},
			{"state != ANSWERED", all, "E1", now, []string{"d", "c"}},
			{"state = OVERDUE OR state = OPEN", all, "", now, []string{"e", "d", "f", "c"}},
			// Five hours earlier c and f were still open (and e not yet received;
			// the filter does not hide it: received is not a state).
			{"state = OVERDUE", all, "", h(-5), []string{}},
			{"state = OPEN", all, "", h(-5), []string{"e", "d", "f", "c"}},
			{"state = OVERDUE", all, "", h(-1.5), []string{"c"}},
			{`customer = "customers/C1"`, all, "", now, []string{"d", "b", "a"}},
			{`state = OPEN customer = "customers/C1"`, all, "", now, []string{"d"}},
			{`receive_time >= "` + h(-4).Format(time.RFC3339Nano) + `"`, all, "", now, []string{"e", "d"}},
			{`receive_time < "2026-04-09T05:00:00+08:00"`, all, "", now, []string{"a"}},
		} {
			got, next := ids(aip.Request{Filter: tt.filter}, tt.scope, tt.manager, tt.at)
			if !reflect.DeepEqual(got, tt.want) || next != "" {
				t.Errorf("filter %q, scope %+v, manager %q at %s: %v (next %q), want %v", tt.filter, tt.scope, tt.manager,
					tt.at.Format(time.RFC3339), got, next, tt.want)
			}
		}
		if _, _, err := s.ListRequests(ctx, aip.Request{Filter: "state = LATE"}, all, "", now); err == nil {
			t.Error("unknown state accepted")
		}
		if _, _, err := s.ListRequests(ctx, aip.Request{Filter: `customer = "C1"`}, all, "", now); err == nil {
			t.Error("customer without customers/ accepted")
		}
		for _, tt := range []struct {
			filter string
			size   int32
			want   []string
		}{
			{"", 2, []string{"e", "d", "f", "c", "b", "a"}},
			{"state != ANSWERED", 1, []string{"e", "d", "f", "c"}},
			{"", 4, []string{"e", "d", "f", "c", "b", "a"}},
		} {
			var got []string
			token, pages := "", 0
			for {
				page, next := ids(aip.Request{Filter: tt.filter, PageSize: tt.size, PageToken: token}, all, "", now)
				got, pages = append(got, page...), pages+1
				if next == "" || pages > 10 {
					break
				}
				token = next
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("pages of %d with filter %q: %v, want %v", tt.size, tt.filter, got, tt.want)
			}
		}
		if _, _, err := s.ListRequests(ctx, aip.Request{Filter: "state = OPEN", PageToken: func() string {
			_, next := ids(aip.Request{PageSize: 1}, all, "", now)
			return next
		}()}, all, "", now); err == nil {
			t.Error("a page token used with another filter was accepted")
		}

		// Counts for the indicators: per manager, of those received in the period, as of now.
		counts, err := s.RequestCounts(ctx, nil, h(-48), now, now)
		must(err)
		want := map[string]sqlstore.RequestCount{
			"E1": {Received: 4, Counted: 3, InTime: 1, Open: 1, Overdue: 1},
			"E2": {Received: 2, Counted: 1, InTime: 0, Open: 1, Overdue: 1},
		}
		if !reflect.DeepEqual(counts, want) {
			t.Errorf("RequestCounts(every manager) = %+v, want %+v", counts, want)
		}
		// Of c and d (received in [-27h, -2h)), only c's outcome (overdue) is known.
		counts, err = s.RequestCounts(ctx, []string{"E1", "E9"}, h(-27), h(-2), now)
		must(err)
		if want := map[string]sqlstore.RequestCount{"E1": {Received: 2, Counted: 1, InTime: 0, Open: 1, Overdue: 1}}; !reflect.DeepEqual(counts, want) {
			t.Errorf("RequestCounts(E1, E9; [-27h, -2h)) = %+v, want %+v", counts, want)
		}
		if counts, err := s.RequestCounts(ctx, []string{}, h(-48), now, now); err != nil || len(counts) != 0 {
			t.Errorf("RequestCounts(no managers) = %+v, %v", counts, err)
		}
		if open, overdue, err := s.OpenRequests(ctx, "E1", now); err != nil || open != 1 || overdue != 1 {
			t.Errorf("OpenRequests(E1, now) = %d, %d, %v", open, overdue, err)
		}
		if open, overdue, err := s.OpenRequests(ctx, "E1", h(21)); err != nil || open != 0 || overdue != 2 {
			t.Errorf("OpenRequests(E1, +21h) = %d, %d, %v", open, overdue, err)
		}
		if open, overdue, err := s.OpenRequests(ctx, "E9", now); err != nil || open != 0 || overdue != 0 {
			t.Errorf("OpenRequests(E9) = %d, %d, %v", open, overdue, err)
		}

		// Handover: the customer's unanswered requests move with their deadline and
		// history; answered ones and other customers' stay; twice is once.
		move := func(customer, from, to string, at time.Time) {
			t.Helper()
			must(tx(func(ctx context.Context) error { return s.MoveOpenRequests(ctx, customer, from, to, at) }))
		}
		move("C1", "E1", "E3", h(0.5))
		move("C1", "E1", "E3", h(0.6)) // the feed delivered it again
		d, _ := s.Request(ctx, "d")
		if d.ManagerID != "E3" || !d.Deadline.Equal(h(21)) || !reflect.DeepEqual(d.Handovers, []sqlstore.RequestHandover{{From: "E1", To: "E3", Time: h(0.5)}}) {
			t.Fatalf("after handover d = %+v", d)
		}
		if a, _ := s.Request(ctx, "a"); a.ManagerID != "E1" || len(a.Handovers) != 0 {
			t.Errorf("answered request moved: %+v", a)
		}
		if c, _ := s.Request(ctx, "c"); c.ManagerID != "E1" {
			t.Errorf("another customer's request moved: %+v", c)
		}
		move("C1", "E3", "E4", h(1))
		list, _, err := s.ListRequests(ctx, aip.Request{}, all, "E4", now)
		must(err)
		if len(list) != 1 || list[0].ID != "d" || len(list[0].Handovers) != 2 || list[0].Handovers[0].To != "E3" ||
			list[0].Handovers[1] != (sqlstore.RequestHandover{From: "E3", To: "E4", Time: h(1)}) {
			t.Fatalf("after the second handover: %+v", list)
		}
		if err := answer("d", "E1", "E1", h(1)); !errors.Is(err, sqlstore.ErrConflict) {
			t.Errorf("answer by the manager it was handed away from: %v", err)
		}

		// Racing answers: exactly one is stored.
		add("g", "C2", "E1", teamA, -1)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				errs[i] = tx(func(ctx context.Context) error {
					return s.AnswerRequest(ctx, "g", "E1", "第"+string(rune('0'+i))+"个回答", "E1", now)
				})
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, sqlstore.ErrConflict):
				t.Errorf("a losing answer failed with %v, want ErrConflict", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d answers stored, want exactly 1 (%v)", won, errs)
		}
		if g, _ := s.Request(ctx, "g"); !g.Answered() {
			t.Fatalf("g not answered: %+v", g)
		}
	})
}
