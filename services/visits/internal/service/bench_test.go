package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	visitsv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/visits/v1"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
)

// Issue target: generating the month's plans for 1,000 managers × 165 customers
// (165,000 customers) end to end — GeneratePlans over gRPC for the whole bank:
// managers read from the roster, customers and last month's plans from the
// database, plans generated and written — under 10 s on SQLite and on PostgreSQL.
const (
	benchManagers  = 1000
	benchCustomers = 165
)

func BenchmarkGeneratePlans(b *testing.B) {
	for _, backend := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", storagetest.SQLiteURL}, {"postgres", storagetest.PostgresURL}} {
		b.Run(backend.name, func(b *testing.B) {
			url := backend.url(b)
			ids := seedBank(b, url)
			e := &env{t: b, dbURL: url, roster: newFakeRoster(b, ids...), clock: &clock{}, iss: authtest.New(b)}
			e.clock.set(at("2026-01-01 09:00"))
			e.token = filepath.Join(b.TempDir(), "visits.token")
			if err := os.WriteFile(e.token, []byte(e.iss.Token(b, "svc:visits", "", auth.System)), 0o600); err != nil {
				b.Fatal(err)
			}
			e.start()
			admin := e.client("E0001", "head-office", auth.Administrator)
			month := civil.Date{Year: 2026, Month: 1, Day: 1}
			items := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				began := time.Now()
				resp, err := admin.GeneratePlans(context.Background(), &visitsv1.GeneratePlansRequest{Scope: "orgUnits/head-office",
					Month: plan.MonthString(month.AddMonths(i))})
				if err != nil {
					b.Fatal(err)
				}
				if resp.GetPlansCreated() != benchManagers+3 {
					b.Fatalf("created %d plans, want %d", resp.GetPlansCreated(), benchManagers+3)
				}
				items += int(resp.GetItems())
				b.Logf("%s: %d plans, %d lines in %v", plan.MonthString(month.AddMonths(i)), resp.GetPlansCreated(), resp.GetItems(), time.Since(began).Round(time.Millisecond))
			}
			b.ReportMetric(float64(items)/float64(b.N), "lines/op")
		})
	}
}

// seedBank writes 1,000 managers' 165 customers each straight into a migrated
// database (as the feed would have), with a realistic mix of area types and last
// visits, and returns the managers' ids.
func seedBank(b *testing.B, url string) []string {
	db := storagetest.Open(b, url, []storage.Migrations{sqlstore.Migrations()})
	store := sqlstore.New(db)
	rng := rand.New(rand.NewPCG(1, 2))
	areas := []string{"URBAN", "URBAN", "TOWN", "VILLAGE"}
	classes := []string{"A", "B", "C", "D"}
	ids := make([]string, benchManagers)
	cs := make([]sqlstore.Customer, 0, benchManagers*benchCustomers)
	for m := range benchManagers {
		ids[m] = fmt.Sprintf("B%04d", m)
		for c := range benchCustomers {
			lat, lng := 31.0+rng.Float64()*0.5, 121.2+rng.Float64()*0.6
			cu := sqlstore.Customer{Customer: plan.Customer{ID: fmt.Sprintf("%s-%03d", ids[m], c), Name: "客户",
				Classification: classes[rng.IntN(4)], AreaType: areas[rng.IntN(4)]},
				Kind: "RETAIL_OUTLET", Address: "上海", Lat: &lat, Lng: &lng, ManagerID: ids[m], OrgUnitID: "team-a"}
			if rng.IntN(5) > 0 {
				cu.LastVisit = civil.Date{Year: 2025, Month: 10, Day: 1}.AddDays(rng.IntN(90))
			}
			cs = append(cs, cu)
		}
	}
	if err := db.InTx(context.Background(), func(ctx context.Context) error { return store.InsertCustomers(ctx, cs) }); err != nil {
		b.Fatal(err)
	}
	db.Close()
	return ids
}
