package storage

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds the cache: list queries vary with the client's filter,
// so their number is not fixed by the code.
const maxCachedStatements = 512

// stmtCache keeps prepared statements per SQL text. Preparing once saves SQLite from
// parsing and planning the statement on every call (database/sql re-prepares it per
// connection as needed), and saves PostgreSQL a parse round trip.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: map[string]*sql.Stmt{}} }

// get returns the prepared statement for query, or nil when the cache is full.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[query]; ok {
		return s, nil
	}
	if len(c.m) >= maxCachedStatements {
		return nil, nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.m[query] = s
	return s, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		_ = s.Close()
	}
	c.m = map[string]*sql.Stmt{}
}

// poolQuerier runs statements on a pool through the cache.
type poolQuerier struct{ c *stmtCache }

func (q poolQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := q.c.get(ctx, query)
	if err != nil || s == nil {
		return q.c.db.ExecContext(ctx, query, args...)
	}
	return s.ExecContext(ctx, args...)
}

func (q poolQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := q.c.get(ctx, query)
	if err != nil || s == nil {
		return q.c.db.QueryContext(ctx, query, args...)
	}
	return s.QueryContext(ctx, args...)
}

func (q poolQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := q.c.get(ctx, query)
	if err != nil || s == nil {
		return q.c.db.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}
