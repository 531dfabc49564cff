package calendar_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/calendar"
)

func mustLoad(t testing.TB) *calendar.Calendar {
	t.Helper()
	c, err := calendar.Load("CN")
	if err != nil {
		t.Fatalf("Load(CN): %v", err)
	}
	return c
}

func d(s string) civil.Date { return civil.MustParse(s) }

// The 2026 notice, as published: each break with the weekdays the notice prints
// beside its first and last day, and the make-up workdays with theirs.
var notice2026 = []struct {
	name               string
	from, to           string
	fromDay, toDay     time.Weekday
	makeUp             []string
	makeUpDays         []time.Weekday
	weekdaysOff        int // Monday-to-Friday days inside the break
	statutoryDaysInSet int // 法定假日 inside the break, for the 13-day total
}{
	{"元旦", "2026-01-01", "2026-01-03", time.Thursday, time.Saturday, []string{"2026-01-04"}, []time.Weekday{time.Sunday}, 2, 1},
	{"春节", "2026-02-15", "2026-02-23", time.Sunday, time.Monday, []string{"2026-02-14", "2026-02-28"}, []time.Weekday{time.Saturday, time.Saturday}, 6, 4},
	{"清明节", "2026-04-04", "2026-04-06", time.Saturday, time.Monday, nil, nil, 1, 1},
	{"劳动节", "2026-05-01", "2026-05-05", time.Friday, time.Tuesday, []string{"2026-05-09"}, []time.Weekday{time.Saturday}, 3, 2},
	{"端午节", "2026-06-19", "2026-06-21", time.Friday, time.Sunday, nil, nil, 1, 1},
	{"中秋节", "2026-09-25", "2026-09-27", time.Friday, time.Sunday, nil, nil, 1, 1},
	{"国庆节", "2026-10-01", "2026-10-07", time.Thursday, time.Wednesday, []string{"2026-09-20", "2026-10-10"}, []time.Weekday{time.Sunday, time.Saturday}, 5, 3},
}

func TestLoadCN2026MatchesTheNotice(t *testing.T) {
	c := mustLoad(t)
	for _, h := range notice2026 {
		from, to := d(h.from), d(h.to)
		if got := calendar.Weekday(from); got != h.fromDay {
			t.Errorf("%s starts %s, a %s; the notice says %s", h.name, from, got, h.fromDay)
		}
		if got := calendar.Weekday(to); got != h.toDay {
			t.Errorf("%s ends %s, a %s; the notice says %s", h.name, to, got, h.toDay)
		}
		for day := from; !day.After(to); day = day.AddDays(1) {
			if k, name := c.Kind(day); k != calendar.Holiday || name != h.name {
				t.Errorf("Kind(%s) = %s %q, want holiday %q", day, k, name, h.name)
			}
			if c.IsWorkday(day) {
				t.Errorf("IsWorkday(%s) = true during %s", day, h.name)
			}
		}
		// The days either side of a break are not part of it.
		for _, edge := range []civil.Date{from.AddDays(-1), to.AddDays(1)} {
			if k, name := c.Kind(edge); k == calendar.Holiday && name == h.name {
				t.Errorf("Kind(%s) = holiday %q: the break is %s to %s", edge, name, from, to)
			}
		}
		for i, m := range h.makeUp {
			day := d(m)
			if got := calendar.Weekday(day); got != h.makeUpDays[i] {
				t.Errorf("make-up workday %s is a %s; the notice says %s", day, got, h.makeUpDays[i])
			}
			if k, name := c.Kind(day); k != calendar.MakeUpWorkday || name != h.name {
				t.Errorf("Kind(%s) = %s %q, want make-up workday %q", day, k, name, h.name)
			}
			if !c.IsWorkday(day) {
				t.Errorf("IsWorkday(%s) = false on a make-up workday", day)
			}
		}
	}
	src, ok := c.Source(2026)
	if !ok || src.Title != "国务院办公厅关于2026年部分节假日安排的通知" || src.Issued != d("2025-11-04") || src.Issuer == "" {
		t.Errorf("Source(2026) = %+v, %v", src, ok)
	}
}

