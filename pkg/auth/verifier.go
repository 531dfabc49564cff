package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Algorithms are the only signature algorithms accepted; anything else, "none"
// included, is refused before any key is tried.
var Algorithms = []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256, jose.RS256}

// Config says where keys come from and what tokens must claim.
type Config struct {
	JWKSFile    string        `flag:"jwks-file" env:"JWKS_FILE" default:"" usage:"JSON Web Key Set file with the token-signing public keys (reloaded when it changes)"`
	JWKSURL     string        `flag:"jwks-url" env:"JWKS_URL" default:"" usage:"URL of the identity provider's JSON Web Key Set (refetched periodically and on an unknown key id)"`
	Issuer      string        `flag:"jwt-issuer" env:"JWT_ISSUER" default:"rmsuite-dev" usage:"required iss claim"`
	Audience    string        `flag:"jwt-audience" env:"JWT_AUDIENCE" default:"rmsuite" usage:"required aud claim"`
	KeysRefresh time.Duration `flag:"jwks-refresh" env:"JWKS_REFRESH" default:"1m" usage:"how often the key set is reloaded"`
}

// Validate requires exactly one key source.
func (c Config) Validate() error {
	switch {
	case c.JWKSFile == "" && c.JWKSURL == "":
		return errors.New("authentication needs keys: set jwks-file or jwks-url (make run generates a local key)")
	case c.JWKSFile != "" && c.JWKSURL != "":
		return errors.New("set only one of jwks-file and jwks-url")
	case c.Issuer == "" || c.Audience == "":
		return errors.New("jwt-issuer and jwt-audience are required")
	case c.KeysRefresh < time.Second:
		return errors.New("jwks-refresh must be at least 1s")
	}
	return nil
}

// Claims are the token's claims beyond the registered ones.
type Claims struct {
	jwt.Claims
	Name       string   `json:"name,omitempty"`
	Roles      []string `json:"roles"`
	OrgUnit    string   `json:"org_unit,omitempty"`
	OnBehalfOf string   `json:"obo,omitempty"`
}

// ErrUnauthenticated is every verification failure; the wrapped text says why.
var ErrUnauthenticated = errors.New("unauthenticated")

// Verifier checks bearer tokens.
type Verifier struct {
	cfg  Config
	http *http.Client
	now  func() time.Time

	mu      sync.Mutex
	keys    jose.JSONWebKeySet
	loaded  time.Time // when keys were last (re)loaded
	modTime time.Time // of the JWKS file

	// Tokens verified recently, by hash: a browser sends the same token on every
	// call, and a signature check costs far more than the call it guards.
	cacheMu sync.Mutex
	cache   map[[32]byte]cachedPrincipal
}

type cachedPrincipal struct {
	p     Principal
	until time.Time
}

const (
	cacheFor     = time.Minute // a cached verification is redone after this, or at the token's expiry
	cacheEntries = 10000
)

// NewVerifier loads the key set once (failing if it cannot) and reloads it as it
// goes.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	v := &Verifier{cfg: cfg, http: &http.Client{Timeout: 10 * time.Second}, now: time.Now}
	if err := v.reload(ctx, true); err != nil {
		return nil, err
	}
	return v, nil
}

// Verify checks a compact JWT: one of the pinned algorithms, a signature by a
// current key, issuer, audience, expiry and not-before (one minute of clock skew),
// and at least one known role.
func (v *Verifier) Verify(ctx context.Context, token string) (Principal, error) {
	sum := sha256.Sum256([]byte(token))
	now := v.now()
	v.cacheMu.Lock()
	c, ok := v.cache[sum]
	v.cacheMu.Unlock()
	if ok && now.Before(c.until) {
		return c.p, nil
	}
	p, exp, err := v.verify(ctx, token)
	if err != nil {
		return Principal{}, err
	}
	until := now.Add(cacheFor)
	if exp.Before(until) {
		until = exp
	}
	v.cacheMu.Lock()
	if v.cache == nil || len(v.cache) >= cacheEntries {
		v.cache = make(map[[32]byte]cachedPrincipal) // simple bound: start afresh
	}
	v.cache[sum] = cachedPrincipal{p: p, until: until}
	v.cacheMu.Unlock()
	return p, nil
}

