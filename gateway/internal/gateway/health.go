package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// HealthReport is the body of /healthz.
type HealthReport struct {
	Status   string            `json:"status"` // SERVING when every checked backend serves
	Backends map[string]string `json:"backends"`
}

// healthz asks each backend's grpc.health.v1 service (through the same
// connections the API uses) and answers 200 when all serve, else 503.
// ?service=roster checks one backend.
func (g *Gateway) healthz(w http.ResponseWriter, r *http.Request) {
	names := make([]string, 0, len(g.conns))
	for name := range g.conns {
		if only := r.URL.Query().Get("service"); only == "" || only == name {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		known := make([]string, 0, len(g.conns))
		for name := range g.conns {
			known = append(known, name)
		}
		sort.Strings(known)
		writeStatus(w, r, codes.NotFound, "no such backend; known backends are "+strings.Join(known, ", "))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	report := HealthReport{Status: "SERVING", Backends: map[string]string{}}
	for _, name := range names {
		resp, err := healthpb.NewHealthClient(g.conns[name]).Check(ctx, &healthpb.HealthCheckRequest{})
		state := resp.GetStatus().String()
		if err != nil {
			state = "UNAVAILABLE: " + status.Convert(err).Message()
		}
		report.Backends[name] = state
		if state != "SERVING" {
			report.Status = "NOT_SERVING"
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if report.Status != "SERVING" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(report)
}
