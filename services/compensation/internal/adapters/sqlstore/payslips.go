package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/compensation/internal/app"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

// WritePayslips adds payslips of one generation with their inputs and claims,
// several hundred a statement.
func (s *Store) WritePayslips(ctx context.Context, run string, generation int, slips []app.PayslipRecord, claims []app.Claim) error {
	rows, err := encodePayslips(slips)
	if err != nil {
		return err
	}
	err = s.db.InsertRows(ctx, `INSERT INTO payslips (run_id, generation, manager_id, display_name, org_unit_id, org_path,
		gross_fen, deductions_fen, net_fen, warnings, summary, body, inputs) VALUES `, len(slips), 13, func(i int) ([]any, error) {
		p, e := slips[i], rows[i]
		m := p.Manager
		return []any{run, generation, m.ID, m.Name, m.OrgUnitID, m.OrgPath, p.Gross.Fen(), p.Deductions.Fen(), p.Net.Fen(),
			len(p.Warnings), e.summary, e.body, e.inputs}, nil
	})
	if err != nil {
		return err
	}
	return s.db.InsertRows(ctx, `INSERT INTO payslip_claims (run_id, generation, manager_id, kind, ref, basis, amount_fen, period,
		orig_run, settle_key, amounts) VALUES `, len(claims), 11, func(i int) ([]any, error) {
		c := claims[i]
		key, amounts := "", "{}"
		if c.Settle != nil {
			var err error
			key = c.Settle.Key
			if amounts, err = toJSON(c.Settle.Amounts); err != nil {
				return nil, err
			}
		}
		return []any{run, generation, c.Manager, c.Kind, c.Ref, c.Basis, c.Amount, c.Period, c.OrigRun, key, amounts}, nil
	})
}

// encodedPayslip is a payslip's JSON columns.
type encodedPayslip struct{ summary, body, inputs string }

