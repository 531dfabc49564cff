// Package sqlstore keeps the assessment service's data in SQLite or PostgreSQL:
// the indicator library, templates, business figures with their history, and
// the batches that brought them. It implements app.Store.
package sqlstore

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations are the assessment service's schema.
func Migrations() storage.Migrations {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		panic(err) // embedded above
	}
	return storage.Migrations{Name: "assessment", FS: sub}
}

// Store is the assessment service's repository.
type Store struct{ db *storage.DB }

var _ app.Store = (*Store)(nil)

// New returns the store on db.
func New(db *storage.DB) *Store { return &Store{db: db} }

// exists maps a unique violation to app.ErrExists.
func exists(err error, what string) error {
	if storage.IsUniqueViolation(err) {
		return fmt.Errorf("%w: %s", app.ErrExists, what)
	}
	return err
}

// updated turns an UPDATE's result into app.ErrConflict when it changed no row.
func updated(res interface{ RowsAffected() (int64, error) }, err error) error {
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

func notFound(err error, format string, args ...any) error {
	if errors.Is(err, errNoRows) {
		return fmt.Errorf("%w: %s", app.ErrNotFound, fmt.Sprintf(format, args...))
	}
	return err
}

func enumOf(names map[string]string) map[string]any {
	out := make(map[string]any, len(names))
	for k, v := range names {
		out[k] = v
	}
	return out
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

func itoa(i int) string { return strconv.Itoa(i) }

// upsertRows writes n rows of cols values each with multi-row INSERTs that
// start with insert ("INSERT INTO t (a, b) VALUES ") and end with onConflict
// ("ON CONFLICT (a) DO UPDATE SET b = excluded.b"), BatchRows rows a
// statement: rows that exist are replaced in place (no delete first, which
// scans on a table without statistics yet).
func (s *Store) upsertRows(ctx context.Context, insert, onConflict string, n, cols int, row func(i int) ([]any, error)) error {
	batch := s.db.BatchRows()
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		next := s.db.Params()
		values := make([]string, 0, end-start)
		args := make([]any, 0, (end-start)*cols)
		for i := start; i < end; i++ {
			a, err := row(i)
			if err != nil {
				return err
			}
			values = append(values, "("+next(cols)+")")
			args = append(args, a...)
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, insert+strings.Join(values, ", ")+" "+onConflict, args...); err != nil {
			return err
		}
	}
	return nil
}

// excluded is "a = excluded.a, b = excluded.b" for the columns.
func excluded(cols ...string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + " = excluded." + c
	}
	return strings.Join(parts, ", ")
}

// analyzeFrom is how many rows a bulk write must have for analyze to run.
const analyzeFrom = 1000

// analyze refreshes PostgreSQL's statistics of table after a bulk write of
// rows rows, in the writing transaction (which counts its own rows): without
// them, until autovacuum gets to the table, the planner takes a list of a
// few hundred managers for most of the table and scans all of it for every
// chunk. SQLite plans by its indexes and needs nothing.
func (s *Store) analyze(ctx context.Context, table string, rows int) error {
	if rows < analyzeFrom || s.db.Dialect() != storage.Postgres {
		return nil
	}
	_, err := s.db.Q(ctx).ExecContext(ctx, "ANALYZE "+table)
	return err
}
