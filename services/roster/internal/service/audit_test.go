package service_test

import (
	"context"
	"testing"

	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	auditv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/audit/v1"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

// Every mutating RPC leaves exactly one audit record with before/after, written in
// its transaction; a failed call and a replayed retry leave none.
func TestEveryChangeIsAuditedOnce(t *testing.T) {
	for _, backend := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return storagetest.SQLiteURL(t) }},
		{"postgres", func(t *testing.T) string { return storagetest.PostgresURL(t) }},
	} {
		t.Run(backend.name, func(t *testing.T) { auditScenario(t, backend.url(t)) })
	}
}

func auditScenario(t *testing.T, dbURL string) {
	ctx := context.Background()
	iss := authtest.New(t)
	conn := serve(t, dbURL, iss)
	admin := withToken(t, conn, iss.Token(t, "E0001", "head-office", auth.Administrator))
	roster := rosterv1.NewRosterServiceClient(admin)
	log := auditv1.NewAuditServiceClient(admin)

	records := func(object string) []*auditv1.AuditRecord {
		t.Helper()
		resp, err := log.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{
			Parent: "services/roster", Filter: `object = "` + object + `"`, OrderBy: "time"})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetAuditRecords()
	}
	all := func() int {
		t.Helper()
		resp, err := log.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{Parent: "services/roster", PageSize: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.GetAuditRecords())
	}
	if n := all(); n != 0 {
		t.Fatalf("%d audit records after seeding, want 0 (seeding is not a call)", n)
	}

	create := &rosterv1.CreateOrgUnitRequest{OrgUnitId: "team-audit", RequestId: "audit-create-1",
		OrgUnit: &rosterv1.OrgUnit{DisplayName: "审计团队", Type: rosterv1.OrgUnit_TYPE_TEAM, Parent: "orgUnits/sub-jingan",
			Location: &latlng.LatLng{Latitude: 31.2252, Longitude: 121.4493}}}
	u, err := roster.CreateOrgUnit(ctx, create)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := roster.CreateOrgUnit(ctx, create); err != nil { // a retry: replayed, not re-applied
		t.Fatal(err)
	}
	u, err = roster.UpdateOrgUnit(ctx, &rosterv1.UpdateOrgUnitRequest{OrgUnit: &rosterv1.OrgUnit{Name: u.GetName(), DisplayName: "合规团队",
		Location: &latlng.LatLng{Latitude: 31.1977, Longitude: 121.4129}, Etag: u.GetEtag()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = roster.MoveOrgUnit(ctx, &rosterv1.MoveOrgUnitRequest{Name: u.GetName(), NewParent: "orgUnits/sub-hongqiao"}); err != nil {
		t.Fatal(err)
	}
	// Failed calls: stale etag, bad nesting, delete with children.
	if _, err := roster.UpdateOrgUnit(ctx, &rosterv1.UpdateOrgUnitRequest{OrgUnit: &rosterv1.OrgUnit{Name: u.GetName(), DisplayName: "x", Etag: "stale"}}); status.Code(err) != codes.Aborted {
		t.Fatalf("stale update: %v", err)
	}
	if _, err := roster.MoveOrgUnit(ctx, &rosterv1.MoveOrgUnitRequest{Name: u.GetName(), NewParent: "orgUnits/head-office"}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("bad move: %v", err)
	}
	if _, err := roster.DeleteOrgUnit(ctx, &rosterv1.DeleteOrgUnitRequest{Name: "orgUnits/branch-east"}); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("delete with children: %v", err)
	}
	if _, err := roster.DeleteOrgUnit(ctx, &rosterv1.DeleteOrgUnitRequest{Name: u.GetName()}); err != nil {
		t.Fatal(err)
	}

	got := records("orgUnits/team-audit")
	wantMethods := []string{"CreateOrgUnit", "UpdateOrgUnit", "MoveOrgUnit", "DeleteOrgUnit"}
	if len(got) != len(wantMethods) {
		t.Fatalf("%d audit records for the unit, want one per successful call (%v): %v", len(got), wantMethods, got)
	}
	for i, r := range got {
		if want := "/rmsuite.roster.v1.RosterService/" + wantMethods[i]; r.GetMethod() != want {
			t.Errorf("record %d is for %s, want %s", i, r.GetMethod(), want)
		}
		if r.GetActor() != "E0001" || r.GetRequestId() == "" || r.GetObjectType() != "OrgUnit" {
			t.Errorf("record %d: actor %q, request id %q, type %q", i, r.GetActor(), r.GetRequestId(), r.GetObjectType())
		}
	}
	if got[0].GetBefore() != nil || got[0].GetAfter().GetFields()["displayName"].GetStringValue() != "审计团队" {
		t.Errorf("create record: before %v, after %v", got[0].GetBefore(), got[0].GetAfter())
	}
	if got[1].GetBefore().GetFields()["displayName"].GetStringValue() != "审计团队" ||
		got[1].GetAfter().GetFields()["displayName"].GetStringValue() != "合规团队" {
		t.Errorf("update record: before %v, after %v", got[1].GetBefore(), got[1].GetAfter())
	}
	latitude := func(s *structpb.Struct) float64 {
		return s.GetFields()["location"].GetStructValue().GetFields()["latitude"].GetNumberValue()
	}
	if latitude(got[0].GetAfter()) != 31.2252 || latitude(got[1].GetBefore()) != 31.2252 || latitude(got[1].GetAfter()) != 31.1977 {
		t.Errorf("location in the records: create after %v, update before %v, after %v",
			got[0].GetAfter().GetFields()["location"], got[1].GetBefore().GetFields()["location"], got[1].GetAfter().GetFields()["location"])
	}
	if got[2].GetAfter().GetFields()["parent"].GetStringValue() != "orgUnits/sub-hongqiao" {
		t.Errorf("move record after = %v", got[2].GetAfter())
	}
	if got[3].GetBefore() == nil || got[3].GetAfter() != nil {
		t.Errorf("delete record: before %v, after %v", got[3].GetBefore(), got[3].GetAfter())
	}
	if n := all(); n != len(wantMethods) {
		t.Fatalf("%d audit records in all, want %d: failed calls and the retry must leave none", n, len(wantMethods))
	}

	// Scope: a supervisor of another team sees none of it; HR sees it all.
	other := auditv1.NewAuditServiceClient(withToken(t, conn, iss.Token(t, "E1101", "team-lujiazui", auth.Supervisor)))
	resp, err := other.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{Parent: "services/roster"})
	if err != nil || len(resp.GetAuditRecords()) != 0 {
		t.Fatalf("supervisor of team-lujiazui sees %d records of another branch (%v)", len(resp.GetAuditRecords()), err)
	}
	head := auditv1.NewAuditServiceClient(withToken(t, conn, iss.Token(t, "E1200", "branch-west", auth.BranchHead)))
	if resp, err := head.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{Parent: "services/roster"}); err != nil || len(resp.GetAuditRecords()) != len(wantMethods) {
		t.Fatalf("branch head of branch-west sees %d records of their subtree, want %d (%v)", len(resp.GetAuditRecords()), len(wantMethods), err)
	}
	cm := auditv1.NewAuditServiceClient(withToken(t, conn, iss.Token(t, "E3001", "team-lujiazui", auth.CustomerManager)))
	if _, err := cm.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{Parent: "services/roster"}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("customer manager reading the audit log: %v, want PermissionDenied", err)
	}
}
