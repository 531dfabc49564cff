// Package sqlstore keeps the compensation service's data in SQLite or
// PostgreSQL: pay configuration revisions, pay inputs, payroll runs and their
// computations, payslips by generation with their explanations and inputs,
// the differences between generations, and what locked runs settled. It
// implements app.Store.
package sqlstore

import (
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/compensation/internal/app"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations are the compensation service's schema.
func Migrations() storage.Migrations {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		panic(err) // embedded above
	}
	return storage.Migrations{Name: "compensation", FS: sub}
}

// Store is the compensation service's repository.
type Store struct{ db *storage.DB }

var _ app.Store = (*Store)(nil)

// New returns the store on db.
func New(db *storage.DB) *Store { return &Store{db: db} }

func exists(err error, format string, args ...any) error {
	if storage.IsUniqueViolation(err) {
		return fmt.Errorf("%w: %s", app.ErrExists, fmt.Sprintf(format, args...))
	}
	return err
}

func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s", app.ErrNotFound, fmt.Sprintf(format, args...))
	}
	return err
}

// updated turns an UPDATE that changed no row into app.ErrConflict.
func updated(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return app.ErrConflict
	}
	return nil
}

func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func fromJSON(what, s string, v any) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("stored %s: %w", what, err)
	}
	return nil
}

func resourceID(prefix, example string) func(string) (any, error) {
	return func(v string) (any, error) {
		id, ok := strings.CutPrefix(v, prefix)
		if !ok || id == "" {
			return nil, fmt.Errorf("want a name like %q", example)
		}
		return id, nil
	}
}

// scopeCond is the SQL condition of what scope covers, on an org-path column
// (and a manager column for one's own), with its arguments from $first.
func scopeCond(s app.Scope, pathCol string, first int) (string, []any) {
	if s.All {
		return "1 = 1", nil
	}
	if s.Path == "" {
		return "1 = 0", nil
	}
	return fmt.Sprintf("substr(%s, 1, length($%d)) = $%d", pathCol, first, first), []any{s.Path}
}
