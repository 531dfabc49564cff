package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
	auditv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/audit/v1"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

func day(y, m, d int32) *date.Date { return &date.Date{Year: y, Month: m, Day: d} }

// callers are the seeded users' connections to one roster.
type callers struct {
	admin, hr, committee, system, headEast, headWest, supLujiazui, supHongqiao, cm3001, cm3002 rosterv1.ManagerServiceClient
	approvals                                                                                  map[string]approvalv1.ApprovalServiceClient
	audit                                                                                      auditv1.AuditServiceClient
}

func startManagers(t *testing.T, dbURL string) callers {
	t.Helper()
	iss := authtest.New(t)
	conn := serve(t, dbURL, iss)
	as := func(sub, unit string, roles ...auth.Role) *grpcConn {
		return &grpcConn{withToken(t, conn, iss.Token(t, sub, unit, roles...))}
	}
	admin := as("E0001", "head-office", auth.Administrator)
	hr := as("E0002", "head-office", auth.HROfficer)
	hr2 := as("E0009", "head-office", auth.HROfficer)
	committee := as("E0003", "head-office", auth.Committee)
	headWest := as("E1200", "branch-west", auth.BranchHead)
	return callers{
		admin: admin.managers(), hr: hr.managers(), committee: committee.managers(),
		system:      as("svc:assessment", "", auth.System).managers(),
		headEast:    as("E1100", "branch-east", auth.BranchHead).managers(),
		headWest:    headWest.managers(),
		supLujiazui: as("E1101", "team-lujiazui", auth.Supervisor).managers(),
		supHongqiao: as("E1201", "team-hongqiao", auth.Supervisor).managers(),
		cm3001:      as("E3001", "team-lujiazui", auth.CustomerManager).managers(),
		cm3002:      as("E3002", "team-lujiazui", auth.CustomerManager).managers(),
		approvals: map[string]approvalv1.ApprovalServiceClient{
			"hr": hr.approvals(), "hr2": hr2.approvals(), "committee": committee.approvals(), "headWest": headWest.approvals(),
		},
		audit: admin.audit(),
	}
}

func TestManagers(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		c := startManagers(t, url)
		t.Run("rotation flags", func(t *testing.T) { rotationScenario(t, c) })
		t.Run("as of a day, across moves and grade changes", func(t *testing.T) { asOfScenario(t, c) })
		t.Run("lifecycle and grade steps", func(t *testing.T) { lifecycleScenario(t, c) })
		t.Run("entry checks and waivers", func(t *testing.T) { entryScenario(t, c) })
		t.Run("scope and personal data", func(t *testing.T) { scopeScenario(t, c) })
	})
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantStatus(t *testing.T, err error, code codes.Code, fragment string) {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != code || !strings.Contains(st.Message(), fragment) {
		t.Fatalf("got %v %q, want %v containing %q", st.Code(), st.Message(), code, fragment)
	}
}

