package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/pkg/etcdlocal"
	"github.com/rmsuite/rmsuite/pkg/logging"
)

// ---- a tiny service to drive the interceptors ----

const probeService = "rmsuite.test.v1.Probe"

var errNotFound = errors.New("org unit not found")

var probeTable = apierr.Table{{Err: errNotFound, Code: codes.NotFound}}

// probe answers Call according to the request's value.
type probe struct {
	started chan struct{}    // "slow": signalled when the call is in the handler
	release chan struct{}    // "slow": the call returns when this is closed
	next    *grpc.ClientConn // "hop": the service called next
}

func newProbe() *probe {
	return &probe{started: make(chan struct{}, 10), release: make(chan struct{})}
}

func (p *probe) call(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	switch in.GetValue() {
	case "panic":
		panic("kaboom: secret internals")
	case "mapped":
		return nil, fmt.Errorf("load org unit 42: %w", errNotFound)
	case "unmapped":
		return nil, errors.New("dial postgres://rm:hunter2@db: connection refused")
	case "dbdown":
		return nil, fmt.Errorf("list org units: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
	case "hop":
		// Calls the next service with the incoming context, as services do.
		if p.next == nil {
			return nil, errors.New("no next hop")
		}
		got, _, err := call(ctx, p.next, "deadline")
		return wrapperspb.String(got), err
	case "invalid":
		var v apierr.Violations
		v.Add("org_unit.display_name", "must not be empty")
		v.Add("org_unit.code", "must be 6 digits, got %q", "12")
		return nil, v.Err()
	case "status":
		return nil, status.Error(codes.FailedPrecondition, "explicit status")
	case "reused":
		return nil, fmt.Errorf("create: %w", apierr.ErrRequestIDReused)
	case "deadline":
		d, ok := ctx.Deadline()
		if !ok {
			return wrapperspb.String("none"), nil
		}
		return wrapperspb.String(time.Until(d).String()), nil
	case "requestid":
		return wrapperspb.String(RequestID(ctx)), nil
	case "log":
		logging.FromContext(ctx).Info("handler log")
		return wrapperspb.String("logged"), nil
	case "slow":
		p.started <- struct{}{}
		select {
		case <-p.release:
			return wrapperspb.String("finished"), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return wrapperspb.String("echo " + in.GetValue()), nil
}

func (p *probe) stream(in *wrapperspb.StringValue, ss grpc.ServerStream) error {
	switch in.GetValue() {
	case "panic":
		panic("stream kaboom")
	case "mapped":
		return fmt.Errorf("stream: %w", errNotFound)
	case "unmapped":
		return errors.New("stream cause hunter2")
	}
	for _, v := range []string{"one", RequestID(ss.Context())} {
		if err := ss.SendMsg(wrapperspb.String(v)); err != nil {
			return err
		}
	}
	return nil
}

var probeDesc = grpc.ServiceDesc{
	ServiceName: probeService,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Call",
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, req any) (any, error) {
				return srv.(*probe).call(ctx, req.(*wrapperspb.StringValue))
			}
			if interceptor == nil {
				return h(ctx, in)
			}
			return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/" + probeService + "/Call"}, h)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Stream",
		ServerStreams: true,
		Handler: func(srv any, ss grpc.ServerStream) error {
			in := new(wrapperspb.StringValue)
			if err := ss.RecvMsg(in); err != nil {
				return err
			}
			return srv.(*probe).stream(in, ss)
		},
	}},
}

// ---- helpers ----

func testConfig() Config {
	return Config{
		GRPCAddr:        "127.0.0.1:0",
		Reflection:      true,
		DefaultDeadline: 3 * time.Second,
		ShutdownTimeout: 5 * time.Second,
	}
}

type running struct {
	srv    *Server
	probe  *probe
	logs   *observer.ObservedLogs
	conn   *grpc.ClientConn
	cancel context.CancelFunc
	done   chan error // Run's result
}

