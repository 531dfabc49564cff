package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/grade"
)

// ErrRefused wraps a grade change the roster refused for good (the manager
// exited, the grade is not on the ladder): it is not sent again.
var ErrRefused = errors.New("refused by the roster")

// DeliveryState is where a grade change on its way to the roster stands.
type DeliveryState string

// Delivery states.
const (
	DeliveryPending   DeliveryState = "pending"   // approved, not yet applied; sent until it is
	DeliveryApplied   DeliveryState = "applied"   // the roster applied it
	DeliveryAwaiting  DeliveryState = "awaiting"  // the roster holds it for a second approval (exceptional)
	DeliveryFailed    DeliveryState = "failed"    // the roster refused it for good
	DeliveryCancelled DeliveryState = "cancelled" // replaced by an amendment before it was applied
)

// DeliveryRecord is one grade change for the roster, kept until the roster
// has it (the outbox of grade changes). Its ID is the roster request id:
// derived from what decided it, so that sending it again never applies it
// twice.
type DeliveryRecord struct {
	ID        string
	Manager   string
	Ladder    string
	Grade     grade.Grade
	Effective civil.Date
	Reason    string
	// Reference names what decided it: a decision, an early demotion; and
	// SourceRevision its revision.
	Reference      string
	SourceRevision int
	Exceptional    bool
	State          DeliveryState
	// RosterApproval is the roster's approval of an exceptional change.
	RosterApproval string
	// Error says why the roster refused it, or why the last attempt failed.
	Error                 string
	Attempts              int
	NextAttempt           time.Time
	CreateTime, ApplyTime time.Time
}

// DeliveryID derives the roster request id of the change decided by ref (a
// resource name) at revision.
func DeliveryID(ref string, revision int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", ref, revision)))
	return "assessment-" + hex.EncodeToString(sum[:20])
}

// DeliveryStore keeps the grade changes on their way to the roster.
type DeliveryStore interface {
	InsertDeliveries(ctx context.Context, ds []DeliveryRecord) error
	// ClaimDelivery takes the lease of a pending change until until, so that
	// nobody cancels it while it is being sent; false if it is no longer
	// pending or another sender holds it.
	ClaimDelivery(ctx context.Context, id string, now, until time.Time) (bool, error)
	// UpdateDelivery writes d's state, error, attempts and times and
	// releases its lease.
	UpdateDelivery(ctx context.Context, d DeliveryRecord) error
	// CancelDelivery cancels a pending change nobody is sending, with why;
	// false if it is not pending or is being sent.
	CancelDelivery(ctx context.Context, id string, now time.Time, why string) (bool, error)
	// DueDeliveries reads up to limit pending changes whose next attempt is
	// due at now and that nobody is sending, oldest first.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]DeliveryRecord, error)
	Delivery(ctx context.Context, id string) (DeliveryRecord, error)
}

// Grades applies grade changes in the roster, with the service's own
// identity.
type Grades interface {
	// ChangeGrade sends d; it returns the roster's approval name when the
	// roster holds an exceptional change for approval. An error wrapping
	// ErrRefused is final; any other is retried.
	ChangeGrade(ctx context.Context, d DeliveryRecord) (approval string, err error)
}

// sendLease is how long a sender holds a change it is sending: longer than
// a call to the roster may take; a sender that stops meanwhile leaves it to
// be sent again once the lease runs out.
const sendLease = time.Minute

// retryAfter is how long a failed delivery waits before it is sent again:
// 1 s doubling up to 5 minutes.
func retryAfter(attempts int) time.Duration {
	d := time.Second
	for i := 1; i < attempts && d < 5*time.Minute; i++ {
		d *= 2
	}
	return min(d, 5*time.Minute)
}

// SendDeliveries sends the grade changes that are due to the roster, one
// transaction each, and reports how many it handled. A change the roster
// refuses is marked failed with the reason; one that cannot be sent now
// (the roster is down) stays pending and is sent again later, so that an
// approved change is never lost; the roster applies a request id once, so
// it is never applied twice.
func (a *App) SendDeliveries(ctx context.Context, limit int) (int, error) {
	if a.grades == nil {
		return 0, nil
	}
	due, err := a.store.DueDeliveries(ctx, a.now(), limit)
	if err != nil {
		return 0, err
	}
	for i, d := range due {
		var claimed bool
		err := a.tx.InTx(ctx, func(ctx context.Context) error {
			var err error
			claimed, err = a.store.ClaimDelivery(ctx, d.ID, a.now(), a.now().Add(sendLease))
			return err
		})
		if err != nil {
			return i, err
		}
		if !claimed {
			continue // cancelled by an appeal, or another instance is sending it
		}
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		approvalName, err := a.grades.ChangeGrade(callCtx, d)
		cancel()
		now := a.now()
		d.Attempts++
		switch {
		case err == nil && approvalName != "":
			d.State, d.RosterApproval, d.Error, d.ApplyTime = DeliveryAwaiting, approvalName, "", now
		case err == nil:
			d.State, d.Error, d.ApplyTime = DeliveryApplied, "", now
		case errors.Is(err, ErrRefused):
			d.State, d.Error = DeliveryFailed, err.Error()
		default:
			if ctx.Err() != nil {
				return i, ctx.Err()
			}
			d.Error, d.NextAttempt = err.Error(), now.Add(retryAfter(d.Attempts))
		}
		if err := a.tx.InTx(ctx, func(ctx context.Context) error { return a.store.UpdateDelivery(ctx, d) }); err != nil {
			return i, err
		}
	}
	return len(due), nil
}
