package pay

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/formula"
)

// LineInput is an input of a payslip line with its value and source.
type LineInput struct {
	Name   string
	Unit   formula.Unit
	Value  money.Decimal
	Source string
	Doc    string
}

// LineStep is the value of one part of a line's formula.
type LineStep struct {
	Text, Value string
}

// Line is one line of a payslip and how it was computed. Amount is never
// below zero: Kind says which way it counts.
type Line struct {
	Code, Name string
	Kind       LineKind
	Amount     money.Amount
	Formula    string
	Inputs     []LineInput
	Steps      []LineStep
	Note       string
	RefRun     string // adjustments and retro lines: the locked run corrected (id)
	RefPeriod  string // … and its month
	// Component is the configuration component a line comes from (its own
	// code, or the component a retro line corrects).
	Component string `json:",omitempty"`
	// Contract is the commission contract of a commission or clawback line.
	Contract string `json:",omitempty"`
	// Basis is what the line assumed of earlier locked runs, checked again
	// when the run is locked: for commission the amount already paid (fen),
	// for retro lines the configuration key last settled.
	Basis string `json:",omitempty"`
}

// Signed is the line's effect on net pay in fen: + for earnings, − for
// deductions.
func (l Line) Signed() int64 {
	if l.Kind == Deduction {
		return -l.Amount.Fen()
	}
	return l.Amount.Fen()
}

// Settlement is what a retro line settles when its run is locked: the
// amounts each component of a locked month now stands at, under Key.
type Settlement struct {
	Period  string
	Run     string
	Key     string
	Amounts map[string]int64 // component → signed fen
}

// Payslip is one manager's pay for one month.
type Payslip struct {
	Period                 Period
	Manager                Manager
	Trainee, Supervisor    bool
	Lines                  []Line
	Gross, Deductions, Net money.Amount
	Warnings               []string
	ConfigKey              string // the configuration computed with
	Settlements            []Settlement
}

// Components is what the payslip's component lines come to, signed, by
// component code: what a retro recomputation is compared with.
func (s Payslip) Components() map[string]int64 {
	out := map[string]int64{}
	for _, l := range s.Lines {
		if l.Component != "" && l.RefRun == "" {
			out[l.Component] += l.Signed()
		}
	}
	return out
}

// Retro asks for the correction of a locked month: its inputs as stored,
// recomputed under Plan (the configuration now in effect for that month) and
// compared with what that month's lines have settled so far.
type Retro struct {
	Period  Period
	Run     string           // the locked run (id)
	Plan    *Plan            // the configuration now in effect for Period
	Inputs  Inputs           // the month's inputs as the locked run stored them
	Settled map[string]int64 // component → signed fen settled so far
	// SettledKey is the configuration the settled amounts were computed with.
	SettledKey string
}

// Compute computes one manager's payslip for in.Period under plan, with the
// retro corrections asked for. The same plan and inputs always give the same
// payslip. It fails only if an amount overflows.
func Compute(plan *Plan, in Inputs, retros ...Retro) (Payslip, error) {
	c := newComputation(plan, in)
	c.components()
	c.commission()
	c.payInputs()
	for _, r := range retros {
		if err := c.retro(r); err != nil {
			return c.slip, err
		}
	}
	return c.slip, c.total()
}

type computation struct {
	plan   *Plan
	in     Inputs
	slip   Payslip
	vals   map[string]money.Decimal
	source map[string]string
	why    map[string]string // inputs without a value: why
}

