// Package ports serves the visits use cases over gRPC (rmsuite.visits.v1).
package ports

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/idempotency"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	visitsv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/visits/v1"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/roster"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/visits/internal/app"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/settings"
)

// Server implements rmsuite.visits.v1.VisitService.
type Server struct {
	visitsv1.UnimplementedVisitServiceServer
	db  *storage.DB
	app *app.App
}

// NewServer serves the use cases; db records request ids for safe retries.
func NewServer(db *storage.DB, a *app.App) *Server { return &Server{db: db, app: a} }

// Rules declare what each RPC needs.
var Rules = auth.Rules{
	visitsv1.VisitService_GetFrequencyRules_FullMethodName:     {Permission: auth.PlansRead},
	visitsv1.VisitService_UpdateFrequencyRules_FullMethodName:  {Permission: auth.VisitRulesWrite, Mutates: true},
	visitsv1.VisitService_GeneratePlans_FullMethodName:         {Permission: auth.PlansGenerate, Mutates: true},
	visitsv1.VisitService_GetPlan_FullMethodName:               {Permission: auth.PlansRead},
	visitsv1.VisitService_ListPlans_FullMethodName:             {Permission: auth.PlansRead},
	visitsv1.VisitService_UpdatePlan_FullMethodName:            {Permission: auth.PlansWrite, Mutates: true},
	visitsv1.VisitService_SubmitPlan_FullMethodName:            {Permission: auth.PlansWrite, Mutates: true},
	visitsv1.VisitService_ApprovePlan_FullMethodName:           {Permission: auth.PlansReview, Mutates: true},
	visitsv1.VisitService_RejectPlan_FullMethodName:            {Permission: auth.PlansReview, Mutates: true},
	visitsv1.VisitService_DiffPlan_FullMethodName:              {Permission: auth.PlansRead},
	visitsv1.VisitService_CreateTask_FullMethodName:            {Permission: auth.TasksAssign, Mutates: true},
	visitsv1.VisitService_ListTasks_FullMethodName:             {Permission: auth.PlansRead},
	visitsv1.VisitService_CompleteTask_FullMethodName:          {Permission: auth.PlansWrite, Mutates: true},
	visitsv1.VisitService_RecordVisit_FullMethodName:           {Permission: auth.PlansWrite, Mutates: true},
	visitsv1.VisitService_ListVisits_FullMethodName:            {Permission: auth.PlansRead},
	visitsv1.VisitService_GetVisitSettings_FullMethodName:      {Permission: auth.PlansRead},
	visitsv1.VisitService_UpdateVisitSettings_FullMethodName:   {Permission: auth.VisitRulesWrite, Mutates: true},
	visitsv1.VisitService_SchedulePlan_FullMethodName:          {Permission: auth.PlansWrite, Mutates: true},
	visitsv1.VisitService_GetDayList_FullMethodName:            {Permission: auth.PlansRead},
	visitsv1.VisitService_ExportDayList_FullMethodName:         {Permission: auth.PlansRead},
	visitsv1.VisitService_SubmitResults_FullMethodName:         {Permission: auth.PlansWrite, Mutates: true},
	visitsv1.VisitService_ReviewResults_FullMethodName:         {Permission: auth.PlansReview, Mutates: true},
	visitsv1.VisitService_GetAnalysis_FullMethodName:           {Permission: auth.PlansRead},
	visitsv1.VisitService_ListIndicators_FullMethodName:        {Permission: auth.PlansRead},
	visitsv1.VisitService_CreateCustomerRequest_FullMethodName: {Permission: auth.RequestsWrite, Mutates: true},
	visitsv1.VisitService_GetCustomerRequest_FullMethodName:    {Permission: auth.PlansRead},
	visitsv1.VisitService_ListCustomerRequests_FullMethodName:  {Permission: auth.PlansRead},
	visitsv1.VisitService_AnswerCustomerRequest_FullMethodName: {Permission: auth.RequestsWrite, Mutates: true},
}

