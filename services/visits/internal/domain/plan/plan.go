package plan

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
)

// State is where a plan is in its review.
type State int

// The states (numbers match the API's enum): draft → submitted → approved |
// rejected, and rejected → submitted again.
const (
	Draft State = iota + 1
	Submitted
	Approved
	Rejected
)

// String names the state.
func (s State) String() string {
	return [...]string{"unspecified", "draft", "submitted", "approved", "rejected"}[max(0, min(int(s), 4))]
}

// Kind is what a plan line is.
type Kind int

// Line kinds.
const (
	VisitLine Kind = iota + 1
	TaskLine
)

// Source is where a line came from.
type Source int

// Line sources.
const (
	Due Source = iota + 1
	CarriedOver
	SupervisorTask
	Added
	HandedOverIn // received with the customer from another manager
)

// Status is a line's 135 mark.
type Status int

// Line statuses: planned ☆, done ★, open temporary task ●; and a line whose
// customer was handed over before it was done (kept for the record).
const (
	Planned Status = iota + 1
	Done
	Open
	HandedOver
)

// Slot is a half of a working day.
type Slot int

// Slots.
const (
	Morning Slot = iota + 1
	Afternoon
)

// Item is one line of a plan.
type Item struct {
	ID                string     `json:"id"`
	Kind              Kind       `json:"kind"`
	Source            Source     `json:"source"`
	CustomerID        string     `json:"customer,omitempty"`
	CustomerName      string     `json:"customerName,omitempty"`
	Actions           []string   `json:"actions,omitempty"`
	PlannedDate       civil.Date `json:"plannedDate,omitzero"`
	Method            Method     `json:"method,omitempty"`
	FirstPlannedMonth string     `json:"firstPlannedMonth,omitempty"` // YYYY-MM, for carried-over lines
	CarryCount        int        `json:"carryCount,omitempty"`
	TaskID            string     `json:"task,omitempty"`
	Week              civil.Date `json:"week,omitzero"` // the Monday of the week a line is aimed at
	Status            Status     `json:"status"`
	DoneDate          civil.Date `json:"doneDate,omitzero"`
	Frequency         Frequency  `json:"frequency,omitempty"`
	LastVisit         civil.Date `json:"lastVisit,omitzero"`
	Slot              Slot       `json:"slot,omitempty"`
	RouteOrder        int        `json:"routeOrder,omitempty"`
	Scheduled         bool       `json:"scheduled,omitempty"` // PlannedDate chosen by scheduling
	UnscheduledReason string     `json:"unscheduled,omitempty"`
	HandedOverTo      string     `json:"handedOverTo,omitempty"`
	HandedOverFrom    string     `json:"handedOverFrom,omitempty"`
}

// Finished reports whether the line needs nothing more from this plan's manager:
// it is done, or its customer was handed over.
func (it Item) Finished() bool { return it.Status == Done || it.Status == HandedOver }

// Plan is one manager's plan for one month.
type Plan struct {
	ManagerID     string
	Month         civil.Date // first day
	OrgUnitID     string     // the manager's unit when generated
	OrgPath       string     // its path, for scope
	State         State
	Items         []Item
	Generated     []Item // the lines as generated, for the reviewer's diff
	Note          string
	ReviewComment string
	SubmittedBy   string
	SubmitTime    time.Time
	ReviewedBy    string
	ReviewTime    time.Time
	Revision      int64
	CreateTime    time.Time
	UpdateTime    time.Time
	ScheduleTime  time.Time // when the lines were last spread over the month
	Results       Results   // the month's close
}

// Etag is the plan's current version for optimistic concurrency.
func (p Plan) Etag() string { return `W/"` + strconv.FormatInt(p.Revision, 10) + `"` }

// MonthString is the plan's month as YYYY-MM.
func (p Plan) MonthString() string { return MonthString(p.Month) }

