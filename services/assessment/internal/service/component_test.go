package service_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
	"github.com/rmsuite/rmsuite/pkg/server"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	auditv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/audit/v1"
	"github.com/rmsuite/rmsuite/services/assessment/internal/service"
)

var ctx = context.Background()

// clock is the service's clock, moved by the test.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

// env is one running assessment service with its fake roster, clock and callers.
type env struct {
	t      testing.TB
	dbURL  string
	roster *fakeRoster
	visits *fakeVisits
	clock  *clock
	iss    *authtest.Issuer
	addr   string
	stop   func()
}

func newEnv(t *testing.T, dbURL string) *env {
	e := &env{t: t, dbURL: dbURL, roster: newFakeRoster(t), visits: newFakeVisits(t), clock: &clock{}, iss: authtest.New(t)}
	e.clock.set(time.Date(2026, 5, 6, 2, 0, 0, 0, time.UTC))
	e.start()
	return e
}

func (e *env) start() {
	t := e.t
	cfg := service.DefaultConfig()
	cfg.Auth = e.iss.Config
	if e.addr == "" { // a restart keeps the address
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		e.addr = l.Addr().String()
		l.Close()
	}
	cfg.Server.GRPCAddr = e.addr
	cfg.Server.DefaultDeadline = 10 * time.Second
	cfg.Server.ShutdownTimeout = 5 * time.Second
	cfg.Server.Reflection = true
	cfg.DBURL = e.dbURL
	cfg.Peers = []string{"roster=" + e.roster.addr, "visits=" + e.visits.addr}
	cfg.ServiceTokenFile = filepath.Join(t.TempDir(), "assessment.token")
	if err := os.WriteFile(cfg.ServiceTokenFile, []byte(e.iss.Token(t, "svc:assessment", "", auth.System)), 0o600); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- server.Run(runCtx, service.DescriptorWith(service.Options{Now: e.clock.now, SendEvery: 50 * time.Millisecond}), cfg, zap.NewNop())
	}()
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("assessment stopped with error: %v", err)
			}
		})
	}
	t.Cleanup(e.stop)
	conn, err := grpc.NewClient(e.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "rmsuite.assessment.v1.FigureService"})
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("assessment did not start: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("assessment not serving within 20s")
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// conn is a connection calling as subject of unit with roles.
func (e *env) conn(subject, unit string, roles ...auth.Role) *grpc.ClientConn {
	conn, err := grpc.NewClient(e.addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(authtest.Bearer(e.iss.Token(e.t, subject, unit, roles...))))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	return conn
}

func (e *env) indicators(subject, unit string, roles ...auth.Role) assessmentv1.IndicatorServiceClient {
	return assessmentv1.NewIndicatorServiceClient(e.conn(subject, unit, roles...))
}

func (e *env) figures(subject, unit string, roles ...auth.Role) assessmentv1.FigureServiceClient {
	return assessmentv1.NewFigureServiceClient(e.conn(subject, unit, roles...))
}

func eachBackend(t *testing.T, test func(t *testing.T, dbURL string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, storagetest.SQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, storagetest.PostgresURL(t)) })
}

func wantCode(t *testing.T, what string, err error, want codes.Code, msg string) {
	t.Helper()
	if status.Code(err) != want || !strings.Contains(status.Convert(err).Message(), msg) {
		t.Fatalf("%s: want %s containing %q, got %v", what, want, msg, err)
	}
}

// violations are the fields of an InvalidArgument's field violations.
func violations(t *testing.T, what string, err error) []string {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("%s: want InvalidArgument, got %v", what, err)
	}
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField())
			}
		}
	}
	return out
}

func wantViolations(t *testing.T, what string, err error, want ...string) {
	t.Helper()
	got := violations(t, what, err)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s: no violation of %s among %v (%v)", what, w, got, err)
		}
	}
}

