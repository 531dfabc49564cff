package testprocs

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLogPrefixesEveryLineOfConcurrentWriters(t *testing.T) {
	var log Log
	var wg sync.WaitGroup
	for _, name := range []string{"roster", "visits"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := log.Writer(name)
			for i := range 100 {
				fmt.Fprintf(w, "line %d\nnext %d\n", i, i)
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	if len(lines) != 400 {
		t.Fatalf("%d lines, want 400", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "roster| ") && !strings.HasPrefix(l, "visits| ") {
			t.Fatalf("line without its process's name: %q", l)
		}
	}
}

func TestFreeAddrCanBeListenedOn(t *testing.T) {
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	l.Close()
}

func TestStartLogsAndStopEndsTheProcess(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	var log Log
	p, err := Start(&log, sh, "-c", "echo ready; exec sleep 60")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(log.String(), "sh| ready\n") {
		if time.Now().After(deadline) {
			t.Fatalf("log: %q", log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	p.Stop()
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("stop took %s: SIGTERM was not enough", d)
	}
	if p.ProcessState == nil || p.ProcessState.ExitCode() == 0 {
		t.Fatalf("process state after stop: %v", p.ProcessState)
	}
	p.Stop() // a second stop is harmless
	var none *Process
	none.Stop()
}

func TestWaitHTTPWaitsForOK(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	if err := WaitHTTP(srv.URL, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 {
		t.Fatalf("%d calls, want 3", calls.Load())
	}
	srv.Close()
	if err := WaitHTTP(srv.URL, 200*time.Millisecond); err == nil {
		t.Fatal("a closed server answered")
	}
}
