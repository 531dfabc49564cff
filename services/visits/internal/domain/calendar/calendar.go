// Package calendar is the working-day calendar the visit schedule is built on:
// which days a customer manager works, and which half-days of those may hold a
// customer appointment.
//
// The calendar is data, not code. Each region's official public holidays and make-up
// workdays (调休上班日) are kept one file per year under data/, named
// <REGION>-<YYYY>.json and embedded in the binary; supporting a new year is adding its
// file. The file for mainland China 2026 (data/CN-2026.json) transcribes
//
//	国务院办公厅关于2026年部分节假日安排的通知
//	(General Office of the State Council, notice on the 2026 holiday arrangements),
//	issued 4 November 2025, published by Xinhua the same day.
//
// Each file names its source in its "source" block. The service keeps local
// adjustments (a branch's extra day off, a cancelled make-up workday) in its database
// and applies them with [Calendar.With].
//
// A year without a file falls back to the plain rule, Monday to Friday working and the
// weekend off; [Calendar.Covers] tells the two cases apart.
package calendar

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
)

// ErrInvalid marks calendar data or an override that breaks a rule.
var ErrInvalid = errors.New("invalid calendar data")

// Kind is what a day is in the calendar.
type Kind uint8

// Kinds of day.
const (
	Workday       Kind = iota + 1 // an ordinary working day, Monday to Friday
	Weekend                       // Saturday or Sunday, not worked
	Holiday                       // a public holiday (or a day off by override), not worked
	MakeUpWorkday                 // 调休上班日: worked although the plain rule says off
)

func (k Kind) String() string {
	switch k {
	case Workday:
		return "workday"
	case Weekend:
		return "weekend"
	case Holiday:
		return "holiday"
	case MakeUpWorkday:
		return "make-up workday"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Working reports whether a day of this kind is worked.
func (k Kind) Working() bool { return k == Workday || k == MakeUpWorkday }

// Day is one date the calendar treats specially: a holiday or a make-up workday,
// named after the holiday it belongs to (e.g. "春节" for both the Spring Festival days
// off and the Saturdays worked to make up for them).
type Day struct {
	Date civil.Date
	Kind Kind // Holiday or MakeUpWorkday
	Name string
}

// Source is where a year's data comes from.
type Source struct {
	Title     string
	Issuer    string
	Issued    civil.Date
	Published string
	URL       string
}

// Calendar answers whether a date is worked. It is immutable and safe for concurrent
// use. The zero Calendar knows no holidays: Monday to Friday are worked.
type Calendar struct {
	region  string
	days    map[civil.Date]Day // holidays and make-up workdays, data and overrides
	sources map[int]Source     // years with official data
}

// Region is the region the calendar was loaded for ("" for the zero Calendar).
func (c *Calendar) Region() string { return c.region }

// Covers reports whether official data for the year was loaded. Without it the year
// has weekends only (plus any overrides).
func (c *Calendar) Covers(year int) bool {
	_, ok := c.sources[year]
	return ok
}

// Years are the years with official data, in order.
func (c *Calendar) Years() []int {
	years := make([]int, 0, len(c.sources))
	for y := range c.sources {
		years = append(years, y)
	}
	slices.Sort(years)
	return years
}

// Source is where the year's data comes from; false when the year is not covered.
func (c *Calendar) Source(year int) (Source, bool) {
	s, ok := c.sources[year]
	return s, ok
}

// With is a copy of the calendar with the overrides applied over the official data.
// Each override makes its date a Holiday (a day off, whatever it was) or a
// MakeUpWorkday (worked, whatever it was); a later override of the same date wins.
// The receiver is unchanged.
func (c *Calendar) With(overrides ...Day) (*Calendar, error) {
	next := &Calendar{region: c.region, sources: c.sources, days: maps.Clone(c.days)}
	if next.days == nil {
		next.days = make(map[civil.Date]Day, len(overrides))
	}
	for i, o := range overrides {
		if !o.Date.Valid() {
			return nil, fmt.Errorf("%w: override %d: %q is not a date", ErrInvalid, i, o.Date.String())
		}
		if o.Kind != Holiday && o.Kind != MakeUpWorkday {
			return nil, fmt.Errorf("%w: override %d (%s): kind %s, want holiday or make-up workday", ErrInvalid, i, o.Date, o.Kind)
		}
		next.days[o.Date] = o
	}
	return next, nil
}

// Kind is what the date is, with the holiday's name for holidays and make-up workdays.
func (c *Calendar) Kind(d civil.Date) (Kind, string) {
	if s, ok := c.days[d]; ok {
		return s.Kind, s.Name
	}
	if isWeekend(d) {
		return Weekend, ""
	}
	return Workday, ""
}

// IsWorkday reports whether the date is worked: Monday to Friday unless a holiday,
// and make-up workdays.
func (c *Calendar) IsWorkday(d civil.Date) bool {
	k, _ := c.Kind(d)
	return k.Working()
}

// Workdays are the worked dates from from to to, both included, in order; none when
// to is before from.
func (c *Calendar) Workdays(from, to civil.Date) []civil.Date {
	var out []civil.Date
	for d := from; !d.After(to); d = d.AddDays(1) {
		if c.IsWorkday(d) {
			out = append(out, d)
		}
	}
	return out
}

// Weekday is the day of the week of d (civil.Date does not carry it).
func Weekday(d civil.Date) time.Weekday { return d.Time().Weekday() }

func isWeekend(d civil.Date) bool {
	w := Weekday(d)
	return w == time.Saturday || w == time.Sunday
}
