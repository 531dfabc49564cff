package gateway_test

// Component tests of the REST gateway: a real gRPC server on 127.0.0.1:0 with a
// scripted RosterService (fake_roster_test.go) and the standard health service,
// the gateway built by gateway.New with static backends, driven over real HTTP.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"

	"github.com/rmsuite/rmsuite/gateway/internal/gateway"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	"github.com/rmsuite/rmsuite/pkg/logging"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

const bodyLimit = 1024

// env is one backend plus one gateway in front of it.
type env struct {
	url    string
	token  string // an administrator's token, sent by do unless a test sets Authorization
	fake   *fakeRoster
	health *health.Server

	mu   sync.Mutex
	seen []*http.Request // requests as the gateway's HTTP server received them
}

type setup struct {
	cfg gateway.Config
	log *zap.Logger
}

func newEnv(t *testing.T, tweaks ...func(*setup)) *env {
	t.Helper()
	addr, fake, hs := startBackend(t)
	iss := authtest.New(t)
	s := setup{
		cfg: gateway.Config{
			Backends:       []string{"roster=" + addr},
			MaxBodyBytes:   bodyLimit,
			RequestTimeout: 5 * time.Second,
			Logging:        logging.Config{LogFormat: "json", LogLevel: "error"},
			Auth:           iss.Config,
		},
		log: zap.NewNop(),
	}
	for _, f := range tweaks {
		f(&s)
	}
	if err := s.cfg.Validate(); err != nil {
		t.Fatalf("test config does not validate: %v", err)
	}
	gw, err := gateway.New(t.Context(), s.cfg, nil, s.log)
	if err != nil {
		t.Fatalf("gateway.New: %v", err)
	}
	t.Cleanup(gw.Close)
	e := &env{fake: fake, health: hs, token: iss.Token(t, "E0001", "head-office", auth.Administrator)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.seen = append(e.seen, r.Clone(context.Background()))
		e.mu.Unlock()
		gw.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

func withConfig(f func(*gateway.Config)) func(*setup) {
	return func(s *setup) { f(&s.cfg) }
}

func (e *env) lastSeen(t *testing.T) *http.Request {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.seen) == 0 {
		t.Fatal("the gateway saw no request")
	}
	return e.seen[len(e.seen)-1]
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

var client = &http.Client{Timeout: 10 * time.Second}

// do sends a request; headers are given as name, value pairs.
func (e *env) do(t *testing.T, method, path string, body io.Reader, headers ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func (e *env) get(t *testing.T, path string, headers ...string) reply {
	t.Helper()
	return e.do(t, http.MethodGet, path, nil, headers...)
}

func wantStatus(t *testing.T, r reply, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body: %s", r.status, want, r.body)
	}
}

func wantJSONContentType(t *testing.T, r reply) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
}

// object decodes a JSON object body.
func object(t *testing.T, r reply) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v; body: %s", err, r.body)
	}
	return m
}

// apiError checks that r is the gateway's error JSON with the given status and
// returns its content. It checks the wire names of the keys independently of the
// Go struct tags, and that requestId matches the X-Request-Id response header.
func apiError(t *testing.T, r reply, httpStatus int, grpcStatus string) gateway.ErrorDetail {
	t.Helper()
	wantStatus(t, r, httpStatus)
	wantJSONContentType(t, r)
	var raw map[string]map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatalf("error body is not {\"error\": {...}}: %v; body: %s", err, r.body)
	}
	if len(raw) != 1 || raw["error"] == nil {
		t.Fatalf("error body has top-level keys other than \"error\": %s", r.body)
	}
	for _, k := range []string{"code", "status", "message", "requestId"} {
		if _, ok := raw["error"][k]; !ok {
			t.Errorf("error body lacks %q: %s", k, r.body)
		}
	}
	for k := range raw["error"] {
		if !slices.Contains([]string{"code", "status", "message", "requestId", "fieldViolations"}, k) {
			t.Errorf("error body has unexpected key %q: %s", k, r.body)
		}
	}
	var body gateway.ErrorBody
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("decode error body: %v; body: %s", err, r.body)
	}
	d := body.Error
	if d.Code != httpStatus {
		t.Errorf("error.code %d, want %d", d.Code, httpStatus)
	}
	if d.Status != grpcStatus {
		t.Errorf("error.status %q, want %q", d.Status, grpcStatus)
	}
	if d.Message == "" {
		t.Error("error.message is empty")
	}
	if id := r.header.Get("X-Request-Id"); id == "" || d.RequestID != id {
		t.Errorf("error.requestId %q, X-Request-Id header %q: want both set and equal", d.RequestID, id)
	}
	return d
}

func wantProto(t *testing.T, got, want proto.Message) {
	t.Helper()
	if !proto.Equal(got, want) {
		t.Errorf("backend got\n\t%v\nwant\n\t%v", got, want)
	}
}

// ---------------------------------------------------------------------------
// Routing: each REST call reaches the right RPC with the right fields.

