// Package roster reads what the assessment service needs from the roster over
// gRPC, as the caller: org units (their paths, for scope) and which org unit
// each manager belongs to. It implements app.Directory.
package roster

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/orgpath"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

// Client calls the roster. Every call carries the bearer token of the call
// being served (forwarded from the incoming metadata), so the roster applies
// the caller's own scope.
type Client struct {
	units    rosterv1.RosterServiceClient
	managers rosterv1.ManagerServiceClient
}

// New returns a client on conn.
func New(conn grpc.ClientConnInterface) *Client {
	return &Client{units: rosterv1.NewRosterServiceClient(conn), managers: rosterv1.NewManagerServiceClient(conn)}
}

// ErrUnavailable wraps a roster that cannot be reached or failed.
var ErrUnavailable = errors.New("roster unavailable")

func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	if s, ok := status.FromError(err); ok {
		switch s.Code() {
		case codes.PermissionDenied, codes.InvalidArgument, codes.Unauthenticated:
			return err // the caller's own answer, passed on
		}
	}
	return fmt.Errorf("%w: %s: %v", ErrUnavailable, what, err)
}

// OrgPaths reads every org unit the caller may see and returns each one's
// path ("/root/…/id/": "in the subtree of X" is a prefix test), by id.
func (c *Client) OrgPaths(ctx context.Context) (map[string]string, error) {
	ctx = auth.Forward(ctx)
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
// listing every manager the caller may see.
const fewManagers = 20

// ManagerUnits returns the org unit id of each manager among ids that the
// roster knows (and the caller may see), by manager id.
func (c *Client) ManagerUnits(ctx context.Context, ids []string) (map[string]string, error) {
	ctx = auth.Forward(ctx)
	out := make(map[string]string, len(ids))
	if len(ids) <= fewManagers {
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
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	token := ""
	for {
		resp, err := c.managers.ListManagers(ctx, &rosterv1.ListManagersRequest{PageSize: 1000, PageToken: token})
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
