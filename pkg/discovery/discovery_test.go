package discovery_test

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/pkg/etcdlocal"
)

// startEtcd runs a fresh embedded etcd for one test.
func startEtcd(t *testing.T) *etcdlocal.Server {
	t.Helper()
	e, err := etcdlocal.Start(t.TempDir(), "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Stop)
	return e
}

func newClient(t *testing.T, endpoint string) *clientv3.Client {
	t.Helper()
	cli, err := discovery.NewClient([]string{endpoint}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond every 50ms until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func list(t *testing.T, cli *clientv3.Client, service string) []discovery.Instance {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := discovery.List(ctx, cli, service)
	if err != nil {
		t.Fatalf("List(%q): %v", service, err)
	}
	return out
}

func leaseOf(t *testing.T, cli *clientv3.Client, key string) clientv3.LeaseID {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		return 0
	}
	return clientv3.LeaseID(resp.Kvs[0].Lease)
}

func TestConfigValidate(t *testing.T) {
	ok := []discovery.Config{
		{EtcdEndpoints: []string{"127.0.0.1:2379"}, RegistrationTTL: 10 * time.Second},
		{EtcdEndpoints: []string{"a:1", "b:2"}, RegistrationTTL: 2 * time.Second},
		{EtcdEndpoints: []string{"a:1"}, RegistrationTTL: 5 * time.Minute},
		{EtcdEndpoints: nil, RegistrationTTL: 0}, // registration disabled: TTL unused
	}
	for _, c := range ok {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	for _, c := range []discovery.Config{
		{EtcdEndpoints: []string{"a:1"}, RegistrationTTL: time.Second},
		{EtcdEndpoints: []string{"a:1"}, RegistrationTTL: 1500 * time.Millisecond},
		{EtcdEndpoints: []string{"a:1"}, RegistrationTTL: 6 * time.Minute},
	} {
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "registration-ttl") {
			t.Errorf("%+v: err = %v", c, err)
		}
	}
}

func TestTargetAndNewClient(t *testing.T) {
	if got := discovery.Target("roster"); got != "etcd:///rmsuite/services/roster" {
		t.Fatalf("Target = %q", got)
	}
	if _, err := discovery.NewClient(nil, zap.NewNop()); err == nil {
		t.Fatal("NewClient without endpoints succeeded")
	}
}

func TestRegisterListDeregister(t *testing.T) {
	e := startEtcd(t)
	cli := newClient(t, e.Endpoint)
	other := newClient(t, e.Endpoint)
	ctx := testCtx(t, 20*time.Second)
	log := zaptest.NewLogger(t)

	before := time.Now().UTC().Add(-time.Second)
	reg, err := discovery.Register(ctx, cli, "roster", "127.0.0.1:9101", "v1.2.3", 10*time.Second, log)
	if err != nil {
		t.Fatal(err)
	}
	// A service whose name extends "roster" must not show up in roster's list.
	reg2, err := discovery.Register(ctx, cli, "roster2", "127.0.0.1:9102", "v9", 10*time.Second, log)
	if err != nil {
		t.Fatal(err)
	}
	defer reg2.Deregister(ctx)

	if !strings.HasPrefix(reg.Key(), "rmsuite/services/roster/") || reg.Key() == reg2.Key() {
		t.Fatalf("keys %q, %q", reg.Key(), reg2.Key())
	}
	got := list(t, other, "roster")
	if len(got) != 1 {
		t.Fatalf("List(roster) = %+v, want 1 instance", got)
	}
	in := got[0]
	host, _ := os.Hostname()
	if in.Key != reg.Key() || in.Addr != "127.0.0.1:9101" {
		t.Errorf("instance = %+v", in)
	}
	m := in.Meta
	if m.Service != "roster" || m.Version != "v1.2.3" || m.PID != os.Getpid() || m.Host != host ||
		in.Key != discovery.Prefix+"roster/"+m.Instance || m.StartedAt.Before(before) || m.StartedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("metadata = %+v", m)
	}
	if all := list(t, other, ""); len(all) != 2 {
		t.Errorf("List(\"\") = %+v, want both services", all)
	}

	lease := leaseOf(t, other, reg.Key())
	if lease == 0 {
		t.Fatal("registration has no lease")
	}
	ttl, err := other.TimeToLive(ctx, lease)
	if err != nil || ttl.GrantedTTL != 10 {
		t.Fatalf("lease TTL = %+v, %v", ttl, err)
	}

	start := time.Now()
	if err := reg.Deregister(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Deregister took %s", d)
	}
	// Gone at once, not after the TTL.
	if got := list(t, other, "roster"); len(got) != 0 {
		t.Fatalf("after Deregister: %+v", got)
	}
	if ttl, err := other.TimeToLive(ctx, lease); err != nil || ttl.TTL != -1 {
		t.Fatalf("lease not revoked: %+v, %v", ttl, err)
	}
	// The other service is untouched.
	if got := list(t, other, "roster2"); len(got) != 1 {
		t.Fatalf("roster2 = %+v", got)
	}
}

func TestReRegistersWhenLeaseLost(t *testing.T) {
	e := startEtcd(t)
	cli := newClient(t, e.Endpoint)
	admin := newClient(t, e.Endpoint)
	ctx := testCtx(t, 20*time.Second)

	reg, err := discovery.Register(ctx, cli, "visits", "127.0.0.1:9104", "v1", 2*time.Second, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Deregister(ctx)

	for round := range 2 {
		lease := leaseOf(t, admin, reg.Key())
		if lease == 0 {
			t.Fatalf("round %d: not registered", round)
		}
		// Lose the lease behind the registration's back (as when etcd forgets it).
		if _, err := admin.Revoke(ctx, lease); err != nil {
			t.Fatal(err)
		}
		if got := list(t, admin, "visits"); len(got) != 0 {
			t.Fatalf("round %d: still listed right after revoke: %+v", round, got)
		}
		var newLease clientv3.LeaseID
		eventually(t, 5*time.Second, "registration did not come back", func() bool {
			newLease = leaseOf(t, admin, reg.Key())
			return newLease != 0
		})
		if newLease == lease {
			t.Fatalf("round %d: same lease after revoke", round)
		}
		got := list(t, admin, "visits")
		if len(got) != 1 || got[0].Addr != "127.0.0.1:9104" || got[0].Key != reg.Key() || got[0].Meta.Version != "v1" {
			t.Fatalf("round %d: re-registered as %+v", round, got)
		}
	}

	// The new lease is kept alive: it outlives its TTL.
	lease := leaseOf(t, admin, reg.Key())
	time.Sleep(2500 * time.Millisecond)
	if got := leaseOf(t, admin, reg.Key()); got != lease {
		t.Fatalf("lease %x replaced by %x: the new lease was not kept alive", lease, got)
	}

	// Deregister stops the repair loop for good.
	if err := reg.Deregister(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if got := list(t, admin, "visits"); len(got) != 0 {
		t.Fatalf("came back after Deregister: %+v", got)
	}
}

func TestDeletedKeyAndRevokedLeaseComeBack(t *testing.T) {
	e := startEtcd(t)
	cli := newClient(t, e.Endpoint)
	admin := newClient(t, e.Endpoint)
	ctx := testCtx(t, 20*time.Second)

	reg, err := discovery.Register(ctx, cli, "assessment", "127.0.0.1:9102", "v1", 3*time.Second, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Deregister(ctx)
	lease := leaseOf(t, admin, reg.Key())
	if _, err := admin.Delete(ctx, reg.Key()); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Revoke(ctx, lease); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "registration did not come back", func() bool {
		return len(list(t, admin, "assessment")) == 1
	})
}

func TestDisappearsWhenKeepAliveStops(t *testing.T) {
	e := startEtcd(t)
	owner, err := discovery.NewClient([]string{e.Endpoint}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	watcher := newClient(t, e.Endpoint)
	ctx := testCtx(t, 20*time.Second)

	const ttl = 2 * time.Second
	reg, err := discovery.Register(ctx, owner, "compensation", "127.0.0.1:9103", "v1", ttl, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	// Let a few keep-alives go through: the entry must outlive its TTL while alive.
	time.Sleep(ttl + 500*time.Millisecond)
	if got := list(t, watcher, "compensation"); len(got) != 1 {
		t.Fatalf("alive instance not listed after its TTL: %+v", got)
	}

	// The process "dies": its etcd client goes away without revoking anything.
	owner.Close()
	died := time.Now()
	eventually(t, ttl+2*time.Second, "dead instance still listed", func() bool {
		return len(list(t, watcher, "compensation")) == 0
	})
	t.Logf("gone %s after the keep-alive stopped", time.Since(died).Round(10*time.Millisecond))

	// With its client closed the registration cannot come back, and Deregister does
	// not hang (it reports the closed client).
	time.Sleep(500 * time.Millisecond)
	if got := list(t, watcher, "compensation"); len(got) != 0 {
		t.Fatalf("re-registered through a closed client: %+v", got)
	}
	done := make(chan error, 1)
	go func() {
		dctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		done <- reg.Deregister(dctx)
	}()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Deregister hangs after the client was closed")
	}
}

// proxy forwards TCP connections to target until cut, which drops every connection
// at once: etcd becomes unreachable as in a network partition.
type proxy struct {
	lis   net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{lis: lis}
	t.Cleanup(p.cut)
	go func() {
		for {
			in, err := lis.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	return p
}

func (p *proxy) addr() string { return p.lis.Addr().String() }

func (p *proxy) cut() {
	p.lis.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// Deregister is bounded by its context even when etcd is unreachable: a service
// shutting down must not wait for the lease TTL (nor for the next keep-alive).
func TestDeregisterWhenEtcdUnreachable(t *testing.T) {
	e := startEtcd(t)
	p := startProxy(t, e.Endpoint)
	cli := newClient(t, p.addr())
	admin := newClient(t, e.Endpoint)
	ctx := testCtx(t, 20*time.Second)
	reg, err := discovery.Register(ctx, cli, "roster", "127.0.0.1:9101", "v1", 10*time.Second, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	p.cut()

	start := time.Now()
	dctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- reg.Deregister(dctx) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Deregister reported success with etcd unreachable")
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Deregister took %s with a 1s context", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Deregister still blocked 5s after its 1s context: it waits for the lease TTL")
	}
	// The entry is still there (nobody could delete it); its lease will run out.
	if got := list(t, admin, "roster"); len(got) != 1 {
		t.Fatalf("List = %+v", got)
	}
}

func TestRegisterFailsWithoutEtcd(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens there now
	cli := newClient(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := discovery.Register(ctx, cli, "roster", "127.0.0.1:9101", "v1", 5*time.Second, zap.NewNop()); err == nil {
		t.Fatal("Register succeeded without etcd")
	} else if !strings.Contains(err.Error(), "roster") {
		t.Errorf("error does not name the service: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Register ignored its context: %s", d)
	}
}

// backend is a gRPC server answering rmsuite.test.v1.Who/Name with its name.
func backend(t *testing.T, name string) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "rmsuite.test.v1.Who",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Name",
			Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
				if err := dec(new(wrapperspb.StringValue)); err != nil {
					return nil, err
				}
				return wrapperspb.String(name), nil
			},
		}},
	}, struct{}{})
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

func who(ctx context.Context, conn *grpc.ClientConn) (string, error) {
	out := new(wrapperspb.StringValue)
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	err := conn.Invoke(cctx, "/rmsuite.test.v1.Who/Name", wrapperspb.String(""), out)
	return out.GetValue(), err
}

func TestDialRoundRobin(t *testing.T) {
	e := startEtcd(t)
	regCli := newClient(t, e.Endpoint)
	dialCli := newClient(t, e.Endpoint)
	ctx := testCtx(t, 25*time.Second)
	log := zaptest.NewLogger(t)

	regA, err := discovery.Register(ctx, regCli, "roster", backend(t, "a"), "v1", 10*time.Second, log)
	if err != nil {
		t.Fatal(err)
	}
	defer regA.Deregister(ctx)
	regB, err := discovery.Register(ctx, regCli, "roster", backend(t, "b"), "v1", 10*time.Second, log)
	if err != nil {
		t.Fatal(err)
	}
	defer regB.Deregister(ctx)
	// Another service's instance must never be dialled as roster.
	regX, err := discovery.Register(ctx, regCli, "roster-admin", backend(t, "x"), "v1", 10*time.Second, log)
	if err != nil {
		t.Fatal(err)
	}
	defer regX.Deregister(ctx)

	conn, err := discovery.Dial(dialCli, "roster")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Connect()

	// round_robin balances over READY subchannels only: wait until both answered.
	seen := map[string]int{}
	eventually(t, 10*time.Second, "both backends never answered", func() bool {
		name, err := who(ctx, conn)
		if err == nil {
			seen[name]++
		}
		return seen["a"] > 0 && seen["b"] > 0
	})
	if seen["x"] > 0 {
		t.Fatalf("dialled another service's instance: %v", seen)
	}
	if conn.GetState() != connectivity.Ready {
		t.Errorf("state = %s", conn.GetState())
	}
	// Once both are READY, calls alternate: 20 calls split evenly.
	seen = map[string]int{}
	for range 20 {
		name, err := who(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		seen[name]++
	}
	if seen["a"] != 10 || seen["b"] != 10 {
		t.Fatalf("20 calls went %v, want 10/10", seen)
	}

	// a's registration goes (its server keeps running): calls stop going to a.
	if err := regA.Deregister(ctx); err != nil {
		t.Fatal(err)
	}
	streak := 0
	eventually(t, 5*time.Second, "calls still reach the deregistered backend", func() bool {
		name, err := who(ctx, conn)
		if err != nil || name != "b" {
			streak = 0
			return false
		}
		streak++
		return streak >= 20
	})

	// A new instance is picked up without redialling.
	regC, err := discovery.Register(ctx, regCli, "roster", backend(t, "c"), "v1", 10*time.Second, log)
	if err != nil {
		t.Fatal(err)
	}
	defer regC.Deregister(ctx)
	eventually(t, 10*time.Second, "new backend c never answered", func() bool {
		name, _ := who(ctx, conn)
		return name == "c"
	})
}
