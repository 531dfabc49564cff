package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/approval"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/orgunit"
)

// ManagerRepository stores managers, their history, ladders and waivers.
type ManagerRepository interface {
	Get(ctx context.Context, id string) (manager.Manager, error)
	List(ctx context.Context, req aip.Request, scope manager.Scope) ([]manager.Manager, string, int, error)
	Insert(ctx context.Context, m manager.Manager) error
	Update(ctx context.Context, m manager.Manager, prevRevision int64) error
	Count(ctx context.Context) (int, error)
	History(ctx context.Context, id string) ([]manager.HistoryEntry, error)
	// HistoriesOf reads the current org path and the history of each of ids
	// that exists.
	HistoriesOf(ctx context.Context, ids []string) (map[string]string, map[string][]manager.HistoryEntry, error)
	AppendHistory(ctx context.Context, id string, entries ...manager.HistoryEntry) error
	ProbationDue(ctx context.Context, scope manager.Scope, subtree string, from, to civil.Date) ([]manager.Manager, error)
	Active(ctx context.Context, scope manager.Scope, subtree string) ([]manager.Manager, error)
	Postings(ctx context.Context, ids []string) (map[string][]manager.HistoryEntry, error)
	Distribution(ctx context.Context, ladder, path string) (map[string]map[string]int, error)
	Waivers(ctx context.Context, id string) (map[string]string, error)
	InsertWaiver(ctx context.Context, id, rule, approval, reason, by string) error
	Ladder(ctx context.Context, id string) (manager.Ladder, error)
	Ladders(ctx context.Context) ([]manager.Ladder, error)
	SaveLadder(ctx context.Context, l manager.Ladder, prevRevision int64) error
	LevelHolders(ctx context.Context, ladder, level string) (int, error)
}

// ManagerChangeLog hears of every change to a manager or a ladder, inside the
// change's transaction (the audit log).
type ManagerChangeLog interface {
	ManagerChanged(ctx context.Context, before, after *manager.Manager) error
	LadderChanged(ctx context.Context, before, after *manager.Ladder) error
}

// Approvals prepares actions that wait for a second person (maker–checker).
type Approvals interface {
	Propose(ctx context.Context, a approval.Action) (name string, err error)
}

// Relationship is a customer served by the same primary manager since a day.
type Relationship struct {
	ManagerID, CustomerID string
	Since                 civil.Date
}

// Portfolios is what the manager use cases need from the customer side.
type Portfolios interface {
	// PrimaryCustomers counts the customers managerID serves as primary manager.
	PrimaryCustomers(ctx context.Context, managerID string) (int, error)
	// LongRelationships lists primary assignments that began before a day, of the
	// given managers.
	LongRelationships(ctx context.Context, managerIDs []string, startedBefore civil.Date) ([]Relationship, error)
}

// Managers are the manager, lifecycle, entry, rotation and ladder use cases.
type Managers struct {
	repo       ManagerRepository
	units      OrgUnitRepository
	tx         Transactor
	now        func() time.Time
	changes    ManagerChangeLog
	approvals  Approvals
	portfolios Portfolios
}

// NewManagers wires the use cases. portfolios may be set later with
// UsePortfolios (the customer use cases need the managers first).
func NewManagers(repo ManagerRepository, units OrgUnitRepository, tx Transactor, now func() time.Time,
	changes ManagerChangeLog, approvals Approvals) *Managers {
	return &Managers{repo: repo, units: units, tx: tx, now: now, changes: changes, approvals: approvals}
}

// UsePortfolios connects the customer side.
func (s *Managers) UsePortfolios(p Portfolios) { s.portfolios = p }

// Approval actions the managers prepare, and what approving them needs.
const (
	ActionGradeChange = "roster.grade.change"
	ActionLifecycle   = "roster.lifecycle.transition"
	ActionEntryWaiver = "roster.entry.waive"
)

// caller is the verified caller and the path of their home unit.
type caller struct {
	auth.Principal
	home string
}

func (s *Managers) caller(ctx context.Context) (caller, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return caller{}, fmt.Errorf("%w: no verified caller", manager.ErrPermissionDenied)
	}
	c := caller{Principal: p}
	if p.OrgUnit != "" {
		u, err := s.units.Get(ctx, p.OrgUnit)
		if err != nil && !errors.Is(err, orgunit.ErrNotFound) {
			return c, err
		}
		c.home = u.Path
	}
	return c, nil
}

