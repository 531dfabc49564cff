package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/scoring"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// AssessmentRecord is a stored quarterly or annual assessment.
type AssessmentRecord struct {
	ID, OrgUnitID, OrgPath string
	Period                 figure.Period // a quarter or a year
	Results, Incomplete    int
	Skipped                []Skipped
	Revision               int64

	CreatedBy, ComputedBy   string
	CreateTime, ComputeTime time.Time
}

// Etag is the assessment's revision as an HTTP weak etag.
func (r AssessmentRecord) Etag() string { return etag(r.Revision) }

// MonthlyScore is one closed monthly total a result is built from.
type MonthlyScore struct {
	Period string        `json:"period"`
	Total  money.Decimal `json:"total"`
	Run    string        `json:"run"`
}

// ResultRecord is one manager's quarterly or annual result.
type ResultRecord struct {
	Assessment, Manager, Period string
	OrgUnitID, OrgPath          string
	Monthly                     []MonthlyScore
	Pre                         bool // a quarter with fewer than three months closed
	// Score is the quarterly score or the annual overall score; HasScore is
	// false while an annual result awaits its summary.
	Score    money.Decimal
	HasScore bool
	Detail   string
	// The inputs, when entered.
	Summary, Self, Committee *money.Decimal
	// Additional is the additional-assessment score, when both its inputs
	// are entered.
	Additional       *money.Decimal
	AdditionalDetail string
	UpdateTime       time.Time
}

// InputRecord is what the committee or HR entered for one manager of an
// annual assessment.
type InputRecord struct {
	Assessment, Manager      string
	Summary, Self, Committee *money.Decimal
	EnteredBy                string
	EnterTime                time.Time
}

// CycleStore keeps quarterly and annual assessments and their results.
type CycleStore interface {
	// InsertAssessment adds one; an id, or an org unit and period, that exists
	// is ErrExists.
	InsertAssessment(ctx context.Context, r AssessmentRecord) error
	Assessment(ctx context.Context, id string) (AssessmentRecord, error)
	ListAssessments(ctx context.Context, req aip.Request, scope RunScope) ([]AssessmentRecord, string, error)
	// UpdateAssessment writes r if the stored revision is r.Revision-1, else
	// ErrConflict.
	UpdateAssessment(ctx context.Context, r AssessmentRecord) error
	// ResultOwners returns, of managers, those with a result for period and
	// the assessment that holds it.
	ResultOwners(ctx context.Context, period string, managers []string) (map[string]string, error)
	// ReplaceResults deletes every result of the assessment and writes rs.
	ReplaceResults(ctx context.Context, assessment string, rs []ResultRecord) error
	// UpdateResults rewrites existing results.
	UpdateResults(ctx context.Context, rs []ResultRecord) error
	// Results reads the results of an assessment, of managers when not nil.
	Results(ctx context.Context, assessment string, managers []string) ([]ResultRecord, error)
	Result(ctx context.Context, assessment, manager string) (ResultRecord, error)
	ListResults(ctx context.Context, req aip.Request, scope Scope, assessment string) ([]ResultRecord, string, error)
	// ResultsOf reads the results of period of managers, whichever
	// assessment holds them.
	ResultsOf(ctx context.Context, period string, managers []string) ([]ResultRecord, error)
	// PutInputs writes inputs, replacing those of the same assessment and
	// manager.
	PutInputs(ctx context.Context, rs []InputRecord) error
	// Inputs reads the inputs of an assessment, of managers when not nil.
	Inputs(ctx context.Context, assessment string, managers []string) ([]InputRecord, error)
	// ClosedCardsIn reads the score cards of closed runs of the months of
	// managers.
	ClosedCardsIn(ctx context.Context, months []string, managers []string) ([]CardRecord, error)
}

// periodOf checks a quarter or a year.
func periodOf(field, s string) (figure.Period, error) {
	p, err := figure.ParsePeriod(s)
	if err != nil {
		return p, violation.New(field, "%v", err)
	}
	if p.Kind == figure.Month {
		return p, violation.New(field, "%q is a month: assess a quarter (YYYY-Qn) or a year (YYYY); months are assessed by runs", s)
	}
	return p, nil
}

