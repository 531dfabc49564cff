package server

import (
	"context"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"

	"github.com/rmsuite/rmsuite/pkg/tracing"
)

// With tracing on, one trace follows a call from the first service through the call
// it makes to the next (through Server.Dial); with it off, no handler is installed.
func TestTraceFollowsACallAcrossServices(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	traced := func(name string) *tracing.Tracing {
		return tracing.New(sdktrace.NewSimpleSpanProcessor(spans), 100, name, "v-test")
	}
	serve := func(tr *tracing.Tracing, setup func(*Server)) (*Server, *probe) {
		srv, err := New(testConfig(), zap.NewNop(), probeTable, tr.ServerOptions()...)
		if err != nil {
			t.Fatal(err)
		}
		srv.tracing = tr
		p := newProbe()
		srv.Register(&probeDesc, p)
		if setup != nil {
			setup(srv)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- srv.Run(ctx, nil, "probe", "v-test", 0) }()
		t.Cleanup(func() { cancel(); <-done })
		waitServing(t, dial(t, srv.Addr()), "")
		return srv, p
	}
	next, _ := serve(traced("next"), nil)
	first, firstProbe := serve(traced("first"), func(s *Server) { s.peers = []string{"next=" + next.Addr()} })
	conn, err := first.Dial("next")
	if err != nil {
		t.Fatal(err)
	}
	firstProbe.next = conn
	spans.Reset() // health checks while starting

	if _, _, err := call(ctxTimeout(t, 5*time.Second), dial(t, first.Addr()), "hop"); err != nil {
		t.Fatal(err)
	}
	var got []tracetest.SpanStub
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < 3 && time.Now().Before(deadline) {
		got = nil
		for _, s := range spans.GetSpans() {
			if s.Name == "rmsuite.test.v1.Probe/Call" {
				got = append(got, s)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(got) != 3 {
		t.Fatalf("spans of Probe/Call: %d, want 3 (first serves, first calls next, next serves)", len(got))
	}
	trace := got[0].SpanContext.TraceID()
	byKind := map[string]tracetest.SpanStub{}
	for _, s := range got {
		if s.SpanContext.TraceID() != trace {
			t.Fatalf("spans in different traces: %v and %v", trace, s.SpanContext.TraceID())
		}
		byKind[s.SpanKind.String()+"/"+s.Resource.Attributes()[0].Value.Emit()] = s
	}
	client, ok := byKind["client/rmsuite-first"]
	served, ok2 := byKind["server/rmsuite-next"]
	if !ok || !ok2 {
		t.Fatalf("spans: %v", byKind)
	}
	if served.Parent.SpanID() != client.SpanContext.SpanID() {
		t.Error("the next service's span is not a child of the first service's call")
	}

	// Off: nothing is installed.
	var off *tracing.Tracing
	if len(off.ServerOptions()) != 0 || len(off.DialOptions()) != 0 || off.Shutdown() != nil {
		t.Error("tracing off still installs handlers")
	}
	if tr, err := tracing.Start(context.Background(), tracing.Config{}, "probe", "v", zap.NewNop()); tr != nil || err != nil {
		t.Errorf("Start without an endpoint = %v, %v", tr, err)
	}
}
