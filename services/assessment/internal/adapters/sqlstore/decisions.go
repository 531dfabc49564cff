package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
)

const roundColumns = `r.id, r.org_unit_id, r.org_path, r.period, r.ladder, r.inputs, r.state, r.approval, r.decisions, r.moves, r.skipped,
	r.revision, r.created_by, r.create_time, r.computed_by, r.compute_time, r.submitted_by, r.approved_by, r.approve_time,
	COALESCE(a.state, 0)`

const roundFrom = ` FROM decision_rounds r LEFT JOIN approvals a ON a.id = r.approval`

func scanRound(row storage.Row) (app.RoundRecord, error) {
	var r app.RoundRecord
	var period, inputs, state, skipped string
	var approveTime sql.NullTime
	var approvalState int
	if err := row.Scan(&r.ID, &r.OrgUnitID, &r.OrgPath, &period, &r.Ladder, &inputs, &state, &r.Approval, &r.Decisions, &r.Moves, &skipped,
		&r.Revision, &r.CreatedBy, &r.CreateTime, &r.ComputedBy, &r.ComputeTime, &r.SubmittedBy, &r.ApprovedBy, &approveTime,
		&approvalState); err != nil {
		return r, err
	}
	p, err := figure.ParsePeriod(period)
	if err != nil {
		return r, err
	}
	r.Period, r.State, r.ApprovalPending = p, app.RoundState(state), approvalState == 1
	r.CreateTime, r.ComputeTime = r.CreateTime.UTC(), r.ComputeTime.UTC()
	if approveTime.Valid {
		r.ApproveTime = approveTime.Time.UTC()
	}
	if err := fromJSON("inputs of round "+r.ID, inputs, &r.Inputs); err != nil {
		return r, err
	}
	return r, fromJSON("skipped managers of round "+r.ID, skipped, &r.Skipped)
}