// encodePayslips writes the JSON of the payslips on every processor at once:
// encoding, not the database, is most of the work of writing a payslip.
func encodePayslips(slips []app.PayslipRecord) ([]encodedPayslip, error) {
	out := make([]encodedPayslip, len(slips))
	workers := min(runtime.GOMAXPROCS(0), max(len(slips)/50, 1))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(slips); i += workers {
				p := slips[i]
				var e encodedPayslip
				var err1, err2 error
				e.summary, err1 = toJSON(p.Summary())
				e.body, err2 = toJSON(compact(p.Payslip))
				e.inputs = "null"
				var err3 error
				if p.Inputs != nil {
					e.inputs, err3 = toJSON(p.Inputs)
				}
				if err := errors.Join(err1, err2, err3); err != nil {
					errs[w] = err
					return
				}
				out[i] = e
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// DropGenerations removes what unfinished computations left above keep, and
// the payslips and claims of the generations below it.
func (s *Store) DropGenerations(ctx context.Context, run string, keep int) error {
	q := s.db.Q(ctx)
	for _, stmt := range []string{
		`DELETE FROM payslips WHERE run_id = $1 AND generation <> $2`,
		`DELETE FROM payslip_claims WHERE run_id = $1 AND generation <> $2`,
		`DELETE FROM payslip_diffs WHERE run_id = $1 AND generation > $2`,
	} {
		if _, err := q.ExecContext(ctx, stmt, run, keep); err != nil {
			return err
		}
	}
	return nil
}

// Summaries reads a generation's payslips reduced for comparison.
func (s *Store) Summaries(ctx context.Context, run string, generation int) (map[string]pay.Summary, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT manager_id, summary FROM payslips WHERE run_id = $1 AND generation = $2`, run, generation)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]pay.Summary{}
	for rows.Next() {
		var m, doc string
		if err := rows.Scan(&m, &doc); err != nil {
			return nil, err
		}
		var sum pay.Summary
		if err := fromJSON("payslip summary", doc, &sum); err != nil {
			return nil, err
		}
		out[m] = sum
	}
	return out, rows.Err()
}

func fenOrNil(a *money.Amount) any {
	if a == nil {
		return nil
	}
	return a.Fen()
}

// WriteDiffs stores what a generation changed.
func (s *Store) WriteDiffs(ctx context.Context, run string, generation int, changes []pay.Change) error {
	return s.db.InsertRows(ctx, `INSERT INTO payslip_diffs (run_id, generation, manager_id, line_code, display_name, before_fen,
		after_fen) VALUES `, len(changes), 7, func(i int) ([]any, error) {
		c := changes[i]
		return []any{run, generation, c.Manager, c.Code, c.Name, fenOrNil(c.Before), fenOrNil(c.After)}, nil
	})
}

// Diffs reads one page of a generation's differences by manager and line.
func (s *Store) Diffs(ctx context.Context, run string, generation, size int, after string) ([]pay.Change, string, error) {
	afterManager, afterCode := "", ""
	if after != "" {
		raw, err := base64.RawURLEncoding.DecodeString(after)
		m, c, ok := strings.Cut(string(raw), "\x00")
		if err != nil || !ok {
			return nil, "", fmt.Errorf("%w: page_token is damaged; start again without it", app.ErrInvalid)
		}
		afterManager, afterCode = m, c
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT manager_id, line_code, display_name, before_fen, after_fen FROM payslip_diffs
		WHERE run_id = $1 AND generation = $2 AND (manager_id > $3 OR (manager_id = $3 AND line_code > $4))
		ORDER BY manager_id, line_code LIMIT $5`, run, generation, afterManager, afterCode, size+1)
	if err != nil {
		return nil, "", err
	}
	list, err := storage.Collect(rows, func(row storage.Row) (pay.Change, error) {
		var c pay.Change
		var before, after sql.NullInt64
		err := row.Scan(&c.Manager, &c.Code, &c.Name, &before, &after)
		if before.Valid {
			b := money.FromFen(before.Int64)
			c.Before = &b
		}
		if after.Valid {
			a := money.FromFen(after.Int64)
			c.After = &a
		}
		return c, err
	})
	if err != nil || len(list) <= size {
		return list, "", err
	}
	list = list[:size]
	last := list[size-1]
	return list, base64.RawURLEncoding.EncodeToString([]byte(last.Manager + "\x00" + last.Code)), nil
}

const payslipColumns = `p.run_id, p.generation, p.body`

// storedPayslip is a payslip as stored: the sources and descriptions of its
// lines' inputs, which repeat from line to line (and from payslip to
// payslip), are kept once each in Text and named by their index.
type storedPayslip struct {
	pay.Payslip
	Text []string `json:",omitempty"`
}

func compact(p pay.Payslip) storedPayslip {
	out := storedPayslip{Payslip: p}
	index := map[string]int{}
	intern := func(s string) string {
		if s == "" {
			return ""
		}
		i, ok := index[s]
		if !ok {
			i = len(out.Text)
			index[s] = i
			out.Text = append(out.Text, s)
		}
		return "#" + strconv.Itoa(i)
	}
	out.Lines = make([]pay.Line, len(p.Lines))
	for i, l := range p.Lines {
		ins := make([]pay.LineInput, len(l.Inputs))
		for j, in := range l.Inputs {
			in.Source, in.Doc = intern(in.Source), intern(in.Doc)
			ins[j] = in
		}
		l.Inputs = ins
		out.Lines[i] = l
	}
	return out
}

func (s storedPayslip) expand() (pay.Payslip, error) {
	text := func(ref string) (string, error) {
		if ref == "" {
			return "", nil
		}
		i, err := strconv.Atoi(strings.TrimPrefix(ref, "#"))
		if err != nil || i < 0 || i >= len(s.Text) {
			return "", fmt.Errorf("stored payslip: bad text reference %q", ref)
		}
		return s.Text[i], nil
	}
	p := s.Payslip
	for i := range p.Lines {
		for j := range p.Lines[i].Inputs {
			in := &p.Lines[i].Inputs[j]
			var err1, err2 error
			in.Source, err1 = text(in.Source)
			in.Doc, err2 = text(in.Doc)
			if err := errors.Join(err1, err2); err != nil {
				return p, err
			}
		}
	}
	return p, nil
}

func decodePayslip(body string) (pay.Payslip, error) {
	var s storedPayslip
	if err := fromJSON("payslip", body, &s); err != nil {
		return pay.Payslip{}, err
	}
	return s.expand()
}

func scanPayslip(row storage.Row) (app.PayslipRecord, error) {
	var r app.PayslipRecord
	var body string
	if err := row.Scan(&r.RunID, &r.Generation, &body); err != nil {
		return r, err
	}
	var err error
	r.Payslip, err = decodePayslip(body)
	return r, err
}

// Payslip reads one manager's payslip of a generation.
func (s *Store) Payslip(ctx context.Context, run string, generation int, manager string) (app.PayslipRecord, error) {
	r, err := scanPayslip(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+payslipColumns+` FROM payslips p
		WHERE p.run_id = $1 AND p.generation = $2 AND p.manager_id = $3`, run, generation, manager))
	return r, notFound(err, "payrollRuns/%s/payslips/%s", run, manager)
}

