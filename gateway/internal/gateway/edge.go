package gateway

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc/codes"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/requestid"
)

// edge is the HTTP middleware in front of every route: request id, access log,
// panic recovery, CORS, body size limit and per-route deadline.
type edge struct {
	cfg      Config
	log      *zap.Logger
	timeouts []routeTimeout
	verifier *auth.Verifier
}

func (e edge) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !requestid.Valid(id) {
			id = requestid.New()
		}
		r.Header.Set("X-Request-Id", id)
		w.Header().Set("X-Request-Id", id)
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				e.log.Error("panic in gateway", zap.String("request_id", id), zap.Any("panic", p), zap.ByteString("stack", debug.Stack()))
				writeStatus(rec, r, codes.Internal, "internal error (request id "+id+")")
			}
			e.log.Info("request", zap.String("request_id", id), zap.String("method", r.Method),
				zap.String("path", r.URL.Path), zap.Int("status", rec.status), zap.Duration("duration", time.Since(start)))
		}()

		if e.cors(rec, r) {
			return // a preflight, answered
		}
		// The API needs a verified token; /healthz and /openapi.json stay open. The
		// token travels on to the services, which verify it again.
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			token, ok := auth.BearerToken(r.Header.Get("Authorization"))
			if !ok {
				rec.Header().Set("WWW-Authenticate", `Bearer realm="rmsuite"`)
				writeStatus(rec, r, codes.Unauthenticated, "missing bearer token: send the header Authorization: Bearer <token> (make run: .bin/rmsuite token --user <employee no>)")
				return
			}
			if _, err := e.verifier.Verify(r.Context(), token); err != nil {
				rec.Header().Set("WWW-Authenticate", `Bearer realm="rmsuite", error="invalid_token"`)
				writeStatus(rec, r, codes.Unauthenticated, err.Error())
				return
			}
		}
		if r.Body != nil && r.Body != http.NoBody {
			if r.ContentLength > e.cfg.MaxBodyBytes {
				writeStatus(rec, r, codes.InvalidArgument, e.tooLarge())
				return
			}
			body, err := io.ReadAll(io.LimitReader(r.Body, e.cfg.MaxBodyBytes+1))
			if err != nil {
				writeStatus(rec, r, codes.InvalidArgument, "could not read the request body: "+err.Error())
				return
			}
			if int64(len(body)) > e.cfg.MaxBodyBytes {
				writeStatus(rec, r, codes.InvalidArgument, e.tooLarge())
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		ctx, cancel := context.WithTimeout(r.Context(), e.timeout(r.URL.Path))
		defer cancel()
		next.ServeHTTP(rec, r.WithContext(ctx))
	})
}

func (e edge) tooLarge() string {
	return fmt.Sprintf("the request body is larger than the limit of %d bytes; send less data per call", e.cfg.MaxBodyBytes)
}

func (e edge) timeout(path string) time.Duration {
	best, d := -1, e.cfg.RequestTimeout
	for _, rt := range e.timeouts {
		if strings.HasPrefix(path, rt.prefix) && len(rt.prefix) > best {
			best, d = len(rt.prefix), rt.timeout
		}
	}
	return d
}

// cors sets CORS headers for allowed origins; it reports whether it answered a
// preflight request.
func (e edge) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || len(e.cfg.CORSOrigins) == 0 {
		return false
	}
	// The answer depends on the origin even when it is refused: tell shared caches.
	w.Header().Add("Vary", "Origin")
	if !slices.Contains(e.cfg.CORSOrigins, "*") && !slices.Contains(e.cfg.CORSOrigins, origin) {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", "X-Request-Id")
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, PUT, DELETE")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-Id")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
