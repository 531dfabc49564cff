// Command report writes the performance report kept in the repository
// (gateway/perf/PERFORMANCE.md for people, PERFORMANCE.json for tools) from what
// `make bench` measured: the output of `go test -bench` (the gateway and roster
// benchmarks, payroll runs of 10,000 and 100,000 managers, plan generation for
// 165,000 customers, each with -v so that every iteration's log line is there) and
// the load profile's JSON (gateway/drills TestLoadProfile).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sample is one benchmark result line: its metrics by unit (ns/op, ratio, …).
type Sample map[string]float64

// Report is what is written.
type Report struct {
	Command    string              `json:"command"`
	Date       string              `json:"date"`
	CPU        string              `json:"cpu"`
	GoVersion  string              `json:"go_version"`
	Benchmarks map[string][]Sample `json:"benchmarks"`
	Logs       map[string][]string `json:"logs"`    // benchmark → its log lines (one per iteration)
	Summary    map[string]Stats    `json:"summary"` // "<benchmark> <unit>" → stats
	Payroll    []Series            `json:"payroll"`
	Plans      []Series            `json:"plan_generation"`
	Load       *LoadProfile        `json:"load_profile,omitempty"`
	LoadAtEnd  string              `json:"load_average_at_end"` // when the report was written, after every benchmark
	Met        bool                `json:"met"`                 // every target met
	Targets    []Target            `json:"targets"`
}

// Series is the iterations of one sized benchmark on one backend.
type Series struct {
	Benchmark  string      `json:"benchmark"`
	Backend    string      `json:"backend"`
	Size       int         `json:"size"` // managers paid, or plan lines of the last month
	Iterations []Iteration `json:"iterations"`
	Mean       float64     `json:"mean_seconds"` // of the timed iterations (ns/op)
}

// Iteration is one logged iteration.
type Iteration struct {
	Month   string  `json:"month"`
	Items   int     `json:"items"` // payslips, or plan lines
	Plans   int     `json:"plans,omitempty"`
	Seconds float64 `json:"seconds"`
	Probe   bool    `json:"probe,omitempty"` // go test's first run with b.N = 1, not in the mean
}

// LoadProfile is what gateway/drills' TestLoadProfile writes.
type LoadProfile struct {
	Date        string       `json:"date"`
	Backend     string       `json:"backend"`
	Instances   []string     `json:"instances"`
	CPUs        int          `json:"cpus"`
	Concurrency int          `json:"concurrency"`
	Round       string       `json:"round"`
	Rounds      int          `json:"rounds"`
	Took        string       `json:"took"`
	LoadBefore  string       `json:"load_average_before"`
	LoadAfter   string       `json:"load_average_after"`
	Setup       []string     `json:"setup"`
	Results     []LoadResult `json:"results"`
	Memory      []Memory     `json:"memory"`
}

// LoadResult is one call of the load profile.
type LoadResult struct {
	Transport  string  `json:"transport"`
	Service    string  `json:"service"`
	RPC        string  `json:"rpc"`
	Call       string  `json:"call"`
	Baseline   bool    `json:"baseline,omitempty"`
	Calls      int     `json:"calls"`
	Errors     int     `json:"errors"`
	Seconds    float64 `json:"seconds"`
	RPS        float64 `json:"rps"`
	P50        float64 `json:"p50_ms"`
	P90        float64 `json:"p90_ms"`
	P99        float64 `json:"p99_ms"`
	Max        float64 `json:"max_ms"`
	FirstError string  `json:"first_error,omitempty"`
	Ratio      float64 `json:"ratio,omitempty"`
}

// Memory is one process's resident memory after the load.
type Memory struct {
	Process string  `json:"process"`
	PID     int     `json:"pid"`
	RSS     float64 `json:"rss_mib"`
	PeakRSS float64 `json:"peak_rss_mib"`
}

// Target is a bound on the median of one benchmark's metric: at least Min, or at
// most Max when Max is set.
type Target struct {
	Benchmark, Metric string
	Min, Max          float64
	Why               string
	Median            float64
	Measured, Met     bool
}

