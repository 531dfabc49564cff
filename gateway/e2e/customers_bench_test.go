package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
)

// benchManagers and customersPerManager make the 200,000 customers of the list
// benchmark: 200 retail managers at the full default capacity of 1,000 each.
const (
	benchManagers       = 200
	customersPerManager = 1000
	benchTarget         = "B0000" // the manager whose customers are listed
)

var (
	seedOnce     sync.Once
	seedErr      error
	seedCustomer int
)

// seedCustomers writes managers and customers straight into the running roster's
// SQLite file (another process may write to it: WAL, busy timeout), in one
// transaction with prepared statements. Going through the API would check capacity
// and write history and the change feed for every row, and take minutes.
//
// A smoke run (-benchtime 1x, as `make test` does) seeds a tenth, so that it checks
// the benchmark works without paying for the full data set.
func seedCustomers(b *testing.B) int {
	seedOnce.Do(func() {
		managers := benchManagers
		if f := flag.Lookup("test.benchtime"); f != nil && f.Value.String() == "1x" {
			managers /= 10
		}
		start := time.Now()
		seedErr = seedRoster(filepath.Join(sys.data, "roster.db"), managers)
		seedCustomer = managers * customersPerManager
		fmt.Printf("seeded %d customers of %d managers into the roster in %v\n", seedCustomer, managers, time.Since(start).Round(time.Millisecond))
	})
	if seedErr != nil {
		b.Fatal(seedErr)
	}
	return seedCustomer
}

func seedRoster(path string, managers int) error {
	ctx := context.Background()
	db, err := storage.Open(ctx, "sqlite:"+path, storage.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	now := storage.Now()
	since := civil.Of(now)
	return db.InTx(ctx, func(ctx context.Context) error {
		q := db.Q(ctx)
		for m := range managers {
			if _, err := q.ExecContext(ctx, `INSERT INTO managers (id, display_name, hire_date, org_unit_id, line, status,
				status_date, revision, create_time, update_time) VALUES ($1, $2, '2020-01-01', 'team-jingan', 2, 4, '2020-01-01', 1, $3, $3)`,
				fmt.Sprintf("B%04d", m), fmt.Sprintf("基准经理%04d", m), now); err != nil {
				return fmt.Errorf("insert bench manager: %w", err)
			}
		}
		tx, ok := q.(*sql.Tx)
		if !ok {
			return fmt.Errorf("storage: no transaction in the context")
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO customers (id, display_name, kind, classification, area_type, visit_method,
			primary_manager_id, assignment_start, revision, create_time, update_time) VALUES (?, ?, 1, ?, 1, 1, ?, ?, 1, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		// Rows go in the order of every index (code, name, manager then name), which
		// makes the inserts appends: seeding takes seconds, not tens of seconds.
		classes := []string{"A", "B", "C", "D"}
		for i := range managers * customersPerManager {
			if _, err := stmt.ExecContext(ctx, fmt.Sprintf("BC%07d", i), fmt.Sprintf("基准客户%07d", i), classes[i%4],
				fmt.Sprintf("B%04d", i/customersPerManager), since, now, now); err != nil {
				return fmt.Errorf("insert bench customer: %w", err)
			}
		}
		return nil
	})
}

// BenchmarkGatewayListCustomers measures, in one run and with the same client
// load (benchConcurrency HTTP clients),
//
//	baseline: GET /healthz?service=roster — HTTP → gateway → one trivial gRPC call
//	          (grpc.health.v1.Health/Check) on the roster, through etcd discovery;
//	target:   GET /v1/customers?filter=primary_manager="managers/B0000"&pageSize=50 —
//	          the first page of one manager's 1,000 customers, and their count, out
//	          of 200,000 customers (HTTP → gateway → roster ListCustomers → SQLite).
//
// It reports both throughputs and ratio = target / baseline (the target is
// ≥ 0.30).
func BenchmarkGatewayListCustomers(b *testing.B) {
	total := seedCustomers(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}, Timeout: 10 * time.Second}
	baseline := sys.baseURL + "/healthz?service=roster"
	target := sys.baseURL + "/v1/customers?" + url.Values{
		"filter":   {`primary_manager = "managers/` + benchTarget + `"`},
		"pageSize": {"50"},
	}.Encode()
	checkListPage(b, client, target)
	var all struct {
		TotalSize int `json:"totalSize"`
	}
	if code := call(b, "GET", "/v1/customers?pageSize=1", nil, &all); code != http.StatusOK || all.TotalSize < total {
		b.Fatalf("GET /v1/customers: HTTP %d, %d customers in all, want at least %d", code, all.TotalSize, total)
	}
	measureRatio(b, client, baseline, target, "list-req/s")
}

// checkListPage makes sure the measured call answers what it should: 50 of the
// manager's 1,000 customers, in name order, and a next page.
func checkListPage(b *testing.B, client *http.Client, target string) {
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("Authorization", "Bearer "+sys.adminToken)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Customers []struct {
			Name           string `json:"name"`
			DisplayName    string `json:"displayName"`
			PrimaryManager string `json:"primaryManager"`
			OrgUnit        string `json:"orgUnit"`
		} `json:"customers"`
		NextPageToken string `json:"nextPageToken"`
		TotalSize     int    `json:"totalSize"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("list: HTTP %d, %v", resp.StatusCode, err)
	}
	if len(page.Customers) != 50 || page.TotalSize != customersPerManager || page.NextPageToken == "" ||
		page.Customers[0].PrimaryManager != "managers/"+benchTarget || page.Customers[0].OrgUnit != "orgUnits/team-jingan" ||
		page.Customers[0].DisplayName > page.Customers[49].DisplayName {
		b.Fatalf("list answered %d customers (total %d, next %q): %+v", len(page.Customers), page.TotalSize, page.NextPageToken, page.Customers[:min(2, len(page.Customers))])
	}
}
