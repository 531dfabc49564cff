package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
)

// figureName is a figure's resource name, stored for keyset paging.
func figureName(k figure.Key) string {
	return "managers/" + k.Manager + "/periods/" + k.Period + "/figures/" + k.Code
}

type correctionRow struct {
	Manager       string        `json:"manager"`
	Period        string        `json:"period"`
	Code          string        `json:"code"`
	Previous      money.Decimal `json:"previous"`
	Value         money.Decimal `json:"value"`
	PreviousBatch string        `json:"previousBatch"`
}

const batchColumns = `id, fingerprint, source, row_count, created, corrected, unchanged, corrections, import_time, imported_by`

func scanBatch(row storage.Row) (app.BatchRecord, error) {
	var b app.BatchRecord
	var corrections string
	if err := row.Scan(&b.ID, &b.Fingerprint, &b.Source, &b.Rows, &b.Created, &b.Corrected, &b.Unchanged, &corrections,
		&b.ImportTime, &b.ImportedBy); err != nil {
		return b, err
	}
	b.ImportTime = b.ImportTime.UTC()
	var cs []correctionRow
	if err := fromJSON("corrections of batch "+b.ID, corrections, &cs); err != nil {
		return b, err
	}
	for _, c := range cs {
		b.Corrections = append(b.Corrections, app.Correction{Key: figure.Key{Manager: c.Manager, Period: c.Period, Code: c.Code},
			Previous: c.Previous, Value: c.Value, PreviousBatch: c.PreviousBatch})
	}
	return b, nil
}

