package perf

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// Ghz is one gRPC method called directly on one instance by ghz
// (github.com/bojand/ghz, pinned in the Makefile's TOOLS). ghz reads the method's
// descriptors through the server's reflection service.
type Ghz struct {
	Bin      string            // the ghz binary; found on PATH (or in ./.bin) when empty
	Host     string            // host:port of the instance
	Call     string            // package.Service/Method
	Data     any               // the request, as JSON
	Metadata map[string]string // e.g. authorization
}

// FindGhz looks for ghz on PATH, then in the .bin folder of the repository root
// (root may be "").
func FindGhz(root string) (string, error) {
	if p, err := exec.LookPath("ghz"); err == nil {
		return p, nil
	}
	if root != "" {
		p := filepath.Join(root, ".bin", "ghz")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrNoGhz
}

// ghzReport is the part of ghz's JSON report used here.
type ghzReport struct {
	Count   uint64        `json:"count"`
	Total   time.Duration `json:"total"`
	Details []struct {
		Latency time.Duration `json:"latency"`
		Error   string        `json:"error"`
		Status  string        `json:"status"`
	} `json:"details"`
	ErrorDist map[string]int `json:"errorDistribution"`
}

// Run runs ghz with concurrency workers for d over one connection per 16 workers,
// and returns every call's latency. Calls in flight when the time is up are left
// out, as Run does.
func (g Ghz) Run(ctx context.Context, concurrency int, d time.Duration) (Sample, error) {
	bin := g.Bin
	if bin == "" {
		var err error
		if bin, err = FindGhz(""); err != nil {
			return Sample{}, err
		}
	}
	data, err := json.Marshal(g.Data)
	if err != nil {
		return Sample{}, err
	}
	dir, err := os.MkdirTemp("", "rmsuite-ghz-")
	if err != nil {
		return Sample{}, err
	}
	defer os.RemoveAll(dir)
	args := []string{"--insecure", "--call", g.Call, "--data", string(data), "--format", "json",
		"--concurrency", strconv.Itoa(concurrency), "--connections", strconv.Itoa(max(1, concurrency/16)),
		"--duration", d.String(), "--duration-stop", "ignore", "--timeout", "30s"}
	if len(g.Metadata) > 0 {
		// In a file, so that tokens do not show in the process list.
		md, err := json.Marshal(g.Metadata)
		if err != nil {
			return Sample{}, err
		}
		path := filepath.Join(dir, "metadata.json")
		if err := os.WriteFile(path, md, 0o600); err != nil {
			return Sample{}, err
		}
		args = append(args, "--metadata-file", path)
	}
	cmd := exec.CommandContext(ctx, bin, append(args, g.Host)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Sample{}, fmt.Errorf("ghz %s: %v: %s", g.Call, err, bytes.TrimSpace(stderr.Bytes()))
	}
	var rep ghzReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return Sample{}, fmt.Errorf("ghz %s: reading its report: %v", g.Call, err)
	}
	s := Sample{Elapsed: rep.Total}
	if s.Elapsed <= 0 {
		s.Elapsed = d
	}
	for _, r := range rep.Details {
		if r.Error != "" || r.Status != "OK" {
			s.Errors++
			if s.FirstError == "" {
				s.FirstError = r.Status + ": " + r.Error
			}
			continue
		}
		s.Latencies = append(s.Latencies, r.Latency)
	}
	return s, nil
}

// RunOn runs g on every host at once, concurrency split evenly between them (as
// round robin would spread it), and merges what they measured.
func (g Ghz) RunOn(ctx context.Context, hosts []string, concurrency int, d time.Duration) (Sample, error) {
	type result struct {
		s   Sample
		err error
	}
	results := make(chan result, len(hosts))
	for i, h := range hosts {
		c := concurrency / len(hosts)
		if i < concurrency%len(hosts) {
			c++
		}
		one := g
		one.Host = h
		go func() {
			s, err := one.Run(ctx, max(c, 1), d)
			results <- result{s, err}
		}()
	}
	var out Sample
	var first error
	for range hosts {
		r := <-results
		if r.err != nil && first == nil {
			first = r.err
		}
		out.Beside(r.s)
	}
	return out, first
}
