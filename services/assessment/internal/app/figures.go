package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// FigureRecord is a stored figure: its current value and where it came from.
type FigureRecord struct {
	figure.Figure
	// Revision is 1 for the first import and one more for every correction.
	Revision int64
	// BatchID and Source name the batch, and the system, that wrote the value.
	BatchID, Source string
	// OrgUnitID and OrgPath are the manager's org unit when the value was
	// written; they decide who may read the figure.
	OrgUnitID, OrgPath     string
	CreateTime, UpdateTime time.Time
}

// FigureRevision is one value a figure has had.
type FigureRevision struct {
	Revision        int64
	Value           money.Decimal
	BatchID, Source string
	RecordTime      time.Time
	RecordedBy      string
}

// BatchRecord is an imported batch and its outcome.
type BatchRecord struct {
	ID, Source string
	// Fingerprint identifies the batch's content: a resend with the same id
	// and fingerprint is a retry.
	Fingerprint                         string
	Rows, Created, Corrected, Unchanged int
	Corrections                         []Correction
	ImportTime                          time.Time
	ImportedBy                          string
}

// Correction is a figure a batch corrected.
type Correction struct {
	Key             figure.Key
	Previous, Value money.Decimal
	PreviousBatch   string
}

// Import stores a batch of figures: all of them, or — if any row is bad —
// none, with every bad row named ("rows[3].value", "rows[5].manager": a
// manager the roster does not know). fingerprint identifies the batch's
// content. A batch id imported before is not imported again: with the same
// fingerprint the first outcome is returned with replay set; with another
// one the call fails with ErrExists. Figures that exist are corrected: the
// value is replaced and kept in their history; figures sent with the value
// they have are left alone. Import writes in the caller's transaction.
func (a *App) Import(ctx context.Context, b figure.Batch, fingerprint string) (out BatchRecord, replay bool, err error) {
	c, err := a.caller(ctx)
	if err != nil {
		return out, false, err
	}
	done := func(prev BatchRecord) (BatchRecord, bool, error) {
		if prev.Fingerprint == fingerprint {
			return prev, true, nil
		}
		return prev, false, fmt.Errorf("%w: figureBatches/%s was imported at %s (%d rows from %s) with different content; a batch id is used once, so send changed figures under a new batch id",
			ErrExists, prev.ID, prev.ImportTime.Format(time.RFC3339), prev.Rows, prev.Source)
	}
	if b.ID != "" { // a malformed id is not found, and Check reports it
		prev, err := a.store.Batch(ctx, b.ID)
		switch {
		case err == nil:
			return done(prev)
		case !errors.Is(err, ErrNotFound):
			return out, false, err
		}
	}
	lib, _, err := a.library(ctx)
	if err != nil {
		return out, false, err
	}
	var v violation.List
	figs, checkErr := b.Check(figure.CodesFor(lib))
	v.Merge("", checkErr)
	units, err := a.managerUnits(ctx, b.Rows, &v)
	if err != nil {
		return out, false, err
	}
	if err := v.Err(); err != nil {
		return out, false, err
	}
	now := a.now()
	out = BatchRecord{ID: b.ID, Source: b.Source, Fingerprint: fingerprint, Rows: len(b.Rows), ImportTime: now, ImportedBy: c.Subject}
	prev, claimed, err := a.store.ClaimBatch(ctx, out)
	if err != nil {
		return out, false, err
	}
	if !claimed { // imported at the same time by another call
		return done(prev)
	}
	need := make([]string, 0, len(units))
	for _, u := range units {
		need = append(need, u)
	}
	paths, err := a.orgPaths(ctx, need...)
	if err != nil {
		return out, false, err
	}
	keys := make([]figure.Key, len(figs))
	for i, f := range figs {
		keys[i] = f.Key()
	}
	existing, err := a.store.FiguresByKey(ctx, keys)
	if err != nil {
		return out, false, err
	}
	var writes []FigureRecord
	for _, f := range figs {
		r := FigureRecord{Figure: f, Revision: 1, BatchID: b.ID, Source: b.Source, OrgUnitID: units[f.Manager],
			OrgPath: paths[units[f.Manager]], CreateTime: now, UpdateTime: now}
		if cur, ok := existing[f.Key()]; ok {
			if cur.Value.Cmp(f.Value) == 0 {
				out.Unchanged++
				continue
			}
			r.Revision, r.CreateTime = cur.Revision+1, cur.CreateTime
			out.Corrected++
			out.Corrections = append(out.Corrections, Correction{Key: f.Key(), Previous: cur.Value, Value: f.Value, PreviousBatch: cur.BatchID})
		} else {
			out.Created++
		}
		writes = append(writes, r)
	}
	if err := a.store.WriteFigures(ctx, writes, c.Subject); err != nil {
		if errors.Is(err, ErrConflict) {
			return out, false, fmt.Errorf("%w: another batch changed some of these figures at the same time; send the batch again", ErrConflict)
		}
		return out, false, err
	}
	return out, false, a.store.FinishBatch(ctx, out)
}

