package sqlstore

import (
	"context"
	"database/sql"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/template"
)

var errNoRows = sql.ErrNoRows

const indicatorColumns = `code, display_name, description, dimension, unit, direction, source, rule, revision,
	create_time, update_time, updated_by`

func scanIndicator(row storage.Row) (app.IndicatorRecord, error) {
	var r app.IndicatorRecord
	var rule string
	if err := row.Scan(&r.Code, &r.Name, &r.Description, &r.Dimension, &r.Unit, &r.Direction, &r.Source, &rule, &r.Revision,
		&r.CreateTime, &r.UpdateTime, &r.UpdatedBy); err != nil {
		return r, err
	}
	r.CreateTime, r.UpdateTime = r.CreateTime.UTC(), r.UpdateTime.UTC()
	return r, fromJSON("rule of indicator "+r.Code, rule, &r.Rule)
}

func indicatorArgs(r app.IndicatorRecord) ([]any, error) {
	rule, err := toJSON(r.Rule)
	if err != nil {
		return nil, err
	}
	return []any{r.Code, r.Name, r.Description, string(r.Dimension), string(r.Unit), string(r.Direction), string(r.Source), rule,
		r.Revision, r.CreateTime, r.UpdateTime, r.UpdatedBy}, nil
}

// CountIndicators is how many indicators there are.
func (s *Store) CountIndicators(ctx context.Context) (int, error) {
	var n int
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM indicators`).Scan(&n)
	return n, err
}

// InsertIndicators adds indicators; a code that exists is app.ErrExists.
func (s *Store) InsertIndicators(ctx context.Context, rs []app.IndicatorRecord) error {
	err := s.db.InsertRows(ctx, `INSERT INTO indicators (`+indicatorColumns+`) VALUES `, len(rs), 12, func(i int) ([]any, error) {
		return indicatorArgs(rs[i])
	})
	return exists(err, "an indicator with this code exists")
}

// Indicator reads one indicator.
func (s *Store) Indicator(ctx context.Context, code string) (app.IndicatorRecord, error) {
	r, err := scanIndicator(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+indicatorColumns+` FROM indicators WHERE code = $1`, code))
	return r, notFound(err, "indicators/%s", code)
}

// Indicators reads every indicator, by code.
func (s *Store) Indicators(ctx context.Context) ([]app.IndicatorRecord, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+indicatorColumns+` FROM indicators ORDER BY code`)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, scanIndicator)
}

var indicatorListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"dimension": {Column: "dimension", Type: aip.Enum, Enum: enumOf(map[string]string{
			"DIMENSION_BUSINESS_RESULTS": "business_results", "DIMENSION_PROFESSIONAL_ETHICS": "professional_ethics",
			"DIMENSION_BASIC_MANAGEMENT": "basic_management", "DIMENSION_CREDIT_OPERATIONS": "credit_operations",
			"DIMENSION_SERVICE_QUALITY": "service_quality"})},
		"unit": {Column: "unit", Type: aip.Enum, Enum: enumOf(map[string]string{
			"UNIT_CNY": "cny", "UNIT_PERCENT": "percent", "UNIT_COUNT": "count", "UNIT_SCORE": "score"})},
		"direction": {Column: "direction", Type: aip.Enum, Enum: enumOf(map[string]string{
			"DIRECTION_HIGHER_IS_BETTER": "higher_is_better", "DIRECTION_LOWER_IS_BETTER": "lower_is_better"})},
		"source": {Column: "source", Type: aip.Enum, Enum: enumOf(map[string]string{
			"SOURCE_MANUAL": "manual", "SOURCE_IMPORTED": "imported", "SOURCE_VISITS": "visits", "SOURCE_SURVEY": "survey"})},
	},
	Tiebreak:        "code",
	DefaultPageSize: 100,
	MaxPageSize:     500,
}

// ListIndicators reads one page of indicators, by code.
func (s *Store) ListIndicators(ctx context.Context, req aip.Request) ([]app.IndicatorRecord, string, error) {
	return storage.Page(ctx, s.db, indicatorListSchema, req, "1 = 1", nil, `SELECT `+indicatorColumns+` FROM indicators`, scanIndicator,
		func(r app.IndicatorRecord) map[string]any { return map[string]any{"code": r.Code} })
}

// UpdateIndicator writes r if the stored revision is still r.Revision-1, else
// app.ErrConflict.
func (s *Store) UpdateIndicator(ctx context.Context, r app.IndicatorRecord) error {
	a, err := indicatorArgs(r)
	if err != nil {
		return err
	}
	return updated(s.db.Q(ctx).ExecContext(ctx, `UPDATE indicators SET display_name = $2, description = $3, dimension = $4,
		unit = $5, direction = $6, source = $7, rule = $8, revision = $9, create_time = $10, update_time = $11, updated_by = $12
		WHERE code = $1 AND revision = $13`, append(a, r.Revision-1)...))
}

// HasFigures reports whether any figure of code exists.
func (s *Store) HasFigures(ctx context.Context, code string) (bool, error) {
	var n int
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM figures WHERE code = $1 LIMIT 1) f`, code).Scan(&n)
	return n > 0, err
}

