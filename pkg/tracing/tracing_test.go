package tracing_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/rmsuite/rmsuite/pkg/tracing"
)

func TestHTTPContinuesTheCallersTrace(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	tr := tracing.New(sdktrace.NewSimpleSpanProcessor(spans), 0, "gateway", "v-test") // 0 %: only continued traces
	var seen trace.SpanContext
	h := tr.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = trace.SpanContextFromContext(r.Context())
		w.WriteHeader(http.StatusNotFound)
		http.NewResponseController(w).Flush()
	}), func(r *http.Request) string { return r.Method + " orgUnits" })

	req := httptest.NewRequest(http.MethodGet, "/v1/orgUnits/x", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if seen.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || !seen.IsSampled() {
		t.Fatalf("handler's span context = %v, want the caller's trace", seen)
	}
	if !rec.Flushed || rec.Code != http.StatusNotFound {
		t.Errorf("flushed %v, code %d", rec.Flushed, rec.Code)
	}
	got := spans.GetSpans()
	if len(got) != 1 || got[0].Name != "GET orgUnits" || got[0].Parent.SpanID().String() != "00f067aa0ba902b7" {
		t.Fatalf("spans = %+v", got)
	}
	found := false
	for _, a := range got[0].Attributes {
		found = found || (a.Key == "http.response.status_code" && a.Value.AsInt64() == 404)
	}
	if !found {
		t.Error("the span lacks the status code")
	}

	// Without a traceparent and at 0 %, nothing is recorded.
	spans.Reset()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/orgUnits", nil))
	if n := len(spans.GetSpans()); n != 0 {
		t.Errorf("%d spans recorded for an unsampled request", n)
	}
}

func TestOffIsNothing(t *testing.T) {
	var tr *tracing.Tracing
	next := http.NotFoundHandler()
	if h := tr.HTTP(next, nil); h == nil {
		t.Fatal("nil handler")
	}
	if err := (tracing.Config{SamplePct: 101}).Validate(); err == nil {
		t.Error("sample percent 101 accepted")
	}
}
