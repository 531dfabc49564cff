package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/scoring"
)

const runColumns = `r.id, r.org_unit_id, r.org_path, r.period, r.state, r.close_approval, r.cards, r.incomplete, r.skipped,
	r.revision, r.created_by, r.create_time, r.computed_by, r.compute_time, r.close_prepared_by, r.closed_by, r.close_time,
	COALESCE(a.state, 0)`

// runFrom joins each run with its closing approval, whose state says whether
// the run is waiting to close.
const runFrom = ` FROM runs r LEFT JOIN approvals a ON a.id = r.close_approval`

func scanRun(row storage.Row) (app.RunRecord, error) {
	var r app.RunRecord
	var state, skipped string
	var closeTime sql.NullTime
	var approvalState int
	if err := row.Scan(&r.ID, &r.OrgUnitID, &r.OrgPath, &r.Period, &state, &r.CloseApproval, &r.Cards, &r.Incomplete, &skipped,
		&r.Revision, &r.CreatedBy, &r.CreateTime, &r.ComputedBy, &r.ComputeTime, &r.ClosePreparedBy, &r.ClosedBy, &closeTime,
		&approvalState); err != nil {
		return r, err
	}
	r.State = app.RunState(state)
	r.ClosePending = approvalState == 1 // approval.Pending
	r.CreateTime, r.ComputeTime = r.CreateTime.UTC(), r.ComputeTime.UTC()
	if closeTime.Valid {
		r.CloseTime = closeTime.Time.UTC()
	}
	return r, fromJSON("skipped managers of run "+r.ID, skipped, &r.Skipped)
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func skippedJSON(r app.RunRecord) (string, error) {
	if r.Skipped == nil {
		return "[]", nil
	}
	return toJSON(r.Skipped)
}

// InsertRun adds a run.
func (s *Store) InsertRun(ctx context.Context, r app.RunRecord) error {
	skipped, err := skippedJSON(r)
	if err != nil {
		return err
	}
	_, err = s.db.Q(ctx).ExecContext(ctx, `INSERT INTO runs (id, org_unit_id, org_path, period, state, close_approval, cards,
		incomplete, skipped, revision, created_by, create_time, computed_by, compute_time, close_prepared_by, closed_by, close_time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		r.ID, r.OrgUnitID, r.OrgPath, r.Period, string(r.State), r.CloseApproval, r.Cards, r.Incomplete, skipped, r.Revision,
		r.CreatedBy, r.CreateTime, r.ComputedBy, r.ComputeTime, r.ClosePreparedBy, r.ClosedBy, nullTime(r.CloseTime))
	return exists(err, "runs/"+r.ID)
}

// Run reads one run.
func (s *Store) Run(ctx context.Context, id string) (app.RunRecord, error) {
	r, err := scanRun(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+runColumns+runFrom+` WHERE r.id = $1`, id))
	return r, notFound(err, "runs/%s", id)
}

// UpdateRun writes r if the stored revision is r.Revision-1.
func (s *Store) UpdateRun(ctx context.Context, r app.RunRecord) error {
	skipped, err := skippedJSON(r)
	if err != nil {
		return err
	}
	return updated(s.db.Q(ctx).ExecContext(ctx, `UPDATE runs SET state = $2, close_approval = $3, cards = $4, incomplete = $5,
		skipped = $6, revision = $7, computed_by = $8, compute_time = $9, close_prepared_by = $10, closed_by = $11, close_time = $12
		WHERE id = $1 AND revision = $13`,
		r.ID, string(r.State), r.CloseApproval, r.Cards, r.Incomplete, skipped, r.Revision, r.ComputedBy, r.ComputeTime,
		r.ClosePreparedBy, r.ClosedBy, nullTime(r.CloseTime), r.Revision-1))
}

var runListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"period": {Column: "r.period", Type: aip.String, Orderable: true},
		"state": {Column: "r.state", Type: aip.Enum, Enum: map[string]any{
			"STATE_OPEN": "open", "STATE_CLOSED": "closed", "OPEN": "open", "CLOSED": "closed"}},
		"org_unit":    {Column: "r.org_unit_id", Type: aip.String, Convert: resourceID("orgUnits/", "orgUnits/branch-east")},
		"create_time": {Column: "r.create_time", Type: aip.Timestamp, Orderable: true},
	},
	DefaultOrder:    "period desc",
	Tiebreak:        "r.id",
	DefaultPageSize: 50,
	MaxPageSize:     1000,
}

// ListRuns reads one page of the runs scope allows.
func (s *Store) ListRuns(ctx context.Context, req aip.Request, scope app.RunScope) ([]app.RunRecord, string, error) {
	cond, args := "1 = 1", []any{}
	if !scope.All {
		var ors []string
		if scope.Home != "" {
			args = append(args, scope.Home)
			ors = append(ors, "substr(r.org_path, 1, length($1)) = $1")
		}
		if scope.UnitPath != "" {
			args = append(args, scope.UnitPath)
			ph := "$" + strconv.Itoa(len(args))
			ors = append(ors, "substr("+ph+", 1, length(r.org_path)) = r.org_path")
		}
		cond = "1 = 0"
		if len(ors) > 0 {
			cond = "(" + strings.Join(ors, " OR ") + ")"
		}
	}
	return storage.Page(ctx, s.db, runListSchema, req, cond, args, `SELECT `+runColumns+runFrom, scanRun,
		func(r app.RunRecord) map[string]any {
			return map[string]any{"r.period": r.Period, "r.create_time": r.CreateTime, "r.id": r.ID}
		})
}

// storedCard is the JSON document of a score card: its template and the
// values it was scored from (short keys: ten thousand cards a month).
type storedCard struct {
	Values    []storedValue `json:"v"`
	AmendedBy []string      `json:"a,omitempty"`
}

type storedValue struct {
	Indicator string        `json:"i"`
	Value     money.Decimal `json:"v"`
	Kind      string        `json:"k"`
	Ref       string        `json:"r,omitempty"`
}

func cardName(run, manager string) string { return "runs/" + run + "/scoreCards/" + manager }

const cardColumns = `s.run_id, s.manager_id, s.period, s.org_unit_id, s.org_path, s.ladder, s.level, s.band, s.template, s.total,
	s.coefficient, s.complete, s.card, s.revision, s.update_time, r.state, r.close_time`

const cardFrom = ` FROM score_cards s JOIN runs r ON r.id = s.run_id`

func scanCard(row storage.Row) (app.CardRecord, error) {
	var c app.CardRecord
	var doc, state string
	var closeTime sql.NullTime
	if err := row.Scan(&c.RunID, &c.Manager, &c.Period, &c.OrgUnitID, &c.OrgPath, &c.Ladder, &c.Grade.Level, &c.Grade.Band, &c.Template,
		&c.Card.Total, &c.Coefficient.Value, &c.Complete, &doc, &c.Revision, &c.UpdateTime, &state, &closeTime); err != nil {
		return c, err
	}
	c.UpdateTime = c.UpdateTime.UTC()
	c.Card.Template = c.Template
	c.Closed = state == string(app.RunClosed)
	if closeTime.Valid {
		c.CloseTime = closeTime.Time.UTC()
	}
	var sc storedCard
	if err := fromJSON("score card "+cardName(c.RunID, c.Manager), doc, &sc); err != nil {
		return c, err
	}
	c.AmendedBy = sc.AmendedBy
	c.Values = make([]scoring.Value, len(sc.Values))
	for i, v := range sc.Values {
		c.Values[i] = scoring.Value{Indicator: v.Indicator, Value: v.Value, Source: scoring.Source{Kind: indicator.Source(v.Kind), Ref: v.Ref}}
	}
	return c, nil
}

func cardRow(c app.CardRecord) ([]any, error) {
	sc := storedCard{AmendedBy: c.AmendedBy, Values: make([]storedValue, len(c.Values))}
	for i, v := range c.Values {
		sc.Values[i] = storedValue{Indicator: v.Indicator, Value: v.Value, Kind: string(v.Source.Kind), Ref: v.Source.Ref}
	}
	doc, err := toJSON(sc)
	if err != nil {
		return nil, err
	}
	return []any{c.Period, c.Manager, c.RunID, cardName(c.RunID, c.Manager), c.OrgUnitID, c.OrgPath, c.Ladder, c.Grade.Level,
		c.Grade.Band, c.Template, c.Card.Total.String(), c.Coefficient.Value.String(), c.Complete, doc, c.Revision, c.UpdateTime}, nil
}

const insertCards = `INSERT INTO score_cards (period, manager_id, run_id, name, org_unit_id, org_path, ladder, level, band, template,
	total, coefficient, complete, card, revision, update_time) VALUES `

// CardOwners returns the run holding each manager's card for period.
func (s *Store) CardOwners(ctx context.Context, period string, managers []string) (map[string]string, error) {
	type owner struct{ manager, run string }
	found, err := storage.QueryIn(ctx, s.db, `SELECT manager_id, run_id FROM score_cards WHERE period = $1 AND manager_id IN (`,
		[]any{period}, managers, func(row storage.Row) (owner, error) {
			var o owner
			return o, row.Scan(&o.manager, &o.run)
		})
	out := make(map[string]string, len(found))
	for _, o := range found {
		out[o.manager] = o.run
	}
	return out, err
}

// ReplaceCards deletes every card of run and writes cards.
func (s *Store) ReplaceCards(ctx context.Context, run string, cards []app.CardRecord) error {
	if _, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM score_cards WHERE run_id = $1`, run); err != nil {
		return err
	}
	if err := s.insertCards(ctx, cards); err != nil {
		return err
	}
	return s.analyze(ctx, "score_cards", len(cards))
}

func (s *Store) insertCards(ctx context.Context, cards []app.CardRecord) error {
	err := s.db.InsertRows(ctx, insertCards, len(cards), 16, func(i int) ([]any, error) { return cardRow(cards[i]) })
	if storage.IsUniqueViolation(err) {
		return app.ErrConflict
	}
	return err
}

// UpdateCards rewrites existing cards (each keeps its period and manager).
func (s *Store) UpdateCards(ctx context.Context, cards []app.CardRecord) error {
	return s.upsertRows(ctx, insertCards, `ON CONFLICT (period, manager_id) DO UPDATE SET `+excluded("run_id", "name", "org_unit_id",
		"org_path", "ladder", "level", "band", "template", "total", "coefficient", "complete", "card", "revision", "update_time"),
		len(cards), 16, func(i int) ([]any, error) { return cardRow(cards[i]) })
}

// Cards reads the cards of run, of managers when not nil, by manager.
func (s *Store) Cards(ctx context.Context, run string, managers []string) ([]app.CardRecord, error) {
	if managers == nil {
		rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+cardColumns+cardFrom+` WHERE s.run_id = $1 ORDER BY s.manager_id`, run)
		if err != nil {
			return nil, err
		}
		return storage.Collect(rows, scanCard)
	}
	return storage.QueryIn(ctx, s.db, `SELECT `+cardColumns+cardFrom+` WHERE s.run_id = $1 AND s.manager_id IN (`, []any{run}, managers, scanCard)
}

// Card reads one card.
func (s *Store) Card(ctx context.Context, run, manager string) (app.CardRecord, error) {
	c, err := scanCard(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+cardColumns+cardFrom+` WHERE s.run_id = $1 AND s.manager_id = $2`, run, manager))
	return c, notFound(err, "%s", cardName(run, manager))
}

var cardListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"manager":  {Column: "s.manager_id", Type: aip.String, Orderable: true, Convert: resourceID("managers/", "managers/E1001")},
		"period":   {Column: "s.period", Type: aip.String, Orderable: true},
		"org_unit": {Column: "s.org_unit_id", Type: aip.String, Convert: resourceID("orgUnits/", "orgUnits/branch-east"), Match: cardInOrgUnit},
		"complete": {Column: "s.complete", Type: aip.Bool},
	},
	DefaultOrder:    "manager",
	Tiebreak:        "s.name",
	DefaultPageSize: 100,
	MaxPageSize:     1000,
}

func cardInOrgUnit(op, ph string) string {
	cond := "replace(s.org_path, '/' || " + ph + " || '/', '') <> s.org_path"
	if op == "<>" {
		return "NOT (" + cond + ")"
	}
	return cond
}

// ListCards reads one page of the cards scope allows, of run when not empty.
func (s *Store) ListCards(ctx context.Context, req aip.Request, scope app.Scope, run string) ([]app.CardRecord, string, error) {
	var cond []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	switch {
	case scope.All:
	case scope.Path != "":
		p := arg(scope.Path)
		cond = append(cond, "(substr(s.org_path, 1, length("+p+")) = "+p+" OR s.manager_id = "+arg(scope.Self)+")")
	default:
		cond = append(cond, "s.manager_id = "+arg(scope.Self))
	}
	if run != "" {
		cond = append(cond, "s.run_id = "+arg(run))
	}
	if len(cond) == 0 {
		cond = []string{"1 = 1"}
	}
	return storage.Page(ctx, s.db, cardListSchema, req, strings.Join(cond, " AND "), args, `SELECT `+cardColumns+cardFrom, scanCard,
		func(c app.CardRecord) map[string]any {
			return map[string]any{"s.manager_id": c.Manager, "s.period": c.Period, "s.name": cardName(c.RunID, c.Manager)}
		})
}

