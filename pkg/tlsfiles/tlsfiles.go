// Package tlsfiles secures gRPC between rmsuite's processes with TLS from PEM files:
// mutual TLS when a certificate is configured, plaintext when not (development, `make
// run`). Every process presents one certificate, as a server to its callers and as a
// client to the services it calls, and trusts the peers whose certificates chain to
// one CA bundle.
//
// The files are checked at every new connection and read again when they have
// changed (modification time, size or the file itself, as when a new file is renamed
// over the old one), so operators rotate certificates and CA bundles by replacing the
// files, without a restart. A replacement that does not load (a key that does not
// match its certificate yet, a certificate not signed by the CA) is logged and the
// last good files stay in use until the next change.
package tlsfiles

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// Config is what a gRPC client needs (the gateway, the CLI): the files it presents
// and trusts. A service embeds it in ServerConfig, so the same files serve both
// directions.
type Config struct {
	CertFile   string `flag:"tls-cert" env:"TLS_CERT" default:"" usage:"PEM certificate (with any intermediates) presented over gRPC, to callers and to the services called; empty: plaintext gRPC (development)"`
	KeyFile    string `flag:"tls-key" env:"TLS_KEY" default:"" usage:"PEM private key of tls-cert"`
	CAFile     string `flag:"tls-ca" env:"TLS_CA" default:"" usage:"PEM CA bundle the certificates of gRPC peers must chain to"`
	ServerName string `flag:"tls-server-name" env:"TLS_SERVER_NAME" default:"" usage:"name to verify in the certificates of the services called; default: the host of each address (as registered in etcd)"`
}

// Enabled reports whether TLS is configured; when not, gRPC is plaintext.
func (c Config) Enabled() bool { return c.CertFile != "" || c.KeyFile != "" || c.CAFile != "" }

// Validate requires the three files together (or none), readable, parsing, and the
// certificate signed by the CA bundle and not expired.
func (c Config) Validate() error {
	if !c.Enabled() {
		if c.ServerName != "" {
			return errors.New("tls-server-name is set but TLS is off: set tls-cert, tls-key and tls-ca too")
		}
		return nil
	}
	var missing []string
	for _, f := range []struct{ flag, value string }{{"tls-cert", c.CertFile}, {"tls-key", c.KeyFile}, {"tls-ca", c.CAFile}} {
		if f.value == "" {
			missing = append(missing, f.flag)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("TLS needs tls-cert, tls-key and tls-ca together; missing %s", strings.Join(missing, " and "))
	}
	_, err := c.load()
	return err
}

// ClientCredentials are the transport credentials for dialing rmsuite services:
// mutual TLS with the configured files (the server's certificate is checked against
// the CA bundle and the dialed host, or ServerName), or plaintext when TLS is off.
// log reports certificate reloads; nil logs nothing.
func (c Config) ClientCredentials(log *zap.Logger) (credentials.TransportCredentials, error) {
	if !c.Enabled() {
		return insecure.NewCredentials(), nil
	}
	f, err := newFiles(c, log)
	if err != nil {
		return nil, err
	}
	return &clientCreds{files: f, serverName: c.ServerName}, nil
}

// DialOption is ClientCredentials as an option for grpc.NewClient or discovery.Dial.
func (c Config) DialOption(log *zap.Logger) (grpc.DialOption, error) {
	creds, err := c.ClientCredentials(log)
	if err != nil {
		return nil, err
	}
	return grpc.WithTransportCredentials(creds), nil
}

// ServerConfig is a service's TLS: its files and whether callers must present a
// certificate. The zero value requires one (mutual TLS) once TLS is on.
type ServerConfig struct {
	Config
	ClientCertOptional bool `flag:"tls-client-cert-optional" env:"TLS_CLIENT_CERT_OPTIONAL" default:"false" usage:"also accept TLS callers without a client certificate (they still need a token); default: callers must present a certificate signed by tls-ca"`
}

// Validate checks the files; relaxing client certificates needs TLS on.
func (c ServerConfig) Validate() error {
	if c.ClientCertOptional && !c.Enabled() {
		return errors.New("tls-client-cert-optional is set but TLS is off: set tls-cert, tls-key and tls-ca too")
	}
	return c.Config.Validate()
}

// ServerCredentials are the transport credentials of a gRPC server: TLS 1.2 or later
// with the configured certificate, requiring (unless ClientCertOptional) a client
// certificate signed by the CA bundle; plaintext when TLS is off.
func (c ServerConfig) ServerCredentials(log *zap.Logger) (credentials.TransportCredentials, error) {
	if !c.Enabled() {
		return insecure.NewCredentials(), nil
	}
	f, err := newFiles(c.Config, log)
	if err != nil {
		return nil, err
	}
	auth := tls.RequireAndVerifyClientCert
	if c.ClientCertOptional {
		auth = tls.VerifyClientCertIfGiven
	}
	return &serverCreds{files: f, clientAuth: auth}, nil
}

// material is one loaded generation of the files.
type material struct {
	cert tls.Certificate
	cas  *x509.CertPool
}

// load reads and checks the three files.
func (c Config) load() (*material, error) {
	certPEM, err := os.ReadFile(c.CertFile)
	if err != nil {
		return nil, fmt.Errorf("tls-cert: %w", err)
	}
	keyPEM, err := os.ReadFile(c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("tls-key: %w", err)
	}
	caPEM, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("tls-ca: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("tls-cert %s and tls-key %s: %w", c.CertFile, c.KeyFile, err)
	}
	cas := x509.NewCertPool()
	if !cas.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("tls-ca %s: no PEM certificate in it", c.CAFile)
	}
	// Peers check our certificate against the same bundle: refuse one they would
	// refuse (another CA, expired) here, with a clear message.
	chain := make([]*x509.Certificate, len(cert.Certificate))
	for i, der := range cert.Certificate {
		if chain[i], err = x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("tls-cert %s: %w", c.CertFile, err)
		}
	}
	cert.Leaf = chain[0]
	intermediates := x509.NewCertPool()
	for _, ic := range chain[1:] {
		intermediates.AddCert(ic)
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{
		Roots: cas, Intermediates: intermediates, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return nil, fmt.Errorf("tls-cert %s does not verify against tls-ca %s: %w", c.CertFile, c.CAFile, err)
	}
	return &material{cert: cert, cas: cas}, nil
}

