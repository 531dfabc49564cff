// Package service is the assessment service's composition root: storage, the
// roster and visits clients, the seed of the default library and templates,
// the approvals it applies, and the gRPC API.
package service

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/approval"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/server"
	"github.com/rmsuite/rmsuite/pkg/storage"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	"github.com/rmsuite/rmsuite/services/assessment/internal/adapters/roster"
	"github.com/rmsuite/rmsuite/services/assessment/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/assessment/internal/adapters/visits"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/ports"
)

// Name is the service's name in etcd and in logs.
const Name = ports.ServiceName

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

// approvals prepares maker–checker approvals in the calling transaction.
type approvals struct{ db *storage.DB }

func (p approvals) Prepare(ctx context.Context, a approval.Action) (approval.Approval, error) {
	return approval.Prepare(ctx, p.db, a)
}

// DescriptorWith is Descriptor with options.
func DescriptorWith(o Options) server.Service {
	if o.Now == nil {
		o.Now = storage.Now
	}
	// The appliers are built before the API (server.Run asks for them first);
	// they call the servers Register builds.
	var runs *ports.RunServer
	var uc *app.App
	return server.Service{
		Name:       Name,
		Migrations: []storage.Migrations{sqlstore.Migrations()},
		Errors:     append(apierr.Table{}, ports.ErrorTable...),
		Rules:      ports.Rules,
		HomePath: func(*storage.DB) audit.HomePath {
			return func(ctx context.Context, orgUnit string) (string, error) {
				if uc == nil {
					return "", fmt.Errorf("%s: not started", Name)
				}
				return uc.OrgPath(ctx, orgUnit)
			}
		},
		Appliers: func(*storage.DB) approval.Appliers {
			return approval.Appliers{
				app.ActionCloseRun: func(ctx context.Context, payload []byte) error {
					if runs == nil {
						return fmt.Errorf("%s: not started", Name)
					}
					return runs.ApplyCloseRun(ctx, payload)
				},
			}
		},
		Register: func(ctx context.Context, s *server.Server, db *storage.DB, log *zap.Logger) error {
			rosterConn, err := s.Dial("roster")
			if err != nil {
				return err
			}
			visitsConn, err := s.Dial("visits")
			if err != nil {
				return err
			}
			a := app.New(app.Deps{Store: sqlstore.New(db), Tx: db, Directory: roster.New(rosterConn), Visits: visits.New(visitsConn),
				Approvals: approvals{db: db}, Now: o.Now})
			indicators, templates, err := a.Seed(ctx)
			if err != nil {
				return err
			}
			if indicators > 0 || templates > 0 {
				log.Info("seeded the default indicator library and templates",
					zap.Int("indicators", indicators), zap.Int("templates", templates))
			}
			uc, runs = a, ports.NewRunServer(db, a)
			s.Register(&assessmentv1.IndicatorService_ServiceDesc, ports.NewIndicatorServer(db, a))
			s.Register(&assessmentv1.FigureService_ServiceDesc, ports.NewFigureServer(a))
			s.Register(&assessmentv1.RunService_ServiceDesc, runs)
			s.Register(&assessmentv1.CoefficientService_ServiceDesc, ports.NewCoefficientServer(a))
			s.Register(&assessmentv1.AssessmentService_ServiceDesc, ports.NewCycleServer(db, a))
			return nil
		},
	}
}
