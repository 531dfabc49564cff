package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	"github.com/rmsuite/rmsuite/services/compensation/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/compensation/internal/app"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

var ctx = context.Background()

func tx(t *testing.T, db *storage.DB, fn func(ctx context.Context) error) error {
	t.Helper()
	return db.InTx(ctx, fn)
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
}

// TestStore is the repository suite, on SQLite and PostgreSQL.
func TestStore(t *testing.T) {
	storagetest.Each(t, []storage.Migrations{sqlstore.Migrations()}, func(t *testing.T, db *storage.DB) {
		s := sqlstore.New(db)
		now := storage.Now()
		t.Run("configs", func(t *testing.T) { configs(t, db, s, now) })
		t.Run("inputs", func(t *testing.T) { inputs(t, db, s, now) })
		t.Run("runs", func(t *testing.T) { runs(t, db, s, now) })
		t.Run("operations", func(t *testing.T) { operations(t, db, s, now) })
		t.Run("payslips", func(t *testing.T) { payslips(t, db, s, now) })
	})
}

func configs(t *testing.T, db *storage.DB, s *sqlstore.Store, now time.Time) {
	c := pay.Default()
	stamp0, err := s.ConfigStamp(ctx)
	ok(t, err)
	ok(t, tx(t, db, func(ctx context.Context) error {
		return s.InsertConfig(ctx, app.ConfigRecord{Config: c, CreateTime: now, UpdateTime: now, UpdatedBy: "E0002"})
	}))
	err = tx(t, db, func(ctx context.Context) error {
		return s.InsertConfig(ctx, app.ConfigRecord{Config: c, CreateTime: now, UpdateTime: now, UpdatedBy: "E0002"})
	})
	wantErr(t, "the same revision twice", err, app.ErrExists)
	c2 := c
	c2.Revision, c2.Standard = 2, money.FromFen(650000)
	later := pay.Default()
	later.Effective, later.Description = civil.MustParse("2027-01-01"), "2027"
	ok(t, tx(t, db, func(ctx context.Context) error {
		if err := s.InsertConfig(ctx, app.ConfigRecord{Config: c2, CreateTime: now, UpdateTime: now, UpdatedBy: "E0002"}); err != nil {
			return err
		}
		return s.InsertConfig(ctx, app.ConfigRecord{Config: later, CreateTime: now, UpdateTime: now, UpdatedBy: "E0002"})
	}))
	versions, err := s.ConfigVersions(ctx)
	ok(t, err)
	if len(versions) != 2 || versions[0].Revision != 2 || versions[0].Standard.String() != "6500.00" || versions[1].Description != "2027" {
		t.Fatalf("versions: %+v", versions)
	}
	// What comes back compiles to the same plan: every field survives.
	if _, err := versions[0].Compile(); err != nil {
		t.Fatalf("stored configuration no longer compiles: %v", err)
	}
	if got := versions[1].Config; fmt.Sprint(got.Components, got.GradeRates, got.Parameters, got.CommissionRules, got.SupervisorLevels) !=
		fmt.Sprint(later.Components, later.GradeRates, later.Parameters, later.CommissionRules, later.SupervisorLevels) {
		t.Errorf("round trip changed the configuration")
	}
	first, err := s.Config(ctx, c.Effective, 1)
	ok(t, err)
	if first.Standard.String() != "6000.00" {
		t.Errorf("revision 1: %s", first.Standard)
	}
	_, err = s.Config(ctx, civil.MustParse("2030-01-01"), 0)
	wantErr(t, "no such version", err, app.ErrNotFound)
	stamp1, err := s.ConfigStamp(ctx)
	ok(t, err)
	if stamp1 == stamp0 {
		t.Error("the stamp did not change when revisions were added")
	}
}

func inputRec(id, manager, period string, kind pay.InputKind, value, contract string, now time.Time) app.InputRecord {
	return app.InputRecord{PayInput: pay.PayInput{ID: id, Kind: kind, Value: money.MustParseDecimal(value), Contract: contract, Code: "X"},
		Manager: manager, Period: period, OrgPath: "/ho/a/", CreateTime: now, CreatedBy: "E0002"}
}

