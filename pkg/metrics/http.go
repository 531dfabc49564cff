package metrics

import (
	"context"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type resourceKey struct{}

// Resource is the label an HTTP request is counted under: the collection its path
// names (/v1/managers/E3002/days/… → managers, /v1/orgUnits:move → orgUnits), or
// the path itself for the few fixed ones (/healthz, /openapi.json); anything else is
// "other", so that unknown paths cannot grow the series without bound.
func Resource(path string) string {
	if rest, ok := strings.CutPrefix(path, "/v1/"); ok {
		if i := strings.IndexAny(rest, "/:"); i >= 0 {
			rest = rest[:i]
		}
		if rest != "" && len(rest) <= 40 && strings.IndexFunc(rest, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) < 0 {
			return rest
		}
		return "other"
	}
	switch path {
	case "/healthz", "/livez", "/openapi.json", "/":
		return path
	}
	return "other"
}

// HTTP counts and times the requests next serves, by resource (see Resource), method
// and status code, and tracks those in flight:
//
//	http_server_requests_total{resource,method,code}
//	http_server_request_seconds{resource,method,code}   (histogram)
//	http_server_requests_in_flight
func (m *Metrics) HTTP(next http.Handler) http.Handler {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_server_requests_total",
		Help: "HTTP requests served, by resource, method and status code.",
	}, []string{"resource", "method", "code"})
	seconds := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_server_request_seconds",
		Help:    "Time to serve an HTTP request, by resource, method and status code.",
		Buckets: buckets,
	}, []string{"resource", "method", "code"})
	inFlight := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "http_server_requests_in_flight",
		Help: "HTTP requests being served.",
	})
	m.reg.MustRegister(requests, seconds, inFlight)
	label := promhttp.WithLabelFromCtx("resource", func(ctx context.Context) string {
		r, _ := ctx.Value(resourceKey{}).(string)
		return r
	})
	h := promhttp.InstrumentHandlerInFlight(inFlight,
		promhttp.InstrumentHandlerDuration(seconds, promhttp.InstrumentHandlerCounter(requests, next, label), label))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), resourceKey{}, Resource(r.URL.Path))))
	})
}
