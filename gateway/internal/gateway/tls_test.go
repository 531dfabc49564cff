package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/rmsuite/rmsuite/gateway/internal/gateway"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/pkg/etcdlocal"
	"github.com/rmsuite/rmsuite/pkg/logging"
	"github.com/rmsuite/rmsuite/pkg/tlsfiles"
	"github.com/rmsuite/rmsuite/pkg/tlsfiles/tlstest"
)

// TestTLSBackends: with TLS configured the gateway reaches a backend that requires
// mutual TLS, given statically or found through etcd; without TLS it cannot.
func TestTLSBackends(t *testing.T) {
	ca := tlstest.NewCA(t, "rmsuite test CA")
	creds, err := tlsfiles.ServerConfig{Config: ca.Config(t, "roster")}.ServerCredentials(nil)
	if err != nil {
		t.Fatal(err)
	}
	addr, fake, _ := startBackend(t, grpc.Creds(creds))
	iss := authtest.New(t)
	token := iss.Token(t, "E0001", "head-office", auth.Administrator)
	base := gateway.Config{
		MaxBodyBytes:   bodyLimit,
		RequestTimeout: 5 * time.Second,
		Logging:        logging.Config{LogFormat: "json", LogLevel: "error"},
		Auth:           iss.Config,
		TLS:            ca.Config(t, "gateway"),
	}

	// serve builds a gateway with cfg and serves it over HTTP until the test ends.
	serve := func(t *testing.T, cfg gateway.Config, etcd *clientv3.Client) string {
		t.Helper()
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		gw, err := gateway.New(t.Context(), cfg, etcd, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(gw.Close)
		srv := httptest.NewServer(gw)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	get := func(t *testing.T, url string) reply {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		return send(t, req)
	}
	// reaches checks an API call and /healthz through the gateway at url.
	reaches := func(t *testing.T, url string) {
		t.Helper()
		before := len(fake.Calls())
		r := get(t, url+"/v1/orgUnits/east")
		wantStatus(t, r, http.StatusOK)
		if name := object(t, r)["name"]; name != "orgUnits/east" {
			t.Fatalf("name %v, want orgUnits/east; body: %s", name, r.body)
		}
		if calls := fake.Calls(); len(calls) != before+1 || calls[before].method != "GetOrgUnit" {
			t.Fatalf("backend calls %d → %d, want one more GetOrgUnit", before, len(calls))
		}
		r = get(t, url+"/healthz?service=roster")
		wantStatus(t, r, http.StatusOK)
	}

	t.Run("static backend", func(t *testing.T) {
		cfg := base
		cfg.Backends = []string{"roster=" + addr}
		reaches(t, serve(t, cfg, nil))
	})

	t.Run("backend from etcd", func(t *testing.T) {
		e, err := etcdlocal.Start(t.TempDir(), "127.0.0.1:0", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Stop)
		cli, err := discovery.NewClient([]string{e.Endpoint}, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cli.Close() })
		reg, err := discovery.Register(t.Context(), cli, "roster", addr, "v-test", 5*time.Second, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = reg.Deregister(t.Context()) })
		cfg := base
		cfg.Discovery.EtcdEndpoints = []string{e.Endpoint}
		cfg.Discovery.RegistrationTTL = 10 * time.Second
		// The instance registered 127.0.0.1:<port>: its certificate is checked
		// against 127.0.0.1, not against the channel's authority (the etcd prefix).
		reaches(t, serve(t, cfg, cli))
	})

	t.Run("plaintext gateway is refused", func(t *testing.T) {
		cfg := base
		cfg.TLS = tlsfiles.Config{}
		cfg.Backends = []string{"roster=" + addr}
		r := get(t, serve(t, cfg, nil)+"/healthz")
		wantStatus(t, r, http.StatusServiceUnavailable)
		var report gateway.HealthReport
		if err := json.Unmarshal(r.body, &report); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(report.Backends["roster"], "UNAVAILABLE") {
			t.Fatalf("roster %q, want UNAVAILABLE", report.Backends["roster"])
		}
	})
}
