package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/approval"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/scoring"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/template"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// ActionCloseRun is the approval action that closes a monthly run.
const ActionCloseRun = "assessment.run.close"

// RunState is where a run stands in storage; "closing" is derived from its
// pending approval.
type RunState string

// Run states.
const (
	RunOpen    RunState = "open"
	RunClosing RunState = "closing" // derived: open with a pending closing approval
	RunClosed  RunState = "closed"
)

// Skipped is a manager of a run's subtree the run did not score.
type Skipped struct {
	Manager string `json:"manager"`
	Reason  string `json:"reason"`
}

// RunRecord is a stored monthly run.
type RunRecord struct {
	ID, OrgUnitID, OrgPath string
	Period                 string // YYYY-MM
	State                  RunState
	// CloseApproval is the id of the latest closing approval; ClosePending
	// reports whether it is still pending (read from the approvals).
	CloseApproval string
	ClosePending  bool
	Cards         int
	Incomplete    int
	Skipped       []Skipped
	Revision      int64

	CreatedBy, ComputedBy, ClosePreparedBy, ClosedBy string
	CreateTime, ComputeTime, CloseTime               time.Time
}

// Etag is the run's revision as an HTTP weak etag.
func (r RunRecord) Etag() string { return etag(r.Revision) }

// EffectiveState is the state people see: closing while the closing
// approval is pending.
func (r RunRecord) EffectiveState() RunState {
	if r.State == RunOpen && r.ClosePending {
		return RunClosing
	}
	return r.State
}

// CardRecord is a stored score card: the values it was scored from, with
// their sources, and its total and coefficient. Card and Coefficient are the
// whole card, scored again from the values with the run's setup whenever it
// is read (scoring is deterministic, so it is the card as computed); lists
// of totals fill only Card.Total and Coefficient.Value.
type CardRecord struct {
	RunID, Manager, Period string
	OrgUnitID, OrgPath     string
	Ladder                 string
	Grade                  grade.Grade
	Template               string
	Values                 []scoring.Value
	// Complete reports whether every manual indicator has a value.
	Complete    bool
	Card        scoring.Card
	Coefficient scoring.Coefficient
	// Revision is 1 as computed; each appeal amendment adds one.
	Revision int
	// AmendedBy lists the appeals that amended the card.
	AmendedBy []string
	// Closed reports whether the card's run is closed (read only).
	Closed     bool
	CloseTime  time.Time // the run's, when closed (read only)
	UpdateTime time.Time
}

// RatingRecord is a supervisor's rating of one manual indicator.
type RatingRecord struct {
	RunID, Manager, Indicator string
	Value                     money.Decimal
	Comment                   string
	RatedBy                   string
	RateTime                  time.Time
}

// RunStore keeps monthly runs, their score cards and ratings.
type RunStore interface {
	// InsertRun adds a run; an id, or an org unit and month, that exists is
	// ErrExists.
	InsertRun(ctx context.Context, r RunRecord) error
	// Run reads one run; ErrNotFound if there is none.
	Run(ctx context.Context, id string) (RunRecord, error)
	// ListRuns reads one page of runs that scope allows.
	ListRuns(ctx context.Context, req aip.Request, scope RunScope) ([]RunRecord, string, error)
	// UpdateRun writes r if the stored revision is r.Revision-1, else
	// ErrConflict.
	UpdateRun(ctx context.Context, r RunRecord) error
	// CardOwners returns, of managers, those with a score card for period
	// and the run that holds it.
	CardOwners(ctx context.Context, period string, managers []string) (map[string]string, error)
	// ReplaceCards deletes every score card of run and writes cards.
	ReplaceCards(ctx context.Context, run string, cards []CardRecord) error
	// UpdateCards rewrites existing score cards.
	UpdateCards(ctx context.Context, cards []CardRecord) error
	// Cards reads the score cards of run, of managers when not nil.
	Cards(ctx context.Context, run string, managers []string) ([]CardRecord, error)
	// Card reads one score card; ErrNotFound if there is none.
	Card(ctx context.Context, run, manager string) (CardRecord, error)
	// ListCards reads one page of the score cards scope allows, of run when
	// not empty.
	ListCards(ctx context.Context, req aip.Request, scope Scope, run string) ([]CardRecord, string, error)
	// CountCards counts the cards of run and those incomplete, with the
	// first few managers of the incomplete ones.
	CountCards(ctx context.Context, run string) (total, incomplete int, firstIncomplete []string, err error)
	// PutRatings writes ratings, replacing those of the same run, manager
	// and indicator.
	PutRatings(ctx context.Context, rs []RatingRecord) error
	// Ratings reads the ratings of run, of managers when not nil.
	Ratings(ctx context.Context, run string, managers []string) ([]RatingRecord, error)
	// ClosedCards reads the score cards of period in closed runs, of
	// managers (their totals and coefficients, not their values).
	ClosedCards(ctx context.Context, period string, managers []string) ([]CardRecord, error)
	// SaveRunSetup keeps the setup a run was computed with.
	SaveRunSetup(ctx context.Context, run string, s Setup) error
	// RunSetup reads the setup a run was computed with.
	RunSetup(ctx context.Context, run string) (Setup, error)
}