func inputs(t *testing.T, db *storage.DB, s *sqlstore.Store, now time.Time) {
	recs := []app.InputRecord{
		inputRec("i1", "M1", "2026-11", pay.MarketingExpense, "2000.00", "", now),
		inputRec("i2", "M1", "2026-11", pay.DaysWorked, "21", "", now),
		inputRec("i3", "M1", "2026-10", pay.CommissionContract, "1000000.00", "K1", now),
		inputRec("i4", "M1", "2026-11", pay.Collection, "-5.50", "K1", now),
		inputRec("i5", "M1", "2026-12", pay.Collection, "7.00", "K1", now),
		inputRec("i6", "M2", "2026-11", pay.Award, "300.00", "", now),
	}
	recs[5].OrgPath = "/ho/b/"
	ok(t, tx(t, db, func(ctx context.Context) error { return s.InsertInputs(ctx, recs) }))
	for _, dup := range []app.InputRecord{inputRec("d1", "M1", "2026-11", pay.DaysWorked, "20", "", now),
		inputRec("d2", "M1", "2026-12", pay.CommissionContract, "5.00", "K1", now)} {
		err := tx(t, db, func(ctx context.Context) error { return s.InsertInputs(ctx, []app.InputRecord{dup}) })
		wantErr(t, "second "+dup.ID, err, app.ErrExists)
	}
	month, err := s.InputsOf(ctx, "2026-11", []string{"M1", "M2"})
	ok(t, err)
	if len(month) != 3 {
		t.Errorf("the month's inputs, contracts and collections aside: %d", len(month))
	}
	k, err := s.ContractsOf(ctx, []string{"M1"}, "2026-11")
	ok(t, err)
	if len(k) != 2 {
		t.Errorf("contracts and collections up to November: %d", len(k))
	}
	if r, err := s.Contract(ctx, "M1", "K1"); err != nil || r.ID != "i3" || r.Value.String() != "1000000.00" {
		t.Errorf("contract: %+v %v", r, err)
	}
	page, _, err := s.ListInputs(ctx, aip.Request{Filter: "kind = KIND_AWARD"}, app.Scope{All: true})
	ok(t, err)
	if len(page) != 1 || page[0].ID != "i6" {
		t.Errorf("awards: %+v", page)
	}
	page, _, err = s.ListInputs(ctx, aip.Request{}, app.Scope{Path: "/ho/a/"})
	ok(t, err)
	if len(page) != 5 {
		t.Errorf("inputs under /ho/a/: %d", len(page))
	}
	ok(t, tx(t, db, func(ctx context.Context) error { return s.DeleteInput(ctx, "i6") }))
	_, err = s.Input(ctx, "i6")
	wantErr(t, "deleted input", err, app.ErrNotFound)
}

func newRun(id, period, unit, path string, now time.Time) app.RunRecord {
	return app.RunRecord{ID: id, Period: period, OrgUnitID: unit, OrgPath: path, State: app.Draft, CreatedBy: "E0002",
		CreateTime: now, UpdateTime: now, Revision: 1}
}

