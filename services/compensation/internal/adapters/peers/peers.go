// Package peers reads what the compensation service needs from the other
// services over gRPC, always with the service's own token (a `system`
// account): from the roster the managers, where they were and what grade they
// held on a day, and the org tree; from the assessment service the monthly
// performance coefficients and business figures. It implements app.Sources.
package peers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/orgpath"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
	"github.com/rmsuite/rmsuite/services/compensation/internal/app"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

// ErrUnavailable wraps a peer that cannot be reached or failed.
var ErrUnavailable = errors.New("a service compensation reads from is unavailable")

// Client calls the roster and the assessment service.
type Client struct {
	units        rosterv1.RosterServiceClient
	managers     rosterv1.ManagerServiceClient
	coefficients assessmentv1.CoefficientServiceClient
	figures      assessmentv1.FigureServiceClient
	// Token returns the service's own bearer token.
	Token func() (string, error)
	// Parallel is how many batch calls run at once (default 4).
	Parallel int
}

var _ app.Sources = (*Client)(nil)

// New returns a client on the two connections.
func New(roster, assessment grpc.ClientConnInterface, token func() (string, error)) *Client {
	return &Client{units: rosterv1.NewRosterServiceClient(roster), managers: rosterv1.NewManagerServiceClient(roster),
		coefficients: assessmentv1.NewCoefficientServiceClient(assessment), figures: assessmentv1.NewFigureServiceClient(assessment),
		Token: token, Parallel: 4}
}

func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %s: %v", ErrUnavailable, what, err)
}

