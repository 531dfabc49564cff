package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	"github.com/rmsuite/rmsuite/services/roster/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/roster/internal/app"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/customer"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/orgunit"
)

// portfolio is a small bank for the portfolio tests: a branch in the east with a
// team, a sub-branch in the west, and managers on each line.
//
//	ho ─ br-e ─ sb-e ─ team-e   E1 corporate, E2 retail, E4 candidate (not active)
//	   └ br-w ─ sb-w            E3 retail, E9 corporate
type portfolio struct {
	db        *storage.DB
	repo      *sqlstore.Customers
	customers *app.Customers
	admin     context.Context
}

func newPortfolio(t testing.TB, db *storage.DB) *portfolio {
	t.Helper()
	admin := auth.WithPrincipal(context.Background(), app.SeedCaller)
	unitRepo := sqlstore.NewOrgUnits(db)
	units := app.NewOrgUnits(unitRepo, db, storage.Now, nil)
	for _, u := range []app.NewUnit{
		{ID: "ho", DisplayName: "总行", Type: orgunit.HeadOffice},
		{ID: "br-e", DisplayName: "城东分行", Type: orgunit.Branch, ParentID: "ho"},
		{ID: "sb-e", DisplayName: "陆家嘴支行", Type: orgunit.SubBranch, ParentID: "br-e"},
		{ID: "team-e", DisplayName: "陆家嘴团队", Type: orgunit.Team, ParentID: "sb-e"},
		{ID: "br-w", DisplayName: "城西分行", Type: orgunit.Branch, ParentID: "ho"},
		{ID: "sb-w", DisplayName: "虹桥支行", Type: orgunit.SubBranch, ParentID: "br-w"},
	} {
		if _, err := units.Create(admin, u); err != nil {
			t.Fatalf("create orgUnits/%s: %v", u.ID, err)
		}
	}
	p := &portfolio{db: db, repo: sqlstore.NewCustomers(db), admin: admin}
	managers := sqlstore.NewManagers(db)
	p.customers = app.NewCustomers(p.repo, managers, unitRepo, db, storage.Now, nil)
	for _, m := range []struct {
		id, unit string
		line     manager.Line
		status   manager.Status
	}{
		{"E1", "team-e", manager.Corporate, manager.Confirmed},
		{"E2", "team-e", manager.Retail, manager.Probation},
		{"E4", "team-e", manager.Retail, manager.Candidate},
		{"E3", "sb-w", manager.Retail, manager.Observation},
		{"E9", "sb-w", manager.Corporate, manager.ExtendedProbation},
	} {
		p.addManager(t, m.id, m.unit, m.line, m.status)
	}
	return p
}

func (p *portfolio) addManager(t testing.TB, id, unit string, line manager.Line, status manager.Status) {
	t.Helper()
	now := storage.Now()
	err := p.db.InTx(p.admin, func(ctx context.Context) error {
		return sqlstore.NewManagers(p.db).Insert(ctx, manager.Manager{ID: id, DisplayName: "经理" + id,
			HireDate: civil.MustParse("2020-01-01"), OrgUnitID: unit, Line: line, Status: status,
			StatusDate: civil.MustParse("2020-01-01"), Revision: 1, CreateTime: now, UpdateTime: now})
	})
	if err != nil {
		t.Fatalf("insert managers/%s: %v", id, err)
	}
}

func (p *portfolio) create(t testing.TB, ctx context.Context, id, name string, kind customer.Kind, primary, backup string) customer.Customer {
	t.Helper()
	c, err := p.customers.CreateCustomer(ctx, customer.Customer{ID: id, DisplayName: name, Kind: kind,
		AreaType: customer.Urban, PrimaryManagerID: primary, BackupManagerID: backup})
	if err != nil {
		t.Fatalf("create customers/%s: %v", id, err)
	}
	return c
}