// ErrorTable maps the use cases' errors to gRPC codes.
var ErrorTable = apierr.Table{
	{Err: app.ErrNotFound, Code: codes.NotFound},
	{Err: app.ErrPermission, Code: codes.PermissionDenied},
	{Err: app.ErrConflict, Code: codes.Aborted},
	{Err: plan.ErrInvalid, Code: codes.InvalidArgument},
	{Err: settings.ErrInvalid, Code: codes.InvalidArgument},
	{Err: plan.ErrState, Code: codes.FailedPrecondition},
	{Err: plan.ErrSelfReview, Code: codes.PermissionDenied},
	{Err: roster.ErrUnavailable, Code: codes.Unavailable},
}

var (
	idRE     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	planRE   = regexp.MustCompile(`^managers/([A-Za-z0-9_-]{1,64})/plans/(\d{4}-\d{2})$`)
	taskRE   = regexp.MustCompile(`^managers/([A-Za-z0-9_-]{1,64})/tasks/([a-f0-9]{1,64})$`)
	parentRE = regexp.MustCompile(`^managers/([A-Za-z0-9_-]{1,64}|-)$`)
)

func planName(v *apierr.Violations, field, name string) (string, civil.Date) {
	m := planRE.FindStringSubmatch(name)
	if m == nil {
		v.Add(field, "want managers/{employee number}/plans/{YYYY-MM}, e.g. managers/E3001/plans/2026-04; got %q", name)
		return "", civil.Date{}
	}
	month, err := plan.ParseMonth(m[2])
	if err != nil {
		v.Add(field, "%v", err)
	}
	return m[1], month
}

func parentName(v *apierr.Violations, name string) string {
	m := parentRE.FindStringSubmatch(name)
	if m == nil {
		v.Add("parent", "want managers/{employee number}, or managers/- for every manager you may see; got %q", name)
		return ""
	}
	if m[1] == "-" {
		return ""
	}
	return m[1]
}

func monthField(v *apierr.Violations, field, s string) civil.Date {
	m, err := plan.ParseMonth(s)
	if err != nil {
		v.Add(field, "want YYYY-MM, e.g. 2026-04; got %q", s)
	}
	return m
}

// GetFrequencyRules reads the frequency table.
func (s *Server) GetFrequencyRules(ctx context.Context, req *visitsv1.GetFrequencyRulesRequest) (*visitsv1.FrequencyRules, error) {
	if req.GetName() != "frequencyRules" {
		return nil, apierr.Invalid("name", "want frequencyRules; got %q", req.GetName())
	}
	r, at, by, err := s.app.Rules(ctx)
	if err != nil {
		return nil, err
	}
	return toProtoRules(r, at, by), nil
}

// UpdateFrequencyRules replaces the frequency table.
func (s *Server) UpdateFrequencyRules(ctx context.Context, req *visitsv1.UpdateFrequencyRulesRequest) (*visitsv1.FrequencyRules, error) {
	in := req.GetRules()
	if in.GetName() != "frequencyRules" {
		return nil, apierr.Invalid("rules.name", "want frequencyRules; got %q", in.GetName())
	}
	rev, hasEtag, err := parseEtag("rules.etag", in.GetEtag())
	if err != nil {
		return nil, err
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	r := plan.Rules{Fallback: fromProtoRule(in.GetFallback())}
	for _, pr := range in.GetRules() {
		r.Rules = append(r.Rules, fromProtoRule(pr))
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*visitsv1.FrequencyRules, error) {
		before, beforeAt, beforeBy, err := s.app.Rules(ctx)
		if err != nil {
			return nil, err
		}
		saved, at, by, err := s.app.UpdateRules(ctx, r, rev, hasEtag)
		if err != nil {
			return nil, err
		}
		out := toProtoRules(saved, at, by)
		return out, audit.Record(ctx, audit.Change{ObjectType: "FrequencyRules", Object: "frequencyRules",
			Before: toProtoRules(before, beforeAt, beforeBy), After: out})
	})
}

