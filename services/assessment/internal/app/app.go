// Package app holds the assessment service's use cases: the indicator library
// and templates (configured by HR and administrators, seeded with the
// defaults), and the business figures other bank systems push, read by people
// in their scope and by other services.
//
// The use cases declare what they need from storage ([Store]) and from the
// roster ([Directory]); adapters implement both. Writes run in the
// transaction the caller's context carries (the audit interceptor opens one
// for every mutating RPC), or in one of their own ([Tx]).
package app

import (
	"context"
	"errors"
	"fmt"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"strings"
	"sync"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/appeal"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
)

// Errors the API maps to status codes. Validation errors are the domain's
// (violation.ErrInvalid), with field paths.
var (
	ErrNotFound   = errors.New("not found")           // NotFound
	ErrExists     = errors.New("already exists")      // AlreadyExists
	ErrConflict   = errors.New("conflict")            // Aborted: a stale etag, or a lost race
	ErrPermission = errors.New("permission denied")   // PermissionDenied
	ErrState      = errors.New("failed precondition") // FailedPrecondition
)

// Store is what the use cases need from storage. Methods that write must run
// inside a transaction (see [Tx]).
type Store interface {
	IndicatorStore
	TemplateStore
	FigureStore
	RunStore
	CycleStore
	DecisionStore
	DeliveryStore
	DemotionStore
	AppealStore
	SurveyStore
}

// IndicatorStore keeps the indicator library.
type IndicatorStore interface {
	// CountIndicators is how many indicators there are.
	CountIndicators(ctx context.Context) (int, error)
	// InsertIndicators adds indicators; a code that exists is ErrExists.
	InsertIndicators(ctx context.Context, rs []IndicatorRecord) error
	// Indicator reads one; ErrNotFound if there is none.
	Indicator(ctx context.Context, code string) (IndicatorRecord, error)
	// Indicators reads all of them, by code.
	Indicators(ctx context.Context) ([]IndicatorRecord, error)
	// ListIndicators reads one page.
	ListIndicators(ctx context.Context, req aip.Request) ([]IndicatorRecord, string, error)
	// UpdateIndicator writes r (its Revision already advanced) if the stored
	// revision is still r.Revision-1, else ErrConflict.
	UpdateIndicator(ctx context.Context, r IndicatorRecord) error
	// HasFigures reports whether any figure of code exists.
	HasFigures(ctx context.Context, code string) (bool, error)
}

// TemplateStore keeps the templates.
type TemplateStore interface {
	CountTemplates(ctx context.Context) (int, error)
	// InsertTemplates adds templates; a code that exists is ErrExists.
	InsertTemplates(ctx context.Context, rs []TemplateRecord) error
	// Template reads one; ErrNotFound if there is none.
	Template(ctx context.Context, code string) (TemplateRecord, error)
	// Templates reads all of them, by code.
	Templates(ctx context.Context) ([]TemplateRecord, error)
	ListTemplates(ctx context.Context, req aip.Request) ([]TemplateRecord, string, error)
	// UpdateTemplate writes r if the stored revision is still r.Revision-1,
	// else ErrConflict.
	UpdateTemplate(ctx context.Context, r TemplateRecord) error
}

// FigureStore keeps business figures, their history and the batches that
// brought them.
type FigureStore interface {
	// ClaimBatch records that batch id with fingerprint is being imported, in
	// the caller's transaction, and returns claimed. If the id was imported
	// before, it claims nothing and returns that batch (waiting for a
	// concurrent import of the same id to finish first).
	ClaimBatch(ctx context.Context, b BatchRecord) (existing BatchRecord, claimed bool, err error)
	// FinishBatch stores the outcome of a claimed batch.
	FinishBatch(ctx context.Context, b BatchRecord) error
	// Batch reads an imported batch; ErrNotFound if there is none.
	Batch(ctx context.Context, id string) (BatchRecord, error)
	// FiguresByKey reads the figures that exist among keys.
	FiguresByKey(ctx context.Context, keys []figure.Key) (map[figure.Key]FigureRecord, error)
	// WriteFigures inserts the figures with Revision 1 and updates the others
	// if their stored revision is still Revision-1 (else ErrConflict), and adds
	// each one's new value to its history.
	WriteFigures(ctx context.Context, rs []FigureRecord, recordedBy string) error
	// Figure reads one figure; ErrNotFound if there is none.
	Figure(ctx context.Context, key figure.Key) (FigureRecord, error)
	// ListFigures reads one page of the figures scope allows, of one manager
	// and one period when they are not empty.
	ListFigures(ctx context.Context, req aip.Request, scope Scope, manager, period string) ([]FigureRecord, string, error)
	// History reads every value of a figure, newest first.
	History(ctx context.Context, key figure.Key) ([]FigureRevision, error)
	// FiguresOf reads the figures of managers × codes in period that scope
	// allows.
	FiguresOf(ctx context.Context, managers []string, period string, codes []string, scope Scope) ([]FigureRecord, error)
	// FigureValues reads the values (and batches) of the figures of managers
	// × codes in period, for scoring.
	FigureValues(ctx context.Context, managers []string, period string, codes []string) ([]FigureValue, error)
}

// FigureValue is the current value of one figure and the batch that wrote
// it.
type FigureValue struct {
	Manager, Code, BatchID string
	Value                  money.Decimal
}