func newComputation(plan *Plan, in Inputs) *computation {
	m := in.Manager
	c := &computation{plan: plan, in: in, vals: map[string]money.Decimal{}, source: map[string]string{}, why: map[string]string{}}
	c.slip = Payslip{Period: in.Period, Manager: m, Trainee: m.Status.Trainee(),
		Supervisor: plan.Supervisor(m.Post, m.Ladder, m.Level), ConfigKey: plan.Key()}
	label := plan.Label()
	set := func(name string, v money.Decimal, src string) { c.vals[name], c.source[name] = v, src }

	std := plan.Standard.Decimal()
	set("S", std, plan.stdSource)
	switch r, src, ok := plan.rate(m.Ladder, m.Level, m.Band); {
	case m.Ladder == "":
		c.why["base_standard"] = fmt.Sprintf("the roster has no grade for managers/%s on %s", m.ID, in.Period.Last())
		c.why["performance_standard"] = c.why["base_standard"]
	case !ok:
		c.why["base_standard"] = fmt.Sprintf("the pay table of %s has no row for %s", label, m.Grade())
		c.why["performance_standard"] = c.why["base_standard"]
	default:
		if v, err := r.Base.Mul(std); err == nil {
			set("base_standard", v, src[0])
		}
		if v, err := r.Performance.Mul(std); err == nil {
			set("performance_standard", v, src[1])
		}
	}
	if r, ok := plan.region(m.OrgPath); ok {
		set("region_coefficient", r.Coefficient, label+" region class "+r.Name+" of orgUnits/"+r.OrgUnit)
	} else {
		set("region_coefficient", one, plan.noRegion)
	}
	if in.Coefficient != nil {
		set("coefficient", in.Coefficient.Value, in.Coefficient.Source)
	} else {
		c.why["coefficient"] = fmt.Sprintf("the assessment service has no closed result for managers/%s in %s", m.ID, in.Period)
	}
	for _, ci := range plan.catalogue {
		if ci.Figure == "" {
			continue
		}
		f, ok := in.Figures[ci.Figure]
		if !ok {
			set(ci.Name, money.DecimalFromInt(0), fmt.Sprintf("no %s figure for %s: 0", ci.Figure, in.Period))
			continue
		}
		v := f.Value
		if ci.Percent {
			if q, err := v.Quo(money.DecimalFromInt(100)); err == nil {
				v = q
			}
		}
		set(ci.Name, v, f.Source)
	}
	c.sum("conduct_deductions", ConductDeduction)
	c.sum("F", MarketingExpense)
	for _, p := range in.PayInputs {
		if p.Kind == DaysWorked {
			set("days_worked", p.Value, "pay input payInputs/"+p.ID+sourceSuffix(p))
		}
	}
	if _, ok := c.vals["days_worked"]; !ok {
		c.why["days_worked"] = fmt.Sprintf("no days worked recorded for managers/%s in %s", m.ID, in.Period)
	}
	set("t", money.DecimalFromInt(int64(in.Period.Days())), "days in "+in.Period.String())
	for _, par := range plan.Parameters {
		set(par.Name, par.Value, plan.paramSource[par.Name])
	}
	return c
}

func sourceSuffix(p PayInput) string {
	if p.Source == "" {
		return ""
	}
	return " (from " + p.Source + ")"
}

// sum adds up the month's inputs of kind as the formula input name.
func (c *computation) sum(name string, kind InputKind) {
	total := money.DecimalFromInt(0)
	var from []string
	for _, p := range c.in.PayInputs {
		if p.Kind != kind {
			continue
		}
		if t, err := total.Add(p.Value); err == nil {
			total = t
		}
		item := "payInputs/" + p.ID
		if p.Code != "" {
			item += " " + p.Code
		}
		from = append(from, item+" "+p.Value.String())
	}
	src := "no pay inputs: 0"
	if len(from) > 0 {
		src = "pay inputs " + strings.Join(from, ", ")
	}
	c.vals[name], c.source[name] = total, src
}

func (c *computation) warn(format string, args ...any) {
	c.slip.Warnings = append(c.slip.Warnings, fmt.Sprintf(format, args...))
}

// eligible reports whether the manager gets components for e.
func (c *computation) eligible(e Eligibility) bool {
	switch e {
	case Trainees:
		return c.slip.Trainee
	case Supervisors:
		return c.slip.Supervisor && !c.slip.Trainee
	default:
		return !c.slip.Trainee
	}
}

// components adds a line per component the manager is eligible for.
func (c *computation) components() {
	for i, comp := range c.plan.Components {
		if !c.eligible(comp.Eligibility) {
			continue
		}
		line, err := c.formulaLine(c.plan.formulas[i], c.vals, c.source, c.plan.inputs)
		if err != nil {
			c.warn("%s %s not computed: %s", comp.Code, comp.Name, c.explainError(err))
			continue
		}
		line.Code, line.Name, line.Kind, line.Component = comp.Code, comp.Name, comp.Kind, comp.Code
		c.slip.Lines = append(c.slip.Lines, line)
	}
}

// explainError turns an evaluation error into a reason a person can act on.
func (c *computation) explainError(err error) string {
	var ev *formula.EvalError
	if errors.As(err, &ev) && errors.Is(err, formula.ErrMissingInput) {
		var reasons []string
		for _, name := range strings.Split(strings.TrimPrefix(ev.Msg, "missing input "), ", ") {
			if why, ok := c.why[name]; ok {
				reasons = append(reasons, name+": "+why)
			}
		}
		if len(reasons) > 0 {
			return strings.Join(reasons, "; ")
		}
	}
	return err.Error()
}

