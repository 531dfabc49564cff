package pay

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
)

// Period is a pay month.
type Period struct {
	Year  int
	Month time.Month
}

var periodRE = regexp.MustCompile(`^(\d{4})-(\d{2})$`)

// ParsePeriod reads "YYYY-MM", years 2000–2099.
func ParsePeriod(s string) (Period, error) {
	m := periodRE.FindStringSubmatch(s)
	if m == nil {
		return Period{}, fmt.Errorf("%q is not a month: want YYYY-MM, e.g. 2026-11", s)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	if y < 2000 || y > 2099 || mo < 1 || mo > 12 {
		return Period{}, fmt.Errorf("%q is not a month between 2000-01 and 2099-12", s)
	}
	return Period{Year: y, Month: time.Month(mo)}, nil
}

// MustPeriod is ParsePeriod for constants; it panics on a mistake.
func MustPeriod(s string) Period {
	p, err := ParsePeriod(s)
	if err != nil {
		panic(err)
	}
	return p
}

// String is "YYYY-MM".
func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month)) }

// IsZero reports whether p is unset.
func (p Period) IsZero() bool { return p == Period{} }

// First is the month's first day.
func (p Period) First() civil.Date { return civil.New(p.Year, p.Month, 1) }

// Last is the month's last day: grades, posts and statuses are read as of it,
// and the pay configuration in effect on it applies.
func (p Period) Last() civil.Date { return p.First().LastOfMonth() }

// Days is the number of days in the month (t of the bonus formula).
func (p Period) Days() int { return p.Last().Day }

// Before reports whether p is an earlier month than q.
func (p Period) Before(q Period) bool {
	return p.Year < q.Year || p.Year == q.Year && p.Month < q.Month
}

// Next is the following month.
func (p Period) Next() Period {
	d := p.First().AddMonths(1)
	return Period{Year: d.Year, Month: d.Month}
}
