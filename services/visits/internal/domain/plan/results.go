package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
)

// ResultsState is where a month's results are.
type ResultsState int

// Results states (numbers match the API's enum); zero is not submitted.
const (
	ResultsSubmitted ResultsState = iota + 1
	ResultsAccepted
	ResultsReturned
)

// Results are the month's close (step 5 of the cycle): the manager's evaluation
// and improvement notes, and the supervisor's review.
type Results struct {
	State         ResultsState `json:"state,omitempty"`
	Evaluation    string       `json:"evaluation,omitempty"`
	Improvement   string       `json:"improvement,omitempty"`
	LinesDone     int          `json:"linesDone,omitempty"`
	LinesTotal    int          `json:"linesTotal,omitempty"`
	SubmittedBy   string       `json:"submittedBy,omitempty"`
	SubmitTime    time.Time    `json:"submitTime,omitzero"`
	ReviewComment string       `json:"reviewComment,omitempty"`
	ReviewedBy    string       `json:"reviewedBy,omitempty"`
	ReviewTime    time.Time    `json:"reviewTime,omitzero"`
}

// Closed reports whether the month is closed: its results accepted. A closed
// plan no longer changes.
func (p Plan) Closed() bool { return p.Results.State == ResultsAccepted }

// Allows reports whether step may happen to the plan now: its state allows it
// and the month is not closed.
func (p Plan) Allows(step string) error {
	if p.Closed() {
		return fmt.Errorf("%w: cannot %s: the month %s was closed by %s", ErrState, step, p.MonthString(), p.Results.ReviewedBy)
	}
	return Check(step, p.State)
}

// Counts are the plan's lines done and in all, not counting lines handed over.
func (p Plan) Counts() (done, total int) {
	for _, it := range p.Items {
		switch it.Status {
		case HandedOver:
		case Done:
			done++
			total++
		default:
			total++
		}
	}
	return done, total
}

// MaxNoteChars bounds the free-text notes of results and plans.
const MaxNoteChars = 2000

// SubmitResults records the manager's results on an approved plan once its month
// has begun: evaluation (required) and improvement notes. Results returned by the
// supervisor may be submitted again.
func (p *Plan) SubmitResults(by, evaluation, improvement string, now time.Time, today civil.Date) error {
	if err := p.Allows("results"); err != nil {
		return err
	}
	if p.Results.State == ResultsSubmitted {
		return fmt.Errorf("%w: the results of %s were submitted on %s and wait for review", ErrState, p.MonthString(), p.Results.SubmitTime.In(civil.Shanghai).Format(time.DateOnly))
	}
	if today.Before(p.Month) {
		return fmt.Errorf("%w: the month %s has not begun; results are submitted at its end", ErrState, p.MonthString())
	}
	evaluation, improvement = strings.TrimSpace(evaluation), strings.TrimSpace(improvement)
	if evaluation == "" {
		return fmt.Errorf("%w: evaluation: say how the month went", ErrInvalid)
	}
	if len([]rune(evaluation)) > MaxNoteChars {
		return fmt.Errorf("%w: evaluation: at most %d characters", ErrInvalid, MaxNoteChars)
	}
	if len([]rune(improvement)) > MaxNoteChars {
		return fmt.Errorf("%w: improvement: at most %d characters", ErrInvalid, MaxNoteChars)
	}
	done, total := p.Counts()
	p.Results = Results{State: ResultsSubmitted, Evaluation: evaluation, Improvement: improvement,
		LinesDone: done, LinesTotal: total, SubmittedBy: by, SubmitTime: now}
	return nil
}

// ReviewResults accepts (closing the month) or returns submitted results. The
// manager cannot review their own; returning needs a comment.
func (p *Plan) ReviewResults(accept bool, by, comment string, now time.Time) error {
	if p.Results.State != ResultsSubmitted {
		return fmt.Errorf("%w: the results of %s are not waiting for review", ErrState, p.MonthString())
	}
	if by == p.ManagerID {
		return fmt.Errorf("%w: %s cannot review their own results; their supervisor does", ErrSelfReview, by)
	}
	comment = strings.TrimSpace(comment)
	if !accept && comment == "" {
		return fmt.Errorf("%w: comment: say what to change when returning results", ErrInvalid)
	}
	if len([]rune(comment)) > MaxNoteChars {
		return fmt.Errorf("%w: comment: at most %d characters", ErrInvalid, MaxNoteChars)
	}
	p.Results.State = ResultsReturned
	if accept {
		p.Results.State = ResultsAccepted
	}
	p.Results.ReviewedBy, p.Results.ReviewTime, p.Results.ReviewComment = by, now, comment
	return nil
}

// HandOver marks the unfinished lines about customerID as handed over to the
// manager `to` and returns them as the receiver should get them. The lines stay
// in this plan for the record.
func (p *Plan) HandOver(customerID, to string) []Item {
	var out []Item
	for i := range p.Items {
		it := &p.Items[i]
		if it.CustomerID != customerID || it.Finished() {
			continue
		}
		moved := *it
		it.Status, it.HandedOverTo = HandedOver, to
		moved.ID, moved.HandedOverTo, moved.HandedOverFrom = "", "", p.ManagerID
		moved.PlannedDate, moved.Slot, moved.RouteOrder, moved.Scheduled, moved.UnscheduledReason = civil.Date{}, 0, 0, false, ""
		out = append(out, moved)
	}
	return out
}

// Receive appends lines handed over from another manager, with new ids, and
// returns how many. (The feed applies each handover once: a change at or before
// the cursor is skipped.)
func (p *Plan) Receive(lines []Item) int {
	next := NextID(p)
	for _, in := range lines {
		in.ID, in.Source = next(), HandedOverIn
		if in.Kind == VisitLine {
			in.Status = Planned
		} else {
			in.Status = Open
		}
		p.Items = append(p.Items, in)
	}
	return len(lines)
}