// Every RPC needs a token, and a role without the RPC's permission is refused
// before anything runs.
func TestEveryRPCNeedsItsPermission(t *testing.T) {
	e := newEnv(t, storagetest.SQLiteURL(t))
	conn, err := grpc.NewClient(e.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if n := authtest.WalkRPCs(t, conn, service.Descriptor().AllRules(), e.iss); n < 52 {
		t.Errorf("walked %d RPCs, want at least the 52 of the indicator, figure, run, coefficient, assessment, decision, appeal and survey services", n)
	}
}

// A fresh install has the default library and templates, seeded once.
func TestDefaultsSeeded(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		cm := e.indicators("M1", "team-a", auth.CustomerManager)
		check := func() {
			t.Helper()
			list, err := cm.ListIndicators(ctx, &assessmentv1.ListIndicatorsRequest{PageSize: 500})
			if err != nil || len(list.GetIndicators()) != 15 {
				t.Fatalf("indicators: %d %v", len(list.GetIndicators()), err)
			}
			dims := map[assessmentv1.Dimension]int{}
			for _, ind := range list.GetIndicators() {
				dims[ind.GetDimension()]++
			}
			if len(dims) != 5 {
				t.Errorf("the default library covers %d dimensions, want 5: %v", len(dims), dims)
			}
			tpls, err := cm.ListTemplates(ctx, &assessmentv1.ListTemplatesRequest{})
			if err != nil || len(tpls.GetTemplates()) != 3 {
				t.Fatalf("templates: %v %v", tpls, err)
			}
		}
		check()

		dep, err := cm.GetIndicator(ctx, &assessmentv1.GetIndicatorRequest{Name: "indicators/DEPOSIT_DAILY_AVG"})
		if err != nil || dep.GetRule().GetLinear().GetTarget() != "10000000.00" || dep.GetRule().GetLinear().GetCap() != "1.2" ||
			dep.GetUnit() != assessmentv1.Unit_UNIT_CNY || dep.GetSource() != assessmentv1.Source_SOURCE_IMPORTED ||
			dep.GetEtag() != `W/"1"` || dep.GetUpdatedBy() != "system" || !strings.Contains(dep.GetRuleDescription(), "capped at 120%") {
			t.Fatalf("deposit indicator: %v %v", dep, err)
		}
		junior, err := cm.GetTemplate(ctx, &assessmentv1.GetTemplateRequest{Name: "templates/JUNIOR"})
		if err != nil || junior.GetTier() != assessmentv1.Tier_TIER_JUNIOR || len(junior.GetLines()) != 12 ||
			junior.GetLines()[0].GetIndicator() != "indicators/ETHICS_RATING" || len(junior.GetPartWeights()) != 3 ||
			junior.GetPartWeights()[0].GetWeight() != "50" || junior.GetLevels()[0].GetLadder() != "gradeLadders/bank" {
			t.Fatalf("JUNIOR: %v %v", junior, err)
		}
		codes, err := e.figures("svc:cbs", "", auth.System).ListFigureCodes(ctx, &assessmentv1.ListFigureCodesRequest{})
		if err != nil || len(codes.GetCodes()) != 13 {
			t.Fatalf("figure codes: %v %v", codes, err)
		}
		byCode := map[string]*assessmentv1.FigureCode{}
		for _, c := range codes.GetCodes() {
			byCode[c.GetCode()] = c
		}
		if c := byCode["DEPOSIT_DAILY_AVG"]; c.GetIndicator() != "indicators/DEPOSIT_DAILY_AVG" || c.GetUnit() != assessmentv1.Unit_UNIT_CNY {
			t.Errorf("DEPOSIT_DAILY_AVG code: %v", c)
		}
		if c := byCode["COLLECTIONS"]; c.GetIndicator() != "" || c.GetUnit() != assessmentv1.Unit_UNIT_CNY {
			t.Errorf("COLLECTIONS code: %v", c)
		}
		if c := byCode["PREMIUM"]; c.GetMeasure() != "premium" {
			t.Errorf("PREMIUM code: %v", c)
		}

		// A restart seeds nothing more.
		e.stop()
		e.start()
		check()
	})
}

func linear(target, capRatio string) *assessmentv1.ScoringRule {
	return &assessmentv1.ScoringRule{Kind: &assessmentv1.ScoringRule_Linear{Linear: &assessmentv1.ScoringRule_LinearRule{Target: target, Cap: capRatio}}}
}

func wealthSales() *assessmentv1.Indicator {
	return &assessmentv1.Indicator{DisplayName: "理财销售额", Dimension: assessmentv1.Dimension_DIMENSION_BUSINESS_RESULTS,
		Unit: assessmentv1.Unit_UNIT_CNY, Direction: assessmentv1.Direction_DIRECTION_HIGHER_IS_BETTER,
		Source: assessmentv1.Source_SOURCE_IMPORTED, Rule: linear("2000000.00", "1.2")}
}

