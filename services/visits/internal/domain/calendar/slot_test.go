package calendar_test

import (
	"slices"
	"testing"

	"github.com/rmsuite/rmsuite/services/visits/internal/domain/calendar"
)

func TestBookable(t *testing.T) {
	c := mustLoad(t)
	for _, tc := range []struct {
		day             string
		morning, afnoon bool
	}{
		{"2026-03-09", false, true},  // Monday: weekly meeting in the morning
		{"2026-03-10", true, true},   // Tuesday
		{"2026-03-11", true, true},   // Wednesday
		{"2026-03-12", true, true},   // Thursday
		{"2026-03-13", true, false},  // Friday: weekly summary in the afternoon
		{"2026-03-14", false, false}, // Saturday
		{"2026-03-15", false, false}, // Sunday
		{"2026-10-01", false, false}, // Thursday, National Day
		{"2026-04-06", false, false}, // Monday, Qingming
		{"2026-10-09", true, false},  // Friday after golden week
		{"2026-02-14", true, true},   // Saturday make-up workday
		{"2026-01-04", true, true},   // Sunday make-up workday
		{"2026-02-24", true, true},   // Tuesday, first day back after Spring Festival
		{"2026-02-23", false, false}, // Monday, last day of Spring Festival
		{"2027-03-01", false, true},  // Monday in a year without data
	} {
		date := d(tc.day)
		if got := c.Bookable(calendar.Slot{Date: date, Half: calendar.Morning}); got != tc.morning {
			t.Errorf("Bookable(%s morning) = %v, want %v", tc.day, got, tc.morning)
		}
		if got := c.Bookable(calendar.Slot{Date: date, Half: calendar.Afternoon}); got != tc.afnoon {
			t.Errorf("Bookable(%s afternoon) = %v, want %v", tc.day, got, tc.afnoon)
		}
		var want []calendar.Half
		if tc.morning {
			want = append(want, calendar.Morning)
		}
		if tc.afnoon {
			want = append(want, calendar.Afternoon)
		}
		if got := c.BookableHalves(date); !slices.Equal(got, want) {
			t.Errorf("BookableHalves(%s) = %v, want %v", tc.day, got, want)
		}
	}
	if c.Bookable(calendar.Slot{Date: d("2026-03-10")}) || c.Bookable(calendar.Slot{Date: d("2026-03-10"), Half: 3}) {
		t.Error("a slot without a valid half is bookable")
	}
}

func TestBookableFollowsOverrides(t *testing.T) {
	c, err := mustLoad(t).With(
		calendar.Day{Date: d("2026-03-10"), Kind: calendar.Holiday, Name: "closed"},
		calendar.Day{Date: d("2026-10-05"), Kind: calendar.MakeUpWorkday, Name: "on duty"}, // a Monday
	)
	if err != nil {
		t.Fatal(err)
	}
	if c.Bookable(calendar.Slot{Date: d("2026-03-10"), Half: calendar.Morning}) {
		t.Error("a day off by override is bookable")
	}
	if c.Bookable(calendar.Slot{Date: d("2026-10-05"), Half: calendar.Morning}) ||
		!c.Bookable(calendar.Slot{Date: d("2026-10-05"), Half: calendar.Afternoon}) {
		t.Error("a Monday worked by override should keep the Monday-morning rule")
	}
}

func TestSlotString(t *testing.T) {
	if got := (calendar.Slot{Date: d("2026-03-10"), Half: calendar.Afternoon}).String(); got != "2026-03-10 afternoon" {
		t.Errorf("Slot.String() = %q", got)
	}
	if calendar.Morning.String() != "morning" || calendar.Half(0).String() != "Half(0)" {
		t.Error("Half.String is wrong")
	}
}
