package ports

import (
	"context"
	"fmt"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/idempotency"
	"github.com/rmsuite/rmsuite/pkg/storage"
	compv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/compensation/v1"
	"github.com/rmsuite/rmsuite/services/compensation/internal/app"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/formula"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

// PayServer implements rmsuite.compensation.v1.PayService.
type PayServer struct {
	compv1.UnimplementedPayServiceServer
	db  *storage.DB
	app *app.App
}

// NewPayServer serves the use cases.
func NewPayServer(db *storage.DB, a *app.App) *PayServer { return &PayServer{db: db, app: a} }

// units maps wire units to formula units.
var units = map[compv1.Unit]formula.Unit{
	compv1.Unit_UNIT_NUMBER: formula.UnitNumber, compv1.Unit_UNIT_RATE: formula.UnitRate, compv1.Unit_UNIT_COUNT: formula.UnitCount,
	compv1.Unit_UNIT_DAYS: formula.UnitDays, compv1.Unit_UNIT_MONEY: formula.UnitMoney,
}

func toProtoUnit(u formula.Unit) compv1.Unit {
	for k, v := range units {
		if v == u {
			return k
		}
	}
	return compv1.Unit_UNIT_UNSPECIFIED
}

// configDate reads `payConfigs/{YYYY-MM-DD}`.
func configDate(f *fieldErrors, field, name string) civil.Date {
	id := nameID(f, field, configPrefix, "payConfigs/2027-01-01", name)
	if id == "" {
		return civil.Date{}
	}
	d, err := civil.Parse(id)
	if err != nil || d.Year < 2000 || d.Year > 2099 {
		f.add(field, "%q: the id of a configuration is its effective date, YYYY-MM-DD (2000–2099)", id)
	}
	return d
}

// fromProtoConfig reads a configuration; problems of syntax are reported under
// prefix, the rest is left to the domain's check.
func fromProtoConfig(f *fieldErrors, prefix string, pc *compv1.PayConfig) pay.Config {
	at := func(field string) string { return prefix + "." + field }
	c := pay.Config{Description: pc.GetDescription(), Standard: amount(f, at("standard"), pc.GetStandard(), true),
		SupervisorPosts: pc.GetSupervisorPosts(), SupervisorLevels: pc.GetSupervisorLevels()}
	for i, r := range pc.GetGradeRates() {
		field := fmt.Sprintf("%s[%d].", at("grade_rates"), i)
		ladder := r.GetLadder()
		if l, ok := cutPrefix(ladder, ladderPrefix); ok {
			ladder = l
		} else {
			f.add(field+"ladder", "want gradeLadders/{ladder}, e.g. gradeLadders/sales; got %q", ladder)
		}
		c.GradeRates = append(c.GradeRates, pay.GradeRate{Ladder: ladder, Level: r.GetLevel(), Band: r.GetBand(),
			Base: decimal(f, field+"base_factor", r.GetBaseFactor(), true), Performance: decimal(f, field+"performance_factor", r.GetPerformanceFactor(), false)})
	}
	for i, p := range pc.GetParameters() {
		field := fmt.Sprintf("%s[%d].", at("parameters"), i)
		c.Parameters = append(c.Parameters, pay.Parameter{Name: p.GetName(), Unit: units[p.GetUnit()],
			Value: decimal(f, field+"value", p.GetValue(), true), Description: p.GetDescription()})
	}
	for _, x := range pc.GetComponents() {
		c.Components = append(c.Components, pay.Component{Code: x.GetCode(), Name: x.GetDisplayName(), Kind: pay.LineKind(x.GetKind()),
			Eligibility: pay.Eligibility(x.GetEligibility()), Formula: x.GetFormula()})
	}
	for i, r := range pc.GetCommissionRules() {
		field := fmt.Sprintf("%s[%d].", at("commission_rules"), i)
		c.CommissionRules = append(c.CommissionRules, pay.CommissionRule{Code: r.GetCode(), Name: r.GetDisplayName(),
			Rate: decimal(f, field+"rate", r.GetRate(), true), Threshold: decimal(f, field+"threshold", r.GetThreshold(), true)})
	}
	for i, r := range pc.GetRegionClasses() {
		field := fmt.Sprintf("%s[%d].", at("region_classes"), i)
		unit, ok := cutPrefix(r.GetOrgUnit(), orgUnitPrefix)
		if !ok {
			f.add(field+"org_unit", "want orgUnits/{org_unit}; got %q", r.GetOrgUnit())
		}
		c.RegionClasses = append(c.RegionClasses, pay.RegionClass{OrgUnit: unit, Name: r.GetDisplayName(),
			Coefficient: decimal(f, field+"coefficient", r.GetCoefficient(), true)})
	}
	return c
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) > len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return s, false
}

