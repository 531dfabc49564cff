// Package service is the assessment service's composition root: storage, the
// roster client, the seed of the default library and templates, and the gRPC
// API.
package service

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/server"
	"github.com/rmsuite/rmsuite/pkg/storage"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	"github.com/rmsuite/rmsuite/services/assessment/internal/adapters/roster"
	"github.com/rmsuite/rmsuite/services/assessment/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/ports"
)

// Name is the service's name in etcd and in logs.
const Name = "assessment"

// DefaultConfig is the configuration before flags and environment apply.
func DefaultConfig() server.ServiceConfig {
	return server.ServiceConfig{
		Server: server.Config{GRPCAddr: "127.0.0.1:9102"},
		DBURL:  "sqlite:.data/assessment.db",
	}
}

// Options change how the service runs (tests).
type Options struct {
	// Now is the clock; storage.Now when nil.
	Now func() time.Time
}

// Descriptor describes the assessment service to server.Run.
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
			a := app.New(sqlstore.New(db), db, roster.New(conn), o.Now)
			indicators, templates, err := a.Seed(ctx)
			if err != nil {
				return err
			}
			if indicators > 0 || templates > 0 {
				log.Info("seeded the default indicator library and templates",
					zap.Int("indicators", indicators), zap.Int("templates", templates))
			}
			s.Register(&assessmentv1.IndicatorService_ServiceDesc, ports.NewIndicatorServer(db, a))
			s.Register(&assessmentv1.FigureService_ServiceDesc, ports.NewFigureServer(a))
			return nil
		},
	}
}
