package ports

import (
	"context"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/idempotency"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/template"
)

// IndicatorServer implements rmsuite.assessment.v1.IndicatorService.
type IndicatorServer struct {
	assessmentv1.UnimplementedIndicatorServiceServer
	db  *storage.DB
	app *app.App
}

// NewIndicatorServer serves the use cases; db records request ids for safe
// retries.
func NewIndicatorServer(db *storage.DB, a *app.App) *IndicatorServer {
	return &IndicatorServer{db: db, app: a}
}

const (
	indicatorPrefix = "indicators/"
	templatePrefix  = "templates/"
	ladderPrefix    = "gradeLadders/"
)

// enum pairs a proto enum with the domain's values.
type enum[P comparable, D comparable] struct {
	values map[P]D
	names  string // the proto names, for messages
}

func (e enum[P, D]) fromProto(f *fieldErrors, field string, p P) D {
	d, ok := e.values[p]
	if !ok {
		f.add(field, "set one of %s", e.names)
	}
	return d
}

func (e enum[P, D]) toProto(d D) P {
	for p, x := range e.values {
		if x == d {
			return p
		}
	}
	var zero P
	return zero
}

var (
	dimensions = enum[assessmentv1.Dimension, indicator.Dimension]{values: map[assessmentv1.Dimension]indicator.Dimension{
		assessmentv1.Dimension_DIMENSION_BUSINESS_RESULTS:    indicator.BusinessResults,
		assessmentv1.Dimension_DIMENSION_PROFESSIONAL_ETHICS: indicator.ProfessionalEthics,
		assessmentv1.Dimension_DIMENSION_BASIC_MANAGEMENT:    indicator.BasicManagementWork,
		assessmentv1.Dimension_DIMENSION_CREDIT_OPERATIONS:   indicator.CreditOperations,
		assessmentv1.Dimension_DIMENSION_SERVICE_QUALITY:     indicator.ServiceQuality,
	}, names: "DIMENSION_BUSINESS_RESULTS, DIMENSION_PROFESSIONAL_ETHICS, DIMENSION_BASIC_MANAGEMENT, DIMENSION_CREDIT_OPERATIONS, DIMENSION_SERVICE_QUALITY"}
	units = enum[assessmentv1.Unit, indicator.Unit]{values: map[assessmentv1.Unit]indicator.Unit{
		assessmentv1.Unit_UNIT_CNY: indicator.UnitCNY, assessmentv1.Unit_UNIT_PERCENT: indicator.UnitPercent,
		assessmentv1.Unit_UNIT_COUNT: indicator.UnitCount, assessmentv1.Unit_UNIT_SCORE: indicator.UnitScore,
	}, names: "UNIT_CNY, UNIT_PERCENT, UNIT_COUNT, UNIT_SCORE"}
	directions = enum[assessmentv1.Direction, indicator.Direction]{values: map[assessmentv1.Direction]indicator.Direction{
		assessmentv1.Direction_DIRECTION_HIGHER_IS_BETTER: indicator.HigherIsBetter,
		assessmentv1.Direction_DIRECTION_LOWER_IS_BETTER:  indicator.LowerIsBetter,
	}, names: "DIRECTION_HIGHER_IS_BETTER, DIRECTION_LOWER_IS_BETTER"}
	sources = enum[assessmentv1.Source, indicator.Source]{values: map[assessmentv1.Source]indicator.Source{
		assessmentv1.Source_SOURCE_MANUAL: indicator.SourceManual, assessmentv1.Source_SOURCE_IMPORTED: indicator.SourceImported,
		assessmentv1.Source_SOURCE_VISITS: indicator.SourceVisits, assessmentv1.Source_SOURCE_SURVEY: indicator.SourceSurvey,
	}, names: "SOURCE_MANUAL, SOURCE_IMPORTED, SOURCE_VISITS, SOURCE_SURVEY"}
	parts = enum[assessmentv1.Part, template.Part]{values: map[assessmentv1.Part]template.Part{
		assessmentv1.Part_PART_BASIC: template.PartBasic, assessmentv1.Part_PART_MARKETING: template.PartMarketing,
		assessmentv1.Part_PART_MANAGEMENT: template.PartManagement,
	}, names: "PART_BASIC, PART_MARKETING, PART_MANAGEMENT"}
	tiers = enum[assessmentv1.Tier, template.Tier]{values: map[assessmentv1.Tier]template.Tier{
		assessmentv1.Tier_TIER_JUNIOR: template.TierJunior, assessmentv1.Tier_TIER_MIDDLE: template.TierMiddle,
		assessmentv1.Tier_TIER_SENIOR: template.TierSenior,
	}, names: "TIER_JUNIOR, TIER_MIDDLE, TIER_SENIOR"}
)

