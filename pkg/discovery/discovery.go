// Package discovery registers service instances in etcd and dials services through
// etcd, with round-robin over the live instances.
//
// An instance registers its gRPC address under rmsuite/services/<service>/<instance>
// with a lease; a KeepAlive keeps the lease alive while the process lives, so a
// crashed instance disappears when the lease runs out (its TTL). If the lease is lost
// (etcd restarted, a long network partition), the instance registers again with a new
// lease. Clients dial etcd:///rmsuite/services/<service>: the etcd naming resolver
// watches the prefix and the round_robin balancer spreads calls over the instances
// that are READY.
package discovery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/naming/endpoints"
	"go.etcd.io/etcd/client/v3/naming/resolver"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
	gresolver "google.golang.org/grpc/resolver"
)

// Prefix is where every instance registers.
const Prefix = "rmsuite/services/"

// Config selects the etcd cluster and the registration lease.
type Config struct {
	EtcdEndpoints   []string      `flag:"etcd-endpoints" env:"ETCD_ENDPOINTS" default:"127.0.0.1:2379" usage:"comma-separated etcd client endpoints; empty disables registration"`
	RegistrationTTL time.Duration `flag:"registration-ttl" env:"REGISTRATION_TTL" default:"10s" usage:"lease TTL of this instance's registration; a dead instance disappears within it"`
}

// Validate checks the TTL.
func (c Config) Validate() error {
	if len(c.EtcdEndpoints) > 0 && (c.RegistrationTTL < 2*time.Second || c.RegistrationTTL > 5*time.Minute) {
		return fmt.Errorf("registration-ttl %s: use between 2s and 5m", c.RegistrationTTL)
	}
	return nil
}

// NewClient connects to etcd. The connection is lazy: etcd may start later.
func NewClient(endpoints []string, log *zap.Logger) (*clientv3.Client, error) {
	if len(endpoints) == 0 {
		return nil, errors.New("no etcd endpoints configured")
	}
	return clientv3.New(clientv3.Config{
		Endpoints:            endpoints,
		DialTimeout:          5 * time.Second,
		DialKeepAliveTime:    10 * time.Second,
		DialKeepAliveTimeout: 5 * time.Second,
		Logger:               log.Named("etcd").WithOptions(zap.IncreaseLevel(zap.ErrorLevel)),
		// Reconnect to a returning etcd within seconds: gRPC's default backoff grows
		// to two minutes, which would leave instances unregistered that long after an
		// outage.
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 200 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 2 * time.Second},
			MinConnectTimeout: 5 * time.Second,
		})},
	})
}

// Target is the gRPC dial target of a service, e.g. etcd:///rmsuite/services/roster.
func Target(service string) string { return "etcd:///" + Prefix + service }

// Metadata describes an instance to operators.
type Metadata struct {
	Service  string `json:"service"`
	Instance string `json:"instance"`
	Version  string `json:"version,omitempty"`
	PID      int    `json:"pid"`
	// Metrics is where the instance serves Prometheus metrics, when it does.
	Metrics   string    `json:"metrics,omitempty"`
	Host      string    `json:"host,omitempty"`
	StartedAt time.Time `json:"started_at"`
}

// RegisterOption adds to what an instance tells operators about itself.
type RegisterOption func(*Metadata)

// WithMetricsAddr registers where the instance serves its metrics ("" for none).
func WithMetricsAddr(addr string) RegisterOption { return func(m *Metadata) { m.Metrics = addr } }

// Registration is one instance's live entry in etcd.
type Registration struct {
	cli      *clientv3.Client
	manager  endpoints.Manager
	key      string
	endpoint endpoints.Endpoint
	ttl      time.Duration
	log      *zap.Logger

	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	lease clientv3.LeaseID
}

// Register announces addr as an instance of service and keeps the announcement alive
// until Deregister. The first registration must succeed (within ctx); later lease
// losses are repaired in the background.
func Register(ctx context.Context, cli *clientv3.Client, service, addr, version string, ttl time.Duration, log *zap.Logger, opts ...RegisterOption) (*Registration, error) {
	manager, err := endpoints.NewManager(cli, Prefix+service)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	id := instanceID()
	meta := Metadata{Service: service, Instance: id, Version: version, PID: os.Getpid(), Host: host, StartedAt: time.Now().UTC()}
	for _, opt := range opts {
		opt(&meta)
	}
	r := &Registration{
		cli:      cli,
		manager:  manager,
		key:      Prefix + service + "/" + id,
		endpoint: endpoints.Endpoint{Addr: addr, Metadata: meta},
		ttl:      ttl,
		log:      log.With(zap.String("registration", Prefix+service+"/"+id), zap.String("addr", addr)),
		done:     make(chan struct{}),
	}
	// The keep-alive lives until Deregister cancels loopCtx (not until ctx ends: ctx
	// only bounds the first registration).
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	keepAlive, err := r.register(ctx, loopCtx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("register %s in etcd: %w", service, err)
	}
	r.cancel = cancel
	go r.maintain(loopCtx, keepAlive)
	r.log.Info("registered in etcd", zap.Duration("ttl", ttl))
	return r, nil
}

// Key is the etcd key of this registration.
func (r *Registration) Key() string { return r.key }

