package drills

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/gateway/perf"
	"github.com/rmsuite/rmsuite/pkg/auth"
)

// The load profile of `make bench` (with RMSUITE_LOAD_OUT=<file>): the suite as the
// drills run it — etcd, two instances of every service on PostgreSQL, the gateway,
// each a process — and, for the main read of each service, its throughput and
// latency as REST through the gateway (our driver, gateway/perf) and as gRPC
// straight to the instances (ghz, one per instance), each against the trivial call
// of the same service and transport measured in the same rounds: the gRPC health
// check, and the gateway's /healthz?service=<service> (HTTP → gateway → that health
// check). Then the memory of every process. Rounds alternate the calls, so that the machine's other
// load falls on baseline and targets alike.
//
// Without RMSUITE_LOAD_OUT (make drills) it is a smoke run — a few hundred
// milliseconds a call — so that the profile keeps working.
//
// RMSUITE_LOAD_ROUND (default 3s), RMSUITE_LOAD_ROUNDS (3) and
// RMSUITE_LOAD_CONCURRENCY (32) change the full profile.
func TestLoadProfile(t *testing.T) {
	out := os.Getenv("RMSUITE_LOAD_OUT")
	concurrency, round, rounds := 32, 3*time.Second, 3
	if out == "" {
		concurrency, round, rounds = 4, 500*time.Millisecond, 1
	}
	if v, err := strconv.Atoi(os.Getenv("RMSUITE_LOAD_CONCURRENCY")); err == nil && v > 0 {
		concurrency = v
	}
	if v, err := time.ParseDuration(os.Getenv("RMSUITE_LOAD_ROUND")); err == nil && v > 0 {
		round = v
	}
	if v, err := strconv.Atoi(os.Getenv("RMSUITE_LOAD_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	ghz, err := perf.FindGhz("../..")
	if err != nil && (out != "" || os.Getenv("CI") == "true") {
		t.Fatal(err)
	}
	serving(t, everyService)
	loadBefore := loadAverage()
	d := seedProfile(t)
	targets := profileTargets(d, ghz)
	if ghz == "" {
		t.Logf("gRPC calls left out: %v", err)
	}

	ctx := context.Background()
	client := perf.NewHTTPClient(concurrency)
	samples := make([]perf.Sample, len(targets))
	for _, tg := range targets { // a short try of each first: a target that fails stops here
		s, err := tg.run(ctx, client, 1, 300*time.Millisecond)
		if err != nil || s.Errors > 0 || len(s.Latencies) == 0 {
			t.Fatalf("%s %s: %v %s", tg.Transport, tg.Call, err, s.FirstError)
		}
	}
	began := time.Now()
	for r := range rounds {
		for i, tg := range targets {
			s, err := tg.run(ctx, client, concurrency, round)
			if err != nil {
				t.Fatalf("round %d, %s %s: %v", r+1, tg.Transport, tg.Call, err)
			}
			samples[i].Add(s)
		}
	}
	rep := loadReport{Date: time.Now().UTC().Format(time.RFC3339), Backend: sys.backend(), CPUs: runtime.NumCPU(),
		Concurrency: concurrency, Round: round.String(), Rounds: rounds, LoadBefore: loadBefore, LoadAfter: loadAverage(),
		Took: time.Since(began).Round(time.Second).String(), Setup: d.notes}
	for _, in := range allInstances() {
		rep.Instances = append(rep.Instances, fmt.Sprintf("%s-%d", in.service, in.n))
	}
	baselines := map[string]float64{}
	for i, tg := range targets {
		if tg.Baseline {
			baselines[tg.Transport+" "+tg.Service] = samples[i].Stats().RPS
		}
	}
	for i, tg := range targets {
		res := loadResult{target: tg, Stats: samples[i].Stats()}
		if b := baselines[tg.Transport+" "+tg.Service]; b > 0 && !tg.Baseline {
			res.Ratio = res.RPS / b
		}
		rep.Results = append(rep.Results, res)
		if res.Errors > 0 || res.Calls == 0 {
			t.Errorf("%s %s: %d calls, %d failed (first: %s)", tg.Transport, tg.Call, res.Calls, res.Errors, res.FirstError)
		}
		t.Logf("%-4s %-12s %-26s %8.0f/s  p50 %7.2f ms  p99 %7.2f ms  ratio %.3f", tg.Transport, tg.Service, tg.RPC, res.RPS, res.P50, res.P99, res.Ratio)
	}
	for _, in := range append(allInstances(), sys.gateway) {
		name := fmt.Sprintf("%s-%d", in.service, in.n)
		m, err := perf.ReadMemory(name, in.pid())
		if err != nil {
			t.Errorf("memory of %s: %v", name, err)
			continue
		}
		rep.Memory = append(rep.Memory, m)
		t.Logf("%-14s RSS %6.1f MiB (peak %6.1f MiB)", name, m.RSS, m.PeakRSS)
	}
	if out == "" {
		return
	}
	raw, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, append(raw, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("load profile written to %s", out)
}

// loadReport is what the profile writes for gateway/perf/report.
type loadReport struct {
	Date        string         `json:"date"`
	Backend     string         `json:"backend"`
	Instances   []string       `json:"instances"`
	CPUs        int            `json:"cpus"`
	Concurrency int            `json:"concurrency"`
	Round       string         `json:"round"`
	Rounds      int            `json:"rounds"`
	Took        string         `json:"took"`
	LoadBefore  string         `json:"load_average_before"`
	LoadAfter   string         `json:"load_average_after"`
	Setup       []string       `json:"setup"`
	Results     []loadResult   `json:"results"`
	Memory      []perf.Memory  `json:"memory"`
	Extra       map[string]any `json:"extra,omitempty"`
}

type loadResult struct {
	target
	perf.Stats
	Ratio float64 `json:"ratio,omitempty"` // throughput against the baseline of the same service and transport
}

// target is one call the profile measures.
type target struct {
	Transport string `json:"transport"` // rest (through the gateway) or grpc (straight to the instances)
	Service   string `json:"service"`
	RPC       string `json:"rpc"`
	Call      string `json:"call"` // the HTTP request or the gRPC method and request
	Baseline  bool   `json:"baseline,omitempty"`
	run       func(ctx context.Context, client *http.Client, concurrency int, d time.Duration) (perf.Sample, error)
}

// profileData is what the profile's calls read.
type profileData struct {
	token   string // an HR officer of the head office: reads every resource below
	day     string // managers/E3002/days/…
	figure  string // managers/E3001/periods/…/figures/DEPOSIT_DAILY_AVG
	payslip string // payrollRuns/…/payslips/E1201
	notes   []string
}

func profileTargets(d profileData, ghz string) []target {
	type call struct {
		service, rpc, path, method string
		body                       map[string]any
	}
	calls := []call{
		{"roster", "GetOrgUnit", "/v1/orgUnits/branch-east", "rmsuite.roster.v1.RosterService/GetOrgUnit", map[string]any{"name": "orgUnits/branch-east"}},
		{"roster", "GetManager", "/v1/managers/E3001", "rmsuite.roster.v1.ManagerService/GetManager", map[string]any{"name": "managers/E3001"}},
		{"roster", "ListCustomers", "/v1/customers?" + url.Values{"filter": {`primary_manager = "managers/E3002"`}, "pageSize": {"50"}}.Encode(),
			"rmsuite.roster.v1.PortfolioService/ListCustomers", map[string]any{"filter": `primary_manager = "managers/E3002"`, "page_size": 50}},
		{"visits", "GetDayList", "/v1/" + d.day, "rmsuite.visits.v1.VisitService/GetDayList", map[string]any{"name": d.day}},
		{"assessment", "GetFigure", "/v1/" + d.figure, "rmsuite.assessment.v1.FigureService/GetFigure", map[string]any{"name": d.figure}},
		{"compensation", "GetPayslip", "/v1/" + d.payslip, "rmsuite.compensation.v1.PayrollService/GetPayslip", map[string]any{"name": d.payslip}},
	}
	var out []target
	for _, svc := range services {
		rest := func(rpc, path string, baseline bool) target {
			return target{Transport: "rest", Service: svc, RPC: rpc, Call: "GET " + path, Baseline: baseline,
				run: func(ctx context.Context, client *http.Client, c int, dur time.Duration) (perf.Sample, error) {
					return perf.Run(ctx, c, dur, perf.HTTPGet(client, sys.baseURL+path, d.token)), nil
				}}
		}
		grpcCall := func(rpc, method string, body map[string]any, baseline bool) target {
			raw, _ := json.Marshal(body)
			g := perf.Ghz{Bin: ghz, Call: method, Data: body, Metadata: map[string]string{"authorization": "Bearer " + d.token}}
			return target{Transport: "grpc", Service: svc, RPC: rpc, Call: method + " " + string(raw), Baseline: baseline,
				run: func(ctx context.Context, _ *http.Client, c int, dur time.Duration) (perf.Sample, error) {
					var hosts []string // every instance, as a client balancing round robin would
					for _, in := range sys.instances[svc] {
						if in.alive() {
							hosts = append(hosts, in.grpcAddr)
						}
					}
					return g.RunOn(ctx, hosts, c, dur)
				}}
		}
		out = append(out, rest("health check (baseline)", "/healthz?service="+svc, true))
		for _, c := range calls {
			if c.service == svc {
				out = append(out, rest(c.rpc, c.path, false))
			}
		}
		if ghz == "" {
			continue
		}
		out = append(out, grpcCall("health check (baseline)", "grpc.health.v1.Health/Check", map[string]any{}, true))
		for _, c := range calls {
			if c.service == svc {
				out = append(out, grpcCall(c.rpc, c.method, c.body, false))
			}
		}
	}
	return out
}

// seedProfile makes what the profile reads, through the API: 200 customers of
// E3002 in the roster (a working day of about ten visits), their plan for next month in visits (generated, submitted,
// approved: scheduled), a deposit figure of E3001 in assessment, and a payroll run
// of the west branch for last month in compensation.
func seedProfile(t *testing.T) profileData {
	t.Helper()
	mint := func(subject, org string, role auth.Role) string {
		tok, err := sys.mint(subject, org, role)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	d := profileData{token: mint("E0002", "head-office", auth.HROfficer)}
	cm, sup := mint("E3002", "team-lujiazui", auth.CustomerManager), mint("E1101", "team-lujiazui", auth.Supervisor)
	bank := mint("svc:core-banking", "head-office", auth.System)
	now := time.Now()
	next := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	last := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")

	const customers = 200
	for i := range customers {
		id := fmt.Sprintf("LOAD%03d", i)
		code, body := restAs(t, sys.adminToken, "POST", "/v1/customers?customerId="+id+"&requestId=load-"+id, map[string]any{
			"displayName": fmt.Sprintf("压测客户%03d", i), "kind": "KIND_RETAIL_OUTLET", "areaType": "AREA_TYPE_URBAN",
			"primaryManager": "managers/E3002", "address": fmt.Sprintf("上海市浦东新区陆家嘴环路 %d 号", i+1),
			"location": map[string]float64{"latitude": 31.20 + float64(i%15)*0.004, "longitude": 121.46 + float64(i/15)*0.006},
		}, nil)
		if code != http.StatusOK && code != http.StatusConflict {
			t.Fatalf("customer %s: HTTP %d %s", id, code, body)
		}
	}
	waitFor(t, "visits has E3002's customers", func() bool {
		var a struct {
			Customers int `json:"customers"`
		}
		code, _ := restAs(t, cm, "GET", "/v1/managers/E3002/analyses/"+next, nil, &a)
		return code == http.StatusOK && a.Customers >= customers
	})
	var gen struct {
		PlansCreated int `json:"plansCreated"`
	}
	if code, body := restAs(t, cm, "POST", "/v1/plans:generate", map[string]any{"scope": "managers/E3002", "month": next}, &gen); code != http.StatusOK {
		t.Fatalf("generate: HTTP %d %s", code, body)
	}
	plan := "/v1/managers/E3002/plans/" + next
	var p planJSON
	if code, body := restAs(t, cm, "GET", plan, nil, &p); code != http.StatusOK {
		t.Fatalf("plan: HTTP %d %s", code, body)
	}
	if p.State != "STATE_APPROVED" {
		if code, body := restAs(t, cm, "POST", plan+":submit", map[string]any{}, &p); code != http.StatusOK {
			t.Fatalf("submit: HTTP %d %s", code, body)
		}
		if code, body := restAs(t, sup, "POST", plan+":approve", map[string]any{"etag": p.Etag}, &p); code != http.StatusOK {
			t.Fatalf("approve: HTTP %d %s", code, body)
		}
	}
	perDay := map[string]int{}
	best := ""
	for _, it := range p.Items {
		if it.PlannedDate == nil {
			continue
		}
		day := fmt.Sprintf("%04d-%02d-%02d", it.PlannedDate.Year, it.PlannedDate.Month, it.PlannedDate.Day)
		perDay[day]++
		if best == "" || perDay[day] > perDay[best] || perDay[day] == perDay[best] && day < best {
			best = day
		}
	}
	if best == "" {
		t.Fatalf("the approved plan schedules no line: %+v", p)
	}
	d.day = "managers/E3002/days/" + best

	if code, body := restAs(t, bank, "POST", "/v1/figureBatches", map[string]any{"batchId": "load-" + last, "source": "core-banking",
		"rows": []map[string]string{{"manager": "managers/E3001", "period": last, "code": "DEPOSIT_DAILY_AVG", "value": "50000000.00"}}}, nil); code != http.StatusOK {
		t.Fatalf("figures: HTTP %d %s", code, body)
	}
	d.figure = "managers/E3001/periods/" + last + "/figures/DEPOSIT_DAILY_AVG"

	var run struct {
		Name         string `json:"name"`
		PayslipCount int    `json:"payslipCount"`
		Computation  struct {
			State string `json:"state"`
		} `json:"computation"`
	}
	if code, body := restAs(t, d.token, "POST", "/v1/payrollRuns?requestId=load-run-"+last,
		map[string]any{"period": last, "orgUnit": "orgUnits/branch-west"}, &run); code != http.StatusOK {
		t.Fatalf("payroll run: HTTP %d %s", code, body)
	}
	waitFor(t, "the payroll run is computed", func() bool {
		code, _ := restAs(t, d.token, "GET", "/v1/"+run.Name, nil, &run)
		return code == http.StatusOK && run.Computation.State == "STATE_SUCCEEDED"
	})
	d.payslip = run.Name + "/payslips/E1201"
	d.notes = []string{
		fmt.Sprintf("roster: the demonstration org tree and managers; %d customers of managers/E3002 created through the API", customers),
		fmt.Sprintf("visits: E3002's plan for %s generated, submitted and approved (scheduled); the day read, %s, has %d stops", next, best, perDay[best]),
		fmt.Sprintf("assessment: a DEPOSIT_DAILY_AVG figure of E3001 for %s imported as a bank system", last),
		fmt.Sprintf("compensation: the payroll run of orgUnits/branch-west for %s computed (%d payslips); E1201's payslip read", last, run.PayslipCount),
		"every call carries the bearer token of an HR officer of the head office (verified tokens are cached by the gateway and the services)",
	}
	return d
}

// planJSON is the part of a visits plan the profile reads.
type planJSON struct {
	State string `json:"state"`
	Etag  string `json:"etag"`
	Items []struct {
		PlannedDate *struct{ Year, Month, Day int } `json:"plannedDate"`
	} `json:"items"`
}

// restAs sends a REST request through the gateway with token and decodes a 200 answer into out.
func restAs(t *testing.T, token, method, path string, body, out any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, sys.baseURL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK && out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode, strings.TrimSpace(string(raw))
}

// waitFor polls cond for up to a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within a minute", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func allInstances() []*instance {
	var out []*instance
	for _, svc := range services {
		for _, in := range sys.instances[svc] {
			if in.alive() {
				out = append(out, in)
			}
		}
	}
	return out
}

// loadAverage is /proc/loadavg's first three fields.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