// An invalid indicator is refused with every problem named by its field, and
// nothing is saved; a valid one is saved once; only HR and administrators
// configure the library.
func TestIndicatorValidation(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		hr := e.indicators("H1", "head-office", auth.HROfficer)

		bad := wealthSales()
		bad.Dimension = assessmentv1.Dimension_DIMENSION_UNSPECIFIED
		bad.Rule = linear("0", "3")
		_, err := hr.CreateIndicator(ctx, &assessmentv1.CreateIndicatorRequest{IndicatorId: "wealth sales", Indicator: bad})
		wantViolations(t, "invalid indicator", err,
			"indicator_id", "indicator.dimension", "indicator.rule.linear.target", "indicator.rule.linear.cap")
		_, err = hr.GetIndicator(ctx, &assessmentv1.GetIndicatorRequest{Name: "indicators/WEALTH_SALES"})
		wantCode(t, "the invalid indicator", err, codes.NotFound, "WEALTH_SALES")

		bands := wealthSales()
		bands.DisplayName = " "
		bands.Rule = &assessmentv1.ScoringRule{Kind: &assessmentv1.ScoringRule_Banded{Banded: &assessmentv1.ScoringRule_BandedRule{
			Bands: []*assessmentv1.ScoringRule_Band{{From: "0", Ratio: "0"}, {From: "1e6", Ratio: "0.5"}, {From: "50", Ratio: "0.4"}}}}}
		_, err = hr.CreateIndicator(ctx, &assessmentv1.CreateIndicatorRequest{IndicatorId: "WEALTH_SALES", Indicator: bands})
		wantViolations(t, "bad bands", err, "indicator.display_name", "indicator.rule.banded.bands[1].from", "indicator.rule.banded.bands[2].ratio")

		unit := wealthSales()
		unit.Unit = assessmentv1.Unit_UNIT_COUNT
		_, err = hr.CreateIndicator(ctx, &assessmentv1.CreateIndicatorRequest{IndicatorId: "COLLECTIONS", Indicator: unit})
		wantViolations(t, "a catalogue code in another unit", err, "indicator.unit")

		_, err = e.indicators("M1", "team-a", auth.CustomerManager).CreateIndicator(ctx,
			&assessmentv1.CreateIndicatorRequest{IndicatorId: "WEALTH_SALES", Indicator: wealthSales()})
		wantCode(t, "a manager configuring the library", err, codes.PermissionDenied, "")

		created, err := hr.CreateIndicator(ctx, &assessmentv1.CreateIndicatorRequest{IndicatorId: "WEALTH_SALES", Indicator: wealthSales(),
			RequestId: "create-wealth-1"})
		if err != nil || created.GetName() != "indicators/WEALTH_SALES" || created.GetEtag() != `W/"1"` || created.GetUpdatedBy() != "H1" {
			t.Fatalf("create: %v %v", created, err)
		}
		again, err := hr.CreateIndicator(ctx, &assessmentv1.CreateIndicatorRequest{IndicatorId: "WEALTH_SALES", Indicator: wealthSales(),
			RequestId: "create-wealth-1"})
		if err != nil || again.GetCreateTime().AsTime() != created.GetCreateTime().AsTime() {
			t.Fatalf("retried create: %v %v", again, err)
		}
		_, err = hr.CreateIndicator(ctx, &assessmentv1.CreateIndicatorRequest{IndicatorId: "WEALTH_SALES", Indicator: wealthSales()})
		wantCode(t, "second create", err, codes.AlreadyExists, "exists already")

		// An imported indicator's code is a figure code at once.
		codes, _ := e.figures("svc:cbs", "", auth.System).ListFigureCodes(ctx, &assessmentv1.ListFigureCodesRequest{})
		if last := codes.GetCodes()[len(codes.GetCodes())-1]; last.GetCode() != "WEALTH_SALES" || last.GetIndicator() != "indicators/WEALTH_SALES" {
			t.Errorf("WEALTH_SALES is not a figure code: %v", last)
		}
	})
}

