// Package authtest gives tests a token issuer: a fresh signing key whose public key
// set is in a temporary JWKS file, and the auth.Config that trusts it.
package authtest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/auth"
)

// Issuer mints tokens that Config accepts.
type Issuer struct {
	Minter *auth.Minter
	Config auth.Config
}

// New makes an issuer for the test.
func New(t testing.TB) *Issuer {
	t.Helper()
	m, err := auth.NewMinter()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	jwks := filepath.Join(dir, "jwks.json")
	if err := m.Save(filepath.Join(dir, "key.json"), jwks); err != nil {
		t.Fatal(err)
	}
	return &Issuer{Minter: m, Config: auth.Config{
		JWKSFile: jwks, Issuer: "rmsuite-test", Audience: "rmsuite", KeysRefresh: time.Second,
	}}
}

// Token mints a token for subject at orgUnit with roles.
func (i *Issuer) Token(t testing.TB, subject, orgUnit string, roles ...auth.Role) string {
	t.Helper()
	tok, err := i.Minter.Mint(auth.Token{
		Subject: subject, OrgUnit: orgUnit, Roles: roles, Issuer: i.Config.Issuer, Audience: i.Config.Audience,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