const templateColumns = `code, display_name, tier, lines, levels, revision, create_time, update_time, updated_by`

// level is a ladder level as stored.
type level struct {
	Ladder string `json:"ladder"`
	Level  string `json:"level"`
}

func scanTemplate(row storage.Row) (app.TemplateRecord, error) {
	var r app.TemplateRecord
	var lines, levels string
	if err := row.Scan(&r.Code, &r.Name, &r.Tier, &lines, &levels, &r.Revision, &r.CreateTime, &r.UpdateTime, &r.UpdatedBy); err != nil {
		return r, err
	}
	r.CreateTime, r.UpdateTime = r.CreateTime.UTC(), r.UpdateTime.UTC()
	if err := fromJSON("lines of template "+r.Code, lines, &r.Lines); err != nil {
		return r, err
	}
	var ls []level
	if err := fromJSON("levels of template "+r.Code, levels, &ls); err != nil {
		return r, err
	}
	for _, l := range ls {
		r.Levels = append(r.Levels, template.Assignment{Ladder: l.Ladder, Level: l.Level, Template: r.Code})
	}
	return r, nil
}

func templateArgs(r app.TemplateRecord) ([]any, error) {
	lines := r.Lines
	if lines == nil {
		lines = []template.Line{}
	}
	ls := make([]level, len(r.Levels))
	for i, l := range r.Levels {
		ls[i] = level{Ladder: l.Ladder, Level: l.Level}
	}
	linesJSON, err := toJSON(lines)
	if err != nil {
		return nil, err
	}
	levelsJSON, err := toJSON(ls)
	if err != nil {
		return nil, err
	}
	return []any{r.Code, r.Name, string(r.Tier), linesJSON, levelsJSON, r.Revision, r.CreateTime, r.UpdateTime, r.UpdatedBy}, nil
}

// CountTemplates is how many templates there are.
func (s *Store) CountTemplates(ctx context.Context) (int, error) {
	var n int
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM templates`).Scan(&n)
	return n, err
}

// InsertTemplates adds templates; a code that exists is app.ErrExists.
func (s *Store) InsertTemplates(ctx context.Context, rs []app.TemplateRecord) error {
	err := s.db.InsertRows(ctx, `INSERT INTO templates (`+templateColumns+`) VALUES `, len(rs), 9, func(i int) ([]any, error) {
		return templateArgs(rs[i])
	})
	return exists(err, "a template with this code exists")
}

// Template reads one template.
func (s *Store) Template(ctx context.Context, code string) (app.TemplateRecord, error) {
	r, err := scanTemplate(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+templateColumns+` FROM templates WHERE code = $1`, code))
	return r, notFound(err, "templates/%s", code)
}

// Templates reads every template, by code.
func (s *Store) Templates(ctx context.Context) ([]app.TemplateRecord, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+templateColumns+` FROM templates ORDER BY code`)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, scanTemplate)
}

var templateListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"tier": {Column: "tier", Type: aip.Enum, Enum: enumOf(map[string]string{
			"TIER_JUNIOR": "junior", "TIER_MIDDLE": "middle", "TIER_SENIOR": "senior"})},
	},
	Tiebreak:        "code",
	DefaultPageSize: 50,
	MaxPageSize:     100,
}

// ListTemplates reads one page of templates, by code.
func (s *Store) ListTemplates(ctx context.Context, req aip.Request) ([]app.TemplateRecord, string, error) {
	return storage.Page(ctx, s.db, templateListSchema, req, "1 = 1", nil, `SELECT `+templateColumns+` FROM templates`, scanTemplate,
		func(r app.TemplateRecord) map[string]any { return map[string]any{"code": r.Code} })
}

// UpdateTemplate writes r if the stored revision is still r.Revision-1, else
// app.ErrConflict.
func (s *Store) UpdateTemplate(ctx context.Context, r app.TemplateRecord) error {
	a, err := templateArgs(r)
	if err != nil {
		return err
	}
	return updated(s.db.Q(ctx).ExecContext(ctx, `UPDATE templates SET display_name = $2, tier = $3, lines = $4, levels = $5,
		revision = $6, create_time = $7, update_time = $8, updated_by = $9 WHERE code = $1 AND revision = $10`, append(a, r.Revision-1)...))
}