func (c caller) scope() manager.Scope { return manager.ScopeOf(c.Principal, c.home) }

func (s *Managers) today() civil.Date { return civil.Of(s.now().In(civil.Shanghai)) }

// visible reads a manager the caller may see; others answer not found.
func (s *Managers) visible(ctx context.Context, c caller, id string) (manager.Manager, error) {
	m, err := s.repo.Get(ctx, id)
	if err == nil && !c.scope().Sees(m.ID, m.OrgPath) {
		return manager.Manager{}, fmt.Errorf("%w: managers/%s", manager.ErrNotFound, id)
	}
	return m, err
}

// writable reads a manager the caller may change, checking the etag when given.
func (s *Managers) writable(ctx context.Context, c caller, id, etag string) (manager.Manager, error) {
	m, err := s.visible(ctx, c, id)
	if err != nil {
		return m, err
	}
	if !manager.Writes(c.Principal, c.home, m.OrgPath) {
		return m, fmt.Errorf("%w: managers/%s is outside the org subtree you may change", manager.ErrPermissionDenied, id)
	}
	if etag != "" && etag != m.Etag() {
		return m, fmt.Errorf("%w (managers/%s)", apierr.ErrEtagMismatch, id)
	}
	return m, nil
}

// unit reads an org unit a new or moved manager is placed in.
func (s *Managers) unit(ctx context.Context, c caller, id string) (orgunit.Unit, error) {
	u, err := s.units.Get(ctx, id)
	if errors.Is(err, orgunit.ErrNotFound) {
		return u, fmt.Errorf("%w: org unit orgUnits/%s does not exist", manager.ErrInvalid, id)
	}
	if err != nil {
		return u, err
	}
	if !manager.Writes(c.Principal, c.home, u.Path) {
		return u, fmt.Errorf("%w: orgUnits/%s is outside the org subtree you may change", manager.ErrPermissionDenied, id)
	}
	return u, nil
}

func (s *Managers) checkSupervisor(ctx context.Context, id, supervisor string) error {
	if supervisor == "" {
		return nil
	}
	if supervisor == id {
		return fmt.Errorf("%w: a manager cannot supervise themself", manager.ErrInvalid)
	}
	sup, err := s.repo.Get(ctx, supervisor)
	if errors.Is(err, manager.ErrNotFound) {
		return fmt.Errorf("%w: supervisor managers/%s does not exist", manager.ErrInvalid, supervisor)
	}
	if err == nil && sup.Status == manager.Exited {
		return fmt.Errorf("%w: supervisor managers/%s has exited", manager.ErrInvalid, supervisor)
	}
	return err
}

func (s *Managers) changed(ctx context.Context, before, after *manager.Manager) error {
	if s.changes == nil {
		return nil
	}
	return s.changes.ManagerChanged(ctx, before, after)
}

// Create records a new manager as a candidate, posted to their org unit from the
// hire date.
func (s *Managers) Create(ctx context.Context, m manager.Manager) (manager.Manager, error) {
	var out manager.Manager
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.caller(ctx)
		if err != nil {
			return err
		}
		u, err := s.unit(ctx, c, m.OrgUnitID)
		if err != nil {
			return err
		}
		if err := s.checkSupervisor(ctx, m.ID, m.SupervisorID); err != nil {
			return err
		}
		if out, err = s.insert(ctx, c, m, u.Path); err != nil {
			return err
		}
		return s.changed(ctx, nil, &out)
	})
	return out, err
}