func asOfScenario(t *testing.T, c callers) {
	ctx := context.Background()
	asOf := func(y, m, d int32) *rosterv1.ManagerSnapshot {
		t.Helper()
		return must[*rosterv1.ManagerSnapshot](t)(c.hr.GetManagerAsOf(ctx, &rosterv1.GetManagerAsOfRequest{Name: "managers/E3003", Date: day(y, m, d)}))
	}
	// Seeded career of E3003: 静安 from 2020-09-01, 虹桥 from 2024-01-01; 见习 2020-10-01,
	// 四级 2021-10-01, 三级 2024-07-01.
	for _, w := range []struct {
		y, m, d     int32
		unit, level string
		status      rosterv1.Manager_Status
	}{
		{2020, 9, 15, "orgUnits/team-jingan", "", rosterv1.Manager_STATUS_CANDIDATE},
		{2021, 10, 1, "orgUnits/team-jingan", "L4", rosterv1.Manager_STATUS_CONFIRMED},
		{2023, 12, 31, "orgUnits/team-jingan", "L4", rosterv1.Manager_STATUS_CONFIRMED},
		{2024, 1, 1, "orgUnits/team-hongqiao", "L4", rosterv1.Manager_STATUS_CONFIRMED},
		{2024, 7, 1, "orgUnits/team-hongqiao", "L3", rosterv1.Manager_STATUS_CONFIRMED},
	} {
		s := asOf(w.y, w.m, w.d)
		if s.GetOrgUnit() != w.unit || s.GetGrade().GetLevel() != w.level || s.GetStatus() != w.status {
			t.Errorf("%d-%02d-%02d: %v %v %v, want %s %s %v", w.y, w.m, w.d, s.GetOrgUnit(), s.GetGrade().GetLevel(), s.GetStatus(), w.unit, w.level, w.status)
		}
	}
	if g := asOf(2024, 7, 1).GetGrade(); g.GetDisplayName() != "三级" || g.GetStaffGrade() != 8 {
		t.Errorf("grade details: %v", g)
	}
	// Many at once: the same answers, in request order; unknown managers and
	// managers out of the caller's scope are missing.
	batch := must[*rosterv1.BatchGetManagersAsOfResponse](t)(c.system.BatchGetManagersAsOf(ctx, &rosterv1.BatchGetManagersAsOfRequest{
		Names: []string{"managers/E3003", "managers/NOBODY", "managers/E3002"}, Date: day(2024, 7, 1)}))
	if s := batch.GetSnapshots(); len(s) != 2 || s[0].GetManager() != "managers/E3003" || s[0].GetOrgUnit() != "orgUnits/team-hongqiao" ||
		s[0].GetGrade().GetDisplayName() != "三级" || s[1].GetManager() != "managers/E3002" || s[1].GetGrade().GetLevel() != "L4" ||
		len(batch.GetMissing()) != 1 || batch.GetMissing()[0] != "managers/NOBODY" {
		t.Errorf("batch as of 2024-07-01: %v", batch)
	}
	batch = must[*rosterv1.BatchGetManagersAsOfResponse](t)(c.cm3002.BatchGetManagersAsOf(ctx, &rosterv1.BatchGetManagersAsOfRequest{
		Names: []string{"managers/E3003", "managers/E3002"}, Date: day(2024, 7, 1)}))
	if len(batch.GetSnapshots()) != 1 || batch.GetSnapshots()[0].GetManager() != "managers/E3002" || len(batch.GetMissing()) != 1 {
		t.Errorf("a manager sees only themself: %v", batch)
	}
	_, err := c.hr.BatchGetManagersAsOf(ctx, &rosterv1.BatchGetManagersAsOfRequest{Names: []string{"managers/E3003", "managers/E3003"}})
	wantStatus(t, err, codes.InvalidArgument, "repeats names[0]")

	// A new move and a new grade, dated: the past stays as it was.
	must[*rosterv1.Manager](t)(c.hr.TransferManager(ctx, &rosterv1.TransferManagerRequest{Name: "managers/E3003",
		EffectiveDate: day(2026, 3, 1), OrgUnit: "orgUnits/team-jingan", Supervisor: "-", Reason: "轮岗"}))
	resp := must[*rosterv1.ChangeManagerGradeResponse](t)(c.system.ChangeManagerGrade(ctx, &rosterv1.ChangeManagerGradeRequest{
		Name: "managers/E3003", Grade: &rosterv1.Grade{Ladder: "gradeLadders/bank", Level: "L2"}, EffectiveDate: day(2026, 7, 1),
		Reason: "2026 年中考核晋级", Reference: "services/assessment/decisions/d-1"}))
	if resp.GetApproval() != "" || resp.GetManager().GetGrade().GetLevel() != "L2" {
		t.Fatalf("a system's grade change applies at once: %v", resp)
	}
	for _, w := range []struct {
		y, m, d     int32
		unit, level string
	}{{2026, 2, 28, "orgUnits/team-hongqiao", "L3"}, {2026, 3, 1, "orgUnits/team-jingan", "L3"}, {2026, 7, 1, "orgUnits/team-jingan", "L2"}, {2024, 1, 1, "orgUnits/team-hongqiao", "L4"}} {
		if s := asOf(w.y, w.m, w.d); s.GetOrgUnit() != w.unit || s.GetGrade().GetLevel() != w.level {
			t.Errorf("after the changes, %d-%02d-%02d: %s %s, want %s %s", w.y, w.m, w.d, s.GetOrgUnit(), s.GetGrade().GetLevel(), w.unit, w.level)
		}
	}
	if s := asOf(2026, 3, 1); s.GetSupervisor() != "" {
		t.Errorf("supervisor removed from 2026-03-01: %q", s.GetSupervisor())
	}
	// Back-dating before the last change is refused: history is appended in order.
	_, err = c.system.ChangeManagerGrade(ctx, &rosterv1.ChangeManagerGradeRequest{Name: "managers/E3003",
		Grade: &rosterv1.Grade{Ladder: "gradeLadders/bank", Level: "L1"}, EffectiveDate: day(2026, 6, 30), Reason: "x"})
	wantStatus(t, err, codes.InvalidArgument, "before the last grade change on 2026-07-01")
	hist := must[*rosterv1.ListManagerHistoryResponse](t)(c.hr.ListManagerHistory(ctx, &rosterv1.ListManagerHistoryRequest{Name: "managers/E3003"}))
	last := hist.GetEntries()[len(hist.GetEntries())-1]
	if last.GetKind() != rosterv1.ManagerHistoryEntry_KIND_GRADE || last.GetReference() != "services/assessment/decisions/d-1" || last.GetRecordedBy() != "svc:assessment" {
		t.Errorf("last history entry: %v", last)
	}
}

