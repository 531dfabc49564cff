package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/approval"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/requestid"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// ActionEarlyDemotion is the approval action of an early demotion or
// dismissal.
const ActionEarlyDemotion = "assessment.demotion.approve"

// DemotionKind is what an early demotion proposes.
type DemotionKind string

// Kinds.
const (
	Demotion  DemotionKind = "demotion"  // down one step
	Dismissal DemotionKind = "dismissal" // the employment ends
)

// DemotionState is where an early demotion stands: its approval's state.
type DemotionState string

// States.
const (
	DemotionProposed  DemotionState = "proposed"
	DemotionApproved  DemotionState = "approved"
	DemotionRejected  DemotionState = "rejected"
	DemotionWithdrawn DemotionState = "withdrawn"
)

// DemotionRecord is a stored early demotion or dismissal.
type DemotionRecord struct {
	ID, Manager, OrgUnitID, OrgPath string
	Kind                            DemotionKind
	Reason                          string
	Effective                       civil.Date
	Ladder                          string
	From, To                        grade.Grade
	Approval                        string
	ProposedBy                      string
	CreateTime                      time.Time

	// Read with it: its approval and the grade change sent to the roster.
	State      DemotionState
	DecidedBy  string
	DecideTime time.Time
	Delivery   *DeliveryRecord
}

// Name is the resource name.
func (d DemotionRecord) Name() string { return "earlyDemotions/" + d.ID }

// DemotionStore keeps early demotions.
type DemotionStore interface {
	InsertDemotion(ctx context.Context, d DemotionRecord) error
	Demotion(ctx context.Context, id string) (DemotionRecord, error)
	ListDemotions(ctx context.Context, req aip.Request, scope Scope) ([]DemotionRecord, string, error)
}

// demotionPayload is what an early demotion's approval carries.
type demotionPayload struct {
	ID string `json:"id"`
}

// ProposeEarlyDemotion proposes demoting (one step) or dismissing a manager
// of the caller's subtree; a branch head approves it. effective, when zero,
// is the first day of next month.
func (a *App) ProposeEarlyDemotion(ctx context.Context, manager string, kind DemotionKind, reason string, effective civil.Date) (DemotionRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return DemotionRecord{}, err
	}
	var v violation.List
	if kind != Demotion && kind != Dismissal {
		v.Add("early_demotion.kind", "say KIND_DEMOTION (one step down) or KIND_DISMISSAL")
	}
	if strings.TrimSpace(reason) == "" {
		v.Add("early_demotion.reason", "describe the misconduct: the approver and the record need it")
	}
	today := civil.Of(a.now().In(civil.Shanghai))
	if effective.IsZero() {
		effective = today.FirstOfMonth().AddMonths(1)
	} else if effective.Before(today) {
		v.Add("early_demotion.effective_date", "%s is in the past; an early demotion takes effect from today on", effective)
	}
	if err := v.Err(); err != nil {
		return DemotionRecord{}, err
	}
	if manager == c.Subject {
		return DemotionRecord{}, fmt.Errorf("%w: you cannot propose your own demotion", ErrPermission)
	}
	m, err := a.dir.Manager(ctx, manager)
	if errors.Is(err, ErrNotFound) {
		return DemotionRecord{}, violation.New("early_demotion.manager", "managers/%s is not a manager you can see in the roster", manager)
	}
	if err != nil {
		return DemotionRecord{}, err
	}
	paths, err := a.orgPaths(ctx, m.OrgUnitID)
	if err != nil {
		return DemotionRecord{}, err
	}
	path := paths[m.OrgUnitID]
	if !c.covers(path) {
		return DemotionRecord{}, fmt.Errorf("%w: managers/%s is outside your org subtree", ErrPermission, manager)
	}
	if !m.Active {
		return DemotionRecord{}, fmt.Errorf("%w: managers/%s is not appointed; there is nothing to demote", ErrState, manager)
	}
	// The roster keeps one grade at a time: a change dated before the latest
	// one (a grade decision effective next year, say) would be refused there
	// after approval, and "from" would not be the grade held on the day.
	if !m.GradeSince.IsZero() && effective.Before(m.GradeSince) {
		l, _ := LadderOf(m.Ladder)
		return DemotionRecord{}, violation.New("early_demotion.effective_date",
			"managers/%s holds %s from %s (the roster's latest grade change); date the early demotion on or after that day", manager,
			l.Name(m.Grade), m.GradeSince)
	}
	d := DemotionRecord{ID: requestid.New(), Manager: manager, OrgUnitID: m.OrgUnitID, OrgPath: path, Kind: kind, Reason: strings.TrimSpace(reason),
		Effective: effective, Ladder: m.Ladder, From: m.Grade, To: m.Grade, ProposedBy: c.Subject, CreateTime: a.now(), State: DemotionProposed}
	l, ok := LadderOf(m.Ladder)
	what := "dismissal (解聘)"
	if kind == Demotion {
		i := l.Index(m.Grade)
		switch {
		case !ok || i < 0:
			return d, fmt.Errorf("%w: managers/%s holds %s on gradeLadders/%s, which has no steps to move down here", ErrState, manager, m.Grade, m.Ladder)
		case i == 0:
			return d, fmt.Errorf("%w: managers/%s is on the lowest step, %s; propose a dismissal instead", ErrState, manager, l.Name(m.Grade))
		}
		d.To = l.Steps[i-1].Grade
		what = fmt.Sprintf("early demotion (提前降级) from %s to %s", l.Name(d.From), l.Name(d.To))
	}
	payload, err := json.Marshal(demotionPayload{ID: d.ID})
	if err != nil {
		return d, err
	}
	ap, err := a.approvals.Prepare(ctx, approval.Action{Action: ActionEarlyDemotion, Object: d.Name(), OrgPath: path,
		Summary: fmt.Sprintf("%s of managers/%s, effective %s: %s", what, manager, effective, d.Reason),
		Payload: payload, ApproverPermission: auth.DemotionsApprove, Reason: d.Reason})
	if err != nil {
		return d, err
	}
	d.Approval = ap.ID
	return d, a.store.InsertDemotion(ctx, d)
}