// insert writes a checked new manager and the first entries of their history.
func (s *Managers) insert(ctx context.Context, c caller, m manager.Manager, orgPath string) (manager.Manager, error) {
	now := s.now()
	m.OrgPath = orgPath
	m.Status, m.StatusDate = manager.Candidate, m.HireDate
	m.Grade, m.ExitReason, m.ProbationStart, m.ProbationEnd = manager.Grade{}, 0, civil.Date{}, civil.Date{}
	m.Revision, m.CreateTime, m.UpdateTime = 1, now, now
	if err := s.repo.Insert(ctx, m); err != nil {
		return m, err
	}
	return m, s.repo.AppendHistory(ctx, m.ID,
		manager.HistoryEntry{Kind: manager.PostingChange, ValidFrom: m.HireDate, OrgUnitID: m.OrgUnitID, Post: m.Post,
			Line: m.Line, SupervisorID: m.SupervisorID, Reason: "recorded", RecordedBy: c.Subject, RecordTime: now},
		manager.HistoryEntry{Kind: manager.StatusChange, ValidFrom: m.HireDate, Status: manager.Candidate,
			Reason: "recorded", RecordedBy: c.Subject, RecordTime: now})
}

// ImportRow is one manager read from an import file, with its row number.
type ImportRow struct {
	Row     int
	Manager manager.Manager
}

// RowProblem is why one row of an import cannot be imported.
type RowProblem struct {
	Row    int
	Column string
	Reason string
}

// Import creates managers all or nothing, in one transaction: every row is checked
// first (employee number free and not repeated, org unit and supervisor known —
// a supervisor may be another row of the file — and inside the caller's scope), and
// only when no row has a problem, and validateOnly is false, are they written.
func (s *Managers) Import(ctx context.Context, rows []ImportRow, validateOnly bool) ([]RowProblem, error) {
	var problems []RowProblem
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.caller(ctx)
		if err != nil {
			return err
		}
		paths := map[string]string{}
		inFile := map[string]int{}
		for _, r := range rows {
			if first, dup := inFile[r.Manager.ID]; dup {
				problems = append(problems, RowProblem{r.Row, "employee_number", fmt.Sprintf("%s appears again (first on row %d)", r.Manager.ID, first)})
				continue
			}
			inFile[r.Manager.ID] = r.Row
		}
		for _, r := range rows {
			m := r.Manager
			if _, err := s.repo.Get(ctx, m.ID); err == nil {
				problems = append(problems, RowProblem{r.Row, "employee_number", fmt.Sprintf("managers/%s already exists", m.ID)})
			} else if !errors.Is(err, manager.ErrNotFound) {
				return err
			}
			if _, ok := paths[m.OrgUnitID]; !ok {
				u, err := s.unit(ctx, c, m.OrgUnitID)
				switch {
				case errors.Is(err, manager.ErrInvalid) || errors.Is(err, manager.ErrPermissionDenied):
					problems = append(problems, RowProblem{r.Row, "org_unit", trimSentinel(err)})
					continue
				case err != nil:
					return err
				}
				paths[m.OrgUnitID] = u.Path
			}
			if m.SupervisorID != "" && inFile[m.SupervisorID] == 0 {
				if err := s.checkSupervisor(ctx, m.ID, m.SupervisorID); errors.Is(err, manager.ErrInvalid) {
					problems = append(problems, RowProblem{r.Row, "supervisor", trimSentinel(err)})
				} else if err != nil {
					return err
				}
			}
		}
		if len(problems) > 0 || validateOnly {
			return nil
		}
		// Supervisors in the file go first.
		done := map[string]bool{}
		for len(done) < len(rows) {
			progress := false
			for _, r := range rows {
				m := r.Manager
				if done[m.ID] || (m.SupervisorID != "" && inFile[m.SupervisorID] != 0 && !done[m.SupervisorID]) {
					continue
				}
				if _, err := s.insert(ctx, c, m, paths[m.OrgUnitID]); err != nil {
					return fmt.Errorf("row %d: %w", r.Row, err)
				}
				done[m.ID], progress = true, true
			}
			if !progress {
				return fmt.Errorf("%w: the supervisors in the file form a cycle", manager.ErrInvalid)
			}
		}
		return nil
	})
	return problems, err
}

func trimSentinel(err error) string {
	msg := err.Error()
	for _, e := range []error{manager.ErrInvalid, manager.ErrPermissionDenied} {
		if rest, ok := strings.CutPrefix(msg, e.Error()+": "); ok {
			return rest
		}
	}
	return msg
}

// Get reads one manager the caller may see.
func (s *Managers) Get(ctx context.Context, id string) (manager.Manager, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return manager.Manager{}, err
	}
	return s.visible(ctx, c, id)
}

