// Package aip turns the standard parameters of a List request in Google's API
// design guide — filter (AIP-160), order_by (AIP-132), page_size and
// page_token (AIP-158) — into SQL pieces for a database/sql repository, with
// keyset pagination.
//
// The generated SQL uses $n placeholders and only syntax that SQLite and
// PostgreSQL share. Client input never becomes SQL text: field names are
// looked up in a [Schema] written in code, and every value is a bound argument.
//
// A repository uses it like this:
//
//	q, err := schema.Compile(aip.Request{
//		Filter: req.Filter, OrderBy: req.OrderBy,
//		PageSize: req.PageSize, PageToken: req.PageToken, Scope: req.Parent,
//	}, 2) // $1 is taken by the parent
//	if err != nil {
//		return err // *aip.Error: report it as InvalidArgument
//	}
//	stmt := "SELECT id, display_name, create_time FROM org_units WHERE parent = $1"
//	if q.Where != "" {
//		stmt += " AND " + q.Where
//	}
//	stmt += " ORDER BY " + q.OrderBy + " LIMIT " + strconv.Itoa(q.Limit)
//	// Query with append([]any{parent}, q.Args...) and scan up to q.Limit rows.
//	if len(rows) > q.PageSize {
//		rows = rows[:q.PageSize]
//		last := rows[len(rows)-1]
//		next, err = q.NextPageToken(map[string]any{
//			"display_name": last.DisplayName, "id": last.ID,
//		})
//	}
//
// # Filters
//
// The filter language is a subset of AIP-160:
//
//   - comparisons field OP value, OP one of = != < <= > >= and : (has).
//     For text fields ":" is a case-insensitive substring match.
//     < <= > >= are allowed on text, integer, timestamp and date fields;
//     boolean and enum fields only take = and !=.
//   - values are double- or single-quoted strings (escapes \" \' \\) or
//     bare words such as 42, -7, true, BRANCH, 2026-01-31. Timestamps are
//     RFC 3339 ("2026-01-31T09:00:00Z"), dates are YYYY-MM-DD.
//   - AND, OR, NOT or - (negation), parentheses; terms separated only by
//     whitespace are joined by AND. Keywords are upper case.
//
// Comparisons follow SQL: a row whose column is NULL matches neither
// "f = v" nor "NOT f = v".
//
// AIP-160 gives OR a higher precedence than AND ("a AND b OR c" means
// "a AND (b OR c)"), the opposite of most programming languages. To never
// silently read a filter differently from what its author meant, this package
// rejects AND (explicit or implicit) and OR on the same level without
// parentheses and asks for parentheses instead.
//
// # Page tokens
//
// A page token holds the order-column values of the last row of the previous
// page and a checksum over those values, the filter, the resolved order and
// [Request.Scope]. A token used with different parameters, or altered, is
// rejected. The checksum is not a secret-keyed MAC: a determined client can
// forge a token, but that only lets it choose where a page starts within the
// results it is allowed to see, since values are always bound arguments.
//
// # Timestamps and dates on SQLite
//
// Timestamp values are bound as time.Time in UTC. PostgreSQL compares them
// as instants; modernc.org/sqlite stores and compares them as text, which
// sorts chronologically only when every stored value was written in UTC and
// without a monotonic clock reading, so repositories on SQLite must store
// t.UTC(). Date values are bound as "YYYY-MM-DD" strings, which SQLite
// compares correctly with dates stored in that form.
package aip

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// FieldType is the type of a filterable or orderable field. It decides which
// literals and operators a filter may use with the field.
type FieldType int

const (
	String    FieldType = iota // text; the SQL argument is a string
	Int                        // integer; the SQL argument is an int64
	Bool                       // true or false; the SQL argument is a bool
	Enum                       // one of the names in Field.Enum; the SQL argument is the mapped value
	Timestamp                  // RFC 3339 in filters; the SQL argument is a time.Time in UTC
	Date                       // YYYY-MM-DD in filters; the SQL argument is the string "YYYY-MM-DD"
)

func (t FieldType) String() string {
	switch t {
	case String:
		return "text"
	case Int:
		return "integer"
	case Bool:
		return "boolean"
	case Enum:
		return "enum"
	case Timestamp:
		return "timestamp"
	case Date:
		return "date"
	}
	return "FieldType(" + strconv.Itoa(int(t)) + ")"
}

// Field maps a name that clients use in filter and order_by to a column.
type Field struct {
	Column string // SQL column expression; trusted, written in code
	Type   FieldType
	// Enum maps each literal accepted in filters (e.g. BRANCH) to the value
	// stored in the column. Required for Enum fields.
	Enum map[string]any
	// Convert, if set, turns the literal of a String field into the SQL
	// value, e.g. "orgUnits/abc" -> "abc". Its error is reported to the
	// client as a filter error, so it should say what a valid value is.
	// Fields with Convert do not support ":".
	Convert func(string) (any, error)
	// Match, if set, writes the SQL condition itself from the operator ("=" or
	// "<>"; other operators are refused) and the argument's placeholder, e.g. an
	// org-unit field that matches a whole subtree. Column is then used only for
	// ordering.
	Match func(op, placeholder string) string
	// Orderable allows the field in order_by. Its column must be NOT NULL,
	// or keyset pagination skips or repeats rows.
	Orderable bool
}

