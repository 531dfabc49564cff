package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/customer"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/orgunit"
	"github.com/rmsuite/rmsuite/services/roster/internal/importfile"
)

// CustomerRepository stores customers, their assignment history, the capacity
// settings and the portfolio change feed. Get answers customer.ErrNotFound for a
// missing customer; Update and SaveSettings answer apierr.ErrEtagMismatch when the
// stored revision is no longer prevRevision.
type CustomerRepository interface {
	Get(ctx context.Context, id string) (customer.Customer, error)
	// GetMany reads the customers of ids that exist.
	GetMany(ctx context.Context, ids []string) ([]customer.Customer, error)
	List(ctx context.Context, req aip.Request, scope customer.Scope) ([]customer.Customer, string, int, error)
	Exists(ctx context.Context, ids []string) (map[string]bool, error)
	Insert(ctx context.Context, cs ...customer.Customer) error
	Update(ctx context.Context, c customer.Customer, prevRevision int64) error
	// Portfolio lists a manager's primary customers by id (id, managers, assignment
	// start and revision only).
	Portfolio(ctx context.Context, managerID string) ([]customer.Customer, error)
	// PrimarySince lists the primary customers of managers whose assignment began
	// before a day (id, managers, assignment start only).
	PrimarySince(ctx context.Context, managerIDs []string, before civil.Date) ([]customer.Customer, error)
	Loads(ctx context.Context, managerIDs []string) (map[string]int, error)
	BackupCount(ctx context.Context, managerID string) (int, error)
	// Reassign moves customers (as Portfolio reads them) to a new primary manager
	// from a day on, with their assignment history.
	Reassign(ctx context.Context, to string, customers []customer.Customer, start civil.Date, reason, by string, now time.Time) error
	StartAssignments(ctx context.Context, as ...customer.Assignment) error
	EndAssignment(ctx context.Context, customerID string, end civil.Date) error
	Assignments(ctx context.Context, customerID string) ([]customer.Assignment, error)
	Settings(ctx context.Context) (customer.Settings, error)
	SaveSettings(ctx context.Context, s customer.Settings, prevRevision int64) error
	// Lock serialises portfolio writes until the transaction ends (capacity checks,
	// change-feed order). Use cases that write call it first.
	Lock(ctx context.Context) error
	// AppendChanges publishes changes on the feed in the calling transaction and
	// answers them with their sequences.
	AppendChanges(ctx context.Context, changes ...customer.Change) ([]customer.Change, error)
	Changes(ctx context.Context, after int64, limit int) ([]customer.Change, error)
}

// ManagerLookup reads managers (sqlstore.Managers is one).
type ManagerLookup interface {
	Get(ctx context.Context, id string) (manager.Manager, error)
}

// CustomerChangeLog hears of every portfolio change, inside the change's
// transaction (the audit log): exactly one call per use case that changed something.
type CustomerChangeLog interface {
	// CustomerChanged: before is nil for a creation.
	CustomerChanged(ctx context.Context, before, after *customer.Customer, reason string) error
	// PortfolioHandedOver: from held `held` primary customers before the handover.
	PortfolioHandedOver(ctx context.Context, from manager.Manager, held int, result HandoverResult, reason string) error
	// CustomersImported: orgPath is the deepest unit containing every imported
	// customer's manager.
	CustomersImported(ctx context.Context, orgPath string, result ImportResult) error
	PortfolioSettingsChanged(ctx context.Context, before, after customer.Settings) error
}

// Customers are the portfolio use cases (管户): customers, assignment within
// capacity, handover, history, settings, import and the change feed.
type Customers struct {
	repo     CustomerRepository
	managers ManagerLookup
	units    OrgUnitRepository
	tx       Transactor
	now      func() time.Time
	changes  CustomerChangeLog
}

// NewCustomers wires the use cases; now gives the storage time (UTC, microseconds);
// changes (may be nil) hears of every change.
func NewCustomers(repo CustomerRepository, managers ManagerLookup, units OrgUnitRepository, tx Transactor,
	now func() time.Time, changes CustomerChangeLog) *Customers {
	return &Customers{repo: repo, managers: managers, units: units, tx: tx, now: now, changes: changes}
}

// --- helpers ---

func (s *Customers) caller(ctx context.Context) (caller, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return caller{}, fmt.Errorf("%w: no verified caller", customer.ErrPermissionDenied)
	}
	c := caller{Principal: p}
	// Bank-wide roles and other systems see and change every portfolio: their home
	// unit decides nothing, so it is not read.
	if p.OrgUnit != "" && !p.BankWide() && !p.Has(auth.System) {
		u, err := s.units.Get(ctx, p.OrgUnit)
		if err != nil && !errors.Is(err, orgunit.ErrNotFound) {
			return c, err
		}
		c.home = u.Path // "" when the home unit does not exist: sees only their own
	}
	return c, nil
}

