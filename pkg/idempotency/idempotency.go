// Package idempotency makes mutating RPCs safe to retry: a request carrying a
// request_id is applied once, and a retry with the same id gets the first response.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/requestid"
	"github.com/rmsuite/rmsuite/pkg/storage"
)

// Do runs fn in a transaction of db, at most once for requestID within the calling
// RPC, and returns its response — or, for a repeated id, the response recorded the
// first time. fn's writes must go through db (they join the transaction through the
// context), so the effect and the record commit together. A requestID reused with a
// different request fails with AlreadyExists.
func Do[T proto.Message](ctx context.Context, db *storage.DB, requestID string, req proto.Message, fn func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	if err := Check(requestID); err != nil {
		return zero, err
	}
	fingerprint, err := Fingerprint(req)
	if err != nil {
		return zero, err
	}
	scope, _ := grpc.Method(ctx)
	var fresh T
	ran := false
	raw, err := db.Once(ctx, scope, requestID, fingerprint, func(ctx context.Context) ([]byte, error) {
		resp, err := fn(ctx)
		if err != nil {
			return nil, err
		}
		fresh, ran = resp, true
		return proto.MarshalOptions{Deterministic: true}.Marshal(resp)
	})
	if err != nil {
		return zero, err
	}
	if ran {
		return fresh, nil
	}
	audit.MarkReplay(ctx) // answered from the record: nothing changed, nothing to audit
	out := zero.ProtoReflect().New().Interface().(T)
	if err := proto.Unmarshal(raw, out); err != nil {
		return zero, err
	}
	return out, nil
}

// Check validates a request id: empty (no idempotency) or 1 to 128 printable ASCII
// characters without spaces.
func Check(requestID string) error {
	if requestID != "" && !requestid.Valid(requestID) {
		return apierr.Invalid("request_id", "must be 1 to %d printable ASCII characters without spaces (a UUID is a good choice)", requestid.MaxLen)
	}
	return nil
}

// Fingerprint hashes a request's deterministic wire form.
func Fingerprint(req proto.Message) (string, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
