package auth

import (
	"context"

	"google.golang.org/grpc/metadata"
)

// Forward is ctx with the incoming call's authorization and request id as the
// outgoing metadata, for a call one service makes to another on the caller's
// behalf: the other service verifies the same token and applies the caller's
// own scope.
func Forward(ctx context.Context) context.Context {
	in, _ := metadata.FromIncomingContext(ctx)
	out := metadata.MD{}
	for _, k := range []string{"authorization", "x-request-id"} {
		if v := in.Get(k); len(v) > 0 {
			out.Set(k, v[0])
		}
	}
	return metadata.NewOutgoingContext(ctx, out)
}
