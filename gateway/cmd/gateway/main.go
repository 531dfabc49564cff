// Command gateway serves rmsuite's REST API (grpc-gateway) on top of the gRPC
// services it finds through etcd. Run with -h for its settings.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/rmsuite/rmsuite/gateway/internal/gateway"
	"github.com/rmsuite/rmsuite/pkg/config"
	"github.com/rmsuite/rmsuite/pkg/debughttp"
	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/pkg/logging"
	"github.com/rmsuite/rmsuite/pkg/metrics"
	"github.com/rmsuite/rmsuite/pkg/server"
	"github.com/rmsuite/rmsuite/pkg/tracing"
)

// settings are the gateway's configuration, where its metrics are served and where
// its traces go.
type settings struct {
	gateway.Config
	// MetricsAddr serves Prometheus metrics (/metrics) when set: HTTP requests by
	// resource, method and code; calls to the services; runtime and process.
	MetricsAddr string `flag:"metrics-addr" env:"METRICS_ADDR" default:"" usage:"host:port to serve Prometheus metrics on (/metrics), e.g. :9090; empty: off"`
	// Tracing starts a trace for each request (or continues the caller's traceparent)
	// and passes it to the services, when a collector is configured.
	Tracing tracing.Config
}

// Validate checks every part.
func (s settings) Validate() error { return errors.Join(s.Config.Validate(), s.Tracing.Validate()) }

func main() {
	var cfg settings
	if err := config.Load(&cfg, "gateway", os.Args[1:], server.EnvPrefix); err != nil {
		fmt.Fprintf(os.Stderr, "gateway: %v\n", err)
		os.Exit(2)
	}
	log, err := logging.New(cfg.Logging, "gateway")
	if err != nil {
		fmt.Fprintf(os.Stderr, "gateway: logger: %v\n", err)
		os.Exit(2)
	}
	defer log.Sync()
	fields := []zap.Field{zap.String("version", server.Version)}
	for _, f := range config.Describe(&cfg) {
		fields = append(fields, zap.String(f.Flag, f.Value))
	}
	log.Info("starting", fields...)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, log); err != nil {
		log.Error("gateway failed", zap.Error(err))
		log.Sync()
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg settings, log *zap.Logger) error {
	var etcd *clientv3.Client
	if len(cfg.Discovery.EtcdEndpoints) > 0 {
		var err error
		if etcd, err = discovery.NewClient(cfg.Discovery.EtcdEndpoints, log); err != nil {
			return err
		}
		defer etcd.Close()
	}
	if err := debughttp.Start(ctx, cfg.DebugAddr, log); err != nil {
		return fmt.Errorf("debug-addr: %w", err)
	}
	m := metrics.New()
	m.BuildInfo("gateway", server.Version)
	if _, err := m.Serve(ctx, cfg.MetricsAddr, log); err != nil {
		return fmt.Errorf("metrics-addr: %w", err)
	}
	traces, err := tracing.Start(ctx, cfg.Tracing, "gateway", server.Version, log) // nil when off
	if err != nil {
		return err
	}
	defer traces.Shutdown()
	gw, err := gateway.New(ctx, cfg.Config, etcd, log, append(m.DialOptions(), traces.DialOptions()...)...)
	if err != nil {
		return err
	}
	defer gw.Close()
	lis, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	// /livez answers while this process serves HTTP, whatever the backends do: the
	// probe of a load balancer or of Kubernetes (GET /healthz checks the backends).
	routes := http.NewServeMux()
	routes.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	routes.Handle("/", m.HTTP(traces.HTTP(gw, func(r *http.Request) string {
		return r.Method + " " + metrics.Resource(r.URL.Path)
	})))
	srv := &http.Server{
		Handler:           routes,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	log.Info("serving", zap.String("addr", lis.Addr().String()))
	select {
	case <-ctx.Done():
	case err := <-served:
		return err
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