func (t Target) String() string {
	name := strings.TrimPrefix(t.Benchmark, "Benchmark")
	if t.Max > 0 {
		if t.Metric == "ns/op" {
			return fmt.Sprintf("%s median time ≤ %s", name, t.value(t.Max))
		}
		return fmt.Sprintf("%s median %s ≤ %s", name, t.Metric, t.value(t.Max))
	}
	return fmt.Sprintf("%s median %s ≥ %.2f", name, t.Metric, t.Min)
}

// value formats a value of the target's metric (times per operation in seconds).
func (t Target) value(v float64) string {
	if t.Metric == "ns/op" {
		return strconv.FormatFloat(v/1e9, 'f', 2, 64) + " s"
	}
	return num(v)
}

func (t Target) holds(v float64) bool {
	if t.Max > 0 {
		return v <= t.Max
	}
	return v >= t.Min
}

// targets are the issues' performance targets.
var targets = []Target{
	{Benchmark: "BenchmarkGatewayRatio", Metric: "ratio", Min: 0.40, Why: "GET /v1/orgUnits/{id} at ≥ 40 % of a trivial call's throughput"},
	{Benchmark: "BenchmarkGatewayListCustomers", Metric: "ratio", Min: 0.30, Why: "a page of one manager's customers out of 200,000 at ≥ 30 %"},
	{Benchmark: "BenchmarkHandover1000", Metric: "ns/op", Max: 2e9, Why: "a handover of 1,000 customers in under 2 s"},
	{Benchmark: "BenchmarkPayrollRun/sqlite", Metric: "ns/op", Max: 10e9, Why: "a payroll run for 10,000 managers in under 10 s (SQLite)"},
	{Benchmark: "BenchmarkPayrollRun/postgres", Metric: "ns/op", Max: 10e9, Why: "a payroll run for 10,000 managers in under 10 s (PostgreSQL)"},
	{Benchmark: "BenchmarkGeneratePlans/sqlite", Metric: "ns/op", Max: 10e9, Why: "a month's plans for 165,000 customers in under 10 s (SQLite)"},
	{Benchmark: "BenchmarkGeneratePlans/postgres", Metric: "ns/op", Max: 10e9, Why: "a month's plans for 165,000 customers in under 10 s (PostgreSQL)"},
}

// Stats summarises one metric over the runs.
type Stats struct {
	Median, Min, Max float64
	Runs             int
}

func main() {
	bench := flag.String("bench", "", "go test -bench outputs (with -v for the iteration logs), comma-separated")
	load := flag.String("load", "", "the load profile's JSON (gateway/drills TestLoadProfile); optional")
	md := flag.String("md", "", "markdown report to write")
	js := flag.String("json", "", "JSON report to write")
	command := flag.String("command", "make bench", "the command that produced the input")
	flag.Parse()
	r := Report{Command: *command, Date: time.Now().UTC().Format(time.RFC3339), GoVersion: runtime.Version(),
		Benchmarks: map[string][]Sample{}, Logs: map[string][]string{}, Summary: map[string]Stats{}}
	for _, path := range strings.Split(*bench, ",") {
		if path = strings.TrimSpace(path); path == "" {
			continue
		}
		if err := readBench(&r, path); err != nil {
			fail(err)
		}
	}
	if *load != "" {
		raw, err := os.ReadFile(*load)
		if err != nil {
			fail(err)
		}
		r.Load = &LoadProfile{}
		if err := json.Unmarshal(raw, r.Load); err != nil {
			fail(fmt.Errorf("%s: %w", *load, err))
		}
	}
	if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(raw)); len(f) >= 3 {
			r.LoadAtEnd = strings.Join(f[:3], " ")
		}
	}
	summarise(&r)
	r.Payroll = series(r, "BenchmarkPayrollRun", payrollLine)
	r.Plans = series(r, "BenchmarkGeneratePlans", plansLine)
	var unmet []string
	r.Met = true
	for _, t := range targets {
		st, ok := r.Summary[findKey(r.Summary, t.Benchmark, t.Metric)]
		t.Measured, t.Median = ok, st.Median
		t.Met = ok && t.holds(st.Median)
		if !t.Met {
			r.Met = false
			unmet = append(unmet, fmt.Sprintf("%s (median %s, measured %v)", t, t.value(st.Median), ok))
		}
		r.Targets = append(r.Targets, t)
	}
	if *js != "" {
		b, _ := json.MarshalIndent(r, "", "  ")
		if err := os.WriteFile(*js, append(b, '\n'), 0o644); err != nil {
			fail(err)
		}
	}
	if *md != "" {
		if err := os.WriteFile(*md, []byte(markdown(r)), 0o644); err != nil {
			fail(err)
		}
	}
	if !r.Met {
		fail(fmt.Errorf("targets not met: %s", strings.Join(unmet, "; ")))
	}
}

