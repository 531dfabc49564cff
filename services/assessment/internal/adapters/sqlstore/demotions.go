package sqlstore

import (
	"context"
	"database/sql"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
)

const demotionColumns = `e.id, e.manager_id, e.org_unit_id, e.org_path, e.kind, e.reason, e.effective_date, e.ladder, e.from_level,
	e.from_band, e.to_level, e.to_band, e.approval, e.proposed_by, e.create_time, COALESCE(a.state, 0), COALESCE(a.decided_by, ''),
	a.decided_at, ` + deliveryColumnsG

// demotionFrom joins each early demotion with its approval and its grade
// change.
const demotionFrom = ` FROM early_demotions e LEFT JOIN approvals a ON a.id = e.approval
	LEFT JOIN grade_deliveries g ON g.reference = 'earlyDemotions/' || e.id AND g.source_revision = 1`

var demotionStates = map[int]app.DemotionState{1: app.DemotionProposed, 2: app.DemotionApproved, 3: app.DemotionRejected, 4: app.DemotionWithdrawn}

func scanDemotion(row storage.Row) (app.DemotionRecord, error) {
	var d app.DemotionRecord
	var kind, effective string
	var state int
	var decided sql.NullTime
	var del deliveryScan
	if err := row.Scan(append([]any{&d.ID, &d.Manager, &d.OrgUnitID, &d.OrgPath, &kind, &d.Reason, &effective, &d.Ladder, &d.From.Level,
		&d.From.Band, &d.To.Level, &d.To.Band, &d.Approval, &d.ProposedBy, &d.CreateTime, &state, &d.DecidedBy, &decided},
		del.targets()...)...); err != nil {
		return d, err
	}
	d.Kind, d.State, d.CreateTime = app.DemotionKind(kind), demotionStates[state], d.CreateTime.UTC()
	if decided.Valid {
		d.DecideTime = decided.Time.UTC()
	}
	e, err := civil.Parse(effective)
	if err != nil {
		return d, err
	}
	d.Effective = e
	if del.d.ID != "" {
		rec, err := del.record()
		if err != nil {
			return d, err
		}
		d.Delivery = &rec
	}
	return d, nil
}

// InsertDemotion adds an early demotion.
func (s *Store) InsertDemotion(ctx context.Context, d app.DemotionRecord) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO early_demotions (id, manager_id, org_unit_id, org_path, kind, reason, effective_date,
		ladder, from_level, from_band, to_level, to_band, approval, proposed_by, create_time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		d.ID, d.Manager, d.OrgUnitID, d.OrgPath, string(d.Kind), d.Reason, d.Effective.String(), d.Ladder, d.From.Level, d.From.Band,
		d.To.Level, d.To.Band, d.Approval, d.ProposedBy, d.CreateTime)
	return exists(err, d.Name())
}

// Demotion reads one early demotion.
func (s *Store) Demotion(ctx context.Context, id string) (app.DemotionRecord, error) {
	d, err := scanDemotion(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+demotionColumns+demotionFrom+` WHERE e.id = $1`, id))
	return d, notFound(err, "earlyDemotions/%s", id)
}

var demotionListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"manager":     {Column: "e.manager_id", Type: aip.String, Convert: resourceID("managers/", "managers/E1001")},
		"create_time": {Column: "e.create_time", Type: aip.Timestamp, Orderable: true},
	},
	DefaultOrder:    "create_time desc",
	Tiebreak:        "e.id",
	DefaultPageSize: 50,
	MaxPageSize:     1000,
}

// ListDemotions reads one page of the early demotions scope allows.
func (s *Store) ListDemotions(ctx context.Context, req aip.Request, scope app.Scope) ([]app.DemotionRecord, string, error) {
	cond, args := "1 = 1", []any{}
	switch {
	case scope.All:
	case scope.Path != "":
		cond, args = "(substr(e.org_path, 1, length($1)) = $1 OR e.manager_id = $2)", []any{scope.Path, scope.Self}
	default:
		cond, args = "e.manager_id = $1", []any{scope.Self}
	}
	return storage.Page(ctx, s.db, demotionListSchema, req, cond, args, `SELECT `+demotionColumns+demotionFrom, scanDemotion,
		func(d app.DemotionRecord) map[string]any {
			return map[string]any{"e.create_time": d.CreateTime, "e.id": d.ID}
		})
}