func (s *Customers) today() civil.Date { return civil.Of(s.now().In(civil.Shanghai)) }

// effective is the day an assignment starts: d, or today when d is zero; never in
// the future (changes take effect when recorded).
func (s *Customers) effective(d civil.Date) (civil.Date, error) {
	today := s.today()
	if d.IsZero() {
		return today, nil
	}
	if d.After(today) {
		return d, fmt.Errorf("%w: effective_date %s is in the future; assignments take effect when recorded, so date it today (%s) or earlier",
			customer.ErrInvalid, d, today)
	}
	return d, nil
}

// visible reads a customer the caller may see; others answer not found.
func (s *Customers) visible(ctx context.Context, c caller, id string) (customer.Customer, error) {
	cu, err := s.repo.Get(ctx, id)
	if err == nil && !customer.ScopeOf(c.Principal, c.home).Sees(cu) {
		return customer.Customer{}, fmt.Errorf("%w: customers/%s", customer.ErrNotFound, id)
	}
	return cu, err
}

// writable reads a customer the caller may change, checking the etag when given.
func (s *Customers) writable(ctx context.Context, c caller, id, etag string) (customer.Customer, error) {
	cu, err := s.repo.Get(ctx, id)
	if err != nil {
		return cu, err
	}
	if !customer.Writes(c.Principal, c.home, cu.OrgPath) {
		return cu, fmt.Errorf("%w: customers/%s is served outside the org subtree whose portfolios you may change", customer.ErrPermissionDenied, id)
	}
	if etag != "" && etag != cu.Etag() {
		return cu, fmt.Errorf("%w (customers/%s)", apierr.ErrEtagMismatch, id)
	}
	return cu, nil
}

// receiver reads a manager who is to serve customers (as primary or backup): it
// must exist, be active and sit where the caller may change portfolios.
func (s *Customers) receiver(ctx context.Context, c caller, id, role string) (manager.Manager, error) {
	m, err := s.managers.Get(ctx, id)
	if errors.Is(err, manager.ErrNotFound) {
		return m, fmt.Errorf("%w: %s managers/%s does not exist", customer.ErrInvalid, role, id)
	}
	if err != nil {
		return m, err
	}
	if !customer.Writes(c.Principal, c.home, m.OrgPath) {
		return m, fmt.Errorf("%w: %s managers/%s is outside the org subtree whose portfolios you may change", customer.ErrPermissionDenied, role, id)
	}
	if err := checkActive(m); err != nil {
		return m, fmt.Errorf("%w (as %s)", err, role)
	}
	return m, nil
}

func checkActive(m manager.Manager) error {
	if !m.Status.Active() {
		return fmt.Errorf("%w: managers/%s is %s; only managers in probation, extended probation, confirmed or observation can receive customers",
			customer.ErrIllegalState, m.ID, m.Status)
	}
	return nil
}

// loads are the primary loads of managers against their capacity.
func (s *Customers) loads(ctx context.Context, ms ...manager.Manager) ([]customer.Load, error) {
	settings, err := s.repo.Settings(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	counts, err := s.repo.Loads(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]customer.Load, len(ms))
	for i, m := range ms {
		out[i] = customer.Load{ManagerID: m.ID, Line: m.Line, Primary: counts[m.ID], Capacity: settings.Capacity(m.Line)}
	}
	return out, nil
}

func (s *Customers) customerChanged(ctx context.Context, before, after *customer.Customer, reason string) error {
	if s.changes == nil {
		return nil
	}
	return s.changes.CustomerChanged(ctx, before, after, reason)
}

// --- customers ---

// CreateCustomer records a customer and assigns it to its primary (and backup)
// manager from today, within the primary manager's capacity.
func (s *Customers) CreateCustomer(ctx context.Context, in customer.Customer) (customer.Customer, error) {
	var out customer.Customer
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.caller(ctx)
		if err != nil {
			return err
		}
		if err := s.repo.Lock(ctx); err != nil {
			return err
		}
		if found, err := s.repo.Exists(ctx, []string{in.ID}); err != nil {
			return err
		} else if found[in.ID] {
			return fmt.Errorf("%w: customers/%s already exists; customer codes are unique", customer.ErrAlreadyExists, in.ID)
		}
		primary, err := s.receiver(ctx, c, in.PrimaryManagerID, "primary manager")
		if err != nil {
			return err
		}
		if in.BackupManagerID != "" {
			if in.BackupManagerID == in.PrimaryManagerID {
				return fmt.Errorf("%w: the backup manager must differ from the primary manager", customer.ErrInvalid)
			}
			if _, err := s.receiver(ctx, c, in.BackupManagerID, "backup manager"); err != nil {
				return err
			}
		}
		loads, err := s.loads(ctx, primary)
		if err != nil {
			return err
		}
		if err := loads[0].CheckAdd(1); err != nil {
			return err
		}
		now := s.now()
		in.Trim()
		in.AssignmentStart = s.today()
		in.OrgUnitID, in.OrgPath = primary.OrgUnitID, primary.OrgPath
		in.Revision, in.CreateTime, in.UpdateTime = 1, now, now
		if err := s.repo.Insert(ctx, in); err != nil {
			return err
		}
		if err := s.repo.StartAssignments(ctx, customer.Assignment{CustomerID: in.ID, PrimaryManagerID: in.PrimaryManagerID,
			BackupManagerID: in.BackupManagerID, Start: in.AssignmentStart, Reason: "created", RecordedBy: c.Subject, RecordTime: now}); err != nil {
			return err
		}
		if _, err := s.repo.AppendChanges(ctx, customer.Change{Kind: customer.CustomerCreated, CustomerID: in.ID}); err != nil {
			return err
		}
		out = in
		return s.customerChanged(ctx, nil, &in, "")
	})
	return out, err
}

