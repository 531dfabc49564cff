package pay

import (
	"github.com/rmsuite/rmsuite/pkg/money"
)

// Status is a manager's lifecycle status; the numbers are the roster's.
type Status int

// The statuses.
const (
	Candidate         Status = 1
	Probation         Status = 2
	ExtendedProbation Status = 3
	Confirmed         Status = 4
	Observation       Status = 5
	Exited            Status = 6
)

// Paid reports whether a manager with status s is on the payroll: appointed
// and not gone (on probation, confirmed or under observation).
func (s Status) Paid() bool { return s >= Probation && s <= Observation }

// Trainee reports whether s is a trainee (实习期): paid the daily wage only.
func (s Status) Trainee() bool { return s == Probation || s == ExtendedProbation }

// Manager is who a payslip is for, as of the month's last day.
type Manager struct {
	ID, Name           string
	OrgUnitID, OrgPath string
	Post               string
	Ladder, Level      string // the grade; empty without one
	Band, GradeName    string
	Status             Status
}

// Grade describes the manager's grade for people, e.g. "助理 (gradeLadders/sales ASSISTANT)".
func (m Manager) Grade() string {
	if m.Ladder == "" {
		return ""
	}
	name := m.GradeName
	if name == "" {
		name = m.Level + m.Band
	}
	code := m.Level
	if m.Band != "" {
		code += " " + m.Band
	}
	return name + " (gradeLadders/" + m.Ladder + " " + code + ")"
}

// Sourced is a value with where it came from.
type Sourced struct {
	Value  money.Decimal
	Source string
}

// InputKind is the kind of a pay input; the numbers match the wire enum.
type InputKind int

// The kinds of pay input.
const (
	ConductDeduction   InputKind = 1
	Award              InputKind = 2
	DaysWorked         InputKind = 3
	MarketingExpense   InputKind = 4
	OtherDeduction     InputKind = 5
	Adjustment         InputKind = 6
	CommissionContract InputKind = 7
	Collection         InputKind = 8
)

// PayInput is one pay input of the month.
type PayInput struct {
	ID          string
	Kind        InputKind
	Code        string
	Contract    string
	Value       money.Decimal
	RefRun      string // adjustments: the locked run corrected (id)
	RefPeriod   string // adjustments: its month
	Description string
	Source      string
}

// Contract is a commission contract with what was collected on it up to the
// month's end and what commission locked runs paid on it.
type Contract struct {
	ID, Rule  string
	Amount    money.Decimal
	Signed    string // the month it was recorded in
	Collected money.Decimal
	// Collections name the collection inputs summed.
	Collections []string
	Paid        money.Amount
	// PaidIn names the locked runs that paid (or clawed back) commission on it.
	PaidIn []string
	Input  string // the contract's pay input
}

// Inputs is everything one manager's payslip is computed from, gathered by a
// payroll run. It is stored with the payslip, so a locked month can be
// recomputed under a configuration dated back into it.
type Inputs struct {
	Period      Period
	Manager     Manager
	Coefficient *Sourced           // nil: no closed assessment result
	Figures     map[string]Sourced // by figure code; absent figures count as 0
	PayInputs   []PayInput         // of the month
	Contracts   []Contract
}
