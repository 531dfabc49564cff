package ports

import (
	"context"
	"regexp"
	"strconv"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
)

// DecisionServer implements rmsuite.assessment.v1.DecisionService.
type DecisionServer struct {
	assessmentv1.UnimplementedDecisionServiceServer
	db  *storage.DB
	app *app.App
}

// NewDecisionServer serves the use cases; db records request ids.
func NewDecisionServer(db *storage.DB, a *app.App) *DecisionServer {
	return &DecisionServer{db: db, app: a}
}

const roundPrefix = "decisionRounds/"

var decisionNameRE = regexp.MustCompile(`^decisionRounds/([^/]+)/decisions/([^/]+)$`)

var roundStates = map[app.RoundState]assessmentv1.DecisionRound_State{
	app.RoundProposed: assessmentv1.DecisionRound_STATE_PROPOSED, app.RoundApproving: assessmentv1.DecisionRound_STATE_APPROVING,
	app.RoundApproved: assessmentv1.DecisionRound_STATE_APPROVED,
}

func toProtoRound(r app.RoundRecord) *assessmentv1.DecisionRound {
	out := &assessmentv1.DecisionRound{Name: roundPrefix + r.ID, OrgUnit: orgUnitPrefix + r.OrgUnitID, Period: r.Period.String(),
		Ladder: ladderPrefix + r.Ladder, PremiumBase: r.Inputs.PremiumBase.String(), RegularPremiumBase: r.Inputs.RegularPremiumBase.String(),
		State: roundStates[r.EffectiveState()], Approval: approvalName(r.Approval), Decisions: int32(r.Decisions), Moves: int32(r.Moves),
		EffectiveDate: r.EffectiveDate().Proto(), CreatedBy: r.CreatedBy, CreateTime: ts(r.CreateTime), ComputedBy: r.ComputedBy,
		ComputeTime: ts(r.ComputeTime), SubmittedBy: r.SubmittedBy, ApprovedBy: r.ApprovedBy, ApproveTime: ts(r.ApproveTime), Etag: r.Etag()}
	for _, x := range r.Inputs.Exceptions {
		out.Exceptions = append(out.Exceptions, &assessmentv1.DecisionRound_Exception{Manager: managerPrefix + x.Manager, Level: x.Target.Level,
			Band: x.Target.Band, ApprovalRef: x.ApprovalRef})
	}
	for _, x := range r.Inputs.Flags {
		out.Flags = append(out.Flags, &assessmentv1.DecisionRound_Flag{Manager: managerPrefix + x.Manager, Flag: x.Flag})
	}
	for _, s := range r.Skipped {
		out.Skipped = append(out.Skipped, &assessmentv1.SkippedManager{Manager: managerPrefix + s.Manager, Reason: s.Reason})
	}
	return out
}

func toProtoStep(ladder string, g grade.Grade) *assessmentv1.GradeStep {
	l, _ := app.LadderOf(ladder)
	return &assessmentv1.GradeStep{Ladder: ladderPrefix + ladder, Level: g.Level, Band: g.Band, DisplayName: l.Name(g)}
}

var decisionKinds = map[grade.Kind]assessmentv1.GradeDecision_Kind{
	grade.KindPromote: assessmentv1.GradeDecision_KIND_PROMOTE, grade.KindMaintain: assessmentv1.GradeDecision_KIND_MAINTAIN,
	grade.KindDemote: assessmentv1.GradeDecision_KIND_DEMOTE, grade.KindQuotaDemote: assessmentv1.GradeDecision_KIND_QUOTA_DEMOTE,
	grade.KindGrace: assessmentv1.GradeDecision_KIND_GRACE, grade.KindTerminate: assessmentv1.GradeDecision_KIND_TERMINATE,
	grade.KindSkip: assessmentv1.GradeDecision_KIND_SKIP,
}

var deliveryStates = map[app.DeliveryState]assessmentv1.Delivery{
	app.DeliveryPending: assessmentv1.Delivery_DELIVERY_PENDING, app.DeliveryApplied: assessmentv1.Delivery_DELIVERY_APPLIED,
	app.DeliveryAwaiting: assessmentv1.Delivery_DELIVERY_AWAITING_ROSTER_APPROVAL, app.DeliveryFailed: assessmentv1.Delivery_DELIVERY_FAILED,
	app.DeliveryCancelled: assessmentv1.Delivery_DELIVERY_CANCELLED,
}

