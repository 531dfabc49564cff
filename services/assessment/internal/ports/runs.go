package ports

import (
	"context"
	"regexp"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/approval"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/scoring"
)

// ServiceName is the assessment service's name in approval names.
const ServiceName = "assessment"

// RunServer implements rmsuite.assessment.v1.RunService and
// CoefficientService.
type RunServer struct {
	assessmentv1.UnimplementedRunServiceServer
	db  *storage.DB
	app *app.App
}

// NewRunServer serves the use cases; db records request ids for safe
// retries.
func NewRunServer(db *storage.DB, a *app.App) *RunServer { return &RunServer{db: db, app: a} }

const runPrefix = "runs/"

var (
	cardNameRE = regexp.MustCompile(`^runs/([^/]+)/scoreCards/([^/]+)$`)
	runRenames = map[string]string{}
)

func runName(id string) string { return runPrefix + id }

var runStates = map[app.RunState]assessmentv1.Run_State{
	app.RunOpen: assessmentv1.Run_STATE_OPEN, app.RunClosing: assessmentv1.Run_STATE_CLOSING, app.RunClosed: assessmentv1.Run_STATE_CLOSED,
}

func approvalName(id string) string {
	if id == "" {
		return ""
	}
	return approval.Name(ServiceName, id)
}

func toProtoRun(r app.RunRecord) *assessmentv1.Run {
	out := &assessmentv1.Run{Name: runName(r.ID), OrgUnit: orgUnitPrefix + r.OrgUnitID, Period: r.Period,
		State: runStates[r.EffectiveState()], CloseApproval: approvalName(r.CloseApproval), ScoreCards: int32(r.Cards),
		Incomplete: int32(r.Incomplete), CreatedBy: r.CreatedBy, CreateTime: ts(r.CreateTime), ComputedBy: r.ComputedBy,
		ComputeTime: ts(r.ComputeTime), ClosePreparedBy: r.ClosePreparedBy, ClosedBy: r.ClosedBy, CloseTime: ts(r.CloseTime),
		Etag: r.Etag()}
	for _, s := range r.Skipped {
		out.Skipped = append(out.Skipped, &assessmentv1.SkippedManager{Manager: managerPrefix + s.Manager, Reason: s.Reason})
	}
	return out
}

var lineStatuses = map[scoring.Status]assessmentv1.ScoreCard_LineStatus{
	scoring.StatusScored:   assessmentv1.ScoreCard_LINE_STATUS_SCORED,
	scoring.StatusNoValue:  assessmentv1.ScoreCard_LINE_STATUS_NO_VALUE,
	scoring.StatusAwaiting: assessmentv1.ScoreCard_LINE_STATUS_AWAITING_ENTRY,
}

func cardName(c app.CardRecord) string { return runName(c.RunID) + "/scoreCards/" + c.Manager }

func toProtoCard(c app.CardRecord) *assessmentv1.ScoreCard {
	out := &assessmentv1.ScoreCard{Name: cardName(c), Manager: managerPrefix + c.Manager, Period: c.Period,
		OrgUnit: orgUnitPrefix + c.OrgUnitID, Level: c.Grade.Level, Band: c.Grade.Band, Template: templatePrefix + c.Card.Template,
		Sum: c.Card.Sum.String(), Total: c.Card.Total.String(), Coefficient: c.Coefficient.Value.String(),
		CoefficientDetail: c.Coefficient.Detail, Complete: c.Complete,
		Explanation: c.Card.Explain() + "\ncoefficient: " + c.Coefficient.Detail,
		Revision:    int32(c.Revision), Closed: c.Closed, UpdateTime: ts(c.UpdateTime)}
	if c.Ladder != "" {
		out.Ladder = ladderPrefix + c.Ladder
	}
	for _, l := range c.Card.Lines {
		pl := &assessmentv1.ScoreCard_Line{Indicator: indicatorPrefix + l.Indicator, DisplayName: l.Name,
			Dimension: dimensions.toProto(l.Dimension), Part: parts.toProto(l.Part), Weight: l.Weight.String(),
			Status: lineStatuses[l.Status], Unit: units.toProto(l.Unit), Rule: l.Rule, Ratio: l.Score.Ratio.String(),
			Points: l.Points().String(), Detail: l.Score.Detail, Explanation: l.Explain()}
		if l.Status == scoring.StatusScored {
			pl.Value, pl.Source, pl.SourceRef = l.Value.String(), sources.toProto(l.Source.Kind), l.Source.Ref
		}
		out.Lines = append(out.Lines, pl)
	}
	for _, p := range c.Card.Parts {
		out.Parts = append(out.Parts, &assessmentv1.ScoreCard_PartTotal{Part: parts.toProto(p.Part), Weight: p.Weight.String(),
			Points: p.Points.String()})
	}
	for _, p := range c.Card.Pending {
		out.Pending = append(out.Pending, indicatorPrefix+p)
	}
	for _, a := range c.AmendedBy {
		out.AmendedBy = append(out.AmendedBy, appealPrefix+a)
	}
	return out
}

