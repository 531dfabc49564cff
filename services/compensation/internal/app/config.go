package app

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

// SeedCaller is who seeds the default configuration.
var SeedCaller = auth.Principal{Subject: "system:seed", Roles: []auth.Role{auth.Administrator}}

// Seed saves the default configuration when there is none, so that a fresh
// install can run payrolls at once. It reports whether it did.
func (a *App) Seed(ctx context.Context) (bool, error) {
	seeded := false
	err := a.tx.InTx(ctx, func(ctx context.Context) error {
		versions, err := a.store.ConfigVersions(ctx)
		if err != nil || len(versions) > 0 {
			return err
		}
		now := a.now()
		seeded = true
		return a.store.InsertConfig(ctx, ConfigRecord{Config: pay.Default(), CreateTime: now, UpdateTime: now, UpdatedBy: SeedCaller.Subject})
	})
	if errors.Is(err, ErrExists) { // another instance seeded it first
		return false, nil
	}
	return seeded, err
}

// Configs is every configuration version (latest revision), earliest first.
type Configs []ConfigRecord

// At returns the version in effect on day, if any.
func (cs Configs) At(day civil.Date) (ConfigRecord, bool) {
	i := sort.Search(len(cs), func(i int) bool { return cs[i].Effective.After(day) })
	if i == 0 {
		return ConfigRecord{}, false
	}
	return cs[i-1], true
}

// plans compiles configuration versions once each.
type plans struct {
	configs Configs
	cache   map[string]*pay.Plan
}

func (a *App) plans(ctx context.Context) (*plans, error) {
	cs, err := a.store.ConfigVersions(ctx)
	if err != nil {
		return nil, err
	}
	return &plans{configs: cs, cache: map[string]*pay.Plan{}}, nil
}

// at is the plan in effect on the last day of period.
func (p *plans) at(period pay.Period) (*pay.Plan, error) {
	c, ok := p.configs.At(period.Last())
	if !ok {
		return nil, fmt.Errorf("%w: no pay configuration is in effect on %s; create one dated on or before it", ErrState, period.Last())
	}
	if pl, ok := p.cache[c.Key()]; ok {
		return pl, nil
	}
	pl, err := c.Compile()
	if err != nil {
		return nil, fmt.Errorf("the stored configuration %s does not compile: %v", c.Label(), err) // not the caller's fault
	}
	p.cache[c.Key()] = pl
	return pl, nil
}

// Config reads one revision of a version (0: the latest).
func (a *App) Config(ctx context.Context, effective civil.Date, revision int64) (ConfigRecord, error) {
	if _, err := a.caller(ctx); err != nil {
		return ConfigRecord{}, err
	}
	return a.store.Config(ctx, effective, revision)
}

// Configs reads every version (latest revision of each), latest first.
func (a *App) Configs(ctx context.Context) ([]ConfigRecord, error) {
	if _, err := a.caller(ctx); err != nil {
		return nil, err
	}
	cs, err := a.store.ConfigVersions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ConfigRecord, len(cs))
	for i, c := range cs {
		out[len(cs)-1-i] = c
	}
	return out, nil
}

// Resolve reads the version in effect on day.
func (a *App) Resolve(ctx context.Context, day civil.Date) (ConfigRecord, error) {
	if _, err := a.caller(ctx); err != nil {
		return ConfigRecord{}, err
	}
	cs, err := a.store.ConfigVersions(ctx)
	if err != nil {
		return ConfigRecord{}, err
	}
	c, ok := Configs(cs).At(day)
	if !ok {
		return c, fmt.Errorf("%w: no pay configuration is in effect on %s", ErrNotFound, day)
	}
	return c, nil
}

// CreateConfig saves a new version from c.Effective (revision 1), after its
// formulas compile. With validateOnly it checks and saves nothing.
func (a *App) CreateConfig(ctx context.Context, c pay.Config, validateOnly bool) (ConfigRecord, error) {
	caller, err := a.caller(ctx)
	if err != nil {
		return ConfigRecord{}, err
	}
	c.Revision = 1
	if err := c.Validate(); err != nil {
		return ConfigRecord{}, err
	}
	now := a.now()
	r := ConfigRecord{Config: c, CreateTime: now, UpdateTime: now, UpdatedBy: caller.Subject}
	if validateOnly {
		return r, nil
	}
	if _, err := a.store.Config(ctx, c.Effective, 0); err == nil {
		return r, fmt.Errorf("%w: %s exists; update it to save a new revision", ErrExists, c.Name())
	} else if !errors.Is(err, ErrNotFound) {
		return r, err
	}
	return r, a.store.InsertConfig(ctx, r)
}

// UpdateConfig saves a new revision of an existing version; etag, when given,
// must be the latest revision's.
func (a *App) UpdateConfig(ctx context.Context, c pay.Config, etag string, validateOnly bool) (ConfigRecord, ConfigRecord, error) {
	caller, err := a.caller(ctx)
	if err != nil {
		return ConfigRecord{}, ConfigRecord{}, err
	}
	prev, err := a.store.Config(ctx, c.Effective, 0)
	if err != nil {
		return prev, ConfigRecord{}, err
	}
	if etag != "" && etag != ConfigEtag(prev) {
		return prev, ConfigRecord{}, fmt.Errorf("%w: %s is at revision %d now; read it again", ErrConflict, c.Name(), prev.Revision)
	}
	c.Revision = prev.Revision + 1
	if err := c.Validate(); err != nil {
		return prev, ConfigRecord{}, err
	}
	r := ConfigRecord{Config: c, CreateTime: prev.CreateTime, UpdateTime: a.now(), UpdatedBy: caller.Subject}
	if validateOnly {
		return prev, r, nil
	}
	if err := a.store.InsertConfig(ctx, r); errors.Is(err, ErrExists) {
		return prev, r, fmt.Errorf("%w: %s was updated at the same time; read it again", ErrConflict, c.Name())
	} else if err != nil {
		return prev, r, err
	}
	return prev, r, nil
}

// ConfigEtag is a revision's etag.
func ConfigEtag(r ConfigRecord) string { return fmt.Sprintf("c%d", r.Revision) }

// FormulaInputs lists the catalogue of formula inputs.
func (a *App) FormulaInputs(ctx context.Context) ([]pay.CatalogueInput, error) {
	if _, err := a.caller(ctx); err != nil {
		return nil, err
	}
	return pay.Catalogue(), nil
}
