package service_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

// fakeRoster stands in for the roster: a fixed org tree — head-office with
// team-a (M1, M2 and supervisor S1) and team-b (M3) — plus managers B01–B30
// in team-b, so that a large batch makes the service list managers instead of
// reading them one by one. The assessment service reads it over gRPC exactly
// as it reads the real roster.
type fakeRoster struct {
	rosterv1.UnimplementedRosterServiceServer
	rosterv1.UnimplementedManagerServiceServer

	units    []*rosterv1.OrgUnit
	managers []*rosterv1.Manager
	addr     string
	lists    atomic.Int32 // ListManagers calls
}

func newFakeRoster(t testing.TB) *fakeRoster {
	f := &fakeRoster{units: []*rosterv1.OrgUnit{
		{Name: "orgUnits/head-office", DisplayName: "总行", Type: rosterv1.OrgUnit_TYPE_HEAD_OFFICE},
		{Name: "orgUnits/team-a", Parent: "orgUnits/head-office", DisplayName: "陆家嘴团队", Type: rosterv1.OrgUnit_TYPE_TEAM},
		{Name: "orgUnits/team-b", Parent: "orgUnits/head-office", DisplayName: "虹桥团队", Type: rosterv1.OrgUnit_TYPE_TEAM},
	}}
	add := func(id, unit string) {
		f.managers = append(f.managers, &rosterv1.Manager{Name: "managers/" + id, DisplayName: "经理" + id,
			OrgUnit: "orgUnits/" + unit, Status: rosterv1.Manager_STATUS_CONFIRMED})
	}
	add("M1", "team-a")
	add("M2", "team-a")
	add("M3", "team-b")
	for i := 1; i <= 30; i++ {
		add(fmt.Sprintf("B%02d", i), "team-b")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	rosterv1.RegisterRosterServiceServer(srv, f)
	rosterv1.RegisterManagerServiceServer(srv, f)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	f.addr = l.Addr().String()
	return f
}

func (f *fakeRoster) ListOrgUnits(context.Context, *rosterv1.ListOrgUnitsRequest) (*rosterv1.ListOrgUnitsResponse, error) {
	return &rosterv1.ListOrgUnitsResponse{OrgUnits: f.units}, nil
}

// ListManagers pages through every manager, at most 10 a page, to exercise
// the client's paging.
func (f *fakeRoster) ListManagers(_ context.Context, req *rosterv1.ListManagersRequest) (*rosterv1.ListManagersResponse, error) {
	f.lists.Add(1)
	start := 0
	if req.GetPageToken() != "" {
		start, _ = strconv.Atoi(req.GetPageToken())
	}
	end := min(start+10, len(f.managers))
	resp := &rosterv1.ListManagersResponse{Managers: f.managers[start:end]}
	if end < len(f.managers) {
		resp.NextPageToken = strconv.Itoa(end)
	}
	return resp, nil
}

func (f *fakeRoster) GetManager(_ context.Context, req *rosterv1.GetManagerRequest) (*rosterv1.Manager, error) {
	for _, m := range f.managers {
		if m.GetName() == req.GetName() {
			return m, nil
		}
	}
	return nil, status.Errorf(codes.NotFound, "%s", req.GetName())
}