// files hands out the current material, reloading it when the files change.
type files struct {
	cfg Config
	log *zap.Logger

	mu     sync.Mutex
	cur    *material
	stamp  stamp  // of the files cur was loaded from
	failed *stamp // of files that did not load: not tried again until they change
}

// stamp identifies a version of the three files without reading them.
type stamp [3]os.FileInfo

func (s stamp) same(o stamp) bool {
	for i := range s {
		a, b := s[i], o[i]
		if a == nil || b == nil {
			if a != b {
				return false
			}
			continue
		}
		if !os.SameFile(a, b) || !a.ModTime().Equal(b.ModTime()) || a.Size() != b.Size() {
			return false
		}
	}
	return true
}

func (c Config) stat() stamp {
	var s stamp
	for i, name := range []string{c.CertFile, c.KeyFile, c.CAFile} {
		s[i], _ = os.Stat(name) // a missing file (mid-rotation) is a stamp of its own
	}
	return s
}

func newFiles(cfg Config, log *zap.Logger) (*files, error) {
	if log == nil {
		log = zap.NewNop()
	}
	f := &files{cfg: cfg, log: log.Named("tls")}
	f.stamp = cfg.stat()
	m, err := cfg.load()
	if err != nil {
		return nil, err
	}
	f.cur = m
	return f, nil
}

// current returns the material of the files as they are now, or the last good one
// when they changed into something that does not load.
func (f *files) current() *material {
	s := f.cfg.stat()
	f.mu.Lock()
	defer f.mu.Unlock()
	if s.same(f.stamp) || (f.failed != nil && s.same(*f.failed)) {
		return f.cur
	}
	m, err := f.cfg.load()
	if err != nil {
		f.failed = &s
		f.log.Warn("TLS files changed but do not load; keeping the previous ones", zap.Error(err))
		return f.cur
	}
	f.cur, f.stamp, f.failed = m, s, nil
	f.log.Info("TLS files reloaded", zap.String("serial", m.cert.Leaf.SerialNumber.Text(16)),
		zap.Time("not_after", m.cert.Leaf.NotAfter))
	return m
}

// serverCreds build the TLS configuration from the current files at every handshake.
type serverCreds struct {
	files      *files
	clientAuth tls.ClientAuthType
}

func (c *serverCreds) ServerHandshake(conn net.Conn) (net.Conn, credentials.AuthInfo, error) {
	m := c.files.current()
	return credentials.NewTLS(&tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{m.cert},
		ClientCAs:    m.cas,
		ClientAuth:   c.clientAuth,
	}).ServerHandshake(conn)
}

func (c *serverCreds) ClientHandshake(context.Context, string, net.Conn) (net.Conn, credentials.AuthInfo, error) {
	return nil, nil, errors.New("tlsfiles: server credentials cannot dial")
}

func (c *serverCreds) Info() credentials.ProtocolInfo {
	return credentials.ProtocolInfo{SecurityProtocol: "tls", SecurityVersion: "1.2"}
}

func (c *serverCreds) Clone() credentials.TransportCredentials { cp := *c; return &cp }

func (c *serverCreds) OverrideServerName(string) error { return nil }

// clientCreds build the TLS configuration from the current files at every handshake.
type clientCreds struct {
	files      *files
	serverName string // verified instead of the dialed host when set
}

func (c *clientCreds) ClientHandshake(ctx context.Context, authority string, conn net.Conn) (net.Conn, credentials.AuthInfo, error) {
	if c.serverName != "" {
		authority = c.serverName
	}
	m := c.files.current()
	// NewTLS checks the server's certificate against RootCAs and the host of
	// authority (an IP address against the certificate's IP addresses).
	return credentials.NewTLS(&tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{m.cert},
		RootCAs:      m.cas,
	}).ClientHandshake(ctx, authority, conn)
}

func (c *clientCreds) ServerHandshake(net.Conn) (net.Conn, credentials.AuthInfo, error) {
	return nil, nil, errors.New("tlsfiles: client credentials cannot serve")
}

// Info names ServerName, which gRPC then also sends as the calls' authority.
func (c *clientCreds) Info() credentials.ProtocolInfo {
	return credentials.ProtocolInfo{SecurityProtocol: "tls", SecurityVersion: "1.2", ServerName: c.serverName}
}

func (c *clientCreds) Clone() credentials.TransportCredentials { cp := *c; return &cp }

func (c *clientCreds) OverrideServerName(name string) error { c.serverName = name; return nil }