// Viewer says whether the caller may see m's personal data (ID number, phone):
// the manager themself, HR and administrators.
func (s *Managers) Viewer(ctx context.Context) func(m manager.Manager) bool {
	p, _ := auth.FromContext(ctx)
	full := p.HasAny(auth.HROfficer, auth.Administrator)
	return func(m manager.Manager) bool { return full || m.ID == p.Subject }
}

// List reads one page of the managers the caller may see.
func (s *Managers) List(ctx context.Context, req aip.Request) ([]manager.Manager, string, int, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, "", 0, err
	}
	return s.repo.List(ctx, req, c.scope())
}

// Update changes personal and employment data through edit, which must not touch
// the org unit, post, line, supervisor, grade or status.
func (s *Managers) Update(ctx context.Context, id, etag string, edit func(*manager.Manager) error) (manager.Manager, error) {
	var out manager.Manager
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.caller(ctx)
		if err != nil {
			return err
		}
		m, err := s.writable(ctx, c, id, etag)
		if err != nil {
			return err
		}
		before := m
		if err := edit(&m); err != nil {
			return err
		}
		if m.OrgUnitID != before.OrgUnitID || m.Post != before.Post || m.Line != before.Line || m.SupervisorID != before.SupervisorID {
			return fmt.Errorf("%w: org unit, post, line and supervisor change through POST /v1/managers/%s:transfer, which keeps the history", manager.ErrInvalid, id)
		}
		out, err = s.commit(ctx, before, m, nil)
		return err
	})
	return out, err
}

// Transfer moves a manager from a day on; empty fields keep their value.
type Transfer struct {
	Date       civil.Date
	OrgUnitID  string
	Post       string
	Line       manager.Line
	Supervisor *string // "" removes
	Reason     string
}

// TransferManager records a new posting, effective from t.Date.
func (s *Managers) TransferManager(ctx context.Context, id, etag string, t Transfer) (manager.Manager, error) {
	var out manager.Manager
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.caller(ctx)
		if err != nil {
			return err
		}
		m, err := s.writable(ctx, c, id, etag)
		if err != nil {
			return err
		}
		if m.Status == manager.Exited {
			return fmt.Errorf("%w: managers/%s has exited; a transfer needs an active record", manager.ErrIllegalState, id)
		}
		history, err := s.repo.History(ctx, id)
		if err != nil {
			return err
		}
		if err := manager.CheckEffective(history, manager.PostingChange, t.Date, "posting"); err != nil {
			return err
		}
		before := m
		if t.OrgUnitID != "" && t.OrgUnitID != m.OrgUnitID {
			u, err := s.unit(ctx, c, t.OrgUnitID)
			if err != nil {
				return err
			}
			m.OrgUnitID, m.OrgPath = u.ID, u.Path
		}
		if t.Post != "" {
			m.Post = t.Post
		}
		if t.Line != 0 {
			m.Line = t.Line
		}
		if t.Supervisor != nil {
			if err := s.checkSupervisor(ctx, id, *t.Supervisor); err != nil {
				return err
			}
			m.SupervisorID = *t.Supervisor
		}
		if m.OrgUnitID == before.OrgUnitID && m.Post == before.Post && m.Line == before.Line && m.SupervisorID == before.SupervisorID {
			return fmt.Errorf("%w: the transfer changes nothing: give a new org_unit, post, line or supervisor", manager.ErrInvalid)
		}
		out, err = s.commit(ctx, before, m, &manager.HistoryEntry{Kind: manager.PostingChange, ValidFrom: t.Date,
			OrgUnitID: m.OrgUnitID, Post: m.Post, Line: m.Line, SupervisorID: m.SupervisorID, Reason: t.Reason,
			RecordedBy: c.Subject})
		return err
	})
	return out, err
}

// GradeChange is a requested grade change.
type GradeChange struct {
	Grade       manager.Grade // Effective is the first day
	Reason      string
	Reference   string
	Exceptional bool
}