// Updates check the etag (a stale one is ABORTED), apply the mask, and check
// the result as a whole; templates are checked against the library.
func TestUpdatesAndEtags(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		admin := e.indicators("E0001", "head-office", auth.Administrator)

		npl, err := admin.GetIndicator(ctx, &assessmentv1.GetIndicatorRequest{Name: "indicators/NPL_RATIO"})
		if err != nil {
			t.Fatal(err)
		}
		stale := npl.GetEtag()
		npl.Rule = linear("2.0", "1.5")
		upd, err := admin.UpdateIndicator(ctx, &assessmentv1.UpdateIndicatorRequest{Indicator: npl,
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"rule.linear.target", "rule.linear.cap"}}})
		if err != nil || upd.GetRule().GetLinear().GetTarget() != "2.0" || upd.GetEtag() != `W/"2"` || upd.GetUpdatedBy() != "E0001" ||
			upd.GetDisplayName() != "不良贷款率" {
			t.Fatalf("update: %v %v", upd, err)
		}
		npl.DisplayName = "changed with a stale etag"
		_, err = admin.UpdateIndicator(ctx, &assessmentv1.UpdateIndicatorRequest{Indicator: npl,
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
		wantCode(t, "stale etag", err, codes.Aborted, "changed since it was read")
		if got, _ := admin.GetIndicator(ctx, &assessmentv1.GetIndicatorRequest{Name: "indicators/NPL_RATIO"}); got.GetDisplayName() != "不良贷款率" ||
			got.GetEtag() != `W/"2"` {
			t.Fatalf("after the refused update: %v (etag read first: %s)", got, stale)
		}
		bad := upd
		bad.Rule = linear("-1", "1.2")
		_, err = admin.UpdateIndicator(ctx, &assessmentv1.UpdateIndicatorRequest{Indicator: bad})
		wantViolations(t, "negative target", err, "indicator.rule.linear.target")
		_, err = admin.UpdateIndicator(ctx, &assessmentv1.UpdateIndicatorRequest{Indicator: upd,
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"code"}}})
		wantViolations(t, "unknown mask path", err, "update_mask")

		// Templates: lines replaced whole, weights to 100, known indicators.
		junior, err := admin.GetTemplate(ctx, &assessmentv1.GetTemplateRequest{Name: "templates/JUNIOR"})
		if err != nil {
			t.Fatal(err)
		}
		lines := func(ws ...string) []*assessmentv1.Template_Line {
			codes := []string{"DEPOSIT_DAILY_AVG", "LOAN_DAILY_AVG", "ETHICS_RATING"}
			parts := []assessmentv1.Part{assessmentv1.Part_PART_MARKETING, assessmentv1.Part_PART_MARKETING, assessmentv1.Part_PART_BASIC}
			var out []*assessmentv1.Template_Line
			for i, w := range ws {
				out = append(out, &assessmentv1.Template_Line{Indicator: "indicators/" + codes[i], Part: parts[i], Weight: w})
			}
			return out
		}
		mask := &fieldmaskpb.FieldMask{Paths: []string{"lines"}}
		junior.Lines = lines("40", "40", "19")
		_, err = admin.UpdateTemplate(ctx, &assessmentv1.UpdateTemplateRequest{Template: junior, UpdateMask: mask})
		wantViolations(t, "weights adding to 99", err, "template.lines")
		junior.Lines = lines("40", "40.5", "19.5")
		junior.Lines[1].Indicator = "indicators/NOPE"
		_, err = admin.UpdateTemplate(ctx, &assessmentv1.UpdateTemplateRequest{Template: junior, UpdateMask: mask})
		wantViolations(t, "unknown indicator", err, "template.lines[1].indicator")
		junior.Lines = lines("40", "40.5", "19.5")
		saved, err := admin.UpdateTemplate(ctx, &assessmentv1.UpdateTemplateRequest{Template: junior, UpdateMask: mask})
		if err != nil || len(saved.GetLines()) != 3 || saved.GetLines()[1].GetWeight() != "40.5" || saved.GetEtag() != `W/"2"` ||
			saved.GetPartWeights()[1].GetWeight() != "80.5" {
			t.Fatalf("template update: %v %v", saved, err)
		}
		_, err = admin.UpdateTemplate(ctx, &assessmentv1.UpdateTemplateRequest{Template: junior, UpdateMask: mask})
		wantCode(t, "stale template etag", err, codes.Aborted, "changed since it was read")

		// A level is assessed on one template only.
		saved.Levels = append(saved.Levels, &assessmentv1.Template_LadderLevel{Ladder: "gradeLadders/bank", Level: "L2"})
		_, err = admin.UpdateTemplate(ctx, &assessmentv1.UpdateTemplateRequest{Template: saved,
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"levels"}}})
		wantViolations(t, "a level of MIDDLE", err, fmt.Sprintf("template.levels[%d]", len(saved.Levels)-1))

		_, err = e.indicators("S1", "team-a", auth.Supervisor).UpdateTemplate(ctx, &assessmentv1.UpdateTemplateRequest{Template: saved})
		wantCode(t, "a supervisor changing a template", err, codes.PermissionDenied, "")
	})
}