// GetCustomer reads a customer the caller may see.
func (s *Customers) GetCustomer(ctx context.Context, id string) (customer.Customer, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return customer.Customer{}, err
	}
	return s.visible(ctx, c, id)
}

// ListCustomers reads one page of the customers the caller may see.
func (s *Customers) ListCustomers(ctx context.Context, req aip.Request) ([]customer.Customer, string, int, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, "", 0, err
	}
	return s.repo.List(ctx, req, customer.ScopeOf(c.Principal, c.home))
}

// CustomerChanges are the fields an update sets; nil leaves a field as it is. Kind
// and the managers cannot change through an update: when given they must equal the
// current values (a client may send back a whole customer it read).
type CustomerChanges struct {
	DisplayName    *string
	Classification *string
	Address        *string
	SetLocation    bool
	Location       *customer.Location // with SetLocation: nil clears it
	AreaType       *customer.AreaType
	VisitMethod    *customer.VisitMethod
	Kind           *customer.Kind
	PrimaryManager *string
	BackupManager  *string
}

// UpdateCustomer changes a customer's details. etag, when not empty, must be the
// customer's current etag.
func (s *Customers) UpdateCustomer(ctx context.Context, id, etag string, ch CustomerChanges) (customer.Customer, error) {
	var out customer.Customer
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.caller(ctx)
		if err != nil {
			return err
		}
		if err := s.repo.Lock(ctx); err != nil {
			return err
		}
		cu, err := s.writable(ctx, c, id, etag)
		if err != nil {
			return err
		}
		before := cu
		if ch.Kind != nil && *ch.Kind != cu.Kind {
			return fmt.Errorf("%w: kind cannot change after create (customers/%s is %s)", customer.ErrInvalid, id, cu.Kind)
		}
		if (ch.PrimaryManager != nil && *ch.PrimaryManager != cu.PrimaryManagerID) ||
			(ch.BackupManager != nil && *ch.BackupManager != cu.BackupManagerID) {
			return fmt.Errorf("%w: managers change through POST /v1/customers/%s:assign (AssignCustomer), which checks capacity and keeps the history",
				customer.ErrInvalid, id)
		}
		if ch.DisplayName != nil {
			cu.DisplayName = *ch.DisplayName
		}
		if ch.Classification != nil {
			cu.Classification = *ch.Classification
		}
		if ch.Address != nil {
			cu.Address = *ch.Address
		}
		if ch.SetLocation {
			cu.Location = ch.Location
		}
		if ch.AreaType != nil {
			cu.AreaType = *ch.AreaType
		}
		if ch.VisitMethod != nil {
			cu.VisitMethod = *ch.VisitMethod
		}
		cu.Trim()
		cu.Revision++
		cu.UpdateTime = s.now()
		if err := s.repo.Update(ctx, cu, before.Revision); err != nil {
			return err
		}
		if _, err := s.repo.AppendChanges(ctx, customer.Change{Kind: customer.CustomerUpdated, CustomerID: id}); err != nil {
			return err
		}
		out = cu
		return s.customerChanged(ctx, &before, &cu, "")
	})
	return out, err
}

// Assignment is a requested change of a customer's managers.
type Assignment struct {
	Primary string     // new primary manager; "" keeps the current one
	Backup  *string    // new backup manager; nil keeps, "" removes
	Date    civil.Date // first day; zero: today
	Reason  string
	Etag    string
}