// MonthString formats a month as YYYY-MM.
func MonthString(m civil.Date) string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// ParseMonth reads YYYY-MM into the month's first day.
func ParseMonth(s string) (civil.Date, error) {
	d, err := civil.Parse(s + "-01")
	if err != nil || len(s) != 7 || d.Year < 2000 || d.Year > 2100 {
		return civil.Date{}, fmt.Errorf("%w: month %q: want YYYY-MM, e.g. 2026-04", ErrInvalid, s)
	}
	return d, nil
}

// Errors of the review cycle.
var (
	// ErrState: the plan is not in a state that allows the step (FailedPrecondition).
	ErrState = errors.New("plan state")
	// ErrSelfReview: a manager reviewing their own plan (PermissionDenied).
	ErrSelfReview = errors.New("self review")
)

// allowedFrom lists, per step, the states it may start from.
var allowedFrom = map[string][]State{
	"edit":     {Draft, Rejected},
	"submit":   {Draft, Rejected},
	"approve":  {Submitted},
	"reject":   {Submitted},
	"record":   {Approved},
	"schedule": {Approved},
	"results":  {Approved},
}

// Check reports whether step may happen to a plan in state s; the error names the
// states it is allowed from.
func Check(step string, s State) error {
	from := allowedFrom[step]
	if slices.Contains(from, s) {
		return nil
	}
	names := make([]string, len(from))
	for i, f := range from {
		names[i] = f.String()
	}
	return fmt.Errorf("%w: cannot %s a %s plan; only a %s one", ErrState, step, s, strings.Join(names, " or "))
}

// Submit moves a draft or rejected plan to submitted.
func (p *Plan) Submit(by string, now time.Time) error {
	if err := Check("submit", p.State); err != nil {
		return err
	}
	p.State, p.SubmittedBy, p.SubmitTime = Submitted, by, now
	return nil
}

// Review approves or rejects a submitted plan. The manager cannot review their own
// plan; a rejection needs a comment.
func (p *Plan) Review(approve bool, by, comment string, now time.Time) error {
	step, next := "reject", Rejected
	if approve {
		step, next = "approve", Approved
	}
	if err := Check(step, p.State); err != nil {
		return err
	}
	if by == p.ManagerID {
		return fmt.Errorf("%w: %s cannot %s their own plan; their supervisor does", ErrSelfReview, by, step)
	}
	if !approve && strings.TrimSpace(comment) == "" {
		return fmt.Errorf("%w: comment: say what to change when rejecting a plan", ErrInvalid)
	}
	p.State, p.ReviewedBy, p.ReviewTime, p.ReviewComment = next, by, now, strings.TrimSpace(comment)
	return nil
}

// Limits of an edited plan.
const (
	MaxItems       = 2000
	MaxActions     = 20
	MaxActionChars = 200
)

