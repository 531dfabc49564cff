package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/rmsuite/rmsuite/pkg/approval"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
)

// Transition moves a manager through the lifecycle. Early confirmation and
// extension wait for a second person's approval (answered as the pending
// approval's name); appointment needs every entry rule to pass or be waived; exit
// needs the manager's customers handed over first.
func (s *Managers) Transition(ctx context.Context, id, etag, reason string, step manager.Step) (manager.Manager, string, error) {
	var out manager.Manager
	var pending string
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.caller(ctx)
		if err != nil {
			return err
		}
		m, err := s.writable(ctx, c, id, etag)
		if err != nil {
			return err
		}
		if step.Date.IsZero() {
			step.Date = s.today()
		}
		_, needsApproval, err := manager.Plan(m, step)
		if err != nil {
			return err
		}
		if !needsApproval {
			out, err = s.applyTransition(ctx, c.Subject, id, reason, "", step)
			return err
		}
		payload, err := json.Marshal(transitionPayload{ID: id, Reason: reason, Step: step})
		if err != nil {
			return err
		}
		summary := fmt.Sprintf("early confirmation of %s (managers/%s) on %s; probation began %s", m.DisplayName, id, step.Date, m.ProbationStart)
		if step.Transition == manager.Extend {
			summary = fmt.Sprintf("extend the probation of %s (managers/%s) by %d month(s) from %s", m.DisplayName, id, step.Months, m.ProbationEnd)
		}
		pending, err = s.approvals.Propose(ctx, approval.Action{Action: ActionLifecycle, Object: "managers/" + id,
			OrgPath: m.OrgPath, Summary: summary, Payload: payload, ApproverPermission: auth.LifecycleApprove, Reason: reason})
		out = m
		return err
	})
	return out, pending, err
}

type transitionPayload struct {
	ID, Reason string
	Step       manager.Step
}

func (s *Managers) applyTransition(ctx context.Context, by, id, reason, reference string, step manager.Step) (manager.Manager, error) {
	m, err := s.repo.Get(ctx, id)
	if err != nil {
		return m, err
	}
	after, _, err := manager.Plan(m, step)
	if err != nil {
		return m, err
	}
	switch step.Transition {
	case manager.Appoint:
		results, eligible, err := s.evaluate(ctx, m, m.Line, step.Date)
		if err != nil {
			return m, err
		}
		if !eligible {
			var failing []string
			for _, r := range results {
				if !r.Passed && r.Waiver == "" {
					failing = append(failing, r.Rule+" ("+r.Reason+")")
				}
			}
			return m, fmt.Errorf("%w: managers/%s cannot be appointed while entry rules fail without a waiver: %v",
				manager.ErrIllegalState, id, failing)
		}
	case manager.Exit:
		if s.portfolios != nil {
			n, err := s.portfolios.PrimaryCustomers(ctx, id)
			if err != nil {
				return m, err
			}
			if n > 0 {
				return m, fmt.Errorf("%w: managers/%s still serves %d customer(s) as primary manager; hand them over first (POST /v1/managers/%s:handoverCustomers)",
					manager.ErrIllegalState, id, n, id)
			}
		}
	}
	return s.commit(ctx, m, after, &manager.HistoryEntry{Kind: manager.StatusChange, ValidFrom: step.Date,
		Status: after.Status, ExitReason: after.ExitReason, Reason: reason, Reference: reference, RecordedBy: by})
}

// ApplyTransition is the approval applier of ActionLifecycle.
func (s *Managers) ApplyTransition(ctx context.Context, payload []byte) error {
	var p transitionPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return err
	}
	a, _ := approval.ApplyingFrom(ctx)
	_, err := s.applyTransition(ctx, a.PreparedBy, p.ID, p.Reason, a.Name, p.Step)
	return err
}

// ProbationDue lists who is due for a probation decision in the month of d, within
// the caller's scope (and subtree when given).
func (s *Managers) ProbationDue(ctx context.Context, subtree string, month civil.Date) ([]manager.Manager, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	path := ""
	if subtree != "" {
		if path, err = s.subtreePath(ctx, c, subtree); err != nil {
			return nil, err
		}
	}
	if month.IsZero() {
		month = s.today()
	}
	return s.repo.ProbationDue(ctx, c.scope(), path, month.FirstOfMonth(), month.LastOfMonth())
}

// EvaluateEntry checks the entry rules for a manager and a target line (0: their
// own) on day d (zero: today).
func (s *Managers) EvaluateEntry(ctx context.Context, id string, target manager.Line, d civil.Date) ([]manager.RuleResult, bool, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, false, err
	}
	m, err := s.visible(ctx, c, id)
	if err != nil {
		return nil, false, err
	}
	if target == 0 {
		target = m.Line
	}
	if d.IsZero() {
		d = s.today()
	}
	return s.evaluate(ctx, m, target, d)
}

func (s *Managers) evaluate(ctx context.Context, m manager.Manager, target manager.Line, d civil.Date) ([]manager.RuleResult, bool, error) {
	history, err := s.repo.History(ctx, m.ID)
	if err != nil {
		return nil, false, err
	}
	waivers, err := s.repo.Waivers(ctx, m.ID)
	if err != nil {
		return nil, false, err
	}
	results, eligible := manager.EvaluateEntry(m, manager.EntryInput{On: d, TargetLine: target,
		RetailCMMonths: retailMonths(history, d), Waivers: waivers})
	return results, eligible, nil
}

