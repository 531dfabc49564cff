package orgunit

import (
	"errors"
	"math"
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

func TestCheckLocation(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		lat, lng     float64
		latOK, lngOK bool
	}{
		{31.2335, 121.4903, true, true},
		{-90, -180, true, true},
		{90, 180, true, true},
		{0, 0, true, true},
		{90.0001, 0, false, true},
		{-91, 0, false, true},
		{0, 180.5, true, false},
		{0, -181, true, false},
		{nan, nan, false, false},
		{math.Inf(1), math.Inf(-1), false, false},
	}
	for _, c := range cases {
		if err := CheckLatitude(c.lat); (err == nil) != c.latOK {
			t.Errorf("latitude %v: err = %v, want ok=%v", c.lat, err, c.latOK)
		}
		if err := CheckLongitude(c.lng); (err == nil) != c.lngOK {
			t.Errorf("longitude %v: err = %v, want ok=%v", c.lng, err, c.lngOK)
		}
	}
	if err := CheckLatitude(100); err == nil || !strings.Contains(err.Error(), "-90 to 90") {
		t.Errorf("latitude message = %v, want it to give the range", err)
	}
	if err := CheckLongitude(200); err == nil || !strings.Contains(err.Error(), "-180 to 180") {
		t.Errorf("longitude message = %v, want it to give the range", err)
	}
}
