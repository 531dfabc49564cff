package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/template"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// SeedActor is who the seeded defaults are recorded as changed by.
const SeedActor = "system"

// IndicatorRecord is a stored indicator.
type IndicatorRecord struct {
	indicator.Indicator
	Revision               int64
	CreateTime, UpdateTime time.Time
	UpdatedBy              string
}

// Etag is the record's revision as an HTTP weak etag: W/"3".
func (r IndicatorRecord) Etag() string { return etag(r.Revision) }

func etag(revision int64) string { return `W/"` + strconv.FormatInt(revision, 10) + `"` }

// checkEtag compares an etag a client sent back with the current revision;
// empty skips the check.
func checkEtag(what, sent string, revision int64) error {
	if sent == "" || sent == etag(revision) {
		return nil
	}
	return fmt.Errorf("%w: %s changed since it was read (etag %s, now %s); read it again and retry", ErrConflict, what, sent, etag(revision))
}

// TemplateRecord is a stored template with the ladder levels it assesses.
type TemplateRecord struct {
	template.Template
	// Levels are the ladder levels assessed on the template (Template is
	// the template's own code in each).
	Levels                 []template.Assignment
	Revision               int64
	CreateTime, UpdateTime time.Time
	UpdatedBy              string
}

// Etag is the record's revision as an HTTP weak etag.
func (r TemplateRecord) Etag() string { return etag(r.Revision) }

// Seed stores the default indicator library and templates, each when its
// table is empty (the first start), and reports what it seeded. Several
// instances starting together are safe: the one that loses the race finds the
// defaults seeded.
func (a *App) Seed(ctx context.Context) (indicators, templates int, err error) {
	now := a.now()
	err = a.tx.InTx(ctx, func(ctx context.Context) error {
		n, err := a.store.CountIndicators(ctx)
		if err != nil || n > 0 {
			return err
		}
		var recs []IndicatorRecord
		for _, ind := range indicator.DefaultIndicators() {
			recs = append(recs, IndicatorRecord{Indicator: ind, Revision: 1, CreateTime: now, UpdateTime: now, UpdatedBy: SeedActor})
		}
		indicators = len(recs)
		return a.store.InsertIndicators(ctx, recs)
	})
	if errors.Is(err, ErrExists) {
		indicators, err = 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("seed the indicator library: %w", err)
	}
	err = a.tx.InTx(ctx, func(ctx context.Context) error {
		n, err := a.store.CountTemplates(ctx)
		if err != nil || n > 0 {
			return err
		}
		levels := map[string][]template.Assignment{}
		for _, as := range template.DefaultAssignments() {
			levels[as.Template] = append(levels[as.Template], as)
		}
		var recs []TemplateRecord
		for _, t := range template.DefaultTemplates() {
			recs = append(recs, TemplateRecord{Template: t, Levels: levels[t.Code], Revision: 1, CreateTime: now, UpdateTime: now,
				UpdatedBy: SeedActor})
		}
		templates = len(recs)
		return a.store.InsertTemplates(ctx, recs)
	})
	if errors.Is(err, ErrExists) {
		templates, err = 0, nil
	}
	if err != nil {
		return indicators, 0, fmt.Errorf("seed the templates: %w", err)
	}
	return indicators, templates, nil
}

// Indicator reads one indicator.
func (a *App) Indicator(ctx context.Context, code string) (IndicatorRecord, error) {
	if _, err := a.caller(ctx); err != nil {
		return IndicatorRecord{}, err
	}
	return a.store.Indicator(ctx, code)
}

// ListIndicators reads one page of indicators.
func (a *App) ListIndicators(ctx context.Context, req aip.Request) ([]IndicatorRecord, string, error) {
	if _, err := a.caller(ctx); err != nil {
		return nil, "", err
	}
	return a.store.ListIndicators(ctx, req)
}

// CheckIndicator validates ind as a whole: the domain's rules and, for a code
// of the figure catalogue, the catalogue's unit.
func CheckIndicator(ind indicator.Indicator) error {
	var v violation.List
	v.Merge("", ind.Validate())
	v.Merge("", figure.CheckIndicator(ind))
	return v.Err()
}

// CreateIndicator adds ind to the library.
func (a *App) CreateIndicator(ctx context.Context, ind indicator.Indicator) (IndicatorRecord, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return IndicatorRecord{}, err
	}
	if err := CheckIndicator(ind); err != nil {
		return IndicatorRecord{}, err
	}
	now := a.now()
	r := IndicatorRecord{Indicator: ind, Revision: 1, CreateTime: now, UpdateTime: now, UpdatedBy: c.Subject}
	if err := a.store.InsertIndicators(ctx, []IndicatorRecord{r}); err != nil {
		if errors.Is(err, ErrExists) {
			return r, fmt.Errorf("%w: indicators/%s exists already; change it with UpdateIndicator", ErrExists, ind.Code)
		}
		return r, err
	}
	return r, nil
}