// Setup is the configuration a run scores with — the indicator library, the
// templates and the coefficient table as they were when it was computed —
// kept with the run so that its cards are rescored (ratings, amendments)
// and explained the same way until it is recomputed.
type Setup struct {
	Indicators []indicator.Indicator    `json:"indicators"`
	Templates  []template.Template      `json:"templates"`
	Table      scoring.CoefficientTable `json:"table"`
}

// RunScope is which runs a caller may see: all, those in a subtree, and
// those covering their own unit.
type RunScope struct {
	All            bool
	Home, UnitPath string
}

// Manager is what assessment reads of a roster manager.
type Manager struct {
	ID, Name, OrgUnitID string
	// Ladder is the ladder id of the manager's grade ("bank"); empty
	// without a grade.
	Ladder string
	Grade  grade.Grade
	// GradeSince is the day the current grade took effect.
	GradeSince civil.Date
	HireDate   civil.Date
	// Active is set for appointed managers (probation, extended probation,
	// confirmed, observation).
	Active bool
}

// VisitValue is one visit indicator of one manager for one period.
type VisitValue struct {
	Indicator string // the library code, e.g. VISIT_PLAN_COMPLETION
	Value     money.Decimal
	Ref       string // e.g. "19/20"
}

// Visits reads visit indicators from the visit-scheduling service.
type Visits interface {
	// VisitValues returns the visit indicators of period by manager, for the
	// managers of the subtree of orgUnit, read as the caller.
	VisitValues(ctx context.Context, period, orgUnit string) (map[string][]VisitValue, error)
}

// Approvals prepares maker–checker approvals in the caller's transaction.
type Approvals interface {
	Prepare(ctx context.Context, a approval.Action) (approval.Approval, error)
}

// scoreCaller is the caller with the reach of assessment results:
// administrators and systems everything; HR and the committee the subtree of
// their home unit (everything without one); supervisors and branch heads
// their subtree; everyone their own.
func (a *App) scoreCaller(ctx context.Context) (Caller, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return Caller{}, fmt.Errorf("%w: no caller", ErrPermission)
	}
	c := Caller{Principal: p}
	if p.HasAny(auth.Administrator, auth.System) || (p.HasAny(auth.HROfficer, auth.Committee) && p.OrgUnit == "") {
		c.All = true
		return c, nil
	}
	if p.OrgUnit != "" {
		paths, err := a.orgPaths(ctx, p.OrgUnit)
		if err != nil {
			return c, err
		}
		c.UnitPath = paths[p.OrgUnit]
		if p.HasAny(auth.HROfficer, auth.Committee, auth.Supervisor, auth.BranchHead) {
			c.Home = c.UnitPath
		}
	}
	return c, nil
}

// covers reports whether c acts for the whole subtree at path.
func (c Caller) covers(path string) bool {
	return c.All || (c.Home != "" && strings.HasPrefix(path, c.Home))
}

// seesRun reports whether c may read a run: in their reach, or covering
// their own unit.
func (c Caller) seesRun(r RunRecord) bool {
	return c.covers(r.OrgPath) || (c.UnitPath != "" && strings.HasPrefix(c.UnitPath, r.OrgPath))
}

func (c Caller) runScope() RunScope { return RunScope{All: c.All, Home: c.Home, UnitPath: c.UnitPath} }

var runIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// RunID is the default id of the run of orgUnit for period.
func RunID(period, orgUnit string) string { return strings.ToLower(period + "-" + orgUnit) }

// monthPeriod checks a month, YYYY-MM.
func monthPeriod(field, s string) (figure.Period, error) {
	p, err := figure.ParsePeriod(s)
	if err != nil {
		return p, violation.New(field, "%v", err)
	}
	if p.Kind != figure.Month {
		return p, violation.New(field, "%q is not a month: a monthly run assesses one month, YYYY-MM", s)
	}
	return p, nil
}

// StartRun creates the run of orgUnit for period and computes its score
// cards.
func (a *App) StartRun(ctx context.Context, id, orgUnit, period string) (RunRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return RunRecord{}, err
	}
	var v violation.List
	p, perr := monthPeriod("run.period", period)
	v.Merge("", perr)
	if orgUnit == "" {
		v.Add("run.org_unit", "name the org subtree to assess, orgUnits/{id}")
	}
	if id == "" && orgUnit != "" && perr == nil {
		id = RunID(p.String(), orgUnit)
	}
	if id != "" && !runIDPattern.MatchString(id) {
		v.Add("run_id", "%q is not a run id: 1–63 lower-case letters, digits and hyphens", id)
	}
	if err := v.Err(); err != nil {
		return RunRecord{}, err
	}
	paths, err := a.orgPaths(ctx, orgUnit)
	if err != nil {
		return RunRecord{}, err
	}
	path, ok := paths[orgUnit]
	if !ok {
		return RunRecord{}, violation.New("run.org_unit", "orgUnits/%s is not an org unit you can see in the roster", orgUnit)
	}
	if !c.covers(path) {
		return RunRecord{}, fmt.Errorf("%w: orgUnits/%s lies outside your org subtree", ErrPermission, orgUnit)
	}
	now := a.now()
	r := RunRecord{ID: id, OrgUnitID: orgUnit, OrgPath: path, Period: p.String(), State: RunOpen, Revision: 1,
		CreatedBy: c.Subject, CreateTime: now, ComputedBy: c.Subject, ComputeTime: now}
	if err := a.store.InsertRun(ctx, r); err != nil {
		if errors.Is(err, ErrExists) {
			return r, fmt.Errorf("%w: orgUnits/%s has a run for %s already (or runs/%s exists); recompute it instead", ErrExists, orgUnit, r.Period, id)
		}
		return r, err
	}
	return a.compute(ctx, c, r)
}

// Run reads one run the caller may see.
func (a *App) Run(ctx context.Context, id string) (RunRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return RunRecord{}, err
	}
	return a.runFor(ctx, c, id)
}

func (a *App) runFor(ctx context.Context, c Caller, id string) (RunRecord, error) {
	r, err := a.store.Run(ctx, id)
	if err != nil {
		return r, err
	}
	if !c.seesRun(r) {
		return RunRecord{}, fmt.Errorf("%w: runs/%s", ErrNotFound, id)
	}
	return r, nil
}

// ListRuns reads one page of the runs the caller may see.
func (a *App) ListRuns(ctx context.Context, req aip.Request) ([]RunRecord, string, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return nil, "", err
	}
	return a.store.ListRuns(ctx, req, c.runScope())
}

// changeable loads a run the caller may change: in their reach, open, not
// waiting for the approval of its closing, at etag when given.
func (a *App) changeable(ctx context.Context, c Caller, id, sentEtag string) (RunRecord, error) {
	r, err := a.runFor(ctx, c, id)
	if err != nil {
		return r, err
	}
	if err := runOpen(r); err != nil {
		return r, err
	}
	return r, checkEtag("runs/"+id, sentEtag, r.Revision)
}

// runOpen refuses a run that is closed or waiting for approval to close.
func runOpen(r RunRecord) error {
	switch r.EffectiveState() {
	case RunClosed:
		return fmt.Errorf("%w: runs/%s was closed on %s (approved by %s) and never changes; contest a score with an appeal",
			ErrState, r.ID, r.CloseTime.Format(time.DateOnly), r.ClosedBy)
	case RunClosing:
		return fmt.Errorf("%w: runs/%s waits for approval of its closing (services/assessment/approvals/%s); reject or withdraw that approval to change the run",
			ErrState, r.ID, r.CloseApproval)
	}
	return nil
}

