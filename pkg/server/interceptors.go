package server

import (
	"context"
	"os"
	"runtime/debug"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/logging"
	"github.com/rmsuite/rmsuite/pkg/metrics"
	"github.com/rmsuite/rmsuite/pkg/requestid"
	"github.com/rmsuite/rmsuite/pkg/storage"
)

// RequestIDHeader carries the request id in gRPC metadata (and, via the gateway, in
// HTTP headers). A caller's id is kept; otherwise the server makes one.
const RequestIDHeader = "x-request-id"

var osHostname = os.Hostname

type interceptors struct {
	log             *zap.Logger
	table           apierr.Table
	defaultDeadline time.Duration
	metrics         *metrics.Metrics
}

// The chain, outermost first: request context (id, logger) → metrics → access log →
// panic recovery → default deadline → error translation → handler.
func (ic interceptors) unary() []grpc.UnaryServerInterceptor {
	return []grpc.UnaryServerInterceptor{
		func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			return h(ic.requestContext(ctx, info.FullMethod), req)
		},
		ic.metrics.UnaryServer(),
		func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			start := time.Now()
			resp, err := h(ctx, req)
			accessLog(ctx, start, err)
			return resp, err
		},
		func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
			defer recoverTo(ctx, &err)
			return h(ctx, req)
		},
		func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			ctx, cancel := ic.withDeadline(ctx)
			defer cancel()
			return h(ctx, req)
		},
		func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			resp, err := h(ctx, req)
			return resp, ic.translate(ctx, err)
		},
	}
}

func (ic interceptors) stream() []grpc.StreamServerInterceptor {
	return []grpc.StreamServerInterceptor{
		ic.metrics.StreamServer(),
		func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
			ctx := ic.requestContext(ss.Context(), info.FullMethod)
			start := time.Now()
			defer func() { accessLog(ctx, start, err) }()
			defer recoverTo(ctx, &err)
			err = h(srv, &contextStream{ServerStream: ss, ctx: ctx})
			return ic.translate(ctx, err)
		},
	}
}

type contextStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *contextStream) Context() context.Context { return s.ctx }

// requestContext gives the call a request id (echoed in the response header) and a
// logger carrying the request's fields.
func (ic interceptors) requestContext(ctx context.Context, method string) context.Context {
	id := ""
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(RequestIDHeader); len(v) > 0 && requestid.Valid(v[0]) {
			id = v[0]
		}
	}
	if id == "" {
		id = requestid.New()
	}
	_ = grpc.SetHeader(ctx, metadata.Pairs(RequestIDHeader, id))
	fields := []zap.Field{zap.String("request_id", id), zap.String("method", method)}
	if p, ok := peer.FromContext(ctx); ok {
		fields = append(fields, zap.String("peer", p.Addr.String()))
	}
	ctx = requestid.With(ctx, id)
	return logging.WithLogger(ctx, ic.log.With(fields...))
}

// RequestID is the id of the call ctx belongs to, or "".
func RequestID(ctx context.Context) string { return requestid.From(ctx) }

func accessLog(ctx context.Context, start time.Time, err error) {
	code := status.Code(err)
	log := logging.FromContext(ctx)
	fields := []zap.Field{zap.String("code", code.String()), zap.Duration("duration", time.Since(start))}
	switch code {
	case codes.Internal, codes.Unknown, codes.DataLoss, codes.Unavailable:
		log.Error("call finished", fields...)
	default:
		log.Info("call finished", fields...)
	}
}

func recoverTo(ctx context.Context, err *error) {
	if p := recover(); p != nil {
		logging.FromContext(ctx).Error("panic in handler", zap.Any("panic", p), zap.ByteString("stack", debug.Stack()))
		*err = status.Errorf(codes.Internal, "internal error (request id %s)", RequestID(ctx))
	}
}

func (ic interceptors) withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, ic.defaultDeadline)
}

// translate maps a handler error through the service's table; an unknown error is
// logged with its cause and answered with a generic message and the request id.
func (ic interceptors) translate(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	st, internal := ic.table.Status(err)
	if internal && storage.IsUnavailable(err) {
		// The database went away (restart, failover): worth retrying, unlike a bug.
		logging.FromContext(ctx).Warn("database unavailable", zap.Error(err))
		return status.Errorf(codes.Unavailable, "the database is unavailable; retry (request id %s)", RequestID(ctx))
	}
	if internal {
		logging.FromContext(ctx).Error("internal error", zap.Error(err))
		return status.Errorf(codes.Internal, "internal error (request id %s); the cause has been logged", RequestID(ctx))
	}
	return st.Err()
}
