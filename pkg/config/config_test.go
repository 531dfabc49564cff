package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

type inner struct {
	Addr    string        `flag:"addr" env:"ADDR" usage:"listen address"` // no default tag: preset value is the default
	Timeout time.Duration `flag:"timeout" env:"TIMEOUT" default:"10s" usage:"timeout"`
}

type testConfig struct {
	Server  inner
	Name    string   `flag:"name" env:"NAME" default:"from-default" usage:"a name"`
	Verbose bool     `flag:"verbose" env:"VERBOSE" default:"false"`
	Serve   bool     `flag:"serve" env:"SERVE" default:"true"`
	Count   int      `flag:"count" env:"COUNT" default:"3"`
	Big     int64    `flag:"big" env:"BIG" default:"0"`
	Peers   []string `flag:"peers" env:"PEERS" default:"a,b"`
	DBURL   string   `flag:"db-url" env:"DB_URL"`
	Token   string   `flag:"token" env:"TOKEN" secret:"true"`
	Ignored string   // no flag tag: untouched

	validated int
	invalid   error
}

func (c *testConfig) Validate() error {
	c.validated++
	return c.invalid
}

// env builds a lookup function from pairs, standing in for os.LookupEnv.
func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	cfg := testConfig{Server: inner{Addr: ":9101"}, DBURL: "sqlite:preset.db", Ignored: "keep"}
	if err := load(&cfg, "svc", nil, "T_", env()); err != nil {
		t.Fatal(err)
	}
	want := testConfig{
		Server:  inner{Addr: ":9101", Timeout: 10 * time.Second},
		Name:    "from-default",
		Serve:   true,
		Count:   3,
		Peers:   []string{"a", "b"},
		DBURL:   "sqlite:preset.db",
		Ignored: "keep",
	}
	cfg.validated = 0
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("defaults:\n got %+v\nwant %+v", cfg, want)
	}
}

func TestPrecedenceFlagOverEnvOverDefault(t *testing.T) {
	cfg := testConfig{Server: inner{Addr: ":9101"}}
	lookup := env(
		"T_NAME", "from-env",
		"T_ADDR", ":7000",
		"T_COUNT", "5",
		"NAME", "unprefixed-must-be-ignored",
	)
	args := []string{"--name", "from-flag", "-count=9"}
	if err := load(&cfg, "svc", args, "T_", lookup); err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "from-flag" {
		t.Errorf("Name = %q, want flag value", cfg.Name)
	}
	if cfg.Count != 9 {
		t.Errorf("Count = %d, want flag value 9", cfg.Count)
	}
	if cfg.Server.Addr != ":7000" {
		t.Errorf("Server.Addr = %q, want env value over preset default", cfg.Server.Addr)
	}
	if cfg.Server.Timeout != 10*time.Second {
		t.Errorf("Timeout = %s, want default 10s", cfg.Server.Timeout)
	}
}

func TestEnvOverridesPresetDefault(t *testing.T) {
	cfg := testConfig{DBURL: "sqlite:preset.db"}
	if err := load(&cfg, "svc", nil, "RMS_", env("RMS_DB_URL", "sqlite:env.db")); err != nil {
		t.Fatal(err)
	}
	if cfg.DBURL != "sqlite:env.db" {
		t.Fatalf("DBURL = %q, want env value", cfg.DBURL)
	}
	// An explicitly empty flag still wins over env and default.
	cfg = testConfig{DBURL: "sqlite:preset.db"}
	if err := load(&cfg, "svc", []string{"--db-url="}, "RMS_", env("RMS_DB_URL", "sqlite:env.db")); err != nil {
		t.Fatal(err)
	}
	if cfg.DBURL != "" {
		t.Fatalf("DBURL = %q, want empty from flag", cfg.DBURL)
	}
}

func TestParsing(t *testing.T) {
	cfg := testConfig{}
	args := []string{
		"--timeout=1m30s",
		"--verbose=true",
		"--serve=false",
		"--count", "-4",
		"--big", "9000000000",
		"--peers", " x , ,y,z ",
	}
	if err := load(&cfg, "svc", args, "T_", env()); err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Timeout != 90*time.Second {
		t.Errorf("Timeout = %s", cfg.Server.Timeout)
	}
	if !cfg.Verbose || cfg.Serve {
		t.Errorf("Verbose = %v, Serve = %v", cfg.Verbose, cfg.Serve)
	}
	if cfg.Count != -4 || cfg.Big != 9_000_000_000 {
		t.Errorf("Count = %d, Big = %d", cfg.Count, cfg.Big)
	}
	if !reflect.DeepEqual(cfg.Peers, []string{"x", "y", "z"}) {
		t.Errorf("Peers = %q", cfg.Peers)
	}

	// Env values go through the same parsing; empty list and empty bool are allowed.
	cfg = testConfig{}
	if err := load(&cfg, "svc", nil, "T_", env("T_TIMEOUT", "250ms", "T_SERVE", "0", "T_PEERS", "", "T_VERBOSE", "TRUE")); err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Timeout != 250*time.Millisecond || cfg.Serve || !cfg.Verbose || len(cfg.Peers) != 0 {
		t.Errorf("from env: %+v", cfg)
	}
}

