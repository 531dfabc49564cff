// Package civil is a calendar date without a time or zone: a business day such as a
// hire date, an effective date or a period end. Business dates are days in
// Asia/Shanghai; storage keeps them as "YYYY-MM-DD" text, which sorts and compares
// correctly on SQLite and PostgreSQL alike.
package civil

import (
	"database/sql/driver"
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
)

// Date is a calendar day. The zero Date means "not set".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Shanghai is the zone business days are counted in.
var Shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CST", 8*3600) // no zoneinfo on the machine: China has no DST
	}
	return loc
}

// Of is the day of t in t's location.
func Of(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Today is today's date in Shanghai.
func Today() Date { return Of(time.Now().In(Shanghai)) }

// New builds a date, normalising out-of-range days (Feb 30 → Mar 2).
func New(y int, m time.Month, d int) Date { return Of(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) }

// Parse reads "YYYY-MM-DD".
func Parse(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date: want YYYY-MM-DD", s)
	}
	return Of(t), nil
}

// MustParse is Parse for constants in code and tests.
func MustParse(s string) Date {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether the date is a real calendar day.
func (d Date) Valid() bool { return !d.IsZero() && New(d.Year, d.Month, d.Day) == d }

// String is "YYYY-MM-DD", or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Time is midnight UTC of the day.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Compare answers -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int { return d.Time().Compare(e.Time()) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// AddDays is the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return Of(d.Time().AddDate(0, 0, n)) }

// AddMonths is the same day n months later, clamped to the end of a shorter month
// (Jan 31 + 1 month = Feb 28/29), as contracts and probation periods count.
func (d Date) AddMonths(n int) Date {
	first := time.Date(d.Year, d.Month+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return Date{first.Year(), first.Month(), min(d.Day, last)}
}

// FirstOfMonth is the first day of d's month.
func (d Date) FirstOfMonth() Date { return Date{d.Year, d.Month, 1} }

// LastOfMonth is the last day of d's month.
func (d Date) LastOfMonth() Date { return d.FirstOfMonth().AddMonths(1).AddDays(-1) }

// YearsSince is the number of whole years from start to d (0 when start is later).
func (d Date) YearsSince(start Date) int {
	years := d.Year - start.Year
	if d.Month < start.Month || (d.Month == start.Month && d.Day < start.Day) {
		years--
	}
	return max(years, 0)
}

// MonthsSince is the number of whole months from start to d (0 when start is later).
func (d Date) MonthsSince(start Date) int {
	months := (d.Year-start.Year)*12 + int(d.Month-start.Month)
	if d.Day < start.Day && d != d.LastOfMonth() {
		months--
	}
	return max(months, 0)
}

// Proto is the wire form; nil for the zero date.
func (d Date) Proto() *date.Date {
	if d.IsZero() {
		return nil
	}
	return &date.Date{Year: int32(d.Year), Month: int32(d.Month), Day: int32(d.Day)}
}

// FromProto reads the wire form; nil or all-zero is the zero date. It does not
// validate: call Valid.
func FromProto(p *date.Date) Date {
	if p == nil {
		return Date{}
	}
	return Date{int(p.GetYear()), time.Month(p.GetMonth()), int(p.GetDay())}
}

// Value stores the date as "YYYY-MM-DD", or NULL for the zero date.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads "YYYY-MM-DD" text (or a time from a DATE column); NULL is the zero date.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
	case string:
		p, err := Parse(v)
		if err != nil {
			return err
		}
		*d = p
	case []byte:
		return d.Scan(string(v))
	case time.Time:
		*d = Of(v)
	default:
		return fmt.Errorf("civil: cannot scan %T into a date", src)
	}
	return nil
}

// MarshalText is "YYYY-MM-DD" (JSON fields use `omitzero` for unset dates).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "YYYY-MM-DD"; empty is the zero date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	p, err := Parse(string(b))
	*d = p
	return err
}