// ChangeGrade sets a manager's grade. A change by another bank system (the
// assessment service, whose decision is already approved there) applies at once
// unless it is exceptional; any other change waits for a second person's approval
// and answers the pending approval's name.
func (s *Managers) ChangeGrade(ctx context.Context, id string, g GradeChange) (manager.Manager, string, error) {
	var out manager.Manager
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
		if _, err := s.checkGrade(ctx, m, g); err != nil {
			return err
		}
		if c.Has(auth.System) && !g.Exceptional {
			out, err = s.applyGrade(ctx, c.Subject, id, g)
			return err
		}
		payload, err := json.Marshal(gradePayload{ID: id, Ladder: g.Grade.Ladder, Level: g.Grade.Level, Band: g.Grade.Band,
			Date: g.Grade.Effective, Reason: g.Reason, Reference: g.Reference, Exceptional: g.Exceptional})
		if err != nil {
			return err
		}
		l, _ := s.repo.Ladder(ctx, g.Grade.Ladder)
		what := "grade change"
		if g.Exceptional {
			what = "exceptional grade change (skips steps)"
		}
		pending, err = s.approvals.Propose(ctx, approval.Action{
			Action: ActionGradeChange, Object: "managers/" + id, OrgPath: m.OrgPath,
			Summary: fmt.Sprintf("%s of %s (managers/%s): %s → %s from %s", what, m.DisplayName, id,
				gradeName(l, m.Grade), l.GradeName(g.Grade.Level, g.Grade.Band), g.Grade.Effective),
			Payload: payload, ApproverPermission: auth.GradesApprove, Reason: g.Reason,
		})
		out = m
		return err
	})
	return out, pending, err
}

func gradeName(l manager.Ladder, g manager.Grade) string {
	if g.IsZero() {
		return "no grade"
	}
	return l.GradeName(g.Level, g.Band)
}

type gradePayload struct {
	ID, Ladder, Level, Band string
	Date                    civil.Date
	Reason, Reference       string
	Exceptional             bool
}

// checkGrade validates a grade change against the ladder, the history and the
// step rule.
func (s *Managers) checkGrade(ctx context.Context, m manager.Manager, g GradeChange) (manager.Ladder, error) {
	if m.Status == manager.Exited {
		return manager.Ladder{}, fmt.Errorf("%w: managers/%s has exited; grades change only for active managers", manager.ErrIllegalState, m.ID)
	}
	l, err := s.repo.Ladder(ctx, g.Grade.Ladder)
	if errors.Is(err, manager.ErrNotFound) {
		return l, fmt.Errorf("%w: grade ladder gradeLadders/%s does not exist", manager.ErrInvalid, g.Grade.Ladder)
	}
	if err != nil {
		return l, err
	}
	if err := l.CheckGrade(g.Grade.Level, g.Grade.Band); err != nil {
		return l, err
	}
	history, err := s.repo.History(ctx, m.ID)
	if err != nil {
		return l, err
	}
	if err := manager.CheckEffective(history, manager.GradeChange, g.Grade.Effective, "grade"); err != nil {
		return l, err
	}
	if m.Grade.Ladder == g.Grade.Ladder && m.Grade.Level == g.Grade.Level && m.Grade.Band == g.Grade.Band {
		return l, fmt.Errorf("%w: managers/%s already holds %s", manager.ErrIllegalState, m.ID, l.GradeName(g.Grade.Level, g.Grade.Band))
	}
	if !g.Exceptional {
		if err := l.CheckStep(m.Grade, g.Grade); err != nil {
			return l, err
		}
	}
	return l, nil
}

// applyGrade writes a grade change, checking it again (the manager may have changed
// since an approval was prepared).
func (s *Managers) applyGrade(ctx context.Context, by, id string, g GradeChange) (manager.Manager, error) {
	m, err := s.repo.Get(ctx, id)
	if err != nil {
		return m, err
	}
	if _, err := s.checkGrade(ctx, m, g); err != nil {
		return m, err
	}
	after := m
	after.Grade = g.Grade
	return s.commit(ctx, m, after, &manager.HistoryEntry{Kind: manager.GradeChange, ValidFrom: g.Grade.Effective,
		Grade: g.Grade, Reason: g.Reason, Reference: g.Reference, RecordedBy: by})
}

