// Package appeal owns appeals (申诉) against assessment results: a CM
// contests a monthly score, an annual result or a grade decision, and the
// assessment committee decides (DOMAIN.md §4).
//
// An [Appeal] is a small state machine:
//
//	filed ──StartReview──▶ under_review ──Decide──▶ upheld | rejected
//	  │                          │
//	  └────────Withdraw──────────┴──▶ withdrawn
//
// Upheld (申诉成立) means the committee agrees with the CM: the result is
// to be amended, and the service re-computes it and sends the amendment on
// to roster and compensation. Rejected (申诉不成立, 驳回) means the original
// result stands. Upheld, rejected and withdrawn are final.
//
// Rules: a CM files only against their own result, within the
// [Policy.WindowDays] after the result was published, and gives a reason.
// Only the CM who filed may withdraw. The CM who filed can neither review
// nor decide their own appeal ([ErrConflictOfInterest]); whether the
// reviewer or decider sits on the committee is the service's access check.
// A decision needs a comment. Every transition is recorded in
// [Appeal.History] with who, when and why.
package appeal

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// Errors, test with [errors.Is]. Invalid input wraps [ErrInvalid].
var (
	// ErrInvalid is [violation.ErrInvalid]: a field is missing or wrong
	// (gRPC InvalidArgument).
	ErrInvalid = violation.ErrInvalid
	// ErrState reports a transition the appeal's state does not allow
	// (gRPC FailedPrecondition).
	ErrState = errors.New("the appeal's state does not allow this")
	// ErrConflictOfInterest reports the CM who filed an appeal trying to
	// review or decide it, or someone else withdrawing it (gRPC
	// PermissionDenied).
	ErrConflictOfInterest = errors.New("not allowed for this person")
	// ErrWindowClosed reports an appeal filed after the window (gRPC
	// FailedPrecondition).
	ErrWindowClosed = errors.New("the appeal window has closed")
)

// State is where an appeal stands.
type State string

// States.
const (
	StateFiled       State = "filed"
	StateUnderReview State = "under_review"
	StateUpheld      State = "upheld"   // 申诉成立: the result is amended
	StateRejected    State = "rejected" // 申诉不成立: the result stands
	StateWithdrawn   State = "withdrawn"
)

// Final reports whether s ends the appeal.
func (s State) Final() bool { return s == StateUpheld || s == StateRejected || s == StateWithdrawn }

// SubjectKind is what kind of result is appealed.
type SubjectKind string

// Subject kinds.
const (
	SubjectMonthlyScore  SubjectKind = "monthly_score"
	SubjectAnnualResult  SubjectKind = "annual_result"
	SubjectGradeDecision SubjectKind = "grade_decision"
)

// Subject is the result appealed.
type Subject struct {
	Kind SubjectKind `json:"kind"`
	// Ref identifies the result, e.g. the score or decision id.
	Ref string `json:"ref"`
	// Employee is the CM the result is about.
	Employee string `json:"employee"`
	// Published is the day the result was published to the CM; the window
	// runs from it.
	Published civil.Date `json:"published"`
}

// Policy is the configuration of appeals.
type Policy struct {
	// WindowDays is how many calendar days after a result is published an
	// appeal may be filed; the last day is Published + WindowDays.
	WindowDays int `json:"windowDays"`
}

// DefaultPolicy returns the default: 15 calendar days to appeal.
func DefaultPolicy() Policy { return Policy{WindowDays: 15} }

