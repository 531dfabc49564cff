package appeal_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/appeal"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

var (
	published = civil.MustParse("2025-02-05")
	subject   = appeal.Subject{Kind: appeal.SubjectMonthlyScore, Ref: "scores/2025-01/E042", Employee: "E042", Published: published}
)

// on returns 10:00 Shanghai time on day.
func on(day string) time.Time {
	d := civil.MustParse(day)
	return time.Date(d.Year, d.Month, d.Day, 10, 0, 0, 0, civil.Shanghai)
}

func filed(t *testing.T) appeal.Appeal {
	t.Helper()
	a, err := appeal.File(appeal.DefaultPolicy(), "ap-1", subject, "E042", "my deposits were imported twice short", on("2025-02-06"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestHappyPaths(t *testing.T) {
	for _, outcome := range []appeal.State{appeal.StateUpheld, appeal.StateRejected} {
		a := filed(t)
		if a.State != appeal.StateFiled {
			t.Fatalf("state %s", a.State)
		}
		if err := a.StartReview("C007", on("2025-02-07")); err != nil {
			t.Fatal(err)
		}
		if err := a.Decide("C008", outcome, "the batch of January was re-sent; see batch 2025-01-b", on("2025-02-10")); err != nil {
			t.Fatal(err)
		}
		if a.State != outcome || !a.State.Final() || a.DecidedBy != "C008" || a.Reviewer != "C007" || a.Decision == "" {
			t.Errorf("%+v", a)
		}
		var states []appeal.State
		for _, tr := range a.History {
			states = append(states, tr.To)
		}
		if want := []appeal.State{appeal.StateFiled, appeal.StateUnderReview, outcome}; !slices.Equal(states, want) {
			t.Errorf("history %v, want %v", states, want)
		}
		last := a.History[len(a.History)-1]
		if last.From != appeal.StateUnderReview || last.By != "C008" || last.Comment == "" || !last.At.Equal(on("2025-02-10")) {
			t.Errorf("last transition %+v", last)
		}
	}
}

func TestRules(t *testing.T) {
	tests := []struct {
		name string
		act  func(a *appeal.Appeal) error
		want error
	}{
		{"the CM who filed cannot review", func(a *appeal.Appeal) error { return a.StartReview("E042", on("2025-02-07")) }, appeal.ErrConflictOfInterest},
		{"the CM who filed cannot decide", func(a *appeal.Appeal) error {
			if err := a.StartReview("C007", on("2025-02-07")); err != nil {
				return err
			}
			return a.Decide("E042", appeal.StateUpheld, "I agree with myself", on("2025-02-08"))
		}, appeal.ErrConflictOfInterest},
		{"a decision needs a comment", func(a *appeal.Appeal) error {
			if err := a.StartReview("C007", on("2025-02-07")); err != nil {
				return err
			}
			return a.Decide("C007", appeal.StateRejected, "  ", on("2025-02-08"))
		}, appeal.ErrInvalid},
		{"no decision before review", func(a *appeal.Appeal) error {
			return a.Decide("C007", appeal.StateRejected, "stands", on("2025-02-08"))
		}, appeal.ErrState},
		{"a decision is upheld or rejected", func(a *appeal.Appeal) error {
			if err := a.StartReview("C007", on("2025-02-07")); err != nil {
				return err
			}
			return a.Decide("C007", appeal.StateWithdrawn, "hm", on("2025-02-08"))
		}, appeal.ErrInvalid},
		{"no second decision", func(a *appeal.Appeal) error {
			if err := a.StartReview("C007", on("2025-02-07")); err != nil {
				return err
			}
			if err := a.Decide("C007", appeal.StateRejected, "stands", on("2025-02-08")); err != nil {
				return err
			}
			return a.Decide("C009", appeal.StateUpheld, "changed my mind", on("2025-02-09"))
		}, appeal.ErrState},
		{"no review twice", func(a *appeal.Appeal) error {
			if err := a.StartReview("C007", on("2025-02-07")); err != nil {
				return err
			}
			return a.StartReview("C008", on("2025-02-07"))
		}, appeal.ErrState},
		{"only the filer withdraws", func(a *appeal.Appeal) error { return a.Withdraw("C007", "", on("2025-02-07")) }, appeal.ErrConflictOfInterest},
		{"no withdrawal after the decision", func(a *appeal.Appeal) error {
			if err := a.StartReview("C007", on("2025-02-07")); err != nil {
				return err
			}
			if err := a.Decide("C007", appeal.StateUpheld, "amend", on("2025-02-08")); err != nil {
				return err
			}
			return a.Withdraw("E042", "never mind", on("2025-02-09"))
		}, appeal.ErrState},
		{"withdrawal under review", func(a *appeal.Appeal) error {
			if err := a.StartReview("C007", on("2025-02-07")); err != nil {
				return err
			}
			return a.Withdraw("E042", "resolved with my supervisor", on("2025-02-08"))
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := filed(t)
			before := len(a.History)
			err := tt.act(&a)
			if tt.want == nil {
				if err != nil || a.State != appeal.StateWithdrawn {
					t.Fatalf("err = %v, state %s", err, a.State)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if len(a.History) < before {
				t.Error("history shrank")
			}
		})
	}
}

func TestFile(t *testing.T) {
	p := appeal.DefaultPolicy()
	tests := []struct {
		name    string
		subject appeal.Subject
		by      string
		reason  string
		at      time.Time
		want    error
		fields  []string
	}{
		{"on the day of publication", subject, "E042", "wrong", on("2025-02-05"), nil, nil},
		{"on the last day of the window", subject, "E042", "wrong", on("2025-02-20"), nil, nil},
		{"a day late", subject, "E042", "wrong", on("2025-02-21"), appeal.ErrWindowClosed, nil},
		{"late in UTC terms but still the 20th in Shanghai", subject, "E042", "wrong",
			time.Date(2025, 2, 20, 15, 59, 0, 0, time.UTC), nil, nil},
		{"the 21st in Shanghai though the 20th in UTC", subject, "E042", "wrong",
			time.Date(2025, 2, 20, 16, 1, 0, 0, time.UTC), appeal.ErrWindowClosed, nil},
		{"before publication", subject, "E042", "wrong", on("2025-02-04"), appeal.ErrWindowClosed, nil},
		{"someone else's result", subject, "E043", "wrong", on("2025-02-06"), appeal.ErrConflictOfInterest, nil},
		{"no reason", subject, "E042", " ", on("2025-02-06"), appeal.ErrInvalid, []string{"reason"}},
		{"bad subject", appeal.Subject{Kind: "payslip"}, "E042", "wrong", on("2025-02-06"), appeal.ErrInvalid,
			[]string{"subject.kind", "subject.ref", "subject.employee", "subject.published"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := appeal.File(p, "ap-1", tt.subject, tt.by, tt.reason, tt.at)
			if tt.want == nil {
				if err != nil || a.State != appeal.StateFiled || a.FiledBy != tt.by || len(a.History) != 1 {
					t.Fatalf("File() = %+v, %v", a, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.fields != nil {
				var got []string
				for _, v := range violation.Of(err) {
					got = append(got, v.Field)
				}
				if !slices.Equal(got, tt.fields) {
					t.Errorf("violations on %q, want %q", got, tt.fields)
				}
			}
		})
	}
}
