// Package service is the compensation service's composition root: storage,
// the roster and assessment clients (with the service's own token), the seed
// of the default pay configuration, the background worker that computes
// payroll runs, maker–checker for locking them, and the gRPC API.
package service

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/approval"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/metrics"
	"github.com/rmsuite/rmsuite/pkg/server"
	"github.com/rmsuite/rmsuite/pkg/storage"
	compv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/compensation/v1"
	"github.com/rmsuite/rmsuite/services/compensation/internal/adapters/peers"
	"github.com/rmsuite/rmsuite/services/compensation/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/compensation/internal/app"
	"github.com/rmsuite/rmsuite/services/compensation/internal/ports"
)

// Name is the service's name in etcd and in logs.
const Name = app.ServiceName

// DefaultConfig is the configuration before flags and environment apply.
func DefaultConfig() server.ServiceConfig {
	return server.ServiceConfig{
		Server: server.Config{GRPCAddr: "127.0.0.1:9103"},
		DBURL:  "sqlite:.data/compensation.db",
	}
}

// Options change how the service runs (tests).
type Options struct {
	// Now is the clock; storage.Now when nil.
	Now func() time.Time
	// Lease is how long a computation is held without progress (default 30 s).
	Lease time.Duration
	// Batch is how many payslips one write holds (default 2000).
	Batch int
	// Hook is called as computations progress; an error stops one as if the
	// process had died there (tests of crashes).
	Hook func(phase string, done int) error
	// NoWorker leaves queued computations alone (tests of crashes).
	NoWorker bool
}

// Descriptor describes the compensation service to server.Run.
func Descriptor() server.Service { return DescriptorWith(Options{}) }

// DescriptorWith is Descriptor with options.
func DescriptorWith(o Options) server.Service {
	if o.Now == nil {
		o.Now = storage.Now
	}
	// The use cases are built once, in Register; the approval appliers and the
	// audit scope, built earlier by server.Run, reach them through this.
	var mu sync.Mutex
	var uc *app.App
	current := func() *app.App {
		mu.Lock()
		defer mu.Unlock()
		return uc
	}
	return server.Service{
		Name:       Name,
		Migrations: []storage.Migrations{sqlstore.Migrations()},
		Errors:     append(apierr.Table{}, ports.ErrorTable...),
		Rules:      ports.Rules,
		HomePath: func(*storage.DB) audit.HomePath {
			return func(ctx context.Context, orgUnit string) (string, error) {
				if a := current(); a != nil {
					return a.HomePath(ctx, orgUnit)
				}
				return "", nil
			}
		},
		Appliers: func(*storage.DB) approval.Appliers {
			return approval.Appliers{app.ActionLock: func(ctx context.Context, payload []byte) error {
				return current().ApplyLock(ctx, payload)
			}}
		},
		Register: func(ctx context.Context, s *server.Server, db *storage.DB, log *zap.Logger) error {
			roster, err := s.Dial("roster")
			if err != nil {
				return err
			}
			assessment, err := s.Dial("assessment")
			if err != nil {
				return err
			}
			a := app.New(sqlstore.New(db), db, peers.New(roster, assessment, s.ServiceToken), o.Now)
			a.UseApprovals(ports.NewApprovals(db), ports.RunAudit{})
			mu.Lock()
			uc = a
			mu.Unlock()
			if seeded, err := a.Seed(auth.WithPrincipal(ctx, app.SeedCaller)); err != nil {
				return err
			} else if seeded {
				log.Info("seeded the default pay configuration")
			}
			w := app.NewWorker(a)
			if o.Lease > 0 {
				w.Lease = o.Lease
			}
			if o.Batch > 0 {
				w.Batch = o.Batch
			}
			w.Hook = o.Hook
			w.Logf = func(msg string, err error, run string) {
				log.Warn(msg, zap.Error(err), zap.String("run", run))
			}
			w.Observe = observePayroll(s.Metrics().Progress("payroll_run"))
			if !o.NoWorker {
				go w.Run(ctx)
			}
			s.Register(&compv1.PayService_ServiceDesc, ports.NewPayServer(db, a))
			s.Register(&compv1.PayrollService_ServiceDesc, ports.NewPayrollServer(db, a))
			return nil
		},
	}
}

// observePayroll reports the worker's computations as rmsuite_operation_items
// {operation="payroll_run", run="payrollRuns/…"} (payslips planned and written)
// while they run, and their outcome when they end. The worker computes one at a
// time, so the function is never called concurrently.
func observePayroll(p *metrics.Progress) func(op app.OpRecord, written int, outcome string) {
	var run *metrics.Run
	var opID string
	reported := 0
	return func(op app.OpRecord, written int, outcome string) {
		if run == nil || opID != op.ID {
			run, opID, reported = p.Start("payrollRuns/"+op.RunID, op.Total), op.ID, 0
		}
		run.Planned(op.Total)
		if written > reported {
			run.Done(written - reported)
			reported = written
		}
		if outcome != "" {
			run.Finish(outcome)
			run = nil
		}
	}
}