// ClaimBatch records that a batch is being imported, in the caller's
// transaction. If its id exists it claims nothing and returns the stored
// batch; on PostgreSQL a concurrent claim of the same id waits for the other
// transaction to end first.
func (s *Store) ClaimBatch(ctx context.Context, b app.BatchRecord) (app.BatchRecord, bool, error) {
	res, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO figure_batches (id, fingerprint, source, row_count, import_time, imported_by)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`, b.ID, b.Fingerprint, b.Source, b.Rows, b.ImportTime, b.ImportedBy)
	if err != nil {
		return app.BatchRecord{}, false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return app.BatchRecord{}, err == nil, err
	}
	prev, err := s.Batch(ctx, b.ID)
	return prev, false, err
}

// FinishBatch stores the outcome of a claimed batch.
func (s *Store) FinishBatch(ctx context.Context, b app.BatchRecord) error {
	cs := make([]correctionRow, len(b.Corrections))
	for i, c := range b.Corrections {
		cs[i] = correctionRow{Manager: c.Key.Manager, Period: c.Key.Period, Code: c.Key.Code, Previous: c.Previous, Value: c.Value,
			PreviousBatch: c.PreviousBatch}
	}
	corrections, err := toJSON(cs)
	if err != nil {
		return err
	}
	return updated(s.db.Q(ctx).ExecContext(ctx, `UPDATE figure_batches SET created = $2, corrected = $3, unchanged = $4,
		corrections = $5 WHERE id = $1`, b.ID, b.Created, b.Corrected, b.Unchanged, corrections))
}

// Batch reads an imported batch.
func (s *Store) Batch(ctx context.Context, id string) (app.BatchRecord, error) {
	b, err := scanBatch(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+batchColumns+` FROM figure_batches WHERE id = $1`, id))
	return b, notFound(err, "figureBatches/%s", id)
}

const figureColumns = `manager_id, period, code, value, unit, revision, batch_id, source, org_unit_id, org_path,
	create_time, update_time`

func scanFigure(row storage.Row) (app.FigureRecord, error) {
	var r app.FigureRecord
	var period string
	if err := row.Scan(&r.Manager, &period, &r.Code, &r.Value, &r.Unit, &r.Revision, &r.BatchID, &r.Source, &r.OrgUnitID,
		&r.OrgPath, &r.CreateTime, &r.UpdateTime); err != nil {
		return r, err
	}
	p, err := figure.ParsePeriod(period)
	if err != nil {
		return r, fmt.Errorf("stored figure %s/%s: %w", r.Manager, r.Code, err)
	}
	r.Period = p
	r.CreateTime, r.UpdateTime = r.CreateTime.UTC(), r.UpdateTime.UTC()
	return r, nil
}

// FiguresByKey reads the figures that exist among keys.
func (s *Store) FiguresByKey(ctx context.Context, keys []figure.Key) (map[figure.Key]app.FigureRecord, error) {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = figureName(k)
	}
	found, err := storage.QueryIn(ctx, s.db, `SELECT `+figureColumns+` FROM figures WHERE name IN (`, nil, names, scanFigure)
	out := make(map[figure.Key]app.FigureRecord, len(found))
	for _, r := range found {
		out[r.Key()] = r
	}
	return out, err
}

// WriteFigures inserts the figures whose Revision is 1, updates the others if
// their stored revision is still Revision-1 (else app.ErrConflict), and adds
// every new value to the figures' history.
func (s *Store) WriteFigures(ctx context.Context, rs []app.FigureRecord, recordedBy string) error {
	var fresh []app.FigureRecord
	for _, r := range rs {
		if r.Revision == 1 {
			fresh = append(fresh, r)
			continue
		}
		err := updated(s.db.Q(ctx).ExecContext(ctx, `UPDATE figures SET value = $2, unit = $3, revision = $4, batch_id = $5,
			source = $6, org_unit_id = $7, org_path = $8, update_time = $9 WHERE name = $1 AND revision = $10`,
			figureName(r.Key()), r.Value.String(), string(r.Unit), r.Revision, r.BatchID, r.Source, r.OrgUnitID, r.OrgPath,
			r.UpdateTime, r.Revision-1))
		if err != nil {
			return err
		}
	}
	err := s.db.InsertRows(ctx, `INSERT INTO figures (name, `+figureColumns+`) VALUES `, len(fresh), 13, func(i int) ([]any, error) {
		r := fresh[i]
		return []any{figureName(r.Key()), r.Manager, r.Period.String(), r.Code, r.Value.String(), string(r.Unit), r.Revision,
			r.BatchID, r.Source, r.OrgUnitID, r.OrgPath, r.CreateTime, r.UpdateTime}, nil
	})
	if storage.IsUniqueViolation(err) {
		return fmt.Errorf("%w: a figure was created at the same time", app.ErrConflict)
	}
	if err != nil {
		return err
	}
	err = s.db.InsertRows(ctx, `INSERT INTO figure_revisions (manager_id, period, code, revision, value, batch_id, source,
		record_time, recorded_by) VALUES `, len(rs), 9, func(i int) ([]any, error) {
		r := rs[i]
		return []any{r.Manager, r.Period.String(), r.Code, r.Revision, r.Value.String(), r.BatchID, r.Source, r.UpdateTime, recordedBy}, nil
	})
	if storage.IsUniqueViolation(err) {
		return fmt.Errorf("%w: a figure was corrected at the same time", app.ErrConflict)
	}
	if err != nil {
		return err
	}
	return s.analyze(ctx, "figures", len(rs))
}

// Figure reads one figure.
func (s *Store) Figure(ctx context.Context, k figure.Key) (app.FigureRecord, error) {
	r, err := scanFigure(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+figureColumns+` FROM figures WHERE name = $1`, figureName(k)))
	return r, notFound(err, "%s", figureName(k))
}

// visible is the SQL condition of scope, with placeholders from $1, and its
// arguments; arg adds more.
func visible(scope app.Scope) (cond []string, arg func(any) string, args *[]any) {
	list := []any{}
	args = &list
	arg = func(v any) string { *args = append(*args, v); return "$" + strconv.Itoa(len(*args)) }
	switch {
	case scope.All:
	case scope.Path != "":
		p := arg(scope.Path)
		cond = append(cond, "(substr(org_path, 1, length("+p+")) = "+p+" OR manager_id = "+arg(scope.Self)+")")
	default:
		cond = append(cond, "manager_id = "+arg(scope.Self))
	}
	return cond, arg, args
}

// inOrgUnit matches figures whose org path runs through the unit: its id is
// one segment of the path ("/…/id/…/").
func inOrgUnit(op, ph string) string {
	cond := "replace(org_path, '/' || " + ph + " || '/', '') <> org_path"
	if op == "<>" {
		return "NOT (" + cond + ")"
	}
	return cond
}

var figureListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"code":        {Column: "code", Type: aip.String, Orderable: true},
		"period":      {Column: "period", Type: aip.String, Orderable: true},
		"org_unit":    {Column: "org_unit_id", Type: aip.String, Convert: resourceID("orgUnits/", "orgUnits/branch-east"), Match: inOrgUnit},
		"batch":       {Column: "batch_id", Type: aip.String, Convert: resourceID("figureBatches/", "figureBatches/cbs-2026-04-001")},
		"update_time": {Column: "update_time", Type: aip.Timestamp, Orderable: true},
	},
	DefaultOrder:    "period desc",
	Tiebreak:        "name",
	DefaultPageSize: 100,
	MaxPageSize:     1000,
}

// ListFigures reads one page of the figures scope allows, of manager and
// period when they are not empty.
func (s *Store) ListFigures(ctx context.Context, req aip.Request, scope app.Scope, manager, period string) ([]app.FigureRecord, string, error) {
	cond, arg, args := visible(scope)
	if manager != "" {
		cond = append(cond, "manager_id = "+arg(manager))
	}
	if period != "" {
		cond = append(cond, "period = "+arg(period))
	}
	if len(cond) == 0 {
		cond = []string{"1 = 1"}
	}
	return storage.Page(ctx, s.db, figureListSchema, req, strings.Join(cond, " AND "), *args, `SELECT `+figureColumns+` FROM figures`, scanFigure,
		func(r app.FigureRecord) map[string]any {
			return map[string]any{"period": r.Period.String(), "code": r.Code, "update_time": r.UpdateTime, "name": figureName(r.Key())}
		})
}

// History reads every value of a figure, newest first.
func (s *Store) History(ctx context.Context, k figure.Key) ([]app.FigureRevision, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT revision, value, batch_id, source, record_time, recorded_by
		FROM figure_revisions WHERE manager_id = $1 AND period = $2 AND code = $3 ORDER BY revision DESC`, k.Manager, k.Period, k.Code)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, func(row storage.Row) (app.FigureRevision, error) {
		var r app.FigureRevision
		err := row.Scan(&r.Revision, &r.Value, &r.BatchID, &r.Source, &r.RecordTime, &r.RecordedBy)
		r.RecordTime = r.RecordTime.UTC()
		return r, err
	})
}

