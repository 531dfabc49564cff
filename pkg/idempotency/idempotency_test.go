package idempotency_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/idempotency"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
)

func TestCheck(t *testing.T) {
	for _, ok := range []string{
		"",
		"7c9e6679-7425-40de-944b-e07fc1f90ae7",
		"A",
		"~!@#$%^&*()_+{}|:<>?",
		strings.Repeat("x", 128),
	} {
		if err := idempotency.Check(ok); err != nil {
			t.Errorf("Check(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{
		strings.Repeat("x", 129),
		"has space",
		" leading",
		"tab\there",
		"new\nline",
		"del\x7f",
		"ünïcode",
	} {
		err := idempotency.Check(bad)
		var inv *apierr.InvalidError
		if !errors.As(err, &inv) {
			t.Errorf("Check(%q) = %v, want *apierr.InvalidError", bad, err)
			continue
		}
		if len(inv.Violations) != 1 || inv.Violations[0].Field != "request_id" {
			t.Errorf("Check(%q) violations = %+v", bad, inv.Violations)
		}
		if st, internal := apierr.Table(nil).Status(err); internal || st.Code() != codes.InvalidArgument {
			t.Errorf("Check(%q) maps to %v (internal %v), want InvalidArgument", bad, st.Code(), internal)
		}
	}
}

func TestFingerprint(t *testing.T) {
	a1, err := idempotency.Fingerprint(wrapperspb.String("open account 42"))
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := idempotency.Fingerprint(wrapperspb.String("open account 42"))
	b, _ := idempotency.Fingerprint(wrapperspb.String("open account 43"))
	if a1 != a2 {
		t.Errorf("fingerprint not stable: %s vs %s", a1, a2)
	}
	if a1 == b {
		t.Errorf("different requests share fingerprint %s", a1)
	}
	if len(a1) != 64 || strings.Trim(a1, "0123456789abcdef") != "" {
		t.Errorf("fingerprint %q is not hex SHA-256", a1)
	}

	// Deterministic marshalling: map order must not change the fingerprint.
	m1 := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	m2 := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	for _, k := range keys {
		m1.Fields[k] = structpb.NewStringValue(k)
	}
	for i := len(keys) - 1; i >= 0; i-- {
		m2.Fields[keys[i]] = structpb.NewStringValue(keys[i])
	}
	for range 20 {
		f1, _ := idempotency.Fingerprint(m1)
		f2, _ := idempotency.Fingerprint(m2)
		if f1 != f2 {
			t.Fatalf("map order changed the fingerprint")
		}
	}
}

func openDB(t *testing.T) *storage.DB {
	t.Helper()
	return storagetest.Open(t, storagetest.SQLiteURL(t), nil)
}

func countLog(t *testing.T, db *storage.DB) int {
	t.Helper()
	var n int
	if err := db.Q(context.Background()).QueryRowContext(context.Background(), `SELECT COUNT(*) FROM request_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDoRunsOnce(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	var runs atomic.Int32
	fn := func(ctx context.Context) (*wrapperspb.StringValue, error) {
		n := runs.Add(1)
		return wrapperspb.String("created #" + string(rune('0'+n))), nil
	}
	req := wrapperspb.String("create thing")

	first, err := idempotency.Do(ctx, db, "req-1", req, fn)
	if err != nil {
		t.Fatal(err)
	}
	second, err := idempotency.Do(ctx, db, "req-1", wrapperspb.String("create thing"), fn)
	if err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 1 {
		t.Fatalf("fn ran %d times, want 1", runs.Load())
	}
	if first.GetValue() != "created #1" || !proto.Equal(first, second) {
		t.Fatalf("first %v, second %v", first, second)
	}
	if first == second {
		t.Fatal("replay returned the same pointer; want a decoded copy")
	}

	// Another id runs again.
	third, err := idempotency.Do(ctx, db, "req-2", req, fn)
	if err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 2 || third.GetValue() != "created #2" {
		t.Fatalf("runs %d, third %v", runs.Load(), third)
	}
	if n := countLog(t, db); n != 2 {
		t.Fatalf("request_log has %d rows, want 2", n)
	}
}

func TestDoReusedIDDifferentRequest(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	var runs atomic.Int32
	fn := func(ctx context.Context) (*wrapperspb.StringValue, error) {
		runs.Add(1)
		return wrapperspb.String("ok"), nil
	}
	if _, err := idempotency.Do(ctx, db, "req-1", wrapperspb.String("transfer 100"), fn); err != nil {
		t.Fatal(err)
	}
	resp, err := idempotency.Do(ctx, db, "req-1", wrapperspb.String("transfer 1000"), fn)
	if !errors.Is(err, apierr.ErrRequestIDReused) {
		t.Fatalf("err = %v, want ErrRequestIDReused", err)
	}
	if resp != nil {
		t.Fatalf("resp = %v, want nil", resp)
	}
	if runs.Load() != 1 {
		t.Fatalf("fn ran %d times", runs.Load())
	}
	if st, _ := apierr.Table(nil).Status(err); st.Code() != codes.AlreadyExists {
		t.Fatalf("reused id maps to %v", st.Code())
	}
}

func TestDoRecordsNothingWhenFnFails(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	boom := errors.New("insufficient funds")
	var runs atomic.Int32

	_, err := idempotency.Do(ctx, db, "req-1", wrapperspb.String("pay"), func(ctx context.Context) (*wrapperspb.StringValue, error) {
		runs.Add(1)
		// fn's writes join the transaction and roll back with it.
		if _, err := db.Q(ctx).ExecContext(ctx, `CREATE TABLE side_effect (x INTEGER)`); err != nil {
			t.Errorf("write in fn: %v", err)
		}
		return nil, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want fn's error unchanged", err)
	}
	if n := countLog(t, db); n != 0 {
		t.Fatalf("request_log has %d rows after failure", n)
	}
	var name string
	if err := db.Q(ctx).QueryRowContext(ctx, `SELECT name FROM sqlite_master WHERE name = 'side_effect'`).Scan(&name); err == nil {
		t.Fatal("fn's write was committed although fn failed")
	}

	// The retry with the same id runs fn again and succeeds.
	resp, err := idempotency.Do(ctx, db, "req-1", wrapperspb.String("pay"), func(ctx context.Context) (*wrapperspb.StringValue, error) {
		runs.Add(1)
		return wrapperspb.String("paid"), nil
	})
	if err != nil || resp.GetValue() != "paid" || runs.Load() != 2 {
		t.Fatalf("retry: %v, %v, runs %d", resp, err, runs.Load())
	}
}

func TestDoWithoutRequestIDAlwaysRuns(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	var runs atomic.Int32
	for range 3 {
		resp, err := idempotency.Do(ctx, db, "", wrapperspb.String("x"), func(ctx context.Context) (*wrapperspb.StringValue, error) {
			runs.Add(1)
			return wrapperspb.String("y"), nil
		})
		if err != nil || resp.GetValue() != "y" {
			t.Fatal(resp, err)
		}
	}
	if runs.Load() != 3 {
		t.Fatalf("fn ran %d times, want 3", runs.Load())
	}
	if n := countLog(t, db); n != 0 {
		t.Fatalf("request_log has %d rows for calls without id", n)
	}
}

func TestDoRejectsBadRequestID(t *testing.T) {
	db := openDB(t)
	ran := false
	_, err := idempotency.Do(context.Background(), db, "has space", wrapperspb.String("x"), func(ctx context.Context) (*wrapperspb.StringValue, error) {
		ran = true
		return wrapperspb.String("y"), nil
	})
	var inv *apierr.InvalidError
	if !errors.As(err, &inv) || ran {
		t.Fatalf("err = %v, ran = %v", err, ran)
	}
}

func TestDoReplaysEmptyResponse(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	fn := func(ctx context.Context) (*wrapperspb.StringValue, error) { return &wrapperspb.StringValue{}, nil }
	if _, err := idempotency.Do(ctx, db, "r", wrapperspb.String("x"), fn); err != nil {
		t.Fatal(err)
	}
	resp, err := idempotency.Do(ctx, db, "r", wrapperspb.String("x"), fn)
	if err != nil || resp == nil || !proto.Equal(resp, &wrapperspb.StringValue{}) {
		t.Fatalf("replay of empty response: %v, %v", resp, err)
	}
}

// Inside a real gRPC call the scope is the method: the same id on two methods are two
// requests, and a retry over the wire gets the recorded response.
func TestDoInsideGRPCCall(t *testing.T) {
	db := openDB(t)
	var runs atomic.Int32
	handler := func(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
		req := new(wrapperspb.StringValue)
		if err := dec(req); err != nil {
			return nil, err
		}
		id := "fixed-id"
		resp, err := idempotency.Do(ctx, db, id, req, func(ctx context.Context) (*wrapperspb.StringValue, error) {
			n := runs.Add(1)
			m, _ := grpc.Method(ctx)
			return wrapperspb.String(m + " run " + string(rune('0'+n))), nil
		})
		if err != nil {
			st, _ := apierr.Table(nil).Status(err)
			return nil, st.Err()
		}
		return resp, nil
	}
	desc := grpc.ServiceDesc{
		ServiceName: "rmsuite.test.v1.Idem",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{
			{MethodName: "A", Handler: handler},
			{MethodName: "B", Handler: handler},
		},
	}
	srv := grpc.NewServer()
	srv.RegisterService(&desc, struct{}{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	call := func(method, value string) (*wrapperspb.StringValue, error) {
		out := new(wrapperspb.StringValue)
		err := conn.Invoke(ctx, "/rmsuite.test.v1.Idem/"+method, wrapperspb.String(value), out)
		return out, err
	}
	a1, err := call("A", "v")
	if err != nil {
		t.Fatal(err)
	}
	a2, err := call("A", "v")
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(a1, a2) || a1.GetValue() != "/rmsuite.test.v1.Idem/A run 1" {
		t.Fatalf("a1 %v, a2 %v", a1, a2)
	}
	b1, err := call("B", "v")
	if err != nil {
		t.Fatal(err)
	}
	if b1.GetValue() != "/rmsuite.test.v1.Idem/B run 2" {
		t.Fatalf("same id on another method was not a new request: %v", b1)
	}
	_, err = call("A", "other")
	if status.Code(err) != codes.AlreadyExists {
		t.Fatalf("reused id over gRPC: %v", err)
	}
	if runs.Load() != 2 {
		t.Fatalf("runs = %d", runs.Load())
	}
}
