package pay

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/formula"
)

// LineKind is whether a payslip line adds to gross pay or is deducted; the
// numbers match the wire enum.
type LineKind int

// The line kinds.
const (
	Earning   LineKind = 1
	Deduction LineKind = 2
)

// Eligibility is who gets a component; the numbers match the wire enum.
type Eligibility int

// Who gets a component.
const (
	NonTrainees Eligibility = 1
	Trainees    Eligibility = 2
	Supervisors Eligibility = 3
)

// GradeRate is a row of the pay table: factors of S for one grade. An empty
// Band matches every band of the level without a row of its own.
type GradeRate struct {
	Ladder, Level, Band string
	Base, Performance   money.Decimal
}

// Parameter is a named constant formulas may use.
type Parameter struct {
	Name        string
	Unit        formula.Unit
	Value       money.Decimal
	Description string
}

// Component is a pay component computed by formula.
type Component struct {
	Code, Name  string
	Kind        LineKind
	Eligibility Eligibility
	Formula     string
}

// CommissionRule pays Rate × the contract amount once the collection ratio
// reaches Threshold.
type CommissionRule struct {
	Code, Name      string
	Rate, Threshold money.Decimal
}

// RegionClass gives an org unit's subtree a region coefficient.
type RegionClass struct {
	OrgUnit, Name string
	Coefficient   money.Decimal
}

// Config is one version of the pay configuration, in effect from Effective
// until the next version's effective date.
type Config struct {
	Effective   civil.Date
	Revision    int64
	Description string
	// Standard is S, the base standard the pay table's factors multiply.
	Standard         money.Amount
	GradeRates       []GradeRate
	Parameters       []Parameter
	Components       []Component
	CommissionRules  []CommissionRule
	RegionClasses    []RegionClass
	SupervisorPosts  []string
	SupervisorLevels []string // "{ladder}/{level}"
}

// Name is the configuration's resource name, "payConfigs/2026-01-01".
func (c Config) Name() string { return "payConfigs/" + c.Effective.String() }

// Key identifies the version and revision, "2026-01-01#2": a payslip records
// the key it was computed with, and a retro change is a key that differs.
func (c Config) Key() string { return fmt.Sprintf("%s#%d", c.Effective, c.Revision) }

// Label is how payslips name the configuration, "payConfigs/2026-01-01 r2".
func (c Config) Label() string { return fmt.Sprintf("%s r%d", c.Name(), c.Revision) }

var (
	codeRE       = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,31}$`)
	levelRefRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}/[A-Za-z0-9_-]{1,32}$`)
	ladderRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	gradeCodeRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
	orgUnitIDRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	reservedLine = []string{"COMMISSION", "CLAWBACK", "AWARD", "DEDUCTION", "ADJUSTMENT", "RETRO", "NET"}
	maxFactor    = money.DecimalFromInt(100)
	maxRegion    = money.DecimalFromInt(10)
	one          = money.DecimalFromInt(1)
)

// Limits of a configuration.
const (
	MaxGradeRates  = 500
	MaxParameters  = 100
	MaxComponents  = 50
	MaxRules       = 50
	MaxRegions     = 1000
	MaxSupervisors = 100
	maxText        = 200
)

// Validate checks the configuration and compiles its formulas; every problem
// is reported with its field ("components[2].formula": "1:17: unknown name
// …"). It returns the compiled plan when there is none.
func (c Config) Validate() error {
	_, err := c.Compile()
	return err
}

// Plan is a configuration ready to compute payslips with: validated, its
// formulas compiled, its tables indexed. It is immutable and safe for
// concurrent use.
type Plan struct {
	Config
	formulas   []*formula.Formula
	commission *formula.Formula
	inputs     map[string]formula.Input // catalogue and parameters, by name
	params     map[string]Parameter
	rates      map[[3]string]GradeRate
	regions    map[string]RegionClass
	supPosts   map[string]bool
	supLevels  map[string]bool
	rules      map[string]CommissionRule
	figures    []string // figure codes the formulas use
	// What every payslip computed with the plan shares, worked out once.
	catalogue   []CatalogueInput
	paramSource map[string]string
	rateSource  map[[3]string][2]string // base, performance
	stdSource   string
	noRegion    string
}