// start builds a server with the probe service and runs it without etcd until the
// test ends (or stop is called); it returns once health reports SERVING.
func start(t *testing.T, cfg Config, setup func(*Server)) *running {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	srv, err := New(cfg, zap.New(core), probeTable)
	if err != nil {
		t.Fatal(err)
	}
	p := newProbe()
	srv.Register(&probeDesc, p)
	if setup != nil {
		setup(srv)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{srv: srv, probe: p, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- srv.Run(ctx, nil, "probe", "v-test", 0) }()
	t.Cleanup(func() { r.stop(t) })
	r.conn = dial(t, srv.Addr())
	waitServing(t, r.conn, "")
	return r
}

// stop cancels Run and waits for it.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok {
			close(r.done)
		}
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after cancel")
		return nil
	}
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func healthOf(conn *grpc.ClientConn, service string) (healthpb.HealthCheckResponse_ServingStatus, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	return resp.GetStatus(), err
}

func waitServing(t *testing.T, conn *grpc.ClientConn, service string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := healthOf(conn, service)
		if err == nil && st == healthpb.HealthCheckResponse_SERVING {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("health(%q) = %v, %v; never SERVING", service, st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// call invokes Probe/Call with value; it returns the response, the response header
// and the error.
func call(ctx context.Context, conn *grpc.ClientConn, value string, opts ...grpc.CallOption) (string, metadata.MD, error) {
	var header metadata.MD
	out := new(wrapperspb.StringValue)
	err := conn.Invoke(ctx, "/"+probeService+"/Call", wrapperspb.String(value), out, append(opts, grpc.Header(&header))...)
	return out.GetValue(), header, err
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{24}$`)

func headerID(t *testing.T, md metadata.MD) string {
	t.Helper()
	v := md.Get(RequestIDHeader)
	if len(v) != 1 {
		t.Fatalf("response header %s = %q, want one value", RequestIDHeader, v)
	}
	return v[0]
}

// ---- tests ----

func TestConfigValidate(t *testing.T) {
	if err := testConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, mutate := range []func(*Config){
		func(c *Config) { c.GRPCAddr = "9101" },
		func(c *Config) { c.GRPCAddr = "" },
		func(c *Config) { c.DefaultDeadline = 0 },
		func(c *Config) { c.ShutdownTimeout = -time.Second },
	} {
		c := testConfig()
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func TestNewFailsWhenAddressTaken(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	cfg := testConfig()
	cfg.GRPCAddr = lis.Addr().String()
	if _, err := New(cfg, zap.NewNop(), nil); err == nil || !strings.Contains(err.Error(), cfg.GRPCAddr) {
		t.Fatalf("err = %v", err)
	}
}

func TestAdvertiseAddr(t *testing.T) {
	old := osHostname
	osHostname = func() (string, error) { return "node-7", nil }
	defer func() { osHostname = old }()

	for _, tt := range []struct {
		listen, advertise string
		want              func(port string) string
	}{
		{"127.0.0.1:0", "", func(p string) string { return "127.0.0.1:" + p }},
		{":0", "", func(p string) string { return "node-7:" + p }},
		{"0.0.0.0:0", "", func(p string) string { return "node-7:" + p }},
		{"127.0.0.1:0", "roster.internal:9101", func(string) string { return "roster.internal:9101" }},
	} {
		cfg := testConfig()
		cfg.GRPCAddr, cfg.AdvertiseAddr = tt.listen, tt.advertise
		s, err := New(cfg, zap.NewNop(), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(s.Addr())
		if got, want := s.AdvertiseAddr(), tt.want(port); got != want {
			t.Errorf("listen %s, advertise %q: AdvertiseAddr = %q, want %q", tt.listen, tt.advertise, got, want)
		}
		s.lis.Close()
	}
}

func TestHealthFollowsRun(t *testing.T) {
	core, _ := observer.New(zapcore.InfoLevel)
	cfg := testConfig()
	cfg.ShutdownTimeout = 500 * time.Millisecond
	srv, err := New(cfg, zap.New(core), probeTable)
	if err != nil {
		t.Fatal(err)
	}
	srv.Register(&probeDesc, newProbe())

	// Before Run: registered, but NOT_SERVING.
	for _, svc := range []string{"", probeService} {
		resp, err := srv.health.Check(context.Background(), &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
			t.Fatalf("before Run, health(%q) = %v, %v", svc, resp.GetStatus(), err)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, nil, "probe", "v1", 0) }()
	conn := dial(t, srv.Addr())
	waitServing(t, conn, "")
	waitServing(t, conn, probeService)
	if _, err := healthOf(conn, "rmsuite.test.v1.Unknown"); status.Code(err) != codes.NotFound {
		t.Fatalf("unknown service: %v", err)
	}

	// A watcher sees NOT_SERVING on shutdown, before the connection goes.
	wctx, wcancel := context.WithCancel(context.Background())
	defer wcancel()
	watch, err := healthpb.NewHealthClient(conn).Watch(wctx, &healthpb.HealthCheckRequest{Service: probeService})
	if err != nil {
		t.Fatal(err)
	}
	if first, err := watch.Recv(); err != nil || first.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("watch first = %v, %v", first, err)
	}

	cancel()
	if next, err := watch.Recv(); err != nil || next.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("watch after cancel = %v, %v; want NOT_SERVING", next, err)
	}
	// The open watch stream must not hold shutdown beyond ShutdownTimeout.
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return: an open health watch blocks shutdown")
	}
	if _, err := watch.Recv(); err == nil {
		t.Fatal("watch still open after shutdown")
	}
	st, err := healthOf(conn, "")
	if err == nil {
		t.Fatalf("health after shutdown = %v, want the connection refused", st)
	}
	if resp, _ := srv.health.Check(context.Background(), &healthpb.HealthCheckRequest{}); resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("health status after shutdown = %v", resp.GetStatus())
	}
	// The port is free again.
	lis, err := net.Listen("tcp", srv.Addr())
	if err != nil {
		t.Fatalf("port still taken after shutdown: %v", err)
	}
	lis.Close()
}

func TestRunWithEtcdRegistersAndDeregisters(t *testing.T) {
	e, err := etcdlocal.Start(t.TempDir(), "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop()
	cli, err := discovery.NewClient([]string{e.Endpoint}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	watcher, err := discovery.NewClient([]string{e.Endpoint}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	ctx := ctxTimeout(t, 20*time.Second)
	listProbe := func() []discovery.Instance {
		t.Helper()
		in, err := discovery.List(ctx, watcher, "probe")
		if err != nil {
			t.Fatal(err)
		}
		return in
	}

	srv, err := New(testConfig(), zap.NewNop(), probeTable)
	if err != nil {
		t.Fatal(err)
	}
	srv.Register(&probeDesc, newProbe())
	var atClose []discovery.Instance
	var callAtClose error
	srv.OnClose(func() error {
		atClose = listProbe()
		cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		c, err := grpc.NewClient(srv.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return err
		}
		defer c.Close()
		_, _, callAtClose = call(cctx, c, "hi", grpc.WaitForReady(false))
		return nil
	})

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Run(runCtx, cli, "probe", "v7", 2*time.Second) }()
	waitServing(t, dial(t, srv.Addr()), "")

	// Registered by the time it serves.
	in := listProbe()
	if len(in) != 1 || in[0].Addr != srv.Addr() || in[0].Meta.Version != "v7" || in[0].Meta.Service != "probe" {
		t.Fatalf("registered as %+v, want %s", in, srv.Addr())
	}
	// Reachable through etcd.
	conn, err := discovery.Dial(watcher, "probe")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got, _, err := call(ctx, conn, "via etcd", grpc.WaitForReady(true)); err != nil || got != "echo via etcd" {
		t.Fatalf("call through etcd = %q, %v", got, err)
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
	if in := listProbe(); len(in) != 0 {
		t.Fatalf("still registered after shutdown: %+v", in)
	}
	// Shutdown order: deregistered and stopped serving before the closers ran.
	if len(atClose) != 0 {
		t.Errorf("closers ran while still registered: %+v", atClose)
	}
	if callAtClose == nil {
		t.Errorf("server still answered calls when the closers ran")
	}
}

func TestRunRegistrationFailureShutsDown(t *testing.T) {
	// An etcd that does not answer: Register fails when ctx ends.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := lis.Addr().String()
	lis.Close()
	cli, err := discovery.NewClient([]string{deadAddr}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()

	srv, err := New(testConfig(), zap.NewNop(), probeTable)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	srv.OnClose(func() error { closed = true; return nil })
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := srv.Run(ctx, cli, "probe", "v1", 2*time.Second); err == nil {
		t.Fatal("Run succeeded without etcd")
	}
	if !closed {
		t.Error("closers did not run after a failed start")
	}
	if l, err := net.Listen("tcp", srv.Addr()); err != nil {
		t.Errorf("port still taken after a failed start: %v", err)
	} else {
		l.Close()
	}
}

func TestPanicBecomesInternalWithRequestID(t *testing.T) {
	r := start(t, testConfig(), nil)
	ctx := ctxTimeout(t, 10*time.Second)

	_, header, err := call(ctx, r.conn, "panic")
	st := status.Convert(err)
	if st.Code() != codes.Internal {
		t.Fatalf("panic: %v", err)
	}
	id := headerID(t, header)
	if !strings.Contains(st.Message(), id) {
		t.Errorf("message %q lacks the request id %s", st.Message(), id)
	}
	if strings.Contains(st.Message(), "kaboom") {
		t.Errorf("panic value leaked to the client: %q", st.Message())
	}
	// The panic is logged with its stack, under the request id.
	entries := r.logs.FilterMessage("panic in handler").All()
	if len(entries) != 1 {
		t.Fatalf("panic log entries: %d", len(entries))
	}
	f := entries[0].ContextMap()
	if f["request_id"] != id || !strings.Contains(fmt.Sprint(f["stack"]), "server.(*probe).call") {
		t.Errorf("panic log fields = %v", f)
	}
	// The server keeps serving.
	for range 3 {
		if got, _, err := call(ctx, r.conn, "after"); err != nil || got != "echo after" {
			t.Fatalf("after panic: %q, %v", got, err)
		}
	}
}

func TestErrorTranslation(t *testing.T) {
	r := start(t, testConfig(), nil)
	ctx := ctxTimeout(t, 10*time.Second)

	t.Run("mapped", func(t *testing.T) {
		_, _, err := call(ctx, r.conn, "mapped")
		st := status.Convert(err)
		if st.Code() != codes.NotFound || st.Message() != "load org unit 42: org unit not found" {
			t.Fatalf("got %v %q", st.Code(), st.Message())
		}
	})
	t.Run("kit rule", func(t *testing.T) {
		_, _, err := call(ctx, r.conn, "reused")
		if status.Code(err) != codes.AlreadyExists {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("status passes through", func(t *testing.T) {
		_, _, err := call(ctx, r.conn, "status")
		st := status.Convert(err)
		if st.Code() != codes.FailedPrecondition || st.Message() != "explicit status" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("unmapped", func(t *testing.T) {
		_, header, err := call(ctx, r.conn, "unmapped")
		st := status.Convert(err)
		if st.Code() != codes.Internal {
			t.Fatalf("got %v", err)
		}
		if strings.Contains(st.Message(), "hunter2") || strings.Contains(st.Message(), "postgres") || strings.Contains(st.Message(), "refused") {
			t.Fatalf("cause leaked to the client: %q", st.Message())
		}
		id := headerID(t, header)
		if !strings.Contains(st.Message(), id) {
			t.Errorf("message %q lacks the request id %s", st.Message(), id)
		}
		if len(st.Details()) != 0 {
			t.Errorf("details leaked: %v", st.Details())
		}
		// The cause is logged, under the request id.
		var found bool
		for _, e := range r.logs.FilterMessage("internal error").All() {
			f := e.ContextMap()
			if f["request_id"] == id && strings.Contains(fmt.Sprint(f["error"]), "connection refused") {
				found = true
			}
		}
		if !found {
			t.Errorf("cause not logged with request id %s", id)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		_, _, err := call(ctx, r.conn, "invalid")
		st := status.Convert(err)
		if st.Code() != codes.InvalidArgument {
			t.Fatalf("got %v", err)
		}
		var br *errdetails.BadRequest
		for _, d := range st.Details() {
			if b, ok := d.(*errdetails.BadRequest); ok {
				br = b
			}
		}
		if br == nil {
			t.Fatalf("no BadRequest detail in %v", st.Details())
		}
		got := map[string]string{}
		for _, v := range br.GetFieldViolations() {
			got[v.GetField()] = v.GetDescription()
		}
		want := map[string]string{
			"org_unit.display_name": "must not be empty",
			"org_unit.code":         `must be 6 digits, got "12"`,
		}
		if len(got) != 2 || got["org_unit.display_name"] != want["org_unit.display_name"] || got["org_unit.code"] != want["org_unit.code"] {
			t.Fatalf("violations = %v", got)
		}
	})
	t.Run("access log", func(t *testing.T) {
		codesLogged := map[string]zapcore.Level{}
		for _, e := range r.logs.FilterMessage("call finished").All() {
			f := e.ContextMap()
			if f["method"] != "/"+probeService+"/Call" {
				continue // health checks
			}
			if _, ok := f["duration"]; !ok {
				t.Errorf("access log without duration: %v", f)
			}
			codesLogged[fmt.Sprint(f["code"])] = e.Level
		}
		if codesLogged["NotFound"] != zapcore.InfoLevel || codesLogged["Internal"] != zapcore.ErrorLevel || codesLogged["InvalidArgument"] != zapcore.InfoLevel {
			t.Errorf("access log levels by code = %v", codesLogged)
		}
	})
}

func TestDefaultDeadline(t *testing.T) {
	cfg := testConfig()
	cfg.DefaultDeadline = 3 * time.Second
	r := start(t, cfg, nil)

	remaining := func(ctx context.Context) time.Duration {
		t.Helper()
		got, _, err := call(ctx, r.conn, "deadline")
		if err != nil {
			t.Fatal(err)
		}
		if got == "none" {
			t.Fatal("handler saw no deadline")
		}
		d, err := time.ParseDuration(got)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	// Without a caller deadline: the default.
	if d := remaining(context.Background()); d <= 2*time.Second || d > 3*time.Second {
		t.Errorf("no caller deadline: handler has %s left, want about 3s", d)
	}
	// A caller's deadline is kept, longer or shorter than the default.
	if d := remaining(ctxTimeout(t, 30*time.Second)); d <= 20*time.Second {
		t.Errorf("caller deadline 30s: handler has %s left", d)
	}
	if d := remaining(ctxTimeout(t, time.Second)); d > time.Second || d <= 0 {
		t.Errorf("caller deadline 1s: handler has %s left", d)
	}
}

func TestDefaultDeadlineEndsSlowCall(t *testing.T) {
	cfg := testConfig()
	cfg.DefaultDeadline = 300 * time.Millisecond
	r := start(t, cfg, nil)
	start := time.Now()
	_, _, err := call(context.Background(), r.conn, "slow")
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("slow call without deadline: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %s", d)
	}
}

func TestRequestID(t *testing.T) {
	r := start(t, testConfig(), nil)
	ctx := ctxTimeout(t, 10*time.Second)
	withID := func(id string) context.Context {
		return metadata.AppendToOutgoingContext(ctx, RequestIDHeader, id)
	}

	// A caller's id is kept: echoed in the header and seen by the handler.
	for _, id := range []string{"abc-123", "7c9e6679-7425-40de-944b-e07fc1f90ae7", strings.Repeat("x", 128)} {
		got, header, err := call(withID(id), r.conn, "requestid")
		if err != nil {
			t.Fatal(err)
		}
		if h := headerID(t, header); h != id || got != id {
			t.Errorf("sent %q: header %q, handler %q", id, h, got)
		}
	}
	// Echoed on errors too.
	if _, header, err := call(withID("err-id-1"), r.conn, "mapped"); err == nil || headerID(t, header) != "err-id-1" {
		t.Errorf("error response: header %v, err %v", header, err)
	}

	// Missing or invalid ids are replaced by a fresh one.
	seen := map[string]bool{}
	for _, ctx := range []context.Context{
		ctx,
		withID(""),
		withID("has space"),
		withID(strings.Repeat("x", 129)),
		withID("quote\"and space"),
	} {
		got, header, err := call(ctx, r.conn, "requestid")
		if err != nil {
			t.Fatal(err)
		}
		h := headerID(t, header)
		if !generatedID.MatchString(h) || got != h {
			t.Errorf("replacement id: header %q, handler %q", h, got)
		}
		if seen[h] {
			t.Errorf("id %s handed out twice", h)
		}
		seen[h] = true
	}

	// The request's logger carries the id and the method.
	_, header, err := call(withID("log-me"), r.conn, "log")
	if err != nil {
		t.Fatal(err)
	}
	_ = header
	entries := r.logs.FilterMessage("handler log").All()
	if len(entries) != 1 {
		t.Fatalf("handler log entries: %d", len(entries))
	}
	f := entries[0].ContextMap()
	if f["request_id"] != "log-me" || f["method"] != "/"+probeService+"/Call" || !strings.HasPrefix(fmt.Sprint(f["peer"]), "127.0.0.1:") {
		t.Errorf("handler log fields = %v", f)
	}
}

func TestStreamInterceptor(t *testing.T) {
	r := start(t, testConfig(), nil)
	ctx := ctxTimeout(t, 10*time.Second)

	stream := func(ctx context.Context, value string) ([]string, metadata.MD, error) {
		s, err := r.conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, "/"+probeService+"/Stream")
		if err != nil {
			return nil, nil, err
		}
		if err := s.SendMsg(wrapperspb.String(value)); err != nil {
			return nil, nil, err
		}
		if err := s.CloseSend(); err != nil {
			return nil, nil, err
		}
		var got []string
		for {
			m := new(wrapperspb.StringValue)
			if err := s.RecvMsg(m); err != nil {
				h, _ := s.Header()
				if err == io.EOF {
					err = nil
				}
				return got, h, err
			}
			got = append(got, m.GetValue())
		}
	}

	got, header, err := stream(metadata.AppendToOutgoingContext(ctx, RequestIDHeader, "stream-1"), "ok")
	if err != nil || len(got) != 2 || got[1] != "stream-1" || headerID(t, header) != "stream-1" {
		t.Fatalf("stream ok: %q, %v, %v", got, header, err)
	}
	_, header, err = stream(ctx, "panic")
	if st := status.Convert(err); st.Code() != codes.Internal || !strings.Contains(st.Message(), headerID(t, header)) || strings.Contains(st.Message(), "kaboom") {
		t.Fatalf("stream panic: %v", err)
	}
	_, _, err = stream(ctx, "mapped")
	if status.Code(err) != codes.NotFound {
		t.Fatalf("stream mapped: %v", err)
	}
	_, _, err = stream(ctx, "unmapped")
	if st := status.Convert(err); st.Code() != codes.Internal || strings.Contains(st.Message(), "hunter2") {
		t.Fatalf("stream unmapped: %v", err)
	}
	// Still serving.
	if got, _, err := call(ctx, r.conn, "x"); err != nil || got != "echo x" {
		t.Fatalf("after stream panic: %q, %v", got, err)
	}
}

func TestShutdownRunsClosersInReverseAfterInFlightCalls(t *testing.T) {
	var mu sync.Mutex
	var order []string
	boom := errors.New("close db: boom")
	closer := func(name string, err error) func() error {
		return func() error {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, name)
			return err
		}
	}
	r := start(t, testConfig(), func(s *Server) {
		s.OnClose(closer("db", boom))
		s.OnClose(closer("cache", nil))
		s.OnClose(closer("etcd", nil))
	})

	// An in-flight call is allowed to finish.
	result := make(chan error, 1)
	go func() {
		got, _, err := call(context.Background(), r.conn, "slow")
		if err == nil && got != "finished" {
			err = fmt.Errorf("got %q", got)
		}
		result <- err
	}()
	select {
	case <-r.probe.started:
	case <-time.After(5 * time.Second):
		t.Fatal("slow call never started")
	}
	r.cancel()
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	early := len(order)
	mu.Unlock()
	if early != 0 {
		t.Fatalf("closers ran while a call was in flight: %v", order)
	}
	close(r.probe.release)
	if err := <-result; err != nil {
		t.Fatalf("in-flight call: %v", err)
	}
	err := r.stop(t)
	if !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want the closer's error", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(order, ",") != "etcd,cache,db" {
		t.Fatalf("closers ran in order %v", order)
	}
}

func TestShutdownTimeoutStopsHard(t *testing.T) {
	cfg := testConfig()
	cfg.ShutdownTimeout = 300 * time.Millisecond
	cfg.DefaultDeadline = time.Minute
	closed := make(chan struct{})
	r := start(t, cfg, func(s *Server) {
		s.OnClose(func() error { close(closed); return nil })
	})
	result := make(chan error, 1)
	go func() {
		_, _, err := call(context.Background(), r.conn, "slow")
		result <- err
	}()
	<-r.probe.started
	begin := time.Now()
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if d := time.Since(begin); d > 3*time.Second {
		t.Fatalf("shutdown took %s with a 300ms timeout", d)
	}
	select {
	case <-closed:
	default:
		t.Fatal("closers did not run after a hard stop")
	}
	if err := <-result; status.Code(err) == codes.OK {
		t.Fatal("call cut by the hard stop succeeded")
	}
}