// decimalField reads a decimal string; a missing or malformed one is a
// violation of field.
func decimalField(f *fieldErrors, field, s string) money.Decimal {
	if strings.TrimSpace(s) == "" {
		f.add(field, "required: a decimal string such as \"1.2\"")
		return money.Decimal{}
	}
	d, err := money.ParseDecimal(s)
	if err != nil {
		f.add(field, "%q is not a plain decimal number (no spaces, separators or exponents), e.g. \"1.2\"", s)
	}
	return d
}

// nameID reads the id out of a resource name prefix+id; a name without the
// prefix, or with nothing after it, is a violation of field.
func nameID(f *fieldErrors, field, prefix, example, name string) string {
	id, ok := strings.CutPrefix(name, prefix)
	if !ok || id == "" || strings.Contains(id, "/") {
		f.add(field, "want %s{…}, e.g. %s; got %q", prefix, example, name)
		return ""
	}
	return id
}

// indicatorFields are the fields of an Indicator that can be set.
var indicatorFields = []string{"display_name", "description", "dimension", "unit", "direction", "source", "rule"}

// indicatorOutputFields are ignored in update masks: a client may send back a
// whole indicator it read.
var indicatorOutputFields = map[string]bool{"name": true, "etag": true, "rule_description": true, "create_time": true,
	"update_time": true, "updated_by": true}

// fromProtoIndicator reads the fields named in set of an indicator at prefix.
func fromProtoIndicator(f *fieldErrors, prefix string, in *assessmentv1.Indicator, set map[string]bool) indicator.Indicator {
	var ind indicator.Indicator
	if set["display_name"] {
		ind.Name = in.GetDisplayName()
	}
	if set["description"] {
		ind.Description = in.GetDescription()
	}
	if set["dimension"] {
		ind.Dimension = dimensions.fromProto(f, prefix+".dimension", in.GetDimension())
	}
	if set["unit"] {
		ind.Unit = units.fromProto(f, prefix+".unit", in.GetUnit())
	}
	if set["direction"] {
		ind.Direction = directions.fromProto(f, prefix+".direction", in.GetDirection())
	}
	if set["source"] {
		ind.Source = sources.fromProto(f, prefix+".source", in.GetSource())
	}
	if set["rule"] {
		ind.Rule = fromProtoRule(f, prefix+".rule", in.GetRule())
	}
	return ind
}

// fromProtoRule reads a scoring rule; an unset kind stays unset, for the
// domain to report.
func fromProtoRule(f *fieldErrors, field string, r *assessmentv1.ScoringRule) indicator.Rule {
	switch k := r.GetKind().(type) {
	case *assessmentv1.ScoringRule_Linear:
		return indicator.Rule{Linear: &indicator.Linear{
			Target: decimalField(f, field+".linear.target", k.Linear.GetTarget()),
			Cap:    decimalField(f, field+".linear.cap", k.Linear.GetCap()),
		}}
	case *assessmentv1.ScoringRule_Threshold:
		return indicator.Rule{Threshold: &indicator.Threshold{Limit: decimalField(f, field+".threshold.limit", k.Threshold.GetLimit())}}
	case *assessmentv1.ScoringRule_Banded:
		b := &indicator.Banded{Bands: []indicator.Band{}}
		for i, band := range k.Banded.GetBands() {
			at := field + ".banded.bands[" + itoa(i) + "]"
			b.Bands = append(b.Bands, indicator.Band{From: decimalField(f, at+".from", band.GetFrom()),
				Ratio: decimalField(f, at+".ratio", band.GetRatio()), Label: band.GetLabel()})
		}
		return indicator.Rule{Banded: b}
	}
	return indicator.Rule{}
}

