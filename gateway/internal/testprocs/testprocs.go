// Package testprocs runs the suite's binaries as child processes for the tests
// that drive real processes (gateway/e2e, gateway/browser): the binaries built
// from this tree, a free loopback address for each listener, one log that
// every process writes to line by line under its name (shown when a test
// fails), and an orderly stop — SIGTERM, then SIGKILL after a grace period.
package testprocs

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// StopGrace is how long Stop waits after SIGTERM before it kills.
const StopGrace = 15 * time.Second

// Build compiles the main packages pkgs (e.g. ./gateway/cmd/gateway) of the
// module tree at root into dir, one binary each, named after its folder.
func Build(root, dir string, pkgs ...string) error {
	cmd := exec.Command("go", append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return nil
}

// FreeAddr returns a loopback address with a port nobody listens on now.
// Another process could take the port before the caller's child binds it; on
// a test machine that does not happen in practice.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// MustFreeAddr is FreeAddr for setup code that cannot go on without one.
func MustFreeAddr() string {
	addr, err := FreeAddr()
	if err != nil {
		panic(err)
	}
	return addr
}

// Log collects the output of every process, each line prefixed with the
// process's name ("roster| …"). It is safe for concurrent writers.
type Log struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Writer returns a writer that adds name's lines to the log.
func (l *Log) Writer(name string) io.Writer { return prefixWriter{log: l, name: name} }

// String returns everything logged so far.
func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

type prefixWriter struct {
	log  *Log
	name string
}

func (w prefixWriter) Write(p []byte) (int, error) {
	w.log.mu.Lock()
	defer w.log.mu.Unlock()
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if line != "" {
			w.log.buf.WriteString(w.name + "| " + line)
		}
	}
	return len(p), nil
}

// Process is a started child process. The embedded Cmd gives its pid and lets
// a test signal it directly (a kill drill).
type Process struct {
	*exec.Cmd
	Name string
}

// Start starts the binary at path with args; its output goes to log under the
// binary's file name.
func Start(log *Log, path string, args ...string) (*Process, error) {
	name := filepath.Base(path)
	cmd := exec.Command(path, args...)
	w := log.Writer(name)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return &Process{Cmd: cmd, Name: name}, nil
}

// Stop asks the process to end (SIGTERM) and waits for it, killing it after
// StopGrace. A nil or never-started process, or one already waited for, is
// left alone.
func (p *Process) Stop() {
	if p == nil || p.Cmd == nil || p.Cmd.Process == nil {
		return
	}
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.Cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(StopGrace):
		_ = p.Cmd.Process.Kill()
		<-done
	}
}

// WaitHTTP polls url until it answers 200 OK, for at most limit.
func WaitHTTP(url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s does not answer 200 after %s (last: %v)", url, limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