const appealPrefix = "appeals/"

// runID reads `runs/{run}`.
func runID(f *fieldErrors, field, name string) string {
	return nameID(f, field, runPrefix, "runs/2026-05-branch-east", name)
}

// StartRun starts a run and computes its score cards.
func (s *RunServer) StartRun(ctx context.Context, req *assessmentv1.StartRunRequest) (*assessmentv1.Run, error) {
	var f fieldErrors
	in := req.GetRun()
	unit := ""
	if in.GetOrgUnit() != "" {
		unit = nameID(&f, "run.org_unit", orgUnitPrefix, "orgUnits/branch-east", in.GetOrgUnit())
	}
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.Run, error) {
		r, err := s.app.StartRun(ctx, req.GetRunId(), unit, in.GetPeriod())
		if err != nil {
			return nil, invalid("", runRenames, err)
		}
		out := toProtoRun(r)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Run", Object: out.GetName(), OrgPath: r.OrgPath, After: out})
	})
}

// GetRun reads one run.
func (s *RunServer) GetRun(ctx context.Context, req *assessmentv1.GetRunRequest) (*assessmentv1.Run, error) {
	var f fieldErrors
	id := runID(&f, "name", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	r, err := s.app.Run(ctx, id)
	if err != nil {
		return nil, err
	}
	return toProtoRun(r), nil
}

// ListRuns lists the runs the caller may see.
func (s *RunServer) ListRuns(ctx context.Context, req *assessmentv1.ListRunsRequest) (*assessmentv1.ListRunsResponse, error) {
	list, next, err := s.app.ListRuns(ctx, aip.Request{Filter: req.GetFilter(), OrderBy: req.GetOrderBy(), PageSize: req.GetPageSize(),
		PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	resp := &assessmentv1.ListRunsResponse{NextPageToken: next}
	for _, r := range list {
		resp.Runs = append(resp.Runs, toProtoRun(r))
	}
	return resp, nil
}

// RecomputeRun recomputes an open run.
func (s *RunServer) RecomputeRun(ctx context.Context, req *assessmentv1.RecomputeRunRequest) (*assessmentv1.Run, error) {
	var f fieldErrors
	id := runID(&f, "name", req.GetName())
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.Run, error) {
		before, after, err := s.app.RecomputeRun(ctx, id, req.GetEtag())
		if err != nil {
			return nil, err
		}
		out := toProtoRun(after)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Run", Object: out.GetName(), OrgPath: after.OrgPath,
			Before: toProtoRun(before), After: out, Reason: "recomputed"})
	})
}

// SetRatings enters supervisors' ratings and rescores the cards.
func (s *RunServer) SetRatings(ctx context.Context, req *assessmentv1.SetRatingsRequest) (*assessmentv1.SetRatingsResponse, error) {
	var f fieldErrors
	id := runID(&f, "parent", req.GetParent())
	switch n := len(req.GetRatings()); {
	case n == 0:
		f.add("ratings", "give at least one rating")
	case n > app.MaxRatings:
		f.add("ratings", "%d ratings; at most %d per call", n, app.MaxRatings)
	}
	in := make([]app.RatingInput, len(req.GetRatings()))
	for i, r := range req.GetRatings() {
		at := "ratings[" + itoa(i) + "]"
		in[i] = app.RatingInput{Manager: managerField(&f, at+".manager", r.GetManager()),
			Indicator: nameID(&f, at+".indicator", indicatorPrefix, "indicators/ETHICS_RATING", r.GetIndicator()),
			Comment:   r.GetComment()}
		if r.GetValue() == "" {
			f.add(at+".value", "required: a rating from 0 to 100, e.g. \"85\"")
		} else if v, err := money.ParseDecimal(r.GetValue()); err != nil {
			f.add(at+".value", "%q is not a plain decimal number, e.g. \"85\" or \"92.5\"", r.GetValue())
		} else {
			in[i].Value = v
		}
	}
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.SetRatingsResponse, error) {
		cards, run, err := s.app.SetRatings(ctx, id, in)
		if err != nil {
			return nil, invalid("", nil, err)
		}
		resp := &assessmentv1.SetRatingsResponse{Ratings: int32(len(in)), Run: toProtoRun(run)}
		for _, c := range cards {
			resp.ScoreCards = append(resp.ScoreCards, &assessmentv1.ScoreCardSummary{Name: cardName(c), Total: c.Card.Total.String(),
				Coefficient: c.Coefficient.Value.String(), Complete: c.Complete})
		}
		return resp, audit.Record(ctx, audit.Change{ObjectType: "Run", Object: runName(id), OrgPath: run.OrgPath,
			After: &assessmentv1.SetRatingsRequest{Parent: runName(id), Ratings: req.GetRatings()}, Reason: "ratings entered"})
	})
}

