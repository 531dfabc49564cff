// Package e2e drives the suite end to end: real etcd (embedded in the test
// process), the roster service and the gateway as separate processes built from this
// tree, on random ports — over REST and over gRPC through etcd discovery.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/rmsuite/rmsuite/gateway/internal/testprocs"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/pkg/etcdlocal"
)

// registrationTTL is short so that the kill drill runs quickly.
const registrationTTL = 3 * time.Second

// suite is the running system shared by the tests and benchmarks of this package.
type suite struct {
	bin, data  string
	etcd       *etcdlocal.Server
	etcdClient *clientv3.Client
	roster     *testprocs.Process
	rosterAddr string
	gateway    *testprocs.Process
	baseURL    string
	logs       *testprocs.Log
	minter     *auth.Minter
	jwks       string
	others     []*testprocs.Process // assessment, compensation, visits
	adminToken string
	visitsArgs []string // to restart visits (drills)
}

// tokenFor mints a token the processes accept.
func (s *suite) tokenFor(subject, orgUnit string, roles ...auth.Role) string {
	tok, err := s.minter.Mint(auth.Token{Subject: subject, OrgUnit: orgUnit, Roles: roles, Issuer: "rmsuite-dev", Audience: "rmsuite"})
	if err != nil {
		panic(err)
	}
	return tok
}

var sys *suite

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		if sys != nil {
			fmt.Fprintln(os.Stderr, sys.logs.String())
		}
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	tmp, err := os.MkdirTemp("", "rmsuite-e2e-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(tmp)
	sys = &suite{bin: filepath.Join(tmp, "bin"), data: filepath.Join(tmp, "data"), logs: &testprocs.Log{}}
	if err := sys.build(); err != nil {
		return 1, err
	}
	if sys.minter, err = auth.NewMinter(); err != nil {
		return 1, err
	}
	sys.jwks = filepath.Join(tmp, "jwks.json")
	if err := sys.minter.Save(filepath.Join(tmp, "key.json"), sys.jwks); err != nil {
		return 1, err
	}
	sys.adminToken = sys.tokenFor("E0001", "head-office", auth.Administrator)
	if sys.etcd, err = etcdlocal.Start(filepath.Join(tmp, "etcd"), "127.0.0.1:0", "127.0.0.1:0"); err != nil {
		return 1, err
	}
	defer sys.etcd.Stop()
	if sys.etcdClient, err = discovery.NewClient([]string{sys.etcd.Endpoint}, zap.NewNop()); err != nil {
		return 1, err
	}
	defer sys.etcdClient.Close()
	if err := sys.startRoster(); err != nil {
		return 1, err
	}
	defer sys.roster.Stop()
	// Visits follows the roster's feed with its own service token.
	visitsToken := filepath.Join(tmp, "visits.token")
	if err := os.WriteFile(visitsToken, []byte(sys.tokenFor("svc:visits", "", auth.System)), 0o600); err != nil {
		return 1, err
	}
	// Compensation reads grades, coefficients and figures for payroll runs with its own.
	compensationToken := filepath.Join(tmp, "compensation.token")
	if err := os.WriteFile(compensationToken, []byte(sys.tokenFor("svc:compensation", "", auth.System)), 0o600); err != nil {
		return 1, err
	}
	// Assessment sends approved grade changes to the roster with its own token.
	assessmentToken := filepath.Join(tmp, "assessment.token")
	if err := os.WriteFile(assessmentToken, []byte(sys.tokenFor("svc:assessment", "", auth.System)), 0o600); err != nil {
		return 1, err
	}
	for _, name := range []string{"assessment", "compensation", "visits"} {
		args := []string{"--grpc-addr", freeAddr(), "--db-url", "sqlite:" + filepath.Join(sys.data, name+".db"),
			"--etcd-endpoints", sys.etcd.Endpoint, "--registration-ttl", registrationTTL.String(), "--jwks-file", sys.jwks,
			"--log-format", "json", "--log-level", "warn"}
		if name == "assessment" {
			args = append(args, "--service-token-file", assessmentToken)
		}
		if name == "visits" {
			args = append(args, "--service-token-file", visitsToken)
			sys.visitsArgs = args
		}
		if name == "compensation" {
			args = append(args, "--service-token-file", compensationToken)
		}
		sys.others = append(sys.others, sys.spawn(name, args...))
	}
	defer func() {
		for _, p := range sys.others {
			p.Stop()
		}
	}()
	if err := sys.waitAllRegistered(30 * time.Second); err != nil {
		return 1, err
	}
	if err := sys.startGateway(); err != nil {
		return 1, err
	}
	defer sys.gateway.Stop()
	code := m.Run()
	if code != 0 {
		fmt.Fprintln(os.Stderr, "--- process logs ---\n"+sys.logs.String())
	}
	return code, nil
}