// CountCards counts the cards of run and the incomplete ones, with the first
// few incomplete managers.
func (s *Store) CountCards(ctx context.Context, run string) (int, int, []string, error) {
	var total, incomplete int
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN complete THEN 0 ELSE 1 END), 0)
		FROM score_cards WHERE run_id = $1`, run).Scan(&total, &incomplete); err != nil {
		return 0, 0, nil, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT manager_id FROM score_cards WHERE run_id = $1 AND NOT complete
		ORDER BY manager_id LIMIT 5`, run)
	if err != nil {
		return 0, 0, nil, err
	}
	first, err := storage.Collect(rows, func(row storage.Row) (string, error) {
		var m string
		return m, row.Scan(&m)
	})
	return total, incomplete, first, err
}

// PutRatings writes ratings, replacing those of the same run, manager and
// indicator.
func (s *Store) PutRatings(ctx context.Context, rs []app.RatingRecord) error {
	return s.upsertRows(ctx, `INSERT INTO ratings (run_id, manager_id, indicator, value, comment, rated_by, rate_time) VALUES `,
		`ON CONFLICT (run_id, manager_id, indicator) DO UPDATE SET `+excluded("value", "comment", "rated_by", "rate_time"),
		len(rs), 7, func(i int) ([]any, error) {
			r := rs[i]
			return []any{r.RunID, r.Manager, r.Indicator, r.Value.String(), r.Comment, r.RatedBy, r.RateTime}, nil
		})
}

