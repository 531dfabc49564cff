// Package manager is the customer-manager domain: the record, its effective-dated
// history, the lifecycle state machine, grade ladders and the entry rules (准入).
package manager

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
)

// Errors of the manager domain; messages wrap them with the specifics.
var (
	ErrNotFound         = errors.New("not found")
	ErrAlreadyExists    = errors.New("already exists")
	ErrInvalid          = errors.New("invalid")               // a value breaks a rule (InvalidArgument)
	ErrIllegalState     = errors.New("illegal in this state") // a transition or change the state forbids (FailedPrecondition)
	ErrPermissionDenied = errors.New("permission denied")
)

// Line is the business line served; the numbers match the wire enum.
type Line int

// Lines.
const (
	Corporate Line = 1
	Retail    Line = 2
	Micro     Line = 3
)

func (l Line) String() string {
	switch l {
	case Corporate:
		return "LINE_CORPORATE"
	case Retail:
		return "LINE_RETAIL"
	case Micro:
		return "LINE_MICRO"
	}
	return fmt.Sprintf("Line(%d)", int(l))
}

// Valid reports whether l is a known line.
func (l Line) Valid() bool { return l >= Corporate && l <= Micro }

// Status is the lifecycle state; the numbers match the wire enum.
type Status int

// Statuses.
const (
	Candidate         Status = 1
	Probation         Status = 2
	ExtendedProbation Status = 3
	Confirmed         Status = 4
	Observation       Status = 5
	Exited            Status = 6
)

var statusNames = map[Status]string{
	Candidate: "STATUS_CANDIDATE", Probation: "STATUS_PROBATION", ExtendedProbation: "STATUS_EXTENDED_PROBATION",
	Confirmed: "STATUS_CONFIRMED", Observation: "STATUS_OBSERVATION", Exited: "STATUS_EXITED",
}

func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Active reports whether the manager serves customers in this state.
func (s Status) Active() bool { return s >= Probation && s <= Observation }

// ExitReason says why a manager left; the numbers match the wire enum.
type ExitReason int

// Exit reasons.
const (
	Resigned       ExitReason = 1
	Dismissed      ExitReason = 2
	TransferredOut ExitReason = 3
)

// Education levels, lowest first; the numbers match the wire enum.
const (
	EducationJuniorCollege = 3 // 大专: the entry minimum
)

// Qualification kinds used by the rules.
const (
	CreditLicence = 1 // 信贷上岗证
)

// Qualification is a licence or certificate.
type Qualification struct {
	Kind   int        `json:"kind"`
	Number string     `json:"number,omitempty"`
	Issue  civil.Date `json:"issue,omitzero"`
	Expiry civil.Date `json:"expiry,omitzero"`
}

// ValidOn reports whether the qualification is in force on day d.
func (q Qualification) ValidOn(d civil.Date) bool {
	return !q.Issue.After(d) && (q.Expiry.IsZero() || !q.Expiry.Before(d))
}

// Sanction is a disciplinary sanction.
type Sanction struct {
	Description string     `json:"description,omitempty"`
	Imposed     civil.Date `json:"imposed,omitzero"`
	Lifted      civil.Date `json:"lifted,omitzero"`
}

// EntryRecord is what the entry check reads besides the record itself.
type EntryRecord struct {
	KnowledgeExam civil.Date `json:"knowledgeExam,omitzero"`
	ConductReview civil.Date `json:"conductReview,omitzero"`
	Sanctions     []Sanction `json:"sanctions,omitempty"`
}

// Grade is a position on a ladder from a day on.
type Grade struct {
	Ladder    string // ladder id; "" for no grade
	Level     string // level code
	Band      string
	Effective civil.Date
}

// IsZero reports whether no grade is held.
func (g Grade) IsZero() bool { return g.Ladder == "" }