func toProtoChecks(cs []grade.Check) []*assessmentv1.RequirementCheck {
	out := make([]*assessmentv1.RequirementCheck, 0, len(cs))
	for _, c := range cs {
		rc := &assessmentv1.RequirementCheck{Requirement: c.Requirement.String(), Measure: c.Requirement.Measure, Met: c.Met}
		if c.Present {
			if c.Requirement.Op == grade.Holds {
				rc.Value = strconv.FormatBool(c.Flag)
			} else {
				rc.Value = c.Value.String()
			}
		}
		out = append(out, rc)
	}
	return out
}

// fillDelivery sets the delivery fields of a decision or demotion from its
// outbox record.
func fillDelivery(d *app.DeliveryRecord) (assessmentv1.Delivery, string, string) {
	if d == nil {
		return assessmentv1.Delivery_DELIVERY_NOT_SENT, "", ""
	}
	return deliveryStates[d.State], d.Error, d.RosterApproval
}

func toProtoDecision(d app.DecisionRecord) *assessmentv1.GradeDecision {
	x := d.Decision
	out := &assessmentv1.GradeDecision{Name: d.Name(), Manager: managerPrefix + d.Manager, Period: d.Period, OrgUnit: orgUnitPrefix + d.OrgUnitID,
		From: toProtoStep(d.Ladder, x.From), To: toProtoStep(d.Ladder, x.To), Kind: decisionKinds[x.Kind], Exceptional: x.Exceptional,
		ApprovalRef: x.ApprovalRef, Maintenance: toProtoChecks(x.Maintenance), Reasons: x.Reasons, Explanation: x.Explain(),
		Score: d.Score.String(), EffectiveDate: d.Effective.Proto(), Revision: int32(d.Revision), UpdateTime: ts(d.UpdateTime)}
	for _, p := range x.Promotions {
		out.Promotions = append(out.Promotions, &assessmentv1.PromotionCheck{Target: toProtoStep(d.Ladder, p.Target), Exceptional: p.Exceptional,
			Checks: toProtoChecks(p.Checks), Met: p.Met})
	}
	if q := x.Quota; q != nil {
		out.Quota = &assessmentv1.QuotaRank{Level: q.Level, Share: q.Share.String(), Population: int32(q.Population), Limit: int32(q.Limit),
			Holding: int32(q.Holding), Ranked: int32(q.Ranked), Rank: int32(q.Rank), Score: q.Score.String(), Moved: q.Moved}
	}
	for _, a := range d.AmendedBy {
		out.AmendedBy = append(out.AmendedBy, appealPrefix+a)
	}
	switch {
	case d.Delivery != nil: // also a decision amended back to its first grade, on its way back
		out.Delivery, out.DeliveryError, out.RosterApproval = fillDelivery(d.Delivery)
		out.AppliedTime = ts(d.Delivery.ApplyTime)
	case !x.Moves():
		out.Delivery = assessmentv1.Delivery_DELIVERY_NONE
	case !d.RoundApproved:
		out.Delivery = assessmentv1.Delivery_DELIVERY_PROPOSED
	default:
		out.Delivery = assessmentv1.Delivery_DELIVERY_NOT_SENT // a contract that ends
	}
	return out
}

// roundInputs reads the exceptions, flags and sales bases of a round.
func roundInputs(f *fieldErrors, in *assessmentv1.DecisionRound) app.RoundInputs {
	var out app.RoundInputs
	for i, x := range in.GetExceptions() {
		at := "decision_round.exceptions[" + itoa(i) + "]"
		out.Exceptions = append(out.Exceptions, app.ExceptionInput{Manager: managerField(f, at+".manager", x.GetManager()),
			Target: grade.Grade{Level: x.GetLevel(), Band: x.GetBand()}, ApprovalRef: x.GetApprovalRef()})
	}
	for i, x := range in.GetFlags() {
		at := "decision_round.flags[" + itoa(i) + "]"
		out.Flags = append(out.Flags, app.FlagInput{Manager: managerField(f, at+".manager", x.GetManager()), Flag: x.GetFlag()})
	}
	if d := optDecimalField(f, "decision_round.premium_base", in.GetPremiumBase()); d != nil {
		out.PremiumBase = *d
	}
	if d := optDecimalField(f, "decision_round.regular_premium_base", in.GetRegularPremiumBase()); d != nil {
		out.RegularPremiumBase = *d
	}
	return out
}

