package figure_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

func fields(err error) []string {
	var out []string
	for _, v := range violation.Of(err) {
		out = append(out, v.Field)
	}
	return out
}

func TestParsePeriod(t *testing.T) {
	good := map[string]figure.Period{
		"2026-04": {Kind: figure.Month, Year: 2026, N: 4},
		"2026-12": {Kind: figure.Month, Year: 2026, N: 12},
		"2026-Q1": {Kind: figure.Quarter, Year: 2026, N: 1},
		"2026-Q4": {Kind: figure.Quarter, Year: 2026, N: 4},
		"2026":    {Kind: figure.Year, Year: 2026},
	}
	for s, want := range good {
		got, err := figure.ParsePeriod(s)
		if err != nil || got != want || got.String() != s || !got.Valid() {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want %+v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "26", "2026-4", "2026-00", "2026-13", "2026-Q0", "2026-Q5", "2026-q1", "2026Q1",
		"1999", "2100-01", "2026-04-01", " 2026", "２０２６", "2026-1Q"} {
		if p, err := figure.ParsePeriod(s); err == nil {
			t.Errorf("ParsePeriod(%q) = %+v, want an error", s, p)
		} else if !strings.Contains(err.Error(), "YYYY-MM") {
			t.Errorf("ParsePeriod(%q): %v does not say which forms are accepted", s, err)
		}
	}
	if (figure.Period{}).Valid() {
		t.Error("the zero period is valid")
	}
}

func TestMonths(t *testing.T) {
	q, _ := figure.ParsePeriod("2026-Q3")
	var got []string
	for _, m := range q.Months() {
		got = append(got, m.String())
	}
	if !slices.Equal(got, []string{"2026-07", "2026-08", "2026-09"}) {
		t.Errorf("months of 2026-Q3: %v", got)
	}
	y, _ := figure.ParsePeriod("2026")
	if ms := y.Months(); len(ms) != 12 || ms[0].String() != "2026-01" || ms[11].String() != "2026-12" {
		t.Errorf("months of 2026: %v", ms)
	}
}

func TestParseValue(t *testing.T) {
	tests := []struct {
		unit      indicator.Unit
		in, want  string
		wantError string
	}{
		{indicator.UnitCNY, "8000000", "8000000.00", ""},
		{indicator.UnitCNY, "12345678.9", "12345678.90", ""},
		{indicator.UnitCNY, "0.01", "0.01", ""},
		{indicator.UnitCNY, "1.234", "", "to the fen"},
		{indicator.UnitCNY, "1.230", "", "to the fen"},
		{indicator.UnitCNY, "-5", "", "negative"},
		{indicator.UnitCNY, "1e6", "", "plain decimal"},
		{indicator.UnitCNY, "1,000", "", "plain decimal"},
		{indicator.UnitCNY, "", "", "empty"},
		{indicator.UnitCount, "12", "12", ""},
		{indicator.UnitCount, "0", "0", ""},
		{indicator.UnitCount, "2.5", "", "whole number"},
		{indicator.UnitCount, "2.0", "", "whole number"},
		{indicator.UnitPercent, "1.25", "1.25", ""},
		{indicator.UnitPercent, "100", "100", ""},
		{indicator.UnitPercent, "0.1234", "0.1234", ""},
		{indicator.UnitPercent, "0.12345", "", "four decimal places"},
		{indicator.UnitPercent, "100.01", "", "above 100"},
		{indicator.UnitScore, "85.5", "85.5", ""},
		{indicator.UnitScore, "85.555", "", "two decimal places"},
		{indicator.UnitScore, "101", "", "above 100"},
		{"furlongs", "1", "", "not known"},
	}
	for _, tt := range tests {
		got, err := figure.ParseValue(tt.unit, tt.in)
		switch {
		case tt.wantError == "" && (err != nil || got.String() != tt.want):
			t.Errorf("ParseValue(%s, %q) = %s, %v; want %s", tt.unit, tt.in, got, err, tt.want)
		case tt.wantError != "" && (err == nil || !strings.Contains(err.Error(), tt.wantError)):
			t.Errorf("ParseValue(%s, %q) = %s, %v; want an error containing %q", tt.unit, tt.in, got, err, tt.wantError)
		}
	}
}

func TestCodes(t *testing.T) {
	codes := figure.CodesFor(indicator.DefaultLibrary())
	// The catalogue, and nothing twice: the default library's imported
	// indicators are all in it.
	if got, want := len(codes.All()), len(figure.Catalogue()); got != want {
		t.Errorf("%d codes, want %d", got, want)
	}
	for _, ind := range indicator.DefaultIndicators() {
		_, ok := codes.Lookup(ind.Code)
		if ok != (ind.Source == indicator.SourceImported) {
			t.Errorf("%s (source %s) accepted as a figure: %v", ind.Code, ind.Source, ok)
		}
		if err := figure.CheckIndicator(ind); err != nil {
			t.Errorf("default indicator %s: %v", ind.Code, err)
		}
	}
	if c, ok := codes.Lookup(figure.Premium); !ok || c.Unit != indicator.UnitCNY || c.Measure != "premium" {
		t.Errorf("PREMIUM: %+v %v", c, ok)
	}

	// A bank's own imported indicator becomes a figure code; a manual one does not.
	inds := append(indicator.DefaultIndicators(),
		indicator.Indicator{Code: "WEALTH_SALES", Name: "理财销售额", Dimension: indicator.BusinessResults, Unit: indicator.UnitCNY,
			Direction: indicator.HigherIsBetter, Source: indicator.SourceImported,
			Rule: indicator.Rule{Threshold: &indicator.Threshold{Limit: indicator.DefaultIndicators()[0].Rule.Linear.Target}}},
	)
	lib, err := indicator.NewLibrary(inds)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := figure.CodesFor(lib).Lookup("WEALTH_SALES"); !ok || c.Unit != indicator.UnitCNY || c.Name != "理财销售额" {
		t.Errorf("WEALTH_SALES: %+v %v", c, ok)
	}
	if _, ok := figure.CodesFor(lib).Lookup(indicator.EthicsRating); ok {
		t.Error("a manual indicator is a figure code")
	}

	// A catalogue code keeps its unit.
	npl := indicator.DefaultIndicators()[4]
	npl.Unit = indicator.UnitCount
	if err := figure.CheckIndicator(npl); !errors.Is(err, figure.ErrInvalid) || !slices.Equal(fields(err), []string{"unit"}) {
		t.Errorf("NPL_RATIO counted: %v", err)
	}
}

func TestBatchCheck(t *testing.T) {
	codes := figure.CodesFor(indicator.DefaultLibrary())
	ok := func() figure.Batch {
		return figure.Batch{ID: "cbs-2026-04-001", Source: "core-banking", Rows: []figure.Row{
			{Manager: "E1001", Period: "2026-04", Code: indicator.DepositDailyAvg, Value: "12345678.9"},
			{Manager: "E1001", Period: "2026-04", Code: indicator.NewCustomers, Value: "3"},
			{Manager: "E1002", Period: "2026-Q1", Code: figure.ContractsSigned, Value: "7"},
			{Manager: "E1002", Period: "2026", Code: indicator.NPLRatio, Value: "1.25"},
		}}
	}
	figs, err := ok().Check(codes)
	if err != nil || len(figs) != 4 {
		t.Fatalf("good batch: %v, %v", figs, err)
	}
	if figs[0].Value.String() != "12345678.90" || figs[0].Unit != indicator.UnitCNY || figs[0].Key() != (figure.Key{"E1001", "2026-04", indicator.DepositDailyAvg}) {
		t.Errorf("first figure: %+v", figs[0])
	}

	tests := []struct {
		name   string
		change func(*figure.Batch)
		want   []string
	}{
		{"bad batch id", func(b *figure.Batch) { b.ID = "has space" }, []string{"batch_id"}},
		{"no source", func(b *figure.Batch) { b.Source = " " }, []string{"source"}},
		{"no rows", func(b *figure.Batch) { b.Rows = nil }, []string{"rows"}},
		{"too many rows", func(b *figure.Batch) { b.Rows = make([]figure.Row, figure.MaxRows+1) }, []string{"rows"}},
		{"bad manager", func(b *figure.Batch) { b.Rows[1].Manager = "managers/E1" }, []string{"rows[1].manager"}},
		{"bad period", func(b *figure.Batch) { b.Rows[2].Period = "2026-13" }, []string{"rows[2].period"}},
		{"unknown code", func(b *figure.Batch) { b.Rows[3].Code = "ETHICS_RATING" }, []string{"rows[3].code"}},
		{"fractional count", func(b *figure.Batch) { b.Rows[1].Value = "2.5" }, []string{"rows[1].value"}},
		{"duplicate figure", func(b *figure.Batch) { b.Rows[1] = b.Rows[0]; b.Rows[1].Value = "1" }, []string{"rows[1]"}},
		{"several bad rows", func(b *figure.Batch) {
			b.Rows[0].Value = "1.001"
			b.Rows[3].Period = "2026-Q5"
		}, []string{"rows[0].value", "rows[3].period"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ok()
			tt.change(&b)
			figs, err := b.Check(codes)
			if !errors.Is(err, figure.ErrInvalid) || figs != nil {
				t.Fatalf("want invalid, got %v, %v", figs, err)
			}
			if got := fields(err); !slices.Equal(got, tt.want) {
				t.Errorf("fields %v, want %v (%v)", got, tt.want, err)
			}
		})
	}
}
