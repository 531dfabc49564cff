package ports

import (
	"context"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/appeal"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
)

// AppealServer implements rmsuite.assessment.v1.AppealService.
type AppealServer struct {
	assessmentv1.UnimplementedAppealServiceServer
	db  *storage.DB
	app *app.App
}

// NewAppealServer serves the use cases; db records request ids.
func NewAppealServer(db *storage.DB, a *app.App) *AppealServer { return &AppealServer{db: db, app: a} }

var appealStates = map[appeal.State]assessmentv1.Appeal_State{
	appeal.StateFiled: assessmentv1.Appeal_STATE_FILED, appeal.StateUnderReview: assessmentv1.Appeal_STATE_UNDER_REVIEW,
	appeal.StateUpheld: assessmentv1.Appeal_STATE_UPHELD, appeal.StateRejected: assessmentv1.Appeal_STATE_REJECTED,
	appeal.StateWithdrawn: assessmentv1.Appeal_STATE_WITHDRAWN,
}

func toProtoAppeal(r app.AppealRecord) *assessmentv1.Appeal {
	out := &assessmentv1.Appeal{Name: appealPrefix + r.ID, Subject: r.Subject.Ref, Reason: r.Reason, Manager: managerPrefix + r.Subject.Employee,
		State: appealStates[r.State], Published: r.Subject.Published.Proto(), DecidedBy: r.DecidedBy, Decision: r.Decision,
		CreateTime: ts(r.CreateTime), UpdateTime: ts(r.UpdateTime)}
	out.Deadline = r.Deadline.Proto()
	for _, h := range r.History {
		out.History = append(out.History, &assessmentv1.Appeal_Transition{From: appealStates[h.From], To: appealStates[h.To], By: h.By,
			Time: ts(h.At), Comment: h.Comment})
	}
	if am := r.Amendment; am != nil {
		pa := &assessmentv1.Amendment{Revision: int32(am.Revision), PreviousTotal: am.PreviousTotal, Result: am.Result}
		for _, v := range am.Values {
			pv := &assessmentv1.Amendment_Value{Indicator: indicatorPrefix + v.Indicator, Value: v.Value.String()}
			if v.Previous != nil {
				pv.PreviousValue = v.Previous.String()
			}
			pa.Values = append(pa.Values, pv)
		}
		if am.Grade != nil {
			pa.Grade = &assessmentv1.GradeStep{Level: am.Grade.Level, Band: am.Grade.Band, DisplayName: am.Result}
		}
		out.Amendment = pa
	}
	return out
}

// appealSubject reads the name of a score card or a decision.
func appealSubject(f *fieldErrors, field, name string) app.AppealSubject {
	if m := cardNameRE.FindStringSubmatch(name); m != nil {
		return app.AppealSubject{Run: m[1], Manager: m[2]}
	}
	if m := decisionNameRE.FindStringSubmatch(name); m != nil {
		return app.AppealSubject{Round: m[1], Manager: m[2]}
	}
	f.add(field, "want a score card, runs/{run}/scoreCards/{employee number}, or a decision, decisionRounds/{round}/decisions/{employee number}; got %q", name)
	return app.AppealSubject{}
}

func appealID(f *fieldErrors, field, name string) string {
	return nameID(f, field, appealPrefix, "appeals/4f0c…", name)
}

// FileAppeal files the caller's appeal.
func (s *AppealServer) FileAppeal(ctx context.Context, req *assessmentv1.FileAppealRequest) (*assessmentv1.Appeal, error) {
	var f fieldErrors
	subject := appealSubject(&f, "appeal.subject", req.GetAppeal().GetSubject())
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.Appeal, error) {
		r, err := s.app.FileAppeal(ctx, subject, req.GetAppeal().GetReason())
		if err != nil {
			return nil, invalid("", nil, err)
		}
		out := toProtoAppeal(r)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Appeal", Object: out.GetName(), OrgPath: r.OrgPath, After: out, Reason: r.Reason})
	})
}