// commit writes after, a changed copy of before, as the next revision; appends
// entry (when given) to the history; and records the change.
func (s *Managers) commit(ctx context.Context, before, after manager.Manager, entry *manager.HistoryEntry) (manager.Manager, error) {
	now := s.now()
	if entry != nil {
		entry.RecordTime = now
		if err := s.repo.AppendHistory(ctx, before.ID, *entry); err != nil {
			return before, err
		}
	}
	after.Revision, after.UpdateTime = before.Revision+1, now
	if err := s.repo.Update(ctx, after, before.Revision); err != nil {
		return before, err
	}
	return after, s.changed(ctx, &before, &after)
}

// ApplyGradeChange is the approval applier of ActionGradeChange.
func (s *Managers) ApplyGradeChange(ctx context.Context, payload []byte) error {
	var p gradePayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return err
	}
	ref, by := p.Reference, ""
	if a, ok := approval.ApplyingFrom(ctx); ok {
		by = a.PreparedBy
		if ref == "" {
			ref = a.Name
		} else {
			ref += "; " + a.Name
		}
	}
	_, err := s.applyGrade(ctx, by, p.ID, GradeChange{Grade: manager.Grade{Ladder: p.Ladder, Level: p.Level, Band: p.Band, Effective: p.Date},
		Reason: p.Reason, Reference: ref, Exceptional: p.Exceptional})
	return err
}

// AsOf answers where a manager was and what they held on day d.
func (s *Managers) AsOf(ctx context.Context, id string, d civil.Date) (manager.Snapshot, manager.Ladder, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return manager.Snapshot{}, manager.Ladder{}, err
	}
	if _, err := s.visible(ctx, c, id); err != nil {
		return manager.Snapshot{}, manager.Ladder{}, err
	}
	history, err := s.repo.History(ctx, id)
	if err != nil {
		return manager.Snapshot{}, manager.Ladder{}, err
	}
	snap := manager.AsOf(history, d)
	var l manager.Ladder
	if !snap.Grade.IsZero() {
		if l, err = s.repo.Ladder(ctx, snap.Grade.Ladder); err != nil && !errors.Is(err, manager.ErrNotFound) {
			return snap, l, err
		}
	}
	return snap, l, nil
}

// AsOfMany answers where each of ids was, and what they held, on day d: the
// snapshots of those the caller may see, by id (the others are left out), and
// the ladders their grades are on, by id.
func (s *Managers) AsOfMany(ctx context.Context, ids []string, d civil.Date) (map[string]manager.Snapshot, map[string]manager.Ladder, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	paths, histories, err := s.repo.HistoriesOf(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	scope := c.scope()
	out := make(map[string]manager.Snapshot, len(paths))
	for id, path := range paths {
		if scope.Sees(id, path) {
			out[id] = manager.AsOf(histories[id], d)
		}
	}
	ladders := map[string]manager.Ladder{}
	all, err := s.repo.Ladders(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, l := range all {
		ladders[l.ID] = l
	}
	return out, ladders, nil
}

// History reads a manager's dated changes, oldest first.
func (s *Managers) History(ctx context.Context, id string) ([]manager.HistoryEntry, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.visible(ctx, c, id); err != nil {
		return nil, err
	}
	return s.repo.History(ctx, id)
}

// Ladder reads one ladder (every caller may).
func (s *Managers) Ladder(ctx context.Context, id string) (manager.Ladder, error) {
	return s.repo.Ladder(ctx, id)
}

// Ladders reads every ladder.
func (s *Managers) Ladders(ctx context.Context) ([]manager.Ladder, error) { return s.repo.Ladders(ctx) }

// CreateLadder configures a new ladder.
func (s *Managers) CreateLadder(ctx context.Context, l manager.Ladder) (manager.Ladder, error) {
	if err := l.Validate(); err != nil {
		return l, err
	}
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		now := s.now()
		l.Revision, l.CreateTime, l.UpdateTime = 1, now, now
		if err := s.repo.SaveLadder(ctx, l, 0); err != nil {
			return err
		}
		if s.changes != nil {
			return s.changes.LadderChanged(ctx, nil, &l)
		}
		return nil
	})
	return l, err
}

