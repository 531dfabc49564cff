package aip_test

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	_ "modernc.org/sqlite"
)

type item struct {
	id             int64
	name           string
	score          int64
	active         bool
	kind, parentID string
	created, day   time.Time
}

var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// testItems has many duplicate sort values, names that need LIKE escaping and
// timestamps that differ only in microseconds (the precision of PostgreSQL).
func testItems() []item {
	names := []string{"Alpha", "alpha", "Beta", "gamma_1", "gamma-1", "50% off", `back\slash`, "Ünïcode", "delta"}
	var items []item
	for i := int64(1); i <= 200; i++ {
		items = append(items, item{
			id:       i,
			name:     names[i%int64(len(names))],
			score:    i % 7,
			active:   i%2 == 0,
			kind:     []string{"region", "branch"}[min(i%3, 1)],
			parentID: "u" + strconv.FormatInt(i%2, 10),
			created:  base.Add(time.Duration(i%13)*time.Hour + time.Duration(i%4)*123*time.Microsecond),
			day:      base.AddDate(0, 0, int(i%10)),
		})
	}
	return items
}

// openDB returns a SQLite database holding testItems in table items.
func openDB(t testing.TB) *sql.DB {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "aip.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, err = db.Exec(`CREATE TABLE items (
		id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INTEGER NOT NULL, active BOOLEAN NOT NULL,
		kind TEXT NOT NULL, parent_id TEXT NOT NULL, created TIMESTAMP NOT NULL, day DATE NOT NULL)`)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range testItems() {
		_, err := tx.Exec("INSERT INTO items VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			it.id, it.name, it.score, it.active, it.kind, it.parentID, it.created, it.day.Format(time.DateOnly))
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return db
}

// list runs one List call the way a repository would: its own condition
// takes $1, the compiled query the rest.
func list(t *testing.T, db *sql.DB, r aip.Request) (page []item, next string) {
	t.Helper()
	q, err := testSchema.Compile(r, 2)
	if err != nil {
		t.Fatalf("%+v: %v", r, err)
	}
	stmt := "SELECT id, name, score, active, kind, parent_id, created, day FROM items WHERE parent_id <> $1"
	if q.Where != "" {
		stmt += " AND " + q.Where
	}
	stmt += " ORDER BY " + q.OrderBy + " LIMIT " + strconv.Itoa(q.Limit)
	rows, err := db.Query(stmt, append([]any{"none"}, q.Args...)...)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	defer rows.Close()
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.name, &it.score, &it.active, &it.kind, &it.parentID, &it.created, &it.day); err != nil {
			t.Fatal(err)
		}
		page = append(page, it)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(page) > q.PageSize {
		page = page[:q.PageSize]
		last := page[len(page)-1]
		next, err = q.NextPageToken(map[string]any{
			"id": last.id, "name": last.name, "score": last.score, "kind": last.kind,
			"created": last.created, "day": last.day,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return page, next
}

func ids(items []item) []int64 {
	var ids []int64
	for _, it := range items {
		ids = append(ids, it.id)
	}
	return ids
}

func TestPaginationSQLite(t *testing.T) { testPagination(t, openDB(t)) }

// testPagination pages through db's items table with several filters, orders
// and page sizes and compares the pages with one query for all rows.
func testPagination(t *testing.T, db *sql.DB) {
	orders := []struct{ orderBy, sql string }{
		{"", "name ASC, id ASC"},
		{"score desc", "score DESC, id ASC"},
		{"score desc, display_name", "score DESC, name ASC, id ASC"},
		{"create_time desc", "created DESC, id ASC"},
		{"create_time, score desc, display_name desc", "created ASC, score DESC, name DESC, id ASC"},
		{"day desc, kind", "day DESC, kind ASC, id ASC"},
		{"id desc", "id DESC"},
	}
	filters := []string{"", "score != 3", `display_name:"PH" OR kind = REGION`, `create_time >= "2026-01-01T04:00:00Z" -active = true`}
	for _, o := range orders {
		for _, filter := range filters {
			r := aip.Request{Filter: filter, OrderBy: o.orderBy, Scope: "units/-", PageSize: 1000}
			if q, err := testSchema.Compile(r, 2); err != nil || q.OrderBy != o.sql {
				t.Fatalf("order_by %q: got %q, %v; want %q", o.orderBy, q.OrderBy, err, o.sql)
			}
			all, next := list(t, db, r)
			if next != "" || len(all) < 20 || len(all) == 200 && filter != "" {
				t.Fatalf("%+v: the full query returned %d rows and next page %q", r, len(all), next)
			}
			// Page sizes that divide the result evenly or not, and sizes that change between pages.
			for _, sizes := range [][]int32{{1}, {7}, {64}, {int32(len(all))}, {3, 50, 1, 13}} {
				r.PageToken = ""
				var got []item
				for page := 0; ; page++ {
					r.PageSize = sizes[page%len(sizes)]
					items, next := list(t, db, r)
					if len(items) == 0 || len(items) > int(r.PageSize) || page > len(all) {
						t.Fatalf("%+v: page %d has %d items", r, page, len(items))
					}
					got = append(got, items...)
					if next == "" {
						break
					}
					r.PageToken = next
				}
				if !slices.Equal(ids(got), ids(all)) {
					t.Errorf("filter %q, order_by %q, page sizes %v:\n  paged %v\n  whole %v", filter, o.orderBy, sizes, ids(got), ids(all))
				}
			}
		}
	}
}

func TestFilterSemanticsSQLite(t *testing.T) { testFilterSemantics(t, openDB(t)) }

// testFilterSemantics compares the rows filters select from db's items table
// with the same conditions evaluated in Go.
func testFilterSemantics(t *testing.T, db *sql.DB) {
	contains := func(sub string) func(item) bool {
		return func(it item) bool { return strings.Contains(strings.ToLower(it.name), strings.ToLower(sub)) }
	}
	at := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339Nano, s); return tm }
	tests := []struct {
		filter string
		want   func(item) bool
	}{
		{`display_name:"ALPHA"`, contains("alpha")},
		{`display_name:"Ünï"`, contains("Ünï")},
		{`display_name:"%"`, contains("%")},
		{`display_name:"_"`, contains("_")},
		{`display_name:"\\"`, contains(`\`)},
		{`display_name = alpha`, func(it item) bool { return it.name == "alpha" }},
		{`display_name >= "b" display_name < "d"`, func(it item) bool { return it.name >= "b" && it.name < "d" }},
		{`score >= 3 AND score < 5`, func(it item) bool { return it.score >= 3 && it.score < 5 }},
		{`kind = BRANCH`, func(it item) bool { return it.kind == "branch" }},
		{`NOT kind = BRANCH OR score = 0`, func(it item) bool { return it.kind != "branch" || it.score == 0 }},
		{`-(score = 1 OR score = 2) active = true`, func(it item) bool { return it.score != 1 && it.score != 2 && it.active }},
		{`active = false`, func(it item) bool { return !it.active }},
		{`create_time > "2026-01-01T05:00:00Z"`, func(it item) bool { return it.created.After(at("2026-01-01T05:00:00Z")) }},
		{`create_time <= "2026-01-01T07:00:00.000123+02:00"`, func(it item) bool { return !it.created.After(at("2026-01-01T05:00:00.000123Z")) }},
		{`day >= 2026-01-05 AND day != 2026-01-07`, func(it item) bool {
			return !it.day.Before(base.AddDate(0, 0, 4)) && !it.day.Equal(base.AddDate(0, 0, 6))
		}},
		{`parent = "units/u1" display_name != "delta"`, func(it item) bool { return it.parentID == "u1" && it.name != "delta" }},
	}
	for _, tt := range tests {
		var want []int64
		for _, it := range testItems() {
			if tt.want(it) {
				want = append(want, it.id)
			}
		}
		if len(want) == 0 || len(want) == 200 {
			t.Fatalf("%q: %d expected matches do not test anything", tt.filter, len(want))
		}
		got, _ := list(t, db, aip.Request{Filter: tt.filter, OrderBy: "id", PageSize: 1000})
		if !slices.Equal(ids(got), want) {
			t.Errorf("%q:\n got %v\nwant %v", tt.filter, ids(got), want)
		}
	}
}

// sqlToken matches everything the filter compiler may write: columns of
// testSchema, placeholders, operators and SQL keywords, never client text.
var sqlToken = regexp.MustCompile(`\s+|\$[0-9]+|\b(AND|OR|NOT|LOWER|LIKE|ESCAPE|name|score|active|kind|created|day|parent_id|id)\b|'\\'|<>|<=|>=|[=<>()]`)

func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		``, `display_name = "Acme"`, `score >= 3 AND score < 10`, `kind = BRANCH OR kind = REGION`,
		`NOT (score = 1 OR score = 2) active = true`, `-score = 1`, `display_name:"50%_\\"`,
		`display_name = 'it\'s'`, `create_time > "2026-01-31T10:00:00Z"`, `day = 2026-01-31`, `parent = "units/u1"`,
		`(score = 1`, `score = 1)`, `a AND b OR c`, `display_name = "ü" naem = 1`, `((((score=1))))`, `NOT NOT -score = 1`,
		`display_name = $1`, `display_name = "'; DROP TABLE items; --"`, `score = 1 OR display_name:")" AND active = true`,
	} {
		f.Add(s)
	}
	db := openDB(f)
	f.Fuzz(func(t *testing.T, filter string) {
		q, err := testSchema.Compile(aip.Request{Filter: filter}, 2)
		if err != nil {
			var e *aip.Error
			if !errors.As(err, &e) || e.Field != "filter" || e.Description == "" {
				t.Fatalf("%q: got %v (%T), want a filter *aip.Error", filter, err, err)
			}
			return
		}
		if filter == "" || q.Where == "" {
			if strings.TrimSpace(filter) != "" || q.Where != "" || len(q.Args) != 0 {
				t.Fatalf("%q: got Where %q with %d args", filter, q.Where, len(q.Args))
			}
			return
		}
		if rest := sqlToken.ReplaceAllString(q.Where, ""); rest != "" {
			t.Fatalf("%q: unexpected SQL text %q in %s", filter, rest, q.Where)
		}
		var want []string
		for i := range q.Args {
			want = append(want, fmt.Sprintf("$%d", i+2))
		}
		if got := regexp.MustCompile(`\$[0-9]+`).FindAllString(q.Where, -1); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: placeholders %v, want %v in %s", filter, got, want, q.Where)
		}
		rows, err := db.Query("SELECT id FROM items WHERE parent_id <> $1 AND "+q.Where, append([]any{"none"}, q.Args...)...)
		if err != nil {
			t.Fatalf("%q: SQLite rejects %s: %v", filter, q.Where, err)
		}
		defer rows.Close()
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%q: %s: %v", filter, q.Where, err)
		}
	})
}
