// Package service is the roster's composition root: it wires storage, use cases and
// the gRPC API together.
package service

import (
	"context"
	"sync"

	"go.uber.org/zap"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/approval"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/auth"
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

// useCases are the roster's use cases on one database, built once and shared by
// the API and the approval appliers.
type useCases struct {
	units     *app.OrgUnits
	managers  *app.Managers
	customers *app.Customers
}

// proposer prepares the roster's approvals.
type proposer struct{ db *storage.DB }

func (p proposer) Propose(ctx context.Context, a approval.Action) (string, error) {
	return approval.Propose(ctx, p.db, Name, a)
}

func build(db *storage.DB) *useCases {
	unitRepo := sqlstore.NewOrgUnits(db)
	uc := &useCases{
		units:    app.NewOrgUnits(unitRepo, db, storage.Now, ports.AuditLog{}),
		managers: app.NewManagers(sqlstore.NewManagers(db), unitRepo, db, storage.Now, ports.ManagerAuditLog{}, proposer{db}),
		customers: app.NewCustomers(sqlstore.NewCustomers(db), sqlstore.NewManagers(db), unitRepo, db, storage.Now,
			ports.PortfolioAuditLog{}),
	}
	uc.managers.UsePortfolios(uc.customers)
	return uc
}

// Rules are every RPC's permission: org units, managers and portfolios.
func Rules() auth.Rules { return merge(ports.Rules, ports.ManagerRules, ports.PortfolioRules) }

func merge(sets ...auth.Rules) auth.Rules {
	out := auth.Rules{}
	for _, set := range sets {
		for m, r := range set {
			out[m] = r
		}
	}
	return out
}

// Descriptor describes the roster to server.Run.
func Descriptor(seedDemo bool) server.Service {
	var once sync.Once
	var uc *useCases
	get := func(db *storage.DB) *useCases {
		once.Do(func() { uc = build(db) })
		return uc
	}
	return server.Service{
		Name:       Name,
		Migrations: []storage.Migrations{sqlstore.Migrations()},
		Errors:     append(append(append(apierr.Table{}, ports.ErrorTable...), ports.ManagerErrorTable...), ports.PortfolioErrorTable...),
		Rules:      Rules(),
		HomePath: func(db *storage.DB) audit.HomePath {
			return ports.HomePath(sqlstore.NewOrgUnits(db))
		},
		Appliers: func(db *storage.DB) approval.Appliers {
			m := get(db).managers
			return approval.Appliers{
				app.ActionGradeChange: m.ApplyGradeChange,
				app.ActionLifecycle:   m.ApplyTransition,
				app.ActionEntryWaiver: m.ApplyWaiver,
			}
		},
		Register: func(ctx context.Context, s *server.Server, db *storage.DB, log *zap.Logger) error {
			uc := get(db)
			if err := seed(ctx, uc, seedDemo, log); err != nil {
				return err
			}
			s.Register(&rosterv1.RosterService_ServiceDesc, ports.NewServer(db, uc.units))
			s.Register(&rosterv1.ManagerService_ServiceDesc, ports.NewManagerServer(db, uc.managers))
			// Following change-feed streams end when ctx does (shutdown), not holding up GracefulStop.
			s.Register(&rosterv1.PortfolioService_ServiceDesc, ports.NewPortfolioServer(db, uc.customers, ctx.Done()))
			return nil
		},
	}
}

// seed creates the default grade ladders on first start (every install needs them)
// and, with --seed-demo-data, the demonstration org tree and managers.
func seed(ctx context.Context, uc *useCases, demo bool, log *zap.Logger) error {
	ctx = auth.WithPrincipal(ctx, app.SeedCaller)
	if seeded, err := uc.managers.SeedLadders(ctx, DefaultLadders); err != nil {
		return err
	} else if seeded {
		log.Info("seeded the default grade ladders", zap.Int("count", len(DefaultLadders)))
	}
	if !demo {
		return nil
	}
	if seeded, err := uc.units.Seed(ctx, SeedOrgUnits); err != nil {
		return err
	} else if seeded {
		log.Info("seeded demonstration org units", zap.Int("count", len(SeedOrgUnits)))
	}
	if seeded, err := seedManagers(ctx, uc.managers); err != nil {
		return err
	} else if seeded {
		log.Info("seeded demonstration managers", zap.Int("count", len(demoManagers)))
	}
	return nil
}
