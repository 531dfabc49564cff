package approval

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/idempotency"
	"github.com/rmsuite/rmsuite/pkg/storage"
	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
)

// Rules declare the approval API's permissions; every service serves it.
var Rules = auth.Rules{
	approvalv1.ApprovalService_GetApproval_FullMethodName:      {Permission: auth.ApprovalsRead},
	approvalv1.ApprovalService_ListApprovals_FullMethodName:    {Permission: auth.ApprovalsRead},
	approvalv1.ApprovalService_ApproveApproval_FullMethodName:  {Permission: auth.ApprovalsDecide, Mutates: true},
	approvalv1.ApprovalService_RejectApproval_FullMethodName:   {Permission: auth.ApprovalsDecide, Mutates: true},
	approvalv1.ApprovalService_WithdrawApproval_FullMethodName: {Permission: auth.ApprovalsRead, Mutates: true},
}

// Errors map the approval errors to gRPC codes; every service's table includes them.
var Errors = apierr.Table{
	{Err: ErrNotFound, Code: codes.NotFound},
	{Err: ErrSelfApproval, Code: codes.PermissionDenied},
	{Err: ErrNotPreparer, Code: codes.PermissionDenied},
	{Err: ErrNotAllowed, Code: codes.PermissionDenied},
	{Err: ErrNotPending, Code: codes.FailedPrecondition},
}

// Server serves one service's approvals.
type Server struct {
	approvalv1.UnimplementedApprovalServiceServer
	service  string
	db       *storage.DB
	appliers Appliers
	home     audit.HomePath
}

// NewServer serves the approvals of service from db, applying approved actions with
// appliers; home resolves callers' home org paths for scope (nil: only
// administrators, HR and the committee decide beyond their own actions).
func NewServer(service string, db *storage.DB, appliers Appliers, home audit.HomePath) *Server {
	return &Server{service: service, db: db, appliers: appliers, home: home}
}

// homePath is the caller's home org path, "" when unknown.
func (s *Server) homePath(ctx context.Context, p auth.Principal) (string, error) {
	if s.home == nil || p.OrgUnit == "" {
		return "", nil
	}
	return s.home(ctx, p.OrgUnit)
}

// inScope: the approval's object lies in the caller's subtree.
func inScope(p auth.Principal, home string, a Approval) bool {
	return p.BankWide() || (home != "" && p.HasAny(auth.Supervisor, auth.BranchHead) && strings.HasPrefix(a.Action.OrgPath, home))
}

func (s *Server) parseName(field, name string) (string, error) {
	id, ok := strings.CutPrefix(name, "services/"+s.service+"/approvals/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", apierr.Invalid(field, "%q is not an approval of this service: want services/%s/approvals/{id}", name, s.service)
	}
	return id, nil
}

// load reads an approval the caller may see (their own, or in scope); others are
// not found.
func (s *Server) load(ctx context.Context, name string) (Approval, auth.Principal, string, error) {
	id, err := s.parseName("name", name)
	if err != nil {
		return Approval{}, auth.Principal{}, "", err
	}
	p, ok := auth.FromContext(ctx)
	if !ok {
		return Approval{}, p, "", fmt.Errorf("%w: no verified caller", ErrNotAllowed)
	}
	a, err := get(ctx, s.db, id)
	if err != nil {
		return a, p, "", err
	}
	home, err := s.homePath(ctx, p)
	if err != nil {
		return a, p, "", err
	}
	if a.PreparedBy != p.Subject && !inScope(p, home, a) {
		return Approval{}, p, "", fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	return a, p, home, nil
}

// GetApproval reads one approval.
func (s *Server) GetApproval(ctx context.Context, req *approvalv1.GetApprovalRequest) (*approvalv1.Approval, error) {
	a, _, _, err := s.load(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	return s.toProto(a), nil
}

var listSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"state": {Column: "state", Type: aip.Enum, Enum: map[string]any{
			"PENDING": 1, "APPROVED": 2, "REJECTED": 3, "WITHDRAWN": 4,
			"STATE_PENDING": 1, "STATE_APPROVED": 2, "STATE_REJECTED": 3, "STATE_WITHDRAWN": 4,
		}},
		"action":       {Column: "action", Type: aip.String},
		"object":       {Column: "object_name", Type: aip.String},
		"prepared_by":  {Column: "prepared_by", Type: aip.String},
		"decided_by":   {Column: "decided_by", Type: aip.String},
		"prepare_time": {Column: "prepared_at", Type: aip.Timestamp, Orderable: true},
	},
	DefaultOrder:    "prepare_time desc",
	Tiebreak:        "id",
	DefaultPageSize: 50,
	MaxPageSize:     1000,
}

