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
	// SendEvery is how often approved grade changes are sent to the roster;
	// 2 s when zero.
	SendEvery time.Duration
	// AppealWindowDays is how many days after a result is published it may
	// be appealed; 15 when zero.
	AppealWindowDays int
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
	if o.SendEvery == 0 {
		o.SendEvery = 2 * time.Second
	}
	var runs *ports.RunServer
	var decisions *ports.DecisionServer
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
				app.ActionApproveDecisions: func(ctx context.Context, payload []byte) error {
					if decisions == nil {
						return fmt.Errorf("%s: not started", Name)
					}
					return decisions.ApplyDecisionRound(ctx, payload)
				},
				app.ActionEarlyDemotion: func(ctx context.Context, payload []byte) error {
					if decisions == nil {
						return fmt.Errorf("%s: not started", Name)
					}
					return decisions.ApplyEarlyDemotion(ctx, payload)
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
				Approvals: approvals{db: db}, Grades: roster.NewGrades(rosterConn, s.ServiceToken), AppealWindowDays: o.AppealWindowDays, Now: o.Now})
			indicators, templates, err := a.Seed(ctx)
			if err != nil {
				return err
			}
			if indicators > 0 || templates > 0 {
				log.Info("seeded the default indicator library and templates",
					zap.Int("indicators", indicators), zap.Int("templates", templates))
			}
			uc, runs, decisions = a, ports.NewRunServer(db, a), ports.NewDecisionServer(db, a)
			s.Register(&assessmentv1.IndicatorService_ServiceDesc, ports.NewIndicatorServer(db, a))
			s.Register(&assessmentv1.FigureService_ServiceDesc, ports.NewFigureServer(a))
			s.Register(&assessmentv1.RunService_ServiceDesc, runs)
			s.Register(&assessmentv1.CoefficientService_ServiceDesc, ports.NewCoefficientServer(a))
			s.Register(&assessmentv1.AssessmentService_ServiceDesc, ports.NewCycleServer(db, a))
			s.Register(&assessmentv1.DecisionService_ServiceDesc, decisions)
			s.Register(&assessmentv1.AppealService_ServiceDesc, ports.NewAppealServer(db, a))
			s.Register(&assessmentv1.SurveyService_ServiceDesc, ports.NewSurveyServer(db, a))
			go Send(ctx, a, o.SendEvery, log)
			return nil
		},
	}
}

// Send sends approved grade changes to the roster every interval until ctx
// ends: a change the roster does not take now stays pending and is sent
// again later, so that none is lost; each carries its own request id, so the
// roster applies it once.
func Send(ctx context.Context, a *app.App, every time.Duration, log *zap.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for {
			n, err := a.SendDeliveries(ctx, 100)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				failures++
				if failures == 1 || failures%30 == 0 {
					log.Warn("sending grade changes to the roster failed; retrying", zap.Error(err), zap.Int("failures", failures))
				}
				break
			}
			failures = 0
			if n < 100 {
				break
			}
		}
	}
}
