package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/approval"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// ActionApproveDecisions is the approval action that approves a round of
// grade decisions.
const ActionApproveDecisions = "assessment.decisions.approve"

// RoundState is where a decision round stands in storage; "approving" is
// derived from its pending approval.
type RoundState string

// Round states.
const (
	RoundProposed  RoundState = "proposed"
	RoundApproving RoundState = "approving" // derived
	RoundApproved  RoundState = "approved"
)

// ExceptionInput is an exceptional promotion the committee approved.
type ExceptionInput struct {
	Manager     string      `json:"manager"`
	Target      grade.Grade `json:"target"`
	ApprovalRef string      `json:"approvalRef"`
}

// FlagInput is a flag one manager holds.
type FlagInput struct {
	Manager string `json:"manager"`
	Flag    string `json:"flag"`
}

// RoundInputs are what a round is computed with besides the stored data.
type RoundInputs struct {
	Exceptions []ExceptionInput `json:"exceptions,omitempty"`
	Flags      []FlagInput      `json:"flags,omitempty"`
	// PremiumBase and RegularPremiumBase are P and q of the sales ladder.
	PremiumBase        money.Decimal `json:"premiumBase"`
	RegularPremiumBase money.Decimal `json:"regularPremiumBase"`
}

// Default sales bases.
var (
	DefaultPremiumBase        = money.MustParseDecimal("100000.00")
	DefaultRegularPremiumBase = money.MustParseDecimal("20000.00")
)

// RoundRecord is a stored round of grade decisions.
type RoundRecord struct {
	ID, OrgUnitID, OrgPath string
	Period                 figure.Period
	Ladder                 string
	Inputs                 RoundInputs
	State                  RoundState
	Approval               string
	ApprovalPending        bool
	Decisions, Moves       int
	Skipped                []Skipped
	Revision               int64

	CreatedBy, ComputedBy, SubmittedBy, ApprovedBy string
	CreateTime, ComputeTime, ApproveTime           time.Time
}

// Etag is the round's revision as an HTTP weak etag.
func (r RoundRecord) Etag() string { return etag(r.Revision) }

// EffectiveState is the state people see.
func (r RoundRecord) EffectiveState() RoundState {
	if r.State == RoundProposed && r.ApprovalPending {
		return RoundApproving
	}
	return r.State
}

// EffectiveDate is when the round's grade changes take effect: the first
// day of the next period.
func (r RoundRecord) EffectiveDate() civil.Date { return r.Period.Next().Start() }

// DecisionRecord is one manager's stored grade decision.
type DecisionRecord struct {
	Round, Manager, Period, Ladder string
	OrgUnitID, OrgPath             string
	Decision                       grade.Decision
	Score                          money.Decimal
	Revision                       int
	AmendedBy                      []string
	UpdateTime                     time.Time

	// Read with the decision: its round's state, and the grade change of
	// its current revision sent to the roster, if any.
	RoundApproved bool
	ApproveTime   time.Time
	Effective     civil.Date
	Delivery      *DeliveryRecord
}

// Name is the decision's resource name.
func (d DecisionRecord) Name() string { return "decisionRounds/" + d.Round + "/decisions/" + d.Manager }

// DecisionStore keeps decision rounds and their decisions.
type DecisionStore interface {
	// InsertRound adds a round; an id, or an org unit, period and ladder, that
	// exists is ErrExists.
	InsertRound(ctx context.Context, r RoundRecord) error
	Round(ctx context.Context, id string) (RoundRecord, error)
	ListRounds(ctx context.Context, req aip.Request, scope RunScope) ([]RoundRecord, string, error)
	// UpdateRound writes r if the stored revision is r.Revision-1, else
	// ErrConflict.
	UpdateRound(ctx context.Context, r RoundRecord) error
	// DecisionOwners returns, of managers, those decided on for period on
	// ladder and the round that holds the decision.
	DecisionOwners(ctx context.Context, period, ladder string, managers []string) (map[string]string, error)
	// ReplaceDecisions deletes every decision of round and writes ds.
	ReplaceDecisions(ctx context.Context, round string, ds []DecisionRecord) error
	// UpdateDecisions rewrites existing decisions.
	UpdateDecisions(ctx context.Context, ds []DecisionRecord) error
	Decisions(ctx context.Context, round string, managers []string) ([]DecisionRecord, error)
	// MovingDecisions reads the decisions of round that change a grade, with
	// only their manager, period, ladder, revision, kind, grades and
	// exceptional flag.
	MovingDecisions(ctx context.Context, round string) ([]DecisionRecord, error)
	Decision(ctx context.Context, round, manager string) (DecisionRecord, error)
	ListDecisions(ctx context.Context, req aip.Request, scope Scope, round string) ([]DecisionRecord, string, error)
	// PriorKinds returns the kind of each manager's latest decision on ladder
	// in an approved round of a period before period.
	PriorKinds(ctx context.Context, ladder, period string, managers []string) (map[string]grade.Kind, error)
}

