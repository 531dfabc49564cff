package figure

import (
	"fmt"
	"strconv"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
)

// PeriodKind is the length of a period.
type PeriodKind string

// Period kinds.
const (
	Month   PeriodKind = "month"   // YYYY-MM
	Quarter PeriodKind = "quarter" // YYYY-Qn
	Year    PeriodKind = "year"    // YYYY
)

// MinYear and MaxYear bound the years a period may fall in.
const (
	MinYear = 2000
	MaxYear = 2099
)

// Period is the calendar month, quarter or year a figure covers, in Asia/Shanghai
// business dates. The zero Period is invalid.
type Period struct {
	Kind PeriodKind
	Year int
	// N is the month (1–12) of a month, the quarter (1–4) of a quarter, and 0
	// for a year.
	N int
}

// ParsePeriod reads a period written as YYYY-MM ("2026-04"), YYYY-Qn
// ("2026-Q2", capital Q) or YYYY ("2026"), with a year from [MinYear] to
// [MaxYear]. Any other text is an error that says which forms are accepted.
func ParsePeriod(s string) (Period, error) {
	bad := func(why string) (Period, error) {
		return Period{}, fmt.Errorf("%q is not a period%s: write a month as YYYY-MM (2026-04), a quarter as YYYY-Qn (2026-Q2) or a year as YYYY (2026)", s, why)
	}
	if len(s) < 4 || !digits(s[:4]) {
		return bad("")
	}
	year, _ := strconv.Atoi(s[:4])
	if year < MinYear || year > MaxYear {
		return bad(fmt.Sprintf(" (years run from %d to %d)", MinYear, MaxYear))
	}
	rest := s[4:]
	switch {
	case rest == "":
		return Period{Kind: Year, Year: year}, nil
	case len(rest) == 3 && rest[0] == '-' && digits(rest[1:]):
		m, _ := strconv.Atoi(rest[1:])
		if m < 1 || m > 12 {
			return bad(" (months run from 01 to 12)")
		}
		return Period{Kind: Month, Year: year, N: m}, nil
	case len(rest) == 3 && rest[:2] == "-Q" && rest[2] >= '1' && rest[2] <= '4':
		return Period{Kind: Quarter, Year: year, N: int(rest[2] - '0')}, nil
	}
	return bad("")
}

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// String writes the period the way ParsePeriod reads it: "2026-04", "2026-Q2",
// "2026".
func (p Period) String() string {
	switch p.Kind {
	case Month:
		return fmt.Sprintf("%04d-%02d", p.Year, p.N)
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.N)
	case Year:
		return fmt.Sprintf("%04d", p.Year)
	}
	return ""
}

// Valid reports whether p is a period ParsePeriod could have returned.
func (p Period) Valid() bool {
	q, err := ParsePeriod(p.String())
	return err == nil && q == p
}

// Months returns the calendar months the period covers, in order: one for a
// month, three for a quarter, twelve for a year.
func (p Period) Months() []Period {
	first, n := 1, 12
	switch p.Kind {
	case Month:
		return []Period{p}
	case Quarter:
		first, n = 3*p.N-2, 3
	}
	out := make([]Period, n)
	for i := range n {
		out[i] = Period{Kind: Month, Year: p.Year, N: first + i}
	}
	return out
}

// Start returns the first day of the period.
func (p Period) Start() civil.Date {
	switch p.Kind {
	case Month:
		return civil.New(p.Year, time.Month(p.N), 1)
	case Quarter:
		return civil.New(p.Year, time.Month(3*p.N-2), 1)
	}
	return civil.New(p.Year, time.January, 1)
}

// End returns the last day of the period.
func (p Period) End() civil.Date { return p.Next().Start().AddDays(-1) }

// Next returns the period of the same kind that follows p: the next month,
// quarter or year.
func (p Period) Next() Period {
	switch p.Kind {
	case Month:
		if p.N == 12 {
			return Period{Kind: Month, Year: p.Year + 1, N: 1}
		}
		return Period{Kind: Month, Year: p.Year, N: p.N + 1}
	case Quarter:
		if p.N == 4 {
			return Period{Kind: Quarter, Year: p.Year + 1, N: 1}
		}
		return Period{Kind: Quarter, Year: p.Year, N: p.N + 1}
	}
	return Period{Kind: Year, Year: p.Year + 1}
}

// Index numbers the periods of one kind in order (months, quarters and
// years each counted from year 0), so that the difference of two indexes is
// the number of periods between them.
func (p Period) Index() int {
	switch p.Kind {
	case Month:
		return p.Year*12 + p.N - 1
	case Quarter:
		return p.Year*4 + p.N - 1
	}
	return p.Year
}

// Containing returns the period of kind that contains day d.
func Containing(kind PeriodKind, d civil.Date) Period {
	switch kind {
	case Month:
		return Period{Kind: Month, Year: d.Year, N: int(d.Month)}
	case Quarter:
		return Period{Kind: Quarter, Year: d.Year, N: (int(d.Month)-1)/3 + 1}
	}
	return Period{Kind: Year, Year: d.Year}
}
