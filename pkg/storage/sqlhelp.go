package storage

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/aip"
)

// Row is what a scan function reads one row from (*sql.Row or *sql.Rows).
type Row interface{ Scan(...any) error }

// Collect reads every row with scan and closes rows.
func Collect[T any](rows *sql.Rows, scan func(Row) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Placeholders is "$first, $first+1, …" (n numbered placeholders), e.g. for an IN
// list after the statement's other arguments.
func Placeholders(first, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(first + i))
	}
	return b.String()
}

// Args turns values into query arguments.
func Args[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// Params hands out the placeholders of one multi-row statement, n at a time. On
// SQLite they are anonymous "?": SQLite treats "$N" as a name and looks each one up
// among the statement's names when preparing and binding, which makes statements
// with thousands of values quadratic (10,000 rows took seconds). On PostgreSQL
// they are "$1", "$2", ….
func (db *DB) Params() func(n int) string {
	if db.dialect != Postgres {
		return func(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }
	}
	k := 0
	return func(n int) string {
		k += n
		return Placeholders(k-n+1, n)
	}
}

// BatchRows is how many rows one multi-row INSERT writes: 500 on PostgreSQL (one
// round trip each), 100 on SQLite.
func (db *DB) BatchRows() int {
	if db.dialect == Postgres {
		return 500
	}
	return 100
}

// InsertRows writes n rows of cols values each (row(i) gives row i's) with
// multi-row INSERTs that start with insert ("INSERT INTO t (a, b) VALUES "),
// BatchRows rows a statement.
func (db *DB) InsertRows(ctx context.Context, insert string, n, cols int, row func(i int) ([]any, error)) error {
	batch := db.BatchRows()
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		next := db.Params()
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
		if _, err := db.Q(ctx).ExecContext(ctx, insert+strings.Join(values, ", "), args...); err != nil {
			return err
		}
	}
	return nil
}

// inChunk bounds the values of one IN list.
const inChunk = 400

// QueryIn runs query, which ends with "IN (", for the values in chunks of a few
// hundred (after args, which take $1…), and collects the rows of every chunk.
func QueryIn[T any](ctx context.Context, db *DB, query string, args []any, values []string, scan func(Row) (T, error)) ([]T, error) {
	var out []T
	for start := 0; start < len(values); start += inChunk {
		part := values[start:min(start+inChunk, len(values))]
		rows, err := db.Q(ctx).QueryContext(ctx, query+Placeholders(len(args)+1, len(part))+")",
			append(append([]any{}, args...), Args(part)...)...)
		if err != nil {
			return nil, err
		}
		found, err := Collect(rows, scan)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	return out, nil
}

// Page reads one page of a list: the rows of selectFrom ("SELECT … FROM t")
// that cond (placeholders $1…, bound to args) and req select, in req's order,
// and the next page's token made from the last row's order keys.
func Page[T any](ctx context.Context, db *DB, schema aip.Schema, req aip.Request, cond string, args []any, selectFrom string,
	scan func(Row) (T, error), keys func(T) map[string]any) ([]T, string, error) {
	q, err := schema.Compile(req, len(args)+1)
	if err != nil {
		return nil, "", err
	}
	rows, err := db.Q(ctx).QueryContext(ctx, selectFrom+q.WhereClause(cond)+" ORDER BY "+q.OrderBy+" LIMIT "+strconv.Itoa(q.Limit),
		append(args, q.Args...)...)
	if err != nil {
		return nil, "", err
	}
	out, err := Collect(rows, scan)
	if err != nil || len(out) <= q.PageSize {
		return out, "", err
	}
	out = out[:q.PageSize]
	next, err := q.NextPageToken(keys(out[len(out)-1]))
	return out, next, err
}
