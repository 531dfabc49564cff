// Package auth is the suite's one identity and access mechanism: it verifies bearer
// tokens (JWT, keys from a JWKS file or URL), carries the caller in the context, and
// checks every RPC against the permission it declares.
//
// A token names a user (an employee number) or a service account, their roles and
// their home org unit. What each role may do is the table in roles.go; what each RPC
// needs is a table beside each service (Rules); an RPC without a rule fails closed.
package auth

import (
	"context"
	"slices"
)

// Role is what a caller is allowed to act as.
type Role string

// The suite's roles.
const (
	CustomerManager Role = "customer_manager" // 客户经理: own records
	Supervisor      Role = "supervisor"       // 客户经理主管: their team
	BranchHead      Role = "branch_head"      // 行长: their org subtree
	HROfficer       Role = "hr_officer"       // 人力资源部: grades, pay of their subtree
	Committee       Role = "committee"        // 考评委员会: assessments, promotions, appeals
	Administrator   Role = "administrator"    // configuration, org structure
	System          Role = "system"           // other bank systems (service accounts)
)

// Roles lists every role, for validation and documentation.
var Roles = []Role{CustomerManager, Supervisor, BranchHead, HROfficer, Committee, Administrator, System}

// Principal is the verified caller.
type Principal struct {
	Subject string // employee number, or "svc:<name>" for a service account
	Name    string
	Roles   []Role
	OrgUnit string // home org unit id, e.g. "team-lujiazui"
	// OnBehalfOf is the user a system acts for, when it says so.
	OnBehalfOf string
}

// Has reports whether the principal holds role r.
func (p Principal) Has(r Role) bool { return slices.Contains(p.Roles, r) }

// HasAny reports whether the principal holds one of rs.
func (p Principal) HasAny(rs ...Role) bool {
	for _, r := range rs {
		if p.Has(r) {
			return true
		}
	}
	return false
}

// BankWide reports whether the principal's scope is the whole bank (administrator,
// HR, assessment committee) rather than their own org subtree.
func (p Principal) BankWide() bool { return p.HasAny(Administrator, HROfficer, Committee) }

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the verified caller; ok is false for unauthenticated calls
// (health, reflection).
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
