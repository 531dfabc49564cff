package drills

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/discovery"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

// ---- load ----

// attempts counts the attempts a client connection makes (a retried call makes more
// than one), through gRPC's stats hooks.
type attempts struct{ n atomic.Int64 }

type methodKey struct{}

func (a *attempts) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, methodKey{}, info.FullMethodName)
}

func (a *attempts) HandleRPC(ctx context.Context, s stats.RPCStats) {
	method, _ := ctx.Value(methodKey{}).(string)
	if b, ok := s.(*stats.Begin); ok && b.Client && strings.HasPrefix(method, "/rmsuite.") {
		a.n.Add(1)
	}
}
func (a *attempts) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (a *attempts) HandleConn(context.Context, stats.ConnStats)                       {}

// result is one call the load made.
type result struct {
	op         string // grpc-create, grpc-read, rest-create, rest-read
	start, end time.Time
	err        error
	unit       string // for creates: the org unit id
	requestID  string
}

// load runs workers that call the roster until stopped, directly over gRPC (through
// etcd, as other services and bank systems do) and as REST through the gateway.
type load struct {
	name     string
	conn     *grpc.ClientConn
	attempts *attempts
	timeout  time.Duration
	writes   bool
	mu       sync.Mutex
	results  []result
	seq      atomic.Int64
	stop     chan struct{}
	wg       sync.WaitGroup
}

func newLoad(t *testing.T, name string, writes bool, timeout time.Duration) *load {
	t.Helper()
	l := &load{name: name, attempts: &attempts{}, timeout: timeout, writes: writes, stop: make(chan struct{})}
	conn, err := discovery.Dial(sys.etcdClient, "roster", grpc.WithStatsHandler(l.attempts))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	l.conn = conn
	return l
}

func (l *load) run(workers int) {
	for w := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				ops := []string{"grpc-read", "rest-read"}
				if l.writes {
					ops = []string{"grpc-create", "grpc-read", "rest-create", "rest-read"}
				}
				l.record(l.call(ops[(w+i)%len(ops)]))
			}
		}()
	}
}

func (l *load) halt() {
	close(l.stop)
	l.wg.Wait()
}

func (l *load) record(r result) {
	l.mu.Lock()
	l.results = append(l.results, r)
	l.mu.Unlock()
}

func (l *load) call(op string) result {
	r := result{op: op, start: time.Now()}
	switch op {
	case "grpc-create", "rest-create":
		n := l.seq.Add(1)
		r.unit = fmt.Sprintf("%s-%d", l.name, n)
		r.requestID = "drill-" + r.unit
	}
	r.err = l.do(op, r.unit, r.requestID)
	r.end = time.Now()
	return r
}

// do sends one call; a create carries its request id, so a repeat is safe.
func (l *load) do(op, unit, requestID string) error {
	switch op {
	case "grpc-create", "grpc-read":
		ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
		defer cancel()
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+sys.adminToken)
		cli := rosterv1.NewRosterServiceClient(l.conn)
		var err error
		if op == "grpc-read" {
			_, err = cli.GetOrgUnit(ctx, &rosterv1.GetOrgUnitRequest{Name: "orgUnits/branch-east"})
		} else {
			_, err = cli.CreateOrgUnit(ctx, &rosterv1.CreateOrgUnitRequest{OrgUnitId: unit, RequestId: requestID,
				OrgUnit: &rosterv1.OrgUnit{DisplayName: "演练 " + unit, Type: rosterv1.OrgUnit_TYPE_SUB_BRANCH, Parent: "orgUnits/branch-east"}})
		}
		if err != nil {
			return fmt.Errorf("%s: %s", status.Code(err), status.Convert(err).Message())
		}
		return nil
	case "rest-read":
		return expect(sys.rest(http.MethodGet, "/v1/orgUnits/branch-west", nil, l.timeout+2*time.Second))
	case "rest-create":
		return expect(sys.rest(http.MethodPost, "/v1/orgUnits?orgUnitId="+unit+"&requestId="+requestID,
			map[string]string{"displayName": "演练 " + unit, "type": "TYPE_SUB_BRANCH", "parent": "orgUnits/branch-east"},
			l.timeout+2*time.Second))
	}
	panic("unknown op " + op)
}

func expect(code int, body []byte, err error) error {
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("HTTP %d: %.200s", code, body)
	}
	return nil
}

