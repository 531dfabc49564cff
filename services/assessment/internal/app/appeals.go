package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/requestid"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/appeal"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/scoring"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/template"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// AmendedValue is one value an upheld appeal corrected on a score card.
type AmendedValue struct {
	Indicator string         `json:"indicator"`
	Value     money.Decimal  `json:"value"`
	Previous  *money.Decimal `json:"previous,omitempty"`
}

// Amendment is what an upheld appeal corrected.
type Amendment struct {
	Values []AmendedValue `json:"values,omitempty"`
	Grade  *grade.Grade   `json:"grade,omitempty"`
	// Revision is the result's revision after the amendment.
	Revision int `json:"revision"`
	// PreviousTotal and Result say what changed: the totals of a card, or
	// the new grade's name.
	PreviousTotal string `json:"previousTotal,omitempty"`
	Result        string `json:"result,omitempty"`
}

// AppealRecord is a stored appeal.
type AppealRecord struct {
	appeal.Appeal
	// Deadline is the last day it could be filed.
	Deadline   civil.Date
	OrgPath    string
	Amendment  *Amendment
	Revision   int64
	CreateTime time.Time
	UpdateTime time.Time
}

// AppealStore keeps appeals.
type AppealStore interface {
	InsertAppeal(ctx context.Context, r AppealRecord) error
	Appeal(ctx context.Context, id string) (AppealRecord, error)
	// UpdateAppeal writes r if the stored revision is r.Revision-1, else
	// ErrConflict.
	UpdateAppeal(ctx context.Context, r AppealRecord) error
	// OpenAppeal returns the appeal of subject that is not decided yet, if
	// any.
	OpenAppeal(ctx context.Context, subject string) (AppealRecord, bool, error)
	ListAppeals(ctx context.Context, req aip.Request, scope Scope) ([]AppealRecord, string, error)
}

// AppealSubject names the result an appeal contests: a score card (Run set)
// or a decision (Round set), and its manager.
type AppealSubject struct {
	Run, Round, Manager string
}

// Name is the subject's resource name.
func (s AppealSubject) Name() string {
	if s.Run != "" {
		return "runs/" + s.Run + "/scoreCards/" + s.Manager
	}
	return "decisionRounds/" + s.Round + "/decisions/" + s.Manager
}

// appealError maps the appeal domain's errors to the service's.
func appealError(err error) error {
	switch {
	case errors.Is(err, appeal.ErrWindowClosed), errors.Is(err, appeal.ErrState):
		return fmt.Errorf("%w: %v", ErrState, err)
	case errors.Is(err, appeal.ErrConflictOfInterest):
		return fmt.Errorf("%w: %v", ErrPermission, err)
	}
	return err
}

// FileAppeal files the caller's appeal against their own published result.
func (a *App) FileAppeal(ctx context.Context, s AppealSubject, reason string) (AppealRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return AppealRecord{}, err
	}
	if s.Manager != c.Subject {
		return AppealRecord{}, fmt.Errorf("%w: %s is a result of managers/%s; a manager appeals only their own results", ErrPermission, s.Name(), s.Manager)
	}
	subject := appeal.Subject{Ref: s.Name(), Employee: s.Manager}
	var path string
	if s.Run != "" {
		card, err := a.store.Card(ctx, s.Run, s.Manager)
		if err != nil {
			return AppealRecord{}, err
		}
		if !card.Closed {
			return AppealRecord{}, fmt.Errorf("%w: runs/%s is not closed yet: ask your supervisor while it is open; an appeal contests a final score", ErrState, s.Run)
		}
		subject.Kind, subject.Published, path = appeal.SubjectMonthlyScore, civil.Of(card.CloseTime.In(civil.Shanghai)), card.OrgPath
	} else {
		d, err := a.store.Decision(ctx, s.Round, s.Manager)
		if err != nil {
			return AppealRecord{}, err
		}
		if !d.RoundApproved {
			return AppealRecord{}, fmt.Errorf("%w: decisionRounds/%s is not approved yet; an appeal contests a final decision", ErrState, s.Round)
		}
		subject.Kind, subject.Published, path = appeal.SubjectGradeDecision, civil.Of(d.ApproveTime.In(civil.Shanghai)), d.OrgPath
	}
	if open, ok, err := a.store.OpenAppeal(ctx, s.Name()); err != nil {
		return AppealRecord{}, err
	} else if ok {
		return AppealRecord{}, fmt.Errorf("%w: appeals/%s against %s is not decided yet", ErrExists, open.ID, s.Name())
	}
	now := a.now()
	ap, err := appeal.File(a.appeals, requestid.New(), subject, c.Subject, reason, now)
	if err != nil {
		return AppealRecord{}, invalidAt("appeal", appealError(err))
	}
	r := AppealRecord{Appeal: ap, Deadline: subject.Published.AddDays(a.appeals.WindowDays), OrgPath: path, Revision: 1, CreateTime: now,
		UpdateTime: now}
	return r, a.store.InsertAppeal(ctx, r)
}