var logLine = regexp.MustCompile(`^\s+\S+_test\.go:\d+: (.*)$`)

// readBench reads one go test -bench output: result lines, and the log lines
// printed under each benchmark's name (-v).
func readBench(r *Report, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	current := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if cpu, ok := strings.CutPrefix(line, "cpu: "); ok {
			r.CPU = cpu
		}
		if m := logLine.FindStringSubmatch(line); m != nil && current != "" {
			r.Logs[current] = append(r.Logs[current], m[1])
			continue
		}
		fields := strings.Fields(line)
		if len(fields) == 0 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		if len(fields) == 1 { // the name a -v run prints before its iterations
			current = fields[0]
			continue
		}
		if len(fields) < 4 {
			continue
		}
		s := Sample{}
		for i := 2; i+1 < len(fields); i += 2 {
			if v, err := strconv.ParseFloat(fields[i], 64); err == nil {
				s[fields[i+1]] = v
			}
		}
		r.Benchmarks[fields[0]] = append(r.Benchmarks[fields[0]], s)
	}
	return sc.Err()
}

func summarise(r *Report) {
	for name, samples := range r.Benchmarks {
		for unit := range samples[0] {
			var vals []float64
			for _, s := range samples {
				vals = append(vals, s[unit])
			}
			slices.Sort(vals)
			r.Summary[name+" "+unit] = Stats{Median: vals[len(vals)/2], Min: vals[0], Max: vals[len(vals)-1], Runs: len(vals)}
		}
	}
}

// findKey finds "<benchmark>-<procs> <unit>" (or without -<procs>).
func findKey(m map[string]Stats, benchmark, unit string) string {
	for k := range m {
		name, u, _ := strings.Cut(k, " ")
		if u != unit {
			continue
		}
		if name == benchmark {
			return k
		}
		if rest, ok := strings.CutPrefix(name, benchmark+"-"); ok {
			if _, err := strconv.Atoi(rest); err == nil {
				return k
			}
		}
	}
	return ""
}

var (
	payrollLine = regexp.MustCompile(`^(\d{4}-\d{2}): (\d+) payslips, .* in (\S+)$`)
	plansLine   = regexp.MustCompile(`^(\d{4}-\d{2}): (\d+) plans, (\d+) lines in (\S+)$`)
)