func TestBareBoolFlag(t *testing.T) {
	cfg := testConfig{}
	// A bool flag given alone means true, as with the standard flag package, and does
	// not swallow the next argument.
	if err := load(&cfg, "svc", []string{"--verbose", "--name", "n"}, "T_", env("T_VERBOSE", "false")); err != nil {
		t.Fatal(err)
	}
	if !cfg.Verbose || cfg.Name != "n" {
		t.Fatalf("Verbose = %v, Name = %q", cfg.Verbose, cfg.Name)
	}
}

func TestBadValuesNameTheirSource(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		lookup  func(string) (string, bool)
		wantAll []string
	}{
		{"flag duration", []string{"--timeout", "soon"}, env(), []string{"flag --timeout", `"soon"`, "duration"}},
		{"env duration", nil, env("T_TIMEOUT", "10"), []string{"environment variable T_TIMEOUT", `"10"`}},
		{"flag int", []string{"--count=three"}, env(), []string{"flag --count", "whole number"}},
		{"env int64", nil, env("T_BIG", "1.5"), []string{"environment variable T_BIG"}},
		{"flag bool", []string{"--serve=yes"}, env(), []string{"flag --serve", "true or false"}},
		{"env bool", nil, env("T_VERBOSE", "maybe"), []string{"environment variable T_VERBOSE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig{}
			err := load(&cfg, "svc", tt.args, "T_", tt.lookup)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.wantAll {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if cfg.validated != 0 {
				t.Error("Validate ran although loading failed")
			}
		})
	}
}

func TestBadDefaultNamesDefault(t *testing.T) {
	var cfg struct {
		N int `flag:"n" default:"x"`
	}
	err := load(&cfg, "svc", nil, "T_", env())
	if err == nil || !strings.Contains(err.Error(), "default") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnsupportedType(t *testing.T) {
	var cfg struct {
		F float64 `flag:"f" default:"1.5"`
	}
	if err := load(&cfg, "svc", nil, "T_", env()); err == nil || !strings.Contains(err.Error(), "unsupported") {
		t.Fatalf("err = %v", err)
	}
}

func TestValidateIsCalled(t *testing.T) {
	cfg := testConfig{}
	if err := load(&cfg, "svc", nil, "T_", env()); err != nil {
		t.Fatal(err)
	}
	if cfg.validated != 1 {
		t.Fatalf("Validate called %d times, want 1", cfg.validated)
	}

	boom := errors.New("count too small")
	cfg = testConfig{invalid: boom}
	err := load(&cfg, "svc", nil, "T_", env())
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the Validate error wrapped", err)
	}
	if !strings.Contains(err.Error(), "invalid configuration") {
		t.Errorf("err = %q", err)
	}
}

// valueValidator has Validate on the value receiver; Load gets a pointer.
type valueValidator struct {
	N int `flag:"n" default:"1"`
}

func (v valueValidator) Validate() error {
	if v.N < 1 {
		return errors.New("n must be positive")
	}
	return nil
}

func TestValidateValueReceiver(t *testing.T) {
	var cfg valueValidator
	err := load(&cfg, "svc", []string{"--n=0"}, "T_", env())
	if err == nil || !strings.Contains(err.Error(), "n must be positive") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnknownFlagAndExtraArgs(t *testing.T) {
	cfg := testConfig{}
	err := load(&cfg, "svc", []string{"--nope=1"}, "T_", env())
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("unknown flag: err = %v", err)
	}
	// The error carries the usage, so the operator sees what exists.
	if !strings.Contains(err.Error(), "--name (env T_NAME") {
		t.Errorf("unknown flag error lacks usage: %q", err)
	}

	err = load(&cfg, "svc", []string{"--name", "x", "stray"}, "T_", env())
	if err == nil || !strings.Contains(err.Error(), `"stray"`) {
		t.Fatalf("extra argument: err = %v", err)
	}
}

func TestNotAStructPointer(t *testing.T) {
	var cfg testConfig
	if err := load(cfg, "svc", nil, "T_", env()); err == nil {
		t.Fatal("struct value accepted")
	}
	n := 3
	if err := load(&n, "svc", nil, "T_", env()); err == nil {
		t.Fatal("*int accepted")
	}
	if Describe(&n) != nil {
		t.Fatal("Describe of *int should be nil")
	}
}

