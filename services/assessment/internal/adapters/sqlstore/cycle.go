package sqlstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
)

const assessmentColumns = `id, org_unit_id, org_path, period, results, incomplete, skipped, revision, created_by, create_time,
	computed_by, compute_time`

func scanAssessment(row storage.Row) (app.AssessmentRecord, error) {
	var r app.AssessmentRecord
	var period, skipped string
	if err := row.Scan(&r.ID, &r.OrgUnitID, &r.OrgPath, &period, &r.Results, &r.Incomplete, &skipped, &r.Revision, &r.CreatedBy,
		&r.CreateTime, &r.ComputedBy, &r.ComputeTime); err != nil {
		return r, err
	}
	p, err := figure.ParsePeriod(period)
	if err != nil {
		return r, err
	}
	r.Period, r.CreateTime, r.ComputeTime = p, r.CreateTime.UTC(), r.ComputeTime.UTC()
	return r, fromJSON("skipped managers of assessment "+r.ID, skipped, &r.Skipped)
}

func skippedOf(list []app.Skipped) (string, error) {
	if list == nil {
		return "[]", nil
	}
	return toJSON(list)
}

// InsertAssessment adds an assessment.
func (s *Store) InsertAssessment(ctx context.Context, r app.AssessmentRecord) error {
	skipped, err := skippedOf(r.Skipped)
	if err != nil {
		return err
	}
	_, err = s.db.Q(ctx).ExecContext(ctx, `INSERT INTO assessments (`+assessmentColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
		$10, $11, $12)`, r.ID, r.OrgUnitID, r.OrgPath, r.Period.String(), r.Results, r.Incomplete, skipped, r.Revision, r.CreatedBy,
		r.CreateTime, r.ComputedBy, r.ComputeTime)
	return exists(err, "assessments/"+r.ID)
}

// Assessment reads one assessment.
func (s *Store) Assessment(ctx context.Context, id string) (app.AssessmentRecord, error) {
	r, err := scanAssessment(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+assessmentColumns+` FROM assessments WHERE id = $1`, id))
	return r, notFound(err, "assessments/%s", id)
}

// UpdateAssessment writes r if the stored revision is r.Revision-1.
func (s *Store) UpdateAssessment(ctx context.Context, r app.AssessmentRecord) error {
	skipped, err := skippedOf(r.Skipped)
	if err != nil {
		return err
	}
	return updated(s.db.Q(ctx).ExecContext(ctx, `UPDATE assessments SET results = $2, incomplete = $3, skipped = $4, revision = $5,
		computed_by = $6, compute_time = $7 WHERE id = $1 AND revision = $8`,
		r.ID, r.Results, r.Incomplete, skipped, r.Revision, r.ComputedBy, r.ComputeTime, r.Revision-1))
}

var assessmentListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"period":      {Column: "period", Type: aip.String, Orderable: true},
		"org_unit":    {Column: "org_unit_id", Type: aip.String, Convert: resourceID("orgUnits/", "orgUnits/branch-east")},
		"create_time": {Column: "create_time", Type: aip.Timestamp, Orderable: true},
	},
	DefaultOrder:    "period desc",
	Tiebreak:        "id",
	DefaultPageSize: 50,
	MaxPageSize:     1000,
}

// reachCond is the condition of a RunScope on a table's org_path column:
// the subtree reached, or the units above the caller's own.
func reachCond(scope app.RunScope, col string) (string, []any) {
	if scope.All {
		return "1 = 1", nil
	}
	var ors []string
	var args []any
	if scope.Home != "" {
		args = append(args, scope.Home)
		ors = append(ors, "substr("+col+", 1, length($1)) = $1")
	}
	if scope.UnitPath != "" {
		args = append(args, scope.UnitPath)
		ph := "$" + strconv.Itoa(len(args))
		ors = append(ors, "substr("+ph+", 1, length("+col+")) = "+col)
	}
	if len(ors) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}

// ListAssessments reads one page of the assessments scope allows.
func (s *Store) ListAssessments(ctx context.Context, req aip.Request, scope app.RunScope) ([]app.AssessmentRecord, string, error) {
	cond, args := reachCond(scope, "org_path")
	return storage.Page(ctx, s.db, assessmentListSchema, req, cond, args, `SELECT `+assessmentColumns+` FROM assessments`, scanAssessment,
		func(r app.AssessmentRecord) map[string]any {
			return map[string]any{"period": r.Period.String(), "create_time": r.CreateTime, "id": r.ID}
		})
}

// storedResult is the JSON document of a result.
type storedResult struct {
	Monthly          []app.MonthlyScore `json:"monthly"`
	Pre              bool               `json:"pre,omitempty"`
	Score            *money.Decimal     `json:"score,omitempty"`
	Detail           string             `json:"detail"`
	Summary          *money.Decimal     `json:"summary,omitempty"`
	Self             *money.Decimal     `json:"self,omitempty"`
	Committee        *money.Decimal     `json:"committee,omitempty"`
	Additional       *money.Decimal     `json:"additional,omitempty"`
	AdditionalDetail string             `json:"additionalDetail,omitempty"`
}

func resultName(assessment, manager string) string {
	return "assessments/" + assessment + "/results/" + manager
}

const resultColumns = `assessment_id, manager_id, period, org_unit_id, org_path, result, update_time`

func scanResult(row storage.Row) (app.ResultRecord, error) {
	var r app.ResultRecord
	var doc string
	if err := row.Scan(&r.Assessment, &r.Manager, &r.Period, &r.OrgUnitID, &r.OrgPath, &doc, &r.UpdateTime); err != nil {
		return r, err
	}
	r.UpdateTime = r.UpdateTime.UTC()
	var sr storedResult
	if err := fromJSON("result "+resultName(r.Assessment, r.Manager), doc, &sr); err != nil {
		return r, err
	}
	r.Monthly, r.Pre, r.Detail = sr.Monthly, sr.Pre, sr.Detail
	if sr.Score != nil {
		r.Score, r.HasScore = *sr.Score, true
	}
	r.Summary, r.Self, r.Committee, r.Additional, r.AdditionalDetail = sr.Summary, sr.Self, sr.Committee, sr.Additional, sr.AdditionalDetail
	return r, nil
}

func resultRow(r app.ResultRecord) ([]any, error) {
	sr := storedResult{Monthly: r.Monthly, Pre: r.Pre, Detail: r.Detail, Summary: r.Summary, Self: r.Self, Committee: r.Committee,
		Additional: r.Additional, AdditionalDetail: r.AdditionalDetail}
	if r.HasScore {
		score := r.Score
		sr.Score = &score
	}
	doc, err := toJSON(sr)
	if err != nil {
		return nil, err
	}
	return []any{r.Period, r.Manager, r.Assessment, resultName(r.Assessment, r.Manager), r.OrgUnitID, r.OrgPath, r.HasScore, doc,
		r.UpdateTime}, nil
}

func (s *Store) insertResults(ctx context.Context, rs []app.ResultRecord) error {
	err := s.db.InsertRows(ctx, `INSERT INTO assessment_results (period, manager_id, assessment_id, name, org_unit_id, org_path,
		complete, result, update_time) VALUES `, len(rs), 9, func(i int) ([]any, error) { return resultRow(rs[i]) })
	if storage.IsUniqueViolation(err) {
		return app.ErrConflict
	}
	return err
}

// ResultOwners returns the assessment holding each manager's result for
// period.
func (s *Store) ResultOwners(ctx context.Context, period string, managers []string) (map[string]string, error) {
	type owner struct{ manager, assessment string }
	found, err := storage.QueryIn(ctx, s.db, `SELECT manager_id, assessment_id FROM assessment_results WHERE period = $1 AND manager_id IN (`,
		[]any{period}, managers, func(row storage.Row) (owner, error) {
			var o owner
			return o, row.Scan(&o.manager, &o.assessment)
		})
	out := make(map[string]string, len(found))
	for _, o := range found {
		out[o.manager] = o.assessment
	}
	return out, err
}

// ReplaceResults deletes every result of the assessment and writes rs.
func (s *Store) ReplaceResults(ctx context.Context, assessment string, rs []app.ResultRecord) error {
	if _, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM assessment_results WHERE assessment_id = $1`, assessment); err != nil {
		return err
	}
	if err := s.insertResults(ctx, rs); err != nil {
		return err
	}
	return s.analyze(ctx, "assessment_results", len(rs))
}

