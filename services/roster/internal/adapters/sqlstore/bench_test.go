package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	"github.com/rmsuite/rmsuite/services/roster/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/roster/internal/app"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/orgunit"
)

// BenchmarkGetOrgUnitSQLite is the storage part of GET /v1/orgUnits/{id}.
func BenchmarkGetOrgUnitSQLite(b *testing.B) {
	db := storagetest.Open(b, storagetest.SQLiteURL(b), []storage.Migrations{sqlstore.Migrations()})
	repo := sqlstore.NewOrgUnits(db)
	units := app.NewOrgUnits(repo, db, storage.Now, nil)
	ctx := auth.WithPrincipal(context.Background(), app.SeedCaller)
	for _, u := range []app.NewUnit{
		{ID: "ho", DisplayName: "总行", Type: orgunit.HeadOffice},
		{ID: "br", DisplayName: "分行", Type: orgunit.Branch, ParentID: "ho"},
		{ID: "sb", DisplayName: "支行", Type: orgunit.SubBranch, ParentID: "br"},
	} {
		if _, err := units.Create(ctx, u); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := repo.Get(ctx, "br"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkHandover1000 hands 1,000 customers from one retail manager to another on
// SQLite through the use case (checks, capacity, history, change feed), back and
// forth. The bound is 2 s per handover.
func BenchmarkHandover1000(b *testing.B) {
	db := storagetest.Open(b, storagetest.SQLiteURL(b), []storage.Migrations{sqlstore.Migrations()})
	p := newPortfolio(b, db)
	p.addManager(b, "A", "team-e", manager.Retail, manager.Confirmed)
	p.addManager(b, "B", "team-e", manager.Retail, manager.Confirmed)
	rows := [][]string{customerHeader}
	for i := range 1000 {
		rows = append(rows, customerRow(fmt.Sprintf("P%04d", i), "A"))
	}
	if res, err := p.customers.ImportCustomers(p.admin, csvOf(rows), "", false); err != nil || res.Imported != 1000 {
		b.Fatalf("seed: %+v, %v", res, err)
	}
	from, to := "A", "B"
	b.ResetTimer()
	for range b.N {
		res, err := p.customers.HandoverCustomers(p.admin, app.Handover{ManagerID: from, Receivers: []string{to}, Reason: "移交"})
		if err != nil || res.Moved != 1000 {
			b.Fatalf("handover %s → %s: %+v, %v", from, to, res, err)
		}
		from, to = to, from
	}
}