// Manager is a customer manager's record.
type Manager struct {
	ID             string // employee number
	DisplayName    string
	Gender         int
	BirthDate      civil.Date
	Education      int
	HireDate       civil.Date
	FinanceStart   civil.Date
	OrgUnitID      string
	OrgPath        string // path of OrgUnitID, read with the record
	Post           string
	Line           Line
	Category       int
	EmploymentType int
	Qualifications []Qualification
	SupervisorID   string
	Grade          Grade
	Status         Status
	StatusDate     civil.Date
	ExitReason     ExitReason
	ProbationStart civil.Date // first day of probation
	ProbationEnd   civil.Date // last day of the standard or extended probation
	IDNumber       string
	Phone          string
	Entry          EntryRecord
	Revision       int64
	CreateTime     time.Time
	UpdateTime     time.Time
}

// Etag is an opaque tag of the record's revision.
func (m Manager) Etag() string { return fmt.Sprintf("m%d", m.Revision) }

// QualificationExpiry is the earliest expiry among the qualifications (zero when none
// expires), kept for "expiring before" filters.
func (m Manager) QualificationExpiry() civil.Date {
	var first civil.Date
	for _, q := range m.Qualifications {
		if !q.Expiry.IsZero() && (first.IsZero() || q.Expiry.Before(first)) {
			first = q.Expiry
		}
	}
	return first
}

// HistoryKind is what a history entry records.
type HistoryKind int

// History kinds; the numbers match the wire enum.
const (
	PostingChange HistoryKind = 1
	GradeChange   HistoryKind = 2
	StatusChange  HistoryKind = 3
)

// HistoryEntry is one dated change.
type HistoryEntry struct {
	Kind         HistoryKind
	ValidFrom    civil.Date
	OrgUnitID    string
	Post         string
	Line         Line
	SupervisorID string
	Grade        Grade
	Status       Status
	ExitReason   ExitReason
	Reason       string
	Reference    string
	RecordedBy   string
	RecordTime   time.Time
}

// Snapshot is where a manager was and what they held on one day.
type Snapshot struct {
	Date         civil.Date
	OrgUnitID    string
	Post         string
	Line         Line
	SupervisorID string
	Grade        Grade
	Status       Status
}

// AsOf folds a history (in any order) into the state on day d: for each kind, the
// latest entry valid on or before d (the later recorded wins on the same day).
func AsOf(history []HistoryEntry, d civil.Date) Snapshot {
	s := Snapshot{Date: d}
	var seen [4]*HistoryEntry
	for i := range history {
		h := &history[i]
		if h.ValidFrom.After(d) || h.Kind < PostingChange || h.Kind > StatusChange {
			continue
		}
		if prev := seen[h.Kind]; prev == nil || !h.ValidFrom.Before(prev.ValidFrom) {
			seen[h.Kind] = h
		}
	}
	if p := seen[PostingChange]; p != nil {
		s.OrgUnitID, s.Post, s.Line, s.SupervisorID = p.OrgUnitID, p.Post, p.Line, p.SupervisorID
	}
	if g := seen[GradeChange]; g != nil {
		s.Grade = g.Grade
	}
	if st := seen[StatusChange]; st != nil {
		s.Status = st.Status
	}
	return s
}

// LastChange is the valid-from day of the latest entry of kind k (zero for none).
func LastChange(history []HistoryEntry, k HistoryKind) civil.Date {
	var last civil.Date
	for _, h := range history {
		if h.Kind == k && h.ValidFrom.After(last) {
			last = h.ValidFrom
		}
	}
	return last
}

// CheckEffective refuses a change of kind k dated before the latest change of that
// kind: history is appended in date order, so "as of" answers stay exact.
func CheckEffective(history []HistoryEntry, k HistoryKind, d civil.Date, what string) error {
	if last := LastChange(history, k); d.Before(last) {
		return fmt.Errorf("%w: the %s cannot take effect on %s, before the last %s change on %s; date it %s or later",
			ErrInvalid, what, d, what, last, last)
	}
	return nil
}

// Transition is a lifecycle step.
type Transition string

