package aip_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
)

// testSchema describes the items table used by all tests.
var testSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"id":           {Column: "id", Type: aip.Int, Orderable: true},
		"display_name": {Column: "name", Type: aip.String, Orderable: true},
		"score":        {Column: "score", Type: aip.Int, Orderable: true},
		"active":       {Column: "active", Type: aip.Bool},
		"kind":         {Column: "kind", Type: aip.Enum, Orderable: true, Enum: map[string]any{"BRANCH": "branch", "REGION": "region"}},
		"create_time":  {Column: "created", Type: aip.Timestamp, Orderable: true},
		"day":          {Column: "day", Type: aip.Date, Orderable: true},
		"parent": {Column: "parent_id", Type: aip.String, Convert: func(s string) (any, error) {
			id, ok := strings.CutPrefix(s, "units/")
			if !ok || id == "" || strings.Contains(id, "/") {
				return nil, errors.New(`must be a unit name such as "units/u1"`)
			}
			return id, nil
		}},
	},
	DefaultOrder:    "display_name",
	Tiebreak:        "id",
	DefaultPageSize: 50,
	MaxPageSize:     1000,
}

// clientError asserts that err is an *aip.Error for field and returns its
// description.
func clientError(t *testing.T, err error, field string) string {
	t.Helper()
	var e *aip.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T), want *aip.Error", err, err)
	}
	if e.Field != field {
		t.Fatalf("error %q is about %q, want %q", e, e.Field, field)
	}
	if e.Error() != "invalid "+field+": "+e.Description {
		t.Fatalf("Error() = %q", e.Error())
	}
	return e.Description
}

func TestFilter(t *testing.T) {
	like := `LOWER(name) LIKE LOWER($1) ESCAPE '\'`
	tests := []struct {
		filter string
		where  string
		args   []any
	}{
		{"", "", nil},
		{"  \t\n", "", nil},
		{`display_name = "Acme"`, "(name = $1)", []any{"Acme"}},
		{`display_name=Acme`, "(name = $1)", []any{"Acme"}},
		{`display_name != ""`, "(name <> $1)", []any{""}},
		{`score >= 3 AND score < 10`, "(score >= $1 AND score < $2)", []any{int64(3), int64(10)}},
		{`score > -7 OR score <= 9223372036854775807`, "(score > $1 OR score <= $2)", []any{int64(-7), int64(math.MaxInt64)}},
		{`score=1 active=true`, "(score = $1 AND active = $2)", []any{int64(1), true}},
		{`active != false`, "(active <> $1)", []any{false}},
		{`kind = BRANCH OR kind = "REGION" OR kind = 'BRANCH'`, "(kind = $1 OR kind = $2 OR kind = $3)", []any{"branch", "region", "branch"}},
		// Parentheses decide how AND and OR combine.
		{`(score = 1 OR score = 2) AND active = false`, "((score = $1 OR score = $2) AND active = $3)", []any{int64(1), int64(2), false}},
		{`score = 1 OR (score = 2 AND active = false)`, "(score = $1 OR (score = $2 AND active = $3))", []any{int64(1), int64(2), false}},
		{`(score = 1 OR score = 2) (kind = BRANCH)`, "((score = $1 OR score = $2) AND (kind = $3))", []any{int64(1), int64(2), "branch"}},
		{`((score = 1))`, "(((score = $1)))", []any{int64(1)}},
		// NOT and - bind to the next term only.
		{`NOT score = 1 AND active = true`, "(NOT (score = $1) AND active = $2)", []any{int64(1), true}},
		{`-score = 1 active = true`, "(NOT (score = $1) AND active = $2)", []any{int64(1), true}},
		{`NOT (score = 1 OR score = 2)`, "(NOT ((score = $1 OR score = $2)))", []any{int64(1), int64(2)}},
		{`NOT NOT score = 1`, "(NOT (NOT (score = $1)))", []any{int64(1)}},
		{`NOT(score = 1)`, "(NOT ((score = $1)))", []any{int64(1)}},
		// Names that merely start with a keyword are not keywords.
		{`display_name = NOTE`, "(name = $1)", []any{"NOTE"}},
		// Has: case-insensitive substring with LIKE wildcards escaped.
		{`display_name:"50%_Off"`, "(" + like + ")", []any{`%50\%\_Off%`}},
		{`display_name : 'a\\b'`, "(" + like + ")", []any{`%a\\b%`}},
		// Escapes.
		{`display_name = "say \"hi\" \\ 'x'"`, "(name = $1)", []any{`say "hi" \ 'x'`}},
		{`display_name = 'it\'s "ok"'`, "(name = $1)", []any{`it's "ok"`}},
		{`display_name = "Zürich AND (x)"`, "(name = $1)", []any{"Zürich AND (x)"}},
		// Timestamps become UTC time.Time, dates stay strings.
		{`create_time > "2026-01-31T10:00:00.5+02:00"`, "(created > $1)", []any{time.Date(2026, 1, 31, 8, 0, 0, 5e8, time.UTC)}},
		{`create_time<=2026-01-31T08:00:00Z`, "(created <= $1)", []any{time.Date(2026, 1, 31, 8, 0, 0, 0, time.UTC)}},
		{`day = 2026-01-31`, "(day = $1)", []any{"2026-01-31"}},
		// Convert turns resource names into column values.
		{`parent = "units/42"`, "(parent_id = $1)", []any{"42"}},
		// A filter of exactly the maximum length in characters (not bytes).
		{`display_name = "` + strings.Repeat("é", 1983) + `"`, "(name = $1)", []any{strings.Repeat("é", 1983)}},
		{strings.Repeat("(", 20) + "score = 1" + strings.Repeat(")", 20),
			strings.Repeat("(", 21) + "score = $1" + strings.Repeat(")", 21), []any{int64(1)}},
	}
	for _, tt := range tests {
		q, err := testSchema.Compile(aip.Request{Filter: tt.filter}, 1)
		if err != nil {
			t.Errorf("%q: %v", tt.filter, err)
			continue
		}
		if q.Where != tt.where || !reflect.DeepEqual(q.Args, tt.args) {
			t.Errorf("%q:\n got %s %#v\nwant %s %#v", tt.filter, q.Where, q.Args, tt.where, tt.args)
		}
		for _, a := range q.Args {
			if tm, ok := a.(time.Time); ok && tm.Location() != time.UTC {
				t.Errorf("%q: timestamp argument in %v, want UTC", tt.filter, tm.Location())
			}
		}
	}
}

