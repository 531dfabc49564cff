package gateway_test

// The web console the gateway serves (package web: embedded, built assets) and
// the dev sign-in that only --dev-signing-key turns on.

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/rmsuite/rmsuite/gateway/internal/gateway"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/auth/authtest"
)

func TestConsoleIsServed(t *testing.T) {
	e := newEnv(t)
	page := e.do(t, http.MethodGet, "/", nil, "Authorization", "")
	wantStatus(t, page, http.StatusOK)
	if ct := page.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("/ Content-Type %q, want text/html", ct)
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("/ Content-Security-Policy %q keeps scripts to the gateway's own origin", csp)
	}
	if cc := page.header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("/ Cache-Control %q, want no-cache (the page names the current bundles)", cc)
	}
	script := regexp.MustCompile(`src="(/assets/[^"]+\.js)"`).FindStringSubmatch(string(page.body))
	if script == nil {
		t.Fatalf("/ names no /assets/ script: %s", page.body)
	}
	asset := e.get(t, script[1], "Authorization", "")
	wantStatus(t, asset, http.StatusOK)
	if cc := asset.header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("%s Cache-Control %q, want immutable (hashed names)", script[1], cc)
	}
	if ct := asset.header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("%s Content-Type %q", script[1], ct)
	}

	explorer := e.get(t, "/explorer", "Authorization", "")
	wantStatus(t, explorer, http.StatusOK)
	if !strings.Contains(string(explorer.body), "/assets/explorer-") {
		t.Errorf("/explorer does not load the bundled Swagger UI: %s", explorer.body)
	}
	wantStatus(t, e.get(t, "/favicon.svg", "Authorization", ""), http.StatusOK)

	// No directory listings; other paths and methods keep the API's JSON 404.
	wantStatus(t, e.get(t, "/assets/", "Authorization", ""), http.StatusNotFound)
	apiError(t, e.do(t, http.MethodPost, "/", nil), http.StatusNotFound, "NOT_FOUND")
	apiError(t, e.get(t, "/console/nope"), http.StatusNotFound, "NOT_FOUND")
	// Without --dev-signing-key the dev sign-in does not exist.
	apiError(t, e.get(t, "/dev/users", "Authorization", ""), http.StatusNotFound, "NOT_FOUND")
	apiError(t, e.do(t, http.MethodPost, "/dev/token", strings.NewReader(`{"user":"E3002"}`), "Authorization", ""), http.StatusNotFound, "NOT_FOUND")
}

func TestDevSignIn(t *testing.T) {
	var cfg gateway.Config
	e := newEnv(t, withConfig(func(c *gateway.Config) {
		// authtest keeps the private key beside the JWKS the gateway trusts.
		c.DevSigningKey = filepath.Join(filepath.Dir(c.Auth.JWKSFile), "key.json")
		cfg = *c
	}))

	var list struct {
		Users []struct {
			User, Name, OrgUnit string
			Roles               []string
		}
	}
	r := e.get(t, "/dev/users", "Authorization", "")
	wantStatus(t, r, http.StatusOK)
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	var people []string
	for _, u := range list.Users {
		people = append(people, u.User)
		if slices.Contains(u.Roles, string(auth.System)) {
			t.Errorf("a system account is offered: %+v", u)
		}
	}
	if !slices.Contains(people, "E3002") || !slices.Contains(people, "E1101") || !slices.Contains(people, "E0002") {
		t.Errorf("seeded people %v lack a manager, a supervisor or HR", people)
	}

	r = e.do(t, http.MethodPost, "/dev/token", strings.NewReader(`{"user":"E3002"}`), "Authorization", "")
	wantStatus(t, r, http.StatusOK)
	var minted struct {
		Token      string
		ExpireTime time.Time
	}
	if err := json.Unmarshal(r.body, &minted); err != nil {
		t.Fatal(err)
	}
	if left := time.Until(minted.ExpireTime); left < 7*time.Hour || left > 9*time.Hour {
		t.Errorf("token lasts %s, want a working day", left)
	}
	v, err := auth.NewVerifier(context.Background(), cfg.Auth)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(context.Background(), minted.Token)
	if err != nil {
		t.Fatalf("the minted token does not verify against the gateway's keys: %v", err)
	}
	if p.Subject != "E3002" || p.Name != "冯霞" || p.OrgUnit != "team-lujiazui" || !slices.Equal(p.Roles, []auth.Role{auth.CustomerManager}) {
		t.Errorf("minted principal %+v", p)
	}
	// The edge accepts it like any other token.
	wantStatus(t, e.get(t, "/v1/orgUnits", "Authorization", "Bearer "+minted.Token), http.StatusOK)

	d := apiError(t, e.do(t, http.MethodPost, "/dev/token", strings.NewReader(`{"user":"svc:core-banking"}`), "Authorization", ""),
		http.StatusBadRequest, "INVALID_ARGUMENT")
	if len(d.FieldViolations) != 1 || d.FieldViolations[0].Field != "user" {
		t.Errorf("a system account: %+v", d)
	}
	apiError(t, e.do(t, http.MethodPost, "/dev/token", strings.NewReader(`{"user":`), "Authorization", ""), http.StatusBadRequest, "INVALID_ARGUMENT")
}

func TestDevSignInNeedsAReadableKey(t *testing.T) {
	cfg := gateway.Config{
		Backends: []string{"roster=127.0.0.1:1"}, MaxBodyBytes: bodyLimit, RequestTimeout: time.Second,
		Auth: authtest.New(t).Config, DevSigningKey: filepath.Join(t.TempDir(), "missing.json"),
	}
	_, err := gateway.New(t.Context(), cfg, nil, zap.NewNop())
	if err == nil || !strings.Contains(err.Error(), "dev-signing-key") {
		t.Fatalf("gateway.New with an unreadable dev key: %v, want an error naming dev-signing-key", err)
	}
}
