package ports

import (
	"context"
	"regexp"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/idempotency"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
)

// FigureServer implements rmsuite.assessment.v1.FigureService.
type FigureServer struct {
	assessmentv1.UnimplementedFigureServiceServer
	app *app.App
}

// NewFigureServer serves the use cases.
func NewFigureServer(a *app.App) *FigureServer { return &FigureServer{app: a} }

const (
	managerPrefix = "managers/"
	batchPrefix   = "figureBatches/"
	orgUnitPrefix = "orgUnits/"
)

var (
	figureRE      = regexp.MustCompile(`^managers/([^/]+)/periods/([^/]+)/figures/([^/]+)$`)
	parentRE      = regexp.MustCompile(`^managers/([^/]+)/periods/([^/]+)$`)
	codeRE        = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)
	figureExample = "managers/E1001/periods/2026-04/figures/DEPOSIT_DAILY_AVG"
)

// Limits of BatchGetFigures.
const (
	maxBatchManagers = 1000
	maxBatchCodes    = 50
)

func figureName(k figure.Key) string {
	return managerPrefix + k.Manager + "/periods/" + k.Period + "/figures/" + k.Code
}

// managerField reads `managers/{employee number}`.
func managerField(f *fieldErrors, field, name string) string {
	id := nameID(f, field, managerPrefix, "managers/E1001", name)
	if id != "" && !figure.ValidManager(id) {
		f.add(field, "%q is not an employee number: 1–64 letters, digits, underscores and hyphens", id)
	}
	return id
}

func periodField(f *fieldErrors, field, s string) string {
	p, err := figure.ParsePeriod(s)
	if err != nil {
		f.add(field, "%v", err)
		return ""
	}
	return p.String()
}

func codeField(f *fieldErrors, field, s string) string {
	if !codeRE.MatchString(s) {
		f.add(field, "%q is not a figure code: upper-case letters, digits and underscores, e.g. DEPOSIT_DAILY_AVG (ListFigureCodes)", s)
	}
	return s
}

// figureKey reads a figure's name.
func figureKey(f *fieldErrors, field, name string) figure.Key {
	m := figureRE.FindStringSubmatch(name)
	if m == nil {
		f.add(field, "want managers/{employee number}/periods/{period}/figures/{code}, e.g. %s; got %q", figureExample, name)
		return figure.Key{}
	}
	var k figure.Key
	k.Manager = managerField(f, field, managerPrefix+m[1])
	k.Period = periodField(f, field, m[2])
	k.Code = codeField(f, field, m[3])
	return k
}

func toProtoFigure(r app.FigureRecord) *assessmentv1.Figure {
	return &assessmentv1.Figure{Name: figureName(r.Key()), Manager: managerPrefix + r.Manager, Period: r.Period.String(), Code: r.Code,
		Value: r.Value.String(), Unit: units.toProto(r.Unit), Revision: r.Revision, Batch: batchPrefix + r.BatchID, Source: r.Source,
		OrgUnit: orgUnitPrefix + r.OrgUnitID, CreateTime: ts(r.CreateTime), UpdateTime: ts(r.UpdateTime)}
}

func toProtoBatch(b app.BatchRecord) *assessmentv1.FigureBatch {
	out := &assessmentv1.FigureBatch{Name: batchPrefix + b.ID, Source: b.Source, RowCount: int32(b.Rows), Created: int32(b.Created),
		Corrected: int32(b.Corrected), Unchanged: int32(b.Unchanged), ImportTime: ts(b.ImportTime), ImportedBy: b.ImportedBy}
	for _, c := range b.Corrections {
		out.Corrections = append(out.Corrections, &assessmentv1.FigureBatch_Correction{Figure: figureName(c.Key),
			PreviousValue: c.Previous.String(), Value: c.Value.String(), PreviousBatch: batchPrefix + c.PreviousBatch})
	}
	return out
}

