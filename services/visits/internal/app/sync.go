package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
)

// FeedPortfolio names the roster's portfolio change feed among the cursors.
const FeedPortfolio = "roster.portfolio"

// Sync keeps the service's copy of the roster's customers by applying the
// portfolio change feed. Each change is applied with the cursor in one
// transaction, and applying one twice changes nothing, so delivery at least once
// is safe and a restart resumes where it stopped.
type Sync struct {
	db    *storage.DB
	store *sqlstore.Store
	// path is the org path of a manager's unit (the receiver of a handover), read
	// from the roster with the service's own token.
	path func(ctx context.Context, manager string) (string, error)
}

// NewSync returns the feed applier; path finds a manager's org path.
func NewSync(db *storage.DB, store *sqlstore.Store, path func(ctx context.Context, manager string) (string, error)) *Sync {
	return &Sync{db: db, store: store, path: path}
}

// Cursor is the last change applied.
func (s *Sync) Cursor(ctx context.Context) (int64, error) { return s.store.Cursor(ctx, FeedPortfolio) }

// Apply applies one change (skipping one at or before the cursor).
func (s *Sync) Apply(ctx context.Context, ch *rosterv1.PortfolioChange) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.store.Cursor(ctx, FeedPortfolio)
		if err != nil || ch.GetSequence() <= cur {
			return err
		}
		if st := ch.GetState(); st != nil {
			if err := s.store.UpsertCustomer(ctx, fromRoster(st), ch.GetSequence()); err != nil {
				return err
			}
		}
		at := ch.GetTime().AsTime()
		for _, m := range ch.GetMoves() {
			id := strings.TrimPrefix(m.GetCustomer(), "customers/")
			from, to := strings.TrimPrefix(m.GetFromManager(), "managers/"), strings.TrimPrefix(m.GetToManager(), "managers/")
			if err := s.store.MoveCustomer(ctx, id, to, ch.GetSequence()); err != nil {
				return err
			}
			if err := s.store.MoveOpenTasks(ctx, id, from, to); err != nil {
				return err
			}
			if err := s.store.MoveOpenRequests(ctx, id, from, to, at); err != nil {
				return err
			}
			// Open work follows the receiver into their unit: their supervisors see
			// it, and an overdue request escalates to them.
			path, err := s.path(ctx, to)
			if err != nil {
				return err
			}
			if err := s.store.RepathOpenWork(ctx, id, to, path); err != nil {
				return err
			}
			if err := s.handOverLines(ctx, id, from, to, at); err != nil {
				return err
			}
		}
		return s.store.SetCursor(ctx, FeedPortfolio, ch.GetSequence())
	})
}

// handOverLines moves the customer's unfinished lines in the giver's plans of
// the handover's month and later (not closed) to the receiver's plans of the same
// months, where those exist and are not closed; the giver's lines stay, marked
// handed over. A receiver without a plan for a month gets the customer's due
// visits when that plan is generated.
func (s *Sync) handOverLines(ctx context.Context, customer, from, to string, at time.Time) error {
	plans, err := s.store.OpenPlansFrom(ctx, from, civil.Of(at.In(civil.Shanghai)).FirstOfMonth())
	if err != nil {
		return err
	}
	for _, p := range plans {
		state := p.State
		lines := p.HandOver(customer, to)
		if len(lines) == 0 {
			continue
		}
		p.Revision, p.UpdateTime = p.Revision+1, at
		if err := s.store.UpdatePlan(ctx, p, state); err != nil {
			return err
		}
		recv, err := s.store.Plan(ctx, to, p.Month)
		if errors.Is(err, sqlstore.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if recv.Closed() {
			continue
		}
		recvState := recv.State
		recv.Receive(lines)
		recv.Revision, recv.UpdateTime = recv.Revision+1, at
		if err := s.store.UpdatePlan(ctx, recv, recvState); err != nil {
			return err
		}
	}
	return nil
}

func fromRoster(c *rosterv1.Customer) sqlstore.Customer {
	out := sqlstore.Customer{
		Customer: plan.Customer{ID: strings.TrimPrefix(c.GetName(), "customers/"), Name: c.GetDisplayName(),
			Classification: c.GetClassification(), AreaType: strings.TrimPrefix(c.GetAreaType().String(), "AREA_TYPE_")},
		Kind:    strings.TrimPrefix(c.GetKind().String(), "KIND_"),
		Address: c.GetAddress(), ManagerID: strings.TrimPrefix(c.GetPrimaryManager(), "managers/"),
		OrgUnitID: strings.TrimPrefix(c.GetOrgUnit(), "orgUnits/"),
	}
	if c.GetAreaType() == rosterv1.Customer_AREA_TYPE_UNSPECIFIED {
		out.AreaType = ""
	}
	if c.GetKind() == rosterv1.Customer_KIND_UNSPECIFIED {
		out.Kind = ""
	}
	if loc := c.GetLocation(); loc != nil {
		lat, lng := loc.GetLatitude(), loc.GetLongitude()
		out.Lat, out.Lng = &lat, &lng
	}
	return out
}