func TestGetOrgUnit(t *testing.T) {
	e := newEnv(t)
	r := e.get(t, "/v1/orgUnits/east")
	wantStatus(t, r, http.StatusOK)
	wantJSONContentType(t, r)

	c := e.fake.only(t, "GetOrgUnit")
	wantProto(t, c.req, &rosterv1.GetOrgUnitRequest{Name: "orgUnits/east"})

	got := object(t, r)
	want := map[string]any{
		"name":        "orgUnits/east",
		"displayName": "城东分行",
		"type":        "TYPE_BRANCH",
		"parent":      "orgUnits/ho",
		"code":        "310101",
		"childCount":  float64(3),
		"createTime":  "2024-01-02T03:04:05Z",
		"etag":        "etag-1",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("response %q = %#v, want %#v", k, got[k], v)
		}
	}
	// Unset fields are left out (EmitUnpopulated: false), names are lowerCamelCase.
	for _, k := range []string{"address", "updateTime", "display_name", "child_count"} {
		if _, ok := got[k]; ok {
			t.Errorf("response has %q: %s", k, r.body)
		}
	}
}

func TestListOrgUnitsQueryParameters(t *testing.T) {
	e := newEnv(t)
	r := e.get(t, `/v1/orgUnits?page_size=25&pageToken=tok-1&filter=parent+%3D+%22orgUnits%2Fho%22+AND+type+%3D+TYPE_BRANCH&order_by=code+desc`)
	wantStatus(t, r, http.StatusOK)

	c := e.fake.only(t, "ListOrgUnits")
	wantProto(t, c.req, &rosterv1.ListOrgUnitsRequest{
		PageSize:  25,
		PageToken: "tok-1",
		Filter:    `parent = "orgUnits/ho" AND type = TYPE_BRANCH`,
		OrderBy:   "code desc",
	})

	got := object(t, r)
	units, _ := got["orgUnits"].([]any)
	if len(units) != 2 {
		t.Fatalf("orgUnits has %d entries, want 2: %s", len(units), r.body)
	}
	if n := units[1].(map[string]any)["name"]; n != "orgUnits/west" {
		t.Errorf("orgUnits[1].name = %v, want orgUnits/west", n)
	}
	if got["nextPageToken"] != "page-2" || got["totalSize"] != float64(7) {
		t.Errorf("nextPageToken %v, totalSize %v; want page-2, 7", got["nextPageToken"], got["totalSize"])
	}
}

func TestListOrgUnitsBadQueryParameter(t *testing.T) {
	e := newEnv(t)
	d := apiError(t, e.get(t, "/v1/orgUnits?page_size=many"), http.StatusBadRequest, "INVALID_ARGUMENT")
	if !strings.Contains(d.Message, "page_size") {
		t.Errorf("message %q does not name page_size", d.Message)
	}
	if n := len(e.fake.Calls()); n != 0 {
		t.Errorf("backend called %d times for an unparsable query", n)
	}
}

func TestCreateOrgUnit(t *testing.T) {
	e := newEnv(t)
	body := `{"displayName":"城西分行","type":"TYPE_BRANCH","parent":"orgUnits/ho","code":"310102","address":"西大街 1 号"}`
	r := e.do(t, http.MethodPost, "/v1/orgUnits?orgUnitId=west&request_id=req-7", strings.NewReader(body), "Content-Type", "application/json")
	wantStatus(t, r, http.StatusOK)

	c := e.fake.only(t, "CreateOrgUnit")
	wantProto(t, c.req, &rosterv1.CreateOrgUnitRequest{
		OrgUnit: &rosterv1.OrgUnit{
			DisplayName: "城西分行",
			Type:        rosterv1.OrgUnit_TYPE_BRANCH,
			Parent:      "orgUnits/ho",
			Code:        "310102",
			Address:     "西大街 1 号",
		},
		OrgUnitId: "west",
		RequestId: "req-7",
	})
	got := object(t, r)
	if got["name"] != "orgUnits/west" || got["displayName"] != "城西分行" || got["address"] != "西大街 1 号" {
		t.Errorf("response %s does not describe the created unit", r.body)
	}
}

func TestUpdateOrgUnitDerivesUpdateMaskFromBody(t *testing.T) {
	e := newEnv(t)
	r := e.do(t, http.MethodPatch, "/v1/orgUnits/east", strings.NewReader(`{"displayName":"城东新区分行","code":"310199","etag":"etag-1"}`))
	wantStatus(t, r, http.StatusOK)

	c := e.fake.only(t, "UpdateOrgUnit")
	req := c.req.(*rosterv1.UpdateOrgUnitRequest)
	wantProto(t, req.GetOrgUnit(), &rosterv1.OrgUnit{
		Name:        "orgUnits/east",
		DisplayName: "城东新区分行",
		Code:        "310199",
		Etag:        "etag-1",
	})
	paths := slices.Clone(req.GetUpdateMask().GetPaths())
	slices.Sort(paths)
	if want := []string{"code", "display_name", "etag"}; !slices.Equal(paths, want) {
		t.Errorf("update_mask %v, want %v (the fields present in the body)", paths, want)
	}
	got := object(t, r)
	if got["displayName"] != "城东新区分行" || got["code"] != "310199" || got["etag"] != "etag-2" {
		t.Errorf("response %s does not show the update", r.body)
	}
}

