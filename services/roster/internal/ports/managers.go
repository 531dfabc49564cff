package ports

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/idempotency"
	"github.com/rmsuite/rmsuite/pkg/storage"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
	"github.com/rmsuite/rmsuite/services/roster/internal/app"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
)

// ManagerServer implements rmsuite.roster.v1.ManagerService.
type ManagerServer struct {
	rosterv1.UnimplementedManagerServiceServer
	db       *storage.DB
	managers *app.Managers
}

// NewManagerServer serves the manager use cases.
func NewManagerServer(db *storage.DB, managers *app.Managers) *ManagerServer {
	return &ManagerServer{db: db, managers: managers}
}

const (
	managerPrefix = "managers/"
	ladderPrefix  = "gradeLadders/"
)

var employeeNumber = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)

// GetManager reads one manager.
func (s *ManagerServer) GetManager(ctx context.Context, req *rosterv1.GetManagerRequest) (*rosterv1.Manager, error) {
	id, err := managerID("name", req.GetName())
	if err != nil {
		return nil, err
	}
	m, err := s.managers.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, m), nil
}

// ListManagers reads one page of managers.
func (s *ManagerServer) ListManagers(ctx context.Context, req *rosterv1.ListManagersRequest) (*rosterv1.ListManagersResponse, error) {
	list, next, total, err := s.managers.List(ctx, aip.Request{Filter: req.GetFilter(), OrderBy: req.GetOrderBy(),
		PageSize: req.GetPageSize(), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	full := s.managers.Viewer(ctx)
	ladders := s.ladderNames(ctx)
	resp := &rosterv1.ListManagersResponse{NextPageToken: next, TotalSize: int32(total)}
	for _, m := range list {
		resp.Managers = append(resp.Managers, toProtoManager(m, full(m), ladders))
	}
	return resp, nil
}

// view converts m for the caller in ctx (personal data masked unless allowed),
// reading only the ladder of m's grade.
func (s *ManagerServer) view(ctx context.Context, m manager.Manager) *rosterv1.Manager {
	ladders := map[string]manager.Ladder{}
	if !m.Grade.IsZero() {
		if l, err := s.managers.Ladder(ctx, m.Grade.Ladder); err == nil {
			ladders[l.ID] = l
		}
	}
	return toProtoManager(m, s.managers.Viewer(ctx)(m), ladders)
}

func (s *ManagerServer) ladderNames(ctx context.Context) map[string]manager.Ladder {
	out := map[string]manager.Ladder{}
	if ls, err := s.managers.Ladders(ctx); err == nil {
		for _, l := range ls {
			out[l.ID] = l
		}
	}
	return out
}

// CreateManager records a new manager.
func (s *ManagerServer) CreateManager(ctx context.Context, req *rosterv1.CreateManagerRequest) (*rosterv1.Manager, error) {
	var v apierr.Violations
	pm := req.GetManager()
	if pm == nil {
		v.Add("manager", "is required")
		return nil, v.Err()
	}
	m := fromProtoManager(&v, "manager.", pm, true)
	m.ID = req.GetManagerId()
	if !employeeNumber.MatchString(m.ID) {
		v.Add("manager_id", "%q is not an employee number: use 1 to 32 letters, digits and hyphens", m.ID)
	}
	if m.OrgUnitID == "" {
		v.Add("manager.org_unit", "is required, e.g. orgUnits/team-lujiazui")
	}
	if !m.Line.Valid() {
		v.Add("manager.line", "is required: LINE_CORPORATE, LINE_RETAIL or LINE_MICRO")
	}
	if m.HireDate.IsZero() {
		v.Add("manager.hire_date", "is required")
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.Manager, error) {
		out, err := s.managers.Create(ctx, m)
		if err != nil {
			return nil, err
		}
		return s.view(ctx, out), nil
	})
}

// managerUpdatable are the fields UpdateManager may change; the rest have their own
// calls.
var managerUpdatable = []string{"display_name", "gender", "birth_date", "education", "hire_date", "finance_start_date",
	"category", "employment_type", "qualifications", "id_number", "phone", "entry_record"}

var managerMaskIgnored = map[string]bool{"name": true, "etag": true, "create_time": true, "update_time": true,
	"grade": true, "status": true, "status_date": true, "exit_reason": true}

// UpdateManager changes personal and employment data.
func (s *ManagerServer) UpdateManager(ctx context.Context, req *rosterv1.UpdateManagerRequest) (*rosterv1.Manager, error) {
	var v apierr.Violations
	pm := req.GetManager()
	if pm == nil {
		v.Add("manager", "is required")
		return nil, v.Err()
	}
	id := checkManagerName(&v, "manager.name", pm.GetName())
	in := fromProtoManager(&v, "manager.", pm, false)
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		v.Add("update_mask", "name the fields to change, e.g. \"phone,qualifications\"; updatable: %s", strings.Join(managerUpdatable, ", "))
	}
	var fields []string
	for _, p := range paths {
		switch {
		case p == "*":
			fields = append(fields, managerUpdatable...)
		case slices.Contains(managerUpdatable, p):
			fields = append(fields, p)
		case managerMaskIgnored[p]:
		case p == "org_unit" || p == "post" || p == "line" || p == "supervisor":
			v.Add("update_mask", "%s changes through POST /v1/managers/{id}:transfer, which keeps the dated history", p)
		default:
			v.Add("update_mask", "%q cannot be updated; updatable fields are %s", p, strings.Join(managerUpdatable, ", "))
		}
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	edit := func(m *manager.Manager) error {
		for _, f := range fields {
			switch f {
			case "display_name":
				m.DisplayName = in.DisplayName
			case "gender":
				m.Gender = in.Gender
			case "birth_date":
				m.BirthDate = in.BirthDate
			case "education":
				m.Education = in.Education
			case "hire_date":
				m.HireDate = in.HireDate
			case "finance_start_date":
				m.FinanceStart = in.FinanceStart
			case "category":
				m.Category = in.Category
			case "employment_type":
				m.EmploymentType = in.EmploymentType
			case "qualifications":
				m.Qualifications = in.Qualifications
			case "id_number":
				m.IDNumber = in.IDNumber
			case "phone":
				m.Phone = in.Phone
			case "entry_record":
				m.Entry = in.Entry
			}
		}
		if strings.TrimSpace(m.DisplayName) == "" || m.HireDate.IsZero() {
			return apierr.Invalid("manager", "display_name and hire_date cannot be cleared")
		}
		return nil
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.Manager, error) {
		out, err := s.managers.Update(ctx, id, pm.GetEtag(), edit)
		if err != nil {
			return nil, err
		}
		return s.view(ctx, out), nil
	})
}

