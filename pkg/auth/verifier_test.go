package auth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
)

func verifier(t *testing.T, cfg auth.Config) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyAcceptsAGoodToken(t *testing.T) {
	iss := authtest.New(t)
	v := verifier(t, iss.Config)
	p, err := v.Verify(context.Background(), iss.Token(t, "E2001", "team-lujiazui", auth.Supervisor, "nonsense"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "E2001" || p.OrgUnit != "team-lujiazui" || len(p.Roles) != 1 || !p.Has(auth.Supervisor) {
		t.Fatalf("principal = %+v (unknown roles must be dropped)", p)
	}
}

func TestVerifyRefusesBadTokens(t *testing.T) {
	iss := authtest.New(t)
	other := authtest.New(t)
	v := verifier(t, iss.Config)
	good := auth.Token{Subject: "E1", Roles: []auth.Role{auth.CustomerManager}, Issuer: iss.Config.Issuer, Audience: iss.Config.Audience}
	mint := func(m *auth.Minter, edit func(*auth.Token)) string {
		tok := good
		edit(&tok)
		s, err := m.Mint(tok)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// alg "none": the same claims, unsigned.
	signed := mint(iss.Minter, func(*auth.Token) {})
	parts := strings.Split(signed, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."

	cases := map[string]struct {
		token string
		says  string
	}{
		"signed with another key": {mint(other.Minter, func(*auth.Token) {}), "unknown key"},
		"expired": {mint(iss.Minter, func(tk *auth.Token) {
			tk.Expiry = time.Now().Add(-2 * time.Hour)
			tk.NotBefore = time.Now().Add(-3 * time.Hour)
		}), "expired"},
		"not yet valid":    {mint(iss.Minter, func(tk *auth.Token) { tk.NotBefore = time.Now().Add(time.Hour) }), "not valid yet"},
		"alg none":         {none, "accepted algorithm"},
		"wrong audience":   {mint(iss.Minter, func(tk *auth.Token) { tk.Audience = "another-app" }), "audience"},
		"wrong issuer":     {mint(iss.Minter, func(tk *auth.Token) { tk.Issuer = "someone-else" }), "issuer"},
		"no known role":    {mint(iss.Minter, func(tk *auth.Token) { tk.Roles = []auth.Role{"superuser"} }), "no known role"},
		"tampered payload": {parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"E9","roles":["administrator"]}`)) + "." + parts[2], "signature"},
		"garbage":          {"not-a-token", "accepted algorithm"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), c.token)
			if !errors.Is(err, auth.ErrUnauthenticated) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("err = %v; want unauthenticated mentioning %q", err, c.says)
			}
		})
	}
}

func TestKeyRotationWithoutRestart(t *testing.T) {
	iss := authtest.New(t)
	v := verifier(t, iss.Config)
	if _, err := v.Verify(context.Background(), iss.Token(t, "E1", "", auth.Administrator)); err != nil {
		t.Fatal(err)
	}
	// The identity provider rotates: a new key replaces the old one in the file.
	next, err := auth.NewMinter()
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // a distinct modification time
	if err := next.WriteJWKS(iss.Config.JWKSFile); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(time.Hour)
	_ = os.Chtimes(iss.Config.JWKSFile, now, now)
	tok, err := next.Mint(auth.Token{Subject: "E1", Roles: []auth.Role{auth.Administrator}, Issuer: iss.Config.Issuer, Audience: iss.Config.Audience})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("token of the rotated key refused: %v", err)
	}
}

func TestConfigNeedsKeys(t *testing.T) {
	if err := (auth.Config{Issuer: "i", Audience: "a", KeysRefresh: time.Minute}).Validate(); err == nil {
		t.Fatal("a config without keys must be refused")
	}
}

func TestBearerToken(t *testing.T) {
	for in, want := range map[string]string{"Bearer abc": "abc", "bearer  abc ": "abc", "Basic abc": "", "Bearer": "", "": ""} {
		got, ok := auth.BearerToken(in)
		if got != want || ok != (want != "") {
			t.Errorf("BearerToken(%q) = %q, %v", in, got, ok)
		}
	}
}