func TestCN2026Totals(t *testing.T) {
	c := mustLoad(t)
	var holidays, makeUps, weekdaysOff, statutory int
	for _, h := range notice2026 {
		weekdaysOff += h.weekdaysOff
		statutory += h.statutoryDaysInSet
	}
	for day := d("2026-01-01"); day.Year == 2026; day = day.AddDays(1) {
		switch k, _ := c.Kind(day); k {
		case calendar.Holiday:
			holidays++
		case calendar.MakeUpWorkday:
			makeUps++
		}
	}
	if holidays != 33 || makeUps != 6 {
		t.Errorf("2026 has %d holiday days and %d make-up workdays, want 33 and 6", holidays, makeUps)
	}
	// 365 days, 104 weekend days and 13 statutory holidays (元旦1 春节4 清明1 劳动2
	// 端午1 中秋1 国庆3) leave 248 working days.
	if statutory != 13 {
		t.Fatalf("test table: %d statutory days, want 13", statutory)
	}
	if got := len(c.Workdays(d("2026-01-01"), d("2026-12-31"))); got != 248 || got != 261-weekdaysOff+makeUps {
		t.Errorf("2026 has %d working days, want 248", got)
	}
	for _, m := range []struct {
		month string
		want  int
	}{
		{"2026-01-01", 21}, // 22 weekdays, 1-2 off, 4th worked
		{"2026-02-01", 16}, // 20 weekdays, 16-20 and 23 off, 14th and 28th worked
		{"2026-03-01", 22},
		{"2026-05-01", 19}, // 21 weekdays, 1, 4, 5 off, 9th worked
		{"2026-09-01", 22}, // 22 weekdays, 25 off, 20th worked
		{"2026-10-01", 18}, // 22 weekdays, 1, 2, 5-7 off, 10th worked
	} {
		first := d(m.month)
		if got := len(c.Workdays(first, first.LastOfMonth())); got != m.want {
			t.Errorf("%s: %d working days, want %d", m.month[:7], got, m.want)
		}
	}
}

func TestWorkdays(t *testing.T) {
	c := mustLoad(t)
	got := c.Workdays(d("2026-09-28"), d("2026-10-12"))
	want := []civil.Date{d("2026-09-28"), d("2026-09-29"), d("2026-09-30"), d("2026-10-08"), d("2026-10-09"), d("2026-10-10"), d("2026-10-12")}
	if !slices.Equal(got, want) {
		t.Errorf("Workdays around golden week = %v, want %v", got, want)
	}
	if got := c.Workdays(d("2026-10-12"), d("2026-10-12")); !slices.Equal(got, []civil.Date{d("2026-10-12")}) {
		t.Errorf("Workdays(one day) = %v", got)
	}
	if got := c.Workdays(d("2026-10-12"), d("2026-10-11")); len(got) != 0 {
		t.Errorf("Workdays(to before from) = %v, want none", got)
	}
	if got := c.Workdays(d("2026-10-01"), d("2026-10-07")); len(got) != 0 {
		t.Errorf("Workdays(golden week) = %v, want none", got)
	}
}

func TestYearWithoutDataIsWeekendsOnly(t *testing.T) {
	c := mustLoad(t)
	if !c.Covers(2026) || c.Covers(2025) || c.Covers(2027) {
		t.Errorf("Covers: 2026 %v, 2025 %v, 2027 %v; want only 2026", c.Covers(2026), c.Covers(2025), c.Covers(2027))
	}
	if y := c.Years(); len(y) != 1 || y[0] != 2026 {
		t.Errorf("Years = %v, want [2026]", y)
	}
	if _, ok := c.Source(2027); ok {
		t.Error("Source(2027) found without data")
	}
	// 2027-01-01 is a Friday: without 2027 data it is an ordinary working day.
	for _, tc := range []struct {
		day  string
		want calendar.Kind
	}{
		{"2027-01-01", calendar.Workday},
		{"2027-01-02", calendar.Weekend},
		{"2027-01-03", calendar.Weekend},
		{"2027-02-08", calendar.Workday},
		{"2025-10-01", calendar.Workday}, // 2025 is not loaded either
	} {
		if k, name := c.Kind(d(tc.day)); k != tc.want || name != "" {
			t.Errorf("Kind(%s) = %s %q, want %s", tc.day, k, name, tc.want)
		}
	}
	if got := len(c.Workdays(d("2027-03-01"), d("2027-03-31"))); got != 23 {
		t.Errorf("March 2027 has %d working days, want 23 weekdays", got)
	}
}

