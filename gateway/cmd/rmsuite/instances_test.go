package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	grpchealth "google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/pkg/etcdlocal"
)

// serveHealth runs a gRPC server answering the health protocol with st.
func serveHealth(t *testing.T, st healthpb.HealthCheckResponse_ServingStatus) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	h := grpchealth.NewServer()
	h.SetServingStatus("", st)
	healthpb.RegisterHealthServer(srv, h)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

func TestInstancesListsHealthVersionAndMetrics(t *testing.T) {
	e, err := etcdlocal.Start(t.TempDir(), "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Stop) // cleanups run last-first: deregistrations, then the client, then etcd
	cli, err := discovery.NewClient([]string{e.Endpoint}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close() // registered, but nothing answers there (a hung or killed instance before its lease ends)
	for _, r := range []struct{ service, addr, version, metrics string }{
		{"roster", serveHealth(t, healthpb.HealthCheckResponse_SERVING), "v1.4.0", "127.0.0.1:9201"},
		{"roster", deadAddr, "v1.4.0", ""},
		{"visits", serveHealth(t, healthpb.HealthCheckResponse_NOT_SERVING), "v1.3.9", ""},
	} {
		reg, err := discovery.Register(ctx, cli, r.service, r.addr, r.version, 10*time.Second, zap.NewNop(), discovery.WithMetricsAddr(r.metrics))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { reg.Deregister(context.Background()) })
	}

	var out bytes.Buffer
	if err := instancesTo(&out, []string{"--etcd-endpoints", e.Endpoint}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"SERVICE", "HEALTH", "VERSION", "METRICS", "SERVING", "UNREACHABLE", "NOT_SERVING",
		"v1.4.0", "v1.3.9", "127.0.0.1:9201", "serving: roster 1/2, visits 0/1"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}

	out.Reset()
	if err := instancesTo(&out, []string{"--etcd-endpoints", e.Endpoint, "--service", "roster", "--json"}); err != nil {
		t.Fatal(err)
	}
	var rows []instanceRow
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("--json: %v\n%s", err, out.String())
	}
	if len(rows) != 2 || rows[0].Service != "roster" || rows[0].PID == 0 || rows[0].StartedAt.IsZero() {
		t.Fatalf("--json rows = %+v", rows)
	}
	healths := rows[0].Health + "," + rows[1].Health
	if healths != "SERVING,UNREACHABLE" && healths != "UNREACHABLE,SERVING" {
		t.Fatalf("health = %s", healths)
	}

	err = instancesTo(&out, []string{"--etcd-endpoints", e.Endpoint, "--check"})
	if !errors.Is(err, errNotAllServing) {
		t.Fatalf("--check with unhealthy instances = %v", err)
	}
	err = instancesTo(&out, []string{"--etcd-endpoints", e.Endpoint, "--check", "--service", "compensation"})
	if !errors.Is(err, errNotAllServing) {
		t.Fatalf("--check with none registered = %v", err)
	}
}