func toProtoConfig(r app.ConfigRecord) *compv1.PayConfig {
	c := r.Config
	out := &compv1.PayConfig{Name: c.Name(), EffectiveDate: c.Effective.Proto(), Description: c.Description, Standard: c.Standard.ToProto(),
		SupervisorPosts: c.SupervisorPosts, SupervisorLevels: c.SupervisorLevels, Revision: c.Revision, Etag: app.ConfigEtag(r),
		CreateTime: ts(r.CreateTime), UpdateTime: ts(r.UpdateTime), UpdatedBy: r.UpdatedBy}
	for _, g := range c.GradeRates {
		out.GradeRates = append(out.GradeRates, &compv1.GradeRate{Ladder: ladderPrefix + g.Ladder, Level: g.Level, Band: g.Band,
			BaseFactor: g.Base.String(), PerformanceFactor: g.Performance.String()})
	}
	for _, p := range c.Parameters {
		out.Parameters = append(out.Parameters, &compv1.Parameter{Name: p.Name, Unit: toProtoUnit(p.Unit), Value: p.Value.String(),
			Description: p.Description})
	}
	for _, x := range c.Components {
		out.Components = append(out.Components, &compv1.Component{Code: x.Code, DisplayName: x.Name, Kind: compv1.LineKind(x.Kind),
			Eligibility: compv1.Component_Eligibility(x.Eligibility), Formula: x.Formula})
	}
	for _, r := range c.CommissionRules {
		out.CommissionRules = append(out.CommissionRules, &compv1.CommissionRule{Code: r.Code, DisplayName: r.Name, Rate: r.Rate.String(),
			Threshold: r.Threshold.String()})
	}
	for _, r := range c.RegionClasses {
		out.RegionClasses = append(out.RegionClasses, &compv1.RegionClass{OrgUnit: orgUnitPrefix + r.OrgUnit, DisplayName: r.Name,
			Coefficient: r.Coefficient.String()})
	}
	return out
}

// GetPayConfig reads one version.
func (s *PayServer) GetPayConfig(ctx context.Context, req *compv1.GetPayConfigRequest) (*compv1.PayConfig, error) {
	var f fieldErrors
	d := configDate(&f, "name", req.GetName())
	if req.GetRevision() < 0 {
		f.add("revision", "0 (the latest) or a revision number")
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	r, err := s.app.Config(ctx, d, req.GetRevision())
	if err != nil {
		return nil, err
	}
	return toProtoConfig(r), nil
}

// ListPayConfigs lists the versions, latest first (one page holds them all
// unless there are more than the page size).
func (s *PayServer) ListPayConfigs(ctx context.Context, req *compv1.ListPayConfigsRequest) (*compv1.ListPayConfigsResponse, error) {
	list, err := s.app.Configs(ctx)
	if err != nil {
		return nil, err
	}
	size := int(req.GetPageSize())
	if size <= 0 {
		size = 50
	}
	size = min(size, 1000)
	start := 0
	if t := req.GetPageToken(); t != "" {
		for i, r := range list {
			if r.Name() == t {
				start = i
			}
		}
		if start == 0 {
			return nil, fmt.Errorf("%w: page_token does not name a configuration; start again without it", pay.ErrInvalid)
		}
	}
	resp := &compv1.ListPayConfigsResponse{}
	for i := start; i < len(list) && i < start+size; i++ {
		resp.PayConfigs = append(resp.PayConfigs, toProtoConfig(list[i]))
	}
	if start+size < len(list) {
		resp.NextPageToken = list[start+size].Name()
	}
	return resp, nil
}

// ResolvePayConfig reads the version in effect on a day.
func (s *PayServer) ResolvePayConfig(ctx context.Context, req *compv1.ResolvePayConfigRequest) (*compv1.PayConfig, error) {
	d := civil.FromProto(req.GetDate())
	if !d.Valid() {
		return nil, invalidField("date", "is required: a calendar date, e.g. {\"year\": 2026, \"month\": 11, \"day\": 30}")
	}
	r, err := s.app.Resolve(ctx, d)
	if err != nil {
		return nil, err
	}
	return toProtoConfig(r), nil
}

func invalidField(field, format string, args ...any) error {
	var f fieldErrors
	f.add(field, format, args...)
	return f.err()
}

// CreatePayConfig creates a version.
func (s *PayServer) CreatePayConfig(ctx context.Context, req *compv1.CreatePayConfigRequest) (*compv1.PayConfig, error) {
	var f fieldErrors
	d := configDate(&f, "pay_config_id", configPrefix+req.GetPayConfigId())
	if req.GetPayConfig() == nil {
		f.add("pay_config", "is required")
	}
	c := fromProtoConfig(&f, "pay_config", req.GetPayConfig())
	if err := f.err(); err != nil {
		return nil, err
	}
	c.Effective = d
	if req.GetValidateOnly() {
		r, err := s.app.CreateConfig(ctx, c, true)
		if err != nil {
			return nil, invalid("pay_config", err)
		}
		audit.MarkNoChange(ctx)
		return toProtoConfig(r), nil
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*compv1.PayConfig, error) {
		r, err := s.app.CreateConfig(ctx, c, false)
		if err != nil {
			return nil, invalid("pay_config", err)
		}
		out := toProtoConfig(r)
		return out, audit.Record(ctx, audit.Change{ObjectType: "PayConfig", Object: out.GetName(), After: out})
	})
}

