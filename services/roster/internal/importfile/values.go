package importfile

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
)

// ParseDate reads a date as people and spreadsheets write it: 2026-01-31,
// 2026/1/31, 2026.1.31, 2026年1月31日, 20260131, or an Excel serial day number (what an
// XLSX date cell holds, e.g. 46053). Empty is the zero date.
func ParseDate(s string) (civil.Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return civil.Date{}, nil
	}
	whole, _, _ := strings.Cut(s, ".")
	if serial, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "-/年") && len(whole) != 8 {
		// Excel's day 1 is 1900-01-01, counted as if 1900 were a leap year, so
		// serials from 61 on are days since 1899-12-30.
		// A fraction is a time of day (a date-time cell): the day is what counts.
		if serial < 61 || serial > 2958465 {
			return civil.Date{}, fmt.Errorf("%q is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31", s)
		}
		return civil.Of(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(math.Floor(serial)))), nil
	}
	norm := strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-").Replace(s)
	if len(norm) == 8 && !strings.Contains(norm, "-") { // 20260131
		norm = norm[:4] + "-" + norm[4:6] + "-" + norm[6:]
	}
	parts := strings.Split(norm, "-")
	if len(parts) == 3 {
		y, ey := strconv.Atoi(parts[0])
		m, em := strconv.Atoi(parts[1])
		d, ed := strconv.Atoi(parts[2])
		if ey == nil && em == nil && ed == nil && len(parts[0]) == 4 {
			date := civil.Date{Year: y, Month: time.Month(m), Day: d}
			if date.Valid() {
				return date, nil
			}
			return civil.Date{}, fmt.Errorf("%q is not a calendar date", s)
		}
	}
	return civil.Date{}, fmt.Errorf("%q is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31", s)
}

// ParseManager reads a manager reference as people write it — "E3001" or
// "managers/E3001" — and answers the employee number.
func ParseManager(s string) string {
	return strings.TrimPrefix(strings.TrimSpace(s), "managers/")
}
