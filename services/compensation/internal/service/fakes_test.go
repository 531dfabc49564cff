package service_test

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

// fakeManager is a manager of the stand-in roster, as of any day asked.
type fakeManager struct {
	id, name, unit, post string
	ladder, level, band  string
	status               rosterv1.Manager_Status
}

// fakePeers stands in for the roster and the assessment service: a fixed org
// tree, managers the test sets, and coefficients and figures the test sets.
// The compensation service reads them over gRPC exactly as it reads the real
// services (which are tested in their own suites and end to end); the fakes
// also check that every call carries the service's own token.
type fakePeers struct {
	rosterv1.UnimplementedRosterServiceServer
	rosterv1.UnimplementedManagerServiceServer
	assessmentv1.UnimplementedCoefficientServiceServer
	assessmentv1.UnimplementedFigureServiceServer

	token string // the bearer token every call must carry

	mu           sync.Mutex
	units        []*rosterv1.OrgUnit
	managers     map[string]*fakeManager
	order        []*fakeManager               // managers by id; nil after a change
	coefficients map[string]string            // "manager|period" → coefficient
	figures      map[string]map[string]string // "manager|period" → code → value
	calls        map[string]int
	addr         string
}

func newFakePeers(t testing.TB, token string) *fakePeers {
	f := &fakePeers{token: token, managers: map[string]*fakeManager{}, coefficients: map[string]string{},
		figures: map[string]map[string]string{}, calls: map[string]int{}}
	for _, u := range [][3]string{
		{"head-office", "", "总行"}, {"branch-a", "head-office", "城东分行"}, {"team-a1", "branch-a", "陆家嘴团队"},
		{"team-a2", "branch-a", "张江团队"}, {"branch-b", "head-office", "城西分行"}, {"team-b1", "branch-b", "虹桥团队"},
	} {
		ou := &rosterv1.OrgUnit{Name: "orgUnits/" + u[0], DisplayName: u[2]}
		if u[1] != "" {
			ou.Parent = "orgUnits/" + u[1]
		}
		f.units = append(f.units, ou)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(f.checkToken))
	rosterv1.RegisterRosterServiceServer(srv, f)
	rosterv1.RegisterManagerServiceServer(srv, f)
	assessmentv1.RegisterCoefficientServiceServer(srv, f)
	assessmentv1.RegisterFigureServiceServer(srv, f)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	f.addr = l.Addr().String()
	return f
}

func (f *fakePeers) checkToken(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer "+f.token {
		return nil, status.Error(codes.Unauthenticated, "compensation must call with its own service token")
	}
	f.mu.Lock()
	f.calls[info.FullMethod[strings.LastIndex(info.FullMethod, "/")+1:]]++
	f.mu.Unlock()
	return h(ctx, req)
}

func (f *fakePeers) add(m fakeManager) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m.status == 0 {
		m.status = rosterv1.Manager_STATUS_CONFIRMED
	}
	if m.name == "" {
		m.name = "经理" + m.id
	}
	f.managers[m.id] = &m
	f.order = nil
}

func (f *fakePeers) set(id string, change func(m *fakeManager)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f.managers[id])
}

func (f *fakePeers) coefficient(manager, period, v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.coefficients[manager+"|"+period] = v
}

func (f *fakePeers) figure(manager, period, code, v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := manager + "|" + period
	if f.figures[k] == nil {
		f.figures[k] = map[string]string{}
	}
	f.figures[k][code] = v
}

