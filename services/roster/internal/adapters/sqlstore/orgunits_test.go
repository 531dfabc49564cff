package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

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

		t.Run("location round-trips, changes only through its mask, and clears", func(t *testing.T) {
			at := orgunit.Location{Lat: 31.2397, Lng: 121.4998}
			if _, err := units.Create(ctx, app.NewUnit{ID: "sb-located", DisplayName: "located", Type: orgunit.SubBranch,
				ParentID: "br-east", Address: "上海市浦东新区陆家嘴环路 8 号", Location: &at}); err != nil {
				t.Fatal(err)
			}
			read := func() orgunit.Unit {
				t.Helper()
				got, err := repo.Get(ctx, "sb-located")
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			if got := read(); got.Location == nil || *got.Location != at {
				t.Fatalf("location read back = %+v, want %+v", got.Location, at)
			}
			listed, _, _, err := repo.List(ctx, aip.Request{Filter: `parent = "orgUnits/br-east"`, PageSize: 100}, orgunit.Access{ReadAll: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range listed {
				if u.ID == "sb-located" && (u.Location == nil || *u.Location != at) {
					t.Fatalf("listed location = %+v, want %+v", u.Location, at)
				}
				if u.ID == "sb-east-1" && u.Location != nil {
					t.Fatalf("unit created without a location lists one: %+v", u.Location)
				}
			}

			name := "located, renamed"
			if _, err := units.Update(ctx, "sb-located", "", app.Changes{DisplayName: &name}); err != nil {
				t.Fatal(err)
			}
			if got := read(); got.Location == nil || *got.Location != at {
				t.Fatalf("location after a rename = %+v, want it kept (%+v)", got.Location, at)
			}

			// Exact extremes survive both backends' doubles.
			moved := orgunit.Location{Lat: -90, Lng: 180}
			before := read()
			updated, err := units.Update(ctx, "sb-located", before.Etag(), app.Changes{SetLocation: true, Location: &moved})
			if err != nil {
				t.Fatal(err)
			}
			got := read()
			if got.Location == nil || *got.Location != moved || got.Etag() != updated.Etag() || got.Etag() == before.Etag() {
				t.Fatalf("after moving the location: %+v (etag %s), want %+v with a new etag", got.Location, got.Etag(), moved)
			}
			if got.DisplayName != name || got.Address != before.Address || got.Code != before.Code {
				t.Fatalf("location update changed other fields: %+v, before %+v", got, before)
			}

			if _, err := units.Update(ctx, "sb-located", "", app.Changes{SetLocation: true}); err != nil {
				t.Fatal(err)
			}
			if got := read(); got.Location != nil {
				t.Fatalf("location after clearing = %+v, want none", got.Location)
			}
		})

		t.Run("the database refuses half a location", func(t *testing.T) {
			for _, set := range []string{
				`latitude = 31.2, longitude = NULL`,
				`latitude = NULL, longitude = 121.5`,
			} {
				err := db.InTx(ctx, func(ctx context.Context) error {
					_, err := db.Q(ctx).ExecContext(ctx, `UPDATE org_units SET `+set+` WHERE id = $1`, "ho")
					return err
				})
				if err == nil || !strings.Contains(err.Error(), "org_units_location_both_or_neither") {
					t.Errorf("SET %s: err = %v, want the both-or-neither check to refuse it", set, err)
				}
			}
			if got, _ := repo.Get(ctx, "ho"); got.Location != nil {
				t.Fatalf("head office location = %+v after refused writes, want none", got.Location)
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

// Migration 0004 adds the location to a database that already holds units: they
// keep their data, have no location, and the both-or-neither rule holds from then on.
func TestOrgUnitLocationMigration(t *testing.T) {
	all := sqlstore.Migrations()
	upTo3 := fstest.MapFS{}
	files, err := fs.ReadDir(all.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name() >= "0004" {
			continue
		}
		body, err := fs.ReadFile(all.FS, f.Name())
		if err != nil {
			t.Fatal(err)
		}
		upTo3[f.Name()] = &fstest.MapFile{Data: body}
	}
	for _, backend := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return storagetest.SQLiteURL(t) }},
		{"postgres", func(t *testing.T) string { return storagetest.PostgresURL(t) }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.Open(t, backend.url(t), []storage.Migrations{{Name: all.Name, FS: upTo3}})
			exec := func(query string, args ...any) error {
				return db.InTx(ctx, func(ctx context.Context) error {
					_, err := db.Q(ctx).ExecContext(ctx, query, args...)
					return err
				})
			}
			if err := exec(`INSERT INTO org_units
				(id, display_name, type, address, path, revision, create_time, update_time)
				VALUES ('ho', '总行', 1, '上海市黄浦区中山东一路 1 号', '/ho/', 3, $1, $1)`, storage.Now()); err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx, all); err != nil {
				t.Fatalf("migrate to the latest version: %v", err)
			}
			repo := sqlstore.NewOrgUnits(db)
			got, err := repo.Get(ctx, "ho")
			if err != nil {
				t.Fatal(err)
			}
			if got.Location != nil || got.DisplayName != "总行" || got.Revision != 3 {
				t.Fatalf("existing unit after the migration = %+v, want its data and no location", got)
			}
			if err := exec(`UPDATE org_units SET latitude = 31.2 WHERE id = 'ho'`); err == nil ||
				!strings.Contains(err.Error(), "org_units_location_both_or_neither") {
				t.Fatalf("half a location after the migration: err = %v, want the both-or-neither check to refuse it", err)
			}
			if err := exec(`UPDATE org_units SET latitude = 31.2335, longitude = 121.4903 WHERE id = 'ho'`); err != nil {
				t.Fatalf("a whole location: %v", err)
			}
			if got, err := repo.Get(ctx, "ho"); err != nil || got.Location == nil || *got.Location != (orgunit.Location{Lat: 31.2335, Lng: 121.4903}) {
				t.Fatalf("location written straight to the table reads back as %+v, %v", got.Location, err)
			}
		})
	}
}