func runs(t *testing.T, db *storage.DB, s *sqlstore.Store, now time.Time) {
	ok(t, tx(t, db, func(ctx context.Context) error {
		if err := s.LockPeriod(ctx, "2026-11"); err != nil {
			return err
		}
		if err := s.LockPeriod(ctx, "2026-11"); err != nil { // a second run of the month
			return err
		}
		return s.InsertRun(ctx, newRun("r1", "2026-11", "a", "/ho/a/", now))
	}))
	err := tx(t, db, func(ctx context.Context) error { return s.InsertRun(ctx, newRun("r2", "2026-11", "a", "/ho/a/", now)) })
	wantErr(t, "a second run of the month and unit", err, app.ErrExists)
	r, err := s.Run(ctx, "r1")
	ok(t, err)
	if r.State != app.Draft || r.Op != nil {
		t.Fatalf("new run: %+v", r)
	}
	stale := r
	r.State, r.Revision = app.Discarded, 2
	ok(t, tx(t, db, func(ctx context.Context) error { return s.UpdateRun(ctx, r) }))
	stale.Revision = 2
	err = tx(t, db, func(ctx context.Context) error { return s.UpdateRun(ctx, stale) })
	wantErr(t, "a stale update", err, app.ErrConflict)
	// A discarded run frees its month and unit.
	ok(t, tx(t, db, func(ctx context.Context) error { return s.InsertRun(ctx, newRun("r2", "2026-11", "a", "/ho/a/", now)) }))
	of, err := s.RunsOf(ctx, "2026-11")
	ok(t, err)
	if len(of) != 1 || of[0].ID != "r2" {
		t.Errorf("runs of November: %+v", of)
	}
	list, _, err := s.ListRuns(ctx, aip.Request{Filter: `state = STATE_DISCARDED`}, app.Scope{Path: "/ho/"})
	ok(t, err)
	if len(list) != 1 || list[0].ID != "r1" {
		t.Errorf("discarded runs: %+v", list)
	}
	list, _, err = s.ListRuns(ctx, aip.Request{}, app.Scope{Path: "/ho/b/"})
	ok(t, err)
	if len(list) != 0 {
		t.Errorf("runs outside the scope: %+v", list)
	}
}

func operations(t *testing.T, db *storage.DB, s *sqlstore.Store, now time.Time) {
	ok(t, tx(t, db, func(ctx context.Context) error {
		return s.InsertRun(ctx, newRun("op-run", "2026-08", "a", "/ho/a/", now))
	}))
	op := app.OpRecord{ID: "op1", RunID: "op-run", Generation: 1, State: app.OpRunning, Phase: "queued", RequestedBy: "E0002",
		StartTime: now, LeaseUntil: time.Unix(0, 0).UTC()}
	ok(t, tx(t, db, func(ctx context.Context) error { return s.InsertOperation(ctx, op) }))
	claim := func(owner string, at time.Time) (app.OpRecord, bool) {
		var o app.OpRecord
		var got bool
		ok(t, tx(t, db, func(ctx context.Context) error {
			var err error
			o, got, err = s.ClaimOperation(ctx, owner, at, at.Add(time.Minute))
			return err
		}))
		return o, got
	}
	a, got := claim("A", now)
	if !got || a.ID != "op1" || a.LeaseOwner != "A" {
		t.Fatalf("first claim: %+v %v", a, got)
	}
	if _, got := claim("B", now.Add(30*time.Second)); got {
		t.Fatal("claimed while another instance holds the lease")
	}
	ok(t, tx(t, db, func(ctx context.Context) error { return s.RequestCancel(ctx, "op1") }))
	a.Phase, a.Percent = "writing", 70
	progress := func(o app.OpRecord) (bool, error) {
		var cancel bool
		err := tx(t, db, func(ctx context.Context) error {
			var err error
			cancel, err = s.Progress(ctx, o)
			return err
		})
		return cancel, err
	}
	cancel, err := progress(a)
	ok(t, err)
	if !cancel {
		t.Error("progress does not report the cancellation")
	}
	// The lease ran out: B takes it over, and A's progress is refused.
	b, got := claim("B", now.Add(2*time.Minute))
	if !got || b.LeaseOwner != "B" || b.Phase != "writing" {
		t.Fatalf("claim after the lease: %+v %v", b, got)
	}
	_, err = progress(a)
	wantErr(t, "the old owner's progress", err, app.ErrConflict)
	b.State, b.EndTime = app.OpCancelled, now
	ok(t, tx(t, db, func(ctx context.Context) error { return s.FinishOperation(ctx, b) }))
	if o, err := s.Operation(ctx, "op1"); err != nil || o.State != app.OpCancelled || !o.CancelRequested || o.EndTime.IsZero() {
		t.Errorf("finished: %+v %v", o, err)
	}
	if _, got := claim("C", now.Add(time.Hour)); got {
		t.Error("a finished computation was claimed")
	}
}

