package tlsfiles_test

import (
	"context"
	"crypto/x509"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/config"
	"github.com/rmsuite/rmsuite/pkg/tlsfiles"
	"github.com/rmsuite/rmsuite/pkg/tlsfiles/tlstest"
)

func TestValidate(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	good := ca.Config(t, "roster")
	other := tlstest.NewCA(t, "another CA").Config(t, "intruder")
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.pem")

	with := func(f func(*tlsfiles.Config)) tlsfiles.Config { c := good; f(&c); return c }
	for _, tc := range []struct {
		name string
		cfg  tlsfiles.Config
		want string // in the error; "" for none
	}{
		{"off", tlsfiles.Config{}, ""},
		{"on", good, ""},
		{"server name without TLS", tlsfiles.Config{ServerName: "roster.bank"}, "tls-server-name is set but TLS is off"},
		{"cert alone", tlsfiles.Config{CertFile: good.CertFile}, "missing tls-key and tls-ca"},
		{"no CA", with(func(c *tlsfiles.Config) { c.CAFile = "" }), "missing tls-ca"},
		{"no cert", with(func(c *tlsfiles.Config) { c.CertFile = "" }), "missing tls-cert"},
		{"cert file missing", with(func(c *tlsfiles.Config) { c.CertFile = missing }), "tls-cert: open " + missing},
		{"key file missing", with(func(c *tlsfiles.Config) { c.KeyFile = missing }), "tls-key: open " + missing},
		{"CA file missing", with(func(c *tlsfiles.Config) { c.CAFile = missing }), "tls-ca: open " + missing},
		{"cert not PEM", with(func(c *tlsfiles.Config) { c.CertFile = garbage }), "tls-cert " + garbage + " and tls-key"},
		{"key of another cert", with(func(c *tlsfiles.Config) { c.KeyFile = other.KeyFile }), "private key does not match public key"},
		{"CA not PEM", with(func(c *tlsfiles.Config) { c.CAFile = garbage }), "tls-ca " + garbage + ": no PEM certificate"},
		{"cert of another CA", with(func(c *tlsfiles.Config) { c.CertFile, c.KeyFile = other.CertFile, other.KeyFile }), "does not verify against tls-ca"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate = %v, want an error containing %q", err, tc.want)
			}
		})
	}

	t.Run("client certificates optional without TLS", func(t *testing.T) {
		err := tlsfiles.ServerConfig{ClientCertOptional: true}.Validate()
		if err == nil || !strings.Contains(err.Error(), "tls-client-cert-optional is set but TLS is off") {
			t.Fatalf("Validate = %v", err)
		}
		if err := (tlsfiles.ServerConfig{Config: good, ClientCertOptional: true}).Validate(); err != nil {
			t.Fatalf("with TLS: %v", err)
		}
	})
}

// TestFlagsAndEnvironment checks the settings' names as operators give them.
func TestFlagsAndEnvironment(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	files := ca.Config(t, "roster")
	t.Setenv("RMSUITE_TLS_CA", files.CAFile)
	t.Setenv("RMSUITE_TLS_SERVER_NAME", "roster.bank.internal")
	var cfg struct{ TLS tlsfiles.ServerConfig }
	err := config.Load(&cfg, "test", []string{"--tls-cert", files.CertFile, "--tls-key=" + files.KeyFile, "--tls-client-cert-optional"}, "RMSUITE_")
	if err != nil {
		t.Fatal(err)
	}
	want := tlsfiles.ServerConfig{Config: files, ClientCertOptional: true}
	want.ServerName = "roster.bank.internal"
	if cfg.TLS != want {
		t.Fatalf("loaded %+v, want %+v", cfg.TLS, want)
	}
	if err := cfg.TLS.Validate(); err != nil {
		t.Fatal(err)
	}
	var off struct{ TLS tlsfiles.ServerConfig }
	if err := config.Load(&off, "test", nil, "RMSUITE_NOTHING_"); err != nil || off.TLS.Enabled() || off.TLS.ClientCertOptional {
		t.Fatalf("defaults: %+v, %v; want TLS off", off.TLS, err)
	}
}

// serve runs a plain gRPC server (health only) with cfg's server credentials.
func serve(t *testing.T, cfg tlsfiles.ServerConfig, log *zap.Logger) string {
	t.Helper()
	creds, err := cfg.ServerCredentials(log)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.Creds(creds))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

func dialOption(t *testing.T, cfg tlsfiles.Config) grpc.DialOption {
	t.Helper()
	opt, err := cfg.DialOption(nil)
	if err != nil {
		t.Fatal(err)
	}
	return opt
}

