package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/pkg/etcdlocal"
	"github.com/rmsuite/rmsuite/pkg/storage"
)

// A service run with --metrics-addr serves its calls by method and code, its
// database pools and its version, and registers the metrics address in etcd.
func TestServiceServesMetrics(t *testing.T) {
	e, err := etcdlocal.Start(t.TempDir(), "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop()
	watcher, err := discovery.NewClient([]string{e.Endpoint}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	cfg, iss := serviceConfigAndIssuer(t)
	cfg.Discovery.EtcdEndpoints = []string{e.Endpoint}
	cfg.MetricsAddr = "127.0.0.1:0"
	svc := Service{Name: "probe", Rules: probeRules, Register: func(ctx context.Context, s *Server, db *storage.DB, log *zap.Logger) error {
		s.Register(&probeDesc, newProbe())
		s.Metrics().Progress("probe_run").Start("run-1", 3).Done(1)
		return nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, svc, cfg, zap.NewNop()) }()
	conn := dial(t, cfg.Server.GRPCAddr)
	waitServing(t, conn, probeService)
	authed := metadata.AppendToOutgoingContext(ctxTimeout(t, 5*time.Second), "authorization",
		"Bearer "+iss.Token(t, "E3001", "team-lujiazui", auth.CustomerManager))
	for range 2 {
		if _, _, err := call(authed, conn, "hi"); err != nil {
			t.Fatal(err)
		}
	}
	_, _, _ = call(ctxTimeout(t, 5*time.Second), conn, "hi") // no token

	in, err := discovery.List(ctxTimeout(t, 5*time.Second), watcher, "probe")
	if err != nil || len(in) != 1 || in[0].Meta.Metrics == "" {
		t.Fatalf("registration %+v, %v: want the metrics address", in, err)
	}
	resp, err := http.Get("http://" + in[0].Meta.Metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(raw)
	for _, want := range []string{
		`grpc_server_handled_total{grpc_code="OK",grpc_method="Call",grpc_service="rmsuite.test.v1.Probe"} 2`,
		`grpc_server_handled_total{grpc_code="Unauthenticated",grpc_method="Call",grpc_service="rmsuite.test.v1.Probe"} 1`,
		`rmsuite_build_info{service="probe",version="` + Version + `"} 1`,
		`rmsuite_db_max_connections{pool="sqlite-write"} 1`,
		`rmsuite_operation_items{operation="probe_run",run="run-1",state="done"} 1`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A database that cannot be reached is UNAVAILABLE (retried by clients), not INTERNAL.
func TestDatabaseUnavailableIsUnavailable(t *testing.T) {
	r := start(t, testConfig(), nil)
	_, _, err := call(ctxTimeout(t, 5*time.Second), r.conn, "dbdown")
	if status.Code(err) != codes.Unavailable || strings.Contains(err.Error(), "refused") {
		t.Fatalf("err = %v, want UNAVAILABLE without the cause", err)
	}
	_, _, err = call(ctxTimeout(t, 5*time.Second), r.conn, "unmapped")
	if status.Code(err) != codes.Internal {
		t.Fatalf("an unknown error = %v, still INTERNAL", err)
	}
}

// A call's deadline travels with it to the next service, through the connection
// Server.Dial makes: the next hop never gets more time than the caller had, and a
// call that came without a deadline passes on the default it was given.
func TestDeadlinePropagatesAcrossHops(t *testing.T) {
	nextCfg := testConfig()
	nextCfg.DefaultDeadline = 30 * time.Second // would show if the first hop's deadline were lost
	next := start(t, nextCfg, nil)
	firstCfg := testConfig() // default deadline 3s
	first := start(t, firstCfg, func(s *Server) {
		s.peers = []string{"next=" + next.srv.Addr()}
	})
	conn, err := first.srv.Dial("next")
	if err != nil {
		t.Fatal(err)
	}
	first.probe.next = conn

	left := func(ctx context.Context) time.Duration {
		t.Helper()
		got, _, err := call(ctx, first.conn, "hop")
		if err != nil {
			t.Fatal(err)
		}
		d, err := time.ParseDuration(got)
		if err != nil {
			t.Fatalf("next hop saw %q", got)
		}
		return d
	}
	if d := left(ctxTimeout(t, 2*time.Second)); d > 2*time.Second || d < time.Second {
		t.Errorf("caller deadline 2s: the next hop has %s left", d)
	}
	if d := left(context.Background()); d > 3*time.Second || d < 2*time.Second {
		t.Errorf("no caller deadline: the next hop has %s left, want the first hop's default (3s)", d)
	}
}