// PolicyFor is the decision policy of a ladder, and the kind of period it
// is decided on: a year for the bank ladder and 三级九档, a quarter for the
// sales ladder.
func PolicyFor(ladder string, in RoundInputs) (grade.Policy, figure.PeriodKind, error) {
	switch ladder {
	case grade.BankLadderID:
		return grade.BankPolicy(), figure.Year, nil
	case grade.ThreeLevelsLadderID:
		return grade.ThreeLevelsNineBandsPolicy(), figure.Year, nil
	case grade.SalesLadderID:
		p, err := grade.SalesPolicy(grade.DefaultSalesTable(), in.PremiumBase, in.RegularPremiumBase)
		return p, figure.Quarter, err
	}
	return grade.Policy{}, "", violation.New("decision_round.ladder", "gradeLadders/%s has no decision policy; use gradeLadders/%s, gradeLadders/%s or gradeLadders/%s",
		ladder, grade.BankLadderID, grade.ThreeLevelsLadderID, grade.SalesLadderID)
}

// LadderOf returns the steps of a ladder decisions are made on, for names.
func LadderOf(ladder string) (grade.Ladder, bool) {
	switch ladder {
	case grade.BankLadderID:
		return grade.BankLadder(), true
	case grade.ThreeLevelsLadderID:
		return grade.ThreeLevelsNineBands(), true
	case grade.SalesLadderID:
		return grade.SalesLadder(), true
	case grade.SalesSupervisorLadder().ID:
		return grade.SalesSupervisorLadder(), true
	}
	return grade.Ladder{}, false
}

var flagPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// withDefaults fills in the sales bases not given.
func (in RoundInputs) withDefaults() RoundInputs {
	if in.PremiumBase.IsZero() {
		in.PremiumBase = DefaultPremiumBase
	}
	if in.RegularPremiumBase.IsZero() {
		in.RegularPremiumBase = DefaultRegularPremiumBase
	}
	return in
}

// checkInputs validates a round's inputs against its ladder.
func checkInputs(p grade.Policy, in *RoundInputs) error {
	var v violation.List
	seen := map[string]int{}
	for i, x := range in.Exceptions {
		at := violation.Index("decision_round.exceptions", i)
		if j, dup := seen[x.Manager]; dup {
			v.Add(at+".manager", "repeats exceptions[%d]", j)
		}
		seen[x.Manager] = i
		if p.Ladder.Index(x.Target) < 0 {
			v.Add(at+".level", "%s is not a step of gradeLadders/%s", x.Target, p.Ladder.ID)
		}
		if strings.TrimSpace(x.ApprovalRef) == "" {
			v.Add(at+".approval_ref", "an exceptional promotion needs the reference of the committee's approval")
		}
	}
	for i, x := range in.Flags {
		if !flagPattern.MatchString(x.Flag) {
			v.Add(violation.Index("decision_round.flags", i)+".flag", "%q is not a flag: lower-case letters, digits and underscores, e.g. part_time_trainer", x.Flag)
		}
	}
	if in.PremiumBase.Sign() < 0 {
		v.Add("decision_round.premium_base", "must be above zero")
	}
	if in.RegularPremiumBase.Sign() < 0 {
		v.Add("decision_round.regular_premium_base", "must be above zero")
	}
	return v.Err()
}

