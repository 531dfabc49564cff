package service_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	"github.com/rmsuite/rmsuite/pkg/server"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
	auditv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/audit/v1"
	compv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/compensation/v1"
	"github.com/rmsuite/rmsuite/services/compensation/internal/service"
)

var ctx = context.Background()

// env is one running compensation service with its stand-in peers.
type env struct {
	t     testing.TB
	dbURL string
	peers *fakePeers
	iss   *authtest.Issuer
	token string // the service's own token file
	addr  string
	opts  service.Options
	stop  func()
}

func newEnv(t testing.TB, dbURL string, opts service.Options) *env {
	e := &env{t: t, dbURL: dbURL, iss: authtest.New(t), opts: opts}
	tok := e.iss.Token(t, "svc:compensation", "", auth.System)
	e.peers = newFakePeers(t, tok)
	e.token = filepath.Join(t.TempDir(), "compensation.token")
	if err := os.WriteFile(e.token, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	e.start()
	return e
}

func (e *env) start() {
	t := e.t
	cfg := service.DefaultConfig()
	cfg.Auth = e.iss.Config
	if e.addr == "" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		e.addr = l.Addr().String()
		l.Close()
	}
	cfg.Server.GRPCAddr = e.addr
	cfg.Server.Reflection = true
	cfg.Server.DefaultDeadline = 30 * time.Second
	cfg.Server.ShutdownTimeout = 5 * time.Second
	cfg.DBURL = e.dbURL
	cfg.Peers = []string{"roster=" + e.peers.addr, "assessment=" + e.peers.addr}
	cfg.ServiceTokenFile = e.token
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(runCtx, service.DescriptorWith(e.opts), cfg, zap.NewNop()) }()
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("compensation stopped with error: %v", err)
			}
		})
	}
	t.Cleanup(e.stop)
	conn, err := grpc.NewClient(e.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	e.waitFor(func() bool {
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "rmsuite.compensation.v1.PayrollService"})
		return err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING
	})
}

func (e *env) waitFor(cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatal("condition not met within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// caller is the clients of one caller.
type caller struct {
	pay       compv1.PayServiceClient
	payroll   compv1.PayrollServiceClient
	approvals approvalv1.ApprovalServiceClient
	audit     auditv1.AuditServiceClient
	conn      *grpc.ClientConn
}

func (e *env) as(subject, unit string, roles ...auth.Role) caller {
	conn, err := grpc.NewClient(e.addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(authtest.Bearer(e.iss.Token(e.t, subject, unit, roles...))))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	return caller{pay: compv1.NewPayServiceClient(conn), payroll: compv1.NewPayrollServiceClient(conn),
		approvals: approvalv1.NewApprovalServiceClient(conn), audit: auditv1.NewAuditServiceClient(conn), conn: conn}
}

// computed waits until the run's latest computation has ended and returns
// the run.
func (e *env) computed(c caller, name string) *compv1.PayrollRun {
	e.t.Helper()
	var r *compv1.PayrollRun
	e.waitFor(func() bool {
		var err error
		r, err = c.payroll.GetPayrollRun(ctx, &compv1.GetPayrollRunRequest{Name: name})
		if err != nil {
			e.t.Fatal(err)
		}
		return r.GetComputation().GetState() != compv1.Computation_STATE_RUNNING
	})
	return r
}

func code(err error) codes.Code { return status.Code(err) }

func wantCode(t testing.TB, what string, err error, want codes.Code, msg string) {
	t.Helper()
	if code(err) != want || !strings.Contains(status.Convert(err).Message(), msg) {
		t.Fatalf("%s: want %s containing %q, got %v", what, want, msg, err)
	}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func eachBackend(t *testing.T, test func(t *testing.T, dbURL string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, storagetest.SQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, storagetest.PostgresURL(t)) })
}
