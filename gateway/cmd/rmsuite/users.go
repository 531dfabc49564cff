package main

import "github.com/rmsuite/rmsuite/pkg/auth"

// devUser is a person (or system) of the demonstration bank that `make run` seeds.
// Production users come from the bank's identity provider.
type devUser struct {
	employeeNo, name string
	roles            []auth.Role
	orgUnit          string
}

// devUsers covers every role, placed in the seeded org tree.
var devUsers = []devUser{
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