// CreateDecisionRound creates a round for orgUnit, period and ladder and
// proposes its decisions.
func (a *App) CreateDecisionRound(ctx context.Context, id, orgUnit, period, ladder string, in RoundInputs) (RoundRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return RoundRecord{}, err
	}
	var v violation.List
	in = in.withDefaults()
	policy, kind, perr := PolicyFor(ladder, in)
	v.Merge("", perr)
	p, err := figure.ParsePeriod(period)
	switch {
	case err != nil:
		v.Add("decision_round.period", "%v", err)
	case perr == nil && p.Kind != kind:
		v.Add("decision_round.period", "gradeLadders/%s is decided on a %s, not a %s: write %s", ladder, kind, p.Kind,
			map[figure.PeriodKind]string{figure.Year: "YYYY, e.g. 2026", figure.Quarter: "YYYY-Qn, e.g. 2026-Q2"}[kind])
	}
	if orgUnit == "" {
		v.Add("decision_round.org_unit", "name the org subtree decided on, orgUnits/{id}")
	}
	if perr == nil {
		v.Merge("", checkInputs(policy, &in))
	}
	if id == "" && orgUnit != "" && err == nil {
		id = strings.ToLower(p.String() + "-" + ladder + "-" + orgUnit)
	}
	if id != "" && !runIDPattern.MatchString(id) {
		v.Add("decision_round_id", "%q is not an id: 1–63 lower-case letters, digits and hyphens", id)
	}
	if err := v.Err(); err != nil {
		return RoundRecord{}, err
	}
	path, err := a.subtree(ctx, c, "decision_round.org_unit", orgUnit)
	if err != nil {
		return RoundRecord{}, err
	}
	now := a.now()
	r := RoundRecord{ID: id, OrgUnitID: orgUnit, OrgPath: path, Period: p, Ladder: ladder, Inputs: in, State: RoundProposed, Revision: 1,
		CreatedBy: c.Subject, CreateTime: now, ComputedBy: c.Subject, ComputeTime: now}
	if err := a.store.InsertRound(ctx, r); err != nil {
		if errors.Is(err, ErrExists) {
			return r, fmt.Errorf("%w: orgUnits/%s has a round for gradeLadders/%s and %s already (or decisionRounds/%s exists); recompute it instead",
				ErrExists, orgUnit, ladder, p, id)
		}
		return r, err
	}
	return a.computeRound(ctx, c, r, policy)
}

// DecisionRound reads one round the caller may see.
func (a *App) DecisionRound(ctx context.Context, id string) (RoundRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return RoundRecord{}, err
	}
	return a.roundFor(ctx, c, id)
}

func (a *App) roundFor(ctx context.Context, c Caller, id string) (RoundRecord, error) {
	r, err := a.store.Round(ctx, id)
	if err != nil {
		return r, err
	}
	if !c.seesRun(RunRecord{OrgPath: r.OrgPath}) {
		return RoundRecord{}, fmt.Errorf("%w: decisionRounds/%s", ErrNotFound, id)
	}
	return r, nil
}

// ListDecisionRounds reads one page of the rounds the caller may see.
func (a *App) ListDecisionRounds(ctx context.Context, req aip.Request) ([]RoundRecord, string, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return nil, "", err
	}
	return a.store.ListRounds(ctx, req, c.runScope())
}

// roundChangeable loads a round the caller may change: in reach, proposed,
// not waiting for approval, at etag when given.
func (a *App) roundChangeable(ctx context.Context, c Caller, id, sentEtag string) (RoundRecord, error) {
	r, err := a.roundFor(ctx, c, id)
	if err != nil {
		return r, err
	}
	switch r.EffectiveState() {
	case RoundApproved:
		return r, fmt.Errorf("%w: decisionRounds/%s was approved on %s by %s and never changes; contest a decision with an appeal",
			ErrState, id, r.ApproveTime.Format(time.DateOnly), r.ApprovedBy)
	case RoundApproving:
		return r, fmt.Errorf("%w: decisionRounds/%s waits for the committee's approval (services/assessment/approvals/%s); reject or withdraw it to change the round",
			ErrState, id, r.Approval)
	}
	if !c.covers(r.OrgPath) {
		return r, fmt.Errorf("%w: decisionRounds/%s decides on orgUnits/%s, outside your org subtree", ErrPermission, id, r.OrgUnitID)
	}
	return r, checkEtag("decisionRounds/"+id, sentEtag, r.Revision)
}

// RecomputeDecisionRound proposes the decisions again; inputs, when not nil,
// replace the round's.
func (a *App) RecomputeDecisionRound(ctx context.Context, id, sentEtag string, in *RoundInputs) (before, after RoundRecord, err error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return before, after, err
	}
	if before, err = a.roundChangeable(ctx, c, id, sentEtag); err != nil {
		return before, before, err
	}
	r := before
	if in != nil {
		r.Inputs = in.withDefaults()
	}
	policy, _, err := PolicyFor(r.Ladder, r.Inputs)
	if err != nil {
		return before, before, invalidAt("", err)
	}
	if err := checkInputs(policy, &r.Inputs); err != nil {
		return before, before, err
	}
	after, err = a.computeRound(ctx, c, r, policy)
	return before, after, err
}

