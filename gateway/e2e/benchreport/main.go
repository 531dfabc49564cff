// Command benchreport turns `go test -bench` output into the benchmark record kept
// in the repository (markdown for people, JSON for tools). `make bench` runs it.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sample is one benchmark line: its metrics by unit (ns/op, ratio, …).
type Sample map[string]float64

// Report is what is written.
type Report struct {
	Command    string              `json:"command"`
	Date       string              `json:"date"`
	CPU        string              `json:"cpu"`
	GoVersion  string              `json:"go_version"`
	Benchmarks map[string][]Sample `json:"benchmarks"`
	Summary    map[string]Stats    `json:"summary"` // "<benchmark> <unit>" → stats
	Target     string              `json:"target"`
	Met        bool                `json:"met"`
}

// Stats summarises one metric over the runs.
type Stats struct {
	Median, Min, Max float64
	Runs             int
}

func main() {
	in := flag.String("in", "", "go test -bench output")
	md := flag.String("md", "", "markdown report to write")
	js := flag.String("json", "", "JSON report to write")
	command := flag.String("command", "make bench", "the command that produced the input")
	flag.Parse()
	f, err := os.Open(*in)
	if err != nil {
		fail(err)
	}
	defer f.Close()
	r := Report{Command: *command, Date: time.Now().UTC().Format(time.RFC3339), GoVersion: runtime.Version(),
		Benchmarks: map[string][]Sample{}, Summary: map[string]Stats{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if cpu, ok := strings.CutPrefix(line, "cpu: "); ok {
			r.CPU = cpu
		}
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := fields[0]
		s := Sample{}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err == nil {
				s[fields[i+1]] = v
			}
		}
		r.Benchmarks[name] = append(r.Benchmarks[name], s)
	}
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
	ratio, ok := r.Summary[findKey(r.Summary, "BenchmarkGatewayRatio", "ratio")]
	r.Target = "GatewayRatio median ratio ≥ 0.40"
	r.Met = ok && ratio.Median >= 0.40
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
		fail(fmt.Errorf("target not met: %s (median %.3f)", r.Target, ratio.Median))
	}
}

func findKey(m map[string]Stats, prefix, unit string) string {
	for k := range m {
		if strings.HasPrefix(k, prefix) && strings.HasSuffix(k, " "+unit) {
			return k
		}
	}
	return ""
}

func markdown(r Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\nProduced by `%s` on %s (%s, %s). Do not edit by hand; run the command again.\n\n", r.Command, r.Date, r.CPU, r.GoVersion)
	b.WriteString("## GET /v1/orgUnits/{id} against a trivial call, through the same gateway\n\n")
	b.WriteString("Both calls run in the same benchmark, one after the other, with 32 concurrent HTTP clients on the same\n" +
		"machine as the servers (real processes: embedded etcd, the roster service on SQLite, the gateway):\n\n" +
		"- **baseline**: `GET /healthz?service=roster` — HTTP → gateway → one `grpc.health.v1.Health/Check` on the roster (through etcd discovery);\n" +
		"- **target**: `GET /v1/orgUnits/branch-east` with a bearer token — HTTP → gateway (token verified) → roster `GetOrgUnit`\n" +
		"  (token verified again, permission and org-scope checks, interceptors, validation) → SQLite → JSON. Verified tokens are\n" +
		"  cached for up to a minute (never past their expiry), so the signature is checked once per token, not per call.\n\n")
	fmt.Fprintf(&b, "Target: %s — **%s**.\n\n", r.Target, map[bool]string{true: "met", false: "NOT met"}[r.Met])
	b.WriteString("| metric | median | min | max | runs |\n|---|---|---|---|---|\n")
	keys := make([]string, 0, len(r.Summary))
	for k := range r.Summary {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := r.Summary[k]
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d |\n", k, num(s.Median), num(s.Min), num(s.Max), s.Runs)
	}
	b.WriteString("\nRaw samples are in BENCHMARKS.json beside this file.\n")
	return b.String()
}

func num(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchreport:", err)
	os.Exit(1)
}
