// Package browser runs the web console's browser tests: gateway/web/e2e (Node's
// test runner with playwright-core, driving Debian's headless Chromium) against
// the suite started the way `make run` starts it — embedded etcd, the four
// services and the gateway with the dev sign-in on — on random ports, after a
// little data is seeded through the REST API.
//
// They need /usr/bin/chromium (or $RMSUITE_CHROMIUM), node and
// gateway/web/node_modules: `make browser-deps` installs them. Without them the
// test is skipped with that advice, except with CI=true, where it fails.
// Screenshots of the main pages are written to .tmp/browser/.
package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/gateway/internal/testprocs"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/etcdlocal"
)

func TestConsoleInChromium(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	web := filepath.Join(root, "gateway", "web")
	chromium := os.Getenv("RMSUITE_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	var missing []string
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, chromium)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat(filepath.Join(web, "node_modules", "playwright-core", "package.json")); err != nil {
		missing = append(missing, "gateway/web/node_modules (npm ci)")
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("the browser tests need %s: run `make browser-deps`", strings.Join(missing, ", "))
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg + " (CI=true makes this a failure)")
	}

	s := start(t, root)
	s.seed(t)

	shots := filepath.Join(root, ".tmp", "browser")
	if err := os.RemoveAll(shots); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "e2e/console.test.mjs")
	cmd.Dir = web
	cmd.Env = append(os.Environ(), "RMSUITE_BASE_URL="+s.baseURL, "RMSUITE_SCREENSHOTS="+shots, "RMSUITE_CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("node --test e2e/console.test.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser tests failed (%v); screenshots so far in %s\n--- process logs ---\n%s", err, shots, s.logs.String())
	}
	t.Logf("screenshots in %s", shots)
}

// suite is the running system.
type suite struct {
	baseURL string
	minter  *auth.Minter
	logs    *testprocs.Log
}

func start(t *testing.T, root string) *suite {
	t.Helper()
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	if err := testprocs.Build(root, bin, "./services/roster/cmd/roster", "./services/assessment/cmd/assessment",
		"./services/compensation/cmd/compensation", "./services/visits/cmd/visits", "./gateway/cmd/gateway"); err != nil {
		t.Fatal(err)
	}

	s := &suite{logs: &testprocs.Log{}}
	var err error
	if s.minter, err = auth.NewMinter(); err != nil {
		t.Fatal(err)
	}
	key, jwks := filepath.Join(tmp, "auth", "signing-key.json"), filepath.Join(tmp, "auth", "jwks.json")
	if err := s.minter.Save(key, jwks); err != nil {
		t.Fatal(err)
	}
	etcd, err := etcdlocal.Start(filepath.Join(tmp, "etcd"), "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(etcd.Stop)

	common := []string{"--etcd-endpoints", etcd.Endpoint, "--jwks-file", jwks, "--log-format", "json", "--log-level", "warn"}
	for _, name := range []string{"roster", "assessment", "compensation", "visits"} {
		// Each service calls the others on its own behalf with a system token, as
		// rmsuite dev gives them.
		token := filepath.Join(tmp, "auth", name+".token")
		if err := os.WriteFile(token, []byte(s.token(t, "svc:"+name, "", auth.System)), 0o600); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"--grpc-addr", freeAddr(t), "--db-url", "sqlite:" + filepath.Join(tmp, name+".db"),
			"--service-token-file", token}, common...)
		if name == "roster" {
			args = append(args, "--seed-demo-data=true")
		}
		s.spawn(t, filepath.Join(bin, name), args...)
	}
	addr := freeAddr(t)
	s.baseURL = "http://" + addr
	// As rmsuite dev starts it: the console's dev sign-in signs with the local key.
	s.spawn(t, filepath.Join(bin, "gateway"), append([]string{"--http-addr", addr, "--dev-signing-key", key}, common...)...)
	if err := testprocs.WaitHTTP(s.baseURL+"/healthz", 60*time.Second); err != nil {
		t.Fatalf("the suite is not healthy: %v\n%s", err, s.logs.String())
	}
	return s
}

