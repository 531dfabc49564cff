// Package roster reads what the visits service needs from the roster, over gRPC:
// org units (for scope paths), managers, and the portfolio change feed.
package roster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/orgpath"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

// Manager is what visits needs of a roster manager.
type Manager struct {
	ID        string
	Name      string
	OrgUnitID string
	Active    bool // appointed (on probation, regular or under observation)
}

// Client calls the roster. Calls made for a user carry that user's own bearer
// token (forwarded from the incoming call), so the roster applies the user's
// scope; background work (following the feed) uses the service's token.
type Client struct {
	units     rosterv1.RosterServiceClient
	managers  rosterv1.ManagerServiceClient
	portfolio rosterv1.PortfolioServiceClient
	// Token returns the service's own bearer token, for background calls.
	Token func() (string, error)
}

// New returns a client on conn.
func New(conn grpc.ClientConnInterface, token func() (string, error)) *Client {
	return &Client{units: rosterv1.NewRosterServiceClient(conn), managers: rosterv1.NewManagerServiceClient(conn),
		portfolio: rosterv1.NewPortfolioServiceClient(conn), Token: token}
}

// ErrUnavailable wraps a roster that cannot be reached or failed.
var ErrUnavailable = errors.New("roster unavailable")

func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	if s, ok := status.FromError(err); ok {
		switch s.Code() {
		case codes.NotFound, codes.PermissionDenied, codes.InvalidArgument, codes.Unauthenticated:
			return err // the caller's own answer, passed on
		}
	}
	return fmt.Errorf("%w: %s: %v", ErrUnavailable, what, err)
}

// OrgUnit is what visits needs of a roster org unit.
type OrgUnit struct {
	ID, Parent, Name, Address string
	Path                      string   // "/root/…/id/": "in the subtree of X" is a prefix test
	Lat, Lng                  *float64 // where the unit is, if the roster knows
}

// OrgUnits reads every org unit the caller may see, by id, with their paths.
func (c *Client) OrgUnits(ctx context.Context) (map[string]OrgUnit, error) {
	return c.orgUnits(auth.Forward(ctx))
}

// asService is ctx carrying the service's own token (background work).
func (c *Client) asService(ctx context.Context) (context.Context, error) {
	token, err := c.Token()
	if err != nil {
		return ctx, err
	}
	return metadata.NewOutgoingContext(ctx, metadata.Pairs("authorization", "Bearer "+token)), nil
}

// ManagerPath is the org path of a manager's unit, read with the service's own
// token (for background work such as applying a handover).
func (c *Client) ManagerPath(ctx context.Context, id string) (string, error) {
	ctx, err := c.asService(ctx)
	if err != nil {
		return "", err
	}
	m, err := c.managers.GetManager(ctx, &rosterv1.GetManagerRequest{Name: "managers/" + id})
	if err != nil {
		return "", wrap(err, "get manager")
	}
	units, err := c.orgUnits(ctx)
	if err != nil {
		return "", err
	}
	return units[strings.TrimPrefix(m.GetOrgUnit(), "orgUnits/")].Path, nil
}

// orgUnits reads the org units with ctx's outgoing credentials.
func (c *Client) orgUnits(ctx context.Context) (map[string]OrgUnit, error) {
	units := map[string]OrgUnit{}
	token := ""
	for {
		resp, err := c.units.ListOrgUnits(ctx, &rosterv1.ListOrgUnitsRequest{PageSize: 1000, PageToken: token})
		if err != nil {
			return nil, wrap(err, "list org units")
		}
		for _, u := range resp.GetOrgUnits() {
			ou := OrgUnit{ID: strings.TrimPrefix(u.GetName(), "orgUnits/"), Parent: strings.TrimPrefix(u.GetParent(), "orgUnits/"),
				Name: u.GetDisplayName(), Address: u.GetAddress()}
			if loc := u.GetLocation(); loc != nil {
				lat, lng := loc.GetLatitude(), loc.GetLongitude()
				ou.Lat, ou.Lng = &lat, &lng
			}
			units[ou.ID] = ou
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	parent := make(map[string]string, len(units))
	for id, u := range units {
		parent[id] = u.Parent
	}
	for id, p := range orgpath.FromParents(parent) {
		u := units[id]
		u.Path = p
		units[id] = u
	}
	return units, nil
}

// Managers lists the appointed managers of an org unit's subtree ("" for all the
// caller may see), as the caller.
func (c *Client) Managers(ctx context.Context, orgUnit string) ([]Manager, error) {
	ctx = auth.Forward(ctx)
	filter := ""
	if orgUnit != "" {
		filter = fmt.Sprintf("org_unit = %q", "orgUnits/"+orgUnit)
	}
	var out []Manager
	token := ""
	for {
		resp, err := c.managers.ListManagers(ctx, &rosterv1.ListManagersRequest{Filter: filter, PageSize: 1000, PageToken: token})
		if err != nil {
			return nil, wrap(err, "list managers")
		}
		for _, m := range resp.GetManagers() {
			out = append(out, toManager(m))
		}
		if token = resp.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// Manager reads one manager as the caller.
func (c *Client) Manager(ctx context.Context, id string) (Manager, error) {
	m, err := c.managers.GetManager(auth.Forward(ctx), &rosterv1.GetManagerRequest{Name: "managers/" + id})
	if err != nil {
		return Manager{}, wrap(err, "get manager")
	}
	return toManager(m), nil
}

func toManager(m *rosterv1.Manager) Manager {
	st := m.GetStatus()
	return Manager{ID: strings.TrimPrefix(m.GetName(), "managers/"), Name: m.GetDisplayName(),
		OrgUnitID: strings.TrimPrefix(m.GetOrgUnit(), "orgUnits/"),
		Active: st == rosterv1.Manager_STATUS_PROBATION || st == rosterv1.Manager_STATUS_EXTENDED_PROBATION ||
			st == rosterv1.Manager_STATUS_CONFIRMED || st == rosterv1.Manager_STATUS_OBSERVATION}
}

// Follow streams the portfolio change feed after the cursor with the service's
// token, calling handle for each change in order, until ctx ends or the stream
// fails (the caller reconnects from its stored cursor).
func (c *Client) Follow(ctx context.Context, after int64, handle func(*rosterv1.PortfolioChange) error) error {
	ctx, err := c.asService(ctx)
	if err != nil {
		return err
	}
	stream, err := c.portfolio.WatchPortfolioChanges(ctx, &rosterv1.WatchPortfolioChangesRequest{After: after, Follow: true})
	if err != nil {
		return err
	}
	for {
		ch, err := stream.Recv()
		if err != nil {
			return err
		}
		if err := handle(ch); err != nil {
			return err
		}
	}
}

// Backoff is the pause before reconnecting after the n-th failure in a row.
func Backoff(n int) time.Duration {
	return min(time.Duration(1<<min(n, 6))*250*time.Millisecond, 15*time.Second)
}
