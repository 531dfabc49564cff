package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Minter signs tokens with a private key. Production tokens come from the bank's
// identity provider; the minter serves `make run` (rmsuite token) and tests.
type Minter struct {
	key    jose.JSONWebKey // private
	signer jose.Signer
}

// NewMinter makes a minter with a fresh Ed25519 key.
func NewMinter() (*Minter, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	kid := make([]byte, 8)
	_, _ = rand.Read(kid)
	return minterFor(jose.JSONWebKey{Key: priv, KeyID: hex.EncodeToString(kid), Algorithm: string(jose.EdDSA), Use: "sig"})
}

func minterFor(k jose.JSONWebKey) (*Minter, error) {
	alg := jose.SignatureAlgorithm(k.Algorithm)
	if alg == "" {
		alg = jose.EdDSA
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: k},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, err
	}
	return &Minter{key: k, signer: signer}, nil
}

// LoadMinter reads a private JWK written by Save.
func LoadMinter(path string) (*Minter, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var k jose.JSONWebKey
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, fmt.Errorf("%s is not a JWK: %w", path, err)
	}
	if k.IsPublic() {
		return nil, fmt.Errorf("%s holds a public key; a signing key is needed", path)
	}
	return minterFor(k)
}

// Save writes the private key (mode 0600) and the public key set beside it.
func (m *Minter) Save(privatePath, jwksPath string) error {
	if err := os.MkdirAll(filepath.Dir(privatePath), 0o700); err != nil {
		return err
	}
	priv, err := json.Marshal(m.key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(privatePath, priv, 0o600); err != nil {
		return err
	}
	return m.WriteJWKS(jwksPath)
}

// WriteJWKS writes the public key set (replacing the file atomically).
func (m *Minter) WriteJWKS(path string) error {
	set, err := json.MarshalIndent(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{m.key.Public()}}, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, set, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// KeyID is the key's id.
func (m *Minter) KeyID() string { return m.key.KeyID }

// Token is what a minted token says.
type Token struct {
	Subject, Name, OrgUnit, OnBehalfOf string
	Roles                              []Role
	Issuer, Audience                   string
	TTL                                time.Duration // default 8h
	// NotBefore and Expiry override the times computed from now and TTL (tests).
	NotBefore, Expiry time.Time
}

// Mint signs t.
func (m *Minter) Mint(t Token) (string, error) {
	if t.Subject == "" || t.Issuer == "" || t.Audience == "" {
		return "", errors.New("token needs subject, issuer and audience")
	}
	now := time.Now()
	if t.TTL == 0 {
		t.TTL = 8 * time.Hour
	}
	exp, nbf := now.Add(t.TTL), now.Add(-time.Second)
	if !t.Expiry.IsZero() {
		exp = t.Expiry
	}
	if !t.NotBefore.IsZero() {
		nbf = t.NotBefore
	}
	roles := make([]string, len(t.Roles))
	for i, r := range t.Roles {
		roles[i] = string(r)
	}
	c := Claims{
		Claims: jwt.Claims{
			Subject: t.Subject, Issuer: t.Issuer, Audience: jwt.Audience{t.Audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(nbf), Expiry: jwt.NewNumericDate(exp),
		},
		Name: t.Name, Roles: roles, OrgUnit: t.OrgUnit, OnBehalfOf: t.OnBehalfOf,
	}
	return jwt.Signed(m.signer).Claims(c).Serialize()
}