// series gathers the logged iterations of the benchmarks named prefix…/<backend>.
func series(r Report, prefix string, re *regexp.Regexp) []Series {
	var names []string
	for name := range r.Logs {
		if strings.HasPrefix(name, prefix) && strings.Contains(name, "/") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var out []Series
	for _, name := range names {
		_, backend, _ := strings.Cut(name, "/")
		s := Series{Benchmark: name[:strings.IndexByte(name, '/')], Backend: backend}
		for _, line := range r.Logs[name] {
			m := re.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			it := Iteration{Month: m[1]}
			var took string
			if len(m) == 4 {
				it.Items, _ = strconv.Atoi(m[2])
				took = m[3]
			} else {
				it.Plans, _ = strconv.Atoi(m[2])
				it.Items, _ = strconv.Atoi(m[3])
				took = m[4]
			}
			d, err := time.ParseDuration(took)
			if err != nil {
				continue
			}
			it.Seconds = d.Seconds()
			s.Iterations = append(s.Iterations, it)
			s.Size = max(s.Size, it.Items)
		}
		if st, ok := r.Summary[findKey(r.Summary, name, "ns/op")]; ok {
			s.Mean = st.Median / 1e9
			// go test runs b.N = 1 first, then b.N = n: the first line is that probe.
			if n := len(r.Benchmarks[findBench(r.Benchmarks, name)]); n == 1 && len(s.Iterations) > 1 {
				s.Iterations[0].Probe = true
			}
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b Series) int {
		if a.Size != b.Size && a.Benchmark != b.Benchmark {
			return a.Size - b.Size
		}
		return strings.Compare(backendName(b.Backend), backendName(a.Backend)) // SQLite, then PostgreSQL
	})
	return out
}

// backendName is how people write a storage backend's name.
func backendName(b string) string {
	switch b {
	case "sqlite":
		return "SQLite"
	case "postgres":
		return "PostgreSQL"
	}
	return b
}

func findBench(m map[string][]Sample, name string) string {
	for k := range m {
		if k == name || strings.HasPrefix(k, name+"-") {
			return k
		}
	}
	return ""
}

func markdown(r Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Performance report\n\nProduced by `%s` on %s (%s, %s). Do not edit by hand: run the command again "+
		"(about 15 minutes), or the parts listed under \"Reproduce\".\n\n", r.Command, r.Date, r.CPU, r.GoVersion)
	if l := r.Load; l != nil {
		fmt.Fprintf(&b, "The machine has %d cores, shared with other work while this ran: load average %s before the load profile, "+
			"%s after it, %s when the last benchmark had finished (1, 5, 15 minutes). Absolute figures would be higher on a "+
			"machine of its own; each ratio compares two calls measured in the same rounds, so the other load weighs on both.\n\n",
			l.CPUs, l.LoadBefore, l.LoadAfter, r.LoadAtEnd)
		loadSection(&b, *l)
	}
	payrollSection(&b, r.Payroll)
	plansSection(&b, r.Plans)
	goSection(&b, r)
	b.WriteString(reproduce)
	return b.String()
}

func loadSection(b *strings.Builder, l LoadProfile) {
	fmt.Fprintf(b, "## Load profile: the main reads of each service against a trivial call\n\n"+
		"Measured %s. A local multi-process deployment, as `make drills` starts it (gateway/drills): an embedded etcd, two instances of every "+
		"service (%s) on a throw-away %s cluster, and the gateway, each a process built from this tree. Data, made through the API:\n\n",
		l.Date, strings.Join(l.Instances, ", "), l.Backend)
	for _, s := range l.Setup {
		fmt.Fprintf(b, "- %s\n", s)
	}
	fmt.Fprintf(b, "\nEach call is measured for %s, %d rounds, with %d concurrent callers, each sending its next call as soon as the last "+
		"one answered (%s in all); the rounds take the calls in turn, so that the machine's other load falls on baselines and "+
		"targets alike. Throughput counts successful calls; p50 and p99 are over every call of every round.\n\n",
		l.Round, l.Rounds, l.Concurrency, l.Took)
	b.WriteString("- **REST**: `GET` through the gateway (HTTP/1.1 keep-alive, JSON) by our own driver (`gateway/perf`: ghz speaks gRPC only " +
		"and wrk is not a Go module); the gateway spreads the calls over both instances. Baseline: `GET /healthz?service=<service>` — " +
		"HTTP → gateway → one `grpc.health.v1.Health/Check` on that service.\n" +
		"- **gRPC**: straight to the service's instances by [ghz](https://ghz.sh) (pinned in the Makefile, descriptors through server " +
		"reflection): one ghz per instance at once, the callers split between them as round robin would, one HTTP/2 connection per " +
		"16 callers. Baseline: `grpc.health.v1.Health/Check` on the same instances.\n" +
		"- **ratio** = the call's throughput ÷ its baseline's (same service, same transport, same rounds).\n\n")
	for _, transport := range []string{"rest", "grpc"} {
		title := map[string]string{"rest": "REST through the gateway", "grpc": "gRPC straight to the instances"}[transport]
		fmt.Fprintf(b, "### %s\n\n| service | call | calls/s | p50 ms | p99 ms | ratio to baseline | errors |\n|---|---|---|---|---|---|---|\n", title)
		for _, res := range l.Results {
			if res.Transport != transport {
				continue
			}
			ratio, call := "—", "`"+res.Call+"`"
			if res.Baseline {
				call = "baseline: `" + res.Call + "`"
			} else {
				ratio = fmt.Sprintf("**%.2f**", res.Ratio)
			}
			fmt.Fprintf(b, "| %s | %s | %s | %.2f | %.2f | %s | %d |\n", res.Service, call, num(res.RPS), res.P50, res.P99, ratio, res.Errors)
		}
		b.WriteString("\n")
	}
	if len(l.Memory) > 0 {
		b.WriteString("## Memory per service\n\nResident memory of each process right after the load profile (VmRSS of /proc/<pid>/status; " +
			"peak: VmHWM). The embedded etcd runs inside the test process and PostgreSQL in its own processes; neither is counted.\n\n" +
			"| process | RSS MiB | peak RSS MiB |\n|---|---|---|\n")
		per := map[string][2]float64{}
		var order []string
		for _, m := range l.Memory {
			fmt.Fprintf(b, "| %s | %.1f | %.1f |\n", m.Process, m.RSS, m.PeakRSS)
			svc := m.Process[:strings.LastIndexByte(m.Process, '-')]
			if _, ok := per[svc]; !ok {
				order = append(order, svc)
			}
			p := per[svc]
			per[svc] = [2]float64{p[0] + m.RSS, p[1] + 1}
		}
		b.WriteString("\nPer service (mean of its instances): ")
		var parts []string
		for _, svc := range order {
			parts = append(parts, fmt.Sprintf("%s %.1f MiB", svc, per[svc][0]/per[svc][1]))
		}
		b.WriteString(strings.Join(parts, ", ") + ".\n\n")
	}
}