func toProtoRule(r indicator.Rule) *assessmentv1.ScoringRule {
	switch {
	case r.Linear != nil:
		return &assessmentv1.ScoringRule{Kind: &assessmentv1.ScoringRule_Linear{Linear: &assessmentv1.ScoringRule_LinearRule{
			Target: r.Linear.Target.String(), Cap: r.Linear.Cap.String()}}}
	case r.Threshold != nil:
		return &assessmentv1.ScoringRule{Kind: &assessmentv1.ScoringRule_Threshold{Threshold: &assessmentv1.ScoringRule_ThresholdRule{
			Limit: r.Threshold.Limit.String()}}}
	case r.Banded != nil:
		b := &assessmentv1.ScoringRule_BandedRule{}
		for _, band := range r.Banded.Bands {
			b.Bands = append(b.Bands, &assessmentv1.ScoringRule_Band{From: band.From.String(), Ratio: band.Ratio.String(), Label: band.Label})
		}
		return &assessmentv1.ScoringRule{Kind: &assessmentv1.ScoringRule_Banded{Banded: b}}
	}
	return nil
}

func toProtoIndicator(r app.IndicatorRecord) *assessmentv1.Indicator {
	return &assessmentv1.Indicator{
		Name: indicatorPrefix + r.Code, DisplayName: r.Name, Description: r.Description,
		Dimension: dimensions.toProto(r.Dimension), Unit: units.toProto(r.Unit), Direction: directions.toProto(r.Direction),
		Source: sources.toProto(r.Source), Rule: toProtoRule(r.Rule), RuleDescription: r.Describe(), Etag: r.Etag(),
		CreateTime: ts(r.CreateTime), UpdateTime: ts(r.UpdateTime), UpdatedBy: r.UpdatedBy,
	}
}

// indicatorRenames maps the domain's field names to the request's.
func indicatorRenames(code string) map[string]string {
	return map[string]string{"name": "indicator.display_name", "code": code}
}

