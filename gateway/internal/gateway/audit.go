package gateway

import (
	"context"
	"sort"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	auditv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/audit/v1"
)

// auditRouter sends each audit-log call to the service its parent names
// (services/roster → the roster), so that one REST route serves every service's log.
type auditRouter map[string]auditv1.AuditServiceClient

func newAuditRouter(conns map[string]*grpc.ClientConn) auditRouter {
	r := auditRouter{}
	for name, conn := range conns {
		r["services/"+name] = auditv1.NewAuditServiceClient(conn)
	}
	return r
}

// ListAuditRecords forwards to the service named by the request's parent.
func (r auditRouter) ListAuditRecords(ctx context.Context, in *auditv1.ListAuditRecordsRequest, opts ...grpc.CallOption) (*auditv1.ListAuditRecordsResponse, error) {
	c, ok := r[in.GetParent()]
	if !ok {
		known := make([]string, 0, len(r))
		for p := range r {
			known = append(known, p)
		}
		sort.Strings(known)
		return nil, status.Errorf(codes.NotFound, "no audit log %q; the logs are %s", in.GetParent(), strings.Join(known, ", "))
	}
	return c.ListAuditRecords(ctx, in, opts...)
}