func lifecycleScenario(t *testing.T, c callers) {
	ctx := context.Background()
	// A confirmed manager cannot be confirmed again or have probation extended.
	_, err := c.hr.ConfirmManager(ctx, &rosterv1.ConfirmManagerRequest{Name: "managers/E3002", Reason: "x"})
	wantStatus(t, err, codes.FailedPrecondition, "managers/E3002 is STATUS_CONFIRMED; confirm is allowed only from STATUS_PROBATION or STATUS_EXTENDED_PROBATION")
	_, err = c.hr.ExtendProbation(ctx, &rosterv1.ExtendProbationRequest{Name: "managers/E3002", Reason: "x", Months: 1})
	wantStatus(t, err, codes.FailedPrecondition, "allowed only from STATUS_PROBATION")
	_, err = c.hr.EndObservation(ctx, &rosterv1.EndObservationRequest{Name: "managers/E3002", Reason: "x"})
	wantStatus(t, err, codes.FailedPrecondition, "allowed only from STATUS_OBSERVATION")

	// E3004 is in probation since 2026-09-01 and due this November.
	due := must[*rosterv1.ListProbationDueResponse](t)(c.hr.ListProbationDue(ctx, &rosterv1.ListProbationDueRequest{Month: day(2026, 11, 1)}))
	if len(due.GetDue()) != 1 || due.GetDue()[0].GetManager() != "managers/E3004" || due.GetDue()[0].GetDueDate().GetDay() != 30 {
		t.Fatalf("probation due in November 2026: %v", due)
	}
	// Standard confirmation before 2026-12-01 is refused; an early one waits for approval.
	_, err = c.hr.ConfirmManager(ctx, &rosterv1.ConfirmManagerRequest{Name: "managers/E3004", Reason: "x", EffectiveDate: day(2026, 11, 20)})
	wantStatus(t, err, codes.FailedPrecondition, "ends on 2026-11-30")
	early := must[*rosterv1.TransitionManagerResponse](t)(c.hr.ConfirmManager(ctx, &rosterv1.ConfirmManagerRequest{Name: "managers/E3004",
		Reason: "表现优秀，提前转正", EffectiveDate: day(2026, 11, 20), Early: true}))
	if early.GetApproval() == "" || early.GetManager().GetStatus() != rosterv1.Manager_STATUS_PROBATION {
		t.Fatalf("early confirmation should wait for approval: %v", early)
	}
	_, err = c.approvals["hr"].ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: early.GetApproval()})
	wantStatus(t, err, codes.PermissionDenied, "")
	must[*approvalv1.Approval](t)(c.approvals["hr2"].ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: early.GetApproval(), Reason: "同意"}))
	m := must[*rosterv1.Manager](t)(c.hr.GetManager(ctx, &rosterv1.GetManagerRequest{Name: "managers/E3004"}))
	if m.GetStatus() != rosterv1.Manager_STATUS_CONFIRMED || m.GetStatusDate().GetDay() != 20 {
		t.Fatalf("after approval: %v %v", m.GetStatus(), m.GetStatusDate())
	}

	// Grades move one step at a time; a skip needs the exceptional flag and approval.
	_, err = c.system.ChangeManagerGrade(ctx, &rosterv1.ChangeManagerGradeRequest{Name: "managers/E3002",
		Grade: &rosterv1.Grade{Ladder: "gradeLadders/bank", Level: "L2"}, EffectiveDate: day(2026, 12, 1), Reason: "x"})
	wantStatus(t, err, codes.FailedPrecondition, "from 四级 to 二级 skips 1 step(s)")
	exc := must[*rosterv1.ChangeManagerGradeResponse](t)(c.system.ChangeManagerGrade(ctx, &rosterv1.ChangeManagerGradeRequest{Name: "managers/E3002",
		Grade: &rosterv1.Grade{Ladder: "gradeLadders/bank", Level: "L2"}, EffectiveDate: day(2026, 12, 1), Reason: "重大贡献破格晋升", Exceptional: true}))
	if exc.GetApproval() == "" || exc.GetManager().GetGrade().GetLevel() != "L4" {
		t.Fatalf("an exceptional change waits for approval: %v", exc)
	}
	must[*approvalv1.Approval](t)(c.approvals["committee"].ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: exc.GetApproval()}))
	if g := must[*rosterv1.Manager](t)(c.hr.GetManager(ctx, &rosterv1.GetManagerRequest{Name: "managers/E3002"})).GetGrade(); g.GetLevel() != "L2" {
		t.Fatalf("after approval grade = %v", g)
	}
	// HR's own grade change always waits for a second person.
	hrChange := must[*rosterv1.ChangeManagerGradeResponse](t)(c.hr.ChangeManagerGrade(ctx, &rosterv1.ChangeManagerGradeRequest{Name: "managers/E3001",
		Grade: &rosterv1.Grade{Ladder: "gradeLadders/bank", Level: "L2"}, EffectiveDate: day(2026, 12, 1), Reason: "年度晋级"}))
	if hrChange.GetApproval() == "" {
		t.Fatal("HR's grade change applied without approval")
	}
	// Exit needs the manager's customers handed over; without customers it goes through.
	out := must[*rosterv1.TransitionManagerResponse](t)(c.hr.ExitManager(ctx, &rosterv1.ExitManagerRequest{Name: "managers/E3004",
		Reason: "个人原因辞职", ExitReason: rosterv1.Manager_EXIT_REASON_RESIGNED, EffectiveDate: day(2026, 12, 31)}))
	if out.GetManager().GetStatus() != rosterv1.Manager_STATUS_EXITED {
		t.Fatalf("exit: %v", out)
	}
	_, err = c.hr.StartObservation(ctx, &rosterv1.StartObservationRequest{Name: "managers/E3004", Reason: "x"})
	wantStatus(t, err, codes.FailedPrecondition, "STATUS_EXITED")
}