// GetIndicator reads one indicator.
func (s *IndicatorServer) GetIndicator(ctx context.Context, req *assessmentv1.GetIndicatorRequest) (*assessmentv1.Indicator, error) {
	var f fieldErrors
	code := nameID(&f, "name", indicatorPrefix, "indicators/DEPOSIT_DAILY_AVG", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	r, err := s.app.Indicator(ctx, code)
	if err != nil {
		return nil, err
	}
	return toProtoIndicator(r), nil
}

// ListIndicators reads one page of indicators.
func (s *IndicatorServer) ListIndicators(ctx context.Context, req *assessmentv1.ListIndicatorsRequest) (*assessmentv1.ListIndicatorsResponse, error) {
	list, next, err := s.app.ListIndicators(ctx, aip.Request{Filter: req.GetFilter(), PageSize: req.GetPageSize(), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	resp := &assessmentv1.ListIndicatorsResponse{NextPageToken: next}
	for _, r := range list {
		resp.Indicators = append(resp.Indicators, toProtoIndicator(r))
	}
	return resp, nil
}

// CreateIndicator adds an indicator to the library.
func (s *IndicatorServer) CreateIndicator(ctx context.Context, req *assessmentv1.CreateIndicatorRequest) (*assessmentv1.Indicator, error) {
	var f fieldErrors
	in := req.GetIndicator()
	all := map[string]bool{}
	for _, p := range indicatorFields {
		all[p] = true
	}
	ind := fromProtoIndicator(&f, "indicator", in, all)
	ind.Code = req.GetIndicatorId()
	if n := in.GetName(); n != "" && n != indicatorPrefix+ind.Code {
		f.add("indicator.name", "leave it empty or set it to indicators/{indicator_id}; got %q", n)
	}
	f.domain("indicator", indicatorRenames("indicator_id"), app.CheckIndicator(ind))
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.Indicator, error) {
		r, err := s.app.CreateIndicator(ctx, ind)
		if err != nil {
			return nil, invalid("indicator", indicatorRenames("indicator_id"), err)
		}
		out := toProtoIndicator(r)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Indicator", Object: out.GetName(), After: out})
	})
}

// maskPaths resolves an update mask over fields: "*" or an empty mask is
// every field; a path inside a whole-valued field ("rule.linear.cap") names
// the field; ignored paths are skipped; anything else is a violation.
func maskPaths(f *fieldErrors, paths, fields []string, whole, ignored map[string]bool) map[string]bool {
	set := map[string]bool{}
	if len(paths) == 0 {
		paths = []string{"*"}
	}
	for _, p := range paths {
		head, _, _ := strings.Cut(p, ".")
		switch {
		case p == "*":
			for _, x := range fields {
				set[x] = true
			}
		case whole[head]:
			set[head] = true
		case ignored[p]:
		default:
			known := false
			for _, x := range fields {
				known = known || x == p
			}
			if !known {
				f.add("update_mask", "%q cannot be updated; the fields that can are %s", p, strings.Join(fields, ", "))
				continue
			}
			set[p] = true
		}
	}
	return set
}

// UpdateIndicator changes an indicator.
func (s *IndicatorServer) UpdateIndicator(ctx context.Context, req *assessmentv1.UpdateIndicatorRequest) (*assessmentv1.Indicator, error) {
	var f fieldErrors
	in := req.GetIndicator()
	code := nameID(&f, "indicator.name", indicatorPrefix, "indicators/DEPOSIT_DAILY_AVG", in.GetName())
	set := maskPaths(&f, req.GetUpdateMask().GetPaths(), indicatorFields, map[string]bool{"rule": true}, indicatorOutputFields)
	upd := fromProtoIndicator(&f, "indicator", in, set)
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	change := func(ind *indicator.Indicator) {
		if set["display_name"] {
			ind.Name = upd.Name
		}
		if set["description"] {
			ind.Description = upd.Description
		}
		if set["dimension"] {
			ind.Dimension = upd.Dimension
		}
		if set["unit"] {
			ind.Unit = upd.Unit
		}
		if set["direction"] {
			ind.Direction = upd.Direction
		}
		if set["source"] {
			ind.Source = upd.Source
		}
		if set["rule"] {
			ind.Rule = upd.Rule
		}
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*assessmentv1.Indicator, error) {
		before, after, err := s.app.UpdateIndicator(ctx, code, in.GetEtag(), change)
		if err != nil {
			return nil, invalid("indicator", indicatorRenames("indicator.name"), err)
		}
		out := toProtoIndicator(after)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Indicator", Object: out.GetName(), Before: toProtoIndicator(before), After: out})
	})
}

func toProtoTemplate(r app.TemplateRecord) *assessmentv1.Template {
	out := &assessmentv1.Template{Name: templatePrefix + r.Code, DisplayName: r.Name, Tier: tiers.toProto(r.Tier), Etag: r.Etag(),
		CreateTime: ts(r.CreateTime), UpdateTime: ts(r.UpdateTime), UpdatedBy: r.UpdatedBy}
	for _, l := range r.Lines {
		out.Lines = append(out.Lines, &assessmentv1.Template_Line{Indicator: indicatorPrefix + l.Indicator, Part: parts.toProto(l.Part),
			Weight: l.Weight.String()})
	}
	for _, l := range r.Levels {
		out.Levels = append(out.Levels, &assessmentv1.Template_LadderLevel{Ladder: ladderPrefix + l.Ladder, Level: l.Level})
	}
	if pw, err := r.PartWeights(); err == nil {
		for _, p := range pw {
			out.PartWeights = append(out.PartWeights, &assessmentv1.Template_PartWeight{Part: parts.toProto(p.Part), Weight: p.Weight.String()})
		}
	}
	return out
}