// Tx runs fn in a transaction carried by the context (storage.DB does).
type Tx interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Directory is what the use cases read from the roster.
type Directory interface {
	// OrgPaths returns every org unit's path ("/root/…/id/") by id.
	OrgPaths(ctx context.Context) (map[string]string, error)
	// ManagerUnits returns the org unit id of each of ids that exists, by
	// manager id; managers the roster does not know are left out.
	ManagerUnits(ctx context.Context, ids []string) (map[string]string, error)
	// Managers lists every manager of the subtree of orgUnit, read as the
	// caller, each with the grade they held on asOf (the last day of the
	// period assessed): a grade change the roster holds with a later
	// effective date, e.g. a promotion decided for next year, does not count.
	Managers(ctx context.Context, orgUnit string, asOf civil.Date) ([]Manager, error)
	// Manager reads one manager as the caller; ErrNotFound if there is none.
	Manager(ctx context.Context, id string) (Manager, error)
}

// Scope is whose figures a caller may read: everyone's (All), those under an
// org path (Path), and always their own (Self).
type Scope struct {
	All        bool
	Path, Self string
}

// App is the assessment use cases.
type App struct {
	store     Store
	tx        Tx
	dir       Directory
	visits    Visits
	approvals Approvals
	grades    Grades
	appeals   appeal.Policy
	now       func() time.Time

	mu      sync.Mutex
	paths   map[string]string
	pathsAt time.Time
	// PathsTTL is how long the roster's org paths are cached.
	PathsTTL time.Duration
}

// Deps are what the use cases are built on.
type Deps struct {
	Store     Store
	Tx        Tx
	Directory Directory
	// Visits reads visit indicators; nil leaves visit indicators without
	// values.
	Visits    Visits
	Approvals Approvals
	// Grades applies grade changes in the roster; nil keeps them pending.
	Grades Grades
	// AppealWindowDays is how many days after a result is published an
	// appeal may be filed; 15 when zero.
	AppealWindowDays int
	Now              func() time.Time
}

// New returns the use cases.
func New(d Deps) *App {
	policy := appeal.DefaultPolicy()
	if d.AppealWindowDays > 0 {
		policy.WindowDays = d.AppealWindowDays
	}
	return &App{appeals: policy, store: d.Store, tx: d.Tx, dir: d.Directory, visits: d.Visits, approvals: d.Approvals, grades: d.Grades, now: d.Now, PathsTTL: time.Minute}
}

// Caller is the verified principal with their scope.
type Caller struct {
	auth.Principal
	Home     string // home org unit's path: the subtree the caller reaches
	All      bool   // bank-wide roles and systems
	UnitPath string // the path of the caller's own org unit, when read
}

func (a *App) caller(ctx context.Context) (Caller, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return Caller{}, fmt.Errorf("%w: no caller", ErrPermission)
	}
	c := Caller{Principal: p, All: p.BankWide() || p.Has(auth.System)}
	if !c.All && p.HasAny(auth.Supervisor, auth.BranchHead) && p.OrgUnit != "" {
		paths, err := a.orgPaths(ctx)
		if err != nil {
			return c, err
		}
		c.Home = paths[p.OrgUnit]
	}
	return c, nil
}

// sees reports whether c may read records of manager in the unit at path.
func (c Caller) sees(manager, path string) bool {
	return c.All || manager == c.Subject || (c.Home != "" && strings.HasPrefix(path, c.Home))
}

func (c Caller) scope() Scope { return Scope{All: c.All, Path: c.Home, Self: c.Subject} }

// orgPaths reads the roster's org paths, cached for PathsTTL; the cache is
// read again at once if it lacks one of the units named in need (a unit
// created since).
func (a *App) orgPaths(ctx context.Context, need ...string) (map[string]string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fresh := a.paths != nil && a.now().Sub(a.pathsAt) < a.PathsTTL
	for _, id := range need {
		if _, ok := a.paths[id]; !ok {
			fresh = false
		}
	}
	if fresh {
		return a.paths, nil
	}
	paths, err := a.dir.OrgPaths(ctx)
	if err != nil {
		return nil, err
	}
	a.paths, a.pathsAt = paths, a.now()
	return paths, nil
}

// OrgPath is the path of an org unit ("/root/…/id/"), "" for a unit the
// caller cannot see; it resolves callers' home units for the audit log and
// approvals.
func (a *App) OrgPath(ctx context.Context, orgUnit string) (string, error) {
	paths, err := a.orgPaths(ctx, orgUnit)
	if err != nil {
		return "", err
	}
	return paths[orgUnit], nil
}

// library builds the indicator library from storage.
func (a *App) library(ctx context.Context) (indicator.Library, []IndicatorRecord, error) {
	recs, err := a.store.Indicators(ctx)
	if err != nil {
		return indicator.Library{}, nil, err
	}
	inds := make([]indicator.Indicator, len(recs))
	for i, r := range recs {
		inds[i] = r.Indicator
	}
	lib, err := indicator.NewLibrary(inds)
	if err != nil {
		return lib, nil, fmt.Errorf("the stored indicator library is invalid: %v", err) // not ErrInvalid: not the caller's fault
	}
	return lib, recs, nil
}