// TransferManager records a new posting.
func (s *ManagerServer) TransferManager(ctx context.Context, req *rosterv1.TransferManagerRequest) (*rosterv1.Manager, error) {
	var v apierr.Violations
	id := checkManagerName(&v, "name", req.GetName())
	t := app.Transfer{Date: checkDate(&v, "effective_date", req.GetEffectiveDate(), true), Post: strings.TrimSpace(req.GetPost()),
		Line: manager.Line(req.GetLine()), Reason: checkReason(&v, "reason", req.GetReason())}
	if req.GetOrgUnit() != "" {
		t.OrgUnitID = checkUnitName(&v, "org_unit", req.GetOrgUnit())
	}
	if t.Line != 0 && !t.Line.Valid() {
		v.Add("line", "%d is not a line: use LINE_CORPORATE, LINE_RETAIL or LINE_MICRO", int(t.Line))
	}
	switch sup := req.GetSupervisor(); sup {
	case "":
	case "-":
		t.Supervisor = ptr("")
	default:
		t.Supervisor = ptr(checkManagerName(&v, "supervisor", sup))
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.Manager, error) {
		out, err := s.managers.TransferManager(ctx, id, req.GetEtag(), t)
		if err != nil {
			return nil, err
		}
		return s.view(ctx, out), nil
	})
}

// ChangeManagerGrade sets a grade, at once (a system's decision) or after approval.
func (s *ManagerServer) ChangeManagerGrade(ctx context.Context, req *rosterv1.ChangeManagerGradeRequest) (*rosterv1.ChangeManagerGradeResponse, error) {
	var v apierr.Violations
	id := checkManagerName(&v, "name", req.GetName())
	g := req.GetGrade()
	in := app.GradeChange{Reason: checkReason(&v, "reason", req.GetReason()), Reference: strings.TrimSpace(req.GetReference()),
		Exceptional: req.GetExceptional()}
	in.Grade.Ladder = checkLadderName(&v, "grade.ladder", g.GetLadder())
	in.Grade.Level, in.Grade.Band = strings.TrimSpace(g.GetLevel()), strings.TrimSpace(g.GetBand())
	if in.Grade.Level == "" {
		v.Add("grade.level", "is required, e.g. L2")
	}
	in.Grade.Effective = checkDate(&v, "effective_date", req.GetEffectiveDate(), true)
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.ChangeManagerGradeResponse, error) {
		m, pending, err := s.managers.ChangeGrade(ctx, id, in)
		if err != nil {
			return nil, err
		}
		return &rosterv1.ChangeManagerGradeResponse{Manager: s.view(ctx, m), Approval: pending}, nil
	})
}

// GetManagerAsOf answers where a manager was on a day.
func (s *ManagerServer) GetManagerAsOf(ctx context.Context, req *rosterv1.GetManagerAsOfRequest) (*rosterv1.ManagerSnapshot, error) {
	var v apierr.Violations
	id := checkManagerName(&v, "name", req.GetName())
	d := checkDate(&v, "date", req.GetDate(), true)
	if err := v.Err(); err != nil {
		return nil, err
	}
	snap, l, err := s.managers.AsOf(ctx, id, d)
	if err != nil {
		return nil, err
	}
	return toProtoSnapshot(id, snap, l), nil
}

// maxBatchAsOf is the most managers one BatchGetManagersAsOf call asks about.
const maxBatchAsOf = 1000

// BatchGetManagersAsOf answers where several managers were on a day.
func (s *ManagerServer) BatchGetManagersAsOf(ctx context.Context, req *rosterv1.BatchGetManagersAsOfRequest) (*rosterv1.BatchGetManagersAsOfResponse, error) {
	var v apierr.Violations
	switch n := len(req.GetNames()); {
	case n == 0:
		v.Add("names", "name at least one manager, managers/{employee number}")
	case n > maxBatchAsOf:
		v.Add("names", "%d managers; at most %d per call", n, maxBatchAsOf)
	}
	ids := make([]string, 0, len(req.GetNames()))
	seen := make(map[string]int, len(req.GetNames()))
	for i, name := range req.GetNames() {
		field := fmt.Sprintf("names[%d]", i)
		if j, dup := seen[name]; dup {
			v.Add(field, "repeats names[%d]", j)
			continue
		}
		seen[name] = i
		ids = append(ids, checkManagerName(&v, field, name))
	}
	d := checkDate(&v, "date", req.GetDate(), true)
	if err := v.Err(); err != nil {
		return nil, err
	}
	snaps, ladders, err := s.managers.AsOfMany(ctx, ids, d)
	if err != nil {
		return nil, err
	}
	resp := &rosterv1.BatchGetManagersAsOfResponse{}
	for _, id := range ids {
		snap, ok := snaps[id]
		if !ok {
			resp.Missing = append(resp.Missing, managerPrefix+id)
			continue
		}
		resp.Snapshots = append(resp.Snapshots, toProtoSnapshot(id, snap, ladders[snap.Grade.Ladder]))
	}
	return resp, nil
}

