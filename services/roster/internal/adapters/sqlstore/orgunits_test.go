package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	"github.com/rmsuite/rmsuite/services/roster/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/roster/internal/app"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/orgunit"
)

// The org-unit repository suite, run against SQLite and PostgreSQL.
func TestOrgUnitRepository(t *testing.T) {
	storagetest.Each(t, []storage.Migrations{sqlstore.Migrations()}, func(t *testing.T, db *storage.DB) {
		ctx := auth.WithPrincipal(context.Background(), app.SeedCaller) // an administrator
		repo := sqlstore.NewOrgUnits(db)
		units := app.NewOrgUnits(repo, db, storage.Now, nil)

		mk := func(id string, typ orgunit.Type, parent, code string) orgunit.Unit {
			t.Helper()
			u, err := units.Create(ctx, app.NewUnit{ID: id, DisplayName: "unit " + id, Type: typ, ParentID: parent, Code: code})
			if err != nil {
				t.Fatalf("create %s: %v", id, err)
			}
			return u
		}
		ho := mk("ho", orgunit.HeadOffice, "", "0001")
		mk("br-east", orgunit.Branch, "ho", "1001")
		mk("br-west", orgunit.Branch, "ho", "")
		mk("sb-east-1", orgunit.SubBranch, "br-east", "")
		mk("team-1", orgunit.Team, "sb-east-1", "")

		t.Run("get reads back what was written", func(t *testing.T) {
			got, err := repo.Get(ctx, "ho")
			if err != nil {
				t.Fatal(err)
			}
			if got.DisplayName != ho.DisplayName || got.Type != orgunit.HeadOffice || got.Code != "0001" ||
				got.Path != "/ho/" || got.ChildCount != 2 || !got.CreateTime.Equal(ho.CreateTime) || got.Revision != 1 {
				t.Fatalf("got %+v, created %+v", got, ho)
			}
			if got.Etag() != ho.Etag() {
				t.Fatalf("etag changed without a write")
			}
			if _, err := repo.Get(ctx, "nope"); !errors.Is(err, orgunit.ErrNotFound) {
				t.Fatalf("missing unit: err = %v", err)
			}
		})

		t.Run("tree rules", func(t *testing.T) {
			cases := []struct {
				in   app.NewUnit
				want error
			}{
				{app.NewUnit{ID: "x1", DisplayName: "x", Type: orgunit.Branch, ParentID: "br-east"}, orgunit.ErrNesting},
				{app.NewUnit{ID: "x2", DisplayName: "x", Type: orgunit.SubBranch, ParentID: "ho"}, orgunit.ErrNesting},
				{app.NewUnit{ID: "x3", DisplayName: "x", Type: orgunit.Team, ParentID: "team-1"}, orgunit.ErrNesting},
				{app.NewUnit{ID: "x4", DisplayName: "x", Type: orgunit.Branch}, orgunit.ErrNesting},
				{app.NewUnit{ID: "x5", DisplayName: "x", Type: orgunit.Branch, ParentID: "ghost"}, orgunit.ErrParentNotFound},
				{app.NewUnit{ID: "x6", DisplayName: "x", Type: orgunit.HeadOffice}, orgunit.ErrAlreadyExists},
				{app.NewUnit{ID: "br-west", DisplayName: "x", Type: orgunit.Branch, ParentID: "ho"}, orgunit.ErrAlreadyExists},
				{app.NewUnit{ID: "x7", DisplayName: "x", Type: orgunit.Branch, ParentID: "ho", Code: "1001"}, orgunit.ErrAlreadyExists},
			}
			before, _ := repo.Count(ctx)
			for _, c := range cases {
				if _, err := units.Create(ctx, c.in); !errors.Is(err, c.want) {
					t.Errorf("create %+v: err = %v, want %v", c.in, err, c.want)
				}
			}
			if after, _ := repo.Count(ctx); after != before {
				t.Fatalf("failed creates changed the store: %d units, want %d", after, before)
			}
			// A team may also sit directly under a branch.
			mk("team-branch", orgunit.Team, "br-west", "")
		})

		t.Run("update checks the revision", func(t *testing.T) {
			u, _ := repo.Get(ctx, "br-west")
			name := "城西分行"
			updated, err := units.Update(ctx, "br-west", u.Etag(), app.Changes{DisplayName: &name})
			if err != nil {
				t.Fatal(err)
			}
			if updated.Etag() == u.Etag() || updated.DisplayName != name {
				t.Fatalf("update did not take: %+v", updated)
			}
			other := "stale"
			if _, err := units.Update(ctx, "br-west", u.Etag(), app.Changes{DisplayName: &other}); !errors.Is(err, apierr.ErrEtagMismatch) {
				t.Fatalf("stale etag: err = %v", err)
			}
			// The repository itself refuses a stale revision (a concurrent writer).
			stale := updated
			stale.DisplayName, stale.Revision = "lost update", updated.Revision+1
			if err := db.InTx(ctx, func(ctx context.Context) error { return repo.Update(ctx, stale, u.Revision) }); !errors.Is(err, apierr.ErrEtagMismatch) {
				t.Fatalf("stale revision: err = %v", err)
			}
			got, _ := repo.Get(ctx, "br-west")
			if got.DisplayName != name {
				t.Fatalf("name = %q after refused updates, want %q", got.DisplayName, name)
			}
			code := "1001"
			if _, err := units.Update(ctx, "br-west", "", app.Changes{Code: &code}); !errors.Is(err, orgunit.ErrAlreadyExists) {
				t.Fatalf("duplicate code on update: err = %v", err)
			}
		})

		t.Run("move rewrites the subtree and refuses cycles", func(t *testing.T) {
			moved, err := units.Move(ctx, "sb-east-1", "br-west", "")
			if err != nil {
				t.Fatal(err)
			}
			if moved.ParentID != "br-west" || moved.Path != "/ho/br-west/sb-east-1/" {
				t.Fatalf("moved = %+v", moved)
			}
			team, _ := repo.Get(ctx, "team-1")
			if team.Path != "/ho/br-west/sb-east-1/team-1/" {
				t.Fatalf("descendant path = %q, want it under the new parent", team.Path)
			}
			if _, err := units.Move(ctx, "br-west", "br-west", ""); !errors.Is(err, orgunit.ErrCycle) {
				t.Fatalf("move under itself: err = %v", err)
			}
			if _, err := units.Move(ctx, "br-west", "team-1", ""); !errors.Is(err, orgunit.ErrCycle) {
				t.Fatalf("move under own descendant: err = %v", err)
			}
			if _, err := units.Move(ctx, "team-1", "ho", ""); !errors.Is(err, orgunit.ErrNesting) {
				t.Fatalf("team under head office: err = %v", err)
			}
			if _, err := units.Move(ctx, "team-1", "ghost", ""); !errors.Is(err, orgunit.ErrParentNotFound) {
				t.Fatalf("move under missing unit: err = %v", err)
			}
			back, err := units.Move(ctx, "sb-east-1", "br-east", moved.Etag())
			if err != nil || back.Path != "/ho/br-east/sb-east-1/" {
				t.Fatalf("move back: %+v, %v", back, err)
			}
		})

		t.Run("delete refuses units with children", func(t *testing.T) {
			if err := units.Delete(ctx, "br-east", ""); !errors.Is(err, orgunit.ErrHasChildren) {
				t.Fatalf("delete with children: err = %v", err)
			}
			// The database backs the rule up even if a caller skips the check.
			err := db.InTx(ctx, func(ctx context.Context) error { return repo.Delete(ctx, "br-east") })
			if !errors.Is(err, orgunit.ErrHasChildren) {
				t.Fatalf("repository delete with children: err = %v", err)
			}
			leaf, _ := repo.Get(ctx, "team-branch")
			if err := units.Delete(ctx, "team-branch", "wrong-etag"); !errors.Is(err, apierr.ErrEtagMismatch) {
				t.Fatalf("delete with stale etag: err = %v", err)
			}
			if err := units.Delete(ctx, "team-branch", leaf.Etag()); err != nil {
				t.Fatal(err)
			}
			if _, err := repo.Get(ctx, "team-branch"); !errors.Is(err, orgunit.ErrNotFound) {
				t.Fatalf("deleted unit still readable: %v", err)
			}
		})

		t.Run("list filters, orders and pages", func(t *testing.T) {
			for i := range 25 {
				mk(fmt.Sprintf("sb-%02d", i), orgunit.SubBranch, "br-west", "")
			}
			var seen []string
			token := ""
			for page := 0; ; page++ {
				got, next, total, err := repo.List(ctx, aip.Request{
					Filter: `parent = "orgUnits/br-west" AND type = TYPE_SUB_BRANCH`, OrderBy: "display_name desc",
					PageSize: 10, PageToken: token,
				}, orgunit.Access{ReadAll: true})
				if err != nil {
					t.Fatal(err)
				}
				if total != 25 {
					t.Fatalf("total = %d, want 25", total)
				}
				for _, u := range got {
					seen = append(seen, u.ID)
				}
				if next == "" {
					break
				}
				if page > 5 {
					t.Fatalf("paging does not end: %v", seen)
				}
				token = next
			}
			if len(seen) != 25 || seen[0] != "sb-24" || seen[24] != "sb-00" {
				t.Fatalf("pages = %v; want sb-24 … sb-00, each once", seen)
			}
			_, _, _, err := repo.List(ctx, aip.Request{Filter: `colour = "red"`}, orgunit.Access{ReadAll: true})
			var ae *aip.Error
			if !errors.As(err, &ae) || ae.Field != "filter" {
				t.Fatalf("unknown filter field: err = %v", err)
			}
		})

		t.Run("callers see their subtree and ancestors, and change only what they may", func(t *testing.T) {
			as := func(sub, home string, roles ...auth.Role) context.Context {
				return auth.WithPrincipal(context.Background(), auth.Principal{Subject: sub, OrgUnit: home, Roles: roles})
			}
			sup := as("E2001", "team-1", auth.Supervisor)
			got, _, total, err := units.List(sup, aip.Request{PageSize: 100})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, u := range got {
				ids = append(ids, u.ID)
			}
			if total != 4 || len(ids) != 4 || !slices.Contains(ids, "team-1") || !slices.Contains(ids, "ho") || slices.Contains(ids, "br-west") {
				t.Fatalf("supervisor of team-1 sees %v (total %d); want team-1 and its ancestors only", ids, total)
			}
			if _, err := units.Get(sup, "br-west"); !errors.Is(err, orgunit.ErrNotFound) {
				t.Fatalf("out-of-scope read: err = %v, want not found", err)
			}
			head := as("E1101", "br-east", auth.BranchHead)
			if _, err := units.Create(head, app.NewUnit{ID: "team-east-2", DisplayName: "x", Type: orgunit.Team, ParentID: "sb-east-1"}); err != nil {
				t.Fatalf("branch head adding a team in their subtree: %v", err)
			}
			if _, err := units.Create(head, app.NewUnit{ID: "team-west-9", DisplayName: "x", Type: orgunit.Team, ParentID: "br-west"}); !errors.Is(err, orgunit.ErrParentNotFound) {
				t.Fatalf("branch head adding under an invisible branch: err = %v", err)
			}
			name := "renamed"
			if _, err := units.Update(head, "ho", "", app.Changes{DisplayName: &name}); !errors.Is(err, orgunit.ErrPermissionDenied) {
				t.Fatalf("branch head renaming the head office (visible, not theirs): err = %v", err)
			}
			if _, err := units.Move(head, "sb-east-1", "br-west", ""); !errors.Is(err, orgunit.ErrParentNotFound) {
				t.Fatalf("branch head moving out of their subtree: err = %v", err)
			}
			if _, _, _, err := units.List(context.Background(), aip.Request{}); !errors.Is(err, orgunit.ErrPermissionDenied) {
				t.Fatalf("no caller: err = %v", err)
			}
		})

		t.Run("seed runs only on an empty store", func(t *testing.T) {
			seeded, err := units.Seed(ctx, []app.NewUnit{{ID: "other-ho", DisplayName: "x", Type: orgunit.HeadOffice}})
			if err != nil || seeded {
				t.Fatalf("seed on a non-empty store: seeded=%v err=%v", seeded, err)
			}
		})
	})
}
