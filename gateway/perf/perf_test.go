package perf_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/rmsuite/rmsuite/gateway/perf"
)

func TestStatsPercentiles(t *testing.T) {
	var s perf.Sample
	for i := 100; i >= 1; i-- { // 1 … 100 ms, out of order
		s.Latencies = append(s.Latencies, time.Duration(i)*time.Millisecond)
	}
	s.Elapsed = 2 * time.Second
	s.Add(perf.Sample{Errors: 3, FirstError: "boom", Elapsed: 2 * time.Second})
	beside := perf.Sample{Latencies: []time.Duration{time.Millisecond}, Elapsed: 3 * time.Second}
	beside.Beside(perf.Sample{Latencies: []time.Duration{time.Millisecond}, Elapsed: 2 * time.Second})
	if st := beside.Stats(); st.Calls != 2 || st.Seconds != 3 {
		t.Errorf("side by side: %+v", st)
	}
	st := s.Stats()
	if st.Calls != 100 || st.Errors != 3 || st.RPS != 25 || st.P50 != 50 || st.P90 != 90 || st.P99 != 99 || st.Max != 100 || st.FirstError != "boom" {
		t.Errorf("stats: %+v", st)
	}
	if st := (perf.Sample{}).Stats(); st.Calls != 0 || st.RPS != 0 || st.P99 != 0 {
		t.Errorf("empty sample: %+v", st)
	}
}

// The driver keeps its workers busy for the time asked, counts only answers within
// it, and counts failures apart.
func TestRunAgainstAnHTTPServer(t *testing.T) {
	var n, inFlight, most atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if cur <= m || most.CompareAndSwap(m, cur) {
				break
			}
		}
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		time.Sleep(2 * time.Millisecond)
		if n.Add(1)%10 == 0 {
			http.Error(w, "every tenth fails", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	client := perf.NewHTTPClient(8)
	s := perf.Run(context.Background(), 8, 300*time.Millisecond, perf.HTTPGet(client, srv.URL, "tok"))
	st := s.Stats()
	t.Logf("%+v (at most %d in flight)", st, most.Load())
	if st.Calls < 50 || st.Errors == 0 || st.Errors > st.Calls || !strings.Contains(st.FirstError, "HTTP 503") {
		t.Errorf("stats: %+v", st)
	}
	if st.Seconds < 0.29 || st.Seconds > 0.31 || st.P50 < 2 || st.P50 > st.P99 || st.P99 > st.Max {
		t.Errorf("timing: %+v", st)
	}
	if most.Load() < 2 || most.Load() > 8 {
		t.Errorf("at most %d calls in flight; want up to 8", most.Load())
	}
	bad := perf.Run(context.Background(), 2, 50*time.Millisecond, perf.HTTPGet(client, srv.URL, ""))
	if st := bad.Stats(); st.Calls != 0 || st.Errors == 0 || !strings.Contains(st.FirstError, "HTTP 401") {
		t.Errorf("without a token: %+v", st)
	}
}

func TestReadMemory(t *testing.T) {
	m, err := perf.ReadMemory("self", os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS <= 0 || m.PeakRSS < m.RSS || m.Process != "self" {
		t.Errorf("%+v", m)
	}
	if _, err := perf.ReadMemory("gone", 1<<30); err == nil {
		t.Error("a process that does not exist has memory")
	}
}

// ghz (installed by make tools) against a gRPC server with health and reflection,
// as the services serve them. Skipped when ghz is not installed yet, except
// in CI, where `make test` installs it first.
func TestGhzAgainstAGRPCServer(t *testing.T) {
	bin, err := perf.FindGhz("../..")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (make tools installs it; CI=true makes this a failure)", err)
		}
		t.Skip(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, health.NewServer())
	reflection.Register(srv)
	go func() { _ = srv.Serve(l) }()
	defer srv.Stop()
	g := perf.Ghz{Bin: bin, Host: l.Addr().String(), Call: "grpc.health.v1.Health/Check", Data: map[string]string{},
		Metadata: map[string]string{"authorization": "Bearer tok"}}
	s, err := g.Run(context.Background(), 4, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	t.Logf("%+v", st)
	if st.Calls < 50 || st.Errors != 0 || st.RPS <= 0 || st.P50 <= 0 || st.P50 > st.P99 {
		t.Errorf("stats: %+v", st)
	}
	both, err := g.RunOn(context.Background(), []string{l.Addr().String(), l.Addr().String()}, 4, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if st := both.Stats(); st.Calls < 50 || st.Errors != 0 || st.Seconds > 0.5 {
		t.Errorf("two hosts at once: %+v", st)
	}
	g.Data = map[string]string{"service": "no.such.Service"} // answers NOT_FOUND
	s, err = g.Run(context.Background(), 2, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Calls != 0 || st.Errors == 0 || !strings.Contains(st.FirstError, "NotFound") {
		t.Errorf("an unknown service: %+v", st)
	}
}