func toProtoSnapshot(id string, snap manager.Snapshot, l manager.Ladder) *rosterv1.ManagerSnapshot {
	out := &rosterv1.ManagerSnapshot{Manager: managerPrefix + id, Date: snap.Date.Proto(), Post: snap.Post,
		Line: rosterv1.Line(snap.Line), Status: rosterv1.Manager_Status(snap.Status)}
	if snap.OrgUnitID != "" {
		out.OrgUnit = orgUnitPrefix + snap.OrgUnitID
	}
	if snap.SupervisorID != "" {
		out.Supervisor = managerPrefix + snap.SupervisorID
	}
	out.Grade = toProtoGrade(snap.Grade, l)
	return out
}

// ListManagerHistory reads the dated changes.
func (s *ManagerServer) ListManagerHistory(ctx context.Context, req *rosterv1.ListManagerHistoryRequest) (*rosterv1.ListManagerHistoryResponse, error) {
	id, err := managerID("name", req.GetName())
	if err != nil {
		return nil, err
	}
	history, err := s.managers.History(ctx, id)
	if err != nil {
		return nil, err
	}
	ladders := s.ladderNames(ctx)
	resp := &rosterv1.ListManagerHistoryResponse{}
	for _, h := range history {
		e := &rosterv1.ManagerHistoryEntry{Kind: rosterv1.ManagerHistoryEntry_Kind(h.Kind), EffectiveDate: h.ValidFrom.Proto(),
			Reason: h.Reason, Reference: h.Reference, RecordedBy: h.RecordedBy, RecordTime: timestamppb.New(h.RecordTime)}
		switch h.Kind {
		case manager.PostingChange:
			e.OrgUnit, e.Post, e.Line = orgUnitPrefix+h.OrgUnitID, h.Post, rosterv1.Line(h.Line)
			if h.SupervisorID != "" {
				e.Supervisor = managerPrefix + h.SupervisorID
			}
		case manager.GradeChange:
			e.Grade = toProtoGrade(h.Grade, ladders[h.Grade.Ladder])
		case manager.StatusChange:
			e.Status, e.ExitReason = rosterv1.Manager_Status(h.Status), rosterv1.Manager_ExitReason(h.ExitReason)
		}
		resp.Entries = append(resp.Entries, e)
	}
	return resp, nil
}

// transitionRequest is what every lifecycle request shares.
type transitionRequest interface {
	proto.Message
	GetName() string
	GetEffectiveDate() *date.Date
	GetReason() string
	GetEtag() string
	GetRequestId() string
}

func (s *ManagerServer) transition(ctx context.Context, req transitionRequest, step manager.Step) (*rosterv1.TransitionManagerResponse, error) {
	var v apierr.Violations
	id := checkManagerName(&v, "name", req.GetName())
	step.Date = checkDate(&v, "effective_date", req.GetEffectiveDate(), false)
	reason := checkReason(&v, "reason", req.GetReason())
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.TransitionManagerResponse, error) {
		m, pending, err := s.managers.Transition(ctx, id, req.GetEtag(), reason, step)
		if err != nil {
			return nil, err
		}
		return &rosterv1.TransitionManagerResponse{Manager: s.view(ctx, m), Approval: pending}, nil
	})
}

// AppointManager starts probation.
func (s *ManagerServer) AppointManager(ctx context.Context, req *rosterv1.AppointManagerRequest) (*rosterv1.TransitionManagerResponse, error) {
	return s.transition(ctx, req, manager.Step{Transition: manager.Appoint})
}

// ConfirmManager confirms after (extended) probation, or early with approval.
func (s *ManagerServer) ConfirmManager(ctx context.Context, req *rosterv1.ConfirmManagerRequest) (*rosterv1.TransitionManagerResponse, error) {
	return s.transition(ctx, req, manager.Step{Transition: manager.Confirm, Early: req.GetEarly()})
}

// ExtendProbation extends a probation, with approval.
func (s *ManagerServer) ExtendProbation(ctx context.Context, req *rosterv1.ExtendProbationRequest) (*rosterv1.TransitionManagerResponse, error) {
	return s.transition(ctx, req, manager.Step{Transition: manager.Extend, Months: int(req.GetMonths())})
}

// StartObservation starts an observation period.
func (s *ManagerServer) StartObservation(ctx context.Context, req *rosterv1.StartObservationRequest) (*rosterv1.TransitionManagerResponse, error) {
	return s.transition(ctx, req, manager.Step{Transition: manager.StartObservation})
}

// EndObservation ends an observation period.
func (s *ManagerServer) EndObservation(ctx context.Context, req *rosterv1.EndObservationRequest) (*rosterv1.TransitionManagerResponse, error) {
	return s.transition(ctx, req, manager.Step{Transition: manager.EndObservation})
}

// ExitManager ends a manager's time in the sequence.
func (s *ManagerServer) ExitManager(ctx context.Context, req *rosterv1.ExitManagerRequest) (*rosterv1.TransitionManagerResponse, error) {
	return s.transition(ctx, req, manager.Step{Transition: manager.Exit, ExitReason: manager.ExitReason(req.GetExitReason())})
}

