package aip_test

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
)

// nextPage compiles r, makes the token for a last row with the given values
// and compiles the request for the following page.
func nextPage(t *testing.T, r aip.Request, first int, last map[string]any) aip.Query {
	t.Helper()
	q, err := testSchema.Compile(r, first)
	if err != nil {
		t.Fatal(err)
	}
	r.PageToken, err = q.NextPageToken(last)
	if err != nil {
		t.Fatal(err)
	}
	next, err := testSchema.Compile(r, first)
	if err != nil {
		t.Fatal(err)
	}
	return next
}

func TestKeysetCondition(t *testing.T) {
	r := aip.Request{Filter: "kind = BRANCH", OrderBy: "score desc, display_name"}
	q := nextPage(t, r, 3, map[string]any{"score": int32(5), "name": "x", "id": int64(9), "unused": 1.5})
	want := "(kind = $3) AND (score < $4 OR (score = $4 AND name > $5) OR (score = $4 AND name = $5 AND id > $6))"
	if q.Where != want {
		t.Errorf("Where:\n got %s\nwant %s", q.Where, want)
	}
	if want := []any{"branch", int64(5), "x", int64(9)}; !reflect.DeepEqual(q.Args, want) {
		t.Errorf("Args = %#v, want %#v", q.Args, want)
	}

	q = nextPage(t, aip.Request{OrderBy: "id desc"}, 1, map[string]any{"id": 7})
	if q.Where != "(id < $1)" || !reflect.DeepEqual(q.Args, []any{int64(7)}) {
		t.Errorf("got %s %#v, want (id < $1) [7]", q.Where, q.Args)
	}
}

type kindName string // a named type, as a domain model would use

func TestTokenRoundTripsValuesExactly(t *testing.T) {
	created := time.Date(2026, 1, 31, 9, 0, 0, 123456789, time.FixedZone("CET", 3600))
	q := nextPage(t, aip.Request{OrderBy: "create_time desc, kind, day, display_name"}, 1, map[string]any{
		"created": created,
		"kind":    kindName("branch"),
		"day":     time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC),
		"name":    sql.NullString{String: "Zürich \"x\"", Valid: true},
		"id":      uint64(math.MaxInt64),
	})
	want := []any{created.UTC(), "branch", "2026-02-28", "Zürich \"x\"", int64(math.MaxInt64)}
	if !reflect.DeepEqual(q.Args, want) {
		t.Fatalf("Args = %#v\nwant %#v", q.Args, want)
	}
	if got := q.Args[0].(time.Time); !got.Equal(created) || got.Nanosecond() != 123456789 || got.Location() != time.UTC {
		t.Errorf("timestamp came back as %v, want %v in UTC", got, created)
	}
}

func TestNextPageTokenErrors(t *testing.T) {
	q, err := testSchema.Compile(aip.Request{OrderBy: "score"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for name, last := range map[string]map[string]any{
		"missing tiebreak": {"score": 1},
		"uint64 overflow":  {"score": 1, "id": uint64(math.MaxInt64) + 1},
		"float":            {"score": 1.5, "id": 1},
		"nil":              {"score": nil, "id": 1},
		"NULL":             {"score": sql.NullInt64{}, "id": 1},
	} {
		if tok, err := q.NextPageToken(last); err == nil {
			t.Errorf("%s: got token %q, want an error", name, tok)
		}
	}
}

func TestTokenRejected(t *testing.T) {
	r := aip.Request{Filter: "kind = BRANCH", OrderBy: "score desc", Scope: "units/u1", PageSize: 5}
	q, err := testSchema.Compile(r, 1)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := q.NextPageToken(map[string]any{"score": 3, "id": 10})
	if err != nil {
		t.Fatal(err)
	}

	// Equivalent requests accept the token; page_size may change (AIP-158).
	for _, ok := range []aip.Request{
		{Filter: r.Filter, OrderBy: r.OrderBy, Scope: r.Scope},
		{Filter: r.Filter, OrderBy: " score DESC ", Scope: r.Scope, PageSize: 50},
	} {
		ok.PageToken = tok
		if _, err := testSchema.Compile(ok, 1); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}

	doc, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatalf("token is not base64url: %v", err)
	}
	var fields map[string]any
	if err := json.Unmarshal(doc, &fields); err != nil {
		t.Fatalf("token is not JSON: %v", err)
	}
	edited := strings.Replace(string(doc), `"i:3"`, `"i:4"`, 1)
	if edited == string(doc) {
		t.Fatalf("token %s does not hold the value as expected", doc)
	}

	want := "does not belong to this request (filter, order_by and the other parameters except page_size " +
		"must stay the same between pages) or is damaged; start again without page_token"
	for name, bad := range map[string]aip.Request{
		"other filter":   {Filter: "kind = REGION", OrderBy: r.OrderBy, Scope: r.Scope, PageToken: tok},
		"no filter":      {OrderBy: r.OrderBy, Scope: r.Scope, PageToken: tok},
		"other order":    {Filter: r.Filter, OrderBy: "score", Scope: r.Scope, PageToken: tok},
		"default order":  {Filter: r.Filter, Scope: r.Scope, PageToken: tok},
		"other scope":    {Filter: r.Filter, OrderBy: r.OrderBy, Scope: "units/u2", PageToken: tok},
		"edited value":   {Filter: r.Filter, OrderBy: r.OrderBy, Scope: r.Scope, PageToken: base64.RawURLEncoding.EncodeToString([]byte(edited))},
		"truncated":      {Filter: r.Filter, OrderBy: r.OrderBy, Scope: r.Scope, PageToken: tok[:len(tok)-2]},
		"not base64url":  {Filter: r.Filter, OrderBy: r.OrderBy, Scope: r.Scope, PageToken: "a+b/c="},
		"not JSON":       {Filter: r.Filter, OrderBy: r.OrderBy, Scope: r.Scope, PageToken: base64.RawURLEncoding.EncodeToString([]byte("[1]"))},
		"empty document": {Filter: r.Filter, OrderBy: r.OrderBy, Scope: r.Scope, PageToken: base64.RawURLEncoding.EncodeToString([]byte("{}"))},
		"too long":       {Filter: r.Filter, OrderBy: r.OrderBy, Scope: r.Scope, PageToken: tok + strings.Repeat("A", 8192)},
	} {
		_, err := testSchema.Compile(bad, 1)
		if err == nil {
			t.Errorf("%s: token accepted", name)
			continue
		}
		if got := clientError(t, err, "page_token"); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
}