func parseEtag(field, etag string) (int64, bool, error) {
	if etag == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(etag, `W/"`), `"`), 10, 64)
	if err != nil {
		return 0, false, apierr.Invalid(field, "not an etag of this resource: send back the etag you read")
	}
	return n, true, nil
}

// GeneratePlans generates the month's drafts.
func (s *Server) GeneratePlans(ctx context.Context, req *visitsv1.GeneratePlansRequest) (*visitsv1.GeneratePlansResponse, error) {
	var v apierr.Violations
	month := monthField(&v, "month", req.GetMonth())
	manager, unit := "", ""
	switch sc := req.GetScope(); {
	case strings.HasPrefix(sc, "managers/") && idRE.MatchString(strings.TrimPrefix(sc, "managers/")):
		manager = strings.TrimPrefix(sc, "managers/")
	case strings.HasPrefix(sc, "orgUnits/") && idRE.MatchString(strings.TrimPrefix(sc, "orgUnits/")):
		unit = strings.TrimPrefix(sc, "orgUnits/")
	default:
		v.Add("scope", "want managers/{employee number} or orgUnits/{id}; got %q", sc)
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*visitsv1.GeneratePlansResponse, error) {
		g, err := s.app.Generate(ctx, manager, unit, month)
		if err != nil {
			return nil, err
		}
		resp := &visitsv1.GeneratePlansResponse{PlansCreated: int32(g.Created), PlansExisting: int32(g.Existing), Items: int32(g.Items)}
		if len(g.Plans) <= 100 {
			for _, p := range g.Plans {
				resp.Plans = append(resp.Plans, planResource(p))
			}
		}
		if g.Created == 0 {
			audit.MarkNoChange(ctx)
			return resp, nil
		}
		return resp, audit.Record(ctx, audit.Change{ObjectType: "PlanGeneration", Object: req.GetScope() + "/plans/" + req.GetMonth(),
			After: resp})
	})
}

func planResource(p plan.Plan) string { return "managers/" + p.ManagerID + "/plans/" + p.MonthString() }

// GetPlan reads one plan.
func (s *Server) GetPlan(ctx context.Context, req *visitsv1.GetPlanRequest) (*visitsv1.Plan, error) {
	var v apierr.Violations
	m, month := planName(&v, "name", req.GetName())
	if err := v.Err(); err != nil {
		return nil, err
	}
	p, err := s.app.Plan(ctx, m, month)
	if err != nil {
		return nil, err
	}
	return toProtoPlan(p, true), nil
}

// ListPlans lists plans.
func (s *Server) ListPlans(ctx context.Context, req *visitsv1.ListPlansRequest) (*visitsv1.ListPlansResponse, error) {
	var v apierr.Violations
	manager := parentName(&v, req.GetParent())
	if err := v.Err(); err != nil {
		return nil, err
	}
	list, next, err := s.app.ListPlans(ctx, listRequest(req), manager)
	if err != nil {
		return nil, err
	}
	resp := &visitsv1.ListPlansResponse{NextPageToken: next}
	for _, p := range list {
		resp.Plans = append(resp.Plans, toProtoPlan(p, false))
	}
	return resp, nil
}

// listRequest is the AIP list parameters of a request; the parent stays fixed
// across pages.
func listRequest(req interface {
	GetParent() string
	GetFilter() string
	GetPageSize() int32
	GetPageToken() string
}) aip.Request {
	return aip.Request{Filter: req.GetFilter(), PageSize: req.GetPageSize(), PageToken: req.GetPageToken(), Scope: req.GetParent()}
}

