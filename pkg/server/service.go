package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/approval"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/config"
	"github.com/rmsuite/rmsuite/pkg/debughttp"
	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/pkg/logging"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/tlsfiles"
	"github.com/rmsuite/rmsuite/pkg/tracing"
	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
	auditv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/audit/v1"
)

// Version is the build's version, set by the Makefile with -ldflags -X.
var Version = "dev"

// EnvPrefix prefixes every environment variable, e.g. RMSUITE_DB_URL.
const EnvPrefix = "RMSUITE_"

// ServiceConfig is what every rmsuite service is configured with. Services preset
// GRPCAddr and DBURL before loading, which makes them the defaults.
type ServiceConfig struct {
	Server    Config
	Discovery discovery.Config
	Logging   logging.Config
	Auth      auth.Config
	DBURL     string `flag:"db-url" env:"DB_URL" usage:"database: sqlite:<file> (embedded) or postgres://user:pass@host/db"`
	DBConns   int    `flag:"db-max-conns" env:"DB_MAX_CONNS" default:"10" usage:"PostgreSQL pool size (SQLite: readers)"`
	SeedDemo  bool   `flag:"seed-demo-data" env:"SEED_DEMO_DATA" default:"false" usage:"on first start, fill an empty database with demonstration data"`
	// MigrateOnly applies the database migrations and exits: the release step a
	// Kubernetes Job runs before the new instances start (they would migrate at start
	// too, one at a time under PostgreSQL's advisory lock).
	MigrateOnly bool `flag:"migrate-only" env:"MIGRATE_ONLY" default:"false" usage:"apply the database migrations, then exit without serving (a release step, e.g. a Kubernetes Job)"`
	// How long a request_id is remembered; a retry after that is a new request.
	RequestIDRetention time.Duration `flag:"request-id-retention" env:"REQUEST_ID_RETENTION" default:"168h" usage:"how long request ids are remembered for safe retries"`
	// TLS secures the gRPC this service serves and, through cfg.TLS.DialOption, the
	// gRPC it dials; off (plaintext) unless certificate files are configured.
	TLS tlsfiles.ServerConfig
	// Peers are static addresses of the services this one calls, instead of etcd
	// discovery (tests), e.g. roster=127.0.0.1:9101.
	Peers []string `flag:"peers" env:"PEERS" default:"" usage:"static addresses of services this one calls instead of etcd, e.g. roster=127.0.0.1:9101 (tests)"`
	// ServiceTokenFile holds the bearer token (a JWT issued to this service's
	// account) used for background calls to other services; re-read when it changes.
	ServiceTokenFile string `flag:"service-token-file" env:"SERVICE_TOKEN_FILE" default:"" usage:"file with this service's own bearer token, for calls it makes on its own behalf (following change feeds)"`
	// Tracing sends OpenTelemetry traces of every call when a collector is configured.
	Tracing tracing.Config
	// MetricsAddr serves Prometheus metrics (/metrics) when set: calls served and made
	// by method and code, database pools, runtime, long operations.
	MetricsAddr string `flag:"metrics-addr" env:"METRICS_ADDR" default:"" usage:"host:port to serve Prometheus metrics on (/metrics), e.g. :9090; empty: off"`
	// DebugAddr serves Go's profiles (pprof) when set; keep it off the public network.
	DebugAddr string `flag:"debug-addr" env:"DEBUG_ADDR" default:"" usage:"host:port to serve pprof profiles on (e.g. 127.0.0.1:6061); empty: off"`
}

// Validate checks every part.
func (c ServiceConfig) Validate() error {
	if c.DBURL == "" {
		return errors.New("db-url is required")
	}
	if c.RequestIDRetention != 0 && c.RequestIDRetention < time.Hour { // 0: the default
		return errors.New("request-id-retention must be at least 1h: clients retry for longer than that")
	}
	if c.MigrateOnly { // serves nothing: needs no keys, certificates or etcd
		return errors.Join(c.Logging.Validate())
	}
	return errors.Join(c.Server.Validate(), c.Discovery.Validate(), c.Logging.Validate(), c.Auth.Validate(), c.TLS.Validate(),
		c.Tracing.Validate())
}