// UpdatePayConfig saves a new revision of a version.
func (s *PayServer) UpdatePayConfig(ctx context.Context, req *compv1.UpdatePayConfigRequest) (*compv1.PayConfig, error) {
	var f fieldErrors
	pc := req.GetPayConfig()
	if pc == nil {
		f.add("pay_config", "is required")
	}
	d := configDate(&f, "pay_config.name", pc.GetName())
	c := fromProtoConfig(&f, "pay_config", pc)
	if err := f.err(); err != nil {
		return nil, err
	}
	c.Effective = d
	if req.GetValidateOnly() {
		_, r, err := s.app.UpdateConfig(ctx, c, pc.GetEtag(), true)
		if err != nil {
			return nil, invalid("pay_config", err)
		}
		audit.MarkNoChange(ctx)
		return toProtoConfig(r), nil
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*compv1.PayConfig, error) {
		prev, r, err := s.app.UpdateConfig(ctx, c, pc.GetEtag(), false)
		if err != nil {
			return nil, invalid("pay_config", err)
		}
		out := toProtoConfig(r)
		return out, audit.Record(ctx, audit.Change{ObjectType: "PayConfig", Object: out.GetName(), Before: toProtoConfig(prev), After: out})
	})
}

// ListFormulaInputs lists the names formulas may use.
func (s *PayServer) ListFormulaInputs(ctx context.Context, _ *compv1.ListFormulaInputsRequest) (*compv1.ListFormulaInputsResponse, error) {
	list, err := s.app.FormulaInputs(ctx)
	if err != nil {
		return nil, err
	}
	resp := &compv1.ListFormulaInputsResponse{}
	for _, c := range list {
		resp.Inputs = append(resp.Inputs, &compv1.FormulaInput{Name: c.Name, Unit: toProtoUnit(c.Unit), Description: c.Doc, Source: string(c.Source)})
	}
	return resp, nil
}

// inputMasked hides the amounts of pay inputs in the audit log.
var inputMasked = []string{"value"}

func toProtoInput(r app.InputRecord) *compv1.PayInput {
	out := &compv1.PayInput{Name: inputPrefix + r.ID, Manager: managerPrefix + r.Manager, Period: r.Period,
		Kind: compv1.PayInput_Kind(r.Kind), Code: r.Code, Contract: r.Contract, Value: r.Value.String(), Description: r.Description,
		Source: r.Source, CreateTime: ts(r.CreateTime), CreatedBy: r.CreatedBy}
	if r.RefRun != "" {
		out.ReferenceRun = runPrefix + r.RefRun
	}
	return out
}

// fromProtoInput reads an input to record; field is its path in the request.
func fromProtoInput(f *fieldErrors, field string, p *compv1.PayInput) app.NewInput {
	in := app.NewInput{Field: field}
	if p == nil {
		f.add(field, "is required")
		return in
	}
	m, ok := cutPrefix(p.GetManager(), managerPrefix)
	if !ok {
		f.add(field+".manager", "want managers/{employee number}, e.g. managers/E3001; got %q", p.GetManager())
	}
	in.Manager, in.Period, in.Kind = m, p.GetPeriod(), pay.InputKind(p.GetKind())
	in.Code, in.Contract, in.Description, in.Source = p.GetCode(), p.GetContract(), p.GetDescription(), p.GetSource()
	in.Value = decimal(f, field+".value", p.GetValue(), true)
	if ref := p.GetReferenceRun(); ref != "" {
		in.RefRun = nameID(f, field+".reference_run", runPrefix, "payrollRuns/{id}", ref)
	}
	return in
}

