package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/settings"
)

// Settings reads the visit settings; ok is false before anybody saved them.
func (s *Store) Settings(ctx context.Context) (settings.Settings, time.Time, string, bool, error) {
	var st settings.Settings
	at, by, ok, err := s.readSingleton(ctx, "visit_settings", &st, &st.Revision)
	return st, at, by, ok, err
}

// SaveSettings stores the settings with revision st.Revision, replacing revision
// st.Revision-1 (0: the first save); ErrConflict when that is not the one stored.
func (s *Store) SaveSettings(ctx context.Context, st settings.Settings, by string, now time.Time) error {
	return s.saveSingleton(ctx, "visit_settings", st, st.Revision, by, now)
}

// OpenPlansFrom reads manager's plans of month from and later that are not
// closed (the plans a handover moves lines out of), oldest first.
func (s *Store) OpenPlansFrom(ctx context.Context, manager string, from civil.Date) ([]plan.Plan, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+planColumns+` FROM plans WHERE manager_id = $1 AND month >= $2
		AND results_state <> $3 ORDER BY month`, manager, plan.MonthString(from), int(plan.ResultsAccepted))
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, func(r storage.Row) (plan.Plan, error) { return scanPlan(r, true) })
}

// PlansBetween reads the plans of months from..to (inclusive) that scope and
// manager allow, with their lines.
func (s *Store) PlansBetween(ctx context.Context, scope Scope, manager string, from, to civil.Date) ([]plan.Plan, error) {
	cond, args := visible(scope, manager)
	n := len(args)
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+planColumns+` FROM plans WHERE `+cond+
		fmt.Sprintf(` AND month >= $%d AND month <= $%d ORDER BY manager_id, month`, n+1, n+2),
		append(args, plan.MonthString(from), plan.MonthString(to))...)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, func(r storage.Row) (plan.Plan, error) { return scanPlan(r, true) })
}

// VisitKey is one recorded visit, as the reports count them.
type VisitKey struct {
	ManagerID, CustomerID string
	Day                   civil.Date
}

// VisitsBetween reads the visits of days from..to (inclusive) that scope and
// manager allow: who visited whom when.
func (s *Store) VisitsBetween(ctx context.Context, scope Scope, manager string, from, to civil.Date) ([]VisitKey, error) {
	cond, args := visible(scope, manager)
	n := len(args)
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT manager_id, customer_id, day FROM visits WHERE `+cond+
		fmt.Sprintf(` AND day >= $%d AND day <= $%d ORDER BY manager_id, day`, n+1, n+2),
		append(args, from.String(), to.String())...)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, scanVisitKey)
}

// VisitDays reads every recorded visit to the customers up to and including
// day to, by anyone: the customers' visit history.
func (s *Store) VisitDays(ctx context.Context, customers []string, to civil.Date) ([]VisitKey, error) {
	return storage.QueryIn(ctx, s.db, `SELECT manager_id, customer_id, day FROM visits WHERE day <= $1 AND customer_id IN (`,
		[]any{to.String()}, customers, scanVisitKey)
}

func scanVisitKey(r storage.Row) (VisitKey, error) {
	var k VisitKey
	var day string
	if err := r.Scan(&k.ManagerID, &k.CustomerID, &day); err != nil {
		return k, err
	}
	var err error
	k.Day, err = civil.Parse(day)
	return k, err
}

// RepathOpenWork files a customer's open tasks and unanswered requests held by
// manager under path (the manager's unit), so that scope and escalation follow
// the receiver of a handover. An empty path (the unit is unknown) changes nothing.
func (s *Store) RepathOpenWork(ctx context.Context, customer, manager, path string) error {
	if path == "" {
		return nil
	}
	if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE tasks SET org_path = $1 WHERE customer_id = $2 AND manager_id = $3 AND NOT done`,
		path, customer, manager); err != nil {
		return err
	}
	_, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE customer_requests SET org_path = $1 WHERE customer_id = $2 AND manager_id = $3
		AND answer_time IS NULL`, path, customer, manager)
	return err
}
