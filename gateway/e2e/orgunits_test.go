package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"

	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	"github.com/rmsuite/rmsuite/pkg/discovery"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

type orgUnit struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	Type        string `json:"type"`
	Parent      string `json:"parent"`
	Etag        string `json:"etag"`
	ChildCount  int    `json:"childCount"`
}

type listAnswer struct {
	OrgUnits      []orgUnit `json:"orgUnits"`
	NextPageToken string    `json:"nextPageToken"`
	TotalSize     int       `json:"totalSize"`
}

type errorAnswer struct {
	Error struct {
		Code            int    `json:"code"`
		Status          string `json:"status"`
		Message         string `json:"message"`
		FieldViolations []struct {
			Field       string `json:"field"`
			Description string `json:"description"`
		} `json:"fieldViolations"`
		RequestID string `json:"requestId"`
	} `json:"error"`
}

func total(t *testing.T) int {
	t.Helper()
	var l listAnswer
	if code := call(t, "GET", "/v1/orgUnits?pageSize=1", nil, &l); code != http.StatusOK {
		t.Fatalf("list: HTTP %d", code)
	}
	return l.TotalSize
}

func TestSeedTreeOverREST(t *testing.T) {
	var l listAnswer
	if code := call(t, "GET", "/v1/orgUnits?pageSize=100", nil, &l); code != http.StatusOK {
		t.Fatalf("GET /v1/orgUnits: HTTP %d", code)
	}
	if l.TotalSize != 11 || len(l.OrgUnits) != 11 {
		t.Fatalf("seed tree has %d units (total %d), want 1 head office + 2 branches + 4 sub-branches + 4 teams", len(l.OrgUnits), l.TotalSize)
	}
	count := map[string]int{}
	for _, u := range l.OrgUnits {
		count[u.Type]++
	}
	if count["TYPE_HEAD_OFFICE"] != 1 || count["TYPE_BRANCH"] != 2 || count["TYPE_SUB_BRANCH"] != 4 || count["TYPE_TEAM"] != 4 {
		t.Fatalf("types = %v", count)
	}
	var page listAnswer
	call(t, "GET", `/v1/orgUnits?filter=parent%3D%22orgUnits%2Fbranch-east%22&orderBy=display_name%20desc`, nil, &page)
	if len(page.OrgUnits) != 2 || page.OrgUnits[0].DisplayName != "陆家嘴支行" {
		t.Fatalf("children of branch-east = %+v", page.OrgUnits)
	}
}

