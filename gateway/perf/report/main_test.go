package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const benchOutput = `goos: linux
cpu: AMD EPYC
BenchmarkGatewayRatio-2   	    7676	    459307 ns/op	      5271 baseline-req/s	      3710 orgunit-req/s	         0.7038 ratio
BenchmarkGatewayRatio-2   	    5997	    514529 ns/op	      5100 baseline-req/s	      3140 orgunit-req/s	         0.6157 ratio
BenchmarkGatewayRatio-2   	    7024	    498754 ns/op	      5134 baseline-req/s	      3290 orgunit-req/s	         0.3408 ratio
BenchmarkPayrollRun
BenchmarkPayrollRun/sqlite
    bench_test.go:113: 2026-01: 10000 payslips, net 125122754.73, 0 with warnings, in 3.329s
    bench_test.go:113: 2026-01: 10000 payslips, net 125122754.73, 0 with warnings, in 2.5s
    bench_test.go:113: 2026-02: 10000 payslips, net 125122754.73, 0 with warnings, in 2.1s
    bench_test.go:113: 2026-03: 10000 payslips, net 125122754.73, 0 with warnings, in 2s
BenchmarkPayrollRun/sqlite-2 	       3	2200000000 ns/op	     10000 payslips/op
BenchmarkPayrollRunLarge
BenchmarkPayrollRunLarge/postgres
2026/11/23 05:39:21 ERROR: [health_service] Subchannel health check is unimplemented at server side
    bench_test.go:113: 2026-01: 100000 payslips, net 1271075963.52, 0 with warnings, in 1m40.832s
BenchmarkPayrollRunLarge/postgres-2       	       1	100831787088 ns/op	    100000 payslips/op
BenchmarkGeneratePlans/sqlite
    bench_test.go:61: 2026-03: 1003 plans, 165000 lines in 5.273s
BenchmarkGeneratePlans/sqlite-2         	       1	5273192952 ns/op	    165000 lines/op
`

func TestReportFromBenchmarksAndLoadProfile(t *testing.T) {
	dir := t.TempDir()
	bench := filepath.Join(dir, "bench.txt")
	if err := os.WriteFile(bench, []byte(benchOutput), 0o644); err != nil {
		t.Fatal(err)
	}
	r := Report{Benchmarks: map[string][]Sample{}, Logs: map[string][]string{}, Summary: map[string]Stats{}}
	if err := readBench(&r, bench); err != nil {
		t.Fatal(err)
	}
	summarise(&r)
	if st := r.Summary["BenchmarkGatewayRatio-2 ratio"]; st.Median != 0.6157 || st.Min != 0.3408 || st.Runs != 3 || r.CPU != "AMD EPYC" {
		t.Errorf("summary: %+v, cpu %q", st, r.CPU)
	}
	r.Payroll = series(r, "BenchmarkPayrollRun", payrollLine)
	r.Plans = series(r, "BenchmarkGeneratePlans", plansLine)
	if len(r.Payroll) != 2 || r.Payroll[0].Size != 10000 || r.Payroll[1].Size != 100000 {
		t.Fatalf("payroll series: %+v", r.Payroll)
	}
	small, large := r.Payroll[0], r.Payroll[1]
	if len(small.Iterations) != 4 || !small.Iterations[0].Probe || small.Iterations[1].Probe || small.Mean != 2.2 ||
		small.Backend != "sqlite" || small.Iterations[3].Seconds != 2 {
		t.Errorf("10,000: %+v", small)
	}
	if len(large.Iterations) != 1 || large.Iterations[0].Probe || large.Iterations[0].Seconds != 100.832 || large.Backend != "postgres" {
		t.Errorf("100,000: %+v", large)
	}
	if len(r.Plans) != 1 || r.Plans[0].Iterations[0].Plans != 1003 || r.Plans[0].Size != 165000 {
		t.Errorf("plans: %+v", r.Plans)
	}

	var l LoadProfile
	if err := json.Unmarshal([]byte(`{"cpus":2,"load_average_before":"1.0 2.0 3.0","load_average_after":"4.0 5.0 6.0",
		"instances":["roster-1","roster-2"],"backend":"PostgreSQL 15","round":"3s","rounds":3,"concurrency":32,
		"results":[{"transport":"rest","service":"roster","rpc":"health check (baseline)","call":"GET /healthz?service=roster","baseline":true,"rps":2000,"p50_ms":1.5,"p99_ms":9},
		 {"transport":"rest","service":"roster","rpc":"GetManager","call":"GET /v1/managers/E3001","rps":500,"p50_ms":4,"p99_ms":60,"ratio":0.25},
		 {"transport":"grpc","service":"roster","rpc":"GetManager","call":"rmsuite.roster.v1.ManagerService/GetManager {}","rps":900,"p50_ms":3,"p99_ms":14,"ratio":0.42}],
		"memory":[{"process":"roster-1","rss_mib":43.7,"peak_rss_mib":44},{"process":"roster-2","rss_mib":38.3,"peak_rss_mib":39}]}`), &l); err != nil {
		t.Fatal(err)
	}
	r.Load = &l
	for _, tg := range targets {
		st, ok := r.Summary[findKey(r.Summary, tg.Benchmark, tg.Metric)]
		tg.Measured, tg.Median, tg.Met = ok, st.Median, ok && tg.holds(st.Median)
		r.Targets = append(r.Targets, tg)
	}
	md := markdown(r)
	for _, want := range []string{
		"load average 1.0 2.0 3.0 before the load profile, 4.0 5.0 6.0 after",
		"| roster | `GET /v1/managers/E3001` | 500 | 4.00 | 60.00 | **0.25** | 0 |",
		"| roster | baseline: `GET /healthz?service=roster` | 2000 | 1.50 | 9.00 | — | 0 |",
		"| roster | `rmsuite.roster.v1.ManagerService/GetManager {}` | 900 | 3.00 | 14.00 | **0.42** | 0 |",
		"Per service (mean of its instances): roster 41.0 MiB.",
		"| 10,000 | SQLite | 2026-01 (first run, b.N = 1) | 10,000 | 3.33 s |",
		"| 100,000 | PostgreSQL | 2026-01 | 100,000 | 100.83 s |",
		"- 10,000 managers on SQLite: **2.20 s** a run",
		"| SQLite | 2026-03 | 1,003 | 165,000 | 5.27 s |",
		"Target: GatewayRatio median ratio ≥ 0.40 (GET /v1/orgUnits/{id} at ≥ 40 % of a trivial call's throughput) — **met** (median 0.616).",
		"Target: PayrollRun/sqlite median time ≤ 10.00 s (a payroll run for 10,000 managers in under 10 s (SQLite)) — **met** (median 2.20 s).",
		"Target: PayrollRun/postgres median time ≤ 10.00 s (a payroll run for 10,000 managers in under 10 s (PostgreSQL)) — not measured in this run.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 165000: "165,000", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q", n, got)
		}
	}
}
