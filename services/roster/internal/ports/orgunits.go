// Package ports serves the roster's gRPC API: it validates requests at the edge,
// converts between wire and domain types, and calls the use cases.
package ports

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/idempotency"
	"github.com/rmsuite/rmsuite/pkg/storage"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
	"github.com/rmsuite/rmsuite/services/roster/internal/app"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/orgunit"
)

// Server implements rmsuite.roster.v1.RosterService.
type Server struct {
	rosterv1.UnimplementedRosterServiceServer
	db    *storage.DB
	units *app.OrgUnits
}

// NewServer serves the use cases; db records request ids for safe retries.
func NewServer(db *storage.DB, units *app.OrgUnits) *Server {
	return &Server{db: db, units: units}
}

const orgUnitPrefix = "orgUnits/"

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
var codePattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)

// GetOrgUnit reads one unit.
func (s *Server) GetOrgUnit(ctx context.Context, req *rosterv1.GetOrgUnitRequest) (*rosterv1.OrgUnit, error) {
	id, err := unitID("name", req.GetName())
	if err != nil {
		return nil, err
	}
	u, err := s.units.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return toProtoUnit(u), nil
}

// ListOrgUnits reads one page of units.
func (s *Server) ListOrgUnits(ctx context.Context, req *rosterv1.ListOrgUnitsRequest) (*rosterv1.ListOrgUnitsResponse, error) {
	units, next, total, err := s.units.List(ctx, aip.Request{
		Filter: req.GetFilter(), OrderBy: req.GetOrderBy(), PageSize: req.GetPageSize(), PageToken: req.GetPageToken(),
	})
	if err != nil {
		return nil, err
	}
	resp := &rosterv1.ListOrgUnitsResponse{NextPageToken: next, TotalSize: int32(total)}
	for _, u := range units {
		resp.OrgUnits = append(resp.OrgUnits, toProtoUnit(u))
	}
	return resp, nil
}

// CreateOrgUnit adds a unit.
func (s *Server) CreateOrgUnit(ctx context.Context, req *rosterv1.CreateOrgUnitRequest) (*rosterv1.OrgUnit, error) {
	in, err := toNewUnit(req)
	if err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.OrgUnit, error) {
		u, err := s.units.Create(ctx, in)
		return toProtoUnit(u), err
	})
}

// UpdateOrgUnit renames a unit or changes its code, address or location.
func (s *Server) UpdateOrgUnit(ctx context.Context, req *rosterv1.UpdateOrgUnitRequest) (*rosterv1.OrgUnit, error) {
	id, changes, err := toChanges(req)
	if err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.OrgUnit, error) {
		u, err := s.units.Update(ctx, id, req.GetOrgUnit().GetEtag(), changes)
		return toProtoUnit(u), err
	})
}

// MoveOrgUnit re-parents a unit with its subtree.
func (s *Server) MoveOrgUnit(ctx context.Context, req *rosterv1.MoveOrgUnitRequest) (*rosterv1.OrgUnit, error) {
	var v apierr.Violations
	id := checkUnitName(&v, "name", req.GetName())
	parent := checkUnitName(&v, "new_parent", req.GetNewParent())
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.OrgUnit, error) {
		u, err := s.units.Move(ctx, id, parent, req.GetEtag())
		return toProtoUnit(u), err
	})
}

// DeleteOrgUnit removes a unit without children.
func (s *Server) DeleteOrgUnit(ctx context.Context, req *rosterv1.DeleteOrgUnitRequest) (*emptypb.Empty, error) {
	id, err := unitID("name", req.GetName())
	if err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*emptypb.Empty, error) {
		return &emptypb.Empty{}, s.units.Delete(ctx, id, req.GetEtag())
	})
}

// AuditLog records org-unit changes in the audit log, in the API's shape.
type AuditLog struct{}

// Changed records one change. Outside a mutating RPC (seeding at start-up) there is
// no call to attach it to, and nothing is recorded; inside one, the audit
// interceptor fails any call that records nothing.
func (AuditLog) Changed(ctx context.Context, before, after *orgunit.Unit) error {
	c := audit.Change{ObjectType: "OrgUnit"}
	for _, u := range []*orgunit.Unit{after, before} {
		if u != nil {
			c.Object, c.OrgPath = orgUnitPrefix+u.ID, u.Path
			break
		}
	}
	if before != nil {
		c.Before = toProtoUnit(*before)
	}
	if after != nil {
		c.After = toProtoUnit(*after)
	}
	if err := audit.Record(ctx, c); err != nil && !errors.Is(err, audit.ErrNoMutatingCall) {
		return err
	}
	return nil
}

// HomePath is the org path of a caller's home unit, for audit-log scope.
func HomePath(repo app.OrgUnitRepository) audit.HomePath {
	return func(ctx context.Context, id string) (string, error) {
		u, err := repo.Get(ctx, id)
		if errors.Is(err, orgunit.ErrNotFound) {
			return "", nil
		}
		return u.Path, err
	}
}

