package drills

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/pkg/etcdlocal"
	"github.com/rmsuite/rmsuite/pkg/storage"
)

// ttl is the registration lease of every instance: short, so that the drills are quick.
const ttl = 3 * time.Second

var services = []string{"roster", "assessment", "compensation", "visits"}

// instance is one running service process.
type instance struct {
	service  string
	n        int // 1, 2, … within the service
	grpcAddr string
	metrics  string
	args     []string
	cmd      *exec.Cmd
	exited   chan struct{}
	log      *os.File
}

// pid is the process id, or 0.
func (in *instance) pid() int {
	if in.cmd == nil || in.cmd.Process == nil {
		return 0
	}
	return in.cmd.Process.Pid
}

// alive reports whether the process has not exited.
func (in *instance) alive() bool {
	select {
	case <-in.exited:
		return false
	default:
		return true
	}
}

// cluster is the running system the drills share.
type cluster struct {
	tmp, bin           string
	etcd               *etcdlocal.Server
	etcdDir            string
	etcdAddr, etcdPeer string
	etcdClient         *clientv3.Client
	pg                 *postgres // nil: SQLite
	dbURL              map[string]string
	jwks               string
	adminToken         string
	mint               func(subject, org string, roles ...auth.Role) (string, error)
	instances          map[string][]*instance
	gateway            *instance
	baseURL            string
	mu                 sync.Mutex
}

var sys *cluster

func TestMain(m *testing.M) {
	if os.Getenv("RMSUITE_DRILLS") != "1" {
		fmt.Println("drills: skipped (they start about ten processes and take two minutes): run make drills, or set RMSUITE_DRILLS=1")
		os.Exit(0)
	}
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "drills setup:", err)
		if sys != nil {
			sys.dumpLogs(os.Stderr)
		}
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	tmp, err := os.MkdirTemp("", "rmsuite-drills-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(tmp)
	sys = &cluster{tmp: tmp, bin: filepath.Join(tmp, "bin"), instances: map[string][]*instance{}, dbURL: map[string]string{}}
	defer sys.stopAll()
	start := time.Now()
	if err := sys.build(); err != nil {
		return 1, err
	}
	fmt.Printf("drills: built the binaries in %s\n", time.Since(start).Round(time.Second))
	if err := sys.databases(); err != nil {
		return 1, err
	}
	minter, err := auth.NewMinter()
	if err != nil {
		return 1, err
	}
	sys.jwks = filepath.Join(tmp, "jwks.json")
	if err := minter.Save(filepath.Join(tmp, "key.json"), sys.jwks); err != nil {
		return 1, err
	}
	mint := func(subject, org string, roles ...auth.Role) (string, error) {
		return minter.Mint(auth.Token{Subject: subject, OrgUnit: org, Roles: roles, Issuer: "rmsuite-dev", Audience: "rmsuite", TTL: time.Hour})
	}
	sys.mint = mint
	if sys.adminToken, err = mint("E0001", "head-office", auth.Administrator); err != nil {
		return 1, err
	}
	// The services that call others on their own behalf have their own tokens.
	for _, svc := range []string{"assessment", "compensation", "visits"} {
		tok, err := mint("svc:"+svc, "", auth.System)
		if err != nil {
			return 1, err
		}
		if err := os.WriteFile(filepath.Join(tmp, svc+".token"), []byte(tok), 0o600); err != nil {
			return 1, err
		}
	}
	sys.etcdDir, sys.etcdAddr, sys.etcdPeer = filepath.Join(tmp, "etcd"), freeAddr(), freeAddr()
	if sys.etcd, err = etcdlocal.Start(sys.etcdDir, sys.etcdAddr, sys.etcdPeer); err != nil {
		return 1, err
	}
	defer func() { sys.etcd.Stop() }()
	if sys.etcdClient, err = discovery.NewClient([]string{sys.etcd.Endpoint}, zap.NewNop()); err != nil {
		return 1, err
	}
	defer sys.etcdClient.Close()

	// The roster seeds its demonstration data alone first; then the rest.
	if _, err := sys.startInstance("roster", "--seed-demo-data=true"); err != nil {
		return 1, err
	}
	if err := sys.waitRegistered(map[string]int{"roster": 1}, 60*time.Second); err != nil {
		return 1, err
	}
	for _, svc := range services {
		for len(sys.instances[svc]) < 2 {
			var extra []string
			if svc != "roster" {
				extra = []string{"--service-token-file", filepath.Join(tmp, svc+".token")}
			}
			if _, err := sys.startInstance(svc, extra...); err != nil {
				return 1, err
			}
		}
	}
	if err := sys.waitRegistered(map[string]int{"roster": 2, "assessment": 2, "compensation": 2, "visits": 2}, 60*time.Second); err != nil {
		return 1, err
	}
	if err := sys.startGateway(); err != nil {
		return 1, err
	}
	fmt.Printf("drills: etcd, %d service instances (%s) and the gateway up after %s\n", 8, sys.backend(), time.Since(start).Round(time.Second))
	code := m.Run()
	if code != 0 {
		sys.dumpLogs(os.Stderr)
	}
	return code, nil
}

