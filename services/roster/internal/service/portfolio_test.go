package service_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	auditv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/audit/v1"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

// The demonstration managers the portfolio scenarios use (service/seed_managers.go):
// E3001 corporate and E3002 retail in team-lujiazui (supervised by E1101), E1201 and
// E3003 retail in team-hongqiao, E3005 a candidate (not active).

type portfolioCallers struct {
	admin, supervisorEast, supervisorWest, cm rosterv1.PortfolioServiceClient
	audit                                     auditv1.AuditServiceClient
	conn                                      *grpc.ClientConn
	iss                                       *authtest.Issuer
}

func startPortfolios(t *testing.T, dbURL string) portfolioCallers {
	t.Helper()
	iss := authtest.New(t)
	conn := serve(t, dbURL, iss)
	client := func(subject, unit string, roles ...auth.Role) *grpc.ClientConn {
		return withToken(t, conn, iss.Token(t, subject, unit, roles...))
	}
	admin := client("E0001", "head-office", auth.Administrator)
	return portfolioCallers{
		admin:          rosterv1.NewPortfolioServiceClient(admin),
		supervisorEast: rosterv1.NewPortfolioServiceClient(client("E1101", "team-lujiazui", auth.Supervisor)),
		supervisorWest: rosterv1.NewPortfolioServiceClient(client("E1201", "team-hongqiao", auth.Supervisor)),
		cm:             rosterv1.NewPortfolioServiceClient(client("E3002", "team-lujiazui", auth.CustomerManager)),
		audit:          auditv1.NewAuditServiceClient(admin),
		conn:           conn,
		iss:            iss,
	}
}

func TestPortfolios(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		c := startPortfolios(t, url)
		t.Run("worked example 7: the 51st corporate customer", func(t *testing.T) { capacityScenario(t, c) })
		t.Run("scope", func(t *testing.T) { portfolioScopeScenario(t, c) })
		t.Run("assign, handover, history, feed and audit", func(t *testing.T) { handoverScenario(t, c) })
		t.Run("import over the API", func(t *testing.T) { importScenario(t, c) })
	})
}

func customerCSV(rows ...[]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"客户编号", "客户名称", "客户类型", "客户分类", "地址", "纬度", "经度", "区域类型", "拜访方式", "主管客户经理", "协管客户经理"})
	_ = w.WriteAll(rows)
	return b.Bytes()
}

func corporateRow(code, manager string) []string {
	return []string{code, "公司" + code, "公司", "A", "上海市浦东新区", "31.23", "121.50", "城区", "实地", manager, ""}
}

