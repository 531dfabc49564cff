// Package sqlstore implements the roster's repositories on SQL (SQLite and
// PostgreSQL through pkg/storage).
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/orgunit"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations is the roster's schema.
func Migrations() storage.Migrations {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		panic(err) // the folder is embedded above
	}
	return storage.Migrations{Name: "roster", FS: sub}
}

// OrgUnits stores org units.
type OrgUnits struct {
	db *storage.DB
}

// NewOrgUnits returns the org-unit repository on db.
func NewOrgUnits(db *storage.DB) *OrgUnits { return &OrgUnits{db: db} }

const unitColumns = `u.id, u.display_name, u.type, COALESCE(u.parent_id, ''), COALESCE(u.code, ''), u.address,
	u.latitude, u.longitude, u.path, u.revision, u.create_time, u.update_time,
	(SELECT count(*) FROM org_units c WHERE c.parent_id = u.id)`

func scanUnit(row storage.Row) (orgunit.Unit, error) {
	var u orgunit.Unit
	var lat, lng sql.NullFloat64
	err := row.Scan(&u.ID, &u.DisplayName, &u.Type, &u.ParentID, &u.Code, &u.Address,
		&lat, &lng, &u.Path, &u.Revision, &u.CreateTime, &u.UpdateTime, &u.ChildCount)
	if lat.Valid && lng.Valid {
		u.Location = &orgunit.Location{Lat: lat.Float64, Lng: lng.Float64}
	}
	u.CreateTime, u.UpdateTime = u.CreateTime.UTC(), u.UpdateTime.UTC()
	return u, err
}

// Get reads one unit.
func (r *OrgUnits) Get(ctx context.Context, id string) (orgunit.Unit, error) {
	u, err := scanUnit(r.db.Q(ctx).QueryRowContext(ctx, `SELECT `+unitColumns+` FROM org_units u WHERE u.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("%w: orgUnits/%s", orgunit.ErrNotFound, id)
	}
	return u, err
}

// listSchema is what ListOrgUnits accepts in filter and order_by.
var listSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"parent": {Column: "u.parent_id", Type: aip.String, Convert: func(s string) (any, error) {
			id, ok := strings.CutPrefix(s, "orgUnits/")
			if !ok || id == "" {
				return nil, fmt.Errorf("parent must be an org unit name like \"orgUnits/head-office\", not %q", s)
			}
			return id, nil
		}},
		"type": {Column: "u.type", Type: aip.Enum, Enum: map[string]any{
			"TYPE_HEAD_OFFICE": 1, "TYPE_BRANCH": 2, "TYPE_SUB_BRANCH": 3, "TYPE_TEAM": 4,
			"HEAD_OFFICE": 1, "BRANCH": 2, "SUB_BRANCH": 3, "TEAM": 4,
		}},
		"display_name": {Column: "u.display_name", Type: aip.String, Orderable: true},
		"code":         {Column: "COALESCE(u.code, '')", Type: aip.String, Orderable: true},
		"create_time":  {Column: "u.create_time", Type: aip.Timestamp, Orderable: true},
		"update_time":  {Column: "u.update_time", Type: aip.Timestamp, Orderable: true},
	},
	DefaultOrder:    "display_name",
	Tiebreak:        "u.id",
	DefaultPageSize: 50,
	MaxPageSize:     1000,
}

// List reads one page of units and the number of units matching the filter.
func (r *OrgUnits) List(ctx context.Context, req aip.Request, access orgunit.Access) ([]orgunit.Unit, string, int, error) {
	scope, scopeArgs := visible(access)
	q, err := listSchema.Compile(req, len(scopeArgs)+1)
	if err != nil {
		return nil, "", 0, err
	}
	rows, err := r.db.Q(ctx).QueryContext(ctx,
		fmt.Sprintf(`SELECT %s FROM org_units u%s ORDER BY %s LIMIT %d`, unitColumns, q.WhereClause(scope), q.OrderBy, q.Limit),
		append(scopeArgs, q.Args...)...)
	if err != nil {
		return nil, "", 0, err
	}
	defer rows.Close()
	var units []orgunit.Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, "", 0, err
		}
		units = append(units, u)
	}
	if err := rows.Err(); err != nil {
		return nil, "", 0, err
	}
	next := ""
	if len(units) > q.PageSize {
		units = units[:q.PageSize]
		last := units[len(units)-1]
		if next, err = q.NextPageToken(map[string]any{
			"u.display_name": last.DisplayName, "COALESCE(u.code, '')": last.Code,
			"u.create_time": last.CreateTime, "u.update_time": last.UpdateTime, "u.id": last.ID,
		}); err != nil {
			return nil, "", 0, err
		}
	}
	total, err := r.count(ctx, req, access)
	return units, next, total, err
}

func (r *OrgUnits) count(ctx context.Context, req aip.Request, access orgunit.Access) (int, error) {
	req.PageToken = "" // the filter alone, without the page's keyset condition
	scope, scopeArgs := visible(access)
	q, err := listSchema.Compile(req, len(scopeArgs)+1)
	if err != nil {
		return 0, err
	}
	var n int
	err = r.db.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM org_units u`+q.WhereClause(scope), append(scopeArgs, q.Args...)...).Scan(&n)
	return n, err
}

// visible is the SQL condition for the units access may see (mirrors Access.CanRead):
// the home unit's subtree and its ancestors.
func visible(access orgunit.Access) (string, []any) {
	switch {
	case access.ReadAll:
		return "1 = 1", nil
	case access.Home == "":
		return "1 = 0", nil
	default:
		return "(substr(u.path, 1, length($1)) = $1 OR substr($1, 1, length(u.path)) = u.path)", []any{access.Home}
	}
}

// Count is the number of units.
func (r *OrgUnits) Count(ctx context.Context) (int, error) {
	var n int
	err := r.db.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM org_units`).Scan(&n)
	return n, err
}

// Insert adds a unit.
func (r *OrgUnits) Insert(ctx context.Context, u orgunit.Unit) error {
	if err := r.checkUnique(ctx, u, true); err != nil {
		return err
	}
	lat, lng := unitLocation(u)
	_, err := r.db.Q(ctx).ExecContext(ctx, `INSERT INTO org_units
		(id, display_name, type, parent_id, code, address, latitude, longitude, path, revision, create_time, update_time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		u.ID, u.DisplayName, int(u.Type), nullable(u.ParentID), nullable(u.Code), u.Address, lat, lng, u.Path,
		u.Revision, u.CreateTime, u.UpdateTime)
	return raced(err)
}

// Update writes a unit's name, code, address and location.
func (r *OrgUnits) Update(ctx context.Context, u orgunit.Unit, prevRevision int64) error {
	if err := r.checkUnique(ctx, u, false); err != nil {
		return err
	}
	lat, lng := unitLocation(u)
	res, err := r.db.Q(ctx).ExecContext(ctx, `UPDATE org_units
		SET display_name = $1, code = $2, address = $3, latitude = $4, longitude = $5, revision = $6, update_time = $7
		WHERE id = $8 AND revision = $9`,
		u.DisplayName, nullable(u.Code), u.Address, lat, lng, u.Revision, u.UpdateTime, u.ID, prevRevision)
	if err != nil {
		return raced(err)
	}
	return expectOne(res, u.ID)
}

// Move re-parents a unit and rewrites its subtree's paths.
func (r *OrgUnits) Move(ctx context.Context, u orgunit.Unit, oldPath string, prevRevision int64) error {
	q := r.db.Q(ctx)
	res, err := q.ExecContext(ctx, `UPDATE org_units SET parent_id = $1, revision = $2, update_time = $3
		WHERE id = $4 AND revision = $5`, u.ParentID, u.Revision, u.UpdateTime, u.ID, prevRevision)
	if err != nil {
		return err
	}
	if err := expectOne(res, u.ID); err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `UPDATE org_units SET path = $1 || substr(path, $2)
		WHERE substr(path, 1, $3) = $4`, u.Path, len(oldPath)+1, len(oldPath), oldPath)
	return err
}

