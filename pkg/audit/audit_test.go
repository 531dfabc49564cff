package audit_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
)

const method = "/rmsuite.test.v1.Things/ChangeThing"

var rules = auth.Rules{method: {Permission: auth.OrgUnitsWrite, Mutates: true}}

func count(t *testing.T, db *storage.DB) int {
	t.Helper()
	var n int
	if err := db.Q(context.Background()).QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInterceptorAndAppendOnlyLog(t *testing.T) {
	storagetest.Each(t, nil, func(t *testing.T, db *storage.DB) {
		ctx := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "E0001", Roles: []auth.Role{auth.Administrator}})
		intercept := audit.Interceptor(db, rules)
		info := &grpc.UnaryServerInfo{FullMethod: method}
		touch := func(ctx context.Context) error { // a write the call makes, to see it roll back
			_, err := db.Q(ctx).ExecContext(ctx, `INSERT INTO request_log (scope, request_id, fingerprint, response, created_at) VALUES ('t', $1, '', '', $2)`,
				"r-"+strings.ReplaceAll(t.Name(), "/", "-"), storage.Now())
			return err
		}
		writes := func() int {
			var n int
			_ = db.Q(context.Background()).QueryRowContext(context.Background(), `SELECT count(*) FROM request_log`).Scan(&n)
			return n
		}

		t.Run("one change, one record, masked", func(t *testing.T) {
			_, err := intercept(ctx, nil, info, func(ctx context.Context, _ any) (any, error) {
				return "ok", audit.Record(ctx, audit.Change{ObjectType: "Thing", Object: "things/1",
					Before: wrapperspb.String("old"), After: wrapperspb.String("new")})
			})
			if err != nil || count(t, db) != 1 {
				t.Fatalf("err = %v, records = %d", err, count(t, db))
			}
		})
		t.Run("a call that records nothing fails and leaves nothing", func(t *testing.T) {
			before, w := count(t, db), writes()
			_, err := intercept(ctx, nil, info, func(ctx context.Context, _ any) (any, error) { return "ok", touch(ctx) })
			if err == nil || !strings.Contains(err.Error(), "exactly one") {
				t.Fatalf("err = %v", err)
			}
			if count(t, db) != before || writes() != w {
				t.Fatal("the call's write or a record survived")
			}
		})
		t.Run("a failed call leaves no record and no write", func(t *testing.T) {
			before, w := count(t, db), writes()
			boom := errors.New("refused")
			_, err := intercept(ctx, nil, info, func(ctx context.Context, _ any) (any, error) {
				if err := touch(ctx); err != nil {
					return nil, err
				}
				_ = audit.Record(ctx, audit.Change{ObjectType: "Thing", Object: "things/2"})
				return nil, boom
			})
			if !errors.Is(err, boom) || count(t, db) != before || writes() != w {
				t.Fatalf("err = %v, records %d→%d, writes %d→%d", err, before, count(t, db), w, writes())
			}
		})
		t.Run("a replay records nothing", func(t *testing.T) {
			before := count(t, db)
			if _, err := intercept(ctx, nil, info, func(ctx context.Context, _ any) (any, error) {
				audit.MarkReplay(ctx)
				return "ok", nil
			}); err != nil || count(t, db) != before {
				t.Fatalf("err = %v, records %d → %d", err, before, count(t, db))
			}
		})
		t.Run("Record outside a mutating call is refused", func(t *testing.T) {
			if err := audit.Record(ctx, audit.Change{}); !errors.Is(err, audit.ErrNoMutatingCall) {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("the log cannot be edited or deleted", func(t *testing.T) {
			for _, stmt := range []string{`UPDATE audit_log SET actor = 'someone else'`, `DELETE FROM audit_log`} {
				err := db.InTx(context.Background(), func(ctx context.Context) error {
					_, err := db.Q(ctx).ExecContext(ctx, stmt)
					return err
				})
				if err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: err = %v, want the append-only refusal", stmt, err)
				}
			}
			if count(t, db) != 1 {
				t.Fatalf("records = %d, want the 1 written", count(t, db))
			}
		})
	})
}