// Service describes one rmsuite service to Run.
type Service struct {
	Name       string // e.g. "roster": the etcd registration and the log's service field
	Migrations []storage.Migrations
	Errors     apierr.Table
	// Rules declare the permission every RPC of the service needs; a registered RPC
	// without a rule stops the service at start-up.
	Rules auth.Rules
	// HomePath builds, from the open database, the resolver of a caller's home org
	// path for audit-log scope; nil: the service cannot resolve it, and supervisors
	// see only their own actions.
	HomePath func(db *storage.DB) audit.HomePath
	// Appliers builds, from the open database, the functions that apply the
	// service's approved actions (maker–checker); nil when it has none yet.
	Appliers func(db *storage.DB) approval.Appliers
	// Register wires the service's gRPC implementations into s; it may also seed
	// data. It runs after migrations and before the server starts serving.
	Register func(ctx context.Context, s *Server, db *storage.DB, log *zap.Logger) error
}

// AllRules are the service's rules together with those of the APIs every service
// serves (its audit log and its approvals).
func (svc Service) AllRules() auth.Rules {
	rules := auth.Rules{}
	for _, set := range []auth.Rules{svc.Rules, audit.Rules, approval.Rules} {
		for m, r := range set {
			rules[m] = r
		}
	}
	return rules
}

// Main is the whole body of a service's main: it loads cfg (preset with the
// service's defaults) from os.Args and the environment, builds the logger and the
// service, runs it until SIGINT or SIGTERM and exits non-zero on failure.
func Main(name string, cfg *ServiceConfig, build func(ServiceConfig) Service) {
	if err := config.Load(cfg, name, os.Args[1:], EnvPrefix); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(2)
	}
	log, err := logging.New(cfg.Logging, name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: logger: %v\n", name, err)
		os.Exit(2)
	}
	svc := build(*cfg)
	defer log.Sync()
	fields := []zap.Field{zap.String("version", Version)}
	for _, f := range config.Describe(cfg) {
		fields = append(fields, zap.String(f.Flag, f.Value))
	}
	log.Info("starting", fields...)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, svc, *cfg, log); err != nil {
		log.Error("service failed", zap.Error(err))
		log.Sync()
		os.Exit(1)
	}
}