// register grants a lease, puts the entry under it and keeps the lease alive until
// keepAliveCtx ends; ctx bounds the attempt.
func (r *Registration) register(ctx, keepAliveCtx context.Context) (<-chan *clientv3.LeaseKeepAliveResponse, error) {
	lease, err := r.cli.Grant(ctx, int64(r.ttl/time.Second))
	if err != nil {
		return nil, err
	}
	// Recorded at once: from now on this lease may hold the entry, and Deregister
	// must revoke it.
	r.mu.Lock()
	r.lease = lease.ID
	r.mu.Unlock()
	if err := r.manager.AddEndpoint(ctx, r.key, r.endpoint, clientv3.WithLease(lease.ID)); err != nil {
		return nil, err
	}
	return r.cli.KeepAlive(keepAliveCtx, lease.ID)
}

// maintain drains KeepAlive answers; when the channel closes the lease is gone (or
// etcd is unreachable past the TTL), so it registers again, backing off while etcd
// is down. It ends when ctx is cancelled (Deregister), which also ends the
// keep-alive, or when the etcd client is closed.
func (r *Registration) maintain(ctx context.Context, keepAlive <-chan *clientv3.LeaseKeepAliveResponse) {
	defer close(r.done)
	backoff := 200 * time.Millisecond
	for {
		for range keepAlive {
		}
		if ctx.Err() != nil {
			return
		}
		r.log.Warn("etcd lease lost; registering again")
		for {
			if r.cli.Ctx().Err() != nil {
				r.log.Warn("etcd client closed; not registering again")
				return
			}
			attempt, cancel := context.WithTimeout(ctx, r.ttl)
			ch, err := r.register(attempt, ctx)
			cancel()
			if err == nil {
				keepAlive = ch
				backoff = 200 * time.Millisecond
				r.log.Info("registered in etcd again")
				break
			}
			if ctx.Err() != nil {
				return
			}
			r.log.Warn("etcd registration failed; retrying", zap.Error(err), zap.Duration("backoff", backoff))
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}
}

// Deregister stops the keep-alive and removes the instance from etcd at once
// (revoking its lease), within ctx: if etcd cannot be reached in time, the entry
// disappears when its lease runs out. Safe to call once.
func (r *Registration) Deregister(ctx context.Context) error {
	r.cancel()
	// Wait for the repair loop first, so that it cannot register again behind us and
	// r.lease is final.
	select {
	case <-r.done:
	case <-ctx.Done():
	}
	r.mu.Lock()
	lease := r.lease
	r.mu.Unlock()
	err := r.manager.DeleteEndpoint(ctx, r.key)
	if _, rerr := r.cli.Revoke(ctx, lease); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("deregister %s: %w", r.key, err)
	}
	r.log.Info("deregistered from etcd")
	return nil
}

// Dial connects to a service through etcd with round-robin load balancing over the
// instances that report SERVING, and retries of idempotent methods (retry.go). Extra
// options (credentials, interceptors) are appended; without credentials the
// connection is plaintext. With TLS (tlsfiles.Config.DialOption), each instance's
// certificate is checked against the host it registered.
func Dial(cli *clientv3.Client, service string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	builder, err := resolver.NewBuilder(cli)
	if err != nil {
		return nil, err
	}
	base := append([]grpc.DialOption{
		grpc.WithResolvers(hostNames{builder}),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	}, ClientOptions()...)
	return grpc.NewClient(Target(service), append(base, opts...)...)
}

// hostNames wraps the etcd resolver so that every address carries its own host as
// its server name: TLS then verifies an instance by the host it registered, where the
// channel's authority (the etcd prefix, rmsuite/services/<service>) names no host.
type hostNames struct{ gresolver.Builder }

func (b hostNames) Build(target gresolver.Target, cc gresolver.ClientConn, opts gresolver.BuildOptions) (gresolver.Resolver, error) {
	return b.Builder.Build(target, hostNamesConn{cc}, opts)
}

type hostNamesConn struct{ gresolver.ClientConn }

func (cc hostNamesConn) UpdateState(s gresolver.State) error {
	withHost := func(addrs []gresolver.Address) []gresolver.Address {
		out := slices.Clone(addrs)
		for i, a := range out {
			if host, _, err := net.SplitHostPort(a.Addr); err == nil && a.ServerName == "" {
				out[i].ServerName = host
			}
		}
		return out
	}
	s.Addresses = withHost(s.Addresses)
	s.Endpoints = slices.Clone(s.Endpoints)
	for i := range s.Endpoints {
		s.Endpoints[i].Addresses = withHost(s.Endpoints[i].Addresses)
	}
	return cc.ClientConn.UpdateState(s)
}

// Instance is one registered instance as listed from etcd.
type Instance struct {
	Key  string
	Addr string
	Meta Metadata
}

// List reads the instances registered for service, or for every service when
// service is empty.
func List(ctx context.Context, cli *clientv3.Client, service string) ([]Instance, error) {
	resp, err := cli.Get(ctx, Prefix+service, clientv3.WithPrefix())
	if err != nil {
		return nil, err
	}
	out := make([]Instance, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		var ep struct {
			Addr     string   `json:"Addr"`
			Metadata Metadata `json:"Metadata"`
		}
		if err := json.Unmarshal(kv.Value, &ep); err != nil {
			continue
		}
		key := string(kv.Key)
		if service != "" && !strings.HasPrefix(key, Prefix+service+"/") {
			continue
		}
		out = append(out, Instance{Key: key, Addr: ep.Addr, Meta: ep.Metadata})
	}
	return out, nil
}

func instanceID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