func slip(manager, unit, path string, fen int64) app.PayslipRecord {
	in := pay.Inputs{Period: pay.MustPeriod("2026-07"), Manager: pay.Manager{ID: manager}}
	return app.PayslipRecord{Payslip: pay.Payslip{Period: pay.MustPeriod("2026-07"),
		Manager: pay.Manager{ID: manager, Name: "经理" + manager, OrgUnitID: unit, OrgPath: path},
		Lines: []pay.Line{{Code: "BASE", Name: "基本报酬", Kind: pay.Earning, Amount: money.FromFen(fen), Component: "BASE", Formula: "S",
			Inputs: []pay.LineInput{{Name: "S", Value: money.MustParseDecimal("6000.00"), Source: "the pay table", Doc: "base standard"}}}},
		Gross: money.FromFen(fen), Net: money.FromFen(fen), ConfigKey: "2000-01-01#1"}, Inputs: &in}
}

func payslips(t *testing.T, db *storage.DB, s *sqlstore.Store, now time.Time) {
	run := newRun("p-run", "2026-07", "ho", "/ho/", now)
	ok(t, tx(t, db, func(ctx context.Context) error { return s.InsertRun(ctx, run) }))
	write := func(gen int, fen int64, claims []app.Claim) {
		ok(t, tx(t, db, func(ctx context.Context) error {
			return s.WritePayslips(ctx, run.ID, gen, []app.PayslipRecord{slip("M1", "a", "/ho/a/", fen), slip("M2", "b", "/ho/b/", fen)}, claims)
		}))
	}
	write(1, 600000, nil)
	ok(t, tx(t, db, func(ctx context.Context) error { return s.DropGenerations(ctx, run.ID, 1) }))
	run.Generation, run.State, run.Revision = 1, app.Computed, 2
	ok(t, tx(t, db, func(ctx context.Context) error { return s.UpdateRun(ctx, run) }))
	// Generation 2 is written beside 1 (a computation in progress): readers still see 1.
	write(2, 650000, []app.Claim{{Manager: "M1", Kind: "COMMISSION", Ref: "K1", Basis: "0", Amount: 2000, Period: "2026-07"},
		{Manager: "M2", Kind: "RETRO", Ref: "2026-06", Basis: "2000-01-01#1", OrigRun: "old",
			Settle: &pay.Settlement{Period: "2026-06", Run: "old", Key: "2000-01-01#2", Amounts: map[string]int64{"BASE": 650000}}}})
	list, _, err := s.ListPayslips(ctx, aip.Request{}, run.ID, app.Scope{All: true})
	ok(t, err)
	if len(list) != 2 || list[0].Lines[0].Amount.String() != "6000.00" || list[0].Lines[0].Inputs[0].Source != "the pay table" ||
		list[0].Lines[0].Inputs[0].Doc != "base standard" {
		t.Fatalf("current generation while the next is written: %+v", list)
	}
	sums, err := s.Summaries(ctx, run.ID, 2)
	ok(t, err)
	if sums["M1"].Net.String() != "6500.00" {
		t.Errorf("summary of generation 2: %+v", sums["M1"])
	}
	// Switch to generation 2: generation 1 goes.
	ok(t, tx(t, db, func(ctx context.Context) error {
		a, b := money.FromFen(600000), money.FromFen(650000)
		if err := s.WriteDiffs(ctx, run.ID, 2, []pay.Change{{Manager: "M1", Code: "BASE", Name: "基本报酬", Before: &a, After: &b},
			{Manager: "M1", Code: "NET", Name: "实发", Before: &a, After: &b}, {Manager: "M2", Code: "AWARD/x", Name: "奖励", After: &b}}); err != nil {
			return err
		}
		if err := s.DropGenerations(ctx, run.ID, 2); err != nil {
			return err
		}
		run.Generation, run.Revision = 2, 3
		return s.UpdateRun(ctx, run)
	}))
	if _, err := s.Payslip(ctx, run.ID, 1, "M1"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("generation 1 after the switch: %v", err)
	}
	page, next, err := s.Diffs(ctx, run.ID, 2, 2, "")
	ok(t, err)
	rest, last, err := s.Diffs(ctx, run.ID, 2, 2, next)
	ok(t, err)
	if len(page) != 2 || next == "" || len(rest) != 1 || last != "" || rest[0].Manager != "M2" || rest[0].Before != nil || rest[0].After.String() != "6500.00" {
		t.Errorf("diffs: %+v / %+v", page, rest)
	}
	claims, err := s.Claims(ctx, run.ID, 2)
	ok(t, err)
	if len(claims) != 2 || claims[1].Settle == nil || claims[1].Settle.Amounts["BASE"] != 650000 {
		t.Fatalf("claims: %+v", claims)
	}
	// Scope: HR of a subtree sees its payslips; a manager sees their own only once locked.
	mine, _, err := s.ListPayslips(ctx, aip.Request{}, "", app.Scope{Self: "M1"})
	ok(t, err)
	if len(mine) != 0 {
		t.Errorf("own payslip of an open run: %d", len(mine))
	}
	sub, _, err := s.ListPayslips(ctx, aip.Request{}, "", app.Scope{Path: "/ho/b/"})
	ok(t, err)
	if len(sub) != 1 || sub[0].Manager.ID != "M2" {
		t.Errorf("subtree: %+v", sub)
	}

	// Lock: settle, then the run and its payslips never change.
	run.State, run.Revision, run.LockTime = app.Locked, 4, now
	ok(t, tx(t, db, func(ctx context.Context) error {
		if err := s.Settle(ctx, run, claims, now); err != nil {
			return err
		}
		return s.UpdateRun(ctx, run)
	}))
	mine, _, err = s.ListPayslips(ctx, aip.Request{}, "", app.Scope{Self: "M1"})
	ok(t, err)
	if len(mine) != 1 {
		t.Errorf("own payslip of a locked run: %d", len(mine))
	}
	paid, err := s.CommissionPaid(ctx, []string{"M1"})
	ok(t, err)
	if p := paid[[2]string{"M1", "K1"}]; p.Fen != 2000 || len(p.Runs) != 1 {
		t.Errorf("commission paid: %+v", paid)
	}
	settled, err := s.Settlements(ctx, []string{"M2"})
	ok(t, err)
	if st := settled[[2]string{"M2", "2026-06"}]; st.Key != "2000-01-01#2" || st.Amounts["BASE"] != 650000 {
		t.Errorf("settlements: %+v", settled)
	}
	locked, err := s.LockedIn(ctx, "2026-07", []string{"M1", "M3"})
	ok(t, err)
	if len(locked) != 1 || locked["M1"] != run.ID {
		t.Errorf("locked in July: %v", locked)
	}
	before, err := s.LockedRunsBefore(ctx, "2026-08")
	ok(t, err)
	if len(before) != 1 || before[0].ID != run.ID {
		t.Errorf("locked runs before August: %+v", before)
	}
	for what, stmt := range map[string]string{
		"update a locked run":              `UPDATE payroll_runs SET state = 'COMPUTED' WHERE id = 'p-run'`,
		"delete a locked run":              `DELETE FROM payroll_runs WHERE id = 'p-run'`,
		"change a payslip of a locked run": `UPDATE payslips SET net_fen = 1, gross_fen = 1 WHERE run_id = 'p-run'`,
		"delete a payslip of a locked run": `DELETE FROM payslips WHERE run_id = 'p-run'`,
	} {
		if err := tx(t, db, func(ctx context.Context) error {
			_, err := db.Q(ctx).ExecContext(ctx, stmt)
			return err
		}); err == nil {
			t.Errorf("the database let %s", what)
		}
	}
	err = tx(t, db, func(ctx context.Context) error {
		return s.WritePayslips(ctx, run.ID, 3, []app.PayslipRecord{slip("M9", "a", "/ho/a/", 1)}, nil)
	})
	if err == nil {
		t.Error("the database let a payslip be added to a locked run")
	}
	run.Revision = 5
	err = tx(t, db, func(ctx context.Context) error { return s.UpdateRun(ctx, run) })
	if err == nil {
		t.Error("a locked run was updated")
	}
}
