package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"unicode/utf8"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/requestid"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

var (
	inputCodeRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,31}$`)
	contractRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	managerIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// MaxInputBatch is the most inputs one call records.
const MaxInputBatch = 20000

// NewInput is a pay input to record; field paths of its problems are relative
// to Field ("pay_inputs[3]").
type NewInput struct {
	InputRecord
	Field string
}

// CreateInputs records pay inputs: all of them, or — if any is wrong — none,
// with every problem named by its field. A month whose run is locked takes no
// more inputs. Writes in the caller's transaction.
func (a *App) CreateInputs(ctx context.Context, ins []NewInput) ([]InputRecord, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return nil, err
	}
	var p problemList
	ids := map[string]bool{}
	var managers []string
	for i := range ins {
		in := &ins[i]
		checkInput(&p, in)
		if managerIDRE.MatchString(in.Manager) && !ids[in.Manager] {
			ids[in.Manager] = true
			managers = append(managers, in.Manager)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	units, err := a.src.ManagerUnits(ctx, managers)
	if err != nil {
		return nil, err
	}
	paths, err := a.orgPaths(ctx, values(units)...)
	if err != nil {
		return nil, err
	}
	for _, in := range ins {
		unit, ok := units[in.Manager]
		switch {
		case !ok:
			p.add(in.Field+".manager", "managers/%s is not a manager in the roster", in.Manager)
		case !c.covers(paths[unit]):
			return nil, fmt.Errorf("%w: managers/%s is outside the org subtree whose pay you may change", ErrPermission, in.Manager)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	// Months whose run is locked take no more inputs.
	byPeriod := map[string][]string{}
	for _, in := range ins {
		byPeriod[in.Period] = append(byPeriod[in.Period], in.Manager)
	}
	locked := map[[2]string]string{}
	for period, ms := range byPeriod {
		in, err := a.store.LockedIn(ctx, period, ms)
		if err != nil {
			return nil, err
		}
		for m, run := range in {
			locked[[2]string{period, m}] = run
		}
	}
	for _, in := range ins {
		if run, ok := locked[[2]string{in.Period, in.Manager}]; ok {
			return nil, fmt.Errorf("%w: %s of managers/%s: payrollRuns/%s is locked and never changes; record the correction as an adjustment (KIND_ADJUSTMENT) in a later month",
				ErrState, in.Field, in.Manager, run)
		}
	}
	if err := a.checkReferences(ctx, ins, &p); err != nil {
		return nil, err
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	now := a.now()
	out := make([]InputRecord, len(ins))
	for i, in := range ins {
		r := in.InputRecord
		r.ID, r.OrgPath, r.CreateTime, r.CreatedBy = requestid.New(), paths[units[in.Manager]], now, c.Subject
		if r.Source == "" {
			r.Source = c.Subject
		}
		out[i] = r
	}
	if err := a.store.InsertInputs(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkReferences checks what inputs refer to: the contract a collection is
// on (recorded before, or in the same call), the contract a contract input
// introduces (once per manager), the locked run an adjustment corrects.
func (a *App) checkReferences(ctx context.Context, ins []NewInput, p *problemList) error {
	type key struct{ manager, contract string }
	// The contracts the managers of contract and collection inputs have, read once.
	var withContracts []string
	seen := map[string]bool{}
	for _, in := range ins {
		if (in.Kind == pay.CommissionContract || in.Kind == pay.Collection) && !seen[in.Manager] {
			seen[in.Manager] = true
			withContracts = append(withContracts, in.Manager)
		}
	}
	existing := map[key]InputRecord{}
	if len(withContracts) > 0 {
		recs, err := a.store.ContractsOf(ctx, withContracts, "9999-12")
		if err != nil {
			return err
		}
		for _, r := range recs {
			if r.Kind == pay.CommissionContract {
				existing[key{r.Manager, r.Contract}] = r
			}
		}
	}
	newContracts := map[key]int{}
	for i, in := range ins {
		if in.Kind == pay.CommissionContract {
			k := key{in.Manager, in.Contract}
			if j, dup := newContracts[k]; dup {
				p.add(in.Field+".contract", "repeats the contract of %s", ins[j].Field)
				continue
			}
			newContracts[k] = i
			if _, ok := existing[k]; ok {
				p.add(in.Field+".contract", "managers/%s already has contract %s", in.Manager, in.Contract)
			}
		}
	}
	plans, err := a.plans(ctx)
	if err != nil {
		return err
	}
	for _, in := range ins {
		switch in.Kind {
		case pay.CommissionContract:
			pl, err := plans.at(mustPeriod(in.Period))
			if err != nil {
				return err
			}
			if _, ok := pl.Rule(in.Code); !ok {
				p.add(in.Field+".code", "%q is not a commission rule of %s", in.Code, pl.Label())
			}
		case pay.Collection:
			if j, ok := newContracts[key{in.Manager, in.Contract}]; ok {
				if mustPeriod(in.Period).Before(mustPeriod(ins[j].Period)) {
					p.add(in.Field+".period", "before the month of contract %s (%s)", in.Contract, ins[j].Period)
				}
				continue
			}
			k, ok := existing[key{in.Manager, in.Contract}]
			switch {
			case !ok:
				p.add(in.Field+".contract", "managers/%s has no contract %s; record it first (KIND_COMMISSION_CONTRACT)", in.Manager, in.Contract)
			case mustPeriod(in.Period).Before(mustPeriod(k.Period)):
				p.add(in.Field+".period", "before the month of contract %s (%s)", in.Contract, k.Period)
			}
		case pay.Adjustment:
			run, err := a.store.Run(ctx, in.RefRun)
			switch {
			case isNotFound(err):
				p.add(in.Field+".reference_run", "payrollRuns/%s does not exist", in.RefRun)
				continue
			case err != nil:
				return err
			case run.State != Locked:
				p.add(in.Field+".reference_run", "payrollRuns/%s is not locked; correct an open run by recomputing it", in.RefRun)
				continue
			case !mustPeriod(run.Period).Before(mustPeriod(in.Period)):
				p.add(in.Field+".period", "an adjustment goes into a month after the one it corrects (%s)", run.Period)
				continue
			}
			if _, err := a.store.Payslip(ctx, run.ID, run.Generation, in.Manager); isNotFound(err) {
				p.add(in.Field+".reference_run", "payrollRuns/%s has no payslip of managers/%s", in.RefRun, in.Manager)
			} else if err != nil {
				return err
			}
		}
	}
	// Each adjustment names the month it corrects.
	for i := range ins {
		if ins[i].Kind == pay.Adjustment {
			if run, err := a.store.Run(ctx, ins[i].RefRun); err == nil {
				ins[i].RefPeriod = run.Period
			}
		}
	}
	return nil
}

// checkInput checks one input's fields by kind.
func checkInput(p *problemList, in *NewInput) {
	f := in.Field
	if !managerIDRE.MatchString(in.Manager) {
		p.add(f+".manager", "want managers/{employee number}, e.g. managers/E3001")
	}
	period, err := pay.ParsePeriod(in.Period)
	if err != nil {
		p.add(f+".period", "%v", err)
	}
	if utf8.RuneCountInString(in.Description) > 200 {
		p.add(f+".description", "at most 200 characters")
	}
	if utf8.RuneCountInString(in.Source) > 64 {
		p.add(f+".source", "at most 64 characters")
	}
	v := in.Value
	fen := v.RoundHalfEven(2).Cmp(v) == 0
	needCode := func(example string) {
		if !inputCodeRE.MatchString(in.Code) {
			p.add(f+".code", "%q: want upper-case letters, digits and _, e.g. %s", in.Code, example)
		}
	}
	noField := func(field, value string) {
		if value != "" {
			p.add(f+"."+field, "is only for %s", map[string]string{"contract": "commission contracts and collections",
				"reference_run": "adjustments"}[field])
		}
	}
	amount := func(allowZero, allowNegative bool) {
		switch {
		case !fen:
			p.add(f+".value", "%s: an amount of CNY has at most two decimals", v)
		case v.Sign() < 0 && !allowNegative:
			p.add(f+".value", "%s: must not be negative", v)
		case v.IsZero() && !allowZero:
			p.add(f+".value", "must not be 0")
		}
	}
	switch in.Kind {
	case pay.ConductDeduction:
		needCode("LATE")
		amount(false, false)
		noField("contract", in.Contract)
		noField("reference_run", in.RefRun)
	case pay.Award:
		needCode("CONTRACT_QUALITY")
		amount(false, false)
		noField("contract", in.Contract)
		noField("reference_run", in.RefRun)
	case pay.OtherDeduction:
		needCode("HOUSING_FUND")
		amount(false, false)
		noField("contract", in.Contract)
		noField("reference_run", in.RefRun)
	case pay.MarketingExpense:
		amount(true, false)
		noField("contract", in.Contract)
		noField("reference_run", in.RefRun)
	case pay.DaysWorked:
		days := money.DecimalFromInt(31)
		if err == nil {
			days = money.DecimalFromInt(int64(period.Days()))
		}
		if v.RoundHalfEven(0).Cmp(v) != 0 || v.Sign() < 0 || v.Cmp(days) > 0 {
			p.add(f+".value", "%s: whole days from 0 to %s", v, days)
		}
		noField("contract", in.Contract)
		noField("reference_run", in.RefRun)
	case pay.Adjustment:
		amount(false, true)
		if in.RefRun == "" {
			p.add(f+".reference_run", "is required: the locked run corrected, payrollRuns/{id}")
		}
		noField("contract", in.Contract)
	case pay.CommissionContract:
		needCode("LOAN_CONTRACT")
		amount(false, false)
		if !contractRE.MatchString(in.Contract) {
			p.add(f+".contract", "%q: 1 to 64 letters, digits, dots, underscores and hyphens", in.Contract)
		}
		noField("reference_run", in.RefRun)
	case pay.Collection:
		amount(false, true)
		if !contractRE.MatchString(in.Contract) {
			p.add(f+".contract", "%q: the contract collected on, 1 to 64 letters, digits, dots, underscores and hyphens", in.Contract)
		}
		noField("reference_run", in.RefRun)
	default:
		p.add(f+".kind", "is required: KIND_CONDUCT_DEDUCTION, KIND_AWARD, KIND_DAYS_WORKED, KIND_MARKETING_EXPENSE, KIND_OTHER_DEDUCTION, KIND_ADJUSTMENT, KIND_COMMISSION_CONTRACT or KIND_COLLECTION")
	}
}

// Input reads one pay input the caller may see (else NotFound).
func (a *App) Input(ctx context.Context, id string) (InputRecord, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return InputRecord{}, err
	}
	r, err := a.store.Input(ctx, id)
	if err != nil {
		return r, err
	}
	if !c.covers(r.OrgPath) {
		return InputRecord{}, fmt.Errorf("%w: payInputs/%s", ErrNotFound, id)
	}
	return r, nil
}

// ListInputs reads one page of the pay inputs the caller may see.
func (a *App) ListInputs(ctx context.Context, req aip.Request) ([]InputRecord, string, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return nil, "", err
	}
	scope := c.Scope
	scope.Self = "" // inputs are read by HR, the committee and administrators, not by managers
	return a.store.ListInputs(ctx, req, scope)
}

// DeleteInput removes an input recorded by mistake, unless its month is
// locked for the manager (or it is a contract with collections).
func (a *App) DeleteInput(ctx context.Context, id string) (InputRecord, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return InputRecord{}, err
	}
	r, err := a.store.Input(ctx, id)
	if err != nil {
		return r, err
	}
	if !c.covers(r.OrgPath) {
		if c.Has(auth.System) {
			return r, fmt.Errorf("%w: payInputs/%s", ErrNotFound, id)
		}
		return r, fmt.Errorf("%w: payInputs/%s is outside the org subtree whose pay you may change", ErrPermission, id)
	}
	locked, err := a.store.LockedIn(ctx, r.Period, []string{r.Manager})
	if err != nil {
		return r, err
	}
	if run, ok := locked[r.Manager]; ok {
		return r, fmt.Errorf("%w: payrollRuns/%s of %s is locked and never changes; record the correction as an adjustment in a later month", ErrState, run, r.Period)
	}
	if r.Kind == pay.CommissionContract {
		all, err := a.store.ContractsOf(ctx, []string{r.Manager}, "9999-12")
		if err != nil {
			return r, err
		}
		for _, x := range all {
			if x.Kind == pay.Collection && x.Contract == r.Contract {
				return r, fmt.Errorf("%w: contract %s has collections (payInputs/%s); remove them first", ErrState, r.Contract, x.ID)
			}
		}
	}
	return r, a.store.DeleteInput(ctx, id)
}

// problemList collects field violations.
type problemList struct{ list []pay.Violation }

func (p *problemList) add(field, format string, args ...any) {
	p.list = append(p.list, pay.Violation{Field: field, Description: fmt.Sprintf(format, args...)})
}

func (p *problemList) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &pay.InvalidError{Violations: p.list}
}

func values(m map[string]string) []string {
	out := make([]string, 0, len(m))
	seen := map[string]bool{}
	for _, v := range m {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

func mustPeriod(s string) pay.Period {
	p, _ := pay.ParsePeriod(s)
	return p
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