func scanRating(row storage.Row) (app.RatingRecord, error) {
	var r app.RatingRecord
	err := row.Scan(&r.RunID, &r.Manager, &r.Indicator, &r.Value, &r.Comment, &r.RatedBy, &r.RateTime)
	r.RateTime = r.RateTime.UTC()
	return r, err
}

const ratingColumns = `run_id, manager_id, indicator, value, comment, rated_by, rate_time`

// Ratings reads the ratings of run, of managers when not nil.
func (s *Store) Ratings(ctx context.Context, run string, managers []string) ([]app.RatingRecord, error) {
	if managers == nil {
		rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+ratingColumns+` FROM ratings WHERE run_id = $1 ORDER BY manager_id, indicator`, run)
		if err != nil {
			return nil, err
		}
		return storage.Collect(rows, scanRating)
	}
	return storage.QueryIn(ctx, s.db, `SELECT `+ratingColumns+` FROM ratings WHERE run_id = $1 AND manager_id IN (`, []any{run}, managers, scanRating)
}

// ClosedCards reads the cards of period in closed runs, of managers.
func (s *Store) ClosedCards(ctx context.Context, period string, managers []string) ([]app.CardRecord, error) {
	return storage.QueryIn(ctx, s.db, `SELECT `+cardColumns+cardFrom+` WHERE s.period = $1 AND r.state = 'closed' AND s.manager_id IN (`,
		[]any{period}, managers, scanCard)
}

// SaveRunSetup keeps the setup a run was computed with.
func (s *Store) SaveRunSetup(ctx context.Context, run string, setup app.Setup) error {
	doc, err := toJSON(setup)
	if err != nil {
		return err
	}
	return updated(s.db.Q(ctx).ExecContext(ctx, `UPDATE runs SET setup = $2 WHERE id = $1`, run, doc))
}

// RunSetup reads the setup a run was computed with.
func (s *Store) RunSetup(ctx context.Context, run string) (app.Setup, error) {
	var doc string
	var setup app.Setup
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT setup FROM runs WHERE id = $1`, run).Scan(&doc)
	if err != nil {
		return setup, notFound(err, "runs/%s", run)
	}
	return setup, fromJSON("setup of runs/"+run, doc, &setup)
}
