package settings

import (
	"errors"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
)

func dec(s string) money.Decimal { return money.MustParseDecimal(s) }

func TestDefaultIsValid(t *testing.T) {
	d := Default()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if d.DailyCap != 8 || d.RegularFactor.String() != "1.2" || d.HighMarginFactor.String() != "1.3" {
		t.Fatalf("defaults changed: %+v", d)
	}
	if got := d.Checklist("RETAIL_OUTLET").Steps; len(got) != 4 || got[1].Code != "look" {
		t.Fatalf("retail checklist: %+v", got)
	}
	if got := d.Checklist("CORPORATE"); got.CustomerKind != "" {
		t.Fatalf("a kind without its own list takes the general one, got %+v", got)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*Settings)
		field string
	}{
		{"cap zero", func(s *Settings) { s.DailyCap = 0 }, "daily_cap"},
		{"cap high", func(s *Settings) { s.DailyCap = 21 }, "daily_cap"},
		{"radius", func(s *Settings) { s.CheckInRadiusMeters = 5 }, "check_in_radius_meters"},
		{"factor below 1", func(s *Settings) { s.RegularFactor = dec("0.9") }, "regular_safety_factor"},
		{"factor above 3", func(s *Settings) { s.HighMarginFactor = dec("3.01") }, "high_margin_safety_factor"},
		{"unknown kind", func(s *Settings) { s.Checklists[1].CustomerKind = "SHOP" }, "checklists[1].customer_kind"},
		{"duplicate kind", func(s *Settings) { s.Checklists[1].CustomerKind = "" }, "checklists[1].customer_kind"},
		{"bad code", func(s *Settings) { s.Checklists[0].Steps[0].Code = "Ask!" }, "checklists[0].steps[0].code"},
		{"duplicate code", func(s *Settings) { s.Checklists[0].Steps[1].Code = "ask" }, "checklists[0].steps[1].code"},
		{"no steps", func(s *Settings) { s.Checklists[0].Steps = nil }, "checklists[0].steps"},
		{"no general list", func(s *Settings) { s.Checklists = s.Checklists[1:] }, "checklists:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Default()
			tc.edit(&s)
			err := s.Validate()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("want an invalid error naming %s, got %v", tc.field, err)
			}
		})
	}
}

func TestCheckRecord(t *testing.T) {
	s := Default()
	customer := &Location{Lat: 31.2304, Lon: 121.4737}
	near := &Location{Lat: 31.2310, Lon: 121.4737} // ≈ 67 m north
	far := &Location{Lat: 31.2404, Lon: 121.4737}  // ≈ 1.1 km north
	c, err := s.CheckRecord("RETAIL_OUTLET", []string{"ask", "record"}, near, customer, []StockLine{
		{Product: "A", OnHand: dec("11"), AverageSales: dec("10")},                     // 12 needed
		{Product: "B", OnHand: dec("12"), AverageSales: dec("10")},                     // exactly at 12
		{Product: "C", HighMargin: true, OnHand: dec("12.9"), AverageSales: dec("10")}, // 13 needed
		{Product: "D", HighMargin: true, OnHand: dec("5"), AverageSales: dec("3.33")},  // 4.329
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.DistanceMeters == nil || *c.DistanceMeters < 60 || *c.DistanceMeters > 75 || c.Far {
		t.Fatalf("near check-in: %v far=%v", c.DistanceMeters, c.Far)
	}
	if strings.Join(c.MissingSteps, ",") != "look,introduce" {
		t.Fatalf("missing steps %v", c.MissingSteps)
	}
	want := []struct {
		ss    string
		below bool
	}{{"12", true}, {"12", false}, {"13", true}, {"4.329", false}}
	for i, w := range want {
		l := c.Stock[i]
		if l.SafetyStock.Cmp(dec(w.ss)) != 0 || l.BelowSafety != w.below {
			t.Errorf("line %d: safety %s below %v, want %s %v", i, l.SafetyStock, l.BelowSafety, w.ss, w.below)
		}
	}
	if !c.LowStock {
		t.Error("low stock not flagged")
	}

	c, err = s.CheckRecord("INDIVIDUAL", []string{"ask", "introduce", "record"}, far, customer, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Far || len(c.MissingSteps) != 0 || c.LowStock {
		t.Fatalf("far check-in: %+v", c)
	}
	c, err = s.CheckRecord("INDIVIDUAL", nil, nil, customer, nil)
	if err != nil || c.DistanceMeters != nil || c.Far {
		t.Fatalf("no check-in location: %+v %v", c, err)
	}

	if _, err := s.CheckRecord("INDIVIDUAL", []string{"look"}, nil, nil, nil); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "visit.steps[0]") {
		t.Fatalf("a step off the individual checklist: %v", err)
	}
	if _, err := s.CheckRecord("", nil, nil, nil, []StockLine{{Product: "A", OnHand: dec("-1"), AverageSales: dec("1")}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("negative stock: %v", err)
	}
}