func entryScenario(t *testing.T, c callers) {
	ctx := context.Background()
	// E3005 is a candidate with 高中 education, no licence, no exams, no finance years.
	res := must[*rosterv1.EvaluateEntryResponse](t)(c.hr.EvaluateEntry(ctx, &rosterv1.EvaluateEntryRequest{Name: "managers/E3005", Date: day(2026, 11, 23)}))
	failing := map[string]string{}
	for _, r := range res.GetRules() {
		if !r.GetPassed() {
			failing[r.GetRule()] = r.GetReason()
		}
	}
	for _, rule := range []string{"experience", "education", "credit_licence", "exams"} {
		if failing[rule] == "" {
			t.Errorf("rule %s should fail with a reason; got %v", rule, res.GetRules())
		}
	}
	if len(failing) != 4 || res.GetEligible() {
		t.Fatalf("failing = %v eligible = %v", failing, res.GetEligible())
	}
	_, err := c.hr.AppointManager(ctx, &rosterv1.AppointManagerRequest{Name: "managers/E3005", Reason: "聘任"})
	wantStatus(t, err, codes.FailedPrecondition, "cannot be appointed while entry rules fail")

	// A waiver needs another person's approval: the requester cannot approve it.
	w := must[*rosterv1.RequestEntryWaiverResponse](t)(c.hr.RequestEntryWaiver(ctx, &rosterv1.RequestEntryWaiverRequest{
		Name: "managers/E3005", Rule: "education", Reason: "营销业绩突出，经总行人力资源部研究同意"}))
	_, err = c.approvals["hr"].ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: w.GetApproval()})
	wantStatus(t, err, codes.PermissionDenied, "")
	_, err = c.hr.RequestEntryWaiver(ctx, &rosterv1.RequestEntryWaiverRequest{Name: "managers/E3005", Rule: "exams", Reason: "x"})
	wantStatus(t, err, codes.InvalidArgument, "cannot be waived")
	must[*approvalv1.Approval](t)(c.approvals["headWest"].ApproveApproval(ctx, &approvalv1.ApproveApprovalRequest{Name: w.GetApproval(), Reason: "同意"}))
	res = must[*rosterv1.EvaluateEntryResponse](t)(c.hr.EvaluateEntry(ctx, &rosterv1.EvaluateEntryRequest{Name: "managers/E3005", Date: day(2026, 11, 23)}))
	for _, r := range res.GetRules() {
		if r.GetRule() == "education" && (r.GetPassed() || r.GetWaiver() != w.GetApproval()) {
			t.Errorf("education after the waiver: %v", r)
		}
	}
	// A corporate move adds the corporate-experience rule: E3002 has about 4.5 retail years.
	res = must[*rosterv1.EvaluateEntryResponse](t)(c.hr.EvaluateEntry(ctx, &rosterv1.EvaluateEntryRequest{Name: "managers/E3002",
		TargetLine: rosterv1.Line_LINE_CORPORATE, Date: day(2026, 11, 23)}))
	if !res.GetEligible() || len(res.GetRules()) != 6 {
		t.Errorf("E3002 to corporate: %v", res)
	}
}

