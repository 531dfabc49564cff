// Package debughttp serves Go's runtime profiles (net/http/pprof) on a separate,
// opt-in address, so that an operator can profile a live instance without the
// profiles ever being reachable on the API ports. Bind it to localhost or a
// cluster-internal address: profiles reveal code paths and memory contents.
package debughttp

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"go.uber.org/zap"
)

// Handler serves the pprof index and profiles under /debug/pprof/.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// Start listens on addr and serves Handler until ctx is done; an empty addr serves
// nothing. A listen error is returned at once, so a taken port stops start-up.
func Start(ctx context.Context, addr string, log *zap.Logger) error {
	if addr == "" {
		return nil
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("debug server stopped", zap.Error(err))
		}
	}()
	log.Info("serving profiles", zap.String("debug_addr", lis.Addr().String()))
	return nil
}