// InsertRound adds a round.
func (s *Store) InsertRound(ctx context.Context, r app.RoundRecord) error {
	inputs, err := toJSON(r.Inputs)
	if err != nil {
		return err
	}
	skipped, err := skippedOf(r.Skipped)
	if err != nil {
		return err
	}
	_, err = s.db.Q(ctx).ExecContext(ctx, `INSERT INTO decision_rounds (id, org_unit_id, org_path, period, ladder, inputs, state, approval,
		decisions, moves, skipped, revision, created_by, create_time, computed_by, compute_time, submitted_by, approved_by, approve_time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		r.ID, r.OrgUnitID, r.OrgPath, r.Period.String(), r.Ladder, inputs, string(r.State), r.Approval, r.Decisions, r.Moves, skipped,
		r.Revision, r.CreatedBy, r.CreateTime, r.ComputedBy, r.ComputeTime, r.SubmittedBy, r.ApprovedBy, nullTime(r.ApproveTime))
	return exists(err, "decisionRounds/"+r.ID)
}

// Round reads one round.
func (s *Store) Round(ctx context.Context, id string) (app.RoundRecord, error) {
	r, err := scanRound(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+roundColumns+roundFrom+` WHERE r.id = $1`, id))
	return r, notFound(err, "decisionRounds/%s", id)
}

// UpdateRound writes r if the stored revision is r.Revision-1.
func (s *Store) UpdateRound(ctx context.Context, r app.RoundRecord) error {
	inputs, err := toJSON(r.Inputs)
	if err != nil {
		return err
	}
	skipped, err := skippedOf(r.Skipped)
	if err != nil {
		return err
	}
	return updated(s.db.Q(ctx).ExecContext(ctx, `UPDATE decision_rounds SET inputs = $2, state = $3, approval = $4, decisions = $5,
		moves = $6, skipped = $7, revision = $8, computed_by = $9, compute_time = $10, submitted_by = $11, approved_by = $12,
		approve_time = $13 WHERE id = $1 AND revision = $14`,
		r.ID, inputs, string(r.State), r.Approval, r.Decisions, r.Moves, skipped, r.Revision, r.ComputedBy, r.ComputeTime, r.SubmittedBy,
		r.ApprovedBy, nullTime(r.ApproveTime), r.Revision-1))
}

var roundListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"period":      {Column: "r.period", Type: aip.String, Orderable: true},
		"ladder":      {Column: "r.ladder", Type: aip.String, Convert: resourceID("gradeLadders/", "gradeLadders/bank")},
		"org_unit":    {Column: "r.org_unit_id", Type: aip.String, Convert: resourceID("orgUnits/", "orgUnits/branch-east")},
		"create_time": {Column: "r.create_time", Type: aip.Timestamp, Orderable: true},
	},
	DefaultOrder:    "period desc",
	Tiebreak:        "r.id",
	DefaultPageSize: 50,
	MaxPageSize:     1000,
}

// ListRounds reads one page of the rounds scope allows.
func (s *Store) ListRounds(ctx context.Context, req aip.Request, scope app.RunScope) ([]app.RoundRecord, string, error) {
	cond, args := reachCond(scope, "r.org_path")
	return storage.Page(ctx, s.db, roundListSchema, req, cond, args, `SELECT `+roundColumns+roundFrom, scanRound,
		func(r app.RoundRecord) map[string]any {
			return map[string]any{"r.period": r.Period.String(), "r.create_time": r.CreateTime, "r.id": r.ID}
		})
}

// storedDecision is the JSON document of a decision.
type storedDecision struct {
	Decision  grade.Decision `json:"decision"`
	AmendedBy []string       `json:"amendedBy,omitempty"`
}

const decisionColumns = `d.round_id, d.manager_id, d.period, d.ladder, d.org_unit_id, d.org_path, d.decision, d.score, d.revision,
	d.amended_by, d.update_time, r.state, r.approve_time, ` + deliveryColumnsG

// decisionFrom joins each decision with its round and with the grade change
// of its current revision, if any.
const decisionFrom = ` FROM decisions d JOIN decision_rounds r ON r.id = d.round_id
	LEFT JOIN grade_deliveries g ON g.reference = d.name AND g.source_revision = d.revision`

const deliveryColumnsG = `COALESCE(g.id, ''), COALESCE(g.manager_id, ''), COALESCE(g.ladder, ''), COALESCE(g.level, ''), COALESCE(g.band, ''),
	COALESCE(g.effective_date, ''), COALESCE(g.reason, ''), COALESCE(g.reference, ''), COALESCE(g.source_revision, 0),
	COALESCE(g.exceptional, FALSE), COALESCE(g.state, ''), COALESCE(g.roster_approval, ''), COALESCE(g.error, ''), COALESCE(g.attempts, 0),
	g.next_attempt, g.create_time, g.apply_time`

// deliveryScan holds the scanned columns of a delivery.
type deliveryScan struct {
	d                      app.DeliveryRecord
	effective, state       string
	next, created, applied sql.NullTime
}

func (x *deliveryScan) targets() []any {
	return []any{&x.d.ID, &x.d.Manager, &x.d.Ladder, &x.d.Grade.Level, &x.d.Grade.Band, &x.effective, &x.d.Reason, &x.d.Reference,
		&x.d.SourceRevision, &x.d.Exceptional, &x.state, &x.d.RosterApproval, &x.d.Error, &x.d.Attempts, &x.next, &x.created, &x.applied}
}

func (x *deliveryScan) record() (app.DeliveryRecord, error) {
	d := x.d
	d.State = app.DeliveryState(x.state)
	if x.effective != "" {
		e, err := civil.Parse(x.effective)
		if err != nil {
			return d, err
		}
		d.Effective = e
	}
	for _, t := range []struct {
		src *sql.NullTime
		dst *time.Time
	}{{&x.next, &d.NextAttempt}, {&x.created, &d.CreateTime}, {&x.applied, &d.ApplyTime}} {
		if t.src.Valid {
			*t.dst = t.src.Time.UTC()
		}
	}
	return d, nil
}

func scanDecision(row storage.Row) (app.DecisionRecord, error) {
	var d app.DecisionRecord
	var doc, amended, roundState string
	var approveTime sql.NullTime
	var del deliveryScan
	if err := row.Scan(append([]any{&d.Round, &d.Manager, &d.Period, &d.Ladder, &d.OrgUnitID, &d.OrgPath, &doc, &d.Score, &d.Revision,
		&amended, &d.UpdateTime, &roundState, &approveTime}, del.targets()...)...); err != nil {
		return d, err
	}
	d.UpdateTime = d.UpdateTime.UTC()
	d.RoundApproved = roundState == string(app.RoundApproved)
	if approveTime.Valid {
		d.ApproveTime = approveTime.Time.UTC()
	}
	if p, err := figure.ParsePeriod(d.Period); err == nil {
		d.Effective = p.Next().Start()
	}
	if del.d.ID != "" {
		rec, err := del.record()
		if err != nil {
			return d, err
		}
		d.Delivery = &rec
	}
	var sd storedDecision
	if err := fromJSON("decision "+d.Name(), doc, &sd); err != nil {
		return d, err
	}
	d.Decision = sd.Decision
	return d, fromJSON("amendments of "+d.Name(), amended, &d.AmendedBy)
}

func decisionRow(d app.DecisionRecord) ([]any, error) {
	doc, err := toJSON(storedDecision{Decision: d.Decision})
	if err != nil {
		return nil, err
	}
	amended := "[]"
	if len(d.AmendedBy) > 0 {
		if amended, err = toJSON(d.AmendedBy); err != nil {
			return nil, err
		}
	}
	x := d.Decision
	return []any{d.Period, d.Ladder, d.Manager, d.Round, d.Name(), d.OrgUnitID, d.OrgPath, string(x.Kind), x.Moves(), doc,
		d.Score.String(), d.Revision, amended, d.UpdateTime, x.From.Level, x.From.Band, x.To.Level, x.To.Band, x.Exceptional}, nil
}

const insertDecisions = `INSERT INTO decisions (period, ladder, manager_id, round_id, name, org_unit_id, org_path, kind, moves,
	decision, score, revision, amended_by, update_time, from_level, from_band, to_level, to_band, exceptional) VALUES `

func (s *Store) insertDecisions(ctx context.Context, ds []app.DecisionRecord) error {
	err := s.db.InsertRows(ctx, insertDecisions, len(ds), 19, func(i int) ([]any, error) { return decisionRow(ds[i]) })
	if storage.IsUniqueViolation(err) {
		return app.ErrConflict
	}
	return err
}

// MovingDecisions reads the decisions of round that change a grade, without
// their documents: manager, period, ladder, revision, kind, the grades and
// whether it is exceptional.
func (s *Store) MovingDecisions(ctx context.Context, round string) ([]app.DecisionRecord, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT manager_id, period, ladder, revision, kind, from_level, from_band, to_level, to_band,
		exceptional FROM decisions WHERE round_id = $1 AND moves ORDER BY manager_id`, round)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, func(row storage.Row) (app.DecisionRecord, error) {
		d := app.DecisionRecord{Round: round}
		var kind string
		err := row.Scan(&d.Manager, &d.Period, &d.Ladder, &d.Revision, &kind, &d.Decision.From.Level, &d.Decision.From.Band,
			&d.Decision.To.Level, &d.Decision.To.Band, &d.Decision.Exceptional)
		d.Decision.Employee, d.Decision.Kind = d.Manager, grade.Kind(kind)
		return d, err
	})
}