// CloseRun prepares closing a run; another person approves.
func (s *RunServer) CloseRun(ctx context.Context, req *assessmentv1.CloseRunRequest) (*assessmentv1.Run, error) {
	var f fieldErrors
	id := runID(&f, "name", req.GetName())
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.Run, error) {
		before, after, err := s.app.CloseRun(ctx, id, req.GetEtag(), req.GetReason())
		if err != nil {
			return nil, err
		}
		out := toProtoRun(after)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Run", Object: out.GetName(), OrgPath: after.OrgPath,
			Before: toProtoRun(before), After: out, Reason: "closing prepared: " + req.GetReason()})
	})
}

// ApplyCloseRun is the applier of an approved closing.
func (s *RunServer) ApplyCloseRun(ctx context.Context, payload []byte) error {
	before, after, err := s.app.ApplyCloseRun(ctx, payload)
	if err != nil {
		return err
	}
	out := toProtoRun(after)
	return audit.Record(ctx, audit.Change{ObjectType: "Run", Object: out.GetName(), OrgPath: after.OrgPath,
		Before: toProtoRun(before), After: out})
}

// GetScoreCard reads one score card.
func (s *RunServer) GetScoreCard(ctx context.Context, req *assessmentv1.GetScoreCardRequest) (*assessmentv1.ScoreCard, error) {
	var f fieldErrors
	m := cardNameRE.FindStringSubmatch(req.GetName())
	if m == nil {
		f.add("name", "want runs/{run}/scoreCards/{employee number}, e.g. runs/2026-05-branch-east/scoreCards/E1001; got %q", req.GetName())
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	c, err := s.app.ScoreCard(ctx, m[1], m[2])
	if err != nil {
		return nil, err
	}
	return toProtoCard(c), nil
}

// ListScoreCards lists score cards in the caller's reach.
func (s *RunServer) ListScoreCards(ctx context.Context, req *assessmentv1.ListScoreCardsRequest) (*assessmentv1.ListScoreCardsResponse, error) {
	var f fieldErrors
	run := runID(&f, "parent", req.GetParent())
	if err := f.err(); err != nil {
		return nil, err
	}
	if run == "-" {
		run = ""
	}
	list, next, err := s.app.ListScoreCards(ctx, aip.Request{Filter: req.GetFilter(), OrderBy: req.GetOrderBy(), PageSize: req.GetPageSize(),
		PageToken: req.GetPageToken(), Scope: req.GetParent()}, run)
	if err != nil {
		return nil, err
	}
	resp := &assessmentv1.ListScoreCardsResponse{NextPageToken: next}
	for _, c := range list {
		resp.ScoreCards = append(resp.ScoreCards, toProtoCard(c))
	}
	return resp, nil
}

// CoefficientServer implements rmsuite.assessment.v1.CoefficientService.
type CoefficientServer struct {
	assessmentv1.UnimplementedCoefficientServiceServer
	app *app.App
}

// NewCoefficientServer serves the use cases.
func NewCoefficientServer(a *app.App) *CoefficientServer { return &CoefficientServer{app: a} }

// maxCoefficientManagers is the most managers one BatchGetCoefficients call
// asks for.
const maxCoefficientManagers = 20000

// BatchGetCoefficients reads the coefficients of closed runs.
func (s *CoefficientServer) BatchGetCoefficients(ctx context.Context, req *assessmentv1.BatchGetCoefficientsRequest) (*assessmentv1.BatchGetCoefficientsResponse, error) {
	var f fieldErrors
	p, err := figure.ParsePeriod(req.GetPeriod())
	if err != nil || p.Kind != figure.Month {
		f.add("period", "want a month, YYYY-MM, e.g. 2026-05; got %q", req.GetPeriod())
	}
	switch n := len(req.GetManagers()); {
	case n == 0:
		f.add("managers", "name at least one manager, managers/{employee number}")
	case n > maxCoefficientManagers:
		f.add("managers", "%d managers; at most %d per call", n, maxCoefficientManagers)
	}
	seen := map[string]int{}
	managers := make([]string, 0, len(req.GetManagers()))
	for i, m := range req.GetManagers() {
		at := "managers[" + itoa(i) + "]"
		if j, dup := seen[m]; dup {
			f.add(at, "repeats managers[%d]", j)
			continue
		}
		seen[m] = i
		managers = append(managers, managerField(&f, at, m))
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	cards, missing, err := s.app.Coefficients(ctx, p.String(), managers)
	if err != nil {
		return nil, err
	}
	resp := &assessmentv1.BatchGetCoefficientsResponse{}
	for _, c := range cards {
		resp.Coefficients = append(resp.Coefficients, &assessmentv1.Coefficient{Manager: managerPrefix + c.Manager, Period: c.Period,
			Coefficient: c.Coefficient.Value.String(), Score: c.Card.Total.String(), Run: runName(c.RunID), Revision: int32(c.Revision),
			UpdateTime: ts(c.UpdateTime)})
	}
	for _, m := range missing {
		resp.Missing = append(resp.Missing, managerPrefix+m)
	}
	return resp, nil
}