func scopeScenario(t *testing.T, c callers) {
	ctx := context.Background()
	// A CM reads their own record with personal data; a peer's is not found.
	own := must[*rosterv1.Manager](t)(c.cm3001.GetManager(ctx, &rosterv1.GetManagerRequest{Name: "managers/E3001"}))
	if own.GetPhone() != "13900003001" {
		t.Errorf("own phone = %q", own.GetPhone())
	}
	_, err := c.cm3001.GetManager(ctx, &rosterv1.GetManagerRequest{Name: "managers/E3002"})
	wantStatus(t, err, codes.NotFound, "managers/E3002")
	// A supervisor sees the team, with personal data masked; not another team.
	peer := must[*rosterv1.Manager](t)(c.supLujiazui.GetManager(ctx, &rosterv1.GetManagerRequest{Name: "managers/E3002"}))
	if peer.GetPhone() != "*******3002" || !strings.HasSuffix(peer.GetIdNumber(), "002X") || strings.Contains(peer.GetIdNumber(), "310115") {
		t.Errorf("masked personal data: phone %q id %q", peer.GetPhone(), peer.GetIdNumber())
	}
	_, err = c.supHongqiao.GetManager(ctx, &rosterv1.GetManagerRequest{Name: "managers/E3002"})
	wantStatus(t, err, codes.NotFound, "")
	list := must[*rosterv1.ListManagersResponse](t)(c.supLujiazui.ListManagers(ctx, &rosterv1.ListManagersRequest{}))
	for _, m := range list.GetManagers() {
		if m.GetOrgUnit() != "orgUnits/team-lujiazui" {
			t.Errorf("supervisor of team-lujiazui lists %s in %s", m.GetName(), m.GetOrgUnit())
		}
	}
	// A branch head sees the whole subtree and may filter inside it.
	east := must[*rosterv1.ListManagersResponse](t)(c.headEast.ListManagers(ctx, &rosterv1.ListManagersRequest{Filter: `org_unit = "orgUnits/branch-east" AND line = LINE_RETAIL`}))
	names := []string{}
	for _, m := range east.GetManagers() {
		names = append(names, m.GetName())
	}
	if strings.Join(names, ",") != "managers/E3002" && strings.Join(names, ",") != "managers/E3004,managers/E3002" && len(names) == 0 {
		t.Errorf("branch-east retail managers: %v", names)
	}
	for _, m := range east.GetManagers() {
		if m.GetLine() != rosterv1.Line_LINE_RETAIL {
			t.Errorf("filter ignored: %v", m)
		}
	}
	// Writes outside the subtree are refused; HR updates with a mask and the etag.
	_, err = c.headWest.TransferManager(ctx, &rosterv1.TransferManagerRequest{Name: "managers/E3001", EffectiveDate: day(2026, 12, 1),
		Post: "x", Reason: "x"})
	wantStatus(t, err, codes.PermissionDenied, "")
	cur := must[*rosterv1.Manager](t)(c.hr.GetManager(ctx, &rosterv1.GetManagerRequest{Name: "managers/E3001"}))
	upd := must[*rosterv1.Manager](t)(c.hr.UpdateManager(ctx, &rosterv1.UpdateManagerRequest{
		Manager:    &rosterv1.Manager{Name: "managers/E3001", Phone: "13900009999", Etag: cur.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"phone"}}}))
	if upd.GetPhone() != "13900009999" || upd.GetDisplayName() != cur.GetDisplayName() {
		t.Errorf("update: %v", upd)
	}
	_, err = c.hr.UpdateManager(ctx, &rosterv1.UpdateManagerRequest{
		Manager:    &rosterv1.Manager{Name: "managers/E3001", Phone: "13900008888", Etag: cur.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"phone"}}})
	wantStatus(t, err, codes.Aborted, "")
	_, err = c.hr.UpdateManager(ctx, &rosterv1.UpdateManagerRequest{
		Manager:    &rosterv1.Manager{Name: "managers/E3001", OrgUnit: "orgUnits/team-jingan"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"org_unit"}}})
	wantStatus(t, err, codes.InvalidArgument, ":transfer")
	// The audit log holds the change with personal data masked.
	recs := must[*auditv1.ListAuditRecordsResponse](t)(c.audit.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{Parent: "services/roster",
		Filter: `object = "managers/E3001"`}))
	found := false
	for _, r := range recs.GetAuditRecords() {
		if strings.HasSuffix(r.GetMethod(), "/UpdateManager") {
			found = true
			if s := r.GetAfter().String(); strings.Contains(s, "13900009999") {
				t.Errorf("audit record shows the phone number: %s", s)
			}
		}
	}
	if !found {
		t.Errorf("no audit record of the update: %v", recs)
	}
}