// CreatePayInput records one pay input.
func (s *PayServer) CreatePayInput(ctx context.Context, req *compv1.CreatePayInputRequest) (*compv1.PayInput, error) {
	var f fieldErrors
	in := fromProtoInput(&f, "pay_input", req.GetPayInput())
	if err := f.err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*compv1.PayInput, error) {
		rs, err := s.app.CreateInputs(ctx, []app.NewInput{in})
		if err != nil {
			return nil, invalid("", err)
		}
		out := toProtoInput(rs[0])
		return out, audit.Record(ctx, audit.Change{ObjectType: "PayInput", Object: out.GetName(), OrgPath: rs[0].OrgPath, After: out,
			Masked: inputMasked})
	})
}

// BatchCreatePayInputs records many inputs, all or none.
func (s *PayServer) BatchCreatePayInputs(ctx context.Context, req *compv1.BatchCreatePayInputsRequest) (*compv1.BatchCreatePayInputsResponse, error) {
	var f fieldErrors
	switch n := len(req.GetPayInputs()); {
	case n == 0:
		f.add("pay_inputs", "send at least one input")
	case n > app.MaxInputBatch:
		f.add("pay_inputs", "%d inputs; at most %d per call", n, app.MaxInputBatch)
	}
	ins := make([]app.NewInput, len(req.GetPayInputs()))
	for i, p := range req.GetPayInputs() {
		ins[i] = fromProtoInput(&f, fmt.Sprintf("pay_inputs[%d]", i), p)
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*compv1.BatchCreatePayInputsResponse, error) {
		rs, err := s.app.CreateInputs(ctx, ins)
		if err != nil {
			return nil, invalid("", err)
		}
		resp := &compv1.BatchCreatePayInputsResponse{}
		for _, r := range rs {
			resp.PayInputs = append(resp.PayInputs, toProtoInput(r))
		}
		summary := &compv1.PayInput{Name: fmt.Sprintf("payInputs:batchCreate (%d inputs)", len(rs)), Source: rs[0].Source}
		return resp, audit.Record(ctx, audit.Change{ObjectType: "PayInputBatch", Object: summary.GetName(), After: summary,
			Reason: fmt.Sprintf("%d pay inputs, first %s", len(rs), resp.PayInputs[0].GetName())})
	})
}

// GetPayInput reads one input.
func (s *PayServer) GetPayInput(ctx context.Context, req *compv1.GetPayInputRequest) (*compv1.PayInput, error) {
	var f fieldErrors
	id := nameID(&f, "name", inputPrefix, "payInputs/{id}", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	r, err := s.app.Input(ctx, id)
	if err != nil {
		return nil, err
	}
	return toProtoInput(r), nil
}

// ListPayInputs lists inputs in the caller's scope.
func (s *PayServer) ListPayInputs(ctx context.Context, req *compv1.ListPayInputsRequest) (*compv1.ListPayInputsResponse, error) {
	list, next, err := s.app.ListInputs(ctx, aip.Request{Filter: req.GetFilter(), PageSize: req.GetPageSize(), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	resp := &compv1.ListPayInputsResponse{NextPageToken: next}
	for _, r := range list {
		resp.PayInputs = append(resp.PayInputs, toProtoInput(r))
	}
	return resp, nil
}

// DeletePayInput removes an input recorded by mistake.
func (s *PayServer) DeletePayInput(ctx context.Context, req *compv1.DeletePayInputRequest) (*compv1.PayInput, error) {
	var f fieldErrors
	id := nameID(&f, "name", inputPrefix, "payInputs/{id}", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*compv1.PayInput, error) {
		r, err := s.app.DeleteInput(ctx, id)
		if err != nil {
			return nil, err
		}
		out := toProtoInput(r)
		return out, audit.Record(ctx, audit.Change{ObjectType: "PayInput", Object: out.GetName(), OrgPath: r.OrgPath, Before: out,
			Masked: inputMasked})
	})
}
