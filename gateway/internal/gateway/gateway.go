// Package gateway is rmsuite's REST front: a grpc-gateway mux over every service,
// reached through etcd discovery as a real gRPC client so that the services' own
// interceptors run; plus /healthz, /openapi.json, the web console at / (package
// web) and the HTTP edge (body limit, timeouts, CORS, request ids, access log).
package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/rmsuite/rmsuite/gateway/web"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/pkg/logging"
	"github.com/rmsuite/rmsuite/pkg/tlsfiles"
	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	auditv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/audit/v1"
	compensationv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/compensation/v1"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
	visitsv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/visits/v1"
	"github.com/rmsuite/rmsuite/proto/openapi"
)

// Services are the backends the gateway fronts, by their etcd names.
var Services = []string{"roster", "assessment", "compensation", "visits"}

// Config is the gateway's configuration.
type Config struct {
	HTTPAddr       string `flag:"http-addr" env:"HTTP_ADDR" default:":8080" usage:"host:port to serve HTTP on"`
	Discovery      discovery.Config
	Logging        logging.Config
	Auth           auth.Config
	Backends       []string      `flag:"backends" env:"BACKENDS" default:"" usage:"static backends instead of etcd, e.g. roster=127.0.0.1:9101,visits=127.0.0.1:9104 (tests)"`
	MaxBodyBytes   int64         `flag:"max-body-bytes" env:"MAX_BODY_BYTES" default:"1048576" usage:"largest request body accepted"`
	RequestTimeout time.Duration `flag:"request-timeout" env:"REQUEST_TIMEOUT" default:"15s" usage:"deadline of a REST call, passed on to the gRPC backends"`
	RouteTimeouts  []string      `flag:"route-timeouts" env:"ROUTE_TIMEOUTS" default:"" usage:"per-route deadlines by path prefix, e.g. /v1/payrollRuns=120s,/v1/orgUnits=5s"`
	CORSOrigins    []string      `flag:"cors-origins" env:"CORS_ORIGINS" default:"" usage:"origins allowed to call the API from a browser (* for any); empty disables CORS"`
	// TLS secures the calls to the backends (static or from etcd); off (plaintext)
	// unless certificate files are configured.
	TLS tlsfiles.Config
	// DevSigningKey turns on the console's dev sign-in (/dev/users, /dev/token), which
	// mints tokens for the seeded users with this private key. Only `rmsuite dev`
	// (make run) sets it; production leaves it empty, and the endpoints do not exist.
	DevSigningKey string `flag:"dev-signing-key" env:"DEV_SIGNING_KEY" default:"" usage:"DEVELOPMENT ONLY: private JWK (make run's .data/auth/signing-key.json) with which /dev/token signs in as any seeded user; empty: off"`
	// DebugAddr serves Go's profiles (pprof) when set; keep it off the public network.
	DebugAddr string `flag:"debug-addr" env:"DEBUG_ADDR" default:"" usage:"host:port to serve pprof profiles on (e.g. 127.0.0.1:6060); empty: off"`
}

// Validate checks the settings.
func (c Config) Validate() error {
	if c.MaxBodyBytes <= 0 || c.RequestTimeout <= 0 {
		return errors.New("max-body-bytes and request-timeout must be positive")
	}
	if _, err := parseRouteTimeouts(c.RouteTimeouts); err != nil {
		return err
	}
	if _, err := parseBackends(c.Backends); err != nil {
		return err
	}
	if len(c.Backends) == 0 && len(c.Discovery.EtcdEndpoints) == 0 {
		return errors.New("give etcd-endpoints (or static backends)")
	}
	return errors.Join(c.Discovery.Validate(), c.Logging.Validate(), c.Auth.Validate(), c.TLS.Validate())
}

// Gateway is the HTTP handler and its backend connections.
type Gateway struct {
	cfg     Config
	log     *zap.Logger
	conns   map[string]*grpc.ClientConn
	handler http.Handler
}