func TestMoveOrgUnit(t *testing.T) {
	e := newEnv(t)
	r := e.do(t, http.MethodPost, "/v1/orgUnits/east-team:move", strings.NewReader(`{"newParent":"orgUnits/west","etag":"etag-1","requestId":"req-9"}`))
	wantStatus(t, r, http.StatusOK)

	c := e.fake.only(t, "MoveOrgUnit")
	wantProto(t, c.req, &rosterv1.MoveOrgUnitRequest{
		Name:      "orgUnits/east-team",
		NewParent: "orgUnits/west",
		Etag:      "etag-1",
		RequestId: "req-9",
	})
	if got := object(t, r); got["parent"] != "orgUnits/west" {
		t.Errorf("response parent %v, want orgUnits/west", got["parent"])
	}
}

func TestDeleteOrgUnit(t *testing.T) {
	e := newEnv(t)
	r := e.do(t, http.MethodDelete, "/v1/orgUnits/east?etag=etag-3&requestId=req-1", nil)
	wantStatus(t, r, http.StatusOK)
	if got := object(t, r); len(got) != 0 {
		t.Errorf("delete answered %s, want {}", r.body)
	}
	c := e.fake.only(t, "DeleteOrgUnit")
	wantProto(t, c.req, &rosterv1.DeleteOrgUnitRequest{Name: "orgUnits/east", Etag: "etag-3", RequestId: "req-1"})
}

// ---------------------------------------------------------------------------
// Backend errors become the gateway's error JSON with the right HTTP status.