// ErrorTable maps the roster's domain errors to gRPC codes.
var ErrorTable = apierr.Table{
	{Err: orgunit.ErrNotFound, Code: codes.NotFound},
	{Err: orgunit.ErrParentNotFound, Code: codes.InvalidArgument},
	{Err: orgunit.ErrNesting, Code: codes.InvalidArgument},
	{Err: orgunit.ErrCycle, Code: codes.InvalidArgument},
	{Err: orgunit.ErrImmutable, Code: codes.InvalidArgument},
	{Err: orgunit.ErrHasChildren, Code: codes.FailedPrecondition},
	{Err: orgunit.ErrAlreadyExists, Code: codes.AlreadyExists},
	{Err: orgunit.ErrPermissionDenied, Code: codes.PermissionDenied},
}

// Rules declare what each RPC of the roster needs (checked by the guard; an RPC
// missing here stops the service at start-up).
var Rules = auth.Rules{
	rosterv1.RosterService_GetOrgUnit_FullMethodName:    {Permission: auth.OrgUnitsRead},
	rosterv1.RosterService_ListOrgUnits_FullMethodName:  {Permission: auth.OrgUnitsRead},
	rosterv1.RosterService_CreateOrgUnit_FullMethodName: {Permission: auth.OrgUnitsWrite, Mutates: true},
	rosterv1.RosterService_UpdateOrgUnit_FullMethodName: {Permission: auth.OrgUnitsWrite, Mutates: true},
	rosterv1.RosterService_MoveOrgUnit_FullMethodName:   {Permission: auth.OrgUnitsWrite, Mutates: true},
	rosterv1.RosterService_DeleteOrgUnit_FullMethodName: {Permission: auth.OrgUnitsWrite, Mutates: true},
}

// --- conversion and validation at the edge ---

func toProtoUnit(u orgunit.Unit) *rosterv1.OrgUnit {
	if u.ID == "" {
		return nil
	}
	p := &rosterv1.OrgUnit{
		Name:        orgUnitPrefix + u.ID,
		DisplayName: u.DisplayName,
		Type:        rosterv1.OrgUnit_Type(u.Type),
		Code:        u.Code,
		Address:     u.Address,
		ChildCount:  int32(u.ChildCount),
		CreateTime:  timestamppb.New(u.CreateTime),
		UpdateTime:  timestamppb.New(u.UpdateTime),
		Etag:        u.Etag(),
	}
	if u.ParentID != "" {
		p.Parent = orgUnitPrefix + u.ParentID
	}
	if u.Location != nil {
		p.Location = &latlng.LatLng{Latitude: u.Location.Lat, Longitude: u.Location.Lng}
	}
	return p
}

func toNewUnit(req *rosterv1.CreateOrgUnitRequest) (app.NewUnit, error) {
	var v apierr.Violations
	ou := req.GetOrgUnit()
	if ou == nil {
		v.Add("org_unit", "is required")
		return app.NewUnit{}, v.Err()
	}
	in := app.NewUnit{
		ID:          req.GetOrgUnitId(),
		DisplayName: checkDisplayName(&v, "org_unit.display_name", ou.GetDisplayName(), true),
		Code:        checkCode(&v, "org_unit.code", ou.GetCode()),
		Address:     checkAddress(&v, "org_unit.address", ou.GetAddress()),
		Location:    checkUnitLocation(&v, "org_unit.location", ou.GetLocation()),
	}
	if in.ID != "" && !idPattern.MatchString(in.ID) {
		v.Add("org_unit_id", "%q is not a valid id: use 1 to 63 lower-case letters, digits and hyphens, starting with a letter", in.ID)
	}
	switch t := ou.GetType(); {
	case t == rosterv1.OrgUnit_TYPE_UNSPECIFIED:
		v.Add("org_unit.type", "is required: TYPE_HEAD_OFFICE, TYPE_BRANCH, TYPE_SUB_BRANCH or TYPE_TEAM")
	case !orgunit.Type(t).Valid():
		v.Add("org_unit.type", "%d is not a known type: use TYPE_HEAD_OFFICE, TYPE_BRANCH, TYPE_SUB_BRANCH or TYPE_TEAM", int32(t))
	default:
		in.Type = orgunit.Type(t)
	}
	if ou.GetParent() != "" {
		in.ParentID = checkUnitName(&v, "org_unit.parent", ou.GetParent())
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return in, err
	}
	return in, v.Err()
}

var updatable = map[string]bool{"display_name": true, "code": true, "address": true, "location": true}

// ignoredInMask are fields an update mask may name without effect (AIP-203: output-only
// fields are ignored; name and etag identify and guard the update).
var ignoredInMask = map[string]bool{"name": true, "etag": true, "child_count": true, "create_time": true, "update_time": true}

