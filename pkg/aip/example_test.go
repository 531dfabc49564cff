package aip_test

import (
	"fmt"

	"github.com/rmsuite/rmsuite/pkg/aip"
)

func Example() {
	schema := aip.Schema{
		Fields: map[string]aip.Field{
			"display_name": {Column: "display_name", Type: aip.String, Orderable: true},
			"kind":         {Column: "kind", Type: aip.Enum, Enum: map[string]any{"BRANCH": 1, "REGION": 2}},
		},
		DefaultOrder:    "display_name",
		Tiebreak:        "id",
		DefaultPageSize: 50,
		MaxPageSize:     1000,
	}
	r := aip.Request{Filter: `kind = BRANCH display_name:"north"`, OrderBy: "display_name desc", PageSize: 2, Scope: "parent=x"}

	// First page: $1 is left for the repository's own parent condition.
	q, err := schema.Compile(r, 2)
	if err != nil {
		panic(err)
	}
	fmt.Println(q.Where, q.Args)
	fmt.Println("ORDER BY", q.OrderBy, "LIMIT", q.Limit)

	// The repository got Limit rows, so there is another page.
	r.PageToken, err = q.NextPageToken(map[string]any{"display_name": "North Hub", "id": int64(42)})
	if err != nil {
		panic(err)
	}
	q, err = schema.Compile(r, 2)
	if err != nil {
		panic(err)
	}
	fmt.Println(q.Where, q.Args)

	// Client mistakes are *aip.Error.
	_, err = schema.Compile(aip.Request{Filter: "kind = SHOP"}, 1)
	fmt.Println(err)
	// Output:
	// (kind = $2 AND LOWER(display_name) LIKE LOWER($3) ESCAPE '\') [1 %north%]
	// ORDER BY display_name DESC, id ASC LIMIT 3
	// (kind = $2 AND LOWER(display_name) LIKE LOWER($3) ESCAPE '\') AND (display_name < $4 OR (display_name = $4 AND id > $5)) [1 %north% North Hub 42]
	// invalid filter: position 8: invalid value "SHOP" for enum field kind: allowed values are: BRANCH, REGION
}