// summary of what the load did.
func (l *load) summary() (calls int, failed []result, creates []result) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.results {
		if r.err != nil {
			failed = append(failed, r)
		} else if r.unit != "" {
			creates = append(creates, r)
		}
	}
	return len(l.results), failed, creates
}

func describe(failed []result, since time.Time) string {
	var b strings.Builder
	for i, r := range failed {
		if i == 10 {
			fmt.Fprintf(&b, "  … and %d more\n", len(failed)-10)
			break
		}
		fmt.Fprintf(&b, "  %s at +%s (%s): %v\n", r.op, r.start.Sub(since).Round(10*time.Millisecond), r.end.Sub(r.start).Round(time.Millisecond), r.err)
	}
	return b.String()
}

// appliedOnce checks in the roster's database that every unit is created exactly once:
// one audit record per acknowledged create, none for any other.
func appliedOnce(t *testing.T, prefix string, acknowledged []string) {
	t.Helper()
	db := sys.openDB(t, "roster")
	ctx := context.Background()
	rows, err := db.Q(ctx).QueryContext(ctx, `SELECT object_name, COUNT(*) FROM audit_log
		WHERE method LIKE '%/CreateOrgUnit' AND object_name LIKE $1 GROUP BY object_name`, "orgUnits/"+prefix+"-%")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	applied := map[string]int{}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		applied[strings.TrimPrefix(name, "orgUnits/")] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for name, n := range applied {
		if n != 1 {
			t.Errorf("org unit %s created %d times", name, n)
		}
	}
	for _, u := range acknowledged {
		if applied[u] != 1 {
			t.Errorf("acknowledged create of %s applied %d times", u, applied[u])
		}
	}
	if len(applied) != len(acknowledged) {
		t.Errorf("%d units created, %d creates acknowledged", len(applied), len(acknowledged))
	}
}

func units(rs []result) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.unit)
	}
	return out
}