// StartAssessment creates the assessment of orgUnit for a quarter or year
// and computes its results.
func (a *App) StartAssessment(ctx context.Context, id, orgUnit, period string) (AssessmentRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return AssessmentRecord{}, err
	}
	var v violation.List
	p, perr := periodOf("assessment.period", period)
	v.Merge("", perr)
	if orgUnit == "" {
		v.Add("assessment.org_unit", "name the org subtree to assess, orgUnits/{id}")
	}
	if id == "" && orgUnit != "" && perr == nil {
		id = RunID(p.String(), orgUnit)
	}
	if id != "" && !runIDPattern.MatchString(id) {
		v.Add("assessment_id", "%q is not an id: 1–63 lower-case letters, digits and hyphens", id)
	}
	if err := v.Err(); err != nil {
		return AssessmentRecord{}, err
	}
	path, err := a.subtree(ctx, c, "assessment.org_unit", orgUnit)
	if err != nil {
		return AssessmentRecord{}, err
	}
	now := a.now()
	r := AssessmentRecord{ID: id, OrgUnitID: orgUnit, OrgPath: path, Period: p, Revision: 1, CreatedBy: c.Subject, CreateTime: now,
		ComputedBy: c.Subject, ComputeTime: now}
	if err := a.store.InsertAssessment(ctx, r); err != nil {
		if errors.Is(err, ErrExists) {
			return r, fmt.Errorf("%w: orgUnits/%s has an assessment for %s already (or assessments/%s exists); recompute it instead", ErrExists, orgUnit, p, id)
		}
		return r, err
	}
	return a.computeAssessment(ctx, c, r)
}

// subtree checks that the caller reaches orgUnit and returns its path.
func (a *App) subtree(ctx context.Context, c Caller, field, orgUnit string) (string, error) {
	paths, err := a.orgPaths(ctx, orgUnit)
	if err != nil {
		return "", err
	}
	path, ok := paths[orgUnit]
	if !ok {
		return "", violation.New(field, "orgUnits/%s is not an org unit you can see in the roster", orgUnit)
	}
	if !c.covers(path) {
		return "", fmt.Errorf("%w: orgUnits/%s lies outside your org subtree", ErrPermission, orgUnit)
	}
	return path, nil
}

// GetAssessment reads one assessment the caller may see.
func (a *App) GetAssessment(ctx context.Context, id string) (AssessmentRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return AssessmentRecord{}, err
	}
	return a.assessmentFor(ctx, c, id)
}

func (a *App) assessmentFor(ctx context.Context, c Caller, id string) (AssessmentRecord, error) {
	r, err := a.store.Assessment(ctx, id)
	if err != nil {
		return r, err
	}
	if !c.seesRun(RunRecord{OrgPath: r.OrgPath}) {
		return AssessmentRecord{}, fmt.Errorf("%w: assessments/%s", ErrNotFound, id)
	}
	return r, nil
}

// ListAssessments reads one page of the assessments the caller may see.
func (a *App) ListAssessments(ctx context.Context, req aip.Request) ([]AssessmentRecord, string, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return nil, "", err
	}
	return a.store.ListAssessments(ctx, req, c.runScope())
}

// RecomputeAssessment computes every result again.
func (a *App) RecomputeAssessment(ctx context.Context, id, sentEtag string) (before, after AssessmentRecord, err error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return before, after, err
	}
	if before, err = a.assessmentFor(ctx, c, id); err != nil {
		return before, before, err
	}
	if !c.covers(before.OrgPath) {
		return before, before, fmt.Errorf("%w: assessments/%s assesses orgUnits/%s, outside your org subtree", ErrPermission, id, before.OrgUnitID)
	}
	if err := checkEtag("assessments/"+id, sentEtag, before.Revision); err != nil {
		return before, before, err
	}
	after, err = a.computeAssessment(ctx, c, before)
	return before, after, err
}

// computeAssessment computes the result of every appointed manager of the
// subtree from the closed monthly runs of the period and the inputs.
func (a *App) computeAssessment(ctx context.Context, c Caller, r AssessmentRecord) (AssessmentRecord, error) {
	managers, err := a.dir.Managers(ctx, r.OrgUnitID, r.Period.End())
	if err != nil {
		return r, err
	}
	slices.SortFunc(managers, func(x, y Manager) int { return strings.Compare(x.ID, y.ID) })
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
	owners, err := a.store.ResultOwners(ctx, r.Period.String(), ids)
	if err != nil {
		return r, err
	}
	monthly, err := a.monthlyScores(ctx, r.Period, ids)
	if err != nil {
		return r, err
	}
	inputList, err := a.store.Inputs(ctx, r.ID, nil)
	if err != nil {
		return r, err
	}
	inputs := map[string]InputRecord{}
	for _, in := range inputList {
		inputs[in.Manager] = in
	}
	now := a.now()
	var results []ResultRecord
	r.Skipped = nil
	for _, m := range managers {
		if !m.Active {
			continue
		}
		if owner, ok := owners[m.ID]; ok && owner != r.ID {
			r.Skipped = append(r.Skipped, Skipped{Manager: m.ID, Reason: fmt.Sprintf("assessed by assessments/%s for %s", owner, r.Period)})
			continue
		}
		if len(monthly[m.ID]) == 0 {
			r.Skipped = append(r.Skipped, Skipped{Manager: m.ID, Reason: fmt.Sprintf("no closed monthly score in %s", r.Period)})
			continue
		}
		res := ResultRecord{Assessment: r.ID, Manager: m.ID, Period: r.Period.String(), OrgUnitID: m.OrgUnitID, OrgPath: paths[m.OrgUnitID],
			Monthly: monthly[m.ID], UpdateTime: now}
		if err := a.scoreResult(&res, r.Period, inputs[m.ID]); err != nil {
			return r, fmt.Errorf("assess managers/%s: %w", m.ID, err)
		}
		results = append(results, res)
	}
	if err := a.store.ReplaceResults(ctx, r.ID, results); err != nil {
		return r, err
	}
	r.Results, r.Incomplete = len(results), 0
	for _, res := range results {
		if !res.HasScore {
			r.Incomplete++
		}
	}
	r.ComputedBy, r.ComputeTime, r.Revision = c.Subject, now, r.Revision+1
	return r, a.updateAssessment(ctx, r)
}

