// Package storage opens a service's database — embedded SQLite by default, PostgreSQL
// in production — applies its embedded migrations, and runs transactions.
//
// Both backends are reached through database/sql with the same SQL: `$1`
// placeholders, ON CONFLICT, RETURNING and portable column types. SQLite runs in WAL
// mode with a single writer connection (transactions take the write lock at BEGIN)
// and a small pool of read-only connections; PostgreSQL uses one pool for both.
//
// A transaction started with InTx travels in the context: repositories call Q(ctx)
// and join it, so a use case, the idempotency record of its request and its effects
// commit or roll back together.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names a backend.
type Dialect string

// The two backends.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options tune the connection pools.
type Options struct {
	MaxOpenConns int // PostgreSQL pool size, and SQLite readers; default 10 / 4
}

// DB is an open service database.
type DB struct {
	dialect Dialect
	write   *sql.DB
	read    *sql.DB
	// Prepared statements of the read pool. Transactions run statements directly:
	// preparing on the SQLite write pool from inside a transaction would wait for
	// the one connection the transaction holds.
	readStmts *stmtCache
}

// Querier is what repositories run statements on: a transaction or a pool.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Open connects to the database named by rawURL:
//
//	sqlite:path/to/file.db          (relative path)
//	sqlite:///var/lib/rmsuite/x.db  (absolute path)
//	postgres://user:pass@host:5432/db?sslmode=disable
//
// It checks the connection before returning. The SQLite file and its folder are
// created when missing.
func Open(ctx context.Context, rawURL string, opt Options) (*DB, error) {
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		return openSQLite(ctx, sqlitePath(rawURL), opt)
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL, opt)
	default:
		return nil, fmt.Errorf("database URL must start with sqlite: or postgres:// (got %q)", Redact(rawURL))
	}
}

func sqlitePath(rawURL string) string {
	p := strings.TrimPrefix(rawURL, "sqlite:")
	return strings.TrimPrefix(p, "//")
}

func openSQLite(ctx context.Context, path string, opt Options) (*DB, error) {
	if path == "" || strings.Contains(path, "?") || path == ":memory:" {
		return nil, fmt.Errorf("sqlite database URL needs a file path without parameters, e.g. sqlite:.data/roster.db")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create folder for %s: %w", path, err)
	}
	base := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	write, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1) // SQLite allows one writer; queue in Go, not on SQLITE_BUSY
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	// Creates the file and switches it to WAL before the readers connect.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, err
	}
	readers := opt.MaxOpenConns
	if readers <= 0 {
		readers = 4
	}
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	return &DB{dialect: SQLite, write: write, read: read, readStmts: newStmtCache(read)}, nil
}

func openPostgres(ctx context.Context, rawURL string, opt Options) (*DB, error) {
	db, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", Redact(rawURL), err)
	}
	n := opt.MaxOpenConns
	if n <= 0 {
		n = 10
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(30 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres %s: %w", Redact(rawURL), err)
	}
	return &DB{dialect: Postgres, write: db, read: db, readStmts: newStmtCache(db)}, nil
}

// Redact hides the password in a database URL.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return rawURL
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Dialect reports the backend.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Close closes the pools.
func (db *DB) Close() error {
	db.readStmts.close()
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

type txKey struct{ db *DB }

// InTx runs fn in a transaction carried by the context fn receives. If ctx already
// carries a transaction of this database, fn joins it and the outermost InTx
// commits. fn's error rolls everything back and is returned unchanged.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if _, ok := ctx.Value(txKey{db}).(*sql.Tx); ok {
		return fn(ctx)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(context.WithValue(ctx, txKey{db}, tx)); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// InTransaction reports whether ctx carries a transaction of db (InTx).
func (db *DB) InTransaction(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{db}).(*sql.Tx)
	return ok
}

// Q returns the transaction carried by ctx, or else the read pool. Writes must run
// inside InTx: on SQLite the read pool refuses them.
func (db *DB) Q(ctx context.Context) Querier {
	if tx, ok := ctx.Value(txKey{db}).(*sql.Tx); ok {
		return tx
	}
	return poolQuerier{c: db.readStmts}
}

// IsUniqueViolation reports whether err is a unique or primary-key violation.
func IsUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsForeignKeyViolation reports whether err is a foreign-key violation.
func IsForeignKeyViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		// ON DELETE RESTRICT fails as a constraint trigger (1811), not as FOREIGNKEY (787).
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY ||
			(se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT && strings.Contains(se.Error(), "FOREIGN KEY"))
	}
	return false
}

// Now is the current time as stored: UTC, truncated to microseconds (PostgreSQL's
// precision), so that what is written reads back equal on both backends.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
