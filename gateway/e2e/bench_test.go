package e2e

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchConcurrency is the number of concurrent HTTP clients.
const benchConcurrency = 32

// BenchmarkGatewayRatio measures, in one run and with the same client load,
//
//	baseline: GET /healthz?service=roster — HTTP → gateway → one trivial gRPC call
//	          (grpc.health.v1.Health/Check) on the roster, through etcd discovery;
//	target:   GET /v1/orgUnits/branch-east — HTTP → gateway → roster GetOrgUnit →
//	          SQLite read (interceptors, validation, JSON).
//
// It reports both throughputs and ratio = target / baseline (the target is
// ≥ 0.40). `make bench` runs it several times and records the figures.
func BenchmarkGatewayRatio(b *testing.B) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}, Timeout: 10 * time.Second}
	baseline := sys.baseURL + "/healthz?service=roster"
	target := sys.baseURL + "/v1/orgUnits/branch-east"
	measureRatio(b, client, baseline, target, "orgunit-req/s")
}

// measureRatio warms client's connections, then sends b.N requests to baseline and
// b.N to target from benchConcurrency clients, and reports both throughputs (the
// target's as targetMetric) and ratio = target / baseline.
func measureRatio(b *testing.B, client *http.Client, baseline, target, targetMetric string) {
	for _, u := range []string{baseline, target} { // warm connections and caches
		for range benchConcurrency {
			if err := get(client, u); err != nil {
				b.Fatal(err)
			}
		}
	}
	var failures atomic.Int64
	measure := func(url string) time.Duration {
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range benchConcurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(b.N) {
					if get(client, url) != nil {
						failures.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	b.ResetTimer()
	tBase := measure(baseline)
	tTarget := measure(target)
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d failed requests", n)
	}
	b.ReportMetric(float64(b.N)/tBase.Seconds(), "baseline-req/s")
	b.ReportMetric(float64(b.N)/tTarget.Seconds(), targetMetric)
	b.ReportMetric(tBase.Seconds()/tTarget.Seconds(), "ratio")
}

func get(c *http.Client, url string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+sys.adminToken)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return &statusError{resp.StatusCode}
	}
	return nil
}

type statusError struct{ code int }

func (e *statusError) Error() string { return http.StatusText(e.code) }