func (a *App) updateAssessment(ctx context.Context, r AssessmentRecord) error {
	if err := a.store.UpdateAssessment(ctx, r); err != nil {
		if errors.Is(err, ErrConflict) {
			return fmt.Errorf("%w: assessments/%s was changed at the same time; read it again", ErrConflict, r.ID)
		}
		return err
	}
	return nil
}

// monthlyScores reads the closed monthly totals of the period's months by
// manager, in month order.
func (a *App) monthlyScores(ctx context.Context, p figure.Period, managers []string) (map[string][]MonthlyScore, error) {
	var months []string
	for _, m := range p.Months() {
		months = append(months, m.String())
	}
	cards, err := a.store.ClosedCardsIn(ctx, months, managers)
	if err != nil {
		return nil, err
	}
	out := map[string][]MonthlyScore{}
	for _, c := range cards {
		out[c.Manager] = append(out[c.Manager], MonthlyScore{Period: c.Period, Total: c.Card.Total, Run: c.RunID})
	}
	for _, list := range out {
		slices.SortFunc(list, func(x, y MonthlyScore) int { return strings.Compare(x.Period, y.Period) })
	}
	return out, nil
}

// scoreResult computes a result's scores from its monthly totals and inputs.
func (a *App) scoreResult(res *ResultRecord, p figure.Period, in InputRecord) error {
	totals := make([]money.Decimal, len(res.Monthly))
	for i, m := range res.Monthly {
		totals[i] = m.Total
	}
	res.Summary, res.Self, res.Committee = in.Summary, in.Self, in.Committee
	res.HasScore, res.Pre, res.Additional, res.AdditionalDetail = false, false, nil, ""
	if p.Kind == figure.Quarter {
		q, err := scoring.QuarterlyScore(totals)
		if err != nil {
			return err
		}
		res.Score, res.HasScore, res.Detail = q.Score, true, q.Detail
		if n := len(totals); n < 3 {
			res.Pre = true
			res.Detail = fmt.Sprintf("pre-assessment (预考核) on %d of the quarter's 3 months: %s", n, q.Detail)
		}
		return nil
	}
	if in.Summary == nil {
		res.Detail = fmt.Sprintf("%d closed monthly scores; awaiting the annual summary", len(totals))
	} else {
		an, err := scoring.AnnualOverall(totals, *in.Summary, scoring.DefaultAnnualWeights())
		if err != nil {
			return err
		}
		res.Score, res.HasScore, res.Detail = an.Overall, true, an.Detail
	}
	if in.Self != nil && in.Committee != nil {
		ad, err := scoring.AdditionalScore(*in.Self, *in.Committee, scoring.DefaultAdditionalWeights())
		if err != nil {
			return err
		}
		res.Additional, res.AdditionalDetail = &ad.Score, ad.Detail
	}
	return nil
}

// AssessmentInputs is one manager's inputs as entered; nil fields keep
// their value.
type AssessmentInputs struct {
	Manager                  string
	Summary, Self, Committee *money.Decimal
}

// MaxInputs is the most inputs one SetAssessmentInputs call takes.
const MaxInputs = 5000