// managerUnits looks up, in the roster, the managers of the rows whose
// employee numbers are well formed, records a violation for every row whose
// manager the roster does not know, and returns the org unit of each known
// manager.
func (a *App) managerUnits(ctx context.Context, rows []figure.Row, v *violation.List) (map[string]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, r := range rows {
		if figure.ValidManager(r.Manager) && !seen[r.Manager] {
			seen[r.Manager] = true
			ids = append(ids, r.Manager)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	units, err := a.dir.ManagerUnits(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		if _, ok := units[r.Manager]; !ok && seen[r.Manager] {
			v.Add(violation.Index("rows", i)+".manager", "managers/%s is not a manager in the roster", r.Manager)
		}
	}
	return units, nil
}

// Batch reads an imported batch; only bank-wide readers and systems see
// batches, which hold many managers' figures.
func (a *App) Batch(ctx context.Context, id string) (BatchRecord, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return BatchRecord{}, err
	}
	if !c.All {
		return BatchRecord{}, fmt.Errorf("%w: batches of figures are read by bank-wide roles and systems; read single figures instead", ErrPermission)
	}
	return a.store.Batch(ctx, id)
}

// FigureCode is a code figures are accepted under, and whether an indicator
// of that code exists.
type FigureCode struct {
	figure.Code
	Indicator bool
}

// FigureCodes lists the codes figures are accepted under: the catalogue, then
// imported indicators.
func (a *App) FigureCodes(ctx context.Context) ([]FigureCode, error) {
	if _, err := a.caller(ctx); err != nil {
		return nil, err
	}
	lib, _, err := a.library(ctx)
	if err != nil {
		return nil, err
	}
	var out []FigureCode
	for _, c := range figure.CodesFor(lib).All() {
		_, ok := lib.Get(c.Code)
		out = append(out, FigureCode{Code: c, Indicator: ok})
	}
	return out, nil
}

// Figure reads one figure the caller may see (else NotFound).
func (a *App) Figure(ctx context.Context, key figure.Key) (FigureRecord, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return FigureRecord{}, err
	}
	return a.figureFor(ctx, c, key)
}

func (a *App) figureFor(ctx context.Context, c Caller, key figure.Key) (FigureRecord, error) {
	r, err := a.store.Figure(ctx, key)
	if err != nil {
		return r, err
	}
	if !c.sees(r.Manager, r.OrgPath) {
		return FigureRecord{}, fmt.Errorf("%w: managers/%s/periods/%s/figures/%s", ErrNotFound, key.Manager, key.Period, key.Code)
	}
	return r, nil
}

// ListFigures reads one page of the figures the caller may see, of one
// manager and one period when given.
func (a *App) ListFigures(ctx context.Context, req aip.Request, manager, period string) ([]FigureRecord, string, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return nil, "", err
	}
	return a.store.ListFigures(ctx, req, c.scope(), manager, period)
}

// History reads every value of a figure the caller may see, newest first.
func (a *App) History(ctx context.Context, key figure.Key) ([]FigureRevision, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := a.figureFor(ctx, c, key); err != nil {
		return nil, err
	}
	return a.store.History(ctx, key)
}

// BatchGet reads the figures of managers × codes in period that the caller
// may see, by manager in the order given, then by code in the order given,
// and the keys of those missing (absent, or out of the caller's scope) in the
// same order.
func (a *App) BatchGet(ctx context.Context, managers []string, period string, codes []string) ([]FigureRecord, []figure.Key, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	found, err := a.store.FiguresOf(ctx, managers, period, codes, c.scope())
	if err != nil {
		return nil, nil, err
	}
	byKey := make(map[figure.Key]FigureRecord, len(found))
	for _, r := range found {
		byKey[r.Key()] = r
	}
	var out []FigureRecord
	var missing []figure.Key
	for _, m := range managers {
		for _, code := range codes {
			k := figure.Key{Manager: m, Period: period, Code: code}
			if r, ok := byKey[k]; ok {
				out = append(out, r)
			} else {
				missing = append(missing, k)
			}
		}
	}
	return out, missing, nil
}
