package storage_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
)

var testSet = storage.Migrations{Name: "test", FS: fstest.MapFS{
	"0001_items.sql": {Data: []byte(`CREATE TABLE items (id TEXT PRIMARY KEY, n INTEGER NOT NULL);`)},
	"0002_note.sql":  {Data: []byte(`ALTER TABLE items ADD COLUMN note TEXT NOT NULL DEFAULT 'common';`)},
	"0002_note.sqlite.sql": {Data: []byte(
		`ALTER TABLE items ADD COLUMN note TEXT NOT NULL DEFAULT 'sqlite';`)},
	"0002_note.postgres.sql": {Data: []byte(
		`ALTER TABLE items ADD COLUMN note TEXT NOT NULL DEFAULT 'postgres';`)},
}}

func count(t *testing.T, db *storage.DB, ctx context.Context) int {
	t.Helper()
	var n int
	if err := db.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM items`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func insert(ctx context.Context, db *storage.DB, id string) error {
	_, err := db.Q(ctx).ExecContext(ctx, `INSERT INTO items (id, n) VALUES ($1, 1)`, id)
	return err
}

func TestStorage(t *testing.T) {
	storagetest.Each(t, []storage.Migrations{testSet}, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()

		t.Run("migrations apply once and dialect files win", func(t *testing.T) {
			if err := db.Migrate(ctx, testSet); err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			var note string
			if err := db.InTx(ctx, func(ctx context.Context) error {
				if err := insert(ctx, db, "m1"); err != nil {
					return err
				}
				return db.Q(ctx).QueryRowContext(ctx, `SELECT note FROM items WHERE id = 'm1'`).Scan(&note)
			}); err != nil {
				t.Fatal(err)
			}
			if note != string(db.Dialect()) {
				t.Fatalf("note default = %q, want the %s-specific migration", note, db.Dialect())
			}
		})

		t.Run("failed transaction leaves nothing", func(t *testing.T) {
			before := count(t, db, ctx)
			boom := errors.New("boom")
			err := db.InTx(ctx, func(ctx context.Context) error {
				if err := insert(ctx, db, "r1"); err != nil {
					return err
				}
				// A nested InTx joins the outer transaction.
				return db.InTx(ctx, func(ctx context.Context) error {
					if err := insert(ctx, db, "r2"); err != nil {
						return err
					}
					return boom
				})
			})
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want boom", err)
			}
			if got := count(t, db, ctx); got != before {
				t.Fatalf("rows = %d after rollback, want %d", got, before)
			}
		})

		t.Run("unique violation is recognised", func(t *testing.T) {
			err := db.InTx(ctx, func(ctx context.Context) error {
				if err := insert(ctx, db, "u1"); err != nil {
					return err
				}
				return insert(ctx, db, "u1")
			})
			if !storage.IsUniqueViolation(err) {
				t.Fatalf("IsUniqueViolation(%v) = false", err)
			}
		})

		t.Run("once applies a request id once", func(t *testing.T) {
			var runs atomic.Int32
			do := func(fingerprint string) ([]byte, error) {
				return db.Once(ctx, "test/Create", "req-1", fingerprint, func(ctx context.Context) ([]byte, error) {
					runs.Add(1)
					return []byte("created o1"), insert(ctx, db, "o1")
				})
			}
			first, err := do("f")
			if err != nil {
				t.Fatal(err)
			}
			second, err := do("f")
			if err != nil {
				t.Fatal(err)
			}
			if string(first) != "created o1" || string(second) != string(first) || runs.Load() != 1 {
				t.Fatalf("first=%q second=%q runs=%d; want same response, one run", first, second, runs.Load())
			}
			if _, err := do("other"); !errors.Is(err, apierr.ErrRequestIDReused) {
				t.Fatalf("reused id with another request: err = %v", err)
			}
		})

		t.Run("once records nothing when the call fails", func(t *testing.T) {
			fail := true
			call := func() error {
				_, err := db.Once(ctx, "test/Create", "req-2", "f", func(ctx context.Context) ([]byte, error) {
					if err := insert(ctx, db, "o2"); err != nil {
						return nil, err
					}
					if fail {
						return nil, errors.New("downstream refused")
					}
					return []byte("ok"), nil
				})
				return err
			}
			if err := call(); err == nil {
				t.Fatal("want error")
			}
			fail = false
			if err := call(); err != nil {
				t.Fatalf("retry after failure: %v", err)
			}
		})

		t.Run("purge forgets only old request ids", func(t *testing.T) {
			var runs int
			create := func() {
				t.Helper()
				if _, err := db.Once(ctx, "test/Purge", "req-p", "f", func(ctx context.Context) ([]byte, error) {
					runs++
					return []byte("ok"), nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			create()
			if n, err := db.PurgeRequestLog(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
				t.Fatalf("purge of older ids removed %d (%v), want 0", n, err)
			}
			create()
			if runs != 1 {
				t.Fatalf("a recent id was forgotten: fn ran %d times", runs)
			}
			if n, err := db.PurgeRequestLog(ctx, time.Now().Add(time.Minute)); err != nil || n < 1 {
				t.Fatalf("purge removed %d (%v), want the recorded ids", n, err)
			}
			create()
			if runs != 2 {
				t.Fatalf("after the purge the id should count as new: fn ran %d times", runs)
			}
		})

		t.Run("concurrent retries run once", func(t *testing.T) {
			var runs atomic.Int32
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := db.Once(ctx, "test/Create", "req-3", "f", func(ctx context.Context) ([]byte, error) {
						runs.Add(1)
						return []byte("ok"), insert(ctx, db, "o3")
					})
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("concurrent retry: %v", err)
				}
			}
			if runs.Load() != 1 {
				t.Fatalf("fn ran %d times, want 1", runs.Load())
			}
		})
	})
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	_, err := storage.Open(context.Background(), "mysql://u:secret@h/db", storage.Options{})
	if err == nil {
		t.Fatal("want error")
	}
	if got := err.Error(); !strings.Contains(got, "sqlite:") || strings.Contains(got, "secret") {
		t.Fatalf("error %q should say what is accepted and hide the password", got)
	}
}