func toChanges(req *rosterv1.UpdateOrgUnitRequest) (string, app.Changes, error) {
	var v apierr.Violations
	ou := req.GetOrgUnit()
	if ou == nil {
		v.Add("org_unit", "is required")
		return "", app.Changes{}, v.Err()
	}
	id := checkUnitName(&v, "org_unit.name", ou.GetName())
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 { // AIP-134: an absent mask means every field that is set
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"display_name", ou.GetDisplayName() != ""}, {"code", ou.GetCode() != ""}, {"address", ou.GetAddress() != ""},
			{"location", ou.GetLocation() != nil},
		} {
			if f.set {
				paths = append(paths, f.name)
			}
		}
		if len(paths) == 0 {
			v.Add("update_mask", "nothing to update: set display_name, code, address or location, or name them in update_mask")
		}
	}
	var c app.Changes
	locationPart := false
	for _, p := range paths {
		switch {
		case p == "*":
			c.DisplayName, c.Code, c.Address = ptr(ou.GetDisplayName()), ptr(ou.GetCode()), ptr(ou.GetAddress())
			c.SetLocation = true
		case p == "display_name":
			c.DisplayName = ptr(ou.GetDisplayName())
		case p == "code":
			c.Code = ptr(ou.GetCode())
		case p == "address":
			c.Address = ptr(ou.GetAddress())
		case p == "location": // without a location in the unit, clears it
			c.SetLocation = true
		case p == "location.latitude", p == "location.longitude":
			// A point is one value: these paths, which the gateway derives from a JSON
			// body holding a location, name the location as a whole.
			c.SetLocation, locationPart = true, true
		case p == "parent":
			c.Parent = ptr(strings.TrimPrefix(ou.GetParent(), orgUnitPrefix))
		case p == "type":
			t := orgunit.Type(ou.GetType())
			c.Type = &t
		case ignoredInMask[p]:
			// Identifiers and output-only fields: a client may PATCH back a whole unit it read.
		case !updatable[p]:
			v.Add("update_mask", "%q cannot be updated; updatable fields are display_name, code, address and location", p)
		}
	}
	if c.DisplayName != nil {
		checkDisplayName(&v, "org_unit.display_name", *c.DisplayName, true)
		*c.DisplayName = strings.TrimSpace(*c.DisplayName)
	}
	if c.Code != nil {
		*c.Code = checkCode(&v, "org_unit.code", *c.Code)
	}
	if c.Address != nil {
		*c.Address = checkAddress(&v, "org_unit.address", *c.Address)
	}
	if locationPart && ou.GetLocation() == nil {
		v.Add("org_unit.location", "is required when update_mask names location.latitude or location.longitude; to clear the location, name location and leave it unset")
	}
	if c.SetLocation {
		c.Location = checkUnitLocation(&v, "org_unit.location", ou.GetLocation())
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return id, c, err
	}
	return id, c, v.Err()
}

func ptr(s string) *string { return &s }

func unitID(field, name string) (string, error) {
	var v apierr.Violations
	id := checkUnitName(&v, field, name)
	return id, v.Err()
}

func checkUnitName(v *apierr.Violations, field, name string) string {
	id, ok := strings.CutPrefix(name, orgUnitPrefix)
	switch {
	case name == "":
		v.Add(field, "is required, e.g. orgUnits/head-office")
	case !ok || !idPattern.MatchString(id):
		v.Add(field, "%q is not an org unit name: want orgUnits/{id} with an id of lower-case letters, digits and hyphens", name)
	}
	return id
}

func checkDisplayName(v *apierr.Violations, field, name string, required bool) string {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0 && required:
		v.Add(field, "is required and must not be blank")
	case n > 100:
		v.Add(field, "is %d characters long; the limit is 100", n)
	}
	return name
}

func checkCode(v *apierr.Violations, field, code string) string {
	code = strings.TrimSpace(code)
	if code != "" && !codePattern.MatchString(code) {
		v.Add(field, "%q is not a valid code: use up to 32 letters, digits and hyphens", code)
	}
	return code
}

// checkUnitLocation converts a unit's location (nil: unknown), adding a violation
// per coordinate out of range.
func checkUnitLocation(v *apierr.Violations, field string, p *latlng.LatLng) *orgunit.Location {
	if p == nil {
		return nil
	}
	addErr(v, field+".latitude", orgunit.CheckLatitude(p.GetLatitude()))
	addErr(v, field+".longitude", orgunit.CheckLongitude(p.GetLongitude()))
	return &orgunit.Location{Lat: p.GetLatitude(), Lng: p.GetLongitude()}
}

func checkAddress(v *apierr.Violations, field, addr string) string {
	addr = strings.TrimSpace(addr)
	if n := utf8.RuneCountInString(addr); n > 200 {
		v.Add(field, "is %d characters long; the limit is 200", n)
	}
	return addr
}