func (c *cluster) backend() string {
	if c.pg != nil {
		return "PostgreSQL " + c.pg.version
	}
	return "SQLite"
}

// build compiles the services and the gateway from this tree.
func (c *cluster) build() error {
	root, err := filepath.Abs("../..")
	if err != nil {
		return err
	}
	args := []string{"build", "-o", c.bin + "/"}
	for _, s := range services {
		args = append(args, "./services/"+s+"/cmd/"+s)
	}
	cmd := exec.Command("go", append(args, "./gateway/cmd/gateway")...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return nil
}

// databases gives each service a database: on a private PostgreSQL cluster when its
// binaries are here (required with CI=true), else (or with RMSUITE_DRILLS_BACKEND=sqlite)
// a SQLite file both instances share.
func (c *cluster) databases() error {
	pg, err := startPostgres()
	if os.Getenv("RMSUITE_DRILLS_BACKEND") == "sqlite" {
		if err == nil {
			_ = pg.stop()
			pg.remove()
		}
		pg, err = nil, errors.New("RMSUITE_DRILLS_BACKEND=sqlite")
	}
	switch {
	case err == nil:
		c.pg = pg
		for _, s := range services {
			if err := pg.createDatabase(s); err != nil {
				return err
			}
			c.dbURL[s] = pg.url(s)
		}
		return nil
	case os.Getenv("CI") == "true":
		return fmt.Errorf("PostgreSQL is required in CI (CI=true): %w", err)
	}
	fmt.Printf("drills: no PostgreSQL (%v); the services share SQLite files and the PostgreSQL drill is skipped\n", err)
	for _, s := range services {
		c.dbURL[s] = "sqlite:" + filepath.Join(c.tmp, "data", s+".db")
	}
	return nil
}

// startInstance starts one more instance of svc and returns once it is running (not
// yet registered: see waitRegistered).
func (c *cluster) startInstance(svc string, extra ...string) (*instance, error) {
	c.mu.Lock()
	n := len(c.instances[svc]) + 1
	c.mu.Unlock()
	in := &instance{service: svc, n: n, grpcAddr: freeAddr(), metrics: freeAddr()}
	in.args = append([]string{"--grpc-addr", in.grpcAddr, "--metrics-addr", in.metrics, "--db-url", c.dbURL[svc],
		"--etcd-endpoints", c.etcdAddr, "--registration-ttl", ttl.String(), "--jwks-file", c.jwks,
		"--log-format", "json", "--log-level", "warn", "--shutdown-timeout", "5s"}, extra...)
	if err := c.spawn(in, svc); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.instances[svc] = append(c.instances[svc], in)
	c.mu.Unlock()
	return in, nil
}

// restart starts a stopped instance again with the same settings (as a supervisor would).
func (c *cluster) restart(in *instance) error { return c.spawn(in, in.service) }

func (c *cluster) spawn(in *instance, binary string) error {
	logPath := filepath.Join(c.tmp, fmt.Sprintf("%s-%d.log", binary, in.n))
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(c.bin, binary), in.args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test
	if err := cmd.Start(); err != nil {
		f.Close()
		return err
	}
	in.cmd, in.log, in.exited = cmd, f, make(chan struct{})
	go func(exited chan struct{}) { _ = cmd.Wait(); close(exited) }(in.exited)
	return nil
}

func (c *cluster) startGateway() error {
	addr := freeAddr()
	c.baseURL = "http://" + addr
	c.gateway = &instance{service: "gateway", n: 1, metrics: freeAddr()}
	c.gateway.args = []string{"--http-addr", addr, "--metrics-addr", c.gateway.metrics, "--etcd-endpoints", c.etcdAddr,
		"--jwks-file", c.jwks, "--request-timeout", "3s", "--log-format", "json", "--log-level", "warn"}
	if err := c.spawn(c.gateway, "gateway"); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(c.baseURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gateway not healthy after 30s (last: %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends an instance with SIGTERM (its ordered shutdown) and waits.
func (in *instance) stop() {
	if in.cmd == nil || !in.alive() {
		return
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.exited:
	case <-time.After(15 * time.Second):
		_ = in.cmd.Process.Kill()
		<-in.exited
	}
}

func (c *cluster) stopAll() {
	if c.gateway != nil {
		c.gateway.stop()
	}
	var wg sync.WaitGroup
	for _, list := range c.instances {
		for _, in := range list {
			wg.Add(1)
			go func() { defer wg.Done(); _ = syscall.Kill(in.pid(), syscall.SIGCONT); in.stop() }()
		}
	}
	wg.Wait()
	if c.pg != nil {
		_ = c.pg.stop()
		c.pg.remove()
	}
}

// registered counts the instances of each service in etcd.
func (c *cluster) registered(ctx context.Context) (map[string][]discovery.Instance, error) {
	list, err := discovery.List(ctx, c.etcdClient, "")
	if err != nil {
		return nil, err
	}
	out := map[string][]discovery.Instance{}
	for _, in := range list {
		out[in.Meta.Service] = append(out[in.Meta.Service], in)
	}
	return out, nil
}

// waitRegistered waits until etcd holds exactly want[service] instances of each service named.
func (c *cluster) waitRegistered(want map[string]int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		got, err := c.registered(ctx)
		cancel()
		ok := err == nil
		for svc, n := range want {
			ok = ok && len(got[svc]) == n
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			have := map[string]int{}
			for svc, l := range got {
				have[svc] = len(l)
			}
			return fmt.Errorf("after %s: registered %v, want %v (err %v)", limit, have, want, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stopEtcd stops the embedded etcd; startEtcd brings it back on the same data and ports.
func (c *cluster) stopEtcd() { c.etcd.Stop() }

func (c *cluster) startEtcd() error {
	e, err := etcdlocal.Start(c.etcdDir, c.etcdAddr, c.etcdPeer)
	if err != nil {
		return err
	}
	c.etcd = e
	return nil
}

// counter reads a counter (summed over the series whose labels contain every one of
// match) from an instance's /metrics.
func counter(t testing.TB, metricsAddr, name string, match ...string) float64 {
	t.Helper()
	v, err := scrape(metricsAddr, name, match...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// scrape is counter without the test: it fails when the instance does not answer.
func scrape(metricsAddr, name string, match ...string) (float64, error) {
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		return 0, fmt.Errorf("scrape %s: %w", metricsAddr, err)
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
lines:
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		for _, m := range match {
			if !strings.Contains(line, m) {
				continue lines
			}
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err == nil {
			sum += v
		}
	}
	return sum, sc.Err()
}

// openDB opens a service's database (read side) to check what was applied.
func (c *cluster) openDB(t testing.TB, svc string) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), c.dbURL[svc], storage.Options{MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// rest sends a REST request through the gateway as an administrator, within timeout.
func (c *cluster) rest(method, path string, body any, timeout time.Duration) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

func (c *cluster) dumpLogs(w io.Writer) {
	paths, _ := filepath.Glob(filepath.Join(c.tmp, "*.log"))
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil || len(raw) == 0 {
			continue
		}
		if len(raw) > 8000 {
			raw = raw[len(raw)-8000:]
		}
		fmt.Fprintf(w, "--- %s (tail) ---\n%s\n", filepath.Base(p), raw)
	}
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}
