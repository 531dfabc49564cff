// Package tracing sends OpenTelemetry traces of gRPC calls — served and made, so that
// one trace follows a request from the gateway through every service it reaches — to an
// OTLP collector, only when one is configured. Off (the default), it adds nothing to
// the servers and connections: no handlers, no cost.
//
// Trace context travels in the W3C traceparent header (gRPC metadata between the
// processes; the gateway also reads it from an incoming HTTP request).
package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// Config selects the collector.
type Config struct {
	OTLPEndpoint string `flag:"otlp-endpoint" env:"OTLP_ENDPOINT" default:"" usage:"host:port of an OpenTelemetry collector (OTLP over gRPC) to send traces to; empty: no tracing"`
	OTLPInsecure bool   `flag:"otlp-insecure" env:"OTLP_INSECURE" default:"false" usage:"send traces to the collector without TLS (a collector on the same host or pod)"`
	SamplePct    int    `flag:"trace-sample-percent" env:"TRACE_SAMPLE_PERCENT" default:"10" usage:"percentage of new traces recorded (a call that arrives in a recorded trace is always recorded)"`
}

// Validate checks the sampling percentage.
func (c Config) Validate() error {
	if c.SamplePct < 0 || c.SamplePct > 100 {
		return fmt.Errorf("trace-sample-percent %d: use 0 to 100", c.SamplePct)
	}
	return nil
}

// Tracing is a process's tracer provider; nil when tracing is off. Its methods
// accept a nil receiver.
type Tracing struct {
	tp    *sdktrace.TracerProvider
	props propagation.TextMapPropagator
}

// Start connects to the collector (lazily: it may come up later) when an endpoint is
// configured, else returns nil.
func Start(ctx context.Context, cfg Config, service, version string, log *zap.Logger) (*Tracing, error) {
	if cfg.OTLPEndpoint == "" {
		return nil, nil
	}
	opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(cfg.OTLPEndpoint)}
	if cfg.OTLPInsecure {
		opts = append(opts, otlptracegrpc.WithInsecure())
	}
	exp, err := otlptracegrpc.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("otlp-endpoint %s: %w", cfg.OTLPEndpoint, err)
	}
	log.Info("sending traces", zap.String("otlp_endpoint", cfg.OTLPEndpoint), zap.Int("sample_percent", cfg.SamplePct))
	return New(sdktrace.NewBatchSpanProcessor(exp), cfg.SamplePct, service, version), nil
}

// New builds tracing on a span processor (tests pass a synchronous one around an
// in-memory exporter).
func New(sp sdktrace.SpanProcessor, samplePct int, service, version string) *Tracing {
	res := resource.NewSchemaless(attribute.String("service.name", "rmsuite-"+service), attribute.String("service.version", version))
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(sp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(float64(samplePct)/100))),
	)
	return &Tracing{tp: tp, props: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})}
}

// ServerOptions trace every call a gRPC server serves, continuing the caller's trace.
func (t *Tracing) ServerOptions() []grpc.ServerOption {
	if t == nil {
		return nil
	}
	return []grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler(
		otelgrpc.WithTracerProvider(t.tp), otelgrpc.WithPropagators(t.props)))}
}

// DialOptions trace every call a connection makes and pass the trace on.
func (t *Tracing) DialOptions() []grpc.DialOption {
	if t == nil {
		return nil
	}
	return []grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler(
		otelgrpc.WithTracerProvider(t.tp), otelgrpc.WithPropagators(t.props)))}
}

// HTTP starts a span for each request next serves, continuing a traceparent the
// caller sent; the gRPC calls made while serving it belong to that trace. name names
// the span from the request (e.g. its method and resource, never its query).
func (t *Tracing) HTTP(next http.Handler, name func(*http.Request) string) http.Handler {
	if t == nil {
		return next
	}
	tracer := t.tp.Tracer("github.com/rmsuite/rmsuite/pkg/tracing")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := t.props.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, name(r), trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
		defer span.End()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(ctx))
		span.SetAttributes(attribute.Int("http.response.status_code", rec.status))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Flush passes a flush on (grpc-gateway flushes server streams).
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer (flushing).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Shutdown sends the spans still buffered, within a few seconds.
func (t *Tracing) Shutdown() error {
	if t == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := t.tp.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("tracing: %w", err)
	}
	return nil
}
