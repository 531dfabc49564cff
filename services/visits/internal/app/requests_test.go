package app_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/roster"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/visits/internal/app"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
)

// fixedOrgTree is a roster with a fixed org tree.
type fixedOrgTree struct{}

func (fixedOrgTree) OrgUnits(context.Context) (map[string]roster.OrgUnit, error) {
	units := map[string]roster.OrgUnit{}
	for _, path := range []string{"/ho/", "/ho/br-east/", "/ho/br-east/team-a/", "/ho/br-east/team-b/"} {
		parts := strings.Split(strings.Trim(path, "/"), "/")
		u := roster.OrgUnit{ID: parts[len(parts)-1], Path: path}
		if len(parts) > 1 {
			u.Parent = parts[len(parts)-2]
		}
		units[u.ID] = u
	}
	return units, nil
}

func (fixedOrgTree) Managers(context.Context, string) ([]roster.Manager, error) {
	return nil, errors.New("not in this test")
}

func (fixedOrgTree) Manager(context.Context, string) (roster.Manager, error) {
	return roster.Manager{}, errors.New("not in this test")
}

type requestsFixture struct {
	db    *storage.DB
	store *sqlstore.Store
	app   *app.App
	now   time.Time
}

func newRequestsFixture(t *testing.T) *requestsFixture {
	db := storagetest.Open(t, storagetest.SQLiteURL(t), []storage.Migrations{sqlstore.Migrations()})
	f := &requestsFixture{db: db, store: sqlstore.New(db), now: time.Date(2026, 4, 10, 2, 0, 0, 0, time.UTC)}
	f.app = app.New(f.store, fixedOrgTree{}, func() time.Time { return f.now })
	if err := db.InTx(context.Background(), func(ctx context.Context) error {
		return f.store.InsertCustomers(ctx, []sqlstore.Customer{
			{Customer: plan.Customer{ID: "C1", Name: "张记烟酒"}, ManagerID: "E1", OrgUnitID: "team-a"},
			{Customer: plan.Customer{ID: "C2", Name: "王氏便利"}, ManagerID: "E2", OrgUnitID: "team-b"},
			{Customer: plan.Customer{ID: "C9", Name: "无人负责"}, ManagerID: "", OrgUnitID: "team-a"},
		})
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

// requestCallers are the callers of the request tests.
var requestCallers = struct{ online, e1, e2, e3, supA, supB, headEast, hr auth.Principal }{
	online:   auth.Principal{Subject: "svc:online", Roles: []auth.Role{auth.System}},
	e1:       auth.Principal{Subject: "E1", Roles: []auth.Role{auth.CustomerManager}, OrgUnit: "team-a"},
	e2:       auth.Principal{Subject: "E2", Roles: []auth.Role{auth.CustomerManager}, OrgUnit: "team-b"},
	e3:       auth.Principal{Subject: "E3", Roles: []auth.Role{auth.CustomerManager}, OrgUnit: "team-a"},
	supA:     auth.Principal{Subject: "S1", Roles: []auth.Role{auth.Supervisor}, OrgUnit: "team-a"},
	supB:     auth.Principal{Subject: "S2", Roles: []auth.Role{auth.Supervisor}, OrgUnit: "team-b"},
	headEast: auth.Principal{Subject: "B1", Roles: []auth.Role{auth.BranchHead}, OrgUnit: "br-east"},
	hr:       auth.Principal{Subject: "H1", Roles: []auth.Role{auth.HROfficer}, OrgUnit: "ho"},
}

func asCaller(p auth.Principal) context.Context { return auth.WithPrincipal(context.Background(), p) }

func (f *requestsFixture) create(p auth.Principal, in app.NewRequest) (app.RequestAt, error) {
	var r app.RequestAt
	err := f.db.InTx(asCaller(p), func(ctx context.Context) error {
		var err error
		r, err = f.app.CreateRequest(ctx, in)
		return err
	})
	return r, err
}

func (f *requestsFixture) answer(p auth.Principal, id, text string) (app.RequestAt, error) {
	var r app.RequestAt
	err := f.db.InTx(asCaller(p), func(ctx context.Context) error {
		var err error
		_, r, err = f.app.AnswerRequest(ctx, id, text)
		return err
	})
	return r, err
}

func TestCreateRequest(t *testing.T) {
	rc := requestCallers
	f := newRequestsFixture(t)
	r, err := f.create(rc.online, app.NewRequest{CustomerID: "C1", Channel: "wechat", Text: "  想订一批新品  "})
	if err != nil {
		t.Fatal(err)
	}
	if r.ManagerID != "E1" || r.OrgPath != "/ho/br-east/team-a/" || r.OrgUnitID != "team-a" || r.Text != "想订一批新品" ||
		r.CustomerName != "张记烟酒" || !r.ReceiveTime.Equal(f.now) || !r.Deadline.Equal(f.now.Add(24*time.Hour)) ||
		r.State(r.At) != sqlstore.RequestOpen || len(r.ID) != 16 {
		t.Fatalf("created %+v", r)
	}
	if got, err := f.store.Request(context.Background(), r.ID); err != nil || got.Text != r.Text || !got.Deadline.Equal(r.Deadline) {
		t.Fatalf("stored %+v, %v", got, err)
	}

	for _, tt := range []struct {
		name string
		who  auth.Principal
		in   app.NewRequest
		want error
	}{
		{"the manager", rc.e1, app.NewRequest{CustomerID: "C1", Text: "电话留言"}, nil},
		{"their supervisor", rc.supA, app.NewRequest{CustomerID: "C1", Text: "电话留言"}, nil},
		{"the branch head", rc.headEast, app.NewRequest{CustomerID: "C2", Text: "电话留言"}, nil},
		{"another manager", rc.e2, app.NewRequest{CustomerID: "C1", Text: "x"}, app.ErrPermission},
		{"a manager of the same team", rc.e3, app.NewRequest{CustomerID: "C1", Text: "x"}, app.ErrPermission},
		{"another team's supervisor", rc.supB, app.NewRequest{CustomerID: "C1", Text: "x"}, app.ErrPermission},
		{"unknown customer", rc.online, app.NewRequest{CustomerID: "C404", Text: "x"}, app.ErrNotFound},
		{"no primary manager", rc.online, app.NewRequest{CustomerID: "C9", Text: "x"}, plan.ErrState},
		{"no text", rc.online, app.NewRequest{CustomerID: "C1", Text: "   "}, plan.ErrInvalid},
		{"text too long", rc.online, app.NewRequest{CustomerID: "C1", Text: strings.Repeat("字", 2001)}, plan.ErrInvalid},
		{"longest text", rc.online, app.NewRequest{CustomerID: "C1", Text: strings.Repeat("字", 2000)}, nil},
		{"bad channel", rc.online, app.NewRequest{CustomerID: "C1", Text: "x", Channel: "WeChat"}, plan.ErrInvalid},
		{"received 23 hours ago", rc.online, app.NewRequest{CustomerID: "C1", Text: "x", ReceiveTime: f.now.Add(-23 * time.Hour)}, nil},
		{"received 25 hours ago", rc.online, app.NewRequest{CustomerID: "C1", Text: "x", ReceiveTime: f.now.Add(-25 * time.Hour)}, plan.ErrInvalid},
		{"clock skew", rc.online, app.NewRequest{CustomerID: "C1", Text: "x", ReceiveTime: f.now.Add(30 * time.Second)}, nil},
		{"in the future", rc.online, app.NewRequest{CustomerID: "C1", Text: "x", ReceiveTime: f.now.Add(2 * time.Minute)}, plan.ErrInvalid},
	} {
		r, err := f.create(tt.who, tt.in)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
			continue
		}
		if err == nil && (r.ReceiveTime.After(f.now) || !r.Deadline.Equal(r.ReceiveTime.Add(24*time.Hour))) {
			t.Errorf("%s: received %s, deadline %s", tt.name, r.ReceiveTime, r.Deadline)
		}
	}
}

func TestRequestScopeAndAnswer(t *testing.T) {
	rc := requestCallers
	f := newRequestsFixture(t)
	r1, err := f.create(rc.online, app.NewRequest{CustomerID: "C1", Text: "请回电"})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.create(rc.online, app.NewRequest{CustomerID: "C2", Text: "缺货", ReceiveTime: f.now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}

	// Who sees what: their own, their subtree, bank-wide roles; out of scope is NotFound.
	for _, tt := range []struct {
		who  auth.Principal
		id   string
		want error
	}{
		{rc.e1, r1.ID, nil}, {rc.supA, r1.ID, nil}, {rc.headEast, r1.ID, nil}, {rc.hr, r1.ID, nil}, {rc.online, r1.ID, nil},
		{rc.e2, r1.ID, app.ErrNotFound}, {rc.e3, r1.ID, app.ErrNotFound}, {rc.supB, r1.ID, app.ErrNotFound},
		{rc.e1, "0000000000000000", app.ErrNotFound},
	} {
		if _, err := f.app.Request(asCaller(tt.who), tt.id); tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s reads %s: %v, want %v", tt.who.Subject, tt.id, err, tt.want)
		}
	}
	list := func(p auth.Principal, filter, manager string) []string {
		t.Helper()
		rs, _, err := f.app.ListRequests(asCaller(p), aip.Request{Filter: filter}, manager)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.ManagerID)
		}
		return ids
	}
	if got := list(rc.e1, "", ""); len(got) != 1 || got[0] != "E1" {
		t.Errorf("E1 lists %v", got)
	}
	if got := list(rc.supB, "", ""); len(got) != 1 || got[0] != "E2" {
		t.Errorf("S2 lists %v", got)
	}
	if got := list(rc.headEast, "", ""); len(got) != 2 {
		t.Errorf("B1 lists %v", got)
	}
	if got := list(rc.e2, "", "E1"); len(got) != 0 {
		t.Errorf("E2 lists E1's: %v", got)
	}

	// Answers: not by someone who cannot see it, nor by a colleague; once.
	if _, err := f.answer(rc.e2, r1.ID, "好的"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("E2 answers E1's request: %v", err)
	}
	if _, err := f.answer(rc.hr, r1.ID, "好的"); !errors.Is(err, app.ErrPermission) {
		t.Errorf("HR answers: %v", err)
	}
	if _, err := f.answer(rc.e1, r1.ID, "  "); !errors.Is(err, plan.ErrInvalid) {
		t.Errorf("empty answer: %v", err)
	}
	f.now = f.now.Add(90 * time.Minute)
	a, err := f.answer(rc.e1, r1.ID, "明天上午到店")
	if err != nil {
		t.Fatal(err)
	}
	if a.State(a.At) != sqlstore.RequestAnswered || a.AnsweredBy != "E1" || a.ResponseTime() != 90*time.Minute || !a.InTime() ||
		!a.EscalateTime(a.At).IsZero() {
		t.Fatalf("answered %+v", a)
	}
	_, err = f.answer(rc.supA, r1.ID, "再答一次")
	if !errors.Is(err, plan.ErrState) || !strings.Contains(err.Error(), "by E1") || !strings.Contains(err.Error(), "2026-04-10T11:30:00+08:00") {
		t.Errorf("second answer: %v", err)
	}

	// Past its deadline a request is overdue, escalated, and its supervisor may answer it.
	f.now = f.now.Add(23 * time.Hour)
	got, err := f.app.Request(asCaller(rc.supB), r2.ID)
	if err != nil || got.State(got.At) != sqlstore.RequestOverdue || !got.EscalateTime(got.At).Equal(r2.Deadline) {
		t.Fatalf("r2 a day later: %+v, %v", got, err)
	}
	if got := list(rc.supB, "state = OVERDUE", ""); len(got) != 1 {
		t.Errorf("S2's overdue requests: %v", got)
	}
	a, err = f.answer(rc.supB, r2.ID, "已安排补货")
	if err != nil {
		t.Fatal(err)
	}
	if a.AnsweredBy != "S2" || a.InTime() || !a.EscalateTime(a.At).Equal(r2.Deadline) || a.ResponseTime() != (1*time.Hour+90*time.Minute+23*time.Hour) {
		t.Fatalf("answered late by the supervisor: %+v", a)
	}

	// After a handover the receiving manager holds the open request and answers it.
	r3, err := f.create(rc.online, app.NewRequest{CustomerID: "C1", Text: "换人了吗"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.InTx(context.Background(), func(ctx context.Context) error {
		return f.store.MoveOpenRequests(ctx, "C1", "E1", "E3", f.now)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.answer(rc.e1, r3.ID, "我来"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("the previous manager answers: %v", err)
	}
	if a, err := f.answer(rc.e3, r3.ID, "我来"); err != nil || a.ManagerID != "E3" || len(a.Handovers) != 1 {
		t.Errorf("the receiving manager answers: %+v, %v", a, err)
	}
}

func TestRacingAnswers(t *testing.T) {
	rc := requestCallers
	f := newRequestsFixture(t)
	r, err := f.create(rc.online, app.NewRequest{CustomerID: "C1", Text: "请回电"})
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 6)
	var wg sync.WaitGroup
	for i := range errs {
		who := []auth.Principal{rc.e1, rc.supA, rc.headEast}[i%3]
		wg.Go(func() { _, errs[i] = f.answer(who, r.ID, "回答 "+who.Subject) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, plan.ErrState) && !errors.Is(err, app.ErrConflict):
			t.Errorf("losing answer: %v", err)
		case !strings.Contains(err.Error(), "answered"):
			t.Errorf("losing answer does not say it was answered: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d answers won: %v", won, errs)
	}
}
