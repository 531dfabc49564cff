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
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/orgunit"
)

// OrgUnitRepository stores org units. Get answers orgunit.ErrNotFound for a missing
// unit; Insert answers orgunit.ErrAlreadyExists when the id, the code or a second
// head office collides; Update and Move answer apierr.ErrEtagMismatch when the stored
// revision is no longer prevRevision.
type OrgUnitRepository interface {
	Get(ctx context.Context, id string) (orgunit.Unit, error)
	List(ctx context.Context, req aip.Request) (units []orgunit.Unit, nextPageToken string, total int, err error)
	Count(ctx context.Context) (int, error)
	Insert(ctx context.Context, u orgunit.Unit) error
	Update(ctx context.Context, u orgunit.Unit, prevRevision int64) error
	// Move re-parents u (whose ParentID and Path already hold the new values) and
	// rewrites the paths of its whole subtree from oldPath to u.Path.
	Move(ctx context.Context, u orgunit.Unit, oldPath string, prevRevision int64) error
	Delete(ctx context.Context, id string) error
}

// Transactor runs a function in one transaction carried by its context.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// OrgUnits are the org-unit use cases.
type OrgUnits struct {
	repo OrgUnitRepository
	tx   Transactor
	now  func() time.Time
}

// NewOrgUnits wires the use cases; now gives the storage time (UTC, microseconds).
func NewOrgUnits(repo OrgUnitRepository, tx Transactor, now func() time.Time) *OrgUnits {
	return &OrgUnits{repo: repo, tx: tx, now: now}
}

// NewUnit is what a caller gives to create a unit. ID may be empty.
type NewUnit struct {
	ID          string
	DisplayName string
	Type        orgunit.Type
	ParentID    string
	Code        string
	Address     string
}

// Create adds a unit under an existing parent of the right type.
func (s *OrgUnits) Create(ctx context.Context, in NewUnit) (orgunit.Unit, error) {
	var out orgunit.Unit
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var parent *orgunit.Unit
		if in.ParentID != "" {
			p, err := s.repo.Get(ctx, in.ParentID)
			if errors.Is(err, orgunit.ErrNotFound) {
				return fmt.Errorf("%w: orgUnits/%s does not exist", orgunit.ErrParentNotFound, in.ParentID)
			}
			if err != nil {
				return err
			}
			parent = &p
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
			Code: in.Code, Address: in.Address, Path: orgunit.PathUnder(parent, id),
			Revision: 1, CreateTime: now, UpdateTime: now,
		}
		if err := s.repo.Insert(ctx, u); err != nil {
			return err
		}
		out = u
		return nil
	})
	return out, err
}

// Get reads one unit.
func (s *OrgUnits) Get(ctx context.Context, id string) (orgunit.Unit, error) {
	return s.repo.Get(ctx, id)
}

// List reads one page of units.
func (s *OrgUnits) List(ctx context.Context, req aip.Request) ([]orgunit.Unit, string, int, error) {
	return s.repo.List(ctx, req)
}

// Changes are the fields an update sets; nil leaves a field as it is. Type and
// Parent cannot change through an update: when given they must equal the current
// values (a client may send back a whole unit it read).
type Changes struct {
	DisplayName *string
	Code        *string
	Address     *string
	Type        *orgunit.Type
	Parent      *string // parent id
}

// Update renames a unit or changes its code or address. etag, when not empty, must
// be the unit's current etag.
func (s *OrgUnits) Update(ctx context.Context, id, etag string, c Changes) (orgunit.Unit, error) {
	var out orgunit.Unit
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.current(ctx, id, etag)
		if err != nil {
			return err
		}
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
		prev := u.Revision
		u.Revision++
		u.UpdateTime = s.now()
		if err := s.repo.Update(ctx, u, prev); err != nil {
			return err
		}
		out = u
		return nil
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
		parent, err := s.repo.Get(ctx, newParentID)
		if errors.Is(err, orgunit.ErrNotFound) {
			return fmt.Errorf("%w: orgUnits/%s does not exist", orgunit.ErrParentNotFound, newParentID)
		}
		if err != nil {
			return err
		}
		if err := orgunit.CheckMove(u, parent); err != nil {
			return err
		}
		if parent.ID == u.ParentID {
			out = u // already there: nothing changes
			return nil
		}
		oldPath, prev := u.Path, u.Revision
		u.ParentID = parent.ID
		u.Path = orgunit.PathUnder(&parent, u.ID)
		u.Revision++
		u.UpdateTime = s.now()
		if err := s.repo.Move(ctx, u, oldPath, prev); err != nil {
			return err
		}
		out = u
		return nil
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
		return s.repo.Delete(ctx, id)
	})
}

// Seed creates units, in order, when the store holds none yet; it reports whether it
// did. Parents must come before their children.
func (s *OrgUnits) Seed(ctx context.Context, units []NewUnit) (bool, error) {
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

// current reads a unit and checks the caller's etag against it.
func (s *OrgUnits) current(ctx context.Context, id, etag string) (orgunit.Unit, error) {
	u, err := s.repo.Get(ctx, id)
	if err != nil {
		return u, err
	}
	if etag != "" && etag != u.Etag() {
		return u, fmt.Errorf("%w (orgUnits/%s)", apierr.ErrEtagMismatch, id)
	}
	return u, nil
}

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
