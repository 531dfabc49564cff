package sqlstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	"github.com/rmsuite/rmsuite/services/roster/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/customer"
)

// Customer list pages are reused only while nothing they are made from changed:
// a write through another instance (another repository on the same database), a
// manager moving to another unit, a unit's path — each shows at once; a rolled
// back write and a list read inside a transaction leave no stale page behind.
func TestCustomerListCache(t *testing.T) {
	storagetest.Each(t, []storage.Migrations{sqlstore.Migrations()}, func(t *testing.T, db *storage.DB) {
		p := newPortfolio(t, db)
		ctx := p.admin
		for _, id := range []string{"L-1", "L-2", "L-3"} {
			p.create(t, ctx, id, "客户"+id, customer.RetailOutlet, "E2", "")
		}
		a, b := sqlstore.NewCustomers(db), sqlstore.NewCustomers(db) // two roster instances
		all := customer.Scope{All: true}
		req := aip.Request{Filter: `primary_manager = "managers/E2"`, PageSize: 2}
		page := func(r *sqlstore.Customers) ([]customer.Customer, int) {
			t.Helper()
			list, next, total, err := r.List(ctx, req, all)
			if err != nil || len(list) != 2 || next == "" {
				t.Fatalf("list: %d customers, next %q, %v", len(list), next, err)
			}
			return list, total
		}
		exec := func(sql string, args ...any) error {
			return db.InTx(ctx, func(ctx context.Context) error { _, err := db.Q(ctx).ExecContext(ctx, sql, args...); return err })
		}

		first, total := page(a)
		if first[0].ID != "L-1" || total != 3 || first[0].OrgUnitID != "team-e" {
			t.Fatalf("first page: %+v, total %d", first, total)
		}
		first[0].DisplayName = "changed by the caller"
		if again, _ := page(a); again[0].DisplayName != "客户L-1" {
			t.Fatalf("a reused page shares memory with an earlier caller: %q", again[0].DisplayName)
		}

		// A write made through the other instance shows on this one.
		if _, _, _, err := b.List(ctx, req, all); err != nil {
			t.Fatal(err)
		}
		if err := exec(`UPDATE customers SET display_name = '客户L-1（新）' WHERE id = 'L-1'`); err != nil {
			t.Fatal(err)
		}
		if got, _ := page(a); got[0].DisplayName != "客户L-1（新）" {
			t.Fatalf("after a rename: %q", got[0].DisplayName)
		}
		p.create(t, ctx, "L-0", "客户L-0", customer.RetailOutlet, "E2", "")
		if got, total := page(a); got[0].ID != "L-0" || total != 4 {
			t.Fatalf("after an insert: first %s, total %d", got[0].ID, total)
		}

		// The manager moves to another unit: the customers' unit follows.
		if err := exec(`UPDATE managers SET org_unit_id = 'sb-w' WHERE id = 'E2'`); err != nil {
			t.Fatal(err)
		}
		if got, _ := page(a); got[0].OrgUnitID != "sb-w" {
			t.Fatalf("after the manager moved: unit %s", got[0].OrgUnitID)
		}

		// A rolled-back write, and a list inside a transaction, leave no stale page.
		errRollback := errors.New("roll back")
		err := db.InTx(ctx, func(ctx context.Context) error {
			if _, err := db.Q(ctx).ExecContext(ctx, `UPDATE customers SET display_name = '回滚' WHERE id = 'L-0'`); err != nil {
				return err
			}
			list, _, _, err := a.List(ctx, req, all)
			if err != nil || list[0].DisplayName != "回滚" {
				t.Errorf("inside the transaction: %+v %v", list, err)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		if got, _ := page(a); got[0].DisplayName != "客户L-0" {
			t.Fatalf("after a rollback: %q", got[0].DisplayName)
		}
		if err := exec(`UPDATE customers SET display_name = '客户L-0（改）' WHERE id = 'L-0'`); err != nil {
			t.Fatal(err)
		}
		if got, _ := page(a); got[0].DisplayName != "客户L-0（改）" {
			t.Fatalf("the first write after a rollback: %q", got[0].DisplayName)
		}
	})
}