// New dials every backend (lazily: a backend may come up later) and builds the
// handler. etcd may be nil when static backends are configured. opts are added to
// every backend connection (metrics, tracing).
func New(ctx context.Context, cfg Config, etcd *clientv3.Client, log *zap.Logger, opts ...grpc.DialOption) (*Gateway, error) {
	static, err := parseBackends(cfg.Backends)
	if err != nil {
		return nil, err
	}
	verifier, err := auth.NewVerifier(ctx, cfg.Auth)
	if err != nil {
		return nil, err
	}
	creds, err := cfg.TLS.DialOption(log) // plaintext when TLS is off
	if err != nil {
		return nil, err
	}
	g := &Gateway{cfg: cfg, log: log, conns: map[string]*grpc.ClientConn{}}
	for _, name := range Services {
		var conn *grpc.ClientConn
		if addr, ok := static[name]; ok {
			conn, err = grpc.NewClient(addr, append([]grpc.DialOption{creds}, opts...)...)
		} else if etcd != nil {
			conn, err = discovery.Dial(etcd, name, append([]grpc.DialOption{creds}, opts...)...)
		} else {
			continue
		}
		if err != nil {
			g.Close()
			return nil, fmt.Errorf("dial %s: %w", name, err)
		}
		g.conns[name] = conn
	}

	mux := runtime.NewServeMux(
		runtime.WithErrorHandler(errorHandler),
		runtime.WithRoutingErrorHandler(routingErrorHandler),
		runtime.WithMetadata(func(ctx context.Context, r *http.Request) metadata.MD {
			return metadata.Pairs("x-request-id", r.Header.Get("X-Request-Id"))
		}),
		// The request id is already in X-Request-Id; a download's file name
		// (content-disposition, set by export RPCs) goes to the browser; other
		// backend headers stay inside.
		runtime.WithOutgoingHeaderMatcher(func(key string) (string, bool) {
			if strings.EqualFold(key, "content-disposition") {
				return "Content-Disposition", true
			}
			return "", false
		}),
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.HTTPBodyMarshaler{Marshaler: newJSONMarshaler()}),
	)
	if conn, ok := g.conns["roster"]; ok {
		for _, register := range []func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error{
			rosterv1.RegisterRosterServiceHandler,
			rosterv1.RegisterManagerServiceHandler,
			rosterv1.RegisterPortfolioServiceHandler,
		} {
			if err := register(ctx, mux, conn); err != nil {
				g.Close()
				return nil, err
			}
		}
	}
	if conn, ok := g.conns["assessment"]; ok {
		for _, register := range []func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error{
			assessmentv1.RegisterIndicatorServiceHandler,
			assessmentv1.RegisterFigureServiceHandler,
			assessmentv1.RegisterCoefficientServiceHandler,
			assessmentv1.RegisterRunServiceHandler,
			assessmentv1.RegisterAssessmentServiceHandler,
			assessmentv1.RegisterDecisionServiceHandler,
			assessmentv1.RegisterAppealServiceHandler,
			assessmentv1.RegisterSurveyServiceHandler,
		} {
			if err := register(ctx, mux, conn); err != nil {
				g.Close()
				return nil, err
			}
		}
	}
	if conn, ok := g.conns["compensation"]; ok {
		for _, register := range []func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error{
			compensationv1.RegisterPayServiceHandler,
			compensationv1.RegisterPayrollServiceHandler,
		} {
			if err := register(ctx, mux, conn); err != nil {
				g.Close()
				return nil, err
			}
		}
	}
	if conn, ok := g.conns["visits"]; ok {
		if err := visitsv1.RegisterVisitServiceHandler(ctx, mux, conn); err != nil {
			g.Close()
			return nil, err
		}
	}

	if err := auditv1.RegisterAuditServiceHandlerClient(ctx, mux, newAuditRouter(g.conns)); err != nil {
		g.Close()
		return nil, err
	}
	if err := approvalv1.RegisterApprovalServiceHandlerClient(ctx, mux, newApprovalRouter(g.conns)); err != nil {
		g.Close()
		return nil, err
	}

	routes := http.NewServeMux()
	routes.Handle("/v1/", mux)
	routes.HandleFunc("GET /healthz", g.healthz)
	routes.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapi.Document)
	})
	console := web.Handler()
	for _, pattern := range web.Patterns {
		routes.Handle(pattern, console)
	}
	if cfg.DevSigningKey != "" {
		minter, err := auth.LoadMinter(cfg.DevSigningKey)
		if err != nil {
			g.Close()
			return nil, fmt.Errorf("dev-signing-key: %w", err)
		}
		log.Warn("dev sign-in is on: anyone who reaches this gateway can sign in as any seeded user (never set dev-signing-key in production)")
		devSignIn{minter: minter, issuer: cfg.Auth.Issuer, audience: cfg.Auth.Audience, now: time.Now}.register(routes)
	}
	routes.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, r, codes.NotFound, fmt.Sprintf("no route for %s %s; the API lives under /v1/ (see /openapi.json)", r.Method, r.URL.Path))
	})
	timeouts, _ := parseRouteTimeouts(cfg.RouteTimeouts)
	g.handler = edge{cfg: cfg, log: log, timeouts: timeouts, verifier: verifier}.wrap(routes)
	return g, nil
}

// ServeHTTP serves the REST API.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.handler.ServeHTTP(w, r) }

// Close closes the backend connections.
func (g *Gateway) Close() {
	for _, c := range g.conns {
		_ = c.Close()
	}
}

func parseBackends(list []string) (map[string]string, error) {
	out := map[string]string{}
	for _, item := range list {
		name, addr, ok := strings.Cut(item, "=")
		if !ok || name == "" || addr == "" {
			return nil, fmt.Errorf("backend %q: want name=host:port", item)
		}
		if !slices.Contains(Services, name) {
			return nil, fmt.Errorf("backend %q: unknown service %q; known services are %s", item, name, strings.Join(Services, ", "))
		}
		out[name] = addr
	}
	return out, nil
}

type routeTimeout struct {
	prefix  string
	timeout time.Duration
}

func parseRouteTimeouts(list []string) ([]routeTimeout, error) {
	var out []routeTimeout
	for _, item := range list {
		prefix, d, ok := strings.Cut(item, "=")
		dur, err := time.ParseDuration(d)
		if !ok || !strings.HasPrefix(prefix, "/") || err != nil || dur <= 0 {
			return nil, fmt.Errorf("route timeout %q: want /path/prefix=duration, e.g. /v1/payrollRuns=120s", item)
		}
		out = append(out, routeTimeout{prefix, dur})
	}
	return out, nil
}