func TestLoadUsesProcessEnvironment(t *testing.T) {
	t.Setenv("RMSUITE_CFGTEST_NAME", "real-env")
	cfg := testConfig{}
	if err := Load(&cfg, "svc", nil, "RMSUITE_CFGTEST_"); err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "real-env" {
		t.Fatalf("Name = %q", cfg.Name)
	}
}

func TestUsage(t *testing.T) {
	cfg := testConfig{Server: inner{Addr: ":9101"}}
	u := Usage(&cfg, "T_")
	for _, want := range []string{
		"--addr (env T_ADDR, default \":9101\")", // preset value shown as default
		"listen address",
		"--timeout (env T_TIMEOUT, default \"10s\")",
		"--peers (env T_PEERS, default \"a,b\")",
	} {
		if !strings.Contains(u, want) {
			t.Errorf("usage lacks %q:\n%s", want, u)
		}
	}
	if strings.Contains(u, "Ignored") {
		t.Errorf("usage lists a field without flag tag:\n%s", u)
	}
}

func TestDescribeMasksSecrets(t *testing.T) {
	cfg := testConfig{}
	lookup := env(
		"T_TOKEN", "s3cr3t-token",
		"T_DB_URL", "postgres://rm:hunter2@db.internal:5432/roster?sslmode=disable",
		"T_NAME", "https://user@example.com/x", // user without password: unchanged
	)
	if err := load(&cfg, "svc", nil, "T_", lookup); err != nil {
		t.Fatal(err)
	}
	got := map[string]Field{}
	for _, f := range Describe(&cfg) {
		got[f.Flag] = f
	}
	if f := got["token"]; f.Value != "***" || !f.Secret {
		t.Errorf("token = %+v", f)
	}
	if f := got["db-url"]; f.Value != "postgres://rm:xxxxx@db.internal:5432/roster?sslmode=disable" || f.Secret {
		t.Errorf("db-url = %+v", f)
	}
	if f := got["name"]; f.Value != "https://user@example.com/x" {
		t.Errorf("name = %+v", f)
	}
	if f := got["timeout"]; f.Value != "10s" {
		t.Errorf("timeout = %+v", f)
	}
	if f := got["peers"]; f.Value != "a,b" {
		t.Errorf("peers = %+v", f)
	}
	if f := got["serve"]; f.Value != "true" {
		t.Errorf("serve = %+v", f)
	}
	// The struct itself is not modified by masking.
	if cfg.Token != "s3cr3t-token" || !strings.Contains(cfg.DBURL, "hunter2") {
		t.Errorf("Describe changed the config: %+v", cfg)
	}
	for _, f := range Describe(&cfg) {
		if strings.Contains(f.Value, "hunter2") || strings.Contains(f.Value, "s3cr3t") {
			t.Errorf("secret leaked in %+v", f)
		}
	}

	// An empty secret is shown as empty (so "not set" is visible).
	if f := Describe(&testConfig{})[9]; f.Flag != "token" || f.Value != "" {
		t.Errorf("empty secret = %+v", f)
	}
}

// Passwords with characters that break URL parsing, or given as a query parameter,
// must not reach the start-up log either.
func TestDescribeMasksAwkwardURLPasswords(t *testing.T) {
	for _, raw := range []string{
		"postgres://rm:S3#CRET@db:5432/roster",
		"postgres://rm:S3/CRET@db:5432/roster",
		"postgres://rm:S3?CRET@db:5432/roster",
		"postgres://rm:S3@CRET@db:5432/roster",
		"postgres://rm@db:5432/roster?sslmode=disable&password=S3CRET",
		"postgres://rm:123#S3CRET@db:5432/roster", // parses as host "rm", port 123
		"postgres://rm:123?S3CRET@db:5432/roster",
		"postgres://rm:S3%zzCRET@db:5432/roster", // bad escape: unparseable
	} {
		cfg := struct {
			URL string `flag:"url"`
		}{URL: raw}
		f := Describe(&cfg)
		if len(f) != 1 {
			t.Fatalf("%d fields", len(f))
		}
		if strings.Contains(f[0].Value, "S3") || strings.Contains(f[0].Value, "CRET") {
			t.Errorf("%s described as %q: password leaked", raw, f[0].Value)
		}
		if !strings.Contains(f[0].Value, "db") {
			t.Errorf("%s described as %q: host lost", raw, f[0].Value)
		}
	}
}

func TestDescribeKeepsOrdinaryValues(t *testing.T) {
	for _, v := range []string{
		":9101",
		"127.0.0.1:2379,127.0.0.1:22379",
		"sqlite:.data/roster.db",
		"sqlite:///var/lib/rmsuite/roster.db",
		"postgres://rm@db:5432/roster?sslmode=disable",
		"http://localhost:8080/v1/orgUnits",
		"10s",
	} {
		cfg := struct {
			V string `flag:"v"`
		}{V: v}
		if got := Describe(&cfg)[0].Value; got != v {
			t.Errorf("Describe(%q) = %q", v, got)
		}
	}
}