// UpdatePlan edits a draft or rejected plan.
func (s *Server) UpdatePlan(ctx context.Context, req *visitsv1.UpdatePlanRequest) (*visitsv1.Plan, error) {
	var v apierr.Violations
	in := req.GetPlan()
	m, month := planName(&v, "plan.name", in.GetName())
	setLines, setNote := false, false
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		paths = []string{"items", "note"}
	}
	for _, p := range paths {
		switch p {
		case "items":
			setLines = true
		case "note":
			setNote = true
		default:
			v.Add("update_mask", "%q cannot be changed here; items and note can (the state changes through submit, approve and reject)", p)
		}
	}
	lines := make([]plan.Item, 0, len(in.GetItems()))
	for _, it := range in.GetItems() {
		lines = append(lines, fromProtoItem(it))
	}
	var note *string
	if setNote {
		n := in.GetNote()
		note = &n
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*visitsv1.Plan, error) {
		before, after, err := s.app.EditPlan(ctx, m, month, in.GetEtag(), lines, setLines, note)
		return s.recordPlan(ctx, before, after, "", err)
	})
}

func (s *Server) recordPlan(ctx context.Context, before, after plan.Plan, reason string, err error) (*visitsv1.Plan, error) {
	if err != nil {
		return nil, err
	}
	out := toProtoPlan(after, true)
	return out, audit.Record(ctx, audit.Change{ObjectType: "Plan", Object: planResource(after), OrgPath: after.OrgPath,
		Before: toProtoPlan(before, true), After: out, Reason: reason})
}

// SubmitPlan submits a plan.
func (s *Server) SubmitPlan(ctx context.Context, req *visitsv1.SubmitPlanRequest) (*visitsv1.Plan, error) {
	return s.planStep(ctx, req.GetName(), req.GetRequestId(), req, "", nil,
		func(ctx context.Context, m string, month civil.Date) (plan.Plan, plan.Plan, error) {
			return s.app.SubmitPlan(ctx, m, month, req.GetEtag())
		})
}

// planStep runs one step on a plan: it checks the plan's name (and what check
// adds), makes the call safe to retry with its request id, and records the plan
// before and after the step in the audit log with reason.
func (s *Server) planStep(ctx context.Context, name, requestID string, req proto.Message, reason string,
	check func(v *apierr.Violations), step func(ctx context.Context, manager string, month civil.Date) (plan.Plan, plan.Plan, error)) (*visitsv1.Plan, error) {
	var v apierr.Violations
	m, month := planName(&v, "name", name)
	if check != nil {
		check(&v)
	}
	if err := idempotency.Check(requestID); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, requestID, req, func(ctx context.Context) (*visitsv1.Plan, error) {
		before, after, err := step(ctx, m, month)
		return s.recordPlan(ctx, before, after, reason, err)
	})
}

// ApprovePlan approves a plan.
func (s *Server) ApprovePlan(ctx context.Context, req *visitsv1.ApprovePlanRequest) (*visitsv1.Plan, error) {
	return s.review(ctx, req.GetName(), req.GetEtag(), req.GetComment(), req.GetRequestId(), true, req)
}

// RejectPlan rejects a plan.
func (s *Server) RejectPlan(ctx context.Context, req *visitsv1.RejectPlanRequest) (*visitsv1.Plan, error) {
	return s.review(ctx, req.GetName(), req.GetEtag(), req.GetComment(), req.GetRequestId(), false, req)
}

func (s *Server) review(ctx context.Context, name, etag, comment, requestID string, approve bool, req proto.Message) (*visitsv1.Plan, error) {
	return s.planStep(ctx, name, requestID, req, comment, func(v *apierr.Violations) {
		if !approve && strings.TrimSpace(comment) == "" {
			v.Add("comment", "say what the manager should change")
		}
		if len([]rune(comment)) > 1000 {
			v.Add("comment", "at most 1000 characters")
		}
	}, func(ctx context.Context, m string, month civil.Date) (plan.Plan, plan.Plan, error) {
		return s.app.ReviewPlan(ctx, m, month, etag, approve, comment)
	})
}