// AssignCustomer gives a customer another primary or backup manager from a day on.
// A new primary must have free capacity; the current period of the history ends
// that day and the next begins. A backup who becomes primary stops being backup.
func (s *Customers) AssignCustomer(ctx context.Context, id string, a Assignment) (customer.Customer, error) {
	var out customer.Customer
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.caller(ctx)
		if err != nil {
			return err
		}
		if err := s.repo.Lock(ctx); err != nil {
			return err
		}
		day, err := s.effective(a.Date)
		if err != nil {
			return err
		}
		cu, err := s.writable(ctx, c, id, a.Etag)
		if err != nil {
			return err
		}
		before := cu
		if a.Primary != "" && a.Primary != cu.PrimaryManagerID {
			m, err := s.receiver(ctx, c, a.Primary, "primary manager")
			if err != nil {
				return err
			}
			loads, err := s.loads(ctx, m)
			if err != nil {
				return err
			}
			if err := loads[0].CheckAdd(1); err != nil {
				return err
			}
			cu.PrimaryManagerID, cu.OrgUnitID, cu.OrgPath = m.ID, m.OrgUnitID, m.OrgPath
			cu.AssignmentStart = day
			if a.Backup == nil && cu.BackupManagerID == m.ID {
				cu.BackupManagerID = "" // the backup steps up
			}
		}
		if a.Backup != nil && *a.Backup != cu.BackupManagerID {
			if *a.Backup != "" {
				if *a.Backup == cu.PrimaryManagerID {
					return fmt.Errorf("%w: managers/%s would be both primary and backup manager of customers/%s", customer.ErrInvalid, *a.Backup, id)
				}
				if _, err := s.receiver(ctx, c, *a.Backup, "backup manager"); err != nil {
					return err
				}
			}
			cu.BackupManagerID = *a.Backup
		}
		if cu.PrimaryManagerID == before.PrimaryManagerID && cu.BackupManagerID == before.BackupManagerID {
			return fmt.Errorf("%w: the assignment changes nothing: customers/%s is already served by managers/%s%s",
				customer.ErrInvalid, id, before.PrimaryManagerID, backupText(before.BackupManagerID))
		}
		history, err := s.repo.Assignments(ctx, id)
		if err != nil {
			return err
		}
		if n := len(history); n > 0 && day.Before(history[n-1].Start) {
			return fmt.Errorf("%w: the current assignment of customers/%s began on %s; date the change %s or later",
				customer.ErrInvalid, id, history[n-1].Start, history[n-1].Start)
		}
		now := s.now()
		if err := s.repo.EndAssignment(ctx, id, day); err != nil {
			return err
		}
		if err := s.repo.StartAssignments(ctx, customer.Assignment{CustomerID: id, PrimaryManagerID: cu.PrimaryManagerID,
			BackupManagerID: cu.BackupManagerID, Start: day, Reason: a.Reason, RecordedBy: c.Subject, RecordTime: now}); err != nil {
			return err
		}
		cu.Revision++
		cu.UpdateTime = now
		if err := s.repo.Update(ctx, cu, before.Revision); err != nil {
			return err
		}
		change := customer.Change{Kind: customer.CustomerUpdated, CustomerID: id, Reason: a.Reason}
		if cu.PrimaryManagerID != before.PrimaryManagerID {
			change = customer.Change{Kind: customer.CustomersReassigned, Reason: a.Reason,
				Moves: []customer.Move{{CustomerID: id, From: before.PrimaryManagerID, To: cu.PrimaryManagerID}}}
		}
		if _, err := s.repo.AppendChanges(ctx, change); err != nil {
			return err
		}
		out = cu
		return s.customerChanged(ctx, &before, &cu, a.Reason)
	})
	return out, err
}

func backupText(id string) string {
	if id == "" {
		return " without a backup"
	}
	return " with backup managers/" + id
}

// Assignments reads a customer's assignment history, oldest first.
func (s *Customers) Assignments(ctx context.Context, id string) ([]customer.Assignment, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.visible(ctx, c, id); err != nil {
		return nil, err
	}
	return s.repo.Assignments(ctx, id)
}

// --- handover ---

// Handover is a requested handover (移交).
type Handover struct {
	ManagerID string
	Customers []string   // empty: all the manager's primary customers
	Receivers []string   // one or more, in order of preference for ties
	Date      civil.Date // zero: today
	Reason    string
}

// ReceiverOutcome is what one receiver got.
type ReceiverOutcome struct {
	ManagerID string
	Received  int
	Load      int // primary customers afterwards
	Capacity  int
}

// HandoverResult is what a handover did.
type HandoverResult struct {
	Moved     int
	Receivers []ReceiverOutcome
	Sequence  int64 // the change feed's position of the handover
}