// Delete removes a unit.
func (r *OrgUnits) Delete(ctx context.Context, id string) error {
	res, err := r.db.Q(ctx).ExecContext(ctx, `DELETE FROM org_units WHERE id = $1`, id)
	if storage.IsForeignKeyViolation(err) {
		return fmt.Errorf("%w: orgUnits/%s has child units; move or delete them first", orgunit.ErrHasChildren, id)
	}
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("%w: orgUnits/%s", orgunit.ErrNotFound, id)
	}
	return nil
}

// checkUnique refuses a unit whose id (when new), code or head-office status collides
// with another unit, saying which.
func (r *OrgUnits) checkUnique(ctx context.Context, u orgunit.Unit, isNew bool) error {
	var what string
	switch {
	case isNew && r.exists(ctx, `SELECT count(*) FROM org_units WHERE id = $1`, u.ID):
		what = fmt.Sprintf("orgUnits/%s already exists; choose another org_unit_id", u.ID)
	case u.Code != "" && r.exists(ctx, `SELECT count(*) FROM org_units WHERE code = $1 AND id <> $2`, u.Code, u.ID):
		what = fmt.Sprintf("code %q is already used by another org unit", u.Code)
	case isNew && u.Type == orgunit.HeadOffice && r.exists(ctx, `SELECT count(*) FROM org_units WHERE type = 1`):
		what = "the bank already has a head office; there can be only one"
	default:
		return nil
	}
	return fmt.Errorf("%w: %s", orgunit.ErrAlreadyExists, what)
}

func (r *OrgUnits) exists(ctx context.Context, query string, args ...any) bool {
	var n int
	return r.db.Q(ctx).QueryRowContext(ctx, query, args...).Scan(&n) == nil && n > 0
}

// raced reports a unique violation that slipped past checkUnique: a concurrent
// request wrote a colliding unit between the check and the write.
func raced(err error) error {
	if storage.IsUniqueViolation(err) {
		return fmt.Errorf("%w: a concurrent request created a unit with the same id, code or type; read and retry", orgunit.ErrAlreadyExists)
	}
	return err
}

func expectOne(res sql.Result, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w (orgUnits/%s)", apierr.ErrEtagMismatch, id)
	}
	return nil
}

// unitLocation is u's location as column values: both NULL when unknown.
func unitLocation(u orgunit.Unit) (lat, lng any) {
	if u.Location == nil {
		return nil, nil
	}
	return u.Location.Lat, u.Location.Lng
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
