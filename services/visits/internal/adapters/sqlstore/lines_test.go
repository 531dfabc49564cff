package sqlstore

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
)

func TestEachObject(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want []string
		bad  bool
	}{
		{raw: `[]`},
		{raw: `null`},
		{raw: `[{"a":1},{"b":[1,{"c":"}"}]}]`, want: []string{`{"a":1}`, `{"b":[1,{"c":"}"}]}`}},
		{raw: `[{"s":"say \"{\" and \\"},{"t":"\\\\"}]`, want: []string{`{"s":"say \"{\" and \\"}`, `{"t":"\\\\"}`}},
		{raw: `[{"a":"x"},{"b":`, bad: true},
		{raw: `[{"a":"x}]`, bad: true},
		{raw: `[}]`, bad: true},
	} {
		var got []string
		err := eachObject([]byte(c.raw), func(obj []byte) error {
			if !json.Valid(obj) {
				t.Errorf("%s: %s is not one JSON object", c.raw, obj)
			}
			got = append(got, string(obj))
			return nil
		})
		if (err != nil) != c.bad || !c.bad && !slices.Equal(got, c.want) {
			t.Errorf("eachObject(%s) = %q, %v; want %q (error %v)", c.raw, got, err, c.want, c.bad)
		}
	}
}

// dayItems keeps exactly the lines a full decode would keep for the day.
func TestDayItemsMatchesFullDecode(t *testing.T) {
	day := civil.MustParse("2026-04-15")
	items := []plan.Item{
		{ID: "1", PlannedDate: day, Actions: []string{`带上"新品{目录}"`}},
		{ID: "2", PlannedDate: day.AddDays(1), Actions: []string{day.String()}},
		{ID: "3", Actions: []string{`"2026-04-15"`}},
		{ID: "4", PlannedDate: day, Week: day},
	}
	raw, err := json.Marshal(items)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dayItems(raw, day)
	if err != nil || len(got) != 2 || got[0].ID != "1" || got[1].ID != "4" || got[0].Actions[0] != items[0].Actions[0] {
		t.Fatalf("dayItems = %+v, %v", got, err)
	}
}
