// Package devusers is the demonstration bank's people (and one bank system) that
// `make run` seeds: one list for `rmsuite token` and for the gateway's dev sign-in.
// Production users come from the bank's identity provider.
package devusers

import "github.com/rmsuite/rmsuite/pkg/auth"

// User is a person (or system) of the demonstration bank.
type User struct {
	EmployeeNo, Name string
	Roles            []auth.Role
	OrgUnit          string
}

// Person reports whether u is a person (not a bank system's service account).
func (u User) Person() bool {
	for _, r := range u.Roles {
		if r == auth.System {
			return false
		}
	}
	return true
}

// Users covers every role, placed in the seeded org tree.
var Users = []User{
	{"E0001", "王敏", []auth.Role{auth.Administrator}, "head-office"},
	{"E0002", "刘洋", []auth.Role{auth.HROfficer}, "head-office"},
	{"E0003", "陈静", []auth.Role{auth.Committee}, "head-office"},
	{"E1100", "赵强", []auth.Role{auth.BranchHead}, "branch-east"},
	{"E1200", "孙丽", []auth.Role{auth.BranchHead}, "branch-west"},
	{"E1101", "周杰", []auth.Role{auth.Supervisor}, "team-lujiazui"},
	{"E1201", "吴芳", []auth.Role{auth.Supervisor}, "team-hongqiao"},
	{"E3001", "郑伟", []auth.Role{auth.CustomerManager}, "team-lujiazui"},
	{"E3002", "冯霞", []auth.Role{auth.CustomerManager}, "team-lujiazui"},
	{"E3003", "何磊", []auth.Role{auth.CustomerManager}, "team-hongqiao"},
	{"svc:core-banking", "核心业务系统", []auth.Role{auth.System}, "head-office"},
}

// Find returns the user with employee number no.
func Find(no string) (User, bool) {
	for _, u := range Users {
		if u.EmployeeNo == no {
			return u, true
		}
	}
	return User{}, false
}
