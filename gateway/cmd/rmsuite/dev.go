package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/rmsuite/rmsuite/pkg/etcdlocal"
)

// child is one supervised process of the local suite.
type child struct {
	name string
	args []string
}

// dev runs the suite on one machine: embedded etcd in this process, then each
// service as its own process, then the gateway. Ctrl-C stops them in reverse order
// (gateway, services, etcd). A process that dies is restarted after a pause, as a
// process supervisor would, so that "kill a service, watch it re-register" can be
// tried by hand.
func dev(args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	data := fs.String("data", ".data", "folder for SQLite databases and etcd data; kept across restarts")
	bin := fs.String("bin", filepath.Dir(os.Args[0]), "folder holding the service and gateway binaries")
	etcdAddr := fs.String("etcd-addr", "127.0.0.1:2379", "embedded etcd client address")
	etcdPeer := fs.String("etcd-peer-addr", "127.0.0.1:2380", "embedded etcd peer address")
	httpAddr := fs.String("http-addr", ":8080", "gateway address")
	logFormat := fs.String("log-format", "console", "log format of the processes: console or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*data, 0o750); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	etcd, err := etcdlocal.Start(filepath.Join(*data, "etcd"), *etcdAddr, *etcdPeer)
	if err != nil {
		return fmt.Errorf("%w (is another rmsuite already running?)", err)
	}
	defer func() {
		etcd.Stop()
		say("etcd", "stopped")
	}()
	say("etcd", "serving on "+etcd.Endpoint)

	jwks, err := ensureDevKey(*data)
	if err != nil {
		return fmt.Errorf("local signing key: %w", err)
	}
	visitsToken, err := ensureServiceToken(*data, "visits")
	if err != nil {
		return fmt.Errorf("visits service token: %w", err)
	}
	assessmentToken, err := ensureServiceToken(*data, "assessment")
	if err != nil {
		return fmt.Errorf("assessment service token: %w", err)
	}
	compensationToken, err := ensureServiceToken(*data, "compensation")
	if err != nil {
		return fmt.Errorf("compensation service token: %w", err)
	}
	common := []string{"--etcd-endpoints", etcd.Endpoint, "--log-format", *logFormat, "--jwks-file", jwks}
	services := []child{
		{"roster", []string{"--grpc-addr", "127.0.0.1:9101", "--db-url", "sqlite:" + filepath.Join(*data, "roster.db"), "--seed-demo-data=true"}},
		{"assessment", []string{"--grpc-addr", "127.0.0.1:9102", "--db-url", "sqlite:" + filepath.Join(*data, "assessment.db"),
			"--service-token-file", assessmentToken}},
		{"compensation", []string{"--grpc-addr", "127.0.0.1:9103", "--db-url", "sqlite:" + filepath.Join(*data, "compensation.db"),
			"--service-token-file", compensationToken}},
		{"visits", []string{"--grpc-addr", "127.0.0.1:9104", "--db-url", "sqlite:" + filepath.Join(*data, "visits.db"),
			"--service-token-file", visitsToken}},
	}
	var (
		svcWG                sync.WaitGroup
		svcCtx, stopServices = context.WithCancel(context.Background())
	)
	for i, c := range services {
		// Prometheus metrics of each service: 127.0.0.1:9201 (roster) to :9204 (visits).
		c.args = append(append(c.args, common...), "--metrics-addr", fmt.Sprintf("127.0.0.1:%d", 9201+i))
		svcWG.Add(1)
		go func() { defer svcWG.Done(); supervise(svcCtx, *bin, c) }()
	}
	for _, addr := range []string{"127.0.0.1:9101", "127.0.0.1:9102", "127.0.0.1:9103", "127.0.0.1:9104"} {
		waitForPort(ctx, addr, 60*time.Second)
	}

	gwCtx, stopGateway := context.WithCancel(context.Background())
	gwDone := make(chan struct{})
	go func() {
		defer close(gwDone)
		// The console's sign-in picker (/dev/token) signs with the local key; only here.
		signingKey, _ := keyPaths(*data)
		supervise(gwCtx, *bin, child{"gateway", append([]string{"--http-addr", *httpAddr, "--dev-signing-key", signingKey}, common...)})
	}()
	waitForPort(ctx, loopback(*httpAddr), 30*time.Second)
	say("rmsuite", fmt.Sprintf("ready: console on http://localhost%[1]s/ (sign in as a seeded user); REST on http://localhost%[1]s/v1/… (token: .bin/rmsuite token --user E0001); roster gRPC on 127.0.0.1:9101; Ctrl-C stops", portOf(*httpAddr)))

	<-ctx.Done()
	say("rmsuite", "stopping: gateway, then services, then etcd")
	stopGateway()
	<-gwDone
	stopServices()
	svcWG.Wait()
	return nil
}

// supervise runs c until ctx ends, restarting it when it dies on its own.
func supervise(ctx context.Context, bin string, c child) {
	path := filepath.Join(bin, c.name)
	for {
		cmd := exec.Command(path, c.args...)
		// Own process group: the terminal's Ctrl-C reaches only us, and we stop
		// the children in order. If we die, the kernel sends them SIGTERM.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
		out, _ := cmd.StdoutPipe()
		cmd.Stderr = cmd.Stdout
		if err := cmd.Start(); err != nil {
			say(c.name, "cannot start "+path+": "+err.Error()+" (run `make build` first)")
			return
		}
		go prefix(c.name, out)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				say(c.name, "did not stop in 20s; killing")
				_ = cmd.Process.Kill()
				<-done
			}
			return
		case err := <-done:
			if ctx.Err() != nil {
				return
			}
			var exit *exec.ExitError
			if errors.As(err, &exit) && exit.ExitCode() == 2 {
				say(c.name, "exited with a configuration error; not restarting")
				return
			}
			say(c.name, fmt.Sprintf("exited (%v); restarting in 2s", err))
			select {
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Second):
			}
		}
	}
}

var sayMu sync.Mutex

func say(who, msg string) {
	sayMu.Lock()
	defer sayMu.Unlock()
	fmt.Printf("%-13s| %s\n", who, msg)
}

func prefix(who string, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		say(who, sc.Text())
	}
}

func waitForPort(ctx context.Context, addr string, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func loopback(addr string) string {
	return "127.0.0.1" + portOf(addr)
}

func portOf(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return ":" + port
}