// appealFor loads an appeal the caller may see.
func (a *App) appealFor(ctx context.Context, c Caller, id string) (AppealRecord, error) {
	r, err := a.store.Appeal(ctx, id)
	if err != nil {
		return r, err
	}
	if !c.sees(r.Subject.Employee, r.OrgPath) {
		return AppealRecord{}, fmt.Errorf("%w: appeals/%s", ErrNotFound, id)
	}
	return r, nil
}

// GetAppeal reads one appeal the caller may see.
func (a *App) GetAppeal(ctx context.Context, id string) (AppealRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return AppealRecord{}, err
	}
	return a.appealFor(ctx, c, id)
}

// ListAppeals reads one page of the appeals the caller may see.
func (a *App) ListAppeals(ctx context.Context, req aip.Request) ([]AppealRecord, string, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return nil, "", err
	}
	return a.store.ListAppeals(ctx, req, c.scope())
}

// WithdrawAppeal withdraws an appeal not yet decided; only its filer may.
func (a *App) WithdrawAppeal(ctx context.Context, id, reason string) (before, after AppealRecord, err error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return before, after, err
	}
	if before, err = a.appealFor(ctx, c, id); err != nil {
		return before, before, err
	}
	after = before
	after.History = slices.Clone(before.History)
	if err := after.Withdraw(c.Subject, reason, a.now()); err != nil {
		return before, before, appealError(err)
	}
	after.Revision, after.UpdateTime = before.Revision+1, a.now()
	return before, after, a.updateAppeal(ctx, after)
}

func (a *App) updateAppeal(ctx context.Context, r AppealRecord) error {
	if err := a.store.UpdateAppeal(ctx, r); err != nil {
		if errors.Is(err, ErrConflict) {
			return fmt.Errorf("%w: appeals/%s was changed at the same time; read it again", ErrConflict, r.ID)
		}
		return err
	}
	return nil
}

// DecideAppeal records the committee's decision: upheld with the amendment
// (which it applies: a score card rescored, a decision regraded and sent to
// the roster again), or rejected.
func (a *App) DecideAppeal(ctx context.Context, id string, outcome appeal.State, comment string, am *Amendment) (before, after AppealRecord, err error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return before, after, err
	}
	if before, err = a.appealFor(ctx, c, id); err != nil {
		return before, before, err
	}
	if !c.covers(before.OrgPath) {
		return before, before, fmt.Errorf("%w: appeals/%s concerns managers/%s, outside the org subtree you decide for", ErrPermission, id, before.Subject.Employee)
	}
	var v violation.List
	switch {
	case outcome == appeal.StateUpheld && (am == nil || len(am.Values) == 0 && am.Grade == nil):
		v.Add("amendment", "an upheld appeal amends the result: give the corrected values (a score card) or grade (a decision)")
	case outcome == appeal.StateRejected && am != nil && (len(am.Values) > 0 || am.Grade != nil):
		v.Add("amendment", "a rejected appeal amends nothing: leave the amendment out")
	}
	if err := v.Err(); err != nil {
		return before, before, err
	}
	now := a.now()
	after = before
	after.History = slices.Clone(before.History)
	if after.State == appeal.StateFiled {
		if err := after.StartReview(c.Subject, now); err != nil {
			return before, before, appealError(err)
		}
	}
	if err := after.Decide(c.Subject, outcome, comment, now); err != nil {
		return before, before, invalidAt("", appealError(err))
	}
	if outcome == appeal.StateUpheld {
		if before.Subject.Kind == appeal.SubjectMonthlyScore {
			err = a.amendCard(ctx, before.Subject.Ref, id, am, now)
		} else {
			err = a.amendDecision(ctx, before.Subject.Ref, id, am, now)
		}
		if err != nil {
			return before, before, err
		}
		after.Amendment = am
	}
	after.Revision, after.UpdateTime = before.Revision+1, now
	return before, after, a.updateAppeal(ctx, after)
}

// splitName reads "prefix/{a}/middle/{b}".
func splitName(name, prefix, middle string) (string, string, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return "", "", false
	}
	x, y, ok := strings.Cut(rest, middle)
	return x, y, ok && x != "" && y != ""
}