// verify checks a token for real and returns its caller and expiry.
func (v *Verifier) verify(ctx context.Context, token string) (Principal, time.Time, error) {
	tok, err := jwt.ParseSigned(token, Algorithms)
	if err != nil {
		return Principal{}, time.Time{}, fmt.Errorf("%w: not a signed token with an accepted algorithm (%v)", ErrUnauthenticated, err)
	}
	if len(tok.Headers) != 1 {
		return Principal{}, time.Time{}, fmt.Errorf("%w: token must have exactly one signature", ErrUnauthenticated)
	}
	keys := v.keysFor(ctx, tok.Headers[0].KeyID)
	if len(keys) == 0 {
		return Principal{}, time.Time{}, fmt.Errorf("%w: token signed with an unknown key", ErrUnauthenticated)
	}
	var claims Claims
	verified := false
	for _, k := range keys {
		if err := tok.Claims(k.Key, &claims); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return Principal{}, time.Time{}, fmt.Errorf("%w: signature does not verify", ErrUnauthenticated)
	}
	if claims.Expiry == nil {
		return Principal{}, time.Time{}, fmt.Errorf("%w: token has no expiry", ErrUnauthenticated)
	}
	if err := claims.Claims.ValidateWithLeeway(jwt.Expected{
		Issuer: v.cfg.Issuer, AnyAudience: jwt.Audience{v.cfg.Audience}, Time: v.now(),
	}, time.Minute); err != nil {
		return Principal{}, time.Time{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	if claims.Subject == "" {
		return Principal{}, time.Time{}, fmt.Errorf("%w: token has no subject", ErrUnauthenticated)
	}
	p := Principal{Subject: claims.Subject, Name: claims.Name, OrgUnit: claims.OrgUnit, OnBehalfOf: claims.OnBehalfOf}
	for _, r := range claims.Roles {
		for _, known := range Roles {
			if Role(r) == known {
				p.Roles = append(p.Roles, known)
			}
		}
	}
	if len(p.Roles) == 0 {
		return Principal{}, time.Time{}, fmt.Errorf("%w: token carries no known role", ErrUnauthenticated)
	}
	return p, claims.Expiry.Time(), nil
}

// keysFor returns the keys that may have signed a token with kid, reloading the set
// when it is due, or at once (at most every few seconds) when kid is unknown — so
// that a rotated key works without a restart.
func (v *Verifier) keysFor(ctx context.Context, kid string) []jose.JSONWebKey {
	v.mu.Lock()
	due := v.now().Sub(v.loaded) >= v.cfg.KeysRefresh
	v.mu.Unlock()
	if due {
		_ = v.reload(ctx, false)
	}
	keys := v.lookup(kid)
	if len(keys) == 0 {
		// A file is re-read when it changed (a stat is cheap); a URL is refetched
		// at most every few seconds, so that bad tokens cannot hammer the provider.
		v.mu.Lock()
		recent := v.now().Sub(v.loaded) < 5*time.Second
		v.mu.Unlock()
		if v.cfg.JWKSFile != "" || !recent {
			_ = v.reload(ctx, v.cfg.JWKSFile == "")
			keys = v.lookup(kid)
		}
	}
	return keys
}

func (v *Verifier) lookup(kid string) []jose.JSONWebKey {
	v.mu.Lock()
	defer v.mu.Unlock()
	if kid != "" {
		return v.keys.Key(kid)
	}
	return append([]jose.JSONWebKey(nil), v.keys.Keys...)
}

// reload reads the key set; a file is re-read only when it changed unless force.
// A failed reload keeps the previous keys.
func (v *Verifier) reload(ctx context.Context, force bool) error {
	var raw []byte
	var mod time.Time
	if v.cfg.JWKSFile != "" {
		st, err := os.Stat(v.cfg.JWKSFile)
		if err != nil {
			return fmt.Errorf("read key set: %w", err)
		}
		v.mu.Lock()
		same := st.ModTime().Equal(v.modTime) && len(v.keys.Keys) > 0
		v.mu.Unlock()
		if same && !force {
			v.mu.Lock()
			v.loaded = v.now()
			v.mu.Unlock()
			return nil
		}
		if raw, err = os.ReadFile(v.cfg.JWKSFile); err != nil {
			return fmt.Errorf("read key set: %w", err)
		}
		mod = st.ModTime()
	} else {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.cfg.JWKSURL, nil)
		if err != nil {
			return err
		}
		resp, err := v.http.Do(req)
		if err != nil {
			return fmt.Errorf("fetch key set: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("fetch key set: %s", resp.Status)
		}
		if raw, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20)); err != nil {
			return err
		}
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return fmt.Errorf("key set is not a JWKS document: %w", err)
	}
	var public []jose.JSONWebKey
	for _, k := range set.Keys {
		if k.Valid() && k.IsPublic() && k.Use != "enc" {
			public = append(public, k)
		}
	}
	if len(public) == 0 {
		return errors.New("key set holds no public signing key")
	}
	v.mu.Lock()
	v.keys = jose.JSONWebKeySet{Keys: public}
	v.loaded, v.modTime = v.now(), mod
	v.mu.Unlock()
	return nil
}

// BearerToken extracts the token from an Authorization header value.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}
