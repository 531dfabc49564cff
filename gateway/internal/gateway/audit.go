package gateway

import (
	"context"

	"google.golang.org/grpc"

	auditv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/audit/v1"
)

// auditRouter sends each audit-log call to the service its parent names
// (services/roster → the roster), so that one REST route serves every service's log.
type auditRouter struct {
	byService[auditv1.AuditServiceClient]
}

func newAuditRouter(conns map[string]*grpc.ClientConn) auditRouter {
	return auditRouter{newByService(conns, auditv1.NewAuditServiceClient)}
}

// ListAuditRecords forwards to the service named by the request's parent.
func (r auditRouter) ListAuditRecords(ctx context.Context, in *auditv1.ListAuditRecordsRequest, opts ...grpc.CallOption) (*auditv1.ListAuditRecordsResponse, error) {
	c, err := r.pick(in.GetParent())
	if err != nil {
		return nil, err
	}
	return c.ListAuditRecords(ctx, in, opts...)
}