// RecomputeRun gathers every value again and recomputes the run's cards.
func (a *App) RecomputeRun(ctx context.Context, id, sentEtag string) (before, after RunRecord, err error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return before, after, err
	}
	before, err = a.changeable(ctx, c, id, sentEtag)
	if err != nil {
		return before, before, err
	}
	if !c.covers(before.OrgPath) {
		return before, before, fmt.Errorf("%w: runs/%s assesses orgUnits/%s, outside your org subtree", ErrPermission, id, before.OrgUnitID)
	}
	after, err = a.compute(ctx, c, before)
	return before, after, err
}

// scoringSetup is what scoring needs from configuration: the library, the
// templates by code and the template of each ladder level.
type scoringSetup struct {
	lib       indicator.Library
	templates map[string]template.Template
	scorers   map[string]*scoring.Scorer // by template code
	levels    template.Assignments
	table     scoring.CoefficientTable
}

// prepare makes the scorer of every template.
func (s *scoringSetup) prepare() error {
	s.scorers = make(map[string]*scoring.Scorer, len(s.templates))
	for code, t := range s.templates {
		sc, err := scoring.NewScorer(t, s.lib)
		if err != nil {
			return fmt.Errorf("templates/%s does not fit the indicator library: %v", code, err) // not the caller's fault
		}
		s.scorers[code] = sc
	}
	return nil
}

// setup is the current configuration, and its snapshot for the run.
func (a *App) setup(ctx context.Context) (scoringSetup, Setup, error) {
	lib, _, err := a.library(ctx)
	if err != nil {
		return scoringSetup{}, Setup{}, err
	}
	recs, err := a.store.Templates(ctx)
	if err != nil {
		return scoringSetup{}, Setup{}, err
	}
	s := scoringSetup{lib: lib, templates: map[string]template.Template{}, table: scoring.DefaultCoefficientTable()}
	snap := Setup{Indicators: lib.All(), Table: s.table}
	for _, r := range recs {
		s.templates[r.Code] = r.Template
		s.levels = append(s.levels, r.Levels...)
		snap.Templates = append(snap.Templates, r.Template)
	}
	return s, snap, s.prepare()
}

// runSetup is the setup a run was computed with.
func (a *App) runSetup(ctx context.Context, run string) (scoringSetup, error) {
	snap, err := a.store.RunSetup(ctx, run)
	if err != nil {
		return scoringSetup{}, err
	}
	lib, err := indicator.NewLibrary(snap.Indicators)
	if err != nil {
		return scoringSetup{}, fmt.Errorf("the setup stored with runs/%s is invalid: %v", run, err)
	}
	s := scoringSetup{lib: lib, templates: map[string]template.Template{}, table: snap.Table}
	for _, t := range snap.Templates {
		s.templates[t.Code] = t
	}
	return s, s.prepare()
}

// explain scores each card again from its values with its run's setup,
// filling Card and Coefficient.
func (a *App) explain(ctx context.Context, cards []CardRecord) error {
	byRun := map[string][]int{}
	for i, c := range cards {
		byRun[c.RunID] = append(byRun[c.RunID], i)
	}
	for run, idx := range byRun {
		s, err := a.runSetup(ctx, run)
		if err != nil {
			return err
		}
		part := make([]CardRecord, len(idx))
		for j, i := range idx {
			part[j] = cards[i]
			if _, ok := s.templates[part[j].Template]; !ok {
				return fmt.Errorf("templates/%s of %s is not in the setup of runs/%s", part[j].Template, part[j].Manager, run)
			}
		}
		if err := s.scoreAll(part, func(j int) template.Template { return s.templates[part[j].Template] }); err != nil {
			return err
		}
		for j, i := range idx {
			cards[i].Card, cards[i].Coefficient = part[j].Card, part[j].Coefficient
		}
	}
	return nil
}

