package authtest

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/rmsuite/rmsuite/pkg/auth"
)

// Bearer is per-call credentials carrying a token, for plaintext test connections.
type Bearer string

// GetRequestMetadata sends the token.
func (b Bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

// RequireTransportSecurity is false: tests run plaintext.
func (Bearer) RequireTransportSecurity() bool { return false }

var _ credentials.PerRPCCredentials = Bearer("")

// Method is one RPC a server serves.
type Method struct {
	FullName        string // "/pkg.Service/Method"
	ClientStreaming bool
	ServerStreaming bool
}

// Methods lists every RPC the server behind conn serves, through its reflection
// service — so that RPCs added later are walked without editing any test.
func Methods(t testing.TB, conn *grpc.ClientConn) []Method {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ask := func(req *reflectionpb.ServerReflectionRequest) *reflectionpb.ServerReflectionResponse {
		t.Helper()
		if err := stream.Send(req); err != nil {
			t.Fatal(err)
		}
		resp, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	var out []Method
	list := ask(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}})
	for _, svc := range list.GetListServicesResponse().GetService() {
		name := svc.GetName()
		resp := ask(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: name}})
		found := false
		for _, raw := range resp.GetFileDescriptorResponse().GetFileDescriptorProto() {
			var fd descriptorpb.FileDescriptorProto
			if err := proto.Unmarshal(raw, &fd); err != nil {
				t.Fatal(err)
			}
			for _, sd := range fd.GetService() {
				if fd.GetPackage()+"."+sd.GetName() != name {
					continue
				}
				found = true
				for _, m := range sd.GetMethod() {
					out = append(out, Method{FullName: "/" + name + "/" + m.GetName(),
						ClientStreaming: m.GetClientStreaming(), ServerStreaming: m.GetServerStreaming()})
				}
			}
		}
		if !found {
			t.Fatalf("reflection has no descriptor for service %s", name)
		}
	}
	_ = stream.CloseSend()
	return out
}

// WalkRPCs calls every RPC of the server behind conn that rules do not mark public,
// and requires that a call without a token is refused with Unauthenticated and that a
// caller holding only a role that lacks the RPC's permission is refused with
// PermissionDenied — before any handler runs (the request is empty). It returns how
// many RPCs it walked.
func WalkRPCs(t *testing.T, conn *grpc.ClientConn, rules auth.Rules, iss *Issuer) int {
	t.Helper()
	walked := 0
	for _, m := range Methods(t, conn) {
		rule, ok := rules.Lookup(m.FullName)
		if !ok {
			t.Errorf("%s is served but has no rule", m.FullName)
			continue
		}
		if rule.Public {
			continue
		}
		walked++
		if code := Call(conn, m, ""); code != codes.Unauthenticated {
			t.Errorf("%s without a token: %v, want Unauthenticated", m.FullName, code)
		}
		for _, role := range auth.Roles {
			if auth.Allowed(auth.Principal{Roles: []auth.Role{role}}, rule.Permission) {
				continue
			}
			token := iss.Token(t, "walker-"+string(role), "head-office", role)
			if code := Call(conn, m, token); code != codes.PermissionDenied {
				t.Errorf("%s as %s (lacks %s): %v, want PermissionDenied", m.FullName, role, rule.Permission, code)
			}
		}
	}
	return walked
}

// Call invokes m with an empty request (and token when not empty) and returns the
// status code.
func Call(conn *grpc.ClientConn, m Method, token string) codes.Code {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	}
	if !m.ClientStreaming && !m.ServerStreaming {
		return status.Code(conn.Invoke(ctx, m.FullName, &emptypb.Empty{}, &emptypb.Empty{}))
	}
	desc := &grpc.StreamDesc{StreamName: m.FullName[strings.LastIndex(m.FullName, "/")+1:],
		ClientStreams: m.ClientStreaming, ServerStreams: m.ServerStreaming}
	stream, err := conn.NewStream(ctx, desc, m.FullName)
	if err != nil {
		return status.Code(err)
	}
	_ = stream.SendMsg(&emptypb.Empty{})
	_ = stream.CloseSend()
	err = stream.RecvMsg(&emptypb.Empty{})
	if err == io.EOF {
		return codes.OK
	}
	return status.Code(err)
}
