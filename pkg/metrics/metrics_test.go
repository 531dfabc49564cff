package metrics_test

import (
	"context"
	"database/sql"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/metrics"
)

// scrape serves m on a free port and returns what /metrics answers.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := m.Serve(ctx, "127.0.0.1:0", zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d\n%s", resp.StatusCode, body)
	}
	return string(body)
}

func has(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, l+"\n") {
			t.Errorf("metrics lack %q", l)
		}
	}
}

func TestServerCallsByMethodAndCode(t *testing.T) {
	m := metrics.New()
	m.BuildInfo("roster", "v1.2.3")
	ic := m.UnaryServer()
	info := &grpc.UnaryServerInfo{FullMethod: "/rmsuite.roster.v1.RosterService/GetOrgUnit"}
	ok := func(context.Context, any) (any, error) { return "ok", nil }
	notFound := func(context.Context, any) (any, error) { return nil, status.Error(codes.NotFound, "no") }
	for range 3 {
		_, _ = ic(context.Background(), nil, info, ok)
	}
	_, _ = ic(context.Background(), nil, info, notFound)
	sic := m.StreamServer()
	_ = sic(nil, nil, &grpc.StreamServerInfo{FullMethod: "/rmsuite.roster.v1.PortfolioService/WatchPortfolioChanges"},
		func(any, grpc.ServerStream) error { return status.Error(codes.Canceled, "left") })

	text := scrape(t, m)
	has(t, text,
		`grpc_server_handled_total{grpc_code="OK",grpc_method="GetOrgUnit",grpc_service="rmsuite.roster.v1.RosterService"} 3`,
		`grpc_server_handled_total{grpc_code="NotFound",grpc_method="GetOrgUnit",grpc_service="rmsuite.roster.v1.RosterService"} 1`,
		`grpc_server_handled_total{grpc_code="Canceled",grpc_method="WatchPortfolioChanges",grpc_service="rmsuite.roster.v1.PortfolioService"} 1`,
		`grpc_server_handling_seconds_count{grpc_code="OK",grpc_method="GetOrgUnit",grpc_service="rmsuite.roster.v1.RosterService"} 3`,
		`rmsuite_build_info{service="roster",version="v1.2.3"} 1`,
	)
	if !strings.Contains(text, "go_goroutines ") || !strings.Contains(text, "process_resident_memory_bytes ") {
		t.Error("runtime and process metrics missing")
	}
}

func TestClientCalls(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go srv.Serve(lis)
	defer srv.Stop()
	m := metrics.New()
	conn, err := grpc.NewClient(lis.Addr().String(),
		append(m.DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hc := healthpb.NewHealthClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	_, _ = hc.Check(ctx, &healthpb.HealthCheckRequest{Service: "nope"})
	has(t, scrape(t, m),
		`grpc_client_handled_total{grpc_code="OK",grpc_method="Check",grpc_service="grpc.health.v1.Health"} 1`,
		`grpc_client_handled_total{grpc_code="NotFound",grpc_method="Check",grpc_service="grpc.health.v1.Health"} 1`,
		`grpc_client_handling_seconds_count{grpc_code="OK",grpc_method="Check",grpc_service="grpc.health.v1.Health"} 1`,
	)
}

func TestDatabasePools(t *testing.T) {
	m := metrics.New()
	m.DBPools(func() map[string]sql.DBStats {
		return map[string]sql.DBStats{"postgres": {MaxOpenConnections: 20, InUse: 3, Idle: 5, WaitCount: 7, WaitDuration: 1500 * time.Millisecond}}
	})
	has(t, scrape(t, m),
		`rmsuite_db_connections{pool="postgres",state="in_use"} 3`,
		`rmsuite_db_connections{pool="postgres",state="idle"} 5`,
		`rmsuite_db_max_connections{pool="postgres"} 20`,
		`rmsuite_db_waits_total{pool="postgres"} 7`,
		`rmsuite_db_wait_seconds_total{pool="postgres"} 1.5`,
	)
}

func TestProgressOfALongOperation(t *testing.T) {
	m := metrics.New()
	payroll := m.Progress("payroll_run")
	run := payroll.Start("payrollRuns/2026-12-head-office", 10000)
	run.Done(2500)
	run.Done(2500)
	has(t, scrape(t, m),
		`rmsuite_operation_items{operation="payroll_run",run="payrollRuns/2026-12-head-office",state="planned"} 10000`,
		`rmsuite_operation_items{operation="payroll_run",run="payrollRuns/2026-12-head-office",state="done"} 5000`,
	)
	run.Finish("succeeded")
	run.Finish("failed") // a second end changes nothing
	run.Done(1)
	text := scrape(t, m)
	if strings.Contains(text, `run="payrollRuns/2026-12-head-office"`) {
		t.Error("a finished run's items are still reported")
	}
	has(t, text,
		`rmsuite_operation_runs_total{operation="payroll_run",outcome="succeeded"} 1`,
		`rmsuite_operation_run_seconds_count{operation="payroll_run"} 1`,
	)
	if strings.Contains(text, `outcome="failed"`) {
		t.Error("a second Finish was counted")
	}
	// A second kind of operation shares the series.
	m.Progress("plan_generation").Start("2026-12", 0).Finish("cancelled")
	has(t, scrape(t, m), `rmsuite_operation_runs_total{operation="plan_generation",outcome="cancelled"} 1`)
}

func TestProgressWithoutMetrics(t *testing.T) {
	var m *metrics.Metrics
	run := m.Progress("payroll_run").Start("x", 5) // metrics off: nothing reported, nothing fails
	run.Planned(6)
	run.Done(1)
	run.Finish("succeeded")
}

func TestServeOff(t *testing.T) {
	addr, err := metrics.New().Serve(context.Background(), "", zap.NewNop())
	if err != nil || addr != "" {
		t.Fatalf("Serve(\"\") = %q, %v; want nothing served", addr, err)
	}
}

func TestResource(t *testing.T) {
	for path, want := range map[string]string{
		"/v1/orgUnits":                          "orgUnits",
		"/v1/orgUnits/branch-east":              "orgUnits",
		"/v1/orgUnits/sub-bund:move":            "orgUnits",
		"/v1/managers:probationDue":             "managers",
		"/v1/managers/E3002/days/2026-12-08":    "managers",
		"/v1/services/roster/auditRecords":      "services",
		"/healthz":                              "/healthz",
		"/v1/../etc/passwd":                     "other",
		"/v1/" + strings.Repeat("a", 50) + "/x": "other",
		"/wp-login.php":                         "other",
	} {
		if got := metrics.Resource(path); got != want {
			t.Errorf("Resource(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestHTTPRequests(t *testing.T) {
	m := metrics.New()
	h := m.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/orgUnits/") {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	for _, path := range []string{"/v1/orgUnits", "/v1/orgUnits", "/v1/orgUnits/nope"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	}
	has(t, scrape(t, m),
		`http_server_requests_total{code="200",method="get",resource="orgUnits"} 2`,
		`http_server_requests_total{code="404",method="get",resource="orgUnits"} 1`,
		`http_server_request_seconds_count{code="200",method="get",resource="orgUnits"} 2`,
		`http_server_requests_in_flight 0`,
	)
}
