package gateway

import (
	"sort"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// byService holds one client per backend, for the APIs every service serves (audit
// log, approvals), whose resources name their service: services/roster/….
type byService[C any] map[string]C

func newByService[C any](conns map[string]*grpc.ClientConn, client func(grpc.ClientConnInterface) C) byService[C] {
	r := byService[C]{}
	for name, conn := range conns {
		r[name] = client(conn)
	}
	return r
}

// pick returns the client of the service a resource name or parent names.
func (r byService[C]) pick(resource string) (C, error) {
	rest, _ := strings.CutPrefix(resource, "services/")
	service, _, _ := strings.Cut(rest, "/")
	if c, ok := r[service]; ok {
		return c, nil
	}
	known := make([]string, 0, len(r))
	for name := range r {
		known = append(known, "services/"+name)
	}
	sort.Strings(known)
	var none C
	return none, status.Errorf(codes.NotFound, "no service for %q; the services are %s", resource, strings.Join(known, ", "))
}