// payslipKey identifies a payslip among the current ones: a run and a manager.
const payslipKey = "p.run_id || '/' || p.manager_id"

var payslipSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"manager":  {Column: "p.manager_id", Type: aip.String, Convert: resourceID("managers/", "managers/E3001"), Orderable: true},
		"org_unit": {Column: "p.org_unit_id", Type: aip.String, Convert: resourceID("orgUnits/", "orgUnits/team-lujiazui"), Orderable: true},
		"period":   {Column: "r.period", Type: aip.String, Orderable: true},
	},
	DefaultOrder:    "period desc, manager",
	Tiebreak:        payslipKey,
	DefaultPageSize: 50,
	MaxPageSize:     1000,
}

// ListPayslips reads one page of the current payslips the scope allows: those
// under its path, and Self's own of locked runs.
func (s *Store) ListPayslips(ctx context.Context, req aip.Request, run string, scope app.Scope) ([]app.PayslipRecord, string, error) {
	cond, args := scopeCond(scope, "p.org_path", 1)
	if scope.Self != "" {
		cond = fmt.Sprintf("(%s OR (p.manager_id = $%d AND r.state = 'LOCKED'))", cond, len(args)+1)
		args = append(args, scope.Self)
	}
	if run != "" {
		cond += fmt.Sprintf(" AND p.run_id = $%d", len(args)+1)
		args = append(args, run)
	}
	list, next, err := storage.Page(ctx, s.db, payslipSchema, req, cond, args, `SELECT `+payslipColumns+`, r.period, r.state
		FROM payslips p JOIN payroll_runs r ON r.id = p.run_id AND r.generation = p.generation`,
		func(row storage.Row) (listedPayslip, error) {
			var x listedPayslip
			var body string
			if err := row.Scan(&x.RunID, &x.Generation, &body, &x.period, &x.RunState); err != nil {
				return x, err
			}
			var err error
			x.Payslip, err = decodePayslip(body)
			return x, err
		},
		func(x listedPayslip) map[string]any {
			return map[string]any{payslipKey: x.RunID + "/" + x.Manager.ID, "p.manager_id": x.Manager.ID, "p.org_unit_id": x.Manager.OrgUnitID, "r.period": x.period}
		})
	out := make([]app.PayslipRecord, len(list))
	for i, x := range list {
		out[i] = x.PayslipRecord
	}
	return out, next, err
}

type listedPayslip struct {
	app.PayslipRecord
	period string
}

// PayslipsOf reads every payslip of a generation, by org unit and manager.
func (s *Store) PayslipsOf(ctx context.Context, run string, generation int) ([]app.PayslipRecord, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+payslipColumns+` FROM payslips p WHERE p.run_id = $1 AND p.generation = $2
		ORDER BY p.org_unit_id, p.manager_id`, run, generation)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, scanPayslip)
}

const claimColumns = `manager_id, kind, ref, basis, amount_fen, period, orig_run, settle_key, amounts`

func scanClaim(row storage.Row) (app.Claim, error) {
	var c app.Claim
	var key, amounts string
	if err := row.Scan(&c.Manager, &c.Kind, &c.Ref, &c.Basis, &c.Amount, &c.Period, &c.OrigRun, &key, &amounts); err != nil {
		return c, err
	}
	if c.Kind == "RETRO" {
		st := pay.Settlement{Period: c.Ref, Run: c.OrigRun, Key: key}
		if err := fromJSON("claim", amounts, &st.Amounts); err != nil {
			return c, err
		}
		c.Settle = &st
	}
	return c, nil
}

// Claims reads the claims of a generation.
func (s *Store) Claims(ctx context.Context, run string, generation int) ([]app.Claim, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+claimColumns+` FROM payslip_claims WHERE run_id = $1 AND generation = $2
		ORDER BY manager_id, kind, ref`, run, generation)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, scanClaim)
}

