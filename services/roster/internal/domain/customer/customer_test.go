package customer

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
)

func TestCheckAddNamesTheLimitAndTheCount(t *testing.T) {
	full := Load{ManagerID: "E3001", Line: manager.Corporate, Primary: 50, Capacity: 50}
	err := full.CheckAdd(1)
	if !errors.Is(err, ErrOverCapacity) || !strings.Contains(err.Error(), "managers/E3001 (LINE_CORPORATE) already serves 50 customers, the limit is 50") {
		t.Fatalf("51st corporate customer: %v", err)
	}
	near := Load{ManagerID: "E3002", Line: manager.Retail, Primary: 988, Capacity: 1000}
	if err := near.CheckAdd(12); err != nil {
		t.Fatalf("12 into 12 free: %v", err)
	}
	err = near.CheckAdd(20)
	if !errors.Is(err, ErrOverCapacity) || !strings.Contains(err.Error(), "managers/E3002 can take 12 more customers (load 988 of 1000) but would receive 20: short by 8") {
		t.Fatalf("20 into 12 free: %v", err)
	}
	// A manager already over a lowered capacity has no room, not negative room.
	over := Load{ManagerID: "E1", Line: manager.Micro, Primary: 60, Capacity: 50}
	if over.Free() != 0 || over.CheckAdd(1) == nil {
		t.Fatalf("over capacity: free %d", over.Free())
	}
}

func TestPlanHandover(t *testing.T) {
	loads := func(ls ...int) []Load {
		out := make([]Load, len(ls)/2)
		for i := range out {
			out[i] = Load{ManagerID: fmt.Sprintf("R%d", i), Line: manager.Retail, Primary: ls[2*i], Capacity: ls[2*i+1]}
		}
		return out
	}
	count := func(plan []int, n int) []int {
		got := make([]int, n)
		for _, r := range plan {
			got[r]++
		}
		return got
	}
	cases := []struct {
		name      string
		customers int
		receivers []Load
		want      []int  // customers per receiver
		first     []int  // the receivers of the first customers, in order
		err       string // when it must fail
	}{
		{name: "one receiver takes all", customers: 5, receivers: loads(10, 1000), want: []int{5}},
		{name: "even loads alternate, first listed first", customers: 5, receivers: loads(0, 100, 0, 100), want: []int{3, 2}, first: []int{0, 1, 0, 1}},
		{name: "the lower load fills up to the other first", customers: 6, receivers: loads(10, 100, 6, 100), want: []int{1, 5}, first: []int{1, 1, 1, 1, 0, 1}},
		{name: "a full receiver is skipped", customers: 10, receivers: loads(48, 50, 900, 1000), want: []int{2, 8}},
		{name: "exactly the room left", customers: 4, receivers: loads(49, 50, 997, 1000), want: []int{1, 3}},
		{name: "one receiver short", customers: 20, receivers: loads(988, 1000),
			err: "managers/R0 can take 12 more customers (load 988 of 1000) but would receive 20: short by 8"},
		{name: "several receivers short", customers: 20, receivers: loads(45, 50, 990, 1000),
			err: "can take 15 more customers in all but would receive 20: short by 5 (managers/R0 can take 5 more (load 45 of 50); managers/R1 can take 10 more (load 990 of 1000))"},
	}
	for _, c := range cases {
		plan, err := PlanHandover(c.customers, c.receivers)
		if c.err != "" {
			if !errors.Is(err, ErrOverCapacity) || !strings.Contains(err.Error(), c.err) || plan != nil {
				t.Errorf("%s: plan %v, err %v; want an error saying %q", c.name, plan, err, c.err)
			}
			continue
		}
		if err != nil || len(plan) != c.customers {
			t.Errorf("%s: plan %v, err %v", c.name, plan, err)
			continue
		}
		if got := count(plan, len(c.receivers)); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: per receiver %v, want %v", c.name, got, c.want)
		}
		if c.first != nil && fmt.Sprint(plan[:len(c.first)]) != fmt.Sprint(c.first) {
			t.Errorf("%s: order %v, want %v first", c.name, plan, c.first)
		}
	}
}

