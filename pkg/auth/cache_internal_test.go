package auth

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A cached verification never outlives the token, and the cache makes repeated
// checks of one token skip the signature.
func TestVerificationCacheRespectsExpiry(t *testing.T) {
	m, err := NewMinter()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	jwks := filepath.Join(dir, "jwks.json")
	if err := m.Save(filepath.Join(dir, "key.json"), jwks); err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(context.Background(), Config{JWKSFile: jwks, Issuer: "i", Audience: "a", KeysRefresh: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	clock := start
	v.now = func() time.Time { return clock }
	tok, err := m.Mint(Token{Subject: "E1", Roles: []Role{CustomerManager}, Issuer: "i", Audience: "a", Expiry: start.Add(30 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if len(v.cache) != 1 {
		t.Fatalf("cache holds %d entries after a verification, want 1", len(v.cache))
	}
	// Well past expiry and the clock-skew leeway: the cache must not answer.
	clock = start.Add(5 * time.Minute)
	if _, err := v.Verify(context.Background(), tok); err == nil {
		t.Fatal("an expired token was accepted from the cache")
	}
}
