package ports

import (
	"context"
	"regexp"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
)

// CycleServer implements rmsuite.assessment.v1.AssessmentService: quarterly
// and annual assessments.
type CycleServer struct {
	assessmentv1.UnimplementedAssessmentServiceServer
	db  *storage.DB
	app *app.App
}

// NewCycleServer serves the use cases; db records request ids.
func NewCycleServer(db *storage.DB, a *app.App) *CycleServer { return &CycleServer{db: db, app: a} }

const assessmentPrefix = "assessments/"

var resultNameRE = regexp.MustCompile(`^assessments/([^/]+)/results/([^/]+)$`)

func toProtoAssessment(r app.AssessmentRecord) *assessmentv1.Assessment {
	out := &assessmentv1.Assessment{Name: assessmentPrefix + r.ID, OrgUnit: orgUnitPrefix + r.OrgUnitID, Period: r.Period.String(),
		Kind: assessmentv1.Assessment_KIND_ANNUAL, Results: int32(r.Results), Incomplete: int32(r.Incomplete), CreatedBy: r.CreatedBy,
		CreateTime: ts(r.CreateTime), ComputedBy: r.ComputedBy, ComputeTime: ts(r.ComputeTime), Etag: r.Etag()}
	if r.Period.Kind == figure.Quarter {
		out.Kind = assessmentv1.Assessment_KIND_QUARTERLY
	}
	for _, s := range r.Skipped {
		out.Skipped = append(out.Skipped, &assessmentv1.SkippedManager{Manager: managerPrefix + s.Manager, Reason: s.Reason})
	}
	return out
}

func optString(d *money.Decimal) string {
	if d == nil {
		return ""
	}
	return d.String()
}

func toProtoResult(r app.ResultRecord) *assessmentv1.AssessmentResult {
	out := &assessmentv1.AssessmentResult{Name: assessmentPrefix + r.Assessment + "/results/" + r.Manager, Manager: managerPrefix + r.Manager,
		Period: r.Period, OrgUnit: orgUnitPrefix + r.OrgUnitID, PreAssessment: r.Pre, Detail: r.Detail,
		AnnualSummary: optString(r.Summary), SelfEvaluation: optString(r.Self), CommitteeRating: optString(r.Committee),
		AdditionalScore: optString(r.Additional), AdditionalDetail: r.AdditionalDetail, Complete: r.HasScore, UpdateTime: ts(r.UpdateTime)}
	if r.HasScore {
		out.Score = r.Score.String()
	}
	for _, m := range r.Monthly {
		out.Monthly = append(out.Monthly, &assessmentv1.AssessmentResult_MonthlyScore{Period: m.Period, Total: m.Total.String(),
			ScoreCard: runPrefix + m.Run + "/scoreCards/" + r.Manager})
	}
	return out
}

func assessmentID(f *fieldErrors, field, name string) string {
	return nameID(f, field, assessmentPrefix, "assessments/2026-head-office", name)
}

// StartAssessment starts a quarterly or annual assessment.
func (s *CycleServer) StartAssessment(ctx context.Context, req *assessmentv1.StartAssessmentRequest) (*assessmentv1.Assessment, error) {
	var f fieldErrors
	in := req.GetAssessment()
	unit := ""
	if in.GetOrgUnit() != "" {
		unit = nameID(&f, "assessment.org_unit", orgUnitPrefix, "orgUnits/branch-east", in.GetOrgUnit())
	}
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.Assessment, error) {
		r, err := s.app.StartAssessment(ctx, req.GetAssessmentId(), unit, in.GetPeriod())
		if err != nil {
			return nil, invalid("", nil, err)
		}
		out := toProtoAssessment(r)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Assessment", Object: out.GetName(), OrgPath: r.OrgPath, After: out})
	})
}

// GetAssessment reads one assessment.
func (s *CycleServer) GetAssessment(ctx context.Context, req *assessmentv1.GetAssessmentRequest) (*assessmentv1.Assessment, error) {
	var f fieldErrors
	id := assessmentID(&f, "name", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	r, err := s.app.GetAssessment(ctx, id)
	if err != nil {
		return nil, err
	}
	return toProtoAssessment(r), nil
}

// ListAssessments lists the assessments the caller may see.
func (s *CycleServer) ListAssessments(ctx context.Context, req *assessmentv1.ListAssessmentsRequest) (*assessmentv1.ListAssessmentsResponse, error) {
	list, next, err := s.app.ListAssessments(ctx, aip.Request{Filter: req.GetFilter(), OrderBy: req.GetOrderBy(), PageSize: req.GetPageSize(),
		PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	resp := &assessmentv1.ListAssessmentsResponse{NextPageToken: next}
	for _, r := range list {
		resp.Assessments = append(resp.Assessments, toProtoAssessment(r))
	}
	return resp, nil
}

// RecomputeAssessment computes every result again.
func (s *CycleServer) RecomputeAssessment(ctx context.Context, req *assessmentv1.RecomputeAssessmentRequest) (*assessmentv1.Assessment, error) {
	var f fieldErrors
	id := assessmentID(&f, "name", req.GetName())
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.Assessment, error) {
		before, after, err := s.app.RecomputeAssessment(ctx, id, req.GetEtag())
		if err != nil {
			return nil, err
		}
		out := toProtoAssessment(after)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Assessment", Object: out.GetName(), OrgPath: after.OrgPath,
			Before: toProtoAssessment(before), After: out, Reason: "recomputed"})
	})
}