// formulaLine evaluates f with an explanation and rounds its result half to
// even to the fen; a negative result is paid as zero, with a note.
func (c *computation) formulaLine(f *formula.Formula, vals map[string]money.Decimal, source map[string]string, decl map[string]formula.Input) (Line, error) {
	x, err := f.Explain(vals)
	if err != nil {
		return Line{}, err
	}
	amount, err := x.Result.RoundToFen()
	if err != nil {
		return Line{}, err
	}
	line := Line{Formula: f.String(), Amount: amount}
	for _, in := range x.Inputs {
		li := LineInput{Name: in.Name, Unit: in.Unit, Value: in.Value, Source: source[in.Name], Doc: in.Doc}
		if li.Doc == "" {
			li.Doc = decl[in.Name].Doc
		}
		line.Inputs = append(line.Inputs, li)
	}
	for _, s := range x.Steps {
		v := s.Value.String()
		if s.Unit == formula.UnitBool {
			v = strconv.FormatBool(s.Holds)
		}
		line.Steps = append(line.Steps, LineStep{Text: s.Text, Value: v})
	}
	if amount.Sign() < 0 {
		line.Note = fmt.Sprintf("the formula gives %s; a line is at least 0.00", amount)
		line.Amount = money.FromFen(0)
	}
	return line, nil
}

// commission adds, per contract, the commission due less what was paid before
// (or the clawback, when a reversal took the collection ratio below the
// threshold after commission was paid).
func (c *computation) commission() {
	contracts := append([]Contract(nil), c.in.Contracts...)
	sort.Slice(contracts, func(i, j int) bool { return contracts[i].ID < contracts[j].ID })
	for _, k := range contracts {
		rule, ok := c.plan.rules[k.Rule]
		if !ok {
			c.warn("contract %s: %s has no commission rule %s; nothing paid or clawed back", k.ID, c.plan.Label(), k.Rule)
			continue
		}
		vals := map[string]money.Decimal{"contract_amount": k.Amount, "collected": k.Collected, "threshold": rule.Threshold,
			"rate": rule.Rate, "paid": k.Paid.Decimal()}
		collected := "no collections: 0"
		if len(k.Collections) > 0 {
			collected = "collections " + strings.Join(k.Collections, ", ")
		}
		paid := "no commission paid before: 0"
		if len(k.PaidIn) > 0 {
			paid = "paid by locked runs " + strings.Join(k.PaidIn, ", ")
		}
		source := map[string]string{"contract_amount": "pay input payInputs/" + k.Input + " (contract " + k.ID + ", " + k.Signed + ")",
			"collected": collected, "threshold": c.plan.Label() + " commission rule " + rule.Code,
			"rate": c.plan.Label() + " commission rule " + rule.Code, "paid": paid}
		x, err := c.plan.commission.Explain(vals)
		if err != nil {
			c.warn("contract %s: commission not computed: %v", k.ID, err)
			continue
		}
		due, err := x.Result.RoundToFen()
		if err != nil || due.IsZero() {
			continue
		}
		if due.Sign() > 0 && c.slip.Trainee {
			c.warn("contract %s: trainees are paid the daily wage only; no commission", k.ID)
			continue
		}
		line, _ := c.formulaLine(c.plan.commission, vals, source, nil)
		line.Contract, line.Basis = k.ID, strconv.FormatInt(k.Paid.Fen(), 10)
		if due.Sign() > 0 {
			line.Code, line.Name, line.Kind, line.Amount = "COMMISSION/"+k.ID, rule.Name+" "+k.ID, Earning, due
		} else {
			neg, _ := due.Neg()
			line.Code, line.Name, line.Kind, line.Amount = "CLAWBACK/"+k.ID, "扣回 "+rule.Name+" "+k.ID, Deduction, neg
			line.Note = "the collection ratio fell below the threshold after commission was paid"
		}
		c.slip.Lines = append(c.slip.Lines, line)
	}
}

// payInputs adds the month's awards, adjustments and other deductions, each
// as its own line.
func (c *computation) payInputs() {
	for _, p := range c.in.PayInputs {
		in := []LineInput{{Name: "amount", Unit: formula.UnitMoney, Value: p.Value, Source: "pay input payInputs/" + p.ID + sourceSuffix(p), Doc: p.Description}}
		amount, err := p.Value.RoundToFen()
		if err != nil {
			c.warn("payInputs/%s: %v", p.ID, err)
			continue
		}
		switch p.Kind {
		case Award:
			if c.slip.Trainee {
				c.warn("award payInputs/%s (%s %s): trainees are paid the daily wage only; not paid", p.ID, p.Code, p.Value)
				continue
			}
			c.slip.Lines = append(c.slip.Lines, Line{Code: "AWARD/" + p.ID, Name: "奖励 " + p.Code, Kind: Earning, Amount: amount,
				Formula: "amount", Inputs: in, Note: p.Description})
		case OtherDeduction:
			c.slip.Lines = append(c.slip.Lines, Line{Code: "DEDUCTION/" + p.ID, Name: "扣款 " + p.Code, Kind: Deduction, Amount: amount,
				Formula: "amount", Inputs: in, Note: p.Description})
		case Adjustment:
			l := Line{Code: "ADJUSTMENT/" + p.ID, Formula: "amount", Inputs: in, Note: p.Description, RefRun: p.RefRun, RefPeriod: p.RefPeriod}
			if amount.Sign() >= 0 {
				l.Name, l.Kind, l.Amount = "补发 "+p.RefPeriod, Earning, amount
			} else {
				neg, _ := amount.Neg()
				l.Name, l.Kind, l.Amount = "扣回 "+p.RefPeriod, Deduction, neg
			}
			c.slip.Lines = append(c.slip.Lines, l)
		}
	}
}

