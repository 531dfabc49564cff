// Package roster reads what the assessment service needs from the roster over
// gRPC, as the caller: org units (their paths, for scope) and which org unit
// each manager belongs to. It implements app.Directory.
package roster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/orgpath"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
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

// Managers lists every manager of the subtree of orgUnit that the caller may
// see, with the grade they held on asOf, their grade date, hire date and
// whether they are appointed. The roster's list shows the latest grade
// recorded, which may take effect after asOf (a promotion decided for next
// year); only those managers are read again, as of asOf, in batches.
func (c *Client) Managers(ctx context.Context, orgUnit string, asOf civil.Date) ([]app.Manager, error) {
	ctx = auth.Forward(ctx)
	filter := fmt.Sprintf("org_unit = %q", "orgUnits/"+orgUnit)
	var out []app.Manager
	later := map[string]int{} // manager name → index in out, grade dated after asOf
	token := ""
	for {
		resp, err := c.managers.ListManagers(ctx, &rosterv1.ListManagersRequest{Filter: filter, PageSize: 1000, PageToken: token})
		if err != nil {
			return nil, wrap(err, "list managers")
		}
		for _, m := range resp.GetManagers() {
			if g := m.GetGrade(); g.GetEffectiveDate() != nil && asOf.Before(civil.FromProto(g.GetEffectiveDate())) {
				later[m.GetName()] = len(out)
			}
			out = append(out, toManager(m))
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if err := c.gradesAsOf(ctx, out, later, asOf); err != nil {
		return nil, err
	}
	return out, nil
}

// asOfBatch is the most managers BatchGetManagersAsOf takes at once.
const asOfBatch = 1000

// gradesAsOf replaces the grades of out[later[name]] by those held on asOf;
// a manager who held no grade yet on asOf is left without one.
func (c *Client) gradesAsOf(ctx context.Context, out []app.Manager, later map[string]int, asOf civil.Date) error {
	names := make([]string, 0, len(later))
	for name := range later {
		names = append(names, name)
	}
	slices.Sort(names)
	for start := 0; start < len(names); start += asOfBatch {
		batch := names[start:min(start+asOfBatch, len(names))]
		resp, err := c.managers.BatchGetManagersAsOf(ctx, &rosterv1.BatchGetManagersAsOfRequest{Names: batch, Date: asOf.Proto()})
		if err != nil {
			return wrap(err, "read grades as of "+asOf.String())
		}
		for _, snap := range resp.GetSnapshots() {
			i, ok := later[snap.GetManager()]
			if !ok {
				continue
			}
			m := &out[i]
			m.Ladder, m.Grade, m.GradeSince = "", grade.Grade{}, civil.Date{}
			if g := snap.GetGrade(); g != nil && g.GetLevel() != "" {
				m.Ladder = strings.TrimPrefix(g.GetLadder(), "gradeLadders/")
				m.Grade = grade.Grade{Level: g.GetLevel(), Band: g.GetBand()}
				m.GradeSince = civil.FromProto(g.GetEffectiveDate())
			}
		}
	}
	return nil
}

// toManager converts a roster manager.
func toManager(m *rosterv1.Manager) app.Manager {
	out := app.Manager{ID: strings.TrimPrefix(m.GetName(), "managers/"), Name: m.GetDisplayName(),
		OrgUnitID: strings.TrimPrefix(m.GetOrgUnit(), "orgUnits/"), HireDate: civil.FromProto(m.GetHireDate())}
	if g := m.GetGrade(); g != nil && g.GetLevel() != "" {
		out.Ladder = strings.TrimPrefix(g.GetLadder(), "gradeLadders/")
		out.Grade = grade.Grade{Level: g.GetLevel(), Band: g.GetBand()}
		out.GradeSince = civil.FromProto(g.GetEffectiveDate())
	}
	switch m.GetStatus() {
	case rosterv1.Manager_STATUS_PROBATION, rosterv1.Manager_STATUS_EXTENDED_PROBATION, rosterv1.Manager_STATUS_CONFIRMED,
		rosterv1.Manager_STATUS_OBSERVATION:
		out.Active = true
	}
	return out
}

// Grades applies grade changes in the roster with the service's own token:
// a change decided and approved in assessment is the system's, so the
// roster applies it at once (an exceptional one waits there for a second
// approval). It implements app.Grades.
type Grades struct {
	managers rosterv1.ManagerServiceClient
	// Token returns the service's own bearer token.
	Token func() (string, error)
}

// NewGrades returns the grade sender on conn.
func NewGrades(conn grpc.ClientConnInterface, token func() (string, error)) *Grades {
	return &Grades{managers: rosterv1.NewManagerServiceClient(conn), Token: token}
}

// ChangeGrade sends one grade change, with its id as the request id so that
// the roster applies it once however often it is sent. A refusal the roster
// will repeat (the manager exited, the grade is not on the ladder, an
// illegal step) wraps app.ErrRefused; anything else (the roster is down,
// the token is missing or expired) is retried.
func (g *Grades) ChangeGrade(ctx context.Context, d app.DeliveryRecord) (string, error) {
	token, err := g.Token()
	if err != nil {
		return "", err
	}
	ctx = metadata.NewOutgoingContext(ctx, metadata.Pairs("authorization", "Bearer "+token))
	resp, err := g.managers.ChangeManagerGrade(ctx, &rosterv1.ChangeManagerGradeRequest{Name: "managers/" + d.Manager,
		Grade:         &rosterv1.Grade{Ladder: "gradeLadders/" + d.Ladder, Level: d.Grade.Level, Band: d.Grade.Band},
		EffectiveDate: d.Effective.Proto(), Reason: d.Reason, Reference: d.Reference, Exceptional: d.Exceptional, RequestId: d.ID})
	if err != nil {
		switch status.Code(err) {
		case codes.InvalidArgument, codes.FailedPrecondition, codes.NotFound, codes.AlreadyExists, codes.OutOfRange:
			return "", fmt.Errorf("%w: %s", app.ErrRefused, status.Convert(err).Message())
		}
		return "", fmt.Errorf("%w: change grade: %v", ErrUnavailable, err)
	}
	return resp.GetApproval(), nil
}

// Manager reads one manager the caller may see; app.ErrNotFound if the
// roster has none (or the caller may not see it).
func (c *Client) Manager(ctx context.Context, id string) (app.Manager, error) {
	m, err := c.managers.GetManager(auth.Forward(ctx), &rosterv1.GetManagerRequest{Name: "managers/" + id})
	if status.Code(err) == codes.NotFound {
		return app.Manager{}, fmt.Errorf("%w: managers/%s", app.ErrNotFound, id)
	}
	if err != nil {
		return app.Manager{}, wrap(err, "get manager")
	}
	return toManager(m), nil
}