func TestFilterPlaceholdersStartAtGivenIndex(t *testing.T) {
	q, err := testSchema.Compile(aip.Request{Filter: `score = 1 OR display_name:"x"`}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := `(score = $3 OR LOWER(name) LIKE LOWER($4) ESCAPE '\')`; q.Where != want {
		t.Errorf("Where = %s, want %s", q.Where, want)
	}
	// Values below 1 mean 1.
	if q, _ := testSchema.Compile(aip.Request{Filter: `score = 1`}, 0); q.Where != "(score = $1)" {
		t.Errorf("Where = %s, want (score = $1)", q.Where)
	}
}

func TestFilterErrors(t *testing.T) {
	fields := "; filterable fields are: active, create_time, day, display_name, id, kind, parent, score"
	mixed := `AND and OR cannot be mixed without parentheses (AIP-160 reads "a AND b OR c" as "a AND (b OR c)", ` +
		`and terms separated by spaces are joined by AND); add parentheses to say which you mean, e.g. "(a AND b) OR c"`
	tests := []struct{ filter, want string }{
		{`naem = 1`, `position 1: unknown field "naem"` + fields},
		{`score = 1 and active = true`, `position 11: unknown field "and" (the operators AND, OR and NOT must be written in upper case)` + fields},
		{`display_name = "ü" naem = 1`, `position 20: unknown field "naem"` + fields},
		{`score 1`, `position 7: expected an operator (=, !=, <, <=, >, >=, :) after score, found "1"`},
		{`score`, `position 6: expected an operator (=, !=, <, <=, >, >=, :) after score, found the end of the filter`},
		{`score =`, `position 8: expected a value after =, found the end of the filter`},
		{`(score = )`, `position 10: expected a value after =, found ")"`},
		{`score = 1.5`, `position 9: invalid value "1.5" for integer field score: write a whole number such as 42 or -7`},
		{`score = 99999999999999999999`, `position 9: invalid value "99999999999999999999" for integer field score: write a whole number such as 42 or -7`},
		{`active = yes`, `position 10: invalid value "yes" for boolean field active: write true or false`},
		{`active < true`, `position 8: boolean field active can only be compared with = or !=`},
		{`kind > BRANCH`, `position 6: enum field kind can only be compared with = or !=`},
		{`kind = branch`, `position 8: invalid value "branch" for enum field kind: allowed values are: BRANCH, REGION`},
		{`score:1`, `position 6: ':' (contains) only works on free-text fields; compare score with = or != instead`},
		{`parent:"units/1"`, `position 7: ':' (contains) only works on free-text fields; compare parent with = or != instead`},
		{`create_time > "yesterday"`, `position 15: invalid value "yesterday" for timestamp field create_time: write an RFC 3339 timestamp in quotes, e.g. "2026-01-31T09:00:00Z"`},
		{`day = 2026-02-30`, `position 7: invalid value "2026-02-30" for date field day: write a date as YYYY-MM-DD, e.g. 2026-01-31`},
		{`parent = "42"`, `position 10: invalid value "42" for text field parent: must be a unit name such as "units/u1"`},
		{`display_name = "abc`, `position 16: string is never closed; add a closing "`},
		{`display_name = 'abc\'`, `position 16: string is never closed; add a closing '`},
		{`display_name = 'a\nb'`, `position 18: unsupported escape "\n"; only \", \' and \\ are allowed in strings`},
		{`(score = 1`, `position 1: '(' is never closed; add ')'`},
		{`score = 1)`, `position 10: ')' has no matching '('`},
		{`()`, `position 1: empty parentheses; put a condition inside or remove them`},
		{`score = 1 AND`, `position 14: expected a condition such as field = "value", found the end of the filter`},
		{`OR score = 1`, `position 1: expected a condition such as field = "value", found "OR"`},
		{`NOT`, `position 4: expected a condition such as field = "value", found the end of the filter`},
		{`= 1`, `position 1: expected a field name, found "="`},
		{`"abc"`, `position 1: expected a field name, found "\""`},
		{`score = 1 AND score = 2 OR score = 3`, `position 25: ` + mixed},
		{`score = 1 OR score = 2 score = 3`, `position 24: ` + mixed},
		{`score = 1 score = 2 OR score = 3`, `position 21: ` + mixed},
		{strings.Repeat("x", 2001), `is 2001 characters long; the maximum is 2000`},
		{strings.Repeat("(", 21) + "score = 1" + strings.Repeat(")", 21), `position 21: parentheses and negations are nested more than 20 deep`},
		{strings.Repeat("NOT ", 21) + "score = 1", `position 81: parentheses and negations are nested more than 20 deep`},
		{"score = \xff", `is not valid UTF-8`},
		{"score = \x00", `contains a NUL character`},
	}
	for _, tt := range tests {
		_, err := testSchema.Compile(aip.Request{Filter: tt.filter}, 1)
		if err == nil {
			t.Errorf("%q: no error, want %q", tt.filter, tt.want)
			continue
		}
		if got := clientError(t, err, "filter"); got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.filter, got, tt.want)
		}
	}
}

