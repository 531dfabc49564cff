package violation_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

func TestList(t *testing.T) {
	var l violation.List
	if l.Err() != nil {
		t.Fatal("empty list gives an error")
	}
	l.Add("code", "bad %s", "code")
	var inner violation.List
	inner.Add("linear.target", "zero")
	inner.Add("", "whole rule")
	l.Merge("rule", inner.Err())
	var bands violation.List
	bands.Add("[1].from", "out of order")
	l.Merge("bands", bands.Err())
	l.Merge("other", errors.New("plain"))
	l.Merge("nothing", nil)

	err := l.Err()
	if !errors.Is(err, violation.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	want := []violation.Violation{
		{Field: "code", Description: "bad code"},
		{Field: "rule.linear.target", Description: "zero"},
		{Field: "rule", Description: "whole rule"},
		{Field: "bands[1].from", Description: "out of order"},
		{Field: "other", Description: "plain"},
	}
	if got := violation.Of(err); !slices.Equal(got, want) {
		t.Errorf("violations %v, want %v", got, want)
	}
	if got, want := err.Error(), "invalid: code: bad code; rule.linear.target: zero; rule: whole rule; bands[1].from: out of order; other: plain"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if violation.Of(errors.New("x")) != nil {
		t.Error("Of a plain error is not nil")
	}
}