// HandoverCustomers moves all (or the chosen) primary customers of a manager to one
// or several receivers in one step: with several, each customer goes to the
// receiver with the lowest load at that moment (ties: the one listed first) among
// those with room. Capacity is checked for every receiver before anything moves;
// if the receivers are short, nothing moves and the error says by how much.
func (s *Customers) HandoverCustomers(ctx context.Context, h Handover) (HandoverResult, error) {
	var out HandoverResult
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.caller(ctx)
		if err != nil {
			return err
		}
		if err := s.repo.Lock(ctx); err != nil {
			return err
		}
		day, err := s.effective(h.Date)
		if err != nil {
			return err
		}
		// A write: a manager outside the caller's subtree is refused, not hidden.
		from, err := s.managers.Get(ctx, h.ManagerID)
		if errors.Is(err, manager.ErrNotFound) {
			return fmt.Errorf("%w: managers/%s", customer.ErrNotFound, h.ManagerID)
		}
		if err != nil {
			return err
		}
		if !customer.Writes(c.Principal, c.home, from.OrgPath) {
			return fmt.Errorf("%w: managers/%s is outside the org subtree whose portfolios you may change", customer.ErrPermissionDenied, from.ID)
		}
		receivers := make([]manager.Manager, len(h.Receivers))
		for i, id := range h.Receivers {
			if id == from.ID {
				return fmt.Errorf("%w: managers/%s cannot receive their own customers; name other receivers", customer.ErrInvalid, id)
			}
			if receivers[i], err = s.receiver(ctx, c, id, "receiver"); err != nil {
				return err
			}
		}
		held, err := s.repo.Portfolio(ctx, from.ID)
		if err != nil {
			return err
		}
		moving, err := chooseCustomers(from.ID, held, h.Customers)
		if err != nil {
			return err
		}
		var latest customer.Customer
		for _, cu := range moving {
			if cu.AssignmentStart.After(latest.AssignmentStart) {
				latest = cu
			}
		}
		if day.Before(latest.AssignmentStart) {
			return fmt.Errorf("%w: customers/%s has been with managers/%s since %s; date the handover %s or later",
				customer.ErrInvalid, latest.ID, from.ID, latest.AssignmentStart, latest.AssignmentStart)
		}
		loads, err := s.loads(ctx, receivers...)
		if err != nil {
			return err
		}
		plan, err := customer.PlanHandover(len(moving), loads)
		if err != nil {
			return err
		}
		groups := make([][]customer.Customer, len(receivers))
		moves := make([]customer.Move, len(moving))
		for i, cu := range moving {
			r := plan[i]
			groups[r] = append(groups[r], cu)
			moves[i] = customer.Move{CustomerID: cu.ID, From: from.ID, To: receivers[r].ID}
		}
		now := s.now()
		out = HandoverResult{Moved: len(moving)}
		for i, r := range receivers {
			if err := s.repo.Reassign(ctx, r.ID, groups[i], day, h.Reason, c.Subject, now); err != nil {
				return err
			}
			out.Receivers = append(out.Receivers, ReceiverOutcome{ManagerID: r.ID, Received: len(groups[i]),
				Load: loads[i].Primary + len(groups[i]), Capacity: loads[i].Capacity})
		}
		written, err := s.repo.AppendChanges(ctx, customer.Change{Kind: customer.CustomersReassigned, Moves: moves, Reason: h.Reason})
		if err != nil {
			return err
		}
		out.Sequence = written[0].Sequence
		if s.changes != nil {
			return s.changes.PortfolioHandedOver(ctx, from, len(held), out, h.Reason)
		}
		return nil
	})
	return out, err
}

// chooseCustomers picks the customers a handover moves: all of held, or the chosen
// ones, each of which must be held.
func chooseCustomers(from string, held []customer.Customer, chosen []string) ([]customer.Customer, error) {
	if len(chosen) == 0 {
		if len(held) == 0 {
			return nil, fmt.Errorf("%w: managers/%s serves no customers as primary manager; there is nothing to hand over", customer.ErrIllegalState, from)
		}
		return held, nil
	}
	byID := make(map[string]customer.Customer, len(held))
	for _, cu := range held {
		byID[cu.ID] = cu
	}
	var missing []string
	out := make([]customer.Customer, 0, len(chosen))
	for _, id := range chosen {
		cu, ok := byID[id]
		if !ok {
			missing = append(missing, "customers/"+id)
			continue
		}
		out = append(out, cu)
	}
	if len(missing) > 0 {
		more := ""
		if len(missing) > 10 {
			more = fmt.Sprintf(" and %d more", len(missing)-10)
			missing = missing[:10]
		}
		return nil, fmt.Errorf("%w: %s%s %s not served by managers/%s as primary manager; hand over only their own customers",
			customer.ErrIllegalState, strings.Join(missing, ", "), more, isAre(len(missing)), from)
	}
	return out, nil
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// --- loads, settings, feed ---

// ManagerLoad is a manager's portfolio: primary customers against capacity, and
// customers held as backup.
func (s *Customers) ManagerLoad(ctx context.Context, id string) (customer.Load, int, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return customer.Load{}, 0, err
	}
	m, err := s.managers.Get(ctx, id)
	if err == nil && !manager.ScopeOf(c.Principal, c.home).Sees(m.ID, m.OrgPath) {
		err = manager.ErrNotFound
	}
	if errors.Is(err, manager.ErrNotFound) {
		return customer.Load{}, 0, fmt.Errorf("%w: managers/%s", customer.ErrNotFound, id)
	}
	if err != nil {
		return customer.Load{}, 0, err
	}
	loads, err := s.loads(ctx, m)
	if err != nil {
		return customer.Load{}, 0, err
	}
	backup, err := s.repo.BackupCount(ctx, id)
	return loads[0], backup, err
}