// DecisionOwners returns the round holding each manager's decision for
// period on ladder.
func (s *Store) DecisionOwners(ctx context.Context, period, ladder string, managers []string) (map[string]string, error) {
	type owner struct{ manager, round string }
	found, err := storage.QueryIn(ctx, s.db, `SELECT manager_id, round_id FROM decisions WHERE period = $1 AND ladder = $2 AND manager_id IN (`,
		[]any{period, ladder}, managers, func(row storage.Row) (owner, error) {
			var o owner
			return o, row.Scan(&o.manager, &o.round)
		})
	out := make(map[string]string, len(found))
	for _, o := range found {
		out[o.manager] = o.round
	}
	return out, err
}

// ReplaceDecisions deletes every decision of round and writes ds.
func (s *Store) ReplaceDecisions(ctx context.Context, round string, ds []app.DecisionRecord) error {
	if _, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM decisions WHERE round_id = $1`, round); err != nil {
		return err
	}
	if err := s.insertDecisions(ctx, ds); err != nil {
		return err
	}
	return s.analyze(ctx, "decisions", len(ds))
}

// UpdateDecisions rewrites existing decisions.
func (s *Store) UpdateDecisions(ctx context.Context, ds []app.DecisionRecord) error {
	return s.upsertRows(ctx, insertDecisions, `ON CONFLICT (period, ladder, manager_id) DO UPDATE SET `+
		excluded("round_id", "name", "org_unit_id", "org_path", "kind", "moves", "decision", "score", "revision", "amended_by", "update_time",
			"from_level", "from_band", "to_level", "to_band", "exceptional"),
		len(ds), 19, func(i int) ([]any, error) { return decisionRow(ds[i]) })
}

// Decisions reads the decisions of round, of managers when not nil.
func (s *Store) Decisions(ctx context.Context, round string, managers []string) ([]app.DecisionRecord, error) {
	if managers == nil {
		rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+decisionColumns+decisionFrom+` WHERE d.round_id = $1 ORDER BY d.manager_id`, round)
		if err != nil {
			return nil, err
		}
		return storage.Collect(rows, scanDecision)
	}
	return storage.QueryIn(ctx, s.db, `SELECT `+decisionColumns+decisionFrom+` WHERE d.round_id = $1 AND d.manager_id IN (`,
		[]any{round}, managers, scanDecision)
}

// Decision reads one decision.
func (s *Store) Decision(ctx context.Context, round, manager string) (app.DecisionRecord, error) {
	d, err := scanDecision(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+decisionColumns+decisionFrom+` WHERE d.round_id = $1 AND d.manager_id = $2`,
		round, manager))
	return d, notFound(err, "decisionRounds/%s/decisions/%s", round, manager)
}

var decisionListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"manager":  {Column: "d.manager_id", Type: aip.String, Orderable: true, Convert: resourceID("managers/", "managers/E1001")},
		"period":   {Column: "d.period", Type: aip.String, Orderable: true},
		"org_unit": {Column: "d.org_unit_id", Type: aip.String, Convert: resourceID("orgUnits/", "orgUnits/branch-east"), Match: decisionInOrgUnit},
		"kind": {Column: "d.kind", Type: aip.Enum, Enum: map[string]any{
			"KIND_PROMOTE": "promote", "KIND_MAINTAIN": "maintain", "KIND_DEMOTE": "demote", "KIND_QUOTA_DEMOTE": "quota_demote",
			"KIND_GRACE": "grace", "KIND_TERMINATE": "terminate", "KIND_SKIP": "skip"}},
		"moves": {Column: "d.moves", Type: aip.Bool},
	},
	DefaultOrder:    "manager",
	Tiebreak:        "d.name",
	DefaultPageSize: 100,
	MaxPageSize:     1000,
}

func decisionInOrgUnit(op, ph string) string {
	cond := "replace(d.org_path, '/' || " + ph + " || '/', '') <> d.org_path"
	if op == "<>" {
		return "NOT (" + cond + ")"
	}
	return cond
}

// ListDecisions reads one page of the decisions scope allows, of round when
// not empty.
func (s *Store) ListDecisions(ctx context.Context, req aip.Request, scope app.Scope, round string) ([]app.DecisionRecord, string, error) {
	var cond []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	switch {
	case scope.All:
	case scope.Path != "":
		p := arg(scope.Path)
		cond = append(cond, "(substr(d.org_path, 1, length("+p+")) = "+p+" OR d.manager_id = "+arg(scope.Self)+")")
	default:
		cond = append(cond, "d.manager_id = "+arg(scope.Self))
	}
	if round != "" {
		cond = append(cond, "d.round_id = "+arg(round))
	}
	if len(cond) == 0 {
		cond = []string{"1 = 1"}
	}
	return storage.Page(ctx, s.db, decisionListSchema, req, strings.Join(cond, " AND "), args, `SELECT `+decisionColumns+decisionFrom,
		scanDecision, func(d app.DecisionRecord) map[string]any {
			return map[string]any{"d.manager_id": d.Manager, "d.period": d.Period, "d.name": d.Name()}
		})
}

// PriorKinds returns the kind of each manager's latest decision on ladder
// in an approved round before period.
func (s *Store) PriorKinds(ctx context.Context, ladder, period string, managers []string) (map[string]grade.Kind, error) {
	type prior struct{ manager, period, kind string }
	found, err := storage.QueryIn(ctx, s.db, `SELECT d.manager_id, d.period, d.kind FROM decisions d JOIN decision_rounds r ON r.id = d.round_id
		WHERE r.state = 'approved' AND d.ladder = $1 AND d.period < $2 AND d.manager_id IN (`, []any{ladder, period}, managers,
		func(row storage.Row) (prior, error) {
			var p prior
			return p, row.Scan(&p.manager, &p.period, &p.kind)
		})
	latest := map[string]prior{}
	for _, p := range found {
		if q, ok := latest[p.manager]; !ok || p.period > q.period {
			latest[p.manager] = p
		}
	}
	out := make(map[string]grade.Kind, len(latest))
	for m, p := range latest {
		out[m] = grade.Kind(p.kind)
	}
	return out, err
}

// InsertDeliveries adds grade changes to the outbox.
func (s *Store) InsertDeliveries(ctx context.Context, ds []app.DeliveryRecord) error {
	err := s.db.InsertRows(ctx, `INSERT INTO grade_deliveries (id, manager_id, ladder, level, band, effective_date, reason, reference,
		source_revision, exceptional, state, roster_approval, error, attempts, next_attempt, create_time, apply_time) VALUES `, len(ds), 17,
		func(i int) ([]any, error) {
			d := ds[i]
			return []any{d.ID, d.Manager, d.Ladder, d.Grade.Level, d.Grade.Band, d.Effective.String(), d.Reason, d.Reference, d.SourceRevision,
				d.Exceptional, string(d.State), d.RosterApproval, d.Error, d.Attempts, d.NextAttempt, d.CreateTime, nullTime(d.ApplyTime)}, nil
		})
	if err != nil {
		return exists(err, "grade delivery")
	}
	return s.analyze(ctx, "grade_deliveries", len(ds))
}

// UpdateDelivery writes a delivery's state, error, attempts and times and
// releases its lease.
func (s *Store) UpdateDelivery(ctx context.Context, d app.DeliveryRecord) error {
	return updated(s.db.Q(ctx).ExecContext(ctx, `UPDATE grade_deliveries SET state = $2, roster_approval = $3, error = $4, attempts = $5,
		next_attempt = $6, apply_time = $7, lease_until = NULL WHERE id = $1`, d.ID, string(d.State), d.RosterApproval, d.Error, d.Attempts,
		d.NextAttempt, nullTime(d.ApplyTime)))
}

// ClaimDelivery takes the lease of a pending delivery nobody holds.
func (s *Store) ClaimDelivery(ctx context.Context, id string, now, until time.Time) (bool, error) {
	res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE grade_deliveries SET lease_until = $2 WHERE id = $1 AND state = 'pending'
		AND (lease_until IS NULL OR lease_until < $3)`, id, until, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CancelDelivery cancels a pending delivery nobody is sending.
func (s *Store) CancelDelivery(ctx context.Context, id string, now time.Time, why string) (bool, error) {
	res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE grade_deliveries SET state = 'cancelled', error = $2 WHERE id = $1 AND state = 'pending'
		AND (lease_until IS NULL OR lease_until < $3)`, id, why, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

const deliveryColumns = `g.id, g.manager_id, g.ladder, g.level, g.band, g.effective_date, g.reason, g.reference, g.source_revision,
	g.exceptional, g.state, g.roster_approval, g.error, g.attempts, g.next_attempt, g.create_time, g.apply_time`

func scanDelivery(row storage.Row) (app.DeliveryRecord, error) {
	var x deliveryScan
	if err := row.Scan(x.targets()...); err != nil {
		return app.DeliveryRecord{}, err
	}
	return x.record()
}

// DueDeliveries reads up to limit pending changes due at now, oldest first.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]app.DeliveryRecord, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+deliveryColumns+` FROM grade_deliveries g WHERE g.state = 'pending'
		AND g.next_attempt <= $1 AND (g.lease_until IS NULL OR g.lease_until < $1) ORDER BY g.create_time, g.id LIMIT `+itoa(limit), now)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, scanDelivery)
}

// Delivery reads one delivery.
func (s *Store) Delivery(ctx context.Context, id string) (app.DeliveryRecord, error) {
	d, err := scanDelivery(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM grade_deliveries g WHERE g.id = $1`, id))
	return d, notFound(err, "grade delivery %s", id)
}
