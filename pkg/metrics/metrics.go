// Package metrics is the suite's Prometheus instrumentation: every gRPC call a
// process serves or makes (count and latency by method and code), its database pools,
// the Go runtime and the process, and the progress of long operations (payroll runs,
// plan generation) — served as text on a separate, opt-in address (/metrics), never
// on the API ports.
//
// One Metrics per process (no package-level registry): pkg/server builds it for every
// service and the gateway builds its own. Code that wants its own series registers
// them on Registerer, or reports a long operation through Progress.
//
// Names follow the conventions of go-grpc-prometheus, so that common dashboards work:
//
//	grpc_server_handled_total{grpc_service,grpc_method,grpc_code}
//	grpc_server_handling_seconds{grpc_service,grpc_method,grpc_code}   (histogram)
//	grpc_client_handled_total / grpc_client_handling_seconds           (calls made)
//	rmsuite_db_connections{pool,state}, rmsuite_db_max_connections{pool},
//	rmsuite_db_waits_total{pool}, rmsuite_db_wait_seconds_total{pool}
//	rmsuite_operation_items{operation,run,state}, rmsuite_operation_runs_total{operation,outcome},
//	rmsuite_operation_run_seconds{operation}
//	rmsuite_build_info{service,version}
package metrics

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// Latency buckets in seconds: 1 ms to 30 s (reads are milliseconds; payroll and
// plan generation take seconds).
var buckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// Metrics holds one process's registry and the series every process has.
type Metrics struct {
	reg           *prometheus.Registry
	serverHandled *prometheus.CounterVec
	serverSeconds *prometheus.HistogramVec
	clientHandled *prometheus.CounterVec
	clientSeconds *prometheus.HistogramVec

	opsOnce sync.Once // long operations' series, registered on first use
	ops     *operations
}

// New builds a process's registry with the gRPC series, the Go runtime and the process.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		serverHandled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grpc_server_handled_total",
			Help: "gRPC calls served, by method and status code.",
		}, []string{"grpc_service", "grpc_method", "grpc_code"}),
		serverSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "grpc_server_handling_seconds",
			Help:    "Time to serve a gRPC call (a stream: until it ends), by method and status code.",
			Buckets: buckets,
		}, []string{"grpc_service", "grpc_method", "grpc_code"}),
		clientHandled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grpc_client_handled_total",
			Help: "gRPC calls made to other services (after retries), by method and status code.",
		}, []string{"grpc_service", "grpc_method", "grpc_code"}),
		clientSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "grpc_client_handling_seconds",
			Help:    "Time of a gRPC call made to another service, retries included, by method and status code.",
			Buckets: buckets,
		}, []string{"grpc_service", "grpc_method", "grpc_code"}),
	}
	reg.MustRegister(m.serverHandled, m.serverSeconds, m.clientHandled, m.clientSeconds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// BuildInfo names the process and its version (rmsuite_build_info); call it once.
func (m *Metrics) BuildInfo(service, version string) {
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "rmsuite_build_info",
		Help:        "Always 1; the labels name the process and its version.",
		ConstLabels: prometheus.Labels{"service": service, "version": version},
	})
	info.Set(1)
	m.reg.MustRegister(info)
}

// Registerer is where other code registers its own series.
func (m *Metrics) Registerer() prometheus.Registerer { return m.reg }

// Gatherer reads every registered series (tests, the /metrics handler).
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Serve listens on addr and serves /metrics until ctx ends; an empty addr serves
// nothing. A listen error is returned at once, so that a taken port stops start-up.
// It returns the address it listens on (addr with a port 0 resolved).
func (m *Metrics) Serve(ctx context.Context, addr string, log *zap.Logger) (string, error) {
	if addr == "" {
		return "", nil
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("metrics server stopped", zap.Error(err))
		}
	}()
	log.Info("serving metrics", zap.String("metrics_addr", lis.Addr().String()))
	return lis.Addr().String(), nil
}

// splitMethod turns /pkg.Service/Method into its two labels.
func splitMethod(full string) (service, method string) {
	full = strings.TrimPrefix(full, "/")
	if i := strings.LastIndex(full, "/"); i >= 0 {
		return full[:i], full[i+1:]
	}
	return "unknown", full
}

func (m *Metrics) observeServer(full string, start time.Time, err error) {
	svc, method := splitMethod(full)
	code := status.Code(err).String()
	m.serverHandled.WithLabelValues(svc, method, code).Inc()
	m.serverSeconds.WithLabelValues(svc, method, code).Observe(time.Since(start).Seconds())
}

func (m *Metrics) observeClient(full string, start time.Time, err error) {
	svc, method := splitMethod(full)
	code := status.Code(err).String()
	m.clientHandled.WithLabelValues(svc, method, code).Inc()
	m.clientSeconds.WithLabelValues(svc, method, code).Observe(time.Since(start).Seconds())
}

// UnaryServer counts and times every unary call served, with the code the caller
// receives: put it outside the interceptor that translates errors.
func (m *Metrics) UnaryServer() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := h(ctx, req)
		m.observeServer(info.FullMethod, start, err)
		return resp, err
	}
}

// StreamServer counts and times every stream served, until it ends.
func (m *Metrics) StreamServer() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		start := time.Now()
		err := h(srv, ss)
		m.observeServer(info.FullMethod, start, err)
		return err
	}
}

// DialOptions instrument the calls a client connection makes (unary calls; streams
// are counted when they are opened).
func (m *Metrics) DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			start := time.Now()
			err := invoker(ctx, method, req, reply, cc, opts...)
			m.observeClient(method, start, err)
			return err
		}),
		grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			start := time.Now()
			cs, err := streamer(ctx, desc, cc, method, opts...)
			if err != nil {
				m.observeClient(method, start, err)
			}
			return cs, err
		}),
	}
}

// DBPools reports database connection pools, read at every scrape: stats returns
// each pool's statistics by its name (e.g. sqlite-write, sqlite-read, postgres).
func (m *Metrics) DBPools(stats func() map[string]sql.DBStats) {
	m.reg.MustRegister(poolCollector{stats})
}

var (
	dbConns = prometheus.NewDesc("rmsuite_db_connections",
		"Connections of a database pool by state (in_use, idle).", []string{"pool", "state"}, nil)
	dbMax = prometheus.NewDesc("rmsuite_db_max_connections",
		"Most connections the pool may open.", []string{"pool"}, nil)
	dbWaits = prometheus.NewDesc("rmsuite_db_waits_total",
		"Times a caller waited for a free connection.", []string{"pool"}, nil)
	dbWaitSeconds = prometheus.NewDesc("rmsuite_db_wait_seconds_total",
		"Time callers spent waiting for a free connection.", []string{"pool"}, nil)
)

type poolCollector struct{ stats func() map[string]sql.DBStats }

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dbConns, dbMax, dbWaits, dbWaitSeconds} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, s := range c.stats() {
		ch <- prometheus.MustNewConstMetric(dbConns, prometheus.GaugeValue, float64(s.InUse), name, "in_use")
		ch <- prometheus.MustNewConstMetric(dbConns, prometheus.GaugeValue, float64(s.Idle), name, "idle")
		ch <- prometheus.MustNewConstMetric(dbMax, prometheus.GaugeValue, float64(s.MaxOpenConnections), name)
		ch <- prometheus.MustNewConstMetric(dbWaits, prometheus.CounterValue, float64(s.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(dbWaitSeconds, prometheus.CounterValue, s.WaitDuration.Seconds(), name)
	}
}