// compute gathers the values of every active manager of the run's subtree
// and rewrites the run's score cards.
func (a *App) compute(ctx context.Context, c Caller, r RunRecord) (RunRecord, error) {
	s, snap, err := a.setup(ctx)
	if err != nil {
		return r, err
	}
	if err := a.store.SaveRunSetup(ctx, r.ID, snap); err != nil {
		return r, err
	}
	month, err := monthPeriod("period", r.Period)
	if err != nil {
		return r, err
	}
	managers, err := a.dir.Managers(ctx, r.OrgUnitID, month.End())
	if err != nil {
		return r, err
	}
	var ids, units []string
	for _, m := range managers {
		if m.Active {
			ids = append(ids, m.ID)
			units = append(units, m.OrgUnitID)
		}
	}
	paths, err := a.orgPaths(ctx, units...)
	if err != nil {
		return r, err
	}
	owners, err := a.store.CardOwners(ctx, r.Period, ids)
	if err != nil {
		return r, err
	}
	var importedCodes []string
	for _, ind := range s.lib.All() {
		if ind.Source == indicator.SourceImported {
			importedCodes = append(importedCodes, ind.Code)
		}
	}
	figs, err := a.store.FigureValues(ctx, ids, r.Period, importedCodes)
	if err != nil {
		return r, err
	}
	figures := map[string][]FigureValue{}
	for _, f := range figs {
		figures[f.Manager] = append(figures[f.Manager], f)
	}
	var visits map[string][]VisitValue
	if a.visits != nil {
		if visits, err = a.visits.VisitValues(ctx, r.Period, r.OrgUnitID); err != nil {
			return r, err
		}
	}
	surveys, err := a.surveyValues(ctx, r.Period, ids)
	if err != nil {
		return r, err
	}
	ratingList, err := a.store.Ratings(ctx, r.ID, nil)
	if err != nil {
		return r, err
	}
	ratings := map[string][]RatingRecord{}
	for _, x := range ratingList {
		ratings[x.Manager] = append(ratings[x.Manager], x)
	}

	now := a.now()
	var cards []CardRecord
	var tpls []template.Template
	r.Skipped = nil
	slices.SortFunc(managers, func(x, y Manager) int { return strings.Compare(x.ID, y.ID) })
	for _, m := range managers {
		if !m.Active {
			continue
		}
		skip := func(format string, args ...any) {
			r.Skipped = append(r.Skipped, Skipped{Manager: m.ID, Reason: fmt.Sprintf(format, args...)})
		}
		if owner, ok := owners[m.ID]; ok && owner != r.ID {
			skip("scored by runs/%s for %s", owner, r.Period)
			continue
		}
		tpl, why := s.templateOf(m)
		if why != "" {
			skip("%s", why)
			continue
		}
		var values []scoring.Value
		for _, f := range figures[m.ID] {
			values = append(values, scoring.Value{Indicator: f.Code, Value: f.Value,
				Source: scoring.Source{Kind: indicator.SourceImported, Ref: "figureBatches/" + f.BatchID}})
		}
		for _, vv := range visits[m.ID] {
			values = append(values, scoring.Value{Indicator: vv.Indicator, Value: vv.Value,
				Source: scoring.Source{Kind: indicator.SourceVisits, Ref: vv.Ref}})
		}
		for _, sv := range surveys[m.ID] {
			if _, ok := s.lib.Get(sv.Indicator); ok { // the bank may have taken it out of the library
				values = append(values, sv)
			}
		}
		values = append(values, ratingValues(ratings[m.ID])...)
		cards = append(cards, CardRecord{RunID: r.ID, Manager: m.ID, Period: r.Period, OrgUnitID: m.OrgUnitID, OrgPath: paths[m.OrgUnitID],
			Ladder: m.Ladder, Grade: m.Grade, Template: tpl.Code, Values: values, Revision: 1, UpdateTime: now})
		tpls = append(tpls, tpl)
	}
	if err := s.scoreAll(cards, func(i int) template.Template { return tpls[i] }); err != nil {
		return r, err
	}
	if err := a.store.ReplaceCards(ctx, r.ID, cards); err != nil {
		return r, err
	}
	r.Cards, r.Incomplete = len(cards), 0
	for _, card := range cards {
		if !card.Complete {
			r.Incomplete++
		}
	}
	r.ComputedBy, r.ComputeTime, r.Revision = c.Subject, now, r.Revision+1
	return r, a.updateRun(ctx, r)
}

func (a *App) updateRun(ctx context.Context, r RunRecord) error {
	if err := a.store.UpdateRun(ctx, r); err != nil {
		if errors.Is(err, ErrConflict) {
			return fmt.Errorf("%w: runs/%s was changed at the same time; read it again", ErrConflict, r.ID)
		}
		return err
	}
	return nil
}