// Edit replaces the lines of a draft or rejected plan. Lines are matched by id:
// a known id keeps its origin (source, task, carry-over, status) and takes the new
// actions, date and method; a line without an id is new (source Added); generated
// lines left out are removed. nextID makes ids for new lines.
func (p *Plan) Edit(lines []Item, nextID func() string) error {
	if err := Check("edit", p.State); err != nil {
		return err
	}
	if len(lines) > MaxItems {
		return fmt.Errorf("%w: items: at most %d lines, not %d", ErrInvalid, MaxItems, len(lines))
	}
	old := make(map[string]Item, len(p.Items))
	for _, it := range p.Items {
		old[it.ID] = it
	}
	out := make([]Item, 0, len(lines))
	seen := map[string]bool{}
	for i, in := range lines {
		field := fmt.Sprintf("items[%d]", i)
		if err := validateLine(field, in, p.Month); err != nil {
			return err
		}
		if in.ID == "" {
			if in.Kind != VisitLine && in.Kind != TaskLine {
				in.Kind = VisitLine
			}
			if in.Kind == VisitLine && in.CustomerID == "" {
				return fmt.Errorf("%w: %s.customer: a visit line needs the customer", ErrInvalid, field)
			}
			if in.Kind == TaskLine && len(in.Actions) == 0 {
				return fmt.Errorf("%w: %s.actions: a task line needs its text", ErrInvalid, field)
			}
			in.ID, in.Source, in.Status = nextID(), Added, Planned
			if in.Kind == TaskLine {
				in.Status = Open
			}
			in.FirstPlannedMonth, in.CarryCount, in.TaskID, in.Week, in.DoneDate = "", 0, "", civil.Date{}, civil.Date{}
			out = append(out, in)
			continue
		}
		cur, ok := old[in.ID]
		if !ok {
			return fmt.Errorf("%w: %s.id: the plan has no line %q; leave the id empty to add a line", ErrInvalid, field, in.ID)
		}
		if seen[in.ID] {
			return fmt.Errorf("%w: %s.id: line %q appears twice", ErrInvalid, field, in.ID)
		}
		seen[in.ID] = true
		if in.CustomerID != "" && in.CustomerID != cur.CustomerID {
			return fmt.Errorf("%w: %s.customer: a line's customer cannot change; remove the line and add another", ErrInvalid, field)
		}
		cur.Actions, cur.PlannedDate = in.Actions, in.PlannedDate
		if in.Method != 0 {
			cur.Method = in.Method
		}
		out = append(out, cur)
	}
	// Lines handed over to another manager are the record of the handover: an
	// edit cannot drop them.
	for _, it := range p.Items {
		if it.Status == HandedOver && !seen[it.ID] {
			out = append(out, it)
		}
	}
	p.Items = out
	return nil
}

func validateLine(field string, in Item, month civil.Date) error {
	if len(in.Actions) > MaxActions {
		return fmt.Errorf("%w: %s.actions: at most %d", ErrInvalid, field, MaxActions)
	}
	for j, a := range in.Actions {
		if n := len([]rune(a)); n == 0 || n > MaxActionChars {
			return fmt.Errorf("%w: %s.actions[%d]: 1 to %d characters", ErrInvalid, field, j, MaxActionChars)
		}
	}
	if !in.PlannedDate.IsZero() && (in.PlannedDate.Year != month.Year || in.PlannedDate.Month != month.Month) {
		return fmt.Errorf("%w: %s.planned_date: %s is not in %s", ErrInvalid, field, in.PlannedDate, MonthString(month))
	}
	if in.Method != 0 && !in.Method.valid() {
		return fmt.Errorf("%w: %s.method: unknown method %d", ErrInvalid, field, in.Method)
	}
	return nil
}

// Diff is a plan against its generated lines.
type Diff struct {
	Added, Removed, Changed, Generated []Item
}

// Diff compares the plan's lines with the generated ones.
func (p Plan) Diff() Diff {
	gen := make(map[string]Item, len(p.Generated))
	for _, it := range p.Generated {
		gen[it.ID] = it
	}
	var d Diff
	kept := map[string]bool{}
	for _, it := range p.Items {
		g, ok := gen[it.ID]
		switch {
		case !ok:
			d.Added = append(d.Added, it)
		case !slices.Equal(g.Actions, it.Actions) || g.PlannedDate != it.PlannedDate || g.Method != it.Method:
			d.Changed, d.Generated = append(d.Changed, it), append(d.Generated, g)
		}
		kept[it.ID] = true
	}
	for _, g := range p.Generated {
		if !kept[g.ID] {
			d.Removed = append(d.Removed, g)
		}
	}
	return d
}

// Complete marks the first open visit line of customerID as done on day; false
// when the plan has none.
func (p *Plan) Complete(customerID string, day civil.Date) bool {
	for i := range p.Items {
		it := &p.Items[i]
		if it.Kind == VisitLine && it.CustomerID == customerID && !it.Finished() {
			it.Status, it.DoneDate = Done, day
			return true
		}
	}
	return false
}

// CompleteTask marks the plan's line of task taskID as done on day.
func (p *Plan) CompleteTask(taskID string, day civil.Date) bool {
	for i := range p.Items {
		it := &p.Items[i]
		if it.TaskID == taskID && !it.Finished() {
			it.Status, it.DoneDate = Done, day
			return true
		}
	}
	return false
}