// FiguresOf reads the figures of managers × codes in period that scope allows.
func (s *Store) FiguresOf(ctx context.Context, managers []string, period string, codes []string, scope app.Scope) ([]app.FigureRecord, error) {
	if len(managers) == 0 || len(codes) == 0 {
		return nil, nil
	}
	cond, arg, args := visible(scope)
	cond = append(cond, "period = "+arg(period))
	ph := make([]string, len(codes))
	for i, c := range codes {
		ph[i] = arg(c)
	}
	cond = append(cond, "code IN ("+strings.Join(ph, ", ")+")")
	return storage.QueryIn(ctx, s.db, `SELECT `+figureColumns+` FROM figures WHERE `+strings.Join(cond, " AND ")+` AND manager_id IN (`,
		*args, managers, scanFigure)
}

// FigureValues reads the values of the figures of managers × codes in period.
func (s *Store) FigureValues(ctx context.Context, managers []string, period string, codes []string) ([]app.FigureValue, error) {
	if len(managers) == 0 || len(codes) == 0 {
		return nil, nil
	}
	args := append([]any{period}, storage.Args(codes)...)
	return storage.QueryIn(ctx, s.db, `SELECT manager_id, code, value, batch_id FROM figures WHERE period = $1 AND code IN (`+
		storage.Placeholders(2, len(codes))+`) AND manager_id IN (`, args, managers, func(row storage.Row) (app.FigureValue, error) {
		var f app.FigureValue
		return f, row.Scan(&f.Manager, &f.Code, &f.Value, &f.BatchID)
	})
}