// DiffPlan compares a plan with its generated draft.
func (s *Server) DiffPlan(ctx context.Context, req *visitsv1.DiffPlanRequest) (*visitsv1.PlanDiff, error) {
	var v apierr.Violations
	m, month := planName(&v, "name", req.GetName())
	if err := v.Err(); err != nil {
		return nil, err
	}
	p, err := s.app.Plan(ctx, m, month)
	if err != nil {
		return nil, err
	}
	d := p.Diff()
	return &visitsv1.PlanDiff{Added: toProtoItems(p.ManagerID, d.Added), Removed: toProtoItems(p.ManagerID, d.Removed),
		Changed: toProtoItems(p.ManagerID, d.Changed), Generated: toProtoItems(p.ManagerID, d.Generated)}, nil
}

// CreateTask assigns a task.
func (s *Server) CreateTask(ctx context.Context, req *visitsv1.CreateTaskRequest) (*visitsv1.Task, error) {
	var v apierr.Violations
	manager := parentName(&v, req.GetParent())
	if manager == "" && req.GetParent() == "managers/-" {
		v.Add("parent", "name the manager the task is for")
	}
	in := req.GetTask()
	t := plan.Task{ManagerID: manager, Text: strings.TrimSpace(in.GetText()), Month: monthField(&v, "task.month", in.GetMonth())}
	if n := len([]rune(t.Text)); n == 0 || n > 500 {
		v.Add("task.text", "1 to 500 characters")
	}
	if w := in.GetWeek(); w != nil {
		d := civil.FromProto(w)
		if !d.Valid() || d.FirstOfMonth() != t.Month {
			v.Add("task.week", "a day of %s (the task's month)", in.GetMonth())
		}
		t.Week = plan.WeekOf(d)
	}
	if c := in.GetCustomer(); c != "" {
		t.CustomerID = strings.TrimPrefix(c, "customers/")
		if !strings.HasPrefix(c, "customers/") || !idRE.MatchString(t.CustomerID) {
			v.Add("task.customer", "want customers/{code}; got %q", c)
		}
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*visitsv1.Task, error) {
		row, err := s.app.CreateTask(ctx, t)
		if err != nil {
			return nil, err
		}
		out := toProtoTask(row)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Task", Object: out.GetName(), OrgPath: row.OrgPath, After: out})
	})
}

// ListTasks lists tasks.
func (s *Server) ListTasks(ctx context.Context, req *visitsv1.ListTasksRequest) (*visitsv1.ListTasksResponse, error) {
	var v apierr.Violations
	manager := parentName(&v, req.GetParent())
	if err := v.Err(); err != nil {
		return nil, err
	}
	list, next, err := s.app.ListTasks(ctx, listRequest(req), manager)
	if err != nil {
		return nil, err
	}
	resp := &visitsv1.ListTasksResponse{NextPageToken: next}
	for _, t := range list {
		resp.Tasks = append(resp.Tasks, toProtoTask(t))
	}
	return resp, nil
}

// CompleteTask marks a task done.
func (s *Server) CompleteTask(ctx context.Context, req *visitsv1.CompleteTaskRequest) (*visitsv1.Task, error) {
	var v apierr.Violations
	m := taskRE.FindStringSubmatch(req.GetName())
	if m == nil {
		v.Add("name", "want managers/{employee number}/tasks/{id}; got %q", req.GetName())
		m = []string{"", "", ""}
	}
	day := civil.Of(time.Now().In(civil.Shanghai))
	if d := req.GetDoneDate(); d != "" {
		var err error
		if day, err = civil.Parse(d); err != nil {
			v.Add("done_date", "want YYYY-MM-DD; got %q", d)
		}
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*visitsv1.Task, error) {
		before, after, err := s.app.CompleteTask(ctx, m[1], m[2], day)
		if err != nil {
			return nil, err
		}
		out := toProtoTask(after)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Task", Object: out.GetName(), OrgPath: after.OrgPath,
			Before: toProtoTask(before), After: out})
	})
}

