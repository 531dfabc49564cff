// Package etcdlocal runs a single-member etcd server inside the process: for the
// one-command local run and for tests. Production uses an external etcd cluster.
package etcdlocal

import (
	"fmt"
	"net"
	"net/url"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// Server is a running embedded etcd.
type Server struct {
	etcd *embed.Etcd
	// Endpoint is the client address, e.g. 127.0.0.1:2379.
	Endpoint string
}

// Start runs etcd with its data under dir, serving clients on clientAddr and peers on
// peerAddr (host:port; port 0 picks free ports). It returns when etcd is ready.
func Start(dir, clientAddr, peerAddr string) (*Server, error) {
	clientAddr, err := resolvePort(clientAddr)
	if err != nil {
		return nil, err
	}
	peerAddr, err = resolvePort(peerAddr)
	if err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Name = "rmsuite-local"
	cfg.Dir = dir
	cfg.LogLevel = "fatal" // close-time noise is harmless; real failures surface as errors
	cu := url.URL{Scheme: "http", Host: clientAddr}
	pu := url.URL{Scheme: "http", Host: peerAddr}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
	cfg.InitialCluster = cfg.Name + "=" + pu.String()
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("start embedded etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("embedded etcd failed: %w", err)
	case <-time.After(30 * time.Second):
		e.Close()
		return nil, fmt.Errorf("embedded etcd not ready after 30s")
	}
	return &Server{etcd: e, Endpoint: clientAddr}, nil
}

// Stop shuts etcd down.
func (s *Server) Stop() { s.etcd.Close() }

// resolvePort replaces port 0 with a free port.
func resolvePort(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("etcd address %q: %w", addr, err)
	}
	if port != "0" {
		return addr, nil
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