// ListProbationDue lists who is due for a probation decision in a month.
func (s *ManagerServer) ListProbationDue(ctx context.Context, req *rosterv1.ListProbationDueRequest) (*rosterv1.ListProbationDueResponse, error) {
	var v apierr.Violations
	unit := ""
	if req.GetOrgUnit() != "" {
		unit = checkUnitName(&v, "org_unit", req.GetOrgUnit())
	}
	month := checkDate(&v, "month", req.GetMonth(), false)
	if err := v.Err(); err != nil {
		return nil, err
	}
	list, err := s.managers.ProbationDue(ctx, unit, month)
	if err != nil {
		return nil, err
	}
	resp := &rosterv1.ListProbationDueResponse{}
	for _, m := range list {
		resp.Due = append(resp.Due, &rosterv1.ProbationDue{Manager: managerPrefix + m.ID, DisplayName: m.DisplayName,
			OrgUnit: orgUnitPrefix + m.OrgUnitID, Status: rosterv1.Manager_Status(m.Status),
			ProbationStartDate: m.ProbationStart.Proto(), DueDate: m.ProbationEnd.Proto(),
			EarlyConfirmationPossible: m.Status == manager.Probation && !civil.Today().Before(m.ProbationStart.AddMonths(manager.EarlyConfirmMonths))})
	}
	return resp, nil
}

// EvaluateEntry evaluates every entry rule.
func (s *ManagerServer) EvaluateEntry(ctx context.Context, req *rosterv1.EvaluateEntryRequest) (*rosterv1.EvaluateEntryResponse, error) {
	var v apierr.Violations
	id := checkManagerName(&v, "name", req.GetName())
	d := checkDate(&v, "date", req.GetDate(), false)
	line := manager.Line(req.GetTargetLine())
	if line != 0 && !line.Valid() {
		v.Add("target_line", "%d is not a line: use LINE_CORPORATE, LINE_RETAIL or LINE_MICRO", int(line))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	results, eligible, err := s.managers.EvaluateEntry(ctx, id, line, d)
	if err != nil {
		return nil, err
	}
	resp := &rosterv1.EvaluateEntryResponse{Eligible: eligible}
	for _, r := range results {
		resp.Rules = append(resp.Rules, &rosterv1.EntryRuleResult{Rule: r.Rule, Description: r.Description, Passed: r.Passed,
			Reason: r.Reason, Waivable: r.Waivable, Waiver: r.Waiver})
	}
	return resp, nil
}

// RequestEntryWaiver asks for a waiver.
func (s *ManagerServer) RequestEntryWaiver(ctx context.Context, req *rosterv1.RequestEntryWaiverRequest) (*rosterv1.RequestEntryWaiverResponse, error) {
	var v apierr.Violations
	id := checkManagerName(&v, "name", req.GetName())
	reason := checkReason(&v, "reason", req.GetReason())
	if !manager.Waivable[req.GetRule()] {
		v.Add("rule", "%q cannot be waived; waivable rules are education and corporate_experience", req.GetRule())
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.RequestEntryWaiverResponse, error) {
		name, err := s.managers.RequestWaiver(ctx, id, req.GetRule(), reason)
		if err != nil {
			return nil, err
		}
		return &rosterv1.RequestEntryWaiverResponse{Approval: name}, nil
	})
}

// ListRotationFlags lists rotation flags.
func (s *ManagerServer) ListRotationFlags(ctx context.Context, req *rosterv1.ListRotationFlagsRequest) (*rosterv1.ListRotationFlagsResponse, error) {
	var v apierr.Violations
	unit := ""
	if req.GetOrgUnit() != "" {
		unit = checkUnitName(&v, "org_unit", req.GetOrgUnit())
	}
	d := checkDate(&v, "date", req.GetDate(), false)
	if req.GetYears() < 0 || req.GetYears() > 50 {
		v.Add("years", "must be between 1 and 50 (0 means 5)")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	flags, err := s.managers.Rotation(ctx, unit, d, int(req.GetYears()))
	if err != nil {
		return nil, err
	}
	resp := &rosterv1.ListRotationFlagsResponse{}
	for _, f := range flags {
		out := &rosterv1.RotationFlag{Kind: rosterv1.RotationFlag_Kind(f.Kind), Manager: managerPrefix + f.ManagerID,
			DisplayName: f.Name, OrgUnit: orgUnitPrefix + f.OrgUnitID, Post: f.Post, SinceDate: f.Since.Proto(), Years: int32(f.Years)}
		if f.CustomerID != "" {
			out.Customer = "customers/" + f.CustomerID
		}
		resp.Flags = append(resp.Flags, out)
	}
	return resp, nil
}

// ImportManagers imports managers from a file, all or nothing.
func (s *ManagerServer) ImportManagers(ctx context.Context, req *rosterv1.ImportManagersRequest) (*rosterv1.ImportResponse, error) {
	var v apierr.Violations
	if len(req.GetContent()) == 0 {
		v.Add("content", "is required: the bytes of a CSV (UTF-8) or XLSX file whose first row names the columns")
	}
	switch f := strings.ToLower(strings.TrimSpace(req.GetFormat())); f {
	case "", "csv", "xlsx":
	default:
		v.Add("format", "%q is not a format read here: use csv, xlsx or leave it empty to guess from the content", req.GetFormat())
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.ImportResponse, error) {
		return s.importManagers(ctx, req)
	})
}