// ImportFigures imports a batch of figures, whole or not at all.
func (s *FigureServer) ImportFigures(ctx context.Context, req *assessmentv1.ImportFiguresRequest) (*assessmentv1.FigureBatch, error) {
	var f fieldErrors
	b := figure.Batch{ID: req.GetBatchId(), Source: req.GetSource(), Rows: make([]figure.Row, len(req.GetRows()))}
	for i, r := range req.GetRows() {
		id, ok := cutManager(r.GetManager())
		if !ok {
			f.add("rows["+itoa(i)+"].manager", "want managers/{employee number}, e.g. managers/E1001; got %q", r.GetManager())
		}
		b.Rows[i] = figure.Row{Manager: id, Period: r.GetPeriod(), Code: r.GetCode(), Value: r.GetValue()}
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	fingerprint, err := idempotency.Fingerprint(req)
	if err != nil {
		return nil, err
	}
	rec, replay, err := s.app.Import(ctx, b, fingerprint)
	if err != nil {
		return nil, invalid("", nil, err)
	}
	out := toProtoBatch(rec)
	if replay {
		audit.MarkNoChange(ctx) // the batch was imported before: nothing changed now
		return out, nil
	}
	return out, audit.Record(ctx, audit.Change{ObjectType: "FigureBatch", Object: out.GetName(), After: out})
}

// cutManager reads `managers/{id}` leniently, leaving the id's syntax to the
// domain's check of the row.
func cutManager(name string) (string, bool) { return strings.CutPrefix(name, managerPrefix) }

// GetFigureBatch reads an imported batch's outcome.
func (s *FigureServer) GetFigureBatch(ctx context.Context, req *assessmentv1.GetFigureBatchRequest) (*assessmentv1.FigureBatch, error) {
	var f fieldErrors
	id := nameID(&f, "name", batchPrefix, "figureBatches/cbs-2026-04-001", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	b, err := s.app.Batch(ctx, id)
	if err != nil {
		return nil, err
	}
	return toProtoBatch(b), nil
}

// ListFigureCodes lists the codes figures are accepted under.
func (s *FigureServer) ListFigureCodes(ctx context.Context, _ *assessmentv1.ListFigureCodesRequest) (*assessmentv1.ListFigureCodesResponse, error) {
	codes, err := s.app.FigureCodes(ctx)
	if err != nil {
		return nil, err
	}
	resp := &assessmentv1.ListFigureCodesResponse{}
	for _, c := range codes {
		fc := &assessmentv1.FigureCode{Code: c.Code.Code, DisplayName: c.Name, Unit: units.toProto(c.Unit), Description: c.Description,
			Measure: c.Measure}
		if c.Indicator {
			fc.Indicator = indicatorPrefix + c.Code.Code
		}
		resp.Codes = append(resp.Codes, fc)
	}
	return resp, nil
}

// GetFigure reads one figure.
func (s *FigureServer) GetFigure(ctx context.Context, req *assessmentv1.GetFigureRequest) (*assessmentv1.Figure, error) {
	var f fieldErrors
	k := figureKey(&f, "name", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	r, err := s.app.Figure(ctx, k)
	if err != nil {
		return nil, err
	}
	return toProtoFigure(r), nil
}

// ListFigures reads one page of figures in the caller's scope.
func (s *FigureServer) ListFigures(ctx context.Context, req *assessmentv1.ListFiguresRequest) (*assessmentv1.ListFiguresResponse, error) {
	var f fieldErrors
	manager, period := "", ""
	if m := parentRE.FindStringSubmatch(req.GetParent()); m == nil {
		f.add("parent", "want managers/{employee number or -}/periods/{period or -}, e.g. managers/-/periods/2026-04; got %q", req.GetParent())
	} else {
		if m[1] != "-" {
			manager = managerField(&f, "parent", managerPrefix+m[1])
		}
		if m[2] != "-" {
			period = periodField(&f, "parent", m[2])
		}
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	list, next, err := s.app.ListFigures(ctx, aip.Request{Filter: req.GetFilter(), OrderBy: req.GetOrderBy(), PageSize: req.GetPageSize(),
		PageToken: req.GetPageToken(), Scope: req.GetParent()}, manager, period)
	if err != nil {
		return nil, err
	}
	resp := &assessmentv1.ListFiguresResponse{NextPageToken: next}
	for _, r := range list {
		resp.Figures = append(resp.Figures, toProtoFigure(r))
	}
	return resp, nil
}

// GetFigureHistory reads every value a figure has had.
func (s *FigureServer) GetFigureHistory(ctx context.Context, req *assessmentv1.GetFigureHistoryRequest) (*assessmentv1.FigureHistory, error) {
	var f fieldErrors
	k := figureKey(&f, "name", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	revs, err := s.app.History(ctx, k)
	if err != nil {
		return nil, err
	}
	out := &assessmentv1.FigureHistory{Name: figureName(k)}
	for _, r := range revs {
		out.Revisions = append(out.Revisions, &assessmentv1.FigureRevision{Revision: r.Revision, Value: r.Value.String(),
			Batch: batchPrefix + r.BatchID, Source: r.Source, RecordTime: ts(r.RecordTime), RecordedBy: r.RecordedBy})
	}
	return out, nil
}

// BatchGetFigures reads some codes of some managers in one period.
func (s *FigureServer) BatchGetFigures(ctx context.Context, req *assessmentv1.BatchGetFiguresRequest) (*assessmentv1.BatchGetFiguresResponse, error) {
	var f fieldErrors
	switch n := len(req.GetManagers()); {
	case n == 0:
		f.add("managers", "name at least one manager, managers/{employee number}")
	case n > maxBatchManagers:
		f.add("managers", "%d managers; at most %d per call", n, maxBatchManagers)
	}
	switch n := len(req.GetCodes()); {
	case n == 0:
		f.add("codes", "name at least one figure code")
	case n > maxBatchCodes:
		f.add("codes", "%d codes; at most %d per call", n, maxBatchCodes)
	}
	period := periodField(&f, "period", req.GetPeriod())
	var managers, codes []string
	seen := map[string]int{}
	for i, m := range req.GetManagers() {
		at := "managers[" + itoa(i) + "]"
		if j, dup := seen[m]; dup {
			f.add(at, "repeats managers[%d]", j)
			continue
		}
		seen[m] = i
		managers = append(managers, managerField(&f, at, m))
	}
	clear(seen)
	for i, c := range req.GetCodes() {
		at := "codes[" + itoa(i) + "]"
		if j, dup := seen[c]; dup {
			f.add(at, "repeats codes[%d]", j)
			continue
		}
		seen[c] = i
		codes = append(codes, codeField(&f, at, c))
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	found, missing, err := s.app.BatchGet(ctx, managers, period, codes)
	if err != nil {
		return nil, err
	}
	resp := &assessmentv1.BatchGetFiguresResponse{}
	for _, r := range found {
		resp.Figures = append(resp.Figures, toProtoFigure(r))
	}
	for _, k := range missing {
		resp.Missing = append(resp.Missing, figureName(k))
	}
	return resp, nil
}