// retailMonths is how many whole months, before d, the manager served on the
// retail line while appointed (probation, confirmed or observation).
func retailMonths(history []manager.HistoryEntry, d civil.Date) int {
	// Walk day boundaries of every change in order and add up retail, appointed spans.
	var bounds []civil.Date
	for _, h := range history {
		if h.ValidFrom.Before(d) && (h.Kind == manager.PostingChange || h.Kind == manager.StatusChange) {
			bounds = append(bounds, h.ValidFrom)
		}
	}
	slices.SortFunc(bounds, func(a, b civil.Date) int { return a.Compare(b) })
	bounds = slices.Compact(bounds)
	days := 0
	for i, from := range bounds {
		to := d
		if i+1 < len(bounds) {
			to = bounds[i+1]
		}
		snap := manager.AsOf(history, from)
		if snap.Line == manager.Retail && snap.Status.Active() {
			days += int(to.Time().Sub(from.Time()).Hours() / 24)
		}
	}
	return days * 12 / 365
}

// RequestWaiver asks for a waiver of a waivable entry rule; another person with
// the lifecycle-approval permission decides.
func (s *Managers) RequestWaiver(ctx context.Context, id, rule, reason string) (string, error) {
	if !manager.Waivable[rule] {
		return "", fmt.Errorf("%w: rule %q cannot be waived; only education and corporate_experience can", manager.ErrInvalid, rule)
	}
	var pending string
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.caller(ctx)
		if err != nil {
			return err
		}
		m, err := s.writable(ctx, c, id, "")
		if err != nil {
			return err
		}
		waivers, err := s.repo.Waivers(ctx, id)
		if err != nil {
			return err
		}
		if w, ok := waivers[rule]; ok {
			return fmt.Errorf("%w: managers/%s already has a waiver of %s (%s)", manager.ErrAlreadyExists, id, rule, w)
		}
		payload, err := json.Marshal(waiverPayload{ID: id, Rule: rule, Reason: reason})
		if err != nil {
			return err
		}
		pending, err = s.approvals.Propose(ctx, approval.Action{Action: ActionEntryWaiver, Object: "managers/" + id,
			OrgPath: m.OrgPath, Summary: fmt.Sprintf("waive entry rule %s for %s (managers/%s)", rule, m.DisplayName, id),
			Payload: payload, ApproverPermission: auth.LifecycleApprove, Reason: reason})
		return err
	})
	return pending, err
}

type waiverPayload struct{ ID, Rule, Reason string }

// ApplyWaiver is the approval applier of ActionEntryWaiver.
func (s *Managers) ApplyWaiver(ctx context.Context, payload []byte) error {
	var p waiverPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return err
	}
	a, _ := approval.ApplyingFrom(ctx)
	m, err := s.repo.Get(ctx, p.ID)
	if err != nil {
		return err
	}
	if err := s.repo.InsertWaiver(ctx, p.ID, p.Rule, a.Name, p.Reason, a.DecidedBy); err != nil {
		return err
	}
	// The record itself does not change; the audit keeps the manager as the object.
	return s.changed(ctx, &m, &m)
}

// RotationFlag is one rotation flag.
type RotationFlag struct {
	Kind       int // 1 same posting, 2 long relationship
	ManagerID  string
	Name       string
	OrgUnitID  string
	Post       string
	CustomerID string
	Since      civil.Date
	Years      int
}

// Rotation lists the managers of the caller's scope (or subtree) who have held the
// same org unit and post for years or more on day d, and customer relationships of
// those managers as old.
func (s *Managers) Rotation(ctx context.Context, subtree string, d civil.Date, years int) ([]RotationFlag, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	path := ""
	if subtree != "" {
		if path, err = s.subtreePath(ctx, c, subtree); err != nil {
			return nil, err
		}
	}
	if d.IsZero() {
		d = s.today()
	}
	if years <= 0 {
		years = manager.RotationDefaultYears
	}
	managers, err := s.repo.Active(ctx, c.scope(), path)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(managers))
	byID := map[string]manager.Manager{}
	for i, m := range managers {
		ids[i], byID[m.ID] = m.ID, m
	}
	postings, err := s.repo.Postings(ctx, ids)
	if err != nil {
		return nil, err
	}
	var flags []RotationFlag
	for _, m := range managers {
		since := samePostingSince(postings[m.ID], d)
		if since.IsZero() {
			continue
		}
		if y := d.YearsSince(since); y >= years {
			snap := manager.AsOf(postings[m.ID], d)
			flags = append(flags, RotationFlag{Kind: 1, ManagerID: m.ID, Name: m.DisplayName, OrgUnitID: snap.OrgUnitID,
				Post: snap.Post, Since: since, Years: y})
		}
	}
	if s.portfolios != nil && len(ids) > 0 {
		rels, err := s.portfolios.LongRelationships(ctx, ids, d.AddMonths(-12*years).AddDays(1))
		if err != nil {
			return nil, err
		}
		for _, r := range rels {
			m := byID[r.ManagerID]
			flags = append(flags, RotationFlag{Kind: 2, ManagerID: m.ID, Name: m.DisplayName, OrgUnitID: m.OrgUnitID,
				CustomerID: r.CustomerID, Since: r.Since, Years: d.YearsSince(r.Since)})
		}
	}
	sortFlags(flags)
	return flags, nil
}

// samePostingSince is the first day of the unbroken run of the same org unit and
// post that holds on d (postings oldest first); zero when none holds.
func samePostingSince(postings []manager.HistoryEntry, d civil.Date) civil.Date {
	cur := -1
	for i, p := range postings {
		if !p.ValidFrom.After(d) {
			cur = i
		}
	}
	if cur < 0 {
		return civil.Date{}
	}
	since := postings[cur].ValidFrom
	for i := cur - 1; i >= 0; i-- {
		if postings[i].OrgUnitID != postings[cur].OrgUnitID || postings[i].Post != postings[cur].Post {
			break
		}
		since = postings[i].ValidFrom
	}
	return since
}