// RecordVisit records a completed visit.
func (s *Server) RecordVisit(ctx context.Context, req *visitsv1.RecordVisitRequest) (*visitsv1.Visit, error) {
	var v apierr.Violations
	manager := parentName(&v, req.GetParent())
	if manager == "" && req.GetParent() == "managers/-" {
		v.Add("parent", "name the manager who visited")
	}
	in := req.GetVisit()
	rec := sqlstore.Visit{ManagerID: manager, CustomerID: strings.TrimPrefix(in.GetCustomer(), "customers/"),
		Day: civil.FromProto(in.GetDate()), Method: plan.Method(in.GetMethod()), Steps: in.GetSteps(), Notes: in.GetNotes()}
	if !strings.HasPrefix(in.GetCustomer(), "customers/") || !idRE.MatchString(rec.CustomerID) {
		v.Add("visit.customer", "want customers/{code}; got %q", in.GetCustomer())
	}
	if !rec.Day.Valid() {
		v.Add("visit.date", "required: the day of the visit")
	}
	if rec.Method < 0 || rec.Method > plan.Online {
		v.Add("visit.method", "unknown method %d", rec.Method)
	}
	if t := in.GetCheckInTime(); t != nil {
		rec.CheckIn = t.AsTime().UTC()
	}
	if loc := in.GetCheckInLocation(); loc != nil {
		lat, lng := loc.GetLatitude(), loc.GetLongitude()
		if lat < -90 || lat > 90 || lng < -180 || lng > 180 {
			v.Add("visit.check_in_location", "latitude −90…90 and longitude −180…180")
		}
		rec.Lat, rec.Lng = &lat, &lng
	}
	if len(rec.Steps) > 20 {
		v.Add("visit.steps", "at most 20")
	}
	if len([]rune(rec.Notes)) > 4000 {
		v.Add("visit.notes", "at most 4000 characters")
	}
	rec.Details = visitDetails(&v, in)
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*visitsv1.Visit, error) {
		saved, err := s.app.RecordVisit(ctx, rec)
		if err != nil {
			return nil, err
		}
		out := toProtoVisit(saved)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Visit", Object: out.GetName(), OrgPath: saved.OrgPath, After: out})
	})
}

// ListVisits lists visits.
func (s *Server) ListVisits(ctx context.Context, req *visitsv1.ListVisitsRequest) (*visitsv1.ListVisitsResponse, error) {
	var v apierr.Violations
	manager := parentName(&v, req.GetParent())
	if err := v.Err(); err != nil {
		return nil, err
	}
	list, next, err := s.app.ListVisits(ctx, listRequest(req), manager)
	if err != nil {
		return nil, err
	}
	resp := &visitsv1.ListVisitsResponse{NextPageToken: next}
	for _, vi := range list {
		resp.Visits = append(resp.Visits, toProtoVisit(vi))
	}
	return resp, nil
}

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func fromProtoRule(r *visitsv1.FrequencyRules_Rule) plan.Rule {
	return plan.Rule{Classification: strings.TrimSpace(r.GetClassification()), AreaType: strings.ToUpper(strings.TrimSpace(r.GetAreaType())),
		Frequency: plan.Frequency(r.GetFrequency()), Method: plan.Method(r.GetMethod())}
}

func toProtoRules(r plan.Rules, at time.Time, by string) *visitsv1.FrequencyRules {
	rule := func(x plan.Rule) *visitsv1.FrequencyRules_Rule {
		return &visitsv1.FrequencyRules_Rule{Classification: x.Classification, AreaType: x.AreaType,
			Frequency: visitsv1.Frequency(x.Frequency), Method: visitsv1.VisitMethod(x.Method)}
	}
	out := &visitsv1.FrequencyRules{Name: "frequencyRules", Fallback: rule(r.Fallback), Etag: `W/"` + strconv.FormatInt(r.Revision, 10) + `"`,
		UpdateTime: ts(at), UpdatedBy: by}
	for _, x := range r.Rules {
		out.Rules = append(out.Rules, rule(x))
	}
	return out
}

