package service_test

import (
	"context"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	"github.com/rmsuite/rmsuite/pkg/server"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
	"github.com/rmsuite/rmsuite/services/roster/internal/service"
)

// start runs the roster service for real (config, migrations, seed, interceptors) on
// a free port against dbURL, waits until it reports SERVING, and returns a client.
func start(t *testing.T, dbURL string) rosterv1.RosterServiceClient {
	t.Helper()
	iss := authtest.New(t)
	conn := serve(t, dbURL, iss)
	return rosterv1.NewRosterServiceClient(withToken(t, conn, iss.Token(t, "E0001", "head-office", auth.Administrator)))
}

// withToken is a connection to conn's target whose calls carry token.
func withToken(t *testing.T, conn *grpc.ClientConn, token string) *grpc.ClientConn {
	t.Helper()
	c, err := grpc.NewClient(conn.Target(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(authtest.Bearer(token)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// serve starts the roster and returns a connection without credentials.
func serve(t *testing.T, dbURL string, iss *authtest.Issuer) *grpc.ClientConn {
	t.Helper()
	cfg := service.DefaultConfig()
	cfg.Auth = iss.Config
	cfg.Server.Reflection = true
	cfg.Server.GRPCAddr = freeAddr(t)
	cfg.Server.DefaultDeadline = 5 * time.Second
	cfg.Server.ShutdownTimeout = 5 * time.Second
	cfg.DBURL = dbURL
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, service.Descriptor(true), cfg, zap.NewNop()) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("service stopped with error: %v", err)
		}
	})
	conn, err := grpc.NewClient(cfg.Server.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	health := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: "rmsuite.roster.v1.RosterService"})
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			break
		}
		select {
		case err := <-done:
			done <- err // for the cleanup
			t.Fatalf("service exited before serving: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("service not SERVING after 20s: %v %v", resp, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return conn
}

// eachBackend runs a test against a fresh database on SQLite and on PostgreSQL.
func eachBackend(t *testing.T, test func(t *testing.T, dbURL string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, storagetest.SQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, storagetest.PostgresURL(t)) })
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Every RPC the roster serves (found through reflection, so later RPCs are covered)
// refuses a call without a token and a caller whose roles lack its permission.
func TestEveryRPCIsGuarded(t *testing.T) {
	iss := authtest.New(t)
	conn := serve(t, storagetest.SQLiteURL(t), iss)
	if n := authtest.WalkRPCs(t, conn, service.Descriptor(false).AllRules(), iss); n < 7 {
		t.Fatalf("walked %d RPCs; the roster serves at least 6", n)
	}
}

func TestRosterComponent(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		client := start(t, url)
		exercise(t, client)
	})
}

