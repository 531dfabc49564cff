// Package app holds the compensation service's use cases: the effective-dated
// pay configuration, the pay inputs of each month, payroll runs (computed in
// the background, reviewed, approved by a second person and locked), payslips
// and the files made from them.
//
// The use cases declare what they need from storage ([Store]), from the
// roster and the assessment service ([Sources], read with the service's own
// token); adapters implement them.
// Writes run in the transaction the caller's context carries (the audit
// interceptor opens one for every mutating RPC), or in their own ([Tx]).
package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

// Errors the API maps to status codes. Validation errors are the domain's
// (pay.ErrInvalid), with field paths.
var (
	ErrNotFound   = errors.New("not found")           // NotFound
	ErrExists     = errors.New("already exists")      // AlreadyExists
	ErrConflict   = errors.New("conflict")            // Aborted: a stale etag, or a lost race
	ErrPermission = errors.New("permission denied")   // PermissionDenied
	ErrState      = errors.New("failed precondition") // FailedPrecondition
	ErrInvalid    = pay.ErrInvalid                    // InvalidArgument
)

// invalid is a validation error of one field.
func invalid(field, format string, args ...any) error {
	return &pay.InvalidError{Violations: []pay.Violation{{Field: field, Description: fmt.Sprintf(format, args...)}}}
}

// Tx runs fn in a transaction carried by the context (storage.DB does).
type Tx interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// RosterManager is a manager as listed by the roster.
type RosterManager struct {
	ID, Name string
}

// Snapshot is where a manager was and what they held on one day.
type Snapshot struct {
	OrgUnitID, Post            string
	Ladder, Level, Band, Grade string // Grade: the grade's display name
	Status                     pay.Status
}

// Sources is what a payroll run reads from the other services, with the
// service's own token (a run gathers the whole subtree, whoever asked).
type Sources interface {
	// Managers lists every manager of the roster.
	Managers(ctx context.Context) ([]RosterManager, error)
	// AsOf reads where the managers were on day, by id; unknown ones are left out.
	AsOf(ctx context.Context, ids []string, day civil.Date) (map[string]Snapshot, error)
	// OrgPaths returns every org unit's path ("/root/…/id/") by id.
	OrgPaths(ctx context.Context) (map[string]string, error)
	// ManagerUnits returns the org unit id of each of ids the roster knows.
	ManagerUnits(ctx context.Context, ids []string) (map[string]string, error)
	// Coefficients reads the performance coefficients of the month, by
	// manager; those without a closed result are left out.
	Coefficients(ctx context.Context, period string, ids []string) (map[string]pay.Sourced, error)
	// Figures reads business figures of the month: manager → code → value.
	Figures(ctx context.Context, period string, ids, codes []string) (map[string]map[string]pay.Sourced, error)
}

// App is the compensation use cases.
type App struct {
	store Store
	tx    Tx
	src   Sources
	now   func() time.Time

	mu      sync.Mutex
	paths   map[string]string
	pathsAt time.Time
	// PathsTTL is how long the roster's org paths are cached.
	PathsTTL time.Duration
	// Kick wakes the computation worker after a run asks for a computation.
	Kick func()

	approvals Approvals
	runLog    RunLog
}

// New returns the use cases.
func New(store Store, tx Tx, src Sources, now func() time.Time) *App {
	return &App{store: store, tx: tx, src: src, now: now, PathsTTL: time.Minute, Kick: func() {}}
}

// Caller is the verified principal with their scope.
type Caller struct {
	auth.Principal
	Scope
}

// Scope is whose pay a caller may see: everyone's (All), the managers in the
// subtree at Path (HR and the committee, their home unit's subtree), and
// their own (Self) — a manager's own payslips once their run is locked.
type Scope struct {
	All  bool
	Path string
	Self string
}

// Sees reports whether the scope covers a record of manager in the unit at
// path (own records aside).
func (s Scope) covers(path string) bool {
	return s.All || (s.Path != "" && strings.HasPrefix(path, s.Path))
}

func (a *App) caller(ctx context.Context) (Caller, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return Caller{}, fmt.Errorf("%w: no caller", ErrPermission)
	}
	c := Caller{Principal: p, Scope: Scope{Self: p.Subject}}
	switch {
	case p.HasAny(auth.System, auth.Administrator):
		c.All = true
	case p.HasAny(auth.HROfficer, auth.Committee):
		if p.OrgUnit == "" {
			c.All = true
			break
		}
		paths, err := a.orgPaths(ctx, p.OrgUnit)
		if err != nil {
			return c, err
		}
		c.Path = paths[p.OrgUnit] // an unknown home unit: nothing but one's own
	}
	return c, nil
}

// orgPaths reads the roster's org paths, cached for PathsTTL; the cache is
// read again at once if it lacks one of the units named in need.
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
	paths, err := a.src.OrgPaths(ctx)
	if err != nil {
		return nil, err
	}
	a.paths, a.pathsAt = paths, a.now()
	return paths, nil
}

// HomePath resolves the org path of a caller's home unit for the approvals
// and audit APIs' scope.
func (a *App) HomePath(ctx context.Context, orgUnit string) (string, error) {
	paths, err := a.orgPaths(ctx, orgUnit)
	if err != nil {
		return "", err
	}
	return paths[orgUnit], nil
}