func TestScope(t *testing.T) {
	east := Customer{ID: "C1", PrimaryManagerID: "E1", BackupManagerID: "E2", OrgPath: "/ho/br-e/team-e/"}
	west := Customer{ID: "C2", PrimaryManagerID: "E3", OrgPath: "/ho/br-w/"}
	cases := []struct {
		p          auth.Principal
		home       string
		sees       []bool // east, west
		writesEast bool
	}{
		{auth.Principal{Subject: "A", Roles: []auth.Role{auth.Administrator}}, "", []bool{true, true}, true},
		{auth.Principal{Subject: "H", Roles: []auth.Role{auth.HROfficer}}, "/ho/", []bool{true, true}, true},
		{auth.Principal{Subject: "svc", Roles: []auth.Role{auth.System}}, "", []bool{true, true}, true},
		{auth.Principal{Subject: "K", Roles: []auth.Role{auth.Committee}}, "", []bool{true, true}, true},
		{auth.Principal{Subject: "S", Roles: []auth.Role{auth.Supervisor}}, "/ho/br-e/", []bool{true, false}, true},
		{auth.Principal{Subject: "B", Roles: []auth.Role{auth.BranchHead}}, "/ho/br-w/", []bool{false, true}, false},
		{auth.Principal{Subject: "E2", Roles: []auth.Role{auth.CustomerManager}}, "/ho/br-e/team-e/", []bool{true, false}, false},
		{auth.Principal{Subject: "E1", Roles: []auth.Role{auth.CustomerManager}}, "/ho/br-e/team-e/", []bool{true, false}, false},
		{auth.Principal{Subject: "E9", Roles: []auth.Role{auth.CustomerManager}}, "/ho/br-e/team-e/", []bool{false, false}, false},
		{auth.Principal{Subject: "S", Roles: []auth.Role{auth.Supervisor}}, "", []bool{false, false}, false},
	}
	for _, c := range cases {
		s := ScopeOf(c.p, c.home)
		if got := []bool{s.Sees(east), s.Sees(west)}; fmt.Sprint(got) != fmt.Sprint(c.sees) {
			t.Errorf("%s %v sees %v, want %v", c.p.Subject, c.p.Roles, got, c.sees)
		}
		if got := Writes(c.p, c.home, east.OrgPath); got != c.writesEast {
			t.Errorf("%s %v writes east: %v, want %v", c.p.Subject, c.p.Roles, got, c.writesEast)
		}
	}
}

func TestCommonPath(t *testing.T) {
	for _, c := range []struct {
		paths []string
		want  string
	}{
		{nil, ""},
		{[]string{"/ho/br/sb/"}, "/ho/br/sb/"},
		{[]string{"/ho/br/sb/", "/ho/br/sb2/"}, "/ho/br/"},
		{[]string{"/ho/br/sb/", "/ho/br2/"}, "/ho/"}, // br is a prefix of br2 as text, not as a path
		{[]string{"/ho/a/", "/x/"}, "/"},
	} {
		if got := CommonPath(c.paths...); got != c.want {
			t.Errorf("CommonPath(%q) = %q, want %q", c.paths, got, c.want)
		}
	}
}

func TestParseWordsInFiles(t *testing.T) {
	for s, want := range map[string]Kind{"公司": Corporate, "KIND_CORPORATE": Corporate, " Corporate ": Corporate,
		"个人": Individual, "零售网点": RetailOutlet, "零售户": RetailOutlet, "retail_outlet": RetailOutlet} {
		if got, ok := ParseKind(s); !ok || got != want {
			t.Errorf("ParseKind(%q) = %v, %v", s, got, ok)
		}
	}
	for s, want := range map[string]AreaType{"城区": Urban, "乡镇": Town, "农村": Village, "行政村": Village, "AREA_TYPE_TOWN": Town, "village": Village} {
		if got, ok := ParseAreaType(s); !ok || got != want {
			t.Errorf("ParseAreaType(%q) = %v, %v", s, got, ok)
		}
	}
	for s, want := range map[string]VisitMethod{"实地": InPerson, "电话": Phone, "线上": Online, "VISIT_METHOD_PHONE": Phone} {
		if got, ok := ParseVisitMethod(s); !ok || got != want {
			t.Errorf("ParseVisitMethod(%q) = %v, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "外星人", "KIND_UNSPECIFIED", "3"} {
		if _, ok := ParseKind(s); ok {
			t.Errorf("ParseKind(%q) accepted", s)
		}
	}
}

func TestChecks(t *testing.T) {
	for _, c := range []struct {
		err  error
		says string
	}{
		{CheckCode(""), "is required"},
		{CheckCode("C 1"), "not a valid customer code"},
		{CheckCode(strings.Repeat("x", 33)), "not a valid customer code"},
		{CheckDisplayName(""), "is required"},
		{CheckDisplayName(strings.Repeat("名", 101)), "101 characters long; the limit is 100"},
		{CheckClassification(strings.Repeat("A", 17)), "the limit is 16"},
		{CheckLatitude(91), "not a latitude"},
		{CheckLongitude(-181), "not a longitude"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.says) {
			t.Errorf("err = %v, want one saying %q", c.err, c.says)
		}
	}
	for _, err := range []error{CheckCode("C-10001"), CheckDisplayName(strings.Repeat("名", 100)), CheckLatitude(-90), CheckLongitude(180)} {
		if err != nil {
			t.Errorf("valid value refused: %v", err)
		}
	}
}
