// Package service is the roster's composition root: it wires storage, use cases and
// the gRPC API together.
package service

import (
	"context"

	"go.uber.org/zap"

	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/server"
	"github.com/rmsuite/rmsuite/pkg/storage"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
	"github.com/rmsuite/rmsuite/services/roster/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/roster/internal/app"
	"github.com/rmsuite/rmsuite/services/roster/internal/ports"
)

// Name is the roster's name in etcd and in logs.
const Name = "roster"

// DefaultConfig is the roster's configuration before flags and environment apply.
func DefaultConfig() server.ServiceConfig {
	return server.ServiceConfig{
		Server: server.Config{GRPCAddr: "127.0.0.1:9101"},
		DBURL:  "sqlite:.data/roster.db",
	}
}

// Descriptor describes the roster to server.Run.
func Descriptor(seedDemo bool) server.Service {
	return server.Service{
		Name:       Name,
		Migrations: []storage.Migrations{sqlstore.Migrations()},
		Errors:     ports.ErrorTable,
		Rules:      ports.Rules,
		HomePath: func(db *storage.DB) audit.HomePath {
			return ports.HomePath(sqlstore.NewOrgUnits(db))
		},
		Register: func(ctx context.Context, s *server.Server, db *storage.DB, log *zap.Logger) error {
			units := app.NewOrgUnits(sqlstore.NewOrgUnits(db), db, storage.Now, ports.AuditLog{})
			if seedDemo {
				seeded, err := units.Seed(ctx, SeedOrgUnits)
				if err != nil {
					return err
				}
				if seeded {
					log.Info("seeded demonstration org units", zap.Int("count", len(SeedOrgUnits)))
				}
			}
			s.Register(&rosterv1.RosterService_ServiceDesc, ports.NewServer(db, units))
			return nil
		},
	}
}
