package customer

import (
	"strings"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
)

// Scope is which customers one caller may see: the managers' read scope
// (manager.ScopeOf) carried over to the customers they serve. Everybody (bank-wide
// roles, other bank systems), the customers whose primary manager sits in an org
// subtree (supervisors, branch heads: their home unit's), and always the customers
// the caller serves as primary or backup manager.
type Scope struct {
	All  bool
	Path string // home unit's path; "" for none
	Self string // the caller's employee number
}

// ScopeOf is p's read scope; home is the path of p's home unit ("" when unknown).
func ScopeOf(p auth.Principal, home string) Scope {
	s := manager.ScopeOf(p, home)
	return Scope{All: s.All, Path: s.Path, Self: s.Self}
}

// Sees reports whether c is visible.
func (s Scope) Sees(c Customer) bool {
	return s.All || (s.Path != "" && strings.HasPrefix(c.OrgPath, s.Path)) ||
		(s.Self != "" && (c.PrimaryManagerID == s.Self || c.BackupManagerID == s.Self))
}

// Writes reports whether p may change the portfolio of a manager in the unit at
// orgPath — a customer served there, or a manager receiving customers: bank-wide
// roles and other bank systems anywhere, supervisors and branch heads inside their
// home subtree. (Whether p may change customers at all is the RPC's permission.)
func Writes(p auth.Principal, home, orgPath string) bool {
	if p.BankWide() || p.Has(auth.System) {
		return true
	}
	return p.HasAny(auth.Supervisor, auth.BranchHead) && home != "" && strings.HasPrefix(orgPath, home)
}

// CommonPath is the deepest org path that contains every path given ("/" for none
// in common, "" for no paths): where a change touching several units is filed in
// the audit log.
func CommonPath(paths ...string) string {
	if len(paths) == 0 {
		return ""
	}
	common := paths[0]
	for _, p := range paths[1:] {
		for !strings.HasPrefix(p, common) {
			// Drop the last "id/" segment.
			i := strings.LastIndex(strings.TrimSuffix(common, "/"), "/")
			if i < 0 {
				return "/"
			}
			common = common[:i+1]
		}
	}
	if common == "" {
		return "/"
	}
	return common
}
