package gateway

import (
	"context"

	"google.golang.org/grpc"

	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
)

// approvalRouter sends each approval call to the service its parent or name names
// (services/roster/… → the roster).
type approvalRouter struct {
	byService[approvalv1.ApprovalServiceClient]
}

func newApprovalRouter(conns map[string]*grpc.ClientConn) approvalRouter {
	return approvalRouter{newByService(conns, approvalv1.NewApprovalServiceClient)}
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