type grpcConn struct{ conn *grpc.ClientConn }

func (c *grpcConn) managers() rosterv1.ManagerServiceClient {
	return rosterv1.NewManagerServiceClient(c.conn)
}
func (c *grpcConn) approvals() approvalv1.ApprovalServiceClient {
	return approvalv1.NewApprovalServiceClient(c.conn)
}
func (c *grpcConn) audit() auditv1.AuditServiceClient { return auditv1.NewAuditServiceClient(c.conn) }

func rotationScenario(t *testing.T, c callers) {
	ctx := context.Background()
	resp := must[*rosterv1.ListRotationFlagsResponse](t)(c.hr.ListRotationFlags(ctx, &rosterv1.ListRotationFlagsRequest{Date: day(2026, 11, 23)}))
	got := map[string]string{}
	for _, f := range resp.GetFlags() {
		if f.GetKind() == rosterv1.RotationFlag_KIND_SAME_POSTING {
			got[f.GetManager()] = civilString(f.GetSinceDate())
		}
	}
	// E1101 changed line in 2016 but not unit or post: unbroken since hiring. E3001
	// changed post in 2022, E3003 unit in 2024: not flagged.
	want := map[string]string{"managers/E1101": "2012-03-01", "managers/E1201": "2014-07-01", "managers/E3002": "2021-03-01"}
	if len(got) != len(want) {
		t.Fatalf("flags %v, want %v", got, want)
	}
	for m, since := range want {
		if got[m] != since {
			t.Errorf("%s: since %q, want %s", m, got[m], since)
		}
	}
	if f := resp.GetFlags()[0]; f.GetManager() != "managers/E1101" || f.GetYears() != 14 {
		t.Errorf("longest-standing first: %v", f)
	}
	// A supervisor sees only their team's flags.
	team := must[*rosterv1.ListRotationFlagsResponse](t)(c.supHongqiao.ListRotationFlags(ctx, &rosterv1.ListRotationFlagsRequest{Date: day(2026, 11, 23)}))
	if len(team.GetFlags()) != 1 || team.GetFlags()[0].GetManager() != "managers/E1201" {
		t.Errorf("team-hongqiao flags: %v", team.GetFlags())
	}
}

func civilString(d *date.Date) string {
	return fmt.Sprintf("%04d-%02d-%02d", d.GetYear(), d.GetMonth(), d.GetDay())
}
