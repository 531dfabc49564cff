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
	// Approvals: reading one's own and those in scope; deciding on others' actions.
	// Each action also names the permission its approver needs.
	ApprovalsRead   Permission = "approvals.read"
	ApprovalsDecide Permission = "approvals.decide"
)

// RolePermissions is what each role may do — the one table of the suite. Object
// scope (own records, team, subtree) narrows it further inside each service.
var RolePermissions = map[Role][]Permission{
	CustomerManager: {OrgUnitsRead, ApprovalsRead},
	Supervisor:      {OrgUnitsRead, AuditRead, ApprovalsRead, ApprovalsDecide},
	BranchHead:      {OrgUnitsRead, OrgUnitsWrite, AuditRead, ApprovalsRead, ApprovalsDecide},
	HROfficer:       {OrgUnitsRead, AuditRead, ApprovalsRead, ApprovalsDecide},
	Committee:       {OrgUnitsRead, AuditRead, ApprovalsRead, ApprovalsDecide},
	Administrator:   {OrgUnitsRead, OrgUnitsWrite, AuditRead, ApprovalsRead, ApprovalsDecide},
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
