package service_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	visitsv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/visits/v1"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
)

// BenchmarkGetDayList reads one day of a manager with 200 customers, whose
// approved month holds a line for every one of them, as the manager does from
// the console: GetDayList over gRPC, in parallel, against the health check of
// the same server (the gateway's load profile compares the two the same way;
// see gateway/perf/PERFORMANCE.md). The "ratio" metric is GetDayList's
// throughput over the health check's, measured in the same run.
func BenchmarkGetDayList(b *testing.B) {
	for _, backend := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", storagetest.SQLiteURL}, {"postgres", storagetest.PostgresURL}} {
		b.Run(backend.name, func(b *testing.B) {
			url := backend.url(b)
			const manager, customers = "D0001", 200
			db := storagetest.Open(b, url, []storage.Migrations{sqlstore.Migrations()})
			cs := make([]sqlstore.Customer, customers)
			for i := range cs {
				lat, lng := 31.20+float64(i%20)*0.004, 121.45+float64(i/20)*0.005
				cs[i] = sqlstore.Customer{Customer: plan.Customer{ID: fmt.Sprintf("%s-%03d", manager, i), Name: fmt.Sprintf("客户%03d", i),
					Classification: "A", AreaType: "URBAN"}, Kind: "RETAIL_OUTLET", Address: fmt.Sprintf("上海市浦东新区世纪大道 %d 号", i+1),
					Lat: &lat, Lng: &lng, ManagerID: manager, OrgUnitID: "team-a"}
			}
			if err := db.InTx(context.Background(), func(ctx context.Context) error { return sqlstore.New(db).InsertCustomers(ctx, cs) }); err != nil {
				b.Fatal(err)
			}
			db.Close()

			e := &env{t: b, dbURL: url, roster: newFakeRoster(b, manager), clock: &clock{}, iss: authtest.New(b)}
			e.clock.set(at("2026-11-25 10:00"))
			e.token = filepath.Join(b.TempDir(), "visits.token")
			if err := os.WriteFile(e.token, []byte(e.iss.Token(b, "svc:visits", "", auth.System)), 0o600); err != nil {
				b.Fatal(err)
			}
			e.start()
			ctx := context.Background()
			m := e.client(manager, "team-a", auth.CustomerManager)
			if _, err := m.GeneratePlans(ctx, &visitsv1.GeneratePlansRequest{Scope: "managers/" + manager, Month: "2026-12"}); err != nil {
				b.Fatal(err)
			}
			name := "managers/" + manager + "/plans/2026-12"
			if _, err := m.SubmitPlan(ctx, &visitsv1.SubmitPlanRequest{Name: name}); err != nil {
				b.Fatal(err)
			}
			p, err := e.client("S1", "team-a", auth.Supervisor).ApprovePlan(ctx, &visitsv1.ApprovePlanRequest{Name: name})
			if err != nil {
				b.Fatal(err)
			}
			perDay := map[civil.Date]int{}
			var busiest civil.Date
			for _, it := range p.GetItems() {
				d := civil.FromProto(it.GetPlannedDate())
				if d.IsZero() {
					continue
				}
				if perDay[d]++; perDay[d] > perDay[busiest] {
					busiest = d
				}
			}
			if len(p.GetItems()) < customers {
				b.Fatalf("the plan has %d lines, want one per customer (%d)", len(p.GetItems()), customers)
			}
			day := &visitsv1.GetDayListRequest{Name: "managers/" + manager + "/days/" + busiest.String()}
			if d, err := m.GetDayList(ctx, day); err != nil || len(d.GetStops()) != perDay[busiest] {
				b.Fatalf("day list: %d stops, want %d: %v", len(d.GetStops()), perDay[busiest], err)
			}
			conn, err := grpc.NewClient(e.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			health := healthpb.NewHealthClient(conn)
			check := &healthpb.HealthCheckRequest{Service: "rmsuite.visits.v1.VisitService"}

			// Three rounds of a second each, taking the calls in turn so that any
			// other load on the machine weighs on both.
			calls := [2]func() error{
				func() error { _, err := health.Check(ctx, check); return err },
				func() error { _, err := m.GetDayList(ctx, day); return err },
			}
			var rates [2]float64
			for range 3 {
				for i, call := range calls {
					n, err := throughput(8, time.Second, call)
					if err != nil {
						b.Fatal(err)
					}
					rates[i] += n / 3
				}
			}
			b.Logf("baseline %.0f calls/s, GetDayList %.0f calls/s", rates[0], rates[1])
			b.ResetTimer()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := m.GetDayList(ctx, day); err != nil {
						panic(err)
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(rates[1]/rates[0], "ratio")
			b.ReportMetric(rates[1], "daylists/s")
			b.ReportMetric(float64(perDay[busiest]), "stops")
		})
	}
}

// throughput runs call from workers goroutines for d and returns the calls per
// second, or the first error.
func throughput(workers int, d time.Duration, call func() error) (float64, error) {
	var n atomic.Int64
	var first atomic.Value
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for time.Now().Before(stop) {
				if err := call(); err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if err, ok := first.Load().(error); ok {
		return 0, err
	}
	return float64(n.Load()) / d.Seconds(), nil
}