// LockedPayslips reads the payslips of managers in the locked runs, with
// their inputs.
func (s *Store) LockedPayslips(ctx context.Context, runs []app.RunRecord, managers []string) ([]app.LockedPayslip, error) {
	var out []app.LockedPayslip
	for _, r := range runs {
		rows, err := storage.QueryIn(ctx, s.db, `SELECT manager_id, body, inputs FROM payslips WHERE run_id = $1 AND generation = $2
			AND manager_id IN (`, []any{r.ID, r.Generation}, managers, func(row storage.Row) (app.LockedPayslip, error) {
			lp := app.LockedPayslip{RunID: r.ID, Period: r.Period, ConfigKey: r.ConfigKey}
			var body, inputs string
			if err := row.Scan(&lp.Manager, &body, &inputs); err != nil {
				return lp, err
			}
			slip, err := decodePayslip(body)
			if err != nil {
				return lp, err
			}
			lp.Components = slip.Components()
			return lp, fromJSON("payslip inputs", inputs, &lp.Inputs)
		})
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// Settlements reads the latest settlement of managers' months.
func (s *Store) Settlements(ctx context.Context, managers []string) (map[[2]string]app.Settled, error) {
	type row struct {
		manager, period, key, amounts string
		at                            time.Time
	}
	rows, err := storage.QueryIn(ctx, s.db, `SELECT manager_id, period, settle_key, amounts, settled_at FROM retro_settlements
		WHERE manager_id IN (`, nil, managers, func(rw storage.Row) (row, error) {
		var x row
		return x, rw.Scan(&x.manager, &x.period, &x.key, &x.amounts, &x.at)
	})
	if err != nil {
		return nil, err
	}
	latest := map[[2]string]row{}
	for _, x := range rows {
		k := [2]string{x.manager, x.period}
		if prev, ok := latest[k]; !ok || x.at.After(prev.at) {
			latest[k] = x
		}
	}
	out := make(map[[2]string]app.Settled, len(latest))
	for k, x := range latest {
		st := app.Settled{Key: x.key}
		if err := fromJSON("settlement", x.amounts, &st.Amounts); err != nil {
			return nil, err
		}
		out[k] = st
	}
	return out, nil
}

// CommissionPaid reads what locked runs paid on managers' contracts.
func (s *Store) CommissionPaid(ctx context.Context, managers []string) (map[[2]string]app.Paid, error) {
	type row struct {
		manager, contract, run string
		fen                    int64
	}
	rows, err := storage.QueryIn(ctx, s.db, `SELECT manager_id, contract, run_id, amount_fen FROM commission_ledger WHERE manager_id IN (`,
		nil, managers, func(rw storage.Row) (row, error) {
			var x row
			return x, rw.Scan(&x.manager, &x.contract, &x.run, &x.fen)
		})
	if err != nil {
		return nil, err
	}
	out := map[[2]string]app.Paid{}
	for _, x := range rows {
		k := [2]string{x.manager, x.contract}
		p := out[k]
		p.Fen += x.fen
		p.Runs = append(p.Runs, x.run)
		out[k] = p
	}
	return out, nil
}

// Settle records, for a run being locked, the commission it pays and the
// months its retro lines settle.
func (s *Store) Settle(ctx context.Context, run app.RunRecord, claims []app.Claim, at time.Time) error {
	var commission, retro []app.Claim
	for _, c := range claims {
		if c.Kind == "COMMISSION" {
			commission = append(commission, c)
		} else if c.Settle != nil {
			retro = append(retro, c)
		}
	}
	if err := s.db.InsertRows(ctx, `INSERT INTO commission_ledger (manager_id, contract, run_id, period, amount_fen) VALUES `,
		len(commission), 5, func(i int) ([]any, error) {
			c := commission[i]
			return []any{c.Manager, c.Ref, run.ID, run.Period, c.Amount}, nil
		}); err != nil {
		return err
	}
	return s.db.InsertRows(ctx, `INSERT INTO retro_settlements (manager_id, period, settle_key, orig_run, run_id, amounts, settled_at) VALUES `,
		len(retro), 7, func(i int) ([]any, error) {
			c := retro[i]
			amounts, err := toJSON(c.Settle.Amounts)
			return []any{c.Manager, c.Ref, c.Settle.Key, c.OrigRun, run.ID, amounts, at}, err
		})
}
