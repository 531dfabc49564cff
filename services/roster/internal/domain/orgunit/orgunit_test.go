package orgunit

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckParent(t *testing.T) {
	ho := &Unit{ID: "ho", Type: HeadOffice, Path: "/ho/"}
	br := &Unit{ID: "br", Type: Branch, Path: "/ho/br/"}
	sb := &Unit{ID: "sb", Type: SubBranch, Path: "/ho/br/sb/"}
	tm := &Unit{ID: "tm", Type: Team, Path: "/ho/br/sb/tm/"}
	cases := []struct {
		t      Type
		parent *Unit
		ok     bool
		says   string
	}{
		{HeadOffice, nil, true, ""},
		{HeadOffice, br, false, "root of the tree"},
		{Branch, ho, true, ""},
		{Branch, nil, false, "needs a parent (head office)"},
		{Branch, br, false, "must sit under a head office, but orgUnits/br is a branch"},
		{SubBranch, br, true, ""},
		{SubBranch, ho, false, "must sit under a branch"},
		{Team, sb, true, ""},
		{Team, br, true, ""},
		{Team, tm, false, "sub-branch or branch"},
		{Team, ho, false, "sub-branch or branch"},
	}
	for _, c := range cases {
		err := CheckParent(c.t, c.parent)
		if c.ok != (err == nil) {
			t.Errorf("%s under %v: err = %v", c.t, c.parent, err)
			continue
		}
		if err != nil && (!errors.Is(err, ErrNesting) || !strings.Contains(err.Error(), c.says)) {
			t.Errorf("%s under %v: err = %q, want ErrNesting saying %q", c.t, c.parent, err, c.says)
		}
	}
}

func TestCheckMove(t *testing.T) {
	br := Unit{ID: "br", Type: Branch, Path: "/ho/br/"}
	sb := Unit{ID: "sb", Type: SubBranch, Path: "/ho/br/sb/"}
	other := Unit{ID: "br2", Type: Branch, Path: "/ho/br2/"}
	// A sibling whose id starts with the unit's id is not inside its subtree.
	lookalike := Unit{ID: "brx", Type: Branch, Path: "/ho/brx/"}
	if err := CheckMove(sb, other); err != nil {
		t.Fatalf("sub-branch to another branch: %v", err)
	}
	if err := CheckMove(sb, lookalike); err != nil {
		t.Fatalf("sub-branch to a branch whose id extends the old parent's: %v", err)
	}
	if err := CheckMove(br, br); !errors.Is(err, ErrCycle) {
		t.Fatalf("under itself: %v", err)
	}
	if err := CheckMove(br, sb); !errors.Is(err, ErrCycle) {
		t.Fatalf("under its own child: %v", err)
	}
}

func TestEtagFollowsRevision(t *testing.T) {
	u := Unit{ID: "a", Revision: 1}
	v := u
	v.Revision = 2
	if u.Etag() == v.Etag() || u.Etag() != (Unit{ID: "a", Revision: 1}).Etag() {
		t.Fatal("etag must change with the revision and only with it")
	}
	if (Unit{ID: "b", Revision: 1}).Etag() == u.Etag() {
		t.Fatal("etags of different units must differ")
	}
}

func TestCheckDelete(t *testing.T) {
	if err := CheckDelete(Unit{ID: "x", ChildCount: 2}); !errors.Is(err, ErrHasChildren) || !strings.Contains(err.Error(), "2 child") {
		t.Fatalf("err = %v", err)
	}
	if err := CheckDelete(Unit{ID: "x"}); err != nil {
		t.Fatal(err)
	}
}
