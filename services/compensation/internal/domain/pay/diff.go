package pay

import "github.com/rmsuite/rmsuite/pkg/money"

// LineAmount is a payslip line reduced to what a comparison needs.
type LineAmount struct {
	Code, Name string
	Amount     money.Amount
}

// Summary is a payslip reduced to what a comparison needs: its lines' amounts
// and its net pay.
type Summary struct {
	Lines []LineAmount
	Net   money.Amount
}

// Summary reduces the payslip for comparisons.
func (s Payslip) Summary() Summary {
	out := Summary{Net: s.Net, Lines: make([]LineAmount, len(s.Lines))}
	for i, l := range s.Lines {
		out.Lines[i] = LineAmount{Code: l.Code, Name: l.Name, Amount: l.Amount}
	}
	return out
}

// Change is how one line of one manager's payslip differs between two
// computations; Before is nil for a new line, After for a line that is gone.
// The code NetCode stands for the net pay.
type Change struct {
	Manager, Code, Name string
	Before, After       *money.Amount
}

// NetCode names the net pay in changes.
const NetCode = "NET"

// Diff lists how next differs from prev for one manager: lines added, gone or
// changed (in next's order, then the lines gone in prev's order), and the net
// pay if it changed. A manager without a previous payslip has a zero prev
// (every line added); one without a next payslip a zero next.
func Diff(manager string, prev, next Summary) []Change {
	before := make(map[string]LineAmount, len(prev.Lines))
	for _, l := range prev.Lines {
		before[l.Code] = l
	}
	after := make(map[string]bool, len(next.Lines))
	var out []Change
	for _, l := range next.Lines {
		after[l.Code] = true
		a := l.Amount
		b, ok := before[l.Code]
		switch {
		case !ok:
			out = append(out, Change{Manager: manager, Code: l.Code, Name: l.Name, After: &a})
		case b.Amount != a:
			bb := b.Amount
			out = append(out, Change{Manager: manager, Code: l.Code, Name: l.Name, Before: &bb, After: &a})
		}
	}
	for _, l := range prev.Lines {
		if !after[l.Code] {
			b := l.Amount
			out = append(out, Change{Manager: manager, Code: l.Code, Name: l.Name, Before: &b})
		}
	}
	if prev.Net != next.Net || len(prev.Lines) == 0 != (len(next.Lines) == 0) {
		b, a := prev.Net, next.Net
		ch := Change{Manager: manager, Code: NetCode, Name: "实发合计"}
		if len(prev.Lines) > 0 || !prev.Net.IsZero() {
			ch.Before = &b
		}
		if len(next.Lines) > 0 || !next.Net.IsZero() {
			ch.After = &a
		}
		if ch.Before != nil || ch.After != nil {
			out = append(out, ch)
		}
	}
	return out
}
