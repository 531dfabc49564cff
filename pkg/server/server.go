// Package server bootstraps a service's gRPC server: the standard health service,
// reflection, the interceptor chain every service shares, registration in etcd, and
// shutdown in order — health NOT_SERVING → deregister from etcd → GracefulStop with a
// deadline → close storage.
package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/pkg/metrics"
	"github.com/rmsuite/rmsuite/pkg/tlsfiles"
	"github.com/rmsuite/rmsuite/pkg/tracing"
)

// Config is the part of a service's configuration that the server uses. GRPCAddr has
// no default tag: each service presets its own port.
type Config struct {
	GRPCAddr        string        `flag:"grpc-addr" env:"GRPC_ADDR" usage:"host:port to serve gRPC on; port 0 picks a free port"`
	AdvertiseAddr   string        `flag:"advertise-addr" env:"ADVERTISE_ADDR" default:"" usage:"host:port registered in etcd for other services to dial; default: the listening address (a wildcard host becomes this machine's hostname)"`
	Reflection      bool          `flag:"reflection" env:"REFLECTION" default:"true" usage:"serve gRPC server reflection (for grpcurl)"`
	DefaultDeadline time.Duration `flag:"default-deadline" env:"DEFAULT_DEADLINE" default:"10s" usage:"deadline applied to calls that arrive without one"`
	ShutdownTimeout time.Duration `flag:"shutdown-timeout" env:"SHUTDOWN_TIMEOUT" default:"15s" usage:"how long in-flight calls may finish on shutdown"`
}

// Validate checks the durations and the address.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.GRPCAddr); err != nil {
		return fmt.Errorf("grpc-addr %q: want host:port", c.GRPCAddr)
	}
	if c.DefaultDeadline <= 0 || c.ShutdownTimeout <= 0 {
		return errors.New("default-deadline and shutdown-timeout must be positive")
	}
	return nil
}

// Server is a service's gRPC server, listening from New on.
type Server struct {
	cfg      Config
	log      *zap.Logger
	grpc     *grpc.Server
	health   *healthServer
	lis      net.Listener
	services []string
	closers  []func() error
	metrics  *metrics.Metrics
	tracing  *tracing.Tracing // nil: off
	// metricsAddr is where metrics are served ("" when off), registered in etcd.
	metricsAddr string

	// For calling other services (Dial, ServiceToken).
	etcd      *clientv3.Client
	peers     []string
	tokenFile string
	tls       tlsfiles.ServerConfig
}

// Dial connects to another rmsuite service: its static address from --peers, or
// its instances in etcd (round robin); with the service's TLS client certificate
// when TLS is configured. The connection is closed on shutdown.
func (s *Server) Dial(service string) (*grpc.ClientConn, error) {
	opt, err := s.tls.Config.DialOption(s.log)
	if err != nil {
		return nil, err
	}
	var conn *grpc.ClientConn
	opts := append(append([]grpc.DialOption{opt}, s.metrics.DialOptions()...), s.tracing.DialOptions()...)
	for _, p := range s.peers {
		if name, addr, ok := strings.Cut(p, "="); ok && name == service {
			conn, err = grpc.NewClient(addr, append(opts, discovery.ClientOptions()...)...)
			break
		}
	}
	if conn == nil && err == nil {
		if s.etcd == nil {
			return nil, fmt.Errorf("no address for %s: give --peers %s=host:port or etcd endpoints", service, service)
		}
		conn, err = discovery.Dial(s.etcd, service, opts...)
	}
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", service, err)
	}
	s.OnClose(conn.Close)
	return conn, nil
}

// ServiceToken reads the service's own bearer token from --service-token-file.
func (s *Server) ServiceToken() (string, error) {
	if s.tokenFile == "" {
		return "", errors.New("no service token: set --service-token-file to a token issued to this service's account")
	}
	raw, err := os.ReadFile(s.tokenFile)
	if err != nil {
		return "", fmt.Errorf("service token: %w", err)
	}
	return strings.TrimSpace(string(raw)), nil
}