func (f *fakePeers) callCount(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func (f *fakePeers) ListOrgUnits(context.Context, *rosterv1.ListOrgUnitsRequest) (*rosterv1.ListOrgUnitsResponse, error) {
	return &rosterv1.ListOrgUnitsResponse{OrgUnits: f.units}, nil
}

// sorted is the managers by id, sorted once per change (the 100,000-manager
// benchmark pages through them 100 times a run).
func (f *fakePeers) sorted() []*fakeManager {
	if f.order != nil {
		return f.order
	}
	out := make([]*fakeManager, 0, len(f.managers))
	for _, m := range f.managers {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	f.order = out
	return out
}

func (f *fakePeers) proto(m *fakeManager) *rosterv1.Manager {
	return &rosterv1.Manager{Name: "managers/" + m.id, DisplayName: m.name, OrgUnit: "orgUnits/" + m.unit, Post: m.post, Status: m.status}
}

// ListManagers pages through every manager (1,000 a page at most, as the roster).
func (f *fakePeers) ListManagers(_ context.Context, req *rosterv1.ListManagersRequest) (*rosterv1.ListManagersResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	all := f.sorted()
	start := 0
	if req.GetPageToken() != "" {
		start, _ = strconv.Atoi(req.GetPageToken())
	}
	size := int(min(max(req.GetPageSize(), 1), 1000))
	resp := &rosterv1.ListManagersResponse{TotalSize: int32(len(all))}
	for _, m := range all[start:min(start+size, len(all))] {
		resp.Managers = append(resp.Managers, f.proto(m))
	}
	if start+size < len(all) {
		resp.NextPageToken = strconv.Itoa(start + size)
	}
	return resp, nil
}

func (f *fakePeers) GetManager(_ context.Context, req *rosterv1.GetManagerRequest) (*rosterv1.Manager, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok := f.managers[strings.TrimPrefix(req.GetName(), "managers/")]; ok {
		return f.proto(m), nil
	}
	return nil, status.Errorf(codes.NotFound, "%s", req.GetName())
}

func (f *fakePeers) BatchGetManagersAsOf(_ context.Context, req *rosterv1.BatchGetManagersAsOfRequest) (*rosterv1.BatchGetManagersAsOfResponse, error) {
	if len(req.GetNames()) > 1000 {
		return nil, status.Errorf(codes.InvalidArgument, "%d names; at most 1000", len(req.GetNames()))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	resp := &rosterv1.BatchGetManagersAsOfResponse{}
	for _, name := range req.GetNames() {
		m, ok := f.managers[strings.TrimPrefix(name, "managers/")]
		if !ok {
			resp.Missing = append(resp.Missing, name)
			continue
		}
		s := &rosterv1.ManagerSnapshot{Manager: name, Date: req.GetDate(), OrgUnit: "orgUnits/" + m.unit, Post: m.post, Status: m.status}
		if m.ladder != "" {
			s.Grade = &rosterv1.Grade{Ladder: "gradeLadders/" + m.ladder, Level: m.level, Band: m.band, DisplayName: m.level + m.band}
		}
		resp.Snapshots = append(resp.Snapshots, s)
	}
	return resp, nil
}

func (f *fakePeers) BatchGetCoefficients(_ context.Context, req *assessmentv1.BatchGetCoefficientsRequest) (*assessmentv1.BatchGetCoefficientsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	resp := &assessmentv1.BatchGetCoefficientsResponse{}
	for _, name := range req.GetManagers() {
		v, ok := f.coefficients[strings.TrimPrefix(name, "managers/")+"|"+req.GetPeriod()]
		if !ok {
			resp.Missing = append(resp.Missing, name)
			continue
		}
		resp.Coefficients = append(resp.Coefficients, &assessmentv1.Coefficient{Manager: name, Period: req.GetPeriod(), Coefficient: v,
			Score: "88.00", Run: "runs/monthly-" + req.GetPeriod(), Revision: 1})
	}
	return resp, nil
}

func (f *fakePeers) BatchGetFigures(_ context.Context, req *assessmentv1.BatchGetFiguresRequest) (*assessmentv1.BatchGetFiguresResponse, error) {
	if len(req.GetManagers()) > 1000 {
		return nil, status.Errorf(codes.InvalidArgument, "%d managers; at most 1000", len(req.GetManagers()))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	resp := &assessmentv1.BatchGetFiguresResponse{}
	for _, name := range req.GetManagers() {
		m := strings.TrimPrefix(name, "managers/")
		for _, code := range req.GetCodes() {
			fig := fmt.Sprintf("%s/periods/%s/figures/%s", name, req.GetPeriod(), code)
			v, ok := f.figures[m+"|"+req.GetPeriod()][code]
			if !ok {
				resp.Missing = append(resp.Missing, fig)
				continue
			}
			resp.Figures = append(resp.Figures, &assessmentv1.Figure{Name: fig, Manager: name, Period: req.GetPeriod(), Code: code,
				Value: v, Revision: 1, Batch: "figureBatches/core-1", Source: "core-banking"})
		}
	}
	return resp, nil
}