// templateOf finds the template of a manager's ladder level, or says why
// there is none.
func (s scoringSetup) templateOf(m Manager) (template.Template, string) {
	if m.Ladder == "" || m.Grade.Level == "" {
		return template.Template{}, "has no grade in the roster"
	}
	code, ok := s.levels.TemplateFor(m.Ladder, m.Grade.Level)
	if !ok {
		return template.Template{}, fmt.Sprintf("level %s of gradeLadders/%s is assessed on no template", m.Grade.Level, m.Ladder)
	}
	tpl, ok := s.templates[code]
	if !ok {
		return template.Template{}, fmt.Sprintf("templates/%s does not exist", code)
	}
	return tpl, ""
}

// scoreAll scores every card from its values on tpl(i), filling Card,
// Coefficient and Complete, on every core: each card is scored on its own,
// so the result does not depend on the order.
func (s scoringSetup) scoreAll(cards []CardRecord, tpl func(i int) template.Template) error {
	workers := min(runtime.GOMAXPROCS(0), 1+len(cards)/200)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(cards); i += workers {
				scored, err := s.score(tpl(i), cards[i].Values)
				if err != nil {
					errs[w] = fmt.Errorf("score managers/%s: %w", cards[i].Manager, err)
					return
				}
				cards[i].Card, cards[i].Coefficient, cards[i].Complete = scored.Card, scored.Coefficient, scored.Complete
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// score scores a card and its coefficient.
func (s scoringSetup) score(tpl template.Template, values []scoring.Value) (CardRecord, error) {
	sc, ok := s.scorers[tpl.Code]
	if !ok {
		return CardRecord{}, fmt.Errorf("templates/%s is not in the setup", tpl.Code)
	}
	card, err := sc.Score(values)
	if err != nil {
		return CardRecord{}, err
	}
	coef, err := s.table.Coefficient(card.Total)
	if err != nil {
		return CardRecord{}, err
	}
	return CardRecord{Card: card, Coefficient: coef, Complete: len(card.Pending) == 0}, nil
}

func ratingValues(rs []RatingRecord) []scoring.Value {
	out := make([]scoring.Value, 0, len(rs))
	for _, x := range rs {
		out = append(out, scoring.Value{Indicator: x.Indicator, Value: x.Value, Source: scoring.Source{Kind: indicator.SourceManual, Ref: x.RatedBy}})
	}
	return out
}

// rated returns a card's values with the ratings replacing the values of
// their indicators.
func rated(values []scoring.Value, ratings []RatingRecord) []scoring.Value {
	out := make([]scoring.Value, 0, len(values)+len(ratings))
	for _, v := range values {
		if !slices.ContainsFunc(ratings, func(x RatingRecord) bool { return x.Indicator == v.Indicator }) {
			out = append(out, v)
		}
	}
	return append(out, ratingValues(ratings)...)
}

// MaxRatings is the most ratings one SetRatings call takes.
const MaxRatings = 5000

// RatingInput is one rating as entered.
type RatingInput struct {
	Manager, Indicator string
	Value              money.Decimal
	Comment            string
}

// SetRatings stores ratings of manual indicators for managers of the
// caller's subtree and rescores their cards. It returns the rescored cards
// and the run after.
func (a *App) SetRatings(ctx context.Context, runID string, in []RatingInput) ([]CardRecord, RunRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return nil, RunRecord{}, err
	}
	r, err := a.changeable(ctx, c, runID, "")
	if err != nil {
		return nil, r, err
	}
	s, err := a.runSetup(ctx, runID)
	if err != nil {
		return nil, r, err
	}
	var managers []string
	seen := map[[2]string]int{}
	for _, x := range in {
		if !slices.Contains(managers, x.Manager) {
			managers = append(managers, x.Manager)
		}
	}
	list, err := a.store.Cards(ctx, runID, managers)
	if err != nil {
		return nil, r, err
	}
	cards := map[string]CardRecord{}
	for _, card := range list {
		cards[card.Manager] = card
	}
	var v violation.List
	now := a.now()
	var recs []RatingRecord
	for i, x := range in {
		at := violation.Index("ratings", i)
		key := [2]string{x.Manager, x.Indicator}
		if j, dup := seen[key]; dup {
			v.Add(at, "repeats ratings[%d]: rate each manager's indicator once per call", j)
			continue
		}
		seen[key] = i
		card, ok := cards[x.Manager]
		switch {
		case !ok:
			v.Add(at+".manager", "managers/%s has no score card in runs/%s", x.Manager, runID)
			continue
		case x.Manager == c.Subject:
			return nil, r, fmt.Errorf("%w: you cannot rate yourself (ratings[%d])", ErrPermission, i)
		case !c.covers(card.OrgPath):
			return nil, r, fmt.Errorf("%w: managers/%s is outside your org subtree (ratings[%d])", ErrPermission, x.Manager, i)
		}
		ind, ok := s.lib.Get(x.Indicator)
		switch {
		case !ok:
			v.Add(at+".indicator", "indicators/%s is not in the library", x.Indicator)
		case ind.Source != indicator.SourceManual:
			v.Add(at+".indicator", "indicators/%s is %s, not rated by hand", x.Indicator, ind.Source)
		case !slices.ContainsFunc(s.templates[card.Template].Lines, func(l template.Line) bool { return l.Indicator == x.Indicator }):
			v.Add(at+".indicator", "indicators/%s is not on templates/%s, which managers/%s is scored on", x.Indicator, card.Template, x.Manager)
		}
		if x.Value.Sign() < 0 || x.Value.Cmp(money.DecimalFromInt(100)) > 0 || places(x.Value) > 2 {
			v.Add(at+".value", "a rating is from 0 to 100 with at most two decimals, not %s", x.Value)
		}
		recs = append(recs, RatingRecord{RunID: runID, Manager: x.Manager, Indicator: x.Indicator, Value: x.Value,
			Comment: strings.TrimSpace(x.Comment), RatedBy: c.Subject, RateTime: now})
	}
	if err := v.Err(); err != nil {
		return nil, r, err
	}
	if err := a.store.PutRatings(ctx, recs); err != nil {
		return nil, r, err
	}
	byManager := map[string][]RatingRecord{}
	for _, x := range recs {
		byManager[x.Manager] = append(byManager[x.Manager], x)
	}
	out := make([]CardRecord, 0, len(managers))
	for _, m := range managers {
		c := cards[m]
		if !c.Complete {
			r.Incomplete--
		}
		c.Values, c.UpdateTime = rated(c.Values, byManager[m]), now
		out = append(out, c)
	}
	if err := s.scoreAll(out, func(i int) template.Template { return s.templates[out[i].Template] }); err != nil {
		return nil, r, err
	}
	for _, c := range out {
		if !c.Complete {
			r.Incomplete++
		}
	}
	if err := a.store.UpdateCards(ctx, out); err != nil {
		return nil, r, err
	}
	r.ComputedBy, r.ComputeTime, r.Revision = c.Subject, now, r.Revision+1
	return out, r, a.updateRun(ctx, r)
}

func places(d money.Decimal) int {
	_, frac, ok := strings.Cut(d.String(), ".")
	if !ok {
		return 0
	}
	return len(frac)
}

// closePayload is what the closing approval carries.
type closePayload struct {
	Run      string `json:"run"`
	Revision int64  `json:"revision"`
}

// CloseRun prepares closing a run: every card must be complete. It returns
// the run before and after, waiting for approval.
func (a *App) CloseRun(ctx context.Context, id, sentEtag, reason string) (before, after RunRecord, err error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return before, after, err
	}
	before, err = a.changeable(ctx, c, id, sentEtag)
	if err != nil {
		return before, before, err
	}
	if !c.covers(before.OrgPath) {
		return before, before, fmt.Errorf("%w: runs/%s assesses orgUnits/%s, outside your org subtree", ErrPermission, id, before.OrgUnitID)
	}
	if err := a.closable(ctx, before); err != nil {
		return before, before, err
	}
	after = before
	after.Revision++
	payload, err := json.Marshal(closePayload{Run: id, Revision: after.Revision})
	if err != nil {
		return before, before, err
	}
	ap, err := a.approvals.Prepare(ctx, approval.Action{Action: ActionCloseRun, Object: "runs/" + id, OrgPath: before.OrgPath,
		Summary: fmt.Sprintf("close the monthly run runs/%s (orgUnits/%s, %s): %d score cards become final and set the performance coefficients",
			id, before.OrgUnitID, before.Period, before.Cards),
		Payload: payload, ApproverPermission: auth.RunsApprove, Reason: reason})
	if err != nil {
		return before, before, err
	}
	after.CloseApproval, after.ClosePending, after.ClosePreparedBy = ap.ID, true, c.Subject
	return before, after, a.updateRun(ctx, after)
}