// Settings reads the capacity settings.
func (s *Customers) Settings(ctx context.Context) (customer.Settings, error) {
	return s.repo.Settings(ctx)
}

// UpdateSettings changes the capacity settings through edit. Lowering a capacity
// below a manager's load takes nothing away: that manager just receives no more.
func (s *Customers) UpdateSettings(ctx context.Context, etag string, edit func(*customer.Settings)) (customer.Settings, error) {
	var out customer.Settings
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.Lock(ctx); err != nil {
			return err
		}
		cur, err := s.repo.Settings(ctx)
		if err != nil {
			return err
		}
		if etag != "" && etag != cur.Etag() {
			return fmt.Errorf("%w (portfolioSettings)", apierr.ErrEtagMismatch)
		}
		next := cur
		edit(&next)
		for _, f := range []struct {
			name string
			n    int
		}{{"corporate_capacity", next.Corporate}, {"retail_capacity", next.Retail}, {"micro_capacity", next.Micro}} {
			if err := customer.CheckCapacity(f.n); err != nil {
				return fmt.Errorf("%w: %s %v", customer.ErrInvalid, f.name, err)
			}
		}
		next.Revision++
		if err := s.repo.SaveSettings(ctx, next, cur.Revision); err != nil {
			return err
		}
		out = next
		if s.changes != nil {
			return s.changes.PortfolioSettingsChanged(ctx, cur, next)
		}
		return nil
	})
	return out, err
}

// Changes reads up to limit changes of the feed after a sequence.
func (s *Customers) Changes(ctx context.Context, after int64, limit int) ([]customer.Change, error) {
	changes, err := s.repo.Changes(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range changes {
		if c.CustomerID != "" {
			ids = append(ids, c.CustomerID)
		}
	}
	if len(ids) == 0 {
		return changes, nil
	}
	states, err := s.repo.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*customer.Customer, len(states))
	for i := range states {
		byID[states[i].ID] = &states[i]
	}
	for i := range changes {
		changes[i].State = byID[changes[i].CustomerID]
	}
	return changes, nil
}

// PrimaryCustomers counts the customers managerID serves as primary manager (for
// the manager use cases: Portfolios).
func (s *Customers) PrimaryCustomers(ctx context.Context, managerID string) (int, error) {
	loads, err := s.repo.Loads(ctx, []string{managerID})
	return loads[managerID], err
}

// LongRelationships lists the primary assignments of the given managers that
// began before a day (for rotation flags: Portfolios).
func (s *Customers) LongRelationships(ctx context.Context, managerIDs []string, startedBefore civil.Date) ([]Relationship, error) {
	cs, err := s.repo.PrimarySince(ctx, managerIDs, startedBefore)
	if err != nil {
		return nil, err
	}
	out := make([]Relationship, len(cs))
	for i, c := range cs {
		out[i] = Relationship{ManagerID: c.PrimaryManagerID, CustomerID: c.ID, Since: c.AssignmentStart}
	}
	return out, nil
}

var _ Portfolios = (*Customers)(nil)

// --- import ---

// ImportResult is what an import read and did.
type ImportResult struct {
	Rows     int // data rows read
	Imported int // customers created; 0 for a dry run or when any row is bad
	Problems []importfile.Problem
}

// customerImportColumns are the columns of a customer file, in English and Chinese.
var customerImportColumns = []importfile.Column{
	{Key: "customer_code", Aliases: []string{"客户编号", "客户代码", "code", "customer_id"}, Required: true},
	{Key: "display_name", Aliases: []string{"客户名称", "名称", "customer_name", "name"}, Required: true},
	{Key: "kind", Aliases: []string{"客户类型", "类型", "customer_kind"}, Required: true},
	{Key: "classification", Aliases: []string{"客户分类", "分类", "综合分类"}},
	{Key: "address", Aliases: []string{"地址", "详细地址"}},
	{Key: "latitude", Aliases: []string{"纬度", "lat"}},
	{Key: "longitude", Aliases: []string{"经度", "lng", "lon"}},
	{Key: "area_type", Aliases: []string{"区域类型", "区域", "地区类型"}, Required: true},
	{Key: "visit_method", Aliases: []string{"拜访方式", "走访方式"}},
	{Key: "primary_manager", Aliases: []string{"主管客户经理", "客户经理", "主办客户经理"}, Required: true},
	{Key: "backup_manager", Aliases: []string{"协管客户经理", "协办客户经理", "备份客户经理"}},
}