// check calls health on a new connection to addr; it returns the serial of the
// server's certificate.
func check(t *testing.T, addr string, opt grpc.DialOption) (*big.Int, error) {
	t.Helper()
	conn, err := grpc.NewClient(addr, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var p peer.Peer
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}, grpc.Peer(&p)); err != nil {
		return nil, err
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok {
		t.Fatalf("peer auth info %T, want TLS", p.AuthInfo)
	}
	return info.State.PeerCertificates[0].SerialNumber, nil
}

func TestServerName(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	addr := serve(t, tlsfiles.ServerConfig{Config: ca.Config(t, "roster")}, nil)
	client := ca.Config(t, "gateway")
	if _, err := check(t, addr, dialOption(t, client)); err != nil {
		t.Fatalf("by IP address (in the certificate): %v", err)
	}
	client.ServerName = "localhost"
	if _, err := check(t, addr, dialOption(t, client)); err != nil {
		t.Fatalf("server name localhost (in the certificate): %v", err)
	}
	client.ServerName = "roster.bank.internal"
	if _, err := check(t, addr, dialOption(t, client)); status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "roster.bank.internal") {
		t.Fatalf("server name not in the certificate: %v, want Unavailable naming it", err)
	}
}

func TestClientCertOptional(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	addr := serve(t, tlsfiles.ServerConfig{Config: ca.Config(t, "roster"), ClientCertOptional: true}, nil)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(read(t, ca.File))
	noCert := grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(roots, ""))
	if _, err := check(t, addr, noCert); err != nil {
		t.Fatalf("TLS client without a certificate: %v", err)
	}
	if _, err := check(t, addr, dialOption(t, ca.Config(t, "gateway"))); err != nil {
		t.Fatalf("TLS client with a certificate: %v", err)
	}
}

// TestRotation replaces the files under a running server and a client whose
// credentials were built before.
func TestRotation(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	srv := ca.Config(t, "roster")
	core, logs := observer.New(zapcore.InfoLevel)
	addr := serve(t, tlsfiles.ServerConfig{Config: srv}, zap.New(core))
	client := dialOption(t, ca.Config(t, "gateway"))
	first, err := check(t, addr, client)
	if err != nil {
		t.Fatal(err)
	}

	rotated := ca.Issue(t, "roster", srv.CertFile, srv.KeyFile)
	got, err := check(t, addr, client)
	if err != nil || got.Cmp(rotated.SerialNumber) != 0 {
		t.Fatalf("after rotation: serial %v, %v; want the new %v (was %v)", got, err, rotated.SerialNumber, first)
	}
	if logs.FilterMessage("TLS files reloaded").Len() != 1 {
		t.Errorf("reload not logged: %v", logs.All())
	}

	// A replacement that does not load (here: a certificate whose key is not there
	// yet) leaves the last good files in use, with a warning, until they change again.
	next := ca.Issue(t, "roster", srv.CertFile+".next", srv.KeyFile+".next")
	if err := os.Rename(srv.CertFile+".next", srv.CertFile); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got, err := check(t, addr, client); err != nil || got.Cmp(rotated.SerialNumber) != 0 {
			t.Fatalf("half-rotated: serial %v, %v; want the previous %v", got, err, rotated.SerialNumber)
		}
	}
	if warned := logs.FilterMessage("TLS files changed but do not load; keeping the previous ones"); warned.Len() != 1 {
		t.Errorf("want one warning for the broken files, got %v", warned.All())
	}
	if err := os.Rename(srv.KeyFile+".next", srv.KeyFile); err != nil {
		t.Fatal(err)
	}
	if got, err := check(t, addr, client); err != nil || got.Cmp(next.SerialNumber) != 0 {
		t.Fatalf("rotation completed: serial %v, %v; want %v", got, err, next.SerialNumber)
	}

	// A new CA: first the bundle (shared by server and client here) trusts both, then
	// the server moves to a certificate of the new CA. The client still presents its
	// old certificate and now verifies the server's against the reloaded bundle.
	newCA := tlstest.NewCA(t, "next CA")
	if err := os.WriteFile(ca.File, append(read(t, ca.File), read(t, newCA.File)...), 0o600); err != nil {
		t.Fatal(err)
	}
	moved := newCA.Issue(t, "roster", srv.CertFile, srv.KeyFile)
	if got, err := check(t, addr, client); err != nil || got.Cmp(moved.SerialNumber) != 0 {
		t.Fatalf("server on the new CA: serial %v, %v; want %v", got, err, moved.SerialNumber)
	}
	// And a client with a certificate of the new CA is accepted by the server.
	newClient := newCA.Config(t, "gateway")
	newClient.CAFile = ca.File
	if _, err := check(t, addr, dialOption(t, newClient)); err != nil {
		t.Fatalf("client on the new CA: %v", err)
	}
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
