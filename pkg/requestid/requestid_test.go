package requestid

import (
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		"":                                     false,
		"7f1c2a4e-0b7d-4c55-9d8e-2f6a1b3c4d5e": true,
		"a b":                                  false,
		"tab\t":                                false,
		"中文":                                   false,
		strings.Repeat("x", MaxLen):            true,
		strings.Repeat("x", MaxLen+1):          false,
	} {
		if Valid(s) != want {
			t.Errorf("Valid(%q) = %v, want %v", s, !want, want)
		}
	}
}

func TestNewIsValidAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := New()
		if !Valid(id) || len(id) != 24 || seen[id] {
			t.Fatalf("New() = %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
	}
}
