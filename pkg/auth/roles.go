package auth

import "slices"

// Permission is one thing a role may do. Permissions are named
// <service>.<collection>.<verb>; each service's Rules say which one each RPC needs.
type Permission string

// The permissions of the suite.
const (
	OrgUnitsRead  Permission = "roster.orgUnits.read"
	OrgUnitsWrite Permission = "roster.orgUnits.write"
	AuditRead     Permission = "audit.records.read"
)

// RolePermissions is what each role may do — the one table of the suite. Object
// scope (own records, team, subtree) narrows it further inside each service.
var RolePermissions = map[Role][]Permission{
	CustomerManager: {OrgUnitsRead},
	Supervisor:      {OrgUnitsRead, AuditRead},
	BranchHead:      {OrgUnitsRead, OrgUnitsWrite, AuditRead},
	HROfficer:       {OrgUnitsRead, AuditRead},
	Committee:       {OrgUnitsRead, AuditRead},
	Administrator:   {OrgUnitsRead, OrgUnitsWrite, AuditRead},
	System:          {OrgUnitsRead},
}

// Allowed reports whether any of p's roles grants perm.
func Allowed(p Principal, perm Permission) bool {
	for _, r := range p.Roles {
		if slices.Contains(RolePermissions[r], perm) {
			return true
		}
	}
	return false
}
