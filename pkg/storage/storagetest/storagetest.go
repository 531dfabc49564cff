// Package storagetest runs one repository test suite against every storage backend:
// SQLite always, PostgreSQL when one is reachable. With CI=true a missing PostgreSQL
// fails the test instead of skipping it.
//
// PostgreSQL is found at $RMSUITE_TEST_POSTGRES_URL, by default
// postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable; each suite
// gets a fresh database, created for it and dropped afterwards.
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/storage"
)

// DefaultPostgresURL is where tests look for PostgreSQL unless told otherwise.
const DefaultPostgresURL = "postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Each runs suite as subtests "sqlite" and "postgres", each on a fresh, migrated
// database.
func Each(t *testing.T, sets []storage.Migrations, suite func(t *testing.T, db *storage.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		suite(t, Open(t, SQLiteURL(t), sets))
	})
	t.Run("postgres", func(t *testing.T) {
		suite(t, Open(t, PostgresURL(t), sets))
	})
}

// SQLiteURL names a new database file in a test temp folder.
func SQLiteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
}

// Open opens and migrates the database at url, closing it when the test ends.
func Open(t testing.TB, url string, sets []storage.Migrations) *storage.DB {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, url, storage.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", storage.Redact(url), err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, sets...); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

var (
	reachOnce sync.Once
	reachErr  error
)

func adminURL() string {
	if u := os.Getenv("RMSUITE_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// PostgresURL creates a fresh database on the test PostgreSQL server, drops it when
// the test ends, and returns its URL. Without a server it skips the test, or fails
// it when CI=true.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := adminURL()
	reachOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		db, err := storage.Open(ctx, admin, storage.Options{MaxOpenConns: 1})
		if err == nil {
			db.Close()
		}
		reachErr = err
	})
	if reachErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI (CI=true) but is not reachable at %s: %v", storage.Redact(admin), reachErr)
		}
		t.Skipf("PostgreSQL not reachable at %s (set RMSUITE_TEST_POSTGRES_URL, or run with CI=true to make this fatal): %v",
			storage.Redact(admin), reachErr)
	}

	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", storage.Redact(admin), err)
	}
	name := "rmsuite_test_" + randomHex(6)
	adm, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	if _, err := adm.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		adm, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer adm.Close()
		if _, err := adm.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
