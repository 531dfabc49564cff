package figure_test

import (
	"testing"

	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/figure"
)

func TestPeriodDates(t *testing.T) {
	tests := []struct{ period, start, end, next string }{
		{"2026-04", "2026-04-01", "2026-04-30", "2026-05"},
		{"2026-12", "2026-12-01", "2026-12-31", "2027-01"},
		{"2024-02", "2024-02-01", "2024-02-29", "2024-03"},
		{"2026-Q2", "2026-04-01", "2026-06-30", "2026-Q3"},
		{"2026-Q4", "2026-10-01", "2026-12-31", "2027-Q1"},
		{"2026", "2026-01-01", "2026-12-31", "2027"},
	}
	for _, tt := range tests {
		p, err := figure.ParsePeriod(tt.period)
		if err != nil {
			t.Fatal(err)
		}
		if p.Start().String() != tt.start || p.End().String() != tt.end || p.Next().String() != tt.next {
			t.Errorf("%s: start %s end %s next %s; want %s %s %s", tt.period, p.Start(), p.End(), p.Next(), tt.start, tt.end, tt.next)
		}
		if p.Next().Index()-p.Index() != 1 {
			t.Errorf("%s: index of the next period is not one more", tt.period)
		}
		if c := figure.Containing(p.Kind, p.End()); c != p {
			t.Errorf("%s: the period containing its last day is %s", tt.period, c)
		}
	}
}