func TestOrderBy(t *testing.T) {
	tests := []struct{ orderBy, want string }{
		{"", "name ASC, id ASC"},
		{"  ", "name ASC, id ASC"},
		{"score desc", "score DESC, id ASC"},
		{"score desc, display_name", "score DESC, name ASC, id ASC"},
		{" create_time   DESC ,kind asc ", "created DESC, kind ASC, id ASC"},
		{"day ASC", "day ASC, id ASC"},
		{"id desc", "id DESC"},
		{"display_name, id", "name ASC, id ASC"},
		{"id, score", "id ASC, score ASC"},
	}
	for _, tt := range tests {
		q, err := testSchema.Compile(aip.Request{OrderBy: tt.orderBy}, 1)
		if err != nil {
			t.Errorf("%q: %v", tt.orderBy, err)
		} else if q.OrderBy != tt.want {
			t.Errorf("%q: got %q, want %q", tt.orderBy, q.OrderBy, tt.want)
		}
	}

	s := testSchema
	s.DefaultOrder = ""
	if q, err := s.Compile(aip.Request{}, 1); err != nil || q.OrderBy != "id ASC" {
		t.Errorf("without a default order: got %q, %v; want the tiebreak only", q.OrderBy, err)
	}
}

func TestOrderByErrors(t *testing.T) {
	allowed := `; write comma-separated fields, each optionally followed by "desc", from: create_time, day, display_name, id, kind, score`
	tests := []struct{ orderBy, want string }{
		{"naem", `unknown field "naem"` + allowed},
		{"active", `cannot order by "active"` + allowed},
		{"score, display_name, score desc", `"score" appears more than once` + allowed},
		{"score up", `"up" after "score" is not asc or desc` + allowed},
		{"score desc nulls", `unexpected "nulls" after "score desc"` + allowed},
		{"score,", `item 2 is empty` + allowed},
		{",score", `item 1 is empty` + allowed},
	}
	for _, tt := range tests {
		_, err := testSchema.Compile(aip.Request{OrderBy: tt.orderBy}, 1)
		if err == nil {
			t.Errorf("%q: no error, want %q", tt.orderBy, tt.want)
			continue
		}
		if got := clientError(t, err, "order_by"); got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.orderBy, got, tt.want)
		}
	}
}