func toProtoPlan(p plan.Plan, items bool) *visitsv1.Plan {
	out := &visitsv1.Plan{Name: planResource(p), Manager: "managers/" + p.ManagerID, Month: p.MonthString(),
		State: visitsv1.Plan_State(p.State), Note: p.Note, ReviewComment: p.ReviewComment, SubmittedBy: p.SubmittedBy,
		SubmitTime: ts(p.SubmitTime), ReviewedBy: p.ReviewedBy, ReviewTime: ts(p.ReviewTime), CreateTime: ts(p.CreateTime),
		UpdateTime: ts(p.UpdateTime), Etag: p.Etag(), ScheduleTime: ts(p.ScheduleTime)}
	if r := p.Results; r.State != 0 {
		out.Results = &visitsv1.MonthResults{State: visitsv1.MonthResults_State(r.State), Evaluation: r.Evaluation,
			Improvement: r.Improvement, LinesDone: int32(r.LinesDone), LinesTotal: int32(r.LinesTotal), SubmittedBy: r.SubmittedBy,
			SubmitTime: ts(r.SubmitTime), ReviewComment: r.ReviewComment, ReviewedBy: r.ReviewedBy, ReviewTime: ts(r.ReviewTime)}
	}
	if p.OrgUnitID != "" {
		out.OrgUnit = "orgUnits/" + p.OrgUnitID
	}
	if items {
		out.Items = toProtoItems(p.ManagerID, p.Items)
	}
	return out
}

// toProtoItems converts the lines of manager's plan.
func toProtoItems(manager string, items []plan.Item) []*visitsv1.PlanItem {
	out := make([]*visitsv1.PlanItem, len(items))
	for i, it := range items {
		p := &visitsv1.PlanItem{Id: it.ID, Kind: visitsv1.PlanItem_Kind(it.Kind), Source: visitsv1.PlanItem_Source(it.Source),
			CustomerDisplayName: it.CustomerName, Actions: it.Actions, PlannedDate: it.PlannedDate.Proto(),
			Method: visitsv1.VisitMethod(it.Method), FirstPlannedMonth: it.FirstPlannedMonth, CarryCount: int32(it.CarryCount),
			Week: it.Week.Proto(), Status: visitsv1.PlanItem_Status(it.Status), DoneDate: it.DoneDate.Proto(),
			Frequency: visitsv1.Frequency(it.Frequency), LastVisitDate: it.LastVisit.Proto(),
			Slot: visitsv1.PlanItem_Slot(it.Slot), RouteOrder: int32(it.RouteOrder), Scheduled: it.Scheduled,
			UnscheduledReason: it.UnscheduledReason, HandedOverTo: managerRef(it.HandedOverTo), HandedOverFrom: managerRef(it.HandedOverFrom)}
		if it.CustomerID != "" {
			p.Customer = "customers/" + it.CustomerID
		}
		if it.TaskID != "" {
			owner := manager // a handed-over line's task went with the customer
			if it.HandedOverTo != "" {
				owner = it.HandedOverTo
			}
			p.Task = "managers/" + owner + "/tasks/" + it.TaskID
		}
		out[i] = p
	}
	return out
}

func fromProtoItem(p *visitsv1.PlanItem) plan.Item {
	return plan.Item{ID: p.GetId(), Kind: plan.Kind(p.GetKind()), CustomerID: strings.TrimPrefix(p.GetCustomer(), "customers/"),
		Actions: p.GetActions(), PlannedDate: civil.FromProto(p.GetPlannedDate()), Method: plan.Method(p.GetMethod())}
}

func toProtoTask(t sqlstore.TaskRow) *visitsv1.Task {
	out := &visitsv1.Task{Name: "managers/" + t.ManagerID + "/tasks/" + t.ID, Text: t.Text, Month: plan.MonthString(t.Month),
		Week: t.Week.Proto(), AssignedBy: t.AssignedBy, Done: t.Done, DoneDate: t.DoneDate.Proto(), CreateTime: ts(t.CreateTime)}
	if t.CustomerID != "" {
		out.Customer = "customers/" + t.CustomerID
	}
	return out
}