func (c portfolioCallers) auditCount(t *testing.T, filter string) int {
	t.Helper()
	resp, err := c.audit.ListAuditRecords(context.Background(), &auditv1.ListAuditRecordsRequest{
		Parent: "services/roster", Filter: filter, PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(resp.GetAuditRecords())
}

func (c portfolioCallers) total(t *testing.T, filter string) int32 {
	t.Helper()
	resp, err := c.admin.ListCustomers(context.Background(), &rosterv1.ListCustomersRequest{Filter: filter, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetTotalSize()
}

func capacityScenario(t *testing.T, c portfolioCallers) {
	ctx := context.Background()
	var rows [][]string
	for i := range 50 {
		rows = append(rows, corporateRow(fmt.Sprintf("CORP%02d", i), "E3001"))
	}
	res, err := c.admin.ImportCustomers(ctx, &rosterv1.ImportCustomersRequest{Content: customerCSV(rows...), RequestId: "import-corp-50"})
	if err != nil || res.GetImported() != 50 || len(res.GetProblems()) != 0 {
		t.Fatalf("import 50: %v, %v", res, err)
	}
	load, err := c.admin.GetManagerLoad(ctx, &rosterv1.GetManagerLoadRequest{Manager: "managers/E3001"})
	if err != nil || load.GetPrimaryCustomers() != 50 || load.GetCapacity() != 50 || load.GetLine() != rosterv1.Line_LINE_CORPORATE {
		t.Fatalf("load = %v, %v", load, err)
	}
	audits := c.auditCount(t, "")
	_, err = c.admin.CreateCustomer(ctx, &rosterv1.CreateCustomerRequest{CustomerId: "CORP50", Customer: &rosterv1.Customer{
		DisplayName: "第五十一家公司", Kind: rosterv1.Customer_KIND_CORPORATE, AreaType: rosterv1.Customer_AREA_TYPE_URBAN,
		PrimaryManager: "managers/E3001"}})
	wantStatus(t, err, codes.FailedPrecondition, "managers/E3001 (LINE_CORPORATE) already serves 50 customers, the limit is 50")
	if n := c.total(t, `primary_manager = "managers/E3001"`); n != 50 {
		t.Fatalf("E3001 serves %d after the refusal, want 50", n)
	}
	if _, err := c.admin.GetCustomer(ctx, &rosterv1.GetCustomerRequest{Name: "customers/CORP50"}); status.Code(err) != codes.NotFound {
		t.Fatalf("the refused customer exists: %v", err)
	}
	if n := c.auditCount(t, ""); n != audits {
		t.Fatalf("the refusal left %d audit records", n-audits)
	}
	// Raising the capacity (administrators only) makes room.
	settings, err := c.admin.GetPortfolioSettings(ctx, &rosterv1.GetPortfolioSettingsRequest{Name: "portfolioSettings"})
	if err != nil || settings.GetCorporateCapacity() != 50 || settings.GetRetailCapacity() != 1000 || settings.GetMicroCapacity() != 1000 {
		t.Fatalf("default settings = %v, %v", settings, err)
	}
	_, err = c.supervisorEast.UpdatePortfolioSettings(ctx, &rosterv1.UpdatePortfolioSettingsRequest{
		Settings: &rosterv1.PortfolioSettings{Name: "portfolioSettings", CorporateCapacity: 60}})
	wantStatus(t, err, codes.PermissionDenied, "roster.portfolio.settings")
	_, err = c.admin.UpdatePortfolioSettings(ctx, &rosterv1.UpdatePortfolioSettingsRequest{
		Settings: &rosterv1.PortfolioSettings{Name: "portfolioSettings", CorporateCapacity: 0}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"corporate_capacity"}}})
	wantStatus(t, err, codes.InvalidArgument, "out of range")
	updated, err := c.admin.UpdatePortfolioSettings(ctx, &rosterv1.UpdatePortfolioSettingsRequest{
		Settings: &rosterv1.PortfolioSettings{Name: "portfolioSettings", CorporateCapacity: 51, Etag: settings.GetEtag()}})
	if err != nil || updated.GetCorporateCapacity() != 51 || updated.GetRetailCapacity() != 1000 {
		t.Fatalf("raise capacity: %v, %v", updated, err)
	}
	created, err := c.admin.CreateCustomer(ctx, &rosterv1.CreateCustomerRequest{CustomerId: "CORP50", Customer: &rosterv1.Customer{
		DisplayName: "第五十一家公司", Kind: rosterv1.Customer_KIND_CORPORATE, AreaType: rosterv1.Customer_AREA_TYPE_URBAN,
		PrimaryManager: "managers/E3001", Location: &latlng.LatLng{Latitude: 31.2, Longitude: 121.5}}})
	if err != nil || created.GetOrgUnit() != "orgUnits/team-lujiazui" || created.GetAssignmentStartDate() == nil || created.GetLocation().GetLatitude() != 31.2 {
		t.Fatalf("51st with capacity 51: %v, %v", created, err)
	}
	if _, err := c.admin.UpdatePortfolioSettings(ctx, &rosterv1.UpdatePortfolioSettingsRequest{
		Settings: &rosterv1.PortfolioSettings{Name: "portfolioSettings", CorporateCapacity: 50}}); err != nil {
		t.Fatal(err)
	}
}

func portfolioScopeScenario(t *testing.T, c portfolioCallers) {
	ctx := context.Background()
	mk := func(client rosterv1.PortfolioServiceClient, id, primary, backup string) (*rosterv1.Customer, error) {
		return client.CreateCustomer(ctx, &rosterv1.CreateCustomerRequest{CustomerId: id, Customer: &rosterv1.Customer{
			DisplayName: "客户" + id, Kind: rosterv1.Customer_KIND_INDIVIDUAL, AreaType: rosterv1.Customer_AREA_TYPE_TOWN,
			PrimaryManager: primary, BackupManager: backup}})
	}
	// A supervisor creates within their subtree, not outside it.
	if _, err := mk(c.supervisorEast, "EAST-1", "managers/E3002", ""); err != nil {
		t.Fatal(err)
	}
	_, err := mk(c.supervisorEast, "WEST-X", "managers/E3003", "")
	wantStatus(t, err, codes.PermissionDenied, "managers/E3003")
	if _, err := mk(c.admin, "WEST-1", "managers/E3003", "managers/E3002"); err != nil {
		t.Fatal(err)
	}
	if _, err := mk(c.admin, "WEST-2", "managers/E3003", ""); err != nil {
		t.Fatal(err)
	}
	_, err = mk(c.admin, "X-1", "managers/E3005", "")
	wantStatus(t, err, codes.FailedPrecondition, "managers/E3005 is STATUS_CANDIDATE")
	_, err = mk(c.admin, "X-1", "managers/NOBODY", "")
	wantStatus(t, err, codes.InvalidArgument, "managers/NOBODY does not exist")
	_, err = mk(c.admin, "bad code!", "E3002", "")
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "customer_id") ||
		!strings.Contains(st.Message(), "customer.primary_manager") {
		t.Fatalf("bad create: %v", st)
	}

	// The customer manager sees what they serve, as primary or backup.
	resp, err := c.cm.ListCustomers(ctx, &rosterv1.ListCustomersRequest{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, cu := range resp.GetCustomers() {
		names[cu.GetName()] = true
	}
	if !names["customers/EAST-1"] || !names["customers/WEST-1"] || names["customers/WEST-2"] || names["customers/CORP00"] {
		t.Fatalf("E3002 sees %v", names)
	}
	// Out of scope: reading answers not found, writing permission denied.
	_, err = c.supervisorWest.GetCustomer(ctx, &rosterv1.GetCustomerRequest{Name: "customers/EAST-1"})
	wantStatus(t, err, codes.NotFound, "customers/EAST-1")
	_, err = c.supervisorWest.UpdateCustomer(ctx, &rosterv1.UpdateCustomerRequest{Customer: &rosterv1.Customer{Name: "customers/EAST-1", Address: "x"}})
	wantStatus(t, err, codes.PermissionDenied, "customers/EAST-1")
	_, err = c.cm.UpdateCustomer(ctx, &rosterv1.UpdateCustomerRequest{Customer: &rosterv1.Customer{Name: "customers/EAST-1", Address: "x"}})
	wantStatus(t, err, codes.PermissionDenied, "roster.customers.write")
	_, err = c.supervisorWest.GetManagerLoad(ctx, &rosterv1.GetManagerLoadRequest{Manager: "managers/E3002"})
	wantStatus(t, err, codes.NotFound, "managers/E3002")
	if resp, err := c.supervisorWest.ListCustomers(ctx, &rosterv1.ListCustomersRequest{Filter: `org_unit = "orgUnits/branch-west"`}); err != nil || resp.GetTotalSize() != 2 {
		t.Fatalf("supervisor of team-hongqiao lists %v (%v), want WEST-1 and WEST-2", resp, err)
	}
	_, err = c.admin.ListCustomers(ctx, &rosterv1.ListCustomersRequest{Filter: `colour = "red"`})
	wantStatus(t, err, codes.InvalidArgument, "unknown field")

	// Update with the field mask and etag.
	cu, _ := c.admin.GetCustomer(ctx, &rosterv1.GetCustomerRequest{Name: "customers/EAST-1"})
	updated, err := c.supervisorEast.UpdateCustomer(ctx, &rosterv1.UpdateCustomerRequest{
		Customer:   &rosterv1.Customer{Name: cu.GetName(), Classification: "B", DisplayName: "ignored", Etag: cu.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"classification"}}})
	if err != nil || updated.GetClassification() != "B" || updated.GetDisplayName() != cu.GetDisplayName() || updated.GetEtag() == cu.GetEtag() {
		t.Fatalf("update: %v, %v", updated, err)
	}
	_, err = c.supervisorEast.UpdateCustomer(ctx, &rosterv1.UpdateCustomerRequest{
		Customer: &rosterv1.Customer{Name: cu.GetName(), Classification: "C", Etag: cu.GetEtag()}})
	wantStatus(t, err, codes.Aborted, "etag")
	_, err = c.supervisorEast.UpdateCustomer(ctx, &rosterv1.UpdateCustomerRequest{
		Customer:   &rosterv1.Customer{Name: cu.GetName(), PrimaryManager: "managers/E3001"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"primary_manager"}}})
	wantStatus(t, err, codes.InvalidArgument, ":assign")
}

func handoverScenario(t *testing.T, c portfolioCallers) {
	ctx := context.Background()
	feed := func(after int64) []*rosterv1.PortfolioChange {
		t.Helper()
		stream, err := c.admin.WatchPortfolioChanges(ctx, &rosterv1.WatchPortfolioChangesRequest{After: after})
		if err != nil {
			t.Fatal(err)
		}
		var out []*rosterv1.PortfolioChange
		for {
			ch, err := stream.Recv()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ch)
		}
	}
	backlog := feed(0)
	if len(backlog) < 55 { // 50 imported, CORP50, EAST-1, WEST-1, WEST-2, the update
		t.Fatalf("feed holds %d changes", len(backlog))
	}
	for i, ch := range backlog {
		if ch.GetSequence() != int64(i+1) {
			t.Fatalf("feed position %d has sequence %d", i, ch.GetSequence())
		}
		// Created and updated customers come with their current state, so that a
		// follower (visits) keeps its copy without reading each one back.
		switch ch.GetKind() {
		case rosterv1.PortfolioChange_KIND_CUSTOMER_CREATED, rosterv1.PortfolioChange_KIND_CUSTOMER_UPDATED:
			if st := ch.GetState(); st.GetName() != ch.GetCustomer() || st.GetDisplayName() == "" || st.GetPrimaryManager() == "" || st.GetOrgUnit() == "" {
				t.Fatalf("change %d (%v) carries state %v", ch.GetSequence(), ch.GetKind(), st)
			}
		default:
			if ch.GetState() != nil {
				t.Fatalf("change %d (%v) carries a state", ch.GetSequence(), ch.GetKind())
			}
		}
	}
	last := backlog[len(backlog)-1].GetSequence()

	// Follow: a change made now arrives on an open stream.
	followCtx, stopFollowing := context.WithCancel(ctx)
	stream, err := c.admin.WatchPortfolioChanges(followCtx, &rosterv1.WatchPortfolioChangesRequest{After: last, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	arrived := make(chan *rosterv1.PortfolioChange, 10)
	streamErr := make(chan error, 1)
	go func() {
		for {
			ch, err := stream.Recv()
			if err != nil {
				streamErr <- err
				return
			}
			arrived <- ch
		}
	}()

	// Assign with a reason: a move on the feed, a period in the history, one audit record.
	audits := c.auditCount(t, `object = "customers/EAST-1"`)
	assigned, err := c.supervisorEast.AssignCustomer(ctx, &rosterv1.AssignCustomerRequest{Name: "customers/EAST-1",
		PrimaryManager: "managers/E3001", BackupManager: "managers/E3002", Reason: "客户转为对公服务", RequestId: "assign-east-1"})
	// E3001 took a 51st while the capacity was 51; lowered back to 50, they keep
	// their customers but receive no more.
	wantStatus(t, err, codes.FailedPrecondition, "managers/E3001 (LINE_CORPORATE) already serves 51 customers, the limit is 50")
	assigned, err = c.supervisorEast.AssignCustomer(ctx, &rosterv1.AssignCustomerRequest{Name: "customers/EAST-1",
		PrimaryManager: "managers/E1101", BackupManager: "managers/E3002", Reason: "主管亲自维护", RequestId: "assign-east-2"})
	if err != nil || assigned.GetPrimaryManager() != "managers/E1101" || assigned.GetBackupManager() != "managers/E3002" {
		t.Fatalf("assign: %v, %v", assigned, err)
	}
	if _, err := c.supervisorEast.AssignCustomer(ctx, &rosterv1.AssignCustomerRequest{Name: "customers/EAST-1",
		PrimaryManager: "managers/E1101", BackupManager: "managers/E3002", Reason: "主管亲自维护", RequestId: "assign-east-2"}); err != nil {
		t.Fatalf("retry: %v", err) // replayed from the request id: changes nothing, audits nothing
	}
	select {
	case ch := <-arrived:
		if ch.GetKind() != rosterv1.PortfolioChange_KIND_CUSTOMERS_REASSIGNED || ch.GetSequence() != last+1 || ch.GetReason() != "主管亲自维护" ||
			len(ch.GetMoves()) != 1 || ch.GetMoves()[0].GetFromManager() != "managers/E3002" || ch.GetMoves()[0].GetToManager() != "managers/E1101" {
			t.Fatalf("followed change = %v", ch)
		}
	case err := <-streamErr:
		t.Fatalf("follow stream ended: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("the assignment did not arrive on the following stream within 5 s")
	}
	stopFollowing()
	if err := <-streamErr; status.Code(err) != codes.Canceled {
		t.Fatalf("follow stream after the client went away: %v", err)
	}
	history, err := c.supervisorEast.ListAssignments(ctx, &rosterv1.ListAssignmentsRequest{Parent: "customers/EAST-1"})
	if err != nil || len(history.GetAssignments()) != 2 || history.GetAssignments()[0].GetEndDate() == nil ||
		history.GetAssignments()[1].GetReason() != "主管亲自维护" || history.GetAssignments()[1].GetRecordedBy() != "E1101" {
		t.Fatalf("history = %v, %v", history, err)
	}
	if n := c.auditCount(t, `object = "customers/EAST-1"`); n != audits+1 {
		t.Fatalf("assign left %d audit records, want 1", n-audits)
	}

	// Handover: E3003 leaves. A candidate (E3005) cannot receive; a supervisor of
	// another subtree cannot hand over; spread over E1201 and E3002 it works.
	_, err = c.admin.HandoverCustomers(ctx, &rosterv1.HandoverCustomersRequest{Manager: "managers/E3003",
		Receivers: []string{"managers/E1201", "managers/E3005"}, Reason: "E3003 调往总行"})
	wantStatus(t, err, codes.FailedPrecondition, "managers/E3005 is STATUS_CANDIDATE")
	_, err = c.admin.HandoverCustomers(ctx, &rosterv1.HandoverCustomersRequest{Manager: "managers/E3003", Reason: "x"})
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "receivers") {
		t.Fatalf("no receivers: %v", st)
	}
	_, err = c.supervisorEast.HandoverCustomers(ctx, &rosterv1.HandoverCustomersRequest{Manager: "managers/E3003",
		Receivers: []string{"managers/E3002"}, Reason: "x"})
	wantStatus(t, err, codes.PermissionDenied, "managers/E3003 is outside the org subtree")
	audits = c.auditCount(t, `object = "managers/E3003"`)
	res, err := c.admin.HandoverCustomers(ctx, &rosterv1.HandoverCustomersRequest{Manager: "managers/E3003",
		Receivers: []string{"managers/E1201", "managers/E3002"}, Reason: "E3003 调往总行", RequestId: "handover-e3003"})
	if err != nil || res.GetMoved() != 2 || len(res.GetReceivers()) != 2 || res.GetSequence() != last+2 {
		t.Fatalf("handover: %v, %v", res, err)
	}
	if n := c.auditCount(t, `object = "managers/E3003"`); n != audits+1 {
		t.Fatalf("handover left %d audit records, want 1", n-audits)
	}
	if load, err := c.admin.GetManagerLoad(ctx, &rosterv1.GetManagerLoadRequest{Manager: "managers/E3003"}); err != nil || load.GetPrimaryCustomers() != 0 {
		t.Fatalf("E3003 after handover: %v, %v", load, err)
	}
	// WEST-1 was backed up by E3002: if it went to E3002, the backup is cleared.
	w1, _ := c.admin.GetCustomer(ctx, &rosterv1.GetCustomerRequest{Name: "customers/WEST-1"})
	if (w1.GetPrimaryManager() == "managers/E3002") != (w1.GetBackupManager() == "") {
		t.Fatalf("WEST-1 after handover: %v", w1)
	}
	tail := feed(last + 1)
	if len(tail) != 1 || tail[0].GetKind() != rosterv1.PortfolioChange_KIND_CUSTOMERS_REASSIGNED || len(tail[0].GetMoves()) != 2 {
		t.Fatalf("handover on the feed: %v", tail)
	}
	_, err = c.cm.WatchPortfolioChanges(ctx, &rosterv1.WatchPortfolioChangesRequest{})
	if err == nil {
		s, _ := c.cm.WatchPortfolioChanges(ctx, &rosterv1.WatchPortfolioChangesRequest{})
		_, err = s.Recv()
	}
	wantStatus(t, err, codes.PermissionDenied, "roster.portfolio.watch")
}

func importScenario(t *testing.T, c portfolioCallers) {
	ctx := context.Background()
	audits := c.auditCount(t, `object = "customers"`)
	before := c.total(t, "")
	bad := customerCSV(
		[]string{"IMP-1", "好客户", "个人", "A", "", "", "", "城区", "电话", "E3002", ""},
		[]string{"IMP-2", "", "外星人", "A", "", "91", "", "火星", "", "E3002", "E3002"},
		[]string{"IMP-1", "重复", "个人", "A", "", "", "", "城区", "", "E3005", ""},
	)
	for _, validateOnly := range []bool{true, false} {
		res, err := c.admin.ImportCustomers(ctx, &rosterv1.ImportCustomersRequest{Content: bad, ValidateOnly: validateOnly})
		if err != nil || res.GetRows() != 3 || res.GetImported() != 0 {
			t.Fatalf("bad file: %v, %v", res, err)
		}
		var got []string
		for _, p := range res.GetProblems() {
			got = append(got, fmt.Sprintf("%d:%s", p.GetRow(), p.GetColumn()))
		}
		want := "[3:display_name 3:kind 3:area_type 3:latitude 3:longitude 3:backup_manager 4:customer_code 4:primary_manager]"
		if fmt.Sprint(got) != want {
			t.Fatalf("validate_only=%v problems %v, want %s (%v)", validateOnly, got, want, res.GetProblems())
		}
	}
	good := customerCSV([]string{"IMP-1", "好客户", "个人", "A", "", "", "", "城区", "电话", "E3002", ""})
	res, err := c.admin.ImportCustomers(ctx, &rosterv1.ImportCustomersRequest{Content: good, ValidateOnly: true})
	if err != nil || res.GetImported() != 0 || len(res.GetProblems()) != 0 || c.total(t, "") != before {
		t.Fatalf("dry run: %v, %v", res, err)
	}
	if n := c.auditCount(t, `object = "customers"`); n != audits {
		t.Fatalf("dry runs and bad files left %d audit records", n-audits)
	}
	res, err = c.admin.ImportCustomers(ctx, &rosterv1.ImportCustomersRequest{Content: good, Format: "csv"})
	if err != nil || res.GetImported() != 1 || c.total(t, "") != before+1 {
		t.Fatalf("import: %v, %v", res, err)
	}
	if n := c.auditCount(t, `object = "customers"`); n != audits+1 {
		t.Fatalf("an import left %d audit records, want 1", n-audits)
	}
	_, err = c.admin.ImportCustomers(ctx, &rosterv1.ImportCustomersRequest{Content: []byte{0xD0, 0xCF, 0x11, 0xE0, 9, 9}})
	wantStatus(t, err, codes.InvalidArgument, "save it as .xlsx")
	_, err = c.admin.ImportCustomers(ctx, &rosterv1.ImportCustomersRequest{Content: good, Format: "ods"})
	wantStatus(t, err, codes.InvalidArgument, "format")
}

// A following change-feed stream ends when the service shuts down, at once and
// with Unavailable, instead of holding up the graceful stop until its deadline.
func TestFollowStreamEndsOnShutdown(t *testing.T) {
	type ending struct {
		err error
		at  time.Time
	}
	ended := make(chan ending, 1)
	var stopping time.Time
	t.Cleanup(func() { // runs last: after the service has stopped
		select {
		case e := <-ended:
			if status.Code(e.err) != codes.Unavailable || !strings.Contains(e.err.Error(), "resume after sequence") {
				t.Errorf("stream ended with %v, want Unavailable saying where to resume", e.err)
			}
			if d := e.at.Sub(stopping); d > 2*time.Second {
				t.Errorf("stream ended %v after shutdown began; it held up the graceful stop", d)
			}
		case <-time.After(10 * time.Second):
			t.Error("stream did not end after shutdown")
		}
	})
	iss := authtest.New(t)
	// The client connection must outlive the service, so it is not closed by a
	// cleanup that runs before the service stops.
	var clientConn *grpc.ClientConn
	t.Cleanup(func() { clientConn.Close() })
	conn := serve(t, storagetest.SQLiteURL(t), iss)
	t.Cleanup(func() { stopping = time.Now() }) // runs first: just before serve's cleanup stops the service
	clientConn, err := grpc.NewClient(conn.Target(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(authtest.Bearer(iss.Token(t, "svc-visits", "", auth.System))))
	if err != nil {
		t.Fatal(err)
	}
	client := rosterv1.NewPortfolioServiceClient(clientConn)
	stream, err := client.WatchPortfolioChanges(context.Background(), &rosterv1.WatchPortfolioChangesRequest{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			if _, err := stream.Recv(); err != nil {
				ended <- ending{err, time.Now()}
				return
			}
		}
	}()
	time.Sleep(300 * time.Millisecond) // the stream is open and polling
}