// amendCard rescores a closed score card with corrected values: a new
// revision, so that compensation reads the new coefficient.
func (a *App) amendCard(ctx context.Context, ref, appealID string, am *Amendment, now time.Time) error {
	if am.Grade != nil {
		return violation.New("amendment.grade", "a score card is amended by its values, not a grade")
	}
	run, manager, _ := splitName(ref, "runs/", "/scoreCards/")
	card, err := a.store.Card(ctx, run, manager)
	if err != nil {
		return err
	}
	s, err := a.runSetup(ctx, run)
	if err != nil {
		return err
	}
	tpl := s.templates[card.Template]
	var v violation.List
	values := slices.Clone(card.Values)
	for i := range am.Values {
		x := &am.Values[i]
		at := violation.Index("amendment.values", i)
		ind, ok := s.lib.Get(x.Indicator)
		if !ok || !slices.ContainsFunc(tpl.Lines, func(l template.Line) bool { return l.Indicator == x.Indicator }) {
			v.Add(at+".indicator", "indicators/%s is not on templates/%s, which %s is scored on", x.Indicator, card.Template, ref)
			continue
		}
		if x.Value.Sign() < 0 {
			v.Add(at+".value", "must not be negative")
		}
		nv := scoring.Value{Indicator: x.Indicator, Value: x.Value, Source: scoring.Source{Kind: ind.Source, Ref: "appeals/" + appealID}}
		if j := slices.IndexFunc(values, func(y scoring.Value) bool { return y.Indicator == x.Indicator }); j >= 0 {
			prev := values[j].Value
			x.Previous, values[j] = &prev, nv
		} else {
			values = append(values, nv)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	before := card.Card.Total
	rescored, err := s.score(tpl, values)
	if err != nil {
		return invalidAt("amendment", err)
	}
	card.Values, card.Card, card.Coefficient, card.Complete = values, rescored.Card, rescored.Coefficient, rescored.Complete
	card.Revision, card.AmendedBy, card.UpdateTime = card.Revision+1, append(slices.Clone(card.AmendedBy), appealID), now
	am.Revision, am.PreviousTotal, am.Result = card.Revision, before.String(), card.Card.Total.String()
	return a.store.UpdateCards(ctx, []CardRecord{card})
}

// amendDecision gives a decision a corrected grade: a new revision whose
// grade change goes to the roster (replacing the previous one if it was not
// applied yet; moving back from it if it was).
func (a *App) amendDecision(ctx context.Context, ref, appealID string, am *Amendment, now time.Time) error {
	if len(am.Values) > 0 || am.Grade == nil {
		return violation.New("amendment.grade", "a grade decision is amended by its grade: give amendment.grade")
	}
	round, manager, _ := splitName(ref, "decisionRounds/", "/decisions/")
	d, err := a.store.Decision(ctx, round, manager)
	if err != nil {
		return err
	}
	l, _ := LadderOf(d.Ladder)
	to := *am.Grade
	from := d.Decision.From
	fi, ti := l.Index(from), l.Index(to)
	switch {
	case ti < 0:
		return violation.New("amendment.grade", "%s is not a step of gradeLadders/%s", to, d.Ladder)
	case to == d.Decision.To:
		return violation.New("amendment.grade", "%s is the decision's grade already", l.Name(to))
	}
	held := from // what the roster holds now
	if prev := d.Delivery; prev != nil {
		switch prev.State {
		case DeliveryApplied, DeliveryAwaiting:
			held = prev.Grade
		case DeliveryPending:
			ok, err := a.store.CancelDelivery(ctx, prev.ID, now, "replaced by appeals/"+appealID)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: the grade change of %s is being sent to the roster right now; decide again in a minute", ErrConflict, ref)
			}
		}
	}
	x := &d.Decision
	switch {
	case ti > fi:
		x.Kind = grade.KindPromote
	case ti < fi:
		x.Kind = grade.KindDemote
	default:
		x.Kind = grade.KindMaintain
	}
	hi := l.Index(held)
	x.To, x.Exceptional, x.Quota = to, ti-hi > 1 || hi-ti > 1, nil
	x.Reasons = append(slices.Clone(x.Reasons), fmt.Sprintf("amended by appeals/%s: %s %s → %s", appealID, x.Kind, l.Name(from), l.Name(to)))
	d.Revision, d.AmendedBy, d.UpdateTime = d.Revision+1, append(slices.Clone(d.AmendedBy), appealID), now
	am.Revision, am.Result = d.Revision, l.Name(to)
	if err := a.store.UpdateDecisions(ctx, []DecisionRecord{d}); err != nil {
		return err
	}
	if to == held {
		return nil // the roster holds it already
	}
	return a.store.InsertDeliveries(ctx, []DeliveryRecord{a.delivery(d, d.Effective, now)})
}