// Transition is one step of an appeal's history.
type Transition struct {
	From    State     `json:"from"` // "" for filing
	To      State     `json:"to"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Comment string    `json:"comment,omitempty"`
}

// Appeal is one CM's appeal against one result.
type Appeal struct {
	ID      string  `json:"id"`
	Subject Subject `json:"subject"`
	// FiledBy is the employee number of the CM who filed; the subject's CM.
	FiledBy string `json:"filedBy"`
	Reason  string `json:"reason"`
	State   State  `json:"state"`
	// Reviewer is who started the review.
	Reviewer string `json:"reviewer,omitempty"`
	// DecidedBy and Decision are set once the committee decides: who, and
	// the comment that explains the decision.
	DecidedBy string       `json:"decidedBy,omitempty"`
	Decision  string       `json:"decision,omitempty"`
	History   []Transition `json:"history"`
}

// File opens an appeal by the CM by against subject at time at, with a
// reason. The window is counted in business days of Asia/Shanghai: the
// day of at there must be from subject.Published to Published +
// p.WindowDays. It returns an error wrapping [ErrInvalid] for a missing
// id, reason or subject field, [ErrConflictOfInterest] if by is not the
// subject's CM, and [ErrWindowClosed] outside the window.
func File(p Policy, id string, subject Subject, by, reason string, at time.Time) (Appeal, error) {
	var v violation.List
	if id == "" {
		v.Add("id", "must not be empty")
	}
	switch subject.Kind {
	case SubjectMonthlyScore, SubjectAnnualResult, SubjectGradeDecision:
	default:
		v.Add("subject.kind", "%q is not a subject kind; use %q, %q or %q", subject.Kind, SubjectMonthlyScore, SubjectAnnualResult, SubjectGradeDecision)
	}
	if subject.Ref == "" {
		v.Add("subject.ref", "must not be empty")
	}
	if subject.Employee == "" {
		v.Add("subject.employee", "must not be empty")
	}
	if !subject.Published.Valid() {
		v.Add("subject.published", "must be a calendar day")
	}
	if by == "" {
		v.Add("filed_by", "must not be empty")
	}
	if strings.TrimSpace(reason) == "" {
		v.Add("reason", "say why the result is wrong")
	}
	if p.WindowDays < 0 {
		v.Add("policy.window_days", "must not be negative")
	}
	if err := v.Err(); err != nil {
		return Appeal{}, err
	}
	if by != subject.Employee {
		return Appeal{}, fmt.Errorf("appeal: %s cannot appeal a result of %s; a CM appeals only their own results: %w", by, subject.Employee, ErrConflictOfInterest)
	}
	today := civil.Of(at.In(civil.Shanghai))
	last := subject.Published.AddDays(p.WindowDays)
	if today.Before(subject.Published) || today.After(last) {
		return Appeal{}, fmt.Errorf("appeal: the result published on %s could be appealed until %s (%d days), not on %s: %w",
			subject.Published, last, p.WindowDays, today, ErrWindowClosed)
	}
	a := Appeal{ID: id, Subject: subject, FiledBy: by, Reason: reason, State: StateFiled}
	a.History = append(a.History, Transition{To: StateFiled, By: by, At: at, Comment: reason})
	return a, nil
}

// StartReview moves a filed appeal under review by the committee member
// by.
func (a *Appeal) StartReview(by string, at time.Time) error {
	if err := a.checkActor(by, "review"); err != nil {
		return err
	}
	if err := a.checkState("start the review of", StateFiled); err != nil {
		return err
	}
	a.Reviewer = by
	a.move(StateUnderReview, by, at, "")
	return nil
}

// Decide records the committee's decision, made by by with a comment that
// explains it: outcome is [StateUpheld] (the result is amended) or
// [StateRejected] (it stands). The appeal must be under review.
func (a *Appeal) Decide(by string, outcome State, comment string, at time.Time) error {
	var v violation.List
	if outcome != StateUpheld && outcome != StateRejected {
		v.Add("outcome", "%q is not a decision; use %q (the result is amended) or %q (it stands)", outcome, StateUpheld, StateRejected)
	}
	if strings.TrimSpace(comment) == "" {
		v.Add("comment", "a decision needs a comment explaining it")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := a.checkActor(by, "decide"); err != nil {
		return err
	}
	if err := a.checkState("decide", StateUnderReview); err != nil {
		return err
	}
	a.DecidedBy, a.Decision = by, comment
	a.move(outcome, by, at, comment)
	return nil
}

// Withdraw withdraws an appeal that is not decided yet; only the CM who
// filed it may.
func (a *Appeal) Withdraw(by, comment string, at time.Time) error {
	if by != a.FiledBy {
		return fmt.Errorf("appeal %s: only %s, who filed it, may withdraw it: %w", a.ID, a.FiledBy, ErrConflictOfInterest)
	}
	if err := a.checkState("withdraw", StateFiled, StateUnderReview); err != nil {
		return err
	}
	a.move(StateWithdrawn, by, at, comment)
	return nil
}

func (a *Appeal) checkActor(by, what string) error {
	if by == "" {
		return violation.New("by", "who acts must be known")
	}
	if by == a.FiledBy || by == a.Subject.Employee {
		return fmt.Errorf("appeal %s: %s filed it and cannot %s it; the committee does: %w", a.ID, by, what, ErrConflictOfInterest)
	}
	return nil
}

func (a *Appeal) checkState(what string, allowed ...State) error {
	for _, s := range allowed {
		if a.State == s {
			return nil
		}
	}
	return fmt.Errorf("appeal %s: cannot %s an appeal that is %s: %w", a.ID, what, a.State, ErrState)
}

func (a *Appeal) move(to State, by string, at time.Time, comment string) {
	a.History = append(a.History, Transition{From: a.State, To: to, By: by, At: at, Comment: comment})
	a.State = to
}