func roundID(f *fieldErrors, field, name string) string {
	return nameID(f, field, roundPrefix, "decisionRounds/2026-bank-head-office", name)
}

// CreateDecisionRound creates a round and proposes its decisions.
func (s *DecisionServer) CreateDecisionRound(ctx context.Context, req *assessmentv1.CreateDecisionRoundRequest) (*assessmentv1.DecisionRound, error) {
	var f fieldErrors
	in := req.GetDecisionRound()
	unit, ladder := "", ""
	if in.GetOrgUnit() != "" {
		unit = nameID(&f, "decision_round.org_unit", orgUnitPrefix, "orgUnits/branch-east", in.GetOrgUnit())
	}
	if in.GetLadder() == "" {
		f.add("decision_round.ladder", "name the ladder, gradeLadders/bank, gradeLadders/three-levels-nine-bands or gradeLadders/sales")
	} else {
		ladder = nameID(&f, "decision_round.ladder", ladderPrefix, "gradeLadders/bank", in.GetLadder())
	}
	inputs := roundInputs(&f, in)
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.DecisionRound, error) {
		r, err := s.app.CreateDecisionRound(ctx, req.GetDecisionRoundId(), unit, in.GetPeriod(), ladder, inputs)
		if err != nil {
			return nil, invalid("", nil, err)
		}
		out := toProtoRound(r)
		return out, audit.Record(ctx, audit.Change{ObjectType: "DecisionRound", Object: out.GetName(), OrgPath: r.OrgPath, After: out})
	})
}

// GetDecisionRound reads one round.
func (s *DecisionServer) GetDecisionRound(ctx context.Context, req *assessmentv1.GetDecisionRoundRequest) (*assessmentv1.DecisionRound, error) {
	var f fieldErrors
	id := roundID(&f, "name", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	r, err := s.app.DecisionRound(ctx, id)
	if err != nil {
		return nil, err
	}
	return toProtoRound(r), nil
}

// ListDecisionRounds lists the rounds the caller may see.
func (s *DecisionServer) ListDecisionRounds(ctx context.Context, req *assessmentv1.ListDecisionRoundsRequest) (*assessmentv1.ListDecisionRoundsResponse, error) {
	list, next, err := s.app.ListDecisionRounds(ctx, aip.Request{Filter: req.GetFilter(), OrderBy: req.GetOrderBy(), PageSize: req.GetPageSize(),
		PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	resp := &assessmentv1.ListDecisionRoundsResponse{NextPageToken: next}
	for _, r := range list {
		resp.DecisionRounds = append(resp.DecisionRounds, toProtoRound(r))
	}
	return resp, nil
}

// RecomputeDecisionRound proposes the decisions again.
func (s *DecisionServer) RecomputeDecisionRound(ctx context.Context, req *assessmentv1.RecomputeDecisionRoundRequest) (*assessmentv1.DecisionRound, error) {
	var f fieldErrors
	id := roundID(&f, "name", req.GetName())
	var inputs *app.RoundInputs
	if req.GetDecisionRound() != nil {
		in := roundInputs(&f, req.GetDecisionRound())
		inputs = &in
	}
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.DecisionRound, error) {
		before, after, err := s.app.RecomputeDecisionRound(ctx, id, req.GetEtag(), inputs)
		if err != nil {
			return nil, invalid("", nil, err)
		}
		out := toProtoRound(after)
		return out, audit.Record(ctx, audit.Change{ObjectType: "DecisionRound", Object: out.GetName(), OrgPath: after.OrgPath,
			Before: toProtoRound(before), After: out, Reason: "recomputed"})
	})
}

// SubmitDecisionRound submits a round for the committee's approval.
func (s *DecisionServer) SubmitDecisionRound(ctx context.Context, req *assessmentv1.SubmitDecisionRoundRequest) (*assessmentv1.DecisionRound, error) {
	var f fieldErrors
	id := roundID(&f, "name", req.GetName())
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.DecisionRound, error) {
		before, after, err := s.app.SubmitDecisionRound(ctx, id, req.GetEtag(), req.GetReason())
		if err != nil {
			return nil, err
		}
		out := toProtoRound(after)
		return out, audit.Record(ctx, audit.Change{ObjectType: "DecisionRound", Object: out.GetName(), OrgPath: after.OrgPath,
			Before: toProtoRound(before), After: out, Reason: "submitted: " + req.GetReason()})
	})
}

