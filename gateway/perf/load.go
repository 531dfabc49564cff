// Package perf measures the suite under load: a small closed-loop load driver for
// calls made from Go (REST through the gateway; Run), ghz for direct gRPC calls
// (Ghz), the statistics both give (Sample, Stats) and the memory of the processes
// (ReadMemory). The load profile that uses them runs the suite as real processes:
// gateway/drills' TestLoadProfile, started by `make bench`, which writes its
// figures for the report writer (gateway/perf/report).
//
// Why our own driver for REST: wrk is not a Go module (the tools here come pinned
// from the Go module proxy), and ghz speaks gRPC only. The driver is the same
// closed loop ghz runs — a fixed number of workers, each sending its next call when
// the last one answered, for a fixed time — and keeps every latency, so that the
// percentiles of several rounds are computed over all their calls.
package perf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Sample is what one or more rounds of load measured.
type Sample struct {
	Latencies  []time.Duration // of the calls that succeeded
	Errors     int
	FirstError string
	Elapsed    time.Duration // wall time under load, summed over rounds
}

// Add merges another round, measured after s, into s.
func (s *Sample) Add(o Sample) {
	s.Latencies = append(s.Latencies, o.Latencies...)
	s.Errors += o.Errors
	if s.FirstError == "" {
		s.FirstError = o.FirstError
	}
	s.Elapsed += o.Elapsed
}

// Beside merges a sample measured at the same time as s (another client of the
// same round): its calls count, its time does not add up.
func (s *Sample) Beside(o Sample) {
	elapsed := max(s.Elapsed, o.Elapsed)
	s.Add(o)
	s.Elapsed = elapsed
}

// Stats summarises a sample: throughput of successful calls and latency
// percentiles in milliseconds (nearest rank).
type Stats struct {
	Calls      int     `json:"calls"`
	Errors     int     `json:"errors"`
	Seconds    float64 `json:"seconds"`
	RPS        float64 `json:"rps"`
	P50        float64 `json:"p50_ms"`
	P90        float64 `json:"p90_ms"`
	P99        float64 `json:"p99_ms"`
	Max        float64 `json:"max_ms"`
	FirstError string  `json:"first_error,omitempty"`
}

// Stats computes the summary.
func (s Sample) Stats() Stats {
	st := Stats{Calls: len(s.Latencies), Errors: s.Errors, Seconds: s.Elapsed.Seconds(), FirstError: s.FirstError}
	if s.Elapsed > 0 {
		st.RPS = float64(len(s.Latencies)) / s.Elapsed.Seconds()
	}
	if len(s.Latencies) == 0 {
		return st
	}
	sorted := slices.Clone(s.Latencies)
	slices.Sort(sorted)
	rank := func(p float64) float64 {
		i := int(p*float64(len(sorted))+0.999999) - 1 // nearest rank
		return ms(sorted[min(max(i, 0), len(sorted)-1)])
	}
	st.P50, st.P90, st.P99, st.Max = rank(0.50), rank(0.90), rank(0.99), ms(sorted[len(sorted)-1])
	return st
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Run calls fn from concurrency workers, each calling again as soon as its last
// call returned, for d (or until ctx ends), and returns every call's latency.
// A call still running at the end is waited for but not counted.
func Run(ctx context.Context, concurrency int, d time.Duration, fn func(context.Context) error) Sample {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var out Sample
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var errs int
			var first string
			for ctx.Err() == nil {
				began := time.Now()
				if began.After(deadline) {
					break
				}
				err := fn(ctx)
				end := time.Now()
				if end.After(deadline) {
					break // ended after the measured window
				}
				if err != nil {
					errs++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				lat = append(lat, end.Sub(began))
			}
			mu.Lock()
			out.Latencies = append(out.Latencies, lat...)
			out.Errors += errs
			if out.FirstError == "" {
				out.FirstError = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.Elapsed = min(time.Since(start), d)
	return out
}

// HTTPGet returns a call that GETs url with a bearer token (none when empty) and
// expects 200 OK; the body is read to the end, as a browser would.
func HTTPGet(client *http.Client, url, token string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, body)
		}
		return nil
	}
}

// NewHTTPClient is a client that keeps enough idle connections for concurrency
// workers, so that the load measures calls, not connection set-up.
func NewHTTPClient(concurrency int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 2 * concurrency, MaxIdleConnsPerHost: 2 * concurrency, IdleConnTimeout: time.Minute}}
}

// ErrNoGhz is returned when the ghz binary cannot be found.
var ErrNoGhz = errors.New("ghz not found (make tools installs it into .bin)")