// retro recomputes a locked month under the configuration now in effect for it
// and adds a line for every component that comes to a different amount: 补发
// what is now due on top, 扣回 what was paid too much.
func (c *computation) retro(r Retro) error {
	again, err := Compute(r.Plan, r.Inputs)
	if err != nil {
		return err
	}
	now := again.Components()
	codes := make([]string, 0, len(now)+len(r.Settled))
	for code := range now {
		codes = append(codes, code)
	}
	for code := range r.Settled {
		if _, ok := now[code]; !ok {
			codes = append(codes, code)
		}
	}
	// Payslip order: the configuration's components first, then any that are gone.
	order := map[string]int{}
	for i, comp := range r.Plan.Components {
		order[comp.Code] = i
	}
	sort.Slice(codes, func(i, j int) bool {
		oi, iok := order[codes[i]]
		oj, jok := order[codes[j]]
		if iok != jok {
			return iok
		}
		if oi != oj {
			return oi < oj
		}
		return codes[i] < codes[j]
	})
	names := map[string]string{}
	for _, comp := range r.Plan.Components {
		names[comp.Code] = comp.Name
	}
	changed := false
	for _, code := range codes {
		diff := now[code] - r.Settled[code]
		if diff == 0 {
			continue
		}
		changed = true
		name := names[code]
		if name == "" {
			name = code
		}
		l := Line{Code: "RETRO/" + r.Period.String() + "/" + code, Formula: "recomputed - settled", RefRun: r.Run,
			RefPeriod: r.Period.String(), Component: code, Basis: r.SettledKey,
			Inputs: []LineInput{
				{Name: "recomputed", Unit: formula.UnitMoney, Value: money.FromFen(now[code]).Decimal(),
					Source: fmt.Sprintf("%s %s recomputed under %s (in effect for %s now) from the inputs payrollRuns/%s stored", r.Period, code, r.Plan.Label(), r.Period, r.Run)},
				{Name: "settled", Unit: formula.UnitMoney, Value: money.FromFen(r.Settled[code]).Decimal(),
					Source: fmt.Sprintf("paid for %s by payrollRuns/%s and later adjustments (configuration %s)", r.Period, r.Run, r.SettledKey)},
			},
			Note: "the pay configuration for " + r.Period.String() + " changed after its run was locked"}
		if diff > 0 {
			l.Name, l.Kind, l.Amount = "补发 "+r.Period.String()+" "+name, Earning, money.FromFen(diff)
		} else {
			l.Name, l.Kind, l.Amount = "扣回 "+r.Period.String()+" "+name, Deduction, money.FromFen(-diff)
		}
		c.slip.Lines = append(c.slip.Lines, l)
	}
	if changed {
		c.slip.Settlements = append(c.slip.Settlements, Settlement{Period: r.Period.String(), Run: r.Run, Key: r.Plan.Key(), Amounts: now})
	}
	for _, w := range again.Warnings {
		c.warn("%s (retro): %s", r.Period, w)
	}
	return nil
}

// total adds up the lines: gross is the earnings, deductions the rest, net
// their difference.
func (c *computation) total() error {
	var gross, deductions money.Amount
	var err error
	for _, l := range c.slip.Lines {
		if l.Kind == Deduction {
			deductions, err = deductions.Add(l.Amount)
		} else {
			gross, err = gross.Add(l.Amount)
		}
		if err != nil {
			return fmt.Errorf("managers/%s: the payslip's total is out of range: %w", c.slip.Manager.ID, err)
		}
	}
	net, err := gross.Sub(deductions)
	if err != nil {
		return err
	}
	c.slip.Gross, c.slip.Deductions, c.slip.Net = gross, deductions, net
	if net.Sign() < 0 {
		c.warn("net pay is %s: deductions exceed gross pay; nothing is transferred and the balance must be settled by hand", net)
	}
	return nil
}