// UpdateIndicator applies change to the indicator with code and stores the
// result if it is valid; etag, when not empty, must be current. It returns the
// indicator before and after.
func (a *App) UpdateIndicator(ctx context.Context, code, sentEtag string, change func(*indicator.Indicator)) (IndicatorRecord, IndicatorRecord, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return IndicatorRecord{}, IndicatorRecord{}, err
	}
	before, err := a.store.Indicator(ctx, code)
	if err != nil {
		return before, before, err
	}
	if err := checkEtag("indicators/"+code, sentEtag, before.Revision); err != nil {
		return before, before, err
	}
	after := before
	change(&after.Indicator)
	after.Code = before.Code
	if err := CheckIndicator(after.Indicator); err != nil {
		return before, before, err
	}
	if after.Unit != before.Unit {
		has, err := a.store.HasFigures(ctx, code)
		if err != nil {
			return before, before, err
		}
		if has {
			return before, before, fmt.Errorf("%w: figures of %s are stored in %q; its unit cannot change any more", ErrState, code, before.Unit)
		}
	}
	after.Revision, after.UpdateTime, after.UpdatedBy = before.Revision+1, a.now(), c.Subject
	if err := a.store.UpdateIndicator(ctx, after); err != nil {
		if errors.Is(err, ErrConflict) {
			return before, before, fmt.Errorf("%w: indicators/%s was changed at the same time; read it again", ErrConflict, code)
		}
		return before, before, err
	}
	return before, after, nil
}

// Template reads one template.
func (a *App) Template(ctx context.Context, code string) (TemplateRecord, error) {
	if _, err := a.caller(ctx); err != nil {
		return TemplateRecord{}, err
	}
	return a.store.Template(ctx, code)
}

// ListTemplates reads one page of templates.
func (a *App) ListTemplates(ctx context.Context, req aip.Request) ([]TemplateRecord, string, error) {
	if _, err := a.caller(ctx); err != nil {
		return nil, "", err
	}
	return a.store.ListTemplates(ctx, req)
}

// TemplateChange is what UpdateTemplate changes; nil leaves a field as it is.
type TemplateChange struct {
	Name   *string
	Tier   *template.Tier
	Lines  *[]template.Line
	Levels *[]template.Assignment // Template is set to the template's code
}

// UpdateTemplate changes a template and stores it if it is valid against the
// current library and no level it assesses is assessed on another template;
// etag, when not empty, must be current. It returns the template before and
// after.
func (a *App) UpdateTemplate(ctx context.Context, code, sentEtag string, ch TemplateChange) (TemplateRecord, TemplateRecord, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return TemplateRecord{}, TemplateRecord{}, err
	}
	before, err := a.store.Template(ctx, code)
	if err != nil {
		return before, before, err
	}
	if err := checkEtag("templates/"+code, sentEtag, before.Revision); err != nil {
		return before, before, err
	}
	after := before
	if ch.Name != nil {
		after.Name = *ch.Name
	}
	if ch.Tier != nil {
		after.Tier = *ch.Tier
	}
	if ch.Lines != nil {
		after.Lines = *ch.Lines
	}
	if ch.Levels != nil {
		after.Levels = *ch.Levels
		for i := range after.Levels {
			after.Levels[i].Template = code
		}
	}
	lib, _, err := a.library(ctx)
	if err != nil {
		return before, before, err
	}
	all, err := a.store.Templates(ctx)
	if err != nil {
		return before, before, err
	}
	var v violation.List
	v.Merge("", after.Validate(lib))
	v.Merge("", checkLevels(after, all))
	if err := v.Err(); err != nil {
		return before, before, err
	}
	after.Revision, after.UpdateTime, after.UpdatedBy = before.Revision+1, a.now(), c.Subject
	if err := a.store.UpdateTemplate(ctx, after); err != nil {
		if errors.Is(err, ErrConflict) {
			return before, before, fmt.Errorf("%w: templates/%s was changed at the same time; read it again", ErrConflict, code)
		}
		return before, before, err
	}
	return before, after, nil
}

// checkLevels reports, as "levels[i]…" violations, levels that are incomplete,
// repeated, or assessed on another template.
func checkLevels(t TemplateRecord, all []TemplateRecord) error {
	var v violation.List
	owner := map[[2]string]string{}
	for _, o := range all {
		if o.Code == t.Code {
			continue
		}
		for _, l := range o.Levels {
			owner[[2]string{l.Ladder, l.Level}] = o.Code
		}
	}
	seen := map[[2]string]int{}
	for i, l := range t.Levels {
		at := violation.Index("levels", i)
		if l.Ladder == "" {
			v.Add(at+".ladder", "name the grade ladder, gradeLadders/{id}")
		}
		if l.Level == "" {
			v.Add(at+".level", "name the level's code on the ladder, e.g. L2")
		}
		key := [2]string{l.Ladder, l.Level}
		if j, dup := seen[key]; dup {
			v.Add(at, "repeats levels[%d]", j)
			continue
		}
		seen[key] = i
		if o, taken := owner[key]; taken {
			v.Add(at, "level %s of gradeLadders/%s is assessed on templates/%s; take it off that template first", l.Level, l.Ladder, o)
		}
	}
	return v.Err()
}
