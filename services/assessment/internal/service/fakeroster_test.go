package service_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"google.golang.org/protobuf/proto"

	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

// fakeRoster stands in for the roster: a fixed org tree — head-office with
// team-a (M1, M2 and supervisor S1) and team-b (M3) — plus managers B01–B30
// in team-b, so that a large batch makes the service list managers instead of
// reading them one by one. M1 is 二级 (L2) and M2 三级 (L3) on the bank
// ladder, M3 中级B on 三级九档; B01–B30 have no grade. The assessment service
// reads it over gRPC exactly as it reads the real roster.
type fakeRoster struct {
	rosterv1.UnimplementedRosterServiceServer
	rosterv1.UnimplementedManagerServiceServer

	mu sync.Mutex
	// Grade changes: applied ones by request id (a request id is applied
	// once; sent again, its first answer is replayed), in the order applied.
	done    map[string]*rosterv1.ChangeManagerGradeResponse
	changes []*rosterv1.ChangeManagerGradeRequest
	down    bool // every grade change fails as if the roster were unreachable
	lose    int  // the next lose grade changes apply, but their answer is lost

	units    []*rosterv1.OrgUnit
	managers []*rosterv1.Manager
	addr     string
	lists    atomic.Int32 // ListManagers calls
}

func newFakeRoster(t testing.TB) *fakeRoster {
	f := &fakeRoster{done: map[string]*rosterv1.ChangeManagerGradeResponse{}, units: []*rosterv1.OrgUnit{
		{Name: "orgUnits/head-office", DisplayName: "总行", Type: rosterv1.OrgUnit_TYPE_HEAD_OFFICE},
		{Name: "orgUnits/team-a", Parent: "orgUnits/head-office", DisplayName: "陆家嘴团队", Type: rosterv1.OrgUnit_TYPE_TEAM},
		{Name: "orgUnits/team-b", Parent: "orgUnits/head-office", DisplayName: "虹桥团队", Type: rosterv1.OrgUnit_TYPE_TEAM},
	}}
	add := func(id, unit string) *rosterv1.Manager {
		m := &rosterv1.Manager{Name: "managers/" + id, DisplayName: "经理" + id,
			OrgUnit: "orgUnits/" + unit, Status: rosterv1.Manager_STATUS_CONFIRMED, HireDate: &date.Date{Year: 2020, Month: 3, Day: 1}}
		f.managers = append(f.managers, m)
		return m
	}
	grade := func(ladder, level, band string) *rosterv1.Grade {
		return &rosterv1.Grade{Ladder: "gradeLadders/" + ladder, Level: level, Band: band, EffectiveDate: &date.Date{Year: 2024, Month: 1, Day: 1}}
	}
	add("M1", "team-a").Grade = grade("bank", "L2", "")
	add("M2", "team-a").Grade = grade("bank", "L3", "")
	add("M3", "team-b").Grade = grade("three-levels-nine-bands", "MIDDLE", "B")
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

// ListManagers pages through every manager (of the subtree the filter
// `org_unit = "orgUnits/x"` names), at most 10 a page, to exercise the
// client's paging.
func (f *fakeRoster) ListManagers(_ context.Context, req *rosterv1.ListManagersRequest) (*rosterv1.ListManagersResponse, error) {
	f.lists.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	list := f.managers
	if unit, ok := strings.CutPrefix(req.GetFilter(), `org_unit = "orgUnits/`); ok {
		unit = strings.TrimSuffix(unit, `"`)
		list = nil
		for _, m := range f.managers {
			if f.under(strings.TrimPrefix(m.GetOrgUnit(), "orgUnits/"), unit) {
				list = append(list, m)
			}
		}
	}
	start := 0
	if req.GetPageToken() != "" {
		start, _ = strconv.Atoi(req.GetPageToken())
	}
	end := min(start+10, len(list))
	resp := &rosterv1.ListManagersResponse{Managers: list[start:end]}
	if end < len(list) {
		resp.NextPageToken = strconv.Itoa(end)
	}
	return resp, nil
}

// under reports whether unit is root or below it.
func (f *fakeRoster) under(unit, root string) bool {
	for unit != "" {
		if unit == root {
			return true
		}
		parent := ""
		for _, u := range f.units {
			if u.GetName() == "orgUnits/"+unit {
				parent = strings.TrimPrefix(u.GetParent(), "orgUnits/")
			}
		}
		unit = parent
	}
	return false
}

func (f *fakeRoster) GetManager(_ context.Context, req *rosterv1.GetManagerRequest) (*rosterv1.Manager, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.managers {
		if m.GetName() == req.GetName() {
			return m, nil
		}
	}
	return nil, status.Errorf(codes.NotFound, "%s", req.GetName())
}

// ChangeManagerGrade applies a grade change from a system at once, or — when
// exceptional — answers a pending approval, as the roster does; a request id
// is applied once.
func (f *fakeRoster) ChangeManagerGrade(ctx context.Context, req *rosterv1.ChangeManagerGradeRequest) (*rosterv1.ChangeManagerGradeResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, status.Error(codes.Unavailable, "roster is down")
	}
	if md, _ := metadata.FromIncomingContext(ctx); len(md.Get("authorization")) == 0 {
		return nil, status.Error(codes.Unauthenticated, "no token")
	}
	if resp, ok := f.done[req.GetRequestId()]; ok && req.GetRequestId() != "" {
		return resp, nil
	}
	var m *rosterv1.Manager
	for _, x := range f.managers {
		if x.GetName() == req.GetName() {
			m = x
		}
	}
	if m == nil {
		return nil, status.Errorf(codes.NotFound, "%s", req.GetName())
	}
	resp := &rosterv1.ChangeManagerGradeResponse{}
	if req.GetExceptional() {
		resp.Approval = "services/roster/approvals/x" + strconv.Itoa(len(f.done))
	} else {
		g := proto.Clone(req.GetGrade()).(*rosterv1.Grade)
		g.EffectiveDate = req.GetEffectiveDate()
		m.Grade = g
		f.changes = append(f.changes, req)
	}
	resp.Manager = m
	f.done[req.GetRequestId()] = resp
	if f.lose > 0 {
		f.lose--
		return nil, status.Error(codes.Unavailable, "connection reset after the change")
	}
	return resp, nil
}

// set runs fn on the roster's state under its lock.
func (f *fakeRoster) set(fn func(f *fakeRoster)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// applied returns the grade changes applied so far.
func (f *fakeRoster) applied() []*rosterv1.ChangeManagerGradeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.changes)
}