// closable checks that a run has cards and all are complete.
func (a *App) closable(ctx context.Context, r RunRecord) error {
	total, incomplete, first, err := a.store.CountCards(ctx, r.ID)
	if err != nil {
		return err
	}
	if total == 0 {
		return fmt.Errorf("%w: runs/%s scored nobody; recompute it once the roster has managers with grades in orgUnits/%s", ErrState, r.ID, r.OrgUnitID)
	}
	if incomplete > 0 {
		return fmt.Errorf("%w: runs/%s has %d score cards awaiting ratings (managers/%s…); enter them before closing",
			ErrState, r.ID, incomplete, strings.Join(first, ", managers/"))
	}
	return nil
}

// ApplyCloseRun closes a run whose closing was approved: the approver (the
// caller) must reach the run, and the run must be unchanged since closing
// was prepared. It returns the run before and after.
func (a *App) ApplyCloseRun(ctx context.Context, payload []byte) (before, after RunRecord, err error) {
	var p closePayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return before, after, err
	}
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return before, after, err
	}
	before, err = a.store.Run(ctx, p.Run)
	if err != nil {
		return before, before, err
	}
	if !c.covers(before.OrgPath) {
		return before, before, fmt.Errorf("%w: runs/%s assesses orgUnits/%s, outside the org subtree you approve for", ErrPermission, p.Run, before.OrgUnitID)
	}
	if before.State == RunClosed {
		return before, before, fmt.Errorf("%w: runs/%s is closed already", ErrState, p.Run)
	}
	if before.Revision != p.Revision {
		return before, before, fmt.Errorf("%w: runs/%s changed after its closing was prepared; prepare it again", ErrConflict, p.Run)
	}
	if err := a.closable(ctx, before); err != nil {
		return before, before, err
	}
	after = before
	after.State, after.ClosePending, after.ClosedBy, after.CloseTime, after.Revision = RunClosed, false, c.Subject, a.now(), before.Revision+1
	return before, after, a.updateRun(ctx, after)
}

