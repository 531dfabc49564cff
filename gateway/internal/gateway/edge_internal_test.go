package gateway

// White-box tests of the edge middleware and error writer for what cannot be
// reached through a well-behaved backend: panics, and the error handler contract.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func testEdge(log *zap.Logger, routeTimeouts ...string) edge {
	timeouts, err := parseRouteTimeouts(routeTimeouts)
	if err != nil {
		panic(err)
	}
	return edge{cfg: Config{MaxBodyBytes: 1024, RequestTimeout: 3 * time.Second}, log: log, timeouts: timeouts}
}

func decodeError(t *testing.T, rec *httptest.ResponseRecorder) ErrorDetail {
	t.Helper()
	var body ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body is not the error JSON: %v; body: %s", err, rec.Body)
	}
	return body.Error
}

func TestEdgeRecoversFromPanics(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	h := testEdge(zap.New(core)).wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	}))
	req := httptest.NewRequest(http.MethodGet, "/openapi.json", nil) // recovery covers every route
	req.Header.Set("X-Request-Id", "panicky")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req) // must not panic

	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	d := decodeError(t, rec)
	if d.Code != 500 || d.Status != "INTERNAL" || d.RequestID != "panicky" || !strings.Contains(d.Message, "panicky") {
		t.Errorf("error %+v", d)
	}
	if strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("the panic value leaked to the client: %s", rec.Body)
	}
	if got := logs.FilterMessage("panic in gateway").Len(); got != 1 {
		t.Errorf("%d panic log entries, want 1", got)
	}
	access := logs.FilterMessage("request").AllUntimed()
	if len(access) != 1 || access[0].ContextMap()["status"] != int64(500) {
		t.Errorf("access log %v, want one entry with status 500", access)
	}
}

func TestEdgeTimeoutLongestPrefix(t *testing.T) {
	e := testEdge(zap.NewNop(), "/v1/=10s", "/v1/orgUnits=5s", "/v1/orgUnits/slow=1s")
	for path, want := range map[string]time.Duration{
		"/healthz":               3 * time.Second, // the default
		"/v1/visits":             10 * time.Second,
		"/v1/orgUnits":           5 * time.Second,
		"/v1/orgUnits/east:move": 5 * time.Second,
		"/v1/orgUnits/slow":      time.Second,
	} {
		if got := e.timeout(path); got != want {
			t.Errorf("timeout(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestCodeNames(t *testing.T) {
	want := []string{"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
		"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
		"OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}
	for c, name := range want {
		rec := httptest.NewRecorder()
		writeStatus(rec, httptest.NewRequest(http.MethodGet, "/", nil), codes.Code(c), "m")
		d := decodeError(t, rec)
		if d.Status != name || d.Code != HTTPStatus(codes.Code(c)) || rec.Code != d.Code {
			t.Errorf("code %d: status %q code %d (HTTP %d), want %q %d", c, d.Status, d.Code, rec.Code, name, HTTPStatus(codes.Code(c)))
		}
	}
}

// grpc-gateway hands the error handler a *runtime.HTTPStatusError when it has
// decided the HTTP status itself (a malformed path escape → 400); the handler
// must answer with that status, not 500 for the wrapped error's UNKNOWN code.
func TestErrorHandlerHonoursHTTPStatusError(t *testing.T) {
	rec := httptest.NewRecorder()
	err := &runtime.HTTPStatusError{HTTPStatus: http.StatusBadRequest, Err: runtime.MalformedSequenceError("%zz")}
	errorHandler(context.Background(), nil, nil, rec, httptest.NewRequest(http.MethodGet, "/v1/orgUnits/%25zz", nil), err)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400; body: %s", rec.Code, rec.Body)
	}
	d := decodeError(t, rec)
	if d.Code != 400 || d.Status != "INVALID_ARGUMENT" || !strings.Contains(d.Message, "malformed path escape") {
		t.Errorf("error %+v", d)
	}

	// A wrapped gRPC status keeps its own code and message.
	rec = httptest.NewRecorder()
	err = &runtime.HTTPStatusError{HTTPStatus: http.StatusConflict, Err: status.Error(codes.Aborted, "stale")}
	errorHandler(context.Background(), nil, nil, rec, httptest.NewRequest(http.MethodGet, "/", nil), err)
	if d := decodeError(t, rec); rec.Code != http.StatusConflict || d.Code != 409 || d.Status != "ABORTED" || d.Message != "stale" {
		t.Errorf("HTTP %d, error %+v", rec.Code, d)
	}
}