func row(manager, period, code, value string) *assessmentv1.FigureRow {
	return &assessmentv1.FigureRow{Manager: "managers/" + manager, Period: period, Code: code, Value: value}
}

// count is how many figures an administrator sees.
func count(t *testing.T, e *env) int {
	t.Helper()
	list, err := e.figures("E0001", "head-office", auth.Administrator).ListFigures(ctx,
		&assessmentv1.ListFiguresRequest{Parent: "managers/-/periods/-", PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(list.GetFigures())
}

// Batches: imported whole, idempotent by id, refused whole with the bad rows
// named, and corrections that keep the history.
func TestImportFigures(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		cbs := e.figures("svc:cbs", "", auth.System)
		first := &assessmentv1.ImportFiguresRequest{BatchId: "cbs-2026-04-001", Source: "core-banking", Rows: []*assessmentv1.FigureRow{
			row("M1", "2026-04", "DEPOSIT_DAILY_AVG", "12345678.9"),
			row("M1", "2026-04", "COLLECTIONS", "350000.05"),
			row("M2", "2026-04", "DEPOSIT_DAILY_AVG", "8000000"),
			row("M3", "2026-04", "DEPOSIT_DAILY_AVG", "100.00"),
			row("M1", "2026-Q1", "NPL_RATIO", "1.25"),
			row("M2", "2026", "CONTRACTS_SIGNED", "12"),
		}}
		b, err := cbs.ImportFigures(ctx, first)
		if err != nil || b.GetName() != "figureBatches/cbs-2026-04-001" || b.GetRowCount() != 6 || b.GetCreated() != 6 ||
			b.GetCorrected() != 0 || b.GetImportedBy() != "svc:cbs" {
			t.Fatalf("first batch: %v %v", b, err)
		}
		if n := count(t, e); n != 6 {
			t.Fatalf("%d figures after the first batch", n)
		}

		// The same batch again: the first outcome, nothing new.
		e.clock.set(e.clock.now().Add(time.Hour))
		again, err := cbs.ImportFigures(ctx, first)
		if err != nil || again.GetCreated() != 6 || !again.GetImportTime().AsTime().Equal(b.GetImportTime().AsTime()) {
			t.Fatalf("resent batch: %v %v", again, err)
		}
		if n := count(t, e); n != 6 {
			t.Fatalf("%d figures after resending", n)
		}
		// The same id with other rows.
		changed := &assessmentv1.ImportFiguresRequest{BatchId: first.BatchId, Source: first.Source, Rows: first.Rows[:2]}
		_, err = cbs.ImportFigures(ctx, changed)
		wantCode(t, "batch id reused", err, codes.AlreadyExists, "different content")

		// One bad row (here: four) rejects the whole batch, each named.
		badBatch := &assessmentv1.ImportFiguresRequest{BatchId: "cbs-2026-04-002", Source: "core-banking", Rows: []*assessmentv1.FigureRow{
			row("M1", "2026-05", "DEPOSIT_DAILY_AVG", "1.00"),
			row("M2", "2026-05", "DEPOSIT_DAILY_AVG", "1.001"),
			row("M404", "2026-05", "DEPOSIT_DAILY_AVG", "1.00"),
			row("M3", "2026-05", "ETHICS_RATING", "90"),
			row("M3", "2026-13", "LOAN_DAILY_AVG", "1.00"),
			row("M1", "2026-05", "CONTRACTS_SIGNED", "3"),
		}}
		_, err = cbs.ImportFigures(ctx, badBatch)
		got := violations(t, "bad batch", err)
		if !slices.Equal(got, []string{"rows[1].value", "rows[3].code", "rows[4].period", "rows[2].manager"}) {
			t.Errorf("bad batch violations: %v (%v)", got, err)
		}
		if n := count(t, e); n != 6 {
			t.Fatalf("%d figures after the refused batch", n)
		}
		_, err = cbs.GetFigureBatch(ctx, &assessmentv1.GetFigureBatchRequest{Name: "figureBatches/cbs-2026-04-002"})
		wantCode(t, "the refused batch", err, codes.NotFound, "cbs-2026-04-002")
		badBatch.Rows = append(badBatch.Rows[:1], row("M1", "2026-05", "CONTRACTS_SIGNED", "3"))
		if _, err := cbs.ImportFigures(ctx, badBatch); err != nil {
			t.Fatalf("the same id, fixed: %v", err)
		}

		// A correction replaces the value and keeps the previous one.
		e.clock.set(e.clock.now().Add(24 * time.Hour))
		fix, err := cbs.ImportFigures(ctx, &assessmentv1.ImportFiguresRequest{BatchId: "cbs-2026-04-003", Source: "core-banking",
			Rows: []*assessmentv1.FigureRow{
				row("M1", "2026-04", "DEPOSIT_DAILY_AVG", "12345679"),
				row("M2", "2026-04", "DEPOSIT_DAILY_AVG", "8000000.00"),
			}})
		if err != nil || fix.GetCorrected() != 1 || fix.GetUnchanged() != 1 || fix.GetCreated() != 0 || len(fix.GetCorrections()) != 1 {
			t.Fatalf("correction batch: %v %v", fix, err)
		}
		if c := fix.GetCorrections()[0]; c.GetFigure() != "managers/M1/periods/2026-04/figures/DEPOSIT_DAILY_AVG" ||
			c.GetPreviousValue() != "12345678.90" || c.GetValue() != "12345679.00" || c.GetPreviousBatch() != "figureBatches/cbs-2026-04-001" {
			t.Errorf("correction: %v", c)
		}
		hr := e.figures("H1", "head-office", auth.HROfficer)
		name := "managers/M1/periods/2026-04/figures/DEPOSIT_DAILY_AVG"
		f, err := hr.GetFigure(ctx, &assessmentv1.GetFigureRequest{Name: name})
		if err != nil || f.GetValue() != "12345679.00" || f.GetRevision() != 2 || f.GetBatch() != "figureBatches/cbs-2026-04-003" ||
			f.GetOrgUnit() != "orgUnits/team-a" || f.GetUnit() != assessmentv1.Unit_UNIT_CNY {
			t.Fatalf("corrected figure: %v %v", f, err)
		}
		h, err := hr.GetFigureHistory(ctx, &assessmentv1.GetFigureHistoryRequest{Name: name})
		if err != nil || len(h.GetRevisions()) != 2 || h.GetRevisions()[0].GetValue() != "12345679.00" ||
			h.GetRevisions()[1].GetValue() != "12345678.90" || h.GetRevisions()[1].GetBatch() != "figureBatches/cbs-2026-04-001" ||
			h.GetRevisions()[0].GetRecordedBy() != "svc:cbs" {
			t.Fatalf("history: %v %v", h, err)
		}
		if h, _ := hr.GetFigureHistory(ctx, &assessmentv1.GetFigureHistoryRequest{Name: "managers/M2/periods/2026-04/figures/DEPOSIT_DAILY_AVG"}); len(h.GetRevisions()) != 1 {
			t.Errorf("an unchanged figure gained history: %v", h)
		}

		// Each import is one audit record; the resend and the refused batch left none.
		audit := auditv1.NewAuditServiceClient(e.conn("E0001", "head-office", auth.Administrator))
		recs, err := audit.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{Parent: "services/assessment", Filter: `object_type = "FigureBatch"`})
		if err != nil || len(recs.GetAuditRecords()) != 3 {
			t.Fatalf("audit records of batches: %d %v", len(recs.GetAuditRecords()), err)
		}
		if after := recs.GetAuditRecords()[0].GetAfter().AsMap(); after["name"] != "figureBatches/cbs-2026-04-003" || after["corrections"] == nil {
			t.Errorf("audit of the correction: %v", after)
		}

		// A large batch: more managers than are looked up one by one.
		var many []*assessmentv1.FigureRow
		for i := 1; i <= 30; i++ {
			many = append(many, row(fmt.Sprintf("B%02d", i), "2026-04", "LOAN_DAILY_AVG", fmt.Sprintf("%d.%02d", 1000000*i, i)))
		}
		many = append(many, row("NOBODY", "2026-04", "LOAN_DAILY_AVG", "1.00"))
		_, err = cbs.ImportFigures(ctx, &assessmentv1.ImportFiguresRequest{BatchId: "loans-1", Source: "credit", Rows: many})
		wantViolations(t, "a large batch with an unknown manager", err, "rows[30].manager")
		lb, err := cbs.ImportFigures(ctx, &assessmentv1.ImportFiguresRequest{BatchId: "loans-1", Source: "credit", Rows: many[:30]})
		if err != nil || lb.GetCreated() != 30 || e.roster.lists.Load() == 0 {
			t.Fatalf("large batch: %v %v (roster listed %d times)", lb, err, e.roster.lists.Load())
		}

		// Only bank systems import; the batch's own view is bank-wide.
		_, err = e.figures("E0001", "head-office", auth.Administrator).ImportFigures(ctx, first)
		wantCode(t, "an administrator importing", err, codes.PermissionDenied, "")
		_, err = e.figures("S1", "team-a", auth.Supervisor).GetFigureBatch(ctx, &assessmentv1.GetFigureBatchRequest{Name: "figureBatches/loans-1"})
		wantCode(t, "a supervisor reading a batch", err, codes.PermissionDenied, "bank-wide")
	})
}