func (s *suite) spawn(t *testing.T, path string, args ...string) {
	t.Helper()
	p, err := testprocs.Start(s.logs, path, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
}

func (s *suite) token(t *testing.T, subject, orgUnit string, roles ...auth.Role) string {
	t.Helper()
	tok, err := s.minter.Mint(auth.Token{Subject: subject, Name: subject, OrgUnit: orgUnit, Roles: roles, Issuer: "rmsuite-dev", Audience: "rmsuite"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// seed creates what the browser tests start from (see gateway/web/e2e): 冯霞's
// four customers without a plan, 郑伟's two customers and his approved plan for
// next month (a scheduled route whatever today is), a grade change of 郑伟 that HR
// prepared and the committee is to approve, an open request, and the team's
// business figures of the month and the year.
func (s *suite) seed(t *testing.T) {
	t.Helper()
	admin := s.token(t, "E0001", "head-office", auth.Administrator)
	for i := 1; i <= 6; i++ {
		manager, kind, class, street := "E3002", "KIND_RETAIL_OUTLET", "B", fmt.Sprintf("上海市浦东新区世纪大道 %d 号", i*100)
		if i > 4 {
			manager, kind, class, street = "E3001", "KIND_CORPORATE", "A", fmt.Sprintf("上海市浦东新区陆家嘴环路 %d 号", i*111)
		}
		s.call(t, admin, "POST", fmt.Sprintf("/v1/customers?customerId=WEB%d", i), map[string]any{
			"displayName": fmt.Sprintf("测试零售户%d", i), "kind": kind, "classification": class, "areaType": "AREA_TYPE_URBAN",
			"primaryManager": "managers/" + manager, "address": street,
			"location": map[string]float64{"latitude": 31.2341 + float64(i-1)*0.004, "longitude": 121.5102 - float64(i-1)*0.003},
		}, nil)
	}
	now := time.Now().In(shanghai)
	month := now.Format("2006-01")
	nextFirst := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, shanghai)
	next := nextFirst.Format("2006-01")
	// Visits learns the customers from the roster's feed.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var a, b struct{ Customers int }
		s.call(t, admin, "GET", "/v1/managers/E3002/analyses/"+month, nil, &a)
		s.call(t, admin, "GET", "/v1/managers/E3001/analyses/"+month, nil, &b)
		if a.Customers == 4 && b.Customers == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("visits has %d and %d customers of E3002 and E3001 after 30 s, want 4 and 2", a.Customers, b.Customers)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cm := s.token(t, "E3001", "team-lujiazui", auth.CustomerManager)
	supervisor := s.token(t, "E1101", "team-lujiazui", auth.Supervisor)
	plan := "/v1/managers/E3001/plans/" + next
	s.call(t, cm, "POST", "/v1/plans:generate", map[string]any{"scope": "managers/E3001", "month": next}, nil)
	s.call(t, cm, "POST", plan+":submit", map[string]any{}, nil)
	s.call(t, supervisor, "POST", plan+":approve", map[string]any{"comment": "同意"}, nil)

	// A grade change HR prepares waits for another person's approval (the committee's, in the test).
	hr := s.token(t, "E0002", "head-office", auth.HROfficer)
	s.call(t, hr, "POST", "/v1/managers/E3001:changeGrade", map[string]any{
		"grade": map[string]string{"ladder": "gradeLadders/bank", "level": "L2"}, "reason": "年度晋级",
		"effectiveDate": map[string]int{"year": nextFirst.Year(), "month": int(nextFirst.Month()), "day": 1},
	}, nil)

	bank := s.token(t, "svc:core-banking", "head-office", auth.System)
	s.call(t, bank, "POST", "/v1/requests", map[string]any{"customer": "customers/WEB2", "channel": "app", "text": "想了解新产品"}, nil)

	// The month's business figures of the team, and the year's deposits, as the
	// core-banking system pushes them: the monthly run scores them, and 周杰's
	// year (with the ratings and the annual inputs the tests enter) meets every
	// promotion indicator of 高级.
	var rows []map[string]string
	for _, m := range []string{"E3001", "E3002", "E1101"} {
		for _, f := range [][2]string{{"DEPOSIT_DAILY_AVG", "12000000.00"}, {"LOAN_DAILY_AVG", "9600000.00"}, {"NEW_CUSTOMERS", "12"},
			{"INTERMEDIATE_REVENUE", "60000.00"}, {"NPL_RATIO", "1.00"}, {"COMPLIANCE_BREACHES", "0"}} {
			rows = append(rows, map[string]string{"manager": "managers/" + m, "period": month, "code": f[0], "value": f[1]})
		}
	}
	for m, deposits := range map[string]string{"E3001": "12000000.00", "E3002": "12000000.00", "E1101": "90000000.00"} {
		rows = append(rows, map[string]string{"manager": "managers/" + m, "period": month[:4], "code": "DEPOSIT_DAILY_AVG", "value": deposits})
	}
	s.call(t, bank, "POST", "/v1/figureBatches", map[string]any{"batchId": "web-" + month, "source": "core-banking", "rows": rows}, nil)
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// call sends a REST request and decodes the JSON answer; anything but 200 fails.
func (s *suite) call(t *testing.T, token, method, path string, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.baseURL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := testprocs.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