// ImportCustomers creates customers from a CSV or XLSX file, all or nothing: every
// row is checked (values, duplicate and existing codes, managers that exist, are
// active and in the caller's portfolio scope, capacity counting the file's rows per
// manager) and every problem is reported; with any problem, or validateOnly,
// nothing is imported. A clean file is imported in the calling transaction.
func (s *Customers) ImportCustomers(ctx context.Context, content []byte, format string, validateOnly bool) (ImportResult, error) {
	file, problems, err := importfile.Read(content, format, importfile.Spec{Columns: customerImportColumns})
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Rows: len(file.Rows)}
	if problems.Len() == 0 && len(file.Rows) == 0 {
		problems.Add(2, "", "the file has a header row but no customers below it")
	}
	if problems.Len() > 0 {
		res.Problems = problems.List()
		return res, nil
	}
	rows := make([]customer.Customer, 0, len(file.Rows))
	rowOf := make([]int, 0, len(file.Rows))
	for _, r := range file.Rows {
		if cu, ok := parseCustomerRow(r, problems); ok {
			rows = append(rows, cu)
			rowOf = append(rowOf, r.Number)
		}
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.caller(ctx)
		if err != nil {
			return err
		}
		if err := s.repo.Lock(ctx); err != nil {
			return err
		}
		if err := s.checkImport(ctx, c, rows, rowOf, problems); err != nil {
			return err
		}
		if problems.Len() > 0 || validateOnly {
			return nil
		}
		now := s.now()
		today := s.today()
		assignments := make([]customer.Assignment, len(rows))
		changes := make([]customer.Change, len(rows))
		paths := map[string]bool{}
		for i := range rows {
			cu := &rows[i]
			cu.AssignmentStart, cu.Revision, cu.CreateTime, cu.UpdateTime = today, 1, now, now
			assignments[i] = customer.Assignment{CustomerID: cu.ID, PrimaryManagerID: cu.PrimaryManagerID,
				BackupManagerID: cu.BackupManagerID, Start: today, Reason: "imported", RecordedBy: c.Subject, RecordTime: now}
			changes[i] = customer.Change{Kind: customer.CustomerCreated, CustomerID: cu.ID, Reason: "imported"}
			paths[cu.OrgPath] = true
		}
		if err := s.repo.Insert(ctx, rows...); err != nil {
			return err
		}
		if err := s.repo.StartAssignments(ctx, assignments...); err != nil {
			return err
		}
		if _, err := s.repo.AppendChanges(ctx, changes...); err != nil {
			return err
		}
		res.Imported = len(rows)
		if s.changes != nil {
			return s.changes.CustomersImported(ctx, customer.CommonPath(slices.Sorted(maps.Keys(paths))...), res)
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	res.Problems = problems.List()
	return res, nil
}

// parseCustomerRow reads one row into a customer, reporting every bad cell.
func parseCustomerRow(r importfile.Row, p *importfile.Problems) (customer.Customer, bool) {
	bad := p.Len()
	check := func(column string, err error) {
		if err != nil {
			p.Add(r.Number, column, "%v", err)
		}
	}
	cu := customer.Customer{
		ID:             r.Get("customer_code"),
		DisplayName:    r.Get("display_name"),
		Classification: r.Get("classification"),
		Address:        r.Get("address"),
	}
	check("customer_code", customer.CheckCode(cu.ID))
	check("display_name", customer.CheckDisplayName(cu.DisplayName))
	check("classification", customer.CheckClassification(cu.Classification))
	check("address", customer.CheckAddress(cu.Address))
	if v := r.Get("kind"); v == "" {
		p.Add(r.Number, "kind", "is required: %s", customer.KindSpellings)
	} else if k, ok := customer.ParseKind(v); ok {
		cu.Kind = k
	} else {
		p.Add(r.Number, "kind", "%q is not a customer kind: write %s", v, customer.KindSpellings)
	}
	if v := r.Get("area_type"); v == "" {
		p.Add(r.Number, "area_type", "is required: %s", customer.AreaTypeSpellings)
	} else if a, ok := customer.ParseAreaType(v); ok {
		cu.AreaType = a
	} else {
		p.Add(r.Number, "area_type", "%q is not an area type: write %s", v, customer.AreaTypeSpellings)
	}
	if v := r.Get("visit_method"); v != "" {
		if m, ok := customer.ParseVisitMethod(v); ok {
			cu.VisitMethod = m
		} else {
			p.Add(r.Number, "visit_method", "%q is not a visit method: write %s", v, customer.VisitMethodSpellings)
		}
	}
	lat, latOK := parseDegrees(r, p, "latitude", "31.2304", customer.CheckLatitude)
	lng, lngOK := parseDegrees(r, p, "longitude", "121.4737", customer.CheckLongitude)
	switch {
	case r.Get("latitude") == "" && r.Get("longitude") != "":
		p.Add(r.Number, "latitude", "is empty but longitude is given: give both, or neither")
	case r.Get("latitude") != "" && r.Get("longitude") == "":
		p.Add(r.Number, "longitude", "is empty but latitude is given: give both, or neither")
	case latOK && lngOK:
		cu.Location = &customer.Location{Lat: lat, Lng: lng}
	}
	cu.PrimaryManagerID = importfile.ParseManager(r.Get("primary_manager"))
	cu.BackupManagerID = importfile.ParseManager(r.Get("backup_manager"))
	switch {
	case cu.PrimaryManagerID == "":
		p.Add(r.Number, "primary_manager", "is required: the employee number of the manager who serves the customer, e.g. E3001")
	case cu.BackupManagerID == cu.PrimaryManagerID:
		p.Add(r.Number, "backup_manager", "managers/%s is already the primary manager; leave backup_manager empty or name another manager", cu.BackupManagerID)
	}
	return cu, p.Len() == bad
}

// parseDegrees reads a coordinate cell; ok is false when it is empty or bad (bad
// ones are reported).
func parseDegrees(r importfile.Row, p *importfile.Problems, column, example string, check func(float64) error) (float64, bool) {
	v := r.Get(column)
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		p.Add(r.Number, column, "%q is not a number: write degrees such as %s", v, example)
		return 0, false
	}
	if err := check(f); err != nil {
		p.Add(r.Number, column, "%v", err)
		return 0, false
	}
	return f, true
}

