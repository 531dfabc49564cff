package calendar_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rmsuite/rmsuite/services/visits/internal/domain/calendar"
)

// A made-up year in the layout of the real files (not an official notice).
const fake2027 = `{
  "region": "CN",
  "year": 2027,
  "source": {"title": "test notice", "issuer": "test", "issued": "2026-11-01"},
  "holidays": [
    {"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
    {"name": "春节", "from": "2027-02-06", "to": "2027-02-12"}
  ],
  "workdays": [
    {"name": "春节", "date": "2027-02-14"}
  ]
}`

func dataFS(t *testing.T, extra map[string]string) fstest.MapFS {
	t.Helper()
	raw, err := os.ReadFile("data/CN-2026.json")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"CN-2026.json": {Data: raw}}
	for name, body := range extra {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

func TestAddingAYearIsADataChange(t *testing.T) {
	c, err := calendar.LoadFS(dataFS(t, map[string]string{"CN-2027.json": fake2027}), "CN")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Covers(2026) || !c.Covers(2027) {
		t.Fatal("both years should be covered")
	}
	if k, name := c.Kind(d("2027-02-08")); k != calendar.Holiday || name != "春节" {
		t.Errorf("Kind(2027-02-08) = %s %q", k, name)
	}
	if k, _ := c.Kind(d("2027-02-14")); k != calendar.MakeUpWorkday {
		t.Errorf("Kind(2027-02-14) = %s, want make-up workday", k)
	}
	if k, name := c.Kind(d("2026-10-01")); k != calendar.Holiday || name != "国庆节" {
		t.Errorf("2026 data lost: Kind(2026-10-01) = %s %q", k, name)
	}
	// Another region's files are not read.
	other := dataFS(t, map[string]string{"HK-2026.json": strings.ReplaceAll(fake2027, `"CN"`, `"HK"`)})
	if c, err := calendar.LoadFS(other, "CN"); err != nil || c.Covers(2027) {
		t.Errorf("LoadFS(CN) read another region: %v", err)
	}
}

func TestLoadRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		file, body string
	}{
		"year differs from the name": {"CN-2028.json", fake2027},
		"region differs":             {"CN-2027.json", strings.Replace(fake2027, `"region": "CN"`, `"region": "HK"`, 1)},
		"unknown field":              {"CN-2027.json", strings.Replace(fake2027, `"year": 2027,`, `"year": 2027, "note": "x",`, 1)},
		"not json":                   {"CN-2027.json", "{"},
		"bad date":                   {"CN-2027.json", strings.Replace(fake2027, "2027-02-12", "2027-02-30", 1)},
		"break runs backwards":       {"CN-2027.json", strings.Replace(fake2027, `"from": "2027-02-06", "to": "2027-02-12"`, `"from": "2027-02-12", "to": "2027-02-06"`, 1)},
		"break too long":             {"CN-2027.json", strings.Replace(fake2027, `"to": "2027-02-12"`, `"to": "2027-04-12"`, 1)},
		"outside the year":           {"CN-2027.json", strings.Replace(fake2027, `"date": "2027-02-14"`, `"date": "2028-06-10"`, 1)},
		"make-up on a weekday":       {"CN-2027.json", strings.Replace(fake2027, `"date": "2027-02-14"`, `"date": "2027-02-15"`, 1)},
		"make-up on a holiday":       {"CN-2027.json", strings.Replace(fake2027, `"date": "2027-02-14"`, `"date": "2027-01-02"`, 1)},
		"unnamed holiday":            {"CN-2027.json", strings.Replace(fake2027, `{"name": "元旦", "from"`, `{"name": "", "from"`, 1)},
		"unnamed make-up":            {"CN-2027.json", strings.Replace(fake2027, `{"name": "春节", "date"`, `{"name": "", "date"`, 1)},
		"no source title":            {"CN-2027.json", strings.Replace(fake2027, `"title": "test notice",`, ``, 1)},
		"no issue date":              {"CN-2027.json", strings.Replace(fake2027, `"issued": "2026-11-01"`, `"issued": ""`, 1)},
		"bad file name":              {"CN-27.json", fake2027},
		"conflicts with 2026":        {"CN-2025.json", fake2025("2026-01-04", "元旦")},
		"names a 2026 day otherwise": {"CN-2025.json", fake2025("2026-01-01", "New Year")},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := calendar.LoadFS(dataFS(t, map[string]string{tc.file: tc.body}), "CN")
			if !errors.Is(err, calendar.ErrInvalid) {
				t.Errorf("LoadFS error = %v, want ErrInvalid", err)
			}
		})
	}
}

// fake2025 is a made-up 2025 file whose last break is one day in January 2026.
func fake2025(day, name string) string {
	return `{
  "region": "CN", "year": 2025,
  "source": {"title": "test notice", "issuer": "test", "issued": "2024-11-01"},
  "holidays": [{"name": "` + name + `", "from": "` + day + `", "to": "` + day + `"}],
  "workdays": []
}`
}

func TestLoadAcceptsTheSameDayFromTwoYears(t *testing.T) {
	c, err := calendar.LoadFS(dataFS(t, map[string]string{"CN-2025.json": fake2025("2026-01-01", "元旦")}), "CN")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Covers(2025) || !c.Covers(2026) {
		t.Error("both years should be covered")
	}
}

func TestLoadAcceptsABreakFromTheYearBefore(t *testing.T) {
	// A New Year break may begin on 31 December of the year before.
	body := strings.Replace(fake2027, `"from": "2027-01-01"`, `"from": "2026-12-31"`, 1)
	c, err := calendar.LoadFS(dataFS(t, map[string]string{"CN-2027.json": body}), "CN")
	if err != nil {
		t.Fatal(err)
	}
	if k, name := c.Kind(d("2026-12-31")); k != calendar.Holiday || name != "元旦" {
		t.Errorf("Kind(2026-12-31) = %s %q", k, name)
	}
}

func TestLoadUnknownRegion(t *testing.T) {
	for _, region := range []string{"XX", "cn", "", "C*", "../CN"} {
		if _, err := calendar.Load(region); !errors.Is(err, calendar.ErrInvalid) {
			t.Errorf("Load(%q) error = %v, want ErrInvalid", region, err)
		}
	}
}

func TestLoadGivesIndependentCalendars(t *testing.T) {
	a, b := mustLoad(t), mustLoad(t)
	if _, err := a.With(calendar.Day{Date: d("2026-03-10"), Kind: calendar.Holiday, Name: "x"}); err != nil {
		t.Fatal(err)
	}
	if !a.IsWorkday(d("2026-03-10")) || !b.IsWorkday(d("2026-03-10")) {
		t.Error("an override leaked into a loaded calendar")
	}
}