// ListApprovals lists the caller's own approvals and those in their scope.
func (s *Server) ListApprovals(ctx context.Context, req *approvalv1.ListApprovalsRequest) (*approvalv1.ListApprovalsResponse, error) {
	if want := "services/" + s.service; req.GetParent() != want {
		return nil, apierr.Invalid("parent", "%q is not served here; this service's approvals are under %s", req.GetParent(), want)
	}
	p, ok := auth.FromContext(ctx)
	if !ok {
		return nil, fmt.Errorf("%w: no verified caller", ErrNotAllowed)
	}
	home, err := s.homePath(ctx, p)
	if err != nil {
		return nil, err
	}
	scope, args := "prepared_by = $1", []any{p.Subject}
	switch {
	case p.BankWide():
		scope, args = "1 = 1", nil
	case home != "" && p.HasAny(auth.Supervisor, auth.BranchHead):
		scope, args = "(prepared_by = $1 OR substr(org_path, 1, length($2)) = $2)", []any{p.Subject, home}
	}
	q, err := listSchema.Compile(aip.Request{Filter: req.GetFilter(), OrderBy: req.GetOrderBy(),
		PageSize: req.GetPageSize(), PageToken: req.GetPageToken()}, len(args)+1)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM approvals%s ORDER BY %s LIMIT %d`,
		columns, q.WhereClause(scope), q.OrderBy, q.Limit), append(args, q.Args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []Approval
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	resp := &approvalv1.ListApprovalsResponse{}
	if len(list) > q.PageSize {
		list = list[:q.PageSize]
		last := list[len(list)-1]
		if resp.NextPageToken, err = q.NextPageToken(map[string]any{"id": last.ID, "prepared_at": last.PreparedAt}); err != nil {
			return nil, err
		}
	}
	for _, a := range list {
		resp.Approvals = append(resp.Approvals, s.toProto(a))
	}
	return resp, nil
}

// ApproveApproval approves a pending action and applies it, in one transaction.
func (s *Server) ApproveApproval(ctx context.Context, req *approvalv1.ApproveApprovalRequest) (*approvalv1.Approval, error) {
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*approvalv1.Approval, error) {
		a, p, home, err := s.decidable(ctx, req.GetName(), req.GetEtag())
		if err != nil {
			return nil, err
		}
		apply, ok := s.appliers[a.Action.Action]
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrNoApplier, a.Action.Action)
		}
		if !inScope(p, home, a) {
			return nil, fmt.Errorf("%w: %s lies outside your org subtree", ErrNotAllowed, a.Action.Object)
		}
		before := a
		if a, err = decide(ctx, s.db, a, Approved, p.Subject, req.GetReason()); err != nil {
			return nil, err
		}
		if err := apply(withApplying(ctx, Applying{Name: s.name(a), PreparedBy: a.PreparedBy, DecidedBy: p.Subject}), a.Action.Payload); err != nil {
			return nil, err // the decision rolls back with the failed effect
		}
		note := fmt.Sprintf("approved %s (prepared by %s)", s.name(a), a.PreparedBy)
		if audit.Recorded(ctx) > 0 {
			audit.Annotate(ctx, note) // the applied change is the call's record
		} else if err := s.record(ctx, before, a, note); err != nil {
			return nil, err
		}
		return s.toProto(a), nil
	})
}

// RejectApproval rejects a pending action with a reason.
func (s *Server) RejectApproval(ctx context.Context, req *approvalv1.RejectApprovalRequest) (*approvalv1.Approval, error) {
	if strings.TrimSpace(req.GetReason()) == "" {
		return nil, apierr.Invalid("reason", "is required: say why the action is rejected")
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*approvalv1.Approval, error) {
		a, p, home, err := s.decidable(ctx, req.GetName(), req.GetEtag())
		if err != nil {
			return nil, err
		}
		if !inScope(p, home, a) {
			return nil, fmt.Errorf("%w: %s lies outside your org subtree", ErrNotAllowed, a.Action.Object)
		}
		before := a
		if a, err = decide(ctx, s.db, a, Rejected, p.Subject, strings.TrimSpace(req.GetReason())); err != nil {
			return nil, err
		}
		return s.toProto(a), s.record(ctx, before, a, a.DecideReason)
	})
}

// WithdrawApproval lets the preparer take back a pending action.
func (s *Server) WithdrawApproval(ctx context.Context, req *approvalv1.WithdrawApprovalRequest) (*approvalv1.Approval, error) {
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*approvalv1.Approval, error) {
		a, p, _, err := s.load(ctx, req.GetName())
		if err != nil {
			return nil, err
		}
		if a.PreparedBy != p.Subject {
			return nil, fmt.Errorf("%w (%s prepared %s)", ErrNotPreparer, a.PreparedBy, req.GetName())
		}
		if err := s.pendingAt(a, req.GetEtag()); err != nil {
			return nil, err
		}
		before := a
		if a, err = decide(ctx, s.db, a, Withdrawn, p.Subject, strings.TrimSpace(req.GetReason())); err != nil {
			return nil, err
		}
		return s.toProto(a), s.record(ctx, before, a, a.DecideReason)
	})
}

// decidable loads an approval the caller may approve or reject: pending, at the
// caller's etag, prepared by someone else, and the caller's roles grant the
// permission the action names.
func (s *Server) decidable(ctx context.Context, name, etag string) (Approval, auth.Principal, string, error) {
	a, p, home, err := s.load(ctx, name)
	if err != nil {
		return a, p, home, err
	}
	if err := s.pendingAt(a, etag); err != nil {
		return a, p, home, err
	}
	if a.PreparedBy == p.Subject {
		return a, p, home, ErrSelfApproval
	}
	if !auth.Allowed(p, a.Action.ApproverPermission) {
		return a, p, home, fmt.Errorf("%w: deciding on %s needs %s", ErrNotAllowed, a.Action.Action, a.Action.ApproverPermission)
	}
	return a, p, home, nil
}

func (s *Server) pendingAt(a Approval, etag string) error {
	if etag != "" && etag != a.Etag() {
		return fmt.Errorf("%w (%s)", apierr.ErrEtagMismatch, s.name(a))
	}
	if a.State != Pending {
		return fmt.Errorf("%w: %s was already %s by %s", ErrNotPending, s.name(a), a.State, a.DecidedBy)
	}
	return nil
}

// record writes the approval's transition to the audit log (outside a mutating
// call — direct use in tests — there is nothing to attach it to).
func (s *Server) record(ctx context.Context, before, after Approval, reason string) error {
	err := audit.Record(ctx, audit.Change{ObjectType: "Approval", Object: s.name(after), OrgPath: after.Action.OrgPath,
		Before: s.toProto(before), After: s.toProto(after), Reason: reason})
	if errors.Is(err, audit.ErrNoMutatingCall) {
		return nil
	}
	return err
}

func (s *Server) name(a Approval) string { return Name(s.service, a.ID) }

// Name is the resource name of approval id of service.
func Name(service, id string) string { return "services/" + service + "/approvals/" + id }

func (s *Server) toProto(a Approval) *approvalv1.Approval { return toProto(s.service, a) }

func toProto(service string, a Approval) *approvalv1.Approval {
	out := &approvalv1.Approval{
		Name: Name(service, a.ID), Action: a.Action.Action, Object: a.Action.Object, Summary: a.Action.Summary,
		State: approvalv1.Approval_State(a.State), ApproverPermission: string(a.Action.ApproverPermission),
		PreparedBy: a.PreparedBy, PrepareTime: timestamppb.New(a.PreparedAt), PrepareReason: a.Action.Reason,
		DecidedBy: a.DecidedBy, DecideReason: a.DecideReason, Etag: a.Etag(),
	}
	if !a.DecidedAt.IsZero() {
		out.DecideTime = timestamppb.New(a.DecidedAt)
	}
	return out
}
