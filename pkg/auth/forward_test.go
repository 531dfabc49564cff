package auth

import (
	"context"
	"testing"

	"google.golang.org/grpc/metadata"
)

func TestForward(t *testing.T) {
	in := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer t", "x-request-id", "r1", "cookie", "c"))
	out, _ := metadata.FromOutgoingContext(Forward(in))
	if out.Get("authorization")[0] != "Bearer t" || out.Get("x-request-id")[0] != "r1" || len(out.Get("cookie")) != 0 {
		t.Fatalf("forwarded %v", out)
	}
}