// ApplyEarlyDemotion carries out an approved early demotion: the approver
// (the caller) must reach the manager. A demotion goes to the outbox for the
// roster; a dismissal is recorded for HR, who ends the employment in the
// roster.
func (a *App) ApplyEarlyDemotion(ctx context.Context, payload []byte) (DemotionRecord, error) {
	var p demotionPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return DemotionRecord{}, err
	}
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return DemotionRecord{}, err
	}
	d, err := a.store.Demotion(ctx, p.ID)
	if err != nil {
		return d, err
	}
	if !c.covers(d.OrgPath) {
		return d, fmt.Errorf("%w: managers/%s is outside the org subtree you approve for", ErrPermission, d.Manager)
	}
	if d.Kind == Demotion {
		now := a.now()
		l, _ := LadderOf(d.Ladder)
		del := DeliveryRecord{ID: DeliveryID(d.Name(), 1), Manager: d.Manager, Ladder: d.Ladder, Grade: d.To, Effective: d.Effective,
			Reason: fmt.Sprintf("early demotion (提前降级) %s → %s: %s", l.Name(d.From), l.Name(d.To), d.Reason), Reference: d.Name(),
			SourceRevision: 1, State: DeliveryPending, NextAttempt: now, CreateTime: now}
		if err := a.store.InsertDeliveries(ctx, []DeliveryRecord{del}); err != nil {
			return d, err
		}
		d.Delivery = &del
	}
	d.State, d.DecidedBy = DemotionApproved, c.Subject
	return d, nil
}

// EarlyDemotion reads one early demotion the caller may see.
func (a *App) EarlyDemotion(ctx context.Context, id string) (DemotionRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return DemotionRecord{}, err
	}
	d, err := a.store.Demotion(ctx, id)
	if err != nil {
		return d, err
	}
	if !c.sees(d.Manager, d.OrgPath) {
		return DemotionRecord{}, fmt.Errorf("%w: earlyDemotions/%s", ErrNotFound, id)
	}
	return d, nil
}

// ListEarlyDemotions reads one page of the early demotions the caller may
// see.
func (a *App) ListEarlyDemotions(ctx context.Context, req aip.Request) ([]DemotionRecord, string, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return nil, "", err
	}
	return a.store.ListDemotions(ctx, req, c.scope())
}
