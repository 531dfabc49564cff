package server

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/rmsuite/rmsuite/pkg/apierr"
)

// An open health watch (as grpc clients with client-side health checking hold) must
// end on shutdown instead of holding GracefulStop until the shutdown timeout.
func TestHealthWatchEndsPromptlyOnShutdown(t *testing.T) {
	cfg := testConfig()
	cfg.ShutdownTimeout = 30 * time.Second
	srv, err := New(cfg, zap.NewNop(), apierr.Table{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, nil, "probe", "v1", 0) }()
	conn := dial(t, srv.Addr())
	waitServing(t, conn, "")
	watch, err := healthpb.NewHealthClient(conn).Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if first, err := watch.Recv(); err != nil || first.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("first = %v, %v", first, err)
	}
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("shutdown waits on the open health watch")
	}
	t.Logf("shutdown took %s with a watch open", time.Since(start).Round(time.Millisecond))
}