func TestInvalidArgumentWithFieldViolations(t *testing.T) {
	e := newEnv(t)
	r := e.do(t, http.MethodPost, "/v1/orgUnits", strings.NewReader(`{"parent":"orgUnits/ho"}`), "X-Request-Id", "req-invalid")
	d := apiError(t, r, http.StatusBadRequest, "INVALID_ARGUMENT")
	if d.Message != "the org unit is not valid" {
		t.Errorf("message %q, want the backend's message unchanged", d.Message)
	}
	want := []gateway.FieldViolation{
		{Field: "org_unit.display_name", Description: "must be 1 to 100 characters"},
		{Field: "org_unit.type", Description: "is required"},
	}
	if !slices.Equal(d.FieldViolations, want) {
		t.Errorf("fieldViolations %+v, want %+v", d.FieldViolations, want)
	}
	if d.RequestID != "req-invalid" {
		t.Errorf("requestId %q, want req-invalid", d.RequestID)
	}
	// Wire names of the violations.
	var raw struct {
		Error struct {
			FieldViolations []map[string]string `json:"fieldViolations"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.body, &raw)
	if len(raw.Error.FieldViolations) != 2 || raw.Error.FieldViolations[0]["field"] != "org_unit.display_name" ||
		raw.Error.FieldViolations[0]["description"] != "must be 1 to 100 characters" {
		t.Errorf("fieldViolations on the wire: %s", r.body)
	}
	e.fake.only(t, "CreateOrgUnit")
}

func TestBackendErrorStatuses(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, method, path, body string
		httpStatus               int
		status, message          string
	}{
		{"not found", http.MethodGet, "/v1/orgUnits/missing", "", http.StatusNotFound, "NOT_FOUND", `org unit "orgUnits/missing" not found`},
		{"failed precondition on delete", http.MethodDelete, "/v1/orgUnits/has-children", "", http.StatusConflict, "FAILED_PRECONDITION", "orgUnits/has-children still has child units"},
		{"failed precondition on move", http.MethodPost, "/v1/orgUnits/east:move", `{"newParent":"orgUnits/east-team"}`, http.StatusConflict, "FAILED_PRECONDITION", "orgUnits/east-team lies inside the subtree of orgUnits/east"},
		{"aborted on stale etag", http.MethodPatch, "/v1/orgUnits/east", `{"displayName":"x","etag":"stale"}`, http.StatusConflict, "ABORTED", "the org unit changed since you read it; read it again"},
		{"already exists", http.MethodPost, "/v1/orgUnits?orgUnitId=ho", `{"displayName":"总行","type":"TYPE_HEAD_OFFICE"}`, http.StatusConflict, "ALREADY_EXISTS", "org unit orgUnits/ho already exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			d := apiError(t, e.do(t, tc.method, tc.path, body), tc.httpStatus, tc.status)
			if d.Message != tc.message {
				t.Errorf("message %q, want %q", d.Message, tc.message)
			}
			if len(d.FieldViolations) != 0 {
				t.Errorf("fieldViolations %v, want none", d.FieldViolations)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Bodies the gateway refuses before calling a backend.

func TestMalformedJSONBody(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodPost, "/v1/orgUnits", `{"displayName": "x",`},
		{http.MethodPost, "/v1/orgUnits", `{displayName: "x"}`},
		{http.MethodPatch, "/v1/orgUnits/east", `{"displayName": }`},
		{http.MethodPost, "/v1/orgUnits/east:move", `["orgUnits/ho"`},
	} {
		t.Run(tc.method+" "+tc.body, func(t *testing.T) {
			d := apiError(t, e.do(t, tc.method, tc.path, strings.NewReader(tc.body)), http.StatusBadRequest, "INVALID_ARGUMENT")
			if !strings.Contains(d.Message, "not valid JSON") {
				t.Errorf("message %q does not say the body is not valid JSON", d.Message)
			}
		})
	}
	if n := len(e.fake.Calls()); n != 0 {
		t.Errorf("backend called %d times for malformed bodies", n)
	}
}

func TestUnknownJSONFieldIsRejected(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodPost, "/v1/orgUnits", `{"displayName":"城西分行","type":"TYPE_BRANCH","colour":"red"}`},
		{http.MethodPatch, "/v1/orgUnits/east", `{"displayName":"x","colour":"red"}`},
		{http.MethodPost, "/v1/orgUnits/east:move", `{"newParent":"orgUnits/ho","colour":"red"}`},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			d := apiError(t, e.do(t, tc.method, tc.path, strings.NewReader(tc.body)), http.StatusBadRequest, "INVALID_ARGUMENT")
			if !strings.Contains(d.Message, "colour") || !strings.Contains(d.Message, "unknown field") {
				t.Errorf("message %q does not name the unknown field", d.Message)
			}
			if !strings.Contains(d.Message, "not valid JSON") {
				t.Errorf("message %q lacks the gateway's explanation", d.Message)
			}
		})
	}
	if n := len(e.fake.Calls()); n != 0 {
		t.Errorf("backend called %d times for bodies with unknown fields", n)
	}
}

// hideLength hides a reader's type so net/http cannot learn its length and sends
// the body chunked.
type hideLength struct{ io.Reader }

// createBody is a valid CreateOrgUnit body of exactly n bytes (n >= 64).
func createBody(n int) string {
	b := `{"displayName":"城西分行","type":"TYPE_BRANCH","parent":"orgUnits/ho"}`
	return b + strings.Repeat(" ", n-len(b))
}

func TestBodySizeLimit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		size    int
		chunked bool
		ok      bool
	}{
		{"content-length at the limit", bodyLimit, false, true},
		{"content-length one over", bodyLimit + 1, false, false},
		{"content-length far over", 64 * bodyLimit, false, false},
		{"chunked at the limit", bodyLimit, true, true},
		{"chunked one over", bodyLimit + 1, true, false},
		{"chunked far over", 64 * bodyLimit, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			body := createBody(tc.size)
			if len(body) != tc.size {
				t.Fatalf("test body is %d bytes, want %d", len(body), tc.size)
			}
			req, err := http.NewRequest(http.MethodPost, e.url+"/v1/orgUnits?orgUnitId=west", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+e.token)
			if tc.chunked {
				req.Body = io.NopCloser(hideLength{strings.NewReader(body)})
				req.ContentLength = -1
			} else {
				req.Body = io.NopCloser(strings.NewReader(body))
				req.ContentLength = int64(len(body))
			}
			r := send(t, req)

			seen := e.lastSeen(t)
			if gotChunked := slices.Contains(seen.TransferEncoding, "chunked"); gotChunked != tc.chunked || (tc.chunked && seen.ContentLength != -1) {
				t.Fatalf("request arrived with Transfer-Encoding %v, Content-Length %d; the test meant chunked=%v",
					seen.TransferEncoding, seen.ContentLength, tc.chunked)
			}
			if tc.ok {
				wantStatus(t, r, http.StatusOK)
				c := e.fake.only(t, "CreateOrgUnit")
				if got := c.req.(*rosterv1.CreateOrgUnitRequest).GetOrgUnit().GetDisplayName(); got != "城西分行" {
					t.Errorf("backend got display_name %q", got)
				}
				return
			}
			d := apiError(t, r, http.StatusBadRequest, "INVALID_ARGUMENT")
			if !strings.Contains(d.Message, "limit of 1024 bytes") {
				t.Errorf("message %q does not name the limit", d.Message)
			}
			if n := len(e.fake.Calls()); n != 0 {
				t.Errorf("backend called %d times for an oversized body", n)
			}
		})
	}
}

// A declared Content-Length above the limit is refused from the headers alone:
// the gateway answers without waiting for (or reading) the body. (The length is
// above net/http's 256 KiB post-handler drain, or the server itself would wait to
// discard the body before answering.)
func TestBodySizeLimitFromContentLengthAlone(t *testing.T) {
	e := newEnv(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Headers only; the promised body never comes.
	_, err = fmt.Fprintf(conn, "POST /v1/orgUnits HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: %d\r\nX-Request-Id: big-1\r\nAuthorization: Bearer %s\r\n\r\n", 1<<20, e.token)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer before the body was sent: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	d := apiError(t, reply{status: resp.StatusCode, header: resp.Header, body: b}, http.StatusBadRequest, "INVALID_ARGUMENT")
	if !strings.Contains(d.Message, "limit of 1024 bytes") || d.RequestID != "big-1" {
		t.Errorf("error %+v", d)
	}
	if n := len(e.fake.Calls()); n != 0 {
		t.Errorf("backend called %d times", n)
	}
}

// ---------------------------------------------------------------------------
// Request ids.

var generatedID = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestRequestIDIsEchoedAndForwarded(t *testing.T) {
	e := newEnv(t)
	r := e.get(t, "/v1/orgUnits/east", "X-Request-Id", "client-req-42",
		// A client must not be able to slip in a second id through grpc-gateway's
		// metadata prefix.
		"Grpc-Metadata-X-Request-Id", "spoofed")
	wantStatus(t, r, http.StatusOK)
	if got := r.header.Get("X-Request-Id"); got != "client-req-42" {
		t.Errorf("response X-Request-Id %q, want client-req-42", got)
	}
	c := e.fake.only(t, "GetOrgUnit")
	if got := c.md.Get("x-request-id"); !slices.Equal(got, []string{"client-req-42"}) {
		t.Errorf("backend metadata x-request-id %q, want exactly [client-req-42]", got)
	}
}

func TestRequestIDIsGeneratedWhenMissingOrInvalid(t *testing.T) {
	e := newEnv(t)
	ids := map[string]bool{}
	for i, given := range []string{"", "has space", strings.Repeat("a", 129), "tab\tinside"} {
		var r reply
		if given == "" {
			r = e.get(t, "/v1/orgUnits/east")
		} else {
			r = e.get(t, "/v1/orgUnits/east", "X-Request-Id", given)
		}
		wantStatus(t, r, http.StatusOK)
		id := r.header.Get("X-Request-Id")
		if !generatedID.MatchString(id) {
			t.Errorf("given %q: response X-Request-Id %q, want a generated 24-hex-digit id", given, id)
		}
		if ids[id] {
			t.Errorf("generated id %q twice", id)
		}
		ids[id] = true
		calls := e.fake.Calls()
		if len(calls) != i+1 {
			t.Fatalf("backend has %d calls, want %d", len(calls), i+1)
		}
		if got := calls[i].md.Get("x-request-id"); !slices.Equal(got, []string{id}) {
			t.Errorf("given %q: backend metadata x-request-id %q, want [%s]", given, got, id)
		}
	}
	// The longest valid id is kept.
	long := strings.Repeat("b", 128)
	if got := e.get(t, "/v1/orgUnits/east", "X-Request-Id", long).header.Get("X-Request-Id"); got != long {
		t.Errorf("a 128-character id was replaced by %q", got)
	}
}

func TestRequestIDOnGatewayErrors(t *testing.T) {
	e := newEnv(t)
	// An error the gateway decides on itself, before any backend call.
	d := apiError(t, e.get(t, "/nowhere", "X-Request-Id", "r-404"), http.StatusNotFound, "NOT_FOUND")
	if d.RequestID != "r-404" {
		t.Errorf("requestId %q, want r-404", d.RequestID)
	}
	r := e.do(t, http.MethodPost, "/v1/orgUnits", strings.NewReader(createBody(2*bodyLimit)))
	d = apiError(t, r, http.StatusBadRequest, "INVALID_ARGUMENT")
	if !generatedID.MatchString(d.RequestID) {
		t.Errorf("requestId %q, want a generated id", d.RequestID)
	}
}

// ---------------------------------------------------------------------------
// Deadlines.

func TestRouteTimeouts(t *testing.T) {
	e := newEnv(t, withConfig(func(c *gateway.Config) {
		c.RequestTimeout = 5 * time.Second
		c.RouteTimeouts = []string{"/v1/orgUnits/sl=1500ms", "/v1/orgUnits/slow=200ms"}
	}))

	start := time.Now()
	r := e.get(t, "/v1/orgUnits/slow")
	elapsed := time.Since(start)
	d := apiError(t, r, http.StatusGatewayTimeout, "DEADLINE_EXCEEDED")
	if d.Message == "" {
		t.Error("empty message")
	}
	if elapsed > 1200*time.Millisecond {
		t.Errorf("answered after %v, want about 200ms (the route's own deadline)", elapsed)
	}
	c := e.fake.only(t, "GetOrgUnit")
	if c.deadline <= 0 || c.deadline > 200*time.Millisecond {
		t.Errorf("backend saw %v left, want at most 200ms", c.deadline)
	}

	// The longest matching prefix wins; others get the default.
	for _, tc := range []struct {
		path     string
		min, max time.Duration
	}{
		{"/v1/orgUnits/sleepy", time.Second, 1500 * time.Millisecond},
		{"/v1/orgUnits/east", 4 * time.Second, 5 * time.Second},
	} {
		before := len(e.fake.Calls())
		wantStatus(t, e.get(t, tc.path), http.StatusOK)
		calls := e.fake.Calls()
		if len(calls) != before+1 {
			t.Fatalf("%s: backend has %d calls, want %d", tc.path, len(calls), before+1)
		}
		if dl := calls[before].deadline; dl <= tc.min || dl > tc.max {
			t.Errorf("%s: backend saw %v left, want between %v and %v", tc.path, dl, tc.min, tc.max)
		}
	}
}

// ---------------------------------------------------------------------------
// CORS.

const appOrigin = "https://app.bank.example"

func TestCORSAllowedOrigin(t *testing.T) {
	e := newEnv(t, withConfig(func(c *gateway.Config) { c.CORSOrigins = []string{appOrigin, "https://other.bank.example"} }))

	r := e.get(t, "/v1/orgUnits/east", "Origin", appOrigin)
	wantStatus(t, r, http.StatusOK)
	if got := r.header.Get("Access-Control-Allow-Origin"); got != appOrigin {
		t.Errorf("Access-Control-Allow-Origin %q, want %q", got, appOrigin)
	}
	if !slices.Contains(r.header.Values("Vary"), "Origin") {
		t.Errorf("Vary %q lacks Origin", r.header.Values("Vary"))
	}
	if got := r.header.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "X-Request-Id") {
		t.Errorf("Access-Control-Expose-Headers %q does not expose X-Request-Id", got)
	}

	// Errors carry the headers too, or the browser hides them from the page.
	r = e.get(t, "/v1/orgUnits/missing", "Origin", appOrigin)
	apiError(t, r, http.StatusNotFound, "NOT_FOUND")
	if got := r.header.Get("Access-Control-Allow-Origin"); got != appOrigin {
		t.Errorf("error response Access-Control-Allow-Origin %q, want %q", got, appOrigin)
	}
}

func TestCORSPreflight(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	e := newEnv(t, withConfig(func(c *gateway.Config) { c.CORSOrigins = []string{appOrigin} }),
		func(s *setup) { s.log = zap.New(core) })

	r := e.do(t, http.MethodOptions, "/v1/orgUnits/east", nil,
		"Origin", appOrigin,
		"Access-Control-Request-Method", "PATCH",
		"Access-Control-Request-Headers", "content-type,x-request-id")
	wantStatus(t, r, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Errorf("preflight body %q, want none", r.body)
	}
	if got := r.header.Get("Access-Control-Allow-Origin"); got != appOrigin {
		t.Errorf("Access-Control-Allow-Origin %q, want %q", got, appOrigin)
	}
	methods := r.header.Get("Access-Control-Allow-Methods")
	for _, m := range []string{"GET", "POST", "PATCH", "DELETE"} {
		if !strings.Contains(methods, m) {
			t.Errorf("Access-Control-Allow-Methods %q lacks %s", methods, m)
		}
	}
	headers := strings.ToLower(r.header.Get("Access-Control-Allow-Headers"))
	for _, h := range []string{"content-type", "x-request-id", "authorization"} {
		if !strings.Contains(headers, h) {
			t.Errorf("Access-Control-Allow-Headers %q lacks %s", headers, h)
		}
	}
	if got := r.header.Get("Access-Control-Max-Age"); got != "600" {
		t.Errorf("Access-Control-Max-Age %q, want 600", got)
	}
	if n := len(e.fake.Calls()); n != 0 {
		t.Errorf("a preflight reached the backend (%d calls)", n)
	}
	// The preflight ends at the edge: the access log records 204, nothing routed it further.
	if entries := logs.FilterMessage("request").AllUntimed(); len(entries) != 1 || entries[0].ContextMap()["status"] != int64(204) {
		t.Errorf("access log %v, want one entry with status 204", entries)
	}

	// An OPTIONS request without Access-Control-Request-Method is not a preflight.
	r = e.do(t, http.MethodOptions, "/v1/orgUnits/east", nil, "Origin", appOrigin)
	if r.status == http.StatusNoContent || r.header.Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("plain OPTIONS answered %d with Access-Control-Allow-Methods %q, as if it were a preflight",
			r.status, r.header.Get("Access-Control-Allow-Methods"))
	}
}

func TestCORSDisallowedOrigin(t *testing.T) {
	e := newEnv(t, withConfig(func(c *gateway.Config) { c.CORSOrigins = []string{appOrigin} }))
	evil := "https://evil.example"

	r := e.get(t, "/v1/orgUnits/east", "Origin", evil)
	wantStatus(t, r, http.StatusOK) // served, but the browser will not let the page read it
	for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Access-Control-Allow-Methods"} {
		if v := r.header.Get(h); v != "" {
			t.Errorf("disallowed origin got %s: %q", h, v)
		}
	}

	r = e.do(t, http.MethodOptions, "/v1/orgUnits/east", nil, "Origin", evil, "Access-Control-Request-Method", "DELETE")
	if r.status == http.StatusNoContent || r.status < 400 {
		t.Errorf("preflight from a disallowed origin answered %d", r.status)
	}
	for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers"} {
		if v := r.header.Get(h); v != "" {
			t.Errorf("disallowed preflight got %s: %q", h, v)
		}
	}
	if n := len(e.fake.Calls()); n != 1 {
		t.Errorf("backend has %d calls, want 1 (the GET only)", n)
	}
}

func TestCORSWildcardAndDisabled(t *testing.T) {
	wild := newEnv(t, withConfig(func(c *gateway.Config) { c.CORSOrigins = []string{"*"} }))
	r := wild.get(t, "/v1/orgUnits/east", "Origin", "https://anyone.example")
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "https://anyone.example" {
		t.Errorf("with *: Access-Control-Allow-Origin %q, want the caller's origin", got)
	}

	off := newEnv(t) // no CORSOrigins
	r = off.do(t, http.MethodOptions, "/v1/orgUnits/east", nil, "Origin", appOrigin, "Access-Control-Request-Method", "GET")
	if r.status == http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS disabled: preflight answered %d with Access-Control-Allow-Origin %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
	}
}

// ---------------------------------------------------------------------------
// /healthz, /openapi.json, unknown routes.

func healthReport(t *testing.T, r reply) gateway.HealthReport {
	t.Helper()
	wantJSONContentType(t, r)
	var rep gateway.HealthReport
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("health report: %v; body: %s", err, r.body)
	}
	return rep
}

func TestHealthz(t *testing.T) {
	e := newEnv(t)

	r := e.get(t, "/healthz")
	wantStatus(t, r, http.StatusOK)
	rep := healthReport(t, r)
	if rep.Status != "SERVING" || len(rep.Backends) != 1 || rep.Backends["roster"] != "SERVING" {
		t.Errorf("report %+v, want SERVING with backends.roster SERVING", rep)
	}
	if got := object(t, r)["backends"].(map[string]any)["roster"]; got != "SERVING" {
		t.Errorf("wire backends.roster = %v", got)
	}

	r = e.get(t, "/healthz?service=roster")
	wantStatus(t, r, http.StatusOK)
	if rep := healthReport(t, r); rep.Backends["roster"] != "SERVING" {
		t.Errorf("?service=roster: %+v", rep)
	}

	e.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	r = e.get(t, "/healthz")
	wantStatus(t, r, http.StatusServiceUnavailable)
	rep = healthReport(t, r)
	if rep.Status != "NOT_SERVING" || rep.Backends["roster"] != "NOT_SERVING" {
		t.Errorf("report %+v, want NOT_SERVING with backends.roster NOT_SERVING", rep)
	}

	e.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	wantStatus(t, e.get(t, "/healthz"), http.StatusOK)

	// Health checks are not API calls.
	if n := len(e.fake.Calls()); n != 0 {
		t.Errorf("health checks reached the roster service (%d calls)", n)
	}
}

func TestHealthzUnknownService(t *testing.T) {
	e := newEnv(t)
	d := apiError(t, e.get(t, "/healthz?service=nope"), http.StatusNotFound, "NOT_FOUND")
	if !strings.Contains(d.Message, "roster") {
		t.Errorf("message %q does not list the known backends", d.Message)
	}
}

func TestHealthzUnreachableBackend(t *testing.T) {
	// A port nobody listens on.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := lis.Addr().String()
	lis.Close()

	e := newEnv(t, withConfig(func(c *gateway.Config) { c.Backends = append(c.Backends, "visits="+dead) }))
	r := e.get(t, "/healthz")
	wantStatus(t, r, http.StatusServiceUnavailable)
	rep := healthReport(t, r)
	if rep.Status != "NOT_SERVING" || rep.Backends["roster"] != "SERVING" || !strings.HasPrefix(rep.Backends["visits"], "UNAVAILABLE") {
		t.Errorf("report %+v, want NOT_SERVING, roster SERVING, visits UNAVAILABLE…", rep)
	}

	// Checking the healthy one alone is fine.
	r = e.get(t, "/healthz?service=roster")
	wantStatus(t, r, http.StatusOK)
	if rep := healthReport(t, r); len(rep.Backends) != 1 || rep.Backends["roster"] != "SERVING" {
		t.Errorf("?service=roster: %+v", rep)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	r := e.get(t, "/openapi.json")
	wantStatus(t, r, http.StatusOK)
	wantJSONContentType(t, r)
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatalf("/openapi.json is not valid JSON: %v", err)
	}
	for _, p := range []string{"/v1/orgUnits", "/v1/{name}", "/v1/{name}:move"} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("/openapi.json lacks path %q", p)
		}
	}
}

func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		method, path string
		mention      string
	}{
		{http.MethodGet, "/nope", "no route for GET /nope"},
		{http.MethodPost, "/healthz", "no route for POST /healthz"},
		{http.MethodGet, "/v1/nope", ""},
		{http.MethodGet, "/v1/orgUnits/east/children", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			d := apiError(t, e.do(t, tc.method, tc.path, nil), http.StatusNotFound, "NOT_FOUND")
			if !strings.Contains(d.Message, tc.mention) {
				t.Errorf("message %q does not contain %q", d.Message, tc.mention)
			}
		})
	}
	if n := len(e.fake.Calls()); n != 0 {
		t.Errorf("unknown routes reached the backend (%d calls)", n)
	}
}

// A path that exists, with a method it does not take, is 405 (not 501, which
// would claim the gateway supports the method nowhere).
func TestWrongMethod(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ method, path string }{
		{http.MethodDelete, "/v1/orgUnits"},
		{http.MethodPut, "/v1/orgUnits/east"},
		{http.MethodPatch, "/v1/orgUnits"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			d := apiError(t, e.do(t, tc.method, tc.path, nil), http.StatusMethodNotAllowed, "UNIMPLEMENTED")
			if want := "method " + tc.method + " is not allowed on " + tc.path; !strings.Contains(d.Message, want) {
				t.Errorf("message %q does not contain %q", d.Message, want)
			}
		})
	}
	if n := len(e.fake.Calls()); n != 0 {
		t.Errorf("wrong methods reached the backend (%d calls)", n)
	}
}

// ---------------------------------------------------------------------------
// Access log.

func TestAccessLog(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	e := newEnv(t, func(s *setup) { s.log = zap.New(core) })

	wantStatus(t, e.get(t, "/v1/orgUnits/missing", "X-Request-Id", "log-me"), http.StatusNotFound)

	entries := logs.FilterMessage("request").AllUntimed()
	if len(entries) != 1 {
		t.Fatalf("%d access log entries, want 1: %v", len(entries), entries)
	}
	f := entries[0].ContextMap()
	if f["request_id"] != "log-me" || f["method"] != "GET" || f["path"] != "/v1/orgUnits/missing" || f["status"] != int64(404) {
		t.Errorf("access log fields %v", f)
	}
	if _, ok := f["duration"]; !ok {
		t.Errorf("access log lacks duration: %v", f)
	}
}

// ---------------------------------------------------------------------------
// HTTPStatus and Config.Validate.

func TestHTTPStatus(t *testing.T) {
	want := map[codes.Code]int{
		codes.OK:                 200,
		codes.Canceled:           499,
		codes.Unknown:            500,
		codes.InvalidArgument:    400,
		codes.DeadlineExceeded:   504,
		codes.NotFound:           404,
		codes.AlreadyExists:      409,
		codes.PermissionDenied:   403,
		codes.ResourceExhausted:  429,
		codes.FailedPrecondition: 409,
		codes.Aborted:            409,
		codes.OutOfRange:         400,
		codes.Unimplemented:      501,
		codes.Internal:           500,
		codes.Unavailable:        503,
		codes.DataLoss:           500,
		codes.Unauthenticated:    401,
	}
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		w, ok := want[c]
		if !ok {
			t.Fatalf("table lacks %v", c)
		}
		if got := gateway.HTTPStatus(c); got != w {
			t.Errorf("HTTPStatus(%v) = %d, want %d", c, got, w)
		}
	}
	if got := gateway.HTTPStatus(codes.Code(99)); got != 500 {
		t.Errorf("HTTPStatus(99) = %d, want 500", got)
	}
}

func validConfig() gateway.Config {
	return gateway.Config{
		Backends:       []string{"roster=127.0.0.1:9101", "visits=127.0.0.1:9104"},
		MaxBodyBytes:   1 << 20,
		RequestTimeout: 15 * time.Second,
		RouteTimeouts:  []string{"/v1/payrollRuns=120s", "/v1/orgUnits=5s"},
		Logging:        logging.Config{LogFormat: "json", LogLevel: "error"},
		Auth:           auth.Config{JWKSFile: "jwks.json", Issuer: "rmsuite-test", Audience: "rmsuite", KeysRefresh: time.Minute},
	}
}

func TestAPIRequiresAToken(t *testing.T) {
	e := newEnv(t)
	other := authtest.New(t)
	for name, header := range map[string]string{
		"no token":                "",
		"not a bearer token":      "Basic dXNlcjpwYXNz",
		"token of an unknown key": "Bearer " + other.Token(t, "E0001", "head-office", auth.Administrator),
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do(t, http.MethodGet, "/v1/orgUnits/x", nil, "Authorization", header)
			if r.status != http.StatusUnauthorized || !strings.Contains(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("HTTP %d, WWW-Authenticate %q: want 401 with a Bearer challenge", r.status, r.header.Get("WWW-Authenticate"))
			}
			if !strings.Contains(string(r.body), `"status":"UNAUTHENTICATED"`) {
				t.Fatalf("body %s", r.body)
			}
		})
	}
	if n := len(e.fake.Calls()); n != 0 {
		t.Fatalf("the backend was called %d times for unauthenticated requests", n)
	}
	for _, open := range []string{"/healthz", "/openapi.json"} {
		if r := e.do(t, http.MethodGet, open, nil, "Authorization", ""); r.status != http.StatusOK {
			t.Errorf("%s without a token: HTTP %d, want 200", open, r.status)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	for _, tc := range []struct {
		name    string
		change  func(*gateway.Config)
		mention string
	}{
		{"route timeout without leading slash", func(c *gateway.Config) { c.RouteTimeouts = []string{"v1/orgUnits=5s"} }, "v1/orgUnits=5s"},
		{"route timeout without duration", func(c *gateway.Config) { c.RouteTimeouts = []string{"/v1/orgUnits"} }, "/v1/orgUnits"},
		{"route timeout bad duration", func(c *gateway.Config) { c.RouteTimeouts = []string{"/v1/orgUnits=soon"} }, "soon"},
		{"route timeout zero", func(c *gateway.Config) { c.RouteTimeouts = []string{"/v1/orgUnits=0s"} }, "0s"},
		{"route timeout negative", func(c *gateway.Config) { c.RouteTimeouts = []string{"/v1/orgUnits=-5s"} }, "-5s"},
		{"one bad route timeout among good ones", func(c *gateway.Config) { c.RouteTimeouts = []string{"/v1/a=1s", "/v1/b=x"} }, "/v1/b=x"},
		{"backend without =", func(c *gateway.Config) { c.Backends = []string{"roster"} }, "roster"},
		{"backend without name", func(c *gateway.Config) { c.Backends = []string{"=127.0.0.1:9101"} }, "=127.0.0.1:9101"},
		{"backend without address", func(c *gateway.Config) { c.Backends = []string{"roster="} }, "roster="},
		{"no backends and no etcd", func(c *gateway.Config) { c.Backends = nil }, "etcd"},
		{"zero body limit", func(c *gateway.Config) { c.MaxBodyBytes = 0 }, "max-body-bytes"},
		{"zero request timeout", func(c *gateway.Config) { c.RequestTimeout = 0 }, "request-timeout"},
		{"bad log format", func(c *gateway.Config) { c.Logging.LogFormat = "xml" }, "log-format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.change(&c)
			err := c.Validate()
			if err == nil {
				t.Fatal("Validate accepted it")
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
		})
	}
}

func TestNewRejectsBadBackends(t *testing.T) {
	cfg := validConfig()
	cfg.Backends = []string{"roster"}
	if gw, err := gateway.New(t.Context(), cfg, nil, zap.NewNop()); err == nil {
		gw.Close()
		t.Fatal("New accepted a backend without an address")
	}
}
