package calendar

import (
	"fmt"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
)

// Half is one half of a working day.
type Half uint8

// Halves of a day.
const (
	Morning Half = iota + 1
	Afternoon
)

func (h Half) String() string {
	switch h {
	case Morning:
		return "morning"
	case Afternoon:
		return "afternoon"
	}
	return fmt.Sprintf("Half(%d)", uint8(h))
}

// Slot is a half-day an appointment is booked in.
type Slot struct {
	Date civil.Date
	Half Half
}

func (s Slot) String() string { return s.Date.String() + " " + s.Half.String() }

// Bookable reports whether a customer appointment may be made in the slot: the date is
// worked, and the slot is neither Monday morning (the weekly team meeting) nor Friday
// afternoon (the weekly summary).
//
// The Monday and Friday rule goes by the calendar weekday of the date alone. A make-up
// workday falls on a Saturday or Sunday, so both of its halves are bookable, whatever
// weekday it stands in for; a Monday or Friday made a working day by override keeps
// the rule.
func (c *Calendar) Bookable(s Slot) bool {
	if s.Half != Morning && s.Half != Afternoon {
		return false
	}
	if !c.IsWorkday(s.Date) {
		return false
	}
	switch Weekday(s.Date) {
	case time.Monday:
		return s.Half != Morning
	case time.Friday:
		return s.Half != Afternoon
	}
	return true
}

// BookableHalves are the bookable halves of the date, morning first: none on a day
// off, one on a working Monday or Friday, two on other working days.
func (c *Calendar) BookableHalves(d civil.Date) []Half {
	var out []Half
	for _, h := range [...]Half{Morning, Afternoon} {
		if c.Bookable(Slot{Date: d, Half: h}) {
			out = append(out, h)
		}
	}
	return out
}