// ApplyDecisionRound is the applier of an approved round.
func (s *DecisionServer) ApplyDecisionRound(ctx context.Context, payload []byte) error {
	before, after, err := s.app.ApplyDecisionRound(ctx, payload)
	if err != nil {
		return err
	}
	out := toProtoRound(after)
	return audit.Record(ctx, audit.Change{ObjectType: "DecisionRound", Object: out.GetName(), OrgPath: after.OrgPath,
		Before: toProtoRound(before), After: out})
}

// GetDecision reads one decision.
func (s *DecisionServer) GetDecision(ctx context.Context, req *assessmentv1.GetDecisionRequest) (*assessmentv1.GradeDecision, error) {
	m := decisionNameRE.FindStringSubmatch(req.GetName())
	if m == nil {
		var f fieldErrors
		f.add("name", "want decisionRounds/{round}/decisions/{employee number}, e.g. decisionRounds/2026-bank-head-office/decisions/E1001; got %q", req.GetName())
		return nil, f.err()
	}
	d, err := s.app.GradeDecision(ctx, m[1], m[2])
	if err != nil {
		return nil, err
	}
	return toProtoDecision(d), nil
}

// ListDecisions lists decisions in the caller's reach.
func (s *DecisionServer) ListDecisions(ctx context.Context, req *assessmentv1.ListDecisionsRequest) (*assessmentv1.ListDecisionsResponse, error) {
	var f fieldErrors
	id := roundID(&f, "parent", req.GetParent())
	if err := f.err(); err != nil {
		return nil, err
	}
	if id == "-" {
		id = ""
	}
	list, next, err := s.app.ListDecisions(ctx, aip.Request{Filter: req.GetFilter(), OrderBy: req.GetOrderBy(), PageSize: req.GetPageSize(),
		PageToken: req.GetPageToken(), Scope: req.GetParent()}, id)
	if err != nil {
		return nil, err
	}
	resp := &assessmentv1.ListDecisionsResponse{NextPageToken: next}
	for _, d := range list {
		resp.Decisions = append(resp.Decisions, toProtoDecision(d))
	}
	return resp, nil
}

var demotionKinds = map[app.DemotionKind]assessmentv1.EarlyDemotion_Kind{
	app.Demotion: assessmentv1.EarlyDemotion_KIND_DEMOTION, app.Dismissal: assessmentv1.EarlyDemotion_KIND_DISMISSAL,
}

var demotionStates = map[app.DemotionState]assessmentv1.EarlyDemotion_State{
	app.DemotionProposed: assessmentv1.EarlyDemotion_STATE_PROPOSED, app.DemotionApproved: assessmentv1.EarlyDemotion_STATE_APPROVED,
	app.DemotionRejected: assessmentv1.EarlyDemotion_STATE_REJECTED, app.DemotionWithdrawn: assessmentv1.EarlyDemotion_STATE_WITHDRAWN,
}

