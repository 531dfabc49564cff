package gateway

import (
	"context"
	"sort"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
)

// approvalRouter sends each approval call to the service its parent or name names
// (services/roster/… → the roster).
type approvalRouter map[string]approvalv1.ApprovalServiceClient

func newApprovalRouter(conns map[string]*grpc.ClientConn) approvalRouter {
	r := approvalRouter{}
	for name, conn := range conns {
		r[name] = approvalv1.NewApprovalServiceClient(conn)
	}
	return r
}

func (r approvalRouter) pick(resource string) (approvalv1.ApprovalServiceClient, error) {
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
	return nil, status.Errorf(codes.NotFound, "no service for %q; approvals live under %s", resource, strings.Join(known, ", "))
}

func (r approvalRouter) GetApproval(ctx context.Context, in *approvalv1.GetApprovalRequest, opts ...grpc.CallOption) (*approvalv1.Approval, error) {
	c, err := r.pick(in.GetName())
	if err != nil {
		return nil, err
	}
	return c.GetApproval(ctx, in, opts...)
}

func (r approvalRouter) ListApprovals(ctx context.Context, in *approvalv1.ListApprovalsRequest, opts ...grpc.CallOption) (*approvalv1.ListApprovalsResponse, error) {
	c, err := r.pick(in.GetParent())
	if err != nil {
		return nil, err
	}
	return c.ListApprovals(ctx, in, opts...)
}

func (r approvalRouter) ApproveApproval(ctx context.Context, in *approvalv1.ApproveApprovalRequest, opts ...grpc.CallOption) (*approvalv1.Approval, error) {
	c, err := r.pick(in.GetName())
	if err != nil {
		return nil, err
	}
	return c.ApproveApproval(ctx, in, opts...)
}

func (r approvalRouter) RejectApproval(ctx context.Context, in *approvalv1.RejectApprovalRequest, opts ...grpc.CallOption) (*approvalv1.Approval, error) {
	c, err := r.pick(in.GetName())
	if err != nil {
		return nil, err
	}
	return c.RejectApproval(ctx, in, opts...)
}

func (r approvalRouter) WithdrawApproval(ctx context.Context, in *approvalv1.WithdrawApprovalRequest, opts ...grpc.CallOption) (*approvalv1.Approval, error) {
	c, err := r.pick(in.GetName())
	if err != nil {
		return nil, err
	}
	return c.WithdrawApproval(ctx, in, opts...)
}
