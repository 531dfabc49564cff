package storage

import (
	"context"
	"embed"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/rmsuite/rmsuite/pkg/apierr"
)

//go:embed kitmigrations/*.sql
var kitFS embed.FS

var kitMigrations = Migrations{Name: "kit", FS: mustSub(kitFS, "kitmigrations")}

// Once runs fn in a transaction at most once for (scope, requestID): the response fn
// returns is recorded in the same transaction as fn's effects, and a later call with
// the same id returns that recorded response without running fn. The fingerprint
// identifies the request; the same id with a different fingerprint fails with
// apierr.ErrRequestIDReused. An empty requestID just runs fn in a transaction. When
// fn fails nothing is recorded, so the call may be retried.
//
// Concurrent calls with one id are safe: the second waits on the first's row lock
// (PostgreSQL) or on the single writer (SQLite), then finds its record.
func (db *DB) Once(ctx context.Context, scope, requestID, fingerprint string, fn func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	if requestID == "" {
		var out []byte
		err := db.InTx(ctx, func(ctx context.Context) error {
			var err error
			out, err = fn(ctx)
			return err
		})
		return out, err
	}
	var out []byte
	err := db.InTx(ctx, func(ctx context.Context) error {
		q := db.Q(ctx)
		res, err := q.ExecContext(ctx, `INSERT INTO request_log (scope, request_id, fingerprint, response, created_at)
			VALUES ($1, $2, $3, '', $4) ON CONFLICT (scope, request_id) DO NOTHING`,
			scope, requestID, fingerprint, Now())
		if err != nil {
			return fmt.Errorf("record request id: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var seen, resp string
			if err := q.QueryRowContext(ctx, `SELECT fingerprint, response FROM request_log WHERE scope = $1 AND request_id = $2`,
				scope, requestID).Scan(&seen, &resp); err != nil {
				return fmt.Errorf("read request id: %w", err)
			}
			if seen != fingerprint {
				return fmt.Errorf("%w: request_id %q was already used for a different request; send a new request_id", apierr.ErrRequestIDReused, requestID)
			}
			out, err = base64.StdEncoding.DecodeString(resp)
			return err
		}
		if out, err = fn(ctx); err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `UPDATE request_log SET response = $1 WHERE scope = $2 AND request_id = $3`,
			base64.StdEncoding.EncodeToString(out), scope, requestID)
		return err
	})
	return out, err
}

// PurgeRequestLog forgets request ids recorded before cutoff; retries older than the
// retention window are treated as new requests.
func (db *DB) PurgeRequestLog(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := db.InTx(ctx, func(ctx context.Context) error {
		res, err := db.Q(ctx).ExecContext(ctx, `DELETE FROM request_log WHERE created_at < $1`, cutoff.UTC())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
