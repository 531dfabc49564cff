package gateway_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

// call is one RPC the fake roster received.
type call struct {
	method   string        // e.g. "GetOrgUnit"
	req      proto.Message // a copy of the request
	md       metadata.MD   // incoming metadata
	deadline time.Duration // time left until the call's deadline when it arrived; 0 if none
}

// fakeRoster is a scripted RosterService. It records every call (request, metadata,
// deadline) and answers by the request's content:
//
//	GetOrgUnit    orgUnits/missing → NOT_FOUND; orgUnits/slow → waits for the deadline;
//	              anything else → a canned unit with that name
//	ListOrgUnits  two canned units, next page token "page-2", total 7
//	CreateOrgUnit empty display_name → INVALID_ARGUMENT with two field violations;
//	              org_unit_id "ho" → ALREADY_EXISTS; else the unit as created
//	UpdateOrgUnit etag "stale" → ABORTED; else the unit with the new values
//	MoveOrgUnit   new_parent inside the subtree (orgUnits/east-team) → FAILED_PRECONDITION
//	DeleteOrgUnit orgUnits/has-children → FAILED_PRECONDITION; else Empty
type fakeRoster struct {
	rosterv1.UnimplementedRosterServiceServer

	mu    sync.Mutex
	calls []call
}

var created = timestamppb.New(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))

func (f *fakeRoster) record(ctx context.Context, method string, req proto.Message) {
	md, _ := metadata.FromIncomingContext(ctx)
	c := call{method: method, req: proto.Clone(req), md: md.Copy()}
	if d, ok := ctx.Deadline(); ok {
		c.deadline = time.Until(d)
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
}

// Calls returns a copy of the calls received so far.
func (f *fakeRoster) Calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// only returns the single call received, failing the test unless there was
// exactly one and it was method.
func (f *fakeRoster) only(t *testing.T, method string) call {
	t.Helper()
	calls := f.Calls()
	if len(calls) != 1 {
		names := make([]string, len(calls))
		for i, c := range calls {
			names[i] = c.method
		}
		t.Fatalf("backend got %d calls %v, want exactly one %s", len(calls), names, method)
	}
	if calls[0].method != method {
		t.Fatalf("backend got %s, want %s", calls[0].method, method)
	}
	return calls[0]
}

func unit(name string) *rosterv1.OrgUnit {
	return &rosterv1.OrgUnit{
		Name:        name,
		DisplayName: "城东分行",
		Type:        rosterv1.OrgUnit_TYPE_BRANCH,
		Parent:      "orgUnits/ho",
		Code:        "310101",
		ChildCount:  3,
		CreateTime:  created,
		Etag:        "etag-1",
	}
}

func (f *fakeRoster) GetOrgUnit(ctx context.Context, req *rosterv1.GetOrgUnitRequest) (*rosterv1.OrgUnit, error) {
	f.record(ctx, "GetOrgUnit", req)
	switch req.GetName() {
	case "orgUnits/missing":
		return nil, status.Errorf(codes.NotFound, "org unit %q not found", req.GetName())
	case "orgUnits/slow":
		<-ctx.Done()
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	return unit(req.GetName()), nil
}

func (f *fakeRoster) ListOrgUnits(ctx context.Context, req *rosterv1.ListOrgUnitsRequest) (*rosterv1.ListOrgUnitsResponse, error) {
	f.record(ctx, "ListOrgUnits", req)
	return &rosterv1.ListOrgUnitsResponse{
		OrgUnits:      []*rosterv1.OrgUnit{unit("orgUnits/east"), unit("orgUnits/west")},
		NextPageToken: "page-2",
		TotalSize:     7,
	}, nil
}

func (f *fakeRoster) CreateOrgUnit(ctx context.Context, req *rosterv1.CreateOrgUnitRequest) (*rosterv1.OrgUnit, error) {
	f.record(ctx, "CreateOrgUnit", req)
	if req.GetOrgUnit().GetDisplayName() == "" {
		st, err := status.New(codes.InvalidArgument, "the org unit is not valid").WithDetails(&errdetails.BadRequest{
			FieldViolations: []*errdetails.BadRequest_FieldViolation{
				{Field: "org_unit.display_name", Description: "must be 1 to 100 characters"},
				{Field: "org_unit.type", Description: "is required"},
			},
		})
		if err != nil {
			return nil, err
		}
		return nil, st.Err()
	}
	if req.GetOrgUnitId() == "ho" {
		return nil, status.Error(codes.AlreadyExists, "org unit orgUnits/ho already exists")
	}
	out := proto.Clone(req.GetOrgUnit()).(*rosterv1.OrgUnit)
	out.Name = "orgUnits/" + req.GetOrgUnitId()
	out.CreateTime = created
	out.Etag = "etag-1"
	return out, nil
}

func (f *fakeRoster) UpdateOrgUnit(ctx context.Context, req *rosterv1.UpdateOrgUnitRequest) (*rosterv1.OrgUnit, error) {
	f.record(ctx, "UpdateOrgUnit", req)
	if req.GetOrgUnit().GetEtag() == "stale" {
		return nil, status.Error(codes.Aborted, "the org unit changed since you read it; read it again")
	}
	out := unit(req.GetOrgUnit().GetName())
	for _, p := range req.GetUpdateMask().GetPaths() {
		switch p {
		case "display_name":
			out.DisplayName = req.GetOrgUnit().GetDisplayName()
		case "code":
			out.Code = req.GetOrgUnit().GetCode()
		case "address":
			out.Address = req.GetOrgUnit().GetAddress()
		}
	}
	out.Etag = "etag-2"
	return out, nil
}

func (f *fakeRoster) MoveOrgUnit(ctx context.Context, req *rosterv1.MoveOrgUnitRequest) (*rosterv1.OrgUnit, error) {
	f.record(ctx, "MoveOrgUnit", req)
	if strings.HasPrefix(req.GetNewParent(), req.GetName()+"-") {
		return nil, status.Errorf(codes.FailedPrecondition, "%s lies inside the subtree of %s", req.GetNewParent(), req.GetName())
	}
	out := unit(req.GetName())
	out.Parent = req.GetNewParent()
	return out, nil
}

func (f *fakeRoster) DeleteOrgUnit(ctx context.Context, req *rosterv1.DeleteOrgUnitRequest) (*emptypb.Empty, error) {
	f.record(ctx, "DeleteOrgUnit", req)
	if req.GetName() == "orgUnits/has-children" {
		return nil, status.Errorf(codes.FailedPrecondition, "%s still has child units", req.GetName())
	}
	return &emptypb.Empty{}, nil
}

// startBackend serves the fake roster and the standard health service on a free
// local port (with opts, e.g. TLS credentials); both stop when the test ends.
func startBackend(t *testing.T, opts ...grpc.ServerOption) (addr string, fake *fakeRoster, hs *health.Server) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(opts...)
	fake = &fakeRoster{}
	hs = health.NewServer()
	rosterv1.RegisterRosterServiceServer(srv, fake)
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String(), fake, hs
}
