package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/tlsfiles"
	"github.com/rmsuite/rmsuite/pkg/tlsfiles/tlstest"
)

// TestServiceMutualTLS runs a service through the kit with TLS configured and
// calls it with and without the right certificates.
func TestServiceMutualTLS(t *testing.T) {
	ca := tlstest.NewCA(t, "rmsuite test CA")
	cfg, iss := serviceConfigAndIssuer(t)
	cfg.TLS.Config = ca.Config(t, "probe")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	svc := Service{
		Name:  "probe",
		Rules: probeRules,
		Register: func(ctx context.Context, s *Server, db *storage.DB, log *zap.Logger) error {
			s.Register(&probeDesc, newProbe())
			return nil
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, svc, cfg, zap.NewNop()) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("Run did not return")
		}
	})
	addr := cfg.Server.GRPCAddr
	client := ca.Config(t, "gateway")
	clientOpt, err := client.DialOption(nil)
	if err != nil {
		t.Fatal(err)
	}

	// dialWith opens a new connection with opt.
	dialWith := func(t *testing.T, opt grpc.DialOption) *grpc.ClientConn {
		t.Helper()
		conn, err := grpc.NewClient(addr, opt)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	// serverSerial is the serial of the certificate the server presented on conn.
	serverSerial := func(t *testing.T, conn *grpc.ClientConn) *big.Int {
		t.Helper()
		var p peer.Peer
		if err := checkHealth(conn, grpc.Peer(&p)); err != nil {
			t.Fatalf("health over mutual TLS: %v", err)
		}
		info, ok := p.AuthInfo.(credentials.TLSInfo)
		if !ok {
			t.Fatalf("peer auth info %T, want TLS", p.AuthInfo)
		}
		return info.State.PeerCertificates[0].SerialNumber
	}
	// refused checks that a health check over opt fails at the transport. (The
	// error's text depends on timing: the alert that says why, or a broken pipe.)
	refused := func(t *testing.T, opt grpc.DialOption) {
		t.Helper()
		err := checkHealth(dialWith(t, opt))
		if status.Code(err) != codes.Unavailable {
			t.Fatalf("health = %v, want Unavailable", err)
		}
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(readFile(t, ca.File))

	conn := dialWith(t, clientOpt)
	waitServing(t, conn, probeService)

	t.Run("client certificate signed by the CA", func(t *testing.T) {
		if got, want := serverSerial(t, conn), leafSerial(t, cfg.TLS.CertFile); got.Cmp(want) != 0 {
			t.Fatalf("server presented serial %v, want %v (its tls-cert)", got, want)
		}
		// The shared interceptors (here: the token check) still run behind TLS.
		if _, _, err := call(ctxTimeout(t, 5*time.Second), conn, "hi"); status.Code(err) != codes.Unauthenticated {
			t.Fatalf("call without a token = %v, want Unauthenticated", err)
		}
		authed := metadata.AppendToOutgoingContext(ctxTimeout(t, 5*time.Second), "authorization",
			"Bearer "+iss.Token(t, "S0001", "head-office", auth.System))
		if got, _, err := call(authed, conn, "hi"); err != nil || got != "echo hi" {
			t.Fatalf("call = %q, %v", got, err)
		}
	})

	t.Run("plaintext client", func(t *testing.T) {
		refused(t, grpc.WithTransportCredentials(insecure.NewCredentials()))
	})

	t.Run("TLS client without a certificate", func(t *testing.T) {
		refused(t, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: roots})))
	})

	t.Run("client certificate of another CA", func(t *testing.T) {
		other := tlstest.NewCA(t, "another CA").Config(t, "intruder")
		// tlsfiles refuses to build such a client; a hand-made one is refused by the server.
		if err := (tlsfiles.Config{CertFile: other.CertFile, KeyFile: other.KeyFile, CAFile: ca.File}).Validate(); err == nil {
			t.Fatal("a certificate of another CA validated")
		}
		pair, err := tls.LoadX509KeyPair(other.CertFile, other.KeyFile)
		if err != nil {
			t.Fatal(err)
		}
		// Presented whatever CAs the server asks for (from tls.Config.Certificates
		// the client would send none, as without a certificate).
		presented := make(chan struct{}, 10)
		present := func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			presented <- struct{}{}
			return &pair, nil
		}
		refused(t, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: roots, GetClientCertificate: present})))
		if len(presented) == 0 {
			t.Fatal("the server did not ask for a client certificate")
		}
	})

	t.Run("server certificate rotated on disk", func(t *testing.T) {
		before := serverSerial(t, conn)
		rotated := ca.Issue(t, "probe", cfg.TLS.CertFile, cfg.TLS.KeyFile)
		if rotated.SerialNumber.Cmp(before) == 0 {
			t.Fatal("the new certificate has the old serial")
		}
		if got := serverSerial(t, dialWith(t, clientOpt)); got.Cmp(rotated.SerialNumber) != 0 {
			t.Fatalf("a new connection got serial %v, want the rotated %v", got, rotated.SerialNumber)
		}
		// The connection made before keeps working on its handshake.
		if got := serverSerial(t, conn); got.Cmp(before) != 0 {
			t.Fatalf("the existing connection now reports serial %v, want %v", got, before)
		}
	})
}

func TestServiceConfigValidateTLS(t *testing.T) {
	cfg := serviceConfig(t)
	cfg.TLS.CertFile = tlstest.NewCA(t, "CA").Config(t, "probe").CertFile
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "missing tls-key and tls-ca") {
		t.Fatalf("Validate = %v, want the missing TLS files named", err)
	}
}

// checkHealth asks for the server's overall health on conn.
func checkHealth(conn *grpc.ClientConn, opts ...grpc.CallOption) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}, opts...)
	return err
}

// leafSerial is the serial of the (first) certificate in certFile.
func leafSerial(t *testing.T, certFile string) *big.Int {
	t.Helper()
	block, _ := pem.Decode(readFile(t, certFile))
	if block == nil {
		t.Fatalf("%s: no PEM", certFile)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert.SerialNumber
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