func exercise(t *testing.T, c rosterv1.RosterServiceClient) {
	ctx := context.Background()
	total := func() int32 {
		t.Helper()
		resp, err := c.ListOrgUnits(ctx, &rosterv1.ListOrgUnitsRequest{PageSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetTotalSize()
	}
	wantCode := func(err error, code codes.Code) *status.Status {
		t.Helper()
		st := status.Convert(err)
		if st.Code() != code {
			t.Fatalf("code = %v (%q), want %v", st.Code(), st.Message(), code)
		}
		return st
	}

	t.Run("seed tree", func(t *testing.T) {
		if n := total(); n != int32(len(service.SeedOrgUnits)) {
			t.Fatalf("%d units after first start, want the %d seeded", n, len(service.SeedOrgUnits))
		}
		resp, err := c.ListOrgUnits(ctx, &rosterv1.ListOrgUnitsRequest{Filter: `parent = "orgUnits/head-office"`})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.GetOrgUnits()) != 2 || resp.GetOrgUnits()[0].GetType() != rosterv1.OrgUnit_TYPE_BRANCH {
			t.Fatalf("head office children = %v, want the two branches", resp.GetOrgUnits())
		}
		ho, err := c.GetOrgUnit(ctx, &rosterv1.GetOrgUnitRequest{Name: "orgUnits/head-office"})
		if err != nil || ho.GetDisplayName() != "总行" || ho.GetChildCount() != 2 || ho.GetEtag() == "" {
			t.Fatalf("head office = %v, %v", ho, err)
		}
		all, err := c.ListOrgUnits(ctx, &rosterv1.ListOrgUnitsRequest{PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range all.GetOrgUnits() {
			// Every seeded unit is in Shanghai.
			if loc := u.GetLocation(); loc == nil || loc.GetLatitude() < 30.6 || loc.GetLatitude() > 31.9 ||
				loc.GetLongitude() < 120.8 || loc.GetLongitude() > 122.2 {
				t.Errorf("seeded %s has location %v, want a point in Shanghai", u.GetName(), loc)
			}
		}
	})

	t.Run("invalid input is refused with field violations and changes nothing", func(t *testing.T) {
		before := total()
		_, err := c.CreateOrgUnit(ctx, &rosterv1.CreateOrgUnitRequest{
			OrgUnitId: "Bad Id",
			OrgUnit:   &rosterv1.OrgUnit{DisplayName: "  ", Parent: "branches/x"},
		})
		st := wantCode(err, codes.InvalidArgument)
		fields := map[string]bool{}
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					fields[v.GetField()] = true
				}
			}
		}
		for _, f := range []string{"org_unit_id", "org_unit.display_name", "org_unit.type", "org_unit.parent"} {
			if !fields[f] {
				t.Errorf("no field violation for %s (got %v)", f, fields)
			}
		}
		for _, req := range []*rosterv1.CreateOrgUnitRequest{
			{OrgUnit: &rosterv1.OrgUnit{DisplayName: "x", Type: rosterv1.OrgUnit_TYPE_BRANCH, Parent: "orgUnits/ghost"}},
			{OrgUnit: &rosterv1.OrgUnit{DisplayName: "x", Type: rosterv1.OrgUnit_TYPE_BRANCH, Parent: "orgUnits/branch-east"}},
			{OrgUnit: &rosterv1.OrgUnit{DisplayName: "x", Type: rosterv1.OrgUnit_TYPE_SUB_BRANCH, Parent: "orgUnits/head-office"}},
		} {
			_, err := c.CreateOrgUnit(ctx, req)
			wantCode(err, codes.InvalidArgument)
		}
		_, err = c.CreateOrgUnit(ctx, &rosterv1.CreateOrgUnitRequest{OrgUnitId: "branch-east",
			OrgUnit: &rosterv1.OrgUnit{DisplayName: "x", Type: rosterv1.OrgUnit_TYPE_BRANCH, Parent: "orgUnits/head-office"}})
		wantCode(err, codes.AlreadyExists)
		_, err = c.ListOrgUnits(ctx, &rosterv1.ListOrgUnitsRequest{Filter: `colour = "red"`})
		wantCode(err, codes.InvalidArgument)
		if after := total(); after != before {
			t.Fatalf("failed calls changed the store: %d units, want %d", after, before)
		}
	})

	t.Run("location round-trips, changes only through its mask, and clears", func(t *testing.T) {
		at := &latlng.LatLng{Latitude: 31.2058, Longitude: 121.5906}
		u, err := c.CreateOrgUnit(ctx, &rosterv1.CreateOrgUnitRequest{OrgUnitId: "team-located", OrgUnit: &rosterv1.OrgUnit{
			DisplayName: "定位团队", Type: rosterv1.OrgUnit_TYPE_TEAM, Parent: "orgUnits/sub-zhangjiang",
			Address: "上海市浦东新区张江路 66 号", Location: at,
		}})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := c.GetOrgUnit(ctx, &rosterv1.GetOrgUnitRequest{Name: u.GetName()}); err != nil ||
			!proto.Equal(u.GetLocation(), at) || !proto.Equal(got.GetLocation(), at) {
			t.Fatalf("created with %v: answered %v, read back %v (%v)", at, u.GetLocation(), got.GetLocation(), err)
		}

		// The mask names location: only it changes, whatever else the unit carries.
		moved := &latlng.LatLng{Latitude: 31.2102, Longitude: 121.6003}
		upd, err := c.UpdateOrgUnit(ctx, &rosterv1.UpdateOrgUnitRequest{
			OrgUnit:    &rosterv1.OrgUnit{Name: u.GetName(), DisplayName: "not this", Location: moved, Etag: u.GetEtag()},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"location"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(upd.GetLocation(), moved) || upd.GetDisplayName() != "定位团队" || upd.GetAddress() != u.GetAddress() || upd.GetEtag() == u.GetEtag() {
			t.Fatalf("update with mask location = %v; want only the location changed", upd)
		}
		// Another field in the mask leaves the location alone.
		upd, err = c.UpdateOrgUnit(ctx, &rosterv1.UpdateOrgUnitRequest{
			OrgUnit:    &rosterv1.OrgUnit{Name: u.GetName(), DisplayName: "张江定位团队", Location: at},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}},
		})
		if err != nil || upd.GetDisplayName() != "张江定位团队" || !proto.Equal(upd.GetLocation(), moved) {
			t.Fatalf("update with mask display_name = %v, %v; want the location kept at %v", upd, err, moved)
		}
		// Without a mask, a location that is set is changed.
		upd, err = c.UpdateOrgUnit(ctx, &rosterv1.UpdateOrgUnitRequest{OrgUnit: &rosterv1.OrgUnit{Name: u.GetName(), Location: at}})
		if err != nil || !proto.Equal(upd.GetLocation(), at) || upd.GetDisplayName() != "张江定位团队" {
			t.Fatalf("update without a mask = %v, %v; want the location back at %v", upd, err, at)
		}

		// A whole unit sent back as read, with the mask the gateway derives from its JSON
		// body: the location's coordinates name the location as a whole.
		whole := proto.Clone(upd).(*rosterv1.OrgUnit)
		whole.Location = moved
		upd, err = c.UpdateOrgUnit(ctx, &rosterv1.UpdateOrgUnitRequest{OrgUnit: whole, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{
			"address", "child_count", "code", "create_time", "display_name", "etag", "location.latitude", "location.longitude",
			"name", "parent", "type", "update_time",
		}}})
		if err != nil || !proto.Equal(upd.GetLocation(), moved) || upd.GetDisplayName() != "张江定位团队" {
			t.Fatalf("update of the whole unit as read = %v, %v; want the location at %v", upd, err, moved)
		}
		if _, err = c.UpdateOrgUnit(ctx, &rosterv1.UpdateOrgUnitRequest{OrgUnit: &rosterv1.OrgUnit{Name: u.GetName(), Location: at},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"location"}}}); err != nil {
			t.Fatal(err)
		}

		// Coordinates out of range (or not numbers) are refused, field by field.
		violations := func(err error) map[string]bool {
			t.Helper()
			fields := map[string]bool{}
			for _, d := range wantCode(err, codes.InvalidArgument).Details() {
				if br, ok := d.(*errdetails.BadRequest); ok {
					for _, v := range br.GetFieldViolations() {
						fields[v.GetField()] = true
					}
				}
			}
			return fields
		}
		before := total()
		for _, bad := range []*latlng.LatLng{
			{Latitude: 91, Longitude: 181},
			{Latitude: -90.5, Longitude: -180.5},
			{Latitude: math.NaN(), Longitude: math.NaN()},
		} {
			_, err := c.CreateOrgUnit(ctx, &rosterv1.CreateOrgUnitRequest{OrgUnit: &rosterv1.OrgUnit{
				DisplayName: "x", Type: rosterv1.OrgUnit_TYPE_TEAM, Parent: "orgUnits/sub-zhangjiang", Location: bad}})
			if f := violations(err); !f["org_unit.location.latitude"] || !f["org_unit.location.longitude"] {
				t.Errorf("create at %v: violations %v, want org_unit.location.latitude and .longitude", bad, f)
			}
			_, err = c.UpdateOrgUnit(ctx, &rosterv1.UpdateOrgUnitRequest{
				OrgUnit:    &rosterv1.OrgUnit{Name: u.GetName(), Location: bad},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"location"}},
			})
			if f := violations(err); !f["org_unit.location.latitude"] || !f["org_unit.location.longitude"] {
				t.Errorf("update to %v: violations %v, want org_unit.location.latitude and .longitude", bad, f)
			}
		}
		_, err = c.UpdateOrgUnit(ctx, &rosterv1.UpdateOrgUnitRequest{
			OrgUnit:    &rosterv1.OrgUnit{Name: u.GetName(), Location: &latlng.LatLng{Latitude: 95, Longitude: 121.5}},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"location"}},
		})
		if f := violations(err); !f["org_unit.location.latitude"] || f["org_unit.location.longitude"] {
			t.Errorf("update to latitude 95: violations %v, want org_unit.location.latitude only", f)
		}
		_, err = c.UpdateOrgUnit(ctx, &rosterv1.UpdateOrgUnitRequest{
			OrgUnit:    &rosterv1.OrgUnit{Name: u.GetName()},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"location.latitude"}},
		})
		if f := violations(err); !f["org_unit.location"] {
			t.Errorf("mask location.latitude without a location: violations %v, want org_unit.location", f)
		}
		if got, err := c.GetOrgUnit(ctx, &rosterv1.GetOrgUnitRequest{Name: u.GetName()}); err != nil || !proto.Equal(got.GetLocation(), at) {
			t.Fatalf("location after refused updates = %v (%v), want %v", got.GetLocation(), err, at)
		}
		if after := total(); after != before {
			t.Fatalf("refused creates changed the store: %d units, want %d", after, before)
		}

		// The mask names location but the unit has none: the location is cleared.
		cleared, err := c.UpdateOrgUnit(ctx, &rosterv1.UpdateOrgUnitRequest{
			OrgUnit:    &rosterv1.OrgUnit{Name: u.GetName()},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"location"}},
		})
		if err != nil || cleared.GetLocation() != nil || cleared.GetDisplayName() != "张江定位团队" {
			t.Fatalf("clearing the location = %v, %v", cleared, err)
		}
		if got, err := c.GetOrgUnit(ctx, &rosterv1.GetOrgUnitRequest{Name: u.GetName()}); err != nil || got.GetLocation() != nil {
			t.Fatalf("location read back after clearing = %v (%v), want none", got.GetLocation(), err)
		}
	})

	t.Run("not found, conflicts and preconditions", func(t *testing.T) {
		_, err := c.GetOrgUnit(ctx, &rosterv1.GetOrgUnitRequest{Name: "orgUnits/nope"})
		wantCode(err, codes.NotFound)
		_, err = c.DeleteOrgUnit(ctx, &rosterv1.DeleteOrgUnitRequest{Name: "orgUnits/branch-east"})
		wantCode(err, codes.FailedPrecondition)
		_, err = c.MoveOrgUnit(ctx, &rosterv1.MoveOrgUnitRequest{Name: "orgUnits/branch-east", NewParent: "orgUnits/team-lujiazui"})
		wantCode(err, codes.InvalidArgument)
		_, err = c.UpdateOrgUnit(ctx, &rosterv1.UpdateOrgUnitRequest{
			OrgUnit:    &rosterv1.OrgUnit{Name: "orgUnits/branch-east", DisplayName: "x", Etag: "stale"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}},
		})
		wantCode(err, codes.Aborted)
		_, err = c.UpdateOrgUnit(ctx, &rosterv1.UpdateOrgUnitRequest{
			OrgUnit:    &rosterv1.OrgUnit{Name: "orgUnits/sub-jingan", Parent: "orgUnits/branch-east"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"parent"}},
		})
		if st := wantCode(err, codes.InvalidArgument); !strings.Contains(st.Message(), ":move") {
			t.Errorf("message %q should point to :move", st.Message())
		}
	})

	t.Run("same request id twice creates one unit", func(t *testing.T) {
		before := total()
		req := &rosterv1.CreateOrgUnitRequest{
			RequestId: "7f1c2a4e-0b7d-4c55-9d8e-2f6a1b3c4d5e",
			OrgUnit:   &rosterv1.OrgUnit{DisplayName: "外滩支行", Type: rosterv1.OrgUnit_TYPE_SUB_BRANCH, Parent: "orgUnits/branch-east"},
		}
		first, err := c.CreateOrgUnit(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		second, err := c.CreateOrgUnit(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(first, second) {
			t.Fatalf("retry answered %v, first call %v", second, first)
		}
		if after := total(); after != before+1 {
			t.Fatalf("%d units after two calls with one request id, want %d", after, before+1)
		}
		other := proto.Clone(req).(*rosterv1.CreateOrgUnitRequest)
		other.OrgUnit.DisplayName = "另一个支行"
		_, err = c.CreateOrgUnit(ctx, other)
		wantCode(err, codes.AlreadyExists)
	})

	t.Run("update, move and delete with etags", func(t *testing.T) {
		u, err := c.CreateOrgUnit(ctx, &rosterv1.CreateOrgUnitRequest{OrgUnitId: "team-temp",
			OrgUnit: &rosterv1.OrgUnit{DisplayName: "临时团队", Type: rosterv1.OrgUnit_TYPE_TEAM, Parent: "orgUnits/sub-lujiazui"}})
		if err != nil {
			t.Fatal(err)
		}
		renamed, err := c.UpdateOrgUnit(ctx, &rosterv1.UpdateOrgUnitRequest{
			OrgUnit: &rosterv1.OrgUnit{Name: u.GetName(), DisplayName: "普惠团队", Etag: u.GetEtag()},
		})
		if err != nil || renamed.GetDisplayName() != "普惠团队" || renamed.GetEtag() == u.GetEtag() {
			t.Fatalf("rename = %v, %v", renamed, err)
		}
		moved, err := c.MoveOrgUnit(ctx, &rosterv1.MoveOrgUnitRequest{Name: u.GetName(), NewParent: "orgUnits/branch-west", Etag: renamed.GetEtag()})
		if err != nil || moved.GetParent() != "orgUnits/branch-west" {
			t.Fatalf("move = %v, %v", moved, err)
		}
		_, err = c.DeleteOrgUnit(ctx, &rosterv1.DeleteOrgUnitRequest{Name: u.GetName(), Etag: renamed.GetEtag()})
		wantCode(err, codes.Aborted)
		if _, err := c.DeleteOrgUnit(ctx, &rosterv1.DeleteOrgUnitRequest{Name: u.GetName(), Etag: moved.GetEtag()}); err != nil {
			t.Fatal(err)
		}
		_, err = c.GetOrgUnit(ctx, &rosterv1.GetOrgUnitRequest{Name: u.GetName()})
		wantCode(err, codes.NotFound)
	})
}