// checkImport checks rows (parsed without problems) against the store: codes
// repeated in the file or already used, managers, capacity.
func (s *Customers) checkImport(ctx context.Context, c caller, rows []customer.Customer, rowOf []int, p *importfile.Problems) error {
	firstRow := map[string]int{}
	ids := make([]string, 0, len(rows))
	for i, cu := range rows {
		if prev, dup := firstRow[cu.ID]; dup {
			p.Add(rowOf[i], "customer_code", "customer code %s also appears on row %d; each customer once", cu.ID, prev)
			continue
		}
		firstRow[cu.ID] = rowOf[i]
		ids = append(ids, cu.ID)
	}
	existing, err := s.repo.Exists(ctx, ids)
	if err != nil {
		return err
	}
	// Managers, each read once; a problem with one is reported on every row naming it.
	type managerCheck struct {
		m       manager.Manager
		problem string
	}
	checked := map[string]managerCheck{}
	lookup := func(id string) (managerCheck, error) {
		if mc, ok := checked[id]; ok {
			return mc, nil
		}
		var mc managerCheck
		m, err := s.managers.Get(ctx, id)
		switch {
		case errors.Is(err, manager.ErrNotFound) && (c.BankWide() || c.Has(auth.System)):
			mc.problem = fmt.Sprintf("managers/%s does not exist", id)
		case errors.Is(err, manager.ErrNotFound) || (err == nil && !customer.Writes(c.Principal, c.home, m.OrgPath)):
			// Not telling apart "missing" from "elsewhere" keeps other subtrees private.
			mc.problem = fmt.Sprintf("managers/%s does not exist or is outside the org subtree whose portfolios you may change", id)
		case err != nil:
			return mc, err
		default:
			mc.m = m
			if err := checkActive(m); err != nil {
				mc.problem = strings.TrimPrefix(err.Error(), customer.ErrIllegalState.Error()+": ")
			}
		}
		checked[id] = mc
		return mc, nil
	}
	perManager := map[string][]int{} // primary manager → indexes of its rows
	var order []string
	for i := range rows {
		cu := &rows[i]
		if existing[cu.ID] && firstRow[cu.ID] == rowOf[i] {
			p.Add(rowOf[i], "customer_code", "customers/%s already exists; an import only creates customers (change existing ones with UpdateCustomer or AssignCustomer)", cu.ID)
		}
		mc, err := lookup(cu.PrimaryManagerID)
		if err != nil {
			return err
		}
		if mc.problem != "" {
			p.Add(rowOf[i], "primary_manager", "%s", mc.problem)
		} else {
			cu.OrgUnitID, cu.OrgPath = mc.m.OrgUnitID, mc.m.OrgPath
			if perManager[mc.m.ID] == nil {
				order = append(order, mc.m.ID)
			}
			perManager[mc.m.ID] = append(perManager[mc.m.ID], i)
		}
		if cu.BackupManagerID != "" {
			bc, err := lookup(cu.BackupManagerID)
			if err != nil {
				return err
			}
			if bc.problem != "" {
				p.Add(rowOf[i], "backup_manager", "%s", bc.problem)
			}
		}
	}
	ms := make([]manager.Manager, len(order))
	for i, id := range order {
		ms[i] = checked[id].m
	}
	loads, err := s.loads(ctx, ms...)
	if err != nil {
		return err
	}
	for _, l := range loads {
		rowsOf := perManager[l.ManagerID]
		if len(rowsOf) > l.Free() {
			p.Add(rowOf[rowsOf[l.Free()]], "primary_manager",
				"managers/%s (%s) serves %d customers, the limit is %d, so they can take %d more, but the file gives them %d: short by %d; this is the first row beyond the limit",
				l.ManagerID, l.Line, l.Primary, l.Capacity, l.Free(), len(rowsOf), len(rowsOf)-l.Free())
		}
	}
	return nil
}