func toProtoVisit(v sqlstore.Visit) *visitsv1.Visit {
	out := &visitsv1.Visit{Name: "managers/" + v.ManagerID + "/visits/" + v.ID, Customer: "customers/" + v.CustomerID,
		Date: v.Day.Proto(), Method: visitsv1.VisitMethod(v.Method), CheckInTime: ts(v.CheckIn), Steps: v.Steps, Notes: v.Notes,
		CreateTime: ts(v.CreateTime)}
	if v.Lat != nil && v.Lng != nil {
		out.CheckInLocation = &latlng.LatLng{Latitude: *v.Lat, Longitude: *v.Lng}
	}
	if v.PlanItem != "" {
		out.PlanItem = "managers/" + v.ManagerID + "/plans/" + v.PlanMonth + "#" + v.PlanItem
	}
	d := v.Details
	if d.DistanceMeters != nil {
		m := int32(*d.DistanceMeters)
		out.CheckInDistanceMeters = &m
	}
	out.CheckInFar, out.MissingSteps, out.Needs, out.Complaints, out.NextActions = d.Far, d.MissingSteps, d.Needs, d.Complaints, d.NextActions
	for _, f := range d.Findings {
		out.Findings = append(out.Findings, visitsv1.Visit_Finding(f))
	}
	for _, l := range d.Stock {
		out.Stock = append(out.Stock, &visitsv1.Visit_StockLine{Product: l.Product, HighMargin: l.HighMargin, OnHand: l.OnHand.String(),
			AverageSalesPerCycle: l.AverageSales.String(), SafetyStock: plain(l.SafetyStock.String()), BelowSafetyStock: l.BelowSafety})
	}
	return out
}

// plain drops a decimal's trailing zeros ("12.0" → "12", "4.3290" → "4.329").
func plain(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// managerRef is `managers/{id}`, or empty for no manager.
func managerRef(id string) string {
	if id == "" {
		return ""
	}
	return "managers/" + id
}

// visitDetails reads and checks what a visit found.
func visitDetails(v *apierr.Violations, in *visitsv1.Visit) sqlstore.VisitDetails {
	d := sqlstore.VisitDetails{Needs: in.GetNeeds(), Complaints: in.GetComplaints(), NextActions: in.GetNextActions()}
	seen := map[visitsv1.Visit_Finding]bool{}
	for i, f := range in.GetFindings() {
		if _, ok := visitsv1.Visit_Finding_name[int32(f)]; !ok || f == visitsv1.Visit_FINDING_UNSPECIFIED {
			v.Add(fmt.Sprintf("visit.findings[%d]", i), "unknown finding %d", f)
			continue
		}
		if !seen[f] {
			seen[f] = true
			d.Findings = append(d.Findings, int(f))
		}
	}
	for _, f := range [...]struct{ field, text string }{{"visit.needs", d.Needs}, {"visit.complaints", d.Complaints}} {
		if len([]rune(f.text)) > 2000 {
			v.Add(f.field, "at most 2000 characters")
		}
	}
	if len(d.NextActions) > 20 {
		v.Add("visit.next_actions", "at most 20")
	}
	for i, a := range d.NextActions {
		if n := len([]rune(a)); n == 0 || n > 200 {
			v.Add(fmt.Sprintf("visit.next_actions[%d]", i), "1 to 200 characters")
		}
	}
	for i, l := range in.GetStock() {
		field := fmt.Sprintf("visit.stock[%d]", i)
		onHand, err1 := money.ParseDecimal(l.GetOnHand())
		if err1 != nil {
			v.Add(field+".on_hand", "want a decimal quantity like 12 or 2.5; got %q", l.GetOnHand())
		}
		avg, err2 := money.ParseDecimal(l.GetAverageSalesPerCycle())
		if err2 != nil {
			v.Add(field+".average_sales_per_cycle", "want a decimal quantity like 10 or 3.5; got %q", l.GetAverageSalesPerCycle())
		}
		d.Stock = append(d.Stock, settings.StockLine{Product: l.GetProduct(), HighMargin: l.GetHighMargin(), OnHand: onHand, AverageSales: avg})
	}
	return d
}
