package discovery_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/discovery"
	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
	auditv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/audit/v1"
)

func TestRetryableMethodsAreReadsAndWritesWithRequestIDs(t *testing.T) {
	all, writes := discovery.RetryableMethods()
	for _, c := range []struct {
		method         string
		retried, write bool
	}{
		{"/rmsuite.approval.v1.ApprovalService/GetApproval", true, false},   // GET
		{"/rmsuite.approval.v1.ApprovalService/ListApprovals", true, false}, // GET
		{"/rmsuite.approval.v1.ApprovalService/ApproveApproval", true, true},
		{"/rmsuite.approval.v1.ApprovalService/RejectApproval", true, true},
		{"/rmsuite.audit.v1.AuditService/ListAuditRecords", true, false},
		{"/grpc.health.v1.Health/Check", false, false}, // not ours
	} {
		if got := slices.Contains(all, c.method); got != c.retried {
			t.Errorf("%s retried = %v, want %v", c.method, got, c.retried)
		}
		if writes[c.method] != c.write {
			t.Errorf("%s is a write = %v, want %v", c.method, writes[c.method], c.write)
		}
	}
}

// flaky answers UNAVAILABLE to the first attempt of every call and counts attempts.
type flaky struct {
	approvalv1.UnimplementedApprovalServiceServer
	mu       sync.Mutex
	attempts map[string]int
	failures int // calls answered UNAVAILABLE before one succeeds
}

func (f *flaky) attempt(method string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts[method]++
	if f.attempts[method] <= f.failures {
		return status.Error(codes.Unavailable, "instance going away")
	}
	return nil
}

func (f *flaky) GetApproval(ctx context.Context, r *approvalv1.GetApprovalRequest) (*approvalv1.Approval, error) {
	if err := f.attempt("get"); err != nil {
		return nil, err
	}
	return &approvalv1.Approval{Name: r.GetName()}, nil
}

func (f *flaky) ApproveApproval(ctx context.Context, r *approvalv1.ApproveApprovalRequest) (*approvalv1.Approval, error) {
	if err := f.attempt("approve:" + r.GetRequestId()); err != nil {
		return nil, err
	}
	return &approvalv1.Approval{Name: r.GetName()}, nil
}

func TestRetriesOnlyIdempotentCalls(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	f := &flaky{attempts: map[string]int{}, failures: 2}
	approvalv1.RegisterApprovalServiceServer(srv, f)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(),
		append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, discovery.ClientOptions()...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	cli := approvalv1.NewApprovalServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// A read: retried until it succeeds (third attempt).
	if _, err := cli.GetApproval(ctx, &approvalv1.GetApprovalRequest{Name: "approvals/1"}); err != nil {
		t.Fatalf("read = %v, want success after retries", err)
	}
	// A write with a request id: retried, the service answers a repeat once.
	if _, err := cli.ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: "approvals/1", RequestId: "r-1"}); err != nil {
		t.Fatalf("write with a request id = %v, want success after retries", err)
	}
	// A write without one: sent once; its failure reaches the caller.
	_, err = cli.ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: "approvals/1"})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("write without a request id = %v, want its UNAVAILABLE unretried", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.attempts["get"] != 3 || f.attempts["approve:r-1"] != 3 || f.attempts["approve:"] != 1 {
		t.Fatalf("attempts = %v, want get 3, approve:r-1 3, approve: 1", f.attempts)
	}
}

func TestRetriesGiveUpAfterFourAttempts(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	f := &flaky{attempts: map[string]int{}, failures: 100}
	approvalv1.RegisterApprovalServiceServer(srv, f)
	auditv1.RegisterAuditServiceServer(srv, auditv1.UnimplementedAuditServiceServer{})
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(),
		append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, discovery.ClientOptions()...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = approvalv1.NewApprovalServiceClient(conn).GetApproval(ctx, &approvalv1.GetApprovalRequest{Name: "approvals/1"})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("GetApproval = %v, want UNAVAILABLE once the attempts run out", err)
	}
	// Other codes are answers, not failures of the instance: never retried.
	_, err = auditv1.NewAuditServiceClient(conn).ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{})
	if status.Code(err) != codes.Unimplemented {
		t.Fatalf("ListAuditRecords = %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.attempts["get"] != 4 {
		t.Fatalf("attempts = %d, want 4 (maxAttempts)", f.attempts["get"])
	}
}

// An instance that reports NOT_SERVING (it is shutting down) gets no new calls while it
// is still registered; its metrics address is registered with it.
func TestNotServingInstanceGetsNoCalls(t *testing.T) {
	e := startEtcd(t)
	cli := newClient(t, e.Endpoint)
	ctx := testCtx(t, 20*time.Second)
	type instance struct {
		health *health.Server
		f      *flaky
	}
	var instances []instance
	for i := range 2 {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := grpc.NewServer()
		in := instance{health: health.NewServer(), f: &flaky{attempts: map[string]int{}}}
		healthpb.RegisterHealthServer(srv, in.health)
		approvalv1.RegisterApprovalServiceServer(srv, in.f)
		go srv.Serve(lis)
		t.Cleanup(srv.Stop)
		reg, err := discovery.Register(ctx, cli, "approvals", lis.Addr().String(), "v1", 10*time.Second, zap.NewNop(),
			discovery.WithMetricsAddr(fmt.Sprintf("127.0.0.1:%d", 9090+i)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { reg.Deregister(context.Background()) })
		instances = append(instances, in)
	}
	got := list(t, cli, "approvals")
	if len(got) != 2 || !strings.HasPrefix(got[0].Meta.Metrics, "127.0.0.1:909") {
		t.Fatalf("registered: %+v", got)
	}
	conn, err := discovery.Dial(cli, "approvals")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	client := approvalv1.NewApprovalServiceClient(conn)
	calls := func(n int) {
		for range n {
			if _, err := client.GetApproval(ctx, &approvalv1.GetApprovalRequest{Name: "approvals/1"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	served := func(i int) int {
		instances[i].f.mu.Lock()
		defer instances[i].f.mu.Unlock()
		return instances[i].f.attempts["get"]
	}
	eventually(t, 5*time.Second, "both instances serve (round robin)", func() bool {
		calls(10)
		return served(0) > 0 && served(1) > 0
	})
	instances[0].health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	time.Sleep(200 * time.Millisecond) // the watch reaches the client
	before0, before1 := served(0), served(1)
	calls(20)
	if served(0) != before0 || served(1) != before1+20 {
		t.Fatalf("after NOT_SERVING: instance 0 served %d more, instance 1 %d more; want 0 and 20",
			served(0)-before0, served(1)-before1)
	}
}