func TestGRPCThroughEtcdAndReflection(t *testing.T) {
	conn, err := discovery.Dial(sys.etcdClient, "roster", grpc.WithPerRPCCredentials(authtest.Bearer(sys.adminToken)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u, err := rosterv1.NewRosterServiceClient(conn).GetOrgUnit(ctx, &rosterv1.GetOrgUnitRequest{Name: "orgUnits/head-office"})
	if err != nil || u.GetDisplayName() != "总行" {
		t.Fatalf("GetOrgUnit through etcd:///rmsuite/services/roster = %v, %v", u, err)
	}

	// What `grpcurl -plaintext <addr> list` shows.
	direct, err := grpc.NewClient(sys.rosterAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	stream, err := reflectionpb.NewServerReflectionClient(direct).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	for _, want := range []string{"rmsuite.roster.v1.RosterService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"} {
		if !slices.Contains(names, want) {
			t.Errorf("reflection lists %v; missing %s", names, want)
		}
	}

	list, err := discovery.List(ctx, sys.etcdClient, "roster")
	if err != nil || len(list) != 1 || list[0].Addr != sys.rosterAddr || list[0].Meta.PID != sys.roster.Process.Pid {
		t.Fatalf("etcd registrations = %+v, %v; want one for the running roster at %s", list, err, sys.rosterAddr)
	}
}

func TestInvalidInputOverREST(t *testing.T) {
	before := total(t)
	cases := []struct {
		name, method, path string
		body               any
		status             int
		inMessage          string
		field              string
	}{
		{"unknown parent", "POST", "/v1/orgUnits", map[string]any{"displayName": "x", "type": "TYPE_BRANCH", "parent": "orgUnits/ghost"}, 400, "does not exist", ""},
		{"wrong nesting", "POST", "/v1/orgUnits", map[string]any{"displayName": "x", "type": "TYPE_SUB_BRANCH", "parent": "orgUnits/head-office"}, 400, "must sit under a branch", ""},
		{"cycle", "POST", "/v1/orgUnits/branch-east:move", map[string]any{"newParent": "orgUnits/team-lujiazui"}, 400, "lies inside", ""},
		{"empty name", "POST", "/v1/orgUnits", map[string]any{"displayName": " ", "type": "TYPE_BRANCH", "parent": "orgUnits/head-office"}, 400, "", "org_unit.display_name"},
		{"malformed JSON", "POST", "/v1/orgUnits", `{"displayName": "x",`, 400, "not valid JSON", ""},
		{"oversized body", "POST", "/v1/orgUnits", `{"displayName": "` + strings.Repeat("x", 70000) + `"}`, 400, "larger than the limit", ""},
		{"bad filter", "GET", "/v1/orgUnits?filter=colour%3D%22red%22", nil, 400, "", "filter"},
		{"missing", "GET", "/v1/orgUnits/nope", nil, 404, "nope", ""},
		{"delete with children", "DELETE", "/v1/orgUnits/branch-east", nil, 409, "child unit", ""},
		{"stale etag", "PATCH", "/v1/orgUnits/branch-east", map[string]any{"displayName": "x", "etag": "stale"}, 409, "etag", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var e errorAnswer
			code := call(t, c.method, c.path, c.body, &e)
			if code != c.status || e.Error.Code != c.status {
				t.Fatalf("HTTP %d (body code %d, %q), want %d", code, e.Error.Code, e.Error.Message, c.status)
			}
			if c.inMessage != "" && !strings.Contains(e.Error.Message, c.inMessage) {
				t.Errorf("message %q should mention %q", e.Error.Message, c.inMessage)
			}
			if c.field != "" && !slices.ContainsFunc(e.Error.FieldViolations, func(v struct {
				Field       string `json:"field"`
				Description string `json:"description"`
			}) bool {
				return v.Field == c.field
			}) {
				t.Errorf("field violations %+v should name %s", e.Error.FieldViolations, c.field)
			}
			if e.Error.RequestID == "" {
				t.Errorf("error body has no request id")
			}
		})
	}
	if after := total(t); after != before {
		t.Fatalf("failed calls changed the store: %d units, want %d", after, before)
	}
	var u orgUnit
	call(t, "GET", "/v1/orgUnits/branch-east", nil, &u)
	if u.DisplayName != "城东分行" || u.Parent != "orgUnits/head-office" {
		t.Fatalf("branch-east changed by failed calls: %+v", u)
	}
}

func TestSameRequestIDCreatesOneUnit(t *testing.T) {
	before := total(t)
	body := map[string]any{"displayName": "南京东路支行", "type": "TYPE_SUB_BRANCH", "parent": "orgUnits/branch-west"}
	var first, second orgUnit
	if code := call(t, "POST", "/v1/orgUnits?requestId=e2e-retry-1", body, &first); code != http.StatusOK {
		t.Fatalf("create: HTTP %d", code)
	}
	if code := call(t, "POST", "/v1/orgUnits?requestId=e2e-retry-1", body, &second); code != http.StatusOK {
		t.Fatalf("retry: HTTP %d", code)
	}
	if first.Name == "" || first != second {
		t.Fatalf("retry answered %+v, first call %+v", second, first)
	}
	if after := total(t); after != before+1 {
		t.Fatalf("%d units after a create and its retry, want %d", after, before+1)
	}
}

func TestPatchBackWholeUnit(t *testing.T) {
	var u map[string]any
	if code := call(t, "GET", "/v1/orgUnits/sub-hongqiao", nil, &u); code != http.StatusOK {
		t.Fatalf("get: HTTP %d", code)
	}
	u["displayName"] = "虹桥商务区支行"
	var updated orgUnit
	if code := call(t, "PATCH", "/v1/orgUnits/sub-hongqiao", u, &updated); code != http.StatusOK {
		t.Fatalf("PATCH of the whole unit as read: HTTP %d", code)
	}
	if updated.DisplayName != "虹桥商务区支行" || updated.Etag == u["etag"] {
		t.Fatalf("updated = %+v", updated)
	}
	u["etag"], u["parent"] = updated.Etag, "orgUnits/branch-east"
	var e errorAnswer
	if code := call(t, "PATCH", "/v1/orgUnits/sub-hongqiao", u, &e); code != http.StatusBadRequest || !strings.Contains(e.Error.Message, ":move") {
		t.Fatalf("PATCH changing parent: HTTP %d %q, want 400 pointing to :move", code, e.Error.Message)
	}
}

// Runs last: it kills and restarts the roster.
func TestZKilledRosterLeavesEtcdAndComesBack(t *testing.T) {
	if err := sys.roster.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = sys.roster.Wait()
	killed := time.Now()
	if err := sys.waitRegistered(0, registrationTTL+3*time.Second); err != nil {
		t.Fatalf("registration of the killed roster still in etcd: %v", err)
	}
	t.Logf("registration gone %s after kill -9 (TTL %s)", time.Since(killed).Round(100*time.Millisecond), registrationTTL)
	var e errorAnswer
	if code := call(t, "GET", "/v1/orgUnits/head-office", nil, &e); code != http.StatusServiceUnavailable {
		t.Fatalf("with no roster the gateway answers HTTP %d (%s), want 503", code, e.Error.Message)
	}

	if err := sys.startRoster(); err != nil {
		t.Fatal(err)
	}
	// The same gateway process, never restarted, serves again.
	deadline := time.Now().Add(15 * time.Second)
	for {
		var u orgUnit
		code := call(t, "GET", "/v1/orgUnits/head-office", nil, &u)
		if code == http.StatusOK && u.DisplayName == "总行" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway does not serve again after the roster restarted (HTTP %d)", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