// measureOf maps figure codes to the grade measures they supply.
func measureOf() map[string]string {
	m := map[string]string{indicator.DepositDailyAvg: grade.MeasureDepositDailyAvg, indicator.ComplianceBreaches: grade.MeasureComplianceBreaches}
	for _, c := range figure.Catalogue() {
		if c.Measure != "" {
			m[c.Code] = c.Measure
		}
	}
	return m
}

// computeRound proposes a decision for every appointed manager of the
// subtree on the round's ladder with a complete result for the period.
func (a *App) computeRound(ctx context.Context, c Caller, r RoundRecord, policy grade.Policy) (RoundRecord, error) {
	managers, err := a.dir.Managers(ctx, r.OrgUnitID, r.Period.End())
	if err != nil {
		return r, err
	}
	slices.SortFunc(managers, func(x, y Manager) int { return strings.Compare(x.ID, y.ID) })
	var ids, units []string
	for _, m := range managers {
		if m.Active && m.Ladder == r.Ladder {
			ids = append(ids, m.ID)
			units = append(units, m.OrgUnitID)
		}
	}
	paths, err := a.orgPaths(ctx, units...)
	if err != nil {
		return r, err
	}
	period := r.Period.String()
	owners, err := a.store.DecisionOwners(ctx, period, r.Ladder, ids)
	if err != nil {
		return r, err
	}
	resultList, err := a.store.ResultsOf(ctx, period, ids)
	if err != nil {
		return r, err
	}
	results := map[string]ResultRecord{}
	for _, res := range resultList {
		results[res.Manager] = res
	}
	measures := measureOf()
	var codes []string
	for code := range measures {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	figs, err := a.store.FigureValues(ctx, ids, period, codes)
	if err != nil {
		return r, err
	}
	values := map[string]map[string]money.Decimal{}
	for _, f := range figs {
		if values[f.Manager] == nil {
			values[f.Manager] = map[string]money.Decimal{}
		}
		values[f.Manager][measures[f.Code]] = f.Value
	}
	if r.Period.Kind == figure.Year { // breaches of the year: the monthly figures added, without a yearly one
		if err := a.addMonthlyBreaches(ctx, r.Period, ids, values); err != nil {
			return r, err
		}
	}
	prior, err := a.store.PriorKinds(ctx, r.Ladder, period, ids)
	if err != nil {
		return r, err
	}
	exceptions := map[string]ExceptionInput{}
	for _, x := range r.Inputs.Exceptions {
		exceptions[x.Manager] = x
	}
	flags := map[string]map[string]bool{}
	for _, x := range r.Inputs.Flags {
		if flags[x.Manager] == nil {
			flags[x.Manager] = map[string]bool{}
		}
		flags[x.Manager][x.Flag] = true
	}
	periodEnd := r.Period.End()
	r.Skipped = nil
	var cands []grade.Candidate
	var kept []Manager
	for _, m := range managers {
		if !m.Active || m.Ladder != r.Ladder {
			continue
		}
		skip := func(format string, args ...any) {
			r.Skipped = append(r.Skipped, Skipped{Manager: m.ID, Reason: fmt.Sprintf(format, args...)})
		}
		res, ok := results[m.ID]
		switch {
		case owners[m.ID] != "" && owners[m.ID] != r.ID:
			skip("decided by decisionRounds/%s for %s", owners[m.ID], period)
			continue
		case policy.Ladder.Index(m.Grade) < 0:
			skip("grade %s is not a step decided on gradeLadders/%s", m.Grade, r.Ladder)
			continue
		case !ok || !res.HasScore:
			skip("no complete assessment result for %s", period)
			continue
		}
		vals := values[m.ID]
		if vals == nil {
			vals = map[string]money.Decimal{}
		}
		if r.Period.Kind == figure.Year {
			vals[grade.MeasureAnnualScore] = res.Score
		}
		if res.Additional != nil {
			vals[grade.MeasureAdditionalScore] = *res.Additional
		}
		if !m.GradeSince.IsZero() {
			vals[grade.MeasureMonthsAtGrade] = money.DecimalFromInt(int64(periodEnd.AddDays(1).MonthsSince(m.GradeSince)))
		}
		cand := grade.Candidate{Employee: m.ID, Current: m.Grade, GradeSince: m.GradeSince, Score: res.Score, Values: vals, Flags: flags[m.ID]}
		if !m.HireDate.IsZero() {
			n := r.Period.Index() - figure.Containing(r.Period.Kind, m.HireDate).Index() + 1
			if n >= 1 && (n <= 2 || prior[m.ID] == grade.KindGrace) {
				cand.NewHire = &grade.NewHire{Period: n, InGrace: prior[m.ID] == grade.KindGrace}
			}
		}
		if x, ok := exceptions[m.ID]; ok {
			cand.Exception = &grade.Exception{Target: x.Target, ApprovalRef: x.ApprovalRef}
		}
		cands = append(cands, cand)
		kept = append(kept, m)
	}
	var v violation.List
	for i, x := range r.Inputs.Exceptions {
		if !slices.ContainsFunc(kept, func(m Manager) bool { return m.ID == x.Manager }) {
			v.Add(violation.Index("decision_round.exceptions", i)+".manager", "managers/%s is not decided on in this round", x.Manager)
		}
	}
	if err := v.Err(); err != nil {
		return r, err
	}
	decisions, err := grade.Decide(policy, cands)
	if err != nil {
		return r, invalidAt("decision_round", err)
	}
	now := a.now()
	records := make([]DecisionRecord, len(decisions))
	r.Decisions, r.Moves = len(decisions), 0
	for i, d := range decisions {
		m := kept[i]
		records[i] = DecisionRecord{Round: r.ID, Manager: m.ID, Period: period, Ladder: r.Ladder, OrgUnitID: m.OrgUnitID,
			OrgPath: paths[m.OrgUnitID], Decision: d, Score: cands[i].Score, Revision: 1, UpdateTime: now}
		if d.Moves() {
			r.Moves++
		}
	}
	if err := a.store.ReplaceDecisions(ctx, r.ID, records); err != nil {
		return r, err
	}
	r.ComputedBy, r.ComputeTime, r.Revision = c.Subject, now, r.Revision+1
	return r, a.updateRound(ctx, r)
}

// addMonthlyBreaches sets the compliance breaches of a year from the monthly
// figures, for managers without a figure for the year.
func (a *App) addMonthlyBreaches(ctx context.Context, year figure.Period, ids []string, values map[string]map[string]money.Decimal) error {
	var need []string
	for _, id := range ids {
		if _, ok := values[id][grade.MeasureComplianceBreaches]; !ok {
			need = append(need, id)
		}
	}
	if len(need) == 0 {
		return nil
	}
	for _, month := range year.Months() {
		figs, err := a.store.FigureValues(ctx, need, month.String(), []string{indicator.ComplianceBreaches})
		if err != nil {
			return err
		}
		for _, f := range figs {
			if values[f.Manager] == nil {
				values[f.Manager] = map[string]money.Decimal{}
			}
			sum, err := values[f.Manager][grade.MeasureComplianceBreaches].Add(f.Value)
			if err != nil {
				return err
			}
			values[f.Manager][grade.MeasureComplianceBreaches] = sum
		}
	}
	return nil
}

func (a *App) updateRound(ctx context.Context, r RoundRecord) error {
	if err := a.store.UpdateRound(ctx, r); err != nil {
		if errors.Is(err, ErrConflict) {
			return fmt.Errorf("%w: decisionRounds/%s was changed at the same time; read it again", ErrConflict, r.ID)
		}
		return err
	}
	return nil
}

// roundPayload is what the round's approval carries.
type roundPayload struct {
	Round    string `json:"round"`
	Revision int64  `json:"revision"`
}

// SubmitDecisionRound submits a round for the committee's approval.
func (a *App) SubmitDecisionRound(ctx context.Context, id, sentEtag, reason string) (before, after RoundRecord, err error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return before, after, err
	}
	if before, err = a.roundChangeable(ctx, c, id, sentEtag); err != nil {
		return before, before, err
	}
	if before.Decisions == 0 {
		return before, before, fmt.Errorf("%w: decisionRounds/%s decides on nobody; recompute it once the period's assessment has results", ErrState, id)
	}
	after = before
	after.Revision++
	payload, err := json.Marshal(roundPayload{Round: id, Revision: after.Revision})
	if err != nil {
		return before, before, err
	}
	ap, err := a.approvals.Prepare(ctx, approval.Action{Action: ActionApproveDecisions, Object: "decisionRounds/" + id, OrgPath: before.OrgPath,
		Summary: fmt.Sprintf("grade decisions of decisionRounds/%s (gradeLadders/%s, orgUnits/%s, %s): %d decisions, %d grade changes effective %s",
			id, before.Ladder, before.OrgUnitID, before.Period, before.Decisions, before.Moves, before.EffectiveDate()),
		Payload: payload, ApproverPermission: auth.DecisionsApprove, Reason: reason})
	if err != nil {
		return before, before, err
	}
	after.Approval, after.ApprovalPending, after.SubmittedBy = ap.ID, true, c.Subject
	return before, after, a.updateRound(ctx, after)
}

