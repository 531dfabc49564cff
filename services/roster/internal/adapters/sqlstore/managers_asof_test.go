package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	"github.com/rmsuite/rmsuite/services/roster/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/roster/internal/app"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
)

// TestManagersAsOfMany reads many managers' histories at once (the repository)
// and folds them into the state on one day within the caller's scope (the use
// case), on SQLite and PostgreSQL: more managers than one IN list holds, grades
// and moves dated before and after the day, and unknown ids left out.
func TestManagersAsOfMany(t *testing.T) {
	storagetest.Each(t, []storage.Migrations{sqlstore.Migrations()}, func(t *testing.T, db *storage.DB) {
		p := newPortfolio(t, db)
		repo := sqlstore.NewManagers(db)
		// 450 more managers in team-e than one IN chunk (400) holds, each with a
		// grade before the day and one after it.
		ids := []string{"E1", "E3"}
		day := civil.MustParse("2026-11-30")
		err := db.InTx(p.admin, func(ctx context.Context) error {
			for i := range 450 {
				id := fmt.Sprintf("B%04d", i)
				now := storage.Now()
				if err := repo.Insert(ctx, manager.Manager{ID: id, DisplayName: "经理", HireDate: civil.MustParse("2020-01-01"),
					OrgUnitID: "team-e", Line: manager.Retail, Status: manager.Confirmed, StatusDate: civil.MustParse("2020-01-01"), Revision: 1,
					CreateTime: now, UpdateTime: now}); err != nil {
					return err
				}
				rec := storage.Now()
				if err := repo.AppendHistory(ctx, id,
					manager.HistoryEntry{Kind: manager.PostingChange, ValidFrom: civil.MustParse("2020-01-01"), OrgUnitID: "team-e", Post: "零售客户经理", Line: manager.Retail, RecordTime: rec},
					manager.HistoryEntry{Kind: manager.StatusChange, ValidFrom: civil.MustParse("2020-01-01"), Status: manager.Confirmed, RecordTime: rec},
					manager.HistoryEntry{Kind: manager.GradeChange, ValidFrom: civil.MustParse("2025-01-01"), Grade: manager.Grade{Ladder: "sales", Level: "ASSISTANT"}, RecordTime: rec},
					manager.HistoryEntry{Kind: manager.GradeChange, ValidFrom: civil.MustParse("2026-12-01"), Grade: manager.Grade{Ladder: "sales", Level: "JUNIOR"}, RecordTime: rec},
					manager.HistoryEntry{Kind: manager.PostingChange, ValidFrom: civil.MustParse("2027-01-01"), OrgUnitID: "sb-w", Post: "对公客户经理", Line: manager.Corporate, RecordTime: rec},
				); err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		paths, histories, err := repo.HistoriesOf(context.Background(), append(ids, "NOBODY"))
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) != len(ids) {
			t.Fatalf("paths of %d managers, want %d", len(paths), len(ids))
		}
		if _, ok := paths["NOBODY"]; ok {
			t.Error("an unknown id has a path")
		}
		if paths["E3"] != "/ho/br-w/sb-w/" || paths[ids[2]] != "/ho/br-e/sb-e/team-e/" {
			t.Errorf("paths: E3 %q, %s %q", paths["E3"], ids[2], paths[ids[2]])
		}
		last := ids[len(ids)-1]
		if h := histories[last]; len(h) != 5 || h[0].Kind != manager.PostingChange || h[4].ValidFrom != civil.MustParse("2027-01-01") {
			t.Fatalf("history of %s: %+v", last, h)
		}

		managers := app.NewManagers(repo, sqlstore.NewOrgUnits(db), db, storage.Now, nil, nil)
		snaps, _, err := managers.AsOfMany(p.admin, append(ids, "NOBODY"), day)
		if err != nil {
			t.Fatal(err)
		}
		if len(snaps) != len(ids) {
			t.Fatalf("%d snapshots, want %d", len(snaps), len(ids))
		}
		s := snaps[last]
		if s.Grade.Level != "ASSISTANT" || s.OrgUnitID != "team-e" || s.Status != manager.Confirmed || s.Date != day {
			t.Errorf("%s on %s: %+v (want 助理 in team-e, the later grade and move not yet)", last, day, s)
		}
		if s := snaps["E1"]; !s.Grade.IsZero() || s.OrgUnitID != "" {
			t.Errorf("E1 has no history, so no posting or grade: %+v", s)
		}

		// A supervisor of the west sub-branch sees only its managers (and themself).
		west := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "S1", Roles: []auth.Role{auth.Supervisor}, OrgUnit: "sb-w"})
		snaps, _, err = managers.AsOfMany(west, []string{"E1", "E3", last}, day)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := snaps["E3"]; !ok || len(snaps) != 1 {
			t.Errorf("west supervisor sees %v, want only E3", snaps)
		}
	})
}
