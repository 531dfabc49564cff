// Package approval is the suite's maker–checker (四眼原则): an action prepared by one
// person is applied only when another person, holding the permission the action
// names and seeing its object in their scope, approves it. The preparer can never
// approve or reject their own action (the database refuses it too); they alone may
// withdraw it. Approval, rejection (with a reason) and withdrawal are recorded on the
// approval — its trail — and, like every change, in the audit log.
//
// A service prepares actions from its own RPCs with Prepare and registers an Applier
// per action; approving runs the applier in the approval's transaction, as the
// approver, so the decision and its effect commit together.
package approval

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/requestid"
	"github.com/rmsuite/rmsuite/pkg/storage"
)

// State is where an approval stands; the numbers match the wire enum.
type State int

// The states.
const (
	Pending   State = 1
	Approved  State = 2
	Rejected  State = 3
	Withdrawn State = 4
)

func (s State) String() string {
	return map[State]string{Pending: "pending", Approved: "approved", Rejected: "rejected", Withdrawn: "withdrawn"}[s]
}

// Errors, mapped by every service's error table (see Errors).
var (
	ErrNotFound     = errors.New("approval not found")
	ErrSelfApproval = errors.New("you prepared this action; someone else must decide on it (maker–checker)")
	ErrNotPending   = errors.New("approval is no longer pending")
	ErrNotPreparer  = errors.New("only the person who prepared an action may withdraw it")
	ErrNotAllowed   = errors.New("you may not decide on this action")
	ErrNoApplier    = errors.New("no applier registered for the action")
)

// Applier applies an approved action from its payload, in the approval's
// transaction, as the approver. It should record its change in the audit log.
type Applier func(ctx context.Context, payload []byte) error

// Applying tells an Applier which approval it applies (for its history records).
type Applying struct {
	Name       string // services/{service}/approvals/{id}
	PreparedBy string
	DecidedBy  string
}

type applyingKey struct{}

func withApplying(ctx context.Context, a Applying) context.Context {
	return context.WithValue(ctx, applyingKey{}, a)
}

// ApplyingFrom is the approval being applied, inside an Applier.
func ApplyingFrom(ctx context.Context) (Applying, bool) {
	a, ok := ctx.Value(applyingKey{}).(Applying)
	return a, ok
}

// Appliers maps actions (e.g. "roster.grade.change") to their appliers.
type Appliers map[string]Applier

// Action is what a service prepares.
type Action struct {
	Action             string          // e.g. "roster.grade.change"
	Object             string          // e.g. "managers/E3001"
	OrgPath            string          // the object's org path ("/…/unit/"), for approvers' scope
	Summary            string          // what it does, for the approver to read
	Payload            []byte          // what the applier needs, e.g. the original request
	ApproverPermission auth.Permission // what the approver's roles must grant
	Reason             string
}

// Approval is one prepared action and its trail.
type Approval struct {
	ID           string
	Action       Action
	State        State
	PreparedBy   string
	PreparedAt   time.Time
	DecidedBy    string
	DecidedAt    time.Time
	DecideReason string
	Revision     int64
}

// Etag is an opaque tag of the approval's revision.
func (a Approval) Etag() string {
	sum := sha256.Sum256([]byte(a.ID + ":" + strconv.FormatInt(a.Revision, 10)))
	return hex.EncodeToString(sum[:8])
}

// Prepare records a pending action, prepared by the caller in ctx, in the
// transaction ctx carries (the preparing RPC's).
func Prepare(ctx context.Context, db *storage.DB, a Action) (Approval, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return Approval{}, fmt.Errorf("%w: no verified caller to prepare the action", ErrNotAllowed)
	}
	if a.Action == "" || a.Object == "" || a.ApproverPermission == "" {
		return Approval{}, errors.New("approval: an action needs a name, an object and an approver permission")
	}
	ap := Approval{ID: requestid.New(), Action: a, State: Pending, PreparedBy: p.Subject, PreparedAt: storage.Now(), Revision: 1}
	err := db.InTx(ctx, func(ctx context.Context) error {
		_, err := db.Q(ctx).ExecContext(ctx, `INSERT INTO approvals
			(id, action, object_name, org_path, summary, payload, approver_permission, state, prepared_by, prepared_at, prepare_reason, revision)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			ap.ID, a.Action, a.Object, a.OrgPath, a.Summary, base64.StdEncoding.EncodeToString(a.Payload),
			string(a.ApproverPermission), int(Pending), ap.PreparedBy, ap.PreparedAt, a.Reason, ap.Revision)
		return err
	})
	return ap, err
}

// Propose prepares a pending action of service, like Prepare, and records the new
// approval as the calling RPC's audited change: an RPC whose whole effect is to ask
// for approval uses it. It answers the approval's resource name.
func Propose(ctx context.Context, db *storage.DB, service string, a Action) (string, error) {
	ap, err := Prepare(ctx, db, a)
	if err != nil {
		return "", err
	}
	err = audit.Record(ctx, audit.Change{ObjectType: "Approval", Object: Name(service, ap.ID), OrgPath: a.OrgPath,
		After: toProto(service, ap), Reason: a.Reason})
	if errors.Is(err, audit.ErrNoMutatingCall) {
		err = nil
	}
	return Name(service, ap.ID), err
}

const columns = `id, action, object_name, org_path, summary, payload, approver_permission, state,
	prepared_by, prepared_at, prepare_reason, decided_by, decided_at, decide_reason, revision`

func scan(row interface{ Scan(...any) error }) (Approval, error) {
	var a Approval
	var payload, perm string
	var decided sql.NullTime
	err := row.Scan(&a.ID, &a.Action.Action, &a.Action.Object, &a.Action.OrgPath, &a.Action.Summary, &payload, &perm,
		&a.State, &a.PreparedBy, &a.PreparedAt, &a.Action.Reason, &a.DecidedBy, &decided, &a.DecideReason, &a.Revision)
	if err != nil {
		return a, err
	}
	a.Action.ApproverPermission = auth.Permission(perm)
	a.PreparedAt = a.PreparedAt.UTC()
	if decided.Valid {
		a.DecidedAt = decided.Time.UTC()
	}
	a.Action.Payload, err = base64.StdEncoding.DecodeString(payload)
	return a, err
}

func get(ctx context.Context, db *storage.DB, id string) (Approval, error) {
	a, err := scan(db.Q(ctx).QueryRowContext(ctx, `SELECT `+columns+` FROM approvals WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("%w: approvals/%s", ErrNotFound, id)
	}
	return a, err
}

// decide moves a pending approval to state, checking the revision it was read at.
func decide(ctx context.Context, db *storage.DB, a Approval, state State, by, reason string) (Approval, error) {
	now := storage.Now()
	res, err := db.Q(ctx).ExecContext(ctx, `UPDATE approvals SET state = $1, decided_by = $2, decided_at = $3,
		decide_reason = $4, revision = revision + 1 WHERE id = $5 AND revision = $6 AND state = $7`,
		int(state), by, now, reason, a.ID, a.Revision, int(Pending))
	if err != nil {
		return a, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return a, err
	} else if n == 0 {
		return a, fmt.Errorf("%w: approvals/%s changed while you decided; read it again", ErrNotPending, a.ID)
	}
	a.State, a.DecidedBy, a.DecidedAt, a.DecideReason, a.Revision = state, by, now, reason, a.Revision+1
	return a, nil
}
