package manager

import (
	"strings"

	"github.com/rmsuite/rmsuite/pkg/auth"
)

// Scope is which managers one caller may see: everybody (bank-wide roles and other
// bank systems), an org subtree (supervisors, branch heads: their home unit's), and
// always their own record.
type Scope struct {
	All  bool
	Path string // home unit's path; "" for none
	Self string // the caller's employee number
}

// ScopeOf is p's read scope; home is the path of p's home unit ("" when unknown).
func ScopeOf(p auth.Principal, home string) Scope {
	if p.BankWide() || p.Has(auth.System) {
		return Scope{All: true}
	}
	s := Scope{Self: p.Subject}
	if p.HasAny(auth.Supervisor, auth.BranchHead) {
		s.Path = home
	}
	return s
}

// Sees reports whether a record in the unit at orgPath, of manager id, is visible.
func (s Scope) Sees(id, orgPath string) bool {
	return s.All || (s.Path != "" && strings.HasPrefix(orgPath, s.Path)) || (s.Self != "" && id == s.Self)
}

// Writes reports whether p may change a record in the unit at orgPath: bank-wide
// roles anywhere, branch heads inside their subtree. (What kind of change is allowed
// at all is the RPC's permission.)
func Writes(p auth.Principal, home, orgPath string) bool {
	if p.BankWide() || p.Has(auth.System) {
		return true
	}
	return p.Has(auth.BranchHead) && home != "" && strings.HasPrefix(orgPath, home)
}