func TestSchemaMistakesAreNotClientErrors(t *testing.T) {
	for name, mutate := range map[string]func(*aip.Schema){
		"bad default order": func(s *aip.Schema) { s.DefaultOrder = "active" },
		"no tiebreak":       func(s *aip.Schema) { s.Tiebreak = "" },
		"no page size":      func(s *aip.Schema) { s.DefaultPageSize = 0 },
		"no max page size":  func(s *aip.Schema) { s.MaxPageSize = 0 },
	} {
		s := testSchema
		mutate(&s)
		_, err := s.Compile(aip.Request{}, 1)
		var e *aip.Error
		if err == nil || errors.As(err, &e) {
			t.Errorf("%s: got %v, want a non-client error", name, err)
		}
	}
}

func TestPageSize(t *testing.T) {
	for _, tt := range []struct {
		in   int32
		want int
	}{{0, 50}, {1, 1}, {10, 10}, {1000, 1000}, {1001, 1000}, {math.MaxInt32, 1000}} {
		q, err := testSchema.Compile(aip.Request{PageSize: tt.in}, 1)
		if err != nil {
			t.Errorf("%d: %v", tt.in, err)
		} else if q.PageSize != tt.want || q.Limit != tt.want+1 {
			t.Errorf("%d: PageSize %d, Limit %d; want %d, %d", tt.in, q.PageSize, q.Limit, tt.want, tt.want+1)
		}
	}
	_, err := testSchema.Compile(aip.Request{PageSize: -1}, 1)
	want := "must not be negative, got -1; omit it or send 0 for the default of 50 (at most 1000)"
	if err == nil {
		t.Fatal("negative page size accepted")
	}
	if got := clientError(t, err, "page_size"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFieldMatchWritesItsOwnCondition(t *testing.T) {
	s := aip.Schema{Fields: map[string]aip.Field{
		"org_unit": {Column: "x.org", Type: aip.String, Match: func(op, ph string) string {
			if op == "=" {
				return "in_subtree(x.path, " + ph + ")"
			}
			return "NOT in_subtree(x.path, " + ph + ")"
		}},
	}, Tiebreak: "x.id", DefaultPageSize: 10, MaxPageSize: 10}
	q, err := s.Compile(aip.Request{Filter: `org_unit = "a" AND -org_unit = "b"`}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(q.Where, "in_subtree(x.path, $1)") || len(q.Args) != 2 {
		t.Fatalf("where = %q args = %v", q.Where, q.Args)
	}
	if _, err := s.Compile(aip.Request{Filter: `org_unit < "a"`}, 1); err == nil {
		t.Fatal("< accepted on a Match field")
	}
	if _, err := s.Compile(aip.Request{Filter: `org_unit : "a"`}, 1); err == nil {
		t.Fatal(": accepted on a Match field")
	}
}