// asService is ctx carrying the service's own token.
func (c *Client) asService(ctx context.Context) (context.Context, error) {
	token, err := c.Token()
	if err != nil {
		return ctx, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return metadata.NewOutgoingContext(ctx, metadata.Pairs("authorization", "Bearer "+token)), nil
}

// Managers lists every manager of the roster.
func (c *Client) Managers(ctx context.Context) ([]app.RosterManager, error) {
	ctx, err := c.asService(ctx)
	if err != nil {
		return nil, err
	}
	var out []app.RosterManager
	token := ""
	for {
		resp, err := c.managers.ListManagers(ctx, &rosterv1.ListManagersRequest{PageSize: 1000, PageToken: token})
		if err != nil {
			return nil, wrap(err, "list managers")
		}
		for _, m := range resp.GetManagers() {
			out = append(out, app.RosterManager{ID: strings.TrimPrefix(m.GetName(), "managers/"), Name: m.GetDisplayName()})
		}
		if token = resp.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// chunks runs fn over ids in chunks of size, Parallel at a time.
func (c *Client) chunks(ctx context.Context, ids []string, size int, fn func(ctx context.Context, part []string) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, max(c.Parallel, 1))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for start := 0; start < len(ids); start += size {
		part := ids[start:min(start+size, len(ids))]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, part); err != nil {
				mu.Lock()
				if first == nil {
					first = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// AsOf reads where managers were on day, a thousand a call.
func (c *Client) AsOf(ctx context.Context, ids []string, day civil.Date) (map[string]app.Snapshot, error) {
	ctx, err := c.asService(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]app.Snapshot, len(ids))
	var mu sync.Mutex
	err = c.chunks(ctx, ids, 1000, func(ctx context.Context, part []string) error {
		names := make([]string, len(part))
		for i, id := range part {
			names[i] = "managers/" + id
		}
		resp, err := c.managers.BatchGetManagersAsOf(ctx, &rosterv1.BatchGetManagersAsOfRequest{Names: names, Date: day.Proto()})
		if err != nil {
			return wrap(err, "managers as of "+day.String())
		}
		mu.Lock()
		defer mu.Unlock()
		for _, s := range resp.GetSnapshots() {
			g := s.GetGrade()
			out[strings.TrimPrefix(s.GetManager(), "managers/")] = app.Snapshot{
				OrgUnitID: strings.TrimPrefix(s.GetOrgUnit(), "orgUnits/"), Post: s.GetPost(),
				Ladder: strings.TrimPrefix(g.GetLadder(), "gradeLadders/"), Level: g.GetLevel(), Band: g.GetBand(), Grade: g.GetDisplayName(),
				Status: pay.Status(s.GetStatus())}
		}
		return nil
	})
	return out, err
}

// OrgPaths reads every org unit and returns each one's path by id.
func (c *Client) OrgPaths(ctx context.Context) (map[string]string, error) {
	ctx, err := c.asService(ctx)
	if err != nil {
		return nil, err
	}
	parent := map[string]string{}
	token := ""
	for {
		resp, err := c.units.ListOrgUnits(ctx, &rosterv1.ListOrgUnitsRequest{PageSize: 1000, PageToken: token})
		if err != nil {
			return nil, wrap(err, "list org units")
		}
		for _, u := range resp.GetOrgUnits() {
			parent[strings.TrimPrefix(u.GetName(), "orgUnits/")] = strings.TrimPrefix(u.GetParent(), "orgUnits/")
		}
		if token = resp.GetNextPageToken(); token == "" {
			return orgpath.FromParents(parent), nil
		}
	}
}

// fewManagers is the most managers looked up one by one; more are found by
// listing every manager.
const fewManagers = 20

// ManagerUnits returns the org unit of each of ids the roster knows.
func (c *Client) ManagerUnits(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) > fewManagers {
		want := make(map[string]bool, len(ids))
		for _, id := range ids {
			want[id] = true
		}
		sctx, err := c.asService(ctx)
		if err != nil {
			return nil, err
		}
		token := ""
		for {
			resp, err := c.managers.ListManagers(sctx, &rosterv1.ListManagersRequest{PageSize: 1000, PageToken: token})
			if err != nil {
				return nil, wrap(err, "list managers")
			}
			for _, m := range resp.GetManagers() {
				if id := strings.TrimPrefix(m.GetName(), "managers/"); want[id] {
					out[id] = strings.TrimPrefix(m.GetOrgUnit(), "orgUnits/")
				}
			}
			if token = resp.GetNextPageToken(); token == "" {
				return out, nil
			}
		}
	}
	ctx, err := c.asService(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		m, err := c.managers.GetManager(ctx, &rosterv1.GetManagerRequest{Name: "managers/" + id})
		if status.Code(err) == codes.NotFound {
			continue
		}
		if err != nil {
			return nil, wrap(err, "get manager")
		}
		out[id] = strings.TrimPrefix(m.GetOrgUnit(), "orgUnits/")
	}
	return out, nil
}

// Coefficients reads the month's performance coefficients, 20,000 a call. An
// assessment service that does not serve them yet (Unimplemented) has none.
func (c *Client) Coefficients(ctx context.Context, period string, ids []string) (map[string]pay.Sourced, error) {
	ctx, err := c.asService(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]pay.Sourced, len(ids))
	var mu sync.Mutex
	err = c.chunks(ctx, ids, 20000, func(ctx context.Context, part []string) error {
		names := make([]string, len(part))
		for i, id := range part {
			names[i] = "managers/" + id
		}
		resp, err := c.coefficients.BatchGetCoefficients(ctx, &assessmentv1.BatchGetCoefficientsRequest{Period: period, Managers: names})
		if status.Code(err) == codes.Unimplemented {
			return nil
		}
		if err != nil {
			return wrap(err, "coefficients of "+period)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, k := range resp.GetCoefficients() {
			v, err := money.ParseDecimal(k.GetCoefficient())
			if err != nil {
				return fmt.Errorf("%w: coefficient of %s is %q: %v", ErrUnavailable, k.GetManager(), k.GetCoefficient(), err)
			}
			src := fmt.Sprintf("assessment: coefficient of %s %s (score %s, revision %d)", k.GetRun(), k.GetPeriod(), k.GetScore(), k.GetRevision())
			out[strings.TrimPrefix(k.GetManager(), "managers/")] = pay.Sourced{Value: v, Source: src}
		}
		return nil
	})
	return out, err
}

// Figures reads the month's business figures, a thousand managers a call.
func (c *Client) Figures(ctx context.Context, period string, ids, codes []string) (map[string]map[string]pay.Sourced, error) {
	ctx, err := c.asService(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string]pay.Sourced, len(ids))
	var mu sync.Mutex
	err = c.chunks(ctx, ids, 1000, func(ctx context.Context, part []string) error {
		names := make([]string, len(part))
		for i, id := range part {
			names[i] = "managers/" + id
		}
		resp, err := c.figures.BatchGetFigures(ctx, &assessmentv1.BatchGetFiguresRequest{Managers: names, Period: period, Codes: codes})
		if err != nil {
			return wrap(err, "figures of "+period)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, f := range resp.GetFigures() {
			v, err := money.ParseDecimal(f.GetValue())
			if err != nil {
				return fmt.Errorf("%w: figure %s is %q: %v", ErrUnavailable, f.GetName(), f.GetValue(), err)
			}
			m := strings.TrimPrefix(f.GetManager(), "managers/")
			if out[m] == nil {
				out[m] = map[string]pay.Sourced{}
			}
			out[m][f.GetCode()] = pay.Sourced{Value: v, Source: fmt.Sprintf("assessment figure %s (revision %d, %s, from %s)",
				f.GetName(), f.GetRevision(), f.GetBatch(), f.GetSource())}
		}
		return nil
	})
	return out, err
}
