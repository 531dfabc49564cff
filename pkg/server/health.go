package server

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// healthServer is grpc's health server whose Watch streams end on shutdown. grpc's
// own server sends watchers the final NOT_SERVING but keeps their streams open, which
// would hold GracefulStop until the shutdown timeout.
type healthServer struct {
	*health.Server
	stop chan struct{}
}

func newHealthServer() *healthServer {
	return &healthServer{Server: health.NewServer(), stop: make(chan struct{})}
}

// Watch streams status changes until the client leaves or the server shuts down.
func (h *healthServer) Watch(req *healthpb.HealthCheckRequest, stream grpc.ServerStreamingServer[healthpb.HealthCheckResponse]) error {
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	go func() {
		select {
		case <-h.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return h.Server.Watch(req, &watchStream{ServerStreamingServer: stream, ctx: ctx})
}

// shutdown reports NOT_SERVING to every watcher, then ends their streams.
func (h *healthServer) shutdown() {
	h.Server.Shutdown()
	close(h.stop)
}

type watchStream struct {
	grpc.ServerStreamingServer[healthpb.HealthCheckResponse]
	ctx context.Context
}

func (s *watchStream) Context() context.Context { return s.ctx }
