package orgunit

import (
	"errors"
	"strings"
)

// ErrPermissionDenied: the caller may not change this part of the tree.
var ErrPermissionDenied = errors.New("permission denied")

// Access is what one caller may see and change in the tree.
//
// Everybody sees their home unit, its subtree and its ancestors (the path up to the
// head office); some roles see everything. Changing needs WriteAll, or WriteSubtree
// and a unit inside the caller's home subtree.
type Access struct {
	ReadAll, WriteAll bool
	WriteSubtree      bool
	Home              string // path of the caller's home unit; "" when it has none
}

// CanRead reports whether u is visible.
func (a Access) CanRead(u Unit) bool {
	if a.ReadAll {
		return true
	}
	return a.Home != "" && (strings.HasPrefix(u.Path, a.Home) || strings.HasPrefix(a.Home, u.Path))
}

// CanWrite reports whether u may be changed (or, for a parent, receive children).
func (a Access) CanWrite(u Unit) bool {
	if a.WriteAll {
		return true
	}
	return a.WriteSubtree && a.Home != "" && strings.HasPrefix(u.Path, a.Home)
}