// serving waits until etcd holds want instances of every service and each answers.
func serving(t *testing.T, want map[string]int) {
	t.Helper()
	if err := sys.waitRegistered(want, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

var everyService = map[string]int{"roster": 2, "assessment": 2, "compensation": 2, "visits": 2}

// ---- drills ----

// Round robin: the gateway and direct clients spread calls over both instances of
// every service.
func TestRoundRobinOverTwoInstances(t *testing.T) {
	serving(t, everyService)
	l := newLoad(t, "rr", false, 5*time.Second)
	for svc, path := range map[string]string{
		"roster": "/v1/orgUnits/branch-east", "assessment": "/v1/indicators", "visits": "/v1/frequencyRules",
		"compensation": "/healthz?service=compensation",
	} {
		var before []float64
		for _, in := range sys.instances[svc] {
			before = append(before, counter(t, in.metrics, "grpc_server_handled_total", `grpc_code="OK"`))
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			for range 10 {
				if err := expect(sys.rest(http.MethodGet, path, nil, 5*time.Second)); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				if svc == "roster" {
					if r := l.call("grpc-read"); r.err != nil {
						t.Fatal(r.err)
					}
				}
			}
			var got []string
			all := true
			for i, in := range sys.instances[svc] {
				d := counter(t, in.metrics, "grpc_server_handled_total", `grpc_code="OK"`) - before[i]
				got = append(got, fmt.Sprint(d))
				all = all && d > 0
			}
			if all {
				t.Logf("%s: calls served per instance %s", svc, strings.Join(got, " / "))
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: calls per instance %v; want every instance to serve", svc, got)
			}
		}
	}
}

// kill -9 one roster instance under load: every call — reads, and writes carrying a
// request id — succeeds (retried on the other instance), and no write is applied twice.
func TestKillInstanceUnderLoad(t *testing.T) {
	serving(t, everyService)
	victim := sys.instances["roster"][0]
	l := newLoad(t, "kill", true, 5*time.Second)
	start := time.Now()
	l.run(8)
	time.Sleep(1500 * time.Millisecond)
	killed := time.Now()
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	l.halt()

	calls, failed, creates := l.summary()
	retried := l.attempts.n.Load() - int64(countOps(l, "grpc-"))
	t.Logf("%d calls in %s (%d acknowledged creates); roster instance killed at +%s; direct gRPC attempts beyond one per call (retries): %d; gateway retries: see the survivor's log",
		calls, time.Since(start).Round(100*time.Millisecond), len(creates), killed.Sub(start).Round(100*time.Millisecond), retried)
	if len(failed) > 0 {
		t.Errorf("%d of %d calls failed:\n%s", len(failed), calls, describe(failed, start))
	}
	appliedOnce(t, "kill", units(creates))

	// Its registration ends with its lease; a supervisor starts it again.
	<-victim.exited
	if err := sys.waitRegistered(map[string]int{"roster": 1}, ttl+2*time.Second); err != nil {
		t.Fatalf("the killed instance's registration outlived its lease: %v", err)
	}
	t.Logf("registration gone %s after kill -9 (TTL %s)", time.Since(killed).Round(100*time.Millisecond), ttl)
	if err := sys.restart(victim); err != nil {
		t.Fatal(err)
	}
	serving(t, everyService)
}

func countOps(l *load, prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.results {
		if strings.HasPrefix(r.op, prefix) {
			n++
		}
	}
	return n
}

// A hung instance (SIGSTOP: its connections stay open, it answers nothing) keeps
// getting calls only until its lease runs out; then the gateway and direct clients
// stop sending to it. Resumed, it registers again by itself.
func TestHungInstanceDropsOutWithinTTL(t *testing.T) {
	serving(t, everyService)
	victim := sys.instances["roster"][1]
	l := newLoad(t, "hung", false, time.Second)
	for range 20 { // both connections ready before the instance hangs
		if r := l.call("grpc-read"); r.err != nil {
			t.Fatal(r.err)
		}
	}
	if err := syscall.Kill(victim.pid(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	resumed := false
	defer func() {
		if !resumed {
			_ = syscall.Kill(victim.pid(), syscall.SIGCONT)
		}
	}()
	l.run(4)
	time.Sleep(ttl + 4*time.Second)
	l.halt()

	calls, failed, _ := l.summary()
	var last time.Duration
	var late []result
	for _, r := range failed {
		if d := r.start.Sub(stopped); d > last {
			last = d
		}
		if r.start.After(stopped.Add(ttl + 1500*time.Millisecond)) {
			late = append(late, r)
		}
	}
	t.Logf("%d calls, %d timed out on the hung instance; the last such call started %s after SIGSTOP (TTL %s)",
		calls, len(failed), last.Round(10*time.Millisecond), ttl)
	if len(late) > 0 {
		t.Errorf("%d calls still went to the hung instance more than TTL+1.5s after it hung:\n%s", len(late), describe(late, stopped))
	}
	if err := sys.waitRegistered(map[string]int{"roster": 1}, time.Second); err != nil {
		t.Errorf("the hung instance is still registered: %v", err)
	}
	if err := syscall.Kill(victim.pid(), syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	resumed = true
	cont := time.Now()
	serving(t, everyService)
	t.Logf("resumed, it registered again after %s", time.Since(cont).Round(100*time.Millisecond))
}

// etcd down: calls keep flowing on the connections the gateway and clients have;
// an instance started during the outage, and every instance whose lease ran out,
// registers when etcd is back, and the gateway then sends calls to the new one.
func TestEtcdOutage(t *testing.T) {
	serving(t, everyService)
	l := newLoad(t, "etcd", true, 5*time.Second)
	l.run(4)
	time.Sleep(500 * time.Millisecond)
	sys.stopEtcd()
	down := time.Now()
	third, err := sys.startInstance("roster")
	if err != nil {
		t.Fatal(err)
	}
	defer third.stop()
	time.Sleep(2*ttl + time.Second) // every lease has run out by the clock
	if err := sys.startEtcd(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	want := map[string]int{"roster": 3, "assessment": 2, "compensation": 2, "visits": 2}
	if err := sys.waitRegistered(want, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("etcd down for %s; all 9 instances registered %s after it returned", back.Sub(down).Round(100*time.Millisecond),
		time.Since(back).Round(100*time.Millisecond))
	time.Sleep(time.Second)
	l.halt()
	calls, failed, creates := l.summary()
	t.Logf("%d calls (%d creates) during and after the outage", calls, len(creates))
	if len(failed) > 0 {
		t.Errorf("%d of %d calls failed while etcd was down:\n%s", len(failed), calls, describe(failed, down))
	}
	appliedOnce(t, "etcd", units(creates))

	// The gateway learns of the new instance through its watch and sends it calls.
	deadline := time.Now().Add(10 * time.Second)
	for counter(t, third.metrics, "grpc_server_handled_total", `grpc_method="GetOrgUnit"`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the instance started during the outage never got a call through the gateway")
		}
		for range 10 {
			_ = expect(sys.rest(http.MethodGet, "/v1/orgUnits/branch-east", nil, 5*time.Second))
		}
	}
	third.stop()
	serving(t, everyService)
}

// PostgreSQL restarted under load: calls fail while it is down (UNAVAILABLE, retried
// by the callers), the services reconnect without being restarted, and a write retried
// afterwards with its request id is applied exactly once.
func TestPostgresRestartUnderLoad(t *testing.T) {
	if sys.pg == nil {
		t.Skip("the services run on SQLite here (no PostgreSQL binaries); CI runs this drill")
	}
	serving(t, everyService)
	pids := map[*instance]int{}
	for _, list := range sys.instances {
		for _, in := range list {
			if in.alive() {
				pids[in] = in.pid()
			}
		}
	}
	l := newLoad(t, "pg", true, 5*time.Second)
	start := time.Now()
	l.run(6)
	time.Sleep(1500 * time.Millisecond)
	stopAt := time.Now()
	if err := sys.pg.stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if err := sys.pg.start(); err != nil {
		t.Fatal(err)
	}
	upAt := time.Now()
	time.Sleep(6 * time.Second)
	l.halt()

	calls, failed, creates := l.summary()
	var lastFailure time.Time
	var unexpected []result
	for _, r := range failed {
		if r.end.After(lastFailure) {
			lastFailure = r.end
		}
		if r.start.Before(stopAt) && r.end.Before(stopAt) || r.start.After(upAt.Add(3*time.Second)) {
			unexpected = append(unexpected, r)
		}
	}
	kinds := map[string]int{}
	for _, r := range failed {
		msg := r.err.Error()
		if i := strings.IndexAny(msg, "(;"); i > 0 {
			msg = msg[:i]
		}
		kinds[r.op+" "+strings.TrimSpace(msg)]++
	}
	for k, n := range kinds {
		t.Logf("  failed meanwhile: %d × %s", n, k)
	}
	recovered := "no call failed"
	if !lastFailure.IsZero() {
		recovered = fmt.Sprintf("the last failure ended %s after PostgreSQL was back", lastFailure.Sub(upAt).Round(10*time.Millisecond))
	}
	t.Logf("%d calls; PostgreSQL down from +%s for %s; %d calls failed meanwhile; %s",
		calls, stopAt.Sub(start).Round(100*time.Millisecond), upAt.Sub(stopAt).Round(100*time.Millisecond), len(failed), recovered)
	if len(unexpected) > 0 {
		t.Errorf("%d calls failed outside the outage (+3 s to reconnect):\n%s", len(unexpected), describe(unexpected, start))
	}
	for in, pid := range pids {
		if !in.alive() || in.pid() != pid {
			t.Errorf("%s-%d was restarted or died (pid %d → %d)", in.service, in.n, pid, in.pid())
		}
	}
	// The creates that failed are sent again with the same request id: each is applied
	// now or was already (its first answer comes back); none twice.
	retried := 0
	for _, r := range failed {
		if r.unit == "" {
			continue
		}
		if err := l.do(r.op, r.unit, r.requestID); err != nil {
			t.Errorf("retry of %s after the outage: %v", r.unit, err)
			continue
		}
		creates = append(creates, r)
		retried++
	}
	t.Logf("%d failed creates sent again with their request ids", retried)
	appliedOnce(t, "pg", units(creates))
}

// The instances that ran the drills are all still there and serving.
func TestZEveryInstanceServes(t *testing.T) {
	serving(t, everyService)
	var bad []string
	for svc, list := range sys.instances {
		for _, in := range list {
			if in.alive() != (in.n <= 2) {
				bad = append(bad, fmt.Sprintf("%s-%d alive=%v", svc, in.n, in.alive()))
			}
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("unexpected process states: %v", bad)
	}
	if err := expect(sys.rest(http.MethodGet, "/healthz", nil, 5*time.Second)); err != nil {
		t.Errorf("gateway /healthz: %v", err)
	}
	if err := expect(sys.rest(http.MethodGet, "/livez", nil, 5*time.Second)); err != nil {
		t.Errorf("gateway /livez: %v", err)
	}
	if n := counter(t, sys.gateway.metrics, "http_server_requests_total", `resource="orgUnits"`); n == 0 {
		t.Error("the gateway's metrics count no org unit requests")
	}
}