// A manager reads their own figures, a supervisor their team's, the bank-wide
// roles and systems everyone's; compensation reads bonus inputs exactly.
func TestFigureScopeAndBatchGet(t *testing.T) {
	eachBackend(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		_, err := e.figures("svc:cbs", "", auth.System).ImportFigures(ctx, &assessmentv1.ImportFiguresRequest{
			BatchId: "b1", Source: "core-banking", Rows: []*assessmentv1.FigureRow{
				row("M1", "2026-04", "DEPOSIT_DAILY_AVG", "12345678.91"),
				row("M1", "2026-04", "INTERMEDIATE_REVENUE", "0.01"),
				row("M2", "2026-04", "DEPOSIT_DAILY_AVG", "99999999999.99"),
				row("M2", "2026-04", "NPL_RATIO", "0.1234"),
				row("M3", "2026-04", "DEPOSIT_DAILY_AVG", "5.00"),
				row("M1", "2026-03", "DEPOSIT_DAILY_AVG", "1.00"),
			}})
		if err != nil {
			t.Fatal(err)
		}
		names := func(list *assessmentv1.ListFiguresResponse, err error) []string {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, f := range list.GetFigures() {
				out = append(out, strings.TrimPrefix(f.GetName(), "managers/"))
			}
			slices.Sort(out)
			return out
		}
		m1 := e.figures("M1", "team-a", auth.CustomerManager)
		own := names(m1.ListFigures(ctx, &assessmentv1.ListFiguresRequest{Parent: "managers/-/periods/-"}))
		if len(own) != 3 || !strings.HasPrefix(own[0], "M1/") || !strings.HasPrefix(own[2], "M1/") {
			t.Errorf("M1 sees %v", own)
		}
		if peer := names(m1.ListFigures(ctx, &assessmentv1.ListFiguresRequest{Parent: "managers/M2/periods/2026-04"})); len(peer) != 0 {
			t.Errorf("M1 lists M2's figures: %v", peer)
		}
		peerName := "managers/M2/periods/2026-04/figures/DEPOSIT_DAILY_AVG"
		_, err = m1.GetFigure(ctx, &assessmentv1.GetFigureRequest{Name: peerName})
		wantCode(t, "M1 reading M2's figure", err, codes.NotFound, peerName)
		_, err = m1.GetFigureHistory(ctx, &assessmentv1.GetFigureHistoryRequest{Name: peerName})
		wantCode(t, "M1 reading M2's history", err, codes.NotFound, peerName)

		s1 := e.figures("S1", "team-a", auth.Supervisor)
		team := names(s1.ListFigures(ctx, &assessmentv1.ListFiguresRequest{Parent: "managers/-/periods/2026-04"}))
		if !slices.Equal(team, []string{"M1/periods/2026-04/figures/DEPOSIT_DAILY_AVG", "M1/periods/2026-04/figures/INTERMEDIATE_REVENUE",
			"M2/periods/2026-04/figures/DEPOSIT_DAILY_AVG", "M2/periods/2026-04/figures/NPL_RATIO"}) {
			t.Errorf("S1 (team-a) sees %v", team)
		}
		if _, err := s1.GetFigure(ctx, &assessmentv1.GetFigureRequest{Name: peerName}); err != nil {
			t.Errorf("S1 reading M2's figure: %v", err)
		}
		_, err = s1.GetFigure(ctx, &assessmentv1.GetFigureRequest{Name: "managers/M3/periods/2026-04/figures/DEPOSIT_DAILY_AVG"})
		wantCode(t, "S1 reading team-b's figure", err, codes.NotFound, "M3")
		deposits := names(e.figures("C1", "head-office", auth.Committee).ListFigures(ctx, &assessmentv1.ListFiguresRequest{
			Parent: "managers/-/periods/-", Filter: `code = "DEPOSIT_DAILY_AVG" AND org_unit = "orgUnits/team-b"`}))
		if !slices.Equal(deposits, []string{"M3/periods/2026-04/figures/DEPOSIT_DAILY_AVG"}) {
			t.Errorf("committee, team-b deposits: %v", deposits)
		}
		_, err = m1.ListFigures(ctx, &assessmentv1.ListFiguresRequest{Parent: "managers/-/periods/2026-13"})
		wantViolations(t, "bad period in parent", err, "parent")

		// Compensation reads bonus inputs: exact decimals, missing ones named.
		comp := e.figures("svc:compensation", "", auth.System)
		got, err := comp.BatchGetFigures(ctx, &assessmentv1.BatchGetFiguresRequest{
			Managers: []string{"managers/M2", "managers/M1", "managers/M3"}, Period: "2026-04",
			Codes: []string{"DEPOSIT_DAILY_AVG", "INTERMEDIATE_REVENUE", "NPL_RATIO"}})
		if err != nil {
			t.Fatal(err)
		}
		var values []string
		for _, f := range got.GetFigures() {
			values = append(values, strings.TrimPrefix(f.GetName(), "managers/")+"="+f.GetValue())
		}
		want := []string{
			"M2/periods/2026-04/figures/DEPOSIT_DAILY_AVG=99999999999.99",
			"M2/periods/2026-04/figures/NPL_RATIO=0.1234",
			"M1/periods/2026-04/figures/DEPOSIT_DAILY_AVG=12345678.91",
			"M1/periods/2026-04/figures/INTERMEDIATE_REVENUE=0.01",
			"M3/periods/2026-04/figures/DEPOSIT_DAILY_AVG=5.00",
		}
		if !slices.Equal(values, want) {
			t.Errorf("batch get:\n got %v\nwant %v", values, want)
		}
		if !slices.Equal(got.GetMissing(), []string{"managers/M2/periods/2026-04/figures/INTERMEDIATE_REVENUE",
			"managers/M1/periods/2026-04/figures/NPL_RATIO", "managers/M3/periods/2026-04/figures/INTERMEDIATE_REVENUE",
			"managers/M3/periods/2026-04/figures/NPL_RATIO"}) {
			t.Errorf("missing: %v", got.GetMissing())
		}
		// A manager asking for a peer's figures finds them missing.
		mine, err := m1.BatchGetFigures(ctx, &assessmentv1.BatchGetFiguresRequest{Managers: []string{"managers/M1", "managers/M2"},
			Period: "2026-04", Codes: []string{"DEPOSIT_DAILY_AVG"}})
		if err != nil || len(mine.GetFigures()) != 1 || mine.GetMissing()[0] != "managers/M2/periods/2026-04/figures/DEPOSIT_DAILY_AVG" {
			t.Errorf("M1's batch get: %v %v", mine, err)
		}
		_, err = comp.BatchGetFigures(ctx, &assessmentv1.BatchGetFiguresRequest{Managers: []string{"M1", "managers/M1", "managers/M1"},
			Period: "April", Codes: nil})
		wantViolations(t, "bad batch get", err, "managers[0]", "managers[2]", "period", "codes")
	})
}
