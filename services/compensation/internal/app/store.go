package app

import (
	"context"
	"strconv"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

// ConfigRecord is a stored revision of a pay configuration version.
type ConfigRecord struct {
	pay.Config
	CreateTime, UpdateTime time.Time
	UpdatedBy              string
}

// InputRecord is a stored pay input.
type InputRecord struct {
	pay.PayInput
	Manager, Period string
	// OrgPath is the manager's unit's path when recorded, for scope.
	OrgPath    string
	CreateTime time.Time
	CreatedBy  string
}

// RunState is where a payroll run stands.
type RunState string

// The run states.
const (
	Draft     RunState = "DRAFT"
	Computed  RunState = "COMPUTED"
	Submitted RunState = "SUBMITTED"
	Locked    RunState = "LOCKED"
	Discarded RunState = "DISCARDED"
)

// RunRecord is a stored payroll run.
type RunRecord struct {
	ID, Period         string
	OrgUnitID, OrgPath string
	State              RunState
	Generation         int
	// ConfigKey is the configuration the payslips were computed with; Basis
	// the state of all configurations then (a change since needs a recompute
	// before the run may be locked).
	ConfigKey, Basis           string
	ConfigName                 string
	ConfigRevision             int64
	Payslips, Warned, Adjusted int
	Gross, Deductions, Net     money.Amount
	Approval, Rejection        string
	CreatedBy                  string
	SubmittedBy, ApprovedBy    string
	CreateTime, UpdateTime     time.Time
	LockTime                   time.Time
	Revision                   int64
	// OperationID is the latest computation; Op is it, when read with the run.
	OperationID string
	Op          *OpRecord
}

// Etag is the run's opaque revision tag.
func (r RunRecord) Etag() string { return "r" + itoa(int(r.Revision)) }

// OpState is where a computation stands.
type OpState string

// The computation states.
const (
	OpRunning   OpState = "RUNNING"
	OpSucceeded OpState = "SUCCEEDED"
	OpFailed    OpState = "FAILED"
	OpCancelled OpState = "CANCELLED"
)

// OpRecord is a computation of a run (a background job with a lease).
type OpRecord struct {
	ID, RunID          string
	Generation         int
	State              OpState
	Phase              string
	Percent, Total     int
	Changed            int
	Error              string
	CancelRequested    bool
	LeaseOwner         string
	LeaseUntil         time.Time
	RequestedBy        string
	StartTime, EndTime time.Time
}

// PayslipRecord is a stored payslip of one generation of a run.
type PayslipRecord struct {
	RunID      string
	Generation int
	pay.Payslip
	// Inputs are what the payslip was computed from (loaded only when asked).
	Inputs *pay.Inputs
	// RunState and Locked come with payslips read for people.
	RunState RunState
}

// Claim is what a payslip line assumed of earlier locked runs, checked again
// and settled when the run is locked.
type Claim struct {
	Manager string
	// Kind is "COMMISSION" (Ref: the contract) or "RETRO" (Ref: the month).
	Kind, Ref string
	// Basis: the commission paid before (fen), or the configuration key last
	// settled.
	Basis string
	// Amount: the commission line's signed fen.
	Amount int64
	// Period and OrigRun: the run's month (commission), or the locked run
	// corrected (retro).
	Period, OrigRun string
	// Settle is the settlement a retro claim records.
	Settle *pay.Settlement
}

// LockedPayslip is a payslip of a locked run with its inputs, for retro
// corrections.
type LockedPayslip struct {
	RunID, Period, ConfigKey string
	Manager                  string
	Components               map[string]int64
	Inputs                   pay.Inputs
}

// Settled is the latest settlement of one manager's month.
type Settled struct {
	Key     string
	Amounts map[string]int64
}

// Paid is the commission locked runs paid on one contract.
type Paid struct {
	Fen  int64
	Runs []string
}

// Store is what the use cases need from storage. Methods that write must run
// inside a transaction (see [Tx]).
type Store interface {
	// ConfigVersions reads the latest revision of every configuration
	// version, by effective date, earliest first.
	ConfigVersions(ctx context.Context) ([]ConfigRecord, error)
	// Config reads one revision (0: the latest); ErrNotFound if none.
	Config(ctx context.Context, effective civil.Date, revision int64) (ConfigRecord, error)
	// InsertConfig adds a revision; ErrExists if it exists.
	InsertConfig(ctx context.Context, r ConfigRecord) error
	// ConfigStamp changes whenever a configuration revision is added.
	ConfigStamp(ctx context.Context) (string, error)

	// InsertInputs adds pay inputs; ErrExists for a second contract of the
	// same id, or second days worked in a month, of one manager.
	InsertInputs(ctx context.Context, rs []InputRecord) error
	// Input reads one; ErrNotFound if none.
	Input(ctx context.Context, id string) (InputRecord, error)
	// ListInputs reads one page of the inputs scope allows.
	ListInputs(ctx context.Context, req aip.Request, scope Scope) ([]InputRecord, string, error)
	// DeleteInput removes one.
	DeleteInput(ctx context.Context, id string) error
	// InputsOf reads the month's inputs of managers, contracts and collections
	// aside.
	InputsOf(ctx context.Context, period string, managers []string) ([]InputRecord, error)
	// ContractsOf reads the commission contracts and collections of managers
	// recorded in months up to upTo.
	ContractsOf(ctx context.Context, managers []string, upTo string) ([]InputRecord, error)
	// LockedIn returns, of managers, those whose pay for period is in a locked
	// run, with the run's id.
	LockedIn(ctx context.Context, period string, managers []string) (map[string]string, error)

	// LockPeriod serialises run creation within a month until the
	// transaction ends.
	LockPeriod(ctx context.Context, period string) error
	// InsertRun adds a run; ErrExists if the month and unit have one that is
	// not discarded.
	InsertRun(ctx context.Context, r RunRecord) error
	// Run reads a run with its latest computation; ErrNotFound if none.
	Run(ctx context.Context, id string) (RunRecord, error)
	// ListRuns reads one page of the runs under scope's path (all for All).
	ListRuns(ctx context.Context, req aip.Request, scope Scope) ([]RunRecord, string, error)
	// RunsOf reads the runs of a month that are not discarded.
	RunsOf(ctx context.Context, period string) ([]RunRecord, error)
	// LockedRunsBefore reads the locked runs of months before period.
	LockedRunsBefore(ctx context.Context, period string) ([]RunRecord, error)
	// UpdateRun writes r (Revision already advanced) if the stored revision is
	// r.Revision-1, else ErrConflict.
	UpdateRun(ctx context.Context, r RunRecord) error
	// ApprovalState reads an approval's state (pkg/approval numbers) and the
	// reason of its decision.
	ApprovalState(ctx context.Context, id string) (int, string, error)

	// InsertOperation adds a computation.
	InsertOperation(ctx context.Context, op OpRecord) error
	// Operation reads one; ErrNotFound if none.
	Operation(ctx context.Context, id string) (OpRecord, error)
	// ClaimOperation takes a running computation no one holds (never claimed,
	// or its lease ran out) for owner until until; false if there is none.
	ClaimOperation(ctx context.Context, owner string, now, until time.Time) (OpRecord, bool, error)
	// Progress records how far owner's computation got and renews its lease;
	// it reports whether cancellation was asked for, and ErrConflict if owner
	// no longer holds it.
	Progress(ctx context.Context, op OpRecord) (cancel bool, err error)
	// FinishOperation records the end of owner's computation; ErrConflict if
	// owner no longer holds it.
	FinishOperation(ctx context.Context, op OpRecord) error
	// RequestCancel asks a computation to stop.
	RequestCancel(ctx context.Context, id string) error

	// WritePayslips adds payslips of one generation of a run, with their
	// inputs and claims.
	WritePayslips(ctx context.Context, run string, generation int, slips []PayslipRecord, claims []Claim) error
	// DropGenerations removes a run's payslips, claims and differences of every
	// generation above keep (left by a computation that did not finish), and
	// the payslips and claims of generations below keep.
	DropGenerations(ctx context.Context, run string, keep int) error
	// Summaries reads one generation's payslips reduced for comparison, by
	// manager.
	Summaries(ctx context.Context, run string, generation int) (map[string]pay.Summary, error)
	// WriteDiffs stores what a generation changed.
	WriteDiffs(ctx context.Context, run string, generation int, changes []pay.Change) error
	// Diffs reads one page of a generation's differences (by manager and
	// line), after the token.
	Diffs(ctx context.Context, run string, generation, size int, after string) ([]pay.Change, string, error)
	// Payslip reads one manager's payslip of a generation; ErrNotFound if none.
	Payslip(ctx context.Context, run string, generation int, manager string) (PayslipRecord, error)
	// ListPayslips reads one page of the current payslips of run ("" for
	// every run) that scope allows; Self sees own payslips of locked runs only.
	ListPayslips(ctx context.Context, req aip.Request, run string, scope Scope) ([]PayslipRecord, string, error)
	// PayslipsOf reads every payslip of one generation of a run, by org unit
	// and manager.
	PayslipsOf(ctx context.Context, run string, generation int) ([]PayslipRecord, error)
	// Claims reads the claims of a generation.
	Claims(ctx context.Context, run string, generation int) ([]Claim, error)
	// LockedPayslips reads, of the locked runs, the payslips of managers with
	// their inputs.
	LockedPayslips(ctx context.Context, runs []RunRecord, managers []string) ([]LockedPayslip, error)
	// Settlements reads the latest settlement of managers' months, by manager
	// and month.
	Settlements(ctx context.Context, managers []string) (map[[2]string]Settled, error)
	// CommissionPaid reads what locked runs paid on managers' contracts, by
	// manager and contract.
	CommissionPaid(ctx context.Context, managers []string) (map[[2]string]Paid, error)
	// Settle records, for a run being locked, its commission and retro claims.
	Settle(ctx context.Context, run RunRecord, claims []Claim, at time.Time) error
}

func itoa(i int) string { return strconv.Itoa(i) }