// Schema describes what a List method accepts.
type Schema struct {
	// Fields maps names as clients write them (snake_case, e.g.
	// display_name) to columns.
	Fields map[string]Field
	// DefaultOrder is used when order_by is empty, in order_by syntax,
	// e.g. "display_name" or "create_time desc". It may be empty.
	DefaultOrder string
	// Tiebreak is a unique NOT NULL column, e.g. "id". It is appended
	// (ascending) to every order that does not already contain it, which
	// makes the order total and keyset pagination exact.
	Tiebreak string
	// DefaultPageSize is used when page_size is 0; larger page sizes are
	// reduced to MaxPageSize. Both must be positive.
	DefaultPageSize, MaxPageSize int
}

// Request holds the List parameters as the client sent them.
type Request struct {
	Filter, OrderBy, PageToken string
	PageSize                   int32
	// Scope holds any other request parameters that must not change
	// between pages, e.g. the parent; it is only compared, never parsed.
	Scope string
}

// Query is a compiled Request.
type Query struct {
	// Where is "" or a parenthesised boolean SQL expression (filter AND
	// keyset condition) that can be joined to other conditions with AND.
	Where string
	// Args are the values of the placeholders in Where, numbered from the
	// firstPlaceholder given to Compile.
	Args []any
	// OrderBy is the ORDER BY list, e.g. "display_name ASC, id ASC".
	OrderBy string
	// Limit is PageSize+1: fetching one row more than the page tells the
	// repository whether there is a next page.
	Limit int
	// PageSize is the number of rows to return.
	PageSize int

	keys        []orderKey
	fingerprint string
}

// WhereClause is " WHERE " followed by scope (a condition of the repository's own,
// e.g. the caller's visibility, whose placeholders come before firstPlaceholder) and
// the request's condition, joined by AND.
func (q Query) WhereClause(scope string) string {
	if q.Where == "" {
		return " WHERE " + scope
	}
	return " WHERE " + scope + " AND " + q.Where
}

// Error is a client error in one request field. A gRPC layer can report it as
// InvalidArgument with a google.rpc.BadRequest field violation made of Field
// and Description.
type Error struct {
	Field       string // "filter", "order_by", "page_size" or "page_token"
	Description string // what is wrong, where, and what is allowed
}

func (e *Error) Error() string { return "invalid " + e.Field + ": " + e.Description }

// Compile validates r against s and builds the query for one page. Placeholders
// in Query.Where are numbered from firstPlaceholder (values below 1 count as
// 1), so a repository can put its own arguments first.
//
// Invalid client input is reported as *Error; any other error is a mistake in
// the Schema.
func (s Schema) Compile(r Request, firstPlaceholder int) (Query, error) {
	size, err := s.pageSize(r.PageSize)
	if err != nil {
		return Query{}, err
	}
	keys, err := s.order(r.OrderBy)
	if err != nil {
		return Query{}, err
	}
	a := &args{first: max(firstPlaceholder, 1)}
	where, err := s.filter(r.Filter, a)
	if err != nil {
		return Query{}, err
	}
	q := Query{OrderBy: orderSQL(keys), Limit: size + 1, PageSize: size, keys: keys}
	q.fingerprint = fingerprint(r.Filter, q.OrderBy, r.Scope)
	if where != "" {
		where = "(" + where + ")"
	}
	if r.PageToken != "" {
		values, err := q.decodeToken(r.PageToken)
		if err != nil {
			return Query{}, err
		}
		if where != "" {
			where += " AND "
		}
		where += "(" + keyset(keys, values, a) + ")"
	}
	q.Where, q.Args = where, a.list
	return q, nil
}

func (s Schema) pageSize(n int32) (int, error) {
	if s.DefaultPageSize <= 0 || s.MaxPageSize <= 0 {
		return 0, fmt.Errorf("aip: Schema.DefaultPageSize and MaxPageSize must be positive")
	}
	switch {
	case n < 0:
		return 0, &Error{"page_size", fmt.Sprintf("must not be negative, got %d; omit it or send 0 for the default of %d (at most %d)",
			n, s.DefaultPageSize, s.MaxPageSize)}
	case n == 0:
		return min(s.DefaultPageSize, s.MaxPageSize), nil
	}
	return min(int(n), s.MaxPageSize), nil
}

// args collects SQL arguments and hands out their placeholders.
type args struct {
	first int
	list  []any
}

func (a *args) add(v any) string {
	a.list = append(a.list, v)
	return "$" + strconv.Itoa(a.first+len(a.list)-1)
}

// names returns the sorted keys of m for which keep is true, joined by ", ".
func names[V any](m map[string]V, keep func(V) bool) string {
	var ns []string
	for n, v := range m {
		if keep(v) {
			ns = append(ns, n)
		}
	}
	slices.Sort(ns)
	return strings.Join(ns, ", ")
}