// optDecimalField reads an optional decimal string.
func optDecimalField(f *fieldErrors, field, s string) *money.Decimal {
	if s == "" {
		return nil
	}
	d, err := money.ParseDecimal(s)
	if err != nil {
		f.add(field, "%q is not a plain decimal number, e.g. \"85\" or \"92.5\"", s)
		return nil
	}
	return &d
}

// SetAssessmentInputs enters annual summaries and additional-assessment
// scores.
func (s *CycleServer) SetAssessmentInputs(ctx context.Context, req *assessmentv1.SetAssessmentInputsRequest) (*assessmentv1.SetAssessmentInputsResponse, error) {
	var f fieldErrors
	id := assessmentID(&f, "parent", req.GetParent())
	switch n := len(req.GetInputs()); {
	case n == 0:
		f.add("inputs", "give at least one input")
	case n > app.MaxInputs:
		f.add("inputs", "%d inputs; at most %d per call", n, app.MaxInputs)
	}
	in := make([]app.AssessmentInputs, len(req.GetInputs()))
	for i, x := range req.GetInputs() {
		at := "inputs[" + itoa(i) + "]"
		in[i] = app.AssessmentInputs{Manager: managerField(&f, at+".manager", x.GetManager()),
			Summary:   optDecimalField(&f, at+".annual_summary", x.GetAnnualSummary()),
			Self:      optDecimalField(&f, at+".self_evaluation", x.GetSelfEvaluation()),
			Committee: optDecimalField(&f, at+".committee_rating", x.GetCommitteeRating())}
		if x.GetAnnualSummary() == "" && x.GetSelfEvaluation() == "" && x.GetCommitteeRating() == "" {
			f.add(at, "give an annual summary, a self-evaluation or a committee rating")
		}
	}
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.SetAssessmentInputsResponse, error) {
		results, r, err := s.app.SetAssessmentInputs(ctx, id, in)
		if err != nil {
			return nil, invalid("", nil, err)
		}
		resp := &assessmentv1.SetAssessmentInputsResponse{Assessment: toProtoAssessment(r)}
		for _, res := range results {
			resp.Results = append(resp.Results, toProtoResult(res))
		}
		return resp, audit.Record(ctx, audit.Change{ObjectType: "Assessment", Object: assessmentPrefix + id, OrgPath: r.OrgPath,
			After: &assessmentv1.SetAssessmentInputsRequest{Parent: assessmentPrefix + id, Inputs: req.GetInputs()}, Reason: "inputs entered"})
	})
}

// GetAssessmentResult reads one result.
func (s *CycleServer) GetAssessmentResult(ctx context.Context, req *assessmentv1.GetAssessmentResultRequest) (*assessmentv1.AssessmentResult, error) {
	m := resultNameRE.FindStringSubmatch(req.GetName())
	if m == nil {
		var f fieldErrors
		f.add("name", "want assessments/{assessment}/results/{employee number}, e.g. assessments/2026-head-office/results/E1001; got %q", req.GetName())
		return nil, f.err()
	}
	r, err := s.app.AssessmentResult(ctx, m[1], m[2])
	if err != nil {
		return nil, err
	}
	return toProtoResult(r), nil
}

// ListAssessmentResults lists results in the caller's reach.
func (s *CycleServer) ListAssessmentResults(ctx context.Context, req *assessmentv1.ListAssessmentResultsRequest) (*assessmentv1.ListAssessmentResultsResponse, error) {
	var f fieldErrors
	id := assessmentID(&f, "parent", req.GetParent())
	if err := f.err(); err != nil {
		return nil, err
	}
	if id == "-" {
		id = ""
	}
	list, next, err := s.app.ListAssessmentResults(ctx, aip.Request{Filter: req.GetFilter(), OrderBy: req.GetOrderBy(),
		PageSize: req.GetPageSize(), PageToken: req.GetPageToken(), Scope: req.GetParent()}, id)
	if err != nil {
		return nil, err
	}
	resp := &assessmentv1.ListAssessmentResultsResponse{NextPageToken: next}
	for _, r := range list {
		resp.Results = append(resp.Results, toProtoResult(r))
	}
	return resp, nil
}
