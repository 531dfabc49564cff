// Package orgunit holds the rules of the bank's organisation tree: head office (总行)
// → branch (分行) → sub-branch (支行) → team (营销团队). It has no I/O.
package orgunit

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors; the service's error table maps them to gRPC codes.
var (
	ErrNotFound       = errors.New("org unit not found")
	ErrParentNotFound = errors.New("parent org unit not found")
	ErrNesting        = errors.New("org unit cannot sit under that parent")
	ErrCycle          = errors.New("org unit cannot move into its own subtree")
	ErrHasChildren    = errors.New("org unit still has child units")
	ErrAlreadyExists  = errors.New("org unit already exists")
	ErrImmutable      = errors.New("field cannot change")
)

// Type is the kind of unit. The numbers match the wire enum.
type Type int

// The kinds of unit, from the root down.
const (
	HeadOffice Type = 1
	Branch     Type = 2
	SubBranch  Type = 3
	Team       Type = 4
)

// Valid reports whether t is one of the four kinds.
func (t Type) Valid() bool { return t >= HeadOffice && t <= Team }

func (t Type) String() string {
	switch t {
	case HeadOffice:
		return "head office"
	case Branch:
		return "branch"
	case SubBranch:
		return "sub-branch"
	case Team:
		return "team"
	}
	return "unknown type " + strconv.Itoa(int(t))
}

// allowedParents lists, per type, the types its parent may have. A team may sit
// directly under a branch (branch-level marketing teams) or under a sub-branch.
var allowedParents = map[Type][]Type{
	HeadOffice: nil,
	Branch:     {HeadOffice},
	SubBranch:  {Branch},
	Team:       {SubBranch, Branch},
}

// Unit is one org unit.
type Unit struct {
	ID          string
	DisplayName string
	Type        Type
	ParentID    string // "" for the head office
	Code        string // the bank's own code; "" when not set
	Address     string
	Location    *Location // where the address is; nil when unknown
	// Path lists the ids from the root down to and including this unit, as
	// "/id1/id2/…/idN/", so that a subtree is every unit whose path starts with it.
	Path       string
	ChildCount int
	Revision   int64
	CreateTime time.Time
	UpdateTime time.Time
}

// Location is a point on the map (WGS 84 degrees).
type Location struct {
	Lat, Lng float64
}

// CheckLatitude checks a latitude in degrees; it answers nil when it is fine.
func CheckLatitude(lat float64) error {
	if !(lat >= -90 && lat <= 90) { // also refuses NaN
		return fmt.Errorf("%v is not a latitude: want degrees from -90 to 90, e.g. 31.2304", lat)
	}
	return nil
}

// CheckLongitude checks a longitude in degrees; it answers nil when it is fine.
func CheckLongitude(lng float64) error {
	if !(lng >= -180 && lng <= 180) { // also refuses NaN
		return fmt.Errorf("%v is not a longitude: want degrees from -180 to 180, e.g. 121.4737", lng)
	}
	return nil
}

// Etag is an opaque tag of the unit's revision.
func (u Unit) Etag() string {
	sum := sha256.Sum256([]byte(u.ID + ":" + strconv.FormatInt(u.Revision, 10)))
	return hex.EncodeToString(sum[:8])
}

// PathUnder is the path of a unit with id placed under parent (nil: the root).
func PathUnder(parent *Unit, id string) string {
	if parent == nil {
		return "/" + id + "/"
	}
	return parent.Path + id + "/"
}

// CheckParent verifies that a unit of type t may sit under parent (nil: no parent).
func CheckParent(t Type, parent *Unit) error {
	allowed := allowedParents[t]
	if parent == nil {
		if len(allowed) == 0 {
			return nil
		}
		return fmt.Errorf("%w: a %s needs a parent (%s)", ErrNesting, t, typeList(allowed))
	}
	if len(allowed) == 0 {
		return fmt.Errorf("%w: the head office is the root of the tree and has no parent", ErrNesting)
	}
	for _, a := range allowed {
		if parent.Type == a {
			return nil
		}
	}
	return fmt.Errorf("%w: a %s must sit under a %s, but orgUnits/%s is a %s",
		ErrNesting, t, typeList(allowed), parent.ID, parent.Type)
}

// CheckMove verifies that u may move under newParent: not into its own subtree, and
// to a parent of the right type.
func CheckMove(u, newParent Unit) error {
	if strings.HasPrefix(newParent.Path, u.Path) {
		if newParent.ID == u.ID {
			return fmt.Errorf("%w: orgUnits/%s cannot be its own parent", ErrCycle, u.ID)
		}
		return fmt.Errorf("%w: orgUnits/%s lies inside orgUnits/%s", ErrCycle, newParent.ID, u.ID)
	}
	return CheckParent(u.Type, &newParent)
}

// CheckDelete verifies that u may be deleted: it has no child units.
func CheckDelete(u Unit) error {
	if u.ChildCount > 0 {
		return fmt.Errorf("%w: orgUnits/%s has %d child unit(s); move or delete them first", ErrHasChildren, u.ID, u.ChildCount)
	}
	return nil
}

func typeList(ts []Type) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.String()
	}
	return strings.Join(names, " or ")
}