// ApplyDecisionRound approves a round: the approver (the caller) must reach
// it, and it must be unchanged since it was submitted. Every grade change
// goes to the outbox for the roster, effective the first day of the next
// period; a contract that ends is left to HR.
func (a *App) ApplyDecisionRound(ctx context.Context, payload []byte) (before, after RoundRecord, err error) {
	var p roundPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return before, after, err
	}
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return before, after, err
	}
	if before, err = a.store.Round(ctx, p.Round); err != nil {
		return before, before, err
	}
	if !c.covers(before.OrgPath) {
		return before, before, fmt.Errorf("%w: decisionRounds/%s decides on orgUnits/%s, outside the org subtree you approve for", ErrPermission, p.Round, before.OrgUnitID)
	}
	if before.State == RoundApproved {
		return before, before, fmt.Errorf("%w: decisionRounds/%s is approved already", ErrState, p.Round)
	}
	if before.Revision != p.Revision {
		return before, before, fmt.Errorf("%w: decisionRounds/%s changed after it was submitted; submit it again", ErrConflict, p.Round)
	}
	ds, err := a.store.MovingDecisions(ctx, p.Round)
	if err != nil {
		return before, before, err
	}
	now := a.now()
	var outbox []DeliveryRecord
	for _, d := range ds {
		if d.Decision.Kind != grade.KindTerminate {
			outbox = append(outbox, a.delivery(d, before.EffectiveDate(), now))
		}
	}
	if err := a.store.InsertDeliveries(ctx, outbox); err != nil {
		return before, before, err
	}
	after = before
	after.State, after.ApprovalPending, after.ApprovedBy, after.ApproveTime, after.Revision = RoundApproved, false, c.Subject, now, before.Revision+1
	return before, after, a.updateRound(ctx, after)
}

