package sqlstore_test

import (
	"context"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	"github.com/rmsuite/rmsuite/services/roster/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/roster/internal/app"
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
