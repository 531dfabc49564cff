package storage

import (
	"database/sql"
	"strconv"
	"strings"
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
