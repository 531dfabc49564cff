package sqlstore

import (
	"context"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/compensation/internal/app"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

const inputColumns = `id, manager_id, period, kind, code, contract, value, reference_run, reference_period, description, source,
	org_path, create_time, created_by`

func scanInput(row storage.Row) (app.InputRecord, error) {
	var r app.InputRecord
	err := row.Scan(&r.ID, &r.Manager, &r.Period, &r.Kind, &r.Code, &r.Contract, &r.Value, &r.RefRun, &r.RefPeriod,
		&r.Description, &r.Source, &r.OrgPath, &r.CreateTime, &r.CreatedBy)
	r.CreateTime = r.CreateTime.UTC()
	return r, err
}

// InsertInputs adds pay inputs, several hundred a statement.
func (s *Store) InsertInputs(ctx context.Context, rs []app.InputRecord) error {
	err := s.db.InsertRows(ctx, `INSERT INTO pay_inputs (`+inputColumns+`) VALUES `, len(rs), 14, func(i int) ([]any, error) {
		r := rs[i]
		return []any{r.ID, r.Manager, r.Period, int(r.Kind), r.Code, r.Contract, r.Value.String(), r.RefRun, r.RefPeriod,
			r.Description, r.Source, r.OrgPath, r.CreateTime, r.CreatedBy}, nil
	})
	return exists(err, "a manager has a contract of that id, or days worked for that month, already")
}

// Input reads one.
func (s *Store) Input(ctx context.Context, id string) (app.InputRecord, error) {
	r, err := scanInput(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+inputColumns+` FROM pay_inputs WHERE id = $1`, id))
	return r, notFound(err, "payInputs/%s", id)
}

// inputKinds are the kinds a filter names, with or without the KIND_ prefix.
var inputKinds = func() map[string]any {
	out := map[string]any{}
	for i, k := range []string{"CONDUCT_DEDUCTION", "AWARD", "DAYS_WORKED", "MARKETING_EXPENSE", "OTHER_DEDUCTION", "ADJUSTMENT",
		"COMMISSION_CONTRACT", "COLLECTION"} {
		out[k] = i + 1
		out["KIND_"+k] = i + 1
	}
	return out
}()

var inputSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"manager":     {Column: "manager_id", Type: aip.String, Convert: resourceID("managers/", "managers/E3001")},
		"period":      {Column: "period", Type: aip.String, Orderable: true},
		"kind":        {Column: "kind", Type: aip.Enum, Enum: inputKinds},
		"code":        {Column: "code", Type: aip.String},
		"contract":    {Column: "contract", Type: aip.String},
		"create_time": {Column: "create_time", Type: aip.Timestamp, Orderable: true},
	},
	DefaultOrder:    "create_time desc",
	Tiebreak:        "id",
	DefaultPageSize: 50,
	MaxPageSize:     1000,
}

// ListInputs reads one page of the inputs scope covers.
func (s *Store) ListInputs(ctx context.Context, req aip.Request, scope app.Scope) ([]app.InputRecord, string, error) {
	cond, args := scopeCond(scope, "org_path", 1)
	return storage.Page(ctx, s.db, inputSchema, req, cond, args, `SELECT `+inputColumns+` FROM pay_inputs`, scanInput,
		func(r app.InputRecord) map[string]any {
			return map[string]any{"id": r.ID, "create_time": r.CreateTime, "period": r.Period}
		})
}

// DeleteInput removes one.
func (s *Store) DeleteInput(ctx context.Context, id string) error {
	return updated(s.db.Q(ctx).ExecContext(ctx, `DELETE FROM pay_inputs WHERE id = $1`, id))
}

// manyManagers is how many managers make it cheaper to read every row of
// the month (or table) and keep theirs than to ask in IN lists of a few
// hundred.
const manyManagers = 2000

// ofManagers reads the rows of query (a condition on pay_inputs, arguments
// from $1) that belong to managers.
func (s *Store) ofManagers(ctx context.Context, cond string, args []any, managers []string) ([]app.InputRecord, error) {
	if len(managers) <= manyManagers {
		return storage.QueryIn(ctx, s.db, `SELECT `+inputColumns+` FROM pay_inputs WHERE `+cond+` AND manager_id IN (`, args, managers, scanInput)
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+inputColumns+` FROM pay_inputs WHERE `+cond, args...)
	if err != nil {
		return nil, err
	}
	all, err := storage.Collect(rows, scanInput)
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(managers))
	for _, m := range managers {
		want[m] = true
	}
	out := all[:0]
	for _, r := range all {
		if want[r.Manager] {
			out = append(out, r)
		}
	}
	return out, nil
}

// InputsOf reads the month's inputs of managers, contracts and collections
// aside.
func (s *Store) InputsOf(ctx context.Context, period string, managers []string) ([]app.InputRecord, error) {
	return s.ofManagers(ctx, `period = $1 AND kind NOT IN (7, 8)`, []any{period}, managers)
}

// ContractsOf reads the contracts and collections of managers up to a month.
func (s *Store) ContractsOf(ctx context.Context, managers []string, upTo string) ([]app.InputRecord, error) {
	return s.ofManagers(ctx, `kind IN (7, 8) AND period <= $1`, []any{upTo}, managers)
}

// Contract reads one manager's contract.
func (s *Store) Contract(ctx context.Context, manager, contract string) (app.InputRecord, error) {
	r, err := scanInput(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+inputColumns+` FROM pay_inputs
		WHERE manager_id = $1 AND contract = $2 AND kind = $3`, manager, contract, int(pay.CommissionContract)))
	return r, notFound(err, "contract %s of managers/%s", contract, manager)
}

// LockedIn returns those of managers whose pay for period is in a locked run.
func (s *Store) LockedIn(ctx context.Context, period string, managers []string) (map[string]string, error) {
	type row struct{ manager, run string }
	rows, err := storage.QueryIn(ctx, s.db, `SELECT p.manager_id, r.id FROM payroll_runs r
		JOIN payslips p ON p.run_id = r.id AND p.generation = r.generation
		WHERE r.state = 'LOCKED' AND r.period = $1 AND p.manager_id IN (`, []any{period}, managers,
		func(rw storage.Row) (row, error) {
			var x row
			return x, rw.Scan(&x.manager, &x.run)
		})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, x := range rows {
		out[x.manager] = x.run
	}
	return out, nil
}