func TestZeroCalendar(t *testing.T) {
	var c calendar.Calendar
	if c.Covers(2026) || c.Region() != "" {
		t.Error("the zero calendar claims data")
	}
	if c.IsWorkday(d("2026-10-01")) != true || c.IsWorkday(d("2026-10-10")) != false {
		t.Error("the zero calendar is not weekends-only")
	}
	w, err := c.With(calendar.Day{Date: d("2026-10-01"), Kind: calendar.Holiday, Name: "国庆节"})
	if err != nil || w.IsWorkday(d("2026-10-01")) {
		t.Errorf("With on the zero calendar: %v", err)
	}
}

func TestWith(t *testing.T) {
	base := mustLoad(t)
	c, err := base.With(
		calendar.Day{Date: d("2026-03-10"), Kind: calendar.Holiday, Name: "branch day off"},
		calendar.Day{Date: d("2026-10-10"), Kind: calendar.Holiday, Name: "make-up cancelled"},
		calendar.Day{Date: d("2026-10-08"), Kind: calendar.Holiday, Name: "first"},
		calendar.Day{Date: d("2026-10-08"), Kind: calendar.MakeUpWorkday, Name: "second wins"},
		calendar.Day{Date: d("2026-10-07"), Kind: calendar.MakeUpWorkday, Name: "on duty"},
		calendar.Day{Date: d("2027-01-01"), Kind: calendar.Holiday, Name: "元旦"},
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		day  string
		kind calendar.Kind
		name string
	}{
		{"2026-03-10", calendar.Holiday, "branch day off"},
		{"2026-10-10", calendar.Holiday, "make-up cancelled"},
		{"2026-10-08", calendar.MakeUpWorkday, "second wins"},
		{"2026-10-07", calendar.MakeUpWorkday, "on duty"},
		{"2026-10-06", calendar.Holiday, "国庆节"}, // untouched official data
		{"2027-01-01", calendar.Holiday, "元旦"},
	} {
		if k, name := c.Kind(d(tc.day)); k != tc.kind || name != tc.name {
			t.Errorf("Kind(%s) = %s %q, want %s %q", tc.day, k, name, tc.kind, tc.name)
		}
	}
	if c.Covers(2027) {
		t.Error("an override made 2027 covered")
	}
	// The receiver is unchanged.
	if !base.IsWorkday(d("2026-03-10")) || !base.IsWorkday(d("2026-10-10")) || base.IsWorkday(d("2026-10-07")) {
		t.Error("With changed the calendar it was called on")
	}
	if c.Region() != "CN" || !c.Covers(2026) {
		t.Error("With lost the region or the sources")
	}
	for _, bad := range []calendar.Day{
		{Date: d("2026-03-10"), Kind: calendar.Workday},
		{Date: d("2026-03-10"), Kind: calendar.Weekend},
		{Date: d("2026-03-10")},
		{Date: civil.Date{}, Kind: calendar.Holiday},
		{Date: civil.Date{Year: 2026, Month: 2, Day: 30}, Kind: calendar.Holiday},
	} {
		if _, err := base.With(bad); !errors.Is(err, calendar.ErrInvalid) {
			t.Errorf("With(%+v) error = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[calendar.Kind]string{
		calendar.Workday: "workday", calendar.Weekend: "weekend", calendar.Holiday: "holiday",
		calendar.MakeUpWorkday: "make-up workday", 0: "Kind(0)",
	} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", k, got, want)
		}
	}
	if !calendar.Workday.Working() || !calendar.MakeUpWorkday.Working() || calendar.Holiday.Working() || calendar.Weekend.Working() {
		t.Error("Working is wrong")
	}
}
