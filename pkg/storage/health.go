package storage

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// PoolStats are the statistics of the database's connection pools, by name:
// sqlite-write and sqlite-read, or postgres (for metrics).
func (db *DB) PoolStats() map[string]sql.DBStats {
	if db.dialect == Postgres {
		return map[string]sql.DBStats{"postgres": db.write.Stats()}
	}
	return map[string]sql.DBStats{"sqlite-write": db.write.Stats(), "sqlite-read": db.read.Stats()}
}

// IsUnavailable reports whether err says the database could not be reached or went
// away (a restart, a failover, a network cut) rather than refusing the statement:
// the call may succeed when retried, so it is answered UNAVAILABLE, not INTERNAL.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case len(pgErr.Code) == 5 && pgErr.Code[:2] == "08": // connection exception
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // admin/crash shutdown, cannot connect now
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		pgconn.SafeToRetry(err)
}
