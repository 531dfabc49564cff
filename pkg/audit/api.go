package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/storage"
	auditv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/audit/v1"
)

// Rules declare the audit API's permission; every service serves it.
var Rules = auth.Rules{
	auditv1.AuditService_ListAuditRecords_FullMethodName: {Permission: auth.AuditRead},
}

// HomePath resolves the org path ("/…/id/") of a caller's home org unit; "" when it
// is unknown. Services that know the tree (the roster) resolve it locally; others
// ask the roster.
type HomePath func(ctx context.Context, orgUnit string) (string, error)

// Server serves one service's audit log.
type Server struct {
	auditv1.UnimplementedAuditServiceServer
	service string
	db      *storage.DB
	home    HomePath
}

// NewServer serves the log of service (e.g. "roster") from db. home may be nil: then
// supervisors and branch heads see only what they did themselves.
func NewServer(service string, db *storage.DB, home HomePath) *Server {
	return &Server{service: service, db: db, home: home}
}

var listSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"object":      {Column: "object_name", Type: aip.String, Orderable: true},
		"object_type": {Column: "object_type", Type: aip.String},
		"actor":       {Column: "actor", Type: aip.String, Orderable: true},
		"method":      {Column: "method", Type: aip.String},
		"time":        {Column: "at", Type: aip.Timestamp, Orderable: true},
	},
	DefaultOrder:    "time desc",
	Tiebreak:        "id",
	DefaultPageSize: 50,
	MaxPageSize:     1000,
}

// ListAuditRecords lists records within the caller's scope: administrators, HR and
// the committee see all; supervisors and branch heads the records of objects in
// their subtree and their own; everyone else only their own actions.
func (s *Server) ListAuditRecords(ctx context.Context, req *auditv1.ListAuditRecordsRequest) (*auditv1.ListAuditRecordsResponse, error) {
	if want := "services/" + s.service; req.GetParent() != want {
		return nil, apierr.Invalid("parent", "%q is not served here; this service's log is %s", req.GetParent(), want)
	}
	scope, args, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	q, err := listSchema.Compile(aip.Request{Filter: req.GetFilter(), OrderBy: req.GetOrderBy(),
		PageSize: req.GetPageSize(), PageToken: req.GetPageToken()}, len(args)+1)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, fmt.Sprintf(`SELECT id, at, actor, actor_roles, on_behalf_of, method, request_id,
		object_type, object_name, before_json, after_json, reason FROM audit_log%s ORDER BY %s LIMIT %d`,
		q.WhereClause(scope), q.OrderBy, q.Limit),
		append(args, q.Args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	resp := &auditv1.ListAuditRecordsResponse{}
	for rows.Next() {
		var r auditv1.AuditRecord
		var id, roles, before, after string
		var at time.Time
		if err := rows.Scan(&id, &at, &r.Actor, &roles, &r.OnBehalfOf, &r.Method, &r.RequestId,
			&r.ObjectType, &r.Object, &before, &after, &r.Reason); err != nil {
			return nil, err
		}
		r.Name = "services/" + s.service + "/auditRecords/" + id
		r.Time = timestamppb.New(at.UTC())
		if roles != "" {
			r.ActorRoles = strings.Split(roles, ",")
		}
		if r.Before, err = toStruct(before); err != nil {
			return nil, err
		}
		if r.After, err = toStruct(after); err != nil {
			return nil, err
		}
		resp.AuditRecords = append(resp.AuditRecords, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(resp.AuditRecords) > q.PageSize {
		resp.AuditRecords = resp.AuditRecords[:q.PageSize]
		last := resp.AuditRecords[len(resp.AuditRecords)-1]
		if resp.NextPageToken, err = q.NextPageToken(map[string]any{
			"id":          strings.TrimPrefix(last.GetName(), "services/"+s.service+"/auditRecords/"),
			"actor":       last.GetActor(),
			"object_name": last.GetObject(),
			"at":          last.GetTime().AsTime(),
		}); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// scope is the SQL condition for the records the caller may read.
func (s *Server) scope(ctx context.Context) (string, []any, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return "", nil, fmt.Errorf("audit: no verified caller")
	}
	if p.BankWide() {
		return "1 = 1", nil, nil
	}
	if p.HasAny(auth.Supervisor, auth.BranchHead) && s.home != nil && p.OrgUnit != "" {
		home, err := s.home(ctx, p.OrgUnit)
		if err != nil {
			return "", nil, err
		}
		if home != "" {
			return "(actor = $1 OR substr(org_path, 1, length($2)) = $2)", []any{p.Subject, home}, nil
		}
	}
	return "actor = $1", []any{p.Subject}, nil
}

func toStruct(raw string) (*structpb.Struct, error) {
	if raw == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, err
	}
	return structpb.NewStruct(m)
}
