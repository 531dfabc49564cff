package calendar

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/civil"
)

// official is the embedded data: one file per region and year, data/<REGION>-<YYYY>.json.
//
//go:embed data/*.json
var official embed.FS

// Load is the calendar of a region ("CN" for mainland China) from the embedded data.
// A region with no data file at all is an error, not a weekends-only calendar, so a
// misspelt region is caught at start-up.
func Load(region string) (*Calendar, error) {
	data, err := fs.Sub(official, "data")
	if err != nil {
		return nil, err
	}
	return LoadFS(data, region)
}

var (
	regionPattern = regexp.MustCompile(`^[A-Z]{2,8}$`)
	yearPattern   = regexp.MustCompile(`^[0-9]{4}$`)
)

// LoadFS is [Load] from the files <region>-<YYYY>.json at the root of fsys.
func LoadFS(fsys fs.FS, region string) (*Calendar, error) {
	if !regionPattern.MatchString(region) {
		return nil, fmt.Errorf("%w: region %q: want upper-case letters such as CN", ErrInvalid, region)
	}
	names, err := fs.Glob(fsys, region+"-*.json")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: no calendar data for region %q", ErrInvalid, region)
	}
	slices.Sort(names)
	c := &Calendar{region: region, days: map[civil.Date]Day{}, sources: map[int]Source{}}
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		if err := c.add(name, raw); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return c, nil
}

// yearFile is the layout of one data file.
type yearFile struct {
	Region string `json:"region"`
	Year   int    `json:"year"`
	Source struct {
		Title     string `json:"title"`
		Issuer    string `json:"issuer"`
		Issued    string `json:"issued"`
		Published string `json:"published"`
		URL       string `json:"url"`
	} `json:"source"`
	Holidays []struct {
		Name string `json:"name"`
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"holidays"`
	Workdays []struct {
		Name string `json:"name"`
		Date string `json:"date"`
	} `json:"workdays"`
}

// add reads one year's file into c, checking it against its name and against the
// years read before.
func (c *Calendar) add(name string, raw []byte) error {
	digits := strings.TrimSuffix(strings.TrimPrefix(name, c.region+"-"), ".json")
	if !yearPattern.MatchString(digits) {
		return fmt.Errorf("%w: file name: want %s-YYYY.json", ErrInvalid, c.region)
	}
	year, _ := strconv.Atoi(digits)
	var f yearFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if f.Region != c.region || f.Year != year {
		return fmt.Errorf("%w: file says %s %d, its name %s %d", ErrInvalid, f.Region, f.Year, c.region, year)
	}
	src := Source{Title: f.Source.Title, Issuer: f.Source.Issuer, Published: f.Source.Published, URL: f.Source.URL}
	if src.Title == "" || src.Issuer == "" {
		return fmt.Errorf("%w: source: title and issuer are required", ErrInvalid)
	}
	issued, err := civil.Parse(f.Source.Issued)
	if err != nil {
		return fmt.Errorf("%w: source issued: %v", ErrInvalid, err)
	}
	src.Issued = issued

	// A notice may reach into the neighbouring years (a New Year break starting on
	// 31 December), but no further.
	lo, hi := civil.New(year-1, 12, 1), civil.New(year+1, 1, 31)
	parse := func(what, s string) (civil.Date, error) {
		d, err := civil.Parse(s)
		if err != nil {
			return d, fmt.Errorf("%w: %s: %v", ErrInvalid, what, err)
		}
		if d.Before(lo) || d.After(hi) {
			return d, fmt.Errorf("%w: %s %s is outside %d", ErrInvalid, what, d, year)
		}
		return d, nil
	}
	seen := map[civil.Date]bool{} // dates this file has named
	put := func(day Day) error {
		if seen[day.Date] {
			return fmt.Errorf("%w: %s is listed twice", ErrInvalid, day.Date)
		}
		seen[day.Date] = true
		if prev, ok := c.days[day.Date]; ok && prev != day {
			return fmt.Errorf("%w: %s is %s %s here but %s %s in another year's file",
				ErrInvalid, day.Date, day.Kind, day.Name, prev.Kind, prev.Name)
		}
		c.days[day.Date] = day
		return nil
	}
	for _, h := range f.Holidays {
		if h.Name == "" {
			return fmt.Errorf("%w: holiday from %s has no name", ErrInvalid, h.From)
		}
		from, err := parse("holiday "+h.Name, h.From)
		if err != nil {
			return err
		}
		to, err := parse("holiday "+h.Name, h.To)
		if err != nil {
			return err
		}
		if to.Before(from) || to.After(from.AddDays(31)) {
			return fmt.Errorf("%w: holiday %s: %s to %s is not a break", ErrInvalid, h.Name, from, to)
		}
		for d := from; !d.After(to); d = d.AddDays(1) {
			if err := put(Day{Date: d, Kind: Holiday, Name: h.Name}); err != nil {
				return err
			}
		}
	}
	for _, w := range f.Workdays {
		if w.Name == "" {
			return fmt.Errorf("%w: make-up workday %s has no name", ErrInvalid, w.Date)
		}
		d, err := parse("make-up workday "+w.Name, w.Date)
		if err != nil {
			return err
		}
		if !isWeekend(d) {
			return fmt.Errorf("%w: make-up workday %s is a %s, not a weekend day", ErrInvalid, d, Weekday(d))
		}
		if err := put(Day{Date: d, Kind: MakeUpWorkday, Name: w.Name}); err != nil {
			return err
		}
	}
	c.sources[year] = src
	return nil
}
