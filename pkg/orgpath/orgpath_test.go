package orgpath

import "testing"

func TestFromParents(t *testing.T) {
	got := FromParents(map[string]string{"ho": "", "br": "ho", "team": "br", "loop-a": "loop-b", "loop-b": "loop-a"})
	for id, want := range map[string]string{"ho": "/ho/", "br": "/ho/br/", "team": "/ho/br/team/"} {
		if got[id] != want {
			t.Errorf("%s: %q, want %q", id, got[id], want)
		}
	}
	if got["loop-a"] == "" || got["loop-b"] == "" {
		t.Errorf("a cycle of parents still ends: %q %q", got["loop-a"], got["loop-b"])
	}
}