func payrollSection(b *strings.Builder, ss []Series) {
	if len(ss) == 0 {
		return
	}
	b.WriteString("## Payroll runs: 10,000 and 100,000 managers\n\n" +
		"`BenchmarkPayrollRun` (10,000) and `BenchmarkPayrollRunLarge` (100,000; only `make bench` runs it) in " +
		"services/compensation/internal/service: from `CreatePayrollRun` over gRPC until `GetPayrollRun` shows the background " +
		"computation finished — managers, grades as of the month's end, coefficients and figures read over gRPC from stand-ins of the " +
		"roster and assessment, pay inputs from the database, every payslip computed with its explanation and written (2,000 a " +
		"transaction), the run switched to the new generation. Three ladders, one manager in 40 a trainee, one in 50 a supervisor. " +
		"What the time is spent on: services/compensation/BENCHMARKS.md.\n\n" +
		"| managers | backend | month | payslips | time |\n|---|---|---|---|---|\n")
	for _, s := range ss {
		for _, it := range s.Iterations {
			month := it.Month
			if it.Probe {
				month += " (first run, b.N = 1)"
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %.2f s |\n", thousands(s.Size), backendName(s.Backend), month, thousands(it.Items), it.Seconds)
		}
	}
	b.WriteString("\n")
	for _, s := range ss {
		fmt.Fprintf(b, "- %s managers on %s: **%.2f s** a run (mean of the timed runs; %s payslips a second).\n",
			thousands(s.Size), backendName(s.Backend), s.Mean, thousands(int(float64(s.Size)/s.Mean)))
	}
	b.WriteString("\n")
}

func plansSection(b *strings.Builder, ss []Series) {
	if len(ss) == 0 {
		return
	}
	b.WriteString("## Plan generation: 1,000 managers × 165 customers\n\n" +
		"`BenchmarkGeneratePlans` in services/visits/internal/service: one `GeneratePlans` call over gRPC for the whole bank (1,003 " +
		"managers read from a stand-in roster, 165,000 customers from the service's copy), successive months carrying unfinished " +
		"lines over; the third month holds all 165,000 customers' lines. Details: services/visits/BENCHMARKS.md.\n\n" +
		"| backend | month | plans | lines | time |\n|---|---|---|---|---|\n")
	for _, s := range ss {
		for _, it := range s.Iterations {
			month := it.Month
			if it.Probe {
				month += " (first run, b.N = 1)"
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %.2f s |\n", backendName(s.Backend), month, thousands(it.Plans), thousands(it.Items), it.Seconds)
		}
	}
	b.WriteString("\n")
	for _, s := range ss {
		var last Iteration
		for _, it := range s.Iterations {
			if it.Items >= last.Items {
				last = it
			}
		}
		fmt.Fprintf(b, "- %s: **%.2f s** a month (mean of the timed months); the month of %s lines in %.2f s.\n",
			backendName(s.Backend), s.Mean, thousands(last.Items), last.Seconds)
	}
	b.WriteString("\n")
}

func goSection(b *strings.Builder, r Report) {
	b.WriteString("## Go benchmarks and targets\n\n" +
		"- `BenchmarkGatewayRatio` (gateway/e2e: embedded etcd, one roster on SQLite and the gateway as processes; 32 HTTP clients): " +
		"`GET /v1/orgUnits/branch-east` against `GET /healthz?service=roster` through the same gateway, one after the other in the same " +
		"benchmark. Verified tokens are cached for up to a minute (never past their expiry).\n" +
		"- `BenchmarkGatewayListCustomers`: the first page (50) of one manager's 1,000 customers out of 200,000, against the same trivial " +
		"call. The roster reuses a list page made at the same data version (a `list_version` row every write moves on, read first), so " +
		"after the first call it measures that path; without the reuse it measured 886 list-req/s, ratio 0.167 (2026-11-22).\n" +
		"- `BenchmarkHandover1000`, `BenchmarkGetOrgUnitSQLite`: roster storage on SQLite.\n\n")
	for _, t := range r.Targets {
		if !t.Measured {
			fmt.Fprintf(b, "- Target: %s (%s) — not measured in this run.\n", t, t.Why)
			continue
		}
		fmt.Fprintf(b, "- Target: %s (%s) — **%s** (median %s).\n", t, t.Why, map[bool]string{true: "met", false: "NOT met"}[t.Met], t.value(t.Median))
	}
	b.WriteString("\n| benchmark metric | median | min | max | runs |\n|---|---|---|---|---|\n")
	keys := make([]string, 0, len(r.Summary))
	for k := range r.Summary {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := r.Summary[k]
		fmt.Fprintf(b, "| %s | %s | %s | %s | %d |\n", k, num(s.Median), num(s.Min), num(s.Max), s.Runs)
	}
	b.WriteString("\nRaw samples and every logged iteration are in PERFORMANCE.json beside this file.\n\n")
}

const reproduce = "## Reproduce\n\n" +
	"`make bench` runs, in order (each writes its output under .tmp/, then the report is written from them):\n\n" +
	"```sh\n" +
	"RMSUITE_DRILLS=1 RMSUITE_LOAD_OUT=$PWD/.tmp/load.json go test -count=1 -run TestLoadProfile -v ./gateway/drills/\n" +
	"go test -run '^$' -bench . -benchtime 3s -count 5 ./gateway/e2e/ ./services/roster/internal/adapters/sqlstore/\n" +
	"go test -run '^$' -bench GeneratePlans -benchtime 3x -count 1 -v ./services/visits/internal/service/\n" +
	"go test -run '^$' -bench 'PayrollRun$' -benchtime 3x -count 1 -v ./services/compensation/internal/service/\n" +
	"RMSUITE_BENCH_LARGE=1 go test -run '^$' -bench PayrollRunLarge -benchtime 1x -count 1 -v ./services/compensation/internal/service/\n" +
	"go run ./gateway/perf/report -bench .tmp/bench.txt,.tmp/bench-visits.txt,.tmp/bench-compensation.txt -load .tmp/load.json \\\n" +
	"    -md gateway/perf/PERFORMANCE.md -json gateway/perf/PERFORMANCE.json\n" +
	"```\n\n" +
	"The PostgreSQL benchmarks use the local PostgreSQL of `make test` (deploy/local/postgres.sh); the load profile starts its own " +
	"throw-away cluster (SQLite when the PostgreSQL binaries are absent). ghz is installed by `make tools`. " +
	"RMSUITE_LOAD_ROUND, RMSUITE_LOAD_ROUNDS and RMSUITE_LOAD_CONCURRENCY change the load profile (default 3s, 3, 32).\n"

func num(v float64) string {
	if v >= 100 || v <= -100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// thousands writes n with thousands separators: 100,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "report:", err)
	os.Exit(1)
}