// build compiles the binaries from this tree (the go.work at the repository root).
func (s *suite) build() error {
	root, err := filepath.Abs("../..")
	if err != nil {
		return err
	}
	return testprocs.Build(root, s.bin, "./services/roster/cmd/roster", "./services/assessment/cmd/assessment",
		"./services/compensation/cmd/compensation", "./services/visits/cmd/visits", "./gateway/cmd/gateway")
}

func (s *suite) startRoster() error {
	if s.rosterAddr == "" {
		s.rosterAddr = freeAddr()
	}
	s.roster = s.spawn("roster", "--grpc-addr", s.rosterAddr,
		"--db-url", "sqlite:"+filepath.Join(s.data, "roster.db"), "--seed-demo-data=true",
		"--etcd-endpoints", s.etcd.Endpoint, "--registration-ttl", registrationTTL.String(), "--jwks-file", s.jwks,
		"--log-format", "json", "--log-level", "warn", "--debug-addr", os.Getenv("E2E_ROSTER_DEBUG_ADDR"))
	return s.waitRegistered(1, 30*time.Second)
}

func (s *suite) startGateway() error {
	addr := freeAddr()
	s.baseURL = "http://" + addr
	s.gateway = s.spawn("gateway", "--http-addr", addr, "--etcd-endpoints", s.etcd.Endpoint, "--jwks-file", s.jwks,
		"--max-body-bytes", "65536", "--log-format", "json", "--log-level", "warn", "--debug-addr", os.Getenv("E2E_GATEWAY_DEBUG_ADDR"))
	return s.waitHealthy(30 * time.Second)
}

func (s *suite) spawn(name string, args ...string) *testprocs.Process {
	p, err := testprocs.Start(s.logs, filepath.Join(s.bin, name), args...)
	if err != nil {
		panic(err)
	}
	return p
}

// waitRegistered polls etcd until n roster instances are registered.
func (s *suite) waitRegistered(n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		list, err := discovery.List(context.Background(), s.etcdClient, "roster")
		if err == nil && len(list) == n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("want %d roster registration(s), have %v (err %v)", n, list, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitAllRegistered polls etcd until every service has an instance registered, so
// that tests walking all services do not race their start-up.
func (s *suite) waitAllRegistered(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		list, err := discovery.List(context.Background(), s.etcdClient, "")
		seen := map[string]bool{}
		for _, in := range list {
			seen[in.Meta.Service] = true
		}
		if err == nil && seen["roster"] && seen["assessment"] && seen["compensation"] && seen["visits"] {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not every service registered after %s: %v (err %v)", limit, seen, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *suite) waitHealthy(limit time.Duration) error {
	return testprocs.WaitHTTP(s.baseURL+"/healthz?service=roster", limit)
}

func freeAddr() string { return testprocs.MustFreeAddr() }

// call sends a REST request as an administrator and decodes the JSON answer into
// out (when not nil).
func call(t testing.TB, method, path string, body any, out any) int {
	t.Helper()
	return callAs(t, sys.adminToken, method, path, body, out)
}

// callAs sends a REST request with token ("" for none).
func callAs(t testing.TB, token, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, sys.baseURL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, raw)
		}
	}
	return resp.StatusCode
}
