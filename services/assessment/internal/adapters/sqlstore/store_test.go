package sqlstore_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	"github.com/rmsuite/rmsuite/services/assessment/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/template"
)

var ctx = context.Background()

var t0 = time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC)

// each runs suite on a fresh, migrated database of every backend.
func each(t *testing.T, suite func(t *testing.T, db *storage.DB, s *sqlstore.Store)) {
	storagetest.Each(t, []storage.Migrations{sqlstore.Migrations()}, func(t *testing.T, db *storage.DB) {
		suite(t, db, sqlstore.New(db))
	})
}

// write runs fn in a transaction and fails the test on error.
func write(t *testing.T, db *storage.DB, fn func(ctx context.Context) error) {
	t.Helper()
	if err := db.InTx(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func defaultIndicators() []app.IndicatorRecord {
	var out []app.IndicatorRecord
	for _, ind := range indicator.DefaultIndicators() {
		out = append(out, app.IndicatorRecord{Indicator: ind, Revision: 1, CreateTime: t0, UpdateTime: t0, UpdatedBy: "system"})
	}
	return out
}

func TestIndicators(t *testing.T) {
	each(t, func(t *testing.T, db *storage.DB, s *sqlstore.Store) {
		if n, err := s.CountIndicators(ctx); err != nil || n != 0 {
			t.Fatalf("empty: %d %v", n, err)
		}
		write(t, db, func(ctx context.Context) error { return s.InsertIndicators(ctx, defaultIndicators()) })
		if n, _ := s.CountIndicators(ctx); n != 15 {
			t.Fatalf("%d indicators, want 15", n)
		}
		err := db.InTx(ctx, func(ctx context.Context) error { return s.InsertIndicators(ctx, defaultIndicators()[:1]) })
		if !errors.Is(err, app.ErrExists) {
			t.Fatalf("duplicate code: %v", err)
		}

		// Rules come back exactly, trailing zeros included.
		dep, err := s.Indicator(ctx, indicator.DepositDailyAvg)
		if err != nil || dep.Rule.Linear == nil || dep.Rule.Linear.Target.String() != "10000000.00" || dep.Rule.Linear.Cap.String() != "1.2" ||
			dep.Unit != indicator.UnitCNY || dep.Name != "存款日均余额" || !dep.CreateTime.Equal(t0) || dep.Etag() != `W/"1"` {
			t.Fatalf("deposit indicator: %+v %v", dep, err)
		}
		sat, _ := s.Indicator(ctx, indicator.CustomerSatisfaction)
		if sat.Rule.Banded == nil || len(sat.Rule.Banded.Bands) != 5 || sat.Rule.Banded.Bands[2].Ratio.String() != "0.80" ||
			sat.Rule.Banded.Bands[4].Label != "非常满意" {
			t.Fatalf("satisfaction bands: %+v", sat.Rule)
		}
		if _, err := s.Indicator(ctx, "NOPE"); !errors.Is(err, app.ErrNotFound) {
			t.Fatalf("missing indicator: %v", err)
		}

		// Filters and pages.
		imported, next, err := s.ListIndicators(ctx, aip.Request{Filter: "source = SOURCE_IMPORTED"})
		if err != nil || len(imported) != 6 || next != "" || imported[0].Code != indicator.ComplianceBreaches {
			t.Fatalf("imported: %d %q %v", len(imported), next, err)
		}
		var codes []string
		req := aip.Request{PageSize: 4, Filter: "dimension = DIMENSION_SERVICE_QUALITY OR dimension = DIMENSION_BUSINESS_RESULTS"}
		for {
			got, next, err := s.ListIndicators(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range got {
				codes = append(codes, r.Code)
			}
			if next == "" {
				break
			}
			req.PageToken = next
		}
		if len(codes) != 9 || !slices.IsSorted(codes) {
			t.Fatalf("paged business and service indicators: %v", codes)
		}
		if _, _, err := s.ListIndicators(ctx, aip.Request{Filter: "dimension = SALES"}); err == nil {
			t.Fatal("unknown enum value accepted")
		}

		// Optimistic concurrency.
		dep.Rule.Linear.Cap = money.MustParseDecimal("1.5")
		dep.Revision, dep.UpdateTime, dep.UpdatedBy = 2, t0.Add(time.Hour), "E9001"
		write(t, db, func(ctx context.Context) error { return s.UpdateIndicator(ctx, dep) })
		got, _ := s.Indicator(ctx, indicator.DepositDailyAvg)
		if got.Revision != 2 || got.Rule.Linear.Cap.String() != "1.5" || got.UpdatedBy != "E9001" || !got.CreateTime.Equal(t0) {
			t.Fatalf("after update: %+v", got)
		}
		err = db.InTx(ctx, func(ctx context.Context) error { return s.UpdateIndicator(ctx, dep) }) // revision 2 again: stale
		if !errors.Is(err, app.ErrConflict) {
			t.Fatalf("stale update: %v", err)
		}
	})
}

func TestTemplates(t *testing.T) {
	each(t, func(t *testing.T, db *storage.DB, s *sqlstore.Store) {
		var recs []app.TemplateRecord
		for _, tp := range template.DefaultTemplates() {
			r := app.TemplateRecord{Template: tp, Revision: 1, CreateTime: t0, UpdateTime: t0, UpdatedBy: "system"}
			for _, a := range template.DefaultAssignments() {
				if a.Template == tp.Code {
					r.Levels = append(r.Levels, a)
				}
			}
			recs = append(recs, r)
		}
		write(t, db, func(ctx context.Context) error { return s.InsertTemplates(ctx, recs) })
		if n, _ := s.CountTemplates(ctx); n != 3 {
			t.Fatalf("%d templates", n)
		}
		mid, err := s.Template(ctx, template.Middle)
		if err != nil || len(mid.Lines) != 13 || mid.Tier != template.TierMiddle || len(mid.Levels) != 5 ||
			mid.Levels[0] != (template.Assignment{Ladder: "bank", Level: "L2", Template: template.Middle}) {
			t.Fatalf("MIDDLE: %+v %v", mid, err)
		}
		if err := mid.Validate(indicator.DefaultLibrary()); err != nil {
			t.Fatalf("MIDDLE read back invalid: %v", err)
		}
		seniors, _, err := s.ListTemplates(ctx, aip.Request{Filter: "tier = TIER_SENIOR"})
		if err != nil || len(seniors) != 1 || seniors[0].Code != template.Senior {
			t.Fatalf("senior templates: %v %v", seniors, err)
		}
		mid.Lines = mid.Lines[:2]
		mid.Lines[0].Weight, mid.Lines[1].Weight = money.MustParseDecimal("62.50"), money.MustParseDecimal("37.5")
		mid.Levels = nil
		mid.Revision = 2
		write(t, db, func(ctx context.Context) error { return s.UpdateTemplate(ctx, mid) })
		got, _ := s.Template(ctx, template.Middle)
		if len(got.Lines) != 2 || got.Lines[0].Weight.String() != "62.50" || len(got.Levels) != 0 || got.Revision != 2 {
			t.Fatalf("after update: %+v", got)
		}
		if err := db.InTx(ctx, func(ctx context.Context) error { return s.UpdateTemplate(ctx, mid) }); !errors.Is(err, app.ErrConflict) {
			t.Fatalf("stale update: %v", err)
		}
		if _, err := s.Template(ctx, "NOPE"); !errors.Is(err, app.ErrNotFound) {
			t.Fatalf("missing template: %v", err)
		}
	})
}

func fig(manager, period, code, value string, unit indicator.Unit) figure.Figure {
	p, err := figure.ParsePeriod(period)
	if err != nil {
		panic(err)
	}
	return figure.Figure{Manager: manager, Period: p, Code: code, Unit: unit, Value: money.MustParseDecimal(value)}
}

// importBatch claims a batch and writes its figures with the given revisions,
// as app.Import does.
func importBatch(t *testing.T, db *storage.DB, s *sqlstore.Store, id string, at time.Time, recs []app.FigureRecord, corrections []app.Correction) {
	t.Helper()
	write(t, db, func(ctx context.Context) error {
		b := app.BatchRecord{ID: id, Source: "core-banking", Fingerprint: "fp-" + id, Rows: len(recs), ImportTime: at, ImportedBy: "svc:cbs"}
		if _, claimed, err := s.ClaimBatch(ctx, b); err != nil || !claimed {
			t.Fatalf("claim %s: %v %v", id, claimed, err)
		}
		for i := range recs {
			recs[i].BatchID, recs[i].Source, recs[i].UpdateTime = id, "core-banking", at
			if recs[i].CreateTime.IsZero() {
				recs[i].CreateTime = at
			}
		}
		if err := s.WriteFigures(ctx, recs, "svc:cbs"); err != nil {
			return err
		}
		b.Created, b.Corrected, b.Corrections = len(recs)-len(corrections), len(corrections), corrections
		return s.FinishBatch(ctx, b)
	})
}

func TestFigures(t *testing.T) {
	each(t, func(t *testing.T, db *storage.DB, s *sqlstore.Store) {
		teamA, teamB := "/head/branch-east/team-a/", "/head/branch-west/team-b/"
		rec := func(f figure.Figure, unit, path string) app.FigureRecord {
			return app.FigureRecord{Figure: f, Revision: 1, OrgUnitID: unit, OrgPath: path}
		}
		importBatch(t, db, s, "b1", t0, []app.FigureRecord{
			rec(fig("M1", "2026-04", indicator.DepositDailyAvg, "12345678.90", indicator.UnitCNY), "team-a", teamA),
			rec(fig("M1", "2026-04", figure.ContractsSigned, "7", indicator.UnitCount), "team-a", teamA),
			rec(fig("M2", "2026-04", indicator.DepositDailyAvg, "5000000.00", indicator.UnitCNY), "team-a", teamA),
			rec(fig("M3", "2026-04", indicator.DepositDailyAvg, "100.00", indicator.UnitCNY), "team-b", teamB),
			rec(fig("M1", "2026-Q1", indicator.NPLRatio, "1.2500", indicator.UnitPercent), "team-a", teamA),
		}, nil)

		// The batch, and a second claim of its id.
		b, err := s.Batch(ctx, "b1")
		if err != nil || b.Rows != 5 || b.Created != 5 || b.Fingerprint != "fp-b1" || !b.ImportTime.Equal(t0) || b.ImportedBy != "svc:cbs" {
			t.Fatalf("batch b1: %+v %v", b, err)
		}
		write(t, db, func(ctx context.Context) error {
			prev, claimed, err := s.ClaimBatch(ctx, app.BatchRecord{ID: "b1", Fingerprint: "other", Source: "x", ImportTime: t0})
			if err != nil || claimed || prev.Fingerprint != "fp-b1" || prev.Rows != 5 {
				t.Fatalf("second claim of b1: %+v %v %v", prev, claimed, err)
			}
			return nil
		})
		if _, err := s.Batch(ctx, "nope"); !errors.Is(err, app.ErrNotFound) {
			t.Fatalf("missing batch: %v", err)
		}

		key := figure.Key{Manager: "M1", Period: "2026-04", Code: indicator.DepositDailyAvg}
		got, err := s.Figure(ctx, key)
		if err != nil || got.Value.String() != "12345678.90" || got.Revision != 1 || got.BatchID != "b1" || got.OrgPath != teamA ||
			got.Unit != indicator.UnitCNY || got.Period.String() != "2026-04" {
			t.Fatalf("figure: %+v %v", got, err)
		}
		if npl, _ := s.Figure(ctx, figure.Key{Manager: "M1", Period: "2026-Q1", Code: indicator.NPLRatio}); npl.Value.String() != "1.2500" {
			t.Fatalf("NPL ratio lost its digits: %s", npl.Value)
		}
		if has, err := s.HasFigures(ctx, indicator.DepositDailyAvg); !has || err != nil {
			t.Fatalf("has deposit figures: %v %v", has, err)
		}
		if has, _ := s.HasFigures(ctx, indicator.LoanDailyAvg); has {
			t.Fatal("has loan figures")
		}

		// A correction replaces the value and keeps both in the history.
		byKey, err := s.FiguresByKey(ctx, []figure.Key{key, {Manager: "M9", Period: "2026-04", Code: indicator.DepositDailyAvg}})
		if err != nil || len(byKey) != 1 || byKey[key].Revision != 1 {
			t.Fatalf("figures by key: %v %v", byKey, err)
		}
		corr := byKey[key]
		corr.Revision, corr.Value = 2, money.MustParseDecimal("12345679.00")
		t1 := t0.Add(24 * time.Hour)
		importBatch(t, db, s, "b2", t1, []app.FigureRecord{corr},
			[]app.Correction{{Key: key, Previous: byKey[key].Value, Value: corr.Value, PreviousBatch: "b1"}})
		got, _ = s.Figure(ctx, key)
		if got.Value.String() != "12345679.00" || got.Revision != 2 || got.BatchID != "b2" || !got.CreateTime.Equal(t0) || !got.UpdateTime.Equal(t1) {
			t.Fatalf("corrected: %+v", got)
		}
		hist, err := s.History(ctx, key)
		if err != nil || len(hist) != 2 || hist[0].Revision != 2 || hist[0].Value.String() != "12345679.00" || hist[0].BatchID != "b2" ||
			hist[1].Value.String() != "12345678.90" || hist[1].BatchID != "b1" || !hist[1].RecordTime.Equal(t0) || hist[1].RecordedBy != "svc:cbs" {
			t.Fatalf("history: %+v %v", hist, err)
		}
		b2, _ := s.Batch(ctx, "b2")
		if b2.Corrected != 1 || len(b2.Corrections) != 1 || b2.Corrections[0].Previous.String() != "12345678.90" || b2.Corrections[0].Key != key {
			t.Fatalf("batch b2: %+v", b2)
		}
		// Revision 2 written again: the stored one is 2 already, so it is stale.
		err = db.InTx(ctx, func(ctx context.Context) error {
			if _, _, err := s.ClaimBatch(ctx, app.BatchRecord{ID: "b3", Fingerprint: "fp", Source: "x", ImportTime: t1}); err != nil {
				return err
			}
			c := corr
			c.BatchID = "b3"
			return s.WriteFigures(ctx, []app.FigureRecord{c}, "svc:cbs")
		})
		if !errors.Is(err, app.ErrConflict) {
			t.Fatalf("stale correction: %v", err)
		}
		// A figure created twice.
		err = db.InTx(ctx, func(ctx context.Context) error {
			if _, _, err := s.ClaimBatch(ctx, app.BatchRecord{ID: "b4", Fingerprint: "fp", Source: "x", ImportTime: t1}); err != nil {
				return err
			}
			r := rec(fig("M2", "2026-04", indicator.DepositDailyAvg, "1.00", indicator.UnitCNY), "team-a", teamA)
			r.BatchID, r.CreateTime, r.UpdateTime = "b4", t1, t1
			return s.WriteFigures(ctx, []app.FigureRecord{r}, "svc:cbs")
		})
		if !errors.Is(err, app.ErrConflict) {
			t.Fatalf("figure created twice: %v", err)
		}

		// Scope: everyone, a subtree (and one's own), one's own only.
		names := func(rs []app.FigureRecord) []string {
			var out []string
			for _, r := range rs {
				out = append(out, r.Manager+"/"+r.Period.String()+"/"+r.Code)
			}
			return out
		}
		all, _, err := s.ListFigures(ctx, aip.Request{}, app.Scope{All: true}, "", "")
		if err != nil || len(all) != 5 {
			t.Fatalf("all: %v %v", names(all), err)
		}
		if all[0].Period.String() != "2026-Q1" { // period desc: "2026-Q1" sorts after "2026-04"
			t.Errorf("default order: %v", names(all))
		}
		teamOnly, _, _ := s.ListFigures(ctx, aip.Request{}, app.Scope{Path: "/head/branch-east/", Self: "S1"}, "", "2026-04")
		if got := names(teamOnly); len(got) != 3 || slices.Contains(got, "M3/2026-04/DEPOSIT_DAILY_AVG") {
			t.Errorf("branch east, April: %v", got)
		}
		own, _, _ := s.ListFigures(ctx, aip.Request{}, app.Scope{Self: "M3"}, "", "")
		if got := names(own); !slices.Equal(got, []string{"M3/2026-04/DEPOSIT_DAILY_AVG"}) {
			t.Errorf("M3's own: %v", got)
		}
		peer, _, _ := s.ListFigures(ctx, aip.Request{}, app.Scope{Self: "M3"}, "M1", "")
		if len(peer) != 0 {
			t.Errorf("M3 listing M1's: %v", names(peer))
		}
		byUnit, _, err := s.ListFigures(ctx, aip.Request{Filter: `org_unit = "orgUnits/branch-west"`}, app.Scope{All: true}, "", "")
		if got := names(byUnit); err != nil || !slices.Equal(got, []string{"M3/2026-04/DEPOSIT_DAILY_AVG"}) {
			t.Errorf("branch west: %v %v", got, err)
		}
		byCode, _, _ := s.ListFigures(ctx, aip.Request{Filter: `code = "DEPOSIT_DAILY_AVG" AND batch = "figureBatches/b2"`}, app.Scope{All: true}, "", "")
		if got := names(byCode); !slices.Equal(got, []string{"M1/2026-04/DEPOSIT_DAILY_AVG"}) {
			t.Errorf("deposits of b2: %v", got)
		}
		var paged []string
		req := aip.Request{PageSize: 2, OrderBy: "code, period"}
		for {
			got, next, err := s.ListFigures(ctx, req, app.Scope{All: true}, "", "")
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, names(got)...)
			if next == "" {
				break
			}
			req.PageToken = next
		}
		if len(paged) != 5 || paged[0] != "M1/2026-04/CONTRACTS_SIGNED" {
			t.Errorf("paged by code: %v", paged)
		}

		// Batch reads, scoped.
		codes := []string{indicator.DepositDailyAvg, figure.ContractsSigned, indicator.LoanDailyAvg}
		found, err := s.FiguresOf(ctx, []string{"M1", "M2", "M3"}, "2026-04", codes, app.Scope{All: true})
		if err != nil || len(found) != 4 {
			t.Fatalf("figures of three managers: %v %v", names(found), err)
		}
		found, _ = s.FiguresOf(ctx, []string{"M1", "M2", "M3"}, "2026-04", codes, app.Scope{Path: teamA, Self: "S1"})
		if len(found) != 3 {
			t.Fatalf("figures of team A: %v", names(found))
		}
		if found, _ := s.FiguresOf(ctx, nil, "2026-04", codes, app.Scope{All: true}); len(found) != 0 {
			t.Fatalf("no managers: %v", names(found))
		}
	})
}