func (p *portfolio) count(t testing.TB, table string) int {
	t.Helper()
	var n int
	if err := p.db.Q(context.Background()).QueryRowContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (p *portfolio) load(t testing.TB, id string) int {
	t.Helper()
	n, err := p.customers.PrimaryCustomers(p.admin, id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// state is what must not change when a portfolio write fails.
func (p *portfolio) state(t testing.TB) string {
	return fmt.Sprint(p.count(t, "customers"), p.count(t, "customer_assignments"), p.count(t, "portfolio_outbox"))
}

func wantErr(t *testing.T, err, want error, says ...string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	for _, s := range says {
		if !strings.Contains(err.Error(), s) {
			t.Fatalf("error %q does not say %q", err, s)
		}
	}
}

func csvOf(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows)
	return b.Bytes()
}

var customerHeader = []string{"customer_code", "display_name", "kind", "classification", "address", "latitude", "longitude",
	"area_type", "visit_method", "primary_manager", "backup_manager"}

func customerRow(code, manager string) []string {
	return []string{code, "客户" + code, "公司", "A", "上海市浦东新区世纪大道 100 号", "31.2304", "121.4737", "城区", "实地", manager, ""}
}

// The portfolio suite — the customer use cases on the SQL repository — run
// against SQLite and PostgreSQL.
func TestCustomerRepository(t *testing.T) {
	storagetest.Each(t, []storage.Migrations{sqlstore.Migrations()}, func(t *testing.T, db *storage.DB) {
		p := newPortfolio(t, db)
		ctx := p.admin
		today := civil.Of(time.Now().In(civil.Shanghai))

		t.Run("create reads back with the manager's unit, a history and a feed entry", func(t *testing.T) {
			in := customer.Customer{ID: "C-1", DisplayName: "  陆家嘴便利店 ", Kind: customer.RetailOutlet, Classification: "A",
				Address: "上海市浦东新区陆家嘴环路 8 号", Location: &customer.Location{Lat: 31.2397, Lng: 121.4998},
				AreaType: customer.Urban, VisitMethod: customer.InPerson, PrimaryManagerID: "E2", BackupManagerID: "E1"}
			created, err := p.customers.CreateCustomer(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.customers.GetCustomer(ctx, "C-1")
			if err != nil {
				t.Fatal(err)
			}
			if got.DisplayName != "陆家嘴便利店" || got.Kind != customer.RetailOutlet || got.Location == nil ||
				got.Location.Lat != 31.2397 || got.Location.Lng != 121.4998 || got.VisitMethod != customer.InPerson ||
				got.PrimaryManagerID != "E2" || got.BackupManagerID != "E1" || got.OrgUnitID != "team-e" ||
				got.OrgPath != "/ho/br-e/sb-e/team-e/" || got.AssignmentStart != today || got.Revision != 1 ||
				!got.CreateTime.Equal(created.CreateTime) || got.Etag() != created.Etag() {
				t.Fatalf("got %+v, created %+v", got, created)
			}
			history, err := p.customers.Assignments(ctx, "C-1")
			if err != nil || len(history) != 1 || history[0].PrimaryManagerID != "E2" || history[0].BackupManagerID != "E1" ||
				history[0].Start != today || !history[0].End.IsZero() || history[0].RecordedBy != app.SeedCaller.Subject {
				t.Fatalf("history = %+v, %v", history, err)
			}
			feed, err := p.customers.Changes(ctx, 0, 10)
			if err != nil || len(feed) != 1 || feed[0].Kind != customer.CustomerCreated || feed[0].CustomerID != "C-1" || feed[0].Sequence != 1 {
				t.Fatalf("feed = %+v, %v", feed, err)
			}
			_, err = p.customers.CreateCustomer(ctx, in)
			wantErr(t, err, customer.ErrAlreadyExists, "customers/C-1 already exists")
			_, err = p.customers.GetCustomer(ctx, "nope")
			wantErr(t, err, customer.ErrNotFound)
		})

		t.Run("only active managers that exist receive customers", func(t *testing.T) {
			before := p.state(t)
			_, err := p.customers.CreateCustomer(ctx, customer.Customer{ID: "C-X", DisplayName: "x", Kind: customer.Individual,
				AreaType: customer.Town, PrimaryManagerID: "E4"})
			wantErr(t, err, customer.ErrIllegalState, "managers/E4 is STATUS_CANDIDATE")
			_, err = p.customers.CreateCustomer(ctx, customer.Customer{ID: "C-X", DisplayName: "x", Kind: customer.Individual,
				AreaType: customer.Town, PrimaryManagerID: "E2", BackupManagerID: "E4"})
			wantErr(t, err, customer.ErrIllegalState, "backup manager")
			_, err = p.customers.CreateCustomer(ctx, customer.Customer{ID: "C-X", DisplayName: "x", Kind: customer.Individual,
				AreaType: customer.Town, PrimaryManagerID: "GHOST"})
			wantErr(t, err, customer.ErrInvalid, "managers/GHOST does not exist")
			if after := p.state(t); after != before {
				t.Fatalf("failed creates changed the store: %s, want %s", after, before)
			}
		})

		// DOMAIN.md worked example 7.
		t.Run("assigning a 51st corporate customer to a corporate manager fails naming the limit", func(t *testing.T) {
			rows := [][]string{customerHeader}
			for i := range 50 {
				rows = append(rows, customerRow(fmt.Sprintf("K%02d", i), "E1"))
			}
			res, err := p.customers.ImportCustomers(ctx, csvOf(rows), "", false)
			if err != nil || res.Imported != 50 || len(res.Problems) != 0 {
				t.Fatalf("import 50 corporate customers: %+v, %v", res, err)
			}
			if n := p.load(t, "E1"); n != 50 {
				t.Fatalf("E1 serves %d, want 50", n)
			}
			before := p.state(t)
			_, err = p.customers.CreateCustomer(ctx, customer.Customer{ID: "K50", DisplayName: "第51家公司", Kind: customer.Corporate,
				AreaType: customer.Urban, PrimaryManagerID: "E1"})
			wantErr(t, err, customer.ErrOverCapacity, "managers/E1 (LINE_CORPORATE) already serves 50 customers, the limit is 50")
			// The same through an assignment.
			_, err = p.customers.AssignCustomer(ctx, "C-1", app.Assignment{Primary: "E1", Reason: "调整"})
			wantErr(t, err, customer.ErrOverCapacity, "the limit is 50")
			if after := p.state(t); after != before {
				t.Fatalf("refused assignments changed the store: %s, want %s", after, before)
			}
			if n := p.load(t, "E1"); n != 50 {
				t.Fatalf("E1 serves %d after refusals, want 50", n)
			}
			if c, _ := p.customers.GetCustomer(ctx, "C-1"); c.PrimaryManagerID != "E2" || c.Revision != 1 {
				t.Fatalf("C-1 changed: %+v", c)
			}
		})

		t.Run("list filters, orders and pages", func(t *testing.T) {
			p.create(t, ctx, "R-1", "Beta 超市", customer.RetailOutlet, "E2", "")
			p.create(t, ctx, "R-2", "Alpha 超市", customer.RetailOutlet, "E2", "E1")
			p.create(t, ctx, "W-1", "西区个人", customer.Individual, "E3", "E2")
			page := func(req aip.Request) ([]string, string, int) {
				t.Helper()
				list, next, total, err := p.customers.ListCustomers(ctx, req)
				if err != nil {
					t.Fatalf("list %+v: %v", req, err)
				}
				ids := make([]string, len(list))
				for i, c := range list {
					ids[i] = c.ID
				}
				return ids, next, total
			}
			if ids, _, total := page(aip.Request{Filter: `primary_manager = "managers/E2"`}); fmt.Sprint(ids) != "[R-2 R-1 C-1]" || total != 3 {
				t.Fatalf("E2's customers by name = %v (total %d)", ids, total)
			}
			if ids, _, _ := page(aip.Request{Filter: `backup_manager = "managers/E2"`}); fmt.Sprint(ids) != "[W-1]" {
				t.Fatalf("E2 as backup = %v", ids)
			}
			if ids, _, total := page(aip.Request{Filter: `org_unit = "orgUnits/br-w"`}); fmt.Sprint(ids) != "[W-1]" || total != 1 {
				t.Fatalf("br-w subtree = %v (total %d)", ids, total)
			}
			if _, _, total := page(aip.Request{Filter: `org_unit = "orgUnits/br-e" AND kind = KIND_CORPORATE`}); total != 50 {
				t.Fatalf("corporate customers in br-e: %d, want 50", total)
			}
			if ids, _, _ := page(aip.Request{Filter: `kind = INDIVIDUAL AND area_type = AREA_TYPE_URBAN`}); fmt.Sprint(ids) != "[W-1]" {
				t.Fatalf("individuals = %v", ids)
			}
			if ids, _, _ := page(aip.Request{Filter: `display_name : "超市"`, OrderBy: "display_name desc"}); fmt.Sprint(ids) != "[R-1 R-2]" {
				t.Fatalf("supermarkets, name descending = %v", ids)
			}
			// Keyset pages over the 50 corporate customers: every one once, in order.
			var all []string
			req := aip.Request{Filter: `primary_manager = "managers/E1"`, PageSize: 7}
			for {
				ids, next, total := page(req)
				if total != 50 {
					t.Fatalf("total = %d on every page, want 50", total)
				}
				all = append(all, ids...)
				if next == "" {
					break
				}
				req.PageToken = next
			}
			if len(all) != 50 || all[0] != "K00" || all[49] != "K49" {
				t.Fatalf("paged through %d customers: %v", len(all), all)
			}
			_, _, _, err := p.customers.ListCustomers(ctx, aip.Request{Filter: `primary_manager = "E2"`})
			var aipErr *aip.Error
			if !errors.As(err, &aipErr) || !strings.Contains(err.Error(), "managers/E3001") {
				t.Fatalf("bad manager name in filter: %v", err)
			}
		})

		t.Run("scope: a manager sees what they serve, a supervisor their subtree", func(t *testing.T) {
			cm := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "E2", OrgUnit: "team-e", Roles: []auth.Role{auth.CustomerManager}})
			list, _, total, err := p.customers.ListCustomers(cm, aip.Request{PageSize: 1000})
			if err != nil || total != 4 || len(list) != 4 { // C-1, R-1, R-2 as primary; W-1 as backup
				t.Fatalf("E2 sees %d customers (total %d): %v", len(list), total, err)
			}
			if _, err := p.customers.GetCustomer(cm, "W-1"); err != nil {
				t.Fatalf("E2 reading a customer they back up: %v", err)
			}
			_, err = p.customers.GetCustomer(cm, "K01")
			wantErr(t, err, customer.ErrNotFound)
			west := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "S9", OrgUnit: "sb-w", Roles: []auth.Role{auth.Supervisor}})
			if _, _, total, err := p.customers.ListCustomers(west, aip.Request{}); err != nil || total != 1 {
				t.Fatalf("supervisor of sb-w sees %d customers (%v), want 1", total, err)
			}
			_, err = p.customers.Assignments(west, "C-1")
			wantErr(t, err, customer.ErrNotFound)
			// Out-of-scope writes are refused: a customer served elsewhere, a receiver elsewhere.
			_, err = p.customers.UpdateCustomer(west, "C-1", "", app.CustomerChanges{Address: ptr("x")})
			wantErr(t, err, customer.ErrPermissionDenied)
			_, err = p.customers.AssignCustomer(west, "W-1", app.Assignment{Primary: "E2", Reason: "x"})
			wantErr(t, err, customer.ErrPermissionDenied, "managers/E2")
			_, _, err = p.customers.ManagerLoad(west, "E2")
			wantErr(t, err, customer.ErrNotFound)
			if l, _, err := p.customers.ManagerLoad(cm, "E2"); err != nil || l.Primary != 3 || l.Capacity != 1000 {
				t.Fatalf("E2's own load: %+v, %v", l, err)
			}
		})

		t.Run("update changes details, not kind or managers, and checks the etag", func(t *testing.T) {
			c, _ := p.customers.GetCustomer(ctx, "R-1")
			before := p.count(t, "portfolio_outbox")
			got, err := p.customers.UpdateCustomer(ctx, "R-1", c.Etag(), app.CustomerChanges{DisplayName: ptr(" Beta 便利店 "),
				SetLocation: true, Location: &customer.Location{Lat: 1, Lng: 2}, AreaType: ptrTo(customer.Village)})
			if err != nil || got.DisplayName != "Beta 便利店" || got.AreaType != customer.Village || got.Revision != 2 {
				t.Fatalf("update: %+v, %v", got, err)
			}
			if n := p.count(t, "portfolio_outbox"); n != before+1 {
				t.Fatalf("update published %d changes, want 1", n-before)
			}
			_, err = p.customers.UpdateCustomer(ctx, "R-1", c.Etag(), app.CustomerChanges{Address: ptr("x")})
			wantErr(t, err, apierr.ErrEtagMismatch)
			_, err = p.customers.UpdateCustomer(ctx, "R-1", "", app.CustomerChanges{Kind: ptrTo(customer.Corporate)})
			wantErr(t, err, customer.ErrInvalid, "kind cannot change")
			_, err = p.customers.UpdateCustomer(ctx, "R-1", "", app.CustomerChanges{PrimaryManager: ptr("E3")})
			wantErr(t, err, customer.ErrInvalid, ":assign")
			got, err = p.customers.UpdateCustomer(ctx, "R-1", "", app.CustomerChanges{SetLocation: true})
			if err != nil || got.Location != nil {
				t.Fatalf("clearing the location: %+v, %v", got.Location, err)
			}
		})

		t.Run("assign moves a customer with history, and a backup steps up", func(t *testing.T) {
			c, _ := p.customers.GetCustomer(ctx, "R-2") // E2, backup E1
			before := p.count(t, "portfolio_outbox")
			_, err := p.customers.AssignCustomer(ctx, "R-2", app.Assignment{Primary: "E3", Date: today.AddDays(1), Reason: "x"})
			wantErr(t, err, customer.ErrInvalid, "in the future")
			_, err = p.customers.AssignCustomer(ctx, "R-2", app.Assignment{Primary: "E3", Date: today.AddDays(-1), Reason: "x"})
			wantErr(t, err, customer.ErrInvalid, "began on "+today.String())
			_, err = p.customers.AssignCustomer(ctx, "R-2", app.Assignment{Primary: "E2", Reason: "x"})
			wantErr(t, err, customer.ErrInvalid, "changes nothing")
			_, err = p.customers.AssignCustomer(ctx, "R-2", app.Assignment{Backup: ptr("E2"), Reason: "x"})
			wantErr(t, err, customer.ErrInvalid, "both primary and backup")
			_, err = p.customers.AssignCustomer(ctx, "R-2", app.Assignment{Primary: "E3", Reason: "x", Etag: "c99"})
			wantErr(t, err, apierr.ErrEtagMismatch)
			if n := p.count(t, "portfolio_outbox"); n != before {
				t.Fatalf("refused assignments published %d changes", n-before)
			}

			// A backup who becomes primary stops being backup; the history gets a new period.
			got, err := p.customers.AssignCustomer(ctx, "W-1", app.Assignment{Primary: "E2", Reason: "客户迁入城东"})
			if err != nil || got.PrimaryManagerID != "E2" || got.BackupManagerID != "" || got.OrgUnitID != "team-e" ||
				got.AssignmentStart != today || got.Revision != 2 {
				t.Fatalf("assign W-1 to its backup: %+v, %v", got, err)
			}
			history, _ := p.customers.Assignments(ctx, "W-1")
			if len(history) != 2 || history[0].End != today || history[0].PrimaryManagerID != "E3" ||
				history[1].PrimaryManagerID != "E2" || history[1].BackupManagerID != "" || !history[1].End.IsZero() ||
				history[1].Reason != "客户迁入城东" {
				t.Fatalf("history = %+v", history)
			}
			feed, _ := p.customers.Changes(ctx, int64(before), 10)
			if len(feed) != 1 || feed[0].Kind != customer.CustomersReassigned || feed[0].Reason != "客户迁入城东" ||
				fmt.Sprint(feed[0].Moves) != "[{W-1 E3 E2}]" {
				t.Fatalf("feed = %+v", feed)
			}
			// A backup-only change keeps the primary's start day and says "updated".
			got, err = p.customers.AssignCustomer(ctx, "R-2", app.Assignment{Backup: ptr(""), Reason: "协管人调离", Etag: c.Etag()})
			if err != nil || got.BackupManagerID != "" || got.PrimaryManagerID != "E2" || got.AssignmentStart != c.AssignmentStart {
				t.Fatalf("remove backup: %+v, %v", got, err)
			}
			feed, _ = p.customers.Changes(ctx, int64(before)+1, 10)
			if len(feed) != 1 || feed[0].Kind != customer.CustomerUpdated || feed[0].CustomerID != "R-2" {
				t.Fatalf("feed = %+v", feed)
			}
			if rels, err := p.customers.LongRelationships(ctx, []string{"E2", "E3"}, today.AddDays(1)); err != nil || len(rels) != 4 {
				t.Fatalf("relationships begun before tomorrow: %+v, %v", rels, err)
			}
			if rels, err := p.customers.LongRelationships(ctx, []string{"E2"}, today); err != nil || len(rels) != 0 {
				t.Fatalf("relationships begun before today: %+v, %v", rels, err)
			}
		})

		t.Run("handover spreads by load within capacity, all or nothing", func(t *testing.T) {
			p.addManager(t, "H1", "sb-w", manager.Micro, manager.Confirmed)
			p.addManager(t, "H2", "sb-w", manager.Micro, manager.Confirmed)
			p.addManager(t, "H3", "sb-w", manager.Micro, manager.Confirmed)
			rows := [][]string{customerHeader}
			for i := range 10 {
				rows = append(rows, customerRow(fmt.Sprintf("H1-%d", i), "H1"))
			}
			rows = append(rows, customerRow("H2-0", "H2"), customerRow("H2-1", "H2"), customerRow("H2-2", "H2"))
			rows[1][10] = "H2" // H1-0 is backed up by H2
			if res, err := p.customers.ImportCustomers(ctx, csvOf(rows), "csv", false); err != nil || res.Imported != 13 {
				t.Fatalf("import: %+v, %v", res, err)
			}
			if _, err := p.customers.UpdateSettings(ctx, "", func(s *customer.Settings) { s.Micro = 8 }); err != nil {
				t.Fatal(err)
			}
			before := p.state(t)
			// H2 (3) and H3 (0) can take 5 + 8 = 13 ≥ 10: fine; alone H3 cannot.
			_, err := p.customers.HandoverCustomers(ctx, app.Handover{ManagerID: "H1", Receivers: []string{"H3"}, Reason: "调离"})
			wantErr(t, err, customer.ErrOverCapacity, "managers/H3 can take 8 more customers (load 0 of 8) but would receive 10: short by 2")
			_, err = p.customers.HandoverCustomers(ctx, app.Handover{ManagerID: "H1", Receivers: []string{"H2", "H3", "E4"}, Reason: "x"})
			wantErr(t, err, customer.ErrIllegalState, "managers/E4")
			_, err = p.customers.HandoverCustomers(ctx, app.Handover{ManagerID: "H1", Receivers: []string{"H1"}, Reason: "x"})
			wantErr(t, err, customer.ErrInvalid, "own customers")
			_, err = p.customers.HandoverCustomers(ctx, app.Handover{ManagerID: "H1", Customers: []string{"H1-0", "H2-0"}, Receivers: []string{"H3"}, Reason: "x"})
			wantErr(t, err, customer.ErrIllegalState, "customers/H2-0 is not served by managers/H1")
			_, err = p.customers.HandoverCustomers(ctx, app.Handover{ManagerID: "H3", Receivers: []string{"H2"}, Reason: "x"})
			wantErr(t, err, customer.ErrIllegalState, "nothing to hand over")
			_, err = p.customers.HandoverCustomers(ctx, app.Handover{ManagerID: "GHOST", Receivers: []string{"H2"}, Reason: "x"})
			wantErr(t, err, customer.ErrNotFound)
			if after := p.state(t); after != before {
				t.Fatalf("refused handovers changed the store: %s, want %s", after, before)
			}

			res, err := p.customers.HandoverCustomers(ctx, app.Handover{ManagerID: "H1", Receivers: []string{"H2", "H3"}, Reason: "H1 调往总行"})
			if err != nil {
				t.Fatal(err)
			}
			// Greedy by load: H3 (0) takes 3 to draw level with H2 (3), then they
			// alternate, H2 first on ties: H2 receives 4 (load 7), H3 6 (load 6).
			if res.Moved != 10 || len(res.Receivers) != 2 || res.Receivers[0].ManagerID != "H2" ||
				res.Receivers[0].Received != 4 || res.Receivers[0].Load != 7 ||
				res.Receivers[1].Received != 6 || res.Receivers[1].Load != 6 || res.Receivers[1].Capacity != 8 || res.Sequence == 0 {
				t.Fatalf("result = %+v", res)
			}
			if p.load(t, "H1") != 0 || p.load(t, "H2") != 7 || p.load(t, "H3") != 6 {
				t.Fatalf("loads after: H1 %d, H2 %d, H3 %d", p.load(t, "H1"), p.load(t, "H2"), p.load(t, "H3"))
			}
			feed, _ := p.customers.Changes(ctx, res.Sequence-1, 10)
			if len(feed) != 1 || feed[0].Sequence != res.Sequence || len(feed[0].Moves) != 10 || feed[0].Reason != "H1 调往总行" {
				t.Fatalf("feed = %+v", feed)
			}
			to := map[string]string{}
			for _, m := range feed[0].Moves {
				if m.From != "H1" {
					t.Fatalf("move %+v", m)
				}
				to[m.CustomerID] = m.To
			}
			for id, want := range to {
				c, _ := p.customers.GetCustomer(ctx, id)
				history, _ := p.customers.Assignments(ctx, id)
				if c.PrimaryManagerID != want || c.AssignmentStart != today || len(history) != 2 || history[0].End != today ||
					history[1].PrimaryManagerID != want || history[1].Reason != "H1 调往总行" {
					t.Fatalf("customers/%s after handover: %+v, history %+v", id, c, history)
				}
			}
			// H1-0 was backed up by H2; if it went to H2 the backup is cleared, else kept.
			c, _ := p.customers.GetCustomer(ctx, "H1-0")
			if (c.PrimaryManagerID == "H2") != (c.BackupManagerID == "") {
				t.Fatalf("H1-0: primary %s, backup %q", c.PrimaryManagerID, c.BackupManagerID)
			}
			// A chosen subset.
			res, err = p.customers.HandoverCustomers(ctx, app.Handover{ManagerID: "H3", Customers: []string{to2(to, "H3")}, Receivers: []string{"H2"}, Reason: "调整"})
			if err != nil || res.Moved != 1 || res.Receivers[0].Load != 8 || p.load(t, "H3") != 5 {
				t.Fatalf("subset handover: %+v, %v", res, err)
			}
		})

		t.Run("feed sequences are contiguous in commit order under concurrent writers", func(t *testing.T) {
			start, err := p.customers.Changes(ctx, 0, 100000)
			if err != nil {
				t.Fatal(err)
			}
			base := start[len(start)-1].Sequence
			const writers, each = 6, 15
			var wg sync.WaitGroup
			errs := make(chan error, writers*each+1)
			stop := make(chan struct{})
			seen := base
			var readerDone sync.WaitGroup
			readerDone.Add(1)
			go func() { // a consumer polling while writers commit: it must never see a gap
				defer readerDone.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					batch, err := p.repo.Changes(context.Background(), seen, 50)
					if err != nil {
						errs <- err
						return
					}
					for _, c := range batch {
						if c.Sequence != seen+1 {
							errs <- fmt.Errorf("consumer after %d read %d: a gap", seen, c.Sequence)
							return
						}
						seen = c.Sequence
					}
				}
			}()
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						err := db.InTx(ctx, func(ctx context.Context) error {
							if err := p.repo.Lock(ctx); err != nil {
								return err
							}
							time.Sleep(time.Duration((w+i)%3) * time.Millisecond) // keep transactions open a while
							_, err := p.repo.AppendChanges(ctx, customer.Change{Kind: customer.CustomerUpdated, CustomerID: fmt.Sprintf("w%d-%d", w, i)})
							return err
						})
						if err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			deadline := time.Now().Add(5 * time.Second)
			for seen < base+writers*each && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			close(stop)
			readerDone.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if seen != base+writers*each {
				t.Fatalf("consumer reached %d, want %d", seen, base+writers*each)
			}
		})

		t.Run("settings", func(t *testing.T) {
			s, err := p.customers.Settings(ctx)
			if err != nil || s.Corporate != 50 || s.Retail != 1000 || s.Micro != 8 {
				t.Fatalf("settings = %+v, %v", s, err)
			}
			_, err = p.customers.UpdateSettings(ctx, "s1", func(s *customer.Settings) { s.Micro = 9 })
			wantErr(t, err, apierr.ErrEtagMismatch)
			_, err = p.customers.UpdateSettings(ctx, s.Etag(), func(s *customer.Settings) { s.Retail = 0 })
			wantErr(t, err, customer.ErrInvalid, "retail_capacity")
			got, err := p.customers.UpdateSettings(ctx, s.Etag(), func(s *customer.Settings) { s.Micro = 1000 })
			if err != nil || got.Micro != 1000 || got.Revision != s.Revision+1 {
				t.Fatalf("update settings: %+v, %v", got, err)
			}
		})
	})
}

// to2 picks one customer that went to receiver.
func to2(to map[string]string, receiver string) string {
	for id, r := range to {
		if r == receiver {
			return id
		}
	}
	return ""
}

func ptr(s string) *string { return &s }

func ptrTo[T any](v T) *T { return &v }