// Compile validates the configuration (see [Config.Validate]) and returns
// its plan.
func (c Config) Compile() (*Plan, error) {
	var p problems
	pl := &Plan{Config: c, inputs: map[string]formula.Input{}, params: map[string]Parameter{},
		rates: map[[3]string]GradeRate{}, regions: map[string]RegionClass{}, supPosts: map[string]bool{},
		supLevels: map[string]bool{}, rules: map[string]CommissionRule{}}
	if c.Standard.Sign() <= 0 {
		p.add("standard", "the base standard S must be above zero, e.g. 6000.00")
	}
	if utf8.RuneCountInString(c.Description) > maxText {
		p.add("description", "at most %d characters", maxText)
	}

	if len(c.GradeRates) > MaxGradeRates {
		p.add("grade_rates", "%d rows; at most %d", len(c.GradeRates), MaxGradeRates)
	}
	for i, r := range c.GradeRates {
		if !ladderRE.MatchString(r.Ladder) {
			p.add(at("grade_rates", i, "ladder"), "want gradeLadders/{ladder}, e.g. gradeLadders/sales")
		}
		if !gradeCodeRE.MatchString(r.Level) {
			p.add(at("grade_rates", i, "level"), "want the level's code on the ladder, e.g. ASSISTANT")
		}
		if r.Band != "" && !gradeCodeRE.MatchString(r.Band) {
			p.add(at("grade_rates", i, "band"), "want a band code such as A, or empty for every band")
		}
		if r.Base.Sign() < 0 || r.Base.Cmp(maxFactor) > 0 {
			p.add(at("grade_rates", i, "base_factor"), "%s: a factor of S from 0 to 100, e.g. 0.8", r.Base)
		}
		if r.Performance.Sign() < 0 || r.Performance.Cmp(maxFactor) > 0 {
			p.add(at("grade_rates", i, "performance_factor"), "%s: a factor of S from 0 to 100, e.g. 0.5", r.Performance)
		}
		key := [3]string{r.Ladder, r.Level, r.Band}
		if _, dup := pl.rates[key]; dup {
			p.add(at("grade_rates", i, ""), "repeats the row of gradeLadders/%s %s %s", r.Ladder, r.Level, r.Band)
		}
		pl.rates[key] = r
	}

	catalogue := catalogueByName()
	var env formula.Env
	for _, ci := range Catalogue() {
		env.Inputs = append(env.Inputs, ci.Input)
		pl.inputs[ci.Name] = ci.Input
	}
	if len(c.Parameters) > MaxParameters {
		p.add("parameters", "%d parameters; at most %d", len(c.Parameters), MaxParameters)
	}
	for i, par := range c.Parameters {
		field := at("parameters", i, "")
		switch _, known := catalogue[par.Name]; {
		case !validInputName(par.Name):
			p.add(field+".name", "%q is not a name: a letter or _, then letters, digits or _ (not a word of the formula language such as min or and)", par.Name)
			continue
		case known:
			p.add(field+".name", "%q is a formula input (ListFormulaInputs); choose another name", par.Name)
			continue
		}
		if _, dup := pl.params[par.Name]; dup {
			p.add(field+".name", "%q is declared twice", par.Name)
			continue
		}
		if par.Unit < formula.UnitNumber || par.Unit > formula.UnitMoney {
			p.add(field+".unit", "is required: UNIT_NUMBER, UNIT_RATE, UNIT_COUNT, UNIT_DAYS or UNIT_MONEY")
			continue
		}
		if par.Unit == formula.UnitMoney && par.Value.RoundHalfEven(2).Cmp(par.Value) != 0 {
			p.add(field+".value", "%s: an amount of money has at most two decimals", par.Value)
		}
		if utf8.RuneCountInString(par.Description) > maxText {
			p.add(field+".description", "at most %d characters", maxText)
		}
		in := formula.Input{Name: par.Name, Unit: par.Unit, NonZero: !par.Value.IsZero(), Doc: par.Description}
		pl.params[par.Name] = par
		pl.inputs[par.Name] = in
		env.Inputs = append(env.Inputs, in)
	}
	env.Result = formula.UnitMoney

	if len(c.Components) > MaxComponents {
		p.add("components", "%d components; at most %d", len(c.Components), MaxComponents)
	}
	codes := map[string]int{}
	figures := map[string]bool{}
	for i, comp := range c.Components {
		field := at("components", i, "")
		switch {
		case !codeRE.MatchString(comp.Code):
			p.add(field+".code", "%q: want upper-case letters, digits and _, starting with a letter, e.g. BASE", comp.Code)
		case reservedCode(comp.Code):
			p.add(field+".code", "%q is reserved for lines the service makes itself (%s)", comp.Code, strings.Join(reservedLine, ", "))
		default:
			if j, dup := codes[comp.Code]; dup {
				p.add(field+".code", "repeats components[%d]", j)
			}
			codes[comp.Code] = i
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(comp.Name)); n == 0 || n > 50 {
			p.add(field+".display_name", "1 to 50 characters, e.g. 基本报酬")
		}
		if comp.Kind != Earning && comp.Kind != Deduction {
			p.add(field+".kind", "is required: LINE_KIND_EARNING or LINE_KIND_DEDUCTION")
		}
		if comp.Eligibility < NonTrainees || comp.Eligibility > Supervisors {
			p.add(field+".eligibility", "is required: ELIGIBILITY_NON_TRAINEES, ELIGIBILITY_TRAINEES or ELIGIBILITY_SUPERVISORS")
		}
		if strings.TrimSpace(comp.Formula) == "" {
			p.add(field+".formula", "is required, e.g. max(base_standard * region_coefficient - conduct_deductions, 0)")
			pl.formulas = append(pl.formulas, nil)
			continue
		}
		f, err := formula.Compile(comp.Formula, env)
		if err != nil {
			var fe *formula.Error
			if errors.As(err, &fe) {
				p.add(field+".formula", "%s", fe.Error())
			} else {
				p.add(field+".formula", "%v", err)
			}
			pl.formulas = append(pl.formulas, nil)
			continue
		}
		pl.formulas = append(pl.formulas, f)
		for _, name := range f.Inputs() {
			if ci, ok := catalogue[name]; ok && ci.Figure != "" {
				figures[ci.Figure] = true
			}
		}
	}
	for _, ci := range Catalogue() {
		if figures[ci.Figure] {
			pl.figures = append(pl.figures, ci.Figure)
		}
	}

	if len(c.CommissionRules) > MaxRules {
		p.add("commission_rules", "%d rules; at most %d", len(c.CommissionRules), MaxRules)
	}
	for i, r := range c.CommissionRules {
		field := at("commission_rules", i, "")
		if !codeRE.MatchString(r.Code) {
			p.add(field+".code", "%q: want upper-case letters, digits and _, e.g. LOAN_CONTRACT", r.Code)
		} else if _, dup := pl.rules[r.Code]; dup {
			p.add(field+".code", "%q is declared twice", r.Code)
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(r.Name)); n == 0 || n > 50 {
			p.add(field+".display_name", "1 to 50 characters, e.g. 贷款合同提成")
		}
		if r.Rate.Sign() < 0 || r.Rate.Cmp(one) > 0 {
			p.add(field+".rate", "%s: a fraction of the contract amount from 0 to 1, e.g. 0.002", r.Rate)
		}
		if r.Threshold.Sign() < 0 || r.Threshold.Cmp(one) > 0 {
			p.add(field+".threshold", "%s: a collection ratio from 0 to 1, e.g. 0.8", r.Threshold)
		}
		pl.rules[r.Code] = r
	}
	if len(c.RegionClasses) > MaxRegions {
		p.add("region_classes", "%d classes; at most %d", len(c.RegionClasses), MaxRegions)
	}
	for i, r := range c.RegionClasses {
		field := at("region_classes", i, "")
		if !orgUnitIDRE.MatchString(r.OrgUnit) {
			p.add(field+".org_unit", "want orgUnits/{org_unit}, e.g. orgUnits/branch-east")
		} else if _, dup := pl.regions[r.OrgUnit]; dup {
			p.add(field+".org_unit", "orgUnits/%s has two classes", r.OrgUnit)
		}
		if r.Coefficient.Sign() <= 0 || r.Coefficient.Cmp(maxRegion) > 0 {
			p.add(field+".coefficient", "%s: above 0 and at most 10, e.g. 1.10", r.Coefficient)
		}
		if utf8.RuneCountInString(r.Name) > 50 {
			p.add(field+".display_name", "at most 50 characters")
		}
		pl.regions[r.OrgUnit] = r
	}
	if len(c.SupervisorPosts) > MaxSupervisors {
		p.add("supervisor_posts", "%d posts; at most %d", len(c.SupervisorPosts), MaxSupervisors)
	}
	for i, post := range c.SupervisorPosts {
		if n := utf8.RuneCountInString(strings.TrimSpace(post)); n == 0 || n > 50 {
			p.add(fmt.Sprintf("supervisor_posts[%d]", i), "a post of 1 to 50 characters, e.g. 营销团队主管")
		}
		pl.supPosts[post] = true
	}
	if len(c.SupervisorLevels) > MaxSupervisors {
		p.add("supervisor_levels", "%d levels; at most %d", len(c.SupervisorLevels), MaxSupervisors)
	}
	for i, l := range c.SupervisorLevels {
		if !levelRefRE.MatchString(l) {
			p.add(fmt.Sprintf("supervisor_levels[%d]", i), "%q: want {ladder}/{level}, e.g. sales/SUP1", l)
		}
		pl.supLevels[l] = true
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	pl.catalogue = Catalogue()
	label := pl.Label()
	pl.stdSource = label + ": base standard S"
	pl.noRegion = label + ": no region class above the manager's unit: 1"
	pl.paramSource = make(map[string]string, len(c.Parameters))
	for _, par := range c.Parameters {
		src := label + " parameter " + par.Name
		if par.Description != "" {
			src += ": " + par.Description
		}
		pl.paramSource[par.Name] = src
	}
	pl.rateSource = make(map[[3]string][2]string, len(c.GradeRates))
	for key, r := range pl.rates {
		row := label + " pay table gradeLadders/" + r.Ladder + " " + r.Level
		if r.Band != "" {
			row += " " + r.Band
		}
		pl.rateSource[key] = [2]string{row + ": base " + r.Base.String() + " × S " + c.Standard.String(),
			row + ": performance " + r.Performance.String() + " × S " + c.Standard.String()}
	}
	cf, err := formula.Compile(commissionFormula, commissionEnv())
	if err != nil {
		return nil, fmt.Errorf("the commission formula does not compile: %w", err) // the program's mistake
	}
	pl.commission = cf
	return pl, nil
}

// validInputName reports whether s can name a parameter: formula.Compile
// with s as an input accepts it.
func validInputName(s string) bool {
	_, err := formula.Compile("0", formula.Env{Inputs: []formula.Input{{Name: s, Unit: formula.UnitNumber}}, Result: formula.UnitNumber})
	return err == nil
}

func reservedCode(code string) bool {
	for _, r := range reservedLine {
		if code == r {
			return true
		}
	}
	return false
}

// FigureCodes are the business figures the plan's formulas use, in catalogue
// order: what a payroll run reads from the assessment service.
func (p *Plan) FigureCodes() []string { return p.figures }

// UsesCoefficient reports whether a formula uses the performance coefficient.
func (p *Plan) UsesCoefficient() bool {
	for _, f := range p.formulas {
		for _, name := range f.Inputs() {
			if name == "coefficient" {
				return true
			}
		}
	}
	return false
}

// Rule is the commission rule of code, if the plan has it.
func (p *Plan) Rule(code string) (CommissionRule, bool) {
	r, ok := p.rules[code]
	return r, ok
}

// Supervisor reports whether a manager with this post and grade is a
// supervisor under the plan.
func (p *Plan) Supervisor(post, ladder, level string) bool {
	return p.supPosts[post] || (ladder != "" && p.supLevels[ladder+"/"+level])
}

// rate finds the pay-table row of a grade: the band's own row, else the
// level's row without a band; and the sources of its two standards.
func (p *Plan) rate(ladder, level, band string) (GradeRate, [2]string, bool) {
	key := [3]string{ladder, level, band}
	r, ok := p.rates[key]
	if !ok {
		key[2] = ""
		r, ok = p.rates[key]
	}
	return r, p.rateSource[key], ok
}

// region finds the region class of the deepest unit on path ("/a/b/c/") that
// has one.
func (p *Plan) region(path string) (RegionClass, bool) {
	units := strings.Split(strings.Trim(path, "/"), "/")
	for i := len(units) - 1; i >= 0; i-- {
		if r, ok := p.regions[units[i]]; ok {
			return r, true
		}
	}
	return RegionClass{}, false
}

// commissionFormula is the commission of one contract less what was paid on
// it before: positive pays commission, negative claws it back.
const commissionFormula = "round(if(collected >= threshold * contract_amount, contract_amount * rate, 0), 2) - paid"

func commissionEnv() formula.Env {
	return formula.Env{Inputs: []formula.Input{
		{Name: "contract_amount", Unit: formula.UnitMoney, Doc: "the contract amount"},
		{Name: "collected", Unit: formula.UnitMoney, Doc: "collected on the contract up to the month's end, reversals deducted"},
		{Name: "threshold", Unit: formula.UnitRate, Doc: "collection ratio from which commission is paid"},
		{Name: "rate", Unit: formula.UnitRate, Doc: "commission as a fraction of the contract amount"},
		{Name: "paid", Unit: formula.UnitMoney, Doc: "commission paid on the contract by locked runs, clawbacks deducted"},
	}, Result: formula.UnitMoney}
}