// New listens on cfg.GRPCAddr and builds the server with the shared interceptors;
// table maps the service's domain errors to gRPC codes.
func New(cfg Config, log *zap.Logger, table apierr.Table, opts ...grpc.ServerOption) (*Server, error) {
	if err := cfg.Validate(); err != nil { // a zero deadline would fail every call at once
		return nil, err
	}
	lis, err := net.Listen("tcp", cfg.GRPCAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.GRPCAddr, err)
	}
	m := metrics.New()
	chain := interceptors{log: log, table: table, defaultDeadline: cfg.DefaultDeadline, metrics: m}
	base := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(chain.unary()...),
		grpc.ChainStreamInterceptor(chain.stream()...),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true}),
		grpc.MaxRecvMsgSize(8 << 20),
	}
	s := &Server{
		cfg:     cfg,
		log:     log,
		grpc:    grpc.NewServer(append(base, opts...)...),
		health:  newHealthServer(),
		lis:     lis,
		metrics: m,
	}
	healthpb.RegisterHealthServer(s.grpc, s.health)
	if cfg.Reflection {
		reflection.Register(s.grpc)
	}
	// NOT_SERVING until Run has registered everything.
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	return s, nil
}

// Register adds a service implementation; its health status follows the server's.
func (s *Server) Register(desc *grpc.ServiceDesc, impl any) {
	s.grpc.RegisterService(desc, impl)
	s.services = append(s.services, desc.ServiceName)
	s.health.SetServingStatus(desc.ServiceName, healthpb.HealthCheckResponse_NOT_SERVING)
}

// OnClose adds a function run last on shutdown (after the server stopped), e.g. to
// close the database. Closers run in the reverse order of registration.
func (s *Server) OnClose(fn func() error) { s.closers = append(s.closers, fn) }

// Metrics is the service's Prometheus registry: every call it serves and makes is
// counted there; a service adds its own series (Registerer) or reports long
// operations (Progress, e.g. a payroll run).
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.lis.Addr().String() }

// AdvertiseAddr is the address registered in etcd.
func (s *Server) AdvertiseAddr() string {
	if s.cfg.AdvertiseAddr != "" {
		return s.cfg.AdvertiseAddr
	}
	host, port, _ := net.SplitHostPort(s.Addr())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if h, err := osHostname(); err == nil {
			host = h
		}
	}
	return net.JoinHostPort(host, port)
}

// Run serves until ctx is cancelled, registered in etcd as service when etcd is
// given (nil: not registered, e.g. component tests with static addresses), and then
// shuts down in order. It returns the first serving error, if any.
func (s *Server) Run(ctx context.Context, etcd *clientv3.Client, service, version string, ttl time.Duration) error {
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.grpc.Serve(s.lis) }()

	var reg *discovery.Registration
	if etcd != nil {
		regCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		r, err := discovery.Register(regCtx, etcd, service, s.AdvertiseAddr(), version, ttl, s.log,
			discovery.WithMetricsAddr(s.advertisedMetrics()))
		cancel()
		if err != nil {
			s.shutdown(nil)
			return err
		}
		reg = r
	}
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	for _, name := range s.services {
		s.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	s.log.Info("serving", zap.String("addr", s.Addr()), zap.Strings("services", s.services))

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		if err != nil {
			err = fmt.Errorf("grpc serve: %w", err)
		}
	}
	return errors.Join(err, s.shutdown(reg))
}

// advertisedMetrics is where operators find this instance's metrics: the metrics
// port on the advertised host.
func (s *Server) advertisedMetrics() string {
	if s.metricsAddr == "" {
		return ""
	}
	host, _, _ := net.SplitHostPort(s.AdvertiseAddr())
	_, port, err := net.SplitHostPort(s.metricsAddr)
	if err != nil {
		return ""
	}
	return net.JoinHostPort(host, port)
}

func (s *Server) shutdown(reg *discovery.Registration) error {
	s.log.Info("shutting down")
	s.health.shutdown() // every service NOT_SERVING: balancers stop picking us; watches end
	var errs []error
	if reg != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		errs = append(errs, reg.Deregister(ctx))
		cancel()
	}
	stopped := make(chan struct{})
	go func() { s.grpc.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(s.cfg.ShutdownTimeout):
		s.log.Warn("in-flight calls did not finish in time; stopping hard", zap.Duration("timeout", s.cfg.ShutdownTimeout))
		s.grpc.Stop()
	}
	// Stop closes only the listeners Serve took: a server stopped before it served
	// (a failed start) must release its port too. A second Close just fails.
	_ = s.lis.Close()
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.log.Info("stopped")
	return errors.Join(errs...)
}