// UpdateResults rewrites existing results.
func (s *Store) UpdateResults(ctx context.Context, rs []app.ResultRecord) error {
	return s.upsertRows(ctx, `INSERT INTO assessment_results (period, manager_id, assessment_id, name, org_unit_id, org_path,
		complete, result, update_time) VALUES `, `ON CONFLICT (period, manager_id) DO UPDATE SET `+excluded("assessment_id", "name",
		"org_unit_id", "org_path", "complete", "result", "update_time"), len(rs), 9, func(i int) ([]any, error) { return resultRow(rs[i]) })
}

// Results reads the results of an assessment, of managers when not nil.
func (s *Store) Results(ctx context.Context, assessment string, managers []string) ([]app.ResultRecord, error) {
	if managers == nil {
		rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+resultColumns+` FROM assessment_results WHERE assessment_id = $1
			ORDER BY manager_id`, assessment)
		if err != nil {
			return nil, err
		}
		return storage.Collect(rows, scanResult)
	}
	return storage.QueryIn(ctx, s.db, `SELECT `+resultColumns+` FROM assessment_results WHERE assessment_id = $1 AND manager_id IN (`,
		[]any{assessment}, managers, scanResult)
}

// Result reads one result.
func (s *Store) Result(ctx context.Context, assessment, manager string) (app.ResultRecord, error) {
	r, err := scanResult(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+resultColumns+` FROM assessment_results
		WHERE assessment_id = $1 AND manager_id = $2`, assessment, manager))
	return r, notFound(err, "%s", resultName(assessment, manager))
}

var resultListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"manager":  {Column: "manager_id", Type: aip.String, Orderable: true, Convert: resourceID("managers/", "managers/E1001")},
		"period":   {Column: "period", Type: aip.String, Orderable: true},
		"org_unit": {Column: "org_unit_id", Type: aip.String, Convert: resourceID("orgUnits/", "orgUnits/branch-east"), Match: inOrgUnit},
		"complete": {Column: "complete", Type: aip.Bool},
	},
	DefaultOrder:    "manager",
	Tiebreak:        "name",
	DefaultPageSize: 100,
	MaxPageSize:     1000,
}

// ListResults reads one page of the results scope allows, of an assessment
// when not empty.
func (s *Store) ListResults(ctx context.Context, req aip.Request, scope app.Scope, assessment string) ([]app.ResultRecord, string, error) {
	cond, arg, args := visible(scope)
	if assessment != "" {
		cond = append(cond, "assessment_id = "+arg(assessment))
	}
	if len(cond) == 0 {
		cond = []string{"1 = 1"}
	}
	return storage.Page(ctx, s.db, resultListSchema, req, strings.Join(cond, " AND "), *args,
		`SELECT `+resultColumns+` FROM assessment_results`, scanResult,
		func(r app.ResultRecord) map[string]any {
			return map[string]any{"manager_id": r.Manager, "period": r.Period, "name": resultName(r.Assessment, r.Manager)}
		})
}

// ResultsOf reads the results of period of managers.
func (s *Store) ResultsOf(ctx context.Context, period string, managers []string) ([]app.ResultRecord, error) {
	return storage.QueryIn(ctx, s.db, `SELECT `+resultColumns+` FROM assessment_results WHERE period = $1 AND manager_id IN (`,
		[]any{period}, managers, scanResult)
}

func optDecimal(d *money.Decimal) string {
	if d == nil {
		return ""
	}
	return d.String()
}

func readOptDecimal(s string) (*money.Decimal, error) {
	if s == "" {
		return nil, nil
	}
	d, err := money.ParseDecimal(s)
	return &d, err
}

// PutInputs writes inputs, replacing those of the same assessment and
// manager.
func (s *Store) PutInputs(ctx context.Context, rs []app.InputRecord) error {
	return s.upsertRows(ctx, `INSERT INTO assessment_inputs (assessment_id, manager_id, annual_summary, self_evaluation,
		committee_rating, entered_by, enter_time) VALUES `, `ON CONFLICT (assessment_id, manager_id) DO UPDATE SET `+excluded("annual_summary",
		"self_evaluation", "committee_rating", "entered_by", "enter_time"), len(rs), 7, func(i int) ([]any, error) {
		r := rs[i]
		return []any{r.Assessment, r.Manager, optDecimal(r.Summary), optDecimal(r.Self), optDecimal(r.Committee), r.EnteredBy, r.EnterTime}, nil
	})
}

const inputColumns = `assessment_id, manager_id, annual_summary, self_evaluation, committee_rating, entered_by, enter_time`

func scanInput(row storage.Row) (app.InputRecord, error) {
	var r app.InputRecord
	var summary, self, committee string
	if err := row.Scan(&r.Assessment, &r.Manager, &summary, &self, &committee, &r.EnteredBy, &r.EnterTime); err != nil {
		return r, err
	}
	r.EnterTime = r.EnterTime.UTC()
	var err error
	if r.Summary, err = readOptDecimal(summary); err == nil {
		if r.Self, err = readOptDecimal(self); err == nil {
			r.Committee, err = readOptDecimal(committee)
		}
	}
	return r, err
}

// Inputs reads the inputs of an assessment, of managers when not nil.
func (s *Store) Inputs(ctx context.Context, assessment string, managers []string) ([]app.InputRecord, error) {
	if managers == nil {
		rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+inputColumns+` FROM assessment_inputs WHERE assessment_id = $1
			ORDER BY manager_id`, assessment)
		if err != nil {
			return nil, err
		}
		return storage.Collect(rows, scanInput)
	}
	return storage.QueryIn(ctx, s.db, `SELECT `+inputColumns+` FROM assessment_inputs WHERE assessment_id = $1 AND manager_id IN (`,
		[]any{assessment}, managers, scanInput)
}

// ClosedCardsIn reads the totals of the cards of closed runs of the months,
// of managers: only run, manager, period and total are filled in.
func (s *Store) ClosedCardsIn(ctx context.Context, months []string, managers []string) ([]app.CardRecord, error) {
	if len(months) == 0 {
		return nil, nil
	}
	return storage.QueryIn(ctx, s.db, `SELECT s.run_id, s.manager_id, s.period, s.total FROM score_cards s JOIN runs r ON r.id = s.run_id
		WHERE r.state = 'closed' AND s.period IN (`+storage.Placeholders(1, len(months))+`) AND s.manager_id IN (`,
		storage.Args(months), managers, func(row storage.Row) (app.CardRecord, error) {
			var c app.CardRecord
			return c, row.Scan(&c.RunID, &c.Manager, &c.Period, &c.Card.Total)
		})
}