// SetAssessmentInputs enters annual summaries and additional-assessment
// scores and recomputes the results concerned.
func (a *App) SetAssessmentInputs(ctx context.Context, id string, in []AssessmentInputs) ([]ResultRecord, AssessmentRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return nil, AssessmentRecord{}, err
	}
	r, err := a.assessmentFor(ctx, c, id)
	if err != nil {
		return nil, r, err
	}
	if r.Period.Kind != figure.Year {
		return nil, r, fmt.Errorf("%w: assessments/%s is quarterly; annual summaries and additional assessments belong to annual assessments", ErrState, id)
	}
	var managers []string
	var v violation.List
	seen := map[string]int{}
	for i, x := range in {
		at := violation.Index("inputs", i)
		if j, dup := seen[x.Manager]; dup {
			v.Add(at+".manager", "repeats inputs[%d]", j)
			continue
		}
		seen[x.Manager] = i
		managers = append(managers, x.Manager)
		for _, f := range []struct {
			name string
			d    *money.Decimal
		}{{"annual_summary", x.Summary}, {"self_evaluation", x.Self}, {"committee_rating", x.Committee}} {
			if f.d != nil && (f.d.Sign() < 0 || f.d.Cmp(money.DecimalFromInt(100)) > 0 || places(*f.d) > 2) {
				v.Add(at+"."+f.name, "a score from 0 to 100 with at most two decimals, not %s", *f.d)
			}
		}
	}
	list, err := a.store.Results(ctx, id, managers)
	if err != nil {
		return nil, r, err
	}
	results := map[string]ResultRecord{}
	for _, res := range list {
		results[res.Manager] = res
	}
	for i, x := range in {
		res, ok := results[x.Manager]
		switch {
		case !ok:
			v.Add(violation.Index("inputs", i)+".manager", "managers/%s has no result in assessments/%s", x.Manager, id)
		case x.Manager == c.Subject:
			return nil, r, fmt.Errorf("%w: you cannot enter your own assessment (inputs[%d])", ErrPermission, i)
		case !c.covers(res.OrgPath):
			return nil, r, fmt.Errorf("%w: managers/%s is outside your org subtree (inputs[%d])", ErrPermission, x.Manager, i)
		}
	}
	if err := v.Err(); err != nil {
		return nil, r, err
	}
	stored, err := a.store.Inputs(ctx, id, managers)
	if err != nil {
		return nil, r, err
	}
	prev := map[string]InputRecord{}
	for _, s := range stored {
		prev[s.Manager] = s
	}
	now := a.now()
	var recs []InputRecord
	var out []ResultRecord
	for _, x := range in {
		rec := prev[x.Manager]
		rec.Assessment, rec.Manager, rec.EnteredBy, rec.EnterTime = id, x.Manager, c.Subject, now
		if x.Summary != nil {
			rec.Summary = x.Summary
		}
		if x.Self != nil {
			rec.Self = x.Self
		}
		if x.Committee != nil {
			rec.Committee = x.Committee
		}
		recs = append(recs, rec)
		res := results[x.Manager]
		if err := a.scoreResult(&res, r.Period, rec); err != nil {
			return nil, r, invalidAt(violation.Index("inputs", seen[x.Manager]), err)
		}
		res.UpdateTime = now
		out = append(out, res)
	}
	if err := a.store.PutInputs(ctx, recs); err != nil {
		return nil, r, err
	}
	if err := a.store.UpdateResults(ctx, out); err != nil {
		return nil, r, err
	}
	all, err := a.store.Results(ctx, id, nil)
	if err != nil {
		return nil, r, err
	}
	r.Results, r.Incomplete = len(all), 0
	for _, res := range all {
		if !res.HasScore {
			r.Incomplete++
		}
	}
	r.ComputedBy, r.ComputeTime, r.Revision = c.Subject, now, r.Revision+1
	return out, r, a.updateAssessment(ctx, r)
}

// invalidAt prefixes the fields of a validation error.
func invalidAt(prefix string, err error) error {
	if violation.Of(err) == nil {
		return err
	}
	var v violation.List
	v.Merge(prefix, err)
	return v.Err()
}

// AssessmentResult reads one result the caller may see.
func (a *App) AssessmentResult(ctx context.Context, id, manager string) (ResultRecord, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return ResultRecord{}, err
	}
	res, err := a.store.Result(ctx, id, manager)
	if err != nil {
		return res, err
	}
	if !c.sees(res.Manager, res.OrgPath) {
		return ResultRecord{}, fmt.Errorf("%w: assessments/%s/results/%s", ErrNotFound, id, manager)
	}
	return res, nil
}

// ListAssessmentResults reads one page of the results the caller may see,
// of an assessment when id is not empty.
func (a *App) ListAssessmentResults(ctx context.Context, req aip.Request, id string) ([]ResultRecord, string, error) {
	c, err := a.scoreCaller(ctx)
	if err != nil {
		return nil, "", err
	}
	if id != "" {
		if _, err := a.store.Assessment(ctx, id); err != nil {
			return nil, "", err
		}
	}
	return a.store.ListResults(ctx, req, c.scope(), id)
}
