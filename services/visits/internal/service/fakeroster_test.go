package service_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

// fakeRoster stands in for the roster service: a fixed org tree and managers,
// and a portfolio change feed the test appends to. The visits service reads them
// over gRPC exactly as it reads the real roster; the roster's own behaviour is
// tested in the roster's suites and end to end.
type fakeRoster struct {
	rosterv1.UnimplementedRosterServiceServer
	rosterv1.UnimplementedManagerServiceServer
	rosterv1.UnimplementedPortfolioServiceServer

	units    []*rosterv1.OrgUnit
	managers []*rosterv1.Manager

	mu      sync.Mutex
	changes []*rosterv1.PortfolioChange
	wake    chan struct{} // closed and replaced on every append
	addr    string
}

func ll(lat, lng float64) *latlng.LatLng { return &latlng.LatLng{Latitude: lat, Longitude: lng} }

func newFakeRoster(t testing.TB, extraManagers ...string) *fakeRoster {
	f := &fakeRoster{wake: make(chan struct{})}
	f.units = []*rosterv1.OrgUnit{
		{Name: "orgUnits/head-office", DisplayName: "总行", Type: rosterv1.OrgUnit_TYPE_HEAD_OFFICE, Address: "上海市黄浦区中山东一路 1 号",
			Location: ll(31.2400, 121.4900)},
		{Name: "orgUnits/team-a", Parent: "orgUnits/head-office", DisplayName: "陆家嘴团队", Type: rosterv1.OrgUnit_TYPE_TEAM,
			Address: "上海市浦东新区陆家嘴环路 8 号", Location: ll(31.2397, 121.4998)},
		{Name: "orgUnits/team-b", Parent: "orgUnits/head-office", DisplayName: "虹桥团队", Type: rosterv1.OrgUnit_TYPE_TEAM,
			Address: "上海市长宁区虹桥路 1000 号", Location: ll(31.1979, 121.4110)},
	}
	for _, m := range []struct{ id, unit string }{{"M1", "team-a"}, {"M2", "team-a"}, {"M3", "team-b"}} {
		f.managers = append(f.managers, &rosterv1.Manager{Name: "managers/" + m.id, DisplayName: "经理" + m.id,
			OrgUnit: "orgUnits/" + m.unit, Status: rosterv1.Manager_STATUS_CONFIRMED})
	}
	for _, id := range extraManagers {
		f.managers = append(f.managers, &rosterv1.Manager{Name: "managers/" + id, DisplayName: "经理" + id,
			OrgUnit: "orgUnits/team-a", Status: rosterv1.Manager_STATUS_CONFIRMED})
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	rosterv1.RegisterRosterServiceServer(srv, f)
	rosterv1.RegisterManagerServiceServer(srv, f)
	rosterv1.RegisterPortfolioServiceServer(srv, f)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	f.addr = l.Addr().String()
	return f
}

func (f *fakeRoster) ListOrgUnits(context.Context, *rosterv1.ListOrgUnitsRequest) (*rosterv1.ListOrgUnitsResponse, error) {
	return &rosterv1.ListOrgUnitsResponse{OrgUnits: f.units}, nil
}

// ListManagers pages through the managers of a unit (1,000 a page at most, as the roster).
func (f *fakeRoster) ListManagers(_ context.Context, req *rosterv1.ListManagersRequest) (*rosterv1.ListManagersResponse, error) {
	unit := ""
	if _, after, ok := strings.Cut(req.GetFilter(), `"orgUnits/`); ok {
		unit = strings.TrimSuffix(after, `"`)
	}
	var out []*rosterv1.Manager
	for _, m := range f.managers {
		if unit == "" || unit == "head-office" || m.GetOrgUnit() == "orgUnits/"+unit {
			out = append(out, m)
		}
	}
	start := 0
	if req.GetPageToken() != "" {
		start, _ = strconv.Atoi(req.GetPageToken())
	}
	size := int(min(max(req.GetPageSize(), 1), 1000))
	resp := &rosterv1.ListManagersResponse{Managers: out[start:min(start+size, len(out))]}
	if start+size < len(out) {
		resp.NextPageToken = strconv.Itoa(start + size)
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

// add appends a change to the feed with the next sequence number.
func (f *fakeRoster) add(ch *rosterv1.PortfolioChange) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch.Sequence = int64(len(f.changes) + 1)
	if ch.Time == nil {
		ch.Time = timestamppb.New(time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC))
	}
	f.changes = append(f.changes, ch)
	close(f.wake)
	f.wake = make(chan struct{})
}

// customer adds a created change for a retail outlet of manager.
func (f *fakeRoster) customer(id, name, manager, unit string, lat, lng float64) {
	f.add(&rosterv1.PortfolioChange{Kind: rosterv1.PortfolioChange_KIND_CUSTOMER_CREATED, Customer: "customers/" + id,
		State: &rosterv1.Customer{Name: "customers/" + id, DisplayName: name, Kind: rosterv1.Customer_KIND_RETAIL_OUTLET,
			Classification: "A", Address: "上海市 " + name, Location: ll(lat, lng), AreaType: rosterv1.Customer_AREA_TYPE_URBAN,
			PrimaryManager: "managers/" + manager, OrgUnit: "orgUnits/" + unit}})
}

// handOver adds a reassignment of a customer.
func (f *fakeRoster) handOver(customer, from, to string) {
	f.add(&rosterv1.PortfolioChange{Kind: rosterv1.PortfolioChange_KIND_CUSTOMERS_REASSIGNED,
		Moves: []*rosterv1.PortfolioChange_Move{{Customer: "customers/" + customer, FromManager: "managers/" + from, ToManager: "managers/" + to}}})
}

func (f *fakeRoster) WatchPortfolioChanges(req *rosterv1.WatchPortfolioChangesRequest, stream grpc.ServerStreamingServer[rosterv1.PortfolioChange]) error {
	next := req.GetAfter()
	for {
		f.mu.Lock()
		pending := append([]*rosterv1.PortfolioChange(nil), f.changes[min(int(next), len(f.changes)):]...)
		wake := f.wake
		f.mu.Unlock()
		for _, ch := range pending {
			if err := stream.Send(ch); err != nil {
				return err
			}
			next = ch.GetSequence()
		}
		select {
		case <-stream.Context().Done():
			return stream.Context().Err()
		case <-wake:
		}
	}
}
