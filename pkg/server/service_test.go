package server

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/pkg/etcdlocal"
	"github.com/rmsuite/rmsuite/pkg/storage"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	return lis.Addr().String()
}

func serviceConfig(t *testing.T) ServiceConfig {
	t.Helper()
	cfg, _ := serviceConfigAndIssuer(t)
	return cfg
}

// serviceConfigAndIssuer also returns the token issuer the config trusts.
func serviceConfigAndIssuer(t *testing.T) (ServiceConfig, *authtest.Issuer) {
	t.Helper()
	iss := authtest.New(t)
	cfg := ServiceConfig{
		Server:  testConfig(),
		DBURL:   "sqlite:" + filepath.Join(t.TempDir(), "svc.db"),
		DBConns: 2,
	}
	cfg.Server.GRPCAddr = freeAddr(t)
	cfg.Discovery.RegistrationTTL = 2 * time.Second
	cfg.Logging.LogFormat, cfg.Logging.LogLevel = "json", "info"
	cfg.Auth = iss.Config
	return cfg, iss
}

// probeRules declare the probe service's RPCs (start-up refuses undeclared ones).
var probeRules = auth.Rules{
	"/" + probeService + "/Call":   {Permission: auth.OrgUnitsRead},
	"/" + probeService + "/Stream": {Permission: auth.OrgUnitsRead},
}

func TestServiceConfigValidate(t *testing.T) {
	cfg := serviceConfig(t)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := cfg
	bad.DBURL = ""
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "db-url") {
		t.Errorf("no db-url: %v", err)
	}
	bad = cfg
	bad.Discovery.EtcdEndpoints = []string{"127.0.0.1:2379"}
	bad.Discovery.RegistrationTTL = time.Second
	bad.Logging.LogLevel = "loud"
	err := bad.Validate()
	if err == nil || !strings.Contains(err.Error(), "registration-ttl") || !strings.Contains(err.Error(), "log-level") {
		t.Errorf("every part is checked: %v", err)
	}
}