// UpdateLadder changes a ladder through edit; a level somebody holds cannot go.
func (s *Managers) UpdateLadder(ctx context.Context, id, etag string, edit func(*manager.Ladder)) (manager.Ladder, error) {
	var out manager.Ladder
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		l, err := s.repo.Ladder(ctx, id)
		if err != nil {
			return err
		}
		if etag != "" && etag != l.Etag() {
			return fmt.Errorf("%w (gradeLadders/%s)", apierr.ErrEtagMismatch, id)
		}
		before := l
		edit(&l)
		if err := l.Validate(); err != nil {
			return err
		}
		for _, old := range before.Levels {
			if _, kept := l.Level(old.Code); kept {
				continue
			}
			n, err := s.repo.LevelHolders(ctx, id, old.Code)
			if err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("%w: level %s (%s) is held by %d manager(s); move them to another level before removing it",
					manager.ErrIllegalState, old.Code, old.DisplayName, n)
			}
		}
		l.Revision++
		l.UpdateTime = s.now()
		if err := s.repo.SaveLadder(ctx, l, before.Revision); err != nil {
			return err
		}
		out = l
		if s.changes != nil {
			return s.changes.LadderChanged(ctx, &before, &l)
		}
		return nil
	})
	return out, err
}

// LevelCount is one row of a distribution report.
type LevelCount struct {
	Level manager.Level
	Count int
	Bands map[string]int
}

// Distribution counts a subtree's managers per level of a ladder, highest level
// first, with the subtree's path.
func (s *Managers) Distribution(ctx context.Context, ladderID, subtree string) ([]LevelCount, int, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, 0, err
	}
	l, err := s.repo.Ladder(ctx, ladderID)
	if err != nil {
		return nil, 0, err
	}
	path, err := s.subtreePath(ctx, c, subtree)
	if err != nil {
		return nil, 0, err
	}
	counts, err := s.repo.Distribution(ctx, ladderID, path)
	if err != nil {
		return nil, 0, err
	}
	var rows []LevelCount
	total := 0
	for i := len(l.Levels) - 1; i >= 0; i-- {
		v := l.Levels[i]
		row := LevelCount{Level: v, Bands: map[string]int{}}
		for band, n := range counts[v.Code] {
			row.Count += n
			if band != "" {
				row.Bands[band] = n
			}
		}
		total += row.Count
		rows = append(rows, row)
	}
	return rows, total, nil
}

// subtreePath resolves the subtree a report covers: the unit asked for (which must
// be inside the caller's scope), or the caller's whole scope.
func (s *Managers) subtreePath(ctx context.Context, c caller, unitID string) (string, error) {
	scope := c.scope()
	if unitID == "" {
		if scope.All {
			return "/", nil
		}
		if scope.Path == "" {
			return "", fmt.Errorf("%w: reports cover an org subtree; yours is only your own record", manager.ErrPermissionDenied)
		}
		return scope.Path, nil
	}
	u, err := s.units.Get(ctx, unitID)
	if err == nil && !scope.All && (scope.Path == "" || !strings.HasPrefix(u.Path, scope.Path)) {
		err = orgunit.ErrNotFound
	}
	if errors.Is(err, orgunit.ErrNotFound) {
		return "", fmt.Errorf("%w: orgUnits/%s", manager.ErrNotFound, unitID)
	}
	return u.Path, err
}

// SeedLadders creates ladders when there are none yet; it reports whether it did.
func (s *Managers) SeedLadders(ctx context.Context, ladders []manager.Ladder) (bool, error) {
	seeded := false
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		existing, err := s.repo.Ladders(ctx)
		if err != nil || len(existing) > 0 {
			return err
		}
		for _, l := range ladders {
			if _, err := s.CreateLadder(ctx, l); err != nil {
				return fmt.Errorf("seed gradeLadders/%s: %w", l.ID, err)
			}
		}
		seeded = true
		return nil
	})
	return seeded, err
}

// sortFlags orders rotation output: longest-standing first.
func sortFlags(flags []RotationFlag) {
	sort.SliceStable(flags, func(i, j int) bool {
		if flags[i].Since != flags[j].Since {
			return flags[i].Since.Before(flags[j].Since)
		}
		return flags[i].ManagerID < flags[j].ManagerID
	})
}

// Count is the number of managers (for seeding).
func (s *Managers) Count(ctx context.Context) (int, error) { return s.repo.Count(ctx) }
