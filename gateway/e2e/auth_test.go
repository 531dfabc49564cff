package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	"github.com/rmsuite/rmsuite/pkg/discovery"
	"github.com/rmsuite/rmsuite/proto/openapi"
)

// Every REST route of the merged OpenAPI document refuses a call without a token.
func TestEveryRouteNeedsAToken(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapi.Document, &doc); err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`\{[^}]+\}`)
	routes := 0
	for path, methods := range doc.Paths {
		concrete := param.ReplaceAllString(path, "orgUnits/head-office")
		for method := range methods {
			routes++
			var e errorAnswer
			if code := callAs(t, "", strings.ToUpper(method), concrete, nil, &e); code != http.StatusUnauthorized {
				t.Errorf("%s %s without a token: HTTP %d, want 401", strings.ToUpper(method), concrete, code)
			}
		}
	}
	if routes < 6 {
		t.Fatalf("walked %d routes; the API has at least 6", routes)
	}
}

// Every RPC of every service instance registered in etcd (found through reflection)
// refuses a call without a token, except health and reflection.
func TestEveryRPCOfEveryServiceNeedsAToken(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	instances, err := discovery.List(ctx, sys.etcdClient, "")
	if err != nil {
		t.Fatal(err)
	}
	services := map[string]bool{}
	for _, in := range instances {
		services[in.Meta.Service] = true
		conn, err := grpc.NewClient(in.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range authtest.Methods(t, conn) {
			if rule, ok := auth.KitRules[m.FullName]; ok && rule.Public {
				continue
			}
			if code := authtest.Call(conn, m, ""); code != codes.Unauthenticated {
				t.Errorf("%s %s without a token: %v, want Unauthenticated", in.Meta.Service, m.FullName, code)
			}
		}
		conn.Close()
	}
	for _, want := range []string{"roster", "assessment", "compensation", "visits"} {
		if !services[want] {
			t.Errorf("no %s instance registered to walk", want)
		}
	}
}

// A supervisor of one team sees nothing of another and cannot change it; a branch
// head sees their whole subtree and nothing of the other branch.
func TestOrgScopeOverREST(t *testing.T) {
	supervisorA := sys.tokenFor("E1101", "team-lujiazui", auth.Supervisor)
	var e errorAnswer
	if code := callAs(t, supervisorA, "GET", "/v1/orgUnits/team-hongqiao", nil, &e); code != http.StatusNotFound {
		t.Fatalf("supervisor of team A reading team B: HTTP %d, want 404", code)
	}
	if code := callAs(t, supervisorA, "PATCH", "/v1/orgUnits/team-hongqiao", map[string]any{"displayName": "x"}, &e); code != http.StatusForbidden {
		t.Fatalf("supervisor of team A changing team B: HTTP %d, want 403", code)
	}
	var mine listAnswer
	callAs(t, supervisorA, "GET", "/v1/orgUnits?pageSize=100", nil, &mine)
	for _, u := range mine.OrgUnits {
		if u.Name == "orgUnits/team-hongqiao" || u.Name == "orgUnits/branch-west" || u.Name == "orgUnits/team-zhangjiang" {
			t.Errorf("supervisor of team A sees %s", u.Name)
		}
	}
	if len(mine.OrgUnits) != 4 { // their team, its sub-branch, branch and the head office
		t.Errorf("supervisor of team A sees %d units, want 4: %+v", len(mine.OrgUnits), mine.OrgUnits)
	}

	head := sys.tokenFor("E1100", "branch-east", auth.BranchHead)
	var subtree listAnswer
	callAs(t, head, "GET", "/v1/orgUnits?pageSize=100", nil, &subtree)
	seen := map[string]bool{}
	for _, u := range subtree.OrgUnits {
		seen[u.Name] = true
	}
	for _, want := range []string{"branch-east", "sub-lujiazui", "sub-zhangjiang", "team-lujiazui", "team-zhangjiang", "head-office"} {
		if !seen["orgUnits/"+want] {
			t.Errorf("branch head of branch-east does not see %s", want)
		}
	}
	for _, not := range []string{"branch-west", "sub-hongqiao", "team-hongqiao"} {
		if seen["orgUnits/"+not] {
			t.Errorf("branch head of branch-east sees %s", not)
		}
	}
	if code := callAs(t, head, "DELETE", "/v1/orgUnits/team-hongqiao", nil, &e); code != http.StatusForbidden {
		t.Fatalf("branch head deleting in another branch: HTTP %d, want 403", code)
	}
}

// The audit log of each service is readable over REST, and records the changes made
// through the gateway with the caller as actor.
func TestAuditLogOverREST(t *testing.T) {
	body := map[string]any{"displayName": "审计演示团队", "type": "TYPE_TEAM", "parent": "orgUnits/sub-jingan"}
	var u orgUnit
	if code := call(t, "POST", "/v1/orgUnits?orgUnitId=team-audit-e2e", body, &u); code != http.StatusOK {
		t.Fatalf("create: HTTP %d", code)
	}
	t.Cleanup(func() { call(t, "DELETE", "/v1/orgUnits/team-audit-e2e", nil, nil) })
	var log struct {
		AuditRecords []struct {
			Actor, Method, Object string
			After                 map[string]any
		} `json:"auditRecords"`
	}
	path := `/v1/services/roster/auditRecords?filter=object%3D%22orgUnits%2Fteam-audit-e2e%22`
	if code := call(t, "GET", path, nil, &log); code != http.StatusOK {
		t.Fatalf("audit log: HTTP %d", code)
	}
	if len(log.AuditRecords) != 1 || log.AuditRecords[0].Actor != "E0001" ||
		!strings.HasSuffix(log.AuditRecords[0].Method, "/CreateOrgUnit") || log.AuditRecords[0].After["displayName"] != "审计演示团队" {
		t.Fatalf("audit records = %+v", log.AuditRecords)
	}
	var e errorAnswer
	if code := call(t, "GET", "/v1/services/payroll/auditRecords", nil, &e); code != http.StatusNotFound {
		t.Fatalf("unknown service log: HTTP %d", code)
	}
}

// Approvals of every service are reachable over REST (routed by the service in the
// path), within the caller's scope.
func TestApprovalsOverREST(t *testing.T) {
	var list struct {
		Approvals []map[string]any `json:"approvals"`
	}
	for _, svc := range []string{"roster", "assessment", "compensation", "visits"} {
		if code := call(t, "GET", "/v1/services/"+svc+"/approvals?filter=state%3DPENDING", nil, &list); code != http.StatusOK {
			t.Fatalf("approvals of %s: HTTP %d", svc, code)
		}
	}
	var e errorAnswer
	if code := call(t, "POST", "/v1/services/roster/approvals/nope:approve", map[string]any{}, &e); code != http.StatusNotFound {
		t.Fatalf("approving a missing approval: HTTP %d (%s)", code, e.Error.Message)
	}
	cm := sys.tokenFor("E3001", "team-lujiazui", auth.CustomerManager)
	if code := callAs(t, cm, "POST", "/v1/services/roster/approvals/nope:approve", map[string]any{}, &e); code != http.StatusForbidden {
		t.Fatalf("a customer manager deciding: HTTP %d, want 403", code)
	}
}