// Run starts the service and serves until ctx is cancelled: open and migrate the
// database, build the server, register the service's APIs, register in etcd (when
// endpoints are configured), serve; then shut down in order.
func Run(ctx context.Context, svc Service, cfg ServiceConfig, log *zap.Logger) error {
	db, err := storage.Open(ctx, cfg.DBURL, storage.Options{MaxOpenConns: cfg.DBConns})
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx, svc.Migrations...); err != nil {
		db.Close()
		return err
	}
	if cfg.MigrateOnly {
		log.Info("migrated; exiting (migrate-only)", zap.String("dialect", string(db.Dialect())))
		return db.Close()
	}
	verifier, err := auth.NewVerifier(ctx, cfg.Auth)
	if err != nil {
		db.Close()
		return err
	}
	rules := svc.AllRules()
	guard := auth.NewGuard(verifier, rules)
	errorTable := append(append(apierr.Table{}, svc.Errors...), approval.Errors...)
	creds, err := cfg.TLS.ServerCredentials(log) // plaintext when TLS is off
	if err != nil {
		db.Close()
		return err
	}
	traces, err := tracing.Start(ctx, cfg.Tracing, svc.Name, Version, log) // nil when off
	if err != nil {
		db.Close()
		return err
	}
	srv, err := New(cfg.Server, log, errorTable, append(traces.ServerOptions(), grpc.Creds(creds),
		grpc.ChainUnaryInterceptor(guard.Unary(), audit.Interceptor(db, rules)), grpc.ChainStreamInterceptor(guard.Stream()))...)
	if err != nil {
		db.Close()
		return errors.Join(err, traces.Shutdown())
	}
	srv.OnClose(db.Close)
	srv.OnClose(traces.Shutdown) // closers run last-first: spans flushed, then the database closed
	srv.tracing = traces
	srv.peers, srv.tokenFile, srv.tls = cfg.Peers, cfg.ServiceTokenFile, cfg.TLS
	debugCtx, stopDebug := context.WithCancel(ctx)
	defer stopDebug()
	if err := debughttp.Start(debugCtx, cfg.DebugAddr, log); err != nil {
		srv.shutdown(nil)
		return fmt.Errorf("debug-addr: %w", err)
	}
	srv.metrics.BuildInfo(svc.Name, Version)
	srv.metrics.DBPools(db.PoolStats)
	if srv.metricsAddr, err = srv.metrics.Serve(debugCtx, cfg.MetricsAddr, log); err != nil {
		srv.shutdown(nil)
		return fmt.Errorf("metrics-addr: %w", err)
	}
	var etcd *clientv3.Client
	if len(cfg.Discovery.EtcdEndpoints) > 0 {
		if etcd, err = discovery.NewClient(cfg.Discovery.EtcdEndpoints, log); err != nil {
			srv.shutdown(nil) // releases the port and closes the database
			return err
		}
		srv.OnClose(etcd.Close) // closers run in reverse: etcd client first, database last
		srv.etcd = etcd
	}
	var home audit.HomePath
	if svc.HomePath != nil {
		home = svc.HomePath(db)
	}
	srv.Register(&auditv1.AuditService_ServiceDesc, audit.NewServer(svc.Name, db, home))
	var appliers approval.Appliers
	if svc.Appliers != nil {
		appliers = svc.Appliers(db)
	}
	srv.Register(&approvalv1.ApprovalService_ServiceDesc, approval.NewServer(svc.Name, db, appliers, home))
	if svc.Register != nil {
		if err := svc.Register(ctx, srv, db, log); err != nil {
			srv.shutdown(nil)
			return fmt.Errorf("start %s: %w", svc.Name, err)
		}
	}
	if err := rules.Cover(srv.grpc.GetServiceInfo()); err != nil {
		srv.shutdown(nil)
		return fmt.Errorf("start %s: %w", svc.Name, err)
	}
	purgeCtx, stopPurge := context.WithCancel(ctx)
	defer stopPurge()
	go purgeRequestLog(purgeCtx, db, cfg.RequestIDRetention, log)
	return srv.Run(ctx, etcd, svc.Name, Version, cfg.Discovery.RegistrationTTL)
}

// purgeRequestLog forgets request ids older than retention, at start and hourly.
// Every instance may do it: the delete is idempotent.
func purgeRequestLog(ctx context.Context, db *storage.DB, retention time.Duration, log *zap.Logger) {
	if retention <= 0 { // a config built in code rather than loaded: keep the default
		retention = 7 * 24 * time.Hour
	}
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if n, err := db.PurgeRequestLog(ctx, time.Now().Add(-retention)); err != nil && ctx.Err() == nil {
			log.Warn("purging old request ids failed", zap.Error(err))
		} else if n > 0 {
			log.Info("purged old request ids", zap.Int64("count", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// MainHealthOnly is the main of a service whose API has not landed yet: it opens and
// migrates its database, registers in etcd and serves health and reflection, like any
// other service, so that the suite's topology and shutdown are complete.
func MainHealthOnly(name, grpcAddr string) {
	cfg := ServiceConfig{Server: Config{GRPCAddr: grpcAddr}, DBURL: "sqlite:.data/" + name + ".db"}
	Main(name, &cfg, func(ServiceConfig) Service { return Service{Name: name} })
}