// delivery is the grade change of a decision at its revision.
func (a *App) delivery(d DecisionRecord, effective civil.Date, now time.Time) DeliveryRecord {
	l, _ := LadderOf(d.Ladder)
	reason := fmt.Sprintf("%s grade decision (等级评定): %s %s → %s", d.Period, d.Decision.Kind, l.Name(d.Decision.From), l.Name(d.Decision.To))
	if d.Revision > 1 {
		reason += fmt.Sprintf(" (revision %d, amended by appeal)", d.Revision)
	}
	return DeliveryRecord{ID: DeliveryID(d.Name(), d.Revision), Manager: d.Manager, Ladder: d.Ladder, Grade: d.Decision.To, Effective: effective,
		Reason: reason, Reference: d.Name(), SourceRevision: d.Revision, Exceptional: d.Decision.Exceptional, State: DeliveryPending,
		NextAttempt: now, CreateTime: now}
}

// GradeDecision reads one decision the caller may see.
func (a *App) GradeDecision(ctx context.Context, round, manager string) (DecisionRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return DecisionRecord{}, err
	}
	d, err := a.store.Decision(ctx, round, manager)
	if err != nil {
		return d, err
	}
	if !c.sees(d.Manager, d.OrgPath) {
		return DecisionRecord{}, fmt.Errorf("%w: decisionRounds/%s/decisions/%s", ErrNotFound, round, manager)
	}
	return d, nil
}

// ListDecisions reads one page of the decisions the caller may see, of a
// round when not empty.
func (a *App) ListDecisions(ctx context.Context, req aip.Request, round string) ([]DecisionRecord, string, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return nil, "", err
	}
	if round != "" {
		if _, err := a.store.Round(ctx, round); err != nil {
			return nil, "", err
		}
	}
	return a.store.ListDecisions(ctx, req, c.scope(), round)
}
