package manager

import (
	"fmt"
	"slices"
	"time"

	"github.com/rmsuite/rmsuite/pkg/money"
)

// Level is one rung of a ladder.
type Level struct {
	Code        string   `json:"code"`
	DisplayName string   `json:"displayName"`
	Track       string   `json:"track,omitempty"` // "" for the single/professional track
	StaffGrade  int      `json:"staffGrade,omitempty"`
	Bands       []string `json:"bands,omitempty"`       // highest first
	TargetShare string   `json:"targetShare,omitempty"` // decimal fraction, e.g. "0.10"
}

// Ladder is a grade ladder, configured as data.
type Ladder struct {
	ID            string
	DisplayName   string
	Levels        []Level // lowest first within each track
	Default       bool
	TraineeMonths int
	Revision      int64
	CreateTime    time.Time
	UpdateTime    time.Time
}

// Etag is an opaque tag of the ladder's revision.
func (l Ladder) Etag() string { return fmt.Sprintf("l%d", l.Revision) }

// Level finds a level by code.
func (l Ladder) Level(code string) (Level, bool) {
	i := slices.IndexFunc(l.Levels, func(v Level) bool { return v.Code == code })
	if i < 0 {
		return Level{}, false
	}
	return l.Levels[i], true
}

// Validate checks a ladder's configuration.
func (l Ladder) Validate() error {
	if len(l.Levels) == 0 {
		return fmt.Errorf("%w: a ladder needs at least one level", ErrInvalid)
	}
	codes := map[string]bool{}
	sum, one := money.DecimalFromInt(0), money.DecimalFromInt(1)
	for i, v := range l.Levels {
		if v.Code == "" || v.DisplayName == "" {
			return fmt.Errorf("%w: level %d needs a code and a display_name", ErrInvalid, i+1)
		}
		if codes[v.Code] {
			return fmt.Errorf("%w: level code %q appears twice", ErrInvalid, v.Code)
		}
		codes[v.Code] = true
		seen := map[string]bool{}
		for _, b := range v.Bands {
			if b == "" || seen[b] {
				return fmt.Errorf("%w: level %s: bands must be distinct and not empty", ErrInvalid, v.Code)
			}
			seen[b] = true
		}
		if v.TargetShare != "" {
			share, err := money.ParseDecimal(v.TargetShare)
			if err != nil || share.Sign() < 0 || share.Cmp(one) > 0 {
				return fmt.Errorf("%w: level %s: target_share %q must be a decimal fraction between 0 and 1, e.g. \"0.10\"", ErrInvalid, v.Code, v.TargetShare)
			}
			if sum, err = sum.Add(share); err != nil {
				return fmt.Errorf("%w: level %s: target_share %q: %v", ErrInvalid, v.Code, v.TargetShare, err)
			}
		}
		if v.StaffGrade < 0 {
			return fmt.Errorf("%w: level %s: staff_grade must not be negative", ErrInvalid, v.Code)
		}
	}
	if sum.Cmp(one) > 0 {
		return fmt.Errorf("%w: target shares add up to %s, more than 1", ErrInvalid, sum)
	}
	return nil
}

// CheckGrade checks that level and band exist on the ladder.
func (l Ladder) CheckGrade(level, band string) error {
	v, ok := l.Level(level)
	if !ok {
		codes := make([]string, len(l.Levels))
		for i, x := range l.Levels {
			codes[i] = x.Code + " (" + x.DisplayName + ")"
		}
		return fmt.Errorf("%w: gradeLadders/%s has no level %q; its levels are %v", ErrInvalid, l.ID, level, codes)
	}
	switch {
	case len(v.Bands) == 0 && band != "":
		return fmt.Errorf("%w: level %s of gradeLadders/%s has no bands; leave band empty", ErrInvalid, level, l.ID)
	case len(v.Bands) > 0 && !slices.Contains(v.Bands, band):
		return fmt.Errorf("%w: level %s of gradeLadders/%s needs a band, one of %v", ErrInvalid, level, l.ID, v.Bands)
	}
	return nil
}

// GradeName is the name of a grade, e.g. "二级" or "中级B".
func (l Ladder) GradeName(level, band string) string {
	v, ok := l.Level(level)
	if !ok {
		return level + band
	}
	return v.DisplayName + band
}

// steps lists a track's positions, lowest first: each band of each level (bands
// are configured highest first, so reversed), or the level itself without bands.
func (l Ladder) steps(track string) []string {
	var out []string
	for _, v := range l.Levels {
		if v.Track != track {
			continue
		}
		if len(v.Bands) == 0 {
			out = append(out, v.Code+"|")
			continue
		}
		for i := len(v.Bands) - 1; i >= 0; i-- {
			out = append(out, v.Code+"|"+v.Bands[i])
		}
	}
	return out
}

// CheckStep refuses a change from one grade to another on this ladder that skips a
// step: more than one position up or down the same track, or a move to another
// track other than the dual-channel one (from the top of a track to the bottom of
// another). A first grade, or a move onto this ladder from another, is not a step.
func (l Ladder) CheckStep(from, to Grade) error {
	if from.IsZero() || from.Ladder != l.ID {
		return nil
	}
	fv, ok1 := l.Level(from.Level)
	tv, ok2 := l.Level(to.Level)
	if !ok1 || !ok2 {
		return nil // a level since removed: nothing to measure against
	}
	fs, ts := l.steps(fv.Track), l.steps(tv.Track)
	fi, ti := slices.Index(fs, from.Level+"|"+from.Band), slices.Index(ts, to.Level+"|"+to.Band)
	if fv.Track == tv.Track {
		if d := ti - fi; d > 1 || d < -1 {
			return fmt.Errorf("%w: from %s to %s skips %d step(s) of gradeLadders/%s; grades move one step at a time unless the change is marked exceptional (which needs approval)",
				ErrIllegalState, l.GradeName(from.Level, from.Band), l.GradeName(to.Level, to.Band), abs(d)-1, l.ID)
		}
		return nil
	}
	if fi == len(fs)-1 && ti == 0 {
		return nil // dual channel: the top of one track may apply to the bottom of the other
	}
	return fmt.Errorf("%w: from %s to %s changes track; only the top of a track (%s) may move to the first grade of the other track, unless the change is marked exceptional",
		ErrIllegalState, l.GradeName(from.Level, from.Band), l.GradeName(to.Level, to.Band), fs[len(fs)-1])
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
