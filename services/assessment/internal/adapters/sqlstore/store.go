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

	"github.com/rmsuite/rmsuite/pkg/aip"
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

// chunk bounds the values of one IN list.
const chunk = 400

// insertRows writes n rows of cols values each (row(i) gives row i's) with
// multi-row INSERTs that start with insert.
func (s *Store) insertRows(ctx context.Context, insert string, n, cols int, row func(i int) ([]any, error)) error {
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
		if _, err := s.db.Q(ctx).ExecContext(ctx, insert+strings.Join(values, ", "), args...); err != nil {
			return err
		}
	}
	return nil
}

// queryIn runs query (which ends with "IN (") for the values in chunks, after
// args, and collects the rows.
func queryIn[T any](ctx context.Context, s *Store, query string, args []any, values []string, scan func(storage.Row) (T, error)) ([]T, error) {
	var out []T
	for start := 0; start < len(values); start += chunk {
		part := values[start:min(start+chunk, len(values))]
		rows, err := s.db.Q(ctx).QueryContext(ctx, query+storage.Placeholders(len(args)+1, len(part))+")",
			append(append([]any{}, args...), storage.Args(part)...)...)
		if err != nil {
			return nil, err
		}
		found, err := storage.Collect(rows, scan)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	return out, nil
}

// page reads one page: the rows of selectFrom that cond (placeholders $1…)
// and req select, and the next page's token made from the last row's keys.
func page[T any](ctx context.Context, s *Store, schema aip.Schema, req aip.Request, cond string, args []any, selectFrom string,
	scan func(storage.Row) (T, error), keys func(T) map[string]any) ([]T, string, error) {
	q, err := schema.Compile(req, len(args)+1)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, selectFrom+q.WhereClause(cond)+" ORDER BY "+q.OrderBy+" LIMIT "+strconv.Itoa(q.Limit),
		append(args, q.Args...)...)
	if err != nil {
		return nil, "", err
	}
	out, err := storage.Collect(rows, scan)
	if err != nil || len(out) <= q.PageSize {
		return out, "", err
	}
	out = out[:q.PageSize]
	next, err := q.NextPageToken(keys(out[len(out)-1]))
	return out, next, err
}

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
