package civil

import "testing"

func TestAddMonthsClampsToMonthEnd(t *testing.T) {
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-01-31", 1, "2026-02-28"},
		{"2028-01-31", 1, "2028-02-29"},
		{"2026-01-15", 3, "2026-04-15"},
		{"2026-11-30", 3, "2027-02-28"},
		{"2026-03-31", -1, "2026-02-28"},
	} {
		if got := MustParse(c.from).AddMonths(c.n).String(); got != c.want {
			t.Errorf("%s + %d months = %s, want %s", c.from, c.n, got, c.want)
		}
	}
}

func TestYearsAndMonthsSince(t *testing.T) {
	d := MustParse("2026-06-30")
	if got := d.YearsSince(MustParse("2021-07-01")); got != 4 {
		t.Errorf("years = %d, want 4 (one day short of five)", got)
	}
	if got := d.YearsSince(MustParse("2021-06-30")); got != 5 {
		t.Errorf("years = %d, want 5", got)
	}
	if got := MustParse("2026-03-14").MonthsSince(MustParse("2026-01-15")); got != 1 {
		t.Errorf("months = %d, want 1", got)
	}
	if got := MustParse("2026-03-15").MonthsSince(MustParse("2026-01-15")); got != 2 {
		t.Errorf("months = %d, want 2", got)
	}
	if got := MustParse("2026-02-28").MonthsSince(MustParse("2026-01-31")); got != 1 {
		t.Errorf("months from Jan 31 to Feb 28 = %d, want 1 (end of month)", got)
	}
}

func TestParseScanValueProto(t *testing.T) {
	if _, err := Parse("2026-02-30"); err == nil {
		t.Error("Feb 30 parsed")
	}
	d := MustParse("2026-11-23")
	v, _ := d.Value()
	var back Date
	if err := back.Scan(v); err != nil || back != d {
		t.Fatalf("scan(value) = %v, %v", back, err)
	}
	if FromProto(d.Proto()) != d || !FromProto(nil).IsZero() {
		t.Error("proto round trip")
	}
	if (Date{2026, 2, 30}).Valid() || !d.Valid() {
		t.Error("Valid")
	}
	if v, _ := (Date{}).Value(); v != nil {
		t.Error("zero date stored as non-NULL")
	}
}
