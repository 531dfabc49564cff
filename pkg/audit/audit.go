// Package audit keeps every service's append-only audit log.
//
// Every RPC whose rule says it mutates runs in one transaction opened by the audit
// interceptor. Its handler describes the change it made with Record; when the handler
// succeeds, the interceptor writes exactly one audit record in that same transaction,
// so the change and its record commit together or not at all. A handler that records
// nothing (or more than one change) fails, so no mutating call can skip the log. A
// retry answered from the idempotency record (MarkReplay) changes nothing and records
// nothing. The table refuses UPDATE and DELETE (database triggers) and no API edits
// it.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/requestid"
	"github.com/rmsuite/rmsuite/pkg/storage"
)

// Change describes what one mutating call did to one object.
type Change struct {
	ObjectType string        // e.g. "OrgUnit"
	Object     string        // resource name, e.g. "orgUnits/branch-east"
	OrgPath    string        // path of the org unit the object belongs to ("/…/id/"), for scope
	Before     proto.Message // nil when the object was created
	After      proto.Message // nil when the object was deleted
	// Masked lists top-level fields (JSON names) whose values are replaced by "***"
	// in the record: ID numbers, phone numbers, salaries.
	Masked []string
	Reason string
}

type recorder struct {
	mu      sync.Mutex
	changes []Change
	replay  bool
}

type recorderKey struct{}

// ErrNoMutatingCall: Record was called outside a call whose rule says it mutates.
var ErrNoMutatingCall = errors.New("audit: Record outside a mutating RPC (is the RPC's rule marked Mutates?)")

// Record notes the change the current call made; it is written when the call
// succeeds, in the call's transaction.
func Record(ctx context.Context, c Change) error {
	rec, ok := ctx.Value(recorderKey{}).(*recorder)
	if !ok {
		return ErrNoMutatingCall
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.changes = append(rec.changes, c)
	return nil
}

// Recorded is how many changes the current call has recorded so far.
func Recorded(ctx context.Context) int {
	rec, ok := ctx.Value(recorderKey{}).(*recorder)
	if !ok {
		return 0
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.changes)
}

// Annotate gives the changes recorded so far that have no reason this one, e.g.
// "approved services/roster/approvals/… prepared by E1101".
func Annotate(ctx context.Context, reason string) {
	if rec, ok := ctx.Value(recorderKey{}).(*recorder); ok {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for i := range rec.changes {
			if rec.changes[i].Reason == "" {
				rec.changes[i].Reason = reason
			}
		}
	}
}

// MarkReplay notes that the call was answered from its idempotency record: nothing
// changed, so nothing is recorded.
func MarkReplay(ctx context.Context) {
	if rec, ok := ctx.Value(recorderKey{}).(*recorder); ok {
		rec.mu.Lock()
		rec.replay = true
		rec.mu.Unlock()
	}
}

// MarkNoChange notes that the call deliberately changed nothing (a validate-only
// request), so nothing is recorded.
func MarkNoChange(ctx context.Context) { MarkReplay(ctx) }

// Interceptor runs every RPC whose rule mutates in one transaction of db and writes
// its one audit record there.
func Interceptor(db *storage.DB, rules auth.Rules) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		rule, ok := rules.Lookup(info.FullMethod)
		if !ok || !rule.Mutates {
			return h(ctx, req)
		}
		var resp any
		err := db.InTx(ctx, func(ctx context.Context) error {
			rec := &recorder{}
			var err error
			resp, err = h(context.WithValue(ctx, recorderKey{}, rec), req)
			if err != nil {
				return err
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if rec.replay {
				return nil
			}
			if len(rec.changes) != 1 {
				return fmt.Errorf("audit: %s recorded %d changes; a mutating call must record exactly one", info.FullMethod, len(rec.changes))
			}
			return write(ctx, db, info.FullMethod, rec.changes[0])
		})
		if err != nil {
			return nil, err
		}
		return resp, nil
	}
}

func write(ctx context.Context, db *storage.DB, method string, c Change) error {
	p, _ := auth.FromContext(ctx)
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = string(r)
	}
	before, err := snapshot(c.Before, c.Masked)
	if err != nil {
		return err
	}
	after, err := snapshot(c.After, c.Masked)
	if err != nil {
		return err
	}
	_, err = db.Q(ctx).ExecContext(ctx, `INSERT INTO audit_log
		(id, at, actor, actor_roles, on_behalf_of, method, request_id, object_type, object_name, org_path, before_json, after_json, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		requestid.New(), storage.Now(), p.Subject, strings.Join(roles, ","), p.OnBehalfOf, method,
		requestid.From(ctx), c.ObjectType, c.Object, c.OrgPath, before, after, c.Reason)
	if err != nil {
		return fmt.Errorf("audit: write record: %w", err)
	}
	return nil
}

// snapshot renders m as JSON (the shape REST clients see) with masked fields hidden.
func snapshot(m proto.Message, masked []string) (string, error) {
	if m == nil || !m.ProtoReflect().IsValid() {
		return "", nil
	}
	raw, err := protojson.Marshal(m)
	if err != nil {
		return "", err
	}
	if len(masked) == 0 {
		return string(raw), nil
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		return "", err
	}
	for _, f := range masked {
		if _, ok := fields[f]; ok {
			fields[f] = "***"
		}
	}
	out, err := json.Marshal(fields)
	return string(out), err
}