// GetGradeLadder reads a ladder.
func (s *ManagerServer) GetGradeLadder(ctx context.Context, req *rosterv1.GetGradeLadderRequest) (*rosterv1.GradeLadder, error) {
	var v apierr.Violations
	id := checkLadderName(&v, "name", req.GetName())
	if err := v.Err(); err != nil {
		return nil, err
	}
	l, err := s.managers.Ladder(ctx, id)
	if err != nil {
		return nil, err
	}
	return toProtoLadder(l), nil
}

// ListGradeLadders reads every ladder.
func (s *ManagerServer) ListGradeLadders(ctx context.Context, _ *rosterv1.ListGradeLaddersRequest) (*rosterv1.ListGradeLaddersResponse, error) {
	ls, err := s.managers.Ladders(ctx)
	if err != nil {
		return nil, err
	}
	resp := &rosterv1.ListGradeLaddersResponse{}
	for _, l := range ls {
		resp.GradeLadders = append(resp.GradeLadders, toProtoLadder(l))
	}
	return resp, nil
}

// CreateGradeLadder configures a ladder.
func (s *ManagerServer) CreateGradeLadder(ctx context.Context, req *rosterv1.CreateGradeLadderRequest) (*rosterv1.GradeLadder, error) {
	var v apierr.Violations
	pl := req.GetGradeLadder()
	if !idPattern.MatchString(req.GetGradeLadderId()) {
		v.Add("grade_ladder_id", "%q is not a valid id: use 1 to 63 lower-case letters, digits and hyphens, starting with a letter", req.GetGradeLadderId())
	}
	l := fromProtoLadder(&v, pl)
	l.ID = req.GetGradeLadderId()
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.GradeLadder, error) {
		out, err := s.managers.CreateLadder(ctx, l)
		if err != nil {
			return nil, err
		}
		return toProtoLadder(out), nil
	})
}

// UpdateGradeLadder changes a ladder.
func (s *ManagerServer) UpdateGradeLadder(ctx context.Context, req *rosterv1.UpdateGradeLadderRequest) (*rosterv1.GradeLadder, error) {
	var v apierr.Violations
	pl := req.GetGradeLadder()
	id := checkLadderName(&v, "grade_ladder.name", pl.GetName())
	in := fromProtoLadder(&v, pl)
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		v.Add("update_mask", "name the fields to change: display_name, levels, default, trainee_months")
	}
	for _, p := range paths {
		if !slices.Contains([]string{"display_name", "levels", "default", "trainee_months", "*", "name", "etag"}, p) {
			v.Add("update_mask", "%q cannot be updated; updatable fields are display_name, levels, default and trainee_months", p)
		}
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	edit := func(l *manager.Ladder) {
		for _, p := range paths {
			all := p == "*"
			if all || p == "display_name" {
				l.DisplayName = in.DisplayName
			}
			if all || p == "levels" {
				l.Levels = in.Levels
			}
			if all || p == "default" {
				l.Default = in.Default
			}
			if all || p == "trainee_months" {
				l.TraineeMonths = in.TraineeMonths
			}
		}
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.GradeLadder, error) {
		out, err := s.managers.UpdateLadder(ctx, id, pl.GetEtag(), edit)
		if err != nil {
			return nil, err
		}
		return toProtoLadder(out), nil
	})
}