var templateFields = []string{"display_name", "tier", "lines", "levels"}

var templateOutputFields = map[string]bool{"name": true, "etag": true, "part_weights": true, "create_time": true,
	"update_time": true, "updated_by": true}

var templateRenames = map[string]string{"name": "template.display_name", "code": "template.name"}

// GetTemplate reads one template.
func (s *IndicatorServer) GetTemplate(ctx context.Context, req *assessmentv1.GetTemplateRequest) (*assessmentv1.Template, error) {
	var f fieldErrors
	code := nameID(&f, "name", templatePrefix, "templates/JUNIOR", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	r, err := s.app.Template(ctx, code)
	if err != nil {
		return nil, err
	}
	return toProtoTemplate(r), nil
}

// ListTemplates reads one page of templates.
func (s *IndicatorServer) ListTemplates(ctx context.Context, req *assessmentv1.ListTemplatesRequest) (*assessmentv1.ListTemplatesResponse, error) {
	list, next, err := s.app.ListTemplates(ctx, aip.Request{Filter: req.GetFilter(), PageSize: req.GetPageSize(), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	resp := &assessmentv1.ListTemplatesResponse{NextPageToken: next}
	for _, r := range list {
		resp.Templates = append(resp.Templates, toProtoTemplate(r))
	}
	return resp, nil
}

// UpdateTemplate changes a template.
func (s *IndicatorServer) UpdateTemplate(ctx context.Context, req *assessmentv1.UpdateTemplateRequest) (*assessmentv1.Template, error) {
	var f fieldErrors
	in := req.GetTemplate()
	code := nameID(&f, "template.name", templatePrefix, "templates/JUNIOR", in.GetName())
	set := maskPaths(&f, req.GetUpdateMask().GetPaths(), templateFields, map[string]bool{"lines": true, "levels": true}, templateOutputFields)
	var ch app.TemplateChange
	if set["display_name"] {
		name := in.GetDisplayName()
		ch.Name = &name
	}
	if set["tier"] {
		tier := tiers.fromProto(&f, "template.tier", in.GetTier())
		ch.Tier = &tier
	}
	if set["lines"] {
		lines := []template.Line{}
		for i, l := range in.GetLines() {
			at := "template.lines[" + itoa(i) + "]"
			lines = append(lines, template.Line{
				Indicator: nameID(&f, at+".indicator", indicatorPrefix, "indicators/DEPOSIT_DAILY_AVG", l.GetIndicator()),
				Part:      parts.fromProto(&f, at+".part", l.GetPart()),
				Weight:    decimalField(&f, at+".weight", l.GetWeight()),
			})
		}
		ch.Lines = &lines
	}
	if set["levels"] {
		levels := []template.Assignment{}
		for i, l := range in.GetLevels() {
			at := "template.levels[" + itoa(i) + "]"
			levels = append(levels, template.Assignment{Ladder: nameID(&f, at+".ladder", ladderPrefix, "gradeLadders/bank", l.GetLadder()),
				Level: l.GetLevel()})
		}
		ch.Levels = &levels
	}
	return mutation(ctx, s.db, req.GetRequestId(), req, &f, func(ctx context.Context) (*assessmentv1.Template, error) {
		before, after, err := s.app.UpdateTemplate(ctx, code, in.GetEtag(), ch)
		if err != nil {
			return nil, invalid("template", templateRenames, err)
		}
		out := toProtoTemplate(after)
		return out, audit.Record(ctx, audit.Change{ObjectType: "Template", Object: out.GetName(), Before: toProtoTemplate(before), After: out})
	})
}
