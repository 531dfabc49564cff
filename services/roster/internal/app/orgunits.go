// Package app holds the roster's use cases. It declares the repositories it needs;
// adapters implement them.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/orgunit"
)

// OrgUnitRepository stores org units. Get answers orgunit.ErrNotFound for a missing
// unit; Insert answers orgunit.ErrAlreadyExists when the id, the code or a second
// head office collides; Update and Move answer apierr.ErrEtagMismatch when the stored
// revision is no longer prevRevision.
type OrgUnitRepository interface {
	Get(ctx context.Context, id string) (orgunit.Unit, error)
	// List reads the units a caller with access may see.
	List(ctx context.Context, req aip.Request, access orgunit.Access) (units []orgunit.Unit, nextPageToken string, total int, err error)
	Count(ctx context.Context) (int, error)
	Insert(ctx context.Context, u orgunit.Unit) error
	Update(ctx context.Context, u orgunit.Unit, prevRevision int64) error
	// Move re-parents u (whose ParentID and Path already hold the new values) and
	// rewrites the paths of its whole subtree from oldPath to u.Path.
	Move(ctx context.Context, u orgunit.Unit, oldPath string, prevRevision int64) error
	Delete(ctx context.Context, id string) error
}

// ChangeLog hears of every change, inside the change's transaction (the audit log).
// before is nil for a creation, after for a deletion.
type ChangeLog interface {
	Changed(ctx context.Context, before, after *orgunit.Unit) error
}

// Transactor runs a function in one transaction carried by its context.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// OrgUnits are the org-unit use cases.
type OrgUnits struct {
	repo    OrgUnitRepository
	tx      Transactor
	now     func() time.Time
	changes ChangeLog
}

// NewOrgUnits wires the use cases; now gives the storage time (UTC, microseconds);
// changes (may be nil) hears of every change.
func NewOrgUnits(repo OrgUnitRepository, tx Transactor, now func() time.Time, changes ChangeLog) *OrgUnits {
	return &OrgUnits{repo: repo, tx: tx, now: now, changes: changes}
}

func (s *OrgUnits) changed(ctx context.Context, before, after *orgunit.Unit) error {
	if s.changes == nil {
		return nil
	}
	return s.changes.Changed(ctx, before, after)
}

// NewUnit is what a caller gives to create a unit. ID may be empty.
type NewUnit struct {
	ID          string
	DisplayName string
	Type        orgunit.Type
	ParentID    string
	Code        string
	Address     string
	Location    *orgunit.Location // nil when unknown
}

// Create adds a unit under an existing parent of the right type.
func (s *OrgUnits) Create(ctx context.Context, in NewUnit) (orgunit.Unit, error) {
	var out orgunit.Unit
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		access, err := s.access(ctx)
		if err != nil {
			return err
		}
		var parent *orgunit.Unit
		if in.ParentID != "" {
			p, err := s.repo.Get(ctx, in.ParentID)
			if errors.Is(err, orgunit.ErrNotFound) || (err == nil && !access.CanRead(p)) {
				return fmt.Errorf("%w: orgUnits/%s does not exist", orgunit.ErrParentNotFound, in.ParentID)
			}
			if err != nil {
				return err
			}
			if !access.CanWrite(p) {
				return fmt.Errorf("%w: you may not add units under orgUnits/%s", orgunit.ErrPermissionDenied, p.ID)
			}
			parent = &p
		} else if !access.WriteAll {
			return fmt.Errorf("%w: only an administrator may create the head office", orgunit.ErrPermissionDenied)
		}
		if err := orgunit.CheckParent(in.Type, parent); err != nil {
			return err
		}
		id := in.ID
		if id == "" {
			id = newID()
		}
		now := s.now()
		u := orgunit.Unit{
			ID: id, DisplayName: in.DisplayName, Type: in.Type, ParentID: in.ParentID,
			Code: in.Code, Address: in.Address, Location: in.Location, Path: orgunit.PathUnder(parent, id),
			Revision: 1, CreateTime: now, UpdateTime: now,
		}
		if err := s.repo.Insert(ctx, u); err != nil {
			return err
		}
		out = u
		return s.changed(ctx, nil, &u)
	})
	return out, err
}

// Get reads one unit the caller may see; others answer not found.
func (s *OrgUnits) Get(ctx context.Context, id string) (orgunit.Unit, error) {
	access, err := s.access(ctx)
	if err != nil {
		return orgunit.Unit{}, err
	}
	u, err := s.repo.Get(ctx, id)
	if err == nil && !access.CanRead(u) {
		return orgunit.Unit{}, fmt.Errorf("%w: orgUnits/%s", orgunit.ErrNotFound, id)
	}
	return u, err
}

// List reads one page of the units the caller may see.
func (s *OrgUnits) List(ctx context.Context, req aip.Request) ([]orgunit.Unit, string, int, error) {
	access, err := s.access(ctx)
	if err != nil {
		return nil, "", 0, err
	}
	return s.repo.List(ctx, req, access)
}

// access is what the caller in ctx may see and change. Calls without a verified
// caller are refused: the guard gives every API call one, and internal callers
// (seeding) state theirs.
func (s *OrgUnits) access(ctx context.Context) (orgunit.Access, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return orgunit.Access{}, fmt.Errorf("%w: no verified caller", orgunit.ErrPermissionDenied)
	}
	a := orgunit.Access{
		ReadAll:      p.HasAny(auth.Administrator, auth.HROfficer, auth.Committee, auth.System),
		WriteAll:     p.Has(auth.Administrator),
		WriteSubtree: p.Has(auth.BranchHead),
	}
	if p.OrgUnit != "" && !(a.ReadAll && a.WriteAll) {
		home, err := s.repo.Get(ctx, p.OrgUnit)
		if err != nil && !errors.Is(err, orgunit.ErrNotFound) {
			return a, err
		}
		a.Home = home.Path // "" when the home unit does not exist: sees nothing
	}
	return a, nil
}