// The lifecycle steps.
const (
	Appoint          Transition = "appoint"
	Confirm          Transition = "confirm"
	Extend           Transition = "extendProbation"
	StartObservation Transition = "startObservation"
	EndObservation   Transition = "endObservation"
	Exit             Transition = "exit"
)

// transitions: which states each step leaves from, and where it goes.
var transitions = map[Transition]struct {
	from []Status
	to   Status
}{
	Appoint:          {[]Status{Candidate}, Probation},
	Confirm:          {[]Status{Probation, ExtendedProbation}, Confirmed},
	Extend:           {[]Status{Probation}, ExtendedProbation},
	StartObservation: {[]Status{Confirmed}, Observation},
	EndObservation:   {[]Status{Observation}, Confirmed},
	Exit:             {[]Status{Candidate, Probation, ExtendedProbation, Confirmed, Observation}, Exited},
}

// Standard probation lengths.
const (
	ProbationMonths      = 3
	EarlyConfirmMonths   = 2
	MaxExtensionMonths   = 2
	RotationDefaultYears = 5
)

// Step is one requested transition with its parameters.
type Step struct {
	Transition Transition
	Date       civil.Date
	Early      bool       // Confirm before the standard end
	Months     int        // Extend
	ExitReason ExitReason // Exit
}

// Plan checks a step against the manager's state and says what it changes and
// whether it needs a second person's approval. It changes nothing itself.
func Plan(m Manager, s Step) (after Manager, needsApproval bool, err error) {
	t, ok := transitions[s.Transition]
	if !ok {
		return m, false, fmt.Errorf("%w: unknown lifecycle step %q", ErrInvalid, s.Transition)
	}
	if !slices.Contains(t.from, m.Status) {
		names := make([]string, len(t.from))
		for i, f := range t.from {
			names[i] = f.String()
		}
		return m, false, fmt.Errorf("%w: managers/%s is %s; %s is allowed only from %s",
			ErrIllegalState, m.ID, m.Status, s.Transition, strings.Join(names, " or "))
	}
	if s.Date.Before(m.StatusDate) {
		return m, false, fmt.Errorf("%w: %s on %s is before the current status began (%s)", ErrInvalid, s.Transition, s.Date, m.StatusDate)
	}
	after = m
	after.Status, after.StatusDate = t.to, s.Date
	switch s.Transition {
	case Appoint:
		after.ProbationStart = s.Date
		after.ProbationEnd = s.Date.AddMonths(ProbationMonths).AddDays(-1)
	case Confirm:
		if m.Status == Probation {
			standard := m.ProbationStart.AddMonths(ProbationMonths)
			earliest := m.ProbationStart.AddMonths(EarlyConfirmMonths)
			switch {
			case s.Early && s.Date.Before(earliest):
				return m, false, fmt.Errorf("%w: early confirmation is possible from %s (two months after probation began on %s)",
					ErrIllegalState, earliest, m.ProbationStart)
			case s.Early:
				needsApproval = true
			case s.Date.Before(standard):
				return m, false, fmt.Errorf("%w: the standard probation of managers/%s ends on %s; to confirm earlier (from %s) set early, which needs approval",
					ErrIllegalState, m.ID, standard.AddDays(-1), earliest)
			}
		}
	case Extend:
		if s.Months < 1 || s.Months > MaxExtensionMonths {
			return m, false, fmt.Errorf("%w: an extension (延考期) is 1 or %d months, not %d", ErrInvalid, MaxExtensionMonths, s.Months)
		}
		after.ProbationEnd = m.ProbationEnd.AddMonths(s.Months)
		needsApproval = true
	case Exit:
		if s.ExitReason < Resigned || s.ExitReason > TransferredOut {
			return m, false, fmt.Errorf("%w: say why the manager leaves: EXIT_REASON_RESIGNED, EXIT_REASON_DISMISSED or EXIT_REASON_TRANSFERRED_OUT", ErrInvalid)
		}
		after.ExitReason = s.ExitReason
	}
	return after, needsApproval, nil
}
