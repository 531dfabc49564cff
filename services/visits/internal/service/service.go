// Package service is the visits service's composition root: storage, the roster
// client, the feed follower and the gRPC API.
package service

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/server"
	"github.com/rmsuite/rmsuite/pkg/storage"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
	visitsv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/visits/v1"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/roster"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/visits/internal/app"
	"github.com/rmsuite/rmsuite/services/visits/internal/ports"
)

// Name is the service's name in etcd and in logs.
const Name = "visits"

// DefaultConfig is the configuration before flags and environment apply.
func DefaultConfig() server.ServiceConfig {
	return server.ServiceConfig{
		Server: server.Config{GRPCAddr: "127.0.0.1:9104"},
		DBURL:  "sqlite:.data/visits.db",
	}
}

// Options change how the service runs (tests).
type Options struct {
	// Now is the clock; storage.Now when nil.
	Now func() time.Time
}

// Descriptor describes the visits service to server.Run.
func Descriptor() server.Service { return DescriptorWith(Options{}) }

// DescriptorWith is Descriptor with options.
func DescriptorWith(o Options) server.Service {
	if o.Now == nil {
		o.Now = storage.Now
	}
	return server.Service{
		Name:       Name,
		Migrations: []storage.Migrations{sqlstore.Migrations()},
		Errors:     append(apierr.Table{}, ports.ErrorTable...),
		Rules:      ports.Rules,
		Register: func(ctx context.Context, s *server.Server, db *storage.DB, log *zap.Logger) error {
			conn, err := s.Dial("roster")
			if err != nil {
				return err
			}
			client := roster.New(conn, s.ServiceToken)
			store := sqlstore.New(db)
			s.Register(&visitsv1.VisitService_ServiceDesc, ports.NewServer(db, app.New(store, client, o.Now)))
			go Follow(ctx, app.NewSync(db, store, client.ManagerPath), client, log)
			return nil
		},
	}
}

// Follow applies the roster's portfolio change feed until ctx ends, resuming from
// the stored cursor after every failure (and after a restart), so that customers
// created, changed or handed over while this service was down are caught up.
func Follow(ctx context.Context, sync *app.Sync, client *roster.Client, log *zap.Logger) {
	failures := 0
	for ctx.Err() == nil {
		cursor, err := sync.Cursor(ctx)
		if err == nil {
			err = client.Follow(ctx, cursor, func(ch *rosterv1.PortfolioChange) error {
				failures = 0
				return sync.Apply(ctx, ch)
			})
		}
		if ctx.Err() != nil {
			return
		}
		failures++
		if failures == 1 || failures%20 == 0 {
			log.Warn("following the roster's portfolio feed failed; retrying", zap.Error(err), zap.Int("failures", failures))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(roster.Backoff(failures)):
		}
	}
}