// Changes are the fields an update sets; nil leaves a field as it is. Type and
// Parent cannot change through an update: when given they must equal the current
// values (a client may send back a whole unit it read).
type Changes struct {
	DisplayName *string
	Code        *string
	Address     *string
	SetLocation bool
	Location    *orgunit.Location // with SetLocation: nil clears it
	Type        *orgunit.Type
	Parent      *string // parent id
}

// Update renames a unit or changes its code, address or location. etag, when not empty, must
// be the unit's current etag.
func (s *OrgUnits) Update(ctx context.Context, id, etag string, c Changes) (orgunit.Unit, error) {
	var out orgunit.Unit
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.current(ctx, id, etag)
		if err != nil {
			return err
		}
		before := u
		if c.Type != nil && *c.Type != u.Type {
			return fmt.Errorf("%w: type cannot change after create (orgUnits/%s is a %s)", orgunit.ErrImmutable, id, u.Type)
		}
		if c.Parent != nil && *c.Parent != u.ParentID {
			return fmt.Errorf("%w: parent cannot change through an update; move the unit with POST /v1/orgUnits/%s:move", orgunit.ErrImmutable, id)
		}
		if c.DisplayName != nil {
			u.DisplayName = *c.DisplayName
		}
		if c.Code != nil {
			u.Code = *c.Code
		}
		if c.Address != nil {
			u.Address = *c.Address
		}
		if c.SetLocation {
			u.Location = c.Location
		}
		prev := u.Revision
		u.Revision++
		u.UpdateTime = s.now()
		if err := s.repo.Update(ctx, u, prev); err != nil {
			return err
		}
		out = u
		return s.changed(ctx, &before, &u)
	})
	return out, err
}

// Move places a unit, with its subtree, under another parent.
func (s *OrgUnits) Move(ctx context.Context, id, newParentID, etag string) (orgunit.Unit, error) {
	var out orgunit.Unit
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.current(ctx, id, etag)
		if err != nil {
			return err
		}
		access, err := s.access(ctx)
		if err != nil {
			return err
		}
		parent, err := s.repo.Get(ctx, newParentID)
		if errors.Is(err, orgunit.ErrNotFound) || (err == nil && !access.CanRead(parent)) {
			return fmt.Errorf("%w: orgUnits/%s does not exist", orgunit.ErrParentNotFound, newParentID)
		}
		if err != nil {
			return err
		}
		if !access.CanWrite(parent) {
			return fmt.Errorf("%w: you may not move units under orgUnits/%s", orgunit.ErrPermissionDenied, parent.ID)
		}
		if err := orgunit.CheckMove(u, parent); err != nil {
			return err
		}
		if parent.ID == u.ParentID {
			out = u // already there: nothing changes
			return s.changed(ctx, &u, &u)
		}
		before := u
		oldPath, prev := u.Path, u.Revision
		u.ParentID = parent.ID
		u.Path = orgunit.PathUnder(&parent, u.ID)
		u.Revision++
		u.UpdateTime = s.now()
		if err := s.repo.Move(ctx, u, oldPath, prev); err != nil {
			return err
		}
		out = u
		return s.changed(ctx, &before, &u)
	})
	return out, err
}

// Delete removes a unit that has no child units.
func (s *OrgUnits) Delete(ctx context.Context, id, etag string) error {
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.current(ctx, id, etag)
		if err != nil {
			return err
		}
		if err := orgunit.CheckDelete(u); err != nil {
			return err
		}
		if err := s.repo.Delete(ctx, id); err != nil {
			return err
		}
		return s.changed(ctx, &u, nil)
	})
}

// Seed creates units, in order, when the store holds none yet; it reports whether it
// did. Parents must come before their children.
func (s *OrgUnits) Seed(ctx context.Context, units []NewUnit) (bool, error) {
	ctx = auth.WithPrincipal(ctx, SeedCaller)
	seeded := false
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		n, err := s.repo.Count(ctx)
		if err != nil || n > 0 {
			return err
		}
		for _, u := range units {
			if _, err := s.Create(ctx, u); err != nil {
				return fmt.Errorf("seed orgUnits/%s: %w", u.ID, err)
			}
		}
		seeded = true
		return nil
	})
	return seeded, err
}

// current reads a unit the caller may change and checks the caller's etag.
func (s *OrgUnits) current(ctx context.Context, id, etag string) (orgunit.Unit, error) {
	access, err := s.access(ctx)
	if err != nil {
		return orgunit.Unit{}, err
	}
	u, err := s.repo.Get(ctx, id)
	if err != nil {
		return u, err
	}
	if !access.CanWrite(u) {
		return u, fmt.Errorf("%w: you may not change orgUnits/%s", orgunit.ErrPermissionDenied, id)
	}
	if etag != "" && etag != u.Etag() {
		return u, fmt.Errorf("%w (orgUnits/%s)", apierr.ErrEtagMismatch, id)
	}
	return u, nil
}

// SeedCaller is who seeding acts as.
var SeedCaller = auth.Principal{Subject: "system:seed", Roles: []auth.Role{auth.Administrator}}

// newID makes a server-chosen unit id: "ou-" and 10 base-32 characters.
func newID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "ou-" + string(b)
}