// ScoreCard reads one score card the caller may see.
func (a *App) ScoreCard(ctx context.Context, run, manager string) (CardRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return CardRecord{}, err
	}
	card, err := a.store.Card(ctx, run, manager)
	if err != nil {
		return card, err
	}
	if !c.sees(card.Manager, card.OrgPath) {
		return CardRecord{}, fmt.Errorf("%w: runs/%s/scoreCards/%s", ErrNotFound, run, manager)
	}
	cards := []CardRecord{card}
	if err := a.explain(ctx, cards); err != nil {
		return CardRecord{}, err
	}
	return cards[0], nil
}

// ListScoreCards reads one page of the score cards the caller may see, of
// run when not empty.
func (a *App) ListScoreCards(ctx context.Context, req aip.Request, run string) ([]CardRecord, string, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return nil, "", err
	}
	if run != "" {
		if _, err := a.store.Run(ctx, run); err != nil {
			return nil, "", err
		}
	}
	list, next, err := a.store.ListCards(ctx, req, c.scope(), run)
	if err == nil {
		err = a.explain(ctx, list)
	}
	if err != nil {
		return nil, "", err
	}
	return list, next, nil
}

// Coefficients reads the coefficients of managers for a month from closed
// runs, in the order asked, and the managers without one (or out of the
// caller's reach).
func (a *App) Coefficients(ctx context.Context, period string, managers []string) ([]CardRecord, []string, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return nil, nil, err
	}
	cards, err := a.store.ClosedCards(ctx, period, managers)
	if err != nil {
		return nil, nil, err
	}
	by := make(map[string]CardRecord, len(cards))
	for _, card := range cards {
		if c.sees(card.Manager, card.OrgPath) {
			by[card.Manager] = card
		}
	}
	var out []CardRecord
	var missing []string
	for _, m := range managers {
		if card, ok := by[m]; ok {
			out = append(out, card)
		} else {
			missing = append(missing, m)
		}
	}
	return out, missing, nil
}