// GetAppeal reads one appeal.
func (s *AppealServer) GetAppeal(ctx context.Context, req *assessmentv1.GetAppealRequest) (*assessmentv1.Appeal, error) {
	var f fieldErrors
	id := appealID(&f, "name", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	r, err := s.app.GetAppeal(ctx, id)
	if err != nil {
		return nil, err
	}
	return toProtoAppeal(r), nil
}

// ListAppeals lists the appeals the caller may see.
func (s *AppealServer) ListAppeals(ctx context.Context, req *assessmentv1.ListAppealsRequest) (*assessmentv1.ListAppealsResponse, error) {
	list, next, err := s.app.ListAppeals(ctx, aip.Request{Filter: req.GetFilter(), PageSize: req.GetPageSize(), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	resp := &assessmentv1.ListAppealsResponse{NextPageToken: next}
	for _, r := range list {
		resp.Appeals = append(resp.Appeals, toProtoAppeal(r))
	}
	return resp, nil
}

var outcomes = enum[assessmentv1.DecideAppealRequest_Outcome, appeal.State]{values: map[assessmentv1.DecideAppealRequest_Outcome]appeal.State{
	assessmentv1.DecideAppealRequest_OUTCOME_UPHELD: appeal.StateUpheld, assessmentv1.DecideAppealRequest_OUTCOME_REJECTED: appeal.StateRejected,
}, names: "OUTCOME_UPHELD, OUTCOME_REJECTED"}

// DecideAppeal records the committee's decision and applies an amendment.
func (s *AppealServer) DecideAppeal(ctx context.Context, req *assessmentv1.DecideAppealRequest) (*assessmentv1.Appeal, error) {
	var f fieldErrors
	id := appealID(&f, "name", req.GetName())
	outcome := outcomes.fromProto(&f, "outcome", req.GetOutcome())
	var am *app.Amendment
	if in := req.GetAmendment(); in != nil {
		am = &app.Amendment{}
		for i, v := range in.GetValues() {
			at := "amendment.values[" + itoa(i) + "]"
			x := app.AmendedValue{Indicator: nameID(&f, at+".indicator", indicatorPrefix, "indicators/ETHICS_RATING", v.GetIndicator())}
			if d, err := money.ParseDecimal(v.GetValue()); err != nil {
				f.add(at+".value", "%q is not a plain decimal number", v.GetValue())
			} else {
				x.Value = d
			}
			am.Values = append(am.Values, x)
		}
		if g := in.GetGrade(); g != nil {
			if g.GetLevel() == "" {
				f.add("amendment.grade.level", "name the corrected level, e.g. L2")
			}
			am.Grade = &grade.Grade{Level: g.GetLevel(), Band: g.GetBand()}
		}
	}
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.Appeal, error) {
		before, after, err := s.app.DecideAppeal(ctx, id, outcome, req.GetComment(), am)
		if err != nil {
			return nil, invalid("", nil, err)
		}
		out := toProtoAppeal(after)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Appeal", Object: out.GetName(), OrgPath: after.OrgPath,
			Before: toProtoAppeal(before), After: out, Reason: req.GetComment()})
	})
}

// WithdrawAppeal withdraws the caller's appeal.
func (s *AppealServer) WithdrawAppeal(ctx context.Context, req *assessmentv1.WithdrawAppealRequest) (*assessmentv1.Appeal, error) {
	var f fieldErrors
	id := appealID(&f, "name", req.GetName())
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.Appeal, error) {
		before, after, err := s.app.WithdrawAppeal(ctx, id, req.GetReason())
		if err != nil {
			return nil, err
		}
		out := toProtoAppeal(after)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Appeal", Object: out.GetName(), OrgPath: after.OrgPath,
			Before: toProtoAppeal(before), After: out, Reason: req.GetReason()})
	})
}