// GetGradeDistribution counts a subtree's managers per level.
func (s *ManagerServer) GetGradeDistribution(ctx context.Context, req *rosterv1.GetGradeDistributionRequest) (*rosterv1.GradeDistribution, error) {
	var v apierr.Violations
	ladder := checkLadderName(&v, "ladder", req.GetLadder())
	unit := ""
	if req.GetOrgUnit() != "" {
		unit = checkUnitName(&v, "org_unit", req.GetOrgUnit())
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	rows, total, err := s.managers.Distribution(ctx, ladder, unit)
	if err != nil {
		return nil, err
	}
	out := &rosterv1.GradeDistribution{Ladder: ladderPrefix + ladder, Total: int32(total)}
	if unit != "" {
		out.OrgUnit = orgUnitPrefix + unit
	}
	for _, r := range rows {
		lc := &rosterv1.GradeDistribution_LevelCount{Level: r.Level.Code, DisplayName: r.Level.DisplayName,
			Count: int32(r.Count), Share: share(r.Count, total), TargetShare: r.Level.TargetShare, TargetCount: -1,
			Bands: map[string]int32{}}
		for b, n := range r.Bands {
			lc.Bands[b] = int32(n)
		}
		if r.Level.TargetShare != "" {
			lc.TargetCount = int32(targetCount(total, r.Level.TargetShare))
		}
		out.Levels = append(out.Levels, lc)
	}
	return out, nil
}

// share is n/total with four decimal places, rounded half-even, computed in
// integers.
func share(n, total int) string {
	if total == 0 {
		return "0.0000"
	}
	num, q := int64(n)*10000, int64(total)
	v, r := num/q, num%q
	if 2*r > q || (2*r == q && v%2 == 1) {
		v++
	}
	return fmt.Sprintf("%d.%04d", v/10000, v%10000)
}

// targetCount is floor(total × share) with the share a decimal fraction.
func targetCount(total int, shareText string) int {
	whole, frac, _ := strings.Cut(shareText, ".")
	digits := whole + frac
	var num int64
	for _, c := range digits {
		num = num*10 + int64(c-'0')
	}
	den := int64(1)
	for range frac {
		den *= 10
	}
	return int(int64(total) * num / den)
}

// ManagerAuditLog records manager and ladder changes in the audit log.
type ManagerAuditLog struct{}

// ManagerChanged records one manager change, with personal data masked.
func (ManagerAuditLog) ManagerChanged(ctx context.Context, before, after *manager.Manager) error {
	c := audit.Change{ObjectType: "Manager", Masked: []string{"idNumber", "phone"}}
	if after != nil {
		c.Object, c.OrgPath, c.After = managerPrefix+after.ID, after.OrgPath, toProtoManager(*after, true, nil)
	}
	if before != nil {
		c.Object, c.Before = managerPrefix+before.ID, toProtoManager(*before, true, nil)
		if c.OrgPath == "" {
			c.OrgPath = before.OrgPath
		}
	}
	return recordChange(ctx, c)
}

// LadderChanged records one ladder change (bank-wide configuration: org path "/").
func (ManagerAuditLog) LadderChanged(ctx context.Context, before, after *manager.Ladder) error {
	c := audit.Change{ObjectType: "GradeLadder", OrgPath: "/"}
	if after != nil {
		c.Object, c.After = ladderPrefix+after.ID, toProtoLadder(*after)
	}
	if before != nil {
		c.Object, c.Before = ladderPrefix+before.ID, toProtoLadder(*before)
	}
	return recordChange(ctx, c)
}

// recordChange records c; outside a mutating RPC (seeding) there is nothing to
// attach it to.
func recordChange(ctx context.Context, c audit.Change) error {
	if err := audit.Record(ctx, c); err != nil && !errors.Is(err, audit.ErrNoMutatingCall) {
		return err
	}
	return nil
}

// ManagerErrorTable maps the manager domain's errors to gRPC codes.
var ManagerErrorTable = apierr.Table{
	{Err: manager.ErrNotFound, Code: codes.NotFound},
	{Err: manager.ErrAlreadyExists, Code: codes.AlreadyExists},
	{Err: manager.ErrInvalid, Code: codes.InvalidArgument},
	{Err: manager.ErrIllegalState, Code: codes.FailedPrecondition},
	{Err: manager.ErrPermissionDenied, Code: codes.PermissionDenied},
}

// ManagerRules declare what each ManagerService RPC needs.
var ManagerRules = auth.Rules{
	rosterv1.ManagerService_GetManager_FullMethodName:           {Permission: auth.ManagersRead},
	rosterv1.ManagerService_ListManagers_FullMethodName:         {Permission: auth.ManagersRead},
	rosterv1.ManagerService_CreateManager_FullMethodName:        {Permission: auth.ManagersWrite, Mutates: true},
	rosterv1.ManagerService_UpdateManager_FullMethodName:        {Permission: auth.ManagersWrite, Mutates: true},
	rosterv1.ManagerService_TransferManager_FullMethodName:      {Permission: auth.ManagersWrite, Mutates: true},
	rosterv1.ManagerService_ChangeManagerGrade_FullMethodName:   {Permission: auth.GradesChange, Mutates: true},
	rosterv1.ManagerService_GetManagerAsOf_FullMethodName:       {Permission: auth.ManagersRead},
	rosterv1.ManagerService_BatchGetManagersAsOf_FullMethodName: {Permission: auth.ManagersRead},
	rosterv1.ManagerService_ListManagerHistory_FullMethodName:   {Permission: auth.ManagersRead},
	rosterv1.ManagerService_AppointManager_FullMethodName:       {Permission: auth.LifecycleWrite, Mutates: true},
	rosterv1.ManagerService_ConfirmManager_FullMethodName:       {Permission: auth.LifecycleWrite, Mutates: true},
	rosterv1.ManagerService_ExtendProbation_FullMethodName:      {Permission: auth.LifecycleWrite, Mutates: true},
	rosterv1.ManagerService_StartObservation_FullMethodName:     {Permission: auth.LifecycleWrite, Mutates: true},
	rosterv1.ManagerService_EndObservation_FullMethodName:       {Permission: auth.LifecycleWrite, Mutates: true},
	rosterv1.ManagerService_ExitManager_FullMethodName:          {Permission: auth.LifecycleWrite, Mutates: true},
	rosterv1.ManagerService_ListProbationDue_FullMethodName:     {Permission: auth.ManagersRead},
	rosterv1.ManagerService_EvaluateEntry_FullMethodName:        {Permission: auth.ManagersRead},
	rosterv1.ManagerService_RequestEntryWaiver_FullMethodName:   {Permission: auth.LifecycleWrite, Mutates: true},
	rosterv1.ManagerService_ListRotationFlags_FullMethodName:    {Permission: auth.ManagersRead},
	rosterv1.ManagerService_ImportManagers_FullMethodName:       {Permission: auth.ManagersWrite, Mutates: true},
	rosterv1.ManagerService_GetGradeLadder_FullMethodName:       {Permission: auth.ManagersRead},
	rosterv1.ManagerService_ListGradeLadders_FullMethodName:     {Permission: auth.ManagersRead},
	rosterv1.ManagerService_CreateGradeLadder_FullMethodName:    {Permission: auth.LaddersWrite, Mutates: true},
	rosterv1.ManagerService_UpdateGradeLadder_FullMethodName:    {Permission: auth.LaddersWrite, Mutates: true},
	rosterv1.ManagerService_GetGradeDistribution_FullMethodName: {Permission: auth.ManagersRead},
}

// --- conversion and validation at the edge ---

func maskTail(s string, keep int) string {
	r := []rune(s)
	if len(r) <= keep {
		return strings.Repeat("*", len(r))
	}
	return strings.Repeat("*", len(r)-keep) + string(r[len(r)-keep:])
}

func toProtoGrade(g manager.Grade, l manager.Ladder) *rosterv1.Grade {
	if g.IsZero() {
		return nil
	}
	out := &rosterv1.Grade{Ladder: ladderPrefix + g.Ladder, Level: g.Level, Band: g.Band, EffectiveDate: g.Effective.Proto()}
	if v, ok := l.Level(g.Level); ok {
		out.DisplayName, out.StaffGrade = l.GradeName(g.Level, g.Band), int32(v.StaffGrade)
	}
	return out
}

func toProtoManager(m manager.Manager, personal bool, ladders map[string]manager.Ladder) *rosterv1.Manager {
	p := &rosterv1.Manager{
		Name: managerPrefix + m.ID, DisplayName: m.DisplayName, Gender: rosterv1.Manager_Gender(m.Gender),
		BirthDate: m.BirthDate.Proto(), Education: rosterv1.Manager_Education(m.Education), HireDate: m.HireDate.Proto(),
		FinanceStartDate: m.FinanceStart.Proto(), OrgUnit: orgUnitPrefix + m.OrgUnitID, Post: m.Post,
		Line: rosterv1.Line(m.Line), Category: rosterv1.Manager_Category(m.Category),
		EmploymentType: rosterv1.Manager_EmploymentType(m.EmploymentType), Grade: toProtoGrade(m.Grade, ladders[m.Grade.Ladder]),
		Status: rosterv1.Manager_Status(m.Status), StatusDate: m.StatusDate.Proto(),
		ExitReason: rosterv1.Manager_ExitReason(m.ExitReason), IdNumber: m.IDNumber, Phone: m.Phone,
		CreateTime: timestamppb.New(m.CreateTime), UpdateTime: timestamppb.New(m.UpdateTime), Etag: m.Etag(),
	}
	if !personal {
		p.IdNumber, p.Phone = maskTail(m.IDNumber, 4), maskTail(m.Phone, 4)
	}
	if m.SupervisorID != "" {
		p.Supervisor = managerPrefix + m.SupervisorID
	}
	for _, q := range m.Qualifications {
		p.Qualifications = append(p.Qualifications, &rosterv1.Qualification{Kind: rosterv1.Qualification_Kind(q.Kind),
			Number: q.Number, IssueDate: q.Issue.Proto(), ExpiryDate: q.Expiry.Proto()})
	}
	e := &rosterv1.EntryRecord{KnowledgeExamPassedDate: m.Entry.KnowledgeExam.Proto(), ConductReviewPassedDate: m.Entry.ConductReview.Proto()}
	for _, sn := range m.Entry.Sanctions {
		e.Sanctions = append(e.Sanctions, &rosterv1.Sanction{Description: sn.Description, ImposedDate: sn.Imposed.Proto(), LiftedDate: sn.Lifted.Proto()})
	}
	if e.KnowledgeExamPassedDate != nil || e.ConductReviewPassedDate != nil || len(e.Sanctions) > 0 {
		p.EntryRecord = e
	}
	return p
}

var phonePattern = regexp.MustCompile(`^\+?[0-9 -]{5,20}$`)
var idNumberPattern = regexp.MustCompile(`^[0-9]{17}[0-9Xx]$`)

// fromProtoManager validates and converts the client-settable fields (prefix names
// the message in field paths, e.g. "manager.").
func fromProtoManager(v *apierr.Violations, prefix string, p *rosterv1.Manager, create bool) manager.Manager {
	m := manager.Manager{
		DisplayName: strings.TrimSpace(p.GetDisplayName()), Gender: int(p.GetGender()), Education: int(p.GetEducation()),
		Post: strings.TrimSpace(p.GetPost()), Line: manager.Line(p.GetLine()), Category: int(p.GetCategory()),
		EmploymentType: int(p.GetEmploymentType()), IDNumber: strings.TrimSpace(p.GetIdNumber()), Phone: strings.TrimSpace(p.GetPhone()),
	}
	switch n := utf8.RuneCountInString(m.DisplayName); {
	case n == 0 && create:
		v.Add(prefix+"display_name", "is required and must not be blank")
	case n > 50:
		v.Add(prefix+"display_name", "is %d characters long; the limit is 50", n)
	}
	if utf8.RuneCountInString(m.Post) > 50 {
		v.Add(prefix+"post", "is longer than 50 characters")
	}
	m.BirthDate = checkDate(v, prefix+"birth_date", p.GetBirthDate(), false)
	m.HireDate = checkDate(v, prefix+"hire_date", p.GetHireDate(), false)
	m.FinanceStart = checkDate(v, prefix+"finance_start_date", p.GetFinanceStartDate(), false)
	if !m.FinanceStart.IsZero() && !m.HireDate.IsZero() && m.FinanceStart.After(m.HireDate) {
		v.Add(prefix+"finance_start_date", "%s is after the hire date %s; the bank counts as finance work", m.FinanceStart, m.HireDate)
	}
	if p.GetOrgUnit() != "" {
		m.OrgUnitID = checkUnitName(v, prefix+"org_unit", p.GetOrgUnit())
	}
	if p.GetSupervisor() != "" {
		m.SupervisorID = checkManagerName(v, prefix+"supervisor", p.GetSupervisor())
	}
	if m.Line != 0 && !m.Line.Valid() {
		v.Add(prefix+"line", "%d is not a line: use LINE_CORPORATE, LINE_RETAIL or LINE_MICRO", int(m.Line))
	}
	if m.IDNumber != "" && !idNumberPattern.MatchString(m.IDNumber) {
		v.Add(prefix+"id_number", "is not a resident ID number: 18 characters, digits with an optional final X")
	}
	if m.Phone != "" && !phonePattern.MatchString(m.Phone) {
		v.Add(prefix+"phone", "is not a phone number: 5 to 20 digits, spaces or hyphens, optional leading +")
	}
	for i, q := range p.GetQualifications() {
		f := fmt.Sprintf("%squalifications[%d]", prefix, i)
		if q.GetKind() == rosterv1.Qualification_KIND_UNSPECIFIED {
			v.Add(f+".kind", "is required, e.g. KIND_CREDIT_LICENCE")
		}
		qq := manager.Qualification{Kind: int(q.GetKind()), Number: strings.TrimSpace(q.GetNumber()),
			Issue: checkDate(v, f+".issue_date", q.GetIssueDate(), false), Expiry: checkDate(v, f+".expiry_date", q.GetExpiryDate(), false)}
		if !qq.Issue.IsZero() && !qq.Expiry.IsZero() && qq.Expiry.Before(qq.Issue) {
			v.Add(f+".expiry_date", "%s is before the issue date %s", qq.Expiry, qq.Issue)
		}
		m.Qualifications = append(m.Qualifications, qq)
	}
	if e := p.GetEntryRecord(); e != nil {
		m.Entry.KnowledgeExam = checkDate(v, prefix+"entry_record.knowledge_exam_passed_date", e.GetKnowledgeExamPassedDate(), false)
		m.Entry.ConductReview = checkDate(v, prefix+"entry_record.conduct_review_passed_date", e.GetConductReviewPassedDate(), false)
		for i, sn := range e.GetSanctions() {
			f := fmt.Sprintf("%sentry_record.sanctions[%d]", prefix, i)
			s := manager.Sanction{Description: strings.TrimSpace(sn.GetDescription()),
				Imposed: checkDate(v, f+".imposed_date", sn.GetImposedDate(), true), Lifted: checkDate(v, f+".lifted_date", sn.GetLiftedDate(), false)}
			if !s.Lifted.IsZero() && s.Lifted.Before(s.Imposed) {
				v.Add(f+".lifted_date", "%s is before the day it was imposed (%s)", s.Lifted, s.Imposed)
			}
			m.Entry.Sanctions = append(m.Entry.Sanctions, s)
		}
	}
	return m
}

func toProtoLadder(l manager.Ladder) *rosterv1.GradeLadder {
	p := &rosterv1.GradeLadder{Name: ladderPrefix + l.ID, DisplayName: l.DisplayName, Default: l.Default,
		TraineeMonths: int32(l.TraineeMonths), Etag: l.Etag()}
	for _, v := range l.Levels {
		p.Levels = append(p.Levels, &rosterv1.GradeLadder_Level{Code: v.Code, DisplayName: v.DisplayName, Track: v.Track,
			StaffGrade: int32(v.StaffGrade), Bands: v.Bands, TargetShare: v.TargetShare})
	}
	return p
}

func fromProtoLadder(v *apierr.Violations, p *rosterv1.GradeLadder) manager.Ladder {
	l := manager.Ladder{DisplayName: strings.TrimSpace(p.GetDisplayName()), Default: p.GetDefault(), TraineeMonths: int(p.GetTraineeMonths())}
	if l.DisplayName == "" {
		v.Add("grade_ladder.display_name", "is required")
	}
	if l.TraineeMonths < 0 || l.TraineeMonths > 60 {
		v.Add("grade_ladder.trainee_months", "must be between 0 and 60")
	}
	for _, lv := range p.GetLevels() {
		l.Levels = append(l.Levels, manager.Level{Code: strings.TrimSpace(lv.GetCode()), DisplayName: strings.TrimSpace(lv.GetDisplayName()),
			Track: strings.TrimSpace(lv.GetTrack()), StaffGrade: int(lv.GetStaffGrade()), Bands: lv.GetBands(), TargetShare: strings.TrimSpace(lv.GetTargetShare())})
	}
	if err := l.Validate(); err != nil {
		v.Add("grade_ladder.levels", "%s", strings.TrimPrefix(err.Error(), manager.ErrInvalid.Error()+": "))
	}
	return l
}

func managerID(field, name string) (string, error) {
	var v apierr.Violations
	id := checkManagerName(&v, field, name)
	return id, v.Err()
}

func checkManagerName(v *apierr.Violations, field, name string) string {
	id, ok := strings.CutPrefix(name, managerPrefix)
	switch {
	case name == "":
		v.Add(field, "is required, e.g. managers/E3001")
	case !ok || !employeeNumber.MatchString(id):
		v.Add(field, "%q is not a manager name: want managers/{employee number}", name)
	}
	return id
}

func checkLadderName(v *apierr.Violations, field, name string) string {
	id, ok := strings.CutPrefix(name, ladderPrefix)
	switch {
	case name == "":
		v.Add(field, "is required, e.g. gradeLadders/bank")
	case !ok || !idPattern.MatchString(id):
		v.Add(field, "%q is not a ladder name: want gradeLadders/{id}", name)
	}
	return id
}

func checkDate(v *apierr.Violations, field string, p *date.Date, required bool) civil.Date {
	d := civil.FromProto(p)
	switch {
	case d.IsZero() && required:
		v.Add(field, "is required, e.g. {\"year\": 2026, \"month\": 1, \"day\": 31}")
	case !d.IsZero() && !d.Valid():
		v.Add(field, "%04d-%02d-%02d is not a calendar date", p.GetYear(), p.GetMonth(), p.GetDay())
	case !d.IsZero() && (d.Year < 1900 || d.Year > 2200):
		v.Add(field, "year %d is out of range", d.Year)
	}
	return d
}

func checkReason(v *apierr.Violations, field, reason string) string {
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		v.Add(field, "is required: say why, for the history and the audit log")
	case n > 500:
		v.Add(field, "is %d characters long; the limit is 500", n)
	}
	return reason
}