func TestServiceRun(t *testing.T) {
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
	var db *storage.DB
	svc := Service{
		Name:  "probe",
		Rules: probeRules,
		Register: func(ctx context.Context, s *Server, d *storage.DB, log *zap.Logger) error {
			// Migrations ran before Register: the kit's request log exists.
			var n int
			if err := d.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM request_log`).Scan(&n); err != nil {
				return err
			}
			db = d
			s.Register(&probeDesc, newProbe())
			return nil
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, svc, cfg, zap.NewNop()) }()

	conn := dial(t, cfg.Server.GRPCAddr)
	waitServing(t, conn, probeService)
	if _, _, err := call(ctxTimeout(t, 5*time.Second), conn, "hi"); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("call without a token = %v, want Unauthenticated", err)
	}
	authed := metadata.AppendToOutgoingContext(ctxTimeout(t, 5*time.Second), "authorization",
		"Bearer "+iss.Token(t, "E3001", "team-lujiazui", auth.CustomerManager))
	if got, _, err := call(authed, conn, "hi"); err != nil || got != "echo hi" {
		t.Fatalf("call = %q, %v", got, err)
	}
	in, err := discovery.List(ctxTimeout(t, 5*time.Second), watcher, "probe")
	if err != nil || len(in) != 1 || in[0].Addr != cfg.Server.GRPCAddr || in[0].Meta.Version != Version {
		t.Fatalf("registered as %+v, %v", in, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	if in, err := discovery.List(ctxTimeout(t, 5*time.Second), watcher, "probe"); err != nil || len(in) != 0 {
		t.Fatalf("after shutdown: %+v, %v", in, err)
	}
	if db == nil {
		t.Fatal("Register was not called")
	}
	if err := db.Ping(context.Background()); err == nil {
		t.Fatal("database still open after shutdown")
	}
}

func TestServiceRunRegisterFails(t *testing.T) {
	cfg := serviceConfig(t)
	boom := errors.New("seed failed")
	var db *storage.DB
	svc := Service{
		Name:  "probe",
		Rules: probeRules,
		Register: func(ctx context.Context, s *Server, d *storage.DB, log *zap.Logger) error {
			db = d
			return boom
		},
	}
	err := Run(ctxTimeout(t, 10*time.Second), svc, cfg, zap.NewNop())
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "probe") {
		t.Fatalf("Run = %v", err)
	}
	if db == nil || db.Ping(context.Background()) == nil {
		t.Error("database not closed after a failed start")
	}
	// The listening port is released, so that the service can be restarted at once.
	lis, err := net.Listen("tcp", cfg.Server.GRPCAddr)
	if err != nil {
		t.Fatalf("port still taken after a failed start: %v", err)
	}
	lis.Close()
}

func TestServiceRunBadDatabase(t *testing.T) {
	cfg := serviceConfig(t)
	cfg.DBURL = "mysql://nope"
	if err := Run(ctxTimeout(t, 10*time.Second), Service{Name: "probe"}, cfg, zap.NewNop()); err == nil {
		t.Fatal("Run accepted a bad database URL")
	}
	lis, err := net.Listen("tcp", cfg.Server.GRPCAddr)
	if err != nil {
		t.Fatalf("port taken after a failed start: %v", err)
	}
	lis.Close()
}

// migrate-only applies the migrations and returns without serving, registering or
// needing keys: the Kubernetes migration Job.
func TestServiceRunMigrateOnly(t *testing.T) {
	cfg := ServiceConfig{DBURL: "sqlite:" + filepath.Join(t.TempDir(), "svc.db"), MigrateOnly: true}
	cfg.Logging.LogFormat, cfg.Logging.LogLevel = "json", "info"
	if err := cfg.Validate(); err != nil {
		t.Fatalf("a migrate-only config needs only the database: %v", err)
	}
	registered := false
	svc := Service{Name: "probe", Register: func(context.Context, *Server, *storage.DB, *zap.Logger) error {
		registered = true
		return nil
	}}
	if err := Run(ctxTimeout(t, 10*time.Second), svc, cfg, zap.NewNop()); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if registered {
		t.Error("migrate-only registered the service's APIs")
	}
	db, err := storage.Open(context.Background(), cfg.DBURL, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.Q(context.Background()).QueryRowContext(context.Background(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("migrations recorded: %d, %v", n, err)
	}
}

// TestMainProcess runs Main in a child process (it exits the process).
func TestMainProcess(t *testing.T) {
	if os.Getenv("RMSUITE_SERVER_TEST_MAIN") == "1" {
		os.Args = append([]string{"probe"}, strings.Fields(os.Getenv("RMSUITE_SERVER_TEST_ARGS"))...)
		cfg := ServiceConfig{}
		cfg.Server.GRPCAddr = "127.0.0.1:0"
		Main("probe", &cfg, func(ServiceConfig) Service {
			return Service{Name: "probe", Rules: probeRules, Register: func(ctx context.Context, s *Server, db *storage.DB, log *zap.Logger) error {
				s.Register(&probeDesc, newProbe())
				return nil
			}}
		})
		os.Exit(0)
	}

	jwks := authtest.New(t).Config.JWKSFile
	child := func(t *testing.T, args string, env ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMainProcess$")
		cmd.Env = append(os.Environ(), append([]string{
			"RMSUITE_SERVER_TEST_MAIN=1",
			"RMSUITE_JWKS_FILE=" + jwks,
			"RMSUITE_SERVER_TEST_ARGS=" + args,
			"RMSUITE_ETCD_ENDPOINTS=",
		}, env...)...)
		return cmd
	}

	t.Run("bad configuration exits 2 naming the setting", func(t *testing.T) {
		cmd := child(t, "--db-url sqlite:"+filepath.Join(t.TempDir(), "x.db"), "RMSUITE_DEFAULT_DEADLINE=soon")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 {
			t.Fatalf("exit = %v, stderr %s", err, stderr.String())
		}
		if !strings.Contains(stderr.String(), "RMSUITE_DEFAULT_DEADLINE") {
			t.Fatalf("stderr does not name the variable: %s", stderr.String())
		}
	})

	t.Run("failure exits 1 without leaking the database password", func(t *testing.T) {
		cmd := child(t, "--grpc-addr "+freeAddr(t)+" --db-url postgres://rm:hunter2@127.0.0.1:1/none?sslmode=disable")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Fatalf("exit = %v, stderr %s", err, stderr.String())
		}
		log := stderr.String()
		if strings.Contains(log, "hunter2") {
			t.Fatalf("password in the log:\n%s", log)
		}
		if !strings.Contains(log, `"db-url":"postgres://rm:xxxxx@127.0.0.1:1/none?sslmode=disable"`) || !strings.Contains(log, `"msg":"service failed"`) {
			t.Fatalf("log:\n%s", log)
		}
	})

	t.Run("serves until SIGTERM", func(t *testing.T) {
		addr := freeAddr(t)
		cmd := child(t, "--grpc-addr "+addr+" --db-url sqlite:"+filepath.Join(t.TempDir(), "x.db")+" --reflection=false")
		var stderr safeBuffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		defer func() {
			if cmd.ProcessState == nil {
				cmd.Process.Kill()
			}
		}()
		conn := dial(t, addr)
		deadline := time.Now().Add(15 * time.Second)
		for {
			if _, err := healthOf(conn, probeService); err == nil {
				break
			}
			select {
			case err := <-exited:
				t.Fatalf("child exited early: %v\n%s", err, stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("child never served\n%s", stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		waitServing(t, conn, probeService)
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
			}
		case <-time.After(15 * time.Second):
			t.Fatal("child did not stop on SIGTERM")
		}
		log := stderr.String()
		for _, want := range []string{`"msg":"starting"`, `"grpc-addr":"` + addr + `"`, `"reflection":"false"`, `"service":"probe"`, `"msg":"stopped"`} {
			if !strings.Contains(log, want) {
				t.Errorf("log lacks %s:\n%s", want, log)
			}
		}
	})
}

// safeBuffer collects a child's stderr while the test reads it.
type safeBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *safeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *safeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