func toProtoDemotion(d app.DemotionRecord) *assessmentv1.EarlyDemotion {
	out := &assessmentv1.EarlyDemotion{Name: d.Name(), Manager: managerPrefix + d.Manager, Kind: demotionKinds[d.Kind], Reason: d.Reason,
		EffectiveDate: d.Effective.Proto(), From: toProtoStep(d.Ladder, d.From), State: demotionStates[d.State],
		Approval: approvalName(d.Approval), ProposedBy: d.ProposedBy, CreateTime: ts(d.CreateTime), DecidedBy: d.DecidedBy}
	if d.Kind == app.Demotion {
		out.To = toProtoStep(d.Ladder, d.To)
	}
	switch {
	case d.State != app.DemotionApproved:
		out.Delivery = assessmentv1.Delivery_DELIVERY_PROPOSED
	case d.Kind == app.Dismissal:
		out.Delivery = assessmentv1.Delivery_DELIVERY_NOT_SENT
	default:
		out.Delivery, out.DeliveryError, _ = fillDelivery(d.Delivery)
		if d.Delivery != nil {
			out.AppliedTime = ts(d.Delivery.ApplyTime)
		}
	}
	return out
}

var demotionKindsIn = enum[assessmentv1.EarlyDemotion_Kind, app.DemotionKind]{values: map[assessmentv1.EarlyDemotion_Kind]app.DemotionKind{
	assessmentv1.EarlyDemotion_KIND_DEMOTION: app.Demotion, assessmentv1.EarlyDemotion_KIND_DISMISSAL: app.Dismissal,
}, names: "KIND_DEMOTION, KIND_DISMISSAL"}

// ProposeEarlyDemotion proposes an early demotion or dismissal.
func (s *DecisionServer) ProposeEarlyDemotion(ctx context.Context, req *assessmentv1.ProposeEarlyDemotionRequest) (*assessmentv1.EarlyDemotion, error) {
	var f fieldErrors
	in := req.GetEarlyDemotion()
	manager := managerField(&f, "early_demotion.manager", in.GetManager())
	kind := demotionKindsIn.fromProto(&f, "early_demotion.kind", in.GetKind())
	effective := civil.FromProto(in.GetEffectiveDate())
	if in.GetEffectiveDate() != nil && !effective.Valid() {
		f.add("early_demotion.effective_date", "not a calendar day")
	}
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.EarlyDemotion, error) {
		d, err := s.app.ProposeEarlyDemotion(ctx, manager, kind, in.GetReason(), effective)
		if err != nil {
			return nil, invalid("", nil, err)
		}
		out := toProtoDemotion(d)
		return out, audit.Record(ctx, audit.Change{ObjectType: "EarlyDemotion", Object: out.GetName(), OrgPath: d.OrgPath, After: out,
			Reason: d.Reason})
	})
}

// ApplyEarlyDemotion is the applier of an approved early demotion.
func (s *DecisionServer) ApplyEarlyDemotion(ctx context.Context, payload []byte) error {
	d, err := s.app.ApplyEarlyDemotion(ctx, payload)
	if err != nil {
		return err
	}
	out := toProtoDemotion(d)
	return audit.Record(ctx, audit.Change{ObjectType: "EarlyDemotion", Object: out.GetName(), OrgPath: d.OrgPath, After: out})
}

// GetEarlyDemotion reads one early demotion.
func (s *DecisionServer) GetEarlyDemotion(ctx context.Context, req *assessmentv1.GetEarlyDemotionRequest) (*assessmentv1.EarlyDemotion, error) {
	var f fieldErrors
	id := nameID(&f, "name", "earlyDemotions/", "earlyDemotions/1f0c…", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	d, err := s.app.EarlyDemotion(ctx, id)
	if err != nil {
		return nil, err
	}
	return toProtoDemotion(d), nil
}

// ListEarlyDemotions lists the early demotions the caller may see.
func (s *DecisionServer) ListEarlyDemotions(ctx context.Context, req *assessmentv1.ListEarlyDemotionsRequest) (*assessmentv1.ListEarlyDemotionsResponse, error) {
	list, next, err := s.app.ListEarlyDemotions(ctx, aip.Request{Filter: req.GetFilter(), PageSize: req.GetPageSize(), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	resp := &assessmentv1.ListEarlyDemotionsResponse{NextPageToken: next}
	for _, d := range list {
		resp.EarlyDemotions = append(resp.EarlyDemotions, toProtoDemotion(d))
	}
	return resp, nil
}
