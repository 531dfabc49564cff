// Package requestid makes and checks the ids that tie a call's log lines together
// (x-request-id) and that make a mutating call safe to retry (request_id).
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// MaxLen is the longest id accepted.
const MaxLen = 128

// New returns a random id of 24 hexadecimal characters.
func New() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Valid reports whether s is 1 to MaxLen printable ASCII characters without spaces,
// so that a caller cannot put arbitrary data into our logs or storage.
func Valid(s string) bool {
	if s == "" || len(s) > MaxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

type ctxKey struct{}

// With returns a context carrying the call's request id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// From returns the request id carried by ctx, or "".
func From(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}
