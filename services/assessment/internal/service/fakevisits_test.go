package service_test

import (
	"context"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"

	"google.golang.org/grpc"

	visitsv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/visits/v1"
)

// fakeVisits stands in for the visit-scheduling service: it serves the visit
// indicators the test sets, per period and manager, over gRPC, in pages of
// at most 7 to exercise the client's paging.
type fakeVisits struct {
	visitsv1.UnimplementedVisitServiceServer

	mu       sync.Mutex
	data     map[string]map[string]*visitsv1.ManagerIndicators // period → manager id → indicators
	addr     string
	pageSize int
}

func newFakeVisits(t testing.TB) *fakeVisits {
	f := &fakeVisits{data: map[string]map[string]*visitsv1.ManagerIndicators{}, pageSize: 7}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	visitsv1.RegisterVisitServiceServer(srv, f)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	f.addr = l.Addr().String()
	return f
}

func rate(num, den int32, value string) *visitsv1.ManagerIndicators_Rate {
	return &visitsv1.ManagerIndicators_Rate{Numerator: num, Denominator: den, Value: value}
}

// set gives a manager's indicators for a period.
func (f *fakeVisits) set(period, manager string, m *visitsv1.ManagerIndicators) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.data[period] == nil {
		f.data[period] = map[string]*visitsv1.ManagerIndicators{}
	}
	m.Manager, m.Period = "managers/"+manager, period
	f.data[period][manager] = m
}

func (f *fakeVisits) ListIndicators(_ context.Context, req *visitsv1.ListIndicatorsRequest) (*visitsv1.ListIndicatorsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for id := range f.data[req.GetPeriod()] {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	start := 0
	if req.GetPageToken() != "" {
		start, _ = strconv.Atoi(req.GetPageToken())
	}
	size := f.pageSize
	end := min(start+size, len(ids))
	resp := &visitsv1.ListIndicatorsResponse{}
	for _, id := range ids[start:end] {
		resp.Indicators = append(resp.Indicators, f.data[req.GetPeriod()][id])
	}
	if end < len(ids) {
		resp.NextPageToken = strconv.Itoa(end)
	}
	return resp, nil
}
